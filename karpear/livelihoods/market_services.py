"""Writes of producer groups and markets (issue 12, item 7): buyers and market links, members' production and
sales, milling at a rice-mill cooperative, local employers and job placements of group members.

As services.py: keyword-only, `@transaction.atomic`, core.access first, ValidationError keyed by the form's field
names in the user's language, the audit event last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit
from karpear.core.models import Currency, Province, User
from karpear.core.text import clean_text
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import (
    Buyer,
    Employer,
    Group,
    GroupMember,
    JobPlacement,
    MarketLink,
    Milling,
    Product,
    Production,
    Sale,
    Unit,
)

CENT = Decimal("0.01")


def _today() -> dt.date:
    return timezone.localdate()


def _organisation_id(actor: User) -> int:
    membership = access.membership_for(actor)
    if membership is None:
        raise PermissionDenied
    return membership.organisation_id


def _day(on: dt.date, since: dt.date, field: str, errors: dict[str, str], before: str) -> None:
    if on > _today():
        errors[field] = _("The date cannot be in the future.")
    elif on < since:
        errors[field] = before


def _active_group(group: Group) -> None:
    if group.dissolved_on is not None:
        raise ValidationError(_("This group is dissolved: nothing more can be recorded for it."))


def _member_check(group: Group, member: GroupMember | None, errors: dict[str, str]) -> None:
    if member is None:
        return
    if member.group_id != group.pk:
        errors["member"] = _("Choose a member of this group.")
    elif member.left_on is not None:
        errors["member"] = _("This member has left the group.")


# ---------------------------------------------------------------- buyers and links
@transaction.atomic
def buyer_add(*, actor: User, name: str, kind: str, province: Province | None = None, contact: str = "") -> Buyer:
    access.require(actor, C.CHANGE_GROUP)
    errors: dict[str, str] = {}
    if not clean_text(name):
        errors["name"] = _("Give the buyer's name.")
    if kind not in Buyer.Kind.values:
        errors["kind"] = _("Choose the kind of buyer.")
    if errors:
        raise ValidationError(errors)
    buyer = Buyer.objects.create(
        organisation_id=_organisation_id(actor),
        name=clean_text(name)[:120],
        kind=kind,
        province=province,
        contact=clean_text(contact)[:120],
        created_by=actor,
    )
    audit.record(actor=actor, action="create", obj=buyer)
    return buyer


@transaction.atomic
def market_link_add(
    *, actor: User, group: Group, buyer: Buyer, product: str, since: dt.date, terms: str = ""
) -> MarketLink:
    """Link a producer group to a buyer for a product."""
    access.require(actor, C.CHANGE_GROUP, group)
    group = Group.objects.select_for_update().get(pk=group.pk)
    _active_group(group)
    errors: dict[str, str] = {}
    if buyer.organisation_id != group.organisation_id:
        errors["buyer"] = _("Choose a buyer your organisation knows.")
    if product not in Product.values:
        errors["product"] = _("Choose the product.")
    elif MarketLink.objects.filter(group=group, buyer=buyer, product=product, until__isnull=True).exists():
        errors["product"] = _("The group is linked to this buyer for this product already.")
    _day(since, group.formed_on, "since", errors, _("The group was formed after this date."))
    if errors:
        raise ValidationError(errors)
    link = MarketLink.objects.create(
        organisation_id=group.organisation_id,
        group=group,
        buyer=buyer,
        product=product,
        since=since,
        terms=clean_text(terms)[:300],
        created_by=actor,
    )
    audit.record(actor=actor, action="create", obj=link, group=str(group.uuid))
    return link


# ---------------------------------------------------------------- production and sales
@transaction.atomic
def production_record(
    *, actor: User, member: GroupMember, product: str, on: dt.date, quantity: Decimal, unit: str = Unit.KG
) -> Production:
    """A member's harvest (or batch of animals)."""
    group = member.group
    access.require(actor, C.RECORD_MEETING, group)
    _active_group(group)
    errors: dict[str, str] = {}
    _member_check(group, member, errors)
    if product not in Product.values:
        errors["product"] = _("Choose the product.")
    if unit not in Unit.values:
        errors["unit"] = _("Choose the unit.")
    if quantity <= 0:
        errors["quantity"] = _("Enter a quantity above zero.")
    _day(on, member.joined_on, "on", errors, _("The member joined the group after this date."))
    if errors:
        raise ValidationError(errors)
    made = Production.objects.create(
        organisation_id=group.organisation_id,
        group=group,
        member=member,
        product=product,
        on=on,
        quantity=quantity,
        unit=unit,
        recorded_by=actor,
    )
    audit.record(actor=actor, action="create", obj=made, product=product)
    return made


