"""One pagination for every API list (DESIGN §9): pages of 50, up to 250 with ?page_size=."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 250
