"""The in-kind banks in the livelihoods API (/api/v1/livelihoods/, registered by api.py), over the same
services as the pages: banks can be opened, stock movements recorded (deposits, loans, repayments in kg or in
cash, losses, reversals), animals received and their events recorded; the rest is read. Members are named by
their number in the bank's group."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access
from karpear.core.api import AnswerSerializer
from karpear.core.api_fields import Text
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.models import Currency, User
from karpear.livelihoods import bank_selectors, bank_services
from karpear.livelihoods import selectors as group_selectors
from karpear.livelihoods.declarations import LivelihoodsCapability as C
from karpear.livelihoods.models import Animal, AnimalEvent, Bank, BankLoan, GroupMember, StockMovement


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


MEMBER_NUMBER = "Member number"


# ---------------------------------------------------------------- answers
class BankSerializer(AnswerSerializer[Bank]):
    group: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")

    class Meta:
        model = Bank
        fields = [
            "uuid",
            "group",
            "name",
            "kind",
            "commodity",
            "opened_on",
            "interest_percent",
            "term_months",
            "currency",
            "price_per_kg",
            "holding_months",
        ]


class StockMovementSerializer(AnswerSerializer[StockMovement]):
    bank: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    member = serializers.IntegerField(source="member.number", read_only=True, allow_null=True, help_text=MEMBER_NUMBER)
    loan: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )
    reverses: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )
    kg = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="Change of the stock in store, in kg"
    )
    owed_kg = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="Change of what the borrower owes, in kg"
    )

    class Meta:
        model = StockMovement
        fields = ["uuid", "bank", "kind", "member", "loan", "kg", "owed_kg", "cash", "price", "on", "reverses", "note"]


class BankLoanSerializer(AnswerSerializer[BankLoan]):
    bank: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    member = serializers.IntegerField(source="member.number", read_only=True, help_text=MEMBER_NUMBER)

    class Meta:
        model = BankLoan
        fields = ["uuid", "bank", "member", "kg", "interest_percent", "due_kg", "lent_on", "due_on", "closed_on"]


class AnimalSerializer(AnswerSerializer[Animal]):
    bank: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    mother: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True
    )
    lineage_root: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        source="root",
        read_only=True,
        slug_field="uuid",
        allow_null=True,
        help_text="The original animal of its lineage (none for an original animal)",
    )
    holder = serializers.IntegerField(
        source="holder.number", read_only=True, help_text="Member number of the household holding it"
    )

    class Meta:
        model = Animal
        fields = [
            "uuid",
            "bank",
            "species",
            "sex",
            "tag",
            "origin",
            "mother",
            "lineage_root",
            "generation",
            "born_on",
            "received_on",
            "holder",
            "status",
            "ended_on",
            "passed_on",
        ]


class AnimalEventSerializer(AnswerSerializer[AnimalEvent]):
    bank: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    animal: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(read_only=True, slug_field="uuid")
    other: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True, help_text="The offspring born, or the replacement"
    )
    from_member = serializers.IntegerField(
        source="from_member.number", read_only=True, allow_null=True, help_text=MEMBER_NUMBER
    )
    to_member = serializers.IntegerField(
        source="to_member.number", read_only=True, allow_null=True, help_text=MEMBER_NUMBER
    )
    reverses: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        read_only=True, slug_field="uuid", allow_null=True, help_text="The entry this one corrects"
    )

    class Meta:
        model = AnimalEvent
        fields = [
            "uuid",
            "bank",
            "animal",
            "other",
            "kind",
            "on",
            "from_member",
            "to_member",
            "amount",
            "reverses",
            "note",
        ]


# ---------------------------------------------------------------- input
class BankWriteSerializer(serializers.Serializer[Any]):
    group = serializers.UUIDField(help_text="The group the bank belongs to")
    name = Text(max_length=120)
    kind = serializers.ChoiceField(choices=Bank.Kind.choices)
    commodity = Text(required=False, allow_blank=True, max_length=80)
    opened_on = serializers.DateField()
    interest_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    term_months = serializers.IntegerField(min_value=1, max_value=36, required=False, default=12)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False, default=Currency.KHR)
    price_per_kg = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    holding_months = serializers.IntegerField(min_value=0, max_value=60, required=False, default=6)

    def to_input(self) -> bank_services.BankInput:
        data = dict(self.validated_data)
        data.pop("group")
        return bank_services.BankInput(**data)


MOVEMENT_KINDS = [
    (StockMovement.Kind.INITIAL, "Initial stock"),
    (StockMovement.Kind.DEPOSIT, "Stock deposited"),
    (StockMovement.Kind.LOAN, "Loan out (needs member)"),
    (StockMovement.Kind.REPAYMENT, "Repayment in kg (needs loan)"),
    (StockMovement.Kind.CASH_REPAYMENT, "Repayment in cash at the committee's price (needs loan and cash)"),
    (StockMovement.Kind.LOSS, "Loss (needs note)"),
    ("reversal", "Reversal of a movement (needs reverses and note)"),
]


class MovementWriteSerializer(serializers.Serializer[Any]):
    bank = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=MOVEMENT_KINDS)
    kg = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    cash = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    member = serializers.IntegerField(min_value=1, max_value=32767, required=False, help_text=MEMBER_NUMBER)
    loan = serializers.UUIDField(required=False, help_text="The loan repaid")
    reverses = serializers.UUIDField(required=False, help_text="The movement reversed")
    on = serializers.DateField(required=False, help_text="Not needed for a reversal")
    note = Text(required=False, allow_blank=True, max_length=300, default="")


ANIMAL_EVENTS = [
    (AnimalEvent.Kind.BIRTH, "Gave birth (needs sex)"),
    (AnimalEvent.Kind.PASS_ON, "Passed on to the next household (needs to)"),
    (AnimalEvent.Kind.DEATH, "Died"),
    (AnimalEvent.Kind.SALE, "Sold (amount: the price)"),
    (AnimalEvent.Kind.REPLACEMENT, "Replaced, after it died (needs sex)"),
    (AnimalEvent.Kind.REPAYMENT, "Repayment to the bank (needs amount)"),
    ("reversal", "Reversal of a wrong entry about the animal (needs reverses and note; on not needed)"),
]


class AnimalWriteSerializer(serializers.Serializer[Any]):
    bank = serializers.UUIDField()
    species = serializers.ChoiceField(choices=Animal.Species.choices)
    sex = serializers.ChoiceField(choices=Animal.Sex.choices)
    tag = Text(required=False, allow_blank=True, max_length=40, default="")
    holder = serializers.IntegerField(min_value=1, max_value=32767, help_text=MEMBER_NUMBER)
    received_on = serializers.DateField()
    born_on = serializers.DateField(required=False, allow_null=True, default=None)


class AnimalEventWriteSerializer(serializers.Serializer[Any]):
    animal = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=ANIMAL_EVENTS)
    on = serializers.DateField(required=False, help_text="Not needed for a reversal")
    reverses = serializers.UUIDField(required=False, help_text="The entry reversed (an entry about this animal)")
    sex = serializers.ChoiceField(choices=Animal.Sex.choices, required=False)
    tag = Text(required=False, allow_blank=True, max_length=40, default="")
    to = serializers.IntegerField(min_value=1, max_value=32767, required=False, help_text=MEMBER_NUMBER)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, default=Decimal(0))
    note = Text(required=False, allow_blank=True, max_length=300, default="")


# ---------------------------------------------------------------- helpers
def _found[T](field: str, message: str, find: Callable[[], T]) -> T:
    """An object named in the body: one the user may not see is a field error, not a missing page."""
    try:
        found: T = find()
    except Http404 as exc:
        raise serializers.ValidationError({field: [message]}) from exc
    return found


def _member(user: User, bank: Bank, number: int | None, field: str) -> GroupMember:
    if number is None:
        raise serializers.ValidationError({field: [_("Choose a member of this group.")]})
    found = next((m for m in bank_selectors.active_members(user=user, group=bank.group) if m.number == number), None)
    if found is None:
        raise serializers.ValidationError({field: [_("Choose a member of this group.")]})
    return found


def _bank_filter(request: Request) -> Bank | None:
    key = request.query_params.get("bank", "")
    return bank_selectors.bank_for_user(user=_user(request), uuid=key) if key else None


def _required(data: dict[str, Any], *names: str) -> None:
    missing = {name: [_("This field is required.")] for name in names if data.get(name) in (None, "")}
    if missing:
        raise serializers.ValidationError(missing)


BANK_PARAMETER = [OpenApiParameter("bank", str, description="Only this bank's (its uuid)")]
GROUP_PARAMETER = [OpenApiParameter("group", str, description="Only this group's (its uuid)")]


# ---------------------------------------------------------------- viewsets
@extend_schema_view(
    list=extend_schema(parameters=GROUP_PARAMETER),
    create=extend_schema(request=BankWriteSerializer, responses={201: BankSerializer}),
)
class BankViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Bank]
):
    serializer_class = BankSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Bank]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        key = self.request.query_params.get("group", "") if self.action == "list" else ""
        group = group_selectors.group_for_user(user=user, uuid=key) if key else None
        return bank_selectors.bank_list(user=user, group=group)

    def get_object(self) -> Bank:
        return bank_selectors.bank_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.CHANGE_GROUP)
        serializer = BankWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = _found(
            "group",
            _("No group with this key that you may see."),
            lambda: group_selectors.group_for_user(user=user, uuid=serializer.validated_data["group"]),
        )
        bank = bank_services.bank_open(actor=user, group=group, data=serializer.to_input())
        return Response(BankSerializer(bank).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=BANK_PARAMETER),
    create=extend_schema(request=MovementWriteSerializer, responses={201: StockMovementSerializer}),
)
class StockMovementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[StockMovement]
):
    """The append-only movements of rice, crop and seed banks: corrections are reversing movements."""

    serializer_class = StockMovementSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[StockMovement]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        bank = _bank_filter(self.request) if self.action == "list" else None
        return bank_selectors.movements_of(user=user, bank=bank).order_by("id")

    def get_object(self) -> StockMovement:
        return bank_selectors.movement_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.RECORD_MEETING)
        serializer = MovementWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bank: Bank = _found(
            "bank",
            _("No bank with this key that you may see."),
            lambda: bank_selectors.bank_for_user(user=user, uuid=data["bank"]),
        )
        kind, note = data["kind"], data.get("note", "")
        if kind != "reversal":
            _required(data, "on")
        Move = StockMovement.Kind
        if kind in (Move.INITIAL, Move.DEPOSIT):
            _required(data, "kg")
            made = bank_services.stock_deposit(
                actor=user, bank=bank, kg=data["kg"], on=data["on"], initial=kind == Move.INITIAL, note=note
            )
        elif kind == Move.LOSS:
            _required(data, "kg")
            made = bank_services.stock_loss(actor=user, bank=bank, kg=data["kg"], on=data["on"], note=note)
        elif kind == Move.LOAN:
            _required(data, "kg")
            member = _member(user, bank, data.get("member"), "member")
            loan = bank_services.bank_lend(actor=user, bank=bank, member=member, kg=data["kg"], on=data["on"])
            made = bank_selectors.movements_of(user=user, loan=loan).get(kind=Move.LOAN)
        elif kind in (Move.REPAYMENT, Move.CASH_REPAYMENT):
            _required(data, "loan", "kg" if kind == Move.REPAYMENT else "cash")
            repaid: BankLoan = _found(
                "loan",
                _("No loan of this bank with this key."),
                lambda: bank_selectors.bank_loan_for_user(user=user, uuid=data["loan"]),
            )
            if repaid.bank_id != bank.pk:
                raise serializers.ValidationError({"loan": [_("No loan of this bank with this key.")]})
            amount = {"kg": data["kg"]} if kind == Move.REPAYMENT else {"cash": data["cash"]}
            made = bank_services.loan_repay(actor=user, loan=repaid, on=data["on"], note=note, **amount)
        else:
            _required(data, "reverses")
            movement: StockMovement = _found(
                "reverses",
                _("No movement of this bank with this key."),
                lambda: bank_selectors.movement_for_user(user=user, uuid=data["reverses"]),
            )
            if movement.bank_id != bank.pk:
                raise serializers.ValidationError({"reverses": [_("No movement of this bank with this key.")]})
            made = bank_services.movement_reverse(actor=user, movement=movement, reason=note)
        return Response(StockMovementSerializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=BANK_PARAMETER))
class BankLoanViewSet(viewsets.ReadOnlyModelViewSet[BankLoan]):
    serializer_class = BankLoanSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[BankLoan]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        loans = access.visible(user, BankLoan.objects.filter(cancelled=False))
        bank = _bank_filter(self.request) if self.action == "list" else None
        if bank is not None:
            loans = loans.filter(bank=bank)
        return loans.select_related("bank", "member").order_by("-lent_on", "-id")

    def get_object(self) -> BankLoan:
        return bank_selectors.bank_loan_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])


@extend_schema_view(
    list=extend_schema(parameters=BANK_PARAMETER),
    create=extend_schema(request=AnimalWriteSerializer, responses={201: AnimalSerializer}),
)
class AnimalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Animal]
):
    """The animals of animal banks; creating one records an original animal received by a household."""

    serializer_class = AnimalSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Animal]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        bank = _bank_filter(self.request) if self.action == "list" else None
        return bank_selectors.animal_list(user=user, bank=bank)

    def get_object(self) -> Animal:
        return bank_selectors.animal_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.RECORD_MEETING)
        serializer = AnimalWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        bank: Bank = _found(
            "bank",
            _("No bank with this key that you may see."),
            lambda: bank_selectors.bank_for_user(user=user, uuid=data["bank"]),
        )
        holder = _member(user, bank, data["holder"], "holder")
        animal = bank_services.animal_receive(
            actor=user,
            bank=bank,
            data=bank_services.AnimalInput(
                species=data["species"],
                sex=data["sex"],
                holder=holder,
                received_on=data["received_on"],
                tag=data.get("tag", ""),
                born_on=data.get("born_on"),
            ),
        )
        return Response(AnimalSerializer(animal).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=BANK_PARAMETER),
    create=extend_schema(request=AnimalEventWriteSerializer, responses={201: AnimalEventSerializer}),
)
class AnimalEventViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[AnimalEvent]
):
    """What happened to the animals, append-only."""

    serializer_class = AnimalEventSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[AnimalEvent]:
        user = _user(self.request)
        access.require(user, C.VIEW_GROUP)
        bank = _bank_filter(self.request) if self.action == "list" else None
        return bank_selectors.event_list(user=user, bank=bank)

    def get_object(self) -> AnimalEvent:
        return bank_selectors.event_for_user(user=_user(self.request), uuid=self.kwargs["uuid"])

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, C.RECORD_MEETING)
        serializer = AnimalEventWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        animal: Animal = _found(
            "animal",
            _("No animal with this key that you may see."),
            lambda: bank_selectors.animal_for_user(user=user, uuid=data["animal"]),
        )
        kind, on = data["kind"], data.get("on")
        Event = AnimalEvent.Kind
        if kind == "reversal":
            _required(data, "reverses", "note")
            wrong: AnimalEvent = _found(
                "reverses",
                _("No entry with this key that you may see."),
                lambda: bank_selectors.event_for_user(user=user, uuid=data["reverses"]),
            )
            if animal.pk not in (wrong.animal_id, wrong.other_id):
                raise serializers.ValidationError({"reverses": [_("This entry is not about this animal.")]})
            event = bank_services.animal_event_reverse(actor=user, event=wrong, reason=data["note"])
            return Response(AnimalEventSerializer(event).data, status=status.HTTP_201_CREATED)
        _required(data, "on")
        if kind == Event.BIRTH:
            _required(data, "sex")
            calf = bank_services.animal_birth(actor=user, mother=animal, sex=data["sex"], born_on=on, tag=data["tag"])
            event = AnimalEvent.objects.get(kind=Event.BIRTH, other=calf)
        elif kind == Event.PASS_ON:
            to = _member(user, animal.bank, data.get("to"), "to")
            bank_services.animal_pass_on(actor=user, animal=animal, to=to, on=on)
            event = AnimalEvent.objects.filter(animal=animal, kind=Event.PASS_ON).latest("id")
        elif kind in (Event.DEATH, Event.SALE):
            bank_services.animal_end(
                actor=user, animal=animal, kind=kind, on=on, amount=data["amount"], note=data["note"]
            )
            event = AnimalEvent.objects.filter(animal=animal, kind=kind).latest("id")
        elif kind == Event.REPLACEMENT:
            _required(data, "sex")
            new = bank_services.animal_replace(actor=user, animal=animal, sex=data["sex"], on=on, tag=data["tag"])
            event = AnimalEvent.objects.get(kind=Event.REPLACEMENT, other=new)
        else:
            event = bank_services.animal_repayment(
                actor=user, animal=animal, amount=data["amount"], on=on, note=data["note"]
            )
        return Response(AnimalEventSerializer(event).data, status=status.HTTP_201_CREATED)


def register(router: SimpleRouter) -> None:
    router.register("banks", BankViewSet, basename="bank")
    router.register("bank-movements", StockMovementViewSet, basename="bank-movement")
    router.register("bank-loans", BankLoanViewSet, basename="bank-loan")
    router.register("animals", AnimalViewSet, basename="animal")
    router.register("animal-events", AnimalEventViewSet, basename="animal-event")
