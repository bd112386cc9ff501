"""The figures kept beside the records, recomputed from them: each group's current members and women, each
cycle's sums and attendance, each loan's principal owed and the day it falls behind.

The services keep these figures as they write (`models.savings.keep_figures` for every ledger write, the member
and meeting services for the rest), so reads at programme scale never sum rows. The functions here compute the
same figures from scratch: the backfill of existing rows (migration 0007), the bench's generated data, the hourly
recount of groups whose members' records changed in core (a sex corrected there), and the tests that what was
kept equals what is recomputed.

Each takes `get_model(name)`, so a migration can pass its historical models, and an optional set of ids to
limit it; each is one UPDATE per table, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

GetModel = Callable[[str], Any]
MONEY = models.DecimalField(max_digits=16, decimal_places=2)
LOAN_FUND, SOCIAL_FUND = "loan_fund", "social_fund"


def current_models(name: str) -> Any:
    return apps.get_model("livelihoods", name)


def _sum(rows: models.QuerySet[Any], key: str, total: Any, output: models.Field[Any, Any] = MONEY) -> Coalesce:
    """A correlated sum of `rows` (already filtered by OuterRef), 0 when there are none."""
    summed = rows.order_by().values(key).annotate(total=total).values("total")[:1]
    zero = Value(Decimal(0), output_field=output) if isinstance(output, models.DecimalField) else Value(0)
    return Coalesce(Subquery(summed, output_field=output), zero, output_field=output)


def fill_groups(get_model: GetModel = current_models, groups: Iterable[int] | None = None) -> None:
    """Each group's members now (joined, not left) and the women among them."""
    Group, GroupMember = get_model("Group"), get_model("GroupMember")
    current = GroupMember.objects.filter(group=OuterRef("pk"), left_on__isnull=True)
    rows = Group.objects.all() if groups is None else Group.objects.filter(pk__in=list(groups))
    count = models.IntegerField()
    rows.update(
        members_now=_sum(current, "group", Count("id"), count),
        women_now=_sum(current.filter(person__sex="female"), "group", Count("id"), count),
    )


def fill_cycles(get_model: GetModel = current_models, cycles: Iterable[int] | None = None) -> None:
    """Each cycle's sums from the cycle totals kept beside the ledger (themselves checked against the entries),
    what the group's earlier cycles carried into it, its loans given from the ledger and its attendance from
    its meetings' counts (themselves kept with the attendance rows)."""
    Cycle, CycleTotal = get_model("Cycle"), get_model("CycleTotal")
    LedgerEntry, Meeting = get_model("LedgerEntry"), get_model("Meeting")
    own = CycleTotal.objects.filter(cycle=OuterRef("pk"))
    earlier = CycleTotal.objects.filter(group=OuterRef("group"), cycle__number__lt=OuterRef("number"))
    loans = LedgerEntry.objects.filter(cycle=OuterRef("pk"), kind="loan")
    meetings = Meeting.objects.filter(cycle=OuterRef("pk"))
    count = models.IntegerField()
    rows = Cycle.objects.all() if cycles is None else Cycle.objects.filter(pk__in=list(cycles))
    rows.update(
        carried_loan_fund=_sum(earlier.filter(fund=LOAN_FUND), "group", Sum("amount")),
        carried_social_fund=_sum(earlier.filter(fund=SOCIAL_FUND), "group", Sum("amount")),
        carried_principal=_sum(earlier, "group", Sum("principal")),
        loan_fund=_sum(own.filter(fund=LOAN_FUND), "cycle", Sum("amount")),
        social_fund=_sum(own.filter(fund=SOCIAL_FUND), "cycle", Sum("amount")),
        principal=_sum(own, "cycle", Sum("principal")),
        shares=_sum(own.filter(kind="shares"), "cycle", Sum("shares"), count),
        written_off=_sum(own.filter(kind="write_off"), "cycle", -Sum("principal")),
        lent=_sum(own.filter(kind="loan"), "cycle", Sum("principal")),
        loans_given=_sum(
            loans,
            "cycle",
            Count("id", filter=Q(reverses__isnull=True)) - Count("id", filter=Q(reverses__isnull=False)),
            count,
        ),
        last_entry_on=Subquery(own.order_by().values("cycle").annotate(last=models.Max("last_on")).values("last")[:1]),
        attended=_sum(meetings, "cycle", Sum("present_count"), count),
        expected=_sum(meetings, "cycle", Sum("attendance_count"), count),
    )


def late_from(LoanInstalment: Any) -> Subquery:
    """For an UPDATE of loans: the due day of the loan's first instalment, in order, that what was repaid
    (principal − owed) does not cover; NULL when nothing is owed. The loan is late on a day from that day on:
    the principal due by then is more than what was repaid (as `vsla` counts arrears)."""
    cumulative = (
        LoanInstalment.objects.filter(loan_id=OuterRef("loan_id"), number__lte=OuterRef("number"))
        .order_by()
        .values("loan_id")
        .annotate(total=Sum("principal"))
        .values("total")
    )
    repaid = models.ExpressionWrapper(OuterRef("principal") - OuterRef("owed"), output_field=MONEY)
    return Subquery(
        LoanInstalment.objects.filter(loan_id=OuterRef("pk"))
        .annotate(cumulative=Subquery(cumulative, output_field=MONEY))
        .filter(cumulative__gt=repaid)
        .order_by("number")
        .values("due_on")[:1]
    )


def fill_loans(get_model: GetModel = current_models, loans: Iterable[int] | None = None) -> None:
    """Each loan's principal owed (the sum of its entries' principal), then the day it falls behind."""
    Loan, LedgerEntry = get_model("Loan"), get_model("LedgerEntry")
    rows = Loan.objects.all() if loans is None else Loan.objects.filter(pk__in=list(loans))
    rows.update(owed=_sum(LedgerEntry.objects.filter(loan=OuterRef("pk")), "loan", Sum("principal")))
    rows.update(late_from=late_from(get_model("LoanInstalment")))


def fill(get_model: GetModel = current_models) -> None:
    """Every figure of every row, recomputed."""
    fill_groups(get_model)
    fill_cycles(get_model)
    fill_loans(get_model)


def recount_recent_people(*, since: dt.datetime | None = None) -> int:
    """Recount the groups with a current member whose record in core changed since `since` (by default the
    last two hours; the job runs every hour): core may correct a person's sex, and core knows nothing of
    livelihoods. Returns how many groups were recounted."""
    from django.utils import timezone

    from karpear.livelihoods.models import GroupMember

    since = since or timezone.now() - dt.timedelta(hours=2)
    groups = set(
        GroupMember.objects.filter(left_on__isnull=True, person__updated_at__gte=since).values_list(
            "group_id", flat=True
        )
    )
    if groups:
        fill_groups(current_models, groups)
    return len(groups)


def stored(cycle_ids: Iterable[int]) -> dict[str, Any]:
    """The figures kept of these cycles, their groups and their loans (for the tests that compare them with
    `fill`'s)."""
    from karpear.livelihoods.models import Cycle, Group, Loan
    from karpear.livelihoods.models.savings import FIGURES

    ids = list(cycle_ids)
    return {
        "cycles": {c["id"]: c for c in Cycle.objects.filter(pk__in=ids).values("id", *FIGURES)},
        "groups": {
            g["id"]: g for g in Group.objects.filter(cycles__in=ids).distinct().values("id", "members_now", "women_now")
        },
        "loans": {loan["id"]: loan for loan in Loan.objects.filter(cycle__in=ids).values("id", "owed", "late_from")},
    }
