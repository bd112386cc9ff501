"""Pages of the core app. Each view parses input, calls one service or selector, and renders.

A view answers an htmx request with the page's partial ("page.html#name") and a normal request with the
whole page, so every page also works without script.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from karpear.core import access, audit, countries, idempotency, ratelimit, registry, selectors, services
from karpear.core.forms import ConsentForm, ExportForm, MemberForm, PeopleFilterForm, PersonForm, PhotoForm
from karpear.core.models import Person, User
from karpear.core.place_picker import place_picker as build_place_picker
from karpear.core.places import search_places
from karpear.core.roles import Capability, Role
from karpear.core.templatetags.karpear import phone as phone_display

PAGE_SIZE = 25
HOME_DUPLICATES = 5  # the home page shows the oldest few; the rest are one link away


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _template(request: HttpRequest, page: str, partial: str) -> str:
    htmx = getattr(request, "htmx", None)
    # htmx restoring a page from history (the back button) asks with HX-Request too, but needs the whole page.
    return f"{page}#{partial}" if htmx and not htmx.history_restore_request else page


# ---------------------------------------------------------------- home
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The work list of the user's role."""
    user = _user(request)
    membership = access.membership_for(user)
    context: dict[str, Any] = {
        "role": membership.role if membership else None,
        "memberships": access.memberships_of(user),  # active and accepted: the ones to switch between
        "invitations": selectors.invitation_list(user=user),
    }
    if membership is None:
        return render(request, "core/home.html", context)
    if access.has_capability(user, Capability.VIEW_PERSON):
        context["people"] = selectors.list_identities(user=user, people=list(selectors.person_list(user=user)[:10]))
    if access.has_capability(user, Capability.REVIEW_DUPLICATES):
        context["possible_duplicates"] = list(selectors.possible_duplicates_to_review(user=user)[: HOME_DUPLICATES + 1])
    if access.has_capability(user, Capability.VIEW_ACCESS_LOG):
        context["identity_reads"] = selectors.identity_read_list(user=user, limit=10)
    if access.has_capability(user, Capability.VIEW_PROGRAMMES):
        context["programmes"] = selectors.programme_list(user=user)[:10]
    if access.has_capability(user, Capability.MANAGE_MEMBERS):
        context["members"] = selectors.membership_list(user=user)[:20]
    context["can_add_person"] = access.has_capability(user, Capability.ADD_PERSON)
    context["roles"] = Role
    context["work_lists"] = selectors.work_lists_for(user=user)
    # What an M&E officer or a donor will see here once monitoring counts the records (no empty promise).
    context["awaiting_monitoring"] = membership.role in (Role.ME_OFFICER, Role.PROGRAMME_MANAGER) and not (
        registry.targets_counted()
    )
    return render(request, "core/home.html", context)


# ---------------------------------------------------------------- people
@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require(user, Capability.VIEW_PERSON)
    query = request.GET.get("q", "")[:100]
    filter_form = PeopleFilterForm(request.GET if set(request.GET) & set(PeopleFilterForm.FILTER_FIELDS) else None)
    # A search by name reads identifying details: counted against the user's allowance, and audited.
    script = selectors.name_search_kind(user=user, query=query)
    wait = services.name_search_wait(actor=user, script=script, channel="page") if script else 0
    if wait:
        page = selectors.Window([], 1, False)
    else:
        people = selectors.filter_people(selectors.person_list(user=user, query=query), filter_form.people_filters())
        page = selectors.Window.of(people, request.GET.get("page"), PAGE_SIZE)
        with audit.batched():  # the names shown and the search: two events, one write
            selectors.list_identities(user=user, people=page.object_list)  # names for those who read them
            if script:
                services.name_search_recorded(
                    actor=user, script=script, matches=len(page.object_list), more=page.has_next, channel="page"
                )
    context = {
        "page": page,
        "q": query,
        "filter_form": filter_form,
        "search_refused": ratelimit.name_search_refused_message(wait) if wait else "",
        "can_search_names": access.has_capability(user, Capability.VIEW_IDENTITY),
        "can_export": access.has_capability(user, Capability.EXPORT_PEOPLE),
        "can_add": access.has_capability(user, Capability.ADD_PERSON),
    }
    # htmx swaps only successful answers into the page: the refusal is shown with a 200 there.
    status = 429 if wait and not getattr(request, "htmx", False) else 200
    return render(request, _template(request, "core/person_list.html", "results"), context, status=status)


