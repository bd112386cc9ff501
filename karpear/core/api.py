"""REST API v1 over the same selectors and services as the pages (DESIGN §9): no second set of rules."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from karpear.core import access, countries, ratelimit, selectors, services
from karpear.core.api_fields import Text
from karpear.core.api_idempotency import IdempotentMixin
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.middleware import client_ip
from karpear.core.models import (
    Commune,
    District,
    Identity,
    Organisation,
    Person,
    Programme,
    Province,
    SubGrant,
    Target,
    User,
    Village,
)
from karpear.core.roles import Capability
from karpear.core.text import clean_text, name_key

# ---------------------------------------------------------------- serializers


# For answers only: every field is in every answer, so the schema marks each one required (a generated client
# then never has to guess whether a field was left out). `required`, not `read_only`: a read-only field would
# lose `allow_blank` and the schema would leave "" out of a choice that may be blank. No docstring: the schema
# would show it as every subclass's description.
class AnswerSerializer[M: models.Model](serializers.ModelSerializer[M]):
    def get_extra_kwargs(self) -> dict[str, Any]:
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra[name] = {**extra.get(name, {}), "required": True}
        return extra

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict[str, Any]]:
        """An integer column's bounds as PostgreSQL (production) has them, whatever the database: SQLite stores
        every integer in 64 bits, and the schema generated on it would differ from the one served."""
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.IntegerField):
            kind = model_field.get_internal_type()
            here = connection.ops.integer_field_range(kind)
            base = BaseDatabaseOperations.integer_field_ranges.get(kind)
            if base is not None:
                for bound, index in (("min_value", 0), ("max_value", 1)):
                    if kwargs.get(bound) == here[index] and here[index] is not None:
                        kwargs[bound] = base[index]
        return field_class, kwargs


class OrganisationSerializer(AnswerSerializer[Organisation]):
    provinces = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Organisation
        fields = ["uuid", "short_name", "name", "name_km", "kind", "provinces", "is_active"]


class BudgetLineSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


class SubGrantSerializer(AnswerSerializer[SubGrant]):
    organisation = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name", help_text="The sub-grantee's short name"
    )
    programme = serializers.SlugRelatedField(read_only=True, slug_field="code")
    provinces = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    budget_lines = BudgetLineSerializer(many=True, read_only=True)

    class Meta:
        model = SubGrant
        fields = [
            "uuid",
            "reference",
            "programme",
            "organisation",
            "start_date",
            "end_date",
            "currency",
            "provinces",
            "summary",
            "budget_lines",
        ]


class TargetSerializer(AnswerSerializer[Target]):
    subgrant = serializers.SlugRelatedField(read_only=True, slug_field="reference", allow_null=True)
    province = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)

    class Meta:
        model = Target
        fields = ["indicator", "description", "description_km", "value", "unit", "subgrant", "province"]


class ProgrammeSerializer(AnswerSerializer[Programme]):
    organisation = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name", help_text="Short name of the prime partner that manages the programme"
    )
    donor = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name", help_text="Short name of the donor organisation"
    )

    class Meta:
        model = Programme
        fields = [
            "uuid",
            "code",
            "name",
            "name_km",
            "organisation",
            "donor",
            "start_date",
            "end_date",
            "description",
        ]


class ProvinceSerializer(AnswerSerializer[Province]):
    class Meta:
        model = Province
        fields = ["code", "name_km", "name_en"]


class DistrictSerializer(AnswerSerializer[District]):
    class Meta:
        model = District
        fields = ["code", "name_km", "name_en", "province"]


class CommuneSerializer(AnswerSerializer[Commune]):
    class Meta:
        model = Commune
        fields = ["code", "name_km", "name_en", "district", "province", "in_official_list"]


class VillageSerializer(AnswerSerializer[Village]):
    class Meta:
        model = Village
        fields = ["id", "code", "name_km", "name_en", "commune", "district", "province", "code_shared"]


class IdentitySerializer(AnswerSerializer[Identity]):
    other_names = serializers.ListField(
        child=serializers.CharField(), source="other_name_list", read_only=True, help_text="Other names, aliases"
    )
    has_photo = serializers.SerializerMethodField(help_text="A photo is kept (shown on the person's page)")

    class Meta:
        model = Identity
        fields = [*Identity.DETAIL_FIELDS, "has_photo"]

    def get_has_photo(self, identity: Identity) -> bool:
        return bool(identity.photo)


class PersonSerializer(AnswerSerializer[Person]):
    """The pseudonymous record; `identity` is null for roles that may not read it (each read is audited)."""

    organisation = serializers.SlugRelatedField(
        read_only=True, slug_field="short_name", help_text="Short name of the organisation the person belongs to"
    )
    village = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    household = serializers.SlugRelatedField(read_only=True, slug_field="uuid", allow_null=True)
    nationality = serializers.CharField(read_only=True, help_text="ISO 3166-1 alpha-2 code")
    age = serializers.SerializerMethodField(
        help_text="Age in completed years today: from the date of birth for roles that read it, else from the "
        "birth year (then possibly one year too many)"
    )
    identity = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "uuid",
            "case_number",
            "initials",
            "organisation",
            "sex",
            "nationality",
            "birth_year",
            "birth_year_estimated",
            "age",
            "province",
            "district",
            "commune",
            "village",
            "household",
            "relationship_to_head",
            "created_at",
            "identity",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_age(self, person: Person) -> int | None:
        identity = self.context.get("identities", {}).get(person.pk)
        age = person.age_on(timezone.localdate(), identity.date_of_birth if identity is not None else None)
        return age.years if age is not None else None

    @extend_schema_field(IdentitySerializer(allow_null=True))
    def get_identity(self, person: Person) -> dict[str, Any] | None:
        identity = self.context.get("identities", {}).get(person.pk)
        return IdentitySerializer(identity).data if identity is not None else None


class PersonWriteSerializer(serializers.Serializer[Any]):
    case_number = Text(required=False, allow_blank=True, max_length=30)
    sex = serializers.ChoiceField(choices=Person.Sex.choices)
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)
    birth_year_estimated = serializers.BooleanField(required=False, default=False)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    province = Text(required=False, allow_blank=True, max_length=2)
    district = Text(required=False, allow_blank=True, max_length=4)
    commune = Text(required=False, allow_blank=True, max_length=6)
    village = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    household = serializers.UUIDField(required=False, allow_null=True)
    relationship_to_head = serializers.ChoiceField(
        choices=Person.Relationship.choices, required=False, allow_blank=True
    )
    name_km = Text(required=False, allow_blank=True, max_length=150)
    name_latin = Text(required=False, allow_blank=True, max_length=150)
    phone = Text(required=False, allow_blank=True, max_length=30)
    national_id = Text(required=False, allow_blank=True, max_length=30)
    passport_number = Text(required=False, allow_blank=True, max_length=30)
    mother_name = Text(required=False, allow_blank=True, max_length=150)
    address_details = Text(required=False, allow_blank=True, max_length=500)
    nationality = serializers.RegexField(
        r"^[A-Z]{2}$",
        required=False,
        help_text="ISO 3166-1 alpha-2, one of /api/v1/places/countries/; left out: Cambodia (KH) for a new person, "
        "unchanged on an update",
    )
    other_names = serializers.ListField(
        child=Text(max_length=150),
        required=False,
        max_length=services.MAX_OTHER_NAMES,
        help_text="Other names, aliases; left out: unchanged on an update",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not clean_text(attrs.get("name_km", "")) and not clean_text(attrs.get("name_latin", "")):
            raise serializers.ValidationError({"name_km": [_("Enter the name in Khmer or in Latin letters.")]})
        if "nationality" in attrs and attrs["nationality"] not in countries.codes():
            raise serializers.ValidationError({"nationality": [_("Choose a country from the list.")]})
        if "other_names" in attrs:
            try:
                attrs["other_names"] = services.parse_other_names(attrs["other_names"])
            except services.ValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from exc
        try:
            attrs["place"] = services.resolve_place(
                province=attrs.pop("province", ""),
                district=attrs.pop("district", ""),
                commune=attrs.pop("commune", ""),
                village=attrs.pop("village", None),
            )
            attrs["phone"], _warning = services.normalise_phone(attrs.get("phone", ""))
        except services.ValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"phone": exc.messages}
            ) from exc
        household_uuid = attrs.pop("household", None)
        attrs["household"] = None
        if household_uuid:
            try:
                attrs["household"] = access.get_household_for_user(self.context["request"].user, household_uuid)
            except Http404 as exc:
                raise serializers.ValidationError({"household": [_("Unknown household.")]}) from exc
        return attrs

    def to_input(self) -> services.PersonInput:
        data = dict(self.validated_data)
        return services.PersonInput(
            sex=data["sex"],
            birth_year=data.get("birth_year"),
            birth_year_estimated=data.get("birth_year_estimated", False),
            date_of_birth=data.get("date_of_birth"),
            place=data["place"],
            household=data.get("household"),
            relationship_to_head=data.get("relationship_to_head", ""),
            case_number=clean_text(data.get("case_number", "")).upper(),
            name_km=data.get("name_km", ""),
            name_latin=data.get("name_latin", ""),
            phone=data.get("phone", ""),
            national_id=data.get("national_id", ""),
            passport_number=data.get("passport_number", ""),
            mother_name=data.get("mother_name", ""),
            address_details=data.get("address_details", ""),
            nationality=data.get("nationality"),
            other_names=data.get("other_names"),
        )


# ---------------------------------------------------------------- query filters (DESIGN §9: date, place, status)


class PersonFilterSerializer(serializers.Serializer[Any]):
    """Query parameters of the people list; bad values are a 400 with per-field messages."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Name or case number")
    province = serializers.CharField(required=False, allow_blank=True, max_length=2, help_text="Province code")
    district = serializers.CharField(required=False, allow_blank=True, max_length=4, help_text="District code")
    commune = serializers.CharField(required=False, allow_blank=True, max_length=6, help_text="Commune code")
    village = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="Village id (as in /places/villages/)"
    )
    registered_from = serializers.DateField(required=False, help_text="Registered on or after this day")
    registered_to = serializers.DateField(required=False, help_text="Registered on or before this day")
    status = serializers.ChoiceField(choices=["open", "closed"], required=False, help_text="Open or closed case")
    sex = serializers.ChoiceField(choices=Person.Sex.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = selectors.registration_range_errors(attrs.get("registered_from"), attrs.get("registered_to"))
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        try:
            place = services.resolve_place(
                province=attrs.get("province", ""),
                district=attrs.get("district", ""),
                commune=attrs.get("commune", ""),
                village=attrs.get("village"),
            )
        except services.ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        attrs["place"] = place
        return attrs

    def to_filters(self) -> selectors.PersonFilters:
        data = self.validated_data
        place = data["place"]
        return selectors.PersonFilters(
            province=place.province.code if place.province else "",
            district=place.district.code if place.district else "",
            commune=place.commune.code if place.commune else "",
            village=place.village.pk if place.village else None,
            registered_from=data.get("registered_from"),
            registered_to=data.get("registered_to"),
            status=data.get("status", ""),
            sex=data.get("sex", ""),
        )


class ProgrammeFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=list(selectors.PROGRAMME_STATUSES), required=False, help_text="Relative to today"
    )
    active_on = serializers.DateField(required=False, help_text="Programmes running on this day")


