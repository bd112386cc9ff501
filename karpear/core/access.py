"""Who may see and do what: the one place (DESIGN §5).

Everything that reads organisation-owned rows starts from `visible()`; every decision goes through `can()`
or `require()`; a single object is fetched with `get_<x>_for_user()`, which answers 404 when the object is
outside the user's scope (its existence is not confirmed) and 403 when it is visible but the action is not
allowed. Scope comes from the user's active membership: its organisation, its role's scope (own, team,
organisation) and, when the membership is limited to places, those places only (deny by default). Rows
another organisation shared by an accepted referral are added through `AccessShare`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import rules
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from karpear.core.models import (
    AccessShare,
    Commune,
    Consent,
    District,
    ExportJob,
    Household,
    Identity,
    Membership,
    Organisation,
    Person,
    PossibleDuplicate,
    Programme,
    Province,
    SubGrant,
    Target,
    User,
    Village,
)
from karpear.core.roles import Capability, RoleSpec, Scope, spec_for

# Reference data every logged-in member may read.
PUBLIC_REFERENCE = (Province, District, Commune, Village, Organisation)


# ---------------------------------------------------------------- membership
def memberships_of(user: User) -> list[Membership]:
    """The user's active memberships (cached on the user object for the request)."""
    cached: list[Membership] | None = getattr(user, "_karpear_memberships", None)
    if cached is None:
        if not user.is_authenticated or not user.is_active:
            cached = []
        else:
            # Places are read only for place-limited memberships (in _place_filter), not on every request.
            cached = list(
                Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
                .select_related("organisation", "team")
                .order_by("id")
            )
        user._karpear_memberships = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def membership_for(user: User) -> Membership | None:
    """The membership the user acts through: the one chosen for this session, else the first."""
    memberships = memberships_of(user)
    chosen = getattr(user, "_karpear_active_org", None)
    for membership in memberships:
        if chosen is None or membership.organisation_id == chosen:
            return membership
    return memberships[0] if memberships else None


def role_spec(user: User) -> RoleSpec | None:
    membership = membership_for(user)
    return spec_for(membership.role) if membership else None


def has_capability(user: User, capability: Capability) -> bool:
    spec = role_spec(user)
    return spec is not None and capability in spec.capabilities


def needs_two_factor(user: User) -> bool:
    """True when any of the user's roles may read identifying details."""
    return any(spec_for(m.role).needs_two_factor for m in memberships_of(user))


# ---------------------------------------------------------------- scoping
def _place_filter(membership: Membership, prefix: str = "") -> Q:
    """Rows inside the membership's places. A limited membership with no place matches nothing."""
    if not membership.place_limited:
        return Q()
    provinces = [p.code for p in membership.provinces.all()]
    communes = [c.code for c in membership.communes.all()]
    if not provinces and not communes:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if provinces:
        condition |= Q(**{f"{prefix}province_id__in": provinces})
    if communes:
        condition |= Q(**{f"{prefix}commune_id__in": communes})
    return condition


def _shared_ids(user: User, model: type[models.Model], organisation_id: int) -> list[int]:
    """Ids of `model` rows shared with the organisation, read once per request.

    A list, not a subquery: with no share the condition disappears, and a subquery OR-ed into the scope
    stops PostgreSQL from walking the (organisation, created_at) index (a 1M-row scan instead of 25 rows).
    """
    cache: dict[tuple[str, int], list[int]] = user.__dict__.setdefault("_karpear_shared", {})
    key = (model._meta.label_lower, organisation_id)
    if key not in cache:
        cache[key] = list(
            AccessShare.objects.filter(
                shared_with_id=organisation_id,
                content_type=ContentType.objects.get_for_model(model),
                accepted_at__isnull=False,
                revoked_at__isnull=True,
            ).values_list("object_id", flat=True)
        )
    return cache[key]


def _person_filter(user: User, membership: Membership, prefix: str = "") -> Q:
    spec = spec_for(membership.role)
    if Capability.VIEW_PERSON not in spec.capabilities or spec.scope == Scope.NONE:
        return Q(pk__in=[])
    own = Q(**{f"{prefix}organisation_id": membership.organisation_id})
    if spec.scope == Scope.OWN:
        own &= Q(**{f"{prefix}created_by_id": user.pk}) | Q(**{f"{prefix}assigned_to_id": user.pk})
    elif spec.scope == Scope.TEAM:
        mine = Q(**{f"{prefix}created_by_id": user.pk}) | Q(**{f"{prefix}assigned_to_id": user.pk})
        own &= mine | Q(**{f"{prefix}team_id": membership.team_id}) if membership.team_id else mine
    shared_ids = _shared_ids(user, Person, membership.organisation_id)
    scope = (own | Q(**{f"{prefix}pk__in": shared_ids})) if shared_ids else own
    return scope & _place_filter(membership, prefix)


