"""Writes of the core records. Each service checks its caller's rights through core.access, validates,
saves inside one transaction and writes its audit event in that same transaction.

Locks. Every service takes its locks in this one order, so that two transactions never wait for each other
in a circle (a deadlock). A service may skip a step; it never goes back to an earlier one.

1. The organisation's registration lock: the `CaseSequence` row of (organisation, this year), taken with
   SELECT ... FOR UPDATE by `person_create` right after the permission check and before anything else. It
   hands out case numbers and makes the registrations of one organisation check for a clash of case
   number, household number and duplicate one after the other (`_registration_lock`).
2. The rows the service writes, parents before children: household, person, identity, consent, possible
   duplicate flags; export jobs; users, memberships. Inserts lock their unique keys, updates their rows.
   A unique key a concurrent transaction took first surfaces as an IntegrityError, caught inside a
   savepoint and turned into the same field error the check before it gives (`_save_unique`).
3. The audit append (`audit.record`), always last, right before the transaction commits. A service that
   creates a record another service would also create (a household while registering a person) uses the
   non-auditing helper (`_household_new`) and writes both events at its end, never in the middle.

Task workers claim and release `django_tasks_db` rows in short transactions of their own, never inside one
of the above (karpear/core/worker.py). docs/development.md ("Locks") explains the order and its reasons.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from karpear.core import access, audit, countries
from karpear.core.models import (
    ApiToken,
    CaseSequence,
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
    Province,
    User,
    Village,
)
from karpear.core.roles import Capability
from karpear.core.text import (
    clean_name,
    clean_text,
    initials,
    khmer_key,
    latin_key,
    name_key,
    rotated,
    to_ascii_digits,
)

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- small parsers shared by forms and API
def normalise_phone(raw: str) -> tuple[str, str | None]:
    """(E.164 number, warning or None). Impossible numbers raise; unusual but possible ones only warn,
    because some real Cambodian landlines fail strict validation (DOMAIN §6)."""
    raw = to_ascii_digits(clean_text(raw))
    if not raw:
        return "", None
    try:
        number = phonenumbers.parse(raw, "KH")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="phone") from exc
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(_("This phone number has the wrong number of digits."), code="phone")
    warning = None
    if not phonenumbers.is_valid_number(number):
        warning = _("This phone number looks unusual; please check it.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), warning


@dataclass(frozen=True)
class PlaceChoice:
    province: Province | None = None
    district: District | None = None
    commune: Commune | None = None
    village: Village | None = None


# Reads one place row by its key (a code; a village's id), None when there is none.
type PlaceLookup = Callable[[type[Province | District | Commune | Village], Any], Any]


def place_from_database(model: type[Province | District | Commune | Village], key: Any) -> Any:
    return model._default_manager.filter(pk=key).first()


def place_lookup(places: Sequence[dict[str, Any]]) -> PlaceLookup:
    """A lookup for `resolve_place` over the rows these places name (dicts of province, district, commune and
    village as a form sends them), read with four queries whatever their number: a screen with many place
    pickers (a group arriving together) checks them all without a query per row."""
    wanted: dict[type[Any], set[Any]] = {Province: set(), District: set(), Commune: set(), Village: set()}
    for place in places:
        for model, name in ((Province, "province"), (District, "district"), (Commune, "commune")):
            if str(place.get(name) or "").strip():
                wanted[model].add(str(place[name]).strip())
        with contextlib.suppress(TypeError, ValueError):
            wanted[Village].add(int(str(place.get("village"))))
    rows: dict[type[Any], dict[Any, Any]] = {
        model: model._default_manager.in_bulk(wanted[model]) if wanted[model] else {}
        for model in (Province, District, Commune)
    }
    # A village alone fills the levels above it: they are read with it.
    villages = Village.objects.select_related("commune", "district", "province")
    rows[Village] = villages.in_bulk(wanted[Village]) if wanted[Village] else {}
    return lambda model, key: rows[model].get(key)


def resolve_place(
    *, province: str = "", district: str = "", commune: str = "", village: str | int | None = None
) -> PlaceChoice:
    """Check a picked place top-down; each level must exist and belong to the one above it."""
    return resolve_place_looked_up(
        place_from_database, province=province, district=district, commune=commune, village=village
    )


def resolve_place_looked_up(
    get: PlaceLookup, *, province: str = "", district: str = "", commune: str = "", village: str | int | None = None
) -> PlaceChoice:
    """`resolve_place` reading the rows through `get` (`place_lookup`: many places read at once)."""
    errors: dict[str, str] = {}
    prov = get(Province, province) if province else None
    if province and prov is None:
        errors["province"] = _("Unknown place code.")
    dist = get(District, district) if district else None
    if district and (dist is None or (prov and dist.province_id != prov.code)):
        errors["district"] = _("Unknown place code.")
    comm = get(Commune, commune) if commune else None
    if commune and (comm is None or (dist and comm.district_id != dist.code)):
        errors["commune"] = _("Unknown place code.")
    vill = None
    if village not in (None, ""):
        try:
            vill = get(Village, int(str(village)))
        except ValueError:
            vill = None
        if vill is None or (comm and vill.commune_id != comm.code):
            errors["village"] = _("Unknown place code.")
    if errors:
        raise ValidationError(errors)
    # Fill the levels above the most precise one, so a village alone is enough.
    if vill is not None:
        comm = comm or vill.commune
        dist = dist or vill.district
        prov = prov or vill.province
    if comm is not None:
        dist = dist or comm.district
        prov = prov or comm.province
    if dist is not None:
        prov = prov or dist.province
    return PlaceChoice(prov, dist, comm, vill)


# ---------------------------------------------------------------- people
@dataclass
class PersonInput:
    sex: str
    birth_year: int | None = None
    birth_year_estimated: bool = False
    date_of_birth: dt.date | None = None
    place: PlaceChoice = field(default_factory=PlaceChoice)
    household: Household | None = None
    new_household_code: str = ""
    new_household_poverty: str = Household.Poverty.NOT_ASSESSED
    relationship_to_head: str = ""
    case_number: str = ""
    name_km: str = ""
    name_latin: str = ""
    phone: str = ""
    national_id: str = ""
    passport_number: str = ""
    mother_name: str = ""
    address_details: str = ""
    # The user saw the possible duplicates the form found and confirmed that this is a different person.
    duplicate_confirmed: bool = False
    # ISO 3166-1 alpha-2; None keeps what is recorded (Cambodian for a new person).
    nationality: str | None = None
    # Other names, one each (parse_other_names); None keeps what is recorded.
    other_names: list[str] | None = None


MAX_OTHER_NAMES = 10


def parse_other_names(value: str | list[str]) -> list[str]:
    """Other names typed one per line or separated by commas (or given as a list): cleaned, without repeats
    (same search key), each with letters and no digit (a digit makes a search a case-number search). Raises
    ValidationError on the field `other_names`."""
    parts = value if isinstance(value, list) else value.replace("\r", "\n").replace(",", "\n").split("\n")
    names: list[str] = []
    keys: set[str] = set()
    for part in parts:
        name = clean_name(str(part))
        if not name:
            continue
        if any(ch.isdigit() for ch in name):
            raise ValidationError({"other_names": _("A name cannot contain digits: %(name)s") % {"name": name}})
        if len(name) > 150:
            raise ValidationError({"other_names": _("Each name can have at most 150 characters.")})
        key = name_key(name)
        if not key:
            raise ValidationError({"other_names": _("A name needs letters: %(name)s") % {"name": name}})
        if key not in keys:
            keys.add(key)
            names.append(name)
    if len(names) > MAX_OTHER_NAMES:
        raise ValidationError({"other_names": _("Enter at most %(count)d other names.") % {"count": MAX_OTHER_NAMES}})
    return names


def _set_other_names(identity: Identity, names: list[str]) -> None:
    """Store the names on the identity and their search keys beside it (OtherName), replacing the old ones.
    Checked again here, whoever the caller: a name the search could never find is not stored."""
    names = parse_other_names(names)
    identity.other_names = "\n".join(names)
    OtherName.objects.filter(person_id=identity.person_id).delete()
    OtherName.objects.bulk_create(
        OtherName(
            organisation_id=identity.organisation_id,
            person_id=identity.person_id,
            key=name_key(name),
            alt_key=name_key(rotated(name)),
        )
        for name in names
    )


def identity_keys(name_km: str, name_latin: str) -> dict[str, str]:
    """The search keys stored beside a name: the whole name, and the name with its first word last."""
    return {
        "name_km_key": khmer_key(name_km),
        "name_latin_key": latin_key(name_latin),
        "name_km_alt_key": khmer_key(rotated(name_km)),
        "name_latin_alt_key": latin_key(rotated(name_latin)),
    }


def _registration_lock(organisation: Organisation) -> CaseSequence:
    """Lock 1 of the lock order: the organisation's case-number row of this year, held until commit.

    Registrations of one organisation take it first, so they hand out case numbers without gap or clash and
    check typed case numbers, household numbers and duplicates one after the other.
    """
    seq, _created = CaseSequence.objects.select_for_update().get_or_create(
        organisation=organisation, year=timezone.localdate().year
    )
    return seq


def _next_case_number(organisation: Organisation, seq: CaseSequence) -> str:
    """The next free automatic case number; `seq` must be locked (`_registration_lock`)."""
    while True:
        seq.last += 1
        number = f"{organisation.short_name.upper()}-{seq.year}-{seq.last:05d}"
        if not Person.objects.filter(organisation=organisation, case_number=number).exists():
            seq.save(update_fields=["last"])
            return number


def _case_number_taken() -> str:
    return _("Your organisation already has a person with this case number.")


def _household_number_taken() -> str:
    return _("Your organisation already has a household with this number.")


def _save_unique(obj: Person | Household, field: str, message: str, clash: Any) -> None:
    """Save `obj`; if a concurrent transaction took its unique key first, raise the field error instead.

    Services check the key themselves before (with the message the user should read) and call full_clean
    with validate_constraints=False: Django's own check of a two-column constraint says "Person with this
    Organisation and Case number already exists." on no field, and cannot close the race either.

    The checks before saving cannot see a row another transaction has not committed yet; the unique
    constraint can. The savepoint keeps this transaction usable after the IntegrityError, to confirm that
    the clash is that key (`clash()` is then true) and not another constraint.
    """
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        if clash():
            raise ValidationError({field: message}) from None
        raise


def _case_number_clash(organisation: Organisation, case_number: str, person: Person | None) -> bool:
    clash = Person.objects.filter(organisation=organisation, case_number=case_number)
    if person is not None and person.pk is not None:
        clash = clash.exclude(pk=person.pk)
    return clash.exists()


def _validate_person(data: PersonInput, organisation: Organisation, person: Person | None = None) -> None:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if data.date_of_birth and data.date_of_birth > today:
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    if data.birth_year and data.birth_year > today.year:
        errors["birth_year"] = _("The birth year cannot be in the future.")
    if data.birth_year and data.birth_year < 1900:
        errors["birth_year"] = _("The birth year must be 1900 or later.")
    if data.date_of_birth and data.birth_year and data.date_of_birth.year != data.birth_year:
        errors["birth_year"] = _("The birth year does not match the date of birth.")
    if data.case_number and _case_number_clash(organisation, data.case_number, person):
        errors["case_number"] = _case_number_taken()
    if data.household is not None and data.household.organisation_id != organisation.pk:
        errors["household"] = _("Unknown household.")
    if data.nationality is not None and data.nationality not in countries.codes():
        errors["nationality"] = _("Choose a country from the list.")
    if data.other_names:
        try:
            parse_other_names(data.other_names)
        except ValidationError as exc:
            errors["other_names"] = exc.message_dict["other_names"][0]
    if errors:
        raise ValidationError(errors)


def _acting_membership(actor: User) -> Membership:
    membership = access.membership_for(actor)
    if membership is None:
        raise ValidationError(_("You are not a member of any organisation."))
    return membership


def _household_for(organisation: Organisation, data: PersonInput) -> tuple[Household | None, bool]:
    """The chosen household, or a new one made from the number typed on the form, in the person's place.

    Returns (household, created). A new household is not audited here: the caller records its event at its
    end, after its own writes (lock order, step 3).
    """
    if data.household is not None or not data.new_household_code:
        return data.household, False
    try:
        household = _household_new(
            organisation=organisation,
            code=data.new_household_code,
            place=data.place,
            poverty_status=data.new_household_poverty,
        )
    except ValidationError as exc:
        raise ValidationError({"new_household_code": exc.message_dict.get("code", exc.messages)}) from exc
    return household, True


def _check_place_limit(membership: Membership, place: PlaceChoice) -> None:
    """A membership limited to places registers people only inside them (else they would vanish from its view)."""
    if not membership.place_limited:
        return
    province_rows = list(membership.provinces.all())
    commune_rows = list(membership.communes.select_related("province"))
    provinces = {p.code for p in province_rows}
    communes = {c.code for c in commune_rows}
    inside = (place.province is not None and place.province.code in provinces) or (
        place.commune is not None and place.commune.code in communes
    )
    if not inside:
        field = "commune" if communes else "province"
        khmer = (translation.get_language() or "").startswith("km")

        def name(row: Any) -> str:
            return str(row.name_km if khmer and row.name_km else row.name_en)

        allowed = [name(p) for p in province_rows] + [f"{name(c)} ({name(c.province)})" for c in commune_rows]
        if not allowed:
            raise ValidationError({field: _("You have no place to work in yet: ask your organisation administrator.")})
        raise ValidationError(
            {
                field: _("You may register people only in the places you work in: %(places)s.")
                % {"places": ", ".join(allowed)}
            }
        )


def _new_person(
    actor: User, membership: Membership, data: PersonInput, case_number: str, name_km: str, name_latin: str
) -> Person:
    """A person as registered by `actor` (unsaved): one registration or one of a group's."""
    return Person(
        organisation=membership.organisation,
        case_number=case_number,
        initials=initials(name_latin) or initials(name_km),
        sex=data.sex,
        nationality=data.nationality or "KH",
        birth_year=data.birth_year or (data.date_of_birth.year if data.date_of_birth else None),
        birth_year_estimated=data.birth_year_estimated and not data.date_of_birth,
        province=data.place.province,
        district=data.place.district,
        commune=data.place.commune,
        village=data.place.village,
        household=data.household,
        relationship_to_head=data.relationship_to_head,
        created_by=actor,
        assigned_to=actor,
        team=membership.team,
    )


