"""Pairs of people found likely to be the same person, and a supervisor's decision on each (issue 16).

Nothing is ever merged (DOMAIN §6): a pair decided "same person" links the two records, one decided "different
people" is never proposed again. Across organisations nothing is stored here that names the other side's
person: a `MatchInquiry` is held by the organisation whose person it is, and tells it only that another
organisation asked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from karpear.core.models import Organisation, OrgOwned, Person


class MatchPair(OrgOwned):
    """Two people of one organisation the matching engine scored as likely the same; `person` has the lower id."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        SAME = "same", _("Same person (linked)")
        DIFFERENT = "different", _("Different people")

    class Source(models.TextChoices):
        CHECK = "check", _("Check of one person")
        BATCH = "batch", _("Check of the whole organisation")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    evidence = models.JSONField(default=list)  # [[comparison, level, weight], ...], strongest first
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=10, choices=Source.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("likely match")
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="matching_pair_unique"),
            models.CheckConstraint(condition=Q(person__lt=F("other")), name="matching_pair_ordered"),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="matching_pair_status")]

    def __str__(self) -> str:
        return f"{self.person_id} ~ {self.other_id}"


class MatchInquiry(OrgOwned):
    """Another organisation registered someone likely to be one of this organisation's people, and asks to
    learn more. Held by the organisation whose person it is (`organisation`); the asker learns nothing about
    that person unless this organisation refers the person to it (core's referrals, with consent)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        DONE = "done", _("Answered")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")  # this organisation's person
    asked_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField(_("score"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("match inquiry")
        constraints = [models.UniqueConstraint(fields=["person", "asked_by"], name="matching_inquiry_unique")]

    def __str__(self) -> str:
        return f"{self.asked_by_id} -> {self.person_id}"
