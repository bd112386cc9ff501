"""The organisation-wide check, run as a background export (core's job page shows its progress): every likely
pair among the organisation's people, grouped into clusters, as a table; the pairs are stored for review in
the same transaction as the file. And the check of an uploaded list: each row's likely matches among the
organisation's people and the list's other rows, as a table; the rows leave the job with the file's making."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from karpear.core import registry
from karpear.core.exports import TableWriter
from karpear.core.models import ExportJob, Person, User
from karpear.matching import lists, selectors, services
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


def list_matches(job: ExportJob, progress: Callable[[int, int], None]) -> registry.ExportOutput:
    user = job.requested_by
    rows = [lists.Row.from_params(data) for data in job.params.get("rows") or []]
    result = services.list_find(user=user, rows=rows, progress=progress)
    by_key = {f"row:{row.number}": row for row in rows}
    numbers = dict(
        Person.objects.filter(
            pk__in=[int(k) for x, y, _s, _e in result.found for k in (x, y) if k.isdigit()]
        ).values_list("pk", "case_number")
    )
    groups = engine.clusters((x, y) for x, y, _score, _evidence in result.found)
    group_of = {key: index for index, group in enumerate(groups, start=1) for key in group}

    def named(key: str) -> str:
        row = by_key.get(key)
        if row is None:
            return str(numbers.get(int(key), ""))
        return _("row %(number)s") % {"number": row.number} + (f" ({row.reference})" if row.reference else "")

    writer = TableWriter(job.format, title="list matches")
    writer.header(["group", "list_row", "reference", "match", "score", "evidence"])
    written = 0
    # people read the phrases: in the language of the user who asked
    with translation.override(user.language or settings.LANGUAGE_CODE):
        for x, y, score, evidence in sorted(result.found, key=lambda f: (group_of[f[0]], -f[2])):
            row_key, other = (x, y) if x in by_key else (y, x)
            row = by_key[row_key]
            phrases = selectors.evidence_phrases(evidence, limit=6)
            writer.row([group_of[x], row.number, row.reference, named(other), score, "; ".join(phrases)])
            written += 1
        for row in rows:
            if row.record is None:
                writer.row(["", row.number, row.reference, _("not checked: no name, phone or ID number"), "", ""])
                written += 1
    return registry.ExportOutput(
        writer.finish(),
        f"list-matches.{job.format}",
        written,
        commit=lambda: services.list_done(user=user, job=job, result=result),
    )
