"""The catalogue of capabilities and the table of what each role may do (DESIGN §5).

Roles are code, not data: a deployment cannot widen them by accident. A membership gives one role in one
organisation; `core.access` reads this table and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Capability(StrEnum):
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
    REVIEW_DUPLICATES = "review_duplicates"  # decide on possible duplicates found after registration


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    CASE_SUPERVISOR = "case_supervisor", _("Case supervisor")
    LEGAL_OFFICER = "legal_officer", _("Legal officer")
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    VOLUNTEER = "volunteer", _("Community volunteer")
    ME_OFFICER = "me_officer", _("M&E officer")
    PROGRAMME_MANAGER = "programme_manager", _("Donor programme manager")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class Scope(StrEnum):
    """How far a role's person-level access reaches inside its organisation."""

    NONE = "none"  # aggregates only
    OWN = "own"  # records the user created or is assigned to
    TEAM = "team"  # records of the user's team (and own)
    ORGANISATION = "organisation"  # every record of the organisation


@dataclass(frozen=True)
class RoleSpec:
    scope: Scope
    capabilities: frozenset[Capability]

    @property
    def needs_two_factor(self) -> bool:
        """Any role that may read identifying details must log in with a second factor."""
        return Capability.VIEW_IDENTITY in self.capabilities


C = Capability
ROLE_SPECS: dict[str, RoleSpec] = {
    Role.CASEWORKER: RoleSpec(
        Scope.OWN,
        frozenset(
            {
                C.VIEW_PERSON,
                C.ADD_PERSON,
                C.CHANGE_PERSON,
                C.VIEW_IDENTITY,
                C.EXPORT_PEOPLE,
                C.VIEW_PROGRAMMES,
            }
        ),
    ),
    Role.CASE_SUPERVISOR: RoleSpec(
        Scope.ORGANISATION,
        frozenset(
            {
                C.VIEW_PERSON,
                C.ADD_PERSON,
                C.CHANGE_PERSON,
                C.VIEW_IDENTITY,
                C.EXPORT_PEOPLE,
                C.VIEW_ACCESS_LOG,
                C.VIEW_PROGRAMMES,
                C.OVERRIDE_CONSENT,
                C.REVIEW_DUPLICATES,
            }
        ),
    ),
    Role.LEGAL_OFFICER: RoleSpec(
        Scope.TEAM,
        frozenset({C.VIEW_PERSON, C.ADD_PERSON, C.CHANGE_PERSON, C.VIEW_IDENTITY, C.VIEW_PROGRAMMES}),
    ),
    Role.PROGRAMME_OFFICER: RoleSpec(
        Scope.ORGANISATION,
        frozenset({C.VIEW_PERSON, C.ADD_PERSON, C.CHANGE_PERSON, C.VIEW_PROGRAMMES, C.MANAGE_PROGRAMMES}),
    ),
    Role.VOLUNTEER: RoleSpec(Scope.OWN, frozenset({C.VIEW_PERSON, C.ADD_PERSON})),
    Role.ME_OFFICER: RoleSpec(
        Scope.ORGANISATION, frozenset({C.VIEW_PERSON, C.VIEW_PROGRAMMES, C.VIEW_AGGREGATES, C.EXPORT_PEOPLE})
    ),
    Role.PROGRAMME_MANAGER: RoleSpec(Scope.NONE, frozenset({C.VIEW_PROGRAMMES, C.VIEW_AGGREGATES})),
    Role.ORG_ADMIN: RoleSpec(
        Scope.NONE, frozenset({C.VIEW_PROGRAMMES, C.MANAGE_MEMBERS, C.VIEW_AGGREGATES, C.VIEW_ACCESS_LOG})
    ),
    Role.SYSTEM_ADMIN: RoleSpec(
        Scope.NONE,
        frozenset(
            {
                C.VIEW_PROGRAMMES,
                C.MANAGE_PROGRAMMES,
                C.MANAGE_ORGANISATIONS,
                C.MANAGE_MEMBERS,
                C.VIEW_AGGREGATES,
            }
        ),
    ),
}


def spec_for(role: str) -> RoleSpec:
    return ROLE_SPECS[role]
