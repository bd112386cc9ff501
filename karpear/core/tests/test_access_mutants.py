"""Access bugs that mutation testing of core/access.py showed the suite would let through (issue 19,
docs/testing.md). Each test is named after the attack it stops; the mutant it kills is said in its docstring.
"""

from __future__ import annotations

import datetime as dt
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
    PossibleDuplicate,
    Programme,
    Referral,
    SubGrant,
    Target,
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


# ---------------------------------------------------------------- programmes, sub-grants, targets
@pytest.fixture
def consortium(two: dict[str, Organisation]) -> dict[str, Any]:
    start, end = dt.date(2026, 1, 1), dt.date(2028, 12, 31)
    parts: dict[str, Any] = {"donor": make_org("donor", kind=Organisation.Kind.DONOR)}
    for name in ("alpha", "beta"):
        programme = Programme.objects.create(
            organisation=two[name],
            donor=parts["donor"],
            code=f"p-{name}",
            name=f"Programme {name}",
            start_date=start,
            end_date=end,
        )
        parts[f"{name}_subgrant"] = SubGrant.objects.create(
            programme=programme, organisation=two[name], reference=f"SG-{name}", start_date=start, end_date=end
        )
        parts[f"{name}_target"] = Target.objects.create(
            programme=programme, indicator=f"people-{name}", description="People", value=10, unit="people"
        )
    return parts


def test_sub_grants_and_targets_of_a_programme_the_organisation_has_no_part_in_are_hidden(
    two: dict[str, Organisation], consortium: dict[str, Any]
) -> None:
    """(Kills `_programme_part_rows` giving every programme's parts when the programme condition is lost.)"""
    officer = make_user(two["alpha"], Role.PROGRAMME_OFFICER, username="po")
    assert list(access.visible(fresh(officer), SubGrant.objects.all())) == [consortium["alpha_subgrant"]]
    assert list(access.visible(fresh(officer), Target.objects.all())) == [consortium["alpha_target"]]
    assert access.get_subgrant_for_user(fresh(officer), consortium["alpha_subgrant"].uuid).reference == "SG-alpha"
    with pytest.raises(Http404):
        access.get_subgrant_for_user(fresh(officer), consortium["beta_subgrant"].uuid)

    admin = make_user(two["gamma"], Role.SYSTEM_ADMIN, username="sysadmin")
    assert access.visible(fresh(admin), SubGrant.objects.all()).count() == 2


# ---------------------------------------------------------------- possible duplicates
def test_a_place_limited_supervisor_sees_no_duplicate_pair_with_a_person_outside_their_places(
    two: dict[str, Organisation],
) -> None:
    """Both people of a pair must be in the reviewer's scope. (Kills `&` → `|` in `_possible_duplicate_rows`.)"""
    first = make_user(two["alpha"], Role.CASEWORKER, username="first")
    second = make_user(two["alpha"], Role.CASEWORKER, username="second")
    supervisor = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="limited")
    limit_to_commune(supervisor, COMMUNE)
    register(first, name_latin="Sok Dara", phone="+85512345678", place=place(COMMUNE))
    register(second, name_latin="Keo Sophal", phone="+85512345678", place=place(OTHER_COMMUNE))
    register(first, name_latin="Chan Sreymom", phone="+85598765432", place=place(COMMUNE))
    register(second, name_latin="Chan Dara", phone="+85598765432", place=place(COMMUNE))
    mixed, inside = PossibleDuplicate.objects.order_by("id")

    assert list(access.visible(fresh(supervisor), PossibleDuplicate.objects.all())) == [inside]
    with pytest.raises(Http404):
        access.get_possible_duplicate_for_user(fresh(supervisor), mixed.uuid)
    unlimited = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="all")
    assert set(access.visible(fresh(unlimited), PossibleDuplicate.objects.all())) == {mixed, inside}


