from __future__ import annotations

import csv
import io
from collections.abc import Callable
from enum import StrEnum

from django.urls import reverse

from karpear.core import access, registry, roles
from karpear.core.models import ExportJob, User
from karpear.core.roles import Role, Scope


class SampleCapability(StrEnum):
    VIEW_VISIT = "sample_view_visit"
    ADD_VISIT = "sample_add_visit"
    PRINT_VISITS = "sample_print_visits"  # in no declaration: a capability a view checks on its own


def _visits_to_see(user: User) -> int:
    from karpear.core.tests.sample_module import selectors

    return selectors.visit_list(user=user).count()


def _export_visits(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    from karpear.core.tests.sample_module import selectors

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    visits = list(selectors.visit_list(user=job.requested_by))
    for index, visit in enumerate(visits, start=1):
        writer.writerow([visit.uuid, visit.note])
        progress(index, len(visits))
    return registry.ExportOutput(buffer.getvalue().encode(), "visits.csv", len(visits))


def _demo(context: registry.DemoContext) -> None:
    from karpear.core.models import Person, User
    from karpear.core.tests.sample_module.models import Visit

    caseworker = User.objects.get(username="caseworker")
    person = Person.objects.filter(created_by=caseworker).order_by("id").first()
    if person is not None and not Visit.objects.filter(person=person).exists():
        Visit.objects.create(organisation=person.organisation, person=person, made_by=caseworker, note="demo visit")
        context.created["sample_visits"] = 1


def _find_duplicates(*, user: User, keys: object, exclude: object) -> list[object]:
    """A duplicate finder (registry.duplicate_finder): for the name "Sample Finder", the visible people named
    "Sample Match" with a score, and the signal that another organisation holds a likely match."""
    from karpear.core.models import Person
    from karpear.core.selectors import DuplicateCandidate

    if getattr(keys, "name_latin", "") != "Sample Finder":
        return []
    people = access.visible(user, Person.objects.filter(identity__name_latin="Sample Match"))
    found: list[object] = [DuplicateCandidate(p, (), 0.75, ("sample evidence",)) for p in people]
    return [*found, DuplicateCandidate(None, (), elsewhere=True)]


def declare() -> None:
    from karpear.core.tests.sample_module.models import Visit

    C = SampleCapability
    roles.define_capabilities("sample_module", list(C))
    roles.grant(Role.CASEWORKER, [C.VIEW_VISIT, C.ADD_VISIT])
    # The supervisor reaches every visit of the organisation; the M&E officer, who sees people organisation-wide,
    # reaches only visits they made themselves (a per-capability scope).
    roles.grant(Role.CASE_SUPERVISOR, [C.VIEW_VISIT, C.PRINT_VISITS])
    roles.grant(Role.ME_OFFICER, [C.VIEW_VISIT], scope=Scope.OWN)
    # The legal officer's team scope on a record with an owner but no team field: their own visits only.
    roles.grant(Role.LEGAL_OFFICER, [C.VIEW_VISIT])
    access.register(
        Visit,
        view=C.VIEW_VISIT,
        change=C.ADD_VISIT,
        person="person",
        owners=("made_by",),
        section="sample_visits",
    )
    registry.referral_section("sample_module", "sample_visits", "Home visits")
    registry.urls(
        "sample_module",
        prefix="sample/",
        module="karpear.core.tests.sample_module.urls",
        api_module="karpear.core.tests.sample_module.api",
    )
    registry.menu_item("sample_module", "sample_module:visit_list", "Visits", capability=C.VIEW_VISIT, order=40)
    registry.work_list(
        "sample_module",
        "sample_visits",
        "Visits",
        capability=C.VIEW_VISIT,
        count=_visits_to_see,
        url=lambda user: reverse("sample_module:visit_list"),
        empty="No visit yet.",
        order=50,
    )
    registry.demo_loader("sample_module", "sample_module", _demo, after=["core"])
    registry.duplicate_finder("sample_module", _find_duplicates)
    registry.export_kind(
        "sample_module", "sample_visits_csv", "Visits", capability=C.VIEW_VISIT, formats=["csv"], run=_export_visits
    )
