"""Who may see and do what: the one place (DESIGN §5).

Every app tells this module, from its `AppConfig.ready()`, how each of its organisation-owned models is scoped
(`register()`); nothing here names an app. Everything that reads such rows starts from `visible()`; every
decision goes through `can()` or `require()`; a single object is fetched with `get_for_user()`, which answers
404 when the object is outside the user's scope (its existence is not confirmed) and 403 when it is visible but
the action is not allowed. A model nobody registered is denied.

Scope comes from the user's active membership: its organisation, its role's scope for the capability that
guards the model (own, team, organisation — `core.roles`) and, when the membership is limited to places, those
places only (deny by default). Rows of a person another organisation referred to the user's organisation are
added while the referral is accepted, for the sections it shares, within the receiver's own/team scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import rules
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from karpear.core import roles
from karpear.core.models import (
    Commune,
    Consent,
    District,
    ExportJob,
    Household,
    Identity,
    Membership,
    Organisation,
    OtherName,
    Person,
    PossibleDuplicate,
    Programme,
    Province,
    Referral,
    SubGrant,
    Target,
    User,
    Village,
)
from karpear.core.roles import Capability, RoleSpec, Scope, spec_for

ANY_SECTION = "*"  # a person's own pseudonymous record is shared by every accepted referral of that person


# ---------------------------------------------------------------- membership
def memberships_of(user: User) -> list[Membership]:
    """The user's active, accepted memberships (cached on the user object for the request)."""
    cached: list[Membership] | None = getattr(user, "_karpear_memberships", None)
    if cached is None:
        cached = []
        invitations: list[Membership] = []
        if user.is_authenticated and user.is_active:
            # One query for the memberships and the invitations still waiting (pending ones give nothing).
            # Places are read only for place-limited memberships (in _place_filter), not on every request.
            for membership in (
                Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
                .select_related("organisation", "team", "invited_by")
                .order_by("id")
            ):
                (invitations if membership.pending else cached).append(membership)
        user._karpear_memberships = cached  # type: ignore[attr-defined]  # per-request cache
        user._karpear_invitations = invitations  # type: ignore[attr-defined]
    return cached


def invitations_of(user: User) -> list[Membership]:
    """Memberships other organisations offered the user, waiting for their answer (read with memberships_of)."""
    memberships_of(user)
    invitations: list[Membership] = user._karpear_invitations  # type: ignore[attr-defined]  # set by memberships_of
    return invitations


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


def has_capability(user: User, capability: str) -> bool:
    spec = role_spec(user)
    return spec is not None and capability in spec.capabilities


def needs_two_factor(user: User) -> bool:
    """True when any of the user's roles may read identifying details, and for back-office (staff) accounts."""
    if user.is_staff or user.is_superuser:  # an anonymous user has both, false
        return True
    return any(spec_for(m.role).needs_two_factor for m in memberships_of(user))


# ---------------------------------------------------------------- the registry
@dataclass(frozen=True)
class Context:
    """What a scoping rule knows about the request: the user, their membership and role, and the scope of
    the capability that guards the model being read."""

    user: User
    membership: Membership
    spec: RoleSpec
    capability: str | None
    scope: Scope


type RowRule = Callable[[Context], Q]


@dataclass(frozen=True)
class ModelAccess:
    """How one model's rows are scoped. See `register()`."""

    model: type[models.Model]
    view: str | None
    change: str | None
    organisation: str | None
    person: str | None
    owners: tuple[str, ...]
    team: str | None
    places: tuple[str, str] | None
    section: str | None
    lookup: str
    rows: RowRule | None
    public: bool = False

    @property
    def inherits_person(self) -> bool:
        """Rows that belong to a person and name no owner of their own take that person's scope."""
        return self.person is not None and not self.owners and self.team is None

    def owner_organisation_id(self, obj: models.Model) -> Any:
        if not self.organisation:  # pragma: no mutate (equivalent: its caller asks only when there is one)
            return None
        return getattr(obj, f"{self.organisation}_id")


