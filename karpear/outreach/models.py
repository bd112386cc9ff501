"""The outreach app's records.

Portal content (topics, passport fees and offices, the directory of who can help, help desks) is reference data
staff edit in the back office, in Khmer and English, each item with its source and the date someone last checked
it (DOMAIN §5: never a number hard-coded in a template). Help requests are organisation-owned: only the staff of
the organisation whose help desk received one see it (core.access).
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from karpear.core.models import BaseModel, Commune, District, Organisation, OrgOwned, Province, User


def _in_language(obj: object, field: str) -> str:
    """The Khmer or English text of a bilingual field, in the active language, else the other one."""
    km, en = str(getattr(obj, f"{field}_km")), str(getattr(obj, f"{field}_en"))
    if (translation.get_language() or "km").startswith("km"):
        return km or en
    return en or km


class Checked(BaseModel):
    """Published information: where it comes from and when someone last checked it."""

    source = models.CharField(_("source"), max_length=300)
    last_verified = models.DateField(_("last verified"))
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        abstract = True


class Topic(Checked):
    """A page of the portal: how to get a passport, legal channels, what a contract contains, how to spot
    deception, how to speak up. The body is plain text: a blank line starts a paragraph, a line starting
    with "- " is an item of a list."""

    class Slug(models.TextChoices):
        PASSPORT = "passport", _("How to get a passport")
        CHANNELS = "channels", _("Legal ways to work abroad")
        CONTRACT = "contract", _("What a real contract contains")
        DECEPTION = "deception", _("How to spot deception")
        SPEAK_UP = "speak-up", _("How to speak up")

    slug = models.SlugField(_("page"), max_length=30, unique=True, choices=Slug.choices)
    title_km = models.CharField(_("Khmer title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=200)
    body_km = models.TextField(_("Khmer text"))
    body_en = models.TextField(_("English text"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("order", "slug")
        verbose_name = _("portal page")
        verbose_name_plural = _("portal pages")

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        return _in_language(self, "title")

    @property
    def body(self) -> str:
        return _in_language(self, "body")


class PassportFee(Checked):
    """What a passport costs, by how fast it is made and the applicant's age (DOMAIN §5)."""

    class Age(models.TextChoices):
        ADULT = "adult", _("6 years and older")
        UNDER_6 = "under_6", _("Under 6 years")

    age = models.CharField(_("age"), max_length=10, choices=Age.choices)
    working_days = models.PositiveSmallIntegerField(_("ready in (working days)"), validators=[MinValueValidator(1)])
    amount_usd = models.DecimalField(_("fee (USD)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ("age", "-working_days")
        constraints = [models.UniqueConstraint(fields=["age", "working_days"], name="outreach_fee_unique")]
        verbose_name = _("passport fee")
        verbose_name_plural = _("passport fees")

    def __str__(self) -> str:
        return f"{self.age} {self.working_days} d: {self.amount_usd} USD"


class PassportOffice(Checked):
    name_km = models.CharField(_("Khmer name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    address_km = models.CharField(_("Khmer address"), max_length=300, blank=True)
    address_en = models.CharField(_("English address"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("order", "name_en")
        verbose_name = _("passport office")
        verbose_name_plural = _("passport offices")

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return _in_language(self, "name")

    @property
    def address(self) -> str:
        return _in_language(self, "address")


class HelpContact(Checked):
    """Someone who can help, for the whole country (no place) or a province, district or commune: hotlines,
    commune councils, CCWCs, village chiefs, police, NGOs, religious leaders (DOMAIN §5)."""

    class Kind(models.TextChoices):
        HOTLINE = "hotline", _("Hotline")
        COMMUNE_COUNCIL = "commune_council", _("Commune council")
        CCWC = "ccwc", _("Commune Committee for Women and Children")
        VILLAGE_CHIEF = "village_chief", _("Village chief")
        POLICE = "police", _("Police")
        NGO = "ngo", _("NGO")
        RELIGIOUS_LEADER = "religious_leader", _("Religious leader")
        AUTHORITY = "authority", _("Provincial or district authority")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name_km = models.CharField(_("Khmer name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    hours_km = models.CharField(_("Khmer opening hours"), max_length=200, blank=True)
    hours_en = models.CharField(_("English opening hours"), max_length=200, blank=True)
    note_km = models.CharField(_("Khmer note"), max_length=300, blank=True)
    note_en = models.CharField(_("English note"), max_length=300, blank=True)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ("order", "kind", "name_en")
        verbose_name = _("contact who can help")
        verbose_name_plural = _("contacts who can help")

    def __str__(self) -> str:
        return self.name_en

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        # The most precise place decides; the levels above it follow from it.
        if self.commune is not None:
            self.district_id, self.province_id = self.commune.district_id, self.commune.province_id
        elif self.district is not None:
            self.province_id = self.district.province_id
        if not (self.phone or self.note_en or self.note_km):
            raise ValidationError(_("Give a phone number or a note on how to reach this contact."))

    @property
    def name(self) -> str:
        return _in_language(self, "name")

    @property
    def hours(self) -> str:
        return _in_language(self, "hours")

    @property
    def note(self) -> str:
        return _in_language(self, "note")


class HelpDesk(BaseModel):
    """An organisation that receives the portal's help requests: for the provinces it covers, or for every
    request no other desk covers (the default desk)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    provinces = models.ManyToManyField(Province, blank=True, related_name="+", verbose_name=_("provinces"))
    is_default = models.BooleanField(_("receives requests no other desk covers"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("help desk")
        verbose_name_plural = _("help desks")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="outreach_one_default_desk"
            )
        ]

    def __str__(self) -> str:
        return self.organisation.short_name


class HelpRequest(OrgOwned):
    """A request for help sent from the public portal, anonymous or named, for oneself or for a relative
    abroad. The tracking code is never stored: only its hash, which a lookup compares."""

    class About(models.TextChoices):
        MYSELF = "self", _("Myself")
        RELATIVE = "relative", _("A relative or friend abroad")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, waiting for review")
        TRIAGED = "triaged", _("Reviewed by staff")

    class Outcome(models.TextChoices):
        PROTECTION_INTAKE = "protection_intake", _("Protection intake")
        GRIEVANCE = "grievance", _("Grievance")
        LEGAL_AID = "legal_aid_referral", _("Legal-aid referral")
        INFORMATION = "information_given", _("Information given")

    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    about = models.CharField(_("the help is for"), max_length=10, choices=About.choices)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    city = models.CharField(_("city or place"), max_length=100, blank=True)
    employer = models.CharField(_("employer or broker"), max_length=200, blank=True)
    last_heard = models.DateField(_("last heard from"), null=True, blank=True)
    message = models.TextField(_("what happened"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField(_("triaged into"), max_length=30, choices=Outcome.choices, blank=True)
    triage_note = models.TextField(_("triage note"), max_length=2000, blank=True)
    triaged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("triaged by")
    )
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    root_causes = models.JSONField(_("root causes"), default=list, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["organisation", "status", "-created_at"], name="outreach_help_queue")]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """What staff call the request (not the tracking code, which only the visitor has)."""
        return f"HR-{str(self.uuid)[:8].upper()}"


# ---------------------------------------------------------------- what people speak up about, and where
class RootCause(models.TextChoices):
    """The root causes "Beyond Awareness" found behind migration into trafficking (context 001), tagged on
    sessions, help requests and grievances so monitoring can show what drives it where."""

    DEBT = "debt", _("Debt")
    LANDLESSNESS = "landlessness", _("No land")
    NO_LOCAL_JOBS = "no_local_jobs", _("No local jobs")
    FAMILY_PRESSURE = "family_pressure", _("Family pressure")
    BROKER_IN_VILLAGE = "broker_in_village", _("A broker in the village")
    POVERTY = "poverty", _("Poverty")
    LACK_OF_KNOWLEDGE = "lack_of_knowledge", _("Not knowing the risks or the legal ways")


class Channel(models.TextChoices):
    """Whom people speak up to: the local structures "Beyond Awareness" found working (commune councils, VDCs,
    CCWCs, religious leaders) and the others a report can come through."""

    COMMUNE_COUNCIL = "commune_council", _("Commune council")
    VDC = "vdc", _("Village Development Committee")
    CCWC = "ccwc", _("Commune Committee for Women and Children")
    RELIGIOUS_LEADER = "religious_leader", _("Religious leader")
    VILLAGE_CHIEF = "village_chief", _("Village chief")
    POLICE = "police", _("Police")
    HOTLINE = "hotline", _("Hotline")
    NGO = "ngo", _("NGO")
    VOLUNTEER = "volunteer", _("Community volunteer")
    PORTAL = "portal", _("Safe-migration website")


def _codes(values: object, allowed: list[str]) -> list[str]:
    """A list of choice codes, each once, in the order of the choices."""
    chosen = set(values) if isinstance(values, list | tuple | set) else set()
    return [code for code in allowed if code in chosen]


# ---------------------------------------------------------------- grievances (CARE SMART)
class Grievance(OrgOwned):
    """A complaint of a migrant worker or their family (confiscated documents, unpaid wages, debt, abuse),
    raised with the authorities level by level (commune → district → province → national) until it is
    resolved, and the outcome told to the complainant."""

    class About(models.TextChoices):
        WORKER = "worker", _("The migrant worker")
        FAMILY = "family", _("Their family")

    class Kind(models.TextChoices):
        DOCUMENTS = "documents", _("Documents kept by a broker or employer")
        WAGES = "wages", _("Unpaid wages")
        DEBT = "debt", _("Debt")
        ABUSE = "abuse", _("Abuse or violence")
        FORCED_LABOUR = "forced_labour", _("Forced to work, cannot leave")
        OTHER = "other", _("Something else")

    class Level(models.IntegerChoices):
        COMMUNE = 1, _("Commune")
        DISTRICT = 2, _("District")
        PROVINCE = 3, _("Province")
        NATIONAL = 4, _("National")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        UNRESOLVED = "unresolved", _("Closed without a solution")

    received_on = models.DateField(_("received on"))
    about = models.CharField(_("complaint made by"), max_length=10, choices=About.choices)
    complainant = models.CharField(_("complainant's name"), max_length=100, blank=True)
    phone = models.CharField(_("complainant's phone"), max_length=30, blank=True)
    province = models.ForeignKey(
        Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    country = models.CharField(_("country where it happened"), max_length=2, blank=True)
    employer = models.CharField(_("employer or broker"), max_length=200, blank=True)
    kinds = models.JSONField(_("what the complaint is about"), default=list)
    description = models.TextField(_("what happened"), max_length=4000)
    documents_kept = models.PositiveSmallIntegerField(_("documents kept"), default=0)
    documents_returned = models.PositiveSmallIntegerField(_("documents returned"), default=0)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.COMMUNE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), max_length=4000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome_told_on = models.DateField(_("outcome told to the complainant on"), null=True, blank=True)
    outcome_told_how = models.CharField(_("how the outcome was told"), max_length=200, blank=True)
    root_causes = models.JSONField(_("root causes"), default=list)
    channel = models.CharField(_("spoke up through"), max_length=30, choices=Channel.choices, blank=True)
    help_request = models.OneToOneField(
        HelpRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievance",
        verbose_name=_("from help request"),
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ("-received_on", "-created_at")
        indexes = [models.Index(fields=["organisation", "status", "level"], name="outreach_grievance_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(documents_returned__lte=models.F("documents_kept")),
                name="outreach_grievance_documents_returned_lte_kept",
            )
        ]
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"GR-{str(self.uuid)[:8].upper()}"

    def kind_labels(self) -> list[str]:
        labels = dict(self.Kind.choices)
        return [str(labels[code]) for code in _codes(self.kinds, self.Kind.values)]

    def root_cause_labels(self) -> list[str]:
        labels = dict(RootCause.choices)
        return [str(labels[code]) for code in _codes(self.root_causes, RootCause.values)]


class GrievanceStep(OrgOwned):
    """One step of a grievance's climb: raised to a level (to whom, when, by whom) and the answer received."""

    grievance = models.ForeignKey(Grievance, on_delete=models.CASCADE, related_name="steps")
    level = models.PositiveSmallIntegerField(_("level"), choices=Grievance.Level.choices)
    raised_with = models.CharField(_("raised with"), max_length=200)
    raised_on = models.DateField(_("raised on"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    response = models.TextField(_("response"), max_length=2000, blank=True)
    responded_on = models.DateField(_("response received on"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ("raised_on", "created_at")
        verbose_name = _("grievance step")
        verbose_name_plural = _("grievance steps")

    def __str__(self) -> str:
        return f"{self.grievance.reference} {self.get_level_display()}"


# ---------------------------------------------------------------- volunteers, sessions and events
class Volunteer(OrgOwned):
    """A community volunteer (SMART trained 54): recruited, trained, assigned to communes; with an account
    (the volunteer role) or recorded by staff."""

    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=[("f", _("Female")), ("m", _("Male"))])
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outreach_volunteer",
        verbose_name=_("account"),
    )
    recruited_on = models.DateField(_("recruited on"))
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    communes = models.ManyToManyField(Commune, blank=True, related_name="+", verbose_name=_("communes"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("community volunteer")
        verbose_name_plural = _("community volunteers")

    def __str__(self) -> str:
        return self.name


class Activity(OrgOwned):
    """An awareness session, commune workshop, training, event or round of home visits, with who came
    counted by sex and age group (a tally: the thousands at an Anti-Trafficking Day event are not
    registered one by one), the topics, the local structures engaged and the root causes heard."""

    class Kind(models.TextChoices):
        SESSION = "session", _("Awareness session")
        WORKSHOP = "workshop", _("Commune workshop")
        TRAINING = "training", _("Training")
        EVENT = "event", _("Event (e.g. Anti-Trafficking Day)")
        VISITS = "visits", _("Home visits")

    class Topic(models.TextChoices):
        SAFE_MIGRATION = "safe_migration", _("Safe migration")
        PASSPORT = "passport", _("Passports and documents")
        CONTRACTS = "contracts", _("Contracts and recruitment agencies")
        DECEPTION = "deception", _("Signs of deception")
        REPORTING = "reporting", _("Where to report and get help")
        RIGHTS = "rights", _("Rights of migrant workers")
        LOCAL_LIVELIHOODS = "local_livelihoods", _("Savings and local livelihoods")

    submission = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    held_on = models.DateField(_("date"))
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("district")
    )
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    volunteer = models.ForeignKey(
        Volunteer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("volunteer"),
    )
    topics = models.JSONField(_("topics"), default=list)
    partners = models.CharField(_("partner organisations"), max_length=300, blank=True)
    female_children = models.PositiveIntegerField(_("girls (under 18)"), default=0)
    male_children = models.PositiveIntegerField(_("boys (under 18)"), default=0)
    female_adults = models.PositiveIntegerField(_("women"), default=0)
    male_adults = models.PositiveIntegerField(_("men"), default=0)
    participants = models.PositiveIntegerField(_("participants in all"), default=0)
    households_visited = models.PositiveIntegerField(_("households visited"), default=0)
    cases_referred = models.PositiveIntegerField(_("cases referred"), default=0)
    grievances_referred = models.PositiveIntegerField(_("grievances referred"), default=0)
    channels = models.JSONField(_("local structures engaged"), default=list)
    root_causes = models.JSONField(_("root causes heard"), default=list)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ("-held_on", "-created_at")
        indexes = [models.Index(fields=["organisation", "-held_on"], name="outreach_activity_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    participants__gte=models.F("female_children")
                    + models.F("male_children")
                    + models.F("female_adults")
                    + models.F("male_adults")
                ),
                name="outreach_activity_tally_lte_total",
            )
        ]
        verbose_name = _("outreach activity")
        verbose_name_plural = _("outreach activities")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"

    @property
    def counted_by_sex(self) -> int:
        return self.female_children + self.male_children + self.female_adults + self.male_adults

    def topic_labels(self) -> list[str]:
        labels = dict(self.Topic.choices)
        return [str(labels[code]) for code in _codes(self.topics, self.Topic.values)]

    def channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [str(labels[code]) for code in _codes(self.channels, Channel.values)]

    def root_cause_labels(self) -> list[str]:
        labels = dict(RootCause.choices)
        return [str(labels[code]) for code in _codes(self.root_causes, RootCause.values)]
