"""Records of a person (a module's rows that point at a `core.Person`, here the sample module's home visits):
who reads them through a referral and inside place limits, and what holding a capability does not open.
Access bugs that mutation testing of core/access.py showed the suite would let through (issue 19,
docs/testing.md); each test is named after the attack it stops and says which mutant it kills.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from conftest import make_org, make_user
from karpear.core import access, referrals, roles, services
from karpear.core.models import Consent, Membership, Organisation, Person, Team, User
from karpear.core.roles import Role
from karpear.core.tests.factories import COMMUNE, OTHER_COMMUNE, limit_to_commune, place, register
from karpear.core.tests.sample_module.declarations import SampleCapability
from karpear.core.tests.sample_module.models import Visit

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def visits(user: User) -> set[str]:
    return set(access.visible(fresh(user), Visit.objects.all()).values_list("note", flat=True))


def visit(person: Person, by: User, note: str) -> Visit:
    return Visit.objects.create(organisation=person.organisation, person=person, made_by=by, note=note)


@pytest.fixture
def orgs(db: Any) -> dict[str, Organisation]:
    return {"alpha": make_org("alpha"), "beta": make_org("beta")}


def refer(sender: User, person: Person, receiver: Organisation, accepted_by: User, sections: list[str]) -> None:
    services.consent_record(
        actor=sender, person=person, purpose=Consent.Purpose.REFERRAL, given=True, given_by="self", recipient=receiver
    )
    referral = referrals.referral_create(
        actor=sender, person=person, receiver=receiver, sections=sections, reason="Shelter"
    )
    referrals.referral_accept(actor=accepted_by, referral=referral, assign_to=accepted_by)


def test_a_receiver_reads_the_shared_visits_beside_its_own_and_nothing_unshared(orgs: dict[str, Organisation]) -> None:
    """Beta's supervisor sees Beta's own visits and Alpha's visits of the person referred with the visits
    section; not the visits of a person referred without it, nor of a person not referred. (Kills
    `condition |= shared` → `condition = shared` in `_condition`: the shared visits would replace Beta's own.)"""
    sender = make_user(orgs["alpha"], Role.CASEWORKER, username="alpha-cw")
    receiver = make_user(orgs["beta"], Role.CASE_SUPERVISOR, username="beta-sup")
    beta_cw = make_user(orgs["beta"], Role.CASEWORKER, username="beta-cw")
    shared = register(sender, name_latin="Sok Chantha")
    identity_only = register(sender, name_latin="Keo Nary")
    not_referred = register(sender, name_latin="Chan Sreymom")
    refer(sender, shared, orgs["beta"], receiver, ["sample_visits"])
    refer(sender, identity_only, orgs["beta"], receiver, ["identity"])
    visit(shared, sender, "alpha visits the shared person")
    visit(identity_only, sender, "alpha visits a person shared without visits")
    visit(not_referred, sender, "alpha visits a person not referred")
    visit(register(beta_cw, name_latin="Beta's own"), beta_cw, "beta's own visit")

    assert visits(receiver) == {"alpha visits the shared person", "beta's own visit"}


def test_a_place_limited_supervisor_reads_the_visits_of_people_living_in_their_commune_only(
    orgs: dict[str, Organisation],
) -> None:
    """A visit has no place of its own: it lies where its person lives. (Kills every mutant of the place rule
    for records of a person in `_condition`: the person's places replaced by none, by the record's own (none),
    the place condition OR-ed instead of AND-ed, or its prefix dropped.)"""
    caseworker = make_user(orgs["alpha"], Role.CASEWORKER, username="cw")
    limited = make_user(orgs["alpha"], Role.CASE_SUPERVISOR, username="limited")
    limit_to_commune(limited, COMMUNE)
    inside = register(caseworker, name_latin="Sok Dara", place=place(COMMUNE))
    outside = register(caseworker, name_latin="Keo Nary", place=place(OTHER_COMMUNE))
    visit(inside, caseworker, "inside")
    visit(outside, caseworker, "outside")

    assert visits(limited) == {"inside"}
    assert visits(make_user(orgs["alpha"], Role.CASE_SUPERVISOR, username="everywhere")) == {"inside", "outside"}


def test_holding_a_capability_does_not_open_another_organisations_record(orgs: dict[str, Organisation]) -> None:
    """Alpha's caseworker may add visits, but not to Beta's: `require` checks the object as well as the
    capability. (Kills `can(user, capability, obj)` → `can(user, capability, None)` in `require`.)"""
    alpha_cw = make_user(orgs["alpha"], Role.CASEWORKER, username="alpha-cw")
    beta_cw = make_user(orgs["beta"], Role.CASEWORKER, username="beta-cw")
    theirs = visit(register(beta_cw, name_latin="Beta's person"), beta_cw, "beta's visit")
    mine = visit(register(alpha_cw, name_latin="Alpha's person"), alpha_cw, "alpha's visit")

    access.require(fresh(alpha_cw), SampleCapability.ADD_VISIT)
    access.require(fresh(alpha_cw), SampleCapability.ADD_VISIT, mine)
    with pytest.raises(PermissionDenied):
        access.require(fresh(alpha_cw), SampleCapability.ADD_VISIT, theirs)


def test_a_modules_capability_outside_any_declaration_follows_the_roles_and_an_unknown_one_is_refused(
    orgs: dict[str, Organisation],
) -> None:
    """The sample module grants "sample_print_visits" to the supervisor alone and uses it in no declaration:
    its rule exists before the first request (not added on first use, where two threads could race), and a
    capability nobody defined is refused."""
    assert "sample_print_visits" in roles.capabilities()
    supervisor = make_user(orgs["alpha"], Role.CASE_SUPERVISOR, username="sup")
    caseworker = make_user(orgs["alpha"], Role.CASEWORKER, username="cw")

    assert access.can(fresh(supervisor), "sample_print_visits")
    assert not access.can(fresh(caseworker), "sample_print_visits")
    assert not access.can(fresh(supervisor), "sample_no_such_capability")
    assert access.RULES.rule_exists("sample_print_visits")
    assert not access.RULES.rule_exists("sample_no_such_capability")


def test_a_team_scoped_officer_sees_only_the_visits_they_made_when_visits_have_no_team(
    orgs: dict[str, Organisation],
) -> None:
    """A visit has an owner (who made it) and no team field: for a legal officer's team scope that means their
    own visits, not a teammate's, and none they made for another organisation. (Kills `owners or team` →
    `owners and team` in `_owned`, which let the team scope see the whole organisation's visits, and
    `condition &= mine` → `condition = mine`, which dropped the organisation.)"""
    team = Team.objects.create(organisation=orgs["alpha"], name="Legal")
    officer = make_user(orgs["alpha"], Role.LEGAL_OFFICER, username="lawyer", team=team)
    teammate = make_user(orgs["alpha"], Role.LEGAL_OFFICER, username="teammate", team=team)
    Membership.objects.create(user=officer, organisation=orgs["beta"], role=Role.CASEWORKER)
    person = register(make_user(orgs["alpha"], Role.CASEWORKER, username="cw"), name_latin="Sok Dara")
    visit(person, officer, "the officer's own")
    visit(person, teammate, "a teammate's")
    beta_person = register(make_user(orgs["beta"], Role.CASEWORKER, username="beta-cw"), name_latin="Keo Nary")
    visit(beta_person, officer, "made for beta")

    as_alpha = fresh(officer)
    as_alpha._karpear_active_org = orgs["alpha"].pk  # type: ignore[attr-defined]
    assert set(access.visible(as_alpha, Visit.objects.all()).values_list("note", flat=True)) == {"the officer's own"}
