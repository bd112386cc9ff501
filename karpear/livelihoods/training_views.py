"""Pages of cascade training and advisors (issue 12, item 6), for a field officer on a phone: a group's
trainings and its model farmers and advisors, one training with its attendance screen (a tick per person), a
model farmer or advisor with the households they reach, and the cascade of the organisation or a programme.
Each page parses input, calls one service or selector, and renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from karpear.core import access
from karpear.core.models import Programme
from karpear.core.web import form_errors, redirect_after_post, render_page, user_of
from karpear.livelihoods import selectors as group_selectors
from karpear.livelihoods import training_selectors as selectors
from karpear.livelihoods import training_services as services
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.forms import today
from karpear.livelihoods.models import FarmerRole, Group, Training
from karpear.livelihoods.training_forms import (
    AttendanceForm,
    EndForm,
    FarmerRoleForm,
    FollowForm,
    TrainingForm,
    VisitForm,
)

DAY = "%d/%m/%Y"


def _can(request: HttpRequest, capability: str) -> bool:
    return access.has_capability(user_of(request), capability)


def _today() -> str:
    return today().strftime(DAY)


def _form_page(
    request: HttpRequest, form: Any, *, group: Group, title: str, save: Callable[[], str], done: str
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            target = save()
            messages.success(request, done)
            return redirect_after_post(request, target)
        except ValidationError as exc:
            form_errors(form, exc)
    context = {"group": group, "form": form, "title": title}
    return render_page(request, "livelihoods/small_form.html", context, status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- a group's trainings and farmers
@login_required
@require_GET
def group_trainings(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = group_selectors.group_for_user(user=user, uuid=uuid)
    context = {
        "group": group,
        "trainings": list(selectors.training_list(user=user, group=group)[:50]),
        "farmers": list(selectors.farmer_roles(user=user, group=group)),
        "can_record": _can(request, C.RECORD_TRAINING) and group.dissolved_on is None,
    }
    return render_page(request, "livelihoods/group_trainings.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def training_create(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = group_selectors.group_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_TRAINING, group)
    farmers = list(selectors.farmer_roles(user=user, kind=FarmerRole.Kind.MODEL_FARMER))
    form = TrainingForm(request.POST or None, initial={"held_on": _today(), "trainer": "staff"}, farmers=farmers)

    def save() -> str:
        training = services.training_record(actor=user, group=group, data=form.to_input(user))
        return reverse("livelihoods:training_attendance", args=[training.uuid])

    return _form_page(
        request, form, group=group, title=_("Record a training"), save=save, done=_("The training is recorded.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def farmer_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    group = group_selectors.group_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_TRAINING, group)
    members = list(group_selectors.members_of(user=user, group=group).select_related("person"))
    form = FarmerRoleForm(request.POST or None, initial={"since": _today()}, members=members)

    def save() -> str:
        data = form.cleaned_data
        role = services.farmer_role_name(
            actor=user, member=form.members[data["member"]], kind=data["kind"], since=data["since"]
        )
        return reverse("livelihoods:farmer_detail", args=[role.uuid])

    return _form_page(
        request,
        form,
        group=group,
        title=_("Name a model farmer or advisor"),
        save=save,
        done=_("The role is saved."),
    )


# ---------------------------------------------------------------- trainings
@login_required
@require_GET
def training_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    access.require(user, C.VIEW_GROUP)
    topic = request.GET.get("topic", "")
    topic = topic if topic in Training.Topic.values else ""
    context = {
        "trainings": list(selectors.training_list(user=user, topic=topic)[:100]),
        "topic": topic,
        "topics": Training.Topic.choices,
    }
    return render_page(request, "livelihoods/training_list.html", context, partial="results")


@login_required
@require_GET
def training_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    training = selectors.training_for_user(user=user, uuid=uuid)
    context = {
        "training": training,
        "group": training.group,
        "attendance": list(selectors.attendance_of(user=user, training=training)),
        "can_record": _can(request, C.RECORD_TRAINING),
    }
    return render_page(request, "livelihoods/training_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def training_attendance(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The attendance screen: one tick per person, the whole list sent at once (sending it again is harmless)."""
    user = user_of(request)
    training = selectors.training_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_TRAINING, training)
    offered = selectors.candidates(user=user, training=training)
    by_key = {str(c.person.uuid): c for c in offered}
    choices = [(key, c.label) for key, c in by_key.items()]
    initial = {"people": [key for key, c in by_key.items() if c.present]}
    form = AttendanceForm(request.POST or None, initial=initial, choices=choices)

    def save() -> str:
        people = [by_key[key].person for key in form.cleaned_data["people"]]
        services.attendance_set(actor=user, training=training, people=people)
        return reverse("livelihoods:training_detail", args=[training.uuid])

    return _form_page(
        request,
        form,
        group=training.group,
        title=_("Who attended: %(topic)s") % {"topic": training.get_topic_display()},
        save=save,
        done=_("The attendance is saved."),
    )