def _new_identity(person: Person, data: PersonInput, name_km: str, name_latin: str, phone: str) -> Identity:
    """The identifying details of a new person (unsaved), with the keys that find them again."""
    return Identity(
        person=person,
        organisation=person.organisation,
        name_km=name_km,
        name_latin=name_latin,
        date_of_birth=data.date_of_birth,
        phone=phone,
        national_id=clean_text(data.national_id).upper(),
        passport_number=clean_text(data.passport_number).upper(),
        mother_name=clean_name(data.mother_name),
        address_details=data.address_details.strip(),
        **identity_keys(name_km, name_latin),
    )


@transaction.atomic
def person_create(*, actor: User, data: PersonInput) -> Person:
    """Register a person in the actor's organisation. Needs add_person; audited."""
    access.require(actor, Capability.ADD_PERSON)
    membership = _acting_membership(actor)
    organisation = membership.organisation
    sequence = _registration_lock(organisation)  # lock order, step 1: before any other lock
    _validate_person(data, organisation)
    _check_place_limit(membership, data.place)
    data.household, household_created = _household_for(organisation, data)
    phone, _warning = normalise_phone(data.phone)
    name_km, name_latin = clean_name(data.name_km), clean_name(data.name_latin)
    case_number = data.case_number or _next_case_number(organisation, sequence)
    person = _new_person(actor, membership, data, case_number, name_km, name_latin)
    person.full_clean(validate_constraints=False)  # the case number: _validate_person and _save_person
    _save_person(person)
    identity = _new_identity(person, data, name_km, name_latin, phone)
    identity.full_clean(exclude=["person"])
    identity.save()
    if data.other_names:
        _set_other_names(identity, data.other_names)
        identity.save(update_fields=["other_names"])
    flagged = [] if data.duplicate_confirmed else _flag_possible_duplicates(person, identity)
    if household_created:
        audit.record(actor=actor, action="create", obj=data.household)
    details: dict[str, Any] = {"possible_duplicates": [str(f.other.uuid) for f in flagged]} if flagged else {}
    audit.record(actor=actor, action="create", obj=person, **details)
    return person