@dataclass
class SaleInput:
    product: str
    on: dt.date
    quantity: Decimal
    unit_price: Decimal
    unit: str = Unit.KG
    currency: str = Currency.KHR
    member: GroupMember | None = None  # None: the group sold together
    buyer: Buyer | None = None


@transaction.atomic
def sale_record(*, actor: User, group: Group, data: SaleInput) -> Sale:
    """A sale by a member, or by the group together; the amount is quantity × price, kept as sold."""
    access.require(actor, C.RECORD_MEETING, group)
    _active_group(group)
    errors: dict[str, str] = {}
    _member_check(group, data.member, errors)
    if data.product not in Product.values:
        errors["product"] = _("Choose the product.")
    if data.unit not in Unit.values:
        errors["unit"] = _("Choose the unit.")
    if data.currency not in Currency.values:
        errors["currency"] = _("Choose a currency.")
    if data.quantity <= 0:
        errors["quantity"] = _("Enter a quantity above zero.")
    if data.unit_price < 0:
        errors["unit_price"] = _("The price cannot be negative.")
    if data.buyer is not None and data.buyer.organisation_id != group.organisation_id:
        errors["buyer"] = _("Choose a buyer your organisation knows.")
    _day(data.on, group.formed_on, "on", errors, _("The group was formed after this date."))
    if errors:
        raise ValidationError(errors)
    sale = Sale.objects.create(
        organisation_id=group.organisation_id,
        group=group,
        member=data.member,
        buyer=data.buyer,
        product=data.product,
        on=data.on,
        quantity=data.quantity,
        unit=data.unit,
        unit_price=data.unit_price,
        amount=(data.quantity * data.unit_price).quantize(CENT),
        currency=data.currency,
        recorded_by=actor,
    )
    audit.record(actor=actor, action="create", obj=sale, product=sale.product, amount=str(sale.amount))
    return sale


@transaction.atomic
def milling_record(
    *,
    actor: User,
    member: GroupMember,
    on: dt.date,
    paddy_kg: Decimal,
    rice_kg: Decimal,
    fee: Decimal = Decimal(0),
    currency: str = Currency.KHR,
) -> Milling:
    """Paddy a member of a rice-mill cooperative had milled there."""
    group = member.group
    access.require(actor, C.RECORD_MEETING, group)
    _active_group(group)
    if group.kind != Group.Kind.RICE_MILL:
        raise ValidationError(_("Milling is recorded for the members of a rice-mill cooperative."))
    errors: dict[str, str] = {}
    _member_check(group, member, errors)
    if paddy_kg <= 0:
        errors["paddy_kg"] = _("Enter a quantity above zero.")
    if rice_kg <= 0:
        errors["rice_kg"] = _("Enter a quantity above zero.")
    elif paddy_kg > 0 and rice_kg > paddy_kg:
        errors["rice_kg"] = _("Milling gives less rice than the paddy put in.")
    if fee < 0:
        errors["fee"] = _("The fee cannot be negative.")
    _day(on, member.joined_on, "on", errors, _("The member joined the group after this date."))
    if errors:
        raise ValidationError(errors)
    milling = Milling.objects.create(
        organisation_id=group.organisation_id,
        group=group,
        member=member,
        on=on,
        paddy_kg=paddy_kg,
        rice_kg=rice_kg,
        fee=fee,
        currency=currency,
        recorded_by=actor,
    )
    audit.record(actor=actor, action="create", obj=milling, paddy_kg=str(paddy_kg))
    return milling


@transaction.atomic
def buyer_change(*, actor: User, buyer: Buyer, name: str, kind: str, contact: str = "") -> Buyer:
    """Correct or update a buyer the organisation knows (its row locked; the groups' links stay)."""
    access.require(actor, C.CHANGE_GROUP, buyer)
    buyer = Buyer.objects.select_for_update().get(pk=buyer.pk)
    errors: dict[str, str] = {}
    if not clean_text(name):
        errors["name"] = _("Give the buyer's name.")
    if kind not in Buyer.Kind.values:
        errors["kind"] = _("Choose the kind of buyer.")
    if errors:
        raise ValidationError(errors)
    before = {"name": buyer.name, "kind": buyer.kind, "contact": buyer.contact}
    buyer.name, buyer.kind, buyer.contact = clean_text(name)[:120], kind, clean_text(contact)[:120]
    buyer.save(update_fields=["name", "kind", "contact", "updated_at"])
    changed = sorted(key for key, value in before.items() if getattr(buyer, key) != value)
    audit.record(actor=actor, action="update", obj=buyer, changed=changed)
    return buyer


