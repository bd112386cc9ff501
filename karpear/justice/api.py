"""The justice API under /api/v1/justice/ (DESIGN §9): DRF viewsets over the app's selectors and services (no
second set of rules). Legal cases are listed, read and opened (for a client registered with them); hearings and
submissions are listed per case and recorded; investigation steps, evidence (its metadata, and the address of
the audited download), witnesses, repatriations, costs, judgments and escalations are listed per case and read. Clients and witnesses appear only as core's pseudonymous person
(their uuid): identifying details stay behind core's person API and its audit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access
from karpear.core import services as core_services
from karpear.core.api import AnswerSerializer
from karpear.core.api_fields import Text
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.models import Person, User
from karpear.justice import selectors, services
from karpear.justice.declarations import JusticeCapability as C
from karpear.justice.models import (
    AddresseeKind,
    Cost,
    CourtLevel,
    Escalation,
    Evidence,
    Hearing,
    InvestigationStep,
    LegalCase,
    Repatriation,
    Submission,
    Verdict,
    Witness,
)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


# ---------------------------------------------------------------- answers
class LegalCaseSerializer(AnswerSerializer[LegalCase]):
    client: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    lawyer: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )
    referral: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )

    class Meta:
        model = LegalCase
        fields = ["uuid", "number", "title", "opened_on", "status", "client", "lawyer", "referral"]


class HearingSerializer(AnswerSerializer[Hearing]):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Hearing
        fields = ["uuid", "case", "level", "court_name", "held_on", "outcome", "next_on"]


class SubmissionSerializer(AnswerSerializer[Submission]):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Submission
        fields = ["uuid", "case", "addressee_kind", "addressee", "subject", "sent_on", "deadline", "reply_on", "reply"]


# ---------------------------------------------------------------- requests
class CaseWriteSerializer(serializers.Serializer[Any]):
    """Open a legal case directly, registering its client (core's registration)."""

    title = Text(max_length=200)
    opened_on = serializers.DateField(required=False, allow_null=True)
    client_sex = serializers.ChoiceField(choices=Person.Sex.choices)
    client_name_km = Text(max_length=150, required=False, allow_blank=True, default="")
    client_name_latin = Text(max_length=150, required=False, allow_blank=True, default="")
    client_birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("client_name_km", "").strip() and not attrs.get("client_name_latin", "").strip():
            raise serializers.ValidationError({"client_name_km": ["Enter the name in Khmer or in Latin letters."]})
        return attrs


class HearingWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    level = serializers.ChoiceField(choices=CourtLevel.choices)
    held_on = serializers.DateField()
    court_name = Text(max_length=200, required=False, allow_blank=True, default="")
    outcome = Text(max_length=4000, required=False, allow_blank=True, default="")
    next_on = serializers.DateField(required=False, allow_null=True)


class SubmissionWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    addressee_kind = serializers.ChoiceField(choices=AddresseeKind.choices)
    addressee = Text(max_length=200)
    subject = Text(max_length=300)
    sent_on = serializers.DateField()
    deadline = serializers.DateField(required=False, allow_null=True)


# ---------------------------------------------------------------- viewsets
CASE_FILTERS = [
    OpenApiParameter("q", str, description="The start of the case number"),
    OpenApiParameter("mine", str, enum=["1"], description="Only the cases assigned to the caller"),
]
CASE_PARAMETER = [OpenApiParameter("case", str, description="Only this legal case's (its uuid)")]


@extend_schema_view(
    list=extend_schema(parameters=CASE_FILTERS),
    create=extend_schema(request=CaseWriteSerializer, responses={201: LegalCaseSerializer}),
)
class LegalCaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[LegalCase]
):
    serializer_class = LegalCaseSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[LegalCase]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        params = self.request.query_params
        if params.get("mine", "") not in ("", "1"):
            raise serializers.ValidationError({"mine": ["Give 1, or leave it out."]})
        cases = selectors.case_list(user=user, mine=params.get("mine") == "1", query=params.get("q", "")[:40])
        return cases.select_related("client", "lawyer", "referral")

    def get_object(self) -> LegalCase:
        return selectors.case_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.OPEN_CASE)
        serializer = CaseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_open(
            actor=user,
            client=core_services.PersonInput(
                sex=data["client_sex"],
                birth_year=data.get("client_birth_year"),
                name_km=data.get("client_name_km", ""),
                name_latin=data.get("client_name_latin", ""),
            ),
            data=services.CaseInput(title=data["title"], opened_on=data.get("opened_on")),
        )
        return Response(LegalCaseSerializer(case).data, status=status.HTTP_201_CREATED)


def _case_in_body(user: User, key: Any) -> LegalCase:
    """The case a write names in its body: one the caller may change, else 400 (the input is wrong, not the
    address)."""
    try:
        return selectors.case_for_user(user=user, uuid=key, write=True)
    except Http404 as exc:
        raise serializers.ValidationError({"case": ["No legal case with this key that you may change."]}) from exc