def _flag_possible_duplicates(person: Person, identity: Identity) -> list[PossibleDuplicate]:
    """Flag, for a case supervisor, everyone in the organisation sharing an exact key with a new registration.

    Runs inside person_create under the registration lock (lock order, step 1), so it sees every registration
    of the organisation committed before this one, and the ones after it see this one: of two registrations
    of the same person at the same moment, the later is always flagged. The form's own check runs earlier,
    before the lock, and only in the user's scope; this one covers the whole organisation.
    """
    from karpear.core import selectors

    keys = selectors.DuplicateKeys.of(person, identity)
    condition = keys.condition()
    if condition is None:
        return []
    others = (
        Person.objects.filter(organisation_id=person.organisation_id)
        .filter(condition)
        .exclude(pk=person.pk)
        .select_related("identity")
        .order_by("-created_at", "-id")[:MAX_FLAGS]
    )
    flags = [
        PossibleDuplicate(organisation_id=person.organisation_id, person=person, other=other, reasons=list(reasons))
        for other in others
        if (reasons := keys.reasons(other))
    ]
    for flag in flags:
        flag.full_clean(validate_constraints=False)
    return PossibleDuplicate.objects.bulk_create(flags)


MAX_FLAGS = 10  # the newest ten: a phone shared by a whole family must not flood the work list


# Fields of a new person or identity whose rows the caller already holds (the acting membership's organisation,
# user and team, the places resolve_place checked, a household of the organisation): full_clean would read each
# back, one query per field and person.
_PERSON_RELATED = (
    *("organisation", "province", "district", "commune", "village", "household"),
    *("created_by", "assigned_to", "team"),
)


def _next_case_numbers(organisation: Organisation, seq: CaseSequence, count: int) -> list[str]:
    """The next `count` free automatic case numbers, the same ones `_next_case_number` would hand out one after
    the other, with one query per round of clashes; `seq` must be locked (`_registration_lock`)."""
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        candidates = [f"{organisation.short_name.upper()}-{seq.year}-{seq.last + n:05d}" for n in range(1, wanted + 1)]
        seq.last += wanted
        taken = set(
            Person.objects.filter(organisation=organisation, case_number__in=candidates).values_list(
                "case_number", flat=True
            )
        )
        numbers += [number for number in candidates if number not in taken]
    seq.save(update_fields=["last"])
    return numbers


def _flag_possible_duplicates_many(
    registered: list[tuple[Person, Identity]], confirmed: set[int]
) -> dict[int, list[PossibleDuplicate]]:
    """`_flag_possible_duplicates` for people registered together, with one search: each is compared with the
    organisation's people registered before it, the ones earlier in the list included (as if registered one
    after the other); none for those at the positions `confirmed` (a different person, the user said). Returns
    the flags by person id."""
    from karpear.core import selectors

    if not registered:
        return {}
    keys = [selectors.DuplicateKeys.of(person, identity) for person, identity in registered]
    conditions = [None if n in confirmed else k.condition() for n, k in enumerate(keys)]
    combined = Q()
    for condition in conditions:
        if condition is not None:
            combined |= condition
    if not combined:
        return {}
    organisation_id = registered[0][0].organisation_id
    candidates = list(
        Person.objects.filter(organisation_id=organisation_id)
        .filter(combined)
        .select_related("identity")
        .order_by("-created_at", "-id")
    )
    position = {person.pk: n for n, (person, _identity) in enumerate(registered)}
    flags: dict[int, list[PossibleDuplicate]] = {}
    for n, ((person, _identity), person_keys) in enumerate(zip(registered, keys, strict=True)):
        if conditions[n] is None:
            continue
        found = [
            PossibleDuplicate(organisation_id=organisation_id, person=person, other=other, reasons=list(reasons))
            for other in candidates
            if position.get(other.pk, -1) < n and (reasons := person_keys.reasons(other))
        ][:MAX_FLAGS]
        if found:
            flags[person.pk] = found
    every = [flag for found in flags.values() for flag in found]
    for flag in every:
        flag.full_clean(validate_unique=False, validate_constraints=False, exclude=["organisation", "person", "other"])
    PossibleDuplicate.objects.bulk_create(every)
    return flags


