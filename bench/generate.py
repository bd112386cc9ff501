"""Fill a database with a synthetic consortium for scale tests (foundation issue, part 14).

    python bench/generate.py --people 10000|100000|1000000 [--seed N]

Uses the DATABASE_URL of the environment. Creates six bench organisations (BENCH1..BENCH6, shares in
bench/common.py), two teams each, users for every role, then people in households of 1-7 (and some on
their own) spread over the organisations' provinces and real villages, each with an identity whose
name keys are computed by the app's own `services.identity_keys`.

Running it again replaces the previous bench data: organisations, teams and users are kept and
updated (audit events may point at them), while the bench organisations' people, identities,
households, consents, history rows and case sequences are removed first. Data of other organisations
is never touched. Everything happens in one transaction, so a failed run leaves the database as it was.

On PostgreSQL the rows go in with COPY, with the plain indexes and foreign keys of the three big tables
dropped and rebuilt inside the same transaction; elsewhere with executemany INSERTs. History rows and audit
events are not generated (bulk inserts bypass django-simple-history).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BENCH_PASSWORD, ORG_SHARES, USERNAME_PREFIX, setup_django, username_for
from bench.names import Name, NamePicker

setup_django()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from karpear.core.models import (  # noqa: E402
    CaseSequence,
    Commune,
    Household,
    Identity,
    Membership,
    Organisation,
    Person,
    Province,
    Team,
    User,
    Village,
)
from karpear.core.roles import Role  # noqa: E402
from karpear.core.services import identity_keys as app_identity_keys  # noqa: E402
from karpear.core.text import clean_text, initials, to_khmer_digits  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
CHUNK = 10_000  # people per batch
START = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
LOCAL = dt.timedelta(hours=7)  # Asia/Phnom_Penh has no daylight saving time

ORG_DETAILS = {
    "BENCH1": ("Bench Child Protection Network", "បណ្ដាញការពារកុមារ (សាកល្បង)", Organisation.Kind.NGO, 10),
    "BENCH2": ("Bench International Relief", "អង្គការជំនួយអន្តរជាតិ (សាកល្បង)", Organisation.Kind.INTERNATIONAL_NGO, 6),
    "BENCH3": ("Bench Safe Migration", "ចំណាកស្រុកដោយសុវត្ថិភាព (សាកល្បង)", Organisation.Kind.NGO, 5),
    "BENCH4": ("Bench Women's Shelter", "ជម្រកស្ត្រី (សាកល្បង)", Organisation.Kind.NGO, 4),
    "BENCH5": ("Bench Provincial Social Affairs", "មន្ទីរសង្គមកិច្ច (សាកល្បង)", Organisation.Kind.PROVINCIAL_DEPARTMENT, 3),
    "BENCH6": ("Bench Community Network", "បណ្ដាញសហគមន៍ (សាកល្បង)", Organisation.Kind.COMMUNITY_GROUP, 3),
}
TEAMS = ("Bench team 1", "Bench team 2")
# Provinces where counter-trafficking work concentrates; BENCH1 always covers them.
HOT_PROVINCES = ["01", "02", "12", "14", "17", "20", "22"]


# ---------------------------------------------------------------- what the app stores
@lru_cache(maxsize=1 << 18)
def identity_keys(name_km: str, name_latin: str) -> tuple[str, ...]:
    """The key columns exactly as services.person_create stores them (name_km/name_latin already cleaned).

    Delegates to the app's own helper, so keys added there are generated here too."""
    return tuple(app_identity_keys(name_km, name_latin).values())


KEY_COLUMNS = tuple(app_identity_keys("", "").keys())


@lru_cache(maxsize=1 << 16)
def clean(value: str) -> str:
    return clean_text(value)


