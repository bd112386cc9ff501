"""The navigation each role sees: built from capabilities, so it never offers a page the role cannot use."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from karpear.core import access
from karpear.core.models import Membership, User
from karpear.core.roles import Capability


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    name: str


def items_for(user: User, membership: Membership | None) -> list[NavItem]:
    if not user.is_authenticated or membership is None:
        return []
    if access.needs_two_factor(user) and not getattr(user, "is_verified", lambda: False)():
        return []  # every page would send them back to the second step
    items = [NavItem(_("Home"), reverse("home"), "home")]
    if access.has_capability(user, Capability.VIEW_PERSON):
        items.append(NavItem(_("People"), reverse("person_list"), "person_list"))
    if access.has_capability(user, Capability.ADD_PERSON):
        items.append(NavItem(_("Register"), reverse("person_create"), "person_create"))
    if access.has_capability(user, Capability.VIEW_PROGRAMMES):
        items.append(NavItem(_("Programmes"), reverse("programme_list"), "programme_list"))
    if access.has_capability(user, Capability.MANAGE_MEMBERS):
        items.append(NavItem(_("Members"), reverse("member_list"), "member_list"))
    items.append(NavItem(_("Organisations"), reverse("organisation_list"), "organisation_list"))
    items.append(NavItem(_("Places"), reverse("place_search"), "place_search"))
    return items
