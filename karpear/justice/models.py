"""Legal-aid records: a legal case (សំណុំរឿង) from investigation to judgment (issue 13, context/002: ADHOC).

A case's clients are `core.Person`s; what identifies them, and the witnesses, stays in `core.Identity`, behind
view_identity and the audit. Rules about these records live in services.py (writes), selectors.py (reads) and,
for who may do what, in declarations.py (core.access). Every record of a case carries the case's organisation,
so it is scoped like the case (its lawyer, creator and team; an accepted referral sharing the section).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from karpear.core.models import PREFIX_OPS, BaseModel, Currency, OrgOwned
from karpear.core.storage import private_storage


class Article(BaseModel):
    """An article of the Law on Suppression of Human Trafficking and Sexual Exploitation (2008), as data: the
    offence picklist is keyed by article number (DOMAIN §1). Titles are filled from the official text only;
    until someone has checked one against it, `verified` is false and the page says so."""

    number = models.PositiveSmallIntegerField(_("article"), unique=True)
    title_en = models.CharField(_("English title"), max_length=300)
    title_km = models.CharField(_("Khmer title"), max_length=300)
    penalty = models.CharField(_("penalty"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(_("checked against the official text"), default=False)
    active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["number"]
        verbose_name = _("article of the 2008 law")

    def __str__(self) -> str:
        return f"{self.number}"


class CaseStatus(models.TextChoices):
    INVESTIGATION = "investigation", _("Investigation")
    SUBMITTED = "submitted", _("Complaint filed")
    COURT = "court", _("In court")
    JUDGMENT = "judgment", _("Judgment given")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.INVESTIGATION, CaseStatus.SUBMITTED, CaseStatus.COURT, CaseStatus.JUDGMENT)


class CaseSequence(models.Model):
    """The last legal case number issued per organisation and year; locked while the next one is taken."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="justice_caseseq_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"


class LegalCase(OrgOwned):
    """One legal case, numbered per organisation and year (`ADHOC-L-2026-00001`). `client` is the main client
    (the survivor); further clients (family members) are `CaseClient`s. `referral`: the accepted referral it was
    opened from, if any (the client is then the sending organisation's person, seen through that referral)."""

    number = models.CharField(_("case number"), max_length=40)
    client = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="legal_cases")
    referral = models.ForeignKey(
        "core.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("referral")
    )
    title = models.CharField(_("short description"), max_length=200)
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.INVESTIGATION)
    lawyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned lawyer"),
    )
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("legal case")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="justice_case_unique_number"),
        ]
        indexes = [
            # The case list, newest first (walked backwards, it stops at the page's 26th row in scope).
            models.Index(fields=["organisation", "-opened_on", "-id"], name="justice_case_org_recent"),
            # "Your cases", newest first, and the home count of the lawyer's open cases.
            models.Index(fields=["lawyer", "-opened_on", "-id"], name="justice_case_lawyer_recent"),
            models.Index(fields=["lawyer", "status"], name="justice_case_lawyer"),
            # The search by the start of a case number (LIKE 'ADHOC-L-2026-0%' needs a pattern operator class).
            models.Index(fields=["organisation", "number"], name="justice_case_number_prefix", opclasses=PREFIX_OPS),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseRecord(OrgOwned):
    """A record that belongs to one legal case (abstract)."""

    case = models.ForeignKey(LegalCase, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class ClientRelation(models.TextChoices):
    SURVIVOR = "survivor", _("Survivor")
    FAMILY = "family", _("Family member")
    OTHER = "other", _("Other")


class CaseClient(CaseRecord):
    """A further client of the case (a survivor of the same events, or a family member)."""

    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("client is"), max_length=20, choices=ClientRelation.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="justice_client_once")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.person_id}"


