"""Producer groups and markets (issue 12, item 7): members' production and sales, buyers and the groups' market
links, milling at a rice-mill cooperative (its members are the group's members), and local employers with the
job placements of group members (the "local jobs" need of the ICC approach)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.models import Currency, OrgOwned, Province
from karpear.livelihoods.models.groups import Group, GroupMember


class Product(models.TextChoices):
    ORGANIC_PADDY = "organic_paddy", _("Organic paddy")
    PADDY = "paddy", _("Paddy")
    MILLED_RICE = "milled_rice", _("Milled rice")
    VEGETABLES = "vegetables", _("Vegetables")
    CHICKENS = "chickens", _("Chickens")
    EGGS = "eggs", _("Eggs")
    PIGS = "pigs", _("Pigs")
    CATTLE = "cattle", _("Cattle")
    OTHER = "other", _("Other product")


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    HEAD = "head", _("head")
    PIECE = "piece", _("piece")


class Buyer(OrgOwned):
    """Someone who buys what the groups produce: a trader, a rice mill, a market vendor, a company."""

    class Kind(models.TextChoices):
        TRADER = "trader", _("Trader")
        RICE_MILL = "rice_mill", _("Rice mill")
        MARKET_VENDOR = "market_vendor", _("Market vendor")
        COMPANY = "company", _("Company")
        COOPERATIVE = "cooperative", _("Cooperative")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind of buyer"), max_length=20, choices=Kind.choices)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("buyer")

    def __str__(self) -> str:
        return self.name


class MarketLink(OrgOwned):
    """A group linked to a buyer for a product, from `since` (until `until`)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="market_links")
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="links")
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    terms = models.CharField(_("terms agreed"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["group", "-since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "buyer", "product"], condition=Q(until__isnull=True), name="liv_market_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id} → {self.buyer_id}"


class Production(OrgOwned):
    """What a member produced (a harvest, a batch of animals)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="production")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="production")
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    on = models.DateField(_("harvested on"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.KG)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="liv_production_positive")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.product} {self.quantity}"


class Sale(OrgOwned):
    """A sale by a member (or by the group together, without a member) to a buyer."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="sales")
    member = models.ForeignKey(GroupMember, null=True, blank=True, on_delete=models.PROTECT, related_name="sales")
    buyer = models.ForeignKey(
        Buyer, null=True, blank=True, on_delete=models.PROTECT, related_name="sales", verbose_name=_("buyer")
    )
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    on = models.DateField(_("sold on"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.KG)
    unit_price = models.DecimalField(_("price per unit"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)  # quantity × price, at the sale
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KHR)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0, unit_price__gte=0), name="liv_sale_positive")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.product} {self.amount}"


class Milling(OrgOwned):
    """Paddy a member of a rice-mill cooperative had milled there: paddy in, rice out, the fee."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="millings")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="millings")
    on = models.DateField(_("milled on"))
    paddy_kg = models.DecimalField(_("paddy in (kg)"), max_digits=12, decimal_places=2)
    rice_kg = models.DecimalField(_("rice out (kg)"), max_digits=12, decimal_places=2)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KHR)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paddy_kg__gt=0, rice_kg__gt=0, rice_kg__lte=models.F("paddy_kg"), fee__gte=0),
                name="liv_milling_sensible",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.paddy_kg}"


class Employer(OrgOwned):
    """A local employer the organisation vetted for job placements of group members."""

    name = models.CharField(_("name"), max_length=120)
    sector = models.CharField(_("sector"), max_length=80, blank=True)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    vetted_on = models.DateField(_("vetted on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("employer")

    def __str__(self) -> str:
        return self.name


class JobPlacement(OrgOwned):
    """A group member placed in a job with a local employer."""

    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="placements")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="placements")
    job = models.CharField(_("job"), max_length=120)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    monthly_wage = models.DecimalField(_("monthly wage"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.USD)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="liv_placement_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.employer_id}"
