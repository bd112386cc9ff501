"""Protection records: a survivor's case from the transit centre on (issue 11).

A case belongs to a `core.Person`; what identifies the person stays in `core.Identity`, behind view_identity
and the audit. Rules about these records live in services.py (writes), selectors.py (reads) and, for who may
do what, in declarations.py (core.access).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from karpear.core.models import PREFIX_OPS, BaseModel, OrgOwned


class TransitCentre(models.TextChoices):
    """Where returnees are received. CCPCR runs the Koh Kong and Svay Rieng centres (context/002); Poipet is
    the government's centre on the Thai border."""

    KOH_KONG = "koh_kong", _("Koh Kong transit centre")
    SVAY_RIENG = "svay_rieng", _("Svay Rieng transit centre")
    POIPET = "poipet", _("Poipet transit centre")
    OTHER = "other", _("Other place of reception")


class ReturnType(models.TextChoices):
    DEPORTED = "deported", _("Deported")
    RESCUED = "rescued", _("Rescued")
    SELF_RETURNED = "self_returned", _("Returned on their own")


class HandedOverBy(models.TextChoices):
    """The authority (or other) that handed the person over to the transit centre."""

    FOREIGN_IMMIGRATION = "foreign_immigration", _("Immigration authorities of the destination country")
    FOREIGN_POLICE = "foreign_police", _("Police of the destination country")
    CAMBODIAN_IMMIGRATION = "cambodian_immigration", _("Cambodian immigration police")
    CAMBODIAN_POLICE = "cambodian_police", _("Cambodian police")
    EMBASSY = "embassy", _("Cambodian embassy or consulate")
    SOCIAL_AFFAIRS = "social_affairs", _("Department of social affairs")
    NGO = "ngo", _("NGO or international organisation")
    NOBODY = "nobody", _("Nobody: came on their own")
    OTHER = "other", _("Other")


class EmployerType(models.TextChoices):
    COMPANY = "company", _("Company or factory")
    BROKER = "broker", _("Broker or recruitment agency")
    HOUSEHOLD = "household", _("Private household")
    BOAT = "boat", _("Fishing boat")
    CRIMINAL_GROUP = "criminal_group", _("Compound run by a criminal group")
    INDIVIDUAL = "individual", _("Individual employer")
    NONE = "none", _("No employer")
    UNKNOWN = "unknown", _("Unknown")


class Industry(models.TextChoices):
    """ISIC sections, as HTCDS v2.0 names the industry of forced labour (data/htcds); the codes are ISIC's."""

    A = "A", _("Agriculture, forestry and fishing")
    B = "B", _("Mining and quarrying")
    C = "C", _("Manufacturing")
    F = "F", _("Construction")
    G = "G", _("Wholesale and retail trade")
    H = "H", _("Transportation and storage")
    I = "I", _("Accommodation and food service activities")  # noqa: E741  # the ISIC letter
    J = "J", _("Information and communication")
    R = "R", _("Arts, entertainment and recreation")
    S = "S", _("Other service activities")
    T = "T", _("Domestic work in private households")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class CaseStatus(models.TextChoices):
    """HTCDS v2.0 case status (Active / FollowUp / Closed / ClosedReferred)."""

    ACTIVE = "active", _("Active")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")
    CLOSED_REFERRED = "closed_referred", _("Closed: referred")


class IdentificationStatus(models.TextChoices):
    """Where the case stands in identification (DOMAIN §1): the transit centre screens (possible or presumed
    victim, or not identified), an authorised body identifies formally (a victim, or not a victim)."""

    NOT_SCREENED = "not_screened", _("Not screened yet")
    POSSIBLE = "possible", _("Possible victim")
    PRESUMED = "presumed", _("Presumed victim")
    NOT_IDENTIFIED = "not_identified", _("Not identified as a victim")
    IDENTIFIED = "identified", _("Identified as a victim")
    NOT_A_VICTIM = "not_a_victim", _("Not a victim")


class AcknowledgedBy(models.TextChoices):
    PERSON = "person", _("The person")
    GUARDIAN = "guardian", _("Their parent or guardian")


