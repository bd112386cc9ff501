"""The livelihoods API under /api/v1/livelihoods/ (DESIGN §9): DRF viewsets over the app's selectors and
services (no second set of rules). Groups can be formed and meetings recorded; the rest is read. The in-kind banks'
endpoints are in bank_api.

A meeting sent twice with the same `submission` key answers 200 with the meeting recorded the first time
(nothing saved again); a new meeting answers 201.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
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
from karpear.core.models import User
from karpear.livelihoods import bank_api, selectors, services, training_api
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import (
    Attendance,
    Group,
    GroupMember,
    LedgerEntry,
    Loan,
    Meeting,
    ShareOut,
    ShareOutLine,
)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


# ---------------------------------------------------------------- answers
class GroupSerializer(AnswerSerializer[Group]):
    province = serializers.CharField(source="province_id", read_only=True)
    district = serializers.CharField(source="district_id", read_only=True)
    commune = serializers.CharField(source="commune_id", read_only=True)
    village = serializers.IntegerField(source="village_id", read_only=True, allow_null=True)
    facilitator = serializers.SlugRelatedField(read_only=True, slug_field="uuid", allow_null=True)

    class Meta:
        model = Group
        fields = [
            "uuid",
            "name",
            "kind",
            "province",
            "district",
            "commune",
            "village",
            "facilitator",
            "formed_on",
            "dissolved_on",
            "dissolution_reason",
        ]


class GroupMemberSerializer(AnswerSerializer[GroupMember]):
    """A member: the group's number for them and core's pseudonymous person (nothing that identifies them)."""

    group = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    person = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    initials = serializers.CharField(source="person.initials", read_only=True)
    sex = serializers.CharField(source="person.sex", read_only=True)
    left_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = GroupMember
        fields = ["uuid", "group", "number", "person", "initials", "sex", "joined_on", "left_on", "exit_reason"]


class AttendanceSerializer(serializers.Serializer[Any]):
    member = serializers.IntegerField(source="member.number", read_only=True, help_text="Member number")
    status = serializers.ChoiceField(choices=Attendance.Status.choices, read_only=True)


class MeetingSerializer(AnswerSerializer[Meeting]):
    group = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    cycle = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Meeting
        fields = ["uuid", "group", "cycle", "number", "held_on", "submission", "note"]


class LedgerEntrySerializer(AnswerSerializer[LedgerEntry]):
    group = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    meeting = serializers.SlugRelatedField(read_only=True, slug_field="uuid", allow_null=True)
    member = serializers.IntegerField(
        source="member.number", read_only=True, allow_null=True, help_text="Member number"
    )
    loan = serializers.SlugRelatedField(read_only=True, slug_field="uuid", allow_null=True)
    reverses = serializers.SlugRelatedField(read_only=True, slug_field="uuid", allow_null=True)
    principal = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="Change of the loan's principal owed"
    )
    shares = serializers.IntegerField(read_only=True, help_text="Change of the member's shares")

    class Meta:
        model = LedgerEntry
        fields = [
            "uuid",
            "group",
            "meeting",
            "member",
            "loan",
            "kind",
            "fund",
            "amount",
            "principal",
            "shares",
            "on",
            "reverses",
            "note",
        ]


class LoanSerializer(AnswerSerializer[Loan]):
    member = serializers.IntegerField(source="member.number", read_only=True, help_text="Member number")
    cycle = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Loan
        fields = [
            "uuid",
            "cycle",
            "member",
            "principal",
            "charge_method",
            "charge_rate",
            "term_months",
            "disbursed_on",
            "closed_on",
        ]


class ShareOutLineSerializer(AnswerSerializer[ShareOutLine]):
    member = serializers.IntegerField(source="member.number", read_only=True, help_text="Member number")

    class Meta:
        model = ShareOutLine
        fields = ["member", "shares", "savings", "gross", "netted", "payout"]


class ShareOutSerializer(AnswerSerializer[ShareOut]):
    group = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    cycle = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    lines = ShareOutLineSerializer(many=True, read_only=True)

    class Meta:
        model = ShareOut
        fields = [
            "uuid",
            "group",
            "cycle",
            "held_on",
            "total_shares",
            "loan_fund_cash",
            "netted",
            "carried_forward",
            "residue",
            "pool",
            "value_per_share",
            "social_fund_kept",
            "lines",
        ]


# ---------------------------------------------------------------- input
class GroupWriteSerializer(serializers.Serializer[Any]):
    name = Text(max_length=120)
    kind = serializers.ChoiceField(choices=Group.Kind.choices)
    village = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="Village id (as in /places/villages/)"
    )
    formed_on = serializers.DateField()

    def to_input(self) -> services.GroupInput:
        data = self.validated_data
        try:
            place = core_services.resolve_place(village=data["village"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return services.GroupInput(name=data["name"], kind=data["kind"], place=place, formed_on=data["formed_on"])


class MemberRowSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(min_value=1, max_value=32767, help_text="Member number")
    attendance = serializers.ChoiceField(choices=Attendance.Status.choices)
    social = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default=Decimal(0))
    shares = serializers.IntegerField(min_value=0, max_value=99, required=False, default=0)
    repayment = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, default=Decimal(0)
    )
    fine = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default=Decimal(0))
    payout = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default=Decimal(0))
    loan = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default=Decimal(0))


class MeetingWriteSerializer(serializers.Serializer[Any]):
    cycle = serializers.UUIDField(help_text="The open cycle of the group")
    number = serializers.IntegerField(min_value=1, max_value=32767)
    held_on = serializers.DateField()
    submission = serializers.UUIDField(required=False, allow_null=True, help_text="Idempotency key of this submission")
    note = Text(required=False, allow_blank=True, max_length=500)
    rows = MemberRowSerializer(many=True, help_text="One row per member, in any order")

    def to_input(self) -> services.MeetingInput:
        data = self.validated_data
        rows = [services.MemberRow(**row) for row in data["rows"]]
        return services.MeetingInput(
            number=data["number"],
            held_on=data["held_on"],
            rows=rows,
            submission=data.get("submission"),
            note=data.get("note", ""),
        )


# ---------------------------------------------------------------- viewsets
GROUP_FILTERS = [
    OpenApiParameter("q", str, description="The start of the group's name"),
    OpenApiParameter("kind", str, enum=Group.Kind.values, description="Kind of group"),
]


@extend_schema_view(
    list=extend_schema(parameters=GROUP_FILTERS),
    create=extend_schema(request=GroupWriteSerializer, responses={201: GroupSerializer}),
)
class GroupViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Group]
):
    serializer_class = GroupSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Group]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        params = self.request.query_params
        kind = params.get("kind", "")
        if kind and kind not in Group.Kind.values:
            raise serializers.ValidationError({"kind": ["Unknown kind of group."]})
        return selectors.group_list(user=user, query=params.get("q", "")[:100], kind=kind).select_related("facilitator")

    def get_object(self) -> Group:
        return selectors.group_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.CHANGE_GROUP)
        serializer = GroupWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = services.group_create(actor=user, data=serializer.to_input())
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)


def _group_filter(request: Request) -> Group | None:
    key = request.query_params.get("group", "")
    return selectors.group_for_user(user=_user(request), uuid=key) if key else None


GROUP_PARAMETER = [OpenApiParameter("group", str, description="Only this group's (its uuid)")]


@extend_schema_view(list=extend_schema(parameters=GROUP_PARAMETER))
class GroupMemberViewSet(viewsets.ReadOnlyModelViewSet[GroupMember]):
    serializer_class = GroupMemberSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[GroupMember]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        group = _group_filter(self.request) if self.action == "list" else None
        return selectors.member_list(user=user, group=group)

    def get_object(self) -> GroupMember:
        return selectors.member_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])


@extend_schema_view(
    list=extend_schema(parameters=GROUP_PARAMETER),
    create=extend_schema(request=MeetingWriteSerializer, responses={200: MeetingSerializer, 201: MeetingSerializer}),
)
class MeetingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Meeting]
):
    serializer_class = MeetingSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Meeting]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        group = _group_filter(self.request) if self.action == "list" else None
        return selectors.meeting_list(user=user, group=group)

    def get_object(self) -> Meeting:
        return selectors.meeting_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.RECORD_MEETING)
        serializer = MeetingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            cycle = selectors.cycle_for_user(user=user, uuid=serializer.validated_data["cycle"])
        except Http404 as exc:  # a key in the body, not the path: the input is wrong, not the address
            raise serializers.ValidationError(
                {"cycle": [_("No savings cycle with this key that you may see.")]}
            ) from exc
        result = services.meeting_record(actor=user, cycle=cycle, data=serializer.to_input())
        answer = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(MeetingSerializer(result.meeting).data, status=answer)


@extend_schema_view(list=extend_schema(parameters=GROUP_PARAMETER))
class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet[LedgerEntry]):
    """The append-only ledger: corrections are reversing entries (`reverses`)."""

    serializer_class = LedgerEntrySerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        group = _group_filter(self.request) if self.action == "list" else None
        return selectors.entry_list(user=user, group=group)

    def get_object(self) -> LedgerEntry:
        return selectors.entry_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])


@extend_schema_view(list=extend_schema(parameters=GROUP_PARAMETER))
class LoanViewSet(viewsets.ReadOnlyModelViewSet[Loan]):
    serializer_class = LoanSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Loan]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        group = _group_filter(self.request) if self.action == "list" else None
        return selectors.loan_list(user=user, group=group)

    def get_object(self) -> Loan:
        return selectors.loan_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])


class ShareOutViewSet(viewsets.ReadOnlyModelViewSet[ShareOut]):
    serializer_class = ShareOutSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[ShareOut]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        return selectors.share_out_list(user=user)

    def get_object(self) -> ShareOut:
        user = _user(self.request)
        found = selectors.share_out_for_user(user=user, uuid=self.kwargs["uuid"])  # 404 outside scope
        return selectors.share_out_list(user=user).get(pk=found.pk)


app_name = "livelihoods_api"
router = SimpleRouter()
router.register("groups", GroupViewSet, basename="group")
router.register("members", GroupMemberViewSet, basename="member")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("entries", LedgerEntryViewSet, basename="entry")
router.register("loans", LoanViewSet, basename="loan")
router.register("share-outs", ShareOutViewSet, basename="share-out")
bank_api.register(router)  # in-kind banks
training_api.register(router)  # trainings, the cascade, grants and sales
urlpatterns = router.urls