@transaction.atomic
def people_create_many(*, actor: User, people: Sequence[PersonInput], prefixes: Sequence[str] = ()) -> list[Person]:
    """Register several people at once (a group arriving together), each as `person_create` would, with a number
    of queries that does not grow with how many: the registration lock once, the case numbers taken together,
    the people, identities and their history inserted in bulk, one search for possible duplicates and one audit
    insert (an event per person, as `person_create` writes). For people given an automatic case number, no new
    household and no other names (a ValueError otherwise: those are `person_create`'s). Nothing is saved when
    one is refused; its errors are keyed `<prefix><field>`, the prefix given for it in `prefixes` (default
    `<index>-`). Needs add_person; audited."""
    if any(data.case_number or data.new_household_code or data.other_names for data in people):
        raise ValueError("people_create_many: a typed case number, a new household or other names need person_create")
    access.require(actor, Capability.ADD_PERSON)
    membership = _acting_membership(actor)
    organisation = membership.organisation
    sequence = _registration_lock(organisation)  # lock order, step 1: before any other lock
    prefixes = list(prefixes) or [f"{n}-" for n in range(len(people))]
    errors: dict[str, list[str]] = {}
    places_checked: set[tuple[Any, ...]] = set()
    for prefix, data in zip(prefixes, people, strict=True):
        place_key = (data.place.province, data.place.district, data.place.commune, data.place.village)
        try:
            _validate_person(data, organisation)
            if place_key not in places_checked:  # a membership limited to places reads them on each check
                _check_place_limit(membership, data.place)
                places_checked.add(place_key)
        except ValidationError as exc:
            errors.update({f"{prefix}{name}": messages for name, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    numbers = _next_case_numbers(organisation, sequence, len(people))
    persons: list[Person] = []
    identities: list[Identity] = []
    for prefix, data, number in zip(prefixes, people, numbers, strict=True):
        name_km, name_latin = clean_name(data.name_km), clean_name(data.name_latin)
        phone, _warning = normalise_phone(data.phone)
        person = _new_person(actor, membership, data, number, name_km, name_latin)
        identity = _new_identity(person, data, name_km, name_latin, phone)
        try:
            # The case number was taken under the lock and the uuid is new: no unique check to repeat.
            person.full_clean(exclude=_PERSON_RELATED, validate_unique=False, validate_constraints=False)
            identity.full_clean(exclude=["person", "organisation"], validate_unique=False)
        except ValidationError as exc:
            errors.update({f"{prefix}{name}": messages for name, messages in exc.message_dict.items()})
        persons.append(person)
        identities.append(identity)
    if errors:
        raise ValidationError(errors)
    bulk_create_with_history(persons, Person, default_user=actor)
    for person, identity in zip(persons, identities, strict=True):
        identity.person = person  # the primary key the insert gave the person
    bulk_create_with_history(identities, Identity, default_user=actor)
    flags = _flag_possible_duplicates_many(
        list(zip(persons, identities, strict=True)),
        confirmed={n for n, data in enumerate(people) if data.duplicate_confirmed},
    )
    with audit.batched():
        for person in persons:
            flagged = flags.get(person.pk, [])
            details: dict[str, Any] = {"possible_duplicates": [str(f.other.uuid) for f in flagged]} if flagged else {}
            audit.record(actor=actor, action="create", obj=person, **details)
    return persons


@transaction.atomic
def possible_duplicate_resolve(*, actor: User, flag: PossibleDuplicate, decision: str) -> PossibleDuplicate:
    """Record a case supervisor's decision on a possible duplicate: the same person, or different people.

    Needs review_duplicates and the pair in the actor's scope (else 404). Audited. Nothing is merged
    (DOMAIN §6): the decision is recorded for the people who then correct the records.
    """
    access.require(actor, Capability.REVIEW_DUPLICATES)
    flag = access.get_possible_duplicate_for_user(actor, flag.uuid)
    if decision not in PossibleDuplicate.Decision.values:
        raise ValidationError({"decision": _("Choose one of the answers.")})
    # Lock the pair's row so two supervisors answering at once do not both record a decision.
    locked = PossibleDuplicate.objects.select_for_update().get(pk=flag.pk)
    if locked.resolved_at is not None:
        raise ValidationError(_("Someone has already decided on this pair."))
    flag.decision, flag.resolved_at, flag.resolved_by = decision, timezone.now(), actor
    flag.full_clean()
    flag.save(update_fields=["decision", "resolved_at", "resolved_by", "updated_at"])
    audit.record(
        actor=actor,
        action="update",
        obj=flag,
        decision=decision,
        person=str(flag.person.uuid),
        other=str(flag.other.uuid),
    )
    return flag


def _save_person(person: Person) -> None:
    _save_unique(
        person,
        "case_number",
        _case_number_taken(),
        lambda: _case_number_clash(person.organisation, person.case_number, person),
    )


@transaction.atomic
def person_update(*, actor: User, person: Person, data: PersonInput) -> Person:
    """Change a person the actor may edit (own organisation, in scope; or the registrar's window, core.access).
    Audited with the changed fields."""
    person = access.get_person_for_change(actor, person.uuid)
    _validate_person(data, person.organisation, person)
    data.household, household_created = _household_for(person.organisation, data)
    phone, _warning = normalise_phone(data.phone)
    name_km, name_latin = clean_name(data.name_km), clean_name(data.name_latin)
    before = {
        "sex": person.sex,
        "birth_year": person.birth_year,
        "village": person.village_id,
        "nationality": person.nationality,
    }
    person.sex = data.sex
    if data.nationality is not None:
        person.nationality = data.nationality
    person.birth_year = data.birth_year or (data.date_of_birth.year if data.date_of_birth else None)
    person.birth_year_estimated = data.birth_year_estimated and not data.date_of_birth
    person.province, person.district = data.place.province, data.place.district
    person.commune, person.village = data.place.commune, data.place.village
    person.household, person.relationship_to_head = data.household, data.relationship_to_head
    if data.case_number:
        person.case_number = data.case_number
    # A role that may not read identifying details never saw them in its form: they stay as they are.
    with_identity = access.may_read_identity(actor, person)
    if with_identity:
        person.initials = initials(name_latin) or initials(name_km)
    person.full_clean(validate_constraints=False)  # the case number: _validate_person and _save_person
    _save_person(person)
    if with_identity:
        identity, _created = Identity.objects.get_or_create(
            person=person, defaults={"organisation": person.organisation}
        )
        identity.name_km, identity.name_latin = name_km, name_latin
        identity.date_of_birth = data.date_of_birth
        identity.phone = phone
        identity.national_id = clean_text(data.national_id).upper()
        identity.passport_number = clean_text(data.passport_number).upper()
        identity.mother_name = clean_name(data.mother_name)
        identity.address_details = data.address_details.strip()
        for key, value in identity_keys(name_km, name_latin).items():
            setattr(identity, key, value)
        if data.other_names is not None:
            _set_other_names(identity, data.other_names)
        identity.full_clean(exclude=["person"])
        identity.save()
    changed = sorted(k for k, v in before.items() if v != getattr(person, k if k != "village" else "village_id"))
    if household_created:
        audit.record(actor=actor, action="create", obj=data.household)
    audit.record(actor=actor, action="update", obj=person, changed=changed)
    return person


@transaction.atomic
def household_create(
    *, actor: User, code: str, place: PlaceChoice, poverty_status: str = Household.Poverty.NOT_ASSESSED
) -> Household:
    """Create a household in the actor's organisation. Needs add_person; audited."""
    access.require(actor, Capability.ADD_PERSON)
    organisation = _acting_membership(actor).organisation
    household = _household_new(organisation=organisation, code=code, place=place, poverty_status=poverty_status)
    audit.record(actor=actor, action="create", obj=household)
    return household


def _household_new(
    *, organisation: Organisation, code: str, place: PlaceChoice, poverty_status: str = Household.Poverty.NOT_ASSESSED
) -> Household:
    """A new household, checked and saved but not audited: the calling service audits it at its end."""
    code = clean_text(code)

    def clash() -> bool:
        return Household.objects.filter(organisation=organisation, code=code).exists()

    if clash():
        raise ValidationError({"code": _household_number_taken()})
    household = Household(
        organisation=organisation,
        code=code,
        village=place.village,
        commune=place.commune,
        province=place.province,
        poverty_status=poverty_status,
    )
    household.full_clean(validate_constraints=False)  # the number: clash() before, _save_unique after
    _save_unique(household, "code", _household_number_taken(), clash)
    return household


@transaction.atomic
def consent_record(
    *,
    actor: User,
    person: Person,
    purpose: str,
    given: bool,
    given_by: str,
    recipient: Organisation | None = None,
) -> Consent:
    person = access.get_person_for_change(actor, person.uuid)
    consent = Consent(
        organisation=person.organisation,
        person=person,
        purpose=purpose,
        given=given,
        given_by=clean_name(given_by),
        recipient=recipient,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    # A photo is kept only while its consent stands: refusing or withdrawing it deletes the photo.
    removed = purpose == Consent.Purpose.PHOTO and not given and _photo_delete(person)
    audit.record(actor=actor, action="create", obj=consent, purpose=purpose, given=given)
    if removed:
        audit.record(actor=actor, action="delete", obj=person, fields="photo", reason="consent_withdrawn")
    return consent


# ---------------------------------------------------------------- photos
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
PHOTO_MAX_PIXELS = 40_000_000  # a 5 MB file may still unpack to gigabytes (a decompression bomb)
PHOTO_MAX_SIDE = 2000  # stored at most this wide or high: enough to recognise someone, small to send


def _photo_refused() -> ValidationError:
    return ValidationError({"photo": _("Choose a photo in JPEG or PNG format.")})


def clean_photo(upload: Any) -> tuple[bytes, str]:
    """Check that an upload is really a JPEG or PNG photo of at most settings.PHOTO_MAX_BYTES, and re-encode it.

    Re-encoding drops what the file carries besides the picture: the phone's EXIF data (often the GPS
    position where it was taken: a shelter, a family's house) and anything hidden after the image data.
    Returns (content, extension). Raises ValidationError on the field `photo`.
    """
    from io import BytesIO

    from django.conf import settings
    from PIL import Image, ImageOps, UnidentifiedImageError

    if upload is None:
        raise ValidationError({"photo": _("Choose a photo to upload.")})
    if upload.size > settings.PHOTO_MAX_BYTES:
        limit = settings.PHOTO_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"photo": _("The photo is too large: at most %(size)d MB.") % {"size": limit}})
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            if kind not in PHOTO_FORMATS or probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise _photo_refused()
            probe.verify()  # the file's structure, without decoding the picture
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            picture = ImageOps.exif_transpose(image)  # keep it upright once the EXIF orientation is gone
            picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            if kind == "JPEG" and picture.mode not in ("RGB", "L"):
                picture = picture.convert("RGB")
            out = BytesIO()
            picture.save(out, format=kind, **({"quality": 85} if kind == "JPEG" else {"optimize": True}))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise _photo_refused() from exc
    return out.getvalue(), PHOTO_FORMATS[kind]


def _photo_delete(person: Person) -> bool:
    """Clear the person's photo; its file goes once the transaction commits (a rollback keeps it)."""
    identity = Identity.objects.select_for_update().filter(person=person).first()
    if identity is None or not identity.photo:
        return False
    name = identity.photo.name or ""
    identity.photo = ""
    identity.save(update_fields=["photo", "updated_at"])
    storage = identity.photo.storage
    transaction.on_commit(lambda: storage.delete(name))
    return True


@transaction.atomic
def identity_photo_set(*, actor: User, person: Person, upload: Any) -> Identity:
    """Store (or replace) the person's photo. Needs change_person on the person (own organisation, in scope)
    and view_identity, and the person's photo consent standing; else nothing is stored. Audited."""
    from karpear.core import selectors

    person = access.get_person_for_user(actor, person.uuid, write=True)
    access.require(actor, Capability.VIEW_IDENTITY, person)
    if not selectors.photo_consent_standing(person):
        raise ValidationError(
            {"photo": _("Record the person's consent to a photo first: without it no photo is kept.")}
        )
    content, extension = clean_photo(upload)
    identity, _created = Identity.objects.select_for_update().get_or_create(
        person=person, defaults={"organisation": person.organisation}
    )
    old = identity.photo.name if identity.photo else ""
    storage = identity.photo.storage
    from django.core.files.base import ContentFile

    identity.photo.save(f"photo{extension}", ContentFile(content), save=False)
    new = identity.photo.name or ""
    try:
        identity.save(update_fields=["photo", "updated_at"])
        audit.record(actor=actor, action="update", obj=person, fields="photo", change="replaced" if old else "added")
    except BaseException:
        storage.delete(new)  # the row was not saved: leave no file behind it
        raise
    if old:
        transaction.on_commit(lambda: storage.delete(old))
    return identity


@transaction.atomic
def identity_photo_remove(*, actor: User, person: Person) -> bool:
    """Delete the person's photo (same rights as identity_photo_set). Audited; False if there was none."""
    person = access.get_person_for_user(actor, person.uuid, write=True)
    access.require(actor, Capability.VIEW_IDENTITY, person)
    removed = _photo_delete(person)
    if removed:
        audit.record(actor=actor, action="delete", obj=person, fields="photo", reason="removed")
    return removed


@transaction.atomic
def person_take_over(*, actor: User, person: Person, seen_holder: str | None = None) -> Person:
    """A caseworker (change_person on the record, own organisation) makes it theirs: it is assigned to them,
    which also closes the registrar's window of whoever registered it (core.access). Audited.

    `seen_holder` is the uuid of whoever held the record on the page the caseworker pressed the button on ("":
    nobody; None: no check, for the API). When another caseworker took it over in between, the take-over is
    refused with their name instead of silently taking the record from them."""
    person = access.get_for_user(actor, Person, person.uuid, write=True)
    person = Person.objects.select_for_update().get(pk=person.pk)  # no join: PostgreSQL locks no outer join's side
    before = person.assigned_to_id
    holder = person.assigned_to
    if seen_holder is not None and holder is not None and holder.pk != actor.pk and str(holder.uuid) != seen_holder:
        raise ValidationError(
            _("%(name)s took this record over a moment ago; it was not given to you. Ask them or your supervisor.")
            % {"name": holder.get_full_name() or holder.get_username()}
        )
    if before != actor.pk:
        person.assigned_to = actor
        person.save(update_fields=["assigned_to", "updated_at"])
        audit.record(actor=actor, action="update", obj=person, changed=["assigned_to"], reason="take_over")
    return person


# ---------------------------------------------------------------- members
@dataclass
class MemberInput:
    role: str
    team: Any = None
    place_limited: bool = False
    provinces: list[Province] = field(default_factory=list)
    communes: list[Commune] = field(default_factory=list)
    is_active: bool = True


def _check_role_grant(actor: User, role: str) -> None:
    """Only a system administrator makes system administrators."""
    from karpear.core.roles import Role

    if role == Role.SYSTEM_ADMIN and not access.has_capability(actor, Capability.MANAGE_ORGANISATIONS):
        raise ValidationError({"role": _("Only a system administrator can give this role.")})


def _apply_member(membership: Membership, data: MemberInput) -> None:
    if data.team is not None and data.team.organisation_id != membership.organisation_id:
        raise ValidationError({"team": _("Choose a team of this organisation.")})
    membership.role, membership.team = data.role, data.team
    membership.place_limited, membership.is_active = data.place_limited, data.is_active
    membership.full_clean()
    membership.save()
    membership.provinces.set(data.provinces)
    membership.communes.set(data.communes)


@transaction.atomic
def member_add(*, actor: User, username: str, email: str, data: MemberInput) -> tuple[Membership, str | None]:
    """Add a user to the actor's organisation with a role; a new user gets a one-time password.

    An account that already exists (it may belong to another organisation) is only invited: the membership
    waits, giving no rights, until that user accepts it (membership_invitation_accept). Nobody is pulled into
    an organisation without agreeing. Needs manage_members. Returns the membership and the temporary
    password of a new account (else None).
    """
    import secrets

    access.require(actor, Capability.MANAGE_MEMBERS)
    _check_role_grant(actor, data.role)
    organisation = _acting_membership(actor).organisation
    username = clean_text(username)
    user = User.objects.filter(username=username).first()
    password = None
    if user is None:
        password = secrets.token_urlsafe(9)
        user = User(username=username, email=clean_text(email), password_change_required=True)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
    else:
        existing = Membership.objects.filter(user=user, organisation=organisation).first()
        if existing is not None and existing.pending:
            raise ValidationError({"username": _("This user is already invited to your organisation.")})
        if existing is not None:
            raise ValidationError({"username": _("This user is already a member of your organisation.")})
    pending = password is None
    membership = Membership(
        user=user, organisation=organisation, role=data.role, pending=pending, invited_by=actor if pending else None
    )
    _apply_member(membership, data)
    audit.record(actor=actor, action="create", obj=membership, member=username, role=data.role, pending=pending)
    return membership, password


@transaction.atomic
def membership_invitation_accept(*, user: User, organisation_uuid: Any) -> Membership:
    """The invited user joins the organisation: the membership starts counting. Their API tokens, issued for
    their former memberships, are revoked. 404 for an invitation that is not theirs."""
    membership = _own_invitation(user, organisation_uuid)
    membership.pending = False
    membership.full_clean()
    membership.save(update_fields=["pending", "updated_at"])
    user.__dict__.pop("_karpear_memberships", None)  # the per-request cache of access.memberships_of
    api_tokens_revoke(user=user, reason="membership_changed")
    audit.record(actor=user, action="update", obj=membership, member=user.username, change="accepted")
    return membership


@transaction.atomic
def membership_invitation_decline(*, user: User, organisation_uuid: Any) -> None:
    """The invited user refuses: the waiting membership is removed. 404 for an invitation that is not theirs."""
    membership = _own_invitation(user, organisation_uuid)
    organisation = membership.organisation
    audit.record(
        actor=user, action="delete", obj=membership, organisation=organisation, member=user.username, change="declined"
    )
    membership.delete()


def _own_invitation(user: User, organisation_uuid: Any) -> Membership:
    from django.http import Http404

    membership = (
        Membership.objects.select_for_update()
        .select_related("organisation")
        .filter(user=user, pending=True, organisation__uuid=organisation_uuid, organisation__is_active=True)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


@transaction.atomic
def member_update(*, actor: User, membership: Membership, data: MemberInput) -> Membership:
    """Change a member's role, team, places or activity. Needs manage_members on a visible membership."""
    access.require(actor, Capability.MANAGE_MEMBERS)
    membership = access.get_membership_for_user(actor, membership.user.uuid)
    _check_role_grant(actor, data.role)
    _check_role_grant(actor, membership.role)  # nor change a system administrator's membership
    if membership.user_id == actor.pk and (data.role != membership.role or not data.is_active):
        raise ValidationError({"role": _("You cannot change your own role or deactivate yourself.")})

    def state() -> dict[str, Any]:
        return {
            "role": membership.role,
            "is_active": membership.is_active,
            "place_limited": membership.place_limited,
            "team": membership.team_id,
            "provinces": sorted(p.code for p in membership.provinces.all()),
            "communes": sorted(c.code for c in membership.communes.all()),
        }

    before = state()
    _apply_member(membership, data)
    after = state()
    changed = sorted(k for k in before if before[k] != after[k])
    if changed and not membership.pending:
        # What the member may do changed: tokens issued for the old rights stop working.
        api_tokens_revoke(user=membership.user, reason="membership_changed", actor=actor)
    audit.record(actor=actor, action="update", obj=membership, member=membership.user.username, changed=changed)
    return membership


# ---------------------------------------------------------------- second factor and API tokens
BACKUP_CODE_COUNT = 10


def two_factor_enrolled(*, user: User) -> bool:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


def two_factor_pending_device(*, user: User) -> Any:
    """The unconfirmed authenticator device being enrolled (created on first call)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def two_factor_confirm(*, user: User, token: str) -> list[str] | None:
    """Confirm the pending authenticator with a code; returns fresh backup codes, or None if the code is wrong."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = two_factor_pending_device(user=user)
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    static, _created = StaticDevice.objects.get_or_create(user=user, name="backup")
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    static.token_set.bulk_create([StaticToken(device=static, token=code) for code in codes])
    api_tokens_revoke(user=user, reason="two_factor_changed")
    audit.record(actor=user, action="two_factor", step="enrolled")
    return codes


@transaction.atomic
def password_changed(*, user: User) -> None:
    """After a user set their own password: no longer required, their API tokens revoked, and recorded."""
    if user.password_change_required:
        user.password_change_required = False
        user.save(update_fields=["password_change_required"])
    api_tokens_revoke(user=user, reason="password_changed")
    audit.record(actor=user, action="update", obj=user, change="password")


API_TOKENS_PER_USER = 10


@transaction.atomic
def api_token_issue(*, user: User, two_factor: bool) -> str:
    """Issue a new API key for a user who just proved their password (and second factor, when `two_factor`).

    Returns the key; only its hash is kept, so this is the one time anyone sees it. A user keeps at most
    API_TOKENS_PER_USER tokens: the oldest go first. Expired tokens are removed. Audited as an API login.
    """
    from django.conf import settings

    from karpear.core import tokens

    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = tokens.new_key()
    days = settings.API_TOKEN_DAYS
    token = ApiToken(
        user=user,
        key_hash=tokens.key_hash(key),
        prefix=key[: tokens.PREFIX_LENGTH],
        fingerprint=tokens.fingerprint(user),
        two_factor=two_factor,
        expires_at=now + dt.timedelta(days=days) if days > 0 else None,
        created_ip=audit.current_ip.get(),
    )
    token.full_clean(exclude=["user"])
    token.save()
    oldest = list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id")[API_TOKENS_PER_USER:])
    if oldest:
        ApiToken.objects.filter(pk__in=[t.pk for t in oldest]).delete()
        audit.record_many(actor=user, action="delete", objects=oldest, reason="too_many")
    membership = access.membership_for(user)
    audit.record(
        actor=user,
        action="login",
        obj=token,
        organisation=membership.organisation if membership else None,
        channel="api",
        two_factor=two_factor,
    )
    return key


@transaction.atomic
def api_tokens_revoke(*, user: User, reason: str, actor: User | None = None) -> int:
    """Revoke every API token of `user` (their password, second factor or memberships changed).

    Called by the services that make those changes, inside their transaction. Returns how many were revoked.
    """
    revoked = list(ApiToken.objects.filter(user=user))
    if not revoked:
        return 0
    ApiToken.objects.filter(pk__in=[t.pk for t in revoked]).delete()
    return audit.record_many(actor=actor or user, action="delete", objects=revoked, reason=reason, owner=user.username)


@transaction.atomic
def api_token_expire(*, token: ApiToken, reason: str) -> None:
    """Remove a token the API refused because it no longer matches its user; audited with the reason."""
    ApiToken.objects.filter(pk=token.pk).delete()
    audit.record(actor=None, actor_name=token.user.get_username(), action="delete", obj=token, reason=reason)


@transaction.atomic
def api_token_revoke(*, actor: User, token_uuid: Any) -> None:
    """A user revokes one of their own tokens (404 for anyone else's). Audited."""
    from django.http import Http404

    token = ApiToken.objects.filter(user=actor, uuid=token_uuid).first()
    if token is None:
        raise Http404
    token.delete()
    audit.record(actor=actor, action="delete", obj=token, reason="revoked_by_owner")


# ---------------------------------------------------------------- login events
def login_recorded(*, user: User) -> None:
    membership = access.membership_for(user)
    audit.record(actor=user, action="login", organisation=membership.organisation if membership else None)


@transaction.atomic
def login_failed_recorded(*, username: str, ip: str | None) -> None:
    """A wrong user name or password (page or token endpoint): audited, and counted against the address."""
    from karpear.core import ratelimit

    ratelimit.login_failure_counted(ip)
    audit.record(actor=None, actor_name=username[:150], action="failed_login")


def login_address_refused(*, username: str) -> None:
    """A login not even tried, because its address failed too often (core.ratelimit): audited."""
    audit.record(actor=None, actor_name=username[:150], action="locked_out", scope="address")


# ---------------------------------------------------------------- searches over identifying details
def _acting_organisation(actor: User) -> Organisation | None:
    membership = access.membership_for(actor)
    return membership.organisation if membership else None


def name_search_wait(*, actor: User, script: str, channel: str) -> int:
    """Count a search by name against the actor's allowance (settings.NAME_SEARCH_RATE, per user).

    Returns 0 when the search may run, else the seconds until it may; a refused search is audited. Prefix
    searches can rebuild a name letter by letter without opening a record: the limit slows that down, the
    audit (name_search_recorded) shows it.
    """
    from django.conf import settings

    from karpear.core import ratelimit

    rate = ratelimit.parse_rate(settings.NAME_SEARCH_RATE)
    if ratelimit.hit(f"name-search:{actor.pk}", seconds=rate.seconds) <= rate.limit:
        return 0
    audit.record(
        actor=actor,
        action="search",
        organisation=_acting_organisation(actor),
        kind="name",
        script=script,
        channel=channel,
        refused=True,
    )
    return ratelimit.seconds_left(rate.seconds)


def name_search_recorded(*, actor: User, script: str, matches: int, more: bool, channel: str) -> None:
    """One audit event per search by name: its kind and how many people it answered with, never its text."""
    audit.record(
        actor=actor,
        action="search",
        organisation=_acting_organisation(actor),
        kind="name",
        script=script,
        matches=matches,
        more=more,
        channel=channel,
    )


def session_switch_organisation(*, actor: User, organisation_id: int) -> Membership:
    for membership in access.memberships_of(actor):
        if membership.organisation_id == organisation_id:
            return membership
    raise ValidationError(_("You are not a member of this organisation."))


def user_set_language(*, user: User, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# ---------------------------------------------------------------- back office
def back_office_login_recorded(*, user: User) -> None:
    """A staff session, past its second factor, opened the back office for the first time."""
    audit.record(actor=user, action="login", via="back_office")


@transaction.atomic
def two_factor_device_removed(*, actor: User, user: User) -> None:
    """A staff account removed a user's authenticator or backup codes (back office): their API tokens go too."""
    api_tokens_revoke(user=user, reason="two_factor_changed", actor=actor)


def back_office_recorded(*, actor: User, action: str, obj: Any, change: Any = None) -> None:
    """Note a change made in the Django admin in the audit chain, inside the admin's own transaction.

    `change` is the admin's change message (a list naming the fields and inlines changed, or JSON of it).
    """
    import contextlib
    import json

    detail = change or []
    if isinstance(detail, str):
        with contextlib.suppress(ValueError):
            detail = json.loads(detail)
    audit.record(actor=actor, action=action, obj=obj, via="back_office", change=detail)


# ---------------------------------------------------------------- exports
# Any app's export is a kind registered with core.registry.export_kind: asked for with export_request (or the
# kind's own request service, which checks more), built by the worker with export_run, downloaded with
# export_download, deleted after EXPORT_RETENTION_DAYS by export_retention. The people export is core's kind.
EXPORT_CONSENT_PURPOSE = Consent.Purpose.CASE_MANAGEMENT
PEOPLE_EXPORT = "people"


def _export_kind(kind: str) -> Any:
    from karpear.core import registry

    spec = registry.export_kind_for(kind)
    if spec is None:
        raise ValidationError(_("This kind of export does not exist."))
    return spec


@transaction.atomic
def export_request(
    *,
    actor: User,
    kind: str,
    fmt: str,
    params: dict[str, Any] | None = None,
    retry_of: ExportJob | None = None,
    **audit_details: Any,
) -> ExportJob:
    """Queue an export of a registered kind in one of its formats. Needs the kind's capability; audited as
    `export`; the task runs after commit. `retry_of` names the failed export this one tries again."""
    spec = _export_kind(kind)
    access.require(actor, spec.capability)
    if fmt not in spec.formats:
        raise ValidationError({"format": _("This export cannot be made in this format.")})
    organisation = _acting_membership(actor).organisation
    job = ExportJob.objects.create(
        organisation=organisation, requested_by=actor, kind=kind, format=fmt, params=params or {}
    )
    again: dict[str, Any] = {"retry_of": str(retry_of.uuid)} if retry_of is not None else {}
    audit.record(actor=actor, action="export", obj=job, kind=kind, format=fmt, **audit_details, **again)

    def enqueue() -> None:
        from karpear.core.tasks import export_task

        result = export_task.enqueue(job_id=job.pk)
        # The worker's reaper follows the task to keep the job's status true (core/worker.py).
        ExportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))

    transaction.on_commit(enqueue)
    return job


@transaction.atomic
def export_people_request(
    *,
    actor: User,
    query: str = "",
    override_reason: str = "",
    filters: Any = None,
    fmt: str = "xlsx",
    retry_of: ExportJob | None = None,
) -> ExportJob:
    """Queue an export of the people the actor may see. Needs export_people.

    Identifying details go into the file only for people whose latest answer for case management is "given"
    (DESIGN §4). A role with override_consent may include the others too by giving a reason, which is
    audited as a consent override.
    """
    access.require(actor, Capability.EXPORT_PEOPLE)
    override_reason = clean_text(override_reason)
    if override_reason:
        access.require(actor, Capability.OVERRIDE_CONSENT)
        access.require(actor, Capability.VIEW_IDENTITY)
    params: dict[str, Any] = {"q": query, "consent_override": bool(override_reason), "filters": _filters_json(filters)}
    if override_reason:
        params["override_reason"] = override_reason  # so that "Try again" asks for the same export
    job = export_request(
        actor=actor,
        kind=PEOPLE_EXPORT,
        fmt=fmt,
        params=params,
        retry_of=retry_of,
        query=query,
        filters=params["filters"],
    )
    if override_reason:
        audit.record(
            actor=actor, action="consent_override", obj=job, purpose=EXPORT_CONSENT_PURPOSE, reason=override_reason
        )
    return job


def export_people_again(actor: User, job: ExportJob) -> ExportJob:
    """The people export's "Try again": the same search, filters, format and consent override, checked anew."""
    params = job.params or {}
    reason = ""
    if params.get("consent_override"):
        reason = str(params.get("override_reason") or "") or f"Try again of export {job.uuid}"
    return export_people_request(
        actor=actor,
        query=str(params.get("q", "")),
        override_reason=reason,
        filters=_filters_from_json(params.get("filters") or {}),
        fmt=job.format,
        retry_of=job,
    )


def export_retry(*, actor: User, job: ExportJob) -> ExportJob:
    """ "Try again" on a failed export: queue a new export of the same kind with the same parameters.

    The actor needs the same rights as for asking anew (the kind's request checks them again, and audits the
    new request with `retry_of`). Only the user who asked may see the job (404 otherwise).
    """
    job = access.get_export_for_user(actor, job.uuid)
    if job.status != ExportJob.Status.FAILED:
        raise ValidationError(_("Only an export that failed can be tried again."))
    spec = _export_kind(job.kind)
    if spec.again is not None:
        again: ExportJob = spec.again(actor, job)
        return again
    return export_request(actor=actor, kind=job.kind, fmt=job.format, params=job.params, retry_of=job)


def _filters_json(filters: Any) -> dict[str, Any]:
    """selectors.PersonFilters as JSON for the job's params: only the filters in use, dates as ISO text."""
    if filters is None:
        return {}
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in dataclasses.asdict(filters).items()
        if value not in ("", None)
    }


