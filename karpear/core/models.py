"""Core records: organisations, programmes, users and memberships, places, people, consent, audit.

Rules about these records live in services.py (writes), selectors.py (reads) and access.py (who may).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from karpear.core.roles import Role
from karpear.core.storage import photo_file_name, private_storage


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class OrgOwned(BaseModel):
    """A record owned by one organisation: every query on it is scoped by core.access."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )

    class Meta:
        abstract = True


# ---------------------------------------------------------------- places (gazetteer)
class Province(models.Model):
    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name_km = models.CharField(_("Khmer name"), max_length=100)
    name_en = models.CharField(_("Latin name"), max_length=100)
    search_key = models.CharField(max_length=300, db_index=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")

    def __str__(self) -> str:
        return self.name_en


class District(models.Model):
    code = models.CharField(_("code"), max_length=4, primary_key=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts")
    name_km = models.CharField(_("Khmer name"), max_length=100)
    name_en = models.CharField(_("Latin name"), max_length=100)
    search_key = models.CharField(max_length=300, db_index=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")

    def __str__(self) -> str:
        return self.name_en


class Commune(models.Model):
    code = models.CharField(_("code"), max_length=6, primary_key=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="communes")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="communes")
    name_km = models.CharField(_("Khmer name"), max_length=100)
    name_en = models.CharField(_("Latin name"), max_length=100)
    # False for a commune that villages refer to but the official commune list lacks (DOMAIN §6).
    in_official_list = models.BooleanField(default=True)
    search_key = models.CharField(max_length=300, db_index=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("commune")

    def __str__(self) -> str:
        return self.name_en or self.code


class Village(models.Model):
    """A village. Its code is not unique in the official list (DOMAIN §6), so the key is (commune, code, id)."""

    code = models.CharField(_("code"), max_length=8, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="villages")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+")
    name_km = models.CharField(_("Khmer name"), max_length=100)
    name_en = models.CharField(_("Latin name"), max_length=100)
    code_shared = models.BooleanField(
        default=False, help_text="Another village has this code (in another commune, or even in the same one)."
    )
    search_key = models.CharField(max_length=300, db_index=True, editable=False)

    class Meta:
        ordering = ["code", "id"]
        verbose_name = _("village")

    def __str__(self) -> str:
        return self.name_en


# ---------------------------------------------------------------- organisations and programmes
class Organisation(BaseModel):
    class Kind(models.TextChoices):
        NGO = "ngo", _("NGO")
        INTERNATIONAL_NGO = "international_ngo", _("International NGO")
        GOVERNMENT = "government", _("Government body")
        COMMUNE_COUNCIL = "commune_council", _("Commune council")
        CCWC = "ccwc", _("Commune Committee for Women and Children")
        PROVINCIAL_DEPARTMENT = "provincial_department", _("Provincial department")
        DONOR = "donor", _("Donor")
        COMMUNITY_GROUP = "community_group", _("Community group")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    short_name = models.SlugField(
        _("short name"), max_length=20, unique=True, help_text=_("Used in case numbers, e.g. CCPCR.")
    )
    name = models.CharField(_("name"), max_length=200)
    name_km = models.CharField(_("Khmer name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    provinces = models.ManyToManyField(Province, blank=True, verbose_name=_("provinces"), related_name="+")
    commune = models.ForeignKey(
        Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return self.name


class Team(BaseModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="core_team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Programme(OrgOwned):
    """A donor-funded programme; `organisation` is the prime partner that manages it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_km = models.CharField(_("Khmer name"), max_length=200, blank=True)
    donor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="funded_programmes", verbose_name=_("donor")
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("programme")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="core_programme_dates")
        ]

    def __str__(self) -> str:
        return self.name


class Currency(models.TextChoices):
    USD = "USD", _("US dollar")
    KHR = "KHR", _("Riel")


class SubGrant(OrgOwned):
    """A sub-grant of a programme; `organisation` is the sub-grantee."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="subgrants")
    reference = models.CharField(_("reference"), max_length=40)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    provinces = models.ManyToManyField(Province, blank=True, related_name="+", verbose_name=_("provinces"))
    communes = models.ManyToManyField(Commune, blank=True, related_name="+", verbose_name=_("communes"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.USD)
    summary = models.TextField(_("summary"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "reference"]
        verbose_name = _("sub-grant")
        constraints = [
            models.UniqueConstraint(fields=["programme", "reference"], name="core_subgrant_unique_ref"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="core_subgrant_dates"),
        ]

    def __str__(self) -> str:
        return self.reference


class BudgetLine(BaseModel):
    subgrant = models.ForeignKey(SubGrant, on_delete=models.CASCADE, related_name="budget_lines")
    code = models.CharField(_("code"), max_length=20)
    description = models.CharField(_("description"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["subgrant", "code"], name="core_budgetline_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class Target(BaseModel):
    """A programme target as data: monitoring counts records against it."""

    class Unit(models.TextChoices):
        """The units targets are usually counted in, named in the reader's language. `unit` stays free text
        (a donor's agreement may count in something else), shown as typed when it is none of these."""

        PEOPLE = "people", _("people")
        HOUSEHOLDS = "households", _("households")
        GROUPS = "groups", _("groups")
        SESSIONS = "sessions", _("sessions")
        TRAININGS = "trainings", _("trainings")
        CASES = "cases", _("cases")
        REFERRALS = "referrals", _("referrals")
        COMMUNES = "communes", _("communes")
        VILLAGES = "villages", _("villages")
        PERCENT = "percent", _("percent")
        USD = "USD", _("US dollars")
        KHR = "KHR", _("riel")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="targets")
    subgrant = models.ForeignKey(SubGrant, null=True, blank=True, on_delete=models.CASCADE, related_name="targets")
    indicator = models.SlugField(_("indicator"), max_length=60)
    description = models.CharField(_("description"), max_length=300)
    description_km = models.CharField(_("Khmer description"), max_length=300, blank=True)
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["programme", "subgrant", "indicator"]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value} {self.unit}"

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language when it is one of `Unit`, else as typed."""
        try:
            return str(self.Unit(self.unit).label)
        except ValueError:
            return self.unit


# ---------------------------------------------------------------- users and memberships
class User(AbstractUser):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="km")
    # Set for an account made with a one-time password: the first page after login asks for a new one.
    password_change_required = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.username


class Membership(BaseModel):
    """A user's role in one organisation, optionally limited to provinces or communes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships")
    # Deny by default: a place-limited membership with no province and no commune sees no place-bound record.
    place_limited = models.BooleanField(_("limited to places"), default=False)
    provinces = models.ManyToManyField(Province, blank=True, related_name="+", verbose_name=_("provinces"))
    communes = models.ManyToManyField(Commune, blank=True, related_name="+", verbose_name=_("communes"))
    is_active = models.BooleanField(_("active"), default=True)
    # An existing account added by another organisation's administrator: it gives no rights until the user
    # accepts (services.membership_invitation_accept). Accounts created by the administrator start accepted.
    pending = models.BooleanField(_("waiting for the user to accept"), default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="core_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation.short_name} ({self.role})"


class ApiToken(BaseModel):
    """An API key. Only its SHA-256 is stored: the key is shown once, when it is issued (core.tokens).

    It remembers what it was issued against: a fingerprint of the user's active memberships (organisation and
    role) and of their password, and whether a second factor was passed. The API refuses it once either
    changes, or when the user's role now needs a second factor the token was issued without.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, so its owner can tell their tokens apart; useless to an attacker.
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    fingerprint = models.CharField(max_length=64, editable=False)
    two_factor = models.BooleanField(_("issued with a second factor"), default=False, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    created_ip = models.GenericIPAddressField(_("issued to address"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


class RateCounter(models.Model):
    """How many times something happened for one key (a user, an address) in one fixed time window.

    In the database, not in a per-process cache, so several web processes share one count (core.ratelimit).
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="core_ratecounter_unique")]
        indexes = [models.Index(fields=["window_start"], name="core_ratecounter_window")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.count}"


# ---------------------------------------------------------------- people
class Household(OrgOwned):
    class Poverty(models.TextChoices):
        # Not asked yet: the default, so that a field left alone never records a household as poor or not poor.
        NOT_ASSESSED = "unassessed", _("Not assessed")
        IDPOOR_1 = "idpoor_1", _("IDPoor 1 (very poor)")
        IDPOOR_2 = "idpoor_2", _("IDPoor 2 (poor)")
        NONE = "none", _("Not IDPoor")

    code = models.CharField(_("household number"), max_length=30)
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    poverty_status = models.CharField(
        _("poverty status"), max_length=10, choices=Poverty.choices, default=Poverty.NOT_ASSESSED
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="core_household_unique_code")]

    def __str__(self) -> str:
        return self.code


# Prefix search (LIKE 'abc%') on PostgreSQL uses a btree index only with pattern operator classes;
# other databases ignore opclasses.
PREFIX_OPS = ["int8_ops", "varchar_pattern_ops"]


class CaseSequence(models.Model):
    """The last case number issued per organisation and year; locked while the next one is taken."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="core_caseseq_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"


class Person(OrgOwned):
    """Pseudonymous: what programmes count. What identifies the person lives in Identity."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    class Relationship(models.TextChoices):
        HEAD = "head", _("Head of household")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")
        GRANDCHILD = "grandchild", _("Grandchild")
        OTHER_RELATIVE = "other_relative", _("Other relative")
        NOT_RELATED = "not_related", _("Not related")

    # The organisation's number for the person; cases in the apps (protection, justice) number themselves.
    case_number = models.CharField(_("case number"), max_length=30)
    initials = models.CharField(_("initials"), max_length=8, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    # ISO 3166-1 alpha-2 (DESIGN §7); names come from core.countries in the reader's language.
    nationality = models.CharField(_("nationality"), max_length=2, default="KH")
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    birth_year_estimated = models.BooleanField(_("birth year is estimated"), default=False)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    relationship_to_head = models.CharField(
        _("relationship to head of household"), max_length=20, choices=Relationship.choices, blank=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("person")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "case_number"], name="core_person_unique_case_number")
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at", "-id"], name="core_person_org_recent"),
            models.Index(fields=["organisation", "province"], name="core_person_org_province"),
            # Case numbers are stored upper-case and searched from their start (LIKE 'CCPCR-2026%').
            models.Index(fields=["organisation", "case_number"], name="core_person_org_case", opclasses=PREFIX_OPS),
        ]

    def __str__(self) -> str:
        return self.case_number

    def label(self) -> str:
        return f"{self.case_number} {self.initials}".strip()

    def age_on(self, on: dt.date, date_of_birth: dt.date | None = None) -> Age | None:
        """The person's age on a day: exact from the date of birth (an identifying detail, so the caller
        passes it only for a role that may read it), else from the birth year, which gives it to a year."""
        return age_on(on, date_of_birth=date_of_birth, birth_year=self.birth_year)


@dataclass(frozen=True)
class Age:
    years: int
    exact: bool  # from a date of birth; otherwise from a birth year only ("about")


def age_on(on: dt.date, *, date_of_birth: dt.date | None = None, birth_year: int | None = None) -> Age | None:
    """Completed years on `on`. Someone born on 29 February turns a year older on 1 March in other years.
    From a birth year only, the age the person reaches in that year (one too many before their birthday).
    None when nothing is known, or `on` is before the birth."""
    if date_of_birth is not None:
        if on < date_of_birth:
            return None
        years = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
        return Age(years, exact=True)
    if birth_year is None or on.year < birth_year:
        return None
    return Age(on.year - birth_year, exact=False)


class Identity(BaseModel):
    """What identifies a person. Read only with the view_identity capability; every read is audited."""

    # The identifying details a user types and reads (forms, API, exports); the keys are derived.
    DETAIL_FIELDS = (
        "name_km",
        "name_latin",
        "date_of_birth",
        "phone",
        "national_id",
        "passport_number",
        "mother_name",
        "address_details",
        "other_names",
    )

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="identity", primary_key=True)
    # Denormalised owner so identity rows can be scoped and, later, distributed by organisation.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name_km = models.CharField(_("name in Khmer"), max_length=150, blank=True)
    name_latin = models.CharField(_("name in Latin letters"), max_length=150, blank=True)
    name_km_key = models.CharField(max_length=150, blank=True, editable=False)  # indexed with organisation
    name_latin_key = models.CharField(max_length=150, blank=True, editable=False)
    # The same keys with the first word moved last, so a given name alone finds "Family Given".
    name_km_alt_key = models.CharField(max_length=150, blank=True, editable=False)
    name_latin_alt_key = models.CharField(max_length=150, blank=True, editable=False)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    national_id = models.CharField(_("national ID number"), max_length=30, blank=True, db_index=True)
    passport_number = models.CharField(_("passport number"), max_length=30, blank=True, db_index=True)
    mother_name = models.CharField(_("mother's name"), max_length=150, blank=True)
    address_details = models.TextField(_("address details"), blank=True, max_length=500)
    # Other names the person is or was known by (nicknames, names on false documents), one per line;
    # searched like the names through OtherName, which holds their keys.
    other_names = models.TextField(_("other names"), blank=True, max_length=1600)
    # Only with the person's photo consent (services.identity_photo_set); stored outside the web root and
    # served by the person_photo view after an access check, every view audited.
    photo = models.FileField(_("photo"), storage=private_storage, upload_to=photo_file_name, blank=True, max_length=200)
    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "name_km_key",
            "name_latin_key",
            "name_km_alt_key",
            "name_latin_alt_key",
        ]
    )

    class Meta:
        verbose_name = _("identity")
        indexes = [
            models.Index(fields=["organisation", "name_km_key"], name="core_identity_org_km", opclasses=PREFIX_OPS),
            models.Index(
                fields=["organisation", "name_latin_key"],
                name="core_identity_org_latin",
                opclasses=PREFIX_OPS,
            ),
            models.Index(
                fields=["organisation", "name_km_alt_key"],
                name="core_identity_org_km_alt",
                opclasses=PREFIX_OPS,
            ),
            models.Index(
                fields=["organisation", "name_latin_alt_key"],
                name="core_identity_org_latin_alt",
                opclasses=PREFIX_OPS,
            ),
        ]

    def __str__(self) -> str:
        return f"identity of {self.person_id}"

    def other_name_list(self) -> list[str]:
        return [line for line in self.other_names.splitlines() if line.strip()]


class OtherName(models.Model):
    """The search keys of one of a person's other names (Identity.other_names), kept by the services that
    change them, so a name search finds a person by any name through an index, as for the main names."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_name_keys")
    key = models.CharField(max_length=150)
    alt_key = models.CharField(max_length=150, blank=True)  # first word last, as Identity's alt keys

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "key"], name="core_othername_org_key", opclasses=PREFIX_OPS),
            models.Index(fields=["organisation", "alt_key"], name="core_othername_org_alt", opclasses=PREFIX_OPS),
        ]

    def __str__(self) -> str:
        return f"other name of {self.person_id}"


class Consent(OrgOwned):
    class Purpose(models.TextChoices):
        CASE_MANAGEMENT = "case_management", _("Case management")
        REFERRAL = "referral", _("Referral to a named organisation")
        STATISTICS = "statistics", _("Data sharing for statistics")
        PHOTO = "photo", _("Photograph")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    recipient = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("receiving organisation"),
    )
    given = models.BooleanField(_("consent given"))
    given_by = models.CharField(_("given by"), max_length=100, help_text=_("The person, or their guardian."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose="referral") | Q(recipient__isnull=False),
                name="core_consent_referral_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose}: {self.given}"


class PossibleDuplicate(OrgOwned):
    """Two people of one organisation who may be the same person, for a case supervisor to decide on.

    Registered when a registration is saved with the same phone, ID or passport number, or the same name,
    birth year and commune, as someone already registered, and nobody confirmed on the form that it is a
    different person: because the registering user could not see the other record, or because both were
    registered at the same moment and each form's check ran before the other was saved (issue 8, item 5).
    Nothing is merged automatically (DOMAIN §6): the supervisor records "same person" or "different people".
    """

    class Decision(models.TextChoices):
        SAME = "same", _("Same person")
        DIFFERENT = "different", _("Different people")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")  # the later registration
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")  # registered before it
    reasons = models.JSONField(default=list)  # "phone", "national_id", "passport", "name"
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("possible duplicate")
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="core_possibleduplicate_unique_pair"),
            models.CheckConstraint(condition=~Q(person=models.F("other")), name="core_possibleduplicate_two_people"),
        ]
        indexes = [models.Index(fields=["organisation", "resolved_at"], name="core_possibleduplicate_open")]

    def __str__(self) -> str:
        return f"{self.person_id} ~ {self.other_id}"


class Referral(OrgOwned):
    """A person referred by one organisation (`organisation`, the sender) to another (`receiver`), sharing
    the sections of the person's records it names while it is accepted (DESIGN §5, core.access).

    Pending until the receiver accepts or declines it, or it expires; an accepted referral is assigned to a
    member of the receiver (whose own/team scope then applies) and ends when the receiver reports back
    (completed), or the sender revokes or closes it. Every step is a `refer` audit event.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired without an answer")
        COMPLETED = "completed", _("Completed by the receiver")
        REVOKED = "revoked", _("Withdrawn by the sender")
        CLOSED = "closed", _("Closed by the sender")

    OPEN = (Status.PENDING, Status.ACCEPTED)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    receiver = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received", verbose_name=_("referred to")
    )
    reason = models.TextField(_("reason for referral"), max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The consent relied on (for referral to this receiver), or the reason it was overridden.
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    consent_override_reason = models.CharField(max_length=300, blank=True)
    expires_at = models.DateTimeField(_("answer expected by"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    assigned_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_note = models.CharField(_("outcome or reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        constraints = [
            models.CheckConstraint(condition=~Q(receiver=models.F("organisation")), name="core_referral_not_to_itself"),
        ]
        indexes = [
            models.Index(fields=["receiver", "status"], name="core_referral_receiver"),
            models.Index(fields=["organisation", "status"], name="core_referral_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.receiver_id} ({self.status})"

    @property
    def current_status(self) -> str:
        """The status as of now: a waiting referral past its answer date is expired, even before the periodic
        job marks it so."""
        from django.utils import timezone

        if self.status == self.Status.PENDING and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.status

    def get_current_status_display(self) -> str:
        return str(self.Status(self.current_status).label)


class ReferredSection(models.Model):
    """One section of a person's records that a referral shares (a relation, so it can be counted)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["referral", "name"], name="core_referred_section_unique")]
        indexes = [models.Index(fields=["name", "referral"], name="core_referred_section_name")]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------- audit
class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """One append-only event (DESIGN §6). Never updated, never deleted — except that `core.audit.seal()` links
    it into the keyed chain once, filling `seq`, `prev_hash` and `hash` (or `refused_at` when its MAC does not
    fit)."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        DOWNLOAD = "download", _("downloaded")
        LOGIN = "login", _("logged in")
        LOGOUT = "logout", _("logged out")
        FAILED_LOGIN = "failed_login", _("failed login")
        LOCKED_OUT = "locked_out", _("locked out")
        REFER = "refer", _("referred")
        CONSENT_OVERRIDE = "consent_override", _("overrode consent")
        TWO_FACTOR = "two_factor", _("two-factor change")
        SEARCH = "search", _("searched")

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True)
    details = models.JSONField(default=dict)
    # 1: the chain before the audit key (SHA-256 of content and previous hash); 2: keyed (core.audit).
    scheme = models.PositiveSmallIntegerField(default=2)
    key_id = models.CharField(max_length=8, blank=True)  # fingerprint of the audit key that made `mac`
    mac = models.CharField(max_length=64, blank=True)  # HMAC of the content, written with the event
    # Filled by the sealer: the place in the chain, the previous event's chain hash and this one's.
    seq = models.BigIntegerField(null=True)  # unique by construction: only the sealer, under the head lock, sets it
    # NULL until sealed: unsealed rows cannot share one empty string under the unique constraint.
    prev_hash = models.CharField(max_length=64, null=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True, unique=True)  # noqa: DJ001
    refused_at = models.DateTimeField(null=True)  # the sealer found its MAC wrong: never sealed

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="core_audit_object"),
            models.Index(fields=["seq"], name="core_audit_seq"),
            models.Index(
                fields=["id"], condition=Q(seq__isnull=True, refused_at__isnull=True), name="core_audit_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit events are append-only")


class AuditChainHead(models.Model):
    """One row: the newest sealed event. Only the sealer locks it (core.audit.seal), never a writer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64)
    last_seq = models.BigIntegerField(default=0)
    sealed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.last_seq}:{self.last_hash}"


# ---------------------------------------------------------------- background jobs
class ExportJob(OrgOwned):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        DELETED = "deleted", _("Deleted after the retention period")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, default="people")  # a key of core.registry.export_kind
    format = models.CharField(max_length=5, default="xlsx")  # xlsx, csv, json or pdf
    params: Any = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done_rows = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=100, blank=True)
    content = models.BinaryField(null=True, editable=False)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The django-tasks-db result that builds it: the worker's reaper follows it (karpear/core/worker.py).
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.done_rows / self.total_rows))


# ---------------------------------------------------------------- form submissions processed once
class IdempotencyRecord(models.Model):
    """One form submission or API write, by one user, under the one-time key it carried (core.idempotency).

    The unique (user, key) row is inserted inside the transaction that runs the view, so a second request
    with the same key waits for the first, then replays its result instead of saving twice. It stores no
    content: `fingerprint` is a keyed hash of what was sent, and `location` names what was saved (a page
    address, or an API record's uuid), so identifying details never leave the records that hold them.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField(null=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} {self.method} {self.path} → {self.status}"


class WorkerHeartbeat(models.Model):
    """A running `karpear worker` process, rewritten every few seconds so that the others know it is alive.

    A RUNNING task whose worker stopped beating is given back to the queue by the reaper (core/worker.py).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    task_id = models.CharField(max_length=64, blank=True)  # the task it is running now

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host} ({self.pid})"
