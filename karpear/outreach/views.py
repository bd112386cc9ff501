"""Pages of the outreach app: the public safe-migration portal (no login) and the staff's triage of help requests.

The portal's rules (issue 14, "Privacy and safety"): no account, no session and no tracking cookie (the
language cookie is set only when the visitor chooses a language), nothing loaded from another site (core's
CSP), a quick-exit button on every page, Khmer unless the visitor chose English (the browser's language is not
asked: a shared or second-hand phone often says English to someone who reads only Khmer).

The two public forms (help request, status by code) are exempt from Django's CSRF check, which needs a cookie:
they act for nobody (no session, no account), so a forged submission from another site could do nothing a
script posting directly could not. What protects them instead: the browser's Origin / Sec-Fetch-Site headers
(a cross-site post is refused), a honeypot field and a minimum fill time, the one-time form key (a double
submit saves once) and rate limits per address, counted in the database (core.ratelimit).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access, audit, countries, idempotency, public_cache, ratelimit
from karpear.core.middleware import client_ip
from karpear.core.models import Commune, District, Province
from karpear.core.place_picker import place_picker
from karpear.core.templatetags.karpear import local_digits
from karpear.core.web import form_errors, page_of, redirect_after_post, render_page, user_of
from karpear.outreach import jobcheck, selectors, services
from karpear.outreach.declarations import OutreachCapability
from karpear.outreach.forms import (
    ActivityForm,
    CodeForm,
    GrievanceAnswerForm,
    GrievanceCloseForm,
    GrievanceForm,
    GrievanceRaiseForm,
    GrievanceToldForm,
    HelpRequestForm,
    JobCheckForm,
    TriageForm,
    VolunteerForm,
    per_visit_values,
)
from karpear.outreach.models import Activity, Channel, Grievance, GrievanceStep, HelpRequest, Topic, Volunteer

C = OutreachCapability


def submit_rate() -> ratelimit.Rate:
    """Per address: a person sends a request or two; a script sending 50 a minute is stopped after the fifth
    (KARPEAR_OUTREACH_SUBMIT_RATE, 5/hour)."""
    return ratelimit.parse_rate(settings.OUTREACH_SUBMIT_RATE)


def lookup_rate() -> ratelimit.Rate:
    """Per address: a person mistypes a code a few times; trying codes in bulk is stopped, and audited
    (KARPEAR_OUTREACH_LOOKUP_RATE, 10/10m)."""
    return ratelimit.parse_rate(settings.OUTREACH_LOOKUP_RATE)


type View = Callable[..., HttpResponse]


def portal_page(view: View) -> View:
    """A page of the public portal: in the visitor's chosen language, else Khmer; no referrer sent to other sites."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else "km"
        if request.user.is_authenticated:
            language = getattr(request.user, "language", "") or language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        # The quick exit and outside links tell nobody where the visitor was (our own pages still see it).
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def _same_site(request: HttpRequest) -> bool:
    """Whether a POST comes from one of our own pages, by the headers browsers send: Sec-Fetch-Site where
    the browser sends it (every current one), else the Origin (absent or "null" from old browsers and some
    privacy settings: then the other protections alone apply)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin", "null")
    return origin == "null" or urlsplit(origin).netloc == request.get_host()


def _over_limit(request: HttpRequest, what: str, rate: ratelimit.Rate) -> int:
    """Count this request against the address's allowance; the seconds to wait when it is used up, else 0."""
    counted = ratelimit.hit(f"outreach-{what}:{services.address_key(client_ip(request))}", seconds=rate.seconds)
    return ratelimit.seconds_left(rate.seconds) if counted > rate.limit else 0


