"""Pages of producer groups and markets (issue 12, item 7): a group's production, sales, buyers and milling;
the organisation's buyers and local employers; a member's job placement. Each page parses input, calls one
service or selector, and renders."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from karpear.core import access
from karpear.core.web import form_errors, redirect_after_post, render_page, user_of
from karpear.livelihoods import market_selectors as selectors
from karpear.livelihoods import market_services as services
from karpear.livelihoods import selectors as group_selectors
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.forms import today
from karpear.livelihoods.market_forms import (
    BuyerForm,
    EmployerForm,
    MarketLinkForm,
    MillingForm,
    PlacementForm,
    ProductionForm,
    SaleForm,
)
from karpear.livelihoods.models import Group
from karpear.livelihoods.training_forms import EndForm

DAY = "%d/%m/%Y"


def _today() -> str:
    return today().strftime(DAY)


def _can(request: HttpRequest, capability: str) -> bool:
    return access.has_capability(user_of(request), capability)


def _form_page(
    request: HttpRequest, form: Any, *, title: str, save: Callable[[], str], done: str, group: Group | None = None
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            target = save()
            messages.success(request, done)
            return redirect_after_post(request, target)
        except ValidationError as exc:
            form_errors(form, exc)
    context = {"group": group, "form": form, "title": title}
    return render_page(request, "livelihoods/small_form.html", context, status=400 if request.method == "POST" else 200)


def _market_url(group: Group) -> str:
    return reverse("livelihoods:group_market", args=[group.uuid])


# ---------------------------------------------------------------- a group's market
@login_required
@require_GET
def group_market(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = group_selectors.group_for_user(user=user, uuid=uuid)
    context = {
        "group": group,
        "lines": selectors.product_lines(user=user, group=group),
        "links": list(selectors.links_of(user=user, group=group)),
        "sales": list(selectors.sales_of(user=user, group=group)[:20]),
        "production": list(selectors.production_of(user=user, group=group)[:20]),
        "millings": list(selectors.millings_of(user=user, group=group)[:20])
        if group.kind == Group.Kind.RICE_MILL
        else [],
        "is_mill": group.kind == Group.Kind.RICE_MILL,
        "can_record": _can(request, C.RECORD_MEETING) and group.dissolved_on is None,
        "can_link": _can(request, C.CHANGE_GROUP) and group.dissolved_on is None,
    }
    return render_page(request, "livelihoods/group_market.html", context)


def _group_for(request: HttpRequest, uuid: UUID, capability: str) -> tuple[Any, Group, list[Any]]:
    user = user_of(request)
    group = group_selectors.group_for_user(user=user, uuid=uuid)
    access.require(user, capability, group)
    members = list(group_selectors.members_of(user=user, group=group).select_related("person"))
    return user, group, members


@login_required
@require_http_methods(["GET", "POST"])
def production_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user, group, members = _group_for(request, uuid, C.RECORD_MEETING)
    form = ProductionForm(request.POST or None, initial={"on": _today()}, members=members)

    def save() -> str:
        data = form.cleaned_data
        member = form.picked_member()
        assert member is not None
        services.production_record(
            actor=user,
            member=member,
            product=data["product"],
            on=data["on"],
            quantity=data["quantity"],
            unit=data["unit"],
        )
        return _market_url(group)

    return _form_page(
        request, form, title=_("Record a harvest"), save=save, done=_("The harvest is recorded."), group=group
    )


@login_required
@require_http_methods(["GET", "POST"])
def sale_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user, group, members = _group_for(request, uuid, C.RECORD_MEETING)
    buyers = list(selectors.buyers(user=user))
    form = SaleForm(request.POST or None, initial={"on": _today()}, members=members, buyers=buyers)

    def save() -> str:
        data = form.cleaned_data
        services.sale_record(
            actor=user,
            group=group,
            data=services.SaleInput(
                product=data["product"],
                on=data["on"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                unit=data["unit"],
                currency=data["currency"],
                member=form.picked_member(),
                buyer=form.picked_buyer(),
            ),
        )
        return _market_url(group)

    return _form_page(request, form, title=_("Record a sale"), save=save, done=_("The sale is recorded."), group=group)


@login_required
@require_http_methods(["GET", "POST"])
def milling_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user, group, members = _group_for(request, uuid, C.RECORD_MEETING)
    form = MillingForm(request.POST or None, initial={"on": _today()}, members=members)

    def save() -> str:
        data = form.cleaned_data
        member = form.picked_member()
        assert member is not None
        services.milling_record(
            actor=user,
            member=member,
            on=data["on"],
            paddy_kg=data["paddy_kg"],
            rice_kg=data["rice_kg"],
            fee=data["fee"] or Decimal(0),
            currency=data["currency"],
        )
        return _market_url(group)

    return _form_page(
        request, form, title=_("Record milling"), save=save, done=_("The milling is recorded."), group=group
    )


@login_required
@require_http_methods(["GET", "POST"])
def market_link_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user, group, _members = _group_for(request, uuid, C.CHANGE_GROUP)
    form = MarketLinkForm(request.POST or None, initial={"since": _today()}, buyers=list(selectors.buyers(user=user)))

    def save() -> str:
        data = form.cleaned_data
        services.market_link_add(
            actor=user,
            group=group,
            buyer=form.buyers[data["buyer"]],
            product=data["product"],
            since=data["since"],
            terms=data["terms"],
        )
        return _market_url(group)

    return _form_page(
        request, form, title=_("Link the group to a buyer"), save=save, done=_("The link is saved."), group=group
    )


# ---------------------------------------------------------------- buyers and employers
@login_required
@require_GET
def buyer_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_GROUP)
    context = {"buyers": list(selectors.buyers(user=user)), "can_add": _can(request, C.CHANGE_GROUP)}
    return render_page(request, "livelihoods/buyer_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def buyer_add(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.CHANGE_GROUP)
    form = BuyerForm(request.POST or None)

    def save() -> str:
        services.buyer_add(actor=user, **form.cleaned_data)
        return reverse("livelihoods:buyer_list")

    return _form_page(request, form, title=_("Add a buyer"), save=save, done=_("The buyer is saved."))


@login_required
@require_http_methods(["GET", "POST"])
def buyer_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    buyer = selectors.buyer_for_user(user=user, uuid=uuid, write=True)
    form = BuyerForm(request.POST or None, initial={"name": buyer.name, "kind": buyer.kind, "contact": buyer.contact})

    def save() -> str:
        data = form.cleaned_data
        services.buyer_change(actor=user, buyer=buyer, name=data["name"], kind=data["kind"], contact=data["contact"])
        return reverse("livelihoods:buyer_list")

    return _form_page(request, form, title=_("Change the buyer"), save=save, done=_("The buyer is saved."))


@login_required
@require_GET
def employer_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_GROUP)
    context = {
        "employers": list(selectors.employers(user=user)),
        "placements": list(selectors.placements(user=user)[:50]),
        "can_add": _can(request, C.CHANGE_GROUP),
    }
    return render_page(request, "livelihoods/employer_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def employer_add(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.CHANGE_GROUP)
    form = EmployerForm(request.POST or None)

    def save() -> str:
        services.employer_add(actor=user, **form.cleaned_data)
        return reverse("livelihoods:employer_list")

    return _form_page(request, form, title=_("Add an employer"), save=save, done=_("The employer is saved."))


@login_required
@require_http_methods(["GET", "POST"])
def employer_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    employer = selectors.employer_for_user(user=user, uuid=uuid, write=True)
    initial = {
        "name": employer.name,
        "sector": employer.sector,
        "contact": employer.contact,
        "vetted_on": employer.vetted_on.strftime(DAY) if employer.vetted_on else "",
    }
    form = EmployerForm(request.POST or None, initial=initial)

    def save() -> str:
        services.employer_change(actor=user, employer=employer, **form.cleaned_data)
        return reverse("livelihoods:employer_list")

    return _form_page(request, form, title=_("Change the employer"), save=save, done=_("The employer is saved."))


@login_required
@require_http_methods(["GET", "POST"])
def placement_end(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The member left the job: the placement keeps its start and gets its end."""
    user = user_of(request)
    placement = selectors.placement_for_user(user=user, uuid=uuid, write=True)
    form = EndForm(request.POST or None, initial={"on": _today()})

    def save() -> str:
        services.placement_end(actor=user, placement=placement, on=form.cleaned_data["on"])
        return reverse("livelihoods:employer_list")

    return _form_page(
        request,
        form,
        title=_("End the job of member %(n)s at %(employer)s")
        % {"n": placement.member.number, "employer": placement.employer.name},
        save=save,
        done=_("The job placement is ended."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def placement_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    member = group_selectors.member_for_user(user=user, uuid=uuid, write=True)
    form = PlacementForm(
        request.POST or None, initial={"started_on": _today()}, employers=list(selectors.employers(user=user))
    )

    def save() -> str:
        data = form.cleaned_data
        services.placement_record(
            actor=user,
            member=member,
            employer=form.employers[data["employer"]],
            job=data["job"],
            started_on=data["started_on"],
            monthly_wage=data["monthly_wage"],
            currency=data["currency"],
        )
        return reverse("livelihoods:employer_list")

    return _form_page(
        request,
        form,
        title=_("A job for member %(n)s") % {"n": member.number},
        save=save,
        done=_("The job placement is saved."),
        group=member.group,
    )
