"""What the livelihoods demo's loaders share: the savings groups' constitution (monthly meetings of 5,000-riel
shares, 5 % a month, 500 riel to the social fund; a cycle of 48 weeks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from karpear.livelihoods import services


def monthly_constitution(started_on: dt.date) -> services.ConstitutionInput:
    return services.ConstitutionInput(
        started_on=started_on,
        planned_end_on=started_on + dt.timedelta(weeks=48),
        share_price=Decimal(5000),
        charge_rate=Decimal(5),
        social_fund_contribution=Decimal(500),
        meeting_every_days=28,
    )
