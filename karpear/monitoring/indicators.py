"""Indicators counted from core's own records (people, households). Core names no indicator itself, so monitoring
declares these; each module declares its own in its `indicators.py`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from karpear.core.indicators import SELF, Indicator, Records, declare
from karpear.core.models import Household, Person

PEOPLE_REGISTERED = declare(
    Indicator(
        code="people_registered",
        name=_("People registered"),
        definition=_("People registered by the organisation in the period (each person once)."),
        unit="people",
        app_label="monitoring",
        records=Records(
            queryset=lambda: Person.objects.all(),
            date="created_at__date",
            person=SELF,
            province="province",
        ),
    )
)

HOUSEHOLDS_REGISTERED = declare(
    Indicator(
        code="households_registered",
        name=_("Households registered"),
        definition=_("Households registered by the organisation in the period."),
        unit="households",
        app_label="monitoring",
        records=Records(
            queryset=lambda: Household.objects.all(),
            date="created_at__date",
            province="province",
        ),
    )
)
