"""In-kind banks of a group (issue 12, item 5; DOMAIN §3): rice, crop and seed banks that lend in kg, and
animal banks whose animals are passed on, the first female offspring to the next household.

A stock bank's movements are an append-only ledger in kg: a correction is a reversing entry, never an edit.
Stock on hand, what a borrower owes and the bank's cash are sums over it, never stored. An animal bank keeps
each animal (its mother, generation and current household) and an append-only list of what happened to it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from karpear.core.models import Currency, OrgOwned
from karpear.livelihoods.models.groups import Group, GroupMember

KG = Decimal("0.01")  # stock is counted to 10 g


class Bank(OrgOwned):
    """A bank of a group: what it lends, on which terms."""

    class Kind(models.TextChoices):
        RICE = "rice", _("Rice bank")
        CROP = "crop", _("Crop bank")
        SEED = "seed", _("Seed bank")
        ANIMAL = "animal", _("Animal bank")

    STOCK_KINDS = (Kind.RICE, Kind.CROP, Kind.SEED)

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="banks")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind of bank"), max_length=10, choices=Kind.choices)
    commodity = models.CharField(
        _("what it lends"), max_length=80, blank=True, help_text=_("For example paddy, milled rice, maize seed.")
    )
    opened_on = models.DateField(_("opened on"))
    interest_percent = models.DecimalField(
        _("interest (%)"),
        max_digits=5,
        decimal_places=2,
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    term_months = models.PositiveSmallIntegerField(
        _("loan term (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KHR)
    price_per_kg = models.DecimalField(
        _("committee's price per kg"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("What a kg is worth when a loan is repaid in cash."),
    )
    holding_months = models.PositiveSmallIntegerField(
        _("holding period (months)"),
        default=6,
        validators=[MaxValueValidator(60)],
        help_text=_("How long an offspring stays with its mother before it is passed on."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["group", "name", "id"]
        verbose_name = _("bank")
        indexes = [models.Index(fields=["group", "kind"], name="liv_bank_group_kind")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_animal(self) -> bool:
        return self.kind == self.Kind.ANIMAL


class AppendOnly(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("bank movements are append-only: reverse a movement instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("bank movements are append-only: reverse a movement instead")


class AppendOnlyModel(OrgOwned):
    objects = AppendOnly.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("bank movements are append-only: reverse a movement instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("bank movements are append-only: reverse a movement instead")


class BankLoan(OrgOwned):
    """A member's loan from a stock bank, on the bank's terms when it was lent. What is still owed is the sum
    of the loan's movements (`owed_kg`); `closed_on` marks the day nothing was owed any more."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="loans")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="bank_loans")
    kg = models.DecimalField(_("kg borrowed"), max_digits=12, decimal_places=2)
    interest_percent = models.DecimalField(_("interest (%)"), max_digits=5, decimal_places=2)
    due_kg = models.DecimalField(_("kg to repay"), max_digits=12, decimal_places=2)
    lent_on = models.DateField(_("lent on"))
    due_on = models.DateField(_("due on"))
    closed_on = models.DateField(_("repaid on"), null=True, blank=True)
    cancelled = models.BooleanField(default=False)  # its loan movement was reversed: it never happened

    class Meta:
        ordering = ["-lent_on", "-id"]
        verbose_name = _("loan of the bank")
        indexes = [models.Index(fields=["bank", "closed_on"], name="liv_bankloan_open")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.kg} kg"