# ---------------------------------------------------------------- one query for a record and what its page shows
def test_a_possible_duplicate_is_read_with_its_people_places_and_registrars_in_one_query(
    two: dict[str, Organisation], django_assert_num_queries: Any
) -> None:
    first = make_user(two["alpha"], Role.CASEWORKER, username="first")
    second = make_user(two["alpha"], Role.CASEWORKER, username="second")
    supervisor = fresh(make_user(two["alpha"], Role.CASE_SUPERVISOR, username="sup"))
    register(first, name_latin="Sok Dara", phone="+85512345678")
    register(second, name_latin="Keo Sophal", phone="+85512345678")
    pair = services.possible_duplicate_resolve(
        actor=supervisor, flag=PossibleDuplicate.objects.get(), decision="different"
    )
    access.get_possible_duplicate_for_user(supervisor, pair.uuid)  # the request's membership is read once
    with django_assert_num_queries(1):
        read = access.get_possible_duplicate_for_user(supervisor, pair.uuid)
        shown = (read.person.commune, read.other.commune, read.person.created_by, read.other.created_by)
        assert (read.resolved_by, shown[2], shown[3]) == (supervisor, second, first)


def test_a_person_is_read_with_their_places_household_and_organisation_in_one_query(
    two: dict[str, Organisation], django_assert_num_queries: Any
) -> None:
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    household = services.household_create(actor=caseworker, code="HH-1", place=place())
    person = register(caseworker, name_latin="Sok Dara", household=household)
    user = fresh(caseworker)
    access.get_person_for_user(user, person.uuid)
    with django_assert_num_queries(1):
        read = access.get_person_for_user(user, person.uuid)
        assert (read.province.code, read.district.code, read.commune.code) == ("20", "2001", COMMUNE)
        assert (read.village.commune_id, read.household.code, read.organisation.short_name) == (
            COMMUNE,
            "HH-1",
            "alpha",
        )


def test_a_member_is_read_with_their_user_organisation_and_team_in_one_query(
    two: dict[str, Organisation], django_assert_num_queries: Any
) -> None:
    team = Team.objects.create(organisation=two["alpha"], name="Team A")
    admin = fresh(make_user(two["alpha"], Role.ORG_ADMIN, username="admin"))
    member = make_user(two["alpha"], Role.CASEWORKER, username="member", team=team)
    access.get_membership_for_user(admin, member.uuid)
    with django_assert_num_queries(1):
        read = access.get_membership_for_user(admin, member.uuid)
        assert (read.user.username, read.organisation.short_name, read.team.name) == ("member", "alpha", "Team A")


def test_a_programme_and_a_sub_grant_are_read_with_their_organisations_in_one_query(
    two: dict[str, Organisation], consortium: dict[str, Any], django_assert_num_queries: Any
) -> None:
    officer = fresh(make_user(two["alpha"], Role.PROGRAMME_OFFICER, username="po"))
    subgrant = consortium["alpha_subgrant"]
    access.get_subgrant_for_user(officer, subgrant.uuid)
    with django_assert_num_queries(1):
        read = access.get_subgrant_for_user(officer, subgrant.uuid)
        assert (read.organisation.short_name, read.programme.code) == ("alpha", "p-alpha")
    with django_assert_num_queries(1):
        programme = access.get_programme_for_user(officer, subgrant.programme.uuid)
        assert (programme.organisation.short_name, programme.donor.short_name) == ("alpha", "donor")


# ---------------------------------------------------------------- place limits, read once per request
def test_a_place_limited_members_places_are_read_once_per_request(
    two: dict[str, Organisation], django_assert_num_queries: Any
) -> None:
    supervisor = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="limited")
    limit_to_commune(supervisor, COMMUNE)
    user = fresh(supervisor)
    assert not access.visible(user, Person.objects.all()).exists()  # reads the membership and its places
    with django_assert_num_queries(1):
        assert not access.visible(user, Household.objects.all()).exists()
    assert access.membership_places(access.membership_for(user)) == ([], [COMMUNE])


