"""Referrals, core's general mechanism (DESIGN §5): services (writes) and selectors (reads).

A caseworker refers a person of their organisation to another organisation, naming the sections of the
person's records the referral shares (sections are declared by the apps: `core.registry.referral_section`).
It needs the person's consent for referral *to that organisation*, or a role that may override consent and a
reason (audited). The receiving organisation accepts it (assigning a member, whose own/team scope then
applies: `core.access`) or declines it with a reason; nobody answering in time lets it expire. The sender may
revoke it, or close it once the work is done; the receiver reports back by completing it. Only an accepted
referral shares anything. Every step writes a `refer` audit event.

Locks: a step on a referral locks that referral's row first (`select_for_update`), so two supervisors cannot
both accept it; no other row lock is taken, and the audit append comes last (docs/development.md, "Locks").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit, registry
from karpear.core.models import (
    AuditEvent,
    Consent,
    Membership,
    Organisation,
    Person,
    Referral,
    ReferredSection,
    User,
)
from karpear.core.roles import Capability, Scope, spec_for
from karpear.core.text import clean_text

C = Capability


# ---------------------------------------------------------------- reads
def consent_for_referral(*, person: Person, receiver: Organisation) -> Consent | None:
    """The person's latest answer about being referred to `receiver`, if it is a consent still standing."""
    latest = (
        Consent.objects.filter(person=person, purpose=Consent.Purpose.REFERRAL, recipient=receiver)
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or not latest.given or latest.withdrawn_at is not None:
        return None
    return latest


def referral_list(*, user: User, box: str = "", status: str = "") -> QuerySet[Referral]:
    """Referrals the user may see: `box` "incoming" (to their organisation), "outgoing" (from it) or both."""
    referrals = access.visible(user, Referral.objects.all())
    membership = access.membership_for(user)
    if membership is not None and box == "incoming":
        referrals = referrals.filter(receiver_id=membership.organisation_id)
    elif membership is not None and box == "outgoing":
        referrals = referrals.filter(organisation_id=membership.organisation_id)
    if status == "waiting":
        referrals = referrals.filter(status=Referral.Status.PENDING, expires_at__gt=timezone.now())
    elif status:
        referrals = referrals.filter(status=status)
    return referrals.select_related("organisation", "receiver", "person", "assigned_to").prefetch_related("sections")


def referral_for_user(*, user: User, uuid: object) -> Referral:
    """A referral the user may see (404 otherwise), with what its page shows."""
    return access.get_for_user(
        user,
        Referral,
        str(uuid),
        queryset=Referral.objects.select_related("organisation", "receiver", "person", "assigned_to", "created_by"),
    )


def referrals_waiting_count(*, user: User) -> int:
    """Referrals to the user's organisation waiting for an answer (one query)."""
    if not access.has_capability(user, C.RECEIVE_REFERRALS):
        return 0
    return referral_list(user=user, box="incoming", status="waiting").count()


def referrals_of_person(*, user: User, person: Person) -> QuerySet[Referral]:
    return referral_list(user=user).filter(person=person)


def referral_events(*, user: User, referral: Referral) -> QuerySet[AuditEvent]:
    """The steps of a visible referral, from the audit log (who did what, when)."""
    referral = access.get_for_user(user, Referral, referral.uuid)
    object_type, object_id = audit.object_ref(referral)
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id, action="refer").order_by("id")


def assignable_members(*, user: User) -> QuerySet[Membership]:
    """Members of the user's organisation a received referral may be assigned to: active, and holding a role
    that reaches people."""
    membership = access.membership_for(user)
    if membership is None:
        return Membership.objects.none()
    roles = [
        role
        for role in sorted({m.role for m in Membership.objects.filter(organisation_id=membership.organisation_id)})
        if C.VIEW_PERSON in spec_for(role).capabilities and spec_for(role).scope_for(C.VIEW_PERSON) != Scope.NONE
    ]
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, is_active=True, role__in=roles)
        .select_related("user", "team")
        .order_by("user__username")
    )


