"""Pages of the in-kind banks, for a field officer on a phone: a group's banks, a bank with its stock (or its
animals) and movements, a loan, an animal with its lineage tree, and one small form per movement or event.
Each page parses input, calls one service or selector, and renders."""

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
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access
from karpear.core.templatetags.karpear import local_digits
from karpear.core.web import form_errors, redirect_after_post, render_page, user_of
from karpear.livelihoods import bank_selectors as selectors
from karpear.livelihoods import bank_services as services
from karpear.livelihoods import lineage
from karpear.livelihoods import selectors as group_selectors
from karpear.livelihoods.bank_forms import (
    AnimalForm,
    AnimalRepaymentForm,
    BankForm,
    BirthForm,
    DepositForm,
    EndForm,
    LendForm,
    LossForm,
    PassOnForm,
    RepayForm,
    ReplaceForm,
)
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.forms import ReverseForm, today
from karpear.livelihoods.models import Animal, Bank
from karpear.livelihoods.views import reverse_posted

DAY = "%d/%m/%Y"


def _can(request: HttpRequest, capability: str) -> bool:
    return access.has_capability(user_of(request), capability)


def _today() -> str:
    return today().strftime(DAY)


def _bank_url(bank: Bank) -> str:
    return reverse("livelihoods:bank_detail", args=[bank.uuid])


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    bank: Bank,
    title: str,
    save: Callable[[], str],
    done: str,
    intro: str = "",
) -> HttpResponse:
    """A small form of a bank: on a valid post the service saves (`save` returns where to go next) and the
    page redirects; a refusal shows the form again with the service's message at its field."""
    if request.method == "POST" and form.is_valid():
        try:
            target = save()
            messages.success(request, done)
            return redirect_after_post(request, target)
        except ValidationError as exc:
            form_errors(form, exc)
    context = {"bank": bank, "group": bank.group, "form": form, "title": title, "intro": intro}
    return render_page(request, "livelihoods/bank_form.html", context, status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- banks
@login_required
@require_GET
def group_banks(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = group_selectors.group_for_user(user=user, uuid=uuid)
    context = {
        "group": group,
        "banks": list(selectors.banks_of(user=user, group=group)),
        "can_open": _can(request, C.CHANGE_GROUP) and group.dissolved_on is None,
    }
    return render_page(request, "livelihoods/bank_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bank_create(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = group_selectors.group_for_user(user=user, uuid=uuid, write=True)
    form = BankForm(request.POST or None, initial={"opened_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            bank = services.bank_open(actor=user, group=group, data=form.to_input())
            messages.success(request, _("The bank is open."))
            return redirect_after_post(request, _bank_url(bank))
        except ValidationError as exc:
            form_errors(form, exc)
    context = {"group": group, "form": form, "title": _("Open a bank")}
    return render_page(request, "livelihoods/bank_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def bank_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    bank = selectors.bank_for_user(user=user, uuid=uuid, write=True)
    initial = {
        "name": bank.name,
        "kind": bank.kind,
        "commodity": bank.commodity,
        "opened_on": bank.opened_on.strftime(DAY),
        "interest_percent": bank.interest_percent,
        "term_months": bank.term_months,
        "currency": bank.currency,
        "price_per_kg": bank.price_per_kg,
        "holding_months": bank.holding_months,
    }
    form = BankForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        bank=bank,
        title=_("Terms of the bank"),
        save=lambda: _bank_url(services.bank_update(actor=user, bank=bank, data=form.to_input())),
        done=_("The bank is saved."),
        intro=_("Loans lent already keep the terms they were lent on."),
    )


@login_required
@require_GET
def bank_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    bank = selectors.bank_for_user(user=user, uuid=uuid)
    active = bank.group.dissolved_on is None
    context: dict[str, Any] = {
        "bank": bank,
        "group": bank.group,
        "can_record": _can(request, C.RECORD_MEETING) and active,
        "can_change": _can(request, C.CHANGE_GROUP) and active,
    }
    if bank.is_animal:
        animals = list(selectors.animals_of(user=user, bank=bank))
        context.update(
            herd=selectors.herd(user=user, bank=bank),
            cash=selectors.animal_cash(user=user, bank=bank),
            originals=[a for a in animals if a.origin == Animal.Origin.ORIGINAL],
            animals=animals,
            events=selectors.bank_events(user=user, bank=bank, limit=30),
        )
    else:
        context.update(
            stock=selectors.stock(user=user, bank=bank),
            loans=selectors.loans_of(user=user, bank=bank),
            movements=list(selectors.movements_of(user=user, bank=bank)[:60]),
            reverse_form=ReverseForm(),
        )
    return render_page(request, "livelihoods/bank_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bank_deposit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    bank = selectors.bank_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_MEETING, bank)
    form = DepositForm(request.POST or None, initial={"on": _today()})

    def save() -> str:
        data = form.cleaned_data
        services.stock_deposit(
            actor=user, bank=bank, kg=data["kg"], on=data["on"], initial=data["opening"], note=data["note"]
        )
        return _bank_url(bank)

    return _form_page(request, form, bank=bank, title=_("Stock in"), save=save, done=_("The stock is recorded."))


@login_required
@require_http_methods(["GET", "POST"])
def bank_loss(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    bank = selectors.bank_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_MEETING, bank)
    form = LossForm(request.POST or None, initial={"on": _today()})

    def save() -> str:
        services.stock_loss(actor=user, bank=bank, **form.cleaned_data)
        return _bank_url(bank)

    return _form_page(request, form, bank=bank, title=_("Record a loss"), save=save, done=_("The loss is recorded."))


@login_required
@require_http_methods(["GET", "POST"])
def bank_lend(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    bank = selectors.bank_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_MEETING, bank)
    members = selectors.active_members(user=user, group=bank.group)
    form = LendForm(request.POST or None, initial={"on": _today()}, members=members)
    on_hand = selectors.stock(user=user, bank=bank).on_hand

    def save() -> str:
        loan = services.bank_lend(actor=user, bank=bank, **form.cleaned_data)
        return reverse("livelihoods:bank_loan_detail", args=[loan.uuid])

    intro = _("In store: %(kg)s kg. Repaid with %(rate)s %% interest within %(months)s months.") % {
        "kg": f"{on_hand:,.2f}",
        "rate": f"{bank.interest_percent:g}",
        "months": bank.term_months,
    }
    return _form_page(
        request, form, bank=bank, title=_("Lend"), save=save, done=_("The loan is recorded."), intro=intro
    )


@login_required
@require_GET
def bank_loan_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    loan = selectors.bank_loan_for_user(user=user, uuid=uuid)
    context = {
        "loan": loan,
        "bank": loan.bank,
        "group": loan.group,
        "lp": selectors.loan_position(user=user, loan=loan),
        "movements": list(selectors.movements_of(user=user, loan=loan)),
        "can_record": _can(request, C.RECORD_MEETING) and loan.group.dissolved_on is None,
        "repay_form": RepayForm(initial={"on": _today()}),
    }
    return render_page(request, "livelihoods/bank_loan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bank_loan_repay(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    loan = selectors.bank_loan_for_user(user=user, uuid=uuid, write=True)
    form = RepayForm(request.POST or None, initial={"on": _today()})
    target = reverse("livelihoods:bank_loan_detail", args=[loan.uuid])

    def save() -> str:
        data = form.cleaned_data
        services.loan_repay(actor=user, loan=loan, on=data["on"], note=data["note"], **form.amounts())
        return target

    return _form_page(
        request, form, bank=loan.bank, title=_("Repayment"), save=save, done=_("The repayment is recorded.")
    )


@login_required
@require_POST
def movement_reverse(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    movement = selectors.movement_for_user(user=user, uuid=uuid, write=True)
    return reverse_posted(
        request,
        lambda reason: services.movement_reverse(actor=user, movement=movement, reason=reason),
        _bank_url(movement.bank),
        _("The movement is reversed; the correction is in the ledger."),
    )


@login_required
@require_POST
def animal_event_reverse(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Correct a wrong entry about an animal by a reversing entry (the entry itself stays, marked reversed)."""
    user = user_of(request)
    event = selectors.event_for_user(user=user, uuid=uuid, write=True)
    return reverse_posted(
        request,
        lambda reason: services.animal_event_reverse(actor=user, event=event, reason=reason),
        reverse("livelihoods:animal_detail", args=[event.animal.uuid]),
        _("The entry is reversed; the correction is in the animal's history."),
    )


# ---------------------------------------------------------------- animals
@login_required
@require_http_methods(["GET", "POST"])
def animal_create(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    bank = selectors.bank_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_MEETING, bank)
    members = selectors.active_members(user=user, group=bank.group)
    form = AnimalForm(request.POST or None, initial={"received_on": _today()}, members=members)

    def save() -> str:
        animal = services.animal_receive(actor=user, bank=bank, data=form.to_input())
        return reverse("livelihoods:animal_detail", args=[animal.uuid])

    return _form_page(
        request,
        form,
        bank=bank,
        title=_("A household receives an animal"),
        save=save,
        done=_("The animal is recorded."),
    )


def _node(animal: Animal) -> lineage.Node:
    sign = "♀" if animal.sex == Animal.Sex.FEMALE else "♂"
    name = animal.tag or f"#{animal.pk}"
    bits = [
        _("Generation %(n)s") % {"n": local_digits(animal.generation)},
        _("household %(n)s") % {"n": local_digits(animal.holder.number)},
    ]
    if animal.status != Animal.Status.ALIVE:
        bits.append(str(animal.get_status_display()))
    elif animal.passed_on:
        bits.append(_("passed on"))
    return lineage.Node(
        key=animal.pk,
        parent=animal.mother_id if animal.mother_id else (animal.replaces.mother_id if animal.replaces else None),
        title=f"{sign} {animal.get_species_display()} · {name}",
        detail=" · ".join(bits),
        ended=animal.status != Animal.Status.ALIVE,
        href=reverse("livelihoods:animal_detail", args=[animal.uuid]),
    )


def lineage_svg(animals: list[Animal], root: Animal) -> str:
    label = ngettext("Lineage of %(animal)s: %(n)s animal", "Lineage of %(animal)s: %(n)s animals", len(animals)) % {
        "animal": root.tag or f"#{root.pk}",
        "n": local_digits(len(animals)),
    }
    return lineage.draw([_node(a) for a in animals], label)


@login_required
@require_GET
def animal_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    animal = selectors.animal_for_user(user=user, uuid=uuid)
    family = selectors.lineage(user=user, animal=animal)
    events = list(selectors.animal_events(user=user, animal=animal))
    root = next((a for a in family if a.pk == animal.lineage_root_id), animal)
    for member in family:  # _node reads the replaced animal's mother: give it the ones loaded already
        if member.replaces_id:
            member.replaces = next((a for a in family if a.pk == member.replaces_id), member.replaces)
    members = selectors.active_members(user=user, group=animal.group)
    can_record = (
        _can(request, C.RECORD_MEETING) and animal.group.dissolved_on is None and animal.status != Animal.Status.VOID
    )
    context = {
        "animal": animal,
        "bank": animal.bank,
        "group": animal.group,
        "root": root,
        "tree": lineage_svg(family, root),
        "events": events,
        "correctable": selectors.correctable_events(events, animal) if _can(request, C.RECORD_MEETING) else set(),
        "reverse_form": ReverseForm(),
        "pass_on_from": selectors.pass_on_from(animal),
        "can_record": can_record,
        "birth_form": BirthForm(initial={"born_on": _today()}),
        "pass_on_form": PassOnForm(initial={"on": _today()}, members=members),
        "end_form": EndForm(initial={"on": _today()}),
        "replace_form": ReplaceForm(initial={"on": _today()}),
        "repayment_form": AnimalRepaymentForm(initial={"on": _today()}),
    }
    return render_page(request, "livelihoods/animal_detail.html", context)


def _animal_action(
    request: HttpRequest, uuid: UUID, form_class: type, title: str, done: str, act: Callable[..., Any]
) -> HttpResponse:
    user = user_of(request)
    animal = selectors.animal_for_user(user=user, uuid=uuid, write=True)
    if form_class is PassOnForm:
        form = form_class(request.POST, members=selectors.active_members(user=user, group=animal.group))
    else:
        form = form_class(request.POST)

    def save() -> str:
        result = act(actor=user, animal=animal, **form.cleaned_data)
        shown = result if isinstance(result, Animal) and result.pk != animal.pk else animal
        return reverse("livelihoods:animal_detail", args=[shown.uuid])

    return _form_page(request, form, bank=animal.bank, title=title, save=save, done=done)


@login_required
@require_POST
def animal_birth(request: HttpRequest, uuid: UUID) -> HttpResponse:
    def act(*, actor: Any, animal: Animal, **data: Any) -> Animal:
        return services.animal_birth(actor=actor, mother=animal, **data)

    return _animal_action(request, uuid, BirthForm, _("Record a birth"), _("The birth is recorded."), act)


@login_required
@require_POST
def animal_pass_on(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _animal_action(
        request, uuid, PassOnForm, _("Pass on"), _("The animal is passed on."), services.animal_pass_on
    )


@login_required
@require_POST
def animal_end(request: HttpRequest, uuid: UUID) -> HttpResponse:
    def act(*, actor: Any, animal: Animal, amount: Any = None, **data: Any) -> Animal:
        return services.animal_end(actor=actor, animal=animal, amount=amount or Decimal(0), **data)

    return _animal_action(request, uuid, EndForm, _("Death or sale"), _("It is recorded."), act)


@login_required
@require_POST
def animal_replace(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _animal_action(
        request, uuid, ReplaceForm, _("Replace the animal"), _("The replacement is recorded."), services.animal_replace
    )


@login_required
@require_POST
def animal_repay(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _animal_action(
        request,
        uuid,
        AnimalRepaymentForm,
        _("Repayment to the bank"),
        _("The repayment is recorded."),
        services.animal_repayment,
    )
