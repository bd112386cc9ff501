"""The demo's monitoring logins: M&E officers of CARE (which leads SMART, so it follows the whole consortium) and
of CWPD (SMART's sub-grantee). SMART's volunteers trained and people at events are counted from outreach's
records now (CARE's volunteers and Anti-Human-Trafficking Day parade in the outreach demo); nothing is entered by
hand."""

from __future__ import annotations

import secrets

from karpear.core.models import Membership, Organisation, Team, User
from karpear.core.registry import DemoContext, DemoLogin
from karpear.core.roles import Role


def _officer(context: DemoContext, username: str, organisation: Organisation, label: str) -> None:
    user, _created = User.objects.get_or_create(username=username, defaults={"language": "km"})
    password = secrets.token_urlsafe(9)
    user.set_password(password)
    user.save()
    team, _created = Team.objects.get_or_create(organisation=organisation, name="Team 1")
    Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": Role.ME_OFFICER, "team": team, "place_limited": False}
    )
    context.logins.append(DemoLogin(username, password, label, str(Role.ME_OFFICER.label), ""))


def load(context: DemoContext) -> None:
    for username, short, label in (("careme", "care", "CARE"), ("cwpdme", "cwpd", "CWPD")):
        organisation = Organisation.objects.filter(short_name=short).first()
        if organisation is not None:
            _officer(context, username, organisation, label)