def test_the_places_of_a_membership_that_is_not_limited_do_not_count() -> None:
    org = make_org("alpha")
    member = make_user(org, Role.CASE_SUPERVISOR, username="unlimited")
    membership = member.memberships.get()
    membership.provinces.set(["20"])
    assert access.membership_places(membership) == ([], [])
    membership.place_limited = True
    assert access.membership_places(membership) == (["20"], [])


def test_the_declarations_handed_out_are_a_copy_of_the_registry() -> None:
    copy = access.declarations()
    assert copy[Person].view == "view_person" and copy[Identity].section == "identity"
    copy.clear()
    assert access.declaration(Person) is not None and Person in access.declarations()


# ---------------------------------------------------------------- memberships
def test_an_organisation_administrator_sees_the_members_of_their_organisation_only(
    two: dict[str, Organisation],
) -> None:
    """(Kills inverting the system-administrator test in `_membership_rows`: every organisation's members.)"""
    admin = make_user(two["alpha"], Role.ORG_ADMIN, username="admin")
    make_user(two["alpha"], Role.CASEWORKER, username="ours")
    make_user(two["beta"], Role.CASEWORKER, username="theirs")
    visible = access.visible(fresh(admin), Membership.objects.all())
    assert {m.user.username for m in visible} == {"admin", "ours"}
    sysadmin = make_user(two["gamma"], Role.SYSTEM_ADMIN, username="sysadmin")
    assert access.visible(fresh(sysadmin), Membership.objects.all()).count() == 4


def test_a_member_who_does_not_manage_members_sees_only_their_own_memberships(two: dict[str, Organisation]) -> None:
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    make_user(two["alpha"], Role.CASEWORKER, username="colleague")
    assert list(access.visible(fresh(caseworker), Membership.objects.all())) == [caseworker.memberships.get()]


# ---------------------------------------------------------------- identifying details of a person out of scope
def test_identifying_details_of_a_person_out_of_scope_may_not_be_read(two: dict[str, Organisation]) -> None:
    """may_read_identity holds the person in the user's scope, not only the capability. (Kills dropping the
    person from its `can()`.)"""
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    colleague = make_user(two["alpha"], Role.CASEWORKER, username="colleague")
    theirs = make_user(two["beta"], Role.CASEWORKER, username="theirs")
    of_colleague = register(colleague, name_latin="Sok Dara")
    of_other_org = register(theirs, name_latin="Keo Sophal")
    mine = register(caseworker, name_latin="Chan Sreymom")
    user = fresh(caseworker)
    assert access.may_read_identity(user, mine)
    assert not access.may_read_identity(user, of_colleague)
    assert not access.may_read_identity(user, of_other_org)


def test_the_registrar_window_closes_when_the_registrars_membership_ends(two: dict[str, Organisation]) -> None:
    """A volunteer whose membership was ended the day they registered someone reads nothing through the window."""
    volunteer = make_user(two["alpha"], Role.VOLUNTEER, username="vol")
    person = register(volunteer, name_latin="Sok Dara")
    assert access.registrar_window_open(fresh(volunteer), person)
    Membership.objects.filter(user=volunteer).update(is_active=False)
    assert not access.registrar_window_open(fresh(volunteer), person)
    assert not access.may_read_identity(fresh(volunteer), person)