class PartyKind(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    BROKER = "broker", _("Broker")
    AGENCY = "agency", _("Recruitment agency")
    COMPANY = "company", _("Company")
    OFFICIAL = "official", _("Official")
    OTHER = "other", _("Other")


class Party(CaseRecord):
    """Someone the case is against or about: a suspect, a broker, a recruitment agency, a company (a fishing
    company), an official."""

    kind = models.CharField(_("kind"), max_length=20, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("party")

    def __str__(self) -> str:
        return self.name


class Offence(CaseRecord):
    """An offence the case is about, by article of the 2008 law."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+", verbose_name=_("article"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["article__number"]
        constraints = [models.UniqueConstraint(fields=["case", "article"], name="justice_offence_once")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.article_id}"


# ---------------------------------------------------------------- investigation
class InvestigationStep(CaseRecord):
    """What the legal officer or human-rights monitor did on a day, and what they found."""

    done_on = models.DateField(_("date"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by whom")
    )
    action = models.CharField(_("what was done"), max_length=300)
    finding = models.TextField(_("finding"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = _("investigation step")

    def __str__(self) -> str:
        return f"{self.done_on} {self.action}"


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")
    STATEMENT = "statement", _("Statement")
    AUDIO = "audio", _("Audio recording")
    VIDEO = "video", _("Video")
    OTHER = "other", _("Other")


class Evidence(CaseRecord):
    """An evidence item. Its file is stored outside the web root (core.storage, under a random name), with the
    SHA-256 of its content and its size; it is only served by a view that checks access and audits."""

    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    description = models.CharField(_("description"), max_length=300)
    source = models.CharField(_("source"), max_length=200, help_text=_("Who or where it came from."))
    obtained_on = models.DateField(_("obtained on"))
    file = models.FileField(storage=private_storage, max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=150, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-obtained_on", "-id"]
        verbose_name = _("evidence item")

    def __str__(self) -> str:
        return self.description


class CustodyAction(models.TextChoices):
    RECEIVED = "received", _("Received")
    STORED = "stored", _("Stored")
    HANDED_OVER = "handed_over", _("Handed over")
    SUBMITTED = "submitted", _("Submitted to the court or police")
    RETURNED = "returned", _("Returned")


class CustodyEntry(OrgOwned):
    """One link of an evidence item's chain of custody: who held it from when, and what was done."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(LegalCase, on_delete=models.PROTECT, related_name="+")
    at = models.DateField(_("date"))
    action = models.CharField(_("what happened"), max_length=20, choices=CustodyAction.choices)
    holder = models.CharField(_("held by"), max_length=200)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("chain of custody entry")

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.at} {self.action}"


class Witness(CaseRecord):
    """A witness, registered as a `core.Person`: their name and contact are core's Identity, read only with
    view_identity and audited, exactly as a survivor's. `description` says who they are without naming them."""

    person = models.ForeignKey("core.Person", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("who they are"), max_length=200, help_text=_("Without their name."))

    class Meta:
        ordering = ["id"]
        verbose_name = _("witness")
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="justice_witness_once")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.person_id}"


class Statement(CaseRecord):
    witness = models.ForeignKey(Witness, on_delete=models.PROTECT, related_name="+")
    taken_on = models.DateField(_("taken on"))
    summary = models.TextField(_("statement"), max_length=8000)

    class Meta:
        ordering = ["-taken_on", "-id"]
        verbose_name = _("statement")

    def __str__(self) -> str:
        return f"{self.witness_id} {self.taken_on}"


# ---------------------------------------------------------------- submissions and court
class AddresseeKind(models.TextChoices):
    MOSVY = "mosvy", _("Ministry of Social Affairs (MoSVY)")
    INTERIOR = "interior", _("Ministry of Interior")
    FOREIGN_AFFAIRS = "foreign_affairs", _("Ministry of Foreign Affairs")
    LABOUR = "labour", _("Ministry of Labour")
    EMBASSY = "embassy", _("Embassy")
    COURT = "court", _("Court")
    POLICE = "police", _("Police")
    FOREIGN_AUTHORITY = "foreign_authority", _("Foreign authority")
    OTHER = "other", _("Other")


