"""Capabilities and the table of what each role may do (DESIGN §5).

Roles are code, not data: a deployment cannot widen them by accident. The roles themselves are listed here
(adding one is a reviewed change to core, with a migration); the capabilities come from the apps. Core
declares its own below; each module app declares its capabilities and grants them to roles from its
`AppConfig.ready()` with `define_capabilities()` and `grant()`. `role_specs()` assembles the table once
every app is ready, and `core.access` reads it and nothing else.

A role has a scope — how far its person-level access reaches inside its organisation — and may reach
further for some capabilities (a field officer sees every savings group of the organisation but only the
people they registered): `grant(..., scope=...)` says so per capability.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Capability(StrEnum):
    """Core's capabilities. Apps define theirs the same way (a StrEnum) and declare them."""

    VIEW_PERSON = "view_person"  # the pseudonymous record: case number, initials, sex, birth year, place
    ADD_PERSON = "add_person"
    CHANGE_PERSON = "change_person"
    VIEW_IDENTITY = "view_identity"  # names, date of birth, phone, ID numbers, address: audited
    EXPORT_PEOPLE = "export_people"
    VIEW_ACCESS_LOG = "view_access_log"  # who read a record's identifying details
    VIEW_PROGRAMMES = "view_programmes"
    MANAGE_PROGRAMMES = "manage_programmes"
    VIEW_AGGREGATES = "view_aggregates"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_ORGANISATIONS = "manage_organisations"
    OVERRIDE_CONSENT = "override_consent"
    REFER_PERSON = "refer_person"  # send a referral to another organisation
    RECEIVE_REFERRALS = "receive_referrals"  # accept, decline and assign the referrals an organisation receives
    REVIEW_DUPLICATES = "review_duplicates"  # decide on possible duplicates found after registration


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    CASE_SUPERVISOR = "case_supervisor", _("Case supervisor")
    LEGAL_OFFICER = "legal_officer", _("Legal officer")
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    FIELD_OFFICER = "field_officer", _("Field officer")
    HOTLINE_OFFICER = "hotline_officer", _("Hotline and triage officer")
    SHELTER_STAFF = "shelter_staff", _("Shelter staff")
    VOLUNTEER = "volunteer", _("Community volunteer")
    ME_OFFICER = "me_officer", _("M&E officer")
    PROGRAMME_MANAGER = "programme_manager", _("Donor programme manager")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Scope(StrEnum):
    """How far a role's record-level access reaches inside its organisation."""

    NONE = "none"  # aggregates only
    OWN = "own"  # records the user created or is assigned to
    TEAM = "team"  # records of the user's team (and own)
    ORGANISATION = "organisation"  # every record of the organisation


@dataclass(frozen=True)
class CapabilityInfo:
    name: str
    app_label: str
    label: str | Promise
    identifying: bool  # reads identifying details: a role holding it logs in with a second factor


@dataclass(frozen=True)
class RoleSpec:
    scope: Scope
    capabilities: frozenset[str]
    # Capabilities that reach further (or less far) than the role's scope.
    scopes: dict[str, Scope] = field(default_factory=dict)

    def scope_for(self, capability: str) -> Scope:
        return self.scopes.get(capability, self.scope)

    @property
    def needs_two_factor(self) -> bool:
        """Any role that may read identifying details must log in with a second factor."""
        return any(_CAPABILITIES[name].identifying for name in self.capabilities if name in _CAPABILITIES)


# ---------------------------------------------------------------- the registry the apps fill
_CAPABILITIES: dict[str, CapabilityInfo] = {}
_BASE_SCOPES: dict[str, Scope] = {}
_GRANTS: dict[str, dict[str, Scope | None]] = {}  # role -> capability -> scope override (None: the role's)
_SPECS: dict[str, RoleSpec] | None = None


def define_capabilities(
    app_label: str,
    capabilities: Iterable[str],
    *,
    labels: dict[str, str | Promise] | None = None,
    identifying: Iterable[str] = (),
) -> None:
    """Declare an app's capabilities. A name may be declared once, by one app."""
    global _SPECS
    identifying = set(identifying)
    for name in capabilities:
        name = str(name)
        known = _CAPABILITIES.get(name)
        if known is not None and known.app_label != app_label:
            raise ImproperlyConfigured(f"capability {name!r} is declared by {known.app_label} and {app_label}")
        _CAPABILITIES[name] = CapabilityInfo(name, app_label, (labels or {}).get(name, name), name in identifying)
    unknown = identifying - set(map(str, capabilities))
    if unknown:
        raise ImproperlyConfigured(f"{app_label}: identifying capabilities not declared: {sorted(unknown)}")
    _SPECS = None


def set_role_scope(role: str, scope: Scope) -> None:
    """The base scope of a role (core only: roles are core's)."""
    global _SPECS
    _BASE_SCOPES[str(role)] = scope
    _SPECS = None


def grant(role: str, capabilities: Iterable[str], *, scope: Scope | None = None) -> None:
    """Give `role` these capabilities; `scope` makes them reach further or less far than the role's scope."""
    global _SPECS
    role = str(role)
    if role not in Role.values:
        raise ImproperlyConfigured(f"unknown role {role!r}: roles are listed in karpear/core/roles.py")
    table = _GRANTS.setdefault(role, {})
    for name in capabilities:
        name = str(name)
        if name not in _CAPABILITIES:
            raise ImproperlyConfigured(f"capability {name!r} granted to {role} is not declared")
        table[name] = scope
    _SPECS = None


