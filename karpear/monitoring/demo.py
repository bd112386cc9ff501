"""The demo consortium's figures entered by hand: CWPD's volunteers trained and people at Anti-Human-Trafficking
Day events under SMART (targets 54 and 1,500 in core's demo), entered by a CWPD M&E officer through the service."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.utils import timezone

from karpear.core.models import Membership, Organisation, Programme, SubGrant, Team, User
from karpear.core.registry import DemoContext, DemoLogin
from karpear.core.roles import Role
from karpear.monitoring import services
from karpear.monitoring.models import ManualValue


def load(context: DemoContext) -> None:
    cwpd = Organisation.objects.filter(short_name="cwpd").first()
    programme = Programme.objects.filter(code="smart").first()
    subgrant = SubGrant.objects.filter(reference="SMART-SG-01").first()
    if cwpd is None or programme is None or subgrant is None:
        return
    user, _created = User.objects.get_or_create(username="cwpdme", defaults={"language": "km"})
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    team, _created = Team.objects.get_or_create(organisation=cwpd, name="Team 1")
    Membership.objects.update_or_create(
        user=user, organisation=cwpd, defaults={"role": Role.ME_OFFICER, "team": team, "place_limited": False}
    )
    context.logins.append(DemoLogin("cwpdme", password, "CWPD", str(Role.ME_OFFICER.label), ""))
    if ManualValue.objects.filter(organisation=cwpd).exists():
        return
    year = max(programme.start_date.year, timezone.localdate().year - 1)
    for indicator, value, source, start, end in [
        ("community_volunteers_trained", 38, "Training attendance sheets", dt.date(year, 1, 1), dt.date(year, 3, 31)),
        ("event_participants", 620, "Head count, 12 December event", dt.date(year, 1, 1), dt.date(year, 3, 31)),
        ("event_participants", 410, "Head count, village events", dt.date(year, 4, 1), dt.date(year, 6, 30)),
    ]:
        services.manual_value_record(
            actor=user,
            indicator=indicator,
            programme=programme,
            subgrant=subgrant,
            period_start=start,
            period_end=end,
            value=Decimal(value),
            source=source,
        )
    context.created["monitoring figures entered by hand"] = ManualValue.objects.filter(organisation=cwpd).count()