class Submission(CaseRecord):
    """A letter or complaint sent for the case, and the reply when it comes."""

    addressee_kind = models.CharField(_("sent to"), max_length=20, choices=AddresseeKind.choices)
    addressee = models.CharField(_("addressee"), max_length=200, help_text=_("The office or person written to."))
    subject = models.CharField(_("subject"), max_length=300)
    sent_on = models.DateField(_("sent on"))
    deadline = models.DateField(_("reply expected by"), null=True, blank=True)
    reply_on = models.DateField(_("reply received on"), null=True, blank=True)
    reply = models.TextField(_("reply"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("submission")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=models.F("sent_on")),
                name="justice_submission_deadline",
            ),
        ]
        indexes = [
            # The work lists "awaiting a reply" and "past their deadline": only the unanswered letters, in the
            # lists' order (deadline, sent, id), so the first page is the index's first entries in scope.
            models.Index(
                fields=["organisation", "deadline", "sent_on", "id"],
                condition=Q(reply_on__isnull=True),
                name="justice_submission_unanswered",
            ),
            # The same rows by case, for the home counts of a team's letters (from the team's cases, or a scan
            # of the organisation's unanswered letters joined to them, read from the index alone).
            models.Index(
                fields=["organisation", "case", "deadline"],
                condition=Q(reply_on__isnull=True),
                name="justice_submission_case_open",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class CourtLevel(models.TextChoices):
    PROVINCIAL = "provincial", _("Provincial court")
    APPEAL = "appeal", _("Appeal court")
    SUPREME = "supreme", _("Supreme Court")


class Hearing(CaseRecord):
    level = models.CharField(_("court"), max_length=20, choices=CourtLevel.choices)
    court_name = models.CharField(_("which court"), max_length=200, blank=True)
    held_on = models.DateField(_("hearing date"))
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    next_on = models.DateField(_("next hearing"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("hearing")
        # Hearings this week in the list's order (day, id); walked backwards, the API's newest first.
        indexes = [models.Index(fields=["organisation", "held_on", "id"], name="justice_hearing_day_id")]

    def __str__(self) -> str:
        return f"{self.level} {self.held_on}"


class VerdictOutcome(models.TextChoices):
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    DISMISSED = "dismissed", _("Case dismissed")
    OTHER = "other", _("Other")


class Verdict(CaseRecord):
    """A court's judgment at one level: the verdict, the sentence, the compensation ordered and received.
    Received more than ordered is allowed only when someone confirmed it (`excess_confirmed`)."""

    level = models.CharField(_("court"), max_length=20, choices=CourtLevel.choices)
    decided_on = models.DateField(_("judgment date"))
    outcome = models.CharField(_("verdict"), max_length=20, choices=VerdictOutcome.choices)
    sentence = models.CharField(_("sentence"), max_length=500, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.USD)
    compensation_ordered = models.DecimalField(
        _("compensation ordered"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    compensation_received = models.DecimalField(
        _("compensation received"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    excess_confirmed = models.BooleanField(_("more received than ordered: confirmed"), default=False)
    appealed = models.BooleanField(_("appealed"), default=False)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("judgment")
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation_received__lte=models.F("compensation_ordered")) | Q(excess_confirmed=True),
                name="justice_verdict_received_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.decided_on}"


# ---------------------------------------------------------------- costs
class CostKind(models.TextChoices):
    LEGAL_FEES = "legal_fees", _("Legal fees")
    TRAVEL = "travel", _("Travel")
    REPATRIATION = "repatriation", _("Repatriation")
    OTHER = "other", _("Other")


class Cost(CaseRecord):
    """A cost paid for the case, charged to a budget line of the organisation's sub-grant."""

    kind = models.CharField(_("kind"), max_length=20, choices=CostKind.choices)
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    budget_line = models.ForeignKey(
        "core.BudgetLine", on_delete=models.PROTECT, related_name="+", verbose_name=_("budget line")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-spent_on", "-id"]
        verbose_name = _("cost")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="justice_cost_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# ---------------------------------------------------------------- repatriation
class RepatriationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    ARRIVED = "arrived", _("Arrived home")
    REFUSED = "refused", _("Refused")


class Repatriation(CaseRecord):
    """A request to bring victims stranded abroad home: the country, how many people, the authority asked (an
    embassy, a foreign authority), the dates and where it stands. Its costs are the case's repatriation costs."""

    country = models.CharField(_("country"), max_length=2)
    persons = models.PositiveSmallIntegerField(_("number of people"))
    authority = models.CharField(_("authority asked"), max_length=200)
    requested_on = models.DateField(_("requested on"))
    status = models.CharField(
        _("status"), max_length=20, choices=RepatriationStatus.choices, default=RepatriationStatus.REQUESTED
    )
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("repatriation request")
        constraints = [
            models.CheckConstraint(
                condition=Q(arrived_on__isnull=True) | Q(arrived_on__gte=models.F("requested_on")),
                name="justice_repatriation_dates",
            ),
            models.CheckConstraint(condition=Q(persons__gte=1), name="justice_repatriation_persons"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.requested_on}"


class Handover(CaseRecord):
    """A person of an arrived repatriation handed over to protection: a core referral, with their consent, to
    the organisation that receives returnees (CCPCR), which registers their intake from it. The repatriation
    shows what came of it through core (`core.referrals.records_from`), never protection's records directly."""

    repatriation = models.ForeignKey(Repatriation, on_delete=models.PROTECT, related_name="+")
    referral = models.OneToOneField(
        "core.Referral", on_delete=models.PROTECT, related_name="+", verbose_name=_("referral")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("handover to protection")

    def __str__(self) -> str:
        return f"{self.repatriation_id} → {self.referral_id}"


# ---------------------------------------------------------------- escalation and advocacy
class Escalation(CaseRecord):
    """A case escalated to the central office (a provincial office asking Phnom Penh for help: a blocked
    investigation, pressure on the client, a court that will not hear the case), with the reason, and the
    central office's response when it comes (a case supervisor's)."""

    raised_on = models.DateField(_("escalated on"))
    reason = models.TextField(_("reason"), max_length=2000)
    responded_on = models.DateField(_("response date"), null=True, blank=True)
    response = models.TextField(_("response"), max_length=4000, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_on", "-id"]
        verbose_name = _("escalation")
        constraints = [
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True) | Q(responded_on__gte=models.F("raised_on")),
                name="justice_escalation_dates",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "responded_on"], name="justice_escalation_waiting")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.raised_on}"


class AdvocacyAction(CaseRecord):
    """An advocacy action with a government body for the case (a meeting with the provincial police, a letter
    to the ministry asking for the law to be applied), and what came of it."""

    done_on = models.DateField(_("date"))
    body_kind = models.CharField(_("government body"), max_length=20, choices=AddresseeKind.choices)
    body = models.CharField(_("which office"), max_length=200)
    action = models.CharField(_("what was done"), max_length=300)
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-done_on", "-id"]
        verbose_name = _("advocacy action")

    def __str__(self) -> str:
        return self.action


class CaseStudy(CaseRecord):
    """A case-study write-up of the case for donor reports: anonymised (services refuse a text naming a client
    or a witness), and usable in a report only while the client's consent to it is recorded and not withdrawn
    (`consent_on` set, `withdrawn_on` empty)."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("write-up"), max_length=8000)
    consent_on = models.DateField(_("client's consent given on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("consent withdrawn on"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("case study")
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(consent_on__isnull=False),
                name="justice_casestudy_withdrawn_after_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def for_donor_reports(self) -> bool:
        return self.consent_on is not None and self.withdrawn_on is None