# ---------------------------------------------------------------- local jobs
@transaction.atomic
def employer_add(
    *,
    actor: User,
    name: str,
    sector: str = "",
    province: Province | None = None,
    contact: str = "",
    vetted_on: dt.date | None = None,
) -> Employer:
    access.require(actor, C.CHANGE_GROUP)
    errors: dict[str, str] = {}
    if not clean_text(name):
        errors["name"] = _("Give the employer's name.")
    if vetted_on is not None and vetted_on > _today():
        errors["vetted_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    employer = Employer.objects.create(
        organisation_id=_organisation_id(actor),
        name=clean_text(name)[:120],
        sector=clean_text(sector)[:80],
        province=province,
        contact=clean_text(contact)[:120],
        vetted_on=vetted_on,
        created_by=actor,
    )
    audit.record(actor=actor, action="create", obj=employer)
    return employer


@transaction.atomic
def employer_change(
    *, actor: User, employer: Employer, name: str, sector: str = "", contact: str = "", vetted_on: dt.date | None = None
) -> Employer:
    """Correct or update a local employer (its row locked; the placements stay)."""
    access.require(actor, C.CHANGE_GROUP, employer)
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    errors: dict[str, str] = {}
    if not clean_text(name):
        errors["name"] = _("Give the employer's name.")
    if vetted_on is not None and vetted_on > _today():
        errors["vetted_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    fields = {
        "name": clean_text(name)[:120],
        "sector": clean_text(sector)[:80],
        "contact": clean_text(contact)[:120],
        "vetted_on": vetted_on,
    }
    changed = sorted(key for key, value in fields.items() if getattr(employer, key) != value)
    for key, value in fields.items():
        setattr(employer, key, value)
    employer.save(update_fields=[*fields, "updated_at"])
    audit.record(actor=actor, action="update", obj=employer, changed=changed)
    return employer


@transaction.atomic
def placement_end(*, actor: User, placement: JobPlacement, on: dt.date) -> JobPlacement:
    """The member no longer works in this job (its row locked, so it ends once)."""
    access.require(actor, C.CHANGE_GROUP, placement)
    placement = JobPlacement.objects.select_for_update().get(pk=placement.pk)
    errors: dict[str, str] = {}
    if placement.ended_on is not None:
        raise ValidationError(
            _("This job ended already, on %(day)s.") % {"day": placement.ended_on.strftime("%d/%m/%Y")}
        )
    if on > _today():
        errors["on"] = _("The date cannot be in the future.")
    elif on < placement.started_on:
        errors["on"] = _("The job started after this date.")
    if errors:
        raise ValidationError(errors)
    placement.ended_on = on
    placement.save(update_fields=["ended_on", "updated_at"])
    audit.record(actor=actor, action="update", obj=placement, ended=str(on))
    return placement


@transaction.atomic
def placement_record(
    *,
    actor: User,
    member: GroupMember,
    employer: Employer,
    job: str,
    started_on: dt.date,
    monthly_wage: Decimal | None = None,
    currency: str = Currency.USD,
) -> JobPlacement:
    """A group member placed in a job with a local employer."""
    access.require(actor, C.CHANGE_GROUP, member)
    member = GroupMember.objects.select_for_update().get(pk=member.pk)
    errors: dict[str, str] = {}
    if member.left_on is not None:
        errors["member"] = _("This member has left the group.")
    if employer.organisation_id != member.organisation_id:
        errors["employer"] = _("Choose an employer your organisation knows.")
    if not clean_text(job):
        errors["job"] = _("Say what the job is.")
    if monthly_wage is not None and monthly_wage < 0:
        errors["monthly_wage"] = _("The wage cannot be negative.")
    if started_on > _today():
        errors["started_on"] = _("The date cannot be in the future.")
    elif JobPlacement.objects.filter(member=member, employer=employer, ended_on__isnull=True).exists():
        errors["employer"] = _("This member works for this employer already.")
    if errors:
        raise ValidationError(errors)
    placement = JobPlacement.objects.create(
        organisation_id=member.organisation_id,
        member=member,
        employer=employer,
        job=clean_text(job)[:120],
        started_on=started_on,
        monthly_wage=monthly_wage,
        currency=currency,
        created_by=actor,
    )
    audit.record(actor=actor, action="create", obj=placement, employer=str(employer.uuid))
    return placement
