"""A partner's journey with a client generated from the served schema (issue 17).

`openapi-python-client` (what partners use) generates a Python client from /api/v1/schema/ of a live server
into a scratch folder; the client is imported and used as a partner would: a token with a second-factor
code, people listed with filters and pages, read, registered with a household and without, changed, a 400
with field errors and a 404, and every list of the API read once. Any generator warning, import error or
answer the client cannot parse fails the test. The generator is a dev dependency: where it is missing the
test is skipped, except under CI=true, where it fails.

A live server needs a transactional database, which pytest-django empties after the test, gazetteer
included; the module puts the places back so the tests after it in this worker still have them.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.core.cache import cache
from django.core.management.color import no_style
from django.db import connection

from conftest import make_org, make_user
from karpear.core import services
from karpear.core.models import Commune, District, Province, Village
from karpear.core.tests.factories import COMMUNE, first_village, place, totp_code, totp_device

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "karpear_api_client"
PASSWORD = "pw-123456789"
PLACE_MODELS = (Province, District, Commune, Village)  # parents first


@pytest.fixture(scope="module")
def _places_survive_the_flush(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[type, list[Any]]]:
    with django_db_blocker.unblock():
        rows = {model: list(model.objects.all()) for model in PLACE_MODELS}
    assert rows[Village], "the test database has no villages: migration 0002 did not load the gazetteer"
    yield rows
    with django_db_blocker.unblock():
        _restore(rows)


def _restore(rows: dict[type, list[Any]]) -> None:
    if Province.objects.exists():
        return
    for model in PLACE_MODELS:
        model.objects.bulk_create(rows[model], batch_size=2000)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Village]):  # PostgreSQL: ids go on after ours
            cursor.execute(sql)


@pytest.fixture
def generated(tmp_path: Path, live_server: Any, _places_survive_the_flush: dict[type, list[Any]]) -> Iterator[Any]:
    """The client package generated from the live server's schema, imported."""
    _restore(_places_survive_the_flush)
    if not GENERATOR.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{GENERATOR} is missing: the dev dependencies are not installed (make install)")
        pytest.skip("openapi-python-client is not installed")
    import httpx

    schema = tmp_path / "openapi.yaml"
    schema.write_bytes(httpx.get(f"{live_server.url}/api/v1/schema/", timeout=30).raise_for_status().content)
    config = tmp_path / "generator.yaml"
    config.write_text(f"project_name_override: karpear-api-client\npackage_name_override: {PACKAGE}\npost_hooks: []\n")
    run = subprocess.run(
        [
            GENERATOR,
            "generate",
            "--path",
            schema,
            "--config",
            config,
            "--meta",
            "none",
            "--output-path",
            tmp_path / PACKAGE,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower() and "error" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_partner_works_with_a_client_generated_from_the_schema(generated: Any, live_server: Any) -> None:
    cache.clear()  # the token endpoint's rate limit counts in the cache
    caseworker = make_user(make_org("alpha"), "caseworker")
    household = services.household_create(actor=caseworker, code="HH-1", place=place())
    models = _module("models")
    people = {name: _module(f"api.people.{name}") for name in ("people_list", "people_retrieve", "people_create")}
    people_update = _module("api.people.people_update")

    # a token, with the current code of the caseworker's authenticator
    anonymous = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    issued = _module("api.auth.auth_token_create").sync(
        client=anonymous,
        body=models.TokenRequestRequest(
            username=caseworker.username, password=PASSWORD, otp_token=totp_code(totp_device(caseworker))
        ),
    )
    assert isinstance(issued, models.TokenResponse), issued
    client = generated.AuthenticatedClient(
        base_url=live_server.url,
        token=issued.token,
        prefix="Token",
        headers={"Accept-Language": "en"},
        raise_on_unexpected_status=True,
    )

    # register one person in a household and one without
    in_household = people["people_create"].sync_detailed(
        client=client,
        body=models.PersonWriteRequest(
            sex=models.SexEnum.FEMALE,
            name_latin="Chan Sreymom",
            commune=COMMUNE,
            household=UUID(str(household.uuid)),
            relationship_to_head=models.RelationshipToHeadEnum.HEAD,
        ),
    )
    alone = people["people_create"].sync_detailed(
        client=client,
        body=models.PersonWriteRequest(sex=models.SexEnum.MALE, name_km="សុខ ដារា", village=first_village().pk),
    )
    assert (in_household.status_code, alone.status_code) == (201, 201)
    assert (in_household.parsed.household, in_household.parsed.relationship_to_head) == (
        household.uuid,
        models.RelationshipToHeadEnum.HEAD,
    )
    assert (alone.parsed.household, alone.parsed.relationship_to_head) == (None, models.BlankEnum.VALUE_0)
    assert alone.parsed.identity.name_km == "សុខ ដារា"

    # list them with a filter, one per page
    first = people["people_list"].sync(client=client, commune=COMMUNE, page_size=1)
    second = people["people_list"].sync(client=client, commune=COMMUNE, page_size=1, page=2)
    men = people["people_list"].sync(client=client, sex=models.PeopleListSex.MALE, status=models.PeopleListStatus.OPEN)
    assert isinstance(first, models.PaginatedPersonList)
    assert (first.count, [p.uuid for p in first.results]) == (2, [alone.parsed.uuid])
    assert (first.next_ is not None, first.previous is None) == (True, True)
    assert ([p.uuid for p in second.results], second.next_) == ([in_household.parsed.uuid], None)
    assert [p.uuid for p in men.results] == [alone.parsed.uuid]

    # read one, change it
    one = people["people_retrieve"].sync(uuid=in_household.parsed.uuid, client=client)
    assert (one.case_number, one.household, one.identity.name_latin) == (
        in_household.parsed.case_number,
        household.uuid,
        "Chan Sreymom",
    )
    changed = people_update.sync(
        uuid=one.uuid,
        client=client,
        body=models.PersonWriteRequest(sex=models.SexEnum.FEMALE, name_latin="Chan Sreymom", phone="012 345 678"),
    )
    assert (changed.household, changed.identity.phone, changed.commune) == (None, "+85512345678", None)

    # a 400 with the field's message, and a 404, both parsed as the error body
    refused = people["people_create"].sync_detailed(
        client=client, body=models.PersonWriteRequest(sex=models.SexEnum.FEMALE, name_latin="X", commune="999999")
    )
    missing = people["people_retrieve"].sync_detailed(uuid=uuid4(), client=client)
    assert (refused.status_code, refused.parsed.message) == (400, "Please correct the errors below.")
    assert refused.parsed.fields["commune"] == ["Unknown place code."]
    assert (missing.status_code, missing.parsed.message, missing.parsed.fields.to_dict()) == (404, "Not found.", {})

    # every other list parses too
    lists = {
        "organisations.organisations_list": {},
        "programmes.programmes_list": {},
        "places.places_provinces_list": {"page_size": 250},
        "places.places_districts_list": {"province": COMMUNE[:2]},
        "places.places_communes_list": {"district": COMMUNE[:4]},
        "places.places_villages_list": {"commune": COMMUNE},
        "places.places_countries_list": {"page_size": 250},
    }
    counts = {name: _module(f"api.{name}").sync(client=client, **params).count for name, params in lists.items()}
    assert counts == {
        "organisations.organisations_list": 1,
        "programmes.programmes_list": 0,
        "places.places_provinces_list": 25,
        "places.places_districts_list": 8,
        "places.places_communes_list": 6,
        "places.places_villages_list": 4,
        "places.places_countries_list": 249,
    }
