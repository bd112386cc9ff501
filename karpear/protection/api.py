"""The protection API under /api/v1/protection/ (DESIGN §9, issue 11 item 9): DRF viewsets over the app's
selectors and services (no second set of rules). Cases are listed, read and opened at intake; screenings,
services delivered, follow-up visits and core's referrals of the cases' people are listed and read, services
delivered are recorded. A case's person appears as its pseudonymous uuid and initials; the names are given only
to roles that read identities (`identity`, null otherwise), each reading written to the audit log, and every
case read through the API is audited too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access, audit, countries
from karpear.core import referrals as core_referrals
from karpear.core import selectors as core_selectors
from karpear.core import services as core_services
from karpear.core.api import AnswerSerializer
from karpear.core.api_fields import Text
from karpear.core.api_idempotency import IdempotentMixin
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.models import Organisation, Person, Referral, User
from karpear.protection import selectors, services
from karpear.protection.declarations import SECTION_SCREENING
from karpear.protection.declarations import ProtectionCapability as C
from karpear.protection.models import (
    CONTEXT_FIELDS,
    ControlMethod,
    DecidingBody,
    EmployerType,
    ExploitationType,
    FollowUp,
    HandedOverBy,
    IdentificationStatus,
    IndicatorList,
    Industry,
    ProtectionCase,
    RecruitmentMethod,
    ReturnType,
    Screening,
    ServiceDelivery,
    TraffickerRelationship,
    TraffickingEvent,
    TraffickingEventType,
    TransitCentre,
    VictimContext,
)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


# ---------------------------------------------------------------- answers
class ProtectionCaseIdentitySerializer(serializers.Serializer[Any]):
    name_km = serializers.CharField()
    name_latin = serializers.CharField()


class ProtectionCaseSerializer(AnswerSerializer[ProtectionCase]):
    """A protection case; `identity` (the person's names) is null for roles that may not read it."""

    person: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    initials = serializers.CharField(source="person.initials", read_only=True)
    sex = serializers.CharField(source="person.sex", read_only=True)
    birth_year = serializers.IntegerField(source="person.birth_year", read_only=True, allow_null=True)
    organisation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name"
    )
    group: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )
    identity = serializers.SerializerMethodField()

    class Meta:
        model = ProtectionCase
        fields = [
            "uuid",
            "number",
            "organisation",
            "person",
            "initials",
            "sex",
            "birth_year",
            "group",
            "transit_centre",
            "arrived_on",
            "origin_country",
            "origin_place",
            "employer_type",
            "industry",
            "return_type",
            "handed_over_by",
            "status",
            "identification",
            "stage",
            "returned_on",
            "next_follow_up_on",
            "closed_on",
            "identity",
        ]

    @extend_schema_field(ProtectionCaseIdentitySerializer(allow_null=True))
    def get_identity(self, case: ProtectionCase) -> dict[str, str] | None:
        names = self.context.get("names", {}).get(case.person_id)
        return {"name_km": names[0], "name_latin": names[1]} if names else None


class ProtectionScreeningSerializer(AnswerSerializer[Screening]):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Screening
        fields = ["uuid", "case", "list", "forced_criminality", "recruited", "screened_on", "suggestion", "evidence"]
        extra_kwargs = {
            "evidence": {
                "help_text": "What led to the suggestion (the indicators and dimensions found), or the indicators "
                "left unanswered when there is none"
            }
        }


class ProtectionDeliverySerializer(AnswerSerializer[ServiceDelivery]):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    kind: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="code")
    provider: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name", allow_null=True
    )
    recorded_by_organisation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name"
    )
    currency = serializers.CharField(read_only=True, help_text="KHR, USD, THB or VND; empty without a cost")

    class Meta:
        model = ServiceDelivery
        fields = [
            "uuid",
            "case",
            "kind",
            "delivered_on",
            "provider",
            "provider_name",
            "cost",
            "currency",
            "outcome",
            "business_type",
            "recorded_by_organisation",
        ]


