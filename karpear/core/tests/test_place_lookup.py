"""Many places checked at once (services.place_lookup, for a screen with a picker per row): the same answers and
errors as resolve_place's query per level, with four queries whatever the number of places."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karpear.core import services
from karpear.core.models import Village
from karpear.core.tests.factories import COMMUNE, DISTRICT, OTHER_COMMUNE, PROVINCE, first_village

pytestmark = pytest.mark.django_db


def places(count: int) -> list[dict[str, object]]:
    villages = list(Village.objects.filter(commune_id__in=[COMMUNE, OTHER_COMMUNE]).order_by("id")[:count])
    return [
        {"province": PROVINCE, "district": DISTRICT, "commune": v.commune_id, "village": str(v.pk)} for v in villages
    ]


def test_the_lookup_gives_what_the_database_gives():
    wanted = [*places(3), {"village": first_village().pk}, {"commune": OTHER_COMMUNE}, {}]
    lookup = services.place_lookup(wanted)

    for place in wanted:
        assert services.resolve_place_looked_up(lookup, **place) == services.resolve_place(**place)


def test_four_queries_whatever_the_number_of_places():
    counted = []
    for count in (2, 12):
        wanted = places(count)
        with CaptureQueriesContext(connection) as captured:
            lookup = services.place_lookup(wanted)
            for place in wanted:
                services.resolve_place_looked_up(lookup, **place)
        counted.append(len(captured))

    assert counted == [4, 4]


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ({"province": "99"}, "province"),
        ({"district": DISTRICT, "commune": "010101"}, "commune"),  # a commune of another district
        ({"commune": COMMUNE, "village": "not-a-number"}, "village"),
        ({"village": 0}, "village"),
    ],
)
def test_an_unknown_or_mismatched_code_is_the_same_error(place, field):
    lookup = services.place_lookup([place])

    with pytest.raises(ValidationError) as looked_up:
        services.resolve_place_looked_up(lookup, **place)
    with pytest.raises(ValidationError) as queried:
        services.resolve_place(**place)

    assert looked_up.value.message_dict == queried.value.message_dict
    assert field in looked_up.value.message_dict
