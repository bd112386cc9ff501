"""The demo's intakes of people a partner referred to CCPCR (arrivals.py): CCPCR's caseworker registers the
intake of each person referred and assigned to them (in the demo: the client ADHOC brought home from Malaysia,
justice's demo), from what the referral shares, through the same service as the page. Loaded once."""

from __future__ import annotations

from django.utils import timezone

from karpear.core import services as core_services
from karpear.core.models import User
from karpear.core.registry import DemoContext
from karpear.protection import arrivals, services
from karpear.protection.models import TransitCentre


def load(context: DemoContext) -> None:
    caseworker = User.objects.filter(username="caseworker").first()
    if caseworker is None:
        return
    # What justice's demo says of the repatriation (its country and arrival day), if it ran.
    home: dict[str, object] = context.data.get("repatriation_arrival", {})
    registered = 0
    for referral in arrivals.referrals_awaiting_intake(user=caseworker).filter(assigned_to=caseworker):
        start = arrivals.intake_initial(user=caseworker, referral=referral)
        arrivals.intake_from_referral(
            actor=caseworker,
            referral=referral,
            person=core_services.PersonInput(
                sex=start["sex"],
                birth_year=start["birth_year"],
                name_km=start.get("name_km", ""),
                name_latin=start.get("name_latin", ""),
                phone=start.get("phone", ""),
            ),
            intake=services.IntakeInput(
                transit_centre=TransitCentre.OTHER,
                arrived_on=home.get("arrived_on") or timezone.localdate(),  # type: ignore[arg-type]
                origin_country=str(home.get("country") or "TH"),
                return_type=start["return_type"],
                handed_over_by=start["handed_over_by"],
                handed_over_detail=start["handed_over_detail"],
            ),
            rights=services.RightsInput(acknowledged_by="person"),
            consents=[services.ConsentInput("case_management", True, "The person")],
        )
        registered += 1
    context.created["protection_referred_intakes"] = registered