class ProtectionFollowUpSerializer(AnswerSerializer[FollowUp]):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = FollowUp
        fields = [
            "uuid",
            "case",
            "due_on",
            "months",
            "visited_on",
            "economic",
            "social",
            "psychosocial",
            "composite",
            "feels_safe",
            "discrimination",
            "in_school",
            "monthly_income",
        ]


class ProtectionReferralSerializer(AnswerSerializer[Referral]):
    person: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    organisation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name", help_text="The organisation that referred"
    )
    receiver: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="short_name")
    sections = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = ["uuid", "person", "organisation", "receiver", "status", "sections", "created_at", "expires_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_sections(self, referral: Referral) -> list[str]:
        return sorted(section.name for section in referral.sections.all())


class ProtectionVictimContextSerializer(AnswerSerializer[VictimContext]):
    """What happened to the survivor, in HTCDS v2.0's value names (the HTCDS export writes them as they are)."""

    recruitment_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=RecruitmentMethod.choices), help_text="HTCDS vic_MethodOfRecruitment"
    )
    control_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=ControlMethod.choices), help_text="HTCDS vic_MethodsOfControl"
    )
    exploitation_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ExploitationType.choices), help_text="HTCDS vic_TypeOfExploitation"
    )
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = VictimContext
        fields = [*CONTEXT_FIELDS, "recorded_by", "updated_at"]


class ProtectionTraffickingStepSerializer(AnswerSerializer[TraffickingEvent]):
    """One step of the trafficking (HTCDS's trafficking event); in Cambodia its places are the gazetteer's
    codes (the village by its id), abroad the place as typed."""

    origin_province: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True
    )
    origin_district: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True
    )
    origin_commune: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True
    )
    origin_village = serializers.IntegerField(source="origin_village_id", read_only=True, allow_null=True)
    destination_province: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True
    )
    destination_district: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True
    )
    destination_commune: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="code", allow_null=True
    )
    destination_village = serializers.IntegerField(source="destination_village_id", read_only=True, allow_null=True)

    class Meta:
        model = TraffickingEvent
        fields = [
            "uuid",
            "kind",
            "happened_on",
            "origin_country",
            "origin_province",
            "origin_district",
            "origin_commune",
            "origin_village",
            "origin_place",
            "destination_country",
            "destination_province",
            "destination_district",
            "destination_commune",
            "destination_village",
            "destination_place",
            "note",
        ]


class ProtectionCaseContextSerializer(serializers.Serializer[Any]):
    """A case's victim context (null until recorded) and the steps of the trafficking, oldest first."""

    case = serializers.UUIDField()
    # A declared field leaves the class (DRF's metaclass): the serializer's own `context` is untouched.
    context = ProtectionVictimContextSerializer(allow_null=True)  # type: ignore[assignment]
    steps = ProtectionTraffickingStepSerializer(many=True)


# ---------------------------------------------------------------- requests
class ProtectionCaseWriteSerializer(serializers.Serializer[Any]):
    """Register one returnee at a transit centre: the person (core's registration) and the case."""

    transit_centre = serializers.ChoiceField(choices=TransitCentre.choices)
    arrived_on = serializers.DateField()
    origin_country = serializers.ChoiceField(choices=[(code, code) for code in sorted(countries.codes())])
    origin_place = Text(max_length=100, required=False, allow_blank=True, default="")
    employer_type = serializers.ChoiceField(choices=EmployerType.choices, required=False, allow_blank=True, default="")
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True, default="")
    return_type = serializers.ChoiceField(choices=ReturnType.choices)
    handed_over_by = serializers.ChoiceField(choices=HandedOverBy.choices)
    handed_over_detail = Text(max_length=150, required=False, allow_blank=True, default="")
    sex = serializers.ChoiceField(choices=Person.Sex.choices)
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)
    name_km = Text(max_length=150, required=False, allow_blank=True, default="")
    name_latin = Text(max_length=150, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("name_km", "").strip() and not attrs.get("name_latin", "").strip():
            raise serializers.ValidationError({"name_km": ["Enter the name in Khmer or in Latin letters."]})
        return attrs


class ProtectionDeliveryWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    kind = serializers.SlugField(max_length=60, help_text="The code of a service of the catalogue")
    delivered_on = serializers.DateField()
    provider_name = Text(max_length=150, required=False, allow_blank=True, default="")
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0)
    currency = serializers.RegexField(
        r"^(KHR|USD|THB|VND)?$",
        max_length=3,
        required=False,
        allow_blank=True,
        default="",
        help_text="KHR, USD, THB or VND; needed with a cost",
    )
    outcome = Text(max_length=500, required=False, allow_blank=True, default="")
    business_type = Text(max_length=150, required=False, allow_blank=True, default="")


