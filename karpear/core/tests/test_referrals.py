"""Referrals, core's general mechanism: consent for the receiving organisation, accept/decline, assignment in the
receiver (whose own/team scope then applies), revoke, close, complete, expiry; every step audited; nothing is
shared before acceptance or after the referral ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core import access, referrals, services
from karpear.core.models import AuditEvent, Consent, Identity, Organisation, Person, Referral, Team
from karpear.core.roles import Role


@pytest.fixture
def setup(db: Any) -> dict[str, Any]:
    ccpcr, adhoc = make_org("ccpcr"), make_org("adhoc")
    team = Team.objects.create(organisation=adhoc, name="Legal team")
    other_team = Team.objects.create(organisation=adhoc, name="Other team")
    caseworker = make_user(ccpcr, Role.CASEWORKER, username="cw")
    supervisor = make_user(ccpcr, Role.CASE_SUPERVISOR, username="sup")
    programme = make_user(ccpcr, Role.PROGRAMME_OFFICER, username="po")
    receiver = make_user(adhoc, Role.CASE_SUPERVISOR, username="adhoc-sup")
    lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer", team=team)
    colleague_lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer2", team=team)
    outsider_lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer3", team=other_team)
    adhoc_caseworker = make_user(adhoc, Role.CASEWORKER, username="adhoc-cw")
    person = services.person_create(
        actor=caseworker,
        data=services.PersonInput(sex="female", birth_year=1998, name_km="សុខ ចន្ថា", name_latin="Sok Chantha"),
    )
    return {
        "ccpcr": ccpcr,
        "adhoc": adhoc,
        "caseworker": caseworker,
        "supervisor": supervisor,
        "programme": programme,
        "receiver": receiver,
        "lawyer": lawyer,
        "colleague_lawyer": colleague_lawyer,
        "outsider_lawyer": outsider_lawyer,
        "adhoc_caseworker": adhoc_caseworker,
        "person": person,
    }


def _consent(s: dict[str, Any], recipient: Organisation | None = None, given: bool = True) -> Consent:
    return services.consent_record(
        actor=s["caseworker"],
        person=s["person"],
        purpose=Consent.Purpose.REFERRAL,
        given=given,
        given_by="self",
        recipient=recipient or s["adhoc"],
    )


def _refer(s: dict[str, Any], sections: tuple[str, ...] = ("identity",), **kw: Any) -> Referral:
    return referrals.referral_create(
        actor=kw.pop("actor", s["caseworker"]),
        person=s["person"],
        receiver=kw.pop("receiver", s["adhoc"]),
        sections=sections,
        reason=kw.pop("reason", "Legal aid for withheld wages"),
        **kw,
    )


def _sees_person(user: Any, person: Person) -> bool:
    return access.visible(user, Person.objects.filter(pk=person.pk)).exists()


def _sees_identity(user: Any, person: Person) -> bool:
    return access.visible(user, Identity.objects.filter(person=person)).exists()


def _refer_events(referral: Referral) -> list[str]:
    return list(
        AuditEvent.objects.filter(action="refer", object_id=str(referral.uuid))
        .order_by("id")
        .values_list("details__step", flat=True)
    )


# ---------------------------------------------------------------- sending
def test_a_referral_needs_consent_to_that_organisation(setup: dict[str, Any]) -> None:
    _consent(setup, recipient=make_org("other"))  # consent to another organisation does not count
    with pytest.raises(ValidationError) as error:
        _refer(setup)
    assert "No consent to referral to ADHOC" in str(error.value)
    assert Referral.objects.count() == 0


def test_a_refused_or_withdrawn_consent_does_not_count(setup: dict[str, Any]) -> None:
    _consent(setup)
    _consent(setup, given=False)  # the latest answer wins
    with pytest.raises(ValidationError):
        _refer(setup)
    assert Referral.objects.count() == 0


def test_a_referral_with_consent_is_sent_and_audited(setup: dict[str, Any]) -> None:
    consent = _consent(setup)
    referral = _refer(setup, sections=("identity",))
    assert referral.status == Referral.Status.PENDING
    assert referral.consent == consent
    assert referrals.section_names(referral) == ["identity"]
    assert referral.expires_at > timezone.now() + dt.timedelta(days=13)
    event = AuditEvent.objects.get(action="refer", object_id=str(referral.uuid))
    assert event.details["step"] == "sent" and event.details["receiver"] == "adhoc"
    assert event.details["sections"] == ["identity"]


def test_overriding_a_missing_consent_needs_the_capability_and_is_audited(setup: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as error:
        _refer(setup, override_reason="Child in danger")  # a caseworker may not override
    assert "may not override" in str(error.value)
    referral = _refer(setup, actor=setup["supervisor"], override_reason="Child in danger tonight")
    assert referral.consent is None and referral.consent_override_reason == "Child in danger tonight"
    override = AuditEvent.objects.get(action="consent_override", object_id=str(referral.uuid))
    assert override.details["reason"] == "Child in danger tonight"
    assert override.details["purpose"] == "referral"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"receiver": "own"}, "receiver", "Choose another organisation"),
        ({"receiver": "inactive"}, "receiver", "not active"),
        ({"sections": ()}, "sections", "Choose what the referral shares"),
        ({"sections": ("nobody_declared_this",)}, "sections", "Unknown section: nobody_declared_this"),
        ({"reason": "   "}, "reason", "Say why"),
    ],
)
def test_bad_referrals_are_refused_with_a_message_and_nothing_saved(
    setup: dict[str, Any], change: dict[str, Any], field: str, message: str
) -> None:
    _consent(setup)
    if change.get("receiver") == "own":
        change["receiver"] = setup["ccpcr"]
    elif change.get("receiver") == "inactive":
        setup["adhoc"].is_active = False
        setup["adhoc"].save()
        change["receiver"] = setup["adhoc"]
    with pytest.raises(ValidationError) as error:
        _refer(setup, **change)
    assert message in " ".join(error.value.message_dict[field])
    assert Referral.objects.count() == 0
    assert not AuditEvent.objects.filter(action="refer").exists()


def test_the_same_person_cannot_be_referred_twice_to_one_organisation_while_open(setup: dict[str, Any]) -> None:
    _consent(setup)
    _refer(setup)
    with pytest.raises(ValidationError) as error:
        _refer(setup)
    assert "already referred" in str(error.value)


def test_a_role_without_refer_person_cannot_refer(setup: dict[str, Any]) -> None:
    _consent(setup)
    person = setup["person"]
    person.assigned_to = setup["programme"]
    person.save()
    with pytest.raises(PermissionDenied):  # a programme officer may not refer at all
        _refer(setup, actor=setup["programme"])


def test_a_shared_person_cannot_be_referred_onwards_by_the_receiver(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    third = make_org("third")
    with pytest.raises(ValidationError) as error:
        _refer(setup, actor=setup["receiver"], receiver=third)
    assert "own organisation" in str(error.value)


# ---------------------------------------------------------------- what is shared, and with whom
def test_nothing_is_shared_before_acceptance(setup: dict[str, Any]) -> None:
    _consent(setup)
    _refer(setup)
    assert not _sees_person(setup["receiver"], setup["person"])
    assert not _sees_identity(setup["receiver"], setup["person"])


def test_an_accepted_referral_shares_its_sections_with_the_assignee_and_the_receivers_scope(
    setup: dict[str, Any],
) -> None:
    _consent(setup)
    referral = _refer(setup)
    referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    person = setup["person"]
    assert _sees_person(setup["lawyer"], person) and _sees_identity(setup["lawyer"], person)
    assert _sees_person(setup["receiver"], person)  # organisation scope
    assert _sees_person(setup["colleague_lawyer"], person)  # team scope: the referral's team
    assert not _sees_person(setup["outsider_lawyer"], person)  # another team
    assert not _sees_person(setup["adhoc_caseworker"], person)  # own scope: not assigned to them


def test_a_referral_without_the_identity_section_shares_no_identifying_details(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = referrals.referral_create(
        actor=setup["caseworker"],
        person=setup["person"],
        receiver=setup["adhoc"],
        sections=["sample_visits"],
        reason="Home visits",
    )
    referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    assert _sees_person(setup["lawyer"], setup["person"])
    assert not _sees_identity(setup["lawyer"], setup["person"])


def test_shared_records_are_read_only_for_the_receiver(setup: dict[str, Any], client: Client) -> None:
    _consent(setup)
    referral = _refer(setup)
    referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    login(client, setup["lawyer"])
    assert client.get(f"/people/{setup['person'].uuid}/").status_code == 200
    assert client.get(f"/people/{setup['person'].uuid}/edit/").status_code == 403
    assert not access.can(setup["lawyer"], "change_person", setup["person"])


@pytest.mark.parametrize("end", ["revoke", "close", "complete"])
def test_an_ended_referral_shares_nothing_any_more(setup: dict[str, Any], client: Client, end: str) -> None:
    _consent(setup)
    referral = _refer(setup)
    referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    if end == "revoke":
        referrals.referral_revoke(actor=setup["caseworker"], referral=referral, reason="Family moved")
    elif end == "close":
        referrals.referral_close(actor=setup["caseworker"], referral=referral, note="Done")
    else:
        referrals.referral_complete(actor=setup["lawyer"], referral=referral, outcome="Complaint filed")
    login(client, setup["lawyer"])
    assert client.get(f"/people/{setup['person'].uuid}/").status_code == 404
    assert client.get(f"/api/v1/people/{setup['person'].uuid}/").status_code == 404


def test_an_expired_referral_cannot_be_accepted_and_shares_nothing(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    Referral.objects.filter(pk=referral.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError) as error:
        referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    assert "no longer waiting" in str(error.value) and "Expired" in str(error.value)
    assert referrals.referral_expire_due() == 1
    referral.refresh_from_db()
    assert referral.status == Referral.Status.EXPIRED
    assert _refer_events(referral) == ["sent", "expired"]
    assert not _sees_person(setup["lawyer"], setup["person"])


# ---------------------------------------------------------------- answering
def test_accepting_twice_is_refused(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    with pytest.raises(ValidationError) as error:
        referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["adhoc_caseworker"])
    assert "no longer waiting" in str(error.value)
    referral.refresh_from_db()
    assert referral.assigned_to == setup["lawyer"]
    assert _refer_events(referral) == ["sent", "accepted"]


def test_only_the_receiving_organisation_answers(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    with pytest.raises(PermissionDenied):  # the sender's supervisor holds receive_referrals, but not for this one
        referrals.referral_accept(actor=setup["supervisor"], referral=referral, assign_to=setup["supervisor"])
    with pytest.raises(PermissionDenied):  # a legal officer of the receiver may not decide
        referrals.referral_accept(actor=setup["lawyer"], referral=referral, assign_to=setup["lawyer"])
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_a_referral_is_assigned_only_to_a_member_who_works_with_people(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    admin = make_user(setup["adhoc"], Role.ORG_ADMIN, username="adhoc-admin")
    for assignee in (None, admin, setup["caseworker"]):  # nobody, a role without people, another organisation
        with pytest.raises(ValidationError):
            referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=assignee)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_declining_needs_a_reason_and_is_seen_by_the_sender(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    with pytest.raises(ValidationError):
        referrals.referral_decline(actor=setup["receiver"], referral=referral, reason=" ")
    referrals.referral_decline(actor=setup["receiver"], referral=referral, reason="Outside our provinces")
    seen = referrals.referral_for_user(user=setup["caseworker"], uuid=referral.uuid)
    assert seen.status == Referral.Status.DECLINED and seen.decision_note == "Outside our provinces"
    assert _refer_events(referral) == ["sent", "declined"]


def test_every_step_is_audited_in_order_with_the_acting_organisation(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    referrals.referral_accept(actor=setup["receiver"], referral=referral, assign_to=setup["lawyer"])
    referrals.referral_assign(actor=setup["receiver"], referral=referral, assign_to=setup["colleague_lawyer"])
    referrals.referral_complete(actor=setup["colleague_lawyer"], referral=referral, outcome="Won in court")
    referrals.referral_close(actor=setup["caseworker"], referral=referral, note="Thanks")
    assert _refer_events(referral) == ["sent", "accepted", "assigned", "completed", "closed"]
    organisations = list(
        AuditEvent.objects.filter(action="refer", object_id=str(referral.uuid))
        .order_by("id")
        .values_list("organisation__short_name", flat=True)
    )
    assert organisations == ["ccpcr", "adhoc", "adhoc", "adhoc", "ccpcr"]


def test_the_waiting_list_counts_what_the_receiver_must_answer(setup: dict[str, Any]) -> None:
    _consent(setup)
    assert referrals.referrals_waiting_count(user=setup["receiver"]) == 0
    _refer(setup)
    assert referrals.referrals_waiting_count(user=setup["receiver"]) == 1
    assert referrals.referrals_waiting_count(user=setup["lawyer"]) == 0  # not a decider
    assert referrals.referrals_waiting_count(user=setup["supervisor"]) == 0  # the sender


# ---------------------------------------------------------------- pages
def test_a_caseworker_refers_and_the_receiver_accepts_in_the_browser_flow(setup: dict[str, Any]) -> None:
    _consent(setup)
    sender, receiver = Client(), Client()
    login(sender, setup["caseworker"])
    person = setup["person"]
    page = sender.get(f"/people/{person.uuid}/refer/")
    assert page.status_code == 200 and "Identifying details" in page.content.decode()
    response = sender.post(
        f"/people/{person.uuid}/refer/",
        {"receiver": setup["adhoc"].uuid, "sections": ["identity"], "reason": "Legal aid"},
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.uuid}/"
    login(receiver, setup["receiver"])
    home = receiver.get("/").content.decode()
    assert "Referrals waiting for your answer" in home
    detail = receiver.get(f"/referrals/{referral.uuid}/").content.decode()
    assert "Accept" in detail and "Legal aid" in detail
    lawyer_membership_uuid = setup["lawyer"].uuid
    response = receiver.post(f"/referrals/{referral.uuid}/accept/", {"assign_to": lawyer_membership_uuid})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED and referral.assigned_to == setup["lawyer"]
    assert "Accepted" in sender.get(f"/people/{person.uuid}/").content.decode()


def test_a_page_step_that_fails_shows_the_error_and_changes_nothing(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    client = Client()
    login(client, setup["receiver"])
    response = client.post(f"/referrals/{referral.uuid}/decline/", {"note": ""})
    assert response.status_code == 400
    assert "Say why the referral is declined." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_the_refer_form_without_consent_says_what_to_do_and_keeps_the_input(setup: dict[str, Any]) -> None:
    client = Client()
    login(client, setup["caseworker"])
    response = client.post(
        f"/people/{setup['person'].uuid}/refer/",
        {"receiver": setup["adhoc"].uuid, "sections": ["identity"], "reason": "Shelter needed"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Record the person&#x27;s consent first." in content and "Shelter needed" in content
    assert Referral.objects.count() == 0


def test_another_organisation_cannot_see_a_referral_it_is_not_part_of(setup: dict[str, Any]) -> None:
    _consent(setup)
    referral = _refer(setup)
    stranger = make_user(make_org("third"), Role.CASE_SUPERVISOR, username="stranger")
    client = Client()
    login(client, stranger)
    assert client.get(f"/referrals/{referral.uuid}/").status_code == 404
    assert client.post(f"/referrals/{referral.uuid}/accept/", {"assign_to": stranger.uuid}).status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING
