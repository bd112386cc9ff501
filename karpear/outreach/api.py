"""The outreach API under /api/v1/safe-migration/ (DESIGN §9): DRF viewsets over the app's selectors and services.

- `help-requests/submit/` and `help-requests/status/`: the public portal's two forms for another client (a
  partner's hotline app, a chatbot): no account, the same rules as the portal — the one-time `key` makes a
  request sent twice save once and answer the same tracking code, a lookup reveals only the status, and both
  are rate limited per address (shared with the portal's pages) and audited.
- `help-requests/`: the help desk's queue (hotline officers, supervisors), each read audited.
- `grievances/`: recorded, raised level by level, closed and the outcome told (actions `raise`, `close`, `told`).
- `activities/`: sessions, workshops, events and home visits; a `submission` key sent again answers 200 with the
  activity recorded the first time (nothing saved again), a new one 201.
- `volunteers/`: read.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access, audit, countries, ratelimit
from karpear.core import services as core_services
from karpear.core.api import AnswerSerializer, ClientAddressThrottle
from karpear.core.api_fields import Text
from karpear.core.api_idempotency import IdempotentMixin
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.middleware import client_ip
from karpear.core.models import User
from karpear.outreach import selectors, services
from karpear.outreach.declarations import OutreachCapability as C
from karpear.outreach.models import (
    Activity,
    Channel,
    Grievance,
    GrievanceStep,
    HelpRequest,
    RootCause,
    Volunteer,
)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _place(data: dict[str, Any]) -> core_services.PlaceChoice:
    try:
        return core_services.resolve_place(province=data.get("province") or "", commune=data.get("commune") or "")
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc


def _codes(choices: Any, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), max_length=20, **kwargs)


PROVINCE: dict[str, Any] = {"max_length": 2, "required": False, "allow_blank": True, "help_text": "Province code"}
COMMUNE: dict[str, Any] = {"max_length": 6, "required": False, "allow_blank": True, "help_text": "Commune code"}


# ---------------------------------------------------------------- answers
class HelpRequestSerializer(AnswerSerializer[HelpRequest]):
    reference = serializers.CharField(read_only=True, help_text="What staff call the request (HR-…)")
    province = serializers.CharField(source="province_id", read_only=True, allow_null=True)
    triaged_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="username", allow_null=True
    )

    class Meta:
        model = HelpRequest
        fields = [
            "uuid",
            "reference",
            "created_at",
            "about",
            "anonymous",
            "name",
            "phone",
            "province",
            "country",
            "city",
            "employer",
            "last_heard",
            "message",
            "status",
            "outcome",
            "triage_note",
            "root_causes",
            "triaged_by",
            "triaged_at",
        ]


class GrievanceStepSerializer(AnswerSerializer[GrievanceStep]):
    # Declared: a choice of a small integer column would carry the database's integer bounds into the schema.
    level = serializers.ChoiceField(choices=Grievance.Level.choices, read_only=True)

    class Meta:
        model = GrievanceStep
        fields = ["uuid", "level", "raised_with", "raised_on", "note", "response", "responded_on"]


class GrievanceSerializer(AnswerSerializer[Grievance]):
    reference = serializers.CharField(read_only=True, help_text="What staff call the grievance (GR-…)")
    level = serializers.ChoiceField(choices=Grievance.Level.choices, read_only=True)
    province = serializers.CharField(source="province_id", read_only=True, allow_null=True)
    district = serializers.CharField(source="district_id", read_only=True, allow_null=True)
    commune = serializers.CharField(source="commune_id", read_only=True, allow_null=True)
    help_request: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )
    steps = GrievanceStepSerializer(many=True, read_only=True)

    class Meta:
        model = Grievance
        fields = [
            "uuid",
            "reference",
            "received_on",
            "about",
            "complainant",
            "phone",
            "province",
            "district",
            "commune",
            "country",
            "employer",
            "kinds",
            "description",
            "documents_kept",
            "documents_returned",
            "level",
            "status",
            "resolution",
            "closed_on",
            "outcome_told_on",
            "outcome_told_how",
            "root_causes",
            "channel",
            "help_request",
            "steps",
        ]


class VolunteerSerializer(AnswerSerializer[Volunteer]):
    communes: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )
    account: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        source="user", read_only=True, slug_field="username", allow_null=True
    )

    class Meta:
        model = Volunteer
        fields = ["uuid", "name", "sex", "phone", "recruited_on", "trained_on", "communes", "account", "is_active"]


class ActivitySerializer(AnswerSerializer[Activity]):
    province = serializers.CharField(source="province_id", read_only=True)
    district = serializers.CharField(source="district_id", read_only=True, allow_null=True)
    commune = serializers.CharField(source="commune_id", read_only=True, allow_null=True)
    volunteer: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )

    class Meta:
        model = Activity
        fields = [
            "uuid",
            "submission",
            "kind",
            "title",
            "held_on",
            "province",
            "district",
            "commune",
            "volunteer",
            "topics",
            "partners",
            "female_children",
            "male_children",
            "female_adults",
            "male_adults",
            "participants",
            "households_visited",
            "cases_referred",
            "grievances_referred",
            "channels",
            "root_causes",
            "note",
        ]


# ---------------------------------------------------------------- input
class HelpRequestSubmitSerializer(serializers.Serializer[Any]):
    key = serializers.RegexField(
        services.KEY_PATTERN.pattern,
        help_text="A one-time key (20 to 64 letters, digits, '-' or '_'), new for each request; sent again, the "
        "request is not saved twice and the same tracking code comes back.",
    )
    about = serializers.ChoiceField(choices=HelpRequest.About.choices)
    message = Text(max_length=2000)
    anonymous = serializers.BooleanField(required=False, default=True)
    name = Text(max_length=100, required=False, allow_blank=True, default="")
    phone = Text(max_length=30, required=False, allow_blank=True, default="")
    province = Text(**PROVINCE)
    country = Text(max_length=2, required=False, allow_blank=True, default="")
    city = Text(max_length=100, required=False, allow_blank=True, default="")
    employer = Text(max_length=200, required=False, allow_blank=True, default="")
    last_heard = serializers.DateField(required=False, allow_null=True, default=None)

    def to_input(self) -> services.HelpRequestInput:
        data = dict(self.validated_data)
        place = _place({"province": data.get("province")})
        return services.HelpRequestInput(
            about=data["about"],
            message=data["message"],
            anonymous=data["anonymous"],
            name=data["name"],
            phone=data["phone"],
            province=place.province,
            country=data["country"],
            city=data["city"],
            employer=data["employer"],
            last_heard=data["last_heard"],
        )


class CodeSerializer(serializers.Serializer[Any]):
    code = Text(max_length=40, help_text="The 16-digit tracking code (spaces and dashes allowed)")


class GrievanceWriteSerializer(serializers.Serializer[Any]):
    received_on = serializers.DateField()
    about = serializers.ChoiceField(choices=Grievance.About.choices)
    description = Text(max_length=4000)
    kinds = _codes(Grievance.Kind.choices, min_length=1)
    province = Text(**PROVINCE)
    commune = Text(**COMMUNE)
    complainant = Text(max_length=100, required=False, allow_blank=True, default="")
    phone = Text(max_length=30, required=False, allow_blank=True, default="")
    country = Text(max_length=2, required=False, allow_blank=True, default="")
    employer = Text(max_length=200, required=False, allow_blank=True, default="")
    documents_kept = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)
    root_causes = _codes(RootCause.choices, required=False, default=list)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True, default="")
    help_request = serializers.UUIDField(required=False, allow_null=True, default=None)

    def to_input(self) -> services.GrievanceInput:
        data = dict(self.validated_data)
        return services.GrievanceInput(
            received_on=data["received_on"],
            about=data["about"],
            description=data["description"],
            kinds=list(data["kinds"]),
            place=_place(data),
            complainant=data["complainant"],
            phone=data["phone"],
            country=data["country"],
            employer=data["employer"],
            documents_kept=data["documents_kept"],
            root_causes=list(data["root_causes"]),
            channel=data["channel"],
        )


class RaiseSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=Grievance.Level.choices)
    raised_with = Text(max_length=200)
    raised_on = serializers.DateField()
    note = Text(max_length=2000, required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer[Any]):
    resolved = serializers.BooleanField()
    resolution = Text(max_length=4000)
    closed_on = serializers.DateField()
    documents_returned = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=0)


class ToldSerializer(serializers.Serializer[Any]):
    told_on = serializers.DateField()
    how = Text(max_length=200)


COUNT: dict[str, Any] = {"min_value": 0, "max_value": 1_000_000, "required": False, "default": 0}


class ActivityWriteSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    held_on = serializers.DateField()
    province = Text(**PROVINCE)
    commune = Text(**COMMUNE)
    title = Text(max_length=200, required=False, allow_blank=True, default="")
    volunteer = serializers.UUIDField(required=False, allow_null=True, default=None)
    topics = _codes(Activity.Topic.choices, required=False, default=list)
    partners = Text(max_length=300, required=False, allow_blank=True, default="")
    female_children = serializers.IntegerField(**COUNT)
    male_children = serializers.IntegerField(**COUNT)
    female_adults = serializers.IntegerField(**COUNT)
    male_adults = serializers.IntegerField(**COUNT)
    participants = serializers.IntegerField(
        min_value=0,
        max_value=1_000_000,
        required=False,
        allow_null=True,
        default=None,
        help_text="People in all; null: the sum of the counts by sex and age group",
    )
    households_visited = serializers.IntegerField(**COUNT)
    cases_referred = serializers.IntegerField(**COUNT)
    grievances_referred = serializers.IntegerField(**COUNT)
    channels = _codes(Channel.choices, required=False, default=list)
    root_causes = _codes(RootCause.choices, required=False, default=list)
    note = Text(max_length=2000, required=False, allow_blank=True, default="")
    submission = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="Idempotency key of this submission"
    )

    def to_input(self, user: User) -> services.ActivityInput:
        data = dict(self.validated_data)
        volunteer = None
        if data["volunteer"] is not None:
            volunteer = selectors.volunteer_for(user=user, uuid=data["volunteer"])
            if volunteer is None:
                raise serializers.ValidationError({"volunteer": ["No volunteer with this key that you may see."]})
        return services.ActivityInput(
            kind=data["kind"],
            held_on=data["held_on"],
            place=_place(data),
            title=data["title"],
            topics=list(data["topics"]),
            partners=data["partners"],
            participants=data["participants"],
            channels=list(data["channels"]),
            root_causes=list(data["root_causes"]),
            note=data["note"],
            volunteer=volunteer,
            **{field: data[field] for field in services.COUNTS},
        )


def _service_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    )


# ---------------------------------------------------------------- public: the portal's forms
def _limited(request: Request, what: str, rate: ratelimit.Rate) -> Response | None:
    """The portal's per-address allowance (shared with its pages), or None while some is left."""
    counted = ratelimit.hit(
        f"outreach-{what}:{services.address_key(client_ip(request._request))}", seconds=rate.seconds
    )
    if counted <= rate.limit:
        return None
    wait = ratelimit.seconds_left(rate.seconds)
    response = Response(
        {"message": "Too many attempts from your network. Please wait and try again, or call a hotline.", "fields": {}},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(wait)
    return response


class PublicHelpRequestViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ClientAddressThrottle]

    @extend_schema(
        auth=[],
        request=HelpRequestSubmitSerializer,
        responses={
            200: inline_serializer(
                "HelpRequestSubmitted",
                {
                    "tracking_code": serializers.CharField(read_only=True),
                    "status": serializers.ChoiceField(choices=HelpRequest.Status.choices, read_only=True),
                    "created": serializers.BooleanField(read_only=True),
                },
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="submit")
    def submit(self, request: Request) -> Response:
        from karpear.outreach.views import submit_rate

        if refused := _limited(request, "help", submit_rate()):
            return refused
        serializer = HelpRequestSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["country"] and serializer.validated_data["country"] not in countries.codes():
            raise serializers.ValidationError({"country": ["Choose a country from the list."]})
        try:
            sent = services.help_request_submit(key=serializer.validated_data["key"], data=serializer.to_input())
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        return Response(
            {"tracking_code": sent.code, "status": sent.request.status, "created": sent.created},
        )

    @extend_schema(
        auth=[],
        request=CodeSerializer,
        responses={
            200: inline_serializer(
                "HelpRequestStatus",
                {"status": serializers.ChoiceField(choices=HelpRequest.Status.choices, read_only=True)},
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="status", url_name="status")
    def lookup(self, request: Request) -> Response:
        from karpear.outreach.views import lookup_rate

        if refused := _limited(request, "code", lookup_rate()):
            return refused
        serializer = CodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = services.normalise_code(serializer.validated_data["code"])
        found = selectors.help_request_status(code) if code else None
        if found is None:
            raise serializers.ValidationError({"code": ["No request has this code. Check the digits and try again."]})
        return Response({"status": found.status})


# ---------------------------------------------------------------- staff
class HelpRequestViewSet(viewsets.ReadOnlyModelViewSet[HelpRequest]):
    serializer_class = HelpRequestSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[HelpRequest]:
        user = _user(self.request)
        access.require(user, C.VIEW_HELP_REQUEST)
        waiting = self.request.query_params.get("waiting", "")
        if waiting not in ("", "1"):
            raise serializers.ValidationError({"waiting": ["Give 1, or leave it out."]})
        return selectors.help_requests(user=user, waiting=waiting == "1")

    @extend_schema(
        parameters=[OpenApiParameter("waiting", str, enum=["1"], description="Only those waiting for triage")]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        audit.record(actor=_user(request), action="search", kind="help_requests", shown=len(response.data["results"]))
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        found = access.get_for_user(user, HelpRequest, self.kwargs["uuid"])
        audit.record(actor=user, action="view", obj=found)
        return Response(HelpRequestSerializer(found).data)


GRIEVANCE_FILTERS = [
    OpenApiParameter("open", str, enum=["1"], description="Only open grievances"),
    OpenApiParameter("level", int, enum=Grievance.Level.values, description="Only those at this level"),
]


@extend_schema_view(
    list=extend_schema(parameters=GRIEVANCE_FILTERS),
    create=extend_schema(request=GrievanceWriteSerializer, responses={201: GrievanceSerializer}),
)
class GrievanceViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Grievance],
):
    serializer_class = GrievanceSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Grievance]:
        user = _user(self.request)
        access.require(user, C.VIEW_GRIEVANCE)
        params = self.request.query_params
        raw = params.get("level", "")
        level = int(raw) if raw.isdigit() and int(raw) in Grievance.Level.values else None
        if raw and level is None:
            raise serializers.ValidationError({"level": ["Unknown level."]})
        if params.get("open", "") not in ("", "1"):
            raise serializers.ValidationError({"open": ["Give 1, or leave it out."]})
        rows = selectors.grievances(user=user, open_only=params.get("open") == "1", level=level)
        return rows.prefetch_related("steps").select_related("help_request")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        found = access.get_for_user(user, Grievance, self.kwargs["uuid"])
        audit.record(actor=user, action="view", obj=found)
        return Response(GrievanceSerializer(found).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.CHANGE_GRIEVANCE)
        serializer = GrievanceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = serializer.validated_data["help_request"]
        help_request = None
        if source is not None:
            help_request = selectors.help_request_for(user=user, uuid=source)
            if help_request is None:
                raise serializers.ValidationError({"help_request": ["No help request with this key that you may see."]})
        try:
            grievance = services.grievance_record(actor=user, data=serializer.to_input(), help_request=help_request)
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        return Response(GrievanceSerializer(grievance).data, status=status.HTTP_201_CREATED)

    def _act(self, request: Request, serializer_class: type[serializers.Serializer[Any]], run: Any) -> Response:
        user = _user(request)
        grievance = access.get_for_user(user, Grievance, self.kwargs["uuid"], write=True)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run(user, grievance, dict(serializer.validated_data))
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        grievance.refresh_from_db()
        return Response(GrievanceSerializer(grievance).data)

    @extend_schema(request=RaiseSerializer, responses={200: GrievanceSerializer})
    @action(detail=True, methods=["post"], url_path="raise", url_name="raise")
    def raise_(self, request: Request, uuid: str | None = None) -> Response:
        return self._act(
            request, RaiseSerializer, lambda user, g, d: services.grievance_raise(actor=user, grievance=g, **d)
        )

    @extend_schema(request=CloseSerializer, responses={200: GrievanceSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, uuid: str | None = None) -> Response:
        return self._act(
            request, CloseSerializer, lambda user, g, d: services.grievance_close(actor=user, grievance=g, **d)
        )

    @extend_schema(request=ToldSerializer, responses={200: GrievanceSerializer})
    @action(detail=True, methods=["post"])
    def told(self, request: Request, uuid: str | None = None) -> Response:
        return self._act(
            request,
            ToldSerializer,
            lambda user, g, d: services.grievance_outcome_told(actor=user, grievance=g, **d),
        )


class VolunteerViewSet(viewsets.ReadOnlyModelViewSet[Volunteer]):
    serializer_class = VolunteerSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Volunteer]:
        user = _user(self.request)
        access.require(user, C.VIEW_ACTIVITY)
        return selectors.volunteers(user=user).prefetch_related("communes")

    def get_object(self) -> Volunteer:
        return access.get_for_user(_user(self.request), Volunteer, self.kwargs["uuid"])


ACTIVITY_FILTERS = [
    OpenApiParameter("kind", str, enum=Activity.Kind.values, description="Kind of activity"),
    OpenApiParameter("since", OpenApiTypes.DATE, description="Held on or after this date"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Held on or before this date"),
]


@extend_schema_view(
    list=extend_schema(parameters=ACTIVITY_FILTERS),
    create=extend_schema(request=ActivityWriteSerializer, responses={200: ActivitySerializer, 201: ActivitySerializer}),
)
class ActivityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Activity]
):
    serializer_class = ActivitySerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Activity]:
        user = _user(self.request)
        access.require(user, C.VIEW_ACTIVITY)
        params = self.request.query_params
        kind = params.get("kind", "")
        if kind and kind not in Activity.Kind.values:
            raise serializers.ValidationError({"kind": ["Unknown kind of activity."]})
        dates = serializers.DictField(child=serializers.DateField(), required=False)
        try:
            bounds = dates.to_internal_value({k: params[k] for k in ("since", "until") if params.get(k)})
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"since": ["Give dates as YYYY-MM-DD."]}) from exc
        return selectors.activities(user=user, kind=kind, since=bounds.get("since"), until=bounds.get("until"))

    def get_object(self) -> Activity:
        return access.get_for_user(_user(self.request), Activity, self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.RECORD_ACTIVITY)
        serializer = ActivityWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = serializer.validated_data["submission"]
        before = selectors.activity_submitted(user=user, submission=submission) if submission else None
        try:
            activity = services.activity_record(actor=user, data=serializer.to_input(user), submission=submission)
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        answer = status.HTTP_200_OK if before is not None else status.HTTP_201_CREATED
        return Response(ActivitySerializer(activity).data, status=answer)


app_name = "outreach_api"
router = SimpleRouter()
router.register("help-requests/public", PublicHelpRequestViewSet, basename="public-help-request")
router.register("help-requests", HelpRequestViewSet, basename="help-request")
router.register("grievances", GrievanceViewSet, basename="grievance")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("activities", ActivityViewSet, basename="activity")
urlpatterns = router.urls