class ProtectionVictimContextWriteSerializer(serializers.Serializer[Any]):
    """Record or correct a case's victim context: the whole of it (a field left out is recorded empty)."""

    recruitment_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=RecruitmentMethod.choices), required=False, default=list
    )
    relationship_to_trafficker = serializers.ChoiceField(
        choices=TraffickerRelationship.choices, required=False, allow_blank=True, default=""
    )
    control_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=ControlMethod.choices), required=False, default=list
    )
    exploitation_types = serializers.ListField(
        child=serializers.ChoiceField(choices=ExploitationType.choices), required=False, default=list
    )
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True, default="")
    destination_country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", help_text="ISO 3166-1 alpha-2, e.g. TH"
    )
    destination_place = Text(max_length=100, required=False, allow_blank=True, default="")
    duration_months = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=services.MAX_DURATION_MONTHS
    )
    note = Text(max_length=500, required=False, allow_blank=True, default="")


class ProtectionTraffickingStepWriteSerializer(serializers.Serializer[Any]):
    """Record one step of the trafficking: in Cambodia the gazetteer's codes (a village alone is enough), abroad
    the place as typed."""

    kind = serializers.ChoiceField(choices=TraffickingEventType.choices)
    happened_on = serializers.DateField()
    origin_country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2: KH for a place in Cambodia")
    origin_province = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    origin_district = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    origin_commune = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    origin_village = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    origin_place = Text(max_length=100, required=False, allow_blank=True, default="")
    destination_country = serializers.CharField(
        max_length=2, help_text="ISO 3166-1 alpha-2: KH for a place in Cambodia"
    )
    destination_province = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    destination_district = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    destination_commune = serializers.CharField(max_length=6, required=False, allow_blank=True, default="")
    destination_village = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    destination_place = Text(max_length=100, required=False, allow_blank=True, default="")
    note = Text(max_length=300, required=False, allow_blank=True, default="")


# ---------------------------------------------------------------- viewsets
CASE_FILTERS = [
    OpenApiParameter("q", str, description="The start of the case number"),
    OpenApiParameter("mine", str, enum=["1"], description="Only the cases assigned to the caller"),
    OpenApiParameter("work", str, enum=list(selectors.WORK_LISTS), description="One of the home page's work lists"),
]
CASE_PARAMETER = [OpenApiParameter("case", str, description="Only this protection case's (its uuid)")]


class ProtectionScreeningWriteSerializer(serializers.Serializer[Any]):
    """A screening interview: each indicator's answer by its code (true: present); a code left out is
    unanswered, and then the engine suggests nothing and names what is missing."""

    case = serializers.UUIDField()
    list = serializers.ChoiceField(choices=IndicatorList.choices)
    answers = serializers.DictField(child=serializers.BooleanField(), help_text="Indicator code: present or not")
    forced_criminality = serializers.BooleanField(required=False, default=False)
    recruited = serializers.BooleanField(required=False, allow_null=True, default=None)
    screened_on = serializers.DateField(required=False, allow_null=True, help_text="Today when left out")


class ProtectionDeterminationWriteSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=[c for c in IdentificationStatus.choices if c[0] != "not_screened"])
    deciding_body = serializers.ChoiceField(choices=DecidingBody.choices)
    decided_on = serializers.DateField()
    deciding_body_name = Text(max_length=200, required=False, allow_blank=True, default="")
    note = Text(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when the decision differs from the latest screening's suggestion",
    )


class ProtectionReturnWriteSerializer(serializers.Serializer[Any]):
    returned_on = serializers.DateField()


class ProtectionFollowUpWriteSerializer(serializers.Serializer[Any]):
    """A follow-up visit: the earliest visit due not made yet (or an extra one), with the reintegration
    sustainability survey's answers (every active indicator, 1 to 5)."""

    case = serializers.UUIDField()
    visited_on = serializers.DateField()
    answers = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5), help_text="Sustainability indicator code: 1 to 5"
    )
    feels_safe = serializers.BooleanField(required=False, allow_null=True, default=None)
    discrimination = serializers.BooleanField(required=False, allow_null=True, default=None)
    in_school = serializers.BooleanField(required=False, allow_null=True, default=None)
    monthly_income = serializers.DecimalField(
        max_digits=14,
        decimal_places=0,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        default=None,
        help_text="The household's monthly income, in whole riel",
    )
    note = Text(max_length=2000, required=False, allow_blank=True, default="")


class ProtectionReferralWriteSerializer(serializers.Serializer[Any]):
    """Refer the person of a protection case to a partner organisation, sharing the sections chosen."""

    case = serializers.UUIDField()
    receiver = serializers.UUIDField(help_text="The partner organisation's uuid (/api/v1/organisations/)")
    sections = serializers.ListField(
        child=serializers.CharField(max_length=60),
        min_length=1,
        max_length=10,
        help_text="What the referral shares: protection_case_summary, protection_screening, protection_service_plan, "
        "protection_follow_ups, and identity (for a role that reads identifying details)",
    )
    reason = Text(max_length=1000)
    override_reason = Text(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Without the person's consent to this organisation: why (a role that may override consent)",
    )


def _case_filter(request: Request) -> ProtectionCase | None:
    key = request.query_params.get("case", "")
    return selectors.case_for_user(user=_user(request), uuid=key) if key else None


def _names(user: User, cases: list[ProtectionCase]) -> dict[int, tuple[str, str]]:
    """The people's names for a role that reads identities (one audit event, by core), else nothing."""
    people = core_selectors.list_identities(user=user, people=[case.person for case in cases])
    return {
        p.pk: (p.listed_name_km, p.listed_name_latin)  # type: ignore[attr-defined]
        for p in people
        if getattr(p, "listed_name_km", "") or getattr(p, "listed_name_latin", "")
    }


def _step_place(data: dict[str, Any], prefix: str) -> services.TraffickingPlace:
    """A step's place from the request: the gazetteer's codes checked by core (errors named `<prefix>_<level>`)."""
    try:
        choice = core_services.resolve_place(
            province=data.get(f"{prefix}_province", ""),
            district=data.get(f"{prefix}_district", ""),
            commune=data.get(f"{prefix}_commune", ""),
            village=data.get(f"{prefix}_village"),
        )
    except DjangoValidationError as exc:
        raise serializers.ValidationError({f"{prefix}_{k}": v for k, v in exc.message_dict.items()}) from exc
    return services.TraffickingPlace(
        country=data[f"{prefix}_country"], choice=choice, place=data.get(f"{prefix}_place", "")
    )


