"""The schema endpoint, and the JSON 404 for paths under /api/v1/ that name no endpoint.

Apart from `api_schema` because drf-spectacular's views module reads the schema class (`api_schema.AutoSchema`)
while it is imported.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from karpear.core.api_errors import not_found_body


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, in English unless `?lang=` names another of Karpear's languages.

    Partners' developers read English whatever their browser says, and the committed `docs/openapi.yaml` must
    not depend on the language of the request that produced it; `?lang=km` gives the Khmer titles.

    Public and free of data, so it takes no credentials: a client with a stale token still reads it.
    """

    authentication_classes: list[Any] = []

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lang = request.GET.get("lang", "")
        # Not SpectacularAPIView.get: it would activate an unknown `lang` too, which falls back to Khmer.
        with translation.override(lang if lang in dict(settings.LANGUAGES) else "en"):
            return self._get_schema_response(request)  # type: ignore[no-untyped-call]  # drf-spectacular is untyped


@csrf_exempt  # it changes nothing; without this a PUT with a session cookie would get the HTML CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/v1/ that names no endpoint: the API's JSON 404, not the HTML page."""
    return JsonResponse(not_found_body(), status=404)
