"""The livelihoods API under /api/v1/livelihoods/ (DESIGN §9): DRF viewsets over the app's selectors and
services (no second set of rules). Groups are formed, members added (a person registered already, or registered
here) and leave, savings cycles opened with their constitution, meetings recorded, ledger entries corrected by a
reversing entry and cycles shared out; the rest is read. The in-kind banks' endpoints are in bank_api.

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
from karpear.core.models import Currency, Household, Person, User
from karpear.livelihoods import bank_api, selectors, services, training_api
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import (
    Attendance,
    ChargeMethod,
    Cycle,
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


CONSTITUTION = [
    "started_on",
    "planned_end_on",
    "currency",
    "share_price",
    "min_shares",
    "max_shares",
    "social_fund_contribution",
    "loan_multiple",
    "charge_method",
    "charge_rate",
    "loan_term_months",
    "fine_absence",
    "fine_late",
    "meeting_every_days",
    "membership_unit",
    "rounding_unit",
]


class CycleSerializer(AnswerSerializer[Cycle]):
    """A savings cycle and its constitution; `closed_on` is the day of its share-out."""

    group = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    # Declared: the one-open-cycle constraint would make DRF give it a default, which an answer's field has not.
    closed_on = serializers.DateField(read_only=True, allow_null=True, help_text="The day of its share-out")

    class Meta:
        model = Cycle
        fields = ["uuid", "group", "number", *CONSTITUTION, "closed_on"]


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


class MemberWriteSerializer(serializers.Serializer[Any]):
    """Add a member: a person your organisation registered already (`person`), or a new person registered in the
    group's village with the fields below (core's registration: a name in Khmer or Latin letters, and the sex)."""

    group = serializers.UUIDField()
    joined_on = serializers.DateField()
    person = serializers.UUIDField(required=False, allow_null=True, help_text="A registered person's uuid")
    sex = serializers.ChoiceField(choices=Person.Sex.choices, required=False)
    name_km = Text(max_length=150, required=False, allow_blank=True, default="")
    name_latin = Text(max_length=150, required=False, allow_blank=True, default="")
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)
    household_code = Text(
        max_length=30, required=False, allow_blank=True, default="", help_text="A new household with this number"
    )
    poverty_status = serializers.ChoiceField(
        choices=Household.Poverty.choices, required=False, default=Household.Poverty.NOT_ASSESSED
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("person") is None:
            if not attrs.get("sex"):
                raise serializers.ValidationError({"sex": [_("Choose one of the answers.")]})
            if not attrs.get("name_km", "").strip() and not attrs.get("name_latin", "").strip():
                raise serializers.ValidationError({"name_km": [_("Enter the name in Khmer or in Latin letters.")]})
        return attrs


class LeaveWriteSerializer(serializers.Serializer[Any]):
    on = serializers.DateField()
    reason = serializers.ChoiceField(choices=GroupMember.Exit.choices)


def _money(**options: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0), **options)


class CycleWriteSerializer(serializers.Serializer[Any]):
    """Open the group's next savings cycle with its constitution (the previous cycle shared out)."""

    group = serializers.UUIDField()
    started_on = serializers.DateField()
    planned_end_on = serializers.DateField(help_text="The planned share-out, within two years")
    currency = serializers.ChoiceField(choices=Currency.choices, required=False, default=Currency.KHR)
    share_price = _money()
    min_shares = serializers.IntegerField(min_value=1, max_value=99, required=False, default=1)
    max_shares = serializers.IntegerField(min_value=1, max_value=99, required=False, default=5)
    social_fund_contribution = _money(required=False, default=Decimal(0))
    loan_multiple = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal(0), required=False, default=Decimal(3)
    )
    charge_method = serializers.ChoiceField(
        choices=ChargeMethod.choices, required=False, default=ChargeMethod.DECLINING
    )
    charge_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(20), help_text="% a month"
    )
    loan_term_months = serializers.IntegerField(min_value=1, max_value=12, required=False, default=3)
    fine_absence = _money(required=False, default=Decimal(0))
    fine_late = _money(required=False, default=Decimal(0))
    meeting_every_days = serializers.IntegerField(min_value=1, max_value=31, required=False, default=7)
    membership_unit = serializers.ChoiceField(
        choices=Cycle.MembershipUnit.choices, required=False, default=Cycle.MembershipUnit.PERSON
    )
    rounding_unit = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0.01"), required=False, default=Decimal(100)
    )


class ShareOutWriteSerializer(serializers.Serializer[Any]):
    cycle = serializers.UUIDField(help_text="The open cycle to close with its share-out")
    carry_forward = _money(required=False, default=Decimal(0), help_text="Kept in the box for the next cycle")


class ReverseWriteSerializer(serializers.Serializer[Any]):
    reason = Text(max_length=300)


