"""The justice API under /api/v1/justice/ (DESIGN §9): DRF viewsets over the app's selectors and services (no
second set of rules). Legal cases are listed, read, opened (for a client registered with them) and given to
another lawyer; hearings and submissions are listed per case and recorded; repatriations are requested, their
arrival recorded and the people who arrived handed over to protection; escalations are raised and answered;
advocacy actions and case studies are recorded (a case study's consent too); the parties and the offences,
investigation steps, evidence (uploaded as multipart/form-data, its file checked by content, streamed to private
storage and hashed; read as metadata and the address of the audited download) and its chain of custody,
witnesses and their statements, costs (charged to a budget line) and judgments (the compensation received
updated as it comes in) are recorded, listed per case and read; a submission's reply is recorded. Every write
honours the Idempotency-Key header. Clients and witnesses appear only as core's pseudonymous
person (their uuid): identifying details stay behind core's person API and its audit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access
from karpear.core import services as core_services
from karpear.core.api import AnswerSerializer
from karpear.core.api_fields import Text
from karpear.core.api_idempotency import IdempotentMixin
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.models import Currency, Person, User
from karpear.justice import selectors, services
from karpear.justice.declarations import JusticeCapability as C
from karpear.justice.models import (
    AddresseeKind,
    AdvocacyAction,
    Article,
    CaseStudy,
    Cost,
    CostKind,
    CourtLevel,
    CustodyAction,
    CustodyEntry,
    Escalation,
    Evidence,
    EvidenceKind,
    Handover,
    Hearing,
    InvestigationStep,
    LegalCase,
    Offence,
    Party,
    PartyKind,
    Repatriation,
    RepatriationStatus,
    Statement,
    Submission,
    Verdict,
    VerdictOutcome,
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
            raise serializers.ValidationError({"client_name_km": [_("Enter the name in Khmer or in Latin letters.")]})
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


class LawyerWriteSerializer(serializers.Serializer[Any]):
    lawyer = serializers.UUIDField(help_text="The legal officer's user uuid")
    reason = Text(max_length=300, required=False, allow_blank=True, default="")


class RepatriationWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    country = Text(max_length=2, help_text="ISO 3166-1 alpha-2 code of the country they are stranded in")
    persons = serializers.IntegerField(min_value=1, max_value=500)
    authority = Text(max_length=200)
    requested_on = serializers.DateField()
    note = Text(max_length=500, required=False, allow_blank=True, default="")


class RepatriationStatusWriteSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=RepatriationStatus.choices)
    arrived_on = serializers.DateField(required=False, allow_null=True, help_text="Needed for arrived")


class HandoverWriteSerializer(serializers.Serializer[Any]):
    receiver = serializers.UUIDField(help_text="The organisation that registers their intake (its uuid)")
    people = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=50, help_text="Core person uuids of the case's clients"
    )
    consent_given_by = Text(max_length=100, required=False, allow_blank=True, default="")
    note = Text(max_length=800, required=False, allow_blank=True, default="")


class HandoverSerializer(AnswerSerializer[Any]):
    repatriation: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    referral: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Handover
        fields = ["uuid", "repatriation", "referral"]


class EscalationWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    raised_on = serializers.DateField()
    reason = Text(max_length=2000)


class ResponseWriteSerializer(serializers.Serializer[Any]):
    responded_on = serializers.DateField()
    response = Text(max_length=4000)


class AdvocacyWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    done_on = serializers.DateField()
    body_kind = serializers.ChoiceField(choices=AddresseeKind.choices)
    body = Text(max_length=200)
    action = Text(max_length=300)
    outcome = Text(max_length=4000, required=False, allow_blank=True, default="")


class CaseStudyWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    title = Text(max_length=200)
    text = Text(max_length=8000)


class ConsentWriteSerializer(serializers.Serializer[Any]):
    given = serializers.BooleanField(help_text="true: consent given; false: withdrawn")
    on = serializers.DateField()


class ReplyWriteSerializer(serializers.Serializer[Any]):
    reply_on = serializers.DateField()
    reply = Text(max_length=4000)


class PartyWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=PartyKind.choices)
    name = Text(max_length=200)
    notes = Text(max_length=2000, required=False, allow_blank=True, default="")


class OffenceWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    article = serializers.IntegerField(min_value=1, max_value=32767, help_text="The article of the 2008 law")
    note = Text(max_length=500, required=False, allow_blank=True, default="")


class StepWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    done_on = serializers.DateField()
    action = Text(max_length=300)
    finding = Text(max_length=4000, required=False, allow_blank=True, default="")


class EvidenceWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    description = Text(max_length=300)
    source = Text(max_length=200)  # type: ignore[assignment]  # DRF's metaclass takes it out of the class
    obtained_on = serializers.DateField()
    holder = Text(max_length=200, required=False, allow_blank=True, default="", help_text="Who keeps it now")
    file = serializers.FileField(
        required=False,
        allow_null=True,
        allow_empty_file=True,
        help_text="PDF, photo, audio, video or DOCX, checked by its content; at most 25 MB (multipart/form-data)",
    )


class CustodyWriteSerializer(serializers.Serializer[Any]):
    evidence = serializers.UUIDField()
    at = serializers.DateField()
    action = serializers.ChoiceField(choices=CustodyAction.choices)
    holder = Text(max_length=200)
    note = Text(max_length=500, required=False, allow_blank=True, default="")


class WitnessWriteSerializer(serializers.Serializer[Any]):
    """A witness, registered as a person by core (their name and phone are core's protected identity)."""

    case = serializers.UUIDField()
    description = Text(max_length=200, help_text="Who they are, without their name (e.g. a co-worker on the boat)")
    sex = serializers.ChoiceField(choices=Person.Sex.choices)
    name_km = Text(max_length=150, required=False, allow_blank=True, default="")
    name_latin = Text(max_length=150, required=False, allow_blank=True, default="")
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)
    phone = Text(max_length=30, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("name_km", "").strip() and not attrs.get("name_latin", "").strip():
            raise serializers.ValidationError({"name_km": [_("Enter the name in Khmer or in Latin letters.")]})
        return attrs


class StatementWriteSerializer(serializers.Serializer[Any]):
    witness = serializers.UUIDField()
    taken_on = serializers.DateField()
    summary = Text(max_length=8000)


class CostWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=CostKind.choices)
    spent_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.ChoiceField(choices=Currency.choices)
    subgrant = Text(max_length=40, help_text="The reference of the organisation's sub-grant")
    budget_line = Text(max_length=20, help_text="The code of the sub-grant's budget line the cost is charged to")
    note = Text(max_length=300, required=False, allow_blank=True, default="")


class JudgmentWriteSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField()
    level = serializers.ChoiceField(choices=CourtLevel.choices)
    decided_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=VerdictOutcome.choices)
    sentence = Text(max_length=500, required=False, allow_blank=True, default="")
    currency = serializers.ChoiceField(choices=Currency.choices, required=False, default=Currency.USD)
    compensation_ordered = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=Decimal(0))
    compensation_received = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, default=Decimal(0)
    )
    excess_confirmed = serializers.BooleanField(
        required=False, default=False, help_text="true: more was received than ordered, and that is right"
    )
    appealed = serializers.BooleanField(required=False, default=False)


class CompensationWriteSerializer(serializers.Serializer[Any]):
    received = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The compensation received so far, in all"
    )
    excess_confirmed = serializers.BooleanField(required=False, default=False)


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
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[LegalCase],
):
    serializer_class = LegalCaseSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[LegalCase]:
        user = _user(self.request)
        access.require(user, C.VIEW_CASE)
        params = self.request.query_params
        if params.get("mine", "") not in ("", "1"):
            raise serializers.ValidationError({"mine": [_("Give 1, or leave it out.")]})
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

    @extend_schema(request=LawyerWriteSerializer, responses={200: LegalCaseSerializer})
    @action(detail=True, methods=["post"], url_path="lawyer", url_name="lawyer")
    def lawyer(self, request: Request, uuid: str | None = None) -> Response:
        """Give the case to another legal officer of the organisation (a case supervisor), with the reason."""
        user = _user(request)
        access.require(user, C.ASSIGN_LAWYER)
        case = selectors.case_for_user(user=user, uuid=self.kwargs["uuid"], write=True)
        serializer = LawyerWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lawyer = services.lawyers_for(user).filter(uuid=data["lawyer"]).first()
        if lawyer is None:
            raise serializers.ValidationError({"lawyer": [_("Choose a legal officer of your organisation.")]})
        case = services.case_reassign(actor=user, case=case, lawyer=lawyer, reason=data.get("reason", ""))
        return Response(LegalCaseSerializer(case).data)


