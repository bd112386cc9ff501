"""Pages of the livelihoods app: each parses input, calls one service or selector, and renders.

The meeting screen is one normal form per meeting (the offline queue of core's offline pages can post it as it
is): a hidden submission key makes a second post of the same form find the meeting saved the first time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access, idempotency
from karpear.core import services as core_services
from karpear.core.forms import place_options
from karpear.core.web import form_errors, page_of, redirect_after_post, render_page, user_of
from karpear.livelihoods import pdf, selectors, services
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.forms import (
    BusinessPlanForm,
    CommitteeForm,
    ConstitutionForm,
    DissolveForm,
    GroupForm,
    LeaveForm,
    MeetingForm,
    MemberAddForm,
    MemberRegisterForm,
    ReverseForm,
    ShareOutForm,
    StageForm,
    today,
)
from karpear.livelihoods.models import Cycle, Group


def _can(request: HttpRequest, capability: str) -> bool:
    return access.has_capability(user_of(request), capability)


def _picker(data: Any) -> dict[str, Any]:
    """The context of core's place picker (core/_place_picker.html) for what the form holds."""
    state = {key: str(data.get(key, "") or "") for key in ("province", "district", "commune", "village")}
    picked = str(data.get("place_pick", "") or "")
    if picked:
        level, _sep, value = picked.partition(":")
        keyword = {"v": "village", "c": "commune", "d": "district"}.get(level, "province")
        try:
            choice = core_services.resolve_place(**{keyword: value})
        except ValidationError:
            choice = core_services.PlaceChoice()
        state = {
            "province": choice.province.code if choice.province else "",
            "district": choice.district.code if choice.district else "",
            "commune": choice.commune.code if choice.commune else "",
            "village": str(choice.village.pk) if choice.village else "",
        }
    return {"place": state, "place_q": "", "place_matches": [], **place_options(state)}


# ---------------------------------------------------------------- groups
@login_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_GROUP)
    query = request.GET.get("q", "")[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in Group.Kind.values else ""
    groups = selectors.group_list(
        user=user, query=query, kind=kind, mine=bool(request.GET.get("mine")), due=bool(request.GET.get("due"))
    )
    context = {
        "page": page_of(request, selectors.group_rows(groups)),
        "q": query,
        "kind": kind,
        "kinds": Group.Kind.choices,
        "can_add": _can(request, C.CHANGE_GROUP),
        "can_see_indicators": _can(request, C.VIEW_INDICATORS),
    }
    return render_page(request, "livelihoods/group_list.html", context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.CHANGE_GROUP)
    return _group_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    group = selectors.group_for_user(user=user_of(request), uuid=uuid, write=True)
    return _group_form(request, group)


def _group_form(request: HttpRequest, group: Group | None) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST" and "_place_refresh" not in request.POST:
        form = GroupForm(request.POST)
        if form.is_valid():
            data = form.to_input()
            if not form.errors:
                try:
                    if group is None:
                        group = services.group_create(actor=user, data=data)
                        messages.success(request, _("The group is formed."))
                    else:
                        data.facilitator = group.facilitator
                        group = services.group_update(actor=user, group=group, data=data)
                        messages.success(request, _("The group is saved."))
                    return redirect_after_post(request, reverse("livelihoods:group_detail", args=[group.uuid]))
                except ValidationError as exc:
                    form_errors(form, exc)
        data_source: Any = request.POST
    else:
        initial: dict[str, Any] = {"formed_on": today().strftime("%d/%m/%Y")}
        if group is not None:
            initial = {
                "name": group.name,
                "kind": group.kind,
                "formed_on": group.formed_on.strftime("%d/%m/%Y"),
                "province": group.province_id,
                "district": group.district_id,
                "commune": group.commune_id,
                "village": str(group.village_id or ""),
            }
        form = GroupForm(request.POST if request.method == "POST" else None, initial=initial)
        data_source = request.POST if request.method == "POST" else initial
    return render_page(request, "livelihoods/group_form.html", {"form": form, "group": group, **_picker(data_source)})


@login_required
@require_GET
def group_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid)
    cycles = list(selectors.cycles_of(user=user, group=group)) if group.is_savings else []
    cycle = next((c for c in cycles if c.closed_on is None), None)
    members = list(selectors.members_of(user=user, group=group))
    context = {
        "group": group,
        "members": members,
        "committee": list(selectors.committee_of(user=user, group=group)),
        "stages": list(selectors.stages_of(user=user, group=group)),
        "cycle": cycle,
        "balances": selectors.balances(user=user, group=group) if group.is_savings else None,
        "cycles": cycles,
        "currency": (cycle or (cycles[0] if cycles else None) or Cycle(currency="KHR")).currency,
        "size_warning": group.is_savings and members and not 10 <= len(members) <= 30,
        "can_change": _can(request, C.CHANGE_GROUP) and group.dissolved_on is None,
        "can_record": _can(request, C.RECORD_MEETING) and group.dissolved_on is None,
        "can_see_indicators": _can(request, C.VIEW_INDICATORS),
        "stage_form": StageForm(initial={"reached_on": today().strftime("%d/%m/%Y")}),
        "committee_form": CommitteeForm(members=members),
    }
    return render_page(request, "livelihoods/group_detail.html", context)


