"""What the matching app tells core (docs/writing-a-module.md): how its models are scoped, the duplicate finder
core's registration check calls, the organisation-wide check (an export kind), URLs, menu, work list and demo data.

It adds no capability: deciding on likely matches is core's `review_duplicates` (case supervisors), and the
registration check runs for whoever registers (core shows names only to roles with view_identity).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core import access, registry
from karpear.core.models import ExportJob, Person, User
from karpear.core.roles import Capability


def _pair_rows(ctx: access.Context) -> Q:
    """Pairs of the user's organisation of which both people are in the user's scope."""
    people = access.visible(ctx.user, Person.objects.all()).values("pk")
    return Q(organisation_id=ctx.membership.organisation_id, person__in=people, other__in=people)


def _run_batch(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    from karpear.matching import exports

    return exports.clusters(job, progress)


def _run_list(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    from karpear.matching import exports

    return exports.list_matches(job, progress)


def _list_again(actor: User, job: ExportJob) -> ExportJob:
    """ "Try again" on a failed list check: its rows are still in the job (they leave it only with the report)."""
    from karpear.core import services

    if not job.params.get("rows") or not isinstance(job.params["rows"], list):
        raise ValidationError(_("The list is no longer kept. Upload it again."))
    return services.export_request(
        actor=actor, kind=job.kind, fmt=job.format, params=job.params, retry_of=job, rows=len(job.params["rows"])
    )


def _load_demo(context: registry.DemoContext) -> None:
    from karpear.matching import demo

    demo.load(context)


def declare() -> None:
    from karpear.matching import selectors
    from karpear.matching.models import MatchInquiry, MatchPair

    C = Capability
    access.register(MatchPair, view=C.REVIEW_DUPLICATES, change=C.REVIEW_DUPLICATES, rows=_pair_rows)
    # An inquiry belongs to the organisation whose person it names, and reaches as far as that person does.
    access.register(MatchInquiry, view=C.REVIEW_DUPLICATES, change=C.REVIEW_DUPLICATES, person="person")
    registry.duplicate_finder("matching", selectors.find_duplicates)
    registry.urls("matching", prefix="matching/", module="karpear.matching.urls", api_module="karpear.matching.api")
    registry.menu_item(
        "matching", "matching:review_list", _("Likely matches"), capability=C.REVIEW_DUPLICATES, order=65
    )
    # No home-page work list: core's "possible duplicates" section is there, and the home page keeps its query
    # budget (core/tests/test_modules.py); the menu leads to the pairs to review.
    registry.export_kind(
        "matching",
        "matching_clusters",
        _("Likely matches in the whole organisation"),
        capability=C.REVIEW_DUPLICATES,
        formats=["xlsx", "csv", "json"],
        run=_run_batch,
    )
    registry.export_kind(
        "matching",
        "matching_list",
        _("Likely matches of a list of people"),
        capability=C.REVIEW_DUPLICATES,
        formats=["xlsx", "csv", "json"],
        run=_run_list,
        again=_list_again,
    )
    registry.demo_loader("matching", "matching", _load_demo, after=["core"])
