"""The printable case file as PDF (WeasyPrint): Khmer shaped by Pango/HarfBuzz with the Noto Sans Khmer font
Karpear serves; fonts come from Karpear's own files, never from the network."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

FONT_DIR = settings.BASE_DIR / "static" / "vendor"


def render(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango when imported

    html = render_to_string(template, {**context, "font_dir": FONT_DIR.as_uri()})
    document: bytes = HTML(string=html, base_url=str(FONT_DIR), url_fetcher=_local_only).write_pdf()
    return document


def _local_only(url: str, *args: Any, **kwargs: Any) -> Any:
    from weasyprint.urls import default_url_fetcher

    if not url.startswith(("file://", "data:")):
        raise ValueError(f"the case file reads Karpear's own files only, not {url}")
    return default_url_fetcher(url, *args, **kwargs)