def _case_in_body(user: User, key: Any) -> LegalCase:
    """The case a write names in its body: one the caller may change, else 400 (the input is wrong, not the
    address)."""
    try:
        return selectors.case_for_user(user=user, uuid=key, write=True)
    except Http404 as exc:
        raise serializers.ValidationError({"case": [_("No legal case with this key that you may change.")]}) from exc


def _case_filter(request: Request) -> LegalCase | None:
    key = request.query_params.get("case", "")
    return selectors.case_for_user(user=_user(request), uuid=key) if key else None


@extend_schema_view(
    list=extend_schema(parameters=CASE_PARAMETER),
    create=extend_schema(request=HearingWriteSerializer, responses={201: HearingSerializer}),
)
class HearingViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Hearing],
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
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Submission],
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

    @extend_schema(request=ReplyWriteSerializer, responses={200: SubmissionSerializer})
    @action(detail=True, methods=["post"], url_path="reply", url_name="reply")
    def reply(self, request: Request, uuid: str | None = None) -> Response:
        """Record the reply to the submission and the day it came (once; not before the letter was sent)."""
        row = _part_for_write(request, Submission, str(uuid))
        data = _validated(ReplyWriteSerializer, request)
        row = services.submission_reply(actor=_user(request), submission=row, **data)
        return Response(SubmissionSerializer(row).data)


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
    subgrant = serializers.CharField(
        source="budget_line.subgrant.reference", read_only=True, help_text="The sub-grant's reference"
    )
    budget_line = serializers.CharField(source="budget_line.code", read_only=True, help_text="The budget line's code")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Cost
        fields = ["uuid", "case", "kind", "spent_on", "amount", "currency", "subgrant", "budget_line", "note"]


class PartySerializer(_PartSerializer):
    class Meta:
        model = Party
        fields = ["uuid", "case", "kind", "name", "notes"]


class OffenceSerializer(_PartSerializer):
    article = serializers.IntegerField(source="article.number", read_only=True, help_text="The article of the 2008 law")

    class Meta:
        model = Offence
        fields = ["uuid", "case", "article", "note"]


class StatementSerializer(_PartSerializer):
    witness: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Statement
        fields = ["uuid", "case", "witness", "taken_on", "summary"]


class CustodySerializer(_PartSerializer):
    evidence: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = CustodyEntry
        fields = ["uuid", "case", "evidence", "at", "action", "holder", "note"]


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


class AdvocacySerializer(_PartSerializer):
    class Meta:
        model = AdvocacyAction
        fields = ["uuid", "case", "done_on", "body_kind", "body", "action", "outcome"]


class CaseStudySerializer(_PartSerializer):
    for_donor_reports = serializers.BooleanField(
        read_only=True, help_text="The client's consent is recorded and not withdrawn"
    )

    class Meta:
        model = CaseStudy
        fields = ["uuid", "case", "title", "text", "consent_on", "withdrawn_on", "for_donor_reports"]


