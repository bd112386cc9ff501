from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from karpear.core import navigation


def karpear(request: HttpRequest) -> dict[str, Any]:
    """The navigation of the user's role and the membership they act through."""
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "nav_items": navigation.items_for(request.user, membership),  # type: ignore[arg-type]
    }
