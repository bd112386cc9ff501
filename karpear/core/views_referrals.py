"""Pages of core's referral mechanism: the list (incoming and outgoing), a referral, referring a person,
and the steps (accept, decline, assign, complete, withdraw, close). Rules live in core.referrals."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access, referrals, registry, selectors
from karpear.core.models import Referral
from karpear.core.roles import Capability
from karpear.core.web import form_errors, page_of, redirect_after_post, render_page, user_of

C = Capability


class ReferralForm(forms.Form):
    receiver: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Refer to"), queryset=None, to_field_name="uuid", empty_label="—"
    )
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("What the referral shares"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "The receiving organisation sees only these parts of the person's records, and only once it accepts."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for referral"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    override = forms.BooleanField(
        label=gettext_lazy("Refer without a recorded consent to this organisation"), required=False
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for overriding consent"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Written to the audit log with your name."),
    )

    def __init__(self, *args: Any, organisations: Any, with_identity: bool, can_override: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["receiver"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["sections"].choices = [  # type: ignore[attr-defined]
            (section.name, section.label)
            for section in registry.referral_sections()
            if with_identity or section.name != "identity"
        ]
        if not can_override:
            del self.fields["override"]
            del self.fields["override_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("override") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", _("Say why the person is referred without their consent."))
        return data


class DecisionForm(forms.Form):
    assign_to = forms.ChoiceField(label=gettext_lazy("Assign to"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, members: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.members = {str(m.user.uuid): m for m in members} if members is not None else {}
        self.fields["assign_to"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (key, f"{m.user.get_username()} · {m.get_role_display()}") for key, m in self.members.items()
        ]

    def assignee(self) -> Any:
        membership = self.members.get(self.cleaned_data.get("assign_to") or "")
        return membership.user if membership is not None else None


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_PERSON)
    box = request.GET.get("box", "")
    box = box if box in ("incoming", "outgoing") else ""
    status = request.GET.get("status", "")
    status = status if status in ("waiting", *Referral.Status.values) else ""
    rows = referrals.referral_list(user=user, box=box, status=status)
    context = {
        "page": page_of(request, rows),
        "box": box,
        "status": status,
        "statuses": [("waiting", _("Waiting for an answer")), *Referral.Status.choices[1:]],
    }
    return render_page(request, "core/referral_list.html", context, partial="results")


def _detail_context(request: HttpRequest, referral: Referral, **extra: Any) -> dict[str, Any]:
    user = user_of(request)
    membership = access.membership_for(user)
    org_id = membership.organisation_id if membership else None
    receiving = referral.receiver_id == org_id
    sending = referral.organisation_id == org_id
    decides = receiving and access.has_capability(user, C.RECEIVE_REFERRALS)
    members = referrals.assignable_members(user=user) if decides else None
    context = {
        "referral": referral,
        "sections": [s for s in registry.referral_sections() if s.name in referrals.section_names(referral)],
        "events": referrals.referral_events(user=user, referral=referral),
        "person_visible": access.can(user, C.VIEW_PERSON, referral.person),
        "receiving": receiving,
        "sending": sending,
        "waiting": referral.current_status == Referral.Status.PENDING,
        "can_decide": decides,
        "can_complete": receiving
        and referral.status == Referral.Status.ACCEPTED
        and (decides or referral.assigned_to_id == user.pk),
        "can_end": sending and access.has_capability(user, C.REFER_PERSON),
        "decision_form": DecisionForm(members=members) if members is not None else None,
        "end_form": DecisionForm(members=None),
    }
    context.update(extra)
    return context


@login_required
@require_GET
def referral_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    referral = referrals.referral_for_user(user=user_of(request), uuid=uuid)
    return render_page(request, "core/referral_detail.html", _detail_context(request, referral))


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Refer a person of the user's organisation to another organisation."""
    user = user_of(request)
    access.require(user, C.REFER_PERSON)
    person = access.get_person_for_user(user, uuid)
    membership = access.membership_for(user)
    if membership is None or person.organisation_id != membership.organisation_id:
        raise Http404
    with_identity = access.has_capability(user, C.VIEW_IDENTITY)
    form = ReferralForm(
        request.POST or None,
        organisations=selectors.organisation_list(user=user).exclude(pk=membership.organisation_id).order_by("name"),
        with_identity=with_identity,
        can_override=access.has_capability(user, C.OVERRIDE_CONSENT) and with_identity,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referrals.referral_create(
                actor=user,
                person=person,
                receiver=data["receiver"],
                sections=data["sections"],
                reason=data["reason"],
                override_reason=data.get("override_reason", "") if data.get("override") else "",
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("The referral is sent to %(organisation)s.") % {"organisation": referral.receiver.short_name.upper()},
            )
            return redirect_after_post(request, reverse("referral_detail", args=[referral.uuid]))
    status = 400 if form.errors else 200
    return render_page(request, "core/referral_form.html", {"form": form, "person": person}, status=status)


STEPS = ("accept", "decline", "assign", "complete", "revoke", "close")


@login_required
@require_POST
def referral_step(request: HttpRequest, uuid: UUID, step: str) -> HttpResponse:
    """One step of a referral; an error is shown on the referral's page, nothing changes."""
    user = user_of(request)
    if step not in STEPS:
        raise Http404
    referral = access.get_for_user(user, Referral, uuid)
    members = referrals.assignable_members(user=user)
    form = DecisionForm(request.POST, members=members)
    form.is_valid()
    data = form.cleaned_data
    assignee = form.assignee()
    note = data.get("note", "")
    try:
        if step == "accept":
            referrals.referral_accept(actor=user, referral=referral, assign_to=assignee, note=note)
            message = _("The referral is accepted.")
        elif step == "decline":
            referrals.referral_decline(actor=user, referral=referral, reason=note)
            message = _("The referral is declined.")
        elif step == "assign":
            referrals.referral_assign(actor=user, referral=referral, assign_to=assignee)
            message = _("The referral is assigned.")
        elif step == "complete":
            referrals.referral_complete(actor=user, referral=referral, outcome=note)
            message = _("The referral is completed. The sender sees what was done.")
        elif step == "revoke":
            referrals.referral_revoke(actor=user, referral=referral, reason=note)
            message = _("The referral is withdrawn.")
        else:
            referrals.referral_close(actor=user, referral=referral, note=note)
            message = _("The referral is closed.")
    except ValidationError as exc:
        form_errors(form, exc)
        context = _detail_context(request, referral, failed_step=step, step_form=form)
        if context["decision_form"] is not None and step in ("accept", "decline", "assign"):
            context["decision_form"] = form
        else:
            context["end_form"] = form
        return render_page(request, "core/referral_detail.html", context, status=400)
    messages.success(request, message)
    return redirect_after_post(request, reverse("referral_detail", args=[referral.uuid]))
