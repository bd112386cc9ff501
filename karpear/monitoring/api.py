"""The monitoring API under /api/v1/monitoring/: the indicators declared, an indicator's figure with its
disaggregations, and a programme's progress against its targets — the same selectors as the pages, the same
small-cell suppression (a hidden cell's `value` is null and its `shown` says why)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from karpear.core import access
from karpear.core import indicators as declared
from karpear.core.api_schema import UUID_PATTERN
from karpear.core.models import User
from karpear.core.roles import Capability
from karpear.monitoring import selectors


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


class IndicatorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    definition = serializers.CharField()
    unit = serializers.CharField()
    app = serializers.CharField(source="app_label")
    kind = serializers.ChoiceField(choices=["counted", "computed", "manual"])
    disaggregations = serializers.ListField(child=serializers.CharField())


class CellSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    count = serializers.SerializerMethodField()
    shown = serializers.CharField()

    def get_count(self, cell: selectors.Cell) -> int | None:
        return None if cell.mark else cell.value


class TableSerializer(serializers.Serializer[Any]):
    dimension = serializers.CharField()
    cells = CellSerializer(many=True)
    total = serializers.SerializerMethodField()
    total_shown = serializers.CharField()

    def get_total(self, table: selectors.Table) -> int | None:
        return None if table.total_mark else table.total


class FigureSerializer(serializers.Serializer[Any]):
    indicator = IndicatorSerializer()
    period = serializers.CharField(allow_blank=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    shown = serializers.CharField()
    suppressed = serializers.BooleanField()
    tables = TableSerializer(many=True)


class ProgressSerializer(serializers.Serializer[Any]):
    indicator = serializers.CharField(source="target.indicator")
    description = serializers.CharField(source="target.description")
    subgrant = serializers.CharField(source="target.subgrant.reference", allow_null=True, default=None)
    target = serializers.DecimalField(source="goal", max_digits=14, decimal_places=2)
    unit = serializers.CharField(source="target.unit")
    achieved = serializers.SerializerMethodField()
    achieved_shown = serializers.CharField()
    percent = serializers.DecimalField(max_digits=10, decimal_places=0, allow_null=True)

    def get_achieved(self, row: selectors.Progress) -> str | None:
        return None if row.mark or row.achieved is None else str(row.achieved)


PARAMETERS = [
    OpenApiParameter("programme", OpenApiTypes.UUID, description="A programme (else the user's organisation)"),
    OpenApiParameter("period", OpenApiTypes.STR, description="'2026', '2026-Q3' or nothing (all periods)"),
]


class IndicatorViewSet(viewsets.ViewSet):
    lookup_field = "code"
    lookup_value_regex = "[-a-z0-9_]+"

    @extend_schema(responses=IndicatorSerializer(many=True))
    def list(self, request: Request) -> Response:
        access.require(_user(request), Capability.VIEW_AGGREGATES)
        return Response(IndicatorSerializer(declared.indicators(), many=True).data)

    @extend_schema(parameters=PARAMETERS, responses=FigureSerializer)
    def retrieve(self, request: Request, code: str | None = None) -> Response:
        user = _user(request)
        access.require(user, Capability.VIEW_AGGREGATES)
        indicator = declared.indicator_for(code or "")
        if indicator is None:
            raise Http404
        programme = None
        if request.query_params.get("programme"):
            try:
                programme = access.get_programme_for_user(user, UUID(request.query_params["programme"]))
            except ValueError as exc:
                raise Http404 from exc
        reach = selectors.reach(user, programme)
        period = selectors.parse_period(request.query_params.get("period"))
        figure = selectors.figure(user, indicator, reach, period)
        data = {
            "indicator": indicator,
            "period": period.key,
            "value": None if figure.mark else figure.value,
            "shown": figure.shown,
            "suppressed": reach.suppressed,
            "tables": figure.tables,
        }
        return Response(FigureSerializer(data).data)


class ProgressViewSet(viewsets.ViewSet):
    lookup_field = "uuid"
    lookup_value_regex = UUID_PATTERN

    @extend_schema(parameters=PARAMETERS[1:], responses=ProgressSerializer(many=True))
    def retrieve(self, request: Request, uuid: str | None = None) -> Response:
        user = _user(request)
        access.require(user, Capability.VIEW_AGGREGATES)
        programme = access.get_programme_for_user(user, uuid or "")
        period = selectors.parse_period(request.query_params.get("period"))
        with selectors.request_memo():  # the sub-grants' targets of one indicator read one breakdown
            rows = selectors.progress(user, selectors.reach(user, programme), period)
        return Response(ProgressSerializer(rows, many=True).data)


app_name = "monitoring_api"
router = SimpleRouter()
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("progress", ProgressViewSet, basename="progress")
urlpatterns = router.urls