@lru_cache(maxsize=1 << 16)
def person_initials(name_latin: str, name_km: str) -> str:
    return initials(name_latin) or initials(name_km)


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# ---------------------------------------------------------------- table layout
@dataclass
class Table:
    """The columns we generate for one model, plus the defaults of any column added to it since."""

    model: type[models.Model]
    columns: list[str]
    extra: list[str] = field(default_factory=list)
    extra_values: tuple[Any, ...] = ()
    extra_factories: list[Callable[[], Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        known = {f.attname for f in self.model._meta.concrete_fields}
        unknown = [c for c in self.columns if c not in known]
        if unknown:
            raise SystemExit(f"{self.model.__name__} has no column(s) {unknown}: update bench/generate.py")
        missing = [f for f in self.model._meta.concrete_fields if f.attname not in self.columns]
        constant = [f for f in missing if not callable(f.default)]
        factory = [f for f in missing if callable(f.default)]  # rare: filled row by row
        self.extra = [f.attname for f in constant + factory]
        self.extra_values = tuple(f.get_default() for f in constant)
        self.extra_factories = [f.get_default for f in factory]

    @property
    def all_columns(self) -> list[str]:
        return self.columns + self.extra

    def complete(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if self.extra_factories:
            return [row + self.extra_values + tuple(f() for f in self.extra_factories) for row in rows]
        if self.extra_values:
            return [row + self.extra_values for row in rows]
        return rows

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table


HOUSEHOLD = Table(
    Household,
    [
        "id",
        "created_at",
        "updated_at",
        "uuid",
        "organisation_id",
        "code",
        "village_id",
        "commune_id",
        "province_id",
        "poverty_status",
    ],
)
PERSON = Table(
    Person,
    [
        "id",
        "created_at",
        "updated_at",
        "uuid",
        "organisation_id",
        "case_number",
        "initials",
        "sex",
        "birth_year",
        "birth_year_estimated",
        "province_id",
        "district_id",
        "commune_id",
        "village_id",
        "household_id",
        "relationship_to_head",
        "created_by_id",
        "assigned_to_id",
        "team_id",
        "closed_at",
    ],
)
IDENTITY = Table(
    Identity,
    [
        "person_id",
        "created_at",
        "updated_at",
        "organisation_id",
        "name_km",
        "name_latin",
        *KEY_COLUMNS,
        "date_of_birth",
        "phone",
        "national_id",
        "passport_number",
        "mother_name",
        "address_details",
    ],
)
TABLES = (HOUSEHOLD, PERSON, IDENTITY)


# ---------------------------------------------------------------- places
@dataclass
class VillageRef:
    id: int
    code: str
    commune: str
    district: str
    province: str


class Places:
    def __init__(self) -> None:
        self.by_commune: dict[str, list[VillageRef]] = defaultdict(list)
        self.communes_by_province: dict[str, list[str]] = defaultdict(list)
        for row in Village.objects.order_by("id").values_list("id", "code", "commune_id", "district_id", "province_id"):
            village = VillageRef(*row)
            if not self.by_commune[village.commune]:
                self.communes_by_province[village.province].append(village.commune)
            self.by_commune[village.commune].append(village)
        if not self.by_commune:
            raise SystemExit("No villages in this database: run `manage.py migrate` (it loads the gazetteer).")
        self.provinces = sorted(self.communes_by_province)


# ---------------------------------------------------------------- the consortium
@dataclass
class UserRef:
    id: int
    role: str
    team_id: int | None
    communes: list[str] = field(default_factory=list)


@dataclass
class Org:
    id: int
    short_name: str
    share: float
    provinces: list[str]
    target_communes: list[str]
    other_communes: list[str]
    teams: list[int]
    users: list[UserRef] = field(default_factory=list)
    caseworkers: list[UserRef] = field(default_factory=list)
    volunteers_by_commune: dict[str, list[UserRef]] = field(default_factory=dict)
    others_who_add: list[UserRef] = field(default_factory=list)


def role_counts(short_name: str, org_people: int) -> list[tuple[str, int]]:
    counts = [
        (Role.CASEWORKER.value, min(120, max(3, org_people // 3000))),
        (Role.VOLUNTEER.value, min(40, max(2, org_people // 8000))),
        (Role.LEGAL_OFFICER.value, 2),
        (Role.CASE_SUPERVISOR.value, 1),
        (Role.PROGRAMME_OFFICER.value, 1),
        (Role.ME_OFFICER.value, 1),
        (Role.PROGRAMME_MANAGER.value, 1),
        (Role.ORG_ADMIN.value, 1),
    ]
    if short_name == "BENCH1":
        counts.append((Role.SYSTEM_ADMIN.value, 1))
    known = {r.value for r in Role}
    missing = known - {r for r, _n in counts}
    counts.extend((role, 1) for role in sorted(missing))  # roles added to roles.py later
    return counts


def setup_consortium(rng: random.Random, places: Places, people: int) -> list[Org]:
    """Organisations, teams, users and memberships, created or brought up to date."""
    picker = NamePicker(random.Random(f"users-{rng.random()}"))  # consumed only for new users
    password = make_password(BENCH_PASSWORD)
    provinces = {p.code: p for p in Province.objects.all()}
    orgs: list[Org] = []
    wanted: dict[str, tuple[Org, str, int | None, bool]] = {}
    for short_name, share in ORG_SHARES.items():
        name, name_km, kind, n_provinces = ORG_DETAILS[short_name]
        organisation, _created = Organisation.objects.update_or_create(
            short_name=short_name, defaults={"name": name, "name_km": name_km, "kind": kind, "is_active": True}
        )
        if short_name == "BENCH1":
            chosen = [p for p in HOT_PROVINCES if p in places.communes_by_province]
            rest = [p for p in places.provinces if p not in chosen]
            chosen += rng.sample(rest, max(0, n_provinces - len(chosen)))
        else:
            chosen = rng.sample(places.provinces, n_provinces)
        chosen.sort()
        organisation.provinces.set([provinces[c] for c in chosen])
        teams = [Team.objects.get_or_create(organisation=organisation, name=t)[0].pk for t in TEAMS]
        target: list[str] = []
        other: list[str] = []
        for province in chosen:
            communes = places.communes_by_province[province]
            k = max(2, round(len(communes) * 0.4))
            picked = set(rng.sample(communes, min(k, len(communes))))
            target += [c for c in communes if c in picked]
            other += [c for c in communes if c not in picked]
        org = Org(organisation.pk, short_name, share, chosen, target, other or target, teams)
        orgs.append(org)
        for role, count in role_counts(short_name, int(people * share)):
            for number in range(1, count + 1):
                team: int | None = None
                if role in (Role.CASEWORKER, Role.VOLUNTEER, Role.LEGAL_OFFICER):
                    team = teams[(number - 1) % len(teams)]
                elif role == Role.CASE_SUPERVISOR:
                    team = teams[0]
                wanted[username_for(short_name, role, number)] = (org, role, team, role == Role.VOLUNTEER)

    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    new_users = []
    for username in wanted:
        if username not in existing:
            family, given = picker.family(), picker.given(picker.rng.choice(["female", "male"]))
            new_users.append(
                User(
                    username=username,
                    password=password,
                    first_name=picker.romanise(given),
                    last_name=picker.romanise(family),
                    email=f"{username}@bench.invalid",
                    language="km" if picker.rng.random() < 0.7 else "en",
                )
            )
    User.objects.bulk_create(new_users, batch_size=500)
    User.objects.filter(username__in=wanted, is_active=False).update(is_active=True)
    user_ids = dict(User.objects.filter(username__in=wanted).values_list("username", "id"))

    memberships = {
        (m.user_id, m.organisation_id): m
        for m in Membership.objects.filter(user_id__in=user_ids.values(), organisation__in=[o.id for o in orgs])
    }
    to_create, to_update = [], []
    for username, (org, role, team, limited) in wanted.items():
        user_id = user_ids[username]
        m = memberships.get((user_id, org.id))
        if m is None:
            to_create.append(
                Membership(user_id=user_id, organisation_id=org.id, role=role, team_id=team, place_limited=limited)
            )
        else:
            m.role, m.team_id, m.place_limited, m.is_active = role, team, limited, True
            to_update.append(m)
        ref = UserRef(user_id, role, team)
        org.users.append(ref)
        if role == Role.CASEWORKER:
            org.caseworkers.append(ref)
        elif role == Role.VOLUNTEER:
            ref.communes = rng.sample(org.target_communes, min(2, len(org.target_communes)))
            for commune in ref.communes:
                org.volunteers_by_commune.setdefault(commune, []).append(ref)
        elif role in (Role.LEGAL_OFFICER, Role.CASE_SUPERVISOR, Role.PROGRAMME_OFFICER):
            org.others_who_add.append(ref)
    Membership.objects.bulk_create(to_create, batch_size=500)
    Membership.objects.bulk_update(to_update, ["role", "team", "place_limited", "is_active"], batch_size=500)
    # Users of an earlier, bigger run are kept (audit events may name them) but lose their membership.
    Membership.objects.filter(
        organisation__in=[o.id for o in orgs], user__username__startswith=USERNAME_PREFIX
    ).exclude(user_id__in=user_ids.values()).update(is_active=False)

    by_id = {m.user_id: m for m in Membership.objects.filter(user_id__in=user_ids.values())}
    for org in orgs:
        for ref in org.users:
            membership = by_id[ref.id]
            membership.communes.set(Commune.objects.filter(code__in=ref.communes))
            membership.provinces.clear()
    return orgs


# ---------------------------------------------------------------- wiping the previous run
def _referencing(
    targets: tuple[type[models.Model], ...],
) -> Iterator[tuple[type[models.Model], models.Field[Any, Any]]]:
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model in targets:
                yield model, f


def _history_models() -> list[type[models.Model]]:
    found = []
    for model in (Person, Household, Identity):
        manager = getattr(model, "history", None)
        if manager is not None:
            found.append(manager.model)
    return found


def _pg_truncatable(org_ids: list[int]) -> list[str] | None:
    """The tables to TRUNCATE when the bench organisations own every person and household, else None."""
    if connection.vendor != "postgresql":
        return None
    for model in (Household, Person, Identity):
        if model._base_manager.exclude(organisation_id__in=org_ids).exists():
            return None
    trio = [t.db_table for t in TABLES]
    tables = list(trio)
    # The tables referencing those (and, in turn, the tables referencing them: a referral's shared sections
    # reference the referral), so that one TRUNCATE takes every row that hangs off the bench people.
    frontier = list(trio)
    with connection.cursor() as cursor:
        while frontier:
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, a.attname
                FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                WHERE c.contype = 'f' AND c.confrelid = ANY (%s::regclass[]) AND NOT c.conrelid = ANY (%s::regclass[])
                """,
                [frontier, tables],
            )
            frontier = []
            for table, column in cursor.fetchall():
                # Rows not pointing at a person or household are not bench data: keep them.
                cursor.execute(f'SELECT EXISTS (SELECT 1 FROM {table} WHERE "{column}" IS NULL)')
                if cursor.fetchone()[0]:
                    return None
                if table not in tables:
                    tables.append(table)
                    frontier.append(table)
    return tables


def wipe(org_ids: list[int]) -> dict[str, int]:
    """Remove the bench organisations' people, identities, households and what hangs off them."""
    removed: dict[str, int] = {}
    db = connection.alias
    persons = Person._base_manager.filter(organisation_id__in=org_ids)
    households = Household._base_manager.filter(organisation_id__in=org_ids)
    for model in _history_models():
        removed[model.__name__] = model._base_manager.filter(organisation_id__in=org_ids)._raw_delete(db)
    tables = _pg_truncatable(org_ids)
    if tables is not None:
        removed["people"] = persons.count()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        removed["truncated"] = len(tables)
    else:
        handled = {(Person, "household"), (Identity, "person")}
        history = set(_history_models())
        for model, f in _referencing((Person, Household, Identity)):
            if (model, f.name) in handled or model in history:
                continue
            source: models.QuerySet[Any] = persons if f.related_model is Person else households
            if f.related_model is Identity:
                source = Identity._base_manager.filter(organisation_id__in=org_ids)
            rows = model._base_manager.filter(**{f"{f.name}__in": source.values("pk")})
            removed[f"{model.__name__}.{f.name}"] = rows._raw_delete(db)
        removed["identities"] = Identity._base_manager.filter(organisation_id__in=org_ids)._raw_delete(db)
        removed["people"] = persons._raw_delete(db)
        removed["households"] = households._raw_delete(db)
    removed["case_sequences"] = CaseSequence.objects.filter(organisation_id__in=org_ids)._raw_delete(db)
    return {k: v for k, v in removed.items() if v}


# ---------------------------------------------------------------- loading
class Loader:
    def base_id(self, table: Table) -> int:
        """The first free id, above every id the table has ever handed out."""
        model = table.model
        top = model._base_manager.aggregate(top=models.Max("pk"))["top"] or 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table.db_table])
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                last, called = cursor.fetchone()
                top = max(top, last if called else last - 1)
            elif connection.vendor == "sqlite":
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table.db_table])
                row = cursor.fetchone()
                top = max(top, row[0] if row else 0)
        return top + 1

    def prepared(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def finish(self, last_ids: dict[str, int]) -> None:
        """Move id sequences past the ids we chose ourselves."""


PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def _fast_converter(f: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """A quick stand-in for Django's own conversion of a value for this field, or None to use Django's."""
    kind = f.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    if connection.vendor != "sqlite":
        return lambda v: f.get_db_prep_save(v, connection)
    samples: dict[str, tuple[Callable[[Any], Any], Any]] = {
        "UUIDField": (lambda v: v.hex, uuid.UUID(int=12345, version=4)),
        "DateTimeField": (
            lambda v: str(v.astimezone(dt.UTC).replace(tzinfo=None)),
            dt.datetime(2021, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC),
        ),
        "DateField": (lambda v: v.isoformat(), dt.date(2020, 2, 29)),
    }
    if kind in samples:
        fast, sample = samples[kind]
        if fast(sample) == f.get_db_prep_save(sample, connection):  # checked against Django's own answer
            return fast
    return lambda v: f.get_db_prep_save(v, connection)


class InsertLoader(Loader):
    """Other databases (SQLite): multi-row INSERTs through executemany, values converted as Django would.

    (bulk_create managed ~600 people a second here: most of its time went into compiling the SQL.)"""

    def __init__(self) -> None:
        self.cursor = connection.cursor()
        self.converters: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}
        for table in TABLES:
            by_attname = {f.attname: f for f in table.model._meta.concrete_fields}
            converters = []
            for i, column in enumerate(table.all_columns):
                convert = _fast_converter(by_attname[column])
                if convert is not None:
                    converters.append((i, convert))
            self.converters[table.db_table] = converters

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        qn = connection.ops.quote_name
        columns = table.all_columns
        sql = (
            f"INSERT INTO {qn(table.db_table)} ({', '.join(qn(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        converters = self.converters[table.db_table]
        prepared = []
        for row in table.complete(rows):
            values = list(row)
            for i, convert in converters:
                if values[i] is not None:
                    values[i] = convert(values[i])
            prepared.append(values)
        self.cursor.executemany(sql, prepared)


class CopyLoader(Loader):
    """PostgreSQL: COPY, with plain indexes and foreign keys rebuilt after the load."""

    def __init__(self) -> None:
        self.cursor = connection.cursor()

    def _run(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall() if self.cursor.description else []

    @contextlib.contextmanager
    def prepared(self) -> Iterator[None]:
        self._run("SET LOCAL maintenance_work_mem = '512MB'")
        self._run("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events may block ALTER TABLE
        recreate: list[tuple[str, str]] = []  # (name, statement)
        for table in TABLES:
            name = table.db_table
            for conname, definition in self._run(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [name],
            ):
                self._run(f'ALTER TABLE {name} DROP CONSTRAINT "{conname}"')
                recreate.append((conname, f'ALTER TABLE {name} ADD CONSTRAINT "{conname}" {definition}'))
            for index_name, definition in self._run(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)",
                [name],
            ):
                self._run(f"DROP INDEX {index_name}")
                recreate.insert(0, (index_name, definition))  # indexes first: they make validation cheap
        yield
        print(f"  rebuilding {len(recreate)} indexes and foreign keys ...", flush=True)
        took = []
        for what, statement in recreate:
            started = time.perf_counter()
            self._run(statement)
            took.append((time.perf_counter() - started, what))
        self._run("SET CONSTRAINTS ALL DEFERRED")
        slowest = ", ".join(f"{what} {seconds:.1f}s" for seconds, what in sorted(took, reverse=True)[:5])
        print(f"  rebuilt in {sum(t for t, _w in took):.1f}s; slowest: {slowest}", flush=True)

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        columns = ", ".join(f'"{c}"' for c in table.all_columns)
        with self.cursor.cursor.copy(f"COPY {table.db_table} ({columns}) FROM STDIN") as copy:
            for row in table.complete(rows):
                copy.write_row(row)

    def finish(self, last_ids: dict[str, int]) -> None:
        for table_name, last in last_ids.items():
            self._run("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table_name, last])


# ---------------------------------------------------------------- people
# Cambodian mobile prefixes (after +855); valid_phone_patterns() keeps those libphonenumber accepts.
# fmt: off
PHONE_PREFIXES = (
    "10", "11", "12", "15", "16", "17", "31", "38", "60", "61", "66", "67", "68", "69", "70", "71", "76",
    "77", "78", "81", "85", "86", "87", "88", "89", "90", "92", "93", "95", "96", "97", "98", "99",
)
# fmt: on


def valid_phone_patterns() -> list[tuple[str, int]]:
    """(prefix, digits after it) pairs that the app's phone check (libphonenumber) accepts."""
    import phonenumbers

    check = random.Random(0)
    patterns = []
    for prefix in PHONE_PREFIXES:
        for length in (6, 7):
            samples = [f"+855{prefix}{check.randrange(10**length):0{length}d}" for _ in range(20)]
            if all(phonenumbers.is_valid_number(phonenumbers.parse(s)) for s in samples):
                patterns.append((prefix, length))
    if not patterns:
        raise SystemExit("libphonenumber accepts none of the Cambodian mobile prefixes we know")
    return patterns


@dataclass
class Member:
    relationship: str
    sex: str
    birth_year: int


SEX_OTHER = (("female", 0.5), ("male", 0.985), ("unknown", 0.997), ("other", 1.0))


DOB_AT = IDENTITY.columns.index("date_of_birth")


class PeopleMaker:
    def __init__(self, rng: random.Random, orgs: list[Org], places: Places, people: int) -> None:
        self.rng = rng
        self.orgs = orgs
        self.places = places
        self.people = people
        self.names = NamePicker(rng)
        self.phones = valid_phone_patterns()
        self.now = timezone.now().replace(microsecond=0)
        self.span = (self.now - dt.timedelta(days=1) - START).total_seconds()
        self.org_cum = []
        total = 0.0
        for org in orgs:
            total += org.share
            self.org_cum.append(total)
        self.case_seq: dict[tuple[int, int], int] = defaultdict(int)
        self.household_seq: dict[tuple[int, str], int] = defaultdict(int)
        self.this_year = (self.now + LOCAL).year
        self.counts: dict[str, int] = defaultdict(int)

    # -- small pickers
    def sex(self) -> str:
        roll = self.rng.random()
        return next(s for s, limit in SEX_OTHER if roll < limit)

    def phone(self) -> str:
        prefix, length = self.rng.choice(self.phones)
        return f"+855{prefix}{self.rng.randrange(10**length):0{length}d}"

    def place(self, org: Org) -> VillageRef:
        rng = self.rng
        communes = org.target_communes if rng.random() < 0.85 else org.other_communes
        return rng.choice(self.places.by_commune[rng.choice(communes)])

    def creator(self, org: Org, commune: str) -> UserRef:
        rng = self.rng
        roll = rng.random()
        volunteers = org.volunteers_by_commune.get(commune)
        if volunteers and roll < 0.25:
            return rng.choice(volunteers)
        if roll > 0.92 and org.others_who_add:
            return rng.choice(org.others_who_add)
        return rng.choice(org.caseworkers)

    def members(self, size: int) -> list[Member]:
        rng = self.rng
        head_sex = "male" if rng.random() < 0.7 else "female"
        head_year = rng.randint(1950, 2003)
        out = [Member("head", head_sex, head_year)]
        if size >= 2:
            if rng.random() < 0.85:
                partner = "female" if head_sex == "male" else "male"
                out.append(Member("spouse", partner, head_year + rng.randint(-4, 8)))
            else:
                out.append(Member("parent", self.sex(), head_year - rng.randint(18, 35)))
        for _ in range(size - len(out)):
            roll = rng.random()
            if roll < 0.72:
                relationship, year = "child", head_year + rng.randint(18, 40)
            elif roll < 0.8:
                relationship, year = "grandchild", head_year + rng.randint(38, 58)
            elif roll < 0.88:
                relationship, year = "parent", head_year - rng.randint(18, 35)
            elif roll < 0.95:
                relationship, year = "sibling", head_year + rng.randint(-10, 10)
            elif roll < 0.99:
                relationship, year = "other_relative", rng.randint(1950, 2020)
            else:
                relationship, year = "not_related", rng.randint(1960, 2010)
            out.append(Member(relationship, self.sex(), min(max(year, 1925), self.this_year)))
        for member in out:
            member.birth_year = min(member.birth_year, self.this_year)
        return out

    # -- one batch
    def batch(self, ids: dict[str, int], done: int, limit: int) -> tuple[list[tuple[Any, ...]], ...]:
        """Households and people until `limit` people have been made in all; returns the three row lists."""
        rng, names = self.rng, self.names
        households: list[tuple[Any, ...]] = []
        persons: list[tuple[Any, ...]] = []
        identities: list[tuple[Any, ...]] = []
        while done < limit:
            org = rng.choices(self.orgs, cum_weights=self.org_cum)[0]
            created = START + dt.timedelta(seconds=self.span * done / self.people + rng.random() * 600)
            alone = rng.random() < 0.1
            size = 1 if alone else rng.choices(range(1, 8), cum_weights=(8, 20, 38, 60, 78, 90, 100))[0]
            size = min(size, limit - done)
            village = self.place(org)
            creator = self.creator(org, village.commune)
            household_id = None
            household_phone = self.phone()
            if not alone:
                household_id = ids["household"]
                ids["household"] += 1
                self.household_seq[(org.id, village.code)] += 1
                code = f"{village.code}-{self.household_seq[(org.id, village.code)]:03d}"
                roll = rng.random()
                poverty = "idpoor_1" if roll < 0.12 else "idpoor_2" if roll < 0.3 else "none"
                households.append(
                    (
                        household_id,
                        created,
                        created,
                        new_uuid(rng),
                        org.id,
                        code,
                        village.id,
                        village.commune,
                        village.province,
                        poverty,
                    )
                )
                members = self.members(size)
            else:
                members = [Member("", "female" if rng.random() < 0.6 else "male", rng.randint(1985, 2012))]
            head_family = names.family()
            head_given: Name | None = None
            mother_km = ""
            for n, member in enumerate(members):
                if member.relationship in ("head", ""):
                    family = head_family
                elif member.relationship in ("child", "grandchild", "sibling"):
                    roll = rng.random()
                    if roll < 0.72:
                        family = head_family
                    elif roll < 0.87 and head_given is not None and members[0].sex == "male":
                        family = head_given  # a father's given name used as the family name
                    else:
                        family = names.family()
                else:
                    family = names.family()
                given = names.given(member.sex)
                if member.relationship == "head":
                    head_given = given
                name_km = clean(names.khmer_name(family, given))
                name_latin = clean(names.latin_name(family, given))
                roll = rng.random()
                if roll < 0.02:
                    name_km = ""
                elif roll < 0.06:
                    name_latin = ""
                if member.relationship in ("head", "spouse") and member.sex == "female":
                    mother_km = mother_km or name_km
                person_id, at = ids["person"], created + dt.timedelta(seconds=40 * n)
                identity = self.identity_row(
                    person_id, org, member, name_km, name_latin, mother_km, household_phone, at
                )
                identities.append(identity)
                persons.append(
                    self.person_row(
                        person_id, org, creator, village, household_id, member, at, name_km, name_latin, identity
                    )
                )
                ids["person"] += 1
            done += len(members)
            self.counts["households"] += 0 if alone else 1
        return households, persons, identities

    def person_row(
        self,
        person_id: int,
        org: Org,
        creator: UserRef,
        village: VillageRef,
        household_id: int | None,
        member: Member,
        created: dt.datetime,
        name_km: str,
        name_latin: str,
        identity: tuple[Any, ...],
    ) -> tuple[Any, ...]:
        """As person_create: initials from the names, the birth year from the date of birth if known."""
        rng = self.rng
        year = (created + LOCAL).year
        self.case_seq[(org.id, year)] += 1
        case_number = f"{org.short_name.upper()}-{year}-{self.case_seq[(org.id, year)]:05d}"
        if household_id is None and rng.random() < 0.04:  # place known only to the province
            place: tuple[Any, ...] = (village.province, None, None, None)
        else:
            place = (village.province, village.district, village.commune, village.id)
        assigned: int | None
        if creator.role == Role.CASEWORKER:
            assigned = creator.id if rng.random() < 0.9 else rng.choice(org.caseworkers).id
        else:
            assigned = rng.choice(org.caseworkers).id if rng.random() < 0.8 else None
        updated = created
        if rng.random() < 0.25:
            updated = min(created + dt.timedelta(days=rng.uniform(1, 400)), self.now)
        closed = None
        if rng.random() < 0.2:
            closed_at = created + dt.timedelta(days=rng.uniform(7, 700))
            if closed_at < self.now:
                closed = closed_at
                updated = max(updated, closed)
        dob = identity[DOB_AT]
        if dob is not None:
            birth_year, estimated = dob.year, False
        else:
            birth_year = member.birth_year if rng.random() > 0.04 else None
            estimated = birth_year is not None and rng.random() < 0.6
        return (
            person_id,
            created,
            updated,
            new_uuid(rng),
            org.id,
            case_number,
            person_initials(name_latin, name_km),
            member.sex,
            birth_year,
            estimated,
            *place,
            household_id,
            member.relationship,
            creator.id,
            assigned,
            creator.team_id,
            closed,
        )

    def identity_row(
        self,
        person_id: int,
        org: Org,
        member: Member,
        name_km: str,
        name_latin: str,
        mother_km: str,
        household_phone: str,
        created: dt.datetime,
    ) -> tuple[Any, ...]:
        rng = self.rng
        age = self.this_year - member.birth_year
        adult = age >= 16
        dob = None
        if rng.random() < 0.35:
            try:
                dob = dt.date(member.birth_year, rng.randint(1, 12), rng.randint(1, 28))
            except ValueError:
                dob = None
        roll = rng.random()
        if adult:
            phone = self.phone() if roll < 0.55 else household_phone if roll < 0.7 else ""
        else:
            phone = household_phone if roll < 0.05 else ""
        national_id = f"{rng.randrange(10**9):09d}" if adult and rng.random() < 0.35 else ""
        passport = f"N{rng.randrange(10**7):07d}" if adult and rng.random() < 0.04 else ""
        if member.relationship in ("child", "") and mother_km and rng.random() < 0.6:
            mother = mother_km
        elif rng.random() < 0.15:
            mother = clean(self.names.khmer_name(self.names.family(), self.names.given("female")))
        else:
            mother = ""
        address = ""
        if rng.random() < 0.15:
            house, street = rng.randint(1, 300), rng.randint(1, 60)
            address = (
                f"House {house}, Street {street}"
                if rng.random() < 0.5
                else f"ផ្ទះលេខ {to_khmer_digits(str(house))} ផ្លូវ {to_khmer_digits(str(street))}"
            )
        return (
            person_id,
            created,
            created,
            org.id,
            name_km,
            name_latin,
            *identity_keys(name_km, name_latin),
            dob,
            phone,
            national_id,
            passport,
            mother,
            address,
        )


# ---------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, required=True, help=f"usually one of {', '.join(map(str, SIZES))}")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    if args.people < 1:
        parser.error("--people must be positive")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if not settings.DEBUG:
        raise SystemExit("Refusing to run with DEBUG off: bench data (and its known password) is for test databases.")
    started = time.perf_counter()
    vendor = connection.vendor
    database = connection.settings_dict["NAME"]
    print(f"bench/generate.py: {args.people:,} people, seed {args.seed}, {vendor} database {database}", flush=True)

    def lap(label: str) -> None:
        print(f"  [{time.perf_counter() - started:7.1f}s] {label}", flush=True)

    rng = random.Random(args.seed)
    places = Places()
    phases: dict[str, float] = {}
    with transaction.atomic():
        orgs = setup_consortium(rng, places, args.people)
        n_users = sum(len(o.users) for o in orgs)
        lap(f"consortium ready: {len(orgs)} organisations, {n_users} users")
        t = time.perf_counter()
        removed = wipe([o.id for o in orgs])
        phases["wipe"] = time.perf_counter() - t
        lap(f"previous bench data removed: {removed or 'none'}")

        loader: Loader = CopyLoader() if vendor == "postgresql" else InsertLoader()
        maker = PeopleMaker(rng, orgs, places, args.people)
        ids = {"household": loader.base_id(HOUSEHOLD), "person": loader.base_id(PERSON)}
        first_ids = dict(ids)
        t = time.perf_counter()
        with loader.prepared():
            phases["prepare"] = time.perf_counter() - t
            t = time.perf_counter()
            done, next_report = 0, 0
            while done < args.people:
                households, persons, identities = maker.batch(ids, done, min(done + CHUNK, args.people))
                loader.write(HOUSEHOLD, households)
                loader.write(PERSON, persons)
                loader.write(IDENTITY, identities)
                done += len(persons)
                if done >= next_report or done == args.people:
                    elapsed = time.perf_counter() - t
                    lap(f"{done:>9,} people ({100 * done // args.people:3d}%), {done / elapsed:,.0f} people/s")
                    next_report += max(CHUNK, args.people // 10)
            phases["load"] = time.perf_counter() - t
            t = time.perf_counter()
        phases["rebuild"] = time.perf_counter() - t
        loader.finish({HOUSEHOLD.db_table: ids["household"] - 1, PERSON.db_table: ids["person"] - 1})
        CaseSequence.objects.bulk_create(
            CaseSequence(organisation_id=org_id, year=year, last=last)
            for (org_id, year), last in sorted(maker.case_seq.items())
        )
        t = time.perf_counter()
    phases["commit"] = time.perf_counter() - t
    lap("committed")

    t = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {table.db_table}")
        else:
            cursor.execute("ANALYZE")
    phases["analyze"] = time.perf_counter() - t
    lap("statistics updated")

    n_households = ids["household"] - first_ids["household"]
    people = ids["person"] - first_ids["person"]
    per_org = {o.short_name: 0 for o in orgs}
    short = {o.id: o.short_name for o in orgs}
    for (org_id, _year), last in maker.case_seq.items():
        per_org[short[org_id]] += last
    summary: dict[str, Any] = {
        "people": people,
        "identities": people,
        "households": n_households,
        "organisations": len(orgs),
        "users": n_users,
        "per_organisation": per_org,
        "seed": args.seed,
        "backend": vendor,
        "database": str(database),
        "seconds": round(time.perf_counter() - started, 1),
        "phases": {k: round(v, 1) for k, v in phases.items()},
    }
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            summary["database_bytes"] = cursor.fetchone()[0]
    print(json.dumps(summary, ensure_ascii=False))
    return summary


if __name__ == "__main__":
    main()