class CaseSequence(models.Model):
    """The last protection case number issued per organisation and year; locked while the next one is taken
    (services.py, lock order step 2)."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="protection_caseseq_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"


class GroupArrival(OrgOwned):
    """People who arrived together (a group of deportees), registered from one screen in one transaction.

    `submission` comes from the form's one-time key: a second post of the same screen finds this row and saves
    nothing, even after the key's own record has expired (core.idempotency)."""

    submission = models.UUIDField(editable=False)
    transit_centre = models.CharField(_("transit centre"), max_length=20, choices=TransitCentre.choices)
    arrived_on = models.DateField(_("arrival date"))
    size = models.PositiveSmallIntegerField(_("number of people"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-arrived_on", "-id"]
        verbose_name = _("group arrival")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "submission"], name="protection_group_once"),
        ]

    def __str__(self) -> str:
        return f"{self.arrived_on} {self.transit_centre} ({self.size})"


class ProtectionCase(OrgOwned):
    """One survivor's protection case, numbered per organisation and year (`CCPCR-P-2026-00123`)."""

    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="protection_cases")
    number = models.CharField(_("case number"), max_length=40)
    group = models.ForeignKey(
        GroupArrival, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("group")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("caseworker"),
    )
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    transit_centre = models.CharField(_("transit centre"), max_length=20, choices=TransitCentre.choices)
    arrived_on = models.DateField(_("arrival date"))
    # Where they came from: ISO 3166-1 alpha-2 (core.countries), and the province or town there as typed.
    origin_country = models.CharField(_("country they came from"), max_length=2)
    origin_place = models.CharField(_("province or town there"), max_length=100, blank=True)
    employer_type = models.CharField(_("employer"), max_length=20, choices=EmployerType.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=10, choices=Industry.choices, blank=True)
    return_type = models.CharField(_("how they returned"), max_length=20, choices=ReturnType.choices)
    handed_over_by = models.CharField(_("handed over by"), max_length=30, choices=HandedOverBy.choices)
    handed_over_detail = models.CharField(_("which office"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    identification = models.CharField(
        _("identification"),
        max_length=20,
        choices=IdentificationStatus.choices,
        default=IdentificationStatus.NOT_SCREENED,
    )
    # The rights notice (DOMAIN §1), shown in Khmer and English and acknowledged.
    rights_acknowledged_on = models.DateField(_("rights notice acknowledged on"), null=True, blank=True)
    rights_acknowledged_by = models.CharField(
        _("acknowledged by"), max_length=10, choices=AcknowledgedBy.choices, blank=True
    )
    rights_explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The MoSVY lifecycle (item 5): the stage, the return home that starts the follow-up, the next visit due
    # (kept by services.py, so work lists count with one query), and the closure asked for and approved.
    stage = models.CharField(_("stage"), max_length=20, default="pre_integration")
    returned_on = models.DateField(_("returned home on"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    closure_reason = models.CharField(_("reason for closure"), max_length=20, blank=True)
    closure_note = models.CharField(_("note"), max_length=500, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closure_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # The accepted referral the intake was registered from (arrivals a partner handed over: a repatriation
    # ADHOC organised), if any: the sender is told of the intake through core (arrivals.referral_records).
    referral = models.ForeignKey(
        "core.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("referral")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("protection case")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="protection_case_unique_number"),
            models.UniqueConstraint(
                fields=["referral"], condition=Q(referral__isnull=False), name="protection_case_one_per_referral"
            ),
            models.CheckConstraint(
                condition=Q(rights_acknowledged_on__isnull=True) | ~Q(rights_acknowledged_by=""),
                name="protection_case_rights_by_whom",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at", "-id"], name="protection_case_org_recent"),
            models.Index(fields=["assigned_to", "status"], name="protection_case_assigned"),
            models.Index(fields=["organisation", "next_follow_up_on"], name="protection_case_next_visit"),
            # The lists at 1M cases (bench/protection.py; docs/protection.md, "Scale"). A caseworker's own cases,
            # newest first (`?mine=1`, the work list `mine`): read in the list's order, no sort of all of them.
            models.Index(fields=["assigned_to", "-created_at", "-id"], name="protection_case_mine_recent"),
            # Their open cases by next visit (work lists `overdue` and `week`): a range, then the page sorted.
            models.Index(
                fields=["assigned_to", "next_follow_up_on"],
                condition=Q(status__in=["active", "follow_up"], next_follow_up_on__isnull=False),
                name="protection_case_mine_due",
            ),
            # Their open cases not screened yet, newest first (work list `unscreened`): few once screening is done,
            # so the list reads them without walking every case of the caseworker.
            models.Index(
                fields=["assigned_to", "-created_at", "-id"],
                condition=Q(status__in=["active", "follow_up"], identification="not_screened"),
                name="protection_case_unscreened",
            ),
            # The search by the start of a case number (LIKE 'CCPCR-P-2026-001%'): the unique constraint's index
            # has the default operator class, which PostgreSQL cannot use for LIKE outside the C collation.
            models.Index(fields=["organisation", "number"], name="protection_case_org_number", opclasses=PREFIX_OPS),
            # Counts by arrival date (monitoring's indicators and exports count cases arrived in a period).
            models.Index(fields=["organisation", "arrived_on"], name="protection_case_org_arrived"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)


# ---------------------------------------------------------------- screening and identification (DOMAIN §1)
class IndicatorList(models.TextChoices):
    """The ILO–EC lists (2009) differ for adults and children and for labour and sexual exploitation; the
    forced-criminality set (scam compounds, after UNODC's key indicators) is an extension added to either
    labour list."""

    ADULT_LABOUR = "adult_labour", _("Adult, labour exploitation")
    CHILD_LABOUR = "child_labour", _("Child, labour exploitation")
    ADULT_SEXUAL = "adult_sexual", _("Adult, sexual exploitation")
    CHILD_SEXUAL = "child_sexual", _("Child, sexual exploitation")
    FORCED_CRIMINALITY = "forced_criminality", _("Forced criminality (scam compounds): extension")


SCREENING_LISTS = (
    IndicatorList.ADULT_LABOUR,
    IndicatorList.CHILD_LABOUR,
    IndicatorList.ADULT_SEXUAL,
    IndicatorList.CHILD_SEXUAL,
)
CHILD_LISTS = (IndicatorList.CHILD_LABOUR, IndicatorList.CHILD_SEXUAL)


class Dimension(models.TextChoices):
    DECEPTIVE_RECRUITMENT = "deceptive_recruitment", _("Deceptive recruitment")
    COERCIVE_RECRUITMENT = "coercive_recruitment", _("Coercive recruitment")
    RECRUITMENT_ABUSE_OF_VULNERABILITY = (
        "recruitment_abuse_of_vulnerability",
        _("Recruitment by abuse of vulnerability"),
    )
    EXPLOITATIVE_CONDITIONS = "exploitative_conditions", _("Exploitative conditions of work")
    COERCION_AT_DESTINATION = "coercion_at_destination", _("Coercion at destination")
    ABUSE_OF_VULNERABILITY_AT_DESTINATION = (
        "abuse_of_vulnerability_at_destination",
        _("Abuse of vulnerability at destination"),
    )


class Strength(models.TextChoices):
    STRONG = "strong", _("Strong")
    MEDIUM = "medium", _("Medium")
    WEAK = "weak", _("Weak")


class Indicator(BaseModel):
    """One operational indicator, as data: an administrator corrects a rating, adds one or a whole list in
    the back office, and every change is kept in its history (DOMAIN §1, data/ilo/README.md)."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    list = models.CharField(_("list"), max_length=20, choices=IndicatorList.choices)
    dimension = models.CharField(_("dimension"), max_length=40, choices=Dimension.choices)
    strength = models.CharField(_("strength"), max_length=10, choices=Strength.choices)
    text_en = models.CharField(_("English text"), max_length=300)
    text_km = models.CharField(_("Khmer text"), max_length=300)
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(_("checked against the source"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["list", "order", "id"]
        verbose_name = _("trafficking indicator")

    def __str__(self) -> str:
        return self.code


class ScreeningRule(BaseModel):
    """How answers of one list make a suggestion, as data (DOMAIN §1, "(verify)"): when a dimension is
    positive (`thresholds`: [strong, medium, weak] counts, any of which suffices) and which dimensions make a
    presumed victim (`groups`: every group needs one positive dimension; a child list's recruitment group also
    takes the recruitment act itself, asked as its own question)."""

    list = models.CharField(_("list"), max_length=20, choices=IndicatorList.choices, unique=True)
    thresholds = models.JSONField(_("when a dimension is positive"))
    groups = models.JSONField(_("dimensions that make a presumed victim"))
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(_("checked against the source"), default=False)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("screening rule")

    def __str__(self) -> str:
        return self.list


class Screening(OrgOwned):
    """One screening interview of a case: the answers to a list's indicators (with the forced-criminality
    extension or not) and the suggestion they gave when it was saved. A case may be screened again."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="screenings")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    list = models.CharField(_("list"), max_length=20, choices=IndicatorList.choices)
    forced_criminality = models.BooleanField(_("with the forced-criminality indicators"), default=False)
    # Children: were they recruited, transported, transferred, harboured or received (no "means" needed).
    recruited = models.BooleanField(_("recruitment act"), null=True, blank=True)
    screened_on = models.DateField(_("screened on"))
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    suggestion = models.CharField(
        _("suggestion"), max_length=20, choices=IdentificationStatus.choices, blank=True
    )  # empty: no suggestion (answers missing)
    evidence = models.JSONField(default=dict)  # what led to the suggestion, or what is missing (screening.py)

    class Meta:
        ordering = ["-screened_on", "-id"]
        verbose_name = _("screening")

    def __str__(self) -> str:
        return f"{self.case_id} {self.list} {self.screened_on}"


class ScreeningAnswer(models.Model):
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="answers")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["screening", "indicator"], name="protection_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.screening_id}:{self.indicator_id}={self.present}"


class DecidingBody(models.TextChoices):
    """HTCDS v2.0 TraffickingStatusDecisionMakingOrg."""

    POLICE = "police", _("Police")
    NGO = "ngo", _("NGO")
    COURT = "court", _("Court or prosecution")
    GOVERNMENT = "government", _("Government body other than the police")
    OTHER = "other", _("Other")


class Determination(OrgOwned):
    """A human decision on the case's identification status, with who decided it and when: the screening's
    conclusion at the transit centre, or the formal identification by an authorised body. The determinations
    of a case, newest first, are the history of its status changes (`previous` → `status`)."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="determinations")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    screening = models.ForeignKey(Screening, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    previous = models.CharField(_("before"), max_length=20, choices=IdentificationStatus.choices)
    status = models.CharField(_("decision"), max_length=20, choices=IdentificationStatus.choices)
    deciding_body = models.CharField(_("deciding body"), max_length=20, choices=DecidingBody.choices)
    deciding_body_name = models.CharField(_("name of the deciding body"), max_length=150, blank=True)
    decided_on = models.DateField(_("decided on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("determination")
        constraints = [
            models.CheckConstraint(condition=~Q(status="not_screened"), name="protection_determination_status"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.previous} → {self.status}"


# ---------------------------------------------------------------- victim context (HTCDS v2.0, issue 11 item 2)
# The values are HTCDS v2.0's own value names (data/htcds/htcds_fields_v2.0.json), so the standard export writes
# them as they are; the labels are Karpear's words for them.
class RecruitmentMethod(models.TextChoices):
    """HTCDS vic_MethodOfRecruitment."""

    PLACE_OF_BUSINESS = "AtAPlaceOfBusiness", _("At a place of business")
    EDUCATIONAL_INSTITUTION = "AtAnEducationalInstitution", _("At a school or college")
    AT_WORK = "AtWork", _("At work")
    ONLINE_SOCIAL_NETWORKS = "ThroughOnlineSocialNetworks", _("Through online social networks")
    ONLINE_ADVERTISEMENT = "ThroughAnOnlineAdvertisement", _("Through an online advertisement")
    TELEVISION_ADVERT = "ThroughATelevisionAdvert", _("Through a television advertisement")
    NEWSPAPER_ADVERT = "ThroughANewspaperAdvert", _("Through a newspaper advertisement")
    FAMILY = "ThroughFamilyOrFamilyEvents", _("Through family or family events")
    FRIENDS = "ThroughFriendsOrSocialEvents", _("Through friends or social events")
    OTHER = "Other", _("Other")


class TraffickerRelationship(models.TextChoices):
    """HTCDS vic_RelationshipToTrafficker (its spelling of the last value kept)."""

    FAMILIAL = "Familial", _("A family member")
    ACQUAINTED = "Acquainted", _("Someone they knew")
    UNACQUAINTED = "Unaquainted", _("A stranger")


class ControlMethod(models.TextChoices):
    """HTCDS vic_MethodsOfControl."""

    PHYSICAL_THREATS = "PhysicalThreats", _("Threats of violence")
    THREATS_LAW_ENFORCEMENT = "ThreatsLawEnforcement", _("Threats to call the police or immigration")
    THREATENS_FAMILY = "ThreatensChildrenFamily", _("Threats against their children or family")
    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    FALSE_PROMISES = "FalsePromises", _("False promises")
    PHYSICAL_ABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "SexualAbuse", _("Sexual abuse")
    TAKES_EARNINGS = "TakesEarnings", _("Takes their earnings")
    RESTRICTS_FINANCIAL_ACCESS = "RestrictsFinancialAccess", _("Keeps them from their money")
    RESTRICTS_MEDICAL_CARE = "RestrictsMedicalCare", _("Keeps them from medical care")
    WITHHOLDS_NECESSITIES = "WithholdsNecessities", _("Withholds food, water or sleep")
    PSYCHOLOGICAL_ABUSE = "PsychologicalAbuse", _("Psychological abuse")
    PSYCHOACTIVE_SUBSTANCE = "PsychoactiveSubstance", _("Drugs or alcohol forced on them")
    EXCESSIVE_HOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments", _("Keeps their identity documents")
    OTHER = "Other", _("Other")


class ExploitationType(models.TextChoices):
    """HTCDS vic_TypeOfExploitation."""

    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL_EXPLOITATION = "SexualExploitation", _("Sexual exploitation")
    CHILD_LABOUR = "ChildLabour", _("Child labour")
    FORCED_MARRIAGE = "ForcedMarriage", _("Forced marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCED_MILITARY = "ForcedMilitaryByNonStateActors", _("Forced to serve an armed group")
    ORGAN_REMOVAL = "OrganRemoval", _("Organ removal")
    FORCED_BEGGING = "ForcedBegging", _("Forced begging")
    FORCED_ADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Forced surrogacy")
    OTHER = "Other", _("Other")


class TraffickingEventType(models.TextChoices):
    """HTCDS hte_Type: the step of the trafficking an event was."""

    RECRUITMENT = "Recruitment", _("Recruitment")
    TRANSIT = "Transit", _("Transit")
    EXPLOITATION = "Exploitation", _("Exploitation")


class VictimContext(OrgOwned):
    """What happened to the survivor, in HTCDS v2.0's terms (issue 11 item 2): how and by whom they were
    recruited, how they were controlled, the exploitation, where and for how long. One per case, changed on its
    own page; every change kept (history) and audited. Shared by a referral under "Screening"."""

    case = models.OneToOneField(ProtectionCase, on_delete=models.PROTECT, related_name="victim_context")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    recruitment_methods = models.JSONField(_("how they were recruited"), default=list, blank=True)
    relationship_to_trafficker = models.CharField(
        _("who recruited them: relationship to the trafficker"),
        max_length=12,
        choices=TraffickerRelationship.choices,
        blank=True,
    )
    control_methods = models.JSONField(_("how they were controlled"), default=list, blank=True)
    exploitation_types = models.JSONField(_("kinds of exploitation"), default=list, blank=True)
    industry = models.CharField(_("industry"), max_length=10, choices=Industry.choices, blank=True)
    # ISO 3166-1 alpha-2 (core.countries) and the province or town there as typed.
    destination_country = models.CharField(_("destination country"), max_length=2, blank=True)
    destination_place = models.CharField(_("province or town there"), max_length=100, blank=True)
    duration_months = models.PositiveSmallIntegerField(_("how long, in months"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("victim context")

    def __str__(self) -> str:
        return f"{self.case_id} context"


class TraffickingEvent(OrgOwned):
    """One step of the trafficking (HTCDS's TraffickingEvent): recruitment, transit or exploitation, its date,
    and where it went from and to. A place in Cambodia is picked from the gazetteer; abroad, the country and the
    place as typed. An event recorded by mistake is taken off (`removed`), never deleted."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="trafficking_events")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what happened"), max_length=12, choices=TraffickingEventType.choices)
    happened_on = models.DateField(_("date"))
    origin_country = models.CharField(_("country"), max_length=2)
    origin_province = models.ForeignKey(
        "core.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_district = models.ForeignKey(
        "core.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_commune = models.ForeignKey(
        "core.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_village = models.ForeignKey(
        "core.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_place = models.CharField(_("place abroad"), max_length=100, blank=True)
    destination_country = models.CharField(_("country"), max_length=2)
    destination_province = models.ForeignKey(
        "core.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destination_district = models.ForeignKey(
        "core.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destination_commune = models.ForeignKey(
        "core.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destination_village = models.ForeignKey(
        "core.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destination_place = models.CharField(_("place abroad"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["happened_on", "id"]
        verbose_name = _("trafficking event")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.happened_on}"


# ---------------------------------------------------------------- assessment and service plan (issue 11, item 3)
class NeedLevel(models.TextChoices):
    NONE = "none", _("No need")
    SOME = "some", _("Some need")
    URGENT = "urgent", _("Urgent need")


NEED_DOMAINS = (
    ("safety", _("Safety and protection")),
    ("health", _("Health")),
    ("psychosocial", _("Psychosocial support")),
    ("shelter", _("Shelter")),
    ("family", _("Family")),
    ("education", _("Education")),
    ("livelihood", _("Livelihood")),
    ("legal", _("Legal aid")),
)


class NeedsAssessment(OrgOwned):
    """The needs assessment of a case (MoSVY's initial assessment): one level of need per domain and what the
    caseworker saw. A case may be assessed again; the newest is the case's."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="assessments")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    safety = models.CharField(_("Safety and protection"), max_length=10, choices=NeedLevel.choices)
    health = models.CharField(_("Health"), max_length=10, choices=NeedLevel.choices)
    psychosocial = models.CharField(_("Psychosocial support"), max_length=10, choices=NeedLevel.choices)
    shelter = models.CharField(_("Shelter"), max_length=10, choices=NeedLevel.choices)
    family = models.CharField(_("Family"), max_length=10, choices=NeedLevel.choices)
    education = models.CharField(_("Education"), max_length=10, choices=NeedLevel.choices)
    livelihood = models.CharField(_("Livelihood"), max_length=10, choices=NeedLevel.choices)
    legal = models.CharField(_("Legal aid"), max_length=10, choices=NeedLevel.choices)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("needs assessment")

    def __str__(self) -> str:
        return f"{self.case_id} {self.assessed_on}"


class ServiceCategory(models.TextChoices):
    """HTCDS v2.0 support plan types the catalogue's services fall in."""

    BASIC = "basic_needs", _("Basic needs")
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    SHELTER = "shelter", _("Shelter")
    FAMILY = "family", _("Family")
    EDUCATION = "education", _("Education")
    LIVELIHOOD = "livelihood", _("Livelihood")
    FINANCIAL = "financial", _("Financial")
    LEGAL = "legal", _("Legal aid")


class ServiceKind(BaseModel):
    """A service of the catalogue (context/002: what CCPCR provides), as data: an administrator adds or renames
    one in the back office, every change kept. `chain` places it in the reintegration chain (vocational
    training → financial literacy → business grant → business follow-up)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=ServiceCategory.choices)
    name_en = models.CharField(_("English name"), max_length=150)
    name_km = models.CharField(_("Khmer name"), max_length=150)
    duration = models.CharField(_("usual duration"), max_length=60, blank=True)
    chain = models.PositiveSmallIntegerField(_("step of the reintegration chain"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("kind of service")

    def __str__(self) -> str:
        return self.code


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")


class ServicePlan(OrgOwned):
    """The case's service plan (MoSVY form 3): the services planned, approved by a case supervisor. A change
    after approval makes it a draft again, to be approved anew; every step is a `PlanEvent`."""

    case = models.OneToOneField(ProtectionCase, on_delete=models.PROTECT, related_name="plan")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("service plan")
        indexes = [models.Index(fields=["organisation", "status"], name="protection_plan_status")]

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version} {self.status}"


class PlannedService(OrgOwned):
    plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    provider = models.ForeignKey("core.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider_name = models.CharField(_("provider"), max_length=150, blank=True)
    planned_by_date = models.DateField(_("by"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    removed = models.BooleanField(default=False)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["id"]
        verbose_name = _("planned service")

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.kind_id}"


class PlanAction(models.TextChoices):
    ADDED = "added", _("Service added")
    REMOVED = "removed", _("Service removed")
    SUBMITTED = "submitted", _("Sent for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class PlanEvent(OrgOwned):
    """The plan's history: who changed, sent, approved or returned it, when, and the version it made."""

    plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, related_name="events")
    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=PlanAction.choices)
    version = models.PositiveIntegerField()
    detail = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.action}"


class Currency(models.TextChoices):
    KHR = "KHR", _("Riel")
    USD = "USD", _("US dollar")
    THB = "THB", _("Thai baht")
    VND = "VND", _("Vietnamese dong")


class ServiceDelivery(OrgOwned):
    """A service delivered: when, by which organisation, at what cost and with what outcome. `organisation` is
    the case's (the timeline it belongs to); `recorded_by_organisation` is who recorded it — a partner that
    received the case by referral records what it delivered there (`referral`), and it comes back to the
    sender's case. A business grant carries its business type (the livelihoods grant will be linked later)."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="deliveries")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    planned = models.ForeignKey(PlannedService, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.ForeignKey(ServiceKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("service"))
    delivered_on = models.DateField(_("delivered on"))
    provider = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provider organisation"),
    )
    provider_name = models.CharField(_("provider"), max_length=150, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    business_type = models.CharField(_("business type"), max_length=150, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey("core.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("service delivered")
        constraints = [
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | ~Q(currency=""), name="protection_delivery_cost_currency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind_id} {self.delivered_on}"


class CaseEvent(OrgOwned):
    """One line of the case's timeline, written by the service that made it happen (so the case page reads its
    history, however long, with one query). `section` is the referral section the event belongs to: a partner
    reading the case sees the events of the sections shared with it alone. `detail` holds the values the line
    shows (codes, numbers, dates), never a name."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="events")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)
    section = models.CharField(max_length=40)
    happened_on = models.DateField()
    detail = models.JSONField(default=dict)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    by_organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-happened_on", "-id"]
        indexes = [models.Index(fields=["case", "-happened_on", "-id"], name="protection_event_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.happened_on}"


# ---------------------------------------------------------------- placements and reintegration (issue 11, item 5)
class Stage(models.TextChoices):
    """MoSVY's case lifecycle (circular of 26 Dec 2022, DOMAIN §1), each stage with its own steps."""

    PRE_INTEGRATION = "pre_integration", _("Pre-integration")
    INTEGRATION = "integration", _("Integration")
    MONITORING = "monitoring", _("Monitoring with support")
    CLOSURE = "closure", _("Case closure")


STAGE_ORDER = [Stage.PRE_INTEGRATION, Stage.INTEGRATION, Stage.MONITORING, Stage.CLOSURE]


class StageStep(BaseModel):
    """A step a lifecycle stage requires, as data (the circular's paperwork, to verify against its text): an
    administrator corrects the list in the back office, every change kept."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    text_en = models.CharField(_("English text"), max_length=200)
    text_km = models.CharField(_("Khmer text"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("lifecycle step")

    def __str__(self) -> str:
        return self.code


class CompletedStep(OrgOwned):
    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="steps_done")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(StageStep, on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField(_("done on"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="protection_step_once")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.step_id}"


class PlacementKind(models.TextChoices):
    TRANSIT_CENTRE = "transit_centre", _("Transit centre")
    SHELTER = "shelter", _("Shelter")
    COMMUNITY = "community", _("Community-based care")
    FAMILY = "family", _("Family")


class Placement(OrgOwned):
    """Where the survivor stays, from when to when (MoSVY form 4)."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="placements")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("placement"), max_length=20, choices=PlacementKind.choices)
    place_name = models.CharField(_("where"), max_length=150, blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("placement")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="protection_placement_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.started_on}"


class Domain(models.TextChoices):
    """The dimensions of IOM's reintegration sustainability survey (DOMAIN §4)."""

    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")


class SustainabilityIndicator(BaseModel):
    """One of the indicators of the reintegration sustainability survey, as data (DOMAIN §4; wording written for
    Karpear after IOM's handbook, to verify): answered 1 (worst) to 5 (best) at each follow-up visit."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    domain = models.CharField(_("dimension"), max_length=20, choices=Domain.choices)
    text_en = models.CharField(_("English text"), max_length=200)
    text_km = models.CharField(_("Khmer text"), max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("reintegration indicator")

    def __str__(self) -> str:
        return self.code


class FollowUp(OrgOwned):
    """A follow-up visit after the survivor's return home: scheduled (`due_on`, at the configured months after
    return) and, once made, its date, observations and the sustainability scores (0 to 1, per dimension and
    their mean, the composite)."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="follow_ups")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due on"))
    months = models.PositiveSmallIntegerField(_("months after return"), null=True, blank=True)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(default=dict)  # indicator code -> 1..5
    economic = models.DecimalField(_("economic"), max_digits=4, decimal_places=3, null=True, blank=True)
    social = models.DecimalField(_("social"), max_digits=4, decimal_places=3, null=True, blank=True)
    psychosocial = models.DecimalField(_("psychosocial"), max_digits=4, decimal_places=3, null=True, blank=True)
    composite = models.DecimalField(_("composite"), max_digits=4, decimal_places=3, null=True, blank=True)
    feels_safe = models.BooleanField(_("feels safe"), null=True, blank=True)
    discrimination = models.BooleanField(_("discrimination in family or community"), null=True, blank=True)
    in_school = models.BooleanField(_("in school (children)"), null=True, blank=True)
    monthly_income = models.DecimalField(
        _("monthly income (riel)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    reminded_on = models.DateField(null=True, blank=True)  # the daily reminder's last day for this visit

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up visit")
        indexes = [models.Index(fields=["organisation", "visited_on", "due_on"], name="protection_followup_due")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_on}"


class ClosureReason(models.TextChoices):
    REINTEGRATED = "reintegrated", _("Reintegrated: the follow-up shows the person is doing well")
    REFERRED = "referred", _("Referred on to another organisation")
    MOVED = "moved", _("Moved away or lost contact")
    DECLINED = "declined", _("The person no longer wants support")
    DIED = "died", _("Died")


# ---------------------------------------------------------------- re-trafficking flag (issue 11, item 7)
class FlagStatus(models.TextChoices):
    OPEN = "open", _("To review")
    CONFIRMED = "confirmed", _("The same person, trafficked again")
    DIFFERENT = "different", _("Not the same person")


class RetraffickingFlag(OrgOwned):
    """A new intake whose person is likely someone with an earlier protection case: raised for a case supervisor
    by the intake (services.py, matching's engine). The earlier cases of this organisation are `matches`; of
    other organisations only the fact that one exists is kept (`elsewhere`), never which or whose."""

    case = models.OneToOneField(ProtectionCase, on_delete=models.PROTECT, related_name="retrafficking_flag")
    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    elsewhere = models.BooleanField(_("a likely earlier case at another organisation"), default=False)
    status = models.CharField(_("review"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    asked_elsewhere_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("re-trafficking flag")
        indexes = [models.Index(fields=["organisation", "status"], name="protection_flag_status")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class FlagMatch(models.Model):
    """One earlier case of the flag's organisation likely to be the same person, with the match's score and the
    evidence codes (matching's levels: "same village", "similar name", ...). Scoped by the earlier case: a
    reader sees the earlier cases they may see, no more."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    flag = models.ForeignKey(RetraffickingFlag, on_delete=models.CASCADE, related_name="matches")
    earlier = models.ForeignKey(ProtectionCase, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    evidence = models.JSONField(default=list)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["flag", "earlier"], name="protection_flag_match_once")]

    def __str__(self) -> str:
        return f"{self.flag_id} ~ {self.earlier_id}"


# The victim context's own fields, as the page's form and the API read and write them.
CONTEXT_FIELDS = (
    "recruitment_methods",
    "relationship_to_trafficker",
    "control_methods",
    "exploitation_types",
    "industry",
    "destination_country",
    "destination_place",
    "duration_months",
    "note",
)
