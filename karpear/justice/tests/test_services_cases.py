"""Legal cases through the services: numbers, opening directly or from an accepted referral, clients,
parties and offences, and what is refused (nothing half-saved)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import make_user
from karpear.core import referrals
from karpear.core import services as core_services
from karpear.core.models import AuditEvent, Consent, Identity, Person
from karpear.core.roles import Role
from karpear.core.tests.factories import person_input
from karpear.justice import selectors, services
from karpear.justice.models import Article, CaseClient, ClientRelation, LegalCase, Offence, Party
from karpear.justice.tests import factories as f

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (Person.objects.count(), LegalCase.objects.count(), Party.objects.count(), AuditEvent.objects.count())


def test_case_numbers_follow_each_other_per_organisation_and_year(orgs, users):
    year = timezone.localdate().year
    other = make_user(orgs["other"], Role.LEGAL_OFFICER)
    colleague = make_user(orgs["own"], Role.LEGAL_OFFICER, username="colleague")

    first, second = f.case(users["legal_officer"]), f.case(colleague, name_latin="Keo Sophea")
    elsewhere = f.case(other, name_latin="Mao Thida")

    assert (first.number, second.number) == (f"ALPHA-L-{year}-00001", f"ALPHA-L-{year}-00002")
    assert elsewhere.number == f"BETA-L-{year}-00001"


def test_opening_a_case_registers_the_client_and_assigns_the_opener(users):
    lawyer = users["legal_officer"]

    case = f.case(lawyer, name_latin="Sok Dara")

    assert (case.lawyer, case.created_by, case.status) == (lawyer, lawyer, "investigation")
    assert Identity.objects.get(person=case.client).name_latin == "Sok Dara"
    assert AuditEvent.objects.filter(action="create", object_id=str(case.uuid)).count() == 1


def test_a_case_needs_a_description_and_no_future_date_and_nothing_is_saved(users):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.case_open(
            actor=users["legal_officer"],
            client=person_input(),
            data=services.CaseInput(title=" ", opened_on=f.days_ago(-1)),
        )
    assert set(error.value.message_dict) == {"title", "opened_on"}
    assert counts() == before


@pytest.mark.parametrize(
    "role", [Role.CASEWORKER, Role.CASE_SUPERVISOR, Role.ME_OFFICER, Role.ORG_ADMIN, Role.PROGRAMME_OFFICER]
)
def test_other_roles_cannot_open_a_legal_case(orgs, role):
    user = make_user(orgs["own"], role)
    before = counts()
    with pytest.raises(PermissionDenied):
        f.case(user)
    assert counts() == before


def _accepted_referral(orgs, users, lawyer, sections=("identity",)):
    """A person of the other organisation (CCPCR), referred to the own one (ADHOC) with consent, sharing
    `sections`, accepted and assigned to `lawyer`."""
    sender = make_user(orgs["other"], Role.CASE_SUPERVISOR, username="sender")
    person = core_services.person_create(actor=sender, data=person_input(name_latin="Chea Pisey"))
    core_services.consent_record(
        actor=sender,
        person=person,
        purpose=Consent.Purpose.REFERRAL,
        given=True,
        given_by="self",
        recipient=orgs["own"],
    )
    referral = referrals.referral_create(
        actor=sender, person=person, receiver=orgs["own"], sections=list(sections), reason="Legal aid"
    )
    return referrals.referral_accept(actor=users["case_supervisor"], referral=referral, assign_to=lawyer)


def test_a_case_opens_from_an_accepted_referral_for_the_referred_person(orgs, users):
    lawyer = users["legal_officer"]
    referral = _accepted_referral(orgs, users, lawyer)

    assert list(selectors.referrals_to_open(user=lawyer)) == [referral]
    case = services.case_open_from_referral(
        actor=lawyer, referral=referral, data=services.CaseInput(title="Wages withheld")
    )

    assert (case.client_id, case.referral_id, case.organisation_id) == (
        referral.person_id,
        referral.pk,
        orgs["own"].pk,
    )
    assert list(selectors.referrals_to_open(user=lawyer)) == []
    clients = selectors.case_clients(user=lawyer, case=case)
    assert clients[0].identity is not None and clients[0].identity.name_latin == "Chea Pisey"
    assert AuditEvent.objects.filter(action="view", object_id=str(referral.person.uuid)).exists()
    with pytest.raises(ValidationError):
        services.case_open_from_referral(actor=lawyer, referral=referral, data=services.CaseInput(title="Again"))
    assert LegalCase.objects.count() == 1


def test_a_waiting_referral_opens_no_case(orgs, users):
    sender = make_user(orgs["other"], Role.CASE_SUPERVISOR, username="sender")
    person = core_services.person_create(actor=sender, data=person_input())
    core_services.consent_record(
        actor=sender, person=person, purpose="referral", given=True, given_by="self", recipient=orgs["own"]
    )
    referral = referrals.referral_create(
        actor=sender, person=person, receiver=orgs["own"], sections=["identity"], reason="Legal aid"
    )
    with pytest.raises((ValidationError, Http404)):
        services.case_open_from_referral(
            actor=users["legal_officer"], referral=referral, data=services.CaseInput(title="Too early")
        )
    assert LegalCase.objects.count() == 0


def test_parties_offences_and_clients_are_recorded_and_audited(users, articles):
    lawyer = users["legal_officer"]
    case = f.case(lawyer)
    article = Article.objects.get(number=10)

    services.party_add(actor=lawyer, case=case, kind="company", name="Giant Ocean", notes="Fishing company")
    services.offence_add(actor=lawyer, case=case, article=article)
    services.client_add(actor=lawyer, case=case, client=person_input(name_latin="Mother"), relation="family")

    assert list(Party.objects.values_list("kind", "name")) == [("company", "Giant Ocean")]
    assert list(Offence.objects.values_list("article__number", flat=True)) == [10]
    assert [c.relation for c in selectors.case_clients(user=lawyer, case=case)] == ["", "Family member"]
    with pytest.raises(ValidationError):
        services.offence_add(actor=lawyer, case=case, article=article)
    assert Offence.objects.count() == 1
    assert CaseClient.objects.count() == 1


def test_a_party_needs_a_kind_and_a_name(users):
    case = f.case(users["legal_officer"])
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.party_add(actor=users["legal_officer"], case=case, kind="pirate", name="")
    assert set(error.value.message_dict) == {"kind", "name"}
    assert counts() == before


def test_another_organisations_legal_officer_cannot_see_or_change_the_case(orgs, users):
    case = f.case(users["legal_officer"])
    stranger = make_user(orgs["other"], Role.LEGAL_OFFICER, username="stranger")
    before = counts()

    assert list(selectors.case_list(user=stranger)) == []
    with pytest.raises(Http404):
        services.party_add(actor=stranger, case=case, kind="suspect", name="X")
    assert counts() == before


def test_the_seeded_articles_are_the_ones_domain_names_and_unchecked(articles):
    assert list(Article.objects.values_list("number", flat=True)) == [8, 10, 12, 15, 17, 19]
    assert not Article.objects.filter(verified=True).exists()


def _clients_read_apart(user, case) -> list[tuple[int, str, int | None]]:
    """The case's clients as they were read before (the people, then their identities in a query of their own,
    each through core.access): the reference the one-query reading must equal."""
    from karpear.core import access
    from karpear.core.roles import Capability

    ids = [case.client_id, *CaseClient.objects.filter(case=case).values_list("person_id", flat=True)]
    people = list(access.visible(user, Person.objects.filter(pk__in=ids)))
    readable: set[int] = set()
    if access.has_capability(user, Capability.VIEW_IDENTITY):
        found = access.visible(user, Identity.objects.filter(person_id__in=[p.pk for p in people]))
        readable = set(found.values_list("person_id", flat=True))
    relations = dict(CaseClient.objects.filter(case=case).values_list("person_id", "relation"))
    labels = {pk: str(ClientRelation(code).label) for pk, code in relations.items() if code}
    rows = [(p.pk, labels.get(p.pk, ""), p.pk if p.pk in readable else None) for p in people]
    return sorted(rows, key=lambda row: (row[0] != case.client_id, row[0]))


@pytest.mark.parametrize("role", ["legal_officer", "case_supervisor"])
def test_the_clients_and_the_identities_they_may_read_come_in_one_query_as_before(
    orgs, users, role, django_assert_num_queries
):
    """The overview's clients: the people and the identities the user may read in one query (the audit events in
    a second), the same rows as reading them apart; a client referred without their identity shows none."""
    from karpear.core import access

    lawyer = users["legal_officer"]
    referral = _accepted_referral(orgs, users, lawyer, sections=["justice_case"])
    referred = services.case_open_from_referral(actor=lawyer, referral=referral, data=services.CaseInput(title="Wages"))
    services.client_add(actor=lawyer, case=referred, client=person_input(name_latin="Chea Sister"), relation="family")
    own = f.case(lawyer, name_latin="Sok Dara")
    services.client_add(actor=lawyer, case=own, client=person_input(name_latin="Sok Mother"), relation="family")

    user = type(lawyer).objects.get(pk=users[role].pk)
    access.membership_for(user)
    access.visible(user, Person.objects.none())  # core.access's per-request reads (the membership, the referrals)
    for case in (own, referred):
        expected = _clients_read_apart(user, case)
        before = AuditEvent.objects.filter(action="view").count()
        with django_assert_num_queries(2):  # the people with their readable identities; the audit events
            clients = selectors.case_clients(user=user, case=case)
        assert [(c.person.pk, c.relation, c.identity.person_id if c.identity else None) for c in clients] == expected
        assert AuditEvent.objects.filter(action="view").count() - before == sum(1 for row in expected if row[2])
    names = [c.identity.name_latin if c.identity else None for c in selectors.case_clients(user=user, case=referred)]
    assert names == [None, "Chea Sister"]  # the referral shares the case, not the referred client's identity
