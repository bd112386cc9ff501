"""Groups and their members: savings groups, self-help groups, producer groups and cooperatives (issue 12, item 1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from karpear.core.models import PREFIX_OPS, Commune, District, OrgOwned, Person, Programme, Province, SubGrant, Village


class Group(OrgOwned):
    """A group a facilitating organisation (`organisation`) works with, in one village."""

    class Kind(models.TextChoices):
        SAVINGS = "savings", _("Savings group")
        SELF_HELP = "self_help", _("Self-help group")
        RICE_PRODUCERS = "rice_producers", _("Organic rice producer group")
        VEGETABLE_PRODUCERS = "vegetable_producers", _("Vegetable producer group")
        RICE_MILL = "rice_mill", _("Rice-mill cooperative")
        AGRICULTURAL_COOPERATIVE = "agricultural_cooperative", _("Agricultural cooperative")

    class Dissolution(models.TextChoices):
        MEMBERS_DECIDED = "members_decided", _("The members decided to stop")
        TOO_FEW_MEMBERS = "too_few_members", _("Too few members left")
        MERGED = "merged", _("Merged with another group")
        PROGRAMME_ENDED = "programme_ended", _("The programme ended")
        OTHER = "other", _("Other reason")

    name = models.CharField(_("name"), max_length=120)
    name_key = models.CharField(max_length=200, editable=False)  # core.text.name_key: search and order
    kind = models.CharField(_("kind of group"), max_length=30, choices=Kind.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune"))
    village = models.ForeignKey(
        Village, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    subgrant = models.ForeignKey(
        SubGrant, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("sub-grant")
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("field officer"),
    )
    formed_on = models.DateField(_("formed on"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    dissolution_reason = models.CharField(
        _("reason for dissolving"), max_length=20, choices=Dissolution.choices, blank=True
    )
    dissolution_note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Its current members (joined, not left) and the women among them, kept by the member services in the same
    # transaction as each join, departure and dissolution (and recounted for people whose record changed in core:
    # `figures.recount_recent_people`), so that lists and programme indicators never count member rows.
    members_now = models.PositiveIntegerField(default=0, editable=False)
    women_now = models.PositiveIntegerField(default=0, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "name_key", "members_now", "women_now"])

    class Meta:
        ordering = ["name_key", "id"]
        verbose_name = _("group")
        indexes = [
            models.Index(fields=["organisation", "name_key", "id"], name="liv_group_org_name"),
            models.Index(fields=["organisation", "name_key"], name="liv_group_org_name_prefix", opclasses=PREFIX_OPS),
            models.Index(fields=["organisation", "commune"], name="liv_group_org_commune"),
            models.Index(fields=["programme"], name="liv_group_programme"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=models.F("formed_on")),
                name="liv_group_dissolved_after_formed",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_savings(self) -> bool:
        return self.kind in (self.Kind.SAVINGS, self.Kind.SELF_HELP)


class GroupStage(OrgOwned):
    """A stage of the ICC approach a group reached, with its date and evidence (issue 12, item 1)."""

    class Stage(models.IntegerChoices):
        INFORMATION = 1, _("Information and awareness")
        CIVIC_EDUCATION = 2, _("Civic education")
        EMPOWERMENT = 3, _("Empowerment and mobilisation")
        CIVIC_ACTION = 4, _("Civic action")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="stages")
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices)
    reached_on = models.DateField(_("reached on"))
    evidence = models.TextField(_("evidence"), max_length=1000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["group", "stage"]
        constraints = [models.UniqueConstraint(fields=["group", "stage"], name="liv_stage_once")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.stage}"


class GroupMember(OrgOwned):
    """A person's membership of a group. The person is core's pseudonymous record (household and poverty come
    from it); nothing of the person's other records is shown here."""

    class Exit(models.TextChoices):
        MIGRATED = "migrated", _("Migrated for work")
        MOVED = "moved", _("Moved away")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        DIED = "died", _("Died")
        OTHER = "other", _("Other reason")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("member number"))
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    exit_reason = models.CharField(_("reason for leaving"), max_length=20, choices=Exit.choices, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["group", "number"]
        verbose_name = _("group member")
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="liv_member_number"),
            models.UniqueConstraint(
                fields=["group", "person"], condition=Q(left_on__isnull=True), name="liv_member_once_at_a_time"
            ),
        ]
        indexes = [
            models.Index(fields=["person"], name="liv_member_person"),
            # members who left, for the drop-out of a cycle (few rows: most members stay)
            models.Index(fields=["group", "left_on"], name="liv_member_left", condition=Q(left_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}#{self.number}"

    @property
    def active(self) -> bool:
        return self.left_on is None


class CommitteeRole(OrgOwned):
    """A member's place on the committee, or as one of the three key holders (who are not on the committee:
    the box has three locks, DOMAIN §3)."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Group chair")
        TREASURER = "treasurer", _("Cash-box keeper")
        SECRETARY = "secretary", _("Record keeper")
        MONEY_COUNTER = "money_counter", _("Money counter")
        KEY_HOLDER = "key_holder", _("Key holder")

    COMMITTEE = (Role.CHAIR, Role.TREASURER, Role.SECRETARY, Role.MONEY_COUNTER)
    KEY_HOLDERS = 3

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="committee")
    member = models.ForeignKey(GroupMember, on_delete=models.PROTECT, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["group", "role", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "role"],
                condition=Q(until__isnull=True) & ~Q(role="key_holder"),
                name="liv_committee_one_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.role}"
