"""One pagination for every API list (DESIGN §9): pages of 50, up to 250 with ?page_size=.

`page` and `page_size` are checked like any other query parameter: a value that is not a whole number, or
out of range, is a 400 with the parameter in `fields` (never silently replaced by a default), and a page
number past the last page is a 404. The schema declares the same bounds.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 250
    last_page_strings = ()  # `?page=last` is not part of the contract: a page is a number
    page_query_description = "A page number, from 1. A page past the last one is a 404."
    page_size_query_description = "Items per page: 1 to 250; 50 when not given."

    def _parameters(self, request: Request) -> dict[str, int]:
        checked = _PageParameters(data=request.query_params)
        checked.is_valid(raise_exception=True)
        return dict(checked.validated_data)

    def get_page_size(self, request: Request) -> int:
        return self._parameters(request).get("page_size", self.page_size)

    def get_page_number(self, request: Request, paginator: Paginator[Any]) -> int:
        return self._parameters(request).get("page", 1)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        page, page_size = super().get_schema_operation_parameters(view)
        page["schema"] = {"type": "integer", "minimum": 1}
        page_size["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return [page, page_size]


class _PageParameters(serializers.Serializer[Any]):
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=Pagination.max_page_size)