def records_from(
    *, user: User, referrals: Iterable[Referral] | QuerySet[Referral]
) -> dict[int, list[registry.ReferralRecord]]:
    """What the receivers opened from these referrals (a protection intake, a legal case), by referral id, as
    the apps tell it (`registry.referral_records`): only for the referrals the user may see (the finders get
    them as a subquery of `core.access`, so this costs one query per app and none of its own), each app naming
    a record by its number and linking it only for a user who may open it."""
    if isinstance(referrals, QuerySet):
        wanted = referrals
    else:
        keys = [referral.pk for referral in referrals]
        if not keys:
            return {}
        wanted = Referral.objects.filter(pk__in=keys)
    ids = access.visible(user, wanted.order_by()).values("pk")
    found: dict[int, list[registry.ReferralRecord]] = {}
    for find in registry.referral_record_finders():
        for record in find(user=user, referral_ids=ids):
            found.setdefault(record.referral_id, []).append(record)
    return found


def section_names(referral: Referral) -> list[str]:
    return sorted(section.name for section in referral.sections.all())


# ---------------------------------------------------------------- writes
def _answer_days() -> int:
    return int(getattr(settings, "REFERRAL_ANSWER_DAYS", 14))


def _acting_membership(actor: User) -> Membership:
    membership = access.membership_for(actor)
    if membership is None:
        raise PermissionDenied
    return membership


def _record(actor: User | None, referral: Referral, step: str, organisation: Organisation, **details: Any) -> None:
    audit.record(actor=actor, action="refer", obj=referral, organisation=organisation, step=step, **details)


@transaction.atomic
def referral_create(
    *,
    actor: User,
    person: Person,
    receiver: Organisation,
    sections: Iterable[str],
    reason: str,
    override_reason: str = "",
) -> Referral:
    """Refer a person of the actor's organisation to `receiver`. Needs refer_person and the person in the
    actor's scope; consent for referral to that organisation, or override_consent and a reason (audited)."""
    access.require(actor, C.REFER_PERSON)
    membership = _acting_membership(actor)
    person = access.get_person_for_user(actor, person.uuid)
    errors: dict[str, str] = {}
    if person.organisation_id != membership.organisation_id:
        raise ValidationError(_("You can refer only people of your own organisation."))
    declared = {section.name for section in registry.referral_sections()}
    chosen = sorted(set(sections))
    unknown = [name for name in chosen if name not in declared]
    if not chosen:
        errors["sections"] = _("Choose what the referral shares.")
    elif unknown:
        errors["sections"] = _("Unknown section: %(names)s.") % {"names": ", ".join(unknown)}
    elif "identity" in chosen and not access.has_capability(actor, C.VIEW_IDENTITY):
        errors["sections"] = _("Only a role that may read identifying details can share them.")
    if receiver.pk == membership.organisation_id:
        errors["receiver"] = _("Choose another organisation: a referral goes to a partner.")
    elif not receiver.is_active:
        errors["receiver"] = _("This organisation is not active in Karpear.")
    elif Referral.objects.filter(person=person, receiver=receiver, status__in=Referral.OPEN).exists():
        errors["receiver"] = _("This person is already referred to this organisation.")
    reason = clean_text(reason)
    if not reason:
        errors["reason"] = _("Say why the person is referred.")
    if errors:
        raise ValidationError(errors)
    consent = consent_for_referral(person=person, receiver=receiver)
    override_reason = clean_text(override_reason)
    if consent is None:
        if not override_reason:
            raise ValidationError(
                {
                    "receiver": _(
                        "No consent to referral to %(organisation)s is recorded for this person. Record the "
                        "person's consent first."
                    )
                    % {"organisation": receiver.short_name.upper()}
                }
            )
        if not access.has_capability(actor, C.OVERRIDE_CONSENT):
            raise ValidationError({"override_reason": _("Your role may not override a missing consent.")})
    referral = Referral(
        organisation=membership.organisation,
        person=person,
        receiver=receiver,
        reason=reason,
        created_by=actor,
        consent=consent,
        consent_override_reason=override_reason if consent is None else "",
        expires_at=timezone.now() + dt.timedelta(days=_answer_days()),
    )
    referral.full_clean()
    referral.save()
    ReferredSection.objects.bulk_create([ReferredSection(referral=referral, name=name) for name in chosen])
    _record(actor, referral, "sent", membership.organisation, receiver=receiver.short_name, sections=chosen)
    if consent is None:
        audit.record(
            actor=actor,
            action="consent_override",
            obj=referral,
            purpose=Consent.Purpose.REFERRAL,
            receiver=receiver.short_name,
            reason=override_reason,
        )
    return referral


