"""Savings-group cycles (VSLA): constitution, meetings, attendance, the append-only ledger, loans and the
share-out (issue 12, item 2; DOMAIN §3). Balances are sums over the ledger; `CycleTotal` keeps those sums per
cycle, kind and fund beside it, in the same transaction as each entry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from karpear.core.models import Currency, OrgOwned
from karpear.livelihoods import vsla
from karpear.livelihoods.figures import late_from
from karpear.livelihoods.models.groups import Group, GroupMember


class ChargeMethod(models.TextChoices):
    DECLINING = vsla.DECLINING, _("Declining: on what is still owed, each month")
    FLAT = vsla.FLAT, _("Flat: on the amount borrowed, each month")
    ONE_OFF = vsla.ONE_OFF, _("One-off: once, when the loan is repaid")


# The fields of a cycle kept beside its ledger (`Cycle`), out of its history: they change with every meeting.
FIGURES = (
    "carried_loan_fund",
    "carried_social_fund",
    "carried_principal",
    "loan_fund",
    "social_fund",
    "principal",
    "shares",
    "written_off",
    "loans_given",
    "lent",
    "last_entry_on",
    "attended",
    "expected",
)


class Cycle(OrgOwned):
    """One savings cycle of a group (8–12 months) and its constitution: the rules are fixed for the cycle."""

    class MembershipUnit(models.TextChoices):
        PERSON = "person", _("Person")
        HOUSEHOLD = "household", _("Household")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="cycles")
    number = models.PositiveSmallIntegerField(_("cycle number"))
    started_on = models.DateField(_("started on"))
    planned_end_on = models.DateField(_("planned share-out"))
    closed_on = models.DateField(_("shared out on"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KHR)
    share_price = models.DecimalField(
        _("share price"), validators=[MinValueValidator(Decimal("0.01"))], max_digits=14, decimal_places=2
    )
    min_shares = models.PositiveSmallIntegerField(
        _("fewest shares a member buys at a meeting"), default=1, validators=[MaxValueValidator(5)]
    )
    max_shares = models.PositiveSmallIntegerField(
        _("most shares a member buys at a meeting"), default=5, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    social_fund_contribution = models.DecimalField(
        _("social-fund contribution per meeting"),
        default=0,
        validators=[MinValueValidator(0)],
        max_digits=14,
        decimal_places=2,
    )
    loan_multiple = models.DecimalField(
        _("loan limit, times the member's savings"),
        max_digits=4,
        decimal_places=1,
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    charge_method = models.CharField(
        _("service-charge method"), max_length=10, choices=ChargeMethod.choices, default=ChargeMethod.DECLINING
    )
    charge_rate = models.DecimalField(
        _("service charge, % a month"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(20)],
    )
    loan_term_months = models.PositiveSmallIntegerField(
        _("loan term (months)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    fine_absence = models.DecimalField(
        _("fine for missing a meeting"), default=0, validators=[MinValueValidator(0)], max_digits=14, decimal_places=2
    )
    fine_late = models.DecimalField(
        _("fine for a late repayment"), default=0, validators=[MinValueValidator(0)], max_digits=14, decimal_places=2
    )
    meeting_every_days = models.PositiveSmallIntegerField(
        _("days between meetings"), default=7, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    membership_unit = models.CharField(
        _("membership unit"), max_length=10, choices=MembershipUnit.choices, default=MembershipUnit.PERSON
    )
    rounding_unit = models.DecimalField(
        _("share-out rounding unit"),
        max_digits=8,
        decimal_places=2,
        default=100,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    # Figures kept beside the ledger (not part of the constitution), so that the indicators of a whole programme
    # read one row a cycle. What the group's earlier cycles left in the box when this one opened (they are shared
    # out, so it never changes afterwards; set by `services.cycle_open`):
    carried_loan_fund = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    carried_social_fund = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    carried_principal = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    # The sums of this cycle's own ledger entries, added by every ledger write (`keep_figures`, in the same
    # transaction as the entries): cash into (+) or out of (−) each fund, the change of principal owed, the shares
    # bought (kind `shares` only), principal written off, loans given (a reversed loan counts −1) and their
    # principal, and the day of the latest entry.
    loan_fund = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    social_fund = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    principal = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    shares = models.IntegerField(default=0, editable=False)
    written_off = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    loans_given = models.IntegerField(default=0, editable=False)
    lent = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False)
    last_entry_on = models.DateField(null=True, blank=True, editable=False)
    # Members who came (present, late or represented) and members expected, over the cycle's meetings: added when
    # a meeting is recorded and by a corrected attendance (`Meeting.attendance_count` and `present_count`, summed).
    attended = models.PositiveIntegerField(default=0, editable=False)
    expected = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at", *FIGURES])

    class Meta:
        ordering = ["group", "number"]
        verbose_name = _("cycle")
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="liv_cycle_number"),
            models.UniqueConstraint(fields=["group"], condition=Q(closed_on__isnull=True), name="liv_one_open_cycle"),
            models.CheckConstraint(condition=Q(min_shares__lte=models.F("max_shares")), name="liv_cycle_share_range"),
            models.CheckConstraint(
                condition=Q(planned_end_on__gt=models.F("started_on")), name="liv_cycle_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.number}"

    @property
    def minor(self) -> Decimal:
        """The currency's smallest amount: whole riel, or cents."""
        return Decimal(1) if self.currency == Currency.KHR else Decimal("0.01")

    def rules(self) -> vsla.Rules:
        return vsla.Rules(
            share_price=self.share_price,
            min_shares=self.min_shares,
            max_shares=self.max_shares,
            social_fund=self.social_fund_contribution,
            loan_multiple=self.loan_multiple,
            method=self.charge_method,
            rate=self.charge_rate,
            months=self.loan_term_months,
            minor=self.minor,
        )