def _validated(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _part_for_write(request: Request, model: type[Any], uuid: str, also: str | None = None) -> Any:
    """A record of a case the caller may change (404 outside their scope, 403 read-only), then `also`."""
    user = _user(request)
    part = access.get_for_user(user, model, uuid, write=True, queryset=model._default_manager.select_related("case"))
    if also is not None:
        access.require(user, also)
    return part


def _in_body[M: Any](user: User, model: type[M], key: Any, field: str) -> M:
    """A record a write names in its body (a witness, an evidence item): one the caller may change, else 400."""
    try:
        found: M = access.get_for_user(
            user,
            model,
            key,
            write=True,
            queryset=model._default_manager.select_related("case"),
        )
    except Http404 as exc:
        raise serializers.ValidationError({field: [_("No record with this key that you may change.")]}) from exc
    return found


def _created(serializer_class: type[serializers.Serializer[Any]], row: Any) -> Response:
    return Response(serializer_class(row).data, status=status.HTTP_201_CREATED)


class PartyWrites:
    @extend_schema(request=PartyWriteSerializer, responses={201: PartySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a suspect, broker, recruitment agency, company or official the case is about."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(PartyWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        return _created(PartySerializer, services.party_add(actor=user, case=case, **data))


class OffenceWrites:
    @extend_schema(request=OffenceWriteSerializer, responses={201: OffenceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add an offence of the case, by the number of its article of the 2008 law."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(OffenceWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        article = Article.objects.filter(number=data["article"], active=True).first()
        if article is None:
            raise serializers.ValidationError(
                {"article": [_("No article of the 2008 law with this number is in use.")]}
            )
        return _created(
            OffenceSerializer, services.offence_add(actor=user, case=case, article=article, note=data["note"])
        )


class StepWrites:
    @extend_schema(request=StepWriteSerializer, responses={201: StepSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an investigation step done by the caller: the day, what was done and what it found."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(StepWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        return _created(StepSerializer, services.step_add(actor=user, case=case, **data))


class EvidenceWrites:
    # The one body that is not JSON: multipart/form-data carries the file (Django's upload handlers stream a large
    # one to a temporary file, never whole in memory), with or without a file, declared once in the schema.
    parser_classes = [parsers.MultiPartParser]

    @extend_schema(request={"multipart/form-data": EvidenceWriteSerializer}, responses={201: EvidenceSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an evidence item with its file, if any: type checked by content and size limited before
        anything is saved, the file streamed into private storage with its SHA-256; the holder given is the first
        link of its chain of custody."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(EvidenceWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        upload = data.pop("file", None)
        row = services.evidence_add(actor=user, case=case, data=services.EvidenceInput(**data), upload=upload)
        return _created(EvidenceSerializer, row)


class CustodyWrites:
    @extend_schema(request=CustodyWriteSerializer, responses={201: CustodySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add the next link of an evidence item's chain of custody (not dated before the previous one)."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(CustodyWriteSerializer, request)
        evidence = _in_body(user, Evidence, data.pop("evidence"), "evidence")
        return _created(CustodySerializer, services.custody_add(actor=user, evidence=evidence, **data))


class WitnessWrites:
    @extend_schema(request=WitnessWriteSerializer, responses={201: WitnessSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Register a witness of the case: their identity is core's (protected and audited as a survivor's); the
        answer names them only by their person's uuid."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(WitnessWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        description = data.pop("description")
        row = services.witness_add(
            actor=user, case=case, person=core_services.PersonInput(**data), description=description
        )
        return _created(WitnessSerializer, row)


class StatementWrites:
    @extend_schema(request=StatementWriteSerializer, responses={201: StatementSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a witness's statement (not in the future)."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(StatementWriteSerializer, request)
        witness = _in_body(user, Witness, data.pop("witness"), "witness")
        return _created(StatementSerializer, services.statement_add(actor=user, witness=witness, **data))


class CostWrites:
    @extend_schema(request=CostWriteSerializer, responses={201: CostSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a cost paid for the case (legal fees, travel, repatriation, other) in USD or whole riel,
        charged to a budget line of one of the organisation's sub-grants (justice_record_cost)."""
        user = _user(request)
        access.require(user, C.RECORD_COST)
        data = _validated(CostWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        line = (
            services.budget_lines_for(user)
            .filter(subgrant__reference=data.pop("subgrant"), code=data.pop("budget_line"))
            .first()
        )
        if line is None:
            raise serializers.ValidationError(
                {"budget_line": [_("No budget line of your organisation's sub-grants with this code.")]}
            )
        row = services.cost_add(actor=user, case=case, data=services.CostInput(budget_line=line, **data))
        return _created(CostSerializer, row)


class JudgmentWrites:
    @extend_schema(request=JudgmentWriteSerializer, responses={201: JudgmentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a court's judgment at one level: verdict, sentence, compensation ordered and received (more
        received than ordered needs excess_confirmed). Not appealed, the case's status becomes "judgment given"."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(JudgmentWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        return _created(
            JudgmentSerializer, services.verdict_record(actor=user, case=case, data=services.VerdictInput(**data))
        )

    @extend_schema(request=CompensationWriteSerializer, responses={200: JudgmentSerializer})
    @action(detail=True, methods=["post"], url_path="compensation", url_name="compensation")
    def compensation(self, request: Request, uuid: str | None = None) -> Response:
        """Update the compensation received so far (it often comes in instalments)."""
        row = _part_for_write(request, Verdict, str(uuid))
        data = _validated(CompensationWriteSerializer, request)
        row = services.compensation_receive(actor=_user(request), verdict=row, **data)
        return Response(JudgmentSerializer(row).data)


class RepatriationWrites:
    @extend_schema(request=RepatriationWriteSerializer, responses={201: RepatriationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Request a repatriation for the case (the country, how many, the authority asked)."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(RepatriationWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        row = services.repatriation_add(actor=user, case=case, data=services.RepatriationInput(**data))
        return Response(RepatriationSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RepatriationStatusWriteSerializer, responses={200: RepatriationSerializer})
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request: Request, uuid: str | None = None) -> Response:
        """Where the request stands; "arrived" with the arrival date records their arrival home."""
        row = _part_for_write(request, Repatriation, str(uuid))
        data = _validated(RepatriationStatusWriteSerializer, request)
        row = services.repatriation_status_set(actor=_user(request), repatriation=row, **data)
        return Response(RepatriationSerializer(row).data)

    @extend_schema(request=HandoverWriteSerializer, responses={201: HandoverSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="handover", url_name="handover")
    def handover(self, request: Request, uuid: str | None = None) -> Response:
        """Hand the people who arrived over to protection: a referral per person, through core, to the
        organisation that registers their intake (with their consent, recorded now when consent_given_by is
        given)."""
        user = _user(request)
        row = _part_for_write(request, Repatriation, str(uuid))
        data = _validated(HandoverWriteSerializer, request)
        receiver = selectors.handover_receivers(user=user).filter(uuid=data["receiver"]).first()
        if receiver is None:
            raise serializers.ValidationError({"receiver": [_("No active partner organisation with this key.")]})
        people = list(selectors.handover_people(user=user, case=row.case).filter(uuid__in=data["people"]))
        if len(people) != len(set(data["people"])):
            raise serializers.ValidationError({"people": [_("Choose among the clients of the case.")]})
        done = services.repatriation_handover(
            actor=user,
            repatriation=row,
            data=services.HandoverInput(
                receiver=receiver,
                people=people,
                consent_given_by=data.get("consent_given_by", ""),
                note=data.get("note", ""),
            ),
        )
        return Response(HandoverSerializer(done, many=True).data, status=status.HTTP_201_CREATED)


class EscalationWrites:
    @extend_schema(request=EscalationWriteSerializer, responses={201: EscalationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Escalate the case to the central office, with the reason."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(EscalationWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        row = services.escalation_raise(actor=user, case=case, **data)
        return Response(EscalationSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResponseWriteSerializer, responses={200: EscalationSerializer})
    @action(detail=True, methods=["post"], url_path="response", url_name="response")
    def respond(self, request: Request, uuid: str | None = None) -> Response:
        """The central office's response (a case supervisor's), once."""
        row = _part_for_write(request, Escalation, str(uuid), also=C.RESPOND_ESCALATION)
        data = _validated(ResponseWriteSerializer, request)
        row = services.escalation_respond(actor=_user(request), escalation=row, **data)
        return Response(EscalationSerializer(row).data)


class AdvocacyWrites:
    @extend_schema(request=AdvocacyWriteSerializer, responses={201: AdvocacySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an advocacy action with a government body, and its outcome."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(AdvocacyWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        row = services.advocacy_add(actor=user, case=case, data=services.AdvocacyInput(**data))
        return Response(AdvocacySerializer(row).data, status=status.HTTP_201_CREATED)


class CaseStudyWrites:
    @extend_schema(request=CaseStudyWriteSerializer, responses={201: CaseStudySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write the case's case study for donor reports: anonymised (a text naming a client or a witness is
        refused)."""
        user = _user(request)
        access.require(user, C.CHANGE_CASE)
        data = _validated(CaseStudyWriteSerializer, request)
        case = _case_in_body(user, data.pop("case"))
        row = services.case_study_write(actor=user, case=case, **data)
        return Response(CaseStudySerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsentWriteSerializer, responses={200: CaseStudySerializer})
    @action(detail=True, methods=["post"], url_path="consent", url_name="consent")
    def consent(self, request: Request, uuid: str | None = None) -> Response:
        """Record the client's consent to the case study appearing in donor reports, or its withdrawal."""
        row = _part_for_write(request, CaseStudy, str(uuid))
        data = _validated(ConsentWriteSerializer, request)
        row = services.case_study_consent(actor=_user(request), study=row, **data)
        return Response(CaseStudySerializer(row).data)


def _part_viewset(
    model: type[Any], serializer: type[_PartSerializer], writes: type | None = None
) -> type[viewsets.GenericViewSet[Any]]:
    """List (`?case=<uuid>`) and read one kind of a case's records, through selectors.part_list/part_for_user;
    with `writes`, its writes too (their services), each honouring the Idempotency-Key header."""
    bases: tuple[type, ...] = (IdempotentMixin, writes) if writes is not None else ()

    @extend_schema_view(list=extend_schema(parameters=CASE_PARAMETER))
    class PartViewSet(*bases, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]):  # type: ignore[misc]
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


PARTS: dict[str, tuple[type[Any], type[_PartSerializer], str, type | None]] = {
    "parties": (Party, PartySerializer, "party", PartyWrites),
    "offences": (Offence, OffenceSerializer, "offence", OffenceWrites),
    "steps": (InvestigationStep, StepSerializer, "step", StepWrites),
    "evidence": (Evidence, EvidenceSerializer, "evidence", EvidenceWrites),
    "custody": (CustodyEntry, CustodySerializer, "custody", CustodyWrites),
    "witnesses": (Witness, WitnessSerializer, "witness", WitnessWrites),
    "statements": (Statement, StatementSerializer, "statement", StatementWrites),
    "repatriations": (Repatriation, RepatriationSerializer, "repatriation", RepatriationWrites),
    "costs": (Cost, CostSerializer, "cost", CostWrites),
    "judgments": (Verdict, JudgmentSerializer, "judgment", JudgmentWrites),
    "escalations": (Escalation, EscalationSerializer, "escalation", EscalationWrites),
    "advocacy": (AdvocacyAction, AdvocacySerializer, "advocacy", AdvocacyWrites),
    "case-studies": (CaseStudy, CaseStudySerializer, "case-study", CaseStudyWrites),
}

app_name = "justice_api"
router = SimpleRouter()
router.register("cases", LegalCaseViewSet, basename="case")
router.register("hearings", HearingViewSet, basename="hearing")
router.register("submissions", SubmissionViewSet, basename="submission")
for prefix, (model, serializer, basename, writes) in PARTS.items():
    router.register(prefix, _part_viewset(model, serializer, writes), basename=basename)
urlpatterns = router.urls
