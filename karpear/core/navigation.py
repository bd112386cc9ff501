"""The navigation each role sees: built from the menu items the apps declare (core.registry) and the
capabilities of the user's role, so it never offers a page the role cannot use."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from karpear.core import access, registry
from karpear.core.models import Membership, User


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    name: str  # the URL's view name ("person_list", "protection:case_list"): marks the current page


def items_for(user: User, membership: Membership | None) -> list[NavItem]:
    if not user.is_authenticated or membership is None:
        return []
    if access.needs_two_factor(user) and not getattr(user, "is_verified", lambda: False)():
        return []  # every page would send them back to the second step
    return [
        NavItem(item.label, reverse(item.name), item.name)
        for item in registry.menu_items()
        if item.capability is None or access.has_capability(user, item.capability)
    ]