def _locked(actor: User, referral: Referral) -> Referral:
    """The referral, visible to the actor, with its row locked for this step."""
    visible = access.get_for_user(actor, Referral, referral.uuid)
    return Referral.objects.select_for_update().select_related("organisation", "receiver").get(pk=visible.pk)


def _as_receiver(actor: User, referral: Referral) -> Membership:
    membership = _acting_membership(actor)
    if referral.receiver_id != membership.organisation_id:
        raise PermissionDenied
    return membership


def _as_sender(actor: User, referral: Referral) -> Membership:
    membership = _acting_membership(actor)
    if referral.organisation_id != membership.organisation_id or not access.has_capability(actor, C.REFER_PERSON):
        raise PermissionDenied
    return membership


def _still_waiting(referral: Referral) -> None:
    if referral.current_status != Referral.Status.PENDING:
        raise ValidationError(
            _("This referral is no longer waiting for an answer (%(status)s).")
            % {"status": referral.get_current_status_display()}
        )


def _assignee_membership(membership: Membership, assignee: User | None) -> Membership:
    if assignee is None:
        raise ValidationError({"assign_to": _("Choose the member who takes the referral on.")})
    chosen = (
        Membership.objects.filter(user=assignee, organisation_id=membership.organisation_id, is_active=True)
        .select_related("team")
        .first()
    )
    if chosen is None or not assignee.is_active:
        raise ValidationError({"assign_to": _("Choose an active member of your organisation.")})
    spec = spec_for(chosen.role)
    if C.VIEW_PERSON not in spec.capabilities or spec.scope_for(C.VIEW_PERSON) == Scope.NONE:
        raise ValidationError({"assign_to": _("This member's role cannot work with people's records.")})
    return chosen


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral, assign_to: User | None, note: str = "") -> Referral:
    """Accept a referral to the actor's organisation and assign it. Needs receive_referrals."""
    access.require(actor, C.RECEIVE_REFERRALS)
    referral = _locked(actor, referral)
    membership = _as_receiver(actor, referral)
    _still_waiting(referral)
    assignee = _assignee_membership(membership, assign_to)
    referral.status = Referral.Status.ACCEPTED
    referral.decided_by, referral.decided_at = actor, timezone.now()
    referral.decision_note = clean_text(note)[:500]
    referral.assigned_to, referral.assigned_team = assignee.user, assignee.team
    referral.save()
    _record(actor, referral, "accepted", membership.organisation, assigned_to=assignee.user.username)
    return referral


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str) -> Referral:
    """Decline a referral to the actor's organisation, with a reason. Needs receive_referrals."""
    access.require(actor, C.RECEIVE_REFERRALS)
    referral = _locked(actor, referral)
    membership = _as_receiver(actor, referral)
    _still_waiting(referral)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the referral is declined.")})
    referral.status = Referral.Status.DECLINED
    referral.decided_by, referral.decided_at = actor, timezone.now()
    referral.decision_note = reason[:500]
    referral.save()
    _record(actor, referral, "declined", membership.organisation, reason=reason[:500])
    return referral


