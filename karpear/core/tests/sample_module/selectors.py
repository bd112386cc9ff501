from __future__ import annotations

from django.db.models import QuerySet

from karpear.core import access
from karpear.core.models import User
from karpear.core.tests.sample_module.models import Visit


def visit_list(*, user: User) -> QuerySet[Visit]:
    return access.visible(user, Visit.objects.all()).order_by("id")
