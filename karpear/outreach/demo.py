"""The outreach part of the demo consortium: CCPCR's hotline receives the portal's help requests (its default
desk), a few local contacts in Prey Veng's Preah Sdach district (where ICC works, `000_*.txt`), and three help
requests sent through the service, one of them already triaged by the demo hotline officer. CCPCR's help desk
also holds two grievances (one raised to province level and resolved, one open at the commune); CARE (SMART,
`004_*.txt`) has a field officer login `carefield`, the demo volunteer's record and activity log, a commune
workshop and the Anti-Trafficking Day event in Prey Veng; CWPD, SMART's sub-grantee (`004_*.txt`: the 54 volunteers are
"trained by CARE Cambodia and its partner CWPD", 1,500 people at the events of two provinces), has a field officer
`cwpdfield`, four volunteers it trained in Kampong Cham and that province's event (600 people), so that SMART's
targets on CWPD's sub-grant show progress counted from CWPD's own records."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from typing import Any

from django.utils import timezone

from karpear.core.models import Commune, Membership, Organisation, Team, User
from karpear.core.registry import DemoContext, DemoLogin
from karpear.core.roles import Role
from karpear.core.services import PlaceChoice
from karpear.outreach import services
from karpear.outreach.models import Activity, Grievance, GrievanceStep, HelpContact, HelpDesk, HelpRequest

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

    if hotline is not None and commune is not None:
        _grievances(hotline, made[2].request, commune, today)
    _care(context, today)
    _cwpd(context, today)


def _grievances(hotline: User, request: HelpRequest, commune: Commune, today: dt.date) -> None:
    place = PlaceChoice(province=commune.district.province, district=commune.district, commune=commune)
    resolved = services.grievance_record(
        actor=hotline,
        data=services.GrievanceInput(
            received_on=today - dt.timedelta(days=75),
            about=Grievance.About.FAMILY,
            description="ឈ្មួញកណ្ដាលក្នុងភូមិរក្សាទុកលិខិតឆ្លងដែនបី និងប្រាក់ឈ្នួលពីរខែ។",
            kinds=[Grievance.Kind.DOCUMENTS, Grievance.Kind.WAGES],
            place=place,
            complainant="សុខ ចាន់ធា",
            phone="097 000 201",
            country="TH",
            employer="A construction subcontractor in Chonburi",
            documents_kept=3,
            root_causes=["debt", "broker_in_village"],
            channel="ccwc",
        ),
    )
    for level, whom, days in (
        (Grievance.Level.COMMUNE, "ក្រុមប្រឹក្សាឃុំ", 70),
        (Grievance.Level.DISTRICT, "ការិយាល័យការងារស្រុក", 55),
        (Grievance.Level.PROVINCE, "មន្ទីរការងារ និងបណ្ដុះបណ្ដាលវិជ្ជាជីវៈខេត្ត", 40),
    ):
        step = services.grievance_raise(
            actor=hotline, grievance=resolved, level=level, raised_with=whom, raised_on=today - dt.timedelta(days=days)
        )
    services.grievance_step_answer(
        actor=hotline,
        step=GrievanceStep.objects.get(pk=step.pk),
        response="The department summoned the broker.",
        responded_on=today - dt.timedelta(days=30),
    )
    services.grievance_close(
        actor=hotline,
        grievance=resolved,
        resolved=True,
        resolution="The broker gave back the three passports; the wages are still owed.",
        closed_on=today - dt.timedelta(days=20),
        documents_returned=3,
    )
    services.grievance_outcome_told(
        actor=hotline, grievance=resolved, told_on=today - dt.timedelta(days=18), how="Home visit with the CCWC"
    )
    services.grievance_record(
        actor=hotline,
        data=services.GrievanceInput(
            received_on=today - dt.timedelta(days=3),
            about=Grievance.About.WORKER,
            description=request.message,
            kinds=[Grievance.Kind.WAGES],
            place=place,
            country="TH",
            channel="portal",
            root_causes=["no_local_jobs"],
        ),
        help_request=request,
    )


CARE_FIELD = "carefield"


def _care(context: DemoContext, today: dt.date) -> None:
    care = Organisation.objects.filter(short_name="care").first()
    volunteer_user = User.objects.filter(username="volunteer", memberships__organisation=care).first()
    if care is None:
        return
    officer, _created = User.objects.get_or_create(username=CARE_FIELD, defaults={"language": "km"})
    password = secrets.token_urlsafe(9)
    officer.set_password(password)
    officer.save()
    team, _ = Team.objects.get_or_create(organisation=care, name="Team 1")
    Membership.objects.update_or_create(
        user=officer, organisation=care, defaults={"role": Role.FIELD_OFFICER, "team": team}
    )
    context.logins.append(DemoLogin(CARE_FIELD, password, "CARE", str(Role.FIELD_OFFICER.label), ""))
    membership = Membership.objects.filter(user=volunteer_user, organisation=care).first() if volunteer_user else None
    communes = list(membership.communes.select_related("district__province")) if membership else []
    commune = communes[0] if communes else Commune.objects.filter(district__province_id="14").order_by("code").first()
    if commune is None:
        return
    place = PlaceChoice(province=commune.district.province, district=commune.district, commune=commune)
    volunteer = services.volunteer_save(
        actor=officer,
        data=services.VolunteerInput(
            name="ស្រី លក្ខណា",
            sex="f",
            recruited_on=today - dt.timedelta(days=400),
            trained_on=today - dt.timedelta(days=380),
            communes=[commune],
            username=volunteer_user.get_username() if volunteer_user and membership else "",
        ),
    )
    for i, name in enumerate(("ចាន់ ដារា", "ម៉ៅ សុភ័ក្ត្រ")):
        services.volunteer_save(
            actor=officer,
            data=services.VolunteerInput(
                name=name,
                sex="m" if i == 0 else "f",
                recruited_on=today - dt.timedelta(days=390),
                trained_on=today - dt.timedelta(days=380),
                communes=[commune],
            ),
        )
    sessions: list[tuple[str, int, dict[str, Any]]] = [
        (Activity.Kind.SESSION, 60, {"female_adults": 14, "male_adults": 9, "female_children": 4, "male_children": 3}),
        (Activity.Kind.SESSION, 30, {"female_adults": 11, "male_adults": 6, "female_children": 2, "male_children": 1}),
        (
            Activity.Kind.VISITS,
            20,
            {"households_visited": 12, "female_adults": 10, "male_adults": 5, "cases_referred": 1},
        ),
    ]
    for kind, days, counts in sessions:
        data = services.ActivityInput(
            kind=kind,
            held_on=today - dt.timedelta(days=days),
            place=place,
            topics=["safe_migration", "passport", "deception"],
            channels=["commune_council", "ccwc"],
            root_causes=["debt", "no_local_jobs"],
            volunteer=volunteer,
            grievances_referred=1 if kind == Activity.Kind.VISITS else 0,
        )
        services.activity_record(actor=officer, data=dataclasses.replace(data, **counts))
    services.activity_record(
        actor=officer,
        data=services.ActivityInput(
            kind=Activity.Kind.WORKSHOP,
            title="Safe migration and the commune's role",
            held_on=today - dt.timedelta(days=45),
            place=place,
            topics=["safe_migration", "reporting", "rights"],
            female_adults=10,
            male_adults=8,
            channels=["commune_council", "vdc", "ccwc", "religious_leader"],
            root_causes=["debt", "landlessness", "broker_in_village"],
        ),
    )
    services.activity_record(
        actor=officer,
        data=services.ActivityInput(
            kind=Activity.Kind.EVENT,
            title="Anti-Trafficking Day parade",
            held_on=today - dt.timedelta(days=10),
            place=PlaceChoice(province=commune.district.province),
            topics=["safe_migration", "contracts"],
            partners="ILO, Children and Life Association, Phnom Srey, Winrock International",
            female_children=210,
            male_children=190,
            female_adults=260,
            male_adults=140,
            participants=900,
        ),
    )
    context.created["outreach_activities"] = Activity.objects.filter(organisation=care).count()


CWPD_FIELD = "cwpdfield"


def _cwpd(context: DemoContext, today: dt.date) -> None:
    cwpd = Organisation.objects.filter(short_name="cwpd").first()
    commune = (
        Commune.objects.filter(district__province_id="03").select_related("district__province").order_by("code").first()
        or Commune.objects.filter(district__province_id="14")
        .select_related("district__province")
        .order_by("code")
        .first()
    )
    if cwpd is None or commune is None:
        return
    officer, _created = User.objects.get_or_create(username=CWPD_FIELD, defaults={"language": "km"})
    password = secrets.token_urlsafe(9)
    officer.set_password(password)
    officer.save()
    team, _ = Team.objects.get_or_create(organisation=cwpd, name="Team 1")
    Membership.objects.update_or_create(
        user=officer, organisation=cwpd, defaults={"role": Role.FIELD_OFFICER, "team": team}
    )
    context.logins.append(DemoLogin(CWPD_FIELD, password, "CWPD", str(Role.FIELD_OFFICER.label), ""))
    for i, (name, sex) in enumerate((("សុខ ស្រីនាង", "f"), ("ហេង វណ្ណា", "m"), ("ឃឹម សុផល", "f"), ("ពៅ ចន្ថា", "f"))):
        services.volunteer_save(
            actor=officer,
            data=services.VolunteerInput(
                name=name,
                sex=sex,
                recruited_on=today - dt.timedelta(days=300 + i),
                trained_on=today - dt.timedelta(days=280),
                communes=[commune],
            ),
        )
    services.activity_record(
        actor=officer,
        data=services.ActivityInput(
            kind=Activity.Kind.EVENT,
            title="Anti-Trafficking Day event, Kampong Cham",
            held_on=today - dt.timedelta(days=11),
            place=PlaceChoice(province=commune.district.province),
            topics=["safe_migration", "contracts"],
            partners="CARE Cambodia, ILO, Children and Life Association, Phnom Srey, Winrock International",
            female_children=150,
            male_children=130,
            female_adults=190,
            male_adults=130,
            participants=600,
        ),
    )
