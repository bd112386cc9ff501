"""What the matching app tells core (docs/writing-a-module.md): how its models are scoped, the duplicate finder
core's registration check calls, the organisation-wide check (an export kind), URLs, menu and work list.

It adds no capability: deciding on likely matches is core's `review_duplicates` (case supervisors), and the
registration check runs for whoever registers (core shows names only to roles with view_identity).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from karpear.core import access, registry
from karpear.core.models import ExportJob, Person, User
from karpear.core.roles import Capability


def _pair_rows(ctx: access.Context) -> Q:
    """Pairs of the user's organisation of which both people are in the user's scope."""
    people = access.visible(ctx.user, Person.objects.all()).values("pk")
    return Q(organisation_id=ctx.membership.organisation_id, person__in=people, other__in=people)


def _open_pairs(user: User) -> int:
    from karpear.matching import selectors

    return selectors.pairs_to_review(user=user).count()


def _run_batch(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    from karpear.matching import exports

    return exports.clusters(job, progress)


def declare() -> None:
    from karpear.matching import selectors
    from karpear.matching.models import MatchInquiry, MatchPair

    C = Capability
    access.register(MatchPair, view=C.REVIEW_DUPLICATES, change=C.REVIEW_DUPLICATES, rows=_pair_rows)
    # An inquiry belongs to the organisation whose person it names, and reaches as far as that person does.
    access.register(MatchInquiry, view=C.REVIEW_DUPLICATES, change=C.REVIEW_DUPLICATES, person="person")
    registry.duplicate_finder("matching", selectors.find_duplicates)
    registry.urls("matching", prefix="matching/", module="karpear.matching.urls")
    registry.menu_item(
        "matching", "matching:review_list", _("Likely matches"), capability=C.REVIEW_DUPLICATES, order=65
    )
    registry.work_list(
        "matching",
        "matching_open_pairs",
        _("Likely matches to review"),
        capability=C.REVIEW_DUPLICATES,
        count=_open_pairs,
        url=lambda user: reverse("matching:review_list"),
        empty=_("No likely match waits for a decision."),
        order=61,
    )
    registry.export_kind(
        "matching",
        "matching_clusters",
        _("Likely matches in the whole organisation"),
        capability=C.REVIEW_DUPLICATES,
        formats=["xlsx", "csv", "json"],
        run=_run_batch,
    )