def _filters[S: serializers.Serializer[Any]](serializer_class: type[S], request: Request) -> S:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer


# ---------------------------------------------------------------- viewsets
class NameSearchLimited(exceptions.Throttled):
    """A search by name beyond the user's allowance (settings.NAME_SEARCH_RATE): 429 with its own message."""


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet[Organisation]):
    serializer_class = OrganisationSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.organisation_list(user=_user(self.request)).order_by("name")


@extend_schema_view(list=extend_schema(parameters=[ProgrammeFilterSerializer]))
class ProgrammeViewSet(viewsets.ReadOnlyModelViewSet[Programme]):
    serializer_class = ProgrammeSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet[Programme]:
        programmes = selectors.programme_list(user=_user(self.request)).order_by("code")
        if self.action == "list":
            data = _filters(ProgrammeFilterSerializer, self.request).validated_data
            programmes = selectors.filter_programmes(
                programmes, status=data.get("status", ""), active_on=data.get("active_on")
            )
        return programmes

    def _page(self, items: QuerySet[Any], serializer_class: type[serializers.Serializer[Any]]) -> Response:
        page = self.paginate_queryset(items)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    @extend_schema(responses=SubGrantSerializer(many=True), filters=False)
    @action(detail=True)
    def subgrants(self, request: Request, uuid: str | None = None) -> Response:
        programme = self.get_object()
        return self._page(selectors.subgrant_list(user=_user(request), programme=programme), SubGrantSerializer)

    @extend_schema(responses=TargetSerializer(many=True), filters=False)
    @action(detail=True)
    def targets(self, request: Request, uuid: str | None = None) -> Response:
        programme = self.get_object()
        return self._page(selectors.target_list(user=_user(request), programme=programme), TargetSerializer)


