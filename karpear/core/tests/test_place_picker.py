"""The place picker is core's public helper for any page, with several pickers on one page (issue 9, item 7)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from conftest import login
from karpear.core.forms import PlaceForm
from karpear.core.place_picker import place_picker


def test_two_pickers_on_one_page_have_their_own_names_and_ids(db: Any) -> None:
    data = {"origin-province": "20", "destination-place_pick": "p:09"}
    origin = place_picker(data, prefix="origin", legend="Place of origin")
    destination = place_picker(data, prefix="destination")
    assert origin.names["province"] == "origin-province" and origin.ids["province"] == "id_origin-province"
    assert destination.names["pick"] == "destination-place_pick"
    assert origin.state["province"] == "20" and destination.state["province"] == "09"
    assert [d.code for d in origin.districts][:2] == ["2001", "2002"]
    assert origin.ids["box"] != destination.ids["box"]


def test_a_prefixed_form_reads_what_its_picker_sends(db: Any) -> None:
    form = PlaceForm({"origin-province": "20", "origin-district": "2001"}, prefix="origin")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"].district.code == "2001"
    bad = PlaceForm({"origin-province": "20", "origin-district": "0901"}, prefix="origin")
    assert not bad.is_valid()
    picker = place_picker({"origin-province": "20", "origin-district": "0901"}, prefix="origin", form=bad)
    assert picker.errors["district"] == ["Unknown place code."]


def test_the_picker_view_re_renders_one_prefixed_picker(client: Client, users: Any) -> None:
    login(client, users["caseworker"])
    response = client.get("/places/picker/", {"prefix": "destination", "destination-province": "20"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="place-picker-destination"' in html and 'name="destination-district"' in html
    assert 'hx-get="/places/picker/?prefix=destination"' in html
    assert re.search(
        r'<select id="id_destination-district" name="destination-district"><option value="">—</option><option value="2001"',
        html,
    )


def test_a_prefix_that_is_not_a_name_is_ignored(client: Client, users: Any) -> None:
    login(client, users["caseworker"])
    html = client.get("/places/picker/", {"prefix": '"><script>x</script>'}).content.decode()
    assert "<script>x" not in html and 'id="place-picker"' in html
