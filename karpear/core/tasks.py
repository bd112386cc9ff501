"""Background tasks: thin wrappers that load by id and call a service (STYLE §9)."""

from __future__ import annotations

from django.tasks import task

from karpear.core import services


@task()
def export_task(job_id: int) -> None:
    services.export_run(job_id=job_id)


@task()
def export_people_task(job_id: int) -> None:
    """Tasks queued before exports had kinds still name this one."""
    services.export_run(job_id=job_id)
