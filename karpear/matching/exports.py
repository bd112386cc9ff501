"""The organisation-wide check, run as a background export (core's job page shows its progress): every likely
pair among the organisation's people, grouped into clusters, as a table; the pairs are stored for review in
the same transaction as the file."""

from __future__ import annotations

from collections.abc import Callable

from karpear.core import registry
from karpear.core.exports import TableWriter
from karpear.core.models import ExportJob, Person, User
from karpear.matching import selectors, services
from karpear.matching.engine import model as engine


def clusters(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    user = job.requested_by
    result = services.batch_find(user=user, progress=progress)
    groups = engine.clusters((str(x), str(y)) for x, y, _score, _evidence in result.found)
    numbers = dict(Person.objects.filter(pk__in=[int(k) for g in groups for k in g]).values_list("pk", "case_number"))
    best: dict[tuple[int, int], tuple[float, list[list[object]]]] = {
        (x, y): (score, evidence) for x, y, score, evidence in result.found
    }
    writer = TableWriter(job.format, title="likely matches")
    writer.header(["cluster", "case_number", "other_case_number", "score", "evidence"])
    rows = 0
    for index, group in enumerate(groups, start=1):
        members = {int(k) for k in group}
        for (x, y), (score, evidence) in sorted(best.items(), key=lambda item: -item[1][0]):
            if x in members and y in members:
                phrases = selectors.evidence_phrases(evidence, limit=6)
                writer.row([index, numbers.get(x, ""), numbers.get(y, ""), score, "; ".join(phrases)])
                rows += 1
    return registry.ExportOutput(
        writer.finish(),
        f"likely-matches.{job.format}",
        rows,
        commit=lambda: _store(user, result),
    )


def _store(user: User, result: services.BatchResult) -> None:
    services.batch_store(user=user, result=result)
