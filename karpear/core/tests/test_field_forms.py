"""Forms as field staff meet them (issue 10): numbers typed in Khmer digits, a new household's poverty
status, a volunteer's area chosen with the place picker."""

from __future__ import annotations

import importlib
import inspect
import re
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps

from conftest import login
from karpear.core.forms import KhmerDecimalField, KhmerIntegerField, KhmerNumberMixin
from karpear.core.models import Household, Person
from karpear.core.tests.factories import form_data

pytestmark = pytest.mark.django_db

NEW = "/people/new/"


def field_block(html: str, name: str) -> str:
    blocks = [b for b in html.split('<div class="field') if f'name="{name}"' in b]
    assert len(blocks) == 1, f"no single field block for {name}"
    return blocks[0]


# ---------------------------------------------------------------- item 5: Khmer digits in number fields
def _project_forms() -> list[type[forms.BaseForm]]:
    """Every form class defined in a Karpear app's forms module."""
    found: list[type[forms.BaseForm]] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("karpear."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_number_field_of_every_form_accepts_khmer_digits():
    number_fields = []
    for form_class in _project_forms():
        for name, field in form_class.base_fields.items():  # type: ignore[attr-defined]
            if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
                number_fields.append((form_class.__name__, name, field))
    assert len(number_fields) >= 8  # the register form's birth year, the livelihoods forms' numbers
    for form_name, name, field in number_fields:
        assert isinstance(field, KhmerNumberMixin), f"{form_name}.{name} is a plain number field"
        assert not isinstance(field.widget, forms.NumberInput), f"{form_name}.{name} is <input type=number>"
        assert field.to_python("១២") == 12, f"{form_name}.{name} does not read Khmer digits"


def test_khmer_digits_spaces_and_separators_are_read_as_numbers():
    assert KhmerIntegerField().clean("១ ៩៩០") == 1990
    assert KhmerDecimalField(decimal_places=2).clean("១,២៥០.៥០") == Decimal("1250.50")
    with pytest.raises(forms.ValidationError):
        KhmerIntegerField().clean("១៩x")


def test_the_birth_year_input_is_not_a_browser_number_input_that_drops_khmer_digits(client, users):
    """`<input type="number">` is emptied by the browser when it holds ១៩៩០: the year never reached the server."""
    login(client, users["caseworker"])

    block = field_block(client.get(NEW).content.decode(), "birth_year")

    assert 'type="number"' not in block
    assert 'inputmode="numeric"' in block


def test_a_birth_year_typed_in_khmer_digits_is_saved(client, users):
    login(client, users["caseworker"])

    response = client.post(NEW, form_data(birth_year="១៩៩០"))

    assert response.status_code == 302
    assert Person.objects.get().birth_year == 1990


def test_a_birth_year_in_khmer_digits_out_of_range_is_an_error_next_to_the_field(client, users):
    login(client, users["caseworker"])

    response = client.post(NEW, form_data(birth_year="១៨០០"))

    assert response.status_code == 200
    assert '<p class="error"' in field_block(response.content.decode(), "birth_year")
    assert not Person.objects.exists()
    assert Household.objects.count() == 0


# ---------------------------------------------------------------- item 6: a new household is "not assessed"
def _selected(html: str, name: str) -> list[str]:
    block = field_block(html, name)
    select = block[block.index("<select") : block.index("</select>")]
    options = re.findall(r'<option value="([^"]*)"([^>]*)>', select)
    chosen = [value for value, attrs in options if "selected" in attrs]
    # A browser submits the first option of a select with none selected.
    return chosen or [options[0][0]]


def test_the_register_form_offers_a_new_household_as_not_assessed(client, users):
    login(client, users["caseworker"])

    html = client.get(NEW).content.decode()

    assert _selected(html, "new_household_poverty") == [Household.Poverty.NOT_ASSESSED]


def test_a_new_household_left_alone_is_not_assessed_not_idpoor(client, users):
    login(client, users["caseworker"])

    response = client.post(NEW, form_data(new_household_code="HH-1"))

    assert response.status_code == 302
    assert Household.objects.get().poverty_status == Household.Poverty.NOT_ASSESSED


def test_a_household_made_by_a_service_without_a_status_is_not_assessed(users):
    from karpear.core import services
    from karpear.core.tests.factories import place

    household = services.household_create(actor=users["caseworker"], code="HH-2", place=place())

    assert household.poverty_status == Household.Poverty.NOT_ASSESSED


# ---------------------------------------------------------------- item 7: a volunteer's area with the place picker
def test_the_member_form_offers_the_place_picker_not_a_box_for_commune_codes(client, users):
    login(client, users["org_admin"])

    html = client.get("/members/new/").content.decode()

    assert 'name="area-province"' in html and 'name="area-commune"' in html
    assert "Six-digit codes" not in html


def test_an_org_admin_sets_a_volunteers_commune_with_the_place_picker(client, users):
    from karpear.core.models import Membership
    from karpear.core.tests.factories import COMMUNE

    login(client, users["org_admin"])

    response = client.post(
        "/members/new/",
        {
            "username": "sophea",
            "role": "volunteer",
            "place_limited": "on",
            "area-province": COMMUNE[:2],
            "area-district": COMMUNE[:4],
            "area-commune": COMMUNE,
        },
    )

    assert response.status_code == 200, response.content.decode()[:2000]
    membership = Membership.objects.get(user__username="sophea")
    assert [c.code for c in membership.communes.all()] == [COMMUNE]


def test_the_member_page_names_the_communes_and_unticking_one_removes_it(client, users):
    from karpear.core.models import Commune, Membership
    from karpear.core.tests.factories import COMMUNE, OTHER_COMMUNE

    volunteer = users["volunteer"]
    membership = Membership.objects.get(user=volunteer)
    membership.place_limited = True
    membership.save()
    membership.communes.set(Commune.objects.filter(code__in=[COMMUNE, OTHER_COMMUNE]))
    login(client, users["org_admin"])

    html = client.get(f"/members/{volunteer.uuid}/").content.decode()
    block = field_block(html, "communes")
    assert "Chantrea" in block and f"({COMMUNE})" in block and f"({OTHER_COMMUNE})" in block

    response = client.post(
        f"/members/{volunteer.uuid}/",
        {"role": "volunteer", "is_active": "on", "place_limited": "on", "communes": [OTHER_COMMUNE]},
    )

    assert response.status_code == 302
    assert [c.code for c in membership.communes.all()] == [OTHER_COMMUNE]


def test_a_province_picked_without_its_commune_is_an_error_in_the_picker_and_nothing_is_saved(client, users):
    from karpear.core.models import Membership

    login(client, users["org_admin"])

    response = client.post(
        "/members/new/", {"username": "dara", "role": "volunteer", "place_limited": "on", "area-province": "20"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    picker = html[html.index('id="place-picker-area"') :]
    assert "Choose the commune, or tick the whole province above." in picker
    assert not Membership.objects.filter(user__username="dara").exists()


# ---------------------------------------------------------------- item 4: the picker of a place-limited volunteer
def _options(html: str, name: str) -> list[str]:
    match = re.search(rf'<select id="[^"]*" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match is not None, name
    return [v for v in re.findall(r'<option value="([^"]*)"', match.group(1)) if v]


def _chosen(html: str, name: str) -> str:
    match = re.search(rf'<select id="[^"]*" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match is not None, name
    chosen = re.findall(r'<option value="([^"]*)" selected', match.group(1))
    return chosen[0] if chosen else ""


@pytest.fixture
def limited_volunteer(orgs):
    from conftest import make_user
    from karpear.core.tests.factories import COMMUNE, limit_to_commune

    volunteer = make_user(orgs["own"], "volunteer", username="commune-volunteer")
    limit_to_commune(volunteer, COMMUNE)
    return volunteer


def test_a_volunteer_limited_to_one_commune_finds_it_chosen_and_nothing_else_offered(client, limited_volunteer):
    from karpear.core.tests.factories import COMMUNE

    login(client, limited_volunteer)

    html = client.get(NEW).content.decode()

    assert _options(html, "province") == [COMMUNE[:2]]
    assert _options(html, "district") == [COMMUNE[:4]]
    assert _options(html, "commune") == [COMMUNE]
    assert (_chosen(html, "province"), _chosen(html, "district"), _chosen(html, "commune")) == (
        COMMUNE[:2],
        COMMUNE[:4],
        COMMUNE,
    )
    assert _options(html, "village")  # the villages of that commune, to choose from


def test_the_picker_search_offers_a_limited_volunteer_only_places_inside_their_commune(client, limited_volunteer):
    from karpear.core.tests.factories import COMMUNE

    login(client, limited_volunteer)

    html = client.get("/places/picker/", {"place_q": "Svay"}).content.decode()
    picks = re.findall(r'name="place_pick" value="([^"]*)"', html)

    assert picks  # the province (holding the commune) is found
    assert {p for p in picks if not p.startswith("v:")} <= {f"p:{COMMUNE[:2]}", f"d:{COMMUNE[:4]}", f"c:{COMMUNE}"}
    elsewhere = client.get("/places/picker/", {"place_q": "Phnom Penh"}).content.decode()
    assert 'name="place_pick"' not in elsewhere


def test_a_caseworker_without_place_limit_is_offered_every_province(client, users):
    login(client, users["caseworker"])

    html = client.get(NEW).content.decode()

    assert len(_options(html, "province")) == 25
    assert _chosen(html, "province") == ""


def test_a_place_outside_the_volunteers_commune_is_refused_naming_the_allowed_place(client, limited_volunteer):
    from karpear.core.tests.factories import OTHER_COMMUNE, first_village

    login(client, limited_volunteer)

    response = client.post(
        NEW,
        form_data(
            province=OTHER_COMMUNE[:2],
            district=OTHER_COMMUNE[:4],
            commune=OTHER_COMMUNE,
            village=first_village(OTHER_COMMUNE).pk,
        ),
    )

    assert response.status_code == 200
    assert "You may register people only in the places you work in: Chantrea (Svay Rieng)." in (
        response.content.decode()
    )
    assert not Person.objects.exists()