def _too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    wait = ratelimit.minutes(seconds)
    message = ngettext(
        "Too many attempts from your network. Please wait %(m)s minute and try again, or call a hotline.",
        "Too many attempts from your network. Please wait %(m)s minutes and try again, or call a hotline.",
        wait,
    ) % {"m": local_digits(wait)}
    response = render(request, "outreach/portal/refused.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _cross_site(request: HttpRequest) -> HttpResponse:
    message = _("This form can only be sent from this website. Open it again here and send it once more.")
    return render(request, "outreach/portal/refused.html", {"message": message}, status=403)


# ---------------------------------------------------------------- the public portal
@public_cache.public_page()
@require_GET
@portal_page
def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/portal/home.html", {"topics": selectors.topics()})


@public_cache.public_page()
@require_GET
@portal_page
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = selectors.topic(slug)
    if topic is None:
        raise Http404
    context: dict[str, Any] = {"topic": topic, "paragraphs": _paragraphs(topic.body)}
    if topic.slug == Topic.Slug.PASSPORT:
        context["fees"] = selectors.passport_fees()
        context["offices"] = selectors.passport_offices()
    return render(request, "outreach/portal/topic.html", context)


def _paragraphs(body: str) -> list[dict[str, Any]]:
    """Plain text into paragraphs and lists: a blank line separates paragraphs, "- " starts a list item."""
    blocks = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not lines:
            continue
        items = [line[2:].strip() for line in lines if line.startswith("- ")]
        text = " ".join(line for line in lines if not line.startswith("- "))
        blocks.append({"text": text, "items": items})
    return blocks


def _chosen[M: (Province, District, Commune)](model: type[M], value: str, **within: Any) -> M | None:
    if not value or not value.isdigit() or len(value) > 8:
        return None
    return model.objects.filter(pk=value, **within).first()


@public_cache.public_page(query=("province", "district", "commune"))
@require_GET
@portal_page
def who_can_help(request: HttpRequest) -> HttpResponse:
    """Who can help, by the visitor's province, district and commune: chosen one level at a time with plain
    forms (no script), each level listed once the one above it is chosen."""
    province = _chosen(Province, request.GET.get("province", ""))
    district = _chosen(District, request.GET.get("district", ""), province=province) if province else None
    commune = _chosen(Commune, request.GET.get("commune", ""), district=district) if district else None
    km = translation.get_language() == "km"

    def named(rows: Any) -> list[tuple[str, str]]:
        return [(row.code, row.name_km if km else row.name_en) for row in rows]

    context = {
        "province": province,
        "district": district,
        "commune": commune,
        "provinces": named(Province.objects.order_by("code")),
        "districts": named(province.districts.order_by("code")) if province else [],
        "communes": named(district.communes.order_by("code")) if district else [],
        "contacts": selectors.contacts_for_place(province=province, district=district, commune=commune),
        "km": km,
    }
    return render(request, "outreach/portal/who_can_help.html", context)


@public_cache.public_page(query=jobcheck.SIGN_CODES)
@require_GET
@portal_page
def job_check(request: HttpRequest) -> HttpResponse:
    """The questionnaire, and once answered its result on the same page. Sent by GET, stored nowhere."""
    answered = bool(set(request.GET) & set(jobcheck.SIGN_CODES))
    form = JobCheckForm(request.GET if answered else None)
    context: dict[str, Any] = {"form": form, "answered": False}
    if answered and form.is_valid():
        answers = form.answers()
        context.update(
            answered=True,
            warnings=jobcheck.warning_signs(answers),
            unsure=jobcheck.unanswered(answers),
        )
    return render(request, "outreach/portal/job_check.html", context)


@public_cache.public_page(fresh=per_visit_values)  # the empty form (a GET); its start time and key per visit
@csrf_exempt  # see the module's docstring: no cookie, the Origin check, honeypot, timer, key and rate limit
@require_http_methods(["GET", "POST"])
@portal_page
def help_request(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not _same_site(request):
            return _cross_site(request)
        if wait := _over_limit(request, "help", submit_rate()):
            return _too_many(request, wait)
        form = HelpRequestForm(request.POST)
        if form.is_valid():
            try:
                submitted = services.help_request_submit(key=form.cleaned_data["key"], data=form.to_input())
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                context = {"code": services.grouped(submitted.code), "again": not submitted.created}
                return render(request, "outreach/portal/help_sent.html", context)
    else:
        form = HelpRequestForm()
    response = render(request, "outreach/portal/help_request.html", {"form": form}, status=400 if form.errors else 200)
    if not form.is_bound:
        public_cache.per_visit(response, started=form.initial["started"], key=form.initial["key"])
    return response


@public_cache.public_page()  # the empty form (a GET); a code's status is a POST, never kept
@csrf_exempt  # as help_request: no cookie; a code travels in a POST, never in an address or the history
@require_http_methods(["GET", "POST"])
@portal_page
def help_status(request: HttpRequest) -> HttpResponse:
    """The status of a help request by its tracking code: the status alone, never what was written."""
    context: dict[str, Any] = {}
    if request.method == "POST":
        if not _same_site(request):
            return _cross_site(request)
        if wait := _over_limit(request, "code", lookup_rate()):
            return _too_many(request, wait)
        form = CodeForm(request.POST)
        if form.is_valid():
            found = selectors.help_request_status(form.cleaned_data["code"])
            if found is None:
                form.add_error("code", _("No request has this code. Check the digits and try again."))
            else:
                context["status"] = found.get_status_display()
                context["triaged"] = found.status == HelpRequest.Status.TRIAGED
                form = CodeForm()
    else:
        form = CodeForm()
    context["form"] = form
    return render(request, "outreach/portal/help_status.html", context, status=400 if form.errors else 200)


@require_GET
def portal_language(request: HttpRequest, language: str) -> HttpResponse:
    """Show the portal in Khmer or English: the one cookie the portal sets, and only when asked."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("outreach:portal_home")
    response = HttpResponseRedirect(target)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
        )
    return response


# ---------------------------------------------------------------- staff: triage
@login_required
@require_GET
def help_request_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_HELP_REQUEST)
    waiting = request.GET.get("waiting") == "1"
    page = page_of(request, selectors.help_requests(user=user, waiting=waiting))
    return render_page(
        request, "outreach/help_request_list.html", {"page": page, "waiting": waiting}, partial="results"
    )


@login_required
@require_GET
def help_request_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    user = user_of(request)
    help_req = access.get_for_user(user, HelpRequest, uuid)
    form = TriageForm(
        initial={"outcome": help_req.outcome or None, "note": help_req.triage_note, "root_causes": help_req.root_causes}
    )
    audit.record(actor=user, action="view", obj=help_req)
    return _detail(request, help_req, form)


@login_required
@require_POST
def help_request_triage(request: HttpRequest, uuid: str) -> HttpResponse:
    user = user_of(request)
    help_req = access.get_for_user(user, HelpRequest, uuid, write=True)
    form = TriageForm(request.POST)
    if form.is_valid():
        try:
            services.help_request_triage(
                actor=user,
                request=help_req,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                root_causes=list(form.cleaned_data.get("root_causes") or []),
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The help request was triaged."))
            return redirect_after_post(request, reverse("outreach:help_request_list"))
    return _detail(request, help_req, form)


def _detail(request: HttpRequest, help_req: HelpRequest, form: TriageForm) -> HttpResponse:
    user = user_of(request)
    context = {
        "help_request": help_req,
        "form": form,
        "country": countries.name(help_req.country) if help_req.country else "",
        "can_triage": access.can(user, C.TRIAGE_HELP_REQUEST, help_req),
        "grievance": selectors.grievance_from(user=user, help_request=help_req),
        "can_open_grievance": access.has_capability(user, C.CHANGE_GRIEVANCE),
    }
    return render(request, "outreach/help_request_detail.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------- staff: grievances
def _parse_level(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and int(raw) in Grievance.Level.values else None


@login_required
@require_GET
def grievance_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_GRIEVANCE)
    open_only = request.GET.get("open") == "1"
    level = _parse_level(request.GET.get("level", ""))
    page = page_of(request, selectors.grievances(user=user, open_only=open_only, level=level))
    summary = selectors.grievance_summary(user=user)
    context = {
        "page": page,
        "open_only": open_only,
        "level": level,
        "levels": Grievance.Level.choices,
        "summary": summary,
        "open_levels": [
            (label, summary.by_level[value]) for value, label in Grievance.Level.choices if summary.by_level[value]
        ],
        "can_add": access.has_capability(user, C.CHANGE_GRIEVANCE),
    }
    return render_page(request, "outreach/grievance_list.html", context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def grievance_new(request: HttpRequest) -> HttpResponse:
    """Record a grievance brought in person, by phone, by a volunteer, or from a triaged help request."""
    user = user_of(request)
    access.require(user, C.CHANGE_GRIEVANCE)
    source = request.POST.get("from") if request.method == "POST" else request.GET.get("from")
    help_req = access.get_for_user(user, HelpRequest, source, write=True) if source else None
    if request.method == "POST" and "_place_refresh" not in request.POST:
        form = GrievanceForm(request.POST)
        if form.is_valid():
            try:
                grievance = services.grievance_record(actor=user, data=form.to_input(), help_request=help_req)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The grievance %(ref)s is recorded.") % {"ref": grievance.reference})
                return redirect_after_post(request, reverse("outreach:grievance_detail", args=[grievance.uuid]))
        picker_data: Any = request.POST
    elif request.method == "POST":
        form, picker_data = GrievanceForm(initial=request.POST.dict()), request.POST
    else:
        initial: dict[str, Any] = {"received_on": timezone.localdate()}
        if help_req is not None:
            initial.update(
                description=help_req.message,
                country=help_req.country,
                employer=help_req.employer,
                channel=Channel.PORTAL,
                province=help_req.province_id or "",
                root_causes=help_req.root_causes,
                about=Grievance.About.WORKER if help_req.about == HelpRequest.About.MYSELF else Grievance.About.FAMILY,
            )
            if not help_req.anonymous:
                initial.update(complainant=help_req.name, phone=help_req.phone)
        form, picker_data = GrievanceForm(initial=initial), initial
    context = {
        "form": form,
        "help_request": help_req,
        "picker": place_picker(picker_data, form=form, user=user, legend=_("Where the complainant lives")),
    }
    return render_page(request, "outreach/grievance_form.html", context, status=400 if form.errors else 200)


def _grievance_page(
    request: HttpRequest, grievance: Grievance, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    can_change = access.can(user, C.CHANGE_GRIEVANCE, grievance)
    is_open = grievance.status == Grievance.Status.OPEN
    today = timezone.localdate()
    forms = forms or {}
    context = {
        "grievance": grievance,
        "steps": selectors.grievance_steps(user=user, grievance=grievance),
        "country": countries.name(grievance.country) if grievance.country else "",
        "can_change": can_change,
        "is_open": is_open,
        "raise_form": forms.get("raise") or GrievanceRaiseForm(initial={"level": grievance.level, "raised_on": today}),
        "answer_form": forms.get("answer") or GrievanceAnswerForm(initial={"responded_on": today}),
        "answer_step": forms.get("answer_step"),
        "close_form": forms.get("close") or GrievanceCloseForm(initial={"closed_on": today, "documents_returned": 0}),
        "told_form": forms.get("told") or GrievanceToldForm(initial={"told_on": today}),
    }
    return render(request, "outreach/grievance_detail.html", context, status=status)


@login_required
@require_GET
def grievance_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    user = user_of(request)
    grievance = access.get_for_user(user, Grievance, uuid)
    audit.record(actor=user, action="view", obj=grievance)
    return _grievance_page(request, grievance)


def _grievance_post(
    request: HttpRequest,
    uuid: str,
    name: str,
    form_class: type[forms.Form],
    act: Callable[[Any, Grievance, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """A form of the grievance page: checked, its service called, the page again with errors or a redirect."""
    user = user_of(request)
    grievance = access.get_for_user(user, Grievance, uuid, write=True)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(user, grievance, form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect_after_post(request, reverse("outreach:grievance_detail", args=[grievance.uuid]))
    return _grievance_page(request, grievance, {name: form}, status=400)


@login_required
@require_POST
@idempotency.idempotent
def grievance_raise(request: HttpRequest, uuid: str) -> HttpResponse:
    return _grievance_post(
        request,
        uuid,
        "raise",
        GrievanceRaiseForm,
        lambda user, g, d: services.grievance_raise(actor=user, grievance=g, **d),
        _("The grievance was raised."),
    )


@login_required
@require_POST
@idempotency.idempotent
def grievance_answer(request: HttpRequest, uuid: str, step: str) -> HttpResponse:
    user = user_of(request)
    grievance = access.get_for_user(user, Grievance, uuid, write=True)
    found = access.get_for_user(user, GrievanceStep, step, write=True)
    if found.grievance_id != grievance.pk:
        raise Http404
    form = GrievanceAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.grievance_step_answer(actor=user, step=found, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The answer was recorded."))
            return redirect_after_post(request, reverse("outreach:grievance_detail", args=[grievance.uuid]))
    return _grievance_page(request, grievance, {"answer": form, "answer_step": found}, status=400)


@login_required
@require_POST
@idempotency.idempotent
def grievance_close(request: HttpRequest, uuid: str) -> HttpResponse:
    return _grievance_post(
        request,
        uuid,
        "close",
        GrievanceCloseForm,
        lambda user, g, d: services.grievance_close(
            actor=user,
            grievance=g,
            resolved=d["resolved"],
            resolution=d["resolution"],
            closed_on=d["closed_on"],
            documents_returned=d.get("documents_returned") or 0,
        ),
        _("The grievance was closed."),
    )


@login_required
@require_POST
@idempotency.idempotent
def grievance_told(request: HttpRequest, uuid: str) -> HttpResponse:
    return _grievance_post(
        request,
        uuid,
        "told",
        GrievanceToldForm,
        lambda user, g, d: services.grievance_outcome_told(actor=user, grievance=g, **d),
        _("Recorded: the complainant knows the outcome."),
    )


# ---------------------------------------------------------------- volunteers
@login_required
@require_GET
def volunteer_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_ACTIVITY)
    context = {
        "page": page_of(request, selectors.volunteers(user=user)),
        "can_manage": access.has_capability(user, C.MANAGE_VOLUNTEERS),
    }
    return render_page(request, "outreach/volunteer_list.html", context, partial="results")


def _volunteer_form_page(
    request: HttpRequest, form: VolunteerForm, volunteer: Volunteer | None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    picker = place_picker(
        request.POST if request.method == "POST" else {},
        prefix=VolunteerForm.AREA_PREFIX,
        legend=_("Add a commune"),
        form=form.area if form.is_bound else None,
        user=user,
    )
    context = {"form": form, "volunteer": volunteer, "picker": picker}
    return render_page(request, "outreach/volunteer_form.html", context, status=status)


def _volunteer_save(request: HttpRequest, volunteer: Volunteer | None) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        form = VolunteerForm(request.POST)
        if "_place_refresh" not in request.POST and form.is_valid():
            try:
                saved = services.volunteer_save(actor=user, data=form.to_input(), volunteer=volunteer)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The volunteer is saved."))
                return redirect_after_post(request, reverse("outreach:volunteer_detail", args=[saved.uuid]))
        return _volunteer_form_page(request, form, volunteer, status=400 if form.errors else 200)
    initial: dict[str, Any] = {"recruited_on": timezone.localdate(), "is_active": True}
    if volunteer is not None:
        initial = {
            "name": volunteer.name,
            "sex": volunteer.sex,
            "phone": volunteer.phone,
            "recruited_on": volunteer.recruited_on,
            "trained_on": volunteer.trained_on,
            "username": volunteer.user.get_username() if volunteer.user else "",
            "communes": [c.code for c in volunteer.communes.all()],
            "is_active": volunteer.is_active,
        }
    return _volunteer_form_page(request, VolunteerForm(initial=initial), volunteer)


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def volunteer_new(request: HttpRequest) -> HttpResponse:
    access.require(user_of(request), C.MANAGE_VOLUNTEERS)
    return _volunteer_save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def volunteer_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    volunteer = access.get_for_user(user_of(request), Volunteer, uuid, write=True)
    return _volunteer_save(request, volunteer)


@login_required
@require_GET
def volunteer_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    user = user_of(request)
    volunteer = access.get_for_user(user, Volunteer, uuid)
    rows = selectors.activities(user=user, volunteer=volunteer)
    context = {
        "volunteer": volunteer,
        "communes": list(volunteer.communes.select_related("district__province")),
        "reach": selectors.reach(rows),
        "activities": list(rows[:20]),
        "can_manage": access.can(user, C.MANAGE_VOLUNTEERS, volunteer),
    }
    return render(request, "outreach/volunteer_detail.html", context)


# ---------------------------------------------------------------- sessions, workshops, events, home visits
ACTIVITIES = UUID("6b3c1d0e-2f4a-4b8e-9d7c-5a1e3f2b8c40")  # the namespace of activity submissions


def _activity_submission(request: HttpRequest, user: Any) -> UUID | None:
    """The activity's submission key from the form's one-time key: a queued form sent again is saved once,
    even after the key's own record has expired (as protection's group arrivals)."""
    key = str(request.POST.get(idempotency.FIELD, ""))
    return uuid5(ACTIVITIES, f"{user.pk}:{key}") if idempotency.valid_key(key) else None


def _parse_date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_ACTIVITY)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Activity.Kind.values else ""
    since, until = _parse_date(request.GET.get("since", "")), _parse_date(request.GET.get("until", ""))
    rows = selectors.activities(user=user, kind=kind, since=since, until=until)
    context = {
        "page": page_of(request, rows),
        "reach": selectors.reach(rows),
        "kind": kind,
        "kinds": Activity.Kind.choices,
        "since": since,
        "until": until,
        "can_add": access.has_capability(user, C.RECORD_ACTIVITY),
        "can_see_volunteers": access.has_capability(user, C.MANAGE_VOLUNTEERS),
    }
    return render_page(request, "outreach/activity_list.html", context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.offline_page
@idempotency.idempotent
def activity_new(request: HttpRequest) -> HttpResponse:
    """Record a session, workshop, training, event or home visits; opens and queues with no signal."""
    user = user_of(request)
    access.require(user, C.RECORD_ACTIVITY)
    volunteers = selectors.active_volunteers(user=user) if access.has_capability(user, C.MANAGE_VOLUNTEERS) else None
    if request.method == "POST" and "_place_refresh" not in request.POST:
        form = ActivityForm(request.POST, volunteers=volunteers)
        if form.is_valid():
            try:
                activity = services.activity_record(
                    actor=user, data=form.to_input(), submission=_activity_submission(request, user)
                )
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The activity is recorded."))
                return redirect_after_post(request, reverse("outreach:activity_detail", args=[activity.uuid]))
        picker_data: Any = request.POST
    elif request.method == "POST":
        form, picker_data = ActivityForm(initial=request.POST.dict(), volunteers=volunteers), request.POST
    else:
        form, picker_data = ActivityForm(initial={"held_on": timezone.localdate()}, volunteers=volunteers), {}
    context = {
        "form": form,
        "picker": place_picker(picker_data, form=form, user=user, legend=_("Where it was held")),
    }
    return render_page(request, "outreach/activity_form.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def activity_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    user = user_of(request)
    activity = access.get_for_user(user, Activity, uuid)
    return render(request, "outreach/activity_detail.html", {"activity": activity})
