"""Reads of producer groups and markets (issue 12, item 7), each starting from core.access.visible()."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from karpear.core import access
from karpear.core.models import Programme, User
from karpear.livelihoods.models import (
    Buyer,
    Employer,
    Group,
    GroupMember,
    JobPlacement,
    MarketLink,
    Milling,
    Production,
    Sale,
)

ZERO = Decimal(0)


@dataclass(frozen=True)
class ProductLine:
    product: str
    label: str
    unit: str
    produced: Decimal
    sold: Decimal
    sales: dict[str, Decimal]  # per currency


def product_lines(*, user: User, group: Group) -> list[ProductLine]:
    """Per product and unit: what the members produced, what was sold and for how much (two queries)."""
    produced = {
        (row["product"], row["unit"]): row["total"]
        for row in access.visible(user, Production.objects.filter(group=group))
        .values("product", "unit")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    sold: dict[tuple[str, str], Decimal] = {}
    sales: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in (
        access.visible(user, Sale.objects.filter(group=group))
        .values("product", "unit", "currency")
        .annotate(q=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    ):
        key = (row["product"], row["unit"])
        sold[key] = sold.get(key, ZERO) + row["q"]
        sales.setdefault(key, {})[row["currency"]] = row["amount"]
    labels = dict(Production._meta.get_field("product").choices or [])
    return [
        ProductLine(
            product,
            str(labels.get(product, product)),
            unit,
            produced.get((product, unit), ZERO),
            sold.get((product, unit), ZERO),
            sales.get((product, unit), {}),
        )
        for product, unit in sorted(set(produced) | set(sold))
    ]


def sales_of(*, user: User, group: Group) -> QuerySet[Sale]:
    return access.visible(user, Sale.objects.filter(group=group)).select_related("member", "member__person", "buyer")


def production_of(*, user: User, group: Group) -> QuerySet[Production]:
    return access.visible(user, Production.objects.filter(group=group)).select_related("member", "member__person")


def millings_of(*, user: User, group: Group) -> QuerySet[Milling]:
    return access.visible(user, Milling.objects.filter(group=group)).select_related("member", "member__person")


def links_of(*, user: User, group: Group) -> QuerySet[MarketLink]:
    return access.visible(user, MarketLink.objects.filter(group=group, until__isnull=True)).select_related("buyer")


def buyers(*, user: User) -> QuerySet[Buyer]:
    return (
        access.visible(user, Buyer.objects.all())
        .select_related("province")
        .annotate(groups=Count("links", distinct=True))
    )


def buyer_for_user(*, user: User, uuid: Any, write: bool = False) -> Buyer:
    found: Buyer = access.get_for_user(user, Buyer, uuid, write=write)
    return found


def employer_for_user(*, user: User, uuid: Any, write: bool = False) -> Employer:
    found: Employer = access.get_for_user(user, Employer, uuid, write=write)
    return found


def placement_for_user(*, user: User, uuid: Any, write: bool = False) -> JobPlacement:
    found: JobPlacement = access.get_for_user(
        user, JobPlacement, uuid, write=write, queryset=JobPlacement.objects.select_related("member", "employer")
    )
    return found


def employers(*, user: User) -> QuerySet[Employer]:
    return access.visible(user, Employer.objects.all()).select_related("province")


def placements(*, user: User, member: GroupMember | None = None) -> QuerySet[JobPlacement]:
    rows = access.visible(user, JobPlacement.objects.all())
    if member is not None:
        rows = rows.filter(member=member)
    return rows.select_related("employer", "member", "member__group", "member__person")


def market_counts(*, user: User, programme: Programme | None = None) -> dict[str, Any]:
    """Figures for indicators and exports (monitoring counts these): groups linked to a buyer, sales per
    currency, paddy milled, members placed in a job."""
    links = access.visible(user, MarketLink.objects.filter(until__isnull=True))
    sales = access.visible(user, Sale.objects.all())
    millings = access.visible(user, Milling.objects.all())
    jobs = access.visible(user, JobPlacement.objects.all())
    if programme is not None:
        links, sales = links.filter(group__programme=programme), sales.filter(group__programme=programme)
        millings = millings.filter(group__programme=programme)
        jobs = jobs.filter(member__group__programme=programme)
    amounts = dict(sales.values_list("currency").annotate(t=Sum("amount")).values_list("currency", "t").order_by())
    return {
        "groups_linked": links.values("group").distinct().count(),
        "sales": amounts,
        "paddy_milled_kg": millings.aggregate(t=Sum("paddy_kg"))["t"] or ZERO,
        "members_placed": jobs.values("member__person").distinct().count(),
        "in_a_job_now": jobs.filter(ended_on__isnull=True).values("member__person").distinct().count(),
    }
