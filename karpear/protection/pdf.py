"""The printable case file as PDF (WeasyPrint): Khmer shaped by Pango/HarfBuzz with the Noto Sans Khmer font
Karpear serves; fonts come from Karpear's own files, never from the network."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

FONT_DIR = settings.BASE_DIR / "static" / "vendor"


def render(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango when imported
    from weasyprint.urls import URLFetcher  # local files only, never the network (WeasyPrint 70)

    html = render_to_string(template, {**context, "font_dir": FONT_DIR.as_uri()})
    document: bytes = HTML(
        string=html, base_url=str(FONT_DIR), url_fetcher=URLFetcher(allowed_protocols={"file", "data"})
    ).write_pdf()
    return document