_REGISTRY: dict[type[models.Model], ModelAccess] = {}
_FINAL = False
# Section names declared by the apps (core.registry.referral_section); checked when the registry is first used.
_known_sections: Callable[[], Iterable[str]] | None = None


def _check_field(model: type[models.Model], path: str, what: str) -> None:  # pragma: no mutate block (start-up)
    """Fail at start-up when a declared field path does not exist on the model."""
    current: Any = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(
                f"core.access.register({model._meta.label}): {what} {path!r} — {current._meta.label} has no "
                f"field {part!r}"
            ) from exc
        current = field.related_model or current


def register(
    model: type[models.Model],
    *,
    view: str | None,
    change: str | None = None,
    organisation: str | None = "organisation",
    person: str | None = None,
    owners: Iterable[str] = (),
    team: str | None = None,
    places: tuple[str, str] | None = None,
    section: str | None = None,
    lookup: str = "uuid",
    rows: RowRule | None = None,
) -> ModelAccess:  # pragma: no mutate block (start-up)
    """Declare how `model`'s rows are scoped. Call it from the app's `AppConfig.ready()`.

    - `view` / `change`: the capabilities that read and change a row. `view=None` only with `rows`.
    - `organisation`: the field naming the owning organisation (rows of other organisations are never
      visible, except through a referral).
    - `person`: the path to the `core.Person` the row belongs to. Without `owners`/`team` the row takes that
      person's scope (own/team/organisation, place limits, referrals); with them, the row's own fields decide
      the own/team scope and the person only carries referrals and place limits.
    - `owners`: user fields that make a row the user's own (own and team scopes); `team`: the team field
      (team scope). A model with neither is organisation-wide: every role holding `view` with any scope other
      than none sees all of its organisation's rows.
    - `places`: (province field, commune field) for place-limited memberships.
    - `section`: the referral section under which an accepted referral shares the rows (needs `person`).
    - `lookup`: the public key `get_for_user()` looks a row up by.
    - `rows`: a function of the `Context` returning the condition itself, for rules the fields above cannot say.
    """
    if model in _REGISTRY:
        raise ImproperlyConfigured(f"core.access.register: {model._meta.label} is registered twice")
    owners = tuple(owners)
    if view is None and rows is None:
        raise ImproperlyConfigured(f"core.access.register({model._meta.label}): view=None needs a rows rule")
    for path, what in [
        *((f, "owner field") for f in owners),
        *(((organisation, "organisation field"),) if organisation else ()),
        *(((person, "person path"),) if person else ()),
        *(((team, "team field"),) if team else ()),
        *(((p, "place field") for p in places) if places else ()),
    ]:
        _check_field(model, path, what)
    if lookup != "pk":
        _check_field(model, lookup, "lookup field")
    if section is not None and person is None and model is not Person:
        raise ImproperlyConfigured(
            f"core.access.register({model._meta.label}): section {section!r} needs the person path the rows "
            "belong to (a referral shares a person's records)"
        )
    declaration = ModelAccess(model, view, change, organisation, person, owners, team, places, section, lookup, rows)
    _REGISTRY[model] = declaration
    return declaration


def register_public(*models_: type[models.Model]) -> None:  # pragma: no mutate block (start-up)
    """Reference data every logged-in member may read (places, organisations)."""
    for model in models_:
        if model in _REGISTRY:
            raise ImproperlyConfigured(f"core.access.register_public: {model._meta.label} is registered twice")
        lookup = "uuid" if any(f.name == "uuid" for f in model._meta.get_fields()) else "pk"
        _REGISTRY[model] = ModelAccess(model, None, None, None, None, (), None, None, None, lookup, None, public=True)


def declaration(model: type[models.Model]) -> ModelAccess | None:
    """The declaration of a model (or of the concrete model behind a proxy), or None."""
    _finalise()
    # The fallback for a proxy model is never taken today (no model is a proxy): not mutated, docs/testing.md.
    return _REGISTRY.get(model) or _REGISTRY.get(model._meta.concrete_model)  # type: ignore[arg-type]  # pragma: no mutate


def declarations() -> dict[type[models.Model], ModelAccess]:
    _finalise()
    return dict(_REGISTRY)


