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

from karpear.core.models import OrgOwned


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

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("protection case")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="protection_case_unique_number"),
            models.CheckConstraint(
                condition=Q(rights_acknowledged_on__isnull=True) | ~Q(rights_acknowledged_by=""),
                name="protection_case_rights_by_whom",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at", "-id"], name="protection_case_org_recent"),
            models.Index(fields=["assigned_to", "status"], name="protection_case_assigned"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)
