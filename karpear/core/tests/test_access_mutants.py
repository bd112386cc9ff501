"""Access bugs that mutation testing of core/access.py showed the suite would let through (issue 19,
docs/testing.md). Each test is named after the attack it stops; the mutant it kills is said in its docstring.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db.models import Model, QuerySet
from django.http import Http404
from django.test import Client

from conftest import login, make_org, make_user
from karpear.core import access, referrals, selectors, services
from karpear.core.models import (
    Commune,
    Consent,
    ExportJob,
    Household,
    Identity,
    Membership,
    Organisation,
    Person,
    Team,
    User,
)
from karpear.core.roles import Role
from karpear.core.tests.factories import COMMUNE, OTHER_COMMUNE, limit_to_commune, place, register

pytestmark = pytest.mark.django_db


def acting(user: User, organisation: Organisation) -> User:
    """A fresh copy of `user` acting for `organisation` (as the organisation switcher sets it for a request)."""
    fresh = User.objects.get(pk=user.pk)
    fresh._karpear_active_org = organisation.pk  # type: ignore[attr-defined]
    return fresh


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def sees[M: Model](user: User, rows: QuerySet[M]) -> bool:
    return access.visible(fresh(user), rows).exists()


@pytest.fixture
def two(db: Any) -> dict[str, Organisation]:
    return {"alpha": make_org("alpha"), "beta": make_org("beta"), "gamma": make_org("gamma")}


# ---------------------------------------------------------------- referrals
def test_a_referral_another_organisation_accepted_opens_the_person_to_nobody_else(two: dict[str, Organisation]) -> None:
    """Alpha refers a survivor to Beta, which accepts: Gamma, a third organisation, still sees nothing of them.
    (Kills dropping the receiver from the accepted referrals in `_shared_person_ids`.)"""
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="alpha-cw")
    receiver = make_user(two["beta"], Role.CASE_SUPERVISOR, username="beta-sup")
    outsider = make_user(two["gamma"], Role.CASE_SUPERVISOR, username="gamma-sup")
    person = register(caseworker, name_latin="Sok Chantha")
    services.consent_record(
        actor=caseworker,
        person=person,
        purpose=Consent.Purpose.REFERRAL,
        given=True,
        given_by="self",
        recipient=two["beta"],
    )
    referral = referrals.referral_create(
        actor=caseworker, person=person, receiver=two["beta"], sections=["identity"], reason="Shelter"
    )
    referrals.referral_accept(actor=receiver, referral=referral, assign_to=receiver)

    assert sees(receiver, Person.objects.filter(pk=person.pk))
    assert sees(receiver, Identity.objects.filter(person=person))
    assert not sees(outsider, Person.objects.filter(pk=person.pk))
    assert not sees(outsider, Identity.objects.filter(person=person))


# ---------------------------------------------------------------- team scope (legal officers)
def test_a_legal_officer_of_one_organisation_does_not_see_what_they_registered_in_another(
    two: dict[str, Organisation],
) -> None:
    """A member of two organisations (legal officer in Alpha, caseworker in Beta) acting for Alpha never sees
    the people they registered for Beta. (Kills `condition &= mine | team` → `condition = …` in `_owned`.)"""
    team = Team.objects.create(organisation=two["alpha"], name="Legal team")
    lawyer = make_user(two["alpha"], Role.LEGAL_OFFICER, username="lawyer", team=team)
    Membership.objects.create(user=lawyer, organisation=two["beta"], role=Role.CASEWORKER)
    in_beta = register(acting(lawyer, two["beta"]), name_latin="Chan Sreymom")
    in_alpha = register(acting(lawyer, two["alpha"]), name_latin="Sok Dara")

    as_alpha = acting(lawyer, two["alpha"])
    assert list(access.visible(as_alpha, Person.objects.all())) == [in_alpha]
    assert not access.visible(as_alpha, Identity.objects.filter(person=in_beta)).exists()
    assert list(access.visible(acting(lawyer, two["beta"]), Person.objects.all())) == [in_beta]


def test_a_legal_officer_without_a_team_does_not_see_every_teamless_record(two: dict[str, Organisation]) -> None:
    """A legal officer in no team sees only their own records, not those of colleagues who are in no team either.
    (Kills making the team condition true for a member with no team: `team_id=None` matches every teamless row.)"""
    lawyer = make_user(two["alpha"], Role.LEGAL_OFFICER, username="lawyer")
    colleague = make_user(two["alpha"], Role.CASEWORKER, username="colleague")
    theirs = register(colleague, name_latin="Chan Sreymom")
    mine = register(lawyer, name_latin="Sok Dara")
    assert theirs.team_id is None and mine.team_id is None

    assert list(access.visible(fresh(lawyer), Person.objects.all())) == [mine]


def test_a_legal_officer_sees_their_teams_records_but_not_another_teams(two: dict[str, Organisation]) -> None:
    """Team scope: the team's records, the user's own, nothing of another team."""
    team, other_team = (Team.objects.create(organisation=two["alpha"], name=n) for n in ("Legal", "Other"))
    lawyer = make_user(two["alpha"], Role.LEGAL_OFFICER, username="lawyer", team=team)
    teammate = make_user(two["alpha"], Role.CASEWORKER, username="teammate", team=team)
    stranger = make_user(two["alpha"], Role.CASEWORKER, username="stranger", team=other_team)
    of_team = register(teammate, name_latin="Chan Sreymom")
    of_other_team = register(stranger, name_latin="Sok Dara")

    visible = set(access.visible(fresh(lawyer), Person.objects.all()))
    assert of_team in visible and of_other_team not in visible


# ---------------------------------------------------------------- exports
def _export(user: User) -> ExportJob:
    return services.export_people_request(actor=user)


def test_an_export_made_for_another_organisation_cannot_be_downloaded_after_leaving_it(
    two: dict[str, Organisation],
) -> None:
    """A caseworker of Alpha and Beta exports Alpha's people, then leaves Alpha: acting for Beta, the file is
    not theirs any more. (Kills dropping `organisation_id=` in `_export_rows`.)"""
    user = make_user(two["alpha"], Role.CASEWORKER, username="both")
    Membership.objects.create(user=user, organisation=two["beta"], role=Role.CASEWORKER)
    job = _export(acting(user, two["alpha"]))
    assert access.get_export_for_user(acting(user, two["alpha"]), job.uuid) == job
    with pytest.raises(Http404):
        access.get_export_for_user(acting(user, two["beta"]), job.uuid)

    Membership.objects.filter(user=user, organisation=two["alpha"]).update(is_active=False)
    with pytest.raises(Http404):
        access.get_export_for_user(fresh(user), job.uuid)
    assert not access.visible(fresh(user), ExportJob.objects.all()).exists()


def test_an_export_of_a_colleague_cannot_be_downloaded(two: dict[str, Organisation]) -> None:
    """Exports are their requester's alone, even for a colleague of the same organisation and role."""
    maker = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="maker")
    colleague = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="colleague")
    job = _export(maker)
    with pytest.raises(Http404):
        access.get_export_for_user(fresh(colleague), job.uuid)


