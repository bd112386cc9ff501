"""Writes of the small grants (issue 12, item 8): one record type for a group member's grant and for a referred
survivor's (taken in from an accepted core referral). Application, eligibility checked against the conditions
(data, GrantGate) at the decision, approval with an override reason when a condition is not met, disbursement
once, and business follow-ups at 3, 6 and 12 months.

As services.py: keyword-only, `@transaction.atomic`, core.access first, ValidationError keyed by the form's field
names in the user's language, the audit event last. Every step on a grant locks the grant's row first, so two
officers approving or disbursing at the same moment take turns and the second is told what the first did.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit
from karpear.core.models import Currency, Membership, Person, Programme, Referral, User
from karpear.core.text import clean_text
from karpear.livelihoods import training_selectors
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import Grant, GrantFollowUp, GrantGate, GroupMember, Training
from karpear.livelihoods.models.grants import FOLLOW_UP_MONTHS

Status = Grant.Status


def _today() -> dt.date:
    return timezone.localdate()


def _membership(actor: User) -> Membership:
    membership = access.membership_for(actor)
    if membership is None:
        raise PermissionDenied
    return membership


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _money_text(amount: Decimal, currency: str) -> str:
    return f"{amount:,.0f} ៛" if currency == Currency.KHR else f"${amount:,.2f}"


# ---------------------------------------------------------------- eligibility conditions
@dataclass(frozen=True)
class GateResult:
    gate: GrantGate
    met: bool

    @property
    def label(self) -> str:
        return gate_label(self.gate)


def gate_label(gate: GrantGate) -> str:
    if gate.kind == GrantGate.Kind.TRAINING:
        return _("Attended a training on %(topic)s") % {"topic": Training.Topic(gate.topic).label}
    return str(gate.get_kind_display())


def gates_for(grant: Grant) -> list[GrantGate]:
    """The conditions in force for this grant: the organisation's, and its programme's."""
    applies = [GrantGate.AppliesTo.ALL, GrantGate.AppliesTo.REFERRED if grant.referred else GrantGate.AppliesTo.MEMBERS]
    gates = GrantGate.objects.filter(organisation_id=grant.organisation_id, active=True, applies_to__in=applies)
    programme = (
        Q(programme__isnull=True) | Q(programme_id=grant.programme_id)
        if grant.programme_id
        else Q(programme__isnull=True)
    )
    return list(gates.filter(programme).order_by("kind", "topic", "id"))


def eligibility(grant: Grant, on: dt.date | None = None) -> list[GateResult]:
    """Each condition and whether the applicant meets it on `on` (today): trainings from the attendance of
    the organisation's trainings (item 6), membership from the groups."""
    on = on or _today()
    results = []
    for gate in gates_for(grant):
        if gate.kind == GrantGate.Kind.TRAINING:
            met = training_selectors.attended_topic(
                person=grant.person, organisation_id=grant.organisation_id, topic=gate.topic, by=on
            )
        else:
            met = GroupMember.objects.filter(
                person=grant.person, group__organisation_id=grant.organisation_id, left_on__isnull=True
            ).exists()
        results.append(GateResult(gate, met))
    return results


@transaction.atomic
def gate_add(
    *,
    actor: User,
    kind: str,
    topic: str = "",
    applies_to: str = GrantGate.AppliesTo.ALL,
    programme: Programme | None = None,
) -> GrantGate:
    """Add a condition every grant of the organisation (or of one programme) must meet before approval."""
    access.require(actor, C.APPROVE_GRANT)
    membership = _membership(actor)
    errors: dict[str, str] = {}
    if kind not in GrantGate.Kind.values:
        errors["kind"] = _("Choose the condition.")
    if kind == GrantGate.Kind.TRAINING and topic not in Training.Topic.values:
        errors["topic"] = _("Choose the training's topic.")
    if applies_to not in GrantGate.AppliesTo.values:
        errors["applies_to"] = _("Choose whom the condition applies to.")
    if programme is not None and not access.visible(actor, Programme.objects.filter(pk=programme.pk)).exists():
        errors["programme"] = _("Choose a programme of your organisation.")
    if errors:
        raise ValidationError(errors)
    gate = GrantGate.objects.create(
        organisation_id=membership.organisation_id,
        kind=kind,
        topic=topic if kind == GrantGate.Kind.TRAINING else "",
        applies_to=applies_to,
        programme=programme,
        created_by=actor,
    )
    audit.record(actor=actor, action="create", obj=gate, kind=kind, topic=gate.topic)
    return gate


@transaction.atomic
def gate_retire(*, actor: User, gate: GrantGate) -> GrantGate:
    """A condition no longer in force (decisions taken already keep the conditions they were checked against)."""
    access.require(actor, C.APPROVE_GRANT, gate)
    gate = GrantGate.objects.select_for_update().get(pk=gate.pk)
    gate.active = False
    gate.save(update_fields=["active", "updated_at"])
    audit.record(actor=actor, action="update", obj=gate, active=False)
    return gate


