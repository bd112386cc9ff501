"""Background tasks: thin wrappers that load by id and call a service (STYLE §9)."""

from __future__ import annotations

from django.tasks import task

from karpear.core import services


@task()
def export_people_task(job_id: int) -> None:
    services.export_people_run(job_id=job_id)
