from __future__ import annotations

from django.conf import settings
from django.db import models

from karpear.core.models import OrgOwned, Person


class Visit(OrgOwned):
    """A home visit to a person, owned by the caseworker who made it."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.note
