"""Pages of the matching app: the likely matches to review (and their clusters), a pair to decide on, the
check of one person, the inquiries other organisations sent, and the organisation-wide check. Views parse,
call services or selectors, and render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access
from karpear.core import services as core_services
from karpear.core.models import Person, User
from karpear.core.roles import Capability
from karpear.core.web import page_of, redirect_after_post, render_page, user_of
from karpear.matching import lists, selectors, services
from karpear.matching.models import MatchInquiry, MatchPair


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    """The likely matches waiting for a decision, best first, grouped into clusters; and the inquiries."""
    user = user_of(request)
    access.require(user, Capability.REVIEW_DUPLICATES)
    return render_page(request, "matching/review_list.html", _review_context(request, user))


def _review_context(request: HttpRequest, user: User, **extra: Any) -> dict[str, Any]:
    return {
        "clusters": selectors.clusters(user=user),
        "decided": page_of(request, selectors.pairs_to_review(user=user, status=MatchPair.Status.SAME), size=10),
        "inquiries": selectors.inquiries(user=user)[:50],
        "list_formats": (("xlsx", "Excel (XLSX)"), ("csv", "CSV"), ("json", "JSON")),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def pair_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Compare two people found likely to be the same, with the evidence; decide same or different."""
    user = user_of(request)
    pair = selectors.pair_for_page(user=user, uuid=uuid)
    error = ""
    if request.method == "POST":
        try:
            services.decide(actor=user, pair=pair, decision=request.POST.get("decision", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect_after_post(request, reverse("matching:review_list"))
    pair = selectors.pair_for_page(user=user, uuid=uuid)
    context = {
        "pair": pair,
        "people": (pair.person, pair.other),
        "evidence": [
            {"label": selectors.EVIDENCE_LABELS.get(level, level), "weight": weight}
            for _comparison, level, weight in pair.evidence
        ],
        "error": error,
    }
    return render_page(request, "matching/pair_detail.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def person_check(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Check one person for likely matches, on demand (a case supervisor)."""
    user = user_of(request)
    access.require(user, Capability.REVIEW_DUPLICATES)
    person = access.get_for_user(user, Person, uuid)
    result = None
    if request.method == "POST":
        result = services.check_person(actor=user, person=person)
    context = {"person": person, "result": result, "linked": selectors.linked_people(user=user, person=person)}
    return render_page(request, "matching/person_check.html", context)


@login_required
@require_POST
def person_ask(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Ask the other organisations holding a likely match to refer the person (they are not named)."""
    user = user_of(request)
    access.require(user, Capability.REVIEW_DUPLICATES)
    person = access.get_for_user(user, Person, uuid)
    services.ask_elsewhere(actor=user, person=person)
    messages.success(
        request,
        _(
            "Your request is sent. If the other organisation refers the person to you, the referral will appear in your referrals."
        ),
    )
    return redirect_after_post(request, reverse("matching:person_check", args=[person.uuid]))


@login_required
@require_POST
def inquiry_done(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    inquiry = access.get_for_user(user, MatchInquiry, uuid)
    try:
        services.inquiry_answered(actor=user, inquiry=inquiry)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect_after_post(request, reverse("matching:review_list"))


@login_required
@require_POST
def batch_start(request: HttpRequest) -> HttpResponse:
    """Start the organisation-wide check (a background job; its page shows the progress)."""
    user = user_of(request)
    fmt = request.POST.get("format", "xlsx")
    try:
        job = core_services.export_request(actor=user, kind="matching_clusters", fmt=fmt)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect_after_post(request, reverse("matching:review_list"))
    return redirect_after_post(request, reverse("job_detail", args=[job.uuid]))


@login_required
@require_POST
def list_start(request: HttpRequest) -> HttpResponse:
    """Start the check of an uploaded list of people (a background job; its page shows the progress). A file
    that cannot be read is refused with a message on the review page; nothing is kept of it."""
    user = user_of(request)
    access.require(user, Capability.REVIEW_DUPLICATES)
    upload = request.FILES.get("list")
    try:
        if upload is None:
            raise ValidationError(_("Choose the file of the list."))
        content = upload.read(lists.MAX_BYTES + 1)
        job = services.list_check_request(
            actor=user, name=upload.name or "", content=content, fmt=request.POST.get("format", "xlsx")
        )
    except ValidationError as exc:
        context = _review_context(
            request, user, list_error=" ".join(exc.messages), list_format=request.POST.get("format", "xlsx")
        )
        return render_page(request, "matching/review_list.html", context, status=400)
    return redirect_after_post(request, reverse("job_detail", args=[job.uuid]))


@login_required
@require_GET
def list_template(request: HttpRequest) -> HttpResponse:
    """A CSV with the columns a list of people may have, and one example row."""
    access.require(user_of(request), Capability.REVIEW_DUPLICATES)
    response = HttpResponse(lists.template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="karpear-list-of-people.csv"'
    return response
