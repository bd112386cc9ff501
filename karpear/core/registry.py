"""What the apps tell core about themselves, besides access (core.access) and roles (core.roles).

Each app calls these from its `AppConfig.ready()`; core reads them and never imports an app:

- `urls()` — the app's pages and API routes, mounted under a prefix (karpear/urls.py includes them).
- `menu_item()` — an entry of the main menu, shown to roles holding its capability.
- `work_list()` — a section of the home page: a title, a count (at most one query) and a link.
- `demo_loader()` — the app's part of the demo consortium, run after the loaders it depends on.
- `export_kind()` — a kind of background export (`ExportJob.kind`): its capability, formats and runner.
- `referral_section()` — a part of a person's records that a referral may share (see core.access).
- `periodic()` — a job the task worker runs every so often (expiry, retention, reminders).
- `duplicate_finder()` — a finder the duplicate check on registration calls besides its exact keys (matching).
- `referral_records()` — what a receiver opened from a referral (a protection intake, a legal case), for the
  sender's pages (`core.referrals.records_from`).
- `target_counter()` — the app that counts what was achieved against programme targets (monitoring); until
  one is declared, the home pages and target tables say when achieved figures will appear.

Declarations are checked as they are made: a name declared twice fails at start-up with a clear message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from karpear.core import access

if TYPE_CHECKING:
    from karpear.core.models import ExportJob, User

type Label = str | Promise


def _add[T](table: dict[str, T], key: str, value: T, what: str) -> None:
    if key in table:
        raise ImproperlyConfigured(f"{what} {key!r} is declared twice")
    table[key] = value


# ---------------------------------------------------------------- URLs
@dataclass(frozen=True)
class UrlInclude:
    app_label: str
    prefix: str  # e.g. "protection/"
    module: str  # dotted path of a urls module with `app_name`
    api_module: str | None  # dotted path of the app's API urls module, mounted under /api/v1/<prefix>


_URLS: dict[str, UrlInclude] = {}


def urls(app_label: str, *, prefix: str, module: str, api_module: str | None = None) -> None:
    if not prefix.endswith("/") or prefix.startswith("/"):
        raise ImproperlyConfigured(f"{app_label}: a URL prefix looks like 'name/', not {prefix!r}")
    _add(_URLS, app_label, UrlInclude(app_label, prefix, module, api_module), "URLs of app")


def url_includes() -> list[UrlInclude]:
    return list(_URLS.values())


# ---------------------------------------------------------------- menu
@dataclass(frozen=True)
class MenuItem:
    name: str  # the URL name (namespaced: "protection:case_list"); also what marks the current page
    label: Label
    capability: str | None
    order: int
    app_label: str


_MENU: dict[str, MenuItem] = {}


def menu_item(app_label: str, url_name: str, label: Label, *, capability: str | None = None, order: int = 100) -> None:
    _add(_MENU, url_name, MenuItem(url_name, label, capability, order, app_label), "menu item")


def menu_items() -> list[MenuItem]:
    return sorted(_MENU.values(), key=lambda item: (item.order, item.name))


# ---------------------------------------------------------------- home work lists
@dataclass(frozen=True)
class WorkList:
    """A home-page section. `count(user)` runs at most one query; `url(user)` is where the list is."""

    key: str
    title: Label
    capability: str | None
    count: Callable[[User], int]
    url: Callable[[User], str]
    empty: Label
    order: int
    app_label: str


_WORK_LISTS: dict[str, WorkList] = {}


def work_list(
    app_label: str,
    key: str,
    title: Label,
    *,
    count: Callable[[User], int],
    url: Callable[[User], str],
    empty: Label,
    capability: str | None = None,
    order: int = 100,
) -> None:
    _add(_WORK_LISTS, key, WorkList(key, title, capability, count, url, empty, order, app_label), "work list")


def work_lists() -> list[WorkList]:
    return sorted(_WORK_LISTS.values(), key=lambda item: (item.order, item.key))


# ---------------------------------------------------------------- achieved against targets
_TARGET_COUNTERS: list[str] = []


def target_counter(app_label: str) -> None:
    """Declare that `app_label` counts achievements against programme targets (and shows them itself)."""
    if app_label in _TARGET_COUNTERS:
        raise ImproperlyConfigured(f"core.registry: target counter {app_label!r} is declared twice")
    _TARGET_COUNTERS.append(app_label)


def targets_counted() -> bool:
    """Is an app counting what was achieved against targets?"""
    return bool(_TARGET_COUNTERS)


# ---------------------------------------------------------------- demo data
@dataclass
class DemoLogin:
    username: str
    password: str
    organisation: str
    role: str
    totp_secret: str


@dataclass
class DemoContext:
    """What demo loaders share: the seed, the logins to print, and what each loader made."""

    seed: int
    logins: list[DemoLogin] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # loaders leave here what later loaders may use


@dataclass(frozen=True)
class DemoLoader:
    name: str
    load: Callable[[DemoContext], None]
    after: tuple[str, ...]
    app_label: str


_DEMO: dict[str, DemoLoader] = {}


def demo_loader(app_label: str, name: str, load: Callable[[DemoContext], None], *, after: Iterable[str] = ()) -> None:
    _add(_DEMO, name, DemoLoader(name, load, tuple(after), app_label), "demo loader")


def demo_loaders() -> list[DemoLoader]:
    """Every loader, each after the loaders it depends on (a stable order: by name among equals)."""
    ordered: list[DemoLoader] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if name not in _DEMO:
            raise ImproperlyConfigured(f"demo loader {path[-1]!r} runs after {name!r}, which nobody declared")
        if state.get(name) == "visiting":
            raise ImproperlyConfigured(f"demo loaders depend on each other in a circle: {' -> '.join((*path, name))}")
        state[name] = "visiting"
        for before in sorted(_DEMO[name].after):
            visit(before, (*path, name))
        state[name] = "done"
        ordered.append(_DEMO[name])

    for name in sorted(_DEMO):
        visit(name, (name,))
    return ordered


# ---------------------------------------------------------------- exports
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class ExportOutput:
    content: bytes
    filename: str  # without the organisation and time stamp, e.g. "people.xlsx"
    rows: int
    # Run in the transaction that stores the file (e.g. audit events naming each person in it).
    commit: Callable[[], None] | None = None


@dataclass(frozen=True)
class ExportKind:
    """A kind of export. `run(job, progress)` builds the file in `job.format` as the user who asked (scope and
    identity rules hold) and calls `progress(done, total)` now and then; it must be idempotent (a retried task
    runs it again). `again(actor, job)` asks for the same export once more ("Try again"): the kind's own
    request service, which checks its rights anew; without it, the generic request with the same parameters."""

    key: str
    label: Label
    capability: str
    formats: tuple[str, ...]
    run: Callable[[ExportJob, Callable[[int, int], None]], ExportOutput]
    app_label: str
    again: Callable[[User, ExportJob], ExportJob] | None = None


_EXPORTS: dict[str, ExportKind] = {}


def export_kind(
    app_label: str,
    key: str,
    label: Label,
    *,
    capability: str,
    formats: Iterable[str],
    run: Callable[[ExportJob, Callable[[int, int], None]], ExportOutput],
    again: Callable[[User, ExportJob], ExportJob] | None = None,
) -> None:
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ImproperlyConfigured(f"export kind {key!r}: formats must be some of {sorted(FORMATS)}, not {unknown}")
    _add(_EXPORTS, key, ExportKind(key, label, capability, formats, run, app_label, again), "export kind")


def export_kinds() -> list[ExportKind]:
    return list(_EXPORTS.values())


def export_kind_for(key: str) -> ExportKind | None:
    return _EXPORTS.get(key)


# ---------------------------------------------------------------- referral sections
@dataclass(frozen=True)
class ReferralSection:
    name: str
    label: Label
    description: Label
    order: int
    app_label: str


_SECTIONS: dict[str, ReferralSection] = {}


def referral_section(app_label: str, name: str, label: Label, *, description: Label = "", order: int = 100) -> None:
    if name == access.ANY_SECTION:
        raise ImproperlyConfigured(f"{name!r} is reserved")
    _add(_SECTIONS, name, ReferralSection(name, label, description, order, app_label), "referral section")


def referral_sections() -> list[ReferralSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.name))


access.set_section_source(lambda: _SECTIONS.keys())


# ---------------------------------------------------------------- periodic jobs
@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    run: Callable[[], Any]
    app_label: str


_PERIODIC: dict[str, PeriodicJob] = {}


def periodic(app_label: str, name: str, *, every: dt.timedelta, run: Callable[[], Any]) -> None:
    _add(_PERIODIC, name, PeriodicJob(name, every, run, app_label), "periodic job")


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_PERIODIC.values(), key=lambda job: job.name)


# ---------------------------------------------------------------- duplicate finders
# A finder is called by core's duplicate check (selectors.person_likely_duplicates) as
# `find(user=..., keys=selectors.DuplicateKeys, exclude=Person | None)` and returns selectors.DuplicateCandidate
# items: people in the user's scope it finds likely to be the same person (with a score and the evidence), and
# at most one item with `elsewhere=True` when a likely match exists outside the user's organisation (nothing
# identifying about it). Core keeps its exact-key check and merges what the finders add.
_DUPLICATE_FINDERS: dict[str, Callable[..., list[Any]]] = {}


def duplicate_finder(app_label: str, find: Callable[..., list[Any]]) -> None:
    _add(_DUPLICATE_FINDERS, app_label, find, "duplicate finder of app")


def duplicate_finders() -> list[Callable[..., list[Any]]]:
    return [_DUPLICATE_FINDERS[key] for key in sorted(_DUPLICATE_FINDERS)]


# ---------------------------------------------------------------- what a referral led to
@dataclass(frozen=True)
class ReferralRecord:
    """A record the receiving organisation opened from a referral, as one user may see it: `label` names it
    (its number only for a user who may open it, then `url` is its page; else a plain statement such as
    "Protection case opened by CCPCR"), `on` is when it was opened."""

    referral_id: int
    label: str
    on: dt.date
    url: str = ""


# A finder is called as `find(user=..., referral_ids=...)` with the ids of referrals the user may see (a
# queryset of `pk`s to filter with `referral_id__in`: core.access already applied) and returns the
# ReferralRecords of the app's rows opened from them.
_REFERRAL_RECORDS: dict[str, Callable[..., list[ReferralRecord]]] = {}


def referral_records(app_label: str, find: Callable[..., list[ReferralRecord]]) -> None:
    _add(_REFERRAL_RECORDS, app_label, find, "referral record finder of app")


def referral_record_finders() -> list[Callable[..., list[ReferralRecord]]]:
    return [_REFERRAL_RECORDS[key] for key in sorted(_REFERRAL_RECORDS)]