def set_section_source(source: Callable[[], Iterable[str]]) -> None:  # pragma: no mutate block (start-up)
    """core.registry tells the access registry where the declared referral sections are."""
    global _known_sections
    _known_sections = source


def _finalise() -> None:  # pragma: no mutate block (start-up)
    """Cross-checks that need every app to have declared itself: run once, on first use."""
    global _FINAL
    if _FINAL:
        return
    known = set(_known_sections()) if _known_sections is not None else set()
    for model, decl in _REGISTRY.items():
        if decl.section not in (None, ANY_SECTION) and decl.section not in known:
            raise ImproperlyConfigured(
                f"core.access.register({model._meta.label}): section {decl.section!r} is not declared by any app "
                f"(core.registry.referral_section); declared: {sorted(known)}"
            )
    # Every capability an app defined gets its rule here, once, before the first request: not lazily in
    # can(), where two threads could add the same rule at once (django-rules refuses a second add).
    declared = {c for decl in _REGISTRY.values() for c in (decl.view, decl.change) if c}
    for capability in {*roles.capabilities(), *declared}:
        if not RULES.rule_exists(capability):
            RULES.add_rule(capability, _capability_predicate(capability) & _in_scope)
    _FINAL = True


def reset_for_tests() -> None:  # pragma: no cover, no mutate block (tests that register throw-away models)
    global _FINAL
    _FINAL = False


# ---------------------------------------------------------------- conditions
def _places(membership: Membership) -> tuple[list[str], list[str]]:
    """The province and commune codes of a place-limited membership, read once per request."""
    cached: tuple[list[str], list[str]] | None = getattr(membership, "_karpear_places", None)
    if cached is None:
        cached = (
            [p.code for p in membership.provinces.all()],
            [c.code for c in membership.communes.all()],
        )
        membership._karpear_places = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def membership_places(membership: Membership) -> tuple[list[str], list[str]]:
    """(province codes, commune codes) a place-limited membership works in (empty lists if not limited)."""
    return _places(membership) if membership.place_limited else ([], [])


def _place_filter(membership: Membership, prefix: str, places: tuple[str, str] | None) -> Q:
    """Rows inside the membership's places. A limited membership with no place matches nothing; a model
    without place fields matches nothing for a limited membership either (deny by default)."""
    if not membership.place_limited:
        return Q()
    provinces, communes = _places(membership)
    if places is None or (not provinces and not communes):
        return Q(pk__in=[])
    province_field, commune_field = places
    # An empty list matches nothing, and OR-ed with the other adds nothing: no test of either list is needed.
    return Q(**{f"{prefix}{province_field}_id__in": provinces}) | Q(**{f"{prefix}{commune_field}_id__in": communes})


def _shared_person_ids(ctx: Context, section: str) -> list[int]:
    """Ids of people referred to the user's organisation by accepted referrals sharing `section`, within
    the receiver's scope (assigned to the user, to their team, or the whole organisation).

    One query per request and scope, for every section at once. A list, not a subquery: with no referral the
    condition disappears, and a subquery OR-ed into the scope stops PostgreSQL from walking the
    (organisation, created_at) index (a 1M-row scan instead of 25 rows).
    """
    membership = ctx.membership
    cache: dict[tuple[Any, ...], dict[str, list[int]]] = ctx.user.__dict__.setdefault("_karpear_shared", {})
    key = (membership.organisation_id, ctx.scope, membership.team_id)
    if key not in cache:
        referrals = Referral.objects.filter(receiver_id=membership.organisation_id, status=Referral.Status.ACCEPTED)
        if ctx.scope == Scope.OWN:
            referrals = referrals.filter(assigned_to_id=ctx.user.pk)
        elif ctx.scope == Scope.TEAM:
            mine = Q(assigned_to_id=ctx.user.pk)
            referrals = referrals.filter(mine | Q(assigned_team_id=membership.team_id) if membership.team_id else mine)
        elif ctx.scope != Scope.ORGANISATION:
            referrals = referrals.none()  # pragma: no mutate (unreachable today: docs/testing.md)
        by_section: dict[str, set[int]] = {ANY_SECTION: set()}
        for person_id, name in referrals.values_list("person_id", "sections__name"):
            by_section[ANY_SECTION].add(person_id)
            if name:
                by_section.setdefault(name, set()).add(person_id)
        cache[key] = {name: sorted(ids) for name, ids in by_section.items()}
    return cache[key].get(section, [])  # pragma: no mutate (callers test the list's truth: docs/testing.md)