@login_required
@require_GET
@idempotency.offline_data
def place_picker(request: HttpRequest) -> HttpResponse:
    """A place picker, re-rendered as the user picks a level or types a name (htmx); `?prefix=` names which."""
    prefix = request.GET.get("prefix", "")[:30]
    if prefix and not prefix.replace("_", "").isalnum():
        prefix = ""
    return render(
        request,
        "core/_place_picker.html",
        {"picker": build_place_picker(request.GET, prefix=prefix, user=_user(request))},
    )


@login_required
@require_GET
def place_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:60]
    matches = search_places(query, limit=50) if len(query.strip()) >= 2 else []
    return render(request, _template(request, "core/place_search.html", "results"), {"q": query, "matches": matches})


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.offline_page
@idempotency.idempotent
def person_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require(user, Capability.ADD_PERSON)
    return _person_form(request, user, None)


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def person_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = _user(request)
    person = access.get_person_for_change(user, uuid)
    return _person_form(request, user, person)


def _initial_for(user: User, person: Person) -> dict[str, Any]:
    identity = selectors.person_identity(user=user, person=person, reason="edit")
    initial: dict[str, Any] = {
        "case_number": person.case_number,
        "sex": person.sex,
        "birth_year": person.birth_year,
        "birth_year_estimated": person.birth_year_estimated,
        "province": person.province_id or "",
        "district": person.district_id or "",
        "commune": person.commune_id or "",
        "village": person.village_id or "",
        "household": person.household.uuid if person.household else None,
        "relationship_to_head": person.relationship_to_head,
        "nationality": person.nationality,
    }
    if identity is not None:
        initial.update(
            name_km=identity.name_km,
            name_latin=identity.name_latin,
            date_of_birth=identity.date_of_birth.strftime("%d/%m/%Y") if identity.date_of_birth else "",
            phone=phone_display(identity.phone),
            national_id=identity.national_id,
            passport_number=identity.passport_number,
            mother_name=identity.mother_name,
            address_details=identity.address_details,
            other_names=identity.other_names,
        )
    return initial


def _person_form(request: HttpRequest, user: User, person: Person | None) -> HttpResponse:
    households = selectors.household_list(user=user)
    # Registering asks for names from every role; changing a record shows them only to those who may read them
    # (by role, or the person who registered it, the same day, before a caseworker takes it over: core.access).
    with_identity = person is None or access.may_read_identity(user, person)
    duplicates: list[selectors.DuplicateCandidate] = []
    if request.method == "POST":
        form = PersonForm(request.POST, households=households, with_identity=with_identity)
        refreshing = "_place_refresh" in request.POST
        if refreshing:
            # "Show the places" is not saving: keep what was typed, but report nothing as wrong yet.
            form = PersonForm(initial=request.POST.dict(), households=households)
        if not refreshing and form.is_valid():
            data = form.cleaned_data
            if not data.get("confirm_not_duplicate"):
                duplicates = selectors.person_likely_duplicates(
                    user=user,
                    name_km=data.get("name_km", ""),  # empty for roles that do not see names
                    name_latin=data.get("name_latin", ""),
                    birth_year=data.get("birth_year")
                    or (data["date_of_birth"].year if data.get("date_of_birth") else None),
                    commune_code=data["place"].commune.code if data["place"].commune else "",
                    phone=data.get("phone", ""),
                    national_id=data.get("national_id", ""),
                    passport_number=data.get("passport_number", ""),
                    sex=data.get("sex", ""),
                    mother_name=data.get("mother_name", ""),
                    exclude=person,
                    elsewhere=True,
                )
                if duplicates:
                    idempotency.needs_review(
                        request,
                        _("This may be someone already registered. Open the entry, compare and save it again."),
                    )
            if not duplicates:
                try:
                    if person is None:
                        saved = services.person_create(actor=user, data=form.to_input())
                        messages.success(request, _("Saved. Case number %(number)s.") % {"number": saved.case_number})
                    else:
                        saved = services.person_update(actor=user, person=person, data=form.to_input())
                        messages.success(request, _("Your changes are saved."))
                except ValidationError as exc:
                    for name, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(name if name in form.fields else None, error)
                else:
                    if form.phone_warning:
                        messages.warning(request, form.phone_warning)
                    url = reverse("person_detail", args=[saved.uuid])
                    if getattr(request, "htmx", False):
                        return HttpResponseClientRedirect(url)
                    return redirect(url)
        picker_data: Any = request.POST
    else:
        initial = _initial_for(user, person) if person is not None else {}
        form = PersonForm(initial=initial, households=households, with_identity=with_identity)
        picker_data = {**initial, **request.GET.dict()} if person is not None else request.GET
    context = {
        "form": form,
        "person": person,
        "duplicates": duplicates,
        "picker": build_place_picker(picker_data, form=form, user=user),
    }
    return render(request, "core/person_form.html", context)