def _case_filter(request: Request) -> LegalCase | None:
    key = request.query_params.get("case", "")
    return selectors.case_for_user(user=_user(request), uuid=key) if key else None


@extend_schema_view(
    list=extend_schema(parameters=CASE_PARAMETER),
    create=extend_schema(request=HearingWriteSerializer, responses={201: HearingSerializer}),
)
class HearingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Hearing]
):
    serializer_class = HearingSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Hearing]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        case = _case_filter(self.request) if self.action == "list" else None
        return selectors.hearing_list(user=user, case=case)

    def get_object(self) -> Hearing:
        return selectors.hearing_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        serializer = HearingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = _case_in_body(user, data.pop("case"))
        hearing = services.hearing_add(actor=user, case=case, data=services.HearingInput(**data))
        return Response(HearingSerializer(hearing).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=CASE_PARAMETER),
    create=extend_schema(request=SubmissionWriteSerializer, responses={201: SubmissionSerializer}),
)
class SubmissionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Submission]
):
    serializer_class = SubmissionSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Submission]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        case = _case_filter(self.request) if self.action == "list" else None
        return selectors.submission_list(user=user, case=case)

    def get_object(self) -> Submission:
        return selectors.submission_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        serializer = SubmissionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        case = _case_in_body(user, data.pop("case"))
        submission = services.submission_add(actor=user, case=case, data=services.SubmissionInput(**data))
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- the rest of a case, read only
class _PartSerializer(AnswerSerializer[Any]):
    case: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")


class StepSerializer(_PartSerializer):
    done_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = InvestigationStep
        fields = ["uuid", "case", "done_on", "done_by", "action", "finding"]


class EvidenceSerializer(_PartSerializer):
    file_url = serializers.SerializerMethodField(
        help_text="The audited download (the web route: an access check, then an audit event), or null"
    )

    class Meta:
        model = Evidence
        fields = [
            "uuid",
            "case",
            "kind",
            "description",
            "source",
            "obtained_on",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "file_url",
        ]

    def get_file_url(self, evidence: Evidence) -> str | None:
        return reverse("justice:evidence_download", args=[evidence.uuid]) if evidence.file else None


class WitnessSerializer(_PartSerializer):
    person: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Witness
        fields = ["uuid", "case", "person", "description"]


class RepatriationSerializer(_PartSerializer):
    class Meta:
        model = Repatriation
        fields = ["uuid", "case", "country", "persons", "authority", "requested_on", "status", "arrived_on", "note"]


class CostSerializer(_PartSerializer):
    budget_line = serializers.CharField(source="budget_line.code", read_only=True, help_text="The budget line's code")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Cost
        fields = ["uuid", "case", "kind", "spent_on", "amount", "currency", "budget_line", "note"]


class JudgmentSerializer(_PartSerializer):
    compensation_ordered = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    compensation_received = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Verdict
        fields = [
            "uuid",
            "case",
            "level",
            "decided_on",
            "outcome",
            "sentence",
            "currency",
            "compensation_ordered",
            "compensation_received",
            "appealed",
        ]


class EscalationSerializer(_PartSerializer):
    class Meta:
        model = Escalation
        fields = ["uuid", "case", "raised_on", "reason", "responded_on", "response"]


def _part_viewset(model: type[Any], serializer: type[_PartSerializer]) -> type[viewsets.GenericViewSet[Any]]:
    """List (`?case=<uuid>`) and read one kind of a case's records, through selectors.part_list/part_for_user."""

    @extend_schema_view(list=extend_schema(parameters=CASE_PARAMETER))
    class PartViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):
        serializer_class = serializer
        lookup_field = "uuid"
        lookup_value_regex = UUID_PATTERN

        def get_queryset(self) -> QuerySet[Any]:
            user = _user(self.request)
            access.require(user, C.VIEW_CASE)
            case = _case_filter(self.request) if self.action == "list" else None
            return selectors.part_list(user=user, model=model, case=case)

        def get_object(self) -> Any:
            return selectors.part_for_user(user=_user(self.request), model=model, uuid=self.kwargs["uuid"])

    PartViewSet.__name__ = PartViewSet.__qualname__ = f"{model.__name__}ViewSet"
    return PartViewSet


PARTS = {
    "steps": (InvestigationStep, StepSerializer, "step"),
    "evidence": (Evidence, EvidenceSerializer, "evidence"),
    "witnesses": (Witness, WitnessSerializer, "witness"),
    "repatriations": (Repatriation, RepatriationSerializer, "repatriation"),
    "costs": (Cost, CostSerializer, "cost"),
    "judgments": (Verdict, JudgmentSerializer, "judgment"),
    "escalations": (Escalation, EscalationSerializer, "escalation"),
}

app_name = "justice_api"
router = SimpleRouter()
router.register("cases", LegalCaseViewSet, basename="case")
router.register("hearings", HearingViewSet, basename="hearing")
router.register("submissions", SubmissionViewSet, basename="submission")
for prefix, (model, serializer, basename) in PARTS.items():
    router.register(prefix, _part_viewset(model, serializer), basename=basename)
urlpatterns = router.urls
