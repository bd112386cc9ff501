"""The outreach part of the demo consortium: CCPCR's hotline receives the portal's help requests (its default
desk), a few local contacts in Prey Veng's Preah Sdach district (where ICC works, `000_*.txt`), and three help
requests sent through the service, one of them already triaged by the demo hotline officer."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from karpear.core.models import Commune, Organisation, User
from karpear.core.registry import DemoContext
from karpear.outreach import services
from karpear.outreach.models import HelpContact, HelpDesk, HelpRequest

DEMO_SOURCE = "Demo data: not a real contact"


def load(context: DemoContext) -> None:
    ccpcr = Organisation.objects.filter(short_name="ccpcr").first()
    if ccpcr is None or HelpDesk.objects.filter(organisation=ccpcr).exists():
        return
    HelpDesk.objects.create(organisation=ccpcr, is_default=True)
    today = timezone.localdate()
    commune = Commune.objects.filter(district__province_id="14").order_by("code").first()
    if commune is not None:
        for kind, name_km, name_en, phone in (
            (HelpContact.Kind.COMMUNE_COUNCIL, "ក្រុមប្រឹក្សាឃុំ", "Commune council", "012 000 101"),
            (HelpContact.Kind.CCWC, "គ.ក.ន.ក ឃុំ", "CCWC of the commune", "012 000 102"),
            (HelpContact.Kind.RELIGIOUS_LEADER, "ព្រះចៅអធិការវត្ត", "Abbot of the pagoda", "012 000 103"),
        ):
            HelpContact.objects.create(
                kind=kind,
                name_km=f"{name_km} {commune.name_km}",
                name_en=f"{name_en}, {commune.name_en}",
                phone=phone,
                hours_km="ច័ន្ទ–សុក្រ ៧:៣០–១៧:០០",
                hours_en="Mon–Fri 7:30–17:00",
                province_id=commune.province_id,
                district_id=commune.district_id,
                commune=commune,
                source=DEMO_SOURCE,
                last_verified=today,
            )
        HelpContact.objects.create(
            kind=HelpContact.Kind.POLICE,
            name_km="ស្នងការដ្ឋាននគរបាលខេត្ត",
            name_en="Provincial police commissariat",
            phone="012 000 104",
            hours_km="២៤ ម៉ោង",
            hours_en="24 hours",
            province_id=commune.province_id,
            source=DEMO_SOURCE,
            last_verified=today,
        )
    requests = [
        services.HelpRequestInput(
            about=HelpRequest.About.RELATIVE,
            message="កូនស្រីខ្ញុំទៅធ្វើការនៅថៃ តាមមេខ្យល់ក្នុងភូមិ។ គេយកលិខិតឆ្លងដែនរបស់នាង ហើយនាងមិនបានទូរស័ព្ទមកពីរខែហើយ។",
            anonymous=False,
            name="ចាន់ សុភា",
            phone="012 345 678",
            country="TH",
            city="Rayong",
            employer="A fishing company, name unknown",
            last_heard=today - dt.timedelta(days=60),
        ),
        services.HelpRequestInput(
            about=HelpRequest.About.MYSELF,
            message="A recruiter asks me for 500 dollars to go to Malaysia. Is it legal?",
        ),
        services.HelpRequestInput(
            about=HelpRequest.About.MYSELF,
            message="I came back from Thailand and the employer did not pay my last three months.",
        ),
    ]
    made = [
        services.help_request_submit(key=f"demo-help-request-{context.seed}-{i}", data=data)
        for i, data in enumerate(requests)
    ]
    hotline = User.objects.filter(username="hotline").first()
    if hotline is not None:
        services.help_request_triage(
            actor=hotline,
            request=made[1].request,
            outcome=HelpRequest.Outcome.INFORMATION,
            note="Told the caller that recruitment fees must follow the official list and gave the hotline numbers.",
        )
    context.created["outreach_help_requests"] = len(made)
