"""Pages of the justice app: each parses input, calls one service or selector, and renders.

The case page holds every form of the case; each form posts to its own route, which calls one service and
either goes back to the case page or shows it again with that form's errors next to its fields (status 400).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access
from karpear.core.models import User
from karpear.core.roles import Capability
from karpear.core.storage import private_storage
from karpear.core.web import form_errors, page_of, redirect_after_post, render_page, user_of
from karpear.justice import forms, pdf, selectors, services
from karpear.justice.declarations import JusticeCapability as C
from karpear.justice.models import (
    CaseStudy,
    Escalation,
    Evidence,
    LegalCase,
    Repatriation,
    RepatriationStatus,
    Submission,
    Witness,
)


# ---------------------------------------------------------------- list
@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_CASE)
    mine = request.GET.get("mine") == "1"
    query = request.GET.get("q", "")[:40]
    due = request.GET.get("due", "")
    due_rows = selectors.due_list(user=user, due=due)
    rows = due_rows if due_rows is not None else selectors.case_list(user=user, mine=mine, query=query)
    context = {
        "page": page_of(request, rows),
        "mine": mine,
        "query": query,
        "due": due if due_rows is not None else "",
        "can_open": access.has_capability(user, C.OPEN_CASE),
        "referrals": list(selectors.referrals_to_open(user=user)[:20]) if due_rows is None else [],
    }
    return render_page(request, "justice/case_list.html", context, partial="results")


# ---------------------------------------------------------------- opening a case
@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a legal case directly, registering its client."""
    user = user_of(request)
    access.require(user, C.OPEN_CASE)
    access.require(user, Capability.ADD_PERSON)
    form = forms.CaseOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=user, client=form.to_person(), data=form.to_case())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Saved. Case number %(number)s.") % {"number": case.number})
            return redirect_after_post(request, reverse("justice:case_detail", args=[case.uuid]))
    status = 400 if form.errors else 200
    return render_page(request, "justice/case_open.html", {"form": form, "referral": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_open_referral(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Open a legal case for the person of an accepted referral to the organisation."""
    user = user_of(request)
    access.require(user, C.OPEN_CASE)
    referral = selectors.referral_for_opening(user=user, uuid=uuid)
    form = forms.CaseFields(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open_from_referral(actor=user, referral=referral, data=form.to_case())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Saved. Case number %(number)s.") % {"number": case.number})
            return redirect_after_post(request, reverse("justice:case_detail", args=[case.uuid]))
    status = 400 if form.errors else 200
    return render_page(request, "justice/case_open.html", {"form": form, "referral": referral}, status=status)


# ---------------------------------------------------------------- the case pages
# The case is read in parts (DESIGN §8: no page over 10 queries): the overview (clients, timeline), parties and
# offences, investigation (steps, evidence), witnesses, court (letters, hearings, judgments) and costs.
PAGES: dict[str, tuple[str, Callable[..., dict[str, Any]], tuple[str, ...]]] = {
    "overview": ("justice:case_detail", lambda user, case: {}, ("status_form", "client_form", "lawyer_form")),
    "parties": (
        "justice:case_parties",
        lambda user, case: selectors.parties_and_offences(user=user, case=case),
        ("party_form", "offence_form"),
    ),
    "investigation": (
        "justice:case_investigation",
        lambda user, case: selectors.investigation(user=user, case=case),
        ("step_form", "evidence_form", "custody_form"),
    ),
    "witnesses": ("justice:case_witnesses", lambda user, case: {}, ("witness_form", "statement_form")),
    "court": (
        "justice:case_court",
        lambda user, case: selectors.court(user=user, case=case),
        ("submission_form", "reply_form", "repatriation_form", "repstatus_form", "hearing_form", "verdict_form"),
    ),
    "advocacy": (
        "justice:case_advocacy",
        lambda user, case: selectors.advocacy(user=user, case=case),
        ("escalation_form", "response_form", "advocacy_form", "study_form", "consent_form"),
    ),
    "costs": ("justice:case_costs", lambda user, case: {}, ("cost_form",)),
}
FORMS: dict[str, Callable[[User], Any]] = {
    "status_form": lambda user: forms.StatusForm(),
    "client_form": lambda user: forms.ClientForm(),
    "lawyer_form": lambda user: forms.LawyerForm(lawyers=services.lawyers_for(user)),
    "party_form": lambda user: forms.PartyForm(),
    "offence_form": lambda user: forms.OffenceForm(),
    "step_form": lambda user: forms.StepForm(),
    "evidence_form": lambda user: forms.EvidenceForm(),
    "custody_form": lambda user: forms.CustodyForm(),
    "witness_form": lambda user: forms.WitnessForm(),
    "statement_form": lambda user: forms.StatementForm(),
    "submission_form": lambda user: forms.SubmissionForm(),
    "reply_form": lambda user: forms.ReplyForm(),
    "hearing_form": lambda user: forms.HearingForm(),
    "repatriation_form": lambda user: forms.RepatriationForm(),
    "repstatus_form": lambda user: forms.RepatriationStatusForm(),
    "verdict_form": lambda user: forms.VerdictForm(),
    "cost_form": lambda user: forms.CostForm(lines=services.budget_lines_for(user)),
    "escalation_form": lambda user: forms.EscalationForm(),
    "response_form": lambda user: forms.ResponseForm(),
    "advocacy_form": lambda user: forms.AdvocacyForm(),
    "study_form": lambda user: forms.CaseStudyForm(),
    "consent_form": lambda user: forms.ConsentForm(),
}
PAGE_OF_FORM = {key: page for page, (_url, _read, keys) in PAGES.items() for key in keys}


def _case_context(request: HttpRequest, case: LegalCase, page: str, **bound: Any) -> dict[str, Any]:
    user = user_of(request)
    flags = selectors.context_flags(user, case)
    _url, read, keys = PAGES[page]
    context: dict[str, Any] = {
        "case": case,
        "page": page,
        "membership": access.membership_for(user),
        **read(user, case),
        **flags,
    }
    if page == "overview":
        context["clients"] = selectors.case_clients(user=user, case=case)
        context["timeline"] = selectors.timeline(user=user, case=case)
    elif page == "witnesses":
        context["witnesses"] = selectors.witnesses(user=user, case=case)
    elif page == "costs":
        context["costs"], context["cost_totals"] = selectors.case_costs(user=user, case=case)
    if flags["can_change"] or (page == "costs" and flags["can_cost"]):
        context.update({key: bound.get(key) or FORMS[key](user) for key in keys})
    return context


def _page_view(page: str) -> Callable[..., HttpResponse]:
    @login_required
    @require_GET
    def view(request: HttpRequest, uuid: UUID) -> HttpResponse:
        user = user_of(request)
        case = selectors.case_for_user(user=user, uuid=uuid)
        if page == "costs":
            access.require(user, C.RECORD_COST)
        return render_page(request, f"justice/case_{page}.html", _case_context(request, case, page))

    return view


case_detail = _page_view("overview")
case_parties = _page_view("parties")
case_investigation = _page_view("investigation")
case_witnesses = _page_view("witnesses")
case_court = _page_view("court")
case_costs = _page_view("costs")
case_advocacy = _page_view("advocacy")


def _back(case: LegalCase, key: str) -> str:
    return reverse(PAGES[PAGE_OF_FORM[key]][0], args=[case.uuid])


def _again(request: HttpRequest, case: LegalCase, key: str, form: Any, part: Any = None) -> HttpResponse:
    page = PAGE_OF_FORM[key]
    context = _case_context(request, case, page, **{key: form})
    context["error_on"] = part.pk if part is not None else None
    return render_page(request, f"justice/case_{page}.html", context, status=400)


type Handler = Callable[[User, Any, Any, HttpRequest], object]


def _case_action(form_class: Any, key: str, handler: Handler, done: Any) -> Callable[..., HttpResponse]:
    """A POST route of the case page: validate `form_class`, call `handler`, and go back to the case page (or
    show it again with the form's errors, status 400)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, uuid: UUID) -> HttpResponse:
        user = user_of(request)
        case = selectors.case_for_user(user=user, uuid=uuid, write=True)
        kwargs = {"lines": services.budget_lines_for(user)} if form_class is forms.CostForm else {}
        form = form_class(request.POST, request.FILES, **kwargs)
        if form.is_valid():
            try:
                handler(user, case, form, request)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, str(done))
                return redirect_after_post(request, _back(case, key))
        return _again(request, case, key, form)

    return view


def _part_action(
    model: type[Any], form_class: Any, key: str, handler: Handler, done: Any, also: str | None = None
) -> Callable[..., HttpResponse]:
    """A POST route on a part of a case (an evidence item, a witness, a submission, a judgment); `also`: a
    further capability needed once the part is found (403 without it)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, uuid: UUID) -> HttpResponse:
        user = user_of(request)
        part = access.get_for_user(user, model, uuid, write=True, queryset=model.objects.select_related("case"))
        if also is not None:
            access.require(user, also)
        case = selectors.case_for_user(user=user, uuid=part.case.uuid, write=True)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                handler(user, part, form, request)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, str(done))
                return redirect_after_post(request, _back(case, key))
        return _again(request, case, key, form, part)

    return view


def _data(form: Any) -> dict[str, Any]:
    return dict(form.cleaned_data)


case_status = _case_action(
    forms.StatusForm,
    "status_form",
    lambda user, case, form, request: services.case_status_set(actor=user, case=case, status=_data(form)["status"]),
    gettext_lazy("The status is changed."),
)
case_client = _case_action(
    forms.ClientForm,
    "client_form",
    lambda user, case, form, request: services.client_add(
        actor=user, case=case, client=form.to_person(), relation=_data(form)["relation"]
    ),
    gettext_lazy("The client is added."),
)
case_party = _case_action(
    forms.PartyForm,
    "party_form",
    lambda user, case, form, request: services.party_add(actor=user, case=case, **_data(form)),
    gettext_lazy("Saved."),
)
case_offence = _case_action(
    forms.OffenceForm,
    "offence_form",
    lambda user, case, form, request: services.offence_add(actor=user, case=case, **_data(form)),
    gettext_lazy("Saved."),
)
case_step = _case_action(
    forms.StepForm,
    "step_form",
    lambda user, case, form, request: services.step_add(actor=user, case=case, **_data(form)),
    gettext_lazy("Saved."),
)
case_evidence = _case_action(
    forms.EvidenceForm,
    "evidence_form",
    lambda user, case, form, request: services.evidence_add(
        actor=user, case=case, data=form.to_input(), upload=form.cleaned_data.get("file")
    ),
    gettext_lazy("The evidence item is saved."),
)
case_witness = _case_action(
    forms.WitnessForm,
    "witness_form",
    lambda user, case, form, request: services.witness_add(
        actor=user, case=case, person=form.to_person(), description=_data(form)["description"]
    ),
    gettext_lazy("Saved."),
)
case_submission = _case_action(
    forms.SubmissionForm,
    "submission_form",
    lambda user, case, form, request: services.submission_add(actor=user, case=case, data=form.to_input()),
    gettext_lazy("Saved."),
)
case_hearing = _case_action(
    forms.HearingForm,
    "hearing_form",
    lambda user, case, form, request: services.hearing_add(actor=user, case=case, data=form.to_input()),
    gettext_lazy("Saved."),
)
case_verdict = _case_action(
    forms.VerdictForm,
    "verdict_form",
    lambda user, case, form, request: services.verdict_record(actor=user, case=case, data=form.to_input()),
    gettext_lazy("Saved."),
)
case_repatriation = _case_action(
    forms.RepatriationForm,
    "repatriation_form",
    lambda user, case, form, request: services.repatriation_add(actor=user, case=case, data=form.to_input()),
    gettext_lazy("Saved."),
)
repatriation_status = _part_action(
    Repatriation,
    forms.RepatriationStatusForm,
    "repstatus_form",
    lambda user, repatriation, form, request: services.repatriation_status_set(
        actor=user, repatriation=repatriation, **_data(form)
    ),
    gettext_lazy("Saved."),
)


# ---------------------------------------------------------------- a repatriation and its handover to protection
def _repatriation_page(
    request: HttpRequest, repatriation: Repatriation, form: forms.HandoverForm | None = None
) -> HttpResponse:
    """A repatriation with the people handed over to protection and what came of it (core tells it), and, once
    they arrived, the handover form for who may change the case (at most ten queries)."""
    user = user_of(request)
    case = repatriation.case
    flags = selectors.context_flags(user, case)
    context: dict[str, Any] = {
        "case": case,
        "page": "court",
        "membership": access.membership_for(user),
        "repatriation": repatriation,
        "handovers": selectors.handovers(user=user, repatriation=repatriation),
        **flags,
    }
    if flags["can_change"] and repatriation.status == RepatriationStatus.ARRIVED:
        people = list(selectors.handover_people(user=user, case=case))
        if people:  # offered only when the case has clients of its own to hand over
            receivers = list(selectors.handover_receivers(user=user))
            context["handover_form"] = form or forms.HandoverForm(receivers=receivers, people=people)
        else:  # the page says why (docs/justice.md: a client another organisation referred stays theirs)
            context["no_own_clients"] = True
    status = 400 if form is not None and form.errors else 200
    return render_page(request, "justice/repatriation.html", context, status=status)


@login_required
@require_GET
def repatriation_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _repatriation_page(request, selectors.repatriation_for_user(user=user_of(request), uuid=uuid))


@login_required
@require_POST
def repatriation_handover(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Hand the people of an arrived repatriation over to protection (a referral per person, through core)."""
    user = user_of(request)
    access.get_for_user(user, Repatriation, uuid, write=True)  # 404 outside the scope, 403 read-only
    repatriation = selectors.repatriation_for_user(user=user, uuid=uuid)
    form = forms.HandoverForm(
        request.POST,
        receivers=selectors.handover_receivers(user=user),
        people=selectors.handover_people(user=user, case=repatriation.case),
    )
    if form.is_valid():
        try:
            done = services.repatriation_handover(actor=user, repatriation=repatriation, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Referred to %(organisation)s: %(count)s. They register the intake once they accept.")
                % {"organisation": form.to_input().receiver.short_name.upper(), "count": len(done)},
            )
            return redirect_after_post(request, reverse("justice:repatriation_detail", args=[repatriation.uuid]))
    return _repatriation_page(request, repatriation, form)


evidence_custody = _part_action(
    Evidence,
    forms.CustodyForm,
    "custody_form",
    lambda user, evidence, form, request: services.custody_add(actor=user, evidence=evidence, **_data(form)),
    gettext_lazy("Saved."),
)
witness_statement = _part_action(
    Witness,
    forms.StatementForm,
    "statement_form",
    lambda user, witness, form, request: services.statement_add(actor=user, witness=witness, **_data(form)),
    gettext_lazy("Saved."),
)
submission_reply = _part_action(
    Submission,
    forms.ReplyForm,
    "reply_form",
    lambda user, submission, form, request: services.submission_reply(actor=user, submission=submission, **_data(form)),
    gettext_lazy("Saved."),
)

case_escalation = _case_action(
    forms.EscalationForm,
    "escalation_form",
    lambda user, case, form, request: services.escalation_raise(actor=user, case=case, **_data(form)),
    gettext_lazy("The case is escalated to the central office."),
)
escalation_response = _part_action(
    Escalation,
    forms.ResponseForm,
    "response_form",
    lambda user, escalation, form, request: services.escalation_respond(
        actor=user, escalation=escalation, **_data(form)
    ),
    gettext_lazy("Saved."),
    also=C.RESPOND_ESCALATION,
)
case_advocacy_add = _case_action(
    forms.AdvocacyForm,
    "advocacy_form",
    lambda user, case, form, request: services.advocacy_add(actor=user, case=case, data=form.to_input()),
    gettext_lazy("Saved."),
)
case_study = _case_action(
    forms.CaseStudyForm,
    "study_form",
    lambda user, case, form, request: services.case_study_write(actor=user, case=case, **_data(form)),
    gettext_lazy("The case study is saved. Record the client's consent before it goes into a donor report."),
)
study_consent = _part_action(
    CaseStudy,
    forms.ConsentForm,
    "consent_form",
    lambda user, study, form, request: services.case_study_consent(actor=user, study=study, **_data(form)),
    gettext_lazy("Saved."),
)


@login_required
@require_POST
def case_cost(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Record a cost of the case, charged to a budget line."""
    user = user_of(request)
    access.require(user, C.RECORD_COST)
    case = selectors.case_for_user(user=user, uuid=uuid)
    lines = services.budget_lines_for(user)
    form = forms.CostForm(request.POST, lines=lines)
    if form.is_valid():
        try:
            services.cost_add(actor=user, case=case, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect_after_post(request, _back(case, "cost_form"))
    return _again(request, case, "cost_form", form)


@login_required
@require_POST
def case_lawyer(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Give the case to another legal officer (a case supervisor)."""
    user = user_of(request)
    access.require(user, C.ASSIGN_LAWYER)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    form = forms.LawyerForm(request.POST, lawyers=services.lawyers_for(user))
    if form.is_valid():
        try:
            services.case_reassign(actor=user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The case is given to %(lawyer)s.") % {"lawyer": form.cleaned_data["lawyer"]})
            return redirect_after_post(request, _back(case, "lawyer_form"))
    return _again(request, case, "lawyer_form", form)


# ---------------------------------------------------------------- evidence files
@login_required
@require_GET
def evidence_download(request: HttpRequest, uuid: UUID) -> FileResponse:
    """The file of an evidence item, after the access check; each download is audited."""
    user = user_of(request)
    evidence = selectors.evidence_for_download(user=user, uuid=uuid)
    selectors.record_download(user=user, evidence=evidence)
    response = FileResponse(
        private_storage().open(str(evidence.file.name), "rb"),
        as_attachment=True,
        filename=evidence.file_name or f"evidence-{evidence.uuid}",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- printable documents
def _pdf(content: bytes, name: str) -> HttpResponse:
    answer = HttpResponse(content, content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    answer["Cache-Control"] = "no-store"
    return answer


@login_required
@require_GET
def case_file(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The case file for counsel as a PDF: only what the reader may see, its printing audited."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid)
    context = selectors.case_file(user=user, case=case)
    content = pdf.render("justice/case_file_pdf.html", {**context, "reader": user, "printed": timezone.localdate()})
    selectors.record_printed(user=user, obj=case, document="case_file")
    return _pdf(content, case.number)


@login_required
@require_GET
def submission_letter(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A submission's letter from the template, in Khmer (or English with ?lang=en, for a foreign authority),
    with the case's references filled in; for who may change the case. Audited."""
    user = user_of(request)
    submission = selectors.submission_for_letter(user=user, uuid=uuid)
    language = "en" if request.GET.get("lang") == "en" else "km"
    with translation.override(language):
        context = selectors.letter(user=user, submission=submission)
        content = pdf.render("justice/letter_pdf.html", {**context, "printed": timezone.localdate()})
    selectors.record_printed(user=user, obj=submission, document="letter")
    return _pdf(content, f"{submission.case.number}-letter")
