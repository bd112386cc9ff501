"""What monitoring stores itself: the figures no record holds, entered by hand and shown as such."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.models import OrgOwned, Programme, SubGrant, Target


class ManualValue(OrgOwned):
    """A figure of a manual indicator for a period (e.g. people at an event), entered by the organisation that
    did the work. Never a number the records hold: only indicators declared `manual` take one."""

    indicator = models.SlugField(_("indicator"), max_length=60)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme"))
    subgrant = models.ForeignKey(
        SubGrant, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("sub-grant")
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    source = models.CharField(_("where the figure comes from"), max_length=300)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-period_end", "indicator", "id"]
        verbose_name = _("figure entered by hand")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="monitoring_manual_value_dates"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="monitoring_manual_value_not_negative"),
        ]
        indexes = [models.Index(fields=["indicator", "programme", "period_end"], name="monitoring_manual_lookup")]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value}"


class PeriodTarget(models.Model):
    """A programme target's value for one year or quarter (core's `Target` is for the life of the programme). Set by
    the organisation that manages the programme; progress in that period is measured against it."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+", verbose_name=_("target"))
    period = models.CharField(_("period"), max_length=7)  # "2026" or "2026-Q3"
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target", "period"]
        verbose_name = _("target for a period")
        constraints = [
            models.UniqueConstraint(fields=["target", "period"], name="monitoring_period_target_once"),
            models.CheckConstraint(condition=Q(value__gte=0), name="monitoring_period_target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.period}: {self.value}"


class NarrativeSection(models.TextChoices):
    """The written parts of a donor report, in the order the report prints them."""

    SUMMARY = "summary", _("Summary")
    ACHIEVEMENTS = "achievements", _("Achievements")
    CHALLENGES = "challenges", _("Challenges")
    LESSONS = "lessons", _("Lessons learned")
    NEXT_STEPS = "next_steps", _("Next steps")


class Narrative(models.Model):
    """One version of a written section of a programme's donor report for a period ("" = all periods, a year, or
    a quarter). Never changed: saving the section again adds the next version, so every earlier text is kept with
    who wrote it and when; the report prints the latest. Written by the organisation that manages the programme."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme"))
    period = models.CharField(_("period"), max_length=7, blank=True)  # "", "2026" or "2026-Q3"
    section = models.CharField(_("section"), max_length=20, choices=NarrativeSection.choices)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), max_length=8000, blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "period", "section", "-version"]
        verbose_name = _("report narrative")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "period", "section", "version"], name="monitoring_narrative_version_once"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="monitoring_narrative_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.period or 'all'} {self.section} v{self.version}"


class Summary(models.Model):
    """An indicator's figure in one scope (organisations, programme, period), kept so a dashboard reads it instead
    of counting millions of rows on every visit (docs/monitoring.md, "Figures kept"). A counted indicator's row
    holds its total and its counts by the dimensions asked so far, and is keyed by what it counts, not by who asked:
    every viewer whose reach is this scope reads the same figure, and small cells are hidden for each viewer when
    shown. A computed indicator's row (a SAVIX ratio: computed from what the viewer may read) holds its value and
    belongs to that viewer alone. A figure older than `MONITORING_SUMMARY_MAX_AGE` seconds is still shown, with the
    time it was counted, while the worker counts it again."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of the indicator, scope, reference year (viewer)
    indicator = models.SlugField(max_length=60)
    scope = models.JSONField()  # organisations, programmes, start, end: enough for the worker to count it again
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )  # a computed indicator's: the figure is of what this viewer may read
    dimensions = models.JSONField(default=list)
    total = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict)
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)  # a computed indicator's
    computed_at = models.DateTimeField()
    refresh_asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("figure kept")

    def __str__(self) -> str:
        return f"{self.indicator} {self.key[:8]} {self.computed_at:%Y-%m-%d %H:%M}"