def capabilities() -> dict[str, CapabilityInfo]:
    return dict(_CAPABILITIES)


def role_specs() -> dict[str, RoleSpec]:
    """The assembled table: every role, its scope and capabilities (from core and every app)."""
    global _SPECS
    if _SPECS is None:
        specs = {}
        for role in Role.values:
            granted = _GRANTS.get(role, {})
            scopes = {name: scope for name, scope in granted.items() if scope is not None}
            specs[role] = RoleSpec(_BASE_SCOPES.get(role, Scope.NONE), frozenset(granted), scopes)
        _SPECS = specs
    return _SPECS


def spec_for(role: str) -> RoleSpec:
    return role_specs()[role]


# ---------------------------------------------------------------- core's own declarations
def declare_core() -> None:
    """Core's capabilities and grants; called from CoreConfig.ready() before any app's."""
    C = Capability
    define_capabilities(
        "core",
        list(Capability),
        labels={
            C.VIEW_PERSON: _("See people (without identifying details)"),
            C.ADD_PERSON: _("Register people"),
            C.CHANGE_PERSON: _("Change people and record their consent"),
            C.VIEW_IDENTITY: _("Read identifying details (audited)"),
            C.EXPORT_PEOPLE: _("Export people"),
            C.VIEW_ACCESS_LOG: _("See who read a record"),
            C.VIEW_PROGRAMMES: _("See programmes"),
            C.MANAGE_PROGRAMMES: _("Manage programmes"),
            C.VIEW_AGGREGATES: _("See aggregate figures"),
            C.MANAGE_MEMBERS: _("Manage members"),
            C.MANAGE_ORGANISATIONS: _("Manage organisations"),
            C.OVERRIDE_CONSENT: _("Override a missing consent, with a reason"),
            C.REFER_PERSON: _("Refer people to another organisation"),
            C.RECEIVE_REFERRALS: _("Accept and assign referrals received"),
            C.REVIEW_DUPLICATES: _("Decide on possible duplicates"),
        },
        identifying=[C.VIEW_IDENTITY],
    )
    R = Role
    for role, scope in {
        R.CASEWORKER: Scope.OWN,
        R.CASE_SUPERVISOR: Scope.ORGANISATION,
        R.LEGAL_OFFICER: Scope.TEAM,
        R.PROGRAMME_OFFICER: Scope.ORGANISATION,
        R.FIELD_OFFICER: Scope.OWN,
        R.HOTLINE_OFFICER: Scope.OWN,
        R.SHELTER_STAFF: Scope.OWN,
        R.VOLUNTEER: Scope.OWN,
        R.ME_OFFICER: Scope.ORGANISATION,
        R.PROGRAMME_MANAGER: Scope.NONE,
        R.ORG_ADMIN: Scope.NONE,
        R.SYSTEM_ADMIN: Scope.NONE,
    }.items():
        set_role_scope(role, scope)
    people = [C.VIEW_PERSON, C.ADD_PERSON, C.CHANGE_PERSON, C.VIEW_IDENTITY]
    grant(R.CASEWORKER, [*people, C.EXPORT_PEOPLE, C.VIEW_PROGRAMMES, C.REFER_PERSON])
    grant(
        R.CASE_SUPERVISOR,
        [
            *people,
            C.EXPORT_PEOPLE,
            C.VIEW_ACCESS_LOG,
            C.VIEW_PROGRAMMES,
            C.OVERRIDE_CONSENT,
            C.REFER_PERSON,
            C.RECEIVE_REFERRALS,
            C.REVIEW_DUPLICATES,
        ],
    )
    grant(R.LEGAL_OFFICER, [*people, C.VIEW_PROGRAMMES, C.REFER_PERSON])
    grant(R.PROGRAMME_OFFICER, [C.VIEW_PERSON, C.ADD_PERSON, C.CHANGE_PERSON, C.VIEW_PROGRAMMES, C.MANAGE_PROGRAMMES])
    # Field officers run groups and outreach (their apps grant those rights); in core they register the
    # villagers they work with and correct what they typed, without reading identifying details afterwards.
    grant(R.FIELD_OFFICER, [C.VIEW_PERSON, C.ADD_PERSON, C.CHANGE_PERSON, C.VIEW_PROGRAMMES])
    # A hotline officer takes calls and help requests and registers the callers they take on.
    grant(R.HOTLINE_OFFICER, [*people, C.REFER_PERSON])
    # Shelter staff look after the residents placed with them (assigned to them, or referred to them).
    grant(R.SHELTER_STAFF, [C.VIEW_PERSON, C.VIEW_IDENTITY])
    grant(R.VOLUNTEER, [C.VIEW_PERSON, C.ADD_PERSON])
    grant(R.ME_OFFICER, [C.VIEW_PERSON, C.VIEW_PROGRAMMES, C.VIEW_AGGREGATES, C.EXPORT_PEOPLE])
    grant(R.PROGRAMME_MANAGER, [C.VIEW_PROGRAMMES, C.VIEW_AGGREGATES])
    grant(R.ORG_ADMIN, [C.VIEW_PROGRAMMES, C.MANAGE_MEMBERS, C.VIEW_AGGREGATES, C.VIEW_ACCESS_LOG])
    grant(
        R.SYSTEM_ADMIN,
        [C.VIEW_PROGRAMMES, C.MANAGE_PROGRAMMES, C.MANAGE_ORGANISATIONS, C.MANAGE_MEMBERS, C.VIEW_AGGREGATES],
    )