# ---------------------------------------------------------------- referrals received, for members who do not decide on them
@pytest.fixture
def received(two: dict[str, Organisation]) -> dict[str, Any]:
    """Alpha refers three people to Beta: one accepted for a lawyer of team T, one for a caseworker in no team,
    one still waiting."""
    team = Team.objects.create(organisation=two["beta"], name="T")
    beta = {
        "supervisor": make_user(two["beta"], Role.CASE_SUPERVISOR, username="sup"),
        "lawyer": make_user(two["beta"], Role.LEGAL_OFFICER, username="lawyer", team=team),
        "colleague": make_user(two["beta"], Role.LEGAL_OFFICER, username="colleague", team=team),
        "caseworker": make_user(two["beta"], Role.CASEWORKER, username="cw"),
        "teammate": make_user(two["beta"], Role.CASEWORKER, username="cw-in-t", team=team),
    }
    sender = make_user(two["alpha"], Role.CASEWORKER, username="sender")
    made = {}
    for name, assignee in (("lawyers", "lawyer"), ("caseworkers", "caseworker"), ("waiting", None)):
        person = register(sender, name_latin=f"Person {name}")
        services.consent_record(
            actor=sender,
            person=person,
            purpose=Consent.Purpose.REFERRAL,
            given=True,
            given_by="self",
            recipient=two["beta"],
        )
        referral = referrals.referral_create(
            actor=sender, person=person, receiver=two["beta"], sections=["identity"], reason="Legal aid"
        )
        if assignee:
            referrals.referral_accept(actor=beta["supervisor"], referral=referral, assign_to=beta[assignee])
        made[name] = referral
    return {**beta, **made, "team": team}


def _referrals(user: User, made: dict[str, Any]) -> set[str]:
    ids = set(access.visible(fresh(user), Referral.objects.all()).values_list("pk", flat=True))
    return {name for name in ("lawyers", "caseworkers", "waiting") if made[name].pk in ids}


def test_members_who_do_not_decide_on_referrals_see_only_those_for_them_or_their_team(received: dict[str, Any]) -> None:
    """The waiting referral is the deciders' alone; a referral is for its assignee, and for a team-scoped role
    for the team. (Kills the survivors of `_referral_rows`' "received" rule.)"""
    assert _referrals(received["supervisor"], received) == {"lawyers", "caseworkers", "waiting"}
    assert _referrals(received["lawyer"], received) == {"lawyers"}
    assert _referrals(received["colleague"], received) == {"lawyers"}  # team scope: the team's referral
    assert _referrals(received["caseworker"], received) == {"caseworkers"}
    assert _referrals(received["teammate"], received) == set()  # own scope: not the team's


def test_a_referral_assigned_to_a_lawyer_stays_theirs_after_they_change_team(received: dict[str, Any]) -> None:
    other_team = Team.objects.create(organisation=received["team"].organisation, name="U")
    Membership.objects.filter(user=received["lawyer"]).update(team=other_team)
    assert _referrals(received["lawyer"], received) == {"lawyers"}
    assert _referrals(received["colleague"], received) == {"lawyers"}


def test_a_referral_assigned_in_one_organisation_is_not_seen_acting_for_another(
    two: dict[str, Organisation], received: dict[str, Any]
) -> None:
    caseworker = received["caseworker"]
    Membership.objects.create(user=caseworker, organisation=two["gamma"], role=Role.CASEWORKER)
    as_gamma = acting(caseworker, two["gamma"])
    assert not access.visible(as_gamma, Referral.objects.all()).exists()
    assert access.visible(acting(caseworker, two["beta"]), Referral.objects.all()).count() == 1


def test_a_receiver_keeps_their_own_people_beside_those_referred_to_them(received: dict[str, Any]) -> None:
    """(Kills `condition |= shared` → `condition = shared` in `_person_condition`: the referred people would
    replace the user's own.)"""
    lawyer = received["lawyer"]
    own = register(lawyer, name_latin="Own client")
    visible = set(access.visible(fresh(lawyer), Person.objects.all()))
    assert visible == {own, received["lawyers"].person}