def _filters_from_json(data: dict[str, Any]) -> Any:
    from karpear.core import selectors

    values: dict[str, Any] = {
        name: dt.date.fromisoformat(value) if name.startswith("registered_") else value for name, value in data.items()
    }
    return selectors.PersonFilters(**values)


# Column keys (the header of CSV and JSON files, read by other programs) and, for Excel, the header in the
# requester's language. Each place is named in the requester's script, with its code in the next column.
EXPORT_HEADER = [
    "case_number",
    "sex",
    "birth_year",
    "province",
    "province_code",
    "district",
    "district_code",
    "commune",
    "commune_code",
    "village",
    "village_code",
    "household",
    "registered_on",
    "nationality",  # later columns are added at the end, so programs that read by position keep working
]
EXPORT_IDENTITY_HEADER = ["name_km", "name_latin", "date_of_birth", "phone", "other_names"]
EXPORT_LABELS: dict[str, Any] = {
    "case_number": gettext_lazy("Case number"),
    "sex": gettext_lazy("Sex"),
    "birth_year": gettext_lazy("Birth year"),
    "nationality": gettext_lazy("Nationality"),
    "province": gettext_lazy("Province"),
    "province_code": gettext_lazy("Province code"),
    "district": gettext_lazy("District"),
    "district_code": gettext_lazy("District code"),
    "commune": gettext_lazy("Commune"),
    "commune_code": gettext_lazy("Commune code"),
    "village": gettext_lazy("Village"),
    "village_code": gettext_lazy("Village code"),
    "household": gettext_lazy("Household"),
    "registered_on": gettext_lazy("Registered on"),
    f"consent_{EXPORT_CONSENT_PURPOSE}": gettext_lazy("Consent for case management"),
    "name_km": gettext_lazy("Name in Khmer"),
    "name_latin": gettext_lazy("Name in Latin letters"),
    "other_names": gettext_lazy("Other names"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "phone": gettext_lazy("Phone"),
}


def _people_header(with_identity: bool) -> list[str]:
    return EXPORT_HEADER + [f"consent_{EXPORT_CONSENT_PURPOSE}"] + (EXPORT_IDENTITY_HEADER if with_identity else [])


def _place_name(place: Any, khmer: bool) -> str:
    if place is None:
        return ""
    return str(place.name_km if khmer and place.name_km else place.name_en)


def _people_row(person: Person, state: str, *, khmer: bool = False) -> list[Any]:
    village = person.village if person.village_id else None
    return [
        person.case_number,
        person.sex,
        person.birth_year,
        _place_name(person.province, khmer),
        person.province_id or "",
        _place_name(person.district, khmer),
        person.district_id or "",
        _place_name(person.commune, khmer),
        person.commune_id or "",
        _place_name(village, khmer),
        village.code if village else "",
        person.household.code if person.household_id and person.household else "",
        timezone.localdate(person.created_at),
        person.nationality,  # its ISO 3166 code, as in the API
        state,
    ]


def export_people_build(job: ExportJob, progress: Callable[[int, int], None]) -> Any:
    """Build the people export (core's export kind), as the user who asked, so scope and identity rules hold.

    Identifying columns only for a role that reads them, and filled only for people who consented to case
    management (or all, with an audited override). Each person named in the file gets an `export` event on
    their own "who read this record" page when the file is stored.
    """
    from karpear.core import registry, selectors
    from karpear.core.exports import TableWriter

    user = job.requested_by
    override = bool(job.params.get("consent_override"))
    people = selectors.filter_people(
        selectors.person_list(user=user, query=str(job.params.get("q", ""))),
        _filters_from_json(job.params.get("filters") or {}),
    )
    with_identity = access.has_capability(user, Capability.VIEW_IDENTITY)
    total = people.count()
    progress(0, total)
    writer = TableWriter(job.format, title="people")
    language = user.language or settings.LANGUAGE_CODE
    khmer = language.startswith("km")
    header = _people_header(with_identity)
    if job.format == "xlsx":  # people read it: the header in their language; programs read CSV and JSON
        with translation.override(language):
            writer.header([str(EXPORT_LABELS.get(key, key)) for key in header])
    else:
        writer.header(header)
    consented: list[Any] = []
    without_consent: list[Any] = []
    rows = selectors.with_consent(
        people.select_related("province", "district", "commune", "village", "household"), EXPORT_CONSENT_PURPOSE
    )
    if with_identity:
        rows = rows.select_related("identity")
    for index, person in enumerate(rows.iterator(chunk_size=2000), start=1):
        state = selectors.consent_state(person)
        row = _people_row(person, state, khmer=khmer)
        if with_identity:
            identity = getattr(person, "identity", None)
            if identity is not None and (state == "given" or override):
                (consented if state == "given" else without_consent).append((person.uuid, person.organisation_id))
                other_names = "; ".join(identity.other_name_list())
                row += [identity.name_km, identity.name_latin, identity.date_of_birth, identity.phone, other_names]
            else:
                row += ["", "", None, "", ""]
        writer.row(row)
        if index % 1000 == 0:
            progress(index, total)

    def commit() -> None:
        identified = len(consented) + len(without_consent)
        if not identified:
            return
        audit.record(
            actor=user,
            action="view",
            obj=job,
            identity_rows=identified,
            without_consent=len(without_consent),
            reason="export",
        )
        for named, consent in ((consented, "given"), (without_consent, "overridden")):
            audit.record_many(
                actor=user,
                action="export",
                objects=(Person(uuid=uuid, organisation_id=org_id) for uuid, org_id in named),
                fields="identity",
                job=str(job.uuid),
                consent=consent,
            )

    return registry.ExportOutput(writer.finish(), f"people.{job.format}", total, commit=commit)


def export_run(*, job_id: int) -> None:
    """Build a queued export with its kind's runner and store the file (the task worker calls this)."""
    job = ExportJob.objects.select_related("requested_by", "organisation").get(pk=job_id)
    if job.status in (ExportJob.Status.DONE, ExportJob.Status.DELETED):
        return  # idempotent: a retried task does not rebuild a finished file
    spec = _export_kind(job.kind)
    user = job.requested_by
    user._karpear_active_org = job.organisation_id  # type: ignore[attr-defined]  # act in the job's organisation
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, error="")

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done_rows=done, total_rows=total, status=ExportJob.Status.RUNNING)

    try:
        output = spec.run(job, progress)
        base, _dot, extension = output.filename.rpartition(".")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        with transaction.atomic():
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportJob.Status.DONE,
                done_rows=output.rows,
                total_rows=output.rows,
                content=output.content,
                filename=f"{base or extension}-{job.organisation.short_name}-{stamp}.{extension or job.format}",
                finished_at=timezone.now(),
            )
            if output.commit is not None:
                output.commit()
    except INTERRUPTIONS as exc:
        # Not the export's fault: the worker is being stopped (a signal), or lost the database. The job waits
        # again; the worker gives the task back to the queue (core/worker.py), or fails it after the last try.
        _export_job_mark(job.pk, status=ExportJob.Status.QUEUED, error=f"interrupted: {exc.__class__.__name__}")
        raise
    except BaseException as exc:
        _export_job_mark(
            job.pk, status=ExportJob.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:300], finished=True
        )
        raise