@transaction.atomic
def referral_assign(*, actor: User, referral: Referral, assign_to: User | None) -> Referral:
    """Give an accepted referral to another member of the receiving organisation."""
    access.require(actor, C.RECEIVE_REFERRALS)
    referral = _locked(actor, referral)
    membership = _as_receiver(actor, referral)
    if referral.status != Referral.Status.ACCEPTED:
        raise ValidationError(_("Only an accepted referral can be assigned."))
    assignee = _assignee_membership(membership, assign_to)
    referral.assigned_to, referral.assigned_team = assignee.user, assignee.team
    referral.save(update_fields=["assigned_to", "assigned_team", "updated_at"])
    _record(actor, referral, "assigned", membership.organisation, assigned_to=assignee.user.username)
    return referral


def _end(actor: User, referral: Referral, status: str, note: str, organisation: Organisation, step: str) -> Referral:
    referral.status = status
    referral.ended_by, referral.ended_at = actor, timezone.now()
    referral.end_note = note[:500]
    referral.save()
    _record(actor, referral, step, organisation, note=note[:500])
    return referral


@transaction.atomic
def referral_complete(*, actor: User, referral: Referral, outcome: str) -> Referral:
    """The receiver reports back: the work is done (sharing ends). The assignee or a receiver supervisor."""
    referral = _locked(actor, referral)
    membership = _as_receiver(actor, referral)
    if referral.assigned_to_id != actor.pk and not access.has_capability(actor, C.RECEIVE_REFERRALS):
        raise PermissionDenied
    if referral.status != Referral.Status.ACCEPTED:
        raise ValidationError(_("Only an accepted referral can be completed."))
    outcome = clean_text(outcome)
    if not outcome:
        raise ValidationError({"note": _("Say what was done for the person.")})
    return _end(actor, referral, Referral.Status.COMPLETED, outcome, membership.organisation, "completed")


@transaction.atomic
def referral_revoke(*, actor: User, referral: Referral, reason: str) -> Referral:
    """The sender withdraws a waiting or accepted referral (sharing ends at once), with a reason."""
    referral = _locked(actor, referral)
    membership = _as_sender(actor, referral)
    if referral.status not in Referral.OPEN:
        raise ValidationError(_("Only a waiting or accepted referral can be withdrawn."))
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"note": _("Say why the referral is withdrawn.")})
    return _end(actor, referral, Referral.Status.REVOKED, reason, membership.organisation, "revoked")


@transaction.atomic
def referral_close(*, actor: User, referral: Referral, note: str = "") -> Referral:
    """The sender closes an accepted or completed referral (sharing ends)."""
    referral = _locked(actor, referral)
    membership = _as_sender(actor, referral)
    if referral.status not in (Referral.Status.ACCEPTED, Referral.Status.COMPLETED):
        raise ValidationError(_("Only an accepted or completed referral can be closed."))
    return _end(actor, referral, Referral.Status.CLOSED, clean_text(note), membership.organisation, "closed")


def referral_expire_due(*, now: dt.datetime | None = None) -> int:
    """Mark referrals nobody answered in time as expired (a periodic job of the task worker). Audited."""
    now = now or timezone.now()
    expired = 0
    due = Referral.objects.filter(status=Referral.Status.PENDING, expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due[:1000]):
        with transaction.atomic():
            referral = (
                Referral.objects.select_for_update(skip_locked=True)
                .filter(Q(pk=pk), status=Referral.Status.PENDING)
                .select_related("organisation")
                .first()
            )
            if referral is None:
                continue
            referral.status = Referral.Status.EXPIRED
            referral.ended_at = now
            referral.save(update_fields=["status", "ended_at", "updated_at"])
            _record(None, referral, "expired", referral.organisation)
            expired += 1
    return expired
