"""Pages field staff, supervisors, M&E officers and donors read (issue 10): target units in the reader's
language, what each home page will show and when, who read a record."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import login, make_org, make_user
from karpear.core.models import Organisation, Programme, Target

pytestmark = pytest.mark.django_db


def in_language(client, user, language: str):
    login(client, user)
    user.language = language
    user.save(update_fields=["language"])
    client.cookies["karpear_language"] = language
    return client


@pytest.fixture
def programme(orgs):
    donor = make_org("donor", kind=Organisation.Kind.DONOR)
    programme = Programme.objects.create(
        organisation=orgs["own"],
        donor=donor,
        code="safe-migration",
        name="Safe migration",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2028, 12, 31),
    )
    Target.objects.create(programme=programme, indicator="trained", description="Trained", value=240, unit="people")
    Target.objects.create(programme=programme, indicator="groups", description="Groups", value=22, unit="groups")
    Target.objects.create(programme=programme, indicator="odd", description="Odd", value=3, unit="boats")
    return programme


# ---------------------------------------------------------------- item 12: target units
def test_target_units_are_in_khmer_on_khmer_pages(client, users, programme):
    in_language(client, users["programme_manager"], "km")

    html = client.get(f"/programmes/{programme.uuid}/").content.decode()

    assert "២៤០ នាក់" in html
    assert "២២ ក្រុម" in html
    assert " people<" not in html and " groups<" not in html
    assert "boats" in html  # a unit nobody translated is shown as typed


def test_target_units_stay_english_on_english_pages(client, users, programme):
    in_language(client, users["programme_manager"], "en")

    html = client.get(f"/programmes/{programme.uuid}/").content.decode()

    assert "240 people" in html and "22 groups" in html


def test_every_common_unit_has_a_khmer_name():
    from django.utils.translation import override

    with override("km"):
        for unit in Target.Unit:
            assert str(unit.label) != unit.value and str(unit.label).strip(), unit.value


# ---------------------------------------------------------------- item 9: who read, by case number
def test_the_supervisors_who_read_list_names_records_by_case_number_with_a_link(client, users):
    from karpear.core import selectors
    from karpear.core.tests.factories import register

    person = register(users["caseworker"], case_number="ALPHA-2026-00042")
    selectors.person_identity(user=users["caseworker"], person=person)
    in_language(client, users["case_supervisor"], "en")

    html = client.get("/").content.decode()

    section = html[html.index("Who read identifying details") :]
    section = section[: section.index("</section>")]
    assert f'<a href="/people/{person.uuid}/access-log/">ALPHA-2026-00042</a>' in section
    assert str(person.uuid)[:8] not in section.replace(str(person.uuid), "")


def test_the_who_read_list_needs_no_query_per_read(client, users, django_assert_max_num_queries):
    from karpear.core import selectors
    from karpear.core.tests.factories import register

    for n in range(8):
        selectors.person_identity(user=users["caseworker"], person=register(users["caseworker"], name_latin=f"P {n}"))
    supervisor = users["case_supervisor"]

    with django_assert_max_num_queries(4):
        rows = selectors.identity_read_list(user=supervisor, limit=10)

    assert len(rows) == 8 and all(row.person is not None and row.person.case_number for row in rows)


# ---------------------------------------------------------------- item 10: what the M&E officer and the donor will see
def test_the_me_officers_home_says_what_it_will_show_and_when_not_that_there_is_nothing(client, users):
    in_language(client, users["me_officer"], "en")

    html = client.get("/").content.decode()

    assert "Progress against targets" in html
    assert "Once the monitoring module is installed" in html
    assert "People you register, or who are assigned to you" not in html  # the M&E officer registers no one
    assert "People your organisation registers will appear here" in html


def test_the_donors_home_and_targets_say_achieved_figures_come_with_monitoring(client, programme):
    donor_manager = make_user(programme.donor, "programme_manager")
    in_language(client, donor_manager, "en")

    home = client.get("/").content.decode()
    targets = client.get(f"/programmes/{programme.uuid}/").content.decode()

    assert "each target will show its achieved figure" in home
    assert "it will appear beside each target once the monitoring module is installed" in targets


def test_a_caseworkers_home_has_no_monitoring_note(client, users):
    in_language(client, users["caseworker"], "en")

    assert "Progress against targets" not in client.get("/").content.decode()


def test_once_an_app_counts_targets_the_notes_go(client, programme, monkeypatch):
    from karpear.core import registry

    monkeypatch.setattr(registry, "_TARGET_COUNTERS", ["monitoring"])
    donor_manager = make_user(programme.donor, "programme_manager")
    in_language(client, donor_manager, "en")

    assert "Progress against targets" not in client.get("/").content.decode()
    assert "not counted yet" not in client.get(f"/programmes/{programme.uuid}/").content.decode()