@login_required
@require_GET
def person_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = _user(request)
    person = access.get_person_for_user(user, uuid)
    identity = selectors.person_identity(user=user, person=person)
    return render(request, "core/person_detail.html", _detail_context(user, person, identity))


def _detail_context(
    user: User,
    person: Person,
    identity: Any,
    *,
    consent_form: ConsentForm | None = None,
    photo_form: PhotoForm | None = None,
) -> dict[str, Any]:
    can_edit = access.may_change_person(user, person) and person.organisation_id == getattr(
        access.membership_for(user), "organisation_id", None
    )
    reads_identity = access.can(user, Capability.VIEW_IDENTITY, person)
    return {
        "person": person,
        "identity": identity,
        "age": person.age_on(timezone.localdate(), identity.date_of_birth if identity is not None else None),
        "nationality": countries.name(person.nationality),
        "can_edit": can_edit,
        # the registrar's window shows what a volunteer typed, never a photo (photos need view_identity)
        "can_change_photo": can_edit and identity is not None and reads_identity,
        "photo_form": photo_form or PhotoForm(),
        "can_take_over": _can_take_over(user, person),
        "registrar_window": identity is not None and not reads_identity,
        "can_see_log": access.can(user, Capability.VIEW_ACCESS_LOG, person),
        "consents": selectors.consent_list(user=user, person=person),
        "consent_form": consent_form or ConsentForm(organisations=selectors.organisation_list(user=user)),
        "household_members": selectors.household_members(user=user, person=person)[:20],
        **_referral_context(user, person),
    }