def _validated(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _group_in_body(user: User, key: Any) -> Group:
    """The group a write names in its body: one the caller may change, else 400 (the input is wrong)."""
    try:
        return selectors.group_for_user(user=user, uuid=key, write=True)
    except Http404 as exc:
        raise serializers.ValidationError({"group": [_("No group with this key that you may change.")]}) from exc


def _cycle_in_body(user: User, key: Any) -> Cycle:
    try:
        return selectors.cycle_for_user(user=user, uuid=key, write=True)
    except Http404 as exc:
        raise serializers.ValidationError({"cycle": [_("No savings cycle with this key that you may see.")]}) from exc


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


@extend_schema_view(
    list=extend_schema(parameters=GROUP_PARAMETER),
    create=extend_schema(request=MemberWriteSerializer, responses={201: GroupMemberSerializer}),
)
class GroupMemberViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[GroupMember],
):
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

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.CHANGE_GROUP)
        data = _validated(MemberWriteSerializer, request)
        group = _group_in_body(user, data["group"])
        if data.get("person") is not None:
            try:
                person = access.get_person_for_user(user, data["person"])
            except Http404 as exc:
                raise serializers.ValidationError({"person": [_("Nobody you may see has this key.")]}) from exc
            member = services.member_add(actor=user, group=group, person=person, joined_on=data["joined_on"])
        else:
            household = data["household_code"]
            person_data = core_services.PersonInput(
                sex=data["sex"],
                birth_year=data.get("birth_year"),
                name_km=data["name_km"],
                name_latin=data["name_latin"],
                new_household_code=household,
                new_household_poverty=data["poverty_status"],
                relationship_to_head="head" if household else "",
            )
            member = services.member_register(actor=user, group=group, data=person_data, joined_on=data["joined_on"])
        return Response(GroupMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeaveWriteSerializer, responses={200: GroupMemberSerializer})
    @action(detail=True, methods=["post"], url_path="leave", url_name="leave")
    def leave(self, request: Request, uuid: str | None = None) -> Response:
        """The member leaves the group (once; not while they owe a loan)."""
        user = _user(request)
        member = selectors.member_for_user(user=user, uuid=self.kwargs["uuid"], write=True)  # 404, then 403
        data = _validated(LeaveWriteSerializer, request)
        member = services.member_leave(actor=user, member=member, on=data["on"], reason=data["reason"])
        return Response(GroupMemberSerializer(member).data)


@extend_schema_view(
    list=extend_schema(parameters=GROUP_PARAMETER),
    create=extend_schema(request=CycleWriteSerializer, responses={201: CycleSerializer}),
)
class CycleViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Cycle],
):
    serializer_class = CycleSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Cycle]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        group = _group_filter(self.request) if self.action == "list" else None
        return selectors.cycle_list(user=user, group=group)

    def get_object(self) -> Cycle:
        return selectors.cycle_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.CHANGE_GROUP)
        data = _validated(CycleWriteSerializer, request)
        group = _group_in_body(user, data.pop("group"))
        cycle = services.cycle_open(actor=user, group=group, data=services.ConstitutionInput(**data))
        return Response(CycleSerializer(cycle).data, status=status.HTTP_201_CREATED)


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
class LedgerEntryViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet[LedgerEntry]):
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

    @extend_schema(request=ReverseWriteSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"], url_path="reverse", url_name="reverse")
    def reverse(self, request: Request, uuid: str | None = None) -> Response:
        """Correct the entry by a reversing entry (the same amounts with the opposite sign); the entry itself is
        never changed. Answers the reversing entry."""
        user = _user(request)
        entry = selectors.entry_for_user(user=user, uuid=self.kwargs["uuid"], write=True)  # 404, then 403
        data = _validated(ReverseWriteSerializer, request)
        reversing = services.entry_reverse(actor=user, entry=entry, reason=data["reason"])
        return Response(LedgerEntrySerializer(reversing).data, status=status.HTTP_201_CREATED)


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


@extend_schema_view(create=extend_schema(request=ShareOutWriteSerializer, responses={201: ShareOutSerializer}))
class ShareOutViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[ShareOut],
):
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

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Close the cycle with its share-out: loans still owed netted from their borrowers' payouts, the payouts
        adding up exactly to the pool in the cycle's rounding unit."""
        user = _user(request)
        access.require(user, C.SHARE_OUT)
        data = _validated(ShareOutWriteSerializer, request)
        cycle = _cycle_in_body(user, data["cycle"])
        done = services.share_out_confirm(actor=user, cycle=cycle, carry_forward=data["carry_forward"])
        return Response(
            ShareOutSerializer(selectors.share_out_list(user=user).get(pk=done.pk)).data,
            status=status.HTTP_201_CREATED,
        )


app_name = "livelihoods_api"
router = SimpleRouter()
router.register("groups", GroupViewSet, basename="group")
router.register("members", GroupMemberViewSet, basename="member")
router.register("cycles", CycleViewSet, basename="cycle")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("entries", LedgerEntryViewSet, basename="entry")
router.register("loans", LoanViewSet, basename="loan")
router.register("share-outs", ShareOutViewSet, basename="share-out")
bank_api.register(router)  # in-kind banks
training_api.register(router)  # trainings, the cascade, grants and sales
urlpatterns = router.urls
