"""What monitoring may count of protection (docs/writing-a-module.md): cases opened and screenings done, by the
survivor's sex, age group and province. Protection cases name no programme: a programme counts those of the
organisations taking part in it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from karpear.core.indicators import Indicator, Records, declare
from karpear.protection.models import ProtectionCase, Screening

PROTECTION_CASES_OPENED = declare(
    Indicator(
        code="protection_cases_opened",
        name=_("Protection cases opened"),
        definition=_("Survivors received (arrival date in the period), each case once."),
        unit="cases",
        app_label="protection",
        records=Records(
            queryset=lambda: ProtectionCase.objects.all(),
            date="arrived_on",
            province="person__province",
            person="person",
        ),
        drilldown="protection:case_detail",
    )
)

SURVIVORS_SCREENED = declare(
    Indicator(
        code="survivors_screened",
        name=_("Survivors screened"),
        definition=_("People screened against the trafficking indicators in the period (each person once)."),
        unit="people",
        app_label="protection",
        records=Records(
            queryset=lambda: Screening.objects.all(),
            date="screened_on",
            distinct="person",
            province="person__province",
            person="person",
        ),
    )
)