@extend_schema_view(
    list=extend_schema(parameters=CASE_FILTERS),
    create=extend_schema(request=ProtectionCaseWriteSerializer, responses={201: ProtectionCaseSerializer}),
)
class CaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[ProtectionCase]
):
    serializer_class = ProtectionCaseSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[ProtectionCase]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        params = self.request.query_params
        if params.get("mine", "") not in ("", "1"):
            raise serializers.ValidationError({"mine": ["Give 1, or leave it out."]})
        work = params.get("work", "")
        if work and work not in selectors.WORK_LISTS:
            raise serializers.ValidationError({"work": ["Not one of the work lists."]})
        cases = selectors.case_list(
            user=user, mine=params.get("mine") == "1", query=params.get("q", "")[:40], work=work
        )
        return cases.select_related("organisation", "group")

    def get_object(self) -> ProtectionCase:
        return selectors.case_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def _answer(self, cases: list[ProtectionCase]) -> Any:
        user = _user(self.request)
        selectors.api_case_read(user=user, cases=cases)
        return ProtectionCaseSerializer(cases, many=True, context={"names": _names(user, cases)}).data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cases = list(self.paginate_queryset(self.get_queryset()) or [])
        return self.get_paginated_response(self._answer(cases))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._answer([self.get_object()])[0])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.ADD_CASE)
        serializer = ProtectionCaseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.intake_register(
            actor=user,
            person=core_services.PersonInput(
                sex=data["sex"],
                birth_year=data.get("birth_year"),
                name_km=data.get("name_km", ""),
                name_latin=data.get("name_latin", ""),
            ),
            intake=services.IntakeInput(
                transit_centre=data["transit_centre"],
                arrived_on=data["arrived_on"],
                origin_country=data["origin_country"],
                return_type=data["return_type"],
                handed_over_by=data["handed_over_by"],
                handed_over_detail=data.get("handed_over_detail", ""),
                origin_place=data.get("origin_place", ""),
                employer_type=data.get("employer_type", ""),
                industry=data.get("industry", ""),
            ),
        )
        case = selectors.case_for_user(user=user, uuid=case.uuid)
        return Response(self._answer([case])[0], status=status.HTTP_201_CREATED)

    def _context_answer(self, user: User, case: ProtectionCase) -> Any:
        """The case's victim context and trafficking steps, when the caller sees its screening section (else
        404: what a referral does not share is not there for the partner). The reading is audited as the API's
        reads of cases are."""
        shared = selectors.shared_sections(user=user, case=case)
        if shared is not None and SECTION_SCREENING not in shared:
            raise Http404
        saved = selectors.victim_context(user=user, case=case)
        steps = selectors.trafficking_events(user=user, case=case)
        audit.record(actor=user, action="view", obj=case, fields="victim_context", channel="api")
        return ProtectionCaseContextSerializer({"case": case.uuid, "context": saved, "steps": steps}).data

    @extend_schema(
        methods=["GET"],
        responses={200: ProtectionCaseContextSerializer},
        description="What happened to the survivor (HTCDS victim context) and the steps of the trafficking.",
    )
    @extend_schema(
        methods=["POST"],
        request=ProtectionVictimContextWriteSerializer,
        responses={200: ProtectionCaseContextSerializer},
        description="Record or correct the victim context (the screening capability, an open case of the "
        "caller's organisation); every version kept and audited.",
    )
    @action(detail=True, methods=["get", "post"], url_path="context", url_name="context")
    def victim_context(self, request: Request, uuid: str | None = None) -> Response:
        user = _user(request)
        access.require(user, C.VIEW_CASE)
        case = selectors.case_for_user(user=user, uuid=self.kwargs["uuid"])
        if request.method == "POST":
            access.require(user, C.SCREEN)
            case = selectors.case_for_user(user=user, uuid=self.kwargs["uuid"], write=True)
            serializer = ProtectionVictimContextWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.victim_context_save(
                actor=user, case=case, data=services.VictimContextInput(**serializer.validated_data)
            )
        return Response(self._context_answer(user, case))

    @extend_schema(
        request=ProtectionTraffickingStepWriteSerializer,
        responses={201: ProtectionTraffickingStepSerializer},
        description="Record one step of the trafficking (the screening capability, an open case of the caller's "
        "organisation). Audited.",
    )
    @action(detail=True, methods=["post"], url_path="context/steps", url_name="context-steps")
    def trafficking_step(self, request: Request, uuid: str | None = None) -> Response:
        user = _user(request)
        access.require(user, C.SCREEN)
        case = selectors.case_for_user(user=user, uuid=self.kwargs["uuid"], write=True)
        serializer = ProtectionTraffickingStepWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        places = {prefix: _step_place(data, prefix) for prefix in ("origin", "destination")}
        step = services.trafficking_event_add(
            actor=user,
            case=case,
            data=services.TraffickingEventInput(
                kind=data["kind"],
                happened_on=data["happened_on"],
                origin=places["origin"],
                destination=places["destination"],
                note=data.get("note", ""),
            ),
        )
        return Response(ProtectionTraffickingStepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProtectionDeterminationWriteSerializer,
        responses={200: ProtectionCaseSerializer},
        description="Record the human decision on the case's identification, with the deciding body and date (the "
        "screening capability); it becomes the case's status and the change is kept. Audited.",
    )
    @action(detail=True, methods=["post"], url_path="determination", url_name="determination")
    def determination(self, request: Request, uuid: str | None = None) -> Response:
        user = _user(request)
        access.require(user, C.SCREEN)
        case = selectors.case_for_user(user=user, uuid=self.kwargs["uuid"], write=True)
        serializer = ProtectionDeterminationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.determination_record(
            actor=user, case=case, data=services.DeterminationInput(**serializer.validated_data)
        )
        return Response(self._answer([selectors.case_for_user(user=user, uuid=case.uuid)])[0])

    @extend_schema(
        request=ProtectionReturnWriteSerializer,
        responses={200: ProtectionCaseSerializer},
        description="Record the survivor's return home (once): the follow-up visits are scheduled at the "
        "configured months after it (1, 3, 6, 12 and 24 by default; listed under follow-ups/). Audited.",
    )
    @action(detail=True, methods=["post"], url_path="return-home", url_name="return-home")
    def return_home(self, request: Request, uuid: str | None = None) -> Response:
        user = _user(request)
        access.require(user, C.FOLLOW_UP)
        case = selectors.case_for_user(user=user, uuid=self.kwargs["uuid"], write=True)
        serializer = ProtectionReturnWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.return_home(actor=user, case=case, returned_on=serializer.validated_data["returned_on"])
        return Response(self._answer([selectors.case_for_user(user=user, uuid=case.uuid)])[0])


