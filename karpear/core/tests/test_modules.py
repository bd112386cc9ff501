"""Apps plug into core through its registries alone (issue 9): the test-only sample module declares a model, a
capability, routes, a menu item, a work list, demo data, a referral section and an export kind, and core picks
each of them up. Bad declarations fail at start-up with a clear message."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import login, make_org, make_user
from karpear.core import access, referrals, registry, roles, selectors, services
from karpear.core.models import Consent, ExportJob, Person
from karpear.core.roles import Capability, Role, Scope
from karpear.core.tests.sample_module.declarations import SampleCapability
from karpear.core.tests.sample_module.models import Visit


@pytest.fixture
def org(db: Any) -> Any:
    return make_org("alpha")


def _visit(person: Person, by: Any) -> Visit:
    return Visit.objects.create(organisation=person.organisation, person=person, made_by=by, note="visit")


def _person(user: Any) -> Person:
    return services.person_create(actor=user, data=services.PersonInput(sex="female", name_latin="Sok Dara"))


def test_core_imports_no_app() -> None:
    """The module is installed and works, yet nothing in core names it (import-linter checks the same)."""
    from pathlib import Path

    core = Path(__file__).resolve().parents[1]
    offenders = [
        str(path)
        for path in core.rglob("*.py")
        if "tests" not in path.parts and "sample_module" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_an_apps_capability_joins_the_role_table_with_its_own_scope() -> None:
    specs = roles.role_specs()
    assert SampleCapability.VIEW_VISIT in specs[Role.CASEWORKER].capabilities
    assert SampleCapability.VIEW_VISIT not in specs[Role.PROGRAMME_OFFICER].capabilities
    assert specs[Role.ME_OFFICER].scope == Scope.ORGANISATION
    assert specs[Role.ME_OFFICER].scope_for(SampleCapability.VIEW_VISIT) == Scope.OWN


def test_an_apps_model_is_scoped_by_its_declaration(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    colleague = make_user(org, Role.CASEWORKER, username="cw2")
    supervisor = make_user(org, Role.CASE_SUPERVISOR, username="sup")
    monitor = make_user(org, Role.ME_OFFICER, username="me")
    stranger = make_user(make_org("beta"), Role.CASE_SUPERVISOR, username="stranger")
    mine, theirs = _visit(_person(caseworker), caseworker), _visit(_person(colleague), colleague)

    def seen(user: Any) -> set[int]:
        return set(access.visible(user, Visit.objects.all()).values_list("pk", flat=True))

    assert seen(caseworker) == {mine.pk}
    assert seen(supervisor) == {mine.pk, theirs.pk}
    assert seen(monitor) == set()  # organisation scope for people, own scope for visits: made none
    assert seen(stranger) == set()
    assert seen(make_user(org, Role.PROGRAMME_OFFICER, username="po")) == set()  # no capability


def test_a_referral_shares_an_apps_section_only_when_it_is_named(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    receiver_org = make_org("beta")
    receiver = make_user(receiver_org, Role.CASE_SUPERVISOR, username="rsup")
    person = _person(caseworker)
    visit = _visit(person, caseworker)
    services.consent_record(
        actor=caseworker,
        person=person,
        purpose=Consent.Purpose.REFERRAL,
        given=True,
        given_by="self",
        recipient=receiver_org,
    )
    with_identity_only = referrals.referral_create(
        actor=caseworker, person=person, receiver=receiver_org, sections=["identity"], reason="legal aid"
    )
    referrals.referral_accept(actor=receiver, referral=with_identity_only, assign_to=receiver)
    assert not access.visible(receiver, Visit.objects.all()).exists()
    referrals.referral_close(actor=caseworker, referral=with_identity_only)
    with_visits = referrals.referral_create(
        actor=caseworker, person=person, receiver=receiver_org, sections=["sample_visits"], reason="follow-up"
    )
    referrals.referral_accept(
        actor=receiver, referral=referrals.referral_for_user(user=receiver, uuid=with_visits.uuid), assign_to=receiver
    )
    receiver.__dict__.pop("_karpear_shared", None)  # a new request
    assert list(access.visible(receiver, Visit.objects.all())) == [visit]
    assert not access.can(receiver, SampleCapability.ADD_VISIT, visit)  # shared rows are read-only


def test_an_apps_routes_menu_and_work_list_reach_the_pages(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    _visit(_person(caseworker), caseworker)
    client = Client()
    login(client, caseworker)
    home = client.get("/").content.decode()
    assert 'href="/sample/visits/"' in home  # the menu item and the work list's link
    assert "Visits" in home
    assert client.get("/sample/visits/").status_code == 200
    assert client.get("/api/v1/sample/visits/").json()["count"] == 1
    officer = make_user(org, Role.PROGRAMME_OFFICER, username="po")
    login(client, officer)
    assert 'href="/sample/visits/"' not in client.get("/").content.decode()
    assert client.get("/sample/visits/").status_code == 403


def test_each_work_list_counts_with_at_most_one_query(org: Any) -> None:
    supervisor = make_user(org, Role.CASE_SUPERVISOR, username="sup")
    access.memberships_of(supervisor)  # the request has resolved the membership already
    for item in registry.work_lists():
        if item.capability and not access.has_capability(supervisor, item.capability):
            continue
        with CaptureQueriesContext(connection) as queries:
            item.count(supervisor)
        # The people referred to the organisation are looked up once per request and section (core.access),
        # like the membership: that lookup is the request's, not the work list's.
        counted = [q["sql"] for q in queries if not q["sql"].startswith('SELECT "core_referral"."person_id"')]
        assert len(counted) <= 1, (item.key, counted)


def test_demo_loaders_run_in_dependency_order_and_an_apps_demo_is_loaded(db: Any) -> None:
    names = [loader.name for loader in registry.demo_loaders()]
    assert names.index("core") < names.index("sample_module")
    from karpear.core.demo import load_demo

    load_demo()
    assert Visit.objects.filter(note="demo visit").count() == 1


def test_an_apps_export_kind_is_visible_only_to_roles_holding_its_capability(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    officer = make_user(org, Role.PROGRAMME_OFFICER, username="po")
    job = ExportJob.objects.create(organisation=org, requested_by=caseworker, kind="sample_visits_csv")
    assert access.get_export_for_user(caseworker, job.uuid) == job
    job_of_officer = ExportJob.objects.create(organisation=org, requested_by=officer, kind="sample_visits_csv")
    assert not access.visible(officer, ExportJob.objects.filter(pk=job_of_officer.pk)).exists()
    assert registry.export_kind_for("sample_visits_csv").formats == ("csv",)


def test_the_home_page_stays_within_its_query_budget_with_apps_installed(org: Any) -> None:
    supervisor = make_user(org, Role.CASE_SUPERVISOR, username="sup")
    client = Client()
    login(client, supervisor)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    # session, user, second-factor device, memberships, referred people, then one per section of the page;
    # the test-only sample module's own work list aside; protection's "Your protection cases" is one more (issue 11),
    # its "Referred people waiting for an intake" one more (issue 13)
    counted = [q["sql"] for q in queries if "sample_module" not in q["sql"]]
    assert len(counted) <= 12, counted


# ---------------------------------------------------------------- bad declarations fail at start-up
def test_a_model_registered_twice_fails_with_a_clear_message() -> None:
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        access.register(Visit, view=SampleCapability.VIEW_VISIT, person="person")


def test_a_scope_field_the_model_lacks_fails_with_a_clear_message() -> None:
    from karpear.core.models import Target

    access._REGISTRY.pop(Target)
    try:
        with pytest.raises(ImproperlyConfigured, match=r"core\.Target has no field 'assigned_to'"):
            access.register(Target, view=Capability.VIEW_PROGRAMMES, organisation=None, owners=["assigned_to"])
    finally:
        access._REGISTRY.pop(Target, None)
        access.register(
            Target,
            view=Capability.VIEW_PROGRAMMES,
            change=Capability.MANAGE_PROGRAMMES,
            organisation=None,
            rows=access._programme_part_rows,
            lookup="pk",
        )


def test_a_section_nobody_declared_fails_when_the_registry_is_first_used() -> None:
    decl = access._REGISTRY[Visit]
    access._REGISTRY[Visit] = decl.__class__(**{**decl.__dict__, "section": "undeclared_section"})
    access.reset_for_tests()
    try:
        with pytest.raises(ImproperlyConfigured, match="section 'undeclared_section' is not declared"):
            access.declaration(Visit)
    finally:
        access._REGISTRY[Visit] = decl
        access.reset_for_tests()


def test_a_capability_nobody_declared_cannot_be_granted() -> None:
    with pytest.raises(ImproperlyConfigured, match="is not declared"):
        roles.grant(Role.CASEWORKER, ["fly_to_the_moon"])


def test_a_role_must_exist_in_core() -> None:
    with pytest.raises(ImproperlyConfigured, match="unknown role"):
        roles.grant("pilot", [Capability.VIEW_PERSON])


def test_names_declared_twice_fail() -> None:
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        registry.menu_item("other", "home", "Home again")
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        registry.referral_section("other", "identity", "Identity again")


def test_demo_loaders_in_a_circle_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    table = dict(registry._DEMO)
    table["a"] = registry.DemoLoader("a", lambda c: None, ("b",), "x")
    table["b"] = registry.DemoLoader("b", lambda c: None, ("a",), "x")
    monkeypatch.setattr(registry, "_DEMO", table)
    with pytest.raises(ImproperlyConfigured, match="circle"):
        registry.demo_loaders()


def test_an_unregistered_model_is_denied(org: Any) -> None:
    from karpear.core.models import CaseSequence

    supervisor = make_user(org, Role.CASE_SUPERVISOR, username="sup")
    CaseSequence.objects.create(organisation=org, year=2026)
    assert not access.visible(supervisor, CaseSequence.objects.all()).exists()


def test_can_on_an_object_costs_one_query_once_the_request_is_set_up(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    person = _person(caseworker)
    access.can(caseworker, Capability.VIEW_PERSON, person)  # memberships and shares read once per request
    with CaptureQueriesContext(connection) as queries:
        assert access.can(caseworker, Capability.CHANGE_PERSON, person)
    assert len(queries) == 1


def test_selectors_work_lists_follow_the_role(org: Any) -> None:
    caseworker = make_user(org, Role.CASEWORKER, username="cw")
    keys = [entry.key for entry in selectors.work_lists_for(user=caseworker)]
    assert "sample_visits" in keys and "referrals_waiting" not in keys