def _owned(ctx: Context, decl: ModelAccess, prefix: str) -> Q:
    """Rows of the user's organisation within the scope, by the declaration's own owner and team fields."""
    membership = ctx.membership
    condition = Q(**{f"{prefix}{decl.organisation}_id": membership.organisation_id})
    mine = Q(pk__in=[])
    for owner in decl.owners:
        mine |= Q(**{f"{prefix}{owner}_id": ctx.user.pk})
    if ctx.scope == Scope.OWN and decl.owners:
        condition &= mine
    elif ctx.scope == Scope.TEAM and (decl.owners or decl.team):
        if decl.team and membership.team_id:
            condition &= mine | Q(**{f"{prefix}{decl.team}_id": membership.team_id})
        else:
            condition &= mine
    return condition


def _person_condition(ctx: Context, prefix: str, section: str | None) -> Q:
    """The scope of people (at `prefix`), with the people referred to the organisation for `section`."""
    person_decl = _REGISTRY[Person]
    condition = _owned(ctx, person_decl, prefix)
    if section is not None:
        shared = _shared_person_ids(ctx, section)
        if shared:
            condition |= Q(**{f"{prefix}pk__in": shared})
    return condition & _place_filter(ctx.membership, prefix, person_decl.places)


def _condition(ctx: Context, decl: ModelAccess) -> Q:
    if decl.model is Person:
        return _person_condition(ctx, "", ANY_SECTION)
    if decl.inherits_person:
        assert decl.person is not None
        return _person_condition(ctx, f"{decl.person}__", decl.section)
    condition = _owned(ctx, decl, "")
    if decl.section is not None:  # registration refuses a section without a person path
        shared = _shared_person_ids(ctx, decl.section)
        if shared:
            condition |= Q(**{f"{decl.person}_id__in": shared})
    if decl.places is None and decl.person is not None:
        # A record of a person with no place of its own lies where its person lives.
        return condition & _place_filter(ctx.membership, f"{decl.person}__", _REGISTRY[Person].places)
    return condition & _place_filter(ctx.membership, "", decl.places)


def _context(user: User, decl: ModelAccess) -> Context | None:
    membership = membership_for(user)
    if membership is None:
        return None
    spec = spec_for(membership.role)
    if decl.view is not None:
        if decl.view not in spec.capabilities:
            return None
        scope = spec.scope_for(decl.view)
    else:
        scope = spec.scope  # pragma: no mutate (no rows rule reads ctx.scope: docs/testing.md)
    return Context(
        user,
        membership,
        spec,
        decl.view,  # pragma: no mutate (no rows rule reads ctx.capability yet: docs/testing.md)
        scope,
    )