@extend_schema_view(list=extend_schema(parameters=CASE_PARAMETER))
@extend_schema_view(
    create=extend_schema(request=ProtectionScreeningWriteSerializer, responses={201: ProtectionScreeningSerializer})
)
class ScreeningViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Screening],
):
    serializer_class = ProtectionScreeningSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Screening]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        case = _case_filter(self.request) if self.action == "list" else None
        return selectors.screening_list(user=user, case=case)

    def get_object(self) -> Screening:
        return selectors.screening_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a screening interview; the answer carries the engine's suggestion and what led to it (or the
        indicators still unanswered)."""
        user = _user(request)
        access.require(user, C.SCREEN)
        serializer = ProtectionScreeningWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = _case_in_body(user, data.pop("case"))
        screening = services.screening_record(actor=user, case=case, data=services.ScreeningInput(**data))
        return Response(ProtectionScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)


def _case_in_body(user: User, key: Any) -> ProtectionCase:
    """The case a write names in its body: one the caller may see, else 400 (the input is wrong, not the
    address); the service decides whether the caller may record on it."""
    try:
        return selectors.case_for_user(user=user, uuid=key)
    except Http404 as exc:
        raise serializers.ValidationError({"case": ["No protection case with this key that you may see."]}) from exc


@extend_schema_view(
    list=extend_schema(parameters=CASE_PARAMETER),
    create=extend_schema(request=ProtectionDeliveryWriteSerializer, responses={201: ProtectionDeliverySerializer}),
)
class DeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[ServiceDelivery]
):
    serializer_class = ProtectionDeliverySerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[ServiceDelivery]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        case = _case_filter(self.request) if self.action == "list" else None
        return selectors.delivery_list(user=user, case=case)

    def get_object(self) -> ServiceDelivery:
        return selectors.delivery_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.RECORD_SERVICE)
        serializer = ProtectionDeliveryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = _case_in_body(user, data.pop("case"))
        fields = services.DeliveryInput(
            kind=data["kind"],
            delivered_on=data["delivered_on"],
            provider_name=data.get("provider_name", ""),
            cost=data.get("cost"),
            currency=data.get("currency", ""),
            outcome=data.get("outcome", ""),
            business_type=data.get("business_type", ""),
        )
        if case.organisation_id == getattr(access.membership_for(user), "organisation_id", None):
            delivery = services.delivery_record(actor=user, case=case, data=fields)
        else:
            delivery = services.delivery_record_referred(actor=user, case=case, data=fields)
        delivery = selectors.delivery_for_user(user=user, uuid=delivery.uuid)
        return Response(ProtectionDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)


FOLLOW_UP_FILTERS = [
    *CASE_PARAMETER,
    OpenApiParameter("due", str, enum=["overdue", "open"], description="Only visits not made yet (or overdue)"),
]


@extend_schema_view(
    list=extend_schema(parameters=FOLLOW_UP_FILTERS),
    create=extend_schema(request=ProtectionFollowUpWriteSerializer, responses={201: ProtectionFollowUpSerializer}),
)
class FollowUpViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[FollowUp],
):
    serializer_class = ProtectionFollowUpSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[FollowUp]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        due = self.request.query_params.get("due", "")
        if due not in ("", "overdue", "open"):
            raise serializers.ValidationError({"due": ["Give overdue or open, or leave it out."]})
        case = _case_filter(self.request) if self.action == "list" else None
        return selectors.follow_up_list(user=user, case=case, due=due)

    def get_object(self) -> FollowUp:
        return selectors.follow_up_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a follow-up visit after the return home, with the sustainability survey's answers; the answer
        is the visit with its economic, social, psychosocial and composite scores."""
        user = _user(request)
        access.require(user, C.FOLLOW_UP)
        serializer = ProtectionFollowUpWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = _case_in_body(user, data.pop("case"))
        visit = services.follow_up_record(actor=user, case=case, data=services.VisitInput(**data))
        return Response(ProtectionFollowUpSerializer(visit).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=CASE_PARAMETER),
    create=extend_schema(request=ProtectionReferralWriteSerializer, responses={201: ProtectionReferralSerializer}),
)
class ReferralViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Referral],
):
    """Core's referrals of the people of the protection cases the caller sees (sent or received); a case's person
    is referred through core's mechanism (the receiver accepts or declines on core's referral pages)."""

    serializer_class = ProtectionReferralSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Referral]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        case = _case_filter(self.request) if self.action == "list" else None
        return selectors.case_referrals(user=user, case=case)

    def get_object(self) -> Referral:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        return selectors.case_referral_for_user(user=user, uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Refer the case's person to a partner: consent for referral to that organisation is needed (or the
        override with a reason), and the receiver sees exactly the sections shared once it accepts."""
        user = _user(request)
        access.require(user, C.VIEW_CASE)
        serializer = ProtectionReferralWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = _case_in_body(user, data.pop("case"))
        receiver = Organisation.objects.filter(uuid=data.pop("receiver")).first()
        if receiver is None:
            raise serializers.ValidationError({"receiver": [_("No organisation with this key.")]})
        referral = core_referrals.referral_create(actor=user, person=case.person, receiver=receiver, **data)
        return Response(ProtectionReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


app_name = "protection_api"
router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("screenings", ScreeningViewSet, basename="screening")
router.register("services", DeliveryViewSet, basename="service")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("referrals", ReferralViewSet, basename="referral")
urlpatterns = router.urls