_PLACE_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Part of the Khmer or Latin name"),
]


class _PlaceViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    parent_field = ""

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        params = self.request.query_params
        if self.parent_field and params.get(self.parent_field):
            queryset = queryset.filter(**{f"{self.parent_field}_id": params[self.parent_field]})
        query = params.get("q", "")[:60]
        if query.strip():
            queryset = queryset.filter(search_key__contains=name_key(query))
        return queryset


@extend_schema_view(list=extend_schema(parameters=_PLACE_FILTERS))
class ProvinceViewSet(_PlaceViewSet):
    serializer_class = ProvinceSerializer
    queryset = Province.objects.all()


@extend_schema_view(list=extend_schema(parameters=[*_PLACE_FILTERS, OpenApiParameter("province", OpenApiTypes.STR)]))
class DistrictViewSet(_PlaceViewSet):
    serializer_class = DistrictSerializer
    queryset = District.objects.all()
    parent_field = "province"


@extend_schema_view(list=extend_schema(parameters=[*_PLACE_FILTERS, OpenApiParameter("district", OpenApiTypes.STR)]))
class CommuneViewSet(_PlaceViewSet):
    serializer_class = CommuneSerializer
    queryset = Commune.objects.all()
    parent_field = "district"


@extend_schema_view(list=extend_schema(parameters=[*_PLACE_FILTERS, OpenApiParameter("commune", OpenApiTypes.STR)]))
class VillageViewSet(_PlaceViewSet):
    serializer_class = VillageSerializer
    queryset = Village.objects.all()
    parent_field = "commune"


class CountrySerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2", read_only=True)
    name_km = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)


class CountryListView(generics.ListAPIView[Any]):
    """ISO 3166-1 countries with Khmer and English names, for destinations and transit."""

    serializer_class = CountrySerializer

    def get_queryset(self) -> list[dict[str, str]]:  # type: ignore[override]
        return [
            {"code": code, "name_km": countries.name(code, "km"), "name_en": name_en}
            for code, name_en in countries.choices("en")
        ]


@extend_schema_view(
    list=extend_schema(parameters=[PersonFilterSerializer]),
    create=extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer}),
    update=extend_schema(request=PersonWriteSerializer, responses=PersonSerializer),
)
class PersonViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Person],
):
    serializer_class = PersonSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[Person]:
        user = _user(self.request)
        access.require(user, Capability.VIEW_PERSON)
        return selectors.person_list(user=user, query=self.request.query_params.get("q", "")[:100])

    def get_object(self) -> Person:
        return access.get_person_for_user(_user(self.request), self.kwargs["uuid"], write=self.action == "update")

    def _identities(self, people: list[Person]) -> dict[int, Identity]:
        user = _user(self.request)
        if not access.has_capability(user, Capability.VIEW_IDENTITY):
            return {}
        found: dict[int, Identity] = {}
        for person in people:
            identity = selectors.person_identity(user=user, person=person, reason="api")
            if identity is not None:
                found[person.pk] = identity
        return found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = _filters(PersonFilterSerializer, request).to_filters()
        user = _user(request)
        people_qs = self.get_queryset()
        # A search by name reads identifying details: counted against the user's allowance, and audited.
        script = selectors.name_search_kind(user=user, query=request.query_params.get("q", "")[:100])
        if script:
            wait = services.name_search_wait(actor=user, script=script, channel="api")
            if wait:
                refused = NameSearchLimited(detail=ratelimit.name_search_refused_message(wait))
                refused.wait = wait  # the Retry-After header; the message already says how long
                raise refused
        page = self.paginate_queryset(selectors.filter_people(people_qs, filters))
        people = list(page or [])
        if script:
            more = bool(getattr(self.paginator, "page", None) and self.paginator.page.has_next())  # type: ignore[union-attr]
            services.name_search_recorded(actor=user, script=script, matches=len(people), more=more, channel="api")
        serializer = PersonSerializer(people, many=True, context={"identities": self._identities(people)})
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        return Response(PersonSerializer(person, context={"identities": self._identities([person])}).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        access.require(user, Capability.ADD_PERSON)
        serializer = PersonWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        person = services.person_create(actor=user, data=serializer.to_input())
        return Response(
            PersonSerializer(person, context={"identities": self._identities([person])}).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        person = self.get_object()
        serializer = PersonWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        person = services.person_update(actor=user, person=person, data=serializer.to_input())
        return Response(PersonSerializer(person, context={"identities": self._identities([person])}).data)


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    otp_token = serializers.CharField(required=False, allow_blank=True, max_length=16)


class ClientAddressThrottle(BaseThrottle):
    """Anonymous calls (the token endpoint) per client address, as the proxy count resolves it
    (core.middleware.client_ip): a forged X-Forwarded-For does not open a new allowance. Counted in the
    database, so every web process shares the count (core.ratelimit)."""

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = ratelimit.parse_rate(settings.API_ANON_RATE)
        self.seconds = rate.seconds
        hits = ratelimit.hit(f"api-anon:{client_ip(request._request) or 'unknown'}", seconds=rate.seconds)
        return hits <= rate.limit

    def wait(self) -> float | None:
        return ratelimit.seconds_left(self.seconds)


class TokenView(APIView):
    """Exchange a username, password and (for roles that read identities) a second-factor code for a token."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ClientAddressThrottle]

    @extend_schema(
        auth=[],  # anyone may ask; the schema adds its 400, 415 and 429 answers (api_schema)
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField(read_only=True)})},
    )
    def post(self, request: Request) -> Response:
        wait = ratelimit.login_address_wait(client_ip(request._request))
        if wait:
            typed = request.data.get("username", "") if hasattr(request.data, "get") else ""
            services.login_address_refused(username=str(typed)[:150])
            response = Response(
                {"message": ratelimit.address_refused_message(wait), "fields": {}},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            response["Retry-After"] = str(wait)
            return response
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            services.login_failed_recorded(username=data["username"], ip=client_ip(request._request))
            return Response(
                {"message": str(_("The username or password is not right.")), "fields": {}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        code = data.get("otp_token") or ""
        # A code given is checked whatever the role, and marks the token as issued with a second factor.
        two_factor = bool(code) and match_token(user, code) is not None
        if (code and not two_factor) or (access.needs_two_factor(user) and not two_factor):  # type: ignore[arg-type]
            return Response(
                {"message": str(_("A valid second-factor code is required.")), "fields": {"otp_token": []}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if user.password_change_required:  # type: ignore[union-attr]
            return Response(
                {
                    "message": str(
                        _(
                            "Replace your one-time password first: log in to Karpear in a browser and choose a new "
                            "password."
                        )
                    ),
                    "fields": {},
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        return Response({"token": services.api_token_issue(user=user, two_factor=two_factor)})  # type: ignore[arg-type]
