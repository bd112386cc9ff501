"""Helpers every app's pages use (docs/writing-a-module.md, "Pages"): core's public API for views.

- `user_of(request)` — the logged-in user, typed.
- `template_for(request, page, partial)` / `render_page(...)` — the whole page, or its `{% partialdef %}` when
  htmx asks (but the whole page when htmx restores history).
- `form_errors(form, exc)` — a service's ValidationError shown next to the form's fields.
- `Window` — one page of a list without COUNT(*) (re-exported from core.selectors), with `page_of()`.
- `redirect_after_post(request, url)` — a redirect that htmx follows too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from karpear.core.models import User
from karpear.core.selectors import Window

__all__ = ["Window", "form_errors", "page_of", "redirect_after_post", "render_page", "template_for", "user_of"]


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def template_for(request: HttpRequest, page: str, partial: str) -> str:
    """`page#partial` for an htmx request, else the whole page (htmx restoring history needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return f"{page}#{partial}" if htmx and not htmx.history_restore_request else page


def render_page(
    request: HttpRequest, page: str, context: dict[str, Any], *, partial: str | None = None, status: int = 200
) -> HttpResponse:
    """Render a page; with `partial`, htmx requests get only that partial."""
    template = template_for(request, page, partial) if partial else page
    return render(request, template, context, status=status)


def form_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's validation errors on the form: next to their field, or above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def page_of(request: HttpRequest, rows: Any, size: int = 25) -> Window:
    """The page of `rows` named by `?page=` (1 when absent or not a number)."""
    return Window.of(rows, request.GET.get("page"), size)


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: a redirect, which htmx follows as a whole-page navigation."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
