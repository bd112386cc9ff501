"""Pages of the protection app: each parses input, calls one service or selector, and renders.

The register and group screens carry core's one-time key and draft (`{% form_protect %}`): a double tap or a
resubmission after a dropped connection saves once, and what was typed stays on the phone until it is saved.
The group screen's own submission key is derived from the form's one-time key, so a group is saved once even
after that key's record has expired.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID, uuid5

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access, countries, idempotency
from karpear.core import selectors as core_selectors
from karpear.core.forms import PlaceForm
from karpear.core.place_picker import place_picker
from karpear.core.roles import Capability
from karpear.core.web import form_errors, page_of, redirect_after_post, render_page, user_of
from karpear.protection import pdf, rights, selectors, services, timeline
from karpear.protection.declarations import SECTION_FOLLOW_UPS, SECTION_PLAN, SECTION_SCREENING
from karpear.protection.declarations import ProtectionCapability as C
from karpear.protection.forms import (
    GROUP_ROWS,
    AssessmentForm,
    CaseConsentForm,
    ClosureDecisionForm,
    ClosureForm,
    DeliveryForm,
    DeterminationForm,
    GroupForm,
    IntakeForm,
    PlacementForm,
    PlanDecisionForm,
    PlannedServiceForm,
    RetraffickingReviewForm,
    ReturneeForm,
    ReturnHomeForm,
    RightsForm,
    ScreeningForm,
    StepForm,
    TraffickingEventForm,
    VictimContextForm,
    VisitForm,
    indicator_field,
)
from karpear.protection.models import (
    CHILD_LISTS,
    CONTEXT_FIELDS,
    NEED_DOMAINS,
    SCREENING_LISTS,
    ClosureReason,
    ControlMethod,
    Dimension,
    ExploitationType,
    IndicatorList,
    ProtectionCase,
    RecruitmentMethod,
    Stage,
    Strength,
    TraffickingEvent,
    VictimContext,
)

ROW_KEY = re.compile(r"^row-(\d+)-(\w+)$")


# ---------------------------------------------------------------- list
@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_CASE)
    mine = request.GET.get("mine") == "1"
    query = request.GET.get("q", "")[:40]
    group = request.GET.get("group", "")
    work = request.GET.get("work", "")
    if work not in selectors.WORK_LISTS:
        work = ""
    page = page_of(request, selectors.case_list(user=user, mine=mine, query=query, group=group, work=work))
    selectors.list_names(user=user, cases=page.object_list)
    context = {
        "page": page,
        "mine": mine,
        "work": work,
        "query": query,
        "group": group,
        "can_add": access.has_capability(user, C.ADD_CASE) and access.has_capability(user, Capability.ADD_PERSON),
    }
    return render_page(request, "protection/case_list.html", context, partial="results")


# ---------------------------------------------------------------- register one returnee
@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def case_register(request: HttpRequest) -> HttpResponse:
    """Register one returnee: the person (core's form and duplicate warning), the intake, the rights notice
    and the consents, saved together."""
    user = user_of(request)
    access.require(user, C.ADD_CASE)
    access.require(user, Capability.ADD_PERSON)
    duplicates: list[core_selectors.DuplicateCandidate] = []
    if request.method == "POST":
        form = ReturneeForm(request.POST)
        refreshing = "_place_refresh" in request.POST
        if refreshing:
            form = ReturneeForm(initial=request.POST.dict())
        if not refreshing and form.is_valid():
            data = form.cleaned_data
            if not data.get("confirm_not_duplicate"):
                duplicates = core_selectors.person_likely_duplicates(
                    user=user,
                    name_km=data.get("name_km", ""),
                    name_latin=data.get("name_latin", ""),
                    birth_year=data.get("birth_year")
                    or (data["date_of_birth"].year if data.get("date_of_birth") else None),
                    commune_code=data["place"].commune.code if data["place"].commune else "",
                    phone=data.get("phone", ""),
                    national_id=data.get("national_id", ""),
                    passport_number=data.get("passport_number", ""),
                    sex=data.get("sex", ""),
                    mother_name=data.get("mother_name", ""),
                    elsewhere=True,
                )
                if duplicates:
                    idempotency.needs_review(
                        request,
                        _("This may be someone already registered. Open the entry, compare and save it again."),
                    )
            if not duplicates:
                try:
                    case = services.intake_register(
                        actor=user,
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
        form = ReturneeForm()
        picker_data = request.GET
    context = {
        "form": form,
        "duplicates": duplicates,
        "picker": place_picker(picker_data, form=form, user=user, legend=_("Home village")),
        "notice": rights.notice(),
    }
    status = 400 if form.errors else 200
    return render_page(request, "protection/case_register.html", context, status=status)


# ---------------------------------------------------------------- a group arriving together
GROUPS = UUID("0f7f3f2e-51a5-4d8e-9a0c-7c1f4b9e2d10")  # the namespace of group submissions from form keys


def _submission_of(request: HttpRequest, user: Any) -> UUID | None:
    """The group's submission key, from the form's one-time key (new on every opening of the screen): a
    replay of the same submission carries the same one, so the group is saved once even when the one-time key
    itself is forgotten (KARPEAR_IDEMPOTENCY_DAYS)."""
    key = str(request.POST.get(idempotency.FIELD, ""))
    return uuid5(GROUPS, f"{user.pk}:{key}") if idempotency.valid_key(key) else None


def _row_errors(form: GroupForm, exc: ValidationError) -> None:
    """A service's errors next to the row's input, or above the form naming the row."""
    if not hasattr(exc, "error_dict"):
        form_errors(form, exc)
        return
    for name, errors in exc.message_dict.items():
        for error in errors:
            if name in form.fields:
                form.add_error(name, error)
            elif match := ROW_KEY.match(name):
                form.add_error(None, _("Row %(row)d: %(error)s") % {"row": int(match[1]) + 1, "error": error})
            else:
                form.add_error(None, error)


def _row_count(request: HttpRequest) -> int:
    raw = request.POST.get("rows") if request.method == "POST" else request.GET.get("rows")
    try:
        count = int(str(raw))
    except ValueError:
        count = GROUP_ROWS
    if request.method == "POST" and "_more" in request.POST:
        count += GROUP_ROWS
    return max(1, min(count, services.MAX_GROUP))


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.offline_page
@idempotency.idempotent
def group_arrival(request: HttpRequest) -> HttpResponse:
    """One screen for people arriving together: the shared intake, then a row per person (name, sex, age,
    home village). Each row becomes a person and a case, all in one transaction; each case is completed on
    its own page afterwards."""
    user = user_of(request)
    access.require(user, C.ADD_CASE)
    access.require(user, Capability.ADD_PERSON)
    count = _row_count(request)
    more = request.method == "POST" and ("_more" in request.POST or "_place_refresh" in request.POST)
    if request.method == "POST" and not more:
        form = GroupForm(request.POST, row_count=count)
        if form.is_valid():
            try:
                result = services.group_arrival_register(actor=user, data=form.to_input(_submission_of(request, user)))
            except ValidationError as exc:
                _row_errors(form, exc)
            else:
                if result.created:
                    messages.success(
                        request,
                        _("Saved: %(count)d people and their cases. Complete each case from the list below.")
                        % {"count": len(result.cases)},
                    )
                else:
                    messages.info(request, _("This group was saved already. Nothing was saved twice."))
                url = reverse("protection:case_list") + f"?group={result.group.uuid}"
                return redirect_after_post(request, url)
    elif more:  # more rows, or a row's village list: keep what was typed, report nothing as wrong yet
        form = GroupForm(initial={**request.POST.dict(), "rows": count}, row_count=count)
    else:
        form = GroupForm(initial={"rows": count}, row_count=count)
    source: Any = request.POST if request.method == "POST" else {}
    rows = [
        (n, fields, place_picker(source, prefix=f"row-{n}", form=form.places[n], user=user, legend=_("Home village")))
        for n, fields in enumerate(form.row_fields())
    ]
    context = {"form": form, "rows": rows, "count": count}
    status = 400 if form.errors else 200
    return render_page(request, "protection/group_arrival.html", context, status=status)


# ---------------------------------------------------------------- one case
def _case_context(
    request: HttpRequest,
    case: ProtectionCase,
    *,
    rights_form: RightsForm | None = None,
    consent_form: CaseConsentForm | None = None,
    review_form: RetraffickingReviewForm | None = None,
) -> dict[str, Any]:
    user = user_of(request)
    identity = selectors.case_identity(user=user, case=case)
    shared = selectors.shared_sections(user=user, case=case)
    events = selectors.timeline(user=user, case=case, shared=shared)
    return {
        "case": case,
        "stage_label": Stage(case.stage).label if case.stage in Stage.values else case.stage,
        "timeline": [(e, timeline.line(e.kind, e.detail)) for e in events],
        "person": case.person,
        "identity": identity,
        "origin_country": countries.name(case.origin_country),
        "consents": selectors.case_consents(user=user, case=case, reads_identity=identity is not None),
        "notice": rights.notice(),
        "rights_form": rights_form or RightsForm(),
        "consent_form": consent_form or CaseConsentForm(),
        "retrafficking": selectors.retrafficking_flag(user=user, case=case),
        "review_form": review_form or RetraffickingReviewForm(),
        "can_review_flag": selectors.may_change(user, case) and access.has_capability(user, C.APPROVE),
        "can_ask_elsewhere": selectors.may_change(user, case)
        and access.has_capability(user, C.APPROVE)
        and access.has_capability(user, Capability.REVIEW_DUPLICATES),
        **selectors.context_flags(user, case),
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid)
    return render_page(request, "protection/case_detail.html", _case_context(request, case))


@login_required
@require_POST
@idempotency.idempotent
def retrafficking_review(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """A case supervisor's review of the re-trafficking flag."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.APPROVE)
    form = RetraffickingReviewForm(request.POST)
    if form.is_valid():
        try:
            services.retrafficking_review(
                actor=user, case=case, status=form.cleaned_data["status"], note=form.cleaned_data.get("note") or ""
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your review of the flag is saved."))
            return redirect_after_post(request, reverse("protection:case_detail", args=[case.uuid]))
    context = _case_context(request, case, review_form=form)
    return render_page(request, "protection/case_detail.html", context, status=400)


@login_required
@require_POST
@idempotency.idempotent
def retrafficking_ask(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Ask the other organisations holding a likely earlier case to refer the person."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.APPROVE)
    try:
        sent = services.retrafficking_ask_elsewhere(actor=user, case=case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render_page(request, "protection/case_detail.html", _case_context(request, case), status=400)
    if sent:
        messages.success(request, _("The other organisation is asked to refer the person to you."))
    else:
        messages.info(request, _("The other organisation was already asked."))
    return redirect_after_post(request, reverse("protection:case_detail", args=[case.uuid]))


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def case_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Complete or correct the intake details of a case."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            try:
                services.case_update(actor=user, case=case, intake=form.to_intake())
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect_after_post(request, reverse("protection:case_detail", args=[case.uuid]))
    else:
        initial = {name: getattr(case, name) for name in form_fields()}
        initial["arrived_on"] = case.arrived_on.strftime("%d/%m/%Y")
        form = IntakeForm(initial=initial)
    status = 400 if form.errors else 200
    return render_page(request, "protection/case_edit.html", {"case": case, "form": form}, status=status)


def form_fields() -> list[str]:
    return list(IntakeForm.base_fields)


@login_required
@require_POST
@idempotency.idempotent
def case_rights(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Record that the rights notice was shown and acknowledged."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    form = RightsForm(request.POST)
    if form.is_valid():
        try:
            services.rights_acknowledge(actor=user, case=case, rights=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The rights notice is recorded as acknowledged."))
            return redirect_after_post(request, reverse("protection:case_detail", args=[case.uuid]))
    context = _case_context(request, case, rights_form=form)
    return render_page(request, "protection/case_detail.html", context, status=400)


@login_required
@require_POST
@idempotency.idempotent
def case_consent(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Record a consent given or refused, for one purpose."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    form = CaseConsentForm(request.POST)
    if form.is_valid():
        try:
            services.case_consent_record(actor=user, case=case, consent=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect_after_post(request, reverse("protection:case_detail", args=[case.uuid]))
    context = _case_context(request, case, consent_form=form)
    return render_page(request, "protection/case_detail.html", context, status=400)


# ---------------------------------------------------------------- screening and identification
def _chosen_list(request: HttpRequest, case: ProtectionCase) -> tuple[str, bool]:
    source = request.POST if request.method == "POST" else request.GET
    chosen = str(source.get("list") or selectors.default_list(case))
    if chosen not in SCREENING_LISTS:
        chosen = selectors.default_list(case)
    labour = chosen in (IndicatorList.ADULT_LABOUR, IndicatorList.CHILD_LABOUR)
    return chosen, labour and source.get("forced_criminality") in ("1", "on", "True", "true")


def _text(indicator: Any) -> str:
    """An indicator in the reader's script (Khmer where it has its Khmer text)."""
    khmer = (translation.get_language() or "").startswith("km")
    return str(indicator.text_km if khmer and indicator.text_km else indicator.text_en)


def _questions(form: ScreeningForm) -> list[tuple[str, list[tuple[Any, Any, str, str]]]]:
    """The questionnaire by dimension: (dimension, [(field, indicator, text in the reader's script, strength)])."""
    by_dimension: dict[str, list[tuple[Any, Any, str, str]]] = {}
    for indicator in form.indicators:
        text = _text(indicator)
        by_dimension.setdefault(indicator.dimension, []).append(
            (form[indicator_field(indicator.code)], indicator, text, str(Strength(indicator.strength).label))
        )
    return [(str(Dimension(name).label), rows) for name, rows in by_dimension.items()]


def _screening_page(
    request: HttpRequest,
    case: ProtectionCase,
    *,
    form: ScreeningForm | None = None,
    determination_form: DeterminationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    chosen, forced = _chosen_list(request, case)
    latest = selectors.latest_screening(user=user, case=case)
    indicators = services.indicators_for(chosen, forced)
    if form is None:
        initial: dict[str, Any] = {"list": chosen, "forced_criminality": forced}
        if latest is not None and latest.list == chosen:
            answers = getattr(latest, "answer_map", {})
            initial.update({indicator_field(code): "yes" if present else "no" for code, present in answers.items()})
            if latest.recruited is not None:
                initial["recruited"] = "yes" if latest.recruited else "no"
        form = ScreeningForm(initial=initial, indicators=indicators, child=chosen in CHILD_LISTS)
    texts = {i.code: i for i in indicators}
    evidence = latest.evidence if latest is not None else {}
    context = {
        "case": case,
        "form": form,
        "questions": _questions(form),
        "chosen": chosen,
        "forced": forced,
        "lists": [(value, label) for value, label in IndicatorList.choices if value in SCREENING_LISTS],
        "latest": latest,
        "missing": [_text(texts[code]) for code in evidence.get("missing", []) if code in texts],
        "missing_recruitment": "recruitment_act" in evidence.get("missing", []),
        "positive": [
            (
                str(Dimension(name).label),
                [
                    (_text(texts[c]), texts[c].get_strength_display())
                    for c in evidence["dimensions"][name]["present"]
                    if c in texts
                ],
            )
            for name in evidence.get("positive", [])
        ],
        "determinations": selectors.determinations(user=user, case=case),
        "determination_form": determination_form or DeterminationForm(),
        "section_shared": _shares(user, case, SECTION_SCREENING),
        **selectors.context_flags(user, case),
    }
    return render_page(request, "protection/case_screening.html", context, status=status)


def _shares(user: Any, case: ProtectionCase, section: str) -> bool:
    """The reader sees this section of the case: their own organisation's case, or a referral shares it."""
    shared = selectors.shared_sections(user=user, case=case)
    return shared is None or section in shared


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def case_screening(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The screening questionnaire of a case, the engine's suggestion and the decisions taken."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid)
    if request.method == "GET":
        return _screening_page(request, case)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.SCREEN)
    chosen, forced = _chosen_list(request, case)
    form = ScreeningForm(request.POST, indicators=services.indicators_for(chosen, forced), child=chosen in CHILD_LISTS)
    if form.is_valid():
        try:
            saved = services.screening_record(actor=user, case=case, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if saved.suggestion:
                messages.success(request, _("The screening is saved."))
            else:
                messages.warning(request, _("The screening is saved, without a suggestion: some answers are missing."))
            url = reverse("protection:case_screening", args=[case.uuid]) + f"?list={chosen}"
            return redirect_after_post(request, url + ("&forced_criminality=1" if forced else ""))
    return _screening_page(request, case, form=form, status=400)


@login_required
@require_POST
@idempotency.idempotent
def case_determination(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Record a decision on the case's identification (status, deciding body, date)."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.SCREEN)
    form = DeterminationForm(request.POST)
    if form.is_valid():
        try:
            services.determination_record(actor=user, case=case, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect_after_post(request, reverse("protection:case_screening", args=[case.uuid]))
    return _screening_page(request, case, determination_form=form, status=400)


# ---------------------------------------------------------------- victim context (HTCDS) and trafficking events


def _labels(choices: Any, values: list[str]) -> list[str]:
    known = dict(choices.choices)
    return [str(known.get(value, value)) for value in values]


def _place_shown(event: Any, prefix: str) -> str:
    """An event's place in the reader's language: the gazetteer's names in Cambodia, else as typed, then the
    country (no query: the places are joined)."""
    khmer = (translation.get_language() or "").startswith("km")
    parts = []
    for level in ("village", "commune", "district", "province"):
        place = getattr(event, f"{prefix}_{level}")
        if place is not None:
            parts.append(place.name_km if khmer and place.name_km else place.name_en)
    typed = getattr(event, f"{prefix}_place")
    if typed:
        parts.append(typed)
    parts.append(countries.name(getattr(event, f"{prefix}_country")))
    return ", ".join(parts)


def _context_facts(saved: VictimContext | None) -> list[tuple[str, str]]:
    """The victim context as (label, value) lines in the reader's language (the page and the case file)."""
    if saved is None:
        return []
    return [
        (_("How they were recruited"), ", ".join(_labels(RecruitmentMethod, saved.recruitment_methods))),
        (_("Who recruited them: relationship to the trafficker"), saved.get_relationship_to_trafficker_display()),
        (_("How they were controlled"), ", ".join(_labels(ControlMethod, saved.control_methods))),
        (_("Kinds of exploitation"), ", ".join(_labels(ExploitationType, saved.exploitation_types))),
        (_("Industry"), saved.get_industry_display()),
        (
            _("Destination"),
            ", ".join(
                part
                for part in (saved.destination_place, countries.name(saved.destination_country))
                if part and saved.destination_country
            ),
        ),
        (_("How long it lasted, in months"), "" if saved.duration_months is None else str(saved.duration_months)),
        (_("Note"), saved.note),
    ]


def _events_shown(events: list[TraffickingEvent]) -> list[tuple[TraffickingEvent, str, str]]:
    """Each trafficking step with its two places in the reader's language (the page and the case file)."""
    return [(e, _place_shown(e, "origin"), _place_shown(e, "destination")) for e in events]


def _context_page(
    request: HttpRequest,
    case: ProtectionCase,
    *,
    context_form: VictimContextForm | None = None,
    event_form: TraffickingEventForm | None = None,
    origin_form: PlaceForm | None = None,
    destination_form: PlaceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    shared = selectors.shared_sections(user=user, case=case)
    saved = selectors.victim_context(user=user, case=case)
    events = selectors.trafficking_events(user=user, case=case)
    if context_form is None:
        initial: dict[str, Any] = {"industry": case.industry}
        if saved is not None:
            initial = {name: getattr(saved, name) for name in CONTEXT_FIELDS}
        context_form = VictimContextForm(initial=initial)
    picker_data: Any = request.POST if request.method == "POST" and event_form is not None else {}
    flags = selectors.context_flags(user, case)
    context = {
        "case": case,
        "section_shared": shared is None or SECTION_SCREENING in shared,
        "saved": saved,
        "facts": _context_facts(saved),
        "events": _events_shown(events),
        "context_form": context_form,
        "event_form": event_form
        or TraffickingEventForm(initial={"origin_country": "KH", "destination_country": case.origin_country}),
        "origin": place_picker(picker_data, prefix="origin", legend=_("From: place in Cambodia"), form=origin_form),
        "destination": place_picker(
            picker_data, prefix="destination", legend=_("To: place in Cambodia"), form=destination_form
        ),
        "can_edit": flags["can_screen"] and case.is_open,
        "event_open": event_form is not None,
        **flags,
    }
    return render_page(request, "protection/case_context.html", context, status=status)


def _context_url(case: ProtectionCase) -> str:
    return reverse("protection:case_context", args=[case.uuid])


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def case_context(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """What happened to the survivor (HTCDS victim context) and the steps of the trafficking."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid)
    if request.method == "GET":
        return _context_page(request, case)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.SCREEN)
    form = VictimContextForm(request.POST)
    if form.is_valid():
        try:
            services.victim_context_save(actor=user, case=case, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect_after_post(request, _context_url(case))
    return _context_page(request, case, context_form=form, status=400)


@login_required
@require_POST
@idempotency.idempotent
def context_event_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Record one step of the trafficking with its two places (two place pickers on the page)."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.SCREEN)
    form = TraffickingEventForm(request.POST)
    origin = PlaceForm(request.POST, prefix="origin")
    destination = PlaceForm(request.POST, prefix="destination")
    if "_place_refresh" in request.POST:  # no script: the pickers' lists redrawn, nothing saved
        return _context_page(
            request,
            case,
            event_form=TraffickingEventForm(initial=request.POST.dict()),
            origin_form=origin,
            destination_form=destination,
        )
    if form.is_valid() and origin.is_valid() and destination.is_valid():
        try:
            services.trafficking_event_add(actor=user, case=case, data=form.to_input(origin, destination))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The step is recorded."))
            return redirect_after_post(request, _context_url(case) + "#events-h")
    return _context_page(request, case, event_form=form, origin_form=origin, destination_form=destination, status=400)


@login_required
@require_POST
@idempotency.idempotent
def context_event_remove(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Take off a trafficking step recorded by mistake."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.SCREEN)
    try:
        services.trafficking_event_remove(actor=user, case=case, event_uuid=request.POST.get("event", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _context_page(request, case, status=400)
    messages.success(request, _("The step is taken off."))
    return redirect_after_post(request, _context_url(case) + "#events-h")


# ---------------------------------------------------------------- needs assessment, service plan, services delivered
def _plan_page(
    request: HttpRequest,
    case: ProtectionCase,
    *,
    assessment_form: AssessmentForm | None = None,
    item_form: PlannedServiceForm | None = None,
    decision_form: PlanDecisionForm | None = None,
    delivery_form: DeliveryForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    delivered = list(selectors.deliveries(user=user, case=case))
    kinds = list(selectors.catalogue())
    assessment = selectors.latest_assessment(user=user, case=case)
    shared = selectors.shared_sections(user=user, case=case)
    context = {
        "case": case,
        "section_shared": shared is None or SECTION_PLAN in shared,
        "assessment": assessment,
        "needs": [(label, getattr(assessment, f"get_{domain}_display")()) for domain, label in NEED_DOMAINS]
        if assessment
        else [],
        "plan": selectors.service_plan(user=user, case=case),
        "items": selectors.planned_services(user=user, case=case),
        "plan_events": _shown_events(list(selectors.plan_events(user=user, case=case)), kinds),
        "deliveries": delivered,
        "chain": selectors.reintegration_chain(delivered, kinds),
        "can_deliver_referred": case.is_open
        and not selectors.may_change(user, case)
        and access.has_capability(user, C.RECORD_SERVICE)
        and case.organisation_id != getattr(access.membership_for(user), "organisation_id", None),
        "assessment_form": assessment_form or AssessmentForm(),
        "item_form": item_form or PlannedServiceForm(user=user),
        "decision_form": decision_form or PlanDecisionForm(),
        "delivery_form": delivery_form or DeliveryForm(user=user),
        **selectors.context_flags(user, case),
    }
    context["all_forms"] = [context[n] for n in ("assessment_form", "item_form", "decision_form", "delivery_form")]
    return render_page(request, "protection/case_plan.html", context, status=status)


def _shown_events(events: list[Any], kinds: list[Any]) -> list[Any]:
    """The plan's history with the service named in the reader's language (no query)."""
    names = {k.code: _name(k) for k in kinds}
    for event in events:
        event.shown = names.get(event.detail, event.detail) if event.action in ("added", "removed") else event.detail
    return events


def _name(kind: Any) -> str:
    """A catalogue entry's name in the reader's language."""
    khmer = (translation.get_language() or "").startswith("km")
    return str(kind.name_km if khmer and kind.name_km else kind.name_en)


@login_required
@require_GET
def case_plan(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The case's needs assessment, its service plan (with its approval and history) and the services
    delivered, with the reintegration chain they make."""
    case = selectors.case_for_user(user=user_of(request), uuid=uuid)
    return _plan_page(request, case)


def _plan_url(case: ProtectionCase) -> str:
    return reverse("protection:case_plan", args=[case.uuid])


@login_required
@require_POST
@idempotency.idempotent
def case_assessment(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.PLAN)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_record(actor=user, case=case, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The needs assessment is saved."))
            return redirect_after_post(request, _plan_url(case))
    return _plan_page(request, case, assessment_form=form, status=400)


@login_required
@require_POST
@idempotency.idempotent
def plan_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.PLAN)
    form = PlannedServiceForm(request.POST, user=user)
    if form.is_valid():
        try:
            services.plan_service_add(actor=user, case=case, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The service is added to the plan."))
            return redirect_after_post(request, _plan_url(case))
    return _plan_page(request, case, item_form=form, status=400)


def _plan_step(request: HttpRequest, case: ProtectionCase, step: Any, done: str) -> HttpResponse:
    """A plan step without a form of its own: on refusal the page says why, above the plan."""
    try:
        step()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _plan_page(request, case, status=400)
    messages.success(request, done)
    return redirect_after_post(request, _plan_url(case))


@login_required
@require_POST
@idempotency.idempotent
def plan_remove(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.PLAN)
    item = str(request.POST.get("item", ""))
    return _plan_step(
        request,
        case,
        lambda: services.plan_service_remove(actor=user, case=case, item_uuid=item),
        _("The service is taken off the plan."),
    )


@login_required
@require_POST
@idempotency.idempotent
def plan_submit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.PLAN)
    return _plan_step(
        request,
        case,
        lambda: services.plan_submit(actor=user, case=case),
        _("The plan is sent to a case supervisor for approval."),
    )


@login_required
@require_POST
@idempotency.idempotent
def plan_decision(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.APPROVE)
    form = PlanDecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.plan_decide(actor=user, case=case, approve=approve, note=form.cleaned_data.get("note") or "")
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The plan is approved.") if approve else _("The plan is returned for changes."))
            return redirect_after_post(request, _plan_url(case))
    return _plan_page(request, case, decision_form=form, status=400)


@login_required
@require_POST
@idempotency.idempotent
def service_delivered(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Record a service delivered: to a case of one's own organisation, or, for a partner, to a case referred
    to it (the service checks the referral shares the service plan)."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid)
    own = case.organisation_id == getattr(access.membership_for(user), "organisation_id", None)
    if own:
        case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.RECORD_SERVICE)
    form = DeliveryForm(request.POST, user=user)
    if form.is_valid():
        try:
            if own:
                services.delivery_record(actor=user, case=case, data=form.to_input())
            else:
                services.delivery_record_referred(actor=user, case=case, data=form.to_input())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The service delivered is recorded."))
            return redirect_after_post(request, _plan_url(case))
    return _plan_page(request, case, delivery_form=form, status=400)


# ---------------------------------------------------------------- placements and reintegration
def _reintegration_page(request: HttpRequest, case: ProtectionCase, status: int = 200, **forms_: Any) -> HttpResponse:
    user = user_of(request)
    indicators = list(selectors.sustainability_indicators())
    visits = selectors.follow_ups(user=user, case=case)
    shared = selectors.shared_sections(user=user, case=case)
    context = {
        "case": case,
        "section_shared": shared is None or SECTION_FOLLOW_UPS in shared,
        "stage_label": Stage(case.stage).label,
        "stages": selectors.stage_steps(user=user, case=case),
        "placements": selectors.placements(user=user, case=case),
        "visits": visits,
        "chart": selectors.score_chart(visits),
        "closure_label": ClosureReason(case.closure_reason).label if case.closure_reason else "",
        "placement_form": forms_.get("placement_form") or PlacementForm(),
        "return_form": forms_.get("return_form") or ReturnHomeForm(),
        "visit_form": forms_.get("visit_form") or VisitForm(indicators=indicators),
        "closure_form": forms_.get("closure_form") or ClosureForm(),
        "closure_decision_form": forms_.get("closure_decision_form") or ClosureDecisionForm(),
        **selectors.context_flags(user, case),
    }
    context["all_forms"] = [context[n] for n in ("placement_form", "return_form", "visit_form", "closure_form")]
    return render_page(request, "protection/case_reintegration.html", context, status=status)


def _reintegration_url(case: ProtectionCase) -> str:
    return reverse("protection:case_reintegration", args=[case.uuid])


@login_required
@require_GET
def case_reintegration(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Placements, the lifecycle stage and its steps, the return home, the follow-up visits with their scores
    over time, and the closure."""
    case = selectors.case_for_user(user=user_of(request), uuid=uuid)
    return _reintegration_page(request, case)


def _follow_up_form(
    request: HttpRequest,
    uuid: UUID,
    form_class: Any,
    name: str,
    save: Any,
    done: str,
    capability: str = C.FOLLOW_UP,
    **form_kwargs: Any,
) -> HttpResponse:
    """A reintegration form: parse, call the service, back to the page (or the form again with its errors)."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, capability)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            save(user, case, form)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect_after_post(request, _reintegration_url(case))
    return _reintegration_page(request, case, status=400, **{name: form})


@login_required
@require_POST
@idempotency.idempotent
def placement_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _follow_up_form(
        request,
        uuid,
        PlacementForm,
        "placement_form",
        lambda user, case, form: services.placement_record(actor=user, case=case, data=form.to_input()),
        _("The placement is recorded."),
    )


@login_required
@require_POST
@idempotency.idempotent
def return_home(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _follow_up_form(
        request,
        uuid,
        ReturnHomeForm,
        "return_form",
        lambda user, case, form: services.return_home(
            actor=user, case=case, returned_on=form.cleaned_data["returned_on"]
        ),
        _("The return home is recorded and the follow-up visits are scheduled."),
    )


@login_required
@require_POST
@idempotency.idempotent
def visit_record(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _follow_up_form(
        request,
        uuid,
        VisitForm,
        "visit_form",
        lambda user, case, form: services.follow_up_record(actor=user, case=case, data=form.to_input()),
        _("The follow-up visit is recorded."),
        indicators=list(selectors.sustainability_indicators()),
    )


@login_required
@require_POST
@idempotency.idempotent
def closure_request(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _follow_up_form(
        request,
        uuid,
        ClosureForm,
        "closure_form",
        lambda user, case, form: services.closure_request(
            actor=user,
            case=case,
            reason=form.cleaned_data["closure_reason"],
            note=form.cleaned_data.get("note") or "",
        ),
        _("The closure is asked for. A case supervisor approves it."),
    )


@login_required
@require_POST
@idempotency.idempotent
def closure_decision(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _follow_up_form(
        request,
        uuid,
        ClosureDecisionForm,
        "closure_decision_form",
        lambda user, case, form: services.closure_decide(
            actor=user,
            case=case,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data.get("note") or "",
        ),
        _("The decision on the closure is saved."),
        capability=C.APPROVE,
    )


def _step_or_stage(request: HttpRequest, uuid: UUID, action: Any, done: str) -> HttpResponse:
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid, write=True)
    access.require(user, C.FOLLOW_UP)
    try:
        action(user, case)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _reintegration_page(request, case, status=400)
    messages.success(request, done)
    return redirect_after_post(request, _reintegration_url(case))


@login_required
@require_POST
@idempotency.idempotent
def step_done(request: HttpRequest, uuid: UUID) -> HttpResponse:
    form = StepForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return _step_or_stage(
        request,
        uuid,
        lambda user, case: services.step_complete(
            actor=user, case=case, step=data.get("step") or "", done_on=data.get("done_on"), note=data.get("note") or ""
        ),
        _("The step is recorded as done."),
    )


@login_required
@require_POST
@idempotency.idempotent
def stage_next(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _step_or_stage(
        request,
        uuid,
        lambda user, case: services.stage_advance(actor=user, case=case),
        _("The case has moved on to its next stage."),
    )


# ---------------------------------------------------------------- the printable case file (item 8)
def case_file_context(user: Any, case: ProtectionCase) -> dict[str, Any]:
    """What the case file's template is given for this reader (selectors.case_file, in the reader's words)."""
    context = selectors.case_file(user=user, case=case)
    return {
        **context,
        "context_facts": _context_facts(context["victim_context"]),
        "steps": _events_shown(context["trafficking_events"]),
        "stage_label": Stage(case.stage).label if case.stage in Stage.values else case.stage,
        "reader": user,
        "printed": timezone.localdate(),
    }


@login_required
@require_GET
def case_file(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The case's summary as a PDF for a court or a shelter: only what the reader may see (identity for a
    role that reads it, the sections a referral shares to a partner), its download written to the audit log."""
    user = user_of(request)
    case = selectors.case_for_user(user=user, uuid=uuid)
    context = case_file_context(user, case)
    content = pdf.render("protection/case_file_pdf.html", context)
    services.case_file_downloaded(actor=user, case=case, sections=context["sections"])
    answer = HttpResponse(content, content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{case.number}.pdf"'
    answer["Cache-Control"] = "no-store"
    return answer