# ---------------------------------------------------------------- model farmers and advisors
@login_required
@require_GET
def farmer_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    role = selectors.farmer_role_for_user(user=user, uuid=uuid)
    is_advisor = role.kind == FarmerRole.Kind.ADVISOR
    context = {
        "role": role,
        "group": role.group,
        "follows": list(selectors.follows_of(user=user, advisor=role)) if is_advisor else [],
        "given": list(selectors.trainings_given(user=user, role=role)[:50]) if not is_advisor else [],
        "attended": list(selectors.trainings_attended(user=user, person=role.person)[:50]),
        "can_record": _can(request, C.RECORD_TRAINING) and role.until is None,
        "end_form": EndForm(initial={"on": _today()}),
        "visit_form": VisitForm(initial={"visited_on": _today()}),
    }
    return render_page(request, "livelihoods/farmer_detail.html", context)


@login_required
@require_POST
def farmer_end(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    role = selectors.farmer_role_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_TRAINING, role)
    form = EndForm(request.POST)

    def save() -> str:
        services.farmer_role_end(actor=user, role=role, on=form.cleaned_data["on"])
        return reverse("livelihoods:farmer_detail", args=[role.uuid])

    return _form_page(request, form, group=role.group, title=_("End the role"), save=save, done=_("The role ended."))


@login_required
@require_http_methods(["GET", "POST"])
def advisor_follow(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    role = selectors.farmer_role_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_TRAINING, role)
    if role.kind != FarmerRole.Kind.ADVISOR:
        raise Http404
    members = list(group_selectors.members_of(user=user, group=role.group).select_related("person"))
    members = [m for m in members if m.person_id != role.person_id]
    form = FollowForm(request.POST or None, initial={"since": _today()}, members=members)

    def save() -> str:
        data = form.cleaned_data
        try:
            services.advisor_follow(
                actor=user, advisor=role, person=form.members[data["member"]].person, since=data["since"]
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                raise ValidationError({"member": exc.messages}) from exc
            raise ValidationError(
                {("member" if key == "person" else key): value for key, value in exc.message_dict.items()}
            ) from exc
        return reverse("livelihoods:farmer_detail", args=[role.uuid])

    return _form_page(
        request,
        form,
        group=role.group,
        title=_("The advisor follows a household"),
        save=save,
        done=_("The household is followed."),
    )


@login_required
@require_POST
def follow_visit(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    follow = selectors.follow_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_TRAINING, follow)
    form = VisitForm(request.POST)

    def save() -> str:
        services.advisor_visit(actor=user, follow=follow, **form.cleaned_data)
        return reverse("livelihoods:farmer_detail", args=[follow.advisor.uuid]) + "#households"

    return _form_page(
        request,
        form,
        group=follow.advisor.group,
        title=_("Record a visit"),
        save=save,
        done=_("The visit is recorded."),
    )


@login_required
@require_POST
def follow_end(request: HttpRequest, uuid: UUID) -> HttpResponse:
    user = user_of(request)
    follow = selectors.follow_for_user(user=user, uuid=uuid)
    access.require(user, C.RECORD_TRAINING, follow)
    form = EndForm(request.POST)

    def save() -> str:
        services.advisor_unfollow(actor=user, follow=follow, on=form.cleaned_data["on"])
        return reverse("livelihoods:farmer_detail", args=[follow.advisor.uuid]) + "#households"

    return _form_page(
        request,
        form,
        group=follow.advisor.group,
        title=_("Stop following the household"),
        save=save,
        done=_("The advisor no longer follows this household."),
    )


# ---------------------------------------------------------------- the cascade
@login_required
@require_GET
def cascade(request: HttpRequest) -> HttpResponse:
    """The cascade of the organisation, or of one programme (`?programme=<uuid>`), counted from attendance."""
    user = user_of(request)
    access.require(user, C.VIEW_GROUP)
    programmes = list(access.visible(user, Programme.objects.all()))
    chosen = next((p for p in programmes if str(p.uuid) == request.GET.get("programme", "")), None)
    context = {
        "cascade": selectors.cascade(user=user, programme=chosen),
        "programmes": programmes,
        "programme": chosen,
    }
    return render_page(request, "livelihoods/cascade.html", context)