def export_people_run(*, job_id: int) -> None:
    """The people export's former task entry point (tasks queued before the upgrade still name it)."""
    export_run(job_id=job_id)


def export_retention(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports finished more than EXPORT_RETENTION_DAYS ago (a periodic job); each
    deletion is audited. The job's row stays, so its page and the audit log still say what was exported. The
    parameters of failed exports that old are cleared."""
    from django.conf import settings as django_settings

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=int(getattr(django_settings, "EXPORT_RETENTION_DAYS", 7)))
    deleted = 0
    old = ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff).order_by("id")
    for job in old.only("pk", "uuid", "organisation_id", "kind", "filename")[:500]:
        with transaction.atomic():
            if ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).update(
                status=ExportJob.Status.DELETED, content=None
            ):
                audit.record(actor=None, action="delete", obj=job, reason="retention", filename=job.filename)
                deleted += 1
    # A failed export keeps its parameters for "Try again" until then; they may hold what a user gave it (a list
    # of people to check for likely matches), so they go with the retention period too.
    ExportJob.objects.filter(status=ExportJob.Status.FAILED, finished_at__lt=cutoff).exclude(params={}).update(
        params={}
    )
    return deleted


# A task stopped by these did not fail by itself (see core/worker.py: INTERRUPTED).
INTERRUPTIONS = (KeyboardInterrupt, SystemExit, OperationalError, InterfaceError)


def _export_job_mark(job_id: int, *, status: str, error: str, finished: bool = False) -> None:
    """Best effort: the database may be what failed. The worker's reaper brings the job in line later."""
    try:
        if not connection.in_atomic_block:  # closing inside a transaction would end it
            connection.close_if_unusable_or_obsolete()  # a connection that broke is replaced
        ExportJob.objects.filter(pk=job_id).exclude(status=ExportJob.Status.DONE).update(
            status=status, error=error, finished_at=timezone.now() if finished else None
        )
    except DatabaseError:
        logger.warning("Could not mark export job %s %s; the reaper will", job_id, status, exc_info=True)


EXPORT_TASK_ERRORS = {
    "failed": "The task failed for good (see its result in the back office: Task results).",
    "missing": "The task that was to build this export is gone.",
    "finished": "The task ended without finishing the export.",
}
NEVER_QUEUED_AFTER = dt.timedelta(minutes=10)


def export_jobs_reconcile(*, task_state: Callable[[str], str], now: dt.datetime | None = None) -> int:
    """Bring waiting and running export jobs in line with their tasks; returns the number changed.

    Called by the worker's reaper (core/worker.py), which passes `task_state(task_id)`: "queued", "running",
    "retrying" (interrupted, going back to the queue), "failed", "finished" or "missing". A job whose task went
    back to the queue shows "Waiting" again; a job whose task failed for good, ended, or vanished is marked
    failed, and its page stops updating and offers "Try again". Each change is conditional on the job still
    waiting or running, so a job finishing at the same moment keeps its file.
    """
    now = now or timezone.now()
    active = [ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    changed = 0
    for job in ExportJob.objects.filter(status__in=active).only("pk", "status", "task_id", "created_at"):
        if not job.task_id:
            if job.created_at < now - NEVER_QUEUED_AFTER:
                changed += ExportJob.objects.filter(pk=job.pk, status__in=active, task_id="").update(
                    status=ExportJob.Status.FAILED, error="The export was never queued.", finished_at=now
                )
            continue
        state = task_state(job.task_id)
        if state in ("queued", "retrying") and job.status == ExportJob.Status.RUNNING:
            changed += ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
                status=ExportJob.Status.QUEUED
            )
        elif state in EXPORT_TASK_ERRORS:
            changed += ExportJob.objects.filter(pk=job.pk, status__in=active).update(
                status=ExportJob.Status.FAILED, error=EXPORT_TASK_ERRORS[state], finished_at=now
            )
    return changed


@transaction.atomic
def export_download(*, actor: User, job: ExportJob) -> ExportJob:
    """Hand a finished export to the user who asked for it; audited."""
    job = access.get_export_for_user(actor, job.uuid)
    if job.status != ExportJob.Status.DONE:
        raise ValidationError(_("This export is not ready yet."))
    audit.record(actor=actor, action="download", obj=job, filename=job.filename)
    return job
