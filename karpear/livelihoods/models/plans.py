"""A group's long-term business plan (CEDAC): what it plans to do, invest, earn and spend in each of three years,
compared each quarter with its books."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.models import OrgOwned
from karpear.livelihoods.models.groups import Group

YEARS = 3


class BusinessPlan(OrgOwned):
    """One plan per group, changed as the group revises it (each change is audited)."""

    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="business_plan")
    starts_on = models.DateField(_("first day of the plan"))
    activities = models.TextField(_("activities"), max_length=2000)
    funding_sources = models.TextField(_("funding sources"), max_length=1000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("business plan")

    def __str__(self) -> str:
        return f"business plan of {self.group_id}"


class BusinessPlanYear(OrgOwned):
    plan = models.ForeignKey(BusinessPlan, on_delete=models.CASCADE, related_name="years")
    number = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1), MaxValueValidator(YEARS)])
    investment = models.DecimalField(_("investment"), max_digits=14, decimal_places=2)
    income = models.DecimalField(_("expected income"), max_digits=14, decimal_places=2)
    costs = models.DecimalField(_("expected costs"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="liv_plan_year_once"),
            models.CheckConstraint(
                condition=Q(investment__gte=0, income__gte=0, costs__gte=0), name="liv_plan_year_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"year {self.number} of {self.plan_id}"