def test_an_unknown_export_id_is_not_found(two: dict[str, Organisation]) -> None:
    user = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="sup")
    _export(user)
    for key in (uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(Http404):
            access.get_export_for_user(fresh(user), key)


# ---------------------------------------------------------------- identifying details
@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.PROGRAMME_OFFICER, Role.FIELD_OFFICER, Role.ME_OFFICER])
def test_roles_without_view_identity_read_no_identifying_details_even_of_their_own_people(
    two: dict[str, Organisation], role: Role
) -> None:
    """visible() itself gives roles without view_identity no Identity row, also of people in their scope
    (selectors check again; this is the first lock). (Kills inverting the capability check in `_context`.)"""
    user = make_user(two["alpha"], role, username="reader")
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    person = register(caseworker if role == Role.ME_OFFICER else user, name_latin="Chan Sreymom")
    assert sees(user, Person.objects.filter(pk=person.pk))
    assert not sees(user, Identity.objects.filter(person=person))
    assert not access.can(fresh(user), "view_identity", person)


# ---------------------------------------------------------------- households
def test_an_api_client_cannot_attach_a_person_to_another_organisations_household(
    two: dict[str, Organisation], client: Client
) -> None:
    """get_household_for_user is the only lock between an API client and another organisation's household."""
    ours = make_user(two["alpha"], Role.CASEWORKER, username="ours")
    theirs = make_user(two["beta"], Role.CASEWORKER, username="theirs")
    their_household = services.household_create(actor=theirs, code="HH-BETA", place=place())
    our_household = services.household_create(actor=ours, code="HH-ALPHA", place=place())
    login(client, ours)
    payload = {"sex": "female", "name_latin": "Chan Sreymom", "province": "20", "district": "2001"}
    payload |= {"commune": COMMUNE}

    refused = client.post(
        "/api/v1/people/", {**payload, "household": str(their_household.uuid)}, content_type="application/json"
    )
    assert refused.status_code == 400, refused.content
    assert refused.json()["fields"] == {"household": ["Unknown household."]}
    assert not Person.objects.filter(household=their_household).exists()

    accepted = client.post(
        "/api/v1/people/", {**payload, "household": str(our_household.uuid)}, content_type="application/json"
    )
    assert accepted.status_code == 201, accepted.content
    assert Person.objects.get(uuid=accepted.json()["uuid"]).household == our_household


def test_a_commune_limited_member_lists_only_the_households_of_their_commune(two: dict[str, Organisation]) -> None:
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    volunteer = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="limited")
    limit_to_commune(volunteer, COMMUNE)
    inside = services.household_create(actor=caseworker, code="HH-IN", place=place(COMMUNE))
    outside = services.household_create(actor=caseworker, code="HH-OUT", place=place(OTHER_COMMUNE))

    assert list(selectors.household_list(user=fresh(volunteer))) == [inside]
    assert set(selectors.household_list(user=fresh(caseworker))) == {inside, outside}
    assert list(access.visible(fresh(volunteer), Household.objects.filter(pk=outside.pk))) == []


# ---------------------------------------------------------------- place limits
def test_a_member_limited_to_a_province_and_a_commune_sees_both_and_nothing_else(
    two: dict[str, Organisation],
) -> None:
    """A membership limited to a province (Svay Rieng) and to a commune of another province sees the people of
    either place, and nobody elsewhere."""
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    supervisor = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="limited", place_limited=True)
    far_commune = Commune.objects.filter(province_id="12", villages__isnull=False).order_by("code").first()
    third_commune = Commune.objects.filter(province_id="09", villages__isnull=False).order_by("code").first()
    assert far_commune is not None and third_commune is not None
    membership = supervisor.memberships.get()
    membership.provinces.set(["20"])
    membership.communes.set([far_commune])
    in_province = register(caseworker, name_latin="Chan Sreymom", place=place(OTHER_COMMUNE))
    in_commune = register(caseworker, name_latin="Sok Dara", place=place(far_commune.code))
    elsewhere = register(caseworker, name_latin="Keo Nary", place=place(third_commune.code))

    visible = set(access.visible(fresh(supervisor), Person.objects.all()))
    assert visible == {in_province, in_commune}
    assert elsewhere not in visible