class StockMovement(AppendOnlyModel):
    """One movement of a stock bank. `kg` is the change of the stock in store (+ in, − out); `owed_kg` the
    change of what the loan's borrower owes; `cash` the money the bank received (a repayment in cash, at
    `price` per kg). Every balance is a sum of these."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial stock")
        DEPOSIT = "deposit", _("Stock deposited")
        LOAN = "loan", _("Loan out")
        REPAYMENT = "repayment", _("Repayment in kg")
        CASH_REPAYMENT = "cash_repayment", _("Repayment in cash")
        LOSS = "loss", _("Loss")

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="movements")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(GroupMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    loan = models.ForeignKey(BankLoan, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    kg = models.DecimalField(_("kg"), max_digits=12, decimal_places=2)
    owed_kg = models.DecimalField(default=0, max_digits=12, decimal_places=2)
    cash = models.DecimalField(_("cash"), default=0, max_digits=14, decimal_places=2)
    price = models.DecimalField(_("price per kg"), null=True, blank=True, max_digits=12, decimal_places=2)
    on = models.DateField(_("date"))
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = _("bank movement")
        indexes = [
            models.Index(fields=["bank", "on"], name="liv_stock_bank_day"),
            models.Index(fields=["loan"], name="liv_stock_loan"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.kg} kg"


class Animal(OrgOwned):
    """An animal of an animal bank: an original animal the bank gave a household, an offspring born to one of
    them, or a replacement for one that died. `generation` is 1 for the originals and the mother's + 1 for an
    offspring; `root` is the original animal of its lineage (none for the originals themselves)."""

    class Species(models.TextChoices):
        COW = "cow", _("Cow")
        BUFFALO = "buffalo", _("Buffalo")
        PIG = "pig", _("Pig")
        GOAT = "goat", _("Goat")
        CHICKEN = "chicken", _("Chicken")
        DUCK = "duck", _("Duck")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    class Origin(models.TextChoices):
        ORIGINAL = "original", _("Given by the bank")
        BIRTH = "birth", _("Born")
        REPLACEMENT = "replacement", _("Replacement")

    class Status(models.TextChoices):
        ALIVE = "alive", _("With a household")
        DIED = "died", _("Died")
        SOLD = "sold", _("Sold")
        VOID = "void", _("Entered in error")  # its arrival or birth was reversed: it never was the bank's

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="animals")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    species = models.CharField(_("animal"), max_length=10, choices=Species.choices)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    tag = models.CharField(_("ear tag or name"), max_length=40, blank=True)
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    mother = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="offspring", verbose_name=_("mother")
    )
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="lineage")
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    generation = models.PositiveSmallIntegerField(_("generation"), default=1)
    born_on = models.DateField(_("born on"), null=True, blank=True)
    received_on = models.DateField(_("received on"))
    holder = models.ForeignKey(
        GroupMember, on_delete=models.PROTECT, related_name="animals", verbose_name=_("household")
    )
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.ALIVE)
    ended_on = models.DateField(_("died or sold on"), null=True, blank=True)
    passed_on = models.BooleanField(default=False)  # given on to the next household as its mother's pass-on
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["bank", "generation", "id"]
        verbose_name = _("animal")
        indexes = [
            models.Index(fields=["bank", "status"], name="liv_animal_bank_status"),
            models.Index(fields=["root"], name="liv_animal_root"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(generation__gte=1), name="liv_animal_generation"),
        ]

    def __str__(self) -> str:
        return self.tag or f"{self.get_species_display()} {self.pk}"

    @property
    def alive(self) -> bool:
        return self.status == self.Status.ALIVE

    @property
    def lineage_root_id(self) -> int:
        return self.root_id or self.pk


class AnimalEvent(AppendOnlyModel):
    """What happened to an animal, in order: received by a household, a birth (the offspring is `other`), a
    pass-on to the next household, a death, a sale, a replacement (`other` the new animal) or a repayment of
    cash to the bank. Append-only: a wrong entry is corrected by a reversing one (`reverses`, the same kind and
    day, the amount negated), never edited."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        BIRTH = "birth", _("Gave birth")
        PASS_ON = "pass_on", _("Passed on")
        DEATH = "death", _("Died")
        SALE = "sale", _("Sold")
        REPLACEMENT = "replacement", _("Replaced")
        REPAYMENT = "repayment", _("Repayment to the bank")

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="events")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    animal = models.ForeignKey(Animal, on_delete=models.PROTECT, related_name="events")
    other = models.ForeignKey(Animal, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    on = models.DateField(_("date"))
    from_member = models.ForeignKey(GroupMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_member = models.ForeignKey(GroupMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), default=0, max_digits=14, decimal_places=2)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("animal event")
        indexes = [
            models.Index(fields=["animal", "on"], name="liv_animalevent_animal"),
            models.Index(fields=["bank", "on"], name="liv_animalevent_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.animal_id}: {self.kind}"
