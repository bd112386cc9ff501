"""Pages of the small grants (issue 12, item 8): the list of grants (and the accepted referrals waiting to be
taken in), a member's or a referred person's application, a grant with its conditions, decision, disbursement
and follow-ups, and the organisation's conditions. Each page parses input, calls one service or selector, and
renders. A referred person is shown by case number only, as everywhere in livelihoods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access, referrals
from karpear.core.models import Referral
from karpear.core.web import form_errors, redirect_after_post, render_page, user_of
from karpear.livelihoods import grant_selectors as selectors
from karpear.livelihoods import grant_services as services
from karpear.livelihoods import selectors as group_selectors
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.forms import today
from karpear.livelihoods.grant_forms import DecisionForm, DisburseForm, FollowUpForm, GateForm, GrantForm
from karpear.livelihoods.models import Grant

DAY = "%d/%m/%Y"


def _can(request: HttpRequest, capability: str) -> bool:
    return access.has_capability(user_of(request), capability)


def _today() -> str:
    return today().strftime(DAY)


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    save: Callable[[], str],
    done: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            target = save()
            messages.success(request, done)
            return redirect_after_post(request, target)
        except ValidationError as exc:
            form_errors(form, exc)
    page = {"form": form, "title": title, **(context or {})}
    return render_page(request, "livelihoods/grant_form.html", page, status=400 if request.method == "POST" else 200)


def _grant_url(grant: Grant) -> str:
    return reverse("livelihoods:grant_detail", args=[grant.uuid])


@login_required
@require_GET
def grant_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_GRANT)
    status = request.GET.get("status", "")
    status = status if status in Grant.Status.values else ""
    manage = _can(request, C.MANAGE_GRANT)
    context = {
        "grants": list(selectors.grant_list(user=user, status=status)[:100]),
        "status": status,
        "statuses": Grant.Status.choices,
        "waiting": list(selectors.referrals_for_grant(user=user)[:20]) if manage else [],
        "due": list(selectors.follow_ups_due(user=user)[:20]),
        "can_set_conditions": _can(request, C.APPROVE_GRANT),
    }
    return render_page(request, "livelihoods/grant_list.html", context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
def grant_apply(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A group member applies for a grant."""
    user = user_of(request)
    member = group_selectors.member_for_user(user=user, uuid=uuid)
    access.require(user, C.MANAGE_GRANT)
    form = GrantForm(request.POST or None, initial={"applied_on": _today()})

    def save() -> str:
        return _grant_url(services.grant_apply(actor=user, member=member, data=form.to_input()))

    return _form_page(
        request,
        form,
        title=_("Grant application of member %(n)s") % {"n": member.number},
        save=save,
        done=_("The application is saved."),
        context={"group": member.group},
    )


@login_required
@require_http_methods(["GET", "POST"])
def grant_from_referral(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Take a person referred to the organisation (an accepted referral) in for a grant."""
    user = user_of(request)
    access.require(user, C.MANAGE_GRANT)
    referral = referrals.referral_for_user(user=user, uuid=uuid)
    membership = access.membership_for(user)
    problem = ""
    if membership is None or referral.receiver_id != membership.organisation_id:
        problem = _("This referral was not sent to your organisation.")
    elif referral.current_status != Referral.Status.ACCEPTED:
        problem = _("Only an accepted referral can be taken in for a grant: accept it first.")
    form = GrantForm(request.POST or None, initial={"applied_on": _today()})
    if problem:
        return render_page(
            request, "livelihoods/grant_form.html", {"title": _("Grant application"), "problem": problem}
        )

    def save() -> str:
        return _grant_url(services.grant_from_referral(actor=user, referral=referral, data=form.to_input()))

    return _form_page(
        request,
        form,
        title=_("Grant application of %(case)s") % {"case": referral.person.case_number},
        save=save,
        done=_("The application is saved."),
    )


@login_required
@require_GET
def grant_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    grant = selectors.grant_for_user(user=user, uuid=uuid)
    open_ = grant.status == Grant.Status.APPLIED
    context = {
        "grant": grant,
        "group": grant.member.group if grant.member else None,
        "conditions": services.eligibility(grant) if open_ else [],
        "follow_ups": list(selectors.follow_ups_of(user=user, grant=grant)),
        "can_decide": open_ and _can(request, C.APPROVE_GRANT),
        "can_disburse": grant.status == Grant.Status.APPROVED and access.can(user, C.MANAGE_GRANT, grant),
        "can_follow_up": grant.status == Grant.Status.DISBURSED and access.can(user, C.MANAGE_GRANT, grant),
    }
    return render_page(request, "livelihoods/grant_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def grant_decide(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    grant = selectors.grant_for_user(user=user, uuid=uuid)
    access.require(user, C.APPROVE_GRANT, grant)
    form = DecisionForm(request.POST or None, initial={"on": _today(), "decision": "approve"})

    def save() -> str:
        data = form.cleaned_data
        services.grant_decide(
            actor=user,
            grant=grant,
            approve=data["decision"] == "approve",
            on=data["on"],
            amount_approved=data["amount_approved"],
            override_reason=data["override_reason"],
            note=data["note"],
        )
        return _grant_url(grant)

    conditions = services.eligibility(grant) if grant.status == Grant.Status.APPLIED else []
    return _form_page(
        request,
        form,
        title=_("Decide the grant"),
        save=save,
        done=_("The decision is saved."),
        context={"grant": grant, "conditions": conditions},
    )


@login_required
@require_http_methods(["GET", "POST"])
def grant_disburse(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    grant = selectors.grant_for_user(user=user, uuid=uuid, write=True)
    initial = {"on": _today(), "currency": grant.currency, "amount": grant.amount_approved}
    form = DisburseForm(request.POST or None, initial=initial)

    def save() -> str:
        services.grant_disburse(actor=user, grant=grant, **form.cleaned_data)
        return _grant_url(grant)

    return _form_page(
        request,
        form,
        title=_("Disburse the grant"),
        save=save,
        done=_("The disbursement is saved."),
        context={"grant": grant},
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_record(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    follow_up = selectors.follow_up_for_user(user=user, uuid=uuid, write=True)
    form = FollowUpForm(request.POST or None, initial={"done_on": _today()})

    def save() -> str:
        services.follow_up_record(actor=user, follow_up=follow_up, **form.cleaned_data)
        return _grant_url(follow_up.grant)

    return _form_page(
        request,
        form,
        title=_("Follow-up after %(n)s months") % {"n": follow_up.month},
        save=save,
        done=_("The follow-up is saved."),
        context={"grant": follow_up.grant},
    )


@login_required
@require_GET
def gate_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_GRANT)
    context = {
        "gates": [(gate, services.gate_label(gate)) for gate in selectors.gates(user=user)],
        "can_change": _can(request, C.APPROVE_GRANT),
    }
    return render_page(request, "livelihoods/grant_gates.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def gate_add(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.APPROVE_GRANT)
    form = GateForm(request.POST or None)

    def save() -> str:
        services.gate_add(actor=user, **form.cleaned_data)
        return reverse("livelihoods:gate_list")

    return _form_page(request, form, title=_("Add a condition"), save=save, done=_("The condition is saved."))


@login_required
@require_POST
def gate_retire(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A condition no longer in force: decisions taken already keep the conditions they were checked against."""
    user = user_of(request)
    gate = selectors.gate_for_user(user=user, uuid=uuid, write=True)
    services.gate_retire(actor=user, gate=gate)
    messages.success(request, _("The condition is retired: new decisions no longer check it."))
    return redirect_after_post(request, reverse("livelihoods:gate_list"))