def test_an_organisations_page_is_found_by_its_own_public_id_and_no_other(two: dict[str, Organisation]) -> None:
    """Organisations are reference data every member reads (the partners' pages), looked up by their public id:
    the id asked for, never another organisation's row, and an id that names none is "not found".
    Kills `get_organisation_for_user` mutants 1–6 (the user, the model or the id dropped or made None)."""
    member = make_user(two["alpha"], Role.CASEWORKER, username="reader")
    assert access.get_organisation_for_user(fresh(member), two["beta"].uuid) == two["beta"]
    assert access.get_organisation_for_user(fresh(member), str(two["gamma"].uuid)) == two["gamma"]
    with pytest.raises(Http404):
        access.get_organisation_for_user(fresh(member), uuid.uuid4())


def test_the_people_referred_to_one_organisation_are_not_remembered_for_another(two: dict[str, Organisation]) -> None:
    """The people shared by accepted referrals are remembered on the user object for the rest of the request,
    keyed by the organisation, scope and team they were read for: a supervisor of Beta and of Gamma who read
    Beta's referred survivor, then acts for Gamma with the same object, does not see them there.
    (Kills `_shared_person_ids` mutant 9: the cache key made a constant.)"""
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="alpha-cw")
    receiver = make_user(two["beta"], Role.CASE_SUPERVISOR, username="beta-sup")
    Membership.objects.create(user=receiver, organisation=two["gamma"], role=Role.CASE_SUPERVISOR)
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

    same_object = acting(receiver, two["beta"])
    assert access.visible(same_object, Person.objects.filter(pk=person.pk)).exists()
    same_object._karpear_active_org = two["gamma"].pk  # type: ignore[attr-defined]
    assert not access.visible(same_object, Person.objects.filter(pk=person.pk)).exists()


def test_a_caseworker_of_the_receiving_organisation_sees_the_referral_assigned_to_them_not_a_colleagues(
    two: dict[str, Organisation],
) -> None:
    """Beta accepts two referrals of Alpha's survivors: one assigned to a Beta caseworker (own scope), one left to
    a supervisor. The caseworker sees the first person only. (Kills `_shared_person_ids` mutant 18: the own
    scope's `assigned_to_id=user` made `assigned_to_id=None`.)"""
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="alpha-cw")
    supervisor = make_user(two["beta"], Role.CASE_SUPERVISOR, username="beta-sup")
    beta_worker = make_user(two["beta"], Role.CASEWORKER, username="beta-cw")
    people = []
    for name, assignee in (("Sok Chantha", beta_worker), ("Chan Dara", supervisor)):
        person = register(caseworker, name_latin=name)
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
        referrals.referral_accept(actor=supervisor, referral=referral, assign_to=assignee)
        people.append(person)

    assert sees(beta_worker, Person.objects.filter(pk=people[0].pk))
    assert not sees(beta_worker, Person.objects.filter(pk=people[1].pk))


def test_a_legal_officer_with_no_team_sees_the_referral_assigned_to_them_not_a_colleagues(
    two: dict[str, Organisation],
) -> None:
    """The team scope of the receiving side: a Beta legal officer in no team sees the referred person assigned to
    them, not one assigned to a supervisor. (Kills `_shared_person_ids` mutant 21: the team scope's
    `assigned_to_id=user` made `assigned_to_id=None`.)"""
    caseworker = make_user(two["alpha"], Role.CASEWORKER, username="alpha-cw")
    supervisor = make_user(two["beta"], Role.CASE_SUPERVISOR, username="beta-sup")
    lawyer = make_user(two["beta"], Role.LEGAL_OFFICER, username="beta-lawyer")
    people = []
    for name, assignee in (("Sok Chantha", lawyer), ("Chan Dara", supervisor)):
        person = register(caseworker, name_latin=name)
        services.consent_record(
            actor=caseworker,
            person=person,
            purpose=Consent.Purpose.REFERRAL,
            given=True,
            given_by="self",
            recipient=two["beta"],
        )
        referral = referrals.referral_create(
            actor=caseworker, person=person, receiver=two["beta"], sections=["identity"], reason="Legal aid"
        )
        referrals.referral_accept(actor=supervisor, referral=referral, assign_to=assignee)
        people.append(person)

    assert sees(lawyer, Person.objects.filter(pk=people[0].pk))
    assert not sees(lawyer, Person.objects.filter(pk=people[1].pk))


