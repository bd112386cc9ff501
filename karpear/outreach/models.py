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
