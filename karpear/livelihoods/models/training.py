"""Cascade training and farm-business advisors (issue 12, item 6).

Staff train model farmers; model farmers train households; the reach of the cascade is counted from the
attendance rows of these trainings, never typed. A farm-business advisor follows up to ten households with
visits. Model farmers and advisors are members of a group (the group they come from), which scopes them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.models import OrgOwned, Person, Programme
from karpear.livelihoods.models.groups import Group, GroupMember

ADVISOR_LIMIT = 10  # households one farm-business advisor follows at a time (CEDAC)


class FarmerRole(OrgOwned):
    """A group member named model farmer (trains households) or farm-business advisor (follows households)."""

    class Kind(models.TextChoices):
        MODEL_FARMER = "model_farmer", _("Model farmer")
        ADVISOR = "advisor", _("Farm-business advisor")

    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="farmer_roles")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="farmer_roles")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["group", "kind", "member__number"]
        verbose_name = _("model farmer or advisor")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind"], condition=Q(until__isnull=True), name="liv_farmer_role_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.member_id}"

    @property
    def active(self) -> bool:
        return self.until is None


class Training(OrgOwned):
    """A training session held with a group: given by a member of staff or by a model farmer."""

    class Topic(models.TextChoices):
        ANIMAL_RAISING = "animal_raising", _("Animal raising")
        CHICKEN_RAISING = "chicken_raising", _("Chicken raising")
        ORGANIC_RICE = "organic_rice", _("Organic rice farming")
        VEGETABLES = "vegetables", _("Vegetable growing")
        FINANCIAL_LITERACY = "financial_literacy", _("Financial literacy")
        MARKETING = "marketing", _("Marketing")
        BUSINESS_PLANNING = "business_planning", _("Business planning")
        SAVINGS_GROUP = "savings_group", _("Running a savings group")
        OTHER = "other", _("Other topic")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("group"))
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    title = models.CharField(_("title"), max_length=150, blank=True)
    held_on = models.DateField(_("held on"))
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(80)]
    )
    trainer_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("trainer (staff)"),
    )
    trainer_farmer = models.ForeignKey(
        FarmerRole,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trainings_given",
        verbose_name=_("trainer (model farmer)"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("training")
        constraints = [
            models.CheckConstraint(
                condition=(Q(trainer_staff__isnull=False) & Q(trainer_farmer__isnull=True))
                | (Q(trainer_staff__isnull=True) & Q(trainer_farmer__isnull=False)),
                name="liv_training_one_trainer",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "topic"], name="liv_training_org_topic"),
            models.Index(fields=["programme"], name="liv_training_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.held_on}"

    @property
    def by_model_farmer(self) -> bool:
        return self.trainer_farmer_id is not None


class TrainingAttendance(OrgOwned):
    """One person present at a training: the only source of the cascade's counts."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["training", "id"]
        constraints = [models.UniqueConstraint(fields=["training", "person"], name="liv_training_attended_once")]
        indexes = [models.Index(fields=["person"], name="liv_training_att_person")]

    def __str__(self) -> str:
        return f"{self.training_id}: {self.person_id}"


class AdvisorHousehold(OrgOwned):
    """A household a farm-business advisor follows (through one of its people), from `since` until `until`."""

    advisor = models.ForeignKey(FarmerRole, on_delete=models.PROTECT, related_name="households")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["advisor", "since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["advisor", "person"], condition=Q(until__isnull=True), name="liv_advisor_follows_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.advisor_id}: {self.person_id}"


class AdvisorVisit(OrgOwned):
    """An advisor's visit to a household they follow."""

    follow = models.ForeignKey(AdvisorHousehold, on_delete=models.PROTECT, related_name="visits")
    advisor = models.ForeignKey(FarmerRole, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("visited on"))
    topic = models.CharField(_("topic"), max_length=30, choices=Training.Topic.choices)
    advice = models.TextField(_("advice given"), max_length=1000)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.follow_id} {self.visited_on}"