# ---------------------------------------------------------------- second factor
def test_back_office_staff_and_superusers_need_a_second_factor_whatever_their_role(
    two: dict[str, Organisation],
) -> None:
    """A field officer's role asks for no second factor; the same account made staff (the back office) or a
    superuser does, each on its own. (Kills `is_staff or is_superuser` → `and`, and each half dropped.)"""
    officer = make_user(two["alpha"], Role.FIELD_OFFICER, username="officer")
    assert not access.needs_two_factor(fresh(officer))

    User.objects.filter(pk=officer.pk).update(is_staff=True)
    assert access.needs_two_factor(fresh(officer))

    User.objects.filter(pk=officer.pk).update(is_staff=False, is_superuser=True)
    assert access.needs_two_factor(fresh(officer))


# ---------------------------------------------------------------- memberships
def test_the_members_of_a_deactivated_organisation_lose_its_records(two: dict[str, Organisation]) -> None:
    """(Kills `organisation__is_active=True` dropped from `memberships_of`.)"""
    caseworker = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="sup")
    register(caseworker, name_latin="Sok Dara")
    assert sees(caseworker, Person.objects.all())

    Organisation.objects.filter(pk=two["alpha"].pk).update(is_active=False)
    assert access.memberships_of(fresh(caseworker)) == []
    assert not sees(caseworker, Person.objects.all())


def test_a_deactivated_account_has_no_membership_and_sees_nothing(two: dict[str, Organisation]) -> None:
    """(Kills `is_authenticated and is_active` → `or` in `memberships_of`.)"""
    supervisor = make_user(two["alpha"], Role.CASE_SUPERVISOR, username="sup")
    register(supervisor, name_latin="Sok Dara")
    User.objects.filter(pk=supervisor.pk).update(is_active=False)

    assert access.memberships_of(fresh(supervisor)) == []
    assert not sees(supervisor, Person.objects.all())


def test_a_membership_is_read_with_its_organisation_team_and_inviter_in_one_query(
    two: dict[str, Organisation], django_assert_num_queries: Any
) -> None:
    """The middleware reads them on every request. (Kills `team` or `invited_by` dropped from the
    select_related of `memberships_of`.)"""
    team = Team.objects.create(organisation=two["alpha"], name="T")
    inviter = make_user(two["alpha"], Role.ORG_ADMIN, username="admin")
    member = make_user(two["alpha"], Role.CASEWORKER, username="cw", team=team)
    Membership.objects.filter(user=member).update(invited_by=inviter)
    user = fresh(member)
    with django_assert_num_queries(1):
        (membership,) = access.memberships_of(user)
        assert (membership.organisation.short_name, membership.team.name, membership.invited_by.username) == (
            "alpha",
            "T",
            "admin",
        )


def test_a_session_naming_an_organisation_the_user_left_acts_through_their_first_membership(
    two: dict[str, Organisation],
) -> None:
    """(Kills the fallback of `membership_for` made none, or the second membership.)"""
    user = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    Membership.objects.create(user=user, organisation=two["beta"], role=Role.CASE_SUPERVISOR)
    left = acting(user, two["gamma"])

    membership = access.membership_for(left)
    assert membership is not None and membership.organisation_id == two["alpha"].pk


def test_a_signed_in_account_with_no_membership_reads_not_even_the_public_gazetteer(
    two: dict[str, Organisation],
) -> None:
    """Public models (places, organisations) are for members. (Kills the membership check of `visible()` for
    public models made always true.)"""
    stranger = User.objects.create_user(username="stranger", password="x" * 20)
    member = make_user(two["alpha"], Role.CASEWORKER, username="cw")
    assert sees(member, Commune.objects.all())
    assert not sees(stranger, Commune.objects.all())