@login_required
@require_POST
def stage_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid, write=True)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.stage_record(actor=user, group=group, **form.cleaned_data)
            messages.success(request, _("The stage is recorded."))
            return redirect_after_post(request, reverse("livelihoods:group_detail", args=[group.uuid]) + "#stages")
        except ValidationError as exc:
            form_errors(form, exc)
    return render_page(request, "livelihoods/small_form.html", _small(group, form, _("Stage reached")), status=400)


@login_required
@require_POST
def committee_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid, write=True)
    form = CommitteeForm(request.POST, members=list(selectors.members_of(user=user, group=group)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.committee_assign(actor=user, member=data["member"], role=data["role"], since=data["since"])
            messages.success(request, _("The committee is saved."))
            return redirect_after_post(request, reverse("livelihoods:group_detail", args=[group.uuid]) + "#committee")
        except ValidationError as exc:
            form_errors(form, exc)
    return render_page(request, "livelihoods/small_form.html", _small(group, form, _("Committee")), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def group_dissolve(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid, write=True)
    form = DissolveForm(request.POST or None, initial={"on": today().strftime("%d/%m/%Y")})
    if request.method == "POST" and form.is_valid():
        try:
            services.group_dissolve(actor=user, group=group, **form.cleaned_data)
            messages.success(request, _("The group is dissolved."))
            return redirect_after_post(request, reverse("livelihoods:group_detail", args=[group.uuid]))
        except ValidationError as exc:
            form_errors(form, exc)
    return render_page(request, "livelihoods/small_form.html", _small(group, form, _("Dissolve the group")))


def _small(group: Group, form: Any, title: str) -> dict[str, Any]:
    return {"group": group, "form": form, "title": title}


# ---------------------------------------------------------------- members
@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Add a member: a person registered already (by case number), or a new person registered here."""
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid, write=True)
    day = {"joined_on": today().strftime("%d/%m/%Y")}
    existing = MemberAddForm(request.POST if "case_number" in request.POST else None, initial=day)
    new = MemberRegisterForm(request.POST if "sex" in request.POST else None, initial=day)
    form: Any = existing if "case_number" in request.POST else new
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if form is existing:
                person = selectors.person_by_case_number(user=user, case_number=data["case_number"])
                if person is None:
                    raise ValidationError({"case_number": _("Nobody you may see has this case number.")})
                member = services.member_add(actor=user, group=group, person=person, joined_on=data["joined_on"])
            else:
                person_data = core_services.PersonInput(
                    sex=data["sex"],
                    birth_year=data.get("birth_year"),
                    name_km=data.get("name_km", ""),
                    name_latin=data.get("name_latin", ""),
                    new_household_code=data.get("household_code", ""),
                    new_household_poverty=data.get("poverty_status") or "unassessed",
                    relationship_to_head="head" if data.get("household_code") else "",
                )
                member = services.member_register(
                    actor=user, group=group, data=person_data, joined_on=data["joined_on"]
                )
            messages.success(request, _("Member %(number)s is added.") % {"number": member.number})
            return redirect_after_post(request, reverse("livelihoods:member_add", args=[group.uuid]))
        except ValidationError as exc:
            form_errors(form, exc)
    context = {
        "group": group,
        "existing": existing,
        "new": new,
        "members": selectors.members_of(user=user, group=group),
    }
    return render_page(request, "livelihoods/member_add.html", context)


@login_required
@require_GET
def member_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The member's passbook: shares, loans and payouts (`?format=pdf` prints it)."""
    user = user_of(request)
    member = selectors.member_for_user(user=user, uuid=uuid)
    context = {
        "member": member,
        "group": member.group,
        "lines": selectors.passbook(user=user, member=member),
        "share_outs": list(selectors.member_share_outs(user=user, member=member)),
        "leave_form": LeaveForm(initial={"on": today().strftime("%d/%m/%Y")}),
        "can_change": _can(request, C.CHANGE_GROUP) and member.left_on is None,
        "can_apply": _can(request, C.MANAGE_GRANT) and member.left_on is None,
    }
    if request.GET.get("format") == "pdf":
        return pdf.response(request, "livelihoods/passbook_pdf.html", context, f"passbook-{member.number}.pdf")
    return render_page(request, "livelihoods/member_detail.html", context)


@login_required
@require_POST
def member_leave(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    member = selectors.member_for_user(user=user, uuid=uuid, write=True)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.member_leave(actor=user, member=member, **form.cleaned_data)
            messages.success(request, _("The member has left the group."))
            return redirect_after_post(request, reverse("livelihoods:group_detail", args=[member.group.uuid]))
        except ValidationError as exc:
            form_errors(form, exc)
    return render_page(
        request, "livelihoods/small_form.html", _small(member.group, form, _("Leave the group")), status=400
    )


# ---------------------------------------------------------------- cycles and meetings
@login_required
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid, write=True)
    form = ConstitutionForm(request.POST or None, initial={"started_on": today().strftime("%d/%m/%Y")})
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_open(actor=user, group=group, data=form.to_input())
            messages.success(request, _("Cycle %(number)s is open.") % {"number": cycle.number})
            return redirect_after_post(request, reverse("livelihoods:cycle_detail", args=[cycle.uuid]))
        except ValidationError as exc:
            form_errors(form, exc)
    return render_page(request, "livelihoods/cycle_form.html", {"group": group, "form": form})


@login_required
@require_GET
def cycle_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    cycle = selectors.cycle_for_user(user=user, uuid=uuid)
    as_of = cycle.closed_on or today()
    loans = selectors.open_loans(user=user, cycle=cycle, as_of=as_of)
    context = {
        "cycle": cycle,
        "group": cycle.group,
        "meetings": list(selectors.meetings_of(user=user, cycle=cycle)[:60]),
        "positions": selectors.member_positions(user=user, cycle=cycle, as_of=as_of, loans=loans),
        "loans": loans,
        "balances": selectors.balances(user=user, group=cycle.group),
        "can_record": _can(request, C.RECORD_MEETING) and cycle.closed_on is None,
        "can_share_out": _can(request, C.SHARE_OUT) and cycle.closed_on is None,
    }
    return render_page(request, "livelihoods/cycle_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.offline_page
@idempotency.idempotent
def meeting_create(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The meeting screen: the whole meeting, in the meeting order, for every member. It opens with no signal
    (the phone keeps it: members appear by number and initials only) and a meeting saved offline waits in the
    phone's queue until the signal returns, then is sent once (core's offline pages)."""
    user = user_of(request)
    cycle = selectors.cycle_for_meeting(user=user, uuid=uuid)  # visible, so the capability is all to check
    access.require(user, C.RECORD_MEETING)
    number, day = selectors.next_meeting(user=user, cycle=cycle)
    members = selectors.meeting_members(user=user, group=cycle.group)
    initial = {"number": number, "held_on": day.strftime("%d/%m/%Y")}
    form = MeetingForm(request.POST or None, initial=initial, members=members, cycle=cycle)
    totals = None
    if request.method == "POST" and form.is_valid():
        data = form.to_input()
        data.submission = data.submission or _submission_of(request, user)
        try:
            if "_check" in request.POST:
                totals = services.meeting_preview(actor=user, cycle=cycle, data=data)
            else:
                result = services.meeting_record(actor=user, cycle=cycle, data=data)
                if result.created:
                    messages.success(request, _("Meeting %(number)s is saved.") % {"number": result.meeting.number})
                else:
                    messages.info(request, _("This meeting was saved already. Nothing was saved twice."))
                return redirect_after_post(request, reverse("livelihoods:meeting_detail", args=[result.meeting.uuid]))
        except ValidationError as exc:
            form_errors(form, exc)
    owing = {member.pk for member in members if getattr(member, "owes", False)}
    context = {
        "cycle": cycle,
        "group": cycle.group,
        "form": form,
        "sections": _sections(form, members, owing),
        # the box as the cycle's figures kept beside the ledger have it (read with the cycle: no query)
        "opening": (cycle.carried_loan_fund + cycle.loan_fund, cycle.carried_social_fund + cycle.social_fund),
        "totals": totals,
    }
    status = 400 if form.errors else 200
    return render_page(request, "livelihoods/meeting_form.html", context, status=status)


SUBMISSIONS = UUID("5b0c6f5e-8f0e-4c55-9a53-2f1c4ad7e3a1")  # the namespace of meeting submissions from form keys


def _submission_of(request: HttpRequest, user: Any) -> UUID | None:
    """The meeting's submission key, from the form's one-time key: each opening of the screen (online, or the
    copy kept on the phone) has a new one, and a replay of the same submission carries the same one, so the
    meeting is recorded once even when the one-time key itself is forgotten (KARPEAR_IDEMPOTENCY_DAYS)."""
    key = str(request.POST.get(idempotency.FIELD, ""))
    return uuid5(SUBMISSIONS, f"{user.pk}:{key}") if idempotency.valid_key(key) else None


STEP_TITLES = {
    services.ATTENDANCE: gettext_lazy("1. Attendance"),
    services.SOCIAL: gettext_lazy("2. Social fund"),
    services.SHARES: gettext_lazy("3. Shares bought"),
    services.REPAYMENT: gettext_lazy("4. Loan repayments"),
    services.FINE: gettext_lazy("5. Fines"),
    services.PAYOUT: gettext_lazy("6. Social-fund payouts"),
    services.LOAN: gettext_lazy("7. New loans"),
}


def _sections(form: MeetingForm, members: list[Any], owing: set[int]) -> list[tuple[str, Any, list[tuple[Any, Any]]]]:
    """The meeting screen's sections in the meeting order, each with one input per member (repayments only
    for members who owe a loan, unless one was typed for someone else)."""
    sections = []
    for step in services.STEPS:
        rows = []
        for member in members:
            bound = form[services.field_name(step, member.number)]
            if step == services.REPAYMENT and member.pk not in owing and not bound.value() and not bound.errors:
                continue
            rows.append((member, bound))
        sections.append((step, STEP_TITLES[step], rows))
    return sections


@login_required
@require_GET
def meeting_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    meeting = selectors.meeting_for_user(user=user, uuid=uuid)
    entries = list(selectors.meeting_entries(user=user, meeting=meeting))
    after = selectors.balances(user=user, group=meeting.group, as_of=meeting.held_on)
    context = {
        "meeting": meeting,
        "cycle": meeting.cycle,
        "group": meeting.group,
        "entries": entries,
        "attendance": list(selectors.meeting_attendance(user=user, meeting=meeting)),
        "after": after,
        "can_correct": _can(request, C.RECORD_MEETING) and meeting.cycle.closed_on is None,
        "reverse_form": ReverseForm(),
    }
    return render_page(request, "livelihoods/meeting_detail.html", context)


@login_required
@require_POST
def entry_reverse(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    entry = selectors.entry_for_user(user=user, uuid=uuid, write=True)
    target = reverse("livelihoods:meeting_detail", args=[entry.meeting.uuid]) if entry.meeting else "/"
    return reverse_posted(
        request,
        lambda reason: services.entry_reverse(actor=user, entry=entry, reason=reason),
        target,
        _("The entry is reversed; the correction is in the ledger."),
    )


def reverse_posted(request: HttpRequest, reverse_with: Any, target: str, done: str) -> HttpResponse:
    """A correction by a reversing entry or movement, posted with its reason: done, or refused with the service's
    message; either way back to the page it was asked from."""
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reverse_with(form.cleaned_data["reason"])
            messages.success(request, done)
            return redirect_after_post(request, target)
        except ValidationError as exc:
            form_errors(form, exc)
    for error in form.non_field_errors() + form.errors.get("reason", []):
        messages.error(request, str(error))
    return redirect_after_post(request, target)


@login_required
@require_GET
def loan_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    loan = selectors.loan_for_user(user=user, uuid=uuid)
    position, instalments, entries = selectors.loan_detail(user=user, loan=loan)
    context = {
        "loan": loan,
        "group": loan.group,
        "cycle": loan.cycle,
        "lp": position,
        "instalments": instalments,
        "entries": entries,
    }
    return render_page(request, "livelihoods/loan_detail.html", context)


# ---------------------------------------------------------------- share-out
@login_required
@require_http_methods(["GET", "POST"])
def share_out(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The share-out of a cycle: computed from the shares bought, shown to the group, then confirmed."""
    user = user_of(request)
    cycle = selectors.cycle_for_user(user=user, uuid=uuid)  # visible, so the capability is all to check
    access.require(user, C.SHARE_OUT)
    form = ShareOutForm(request.POST or request.GET or None, initial={"carry_forward": 0})
    plan, error = None, None
    carry = Decimal(0)
    if form.is_bound and form.is_valid():
        carry = form.cleaned_data.get("carry_forward") or Decimal(0)
    try:
        if request.method == "POST" and "_confirm" in request.POST and form.is_valid():
            done = services.share_out_confirm(actor=user, cycle=cycle, carry_forward=carry)
            messages.success(request, _("The cycle is shared out."))
            return redirect_after_post(request, reverse("livelihoods:share_out_detail", args=[done.uuid]))
        plan = services.share_out_preview(actor=user, cycle=cycle, carry_forward=carry)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            form_errors(form, exc)
        else:
            error = exc.messages
    context = {"cycle": cycle, "group": cycle.group, "form": form, "plan": plan, "error": error}
    refused = request.method == "POST" and (error or form.errors)
    return render_page(request, "livelihoods/share_out.html", context, status=400 if refused else 200)


@login_required
@require_GET
def share_out_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The share-out sheet as confirmed (`?format=pdf` prints it, in the user's language)."""
    user = user_of(request)
    done = selectors.share_out_for_user(user=user, uuid=uuid)
    context = {
        "share_out": done,
        "group": done.group,
        "cycle": done.cycle,
        "lines": list(selectors.share_out_lines(user=user, share_out=done)),
    }
    if request.GET.get("format") == "pdf":
        return pdf.response(request, "livelihoods/share_out_pdf.html", context, f"share-out-{done.cycle.number}.pdf")
    return render_page(request, "livelihoods/share_out_detail.html", context)


# ---------------------------------------------------------------- indicators (SAVIX)
def _as_of(request: HttpRequest) -> dt.date:
    """The day asked for (?on=YYYY-MM-DD), never after today; today when absent or unreadable."""
    try:
        day = dt.date.fromisoformat(request.GET.get("on", "")[:10])
    except ValueError:
        return today()
    return min(day, today())


@login_required
@require_GET
def group_indicators(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_INDICATORS)
    group = selectors.group_for_user(user=user, uuid=uuid)
    as_of = _as_of(request)
    cycle, row = selectors.group_savix(user=user, group=group, as_of=as_of)
    context = {"group": group, "cycle": cycle, "row": row, "as_of": as_of}
    return render_page(request, "livelihoods/group_indicators.html", context)


@login_required
@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_INDICATORS)
    as_of = _as_of(request)
    context = {"rows": selectors.programme_savix(user=user, as_of=as_of), "as_of": as_of}
    return render_page(request, "livelihoods/indicators.html", context)


def _day(request: HttpRequest, name: str) -> dt.date | None:
    try:
        return min(dt.date.fromisoformat(request.GET.get(name, "")[:10]), today())
    except ValueError:
        return None


@login_required
@require_GET
def group_books(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The group's trial balance, income statement and balance sheet for a period (by default its cycle so far)."""
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid)
    latest = selectors.cycles_of(user=user, group=group).order_by("-number").first()
    end = _day(request, "to") or today()
    start = _day(request, "from") or (latest.started_on if latest else group.formed_on)
    swapped = start > end
    if swapped:
        start, end = end, start
    context = {
        "group": group,
        "books": selectors.group_books(user=user, group=group, start=start, end=end),
        "currency": latest.currency if latest else "KHR",
        "swapped": swapped,
    }
    return render_page(request, "livelihoods/group_books.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def business_plan(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The group's three-year business plan beside what its books say, quarter by quarter; revised here."""
    user = user_of(request)
    group = selectors.group_for_user(user=user, uuid=uuid)
    plan = selectors.business_plan_of(user=user, group=group)
    can_change = _can(request, C.CHANGE_GROUP) and group.dissolved_on is None
    form = BusinessPlanForm(initial=BusinessPlanForm.initial_of(plan))
    status = 200
    if request.method == "POST":
        group = selectors.group_for_user(user=user, uuid=uuid, write=True)
        form = BusinessPlanForm(request.POST)
        if form.is_valid():
            try:
                services.business_plan_save(actor=user, group=group, data=form.plan_input())
                messages.success(request, _("The business plan is saved."))
                return redirect_after_post(request, reverse("livelihoods:business_plan", args=[group.uuid]))
            except ValidationError as exc:
                form_errors(form, exc)
        status = 400
    context = {
        "group": group,
        "plan": plan,
        "quarters": selectors.plan_quarters(user=user, plan=plan) if plan else [],
        "currency": getattr(selectors.cycles_of(user=user, group=group).order_by("-number").first(), "currency", "KHR"),
        "form": form,
        "can_change": can_change,
    }
    return render_page(request, "livelihoods/business_plan.html", context, status=status)
