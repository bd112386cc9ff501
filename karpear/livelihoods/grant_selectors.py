"""Reads of the small grants (issue 12, item 8), each starting from core.access.visible()."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from karpear.core import access, referrals
from karpear.core.models import Programme, Referral, User
from karpear.livelihoods.models import Grant, GrantFollowUp, GrantGate


def grant_list(*, user: User, status: str = "", programme: Programme | None = None) -> QuerySet[Grant]:
    grants = access.visible(user, Grant.objects.all())
    if status:
        grants = grants.filter(status=status)
    if programme is not None:
        grants = grants.filter(programme=programme)
    return grants.select_related("person", "member", "member__group").order_by("-applied_on", "-id")


def grant_for_user(*, user: User, uuid: Any, write: bool = False) -> Grant:
    return access.get_for_user(
        user,
        Grant,
        uuid,
        write=write,
        queryset=Grant.objects.select_related(
            "person", "member", "member__group", "referral", "programme", "decided_by", "disbursed_by", "created_by"
        ),
    )


def follow_ups_of(*, user: User, grant: Grant) -> QuerySet[GrantFollowUp]:
    return access.visible(user, GrantFollowUp.objects.filter(grant=grant)).order_by("month")


def follow_up_for_user(*, user: User, uuid: Any, write: bool = False) -> GrantFollowUp:
    return access.get_for_user(
        user, GrantFollowUp, uuid, write=write, queryset=GrantFollowUp.objects.select_related("grant", "grant__person")
    )


def follow_ups_due(*, user: User, on: dt.date | None = None) -> QuerySet[GrantFollowUp]:
    """Follow-ups due by `on` (today) and not recorded yet."""
    on = on or timezone.localdate()
    return (
        access.visible(user, GrantFollowUp.objects.filter(done_on__isnull=True, due_on__lte=on))
        .select_related("grant", "grant__person")
        .order_by("due_on", "id")
    )


def gates(*, user: User) -> QuerySet[GrantGate]:
    return access.visible(user, GrantGate.objects.filter(active=True)).select_related("programme")


def gate_for_user(*, user: User, uuid: Any, write: bool = False) -> GrantGate:
    found: GrantGate = access.get_for_user(user, GrantGate, uuid, write=write)
    return found


def referrals_for_grant(*, user: User) -> QuerySet[Referral]:
    """Accepted referrals to the user's organisation, which the user may see, not yet taken in for a grant."""
    taken = Grant.objects.filter(referral__isnull=False).values("referral_id")
    return referrals.referral_list(user=user, box="incoming", status=Referral.Status.ACCEPTED).exclude(pk__in=taken)


def grant_counts(*, user: User, programme: Programme | None = None) -> dict[str, Any]:
    """The grants' figures for indicators and exports (monitoring counts these): per status, how many were
    approved overriding a condition, amounts disbursed per currency, follow-ups done and businesses running."""
    grants = grant_list(user=user, programme=programme).order_by()
    by_status = dict(grants.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    disbursed = grants.filter(status=Grant.Status.DISBURSED)
    amounts = dict(
        disbursed.values_list("currency").annotate(total=Sum("amount_disbursed")).values_list("currency", "total")
    )
    follow_ups = access.visible(user, GrantFollowUp.objects.filter(grant__in=grants))
    done = follow_ups.filter(done_on__isnull=False)
    return {
        "applied": sum(by_status.values()),
        **{status: by_status.get(status, 0) for status in Grant.Status.values},
        "referred": grants.filter(referral__isnull=False).count(),
        "overridden": grants.exclude(override_reason="").count(),
        "disbursed_amounts": amounts,
        "follow_ups_done": done.count(),
        "businesses_running": done.filter(
            Q(business__in=[GrantFollowUp.Business.GROWING, GrantFollowUp.Business.STEADY])
        )
        .filter(month=12)
        .count(),
    }
