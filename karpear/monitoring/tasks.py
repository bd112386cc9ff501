"""Background tasks of monitoring: thin, load by id and call a selector (STYLE §9)."""

from __future__ import annotations

from django.tasks import task

from karpear.monitoring import selectors


@task()
def refresh_summaries_task(summary_ids: list[int]) -> None:
    """Count the kept figures again (a dashboard showed them older than the maximum age)."""
    selectors.refresh_summaries(summary_ids)
