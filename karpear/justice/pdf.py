"""The printable letters and case file as PDF (WeasyPrint). Khmer is shaped by Pango/HarfBuzz from a Khmer font
named by file: the installed Noto Sans Khmer TrueType fonts (or Khmer OS), else the woff2 files Karpear serves
to browsers. `KARPEAR_PDF_KHMER_FONTS` (a folder) says where else to look. Fonts come only from local files,
never the network (WeasyPrint's URLFetcher limited to file: and data:; WeasyPrint 70 has no
`default_url_fetcher` any more)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/khmeros")
# (weight, file names tried in order)
FONT_FILES = {
    400: ("NotoSansKhmer-Regular.ttf", "NotoSansKhmer-Regular.otf", "KhmerOS.ttf"),
    700: ("NotoSansKhmer-Bold.ttf", "NotoSansKhmer-Bold.otf", "KhmerOS.ttf"),
}


WEB_FONTS = {400: "noto-sans-khmer-khmer-400-normal.woff2", 700: "noto-sans-khmer-khmer-700-normal.woff2"}


def khmer_fonts() -> dict[int, str]:
    """The file URI of a Khmer font per weight, from the first folder that has one; else the web fonts."""
    configured = getattr(settings, "KARPEAR_PDF_KHMER_FONTS", "")
    folders = [Path(configured)] if configured else [Path(d) for d in FONT_DIRS]
    found: dict[int, str] = {}
    for weight, names in FONT_FILES.items():
        for folder in folders:
            path = next((folder / n for n in names if (folder / n).is_file()), None)
            if path is not None:
                found[weight] = path.as_uri()
                break
        if weight not in found:
            found[weight] = (settings.BASE_DIR / "static" / "vendor" / WEB_FONTS[weight]).as_uri()
    return found


def render(template: str, context: dict[str, Any], fonts_used: list[str] | None = None) -> bytes:
    """The template as PDF; `fonts_used`, when given, receives the names of the fonts embedded (tests)."""
    from weasyprint import HTML  # imported here: WeasyPrint loads Pango when imported
    from weasyprint.urls import URLFetcher

    html = render_to_string(template, {**context, "khmer_fonts": khmer_fonts()})
    fetcher = URLFetcher(allowed_protocols={"file", "data"})
    document = HTML(string=html, base_url="file:///", url_fetcher=fetcher).render()
    content: bytes = document.write_pdf()
    if fonts_used is not None:
        fonts_used.extend(font.name.decode().split("+")[-1] for font in document.fonts.values())
    return content