def visible[M: models.Model](user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` this user may see; never more. Unknown models are denied."""
    model = queryset.model
    membership = membership_for(user)
    if membership is None:
        return queryset.none()
    org_id = membership.organisation_id
    spec = spec_for(membership.role)
    if model in PUBLIC_REFERENCE:
        return queryset
    if model is Person:
        return queryset.filter(_person_filter(user, membership))
    if model in (Identity, Consent):
        if model is Identity and Capability.VIEW_IDENTITY not in spec.capabilities:
            return queryset.none()
        return queryset.filter(_person_filter(user, membership, "person__"))
    if model is Household:
        if Capability.VIEW_PERSON not in spec.capabilities or spec.scope == Scope.NONE:
            return queryset.none()
        return queryset.filter(Q(organisation_id=org_id) & _place_filter(membership))
    if model in (Programme, SubGrant, Target):
        if Capability.VIEW_PROGRAMMES not in spec.capabilities:
            return queryset.none()
        if Capability.MANAGE_ORGANISATIONS in spec.capabilities:
            return queryset
        ids = Programme.objects.filter(
            Q(organisation_id=org_id) | Q(donor_id=org_id) | Q(subgrants__organisation_id=org_id)
        ).values("pk")
        if model is Programme:
            return queryset.filter(pk__in=ids)
        return queryset.filter(programme_id__in=ids)
    if model is ExportJob:
        # Only while the role may still export: a user whose role changed loses earlier files too.
        if Capability.EXPORT_PEOPLE not in spec.capabilities:
            return queryset.none()
        return queryset.filter(organisation_id=org_id, requested_by_id=user.pk)
    if model is PossibleDuplicate:
        # For the roles that decide on them, and only pairs of which both people are in the user's scope.
        if Capability.REVIEW_DUPLICATES not in spec.capabilities:
            return queryset.none()
        return queryset.filter(
            Q(organisation_id=org_id)
            & _person_filter(user, membership, "person__")
            & _person_filter(user, membership, "other__")
        )
    if model is Membership:
        if Capability.MANAGE_MEMBERS not in spec.capabilities:
            return queryset.filter(user_id=user.pk)
        if Capability.MANAGE_ORGANISATIONS in spec.capabilities:
            return queryset
        return queryset.filter(organisation_id=org_id)
    return queryset.none()


# ---------------------------------------------------------------- decisions
def _object_visible(user: User, obj: models.Model) -> bool:
    model = type(obj)
    return visible(user, model._default_manager.filter(pk=obj.pk)).exists()


@rules.predicate
def _in_scope(user: User, obj: models.Model | None) -> bool:
    return obj is None or _object_visible(user, obj)


def _capability_predicate(capability: Capability) -> Any:
    @rules.predicate(name=f"has_{capability.value}")
    def check(user: User, obj: models.Model | None = None) -> bool:
        return has_capability(user, capability)

    return check


RULES = rules.RuleSet()
for _capability in Capability:
    RULES.add_rule(_capability.value, _capability_predicate(_capability) & _in_scope)


def can(user: User, capability: Capability, obj: models.Model | None = None) -> bool:
    """May `user` use `capability` (on `obj`, when given: the object must also be visible)?"""
    return bool(RULES.test_rule(capability.value, user, obj))


def require(user: User, capability: Capability, obj: models.Model | None = None) -> None:
    """Raise PermissionDenied unless `can()`; views and the API call this."""
    if not can(user, capability, obj):
        raise PermissionDenied


# ---------------------------------------------------------------- single objects
def _get_visible[M: models.Model](user: User, queryset: QuerySet[M], **lookup: object) -> M:
    try:
        return visible(user, queryset).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_person_for_user(user: User, uuid: UUID | str, *, write: bool = False) -> Person:
    """The person with this public id, if visible to the user (else 404); with write, 403 if read-only."""
    person = _get_visible(
        user,
        Person.objects.select_related("province", "district", "commune", "village", "household", "organisation"),
        uuid=uuid,
    )
    if write:
        require(user, Capability.CHANGE_PERSON)
        if person.organisation_id != getattr(membership_for(user), "organisation_id", None):
            raise PermissionDenied  # a shared record is read-only for the receiving organisation
    return person


def get_programme_for_user(user: User, uuid: UUID | str) -> Programme:
    return _get_visible(user, Programme.objects.select_related("organisation", "donor"), uuid=uuid)


def get_subgrant_for_user(user: User, uuid: UUID | str) -> SubGrant:
    return _get_visible(user, SubGrant.objects.select_related("organisation", "programme"), uuid=uuid)


def get_organisation_for_user(user: User, uuid: UUID | str) -> Organisation:
    return _get_visible(user, Organisation.objects.all(), uuid=uuid)


def get_household_for_user(user: User, uuid: UUID | str) -> Household:
    return _get_visible(user, Household.objects.all(), uuid=uuid)


def get_membership_for_user(user: User, user_uuid: UUID | str) -> Membership:
    """A member of the organisation the user acts for, by the member's public id (404 otherwise)."""
    membership = membership_for(user)
    if membership is None:
        raise Http404
    return _get_visible(
        user,
        Membership.objects.filter(organisation_id=membership.organisation_id).select_related(
            "user", "organisation", "team"
        ),
        user__uuid=user_uuid,
    )


def get_export_for_user(user: User, uuid: UUID | str) -> ExportJob:
    return _get_visible(user, ExportJob.objects.all(), uuid=uuid)


def get_possible_duplicate_for_user(user: User, uuid: UUID | str) -> PossibleDuplicate:
    return _get_visible(
        user,
        PossibleDuplicate.objects.select_related(
            "person__commune", "other__commune", "person__created_by", "other__created_by", "resolved_by"
        ),
        uuid=uuid,
    )