class Meeting(OrgOwned):
    """A meeting of a cycle. Recorded once: a second phone, a double tap or a queued submission sent again
    finds it recorded (unique number and day per cycle; the submission key of the screen)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="meetings")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="meetings")
    number = models.PositiveSmallIntegerField(_("meeting number"))
    held_on = models.DateField(_("held on"))
    submission = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Its attendance rows, and those of members who came (present, late or represented): kept with the rows in
    # the same transaction (the meeting's record and each correction), so indicators count meetings, not rows.
    attendance_count = models.PositiveSmallIntegerField(default=0, editable=False)
    present_count = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["cycle", "number"]
        verbose_name = _("meeting")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="liv_meeting_number_once"),
            models.UniqueConstraint(fields=["cycle", "held_on"], name="liv_meeting_day_once"),
        ]
        indexes = [models.Index(fields=["group", "-held_on"], name="liv_meeting_group_day")]

    def __str__(self) -> str:
        return f"{self.cycle_id}#{self.number}"


class Attendance(OrgOwned):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        REPRESENTED = "represented", _("Sent someone")
        EXCUSED = "excused", _("Absent with leave")
        ABSENT = "absent", _("Absent")

    PRESENT_STATUSES = (Status.PRESENT, Status.LATE, Status.REPRESENTED)

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=12, choices=Status.choices)

    class Meta:
        ordering = ["meeting", "member"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="liv_attendance_once")]
        indexes = [models.Index(fields=["member", "status"], name="liv_attendance_member")]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.member_id}: {self.status}"


class Loan(OrgOwned):
    """A loan from the loan fund, on the cycle's terms at the time it was given. What is owed is derived
    from the ledger (`vsla.position`); `closed_on` marks the day nothing was owed any more."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="loans")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="loans")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="loans")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="loans_given")
    principal = models.DecimalField(_("amount borrowed"), max_digits=14, decimal_places=2)
    charge_method = models.CharField(_("service-charge method"), max_length=10, choices=ChargeMethod.choices)
    charge_rate = models.DecimalField(_("service charge, % a month"), max_digits=5, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("loan term (months)"))
    disbursed_on = models.DateField(_("given on"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    closed_on = models.DateField(_("repaid on"), null=True, blank=True)
    cancelled = models.BooleanField(default=False)  # its disbursement was reversed: it never happened
    # Kept beside the ledger by every ledger write (`keep_figures`, same transaction): the principal still owed
    # (the sum of the loan's entries' `principal`) and the first due day of an instalment that what was repaid
    # does not cover (None when nothing is owed). The loan is late on a day once that day reaches `late_from`,
    # as `vsla` counts arrears: principal repaid < principal due by the day.
    owed = models.DecimalField(max_digits=14, decimal_places=2, default=0, editable=False)
    late_from = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-disbursed_on", "-id"]
        verbose_name = _("loan")
        indexes = [
            models.Index(fields=["group", "closed_on"], name="liv_loan_group_open"),
            models.Index(fields=["member", "closed_on"], name="liv_loan_member_open"),
            # the loans still owed, for the indicators (few of all the loans ever given)
            models.Index(fields=["cycle", "member"], name="liv_loan_owed", condition=Q(owed__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.principal}"

    def terms(self, minor: Decimal) -> vsla.Terms:
        return vsla.Terms(
            self.principal, self.charge_rate, self.term_months, self.charge_method, self.disbursed_on, minor
        )


class LoanInstalment(OrgOwned):
    """The schedule made when the loan was given (a plan: what was paid is in the ledger)."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField(_("due on"))
    principal = models.DecimalField(_("principal"), max_digits=14, decimal_places=2)
    charge = models.DecimalField(_("service charge"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["loan", "number"]
        constraints = [models.UniqueConstraint(fields=["loan", "number"], name="liv_instalment_once")]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number}"


class AppendOnlyQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("ledger entries are append-only: reverse an entry instead")

    def bulk_create(self, objs: Iterable[LedgerEntry], *args: Any, **kwargs: Any) -> list[LedgerEntry]:
        with transaction.atomic(savepoint=False):
            made = super().bulk_create(objs, *args, **kwargs)
            CycleTotal.add(made)
            keep_figures(made)
        return made

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("ledger entries are append-only: reverse an entry instead")


class LedgerEntry(OrgOwned):
    """One movement of the group's box, or of a loan. Append-only: a correction is a reversing entry
    (`reverses`), never an edit. `amount` is the cash into (+) or out of (−) the fund; `principal` the change
    of the loan's principal owed; `shares` the change of the member's shares. Every balance is a sum of these."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening balance")
        SHARES = vsla.SHARES, _("Shares bought")
        SOCIAL_FUND = vsla.SOCIAL, _("Social-fund contribution")
        REPAYMENT = vsla.REPAYMENT, _("Loan repayment")
        CHARGE = vsla.CHARGE, _("Service charge")
        FINE = vsla.FINE, _("Fine")
        SOCIAL_PAYOUT = vsla.SOCIAL_PAYOUT, _("Social-fund payout")
        LOAN = vsla.LOAN, _("Loan given")
        INCOME = "income", _("Other income")
        EXPENSE = "expense", _("Group expense")
        WRITE_OFF = "write_off", _("Loan written off")
        SHARE_OUT_SAVINGS = "share_out_savings", _("Savings returned at share-out")
        SHARE_OUT_PROFIT = "share_out_profit", _("Profit paid at share-out")

    class Fund(models.TextChoices):
        LOAN_FUND = vsla.LOAN_FUND, _("Loan fund")
        SOCIAL_FUND = vsla.SOCIAL_FUND, _("Social fund")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="entries")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="entries")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    member = models.ForeignKey(GroupMember, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    loan = models.ForeignKey(Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    fund = models.CharField(_("fund"), max_length=12, choices=Fund.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    principal = models.DecimalField(default=0, max_digits=14, decimal_places=2)
    shares = models.IntegerField(default=0)
    on = models.DateField(_("date"))
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["group", "fund"], name="liv_entry_group_fund"),
            models.Index(fields=["cycle", "member", "kind"], name="liv_entry_cycle_member"),
            models.Index(fields=["loan"], name="liv_entry_loan"),
            models.Index(fields=["meeting"], name="liv_entry_meeting"),
            models.Index(fields=["organisation", "on"], name="liv_entry_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("ledger entries are append-only: reverse an entry instead")
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            CycleTotal.add([self])
            keep_figures([self])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("ledger entries are append-only: reverse an entry instead")


class CycleTotal(OrgOwned):
    """The sums of a cycle's ledger entries of one kind and fund, and the day of the latest: kept beside the
    append-only ledger, in the same transaction as every entry (`LedgerEntry.save` and the ledger's
    `bulk_create` add to it; nothing else writes it), so that the indicators of a whole programme read about ten
    rows a cycle instead of every entry. A correction is a reversing entry, so it is added here too. A sum as of
    an earlier day than `last_on` is not here: readers go to the ledger for it."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="totals")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LedgerEntry.Kind.choices)
    fund = models.CharField(max_length=12, choices=LedgerEntry.Fund.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    principal = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    shares = models.IntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    last_on = models.DateField()

    class Meta:
        ordering = ["cycle", "kind", "fund"]
        constraints = [models.UniqueConstraint(fields=["cycle", "kind", "fund"], name="liv_cycle_total_once")]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.kind} {self.fund}: {self.amount}"

    @classmethod
    def add(cls, entries: Iterable[LedgerEntry]) -> None:
        """Add new ledger entries to their cycles' totals, in one statement whatever their number: an insert
        that adds to the row already there (`ON CONFLICT … DO UPDATE`, PostgreSQL and SQLite alike), so two
        writers take turns on the row (the services lock the group before any ledger write anyway)."""
        sums: dict[tuple[int, str, str], list[Any]] = {}
        for entry in entries:
            key = (entry.cycle_id, entry.kind, entry.fund)
            row = sums.setdefault(key, [Decimal(0), Decimal(0), 0, 0, entry.on, entry.group_id, entry.organisation_id])
            row[0] += Decimal(entry.amount)
            row[1] += Decimal(entry.principal)
            row[2] += entry.shares
            row[3] += 1
            row[4] = max(row[4], entry.on)
        if not sums:
            return
        connection = connections[router.db_for_write(cls)]
        now = timezone.now()
        fields: list[models.Field[Any, Any]] = [cls._meta.get_field(name) for name in UPSERT_FIELDS]  # type: ignore[misc]
        params: list[Any] = []
        for (cycle_id, kind, fund), (amount, principal, shares, count, on, group_id, organisation_id) in sums.items():
            values = (now, now, uuid.uuid4(), organisation_id, cycle_id, group_id, kind, fund)
            values += (amount, principal, shares, count, on)  # type: ignore[assignment]
            params += [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
        table = connection.ops.quote_name(cls._meta.db_table)
        values_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        added = ", ".join(
            f"{name} = {table}.{name} + excluded.{name}" for name in ("amount", "principal", "shares", "entries")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                # identifiers from the model's own meta, every value a parameter
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([values_row] * len(sums))} "  # noqa: S608
                f"ON CONFLICT (cycle_id, kind, fund) DO UPDATE SET {added}, updated_at = excluded.updated_at, "
                f"last_on = CASE WHEN excluded.last_on > {table}.last_on THEN excluded.last_on ELSE {table}.last_on END",
                params,
            )


def keep_figures(entries: Iterable[LedgerEntry]) -> None:
    """Add new ledger entries to the figures kept beside the ledger: their cycle's sums (one UPDATE a cycle,
    usually one) and each loan's principal owed and the day it falls behind (two UPDATEs for all the loans whose
    principal moved). Called by the ledger's `save` and `bulk_create` inside their transaction, so nothing else
    writes these figures; `figures.fill` recomputes them all from the ledger (the backfill, and the tests that
    they agree)."""
    money = models.DecimalField(max_digits=16, decimal_places=2)
    cycles: dict[int, dict[str, Any]] = {}
    owed: dict[int, Decimal] = {}
    for entry in entries:
        sums = cycles.setdefault(
            entry.cycle_id, {"on": entry.on} | {name: 0 if name in COUNTED else Decimal(0) for name in ADDED}
        )
        sums["on"] = max(sums["on"], entry.on)
        amount, principal = Decimal(entry.amount), Decimal(entry.principal)
        sums["loan_fund" if entry.fund == vsla.LOAN_FUND else "social_fund"] += amount
        sums["principal"] += principal
        if entry.kind == vsla.SHARES:
            sums["shares"] += entry.shares
        elif entry.kind == LedgerEntry.Kind.WRITE_OFF:
            sums["written_off"] -= principal
        elif entry.kind == vsla.LOAN:
            sums["loans_given"] += -1 if entry.reverses_id is not None else 1
            sums["lent"] += principal
        if entry.loan_id is not None and principal:
            owed[entry.loan_id] = owed.get(entry.loan_id, Decimal(0)) + principal
    for cycle_id, sums in cycles.items():
        on = models.Value(sums.pop("on"))
        changes: dict[str, Any] = {
            name: models.F(name) + models.Value(value, output_field=models.IntegerField() if name in COUNTED else money)
            for name, value in sums.items()
            if value
        }
        changes["last_entry_on"] = Greatest(Coalesce("last_entry_on", on), on)
        Cycle.objects.filter(pk=cycle_id).update(**changes)
    if owed:
        loans = Loan.objects.filter(pk__in=list(owed))
        added = models.Case(
            *[models.When(pk=pk, then=models.Value(value, output_field=money)) for pk, value in owed.items()],
            default=models.Value(Decimal(0), output_field=money),
            output_field=money,
        )
        loans.update(owed=models.F("owed") + added)
        loans.update(late_from=late_from(LoanInstalment))


ADDED = ("loan_fund", "social_fund", "principal", "shares", "written_off", "loans_given", "lent")
COUNTED = ("shares", "loans_given")


UPSERT_FIELDS = (
    "created_at",
    "updated_at",
    "uuid",
    "organisation",
    "cycle",
    "group",
    "kind",
    "fund",
    "amount",
    "principal",
    "shares",
    "entries",
    "last_on",
)


class ShareOut(OrgOwned):
    """The share-out that closed a cycle, as confirmed (the figures every member signed for)."""

    cycle = models.OneToOneField(Cycle, on_delete=models.PROTECT, related_name="share_out")
    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="share_out")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="share_outs")
    held_on = models.DateField(_("held on"))
    total_shares = models.PositiveIntegerField(_("shares bought in the cycle"))
    loan_fund_cash = models.DecimalField(_("loan-fund cash"), max_digits=14, decimal_places=2)
    netted = models.DecimalField(_("loans netted off"), max_digits=14, decimal_places=2)
    carried_forward = models.DecimalField(_("carried forward"), max_digits=14, decimal_places=2)
    residue = models.DecimalField(_("rounding remainder kept in the box"), max_digits=14, decimal_places=2)
    pool = models.DecimalField(_("pool"), max_digits=14, decimal_places=2)
    value_per_share = models.DecimalField(_("share value"), max_digits=20, decimal_places=6)
    social_fund_kept = models.DecimalField(_("social fund carried over"), max_digits=14, decimal_places=2)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("share-out")

    def __str__(self) -> str:
        return f"share-out {self.cycle_id}"


class ShareOutLine(OrgOwned):
    share_out = models.ForeignKey(ShareOut, on_delete=models.PROTECT, related_name="lines")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="share_out_lines")
    shares = models.PositiveIntegerField(_("number of shares"))
    savings = models.DecimalField(_("savings"), max_digits=14, decimal_places=2)
    gross = models.DecimalField(_("share of the pool"), max_digits=14, decimal_places=2)
    netted = models.DecimalField(_("loan netted off"), max_digits=14, decimal_places=2)
    payout = models.DecimalField(_("payout"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["share_out", "member__number"]
        constraints = [models.UniqueConstraint(fields=["share_out", "member"], name="liv_share_out_line_once")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.payout}"