@login_required
@require_GET
def person_photo(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The person's photo, for roles that read identifying details, while the photo consent stands; each
    view is audited. Never stored by a browser or a proxy."""
    user = _user(request)
    person = access.get_person_for_user(user, uuid)
    found = selectors.person_photo(user=user, person=person)
    if found is None:
        raise Http404
    photo, content_type = found
    response = FileResponse(photo, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="photo{".png" if content_type == "image/png" else ".jpg"}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def person_photo_change(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Upload (or replace) the person's photo, or remove it ("remove" in the form)."""
    user = _user(request)
    person = access.get_person_for_user(user, uuid, write=True)
    access.require(user, Capability.VIEW_IDENTITY, person)
    if "remove" in request.POST:
        if services.identity_photo_remove(actor=user, person=person):
            messages.success(request, _("The photo is deleted."))
        return redirect("person_detail", uuid=person.uuid)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.identity_photo_set(actor=user, person=person, upload=form.cleaned_data["photo"])
        except ValidationError as exc:
            for error in exc.message_dict.get("photo", exc.messages):
                form.add_error("photo", error)
        else:
            messages.success(request, _("The photo is saved."))
            return redirect("person_detail", uuid=person.uuid)
    identity = selectors.person_identity(user=user, person=person)
    return render(
        request, "core/person_detail.html", _detail_context(user, person, identity, photo_form=form), status=400
    )


def _can_take_over(user: User, person: Person) -> bool:
    """A caseworker may make a record theirs when it is assigned to someone else (or nobody)."""
    return person.assigned_to_id != user.pk and access.can(user, Capability.CHANGE_PERSON, person)


@login_required
@require_POST
@idempotency.idempotent
def person_take_over(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Make the record the user's own: it is assigned to them (and its registrar's window closes)."""
    user = _user(request)
    person = access.get_person_for_user(user, uuid, write=True)
    try:
        services.person_take_over(actor=user, person=person, seen_holder=request.POST.get("holder"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("This record is now yours."))
    return redirect("person_detail", uuid=person.uuid)


def _referral_context(user: User, person: Person) -> dict[str, Any]:
    """The person's referrals the user may see, and whether the user may refer them."""
    from karpear.core import referrals

    own = person.organisation_id == getattr(access.membership_for(user), "organisation_id", None)
    return {
        "referrals": referrals.referrals_of_person(user=user, person=person)[:20],
        "can_refer": own and access.has_capability(user, Capability.REFER_PERSON),
    }


@login_required
@require_POST
@idempotency.idempotent
def person_consent(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Record a consent given or refused for a purpose; the person's own organisation only."""
    user = _user(request)
    person = access.get_person_for_change(user, uuid)
    form = ConsentForm(request.POST, organisations=selectors.organisation_list(user=user))
    if form.is_valid():
        services.consent_record(
            actor=user,
            person=person,
            purpose=form.cleaned_data["purpose"],
            given=form.cleaned_data["given"],
            given_by=form.cleaned_data["given_by"],
            recipient=form.cleaned_data.get("recipient"),
        )
        messages.success(request, _("The consent is recorded."))
        return redirect("person_detail", uuid=person.uuid)
    context = _detail_context(user, person, None, consent_form=form)
    return render(request, "core/person_detail.html", context, status=400)


@login_required
@require_GET
def person_access_log(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = _user(request)
    person = access.get_person_for_user(user, uuid)
    events = selectors.person_access_log(user=user, person=person)
    page = selectors.Window.of(events, request.GET.get("page"), 50)
    return render(request, "core/person_access_log.html", {"person": person, "page": page})


# ---------------------------------------------------------------- possible duplicates
@login_required
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    """The possible duplicates still waiting for a decision, oldest first (case supervisors)."""
    user = _user(request)
    access.require(user, Capability.REVIEW_DUPLICATES)
    page = selectors.Window.of(selectors.possible_duplicates_to_review(user=user), request.GET.get("page"), PAGE_SIZE)
    return render(request, "core/duplicate_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def duplicate_review(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Compare two people flagged as possibly the same, and record "same person" or "different people"."""
    user = _user(request)
    flag = access.get_possible_duplicate_for_user(user, uuid)
    access.require(user, Capability.REVIEW_DUPLICATES, flag)
    error = ""
    if request.method == "POST":
        try:
            services.possible_duplicate_resolve(actor=user, flag=flag, decision=request.POST.get("decision", ""))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("home")
    context = {"flag": flag, "pair": (flag.person, flag.other), "error": error}
    return render(request, "core/duplicate_review.html", context, status=400 if error else 200)


# ---------------------------------------------------------------- exports
@login_required
@require_http_methods(["GET", "POST"])
def person_export(request: HttpRequest) -> HttpResponse:
    """Ask for an export of the people list: what it holds, and the consent override for roles that have it."""
    user = _user(request)
    access.require(user, Capability.EXPORT_PEOPLE)
    with_identity = access.has_capability(user, Capability.VIEW_IDENTITY)
    can_override = with_identity and access.has_capability(user, Capability.OVERRIDE_CONSENT)
    form = ExportForm(
        request.POST if request.method == "POST" else None,
        initial={key: request.GET[key][:100] for key in ("q", *ExportForm.FILTER_FIELDS) if request.GET.get(key)},
        can_override=can_override,
    )
    if request.method == "POST" and form.is_valid():
        job = services.export_people_request(
            actor=user,
            query=form.cleaned_data["q"],
            override_reason=form.override_reason,
            filters=form.people_filters(),
            fmt=form.cleaned_data["format"],
        )
        return redirect("job_detail", uuid=job.uuid)
    return render(request, "core/person_export.html", {"form": form, "with_identity": with_identity})


@login_required
@require_GET
def job_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    job = access.get_export_for_user(_user(request), uuid)
    context = {"job": job, "kind": selectors.export_kind_of(job), "retention_days": selectors.export_retention_days()}
    return render(request, _template(request, "core/job_detail.html", "progress"), context)


@login_required
@require_POST
def job_retry(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """ "Try again" on a failed export: a new export with the same search and filters."""
    user = _user(request)
    job = access.get_export_for_user(user, uuid)
    try:
        job = services.export_retry(actor=user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("job_detail", uuid=job.uuid)


@login_required
@require_GET
def job_download(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = _user(request)
    job = access.get_export_for_user(user, uuid)
    try:
        job = services.export_download(actor=user, job=job)
    except ValidationError as exc:
        raise Http404 from exc
    response = HttpResponse(bytes(job.content or b""), content_type=selectors.export_content_type(job))
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


# ---------------------------------------------------------------- organisations and programmes
@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisation_list(user=_user(request))
    return render(request, "core/organisation_list.html", {"organisations": organisations})


@login_required
@require_GET
def organisation_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = _user(request)
    organisation = access.get_organisation_for_user(user, uuid)
    programmes = selectors.programme_list(user=user).filter(organisation=organisation)
    subgrants = selectors.subgrant_list(user=user).filter(organisation=organisation)
    return render(
        request,
        "core/organisation_detail.html",
        {"organisation": organisation, "programmes": programmes, "subgrants": subgrants},
    )


@login_required
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require(user, Capability.VIEW_PROGRAMMES)
    return render(request, "core/programme_list.html", {"programmes": selectors.programme_list(user=user)})


@login_required
@require_GET
def programme_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = _user(request)
    access.require(user, Capability.VIEW_PROGRAMMES)
    programme = access.get_programme_for_user(user, uuid)
    return render(
        request,
        "core/programme_detail.html",
        {
            "programme": programme,
            "subgrants": selectors.subgrant_list(user=user, programme=programme),
            "targets": selectors.target_list(user=user, programme=programme),
            "targets_counted": registry.targets_counted(),
        },
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on their own; answer from the static files instead of a 404."""
    return redirect(static("favicon.svg"), permanent=True)


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer or a monitor: "ok" when this process answers, without touching the
    database (a database outage shows on the pages that need it). Anonymous, no session, no template: the
    cheapest answer through the whole middleware stack, which is why the benchmarks use it as the trivial page."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A tampered or expired CSRF token: say so in the user's language; nothing was saved."""
    return render(request, "403_csrf.html", status=403)


# ---------------------------------------------------------------- members
@login_required
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require(user, Capability.MANAGE_MEMBERS)
    return render(request, "core/member_list.html", {"members": selectors.membership_list(user=user)})


def _member_form_page(request: HttpRequest, form: MemberForm, member: Any, status: int = 200) -> HttpResponse:
    picker = build_place_picker(
        request.POST if request.method == "POST" else {},
        prefix=MemberForm.AREA_PREFIX,
        legend=_("Add a commune"),
        form=form.area if form.is_bound else None,
    )
    return render(request, "core/member_form.html", {"form": form, "member": member, "picker": picker}, status=status)


def _member_form_refreshed(request: HttpRequest, **kwargs: Any) -> MemberForm:
    """ "Show the places" without script: keep what was typed, report nothing as wrong yet."""
    initial: dict[str, Any] = request.POST.dict()
    initial["communes"] = request.POST.getlist("communes")
    initial["provinces"] = request.POST.getlist("provinces")
    return MemberForm(initial=initial, **kwargs)


def _form_errors(form: Any, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def member_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.require(user, Capability.MANAGE_MEMBERS)
    teams = selectors.team_list(user=user)
    form = MemberForm(request.POST or None, teams=teams)
    if "_place_refresh" in request.POST:
        return _member_form_page(request, _member_form_refreshed(request, teams=teams), None)
    if request.method == "POST" and form.is_valid():
        try:
            membership, password = services.member_add(
                actor=user,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                data=form.to_input(),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if password:
                # Shown once: a repeated submission goes to the member's page, never to the password again.
                idempotency.saved(request, reverse("member_edit", args=[membership.user.uuid]))
                return render(request, "core/member_created.html", {"member": membership, "password": password})
            if membership.pending:
                messages.success(
                    request,
                    _(
                        "%(name)s already has a Karpear account, so they are invited: they become a member once they accept."
                    )
                    % {"name": membership.user.username},
                )
                return redirect("member_list")
            messages.success(request, _("%(name)s is now a member.") % {"name": membership.user.username})
            return redirect("member_list")
    return _member_form_page(request, form, None, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@idempotency.idempotent
def member_edit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = _user(request)
    access.require(user, Capability.MANAGE_MEMBERS)
    membership = access.get_membership_for_user(user, uuid)
    teams = selectors.team_list(user=user)
    initial = {
        "role": membership.role,
        "team": membership.team,
        "place_limited": membership.place_limited,
        "provinces": list(membership.provinces.all()),
        "communes": [c.code for c in membership.communes.all()],
        "is_active": membership.is_active,
    }
    form = MemberForm(request.POST or None, initial=initial, teams=teams, editing=True)
    if "_place_refresh" in request.POST:
        return _member_form_page(request, _member_form_refreshed(request, teams=teams, editing=True), membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(actor=user, membership=membership, data=form.to_input())
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("member_list")
    return _member_form_page(request, form, membership, status=400 if form.errors else 200)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


__all__ = ["PermissionDenied"]
