"""What monitoring may count of legal aid (docs/writing-a-module.md; context: ADHOC's legal aid under CTIP): legal
cases opened, hearings, judgments and convictions, compensation ordered and received, victims brought home, and —
entered by hand until the module records them — research and case studies published. Legal cases name no
programme: a programme counts those of the organisations taking part in it."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from karpear.core.indicators import Indicator, Records, Scope, declare
from karpear.core.models import Currency, User
from karpear.justice.models import Hearing, LegalCase, Repatriation, RepatriationStatus, Verdict, VerdictOutcome

LEGAL_CASES_OPENED = declare(
    Indicator(
        code="legal_cases_opened",
        name=_("Legal cases opened"),
        definition=_("Legal-aid cases opened in the period (date opened), each case once."),
        unit="cases",
        app_label="justice",
        records=Records(
            queryset=lambda: LegalCase.objects.all(),
            date="opened_on",
            province="client__province",
            person="client",
        ),
        drilldown="justice:case_detail",
    )
)

HEARINGS_HELD = declare(
    Indicator(
        code="court_hearings_held",
        name=_("Court hearings with legal aid"),
        definition=_("Hearings held in the period in the organisation's legal cases, at any court."),
        unit="count",
        app_label="justice",
        records=Records(
            queryset=lambda: Hearing.objects.all(),
            date="held_on",
            province="case__client__province",
            person="case__client",
        ),
    )
)

JUDGMENTS = declare(
    Indicator(
        code="judgments_delivered",
        name=_("Judgments delivered"),
        definition=_("Judgments given in the period in the organisation's legal cases, at any court."),
        unit="count",
        app_label="justice",
        records=Records(
            queryset=lambda: Verdict.objects.all(),
            date="decided_on",
            province="case__client__province",
            person="case__client",
        ),
    )
)

CONVICTIONS = declare(
    Indicator(
        code="legal_cases_convicted",
        name=_("Cases with a conviction"),
        definition=_("Legal cases with a judgment convicting the accused given in the period, each case once."),
        unit="cases",
        app_label="justice",
        records=Records(
            queryset=lambda: Verdict.objects.filter(outcome=VerdictOutcome.CONVICTED),
            date="decided_on",
            distinct="case",
            province="case__client__province",
            person="case__client",
        ),
    )
)

VICTIMS_REPATRIATED = declare(
    Indicator(
        code="victims_repatriated",
        name=_("Victims brought home"),
        definition=_("People of the repatriation requests that arrived home in the period, added up."),
        unit="people",
        app_label="justice",
        records=Records(
            queryset=lambda: Repatriation.objects.filter(status=RepatriationStatus.ARRIVED, arrived_on__isnull=False),
            date="arrived_on",
            summed="persons",
        ),
    )
)


def _compensation(field: str) -> Callable[[User, Scope], Decimal | None]:
    """The compensation in US dollars in the judgments given in the scope (judgments in riel are not converted)."""

    def compute(user: User, scope: Scope) -> Decimal | None:
        verdicts = Verdict.objects.filter(currency=Currency.USD)
        if scope.organisations is not None:
            verdicts = verdicts.filter(organisation_id__in=scope.organisations)
        if scope.start:
            verdicts = verdicts.filter(decided_on__gte=scope.start)
        if scope.end:
            verdicts = verdicts.filter(decided_on__lte=scope.end)
        summed = verdicts.aggregate(total=Sum(field))["total"]
        return Decimal(0) if summed is None else Decimal(summed)

    return compute


COMPENSATION_ORDERED = declare(
    Indicator(
        code="compensation_ordered_usd",
        name=_("Compensation ordered (USD)"),
        definition=_(
            "Compensation the courts ordered for the clients in judgments given in the period, in US dollars."
        ),
        unit="USD",
        app_label="justice",
        compute=_compensation("compensation_ordered"),
    )
)

COMPENSATION_RECEIVED = declare(
    Indicator(
        code="compensation_received_usd",
        name=_("Compensation received (USD)"),
        definition=_("Compensation the clients received on judgments given in the period, in US dollars."),
        unit="USD",
        app_label="justice",
        compute=_compensation("compensation_received"),
    )
)

PUBLICATIONS = declare(
    Indicator(
        code="research_and_case_studies_published",
        name=_("Research and case studies published"),
        definition=_("Entered by hand from the publications list: research papers and case studies published."),
        unit="count",
        app_label="justice",
        manual=True,
    )
)