def visible[M: models.Model](user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` this user may see; never more. Unregistered models are denied."""
    decl = declaration(queryset.model)
    if decl is None:
        return queryset.none()
    if decl.public:
        return queryset if membership_for(user) is not None else queryset.none()
    ctx = _context(user, decl)
    if ctx is None:
        return queryset.none()
    if decl.rows is not None:
        return queryset.filter(decl.rows(ctx))
    if ctx.scope == Scope.NONE:
        return queryset.none()
    return queryset.filter(_condition(ctx, decl))


# ---------------------------------------------------------------- decisions
def _object_visible(user: User, obj: models.Model) -> bool:
    """One query: is this object among the rows the user may see?"""
    model = type(obj)
    return visible(user, model._default_manager.filter(pk=obj.pk)).exists()


def _owned_by_own_organisation(user: User, obj: models.Model) -> bool:
    decl = declaration(type(obj))
    membership = membership_for(user)
    # Deny by default; unreachable from today's callers, which ask after visible() found the row (docs/testing.md).
    if decl is None or membership is None:  # pragma: no mutate
        return False  # pragma: no mutate
    return decl.organisation is None or decl.owner_organisation_id(obj) == membership.organisation_id


@rules.predicate
def _in_scope(user: User, obj: models.Model | None) -> bool:
    return obj is None or _object_visible(user, obj)


def _capability_predicate(capability: str) -> Any:
    @rules.predicate(name=f"has_{capability}")
    def check(user: User, obj: models.Model | None = None) -> bool:
        return has_capability(user, capability)

    return check


RULES = rules.RuleSet()
for _capability in Capability:
    RULES.add_rule(_capability.value, _capability_predicate(_capability) & _in_scope)


def can(user: User, capability: str, obj: models.Model | None = None) -> bool:
    """May `user` use `capability` (on `obj`, when given: the object must also be visible, and to change it,
    owned by the user's organisation — what a referral shares is read-only)?"""
    _finalise()
    if not RULES.test_rule(str(capability), user, obj):  # an unknown capability has no rule: False
        return False
    if obj is not None:
        decl = declaration(type(obj))
        if decl is None:
            return False  # pragma: no mutate (the rule above already refused it: docs/testing.md)
        if capability == decl.change and not _owned_by_own_organisation(user, obj):
            return False
    return True


def require(user: User, capability: str, obj: models.Model | None = None) -> None:
    """Raise PermissionDenied unless `can()`; views and the API call this."""
    if not can(user, capability, obj):
        raise PermissionDenied


# ---------------------------------------------------------------- single objects
def get_for_user[M: models.Model](
    user: User,
    model: type[M],
    key: UUID | str | int,
    *,
    write: bool = False,
    queryset: QuerySet[M] | None = None,
) -> M:
    """The row of `model` with this public key, if visible to the user (else 404).

    With `write`, 403 unless the user holds the model's change capability and the row belongs to their own
    organisation (what a referral shares is read-only). `queryset` may add select_related and the like.
    """
    decl = declaration(model)
    if decl is None:
        raise Http404
    rows = queryset if queryset is not None else model._default_manager.all()
    try:
        obj = visible(user, rows).get(**{decl.lookup: key})
    except (models.ObjectDoesNotExist, ValueError, ValidationError) as exc:
        # Anything that is not a known record's id (a malformed uuid too) is "not found", never a 400.
        raise Http404 from exc
    if write:
        if decl.change is None or not has_capability(user, decl.change):
            raise PermissionDenied
        if not _owned_by_own_organisation(user, obj):
            raise PermissionDenied
    return obj


def get_person_for_user(user: User, uuid: UUID | str, *, write: bool = False) -> Person:
    """The person with this public id, if visible to the user (else 404); with write, 403 if read-only."""
    return get_for_user(
        user,
        Person,
        uuid,
        write=write,
        queryset=Person.objects.select_related(
            "province", "district", "commune", "village", "household", "organisation"
        ),
    )


def get_programme_for_user(user: User, uuid: UUID | str) -> Programme:
    return get_for_user(user, Programme, uuid, queryset=Programme.objects.select_related("organisation", "donor"))


def get_subgrant_for_user(user: User, uuid: UUID | str) -> SubGrant:
    return get_for_user(user, SubGrant, uuid, queryset=SubGrant.objects.select_related("organisation", "programme"))


def get_organisation_for_user(user: User, uuid: UUID | str) -> Organisation:
    return get_for_user(user, Organisation, uuid)


def get_household_for_user(user: User, uuid: UUID | str) -> Household:
    return get_for_user(user, Household, uuid)


def get_membership_for_user(user: User, user_uuid: UUID | str) -> Membership:
    """A member of the organisation the user acts for, by the member's public id (404 otherwise)."""
    membership = membership_for(user)
    if membership is None:
        raise Http404
    return get_for_user(
        user,
        Membership,
        user_uuid,
        queryset=Membership.objects.filter(organisation_id=membership.organisation_id).select_related(
            "user", "organisation", "team"
        ),
    )


def get_export_for_user(user: User, uuid: UUID | str) -> ExportJob:
    return get_for_user(user, ExportJob, uuid)


def get_possible_duplicate_for_user(user: User, uuid: UUID | str) -> PossibleDuplicate:
    return get_for_user(
        user,
        PossibleDuplicate,
        uuid,
        queryset=PossibleDuplicate.objects.select_related(
            "person__commune", "other__commune", "person__created_by", "other__created_by", "resolved_by"
        ),
    )


# ---------------------------------------------------------------- the registrar's window
def registrar_window_open(user: User, person: Person) -> bool:
    """May the person who registered `person` still see and correct what they typed, and record consent,
    without the view_identity or change_person capability? (A volunteer who cannot otherwise find the person
    they just registered, fix a typo or record the consent.)

    Only while all of this holds: the user registered the record (created_by), in the organisation they act
    for, with a role that registers people (add_person); the record is still assigned to them (a caseworker who
    takes it over — `services.person_take_over` — ends the window, and so does any other assignment); it is
    open; it was registered today (Cambodia's day, TIME_ZONE); and it is still in the user's scope (place limits,
    a deactivated membership). Then it is a caseworker's. Every identity read through the window is audited
    like any other (`selectors.person_identity`, reason "registrar").
    """
    membership = membership_for(user)
    if membership is None:  # also every anonymous or deactivated user (memberships_of)
        return False
    if not (
        person.created_by_id == user.pk
        and person.assigned_to_id == user.pk
        and person.organisation_id == membership.organisation_id
        and person.closed_at is None
        and Capability.ADD_PERSON in spec_for(membership.role).capabilities
    ):
        return False
    if timezone.localdate(person.created_at) != timezone.localdate():
        return False
    return _object_visible(user, person)


def may_read_identity(user: User, person: Person) -> bool:
    """May the user read this person's identifying details: by role (view_identity, in scope) or through
    the registrar's window?"""
    return can(user, Capability.VIEW_IDENTITY, person) or registrar_window_open(user, person)


def may_change_person(user: User, person: Person) -> bool:
    """May the user change this person's record and record their consent: by role (change_person, own
    organisation, in scope) or through the registrar's window?"""
    return can(user, Capability.CHANGE_PERSON, person) or registrar_window_open(user, person)


def get_person_for_change(user: User, uuid: UUID | str) -> Person:
    """The person with this public id for changing or recording consent: 404 when not visible, 403 when
    visible but neither the role nor the registrar's window allows the change."""
    person = get_person_for_user(user, uuid)
    if not may_change_person(user, person):
        raise PermissionDenied
    return person


# ---------------------------------------------------------------- core's own declarations
def _programme_rows(ctx: Context) -> Q:
    """Programmes the organisation manages, funds or holds a sub-grant of (all, for system administrators)."""
    if Capability.MANAGE_ORGANISATIONS in ctx.spec.capabilities:
        return Q()
    org_id = ctx.membership.organisation_id
    return Q(
        pk__in=Programme.objects.filter(
            Q(organisation_id=org_id) | Q(donor_id=org_id) | Q(subgrants__organisation_id=org_id)
        ).values("pk")
    )


def _programme_part_rows(ctx: Context) -> Q:
    programmes = _programme_rows(ctx)
    if not programmes:
        return Q()
    return Q(programme_id__in=Programme.objects.filter(programmes).values("pk"))


def _export_rows(ctx: Context) -> Q:
    """A user's own exports in the organisation they made them for, of the kinds their role may still run:
    a user whose role lost the capability loses earlier files too."""
    from karpear.core import registry

    kinds = [kind.key for kind in registry.export_kinds() if kind.capability in ctx.spec.capabilities]
    return Q(organisation_id=ctx.membership.organisation_id, requested_by_id=ctx.user.pk, kind__in=kinds)


def _membership_rows(ctx: Context) -> Q:
    if Capability.MANAGE_MEMBERS not in ctx.spec.capabilities:
        return Q(user_id=ctx.user.pk)
    if Capability.MANAGE_ORGANISATIONS in ctx.spec.capabilities:
        return Q()
    return Q(organisation_id=ctx.membership.organisation_id)


def _referral_rows(ctx: Context) -> Q:
    """Referrals the sender's members see for the people in their scope; the receiver's members see those
    they may decide on (receive_referrals) or that are assigned to them or their team."""
    spec, membership = ctx.spec, ctx.membership
    org_id = membership.organisation_id
    person_scope = spec.scope_for(Capability.VIEW_PERSON)  # pragma: no mutate (equal for every role today)
    received = Q(receiver_id=org_id)
    if Capability.RECEIVE_REFERRALS not in spec.capabilities:
        mine = Q(assigned_to_id=ctx.user.pk)
        if person_scope == Scope.TEAM and membership.team_id:
            mine |= Q(assigned_team_id=membership.team_id)
        received &= mine
    if Capability.VIEW_PERSON not in spec.capabilities:
        return received
    if person_scope == Scope.NONE:
        return received
    # The people's condition reads neither the spec nor the capability (docs/testing.md).
    person_ctx = Context(
        ctx.user,
        membership,
        spec,  # pragma: no mutate
        Capability.VIEW_PERSON,  # pragma: no mutate
        person_scope,
    )
    return received | (Q(organisation_id=org_id) & _person_condition(person_ctx, "person__", None))


def _possible_duplicate_rows(ctx: Context) -> Q:
    """For the roles that decide on them (review_duplicates), and only pairs of which both people are in the
    user's scope."""
    # The people's condition reads neither the spec nor the capability; the scope is the organisation's for
    # the one role that reviews duplicates today, whichever is read (docs/testing.md).
    person_ctx = Context(
        ctx.user,
        ctx.membership,
        ctx.spec,  # pragma: no mutate
        Capability.VIEW_PERSON,  # pragma: no mutate
        ctx.spec.scope_for(Capability.VIEW_PERSON),  # pragma: no mutate
    )
    return (
        Q(organisation_id=ctx.membership.organisation_id)
        & _person_condition(person_ctx, "person__", None)
        & _person_condition(person_ctx, "other__", None)
    )


def declare_core() -> None:  # pragma: no mutate block (start-up)
    """Core's models; called from CoreConfig.ready()."""
    C = Capability
    register_public(Province, District, Commune, Village, Organisation)
    register(
        Person,
        view=C.VIEW_PERSON,
        change=C.CHANGE_PERSON,
        owners=("created_by", "assigned_to"),
        team="team",
        places=("province", "commune"),
        section=ANY_SECTION,
    )
    register(
        Identity,
        view=C.VIEW_IDENTITY,
        change=C.CHANGE_PERSON,
        person="person",
        section="identity",
        lookup="person__uuid",
    )
    register(
        OtherName,
        view=C.VIEW_IDENTITY,
        change=C.CHANGE_PERSON,
        person="person",
        section="identity",
        lookup="person__uuid",
    )
    register(Consent, view=C.VIEW_PERSON, change=C.CHANGE_PERSON, person="person")
    register(Household, view=C.VIEW_PERSON, change=C.ADD_PERSON, places=("province", "commune"))
    register(Programme, view=C.VIEW_PROGRAMMES, change=C.MANAGE_PROGRAMMES, rows=_programme_rows)
    register(SubGrant, view=C.VIEW_PROGRAMMES, change=C.MANAGE_PROGRAMMES, rows=_programme_part_rows)
    register(
        Target,
        view=C.VIEW_PROGRAMMES,
        change=C.MANAGE_PROGRAMMES,
        organisation=None,
        rows=_programme_part_rows,
        lookup="pk",
    )
    register(ExportJob, view=None, rows=_export_rows)
    register(Membership, view=None, change=C.MANAGE_MEMBERS, rows=_membership_rows, lookup="user__uuid")
    register(Referral, view=None, change=C.REFER_PERSON, rows=_referral_rows)
    register(PossibleDuplicate, view=C.REVIEW_DUPLICATES, change=C.REVIEW_DUPLICATES, rows=_possible_duplicate_rows)
