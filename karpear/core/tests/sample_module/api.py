"""The sample module's API routes (kept out of the OpenAPI schema: the app exists only in tests)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from karpear.core import access
from karpear.core.tests.sample_module import selectors
from karpear.core.tests.sample_module.models import Visit


class VisitSerializer(serializers.ModelSerializer[Visit]):
    class Meta:
        model = Visit
        fields = ["uuid", "note"]


@extend_schema(exclude=True)
class VisitViewSet(viewsets.ReadOnlyModelViewSet[Visit]):
    serializer_class = VisitSerializer
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[Visit]:
        return selectors.visit_list(user=self.request.user)  # type: ignore[arg-type]

    def get_object(self) -> Visit:
        return access.get_for_user(self.request.user, Visit, self.kwargs["uuid"])  # type: ignore[arg-type]


app_name = "sample_module_api"
router = SimpleRouter()
router.register("visits", VisitViewSet, basename="visit")
urlpatterns = router.urls
