"""Pages of the people a partner referred to protection (arrivals.py): the referrals waiting for their intake,
and the intake registered from one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from karpear.core import access, idempotency
from karpear.core.place_picker import place_picker
from karpear.core.roles import Capability
from karpear.core.web import form_errors, page_of, redirect_after_post, render_page, user_of
from karpear.protection import arrivals, rights
from karpear.protection.declarations import ProtectionCapability as C
from karpear.protection.forms import ReturneeForm


@login_required
@require_GET
def referred_list(request: HttpRequest) -> HttpResponse:
    """Accepted referrals to the organisation from which no intake was registered yet."""
    user = user_of(request)
    access.require(user, C.ADD_CASE)
    page = page_of(request, arrivals.referrals_awaiting_intake(user=user))
    return render_page(request, "protection/referred_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def referred_intake(request: HttpRequest, uuid: str) -> HttpResponse:
    """Register the intake of a referred person: the returnee form, prefilled from what the referral shares."""
    user = user_of(request)
    access.require(user, C.ADD_CASE)
    access.require(user, Capability.ADD_PERSON)
    referral = arrivals.referral_for_intake(user=user, uuid=uuid)
    if request.method == "POST":
        form = ReturneeForm(request.POST)
        refreshing = "_place_refresh" in request.POST
        if refreshing:
            form = ReturneeForm(initial=request.POST.dict())
        if not refreshing and form.is_valid():
            try:
                case = arrivals.intake_from_referral(
                    actor=user,
                    referral=referral,
                    person=form.to_input(),
                    intake=form.to_intake(),
                    rights=form.to_rights(),
                    consents=form.to_consents(),
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Saved. Case number %(number)s.") % {"number": case.number})
                return redirect_after_post(request, reverse("protection:case_detail", args=[case.uuid]))
        picker_data: Any = request.POST
    else:
        form = ReturneeForm(initial=arrivals.intake_initial(user=user, referral=referral))
        picker_data = request.GET
    context = {
        "form": form,
        "referral": referral,
        "picker": place_picker(picker_data, form=form, user=user, legend=_("Home village")),
        "notice": rights.notice(),
    }
    status = 400 if form.errors else 200
    return render_page(request, "protection/referred_intake.html", context, status=status)