# ---------------------------------------------------------------- applications
@dataclass
class GrantInput:
    purpose: str
    amount_requested: Decimal
    currency: str = Currency.USD
    applied_on: dt.date | None = None
    programme: Programme | None = None


def _validate_input(data: GrantInput, since: dt.date | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not clean_text(data.purpose):
        errors["purpose"] = _("Say what business the grant starts or grows.")
    if data.amount_requested is None or data.amount_requested <= 0:
        errors["amount_requested"] = _("Enter an amount above zero.")
    if data.currency not in Currency.values:
        errors["currency"] = _("Choose a currency.")
    applied_on = data.applied_on or _today()
    if applied_on > _today():
        errors["applied_on"] = _("The date cannot be in the future.")
    elif since is not None and applied_on < since:
        errors["applied_on"] = _("The application cannot come before the membership or the referral.")
    return errors


def _open_grant_exists(person: Person, organisation_id: int) -> bool:
    return Grant.objects.filter(
        person=person, organisation_id=organisation_id, status__in=[Status.APPLIED, Status.APPROVED]
    ).exists()


def _create(actor: User, person: Person, organisation_id: int, data: GrantInput, **links: object) -> Grant:
    grant = Grant(
        organisation_id=organisation_id,
        person=person,
        programme=data.programme,
        purpose=clean_text(data.purpose)[:1000],
        amount_requested=data.amount_requested,
        currency=data.currency,
        applied_on=data.applied_on or _today(),
        created_by=actor,
        **links,
    )
    grant.full_clean()
    grant.save()
    return grant


@transaction.atomic
def grant_apply(*, actor: User, member: GroupMember, data: GrantInput) -> Grant:
    """A group member applies for a small grant. Needs livelihoods_manage_grant."""
    access.require(actor, C.MANAGE_GRANT)
    access.require(actor, C.VIEW_GROUP, member)
    membership = _membership(actor)
    member = GroupMember.objects.select_for_update(of=("self",)).select_related("group").get(pk=member.pk)
    if member.group.organisation_id != membership.organisation_id:
        raise PermissionDenied
    errors = _validate_input(data, member.joined_on)
    if member.left_on is not None:
        errors["member"] = _("This member has left the group.")
    if _open_grant_exists(member.person, member.organisation_id):
        errors["purpose"] = _("This person has a grant application or an approved grant still open.")
    if errors:
        raise ValidationError(errors)
    if data.programme is None:
        data.programme = member.group.programme
    grant = _create(actor, member.person, member.organisation_id, data, member=member)
    audit.record(actor=actor, action="create", obj=grant, source="member", member=str(member.uuid))
    return grant


@transaction.atomic
def grant_from_referral(*, actor: User, referral: Referral, data: GrantInput) -> Grant:
    """Take a referred person in for a small grant: the referral must be accepted, to the actor's
    organisation, and not taken in already (the referral's row is locked, so two officers cannot both)."""
    access.require(actor, C.MANAGE_GRANT)
    membership = _membership(actor)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.receiver_id != membership.organisation_id:
        raise ValidationError(_("This referral was not sent to your organisation."))
    if referral.current_status != Referral.Status.ACCEPTED:
        raise ValidationError(_("Only an accepted referral can be taken in for a grant: accept it first."))
    existing = Grant.objects.filter(referral=referral).first()
    if existing is not None:
        raise ValidationError(_("This referral has been taken in for a grant already."))
    since = timezone.localtime(referral.created_at).date()
    errors = _validate_input(data, since)
    if errors:
        raise ValidationError(errors)
    grant = _create(actor, referral.person, membership.organisation_id, data, referral=referral)
    audit.record(actor=actor, action="create", obj=grant, source="referral", referral=str(referral.uuid))
    return grant


def _locked(grant: Grant) -> Grant:
    return Grant.objects.select_for_update(of=("self",)).select_related("person").get(pk=grant.pk)


# ---------------------------------------------------------------- decision
@transaction.atomic
def grant_decide(
    *,
    actor: User,
    grant: Grant,
    approve: bool,
    on: dt.date | None = None,
    amount_approved: Decimal | None = None,
    override_reason: str = "",
    note: str = "",
) -> Grant:
    """Approve or refuse an application. Approval checks every condition in force; an applicant who does not
    meet one is approved only with an override reason (kept, with the conditions checked, on the grant)."""
    access.require(actor, C.APPROVE_GRANT, grant)
    grant = _locked(grant)
    on = on or _today()
    if grant.status != Status.APPLIED:
        raise ValidationError(
            _("This grant was decided already: it is %(status)s.") % {"status": grant.get_status_display().lower()}
        )
    errors: dict[str, str] = {}
    if on > _today():
        errors["on"] = _("The date cannot be in the future.")
    elif on < grant.applied_on:
        errors["on"] = _("The decision cannot come before the application.")
    results = eligibility(grant, on)
    reason = clean_text(override_reason)[:300]
    if approve:
        amount = amount_approved if amount_approved is not None else grant.amount_requested
        if amount <= 0:
            errors["amount_approved"] = _("Enter an amount above zero.")
        unmet = [r.label for r in results if not r.met]
        if unmet and not reason:
            errors["override_reason"] = _(
                "The applicant does not meet: %(conditions)s. Give a reason to approve anyway, or refuse."
            ) % {"conditions": "; ".join(unmet)}
    elif not clean_text(note):
        errors["note"] = _("Say why the grant is refused.")
    if errors:
        raise ValidationError(errors)
    grant.eligibility = [{"gate": str(r.gate.uuid), "condition": r.label, "met": r.met} for r in results]
    grant.status = Status.APPROVED if approve else Status.REFUSED
    grant.amount_approved = amount if approve else None
    grant.override_reason = reason if approve and any(not r.met for r in results) else ""
    grant.decided_on, grant.decided_by, grant.decision_note = on, actor, clean_text(note)[:300]
    grant.save()
    audit.record(
        actor=actor,
        action="update",
        obj=grant,
        status=grant.status,
        overridden=bool(grant.override_reason),
        unmet=sum(1 for r in results if not r.met),
    )
    return grant


# ---------------------------------------------------------------- disbursement and follow-ups
@transaction.atomic
def grant_disburse(*, actor: User, grant: Grant, amount: Decimal, currency: str, on: dt.date) -> Grant:
    """Hand the approved amount over, once. The follow-ups at 3, 6 and 12 months are scheduled."""
    access.require(actor, C.MANAGE_GRANT, grant)
    grant = _locked(grant)
    if grant.status == Status.DISBURSED:
        assert grant.disbursed_on is not None and grant.amount_disbursed is not None
        raise ValidationError(
            _("This grant was disbursed already, on %(day)s (%(amount)s).")
            % {
                "day": grant.disbursed_on.strftime("%d/%m/%Y"),
                "amount": _money_text(grant.amount_disbursed, grant.currency),
            }
        )
    if grant.status != Status.APPROVED:
        raise ValidationError(
            _("Only an approved grant can be disbursed: this one is %(status)s.")
            % {"status": grant.get_status_display().lower()}
        )
    errors: dict[str, str] = {}
    assert grant.amount_approved is not None
    if currency != grant.currency:
        errors["currency"] = _("The grant was approved in %(currency)s.") % {"currency": grant.get_currency_display()}
    if amount <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    elif amount > grant.amount_approved:
        errors["amount"] = _("More than the approved %(amount)s.") % {
            "amount": _money_text(grant.amount_approved, grant.currency)
        }
    if on > _today():
        errors["on"] = _("The date cannot be in the future.")
    elif grant.decided_on is not None and on < grant.decided_on:
        errors["on"] = _("The disbursement cannot come before the approval.")
    if errors:
        raise ValidationError(errors)
    grant.status, grant.amount_disbursed, grant.disbursed_on, grant.disbursed_by = Status.DISBURSED, amount, on, actor
    grant.save()
    GrantFollowUp.objects.bulk_create(
        GrantFollowUp(organisation_id=grant.organisation_id, grant=grant, month=m, due_on=add_months(on, m))
        for m in FOLLOW_UP_MONTHS
    )
    audit.record(actor=actor, action="update", obj=grant, status=grant.status, amount=str(amount), currency=currency)
    return grant


@transaction.atomic
def follow_up_record(
    *,
    actor: User,
    follow_up: GrantFollowUp,
    done_on: dt.date,
    business: str,
    monthly_income: Decimal | None = None,
    note: str = "",
) -> GrantFollowUp:
    """Record a business follow-up: how the business does and its last month's income."""
    access.require(actor, C.MANAGE_GRANT, follow_up)
    grant = _locked(follow_up.grant)
    follow_up = GrantFollowUp.objects.get(pk=follow_up.pk)
    errors: dict[str, str] = {}
    if follow_up.done_on is not None:
        raise ValidationError(
            _("This follow-up was recorded already, on %(day)s.") % {"day": follow_up.done_on.strftime("%d/%m/%Y")}
        )
    if done_on > _today():
        errors["done_on"] = _("The date cannot be in the future.")
    elif grant.disbursed_on is not None and done_on < grant.disbursed_on:
        errors["done_on"] = _("The follow-up cannot come before the disbursement.")
    if business not in GrantFollowUp.Business.values:
        errors["business"] = _("Choose how the business does.")
    if monthly_income is not None and monthly_income < 0:
        errors["monthly_income"] = _("The income cannot be negative.")
    if errors:
        raise ValidationError(errors)
    follow_up.done_on, follow_up.business, follow_up.monthly_income = done_on, business, monthly_income
    follow_up.note, follow_up.recorded_by = clean_text(note)[:500], actor
    follow_up.save()
    audit.record(actor=actor, action="update", obj=follow_up, month=follow_up.month, business=business)
    return follow_up
