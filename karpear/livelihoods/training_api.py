"""Trainings, the cascade, small grants and sales in the livelihoods API (/api/v1/livelihoods/, registered by
api.py), over the same services and selectors as the pages: trainings recorded and their attendance set (the
whole list, so sending it twice changes nothing), the cascade's counts from attendance; grants applied for by a
group member, decided (approved with an override reason when a condition is not met, or refused), disbursed
once and followed up; sales recorded. The rest is read. The services lock the training's or the grant's row, so
two clients at once take turns and the second is told what the first did; every write also honours core's
`Idempotency-Key` header (a resent request answers as the first did)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access
from karpear.core.api import AnswerSerializer
from karpear.core.api_fields import Text
from karpear.core.api_idempotency import IdempotentMixin
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.models import Currency, Programme, User
from karpear.livelihoods import (
    grant_selectors,
    grant_services,
    market_selectors,
    market_services,
    selectors,
    training_selectors,
    training_services,
)
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import (
    FarmerRole,
    Grant,
    GrantFollowUp,
    Product,
    Sale,
    Training,
    Unit,
)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _found[T](field: str, message: str, find: Callable[[], T]) -> T:
    try:
        found: T = find()
    except Http404 as exc:
        raise serializers.ValidationError({field: [message]}) from exc
    return found


def _group_write(
    request: Request, capability: str, serializer_class: type[serializers.Serializer[Any]]
) -> tuple[User, dict[str, Any], Any]:
    """A create that names its group: the caller's capability, the body checked by `serializer_class`, and the
    group (by its uuid, one the caller may see) — the trainings' and the sales' POST alike."""
    user = _user(request)
    access.require(user, capability)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    data: dict[str, Any] = serializer.validated_data
    group = _found(
        "group",
        _("No group with this key that you may see."),
        lambda: selectors.group_for_user(user=user, uuid=data["group"]),
    )
    return user, data, group


def _detail_write(
    view: viewsets.GenericViewSet[Any],
    request: Request,
    capability: str,
    serializer_class: type[serializers.Serializer[Any]],
) -> tuple[User, Any, dict[str, Any]]:
    """A POST on one row (`<uuid>/attendance/`, `decide/`, `disburse/`, `record/`): the row the caller sees, the
    capability on it, and the body checked by `serializer_class`."""
    user = _user(request)
    obj = view.get_object()
    access.require(user, capability, obj)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return user, obj, serializer.validated_data


def _key(*, null: bool = False) -> serializers.SlugRelatedField[Any]:
    """A related row named by its uuid (read only)."""
    return serializers.SlugRelatedField(read_only=True, slug_field="uuid", allow_null=null)


# ---------------------------------------------------------------- trainings and the cascade
class TrainingSerializer(AnswerSerializer[Training]):
    group: serializers.SlugRelatedField[Any] = _key()
    trainer_farmer: serializers.SlugRelatedField[Any] = _key(null=True)
    by_staff = serializers.SerializerMethodField()
    attended = serializers.SerializerMethodField()

    class Meta:
        model = Training
        fields = ["uuid", "group", "topic", "title", "held_on", "hours", "trainer_farmer", "by_staff", "attended"]

    def get_by_staff(self, obj: Training) -> bool:
        return obj.trainer_staff_id is not None

    def get_attended(self, obj: Training) -> int:
        return int(getattr(obj, "attended", None) or obj.attendance.count())


class TrainingWriteSerializer(serializers.Serializer[Any]):
    group = serializers.UUIDField()
    topic = serializers.ChoiceField(choices=Training.Topic.choices)
    title = Text(required=False, allow_blank=True, max_length=150)
    held_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    trainer_farmer = serializers.UUIDField(required=False, allow_null=True, help_text="A model farmer; else: staff")


class AttendanceWriteSerializer(serializers.Serializer[Any]):
    people = serializers.ListField(
        child=serializers.UUIDField(),
        max_length=500,
        help_text="Every person present (their uuid): the host group's members, or the organisation's model "
        "farmers for a training given by staff. The whole list each time; sending it again changes nothing.",
    )


CascadeSerializer = inline_serializer(
    "Cascade",
    {
        name: serializers.IntegerField()
        for name in (
            "model_farmers",
            "model_farmers_trained",
            "households_reached",
            "people_reached",
            "advisors",
            "households_followed",
            "advisor_visits",
        )
    },
)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("group", str, description="Only this group's (its uuid)")]),
    create=extend_schema(request=TrainingWriteSerializer, responses={201: TrainingSerializer}),
    attendance=extend_schema(request=AttendanceWriteSerializer, responses={200: TrainingSerializer}),
    cascade=extend_schema(
        parameters=[OpenApiParameter("programme", str, description="Only this programme's (its uuid)")],
        responses={200: CascadeSerializer},
    ),
)
class TrainingViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Training],
):
    """Trainings with how many attended; `attendance` sets who was present; `cascade` counts the cascade from
    attendance."""

    serializer_class = TrainingSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Training]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        key = self.request.query_params.get("group", "") if self.action == "list" else ""
        group = selectors.group_for_user(user=user, uuid=key) if key else None
        return training_selectors.training_list(user=user, group=group)

    def get_object(self) -> Training:
        return training_selectors.training_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, data, group = _group_write(request, C.RECORD_TRAINING, TrainingWriteSerializer)
        farmer = None
        if data.get("trainer_farmer"):
            farmer = _found(
                "trainer_farmer",
                _("Choose a model farmer of your organisation."),
                lambda: training_selectors.farmer_role_for_user(user=user, uuid=data["trainer_farmer"]),
            )
        training = training_services.training_record(
            actor=user,
            group=group,
            data=training_services.TrainingInput(
                topic=data["topic"],
                title=data.get("title", ""),
                held_on=data["held_on"],
                hours=data["hours"],
                trainer_farmer=farmer,
            ),
        )
        return Response(TrainingSerializer(training).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, uuid: str) -> Response:
        user, training, data = _detail_write(self, request, C.RECORD_TRAINING, AttendanceWriteSerializer)
        keys = {str(key) for key in data["people"]}
        offered = {str(c.person.uuid): c.person for c in training_selectors.candidates(user=user, training=training)}
        if keys - offered.keys():
            raise serializers.ValidationError(
                {"people": [_("Somebody on the list is neither a member of the group nor a model farmer.")]}
            )
        training_services.attendance_set(actor=user, training=training, people=[offered[key] for key in keys])
        return Response(TrainingSerializer(training_selectors.training_for_user(user=user, uuid=uuid)).data)

    @action(detail=False, methods=["get"])
    def cascade(self, request: Request) -> Response:
        user = _user(request)
        access.require(user, C.VIEW_GROUP)
        key = request.query_params.get("programme", "")
        try:
            programme = access.get_programme_for_user(user, key) if key else None
        except Http404 as exc:  # a filter that names nothing the caller may see: the input is wrong
            raise serializers.ValidationError({"programme": ["No programme with this key that you may see."]}) from exc
        assert programme is None or isinstance(programme, Programme)
        return Response(training_selectors.cascade_counts(user=user, programme=programme))


class FarmerRoleSerializer(AnswerSerializer[FarmerRole]):
    group: serializers.SlugRelatedField[Any] = _key()
    member: serializers.SlugRelatedField[Any] = _key()
    kind = serializers.ChoiceField(choices=FarmerRole.Kind.choices, read_only=True)
    since = serializers.DateField(read_only=True)
    until = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = FarmerRole
        fields = ["uuid", "group", "member", "kind", "since", "until"]


class FarmerRoleViewSet(viewsets.ReadOnlyModelViewSet[FarmerRole]):
    """Model farmers and farm-business advisors."""

    serializer_class = FarmerRoleSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[FarmerRole]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        return training_selectors.farmer_roles(user=user, active=False)

    def get_object(self) -> FarmerRole:
        return training_selectors.farmer_role_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])


# ---------------------------------------------------------------- grants
class GrantFollowUpSerializer(AnswerSerializer[GrantFollowUp]):
    grant: serializers.SlugRelatedField[Any] = _key()

    class Meta:
        model = GrantFollowUp
        fields = ["uuid", "grant", "month", "due_on", "done_on", "business", "monthly_income", "note"]


class GrantSerializer(AnswerSerializer[Grant]):
    member: serializers.SlugRelatedField[Any] = _key(null=True)
    referred = serializers.BooleanField(read_only=True)
    case_number = serializers.CharField(source="person.case_number", read_only=True)

    class Meta:
        model = Grant
        fields = [
            "uuid",
            "case_number",
            "member",
            "referred",
            "purpose",
            "amount_requested",
            "currency",
            "applied_on",
            "status",
            "eligibility",
            "override_reason",
            "amount_approved",
            "decided_on",
            "decision_note",
            "amount_disbursed",
            "disbursed_on",
        ]


class GrantWriteSerializer(serializers.Serializer[Any]):
    member = serializers.UUIDField(help_text="The applying group member")
    purpose = Text(max_length=1000)
    amount_requested = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.USD)
    applied_on = serializers.DateField(required=False)


class DecisionSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField(help_text="true: approve; false: refuse (then a note says why)")
    on = serializers.DateField(required=False, help_text="Default: today")
    amount_approved = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="Default: the amount requested"
    )
    override_reason = Text(
        required=False, allow_blank=True, max_length=300, help_text="Needed to approve when a condition is not met"
    )
    note = Text(required=False, allow_blank=True, max_length=300)


class DisbursementSerializer(serializers.Serializer[Any]):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.ChoiceField(choices=Currency.choices)
    on = serializers.DateField()


class FollowUpWriteSerializer(serializers.Serializer[Any]):
    done_on = serializers.DateField()
    business = serializers.ChoiceField(choices=GrantFollowUp.Business.choices)
    monthly_income = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    note = Text(required=False, allow_blank=True, max_length=500)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("status", str, enum=Grant.Status.values)]),
    create=extend_schema(request=GrantWriteSerializer, responses={201: GrantSerializer}),
    decide=extend_schema(request=DecisionSerializer, responses={200: GrantSerializer}),
    disburse=extend_schema(request=DisbursementSerializer, responses={200: GrantSerializer}),
)
class GrantViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Grant],
):
    """Small grants: a group member's application (a referred person's is taken in from the referral's page),
    the decision against the conditions in force, and the one disbursement."""

    serializer_class = GrantSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Grant]:
        user = _user(self.request)
        access.require(user, C.VIEW_GRANT)
        state = self.request.query_params.get("status", "")
        if state and state not in Grant.Status.values:
            raise serializers.ValidationError({"status": ["Unknown status."]})
        return grant_selectors.grant_list(user=user, status=state)

    def get_object(self) -> Grant:
        return grant_selectors.grant_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.MANAGE_GRANT)
        serializer = GrantWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = _found(
            "member",
            _("Choose a member of this group."),
            lambda: selectors.member_for_user(user=user, uuid=data["member"]),
        )
        grant = grant_services.grant_apply(
            actor=user,
            member=member,
            data=grant_services.GrantInput(
                purpose=data["purpose"],
                amount_requested=data["amount_requested"],
                currency=data["currency"],
                applied_on=data.get("applied_on"),
            ),
        )
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def decide(self, request: Request, uuid: str) -> Response:
        user, grant, data = _detail_write(self, request, C.APPROVE_GRANT, DecisionSerializer)
        grant = grant_services.grant_decide(
            actor=user,
            grant=grant,
            approve=data["approve"],
            on=data.get("on"),
            amount_approved=data.get("amount_approved"),
            override_reason=data.get("override_reason", ""),
            note=data.get("note", ""),
        )
        return Response(GrantSerializer(grant).data)

    @action(detail=True, methods=["post"])
    def disburse(self, request: Request, uuid: str) -> Response:
        user, grant, data = _detail_write(self, request, C.MANAGE_GRANT, DisbursementSerializer)
        grant = grant_services.grant_disburse(actor=user, grant=grant, **data)
        return Response(GrantSerializer(grant).data)


@extend_schema_view(record=extend_schema(request=FollowUpWriteSerializer, responses={200: GrantFollowUpSerializer}))
class GrantFollowUpViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet[GrantFollowUp]):
    """The business follow-ups of disbursed grants (3, 6 and 12 months); `record` records one."""

    serializer_class = GrantFollowUpSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[GrantFollowUp]:
        user = _user(self.request)
        access.require(user, C.VIEW_GRANT)
        return access.visible(user, GrantFollowUp.objects.all()).select_related("grant").order_by("due_on", "id")

    def get_object(self) -> GrantFollowUp:
        return grant_selectors.follow_up_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    @action(detail=True, methods=["post"])
    def record(self, request: Request, uuid: str) -> Response:
        user, follow_up, data = _detail_write(self, request, C.MANAGE_GRANT, FollowUpWriteSerializer)
        follow_up = grant_services.follow_up_record(
            actor=user,
            follow_up=follow_up,
            done_on=data["done_on"],
            business=data["business"],
            monthly_income=data.get("monthly_income"),
            note=data.get("note", ""),
        )
        return Response(GrantFollowUpSerializer(follow_up).data)


# ---------------------------------------------------------------- sales
class SaleSerializer(AnswerSerializer[Sale]):
    group: serializers.SlugRelatedField[Any] = _key()
    member: serializers.SlugRelatedField[Any] = _key(null=True)
    buyer: serializers.SlugRelatedField[Any] = _key(null=True)

    class Meta:
        model = Sale
        fields = [
            "uuid",
            "group",
            "member",
            "buyer",
            "product",
            "on",
            "quantity",
            "unit",
            "unit_price",
            "amount",
            "currency",
        ]


class SaleWriteSerializer(serializers.Serializer[Any]):
    group = serializers.UUIDField()
    member = serializers.UUIDField(required=False, allow_null=True, help_text="Empty: the group sold together")
    buyer = serializers.UUIDField(required=False, allow_null=True)
    product = serializers.ChoiceField(choices=Product.choices)
    on = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit = serializers.ChoiceField(choices=Unit.choices, default=Unit.KG)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.ChoiceField(choices=Currency.choices, default=Currency.KHR)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("group", str, description="Only this group's (its uuid)")]),
    create=extend_schema(request=SaleWriteSerializer, responses={201: SaleSerializer}),
)
class SaleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Sale]
):
    serializer_class = SaleSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Sale]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        sales = access.visible(user, Sale.objects.all())
        key = self.request.query_params.get("group", "") if self.action == "list" else ""
        if key:
            sales = sales.filter(group=selectors.group_for_user(user=user, uuid=key))
        return sales.select_related("group", "member", "buyer").order_by("-on", "-id")

    def get_object(self) -> Sale:
        return access.get_for_user(_user(self.request), Sale, self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, data, group = _group_write(request, C.RECORD_MEETING, SaleWriteSerializer)
        member = None
        if data.get("member"):
            member = _found(
                "member",
                _("Choose a member of this group."),
                lambda: selectors.member_for_user(user=user, uuid=data["member"]),
            )
        buyer = None
        if data.get("buyer"):
            buyer = market_selectors.buyers(user=user).filter(uuid=data["buyer"]).first()
            if buyer is None:
                raise serializers.ValidationError({"buyer": [_("Choose a buyer your organisation knows.")]})
        sale = market_services.sale_record(
            actor=user,
            group=group,
            data=market_services.SaleInput(
                product=data["product"],
                on=data["on"],
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                unit=data["unit"],
                currency=data["currency"],
                member=member,
                buyer=buyer,
            ),
        )
        return Response(SaleSerializer(sale).data, status=status.HTTP_201_CREATED)


def register(router: SimpleRouter) -> None:
    router.register("trainings", TrainingViewSet, basename="training")
    router.register("farmers", FarmerRoleViewSet, basename="farmer")
    router.register("grants", GrantViewSet, basename="grant")
    router.register("grant-follow-ups", GrantFollowUpViewSet, basename="grant-follow-up")
    router.register("sales", SaleViewSet, basename="sale")
