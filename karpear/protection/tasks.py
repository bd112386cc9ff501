"""Background tasks of protection: thin, load by id and call a service (STYLE §9)."""

from __future__ import annotations

from django.tasks import task

from karpear.protection import services


@task()
def retrafficking_task(actor_id: int, case_ids: list[int]) -> None:
    services.retrafficking_check_ids(actor_id=actor_id, case_ids=case_ids)
