"""Small grants (issue 12, item 8): one record type for group members and for survivors referred by protection
(through core's referrals). Eligibility gates are data; follow-ups at 3, 6 and 12 months record the business."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from karpear.core.models import Currency, OrgOwned, Person, Programme, Referral
from karpear.livelihoods.models.groups import GroupMember
from karpear.livelihoods.models.training import Training

FOLLOW_UP_MONTHS = (3, 6, 12)


class GrantGate(OrgOwned):
    """A condition an applicant must meet before a grant is approved (without an override reason): for the
    organisation's grants, or only for one programme's."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Attended a training on the topic")
        GROUP_MEMBER = "group_member", _("Active member of a group")

    class AppliesTo(models.TextChoices):
        ALL = "all", _("Every applicant")
        MEMBERS = "members", _("Group members")
        REFERRED = "referred", _("People referred to us")

    kind = models.CharField(_("condition"), max_length=20, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=30, choices=Training.Topic.choices, blank=True)
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    active = models.BooleanField(_("in force"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kind", "topic", "id"]
        verbose_name = _("eligibility condition")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="training") | ~Q(topic=""), name="liv_gate_training_has_topic")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.topic}"


class Grant(OrgOwned):
    """A small grant to start or grow a business: applied for, approved (or refused), disbursed once, then
    followed up. `member` is set for a group member's grant, `referral` for a referred person's."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        DISBURSED = "disbursed", _("Disbursed")
        CANCELLED = "cancelled", _("Cancelled")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        GroupMember, null=True, blank=True, on_delete=models.PROTECT, related_name="grants", verbose_name=_("member")
    )
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    purpose = models.TextField(_("business the grant starts or grows"), max_length=1000)
    amount_requested = models.DecimalField(_("amount requested"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.USD)
    applied_on = models.DateField(_("applied on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    eligibility = models.JSONField(default=list, blank=True)  # each gate and whether it was met, at the decision
    override_reason = models.CharField(_("reason for approving without every condition"), max_length=300, blank=True)
    amount_approved = models.DecimalField(_("amount approved"), max_digits=14, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    amount_disbursed = models.DecimalField(
        _("amount disbursed"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-applied_on", "-id"]
        verbose_name = _("small grant")
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=Q(referral__isnull=False), name="liv_grant_one_per_referral"
            ),
            models.CheckConstraint(
                condition=~Q(status="disbursed") | Q(amount_disbursed__isnull=False, disbursed_on__isnull=False),
                name="liv_grant_disbursed_has_amount",
            ),
            models.CheckConstraint(condition=Q(amount_requested__gt=0), name="liv_grant_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="liv_grant_org_status"),
            models.Index(fields=["person"], name="liv_grant_person"),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk}"

    @property
    def referred(self) -> bool:
        return self.referral_id is not None


class GrantFollowUp(OrgOwned):
    """A business follow-up due `month` months after the disbursement; recorded when done."""

    class Business(models.TextChoices):
        GROWING = "growing", _("Growing")
        STEADY = "steady", _("Running steadily")
        STRUGGLING = "struggling", _("Struggling")
        STOPPED = "stopped", _("Stopped")

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="follow_ups")
    month = models.PositiveSmallIntegerField(_("months after disbursement"))
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    business = models.CharField(_("the business"), max_length=12, choices=Business.choices, blank=True)
    monthly_income = models.DecimalField(
        _("income in the last month"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["grant", "month"]
        constraints = [models.UniqueConstraint(fields=["grant", "month"], name="liv_grant_follow_up_once")]

    def __str__(self) -> str:
        return f"{self.grant_id} +{self.month}m"
