"""Printable sheets (share-out, passbook) as PDF with WeasyPrint: Khmer shaped by Pango/HarfBuzz with the
Noto Sans Khmer font Karpear serves, so the paper reads like the screen (DESIGN §2)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

FONT_DIR = settings.BASE_DIR / "static" / "vendor"


def render(template: str, context: dict[str, Any], request: HttpRequest | None = None) -> bytes:
    """The template as a PDF. Fonts and images are read from Karpear's own files, never from the network."""
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango when imported
    from weasyprint.urls import URLFetcher  # local files only, never the network (WeasyPrint 70)

    html = render_to_string(template, {**context, "font_dir": FONT_DIR.as_uri()}, request=request)
    document: bytes = HTML(
        string=html, base_url=str(FONT_DIR), url_fetcher=URLFetcher(allowed_protocols={"file", "data"})
    ).write_pdf()
    return document


def response(request: HttpRequest, template: str, context: dict[str, Any], filename: str) -> HttpResponse:
    answer = HttpResponse(render(template, context, request), content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{filename}"'
    answer["Cache-Control"] = "no-store"
    return answer
