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

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access, audit, countries, ratelimit
from karpear.core.middleware import client_ip
from karpear.core.models import Commune, District, Province
from karpear.core.templatetags.karpear import local_digits
from karpear.core.web import form_errors, page_of, redirect_after_post, render_page, user_of
from karpear.outreach import jobcheck, selectors, services
from karpear.outreach.declarations import OutreachCapability
from karpear.outreach.forms import CodeForm, HelpRequestForm, JobCheckForm, TriageForm
from karpear.outreach.models import HelpRequest, Topic

C = OutreachCapability
# Per address: a person sends a request or two; a script sending 50 a minute is stopped after the fifth.
SUBMIT_RATE = ratelimit.Rate(limit=5, seconds=3600)
# Per address: a person mistypes a code a few times; trying codes in bulk is stopped (and audited).
LOOKUP_RATE = ratelimit.Rate(limit=10, seconds=600)

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
@require_GET
@portal_page
def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/portal/home.html", {"topics": selectors.topics()})


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


@csrf_exempt  # see the module's docstring: no cookie, the Origin check, honeypot, timer, key and rate limit
@require_http_methods(["GET", "POST"])
@portal_page
def help_request(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not _same_site(request):
            return _cross_site(request)
        if wait := _over_limit(request, "help", SUBMIT_RATE):
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
    return render(request, "outreach/portal/help_request.html", {"form": form}, status=400 if form.errors else 200)


@csrf_exempt  # as help_request: no cookie; a code travels in a POST, never in an address or the history
@require_http_methods(["GET", "POST"])
@portal_page
def help_status(request: HttpRequest) -> HttpResponse:
    """The status of a help request by its tracking code: the status alone, never what was written."""
    context: dict[str, Any] = {}
    if request.method == "POST":
        if not _same_site(request):
            return _cross_site(request)
        if wait := _over_limit(request, "code", LOOKUP_RATE):
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
    form = TriageForm(initial={"outcome": help_req.outcome or None, "note": help_req.triage_note})
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
                actor=user, request=help_req, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
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
    }
    return render(request, "outreach/help_request_detail.html", context, status=400 if form.errors else 200)
