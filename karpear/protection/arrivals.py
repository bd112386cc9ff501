"""People a partner hands over to protection through core's referrals (issue 13, item 4): ADHOC brings victims
home from abroad and, when they arrive, refers them to CCPCR with their consent; CCPCR accepts the referral
and its caseworker registers the intake from it. The protection case keeps the referral, so the sender is told
through core (`registry.referral_records`) that an intake was registered, by whom and when: the case number and
a link only for a user who may open the case.

The intake registers the person again, as CCPCR's own (core's registration, prefilled from what the referral
shares): the sender's record stays theirs and is seen only while the referral is accepted.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from karpear.core import access, audit, registry
from karpear.core import selectors as core_selectors
from karpear.core import services as core_services
from karpear.core.models import Referral, User
from karpear.protection import services
from karpear.protection.declarations import ProtectionCapability as C
from karpear.protection.models import HandedOverBy, ProtectionCase, ReturnType


# ---------------------------------------------------------------- reads
def referrals_awaiting_intake(*, user: User) -> QuerySet[Referral]:
    """Accepted referrals to the user's organisation, in their scope (assigned to them, their team, or any for
    a supervisor), from which no protection case was registered yet. Empty for a role that may not add cases."""
    membership = access.membership_for(user)
    if membership is None or not access.has_capability(user, C.ADD_CASE):
        return Referral.objects.none()
    taken = ProtectionCase.objects.filter(organisation_id=membership.organisation_id, referral__isnull=False).values(
        "referral_id"
    )
    return (
        access.visible(
            user,
            Referral.objects.filter(receiver_id=membership.organisation_id, status=Referral.Status.ACCEPTED),
        )
        .exclude(pk__in=taken)
        .select_related("organisation", "person")
        .order_by("-decided_at", "-id")
    )


def referral_for_intake(*, user: User, uuid: object) -> Referral:
    """One referral of `referrals_awaiting_intake` (404 otherwise)."""
    return access.get_for_user(
        user, Referral, str(uuid), queryset=referrals_awaiting_intake(user=user).select_related("receiver")
    )


def intake_initial(*, user: User, referral: Referral) -> dict[str, Any]:
    """What the intake form starts with: the person as the referral shares them (the identifying details only
    when it shares them and the user may read them: that read is audited) and where they came from."""
    person = referral.person
    initial: dict[str, Any] = {
        "sex": person.sex,
        "birth_year": person.birth_year,
        "birth_year_estimated": person.birth_year_estimated,
        "nationality": person.nationality,
        "arrived_on": timezone.localdate(),
        "return_type": ReturnType.RESCUED,
        "handed_over_by": HandedOverBy.NGO,
        "handed_over_detail": referral.organisation.short_name.upper(),
    }
    identity = core_selectors.person_identity(user=user, person=person, reason="intake_from_referral")
    if identity is not None:
        for name in ("name_km", "name_latin", "phone", "national_id", "passport_number", "mother_name"):
            initial[name] = getattr(identity, name)
        initial["date_of_birth"] = identity.date_of_birth
    return initial


# ---------------------------------------------------------------- writes
@transaction.atomic
def intake_from_referral(
    *,
    actor: User,
    referral: Referral,
    person: core_services.PersonInput,
    intake: services.IntakeInput,
    rights: services.RightsInput | None = None,
    consents: list[services.ConsentInput] | None = None,
) -> ProtectionCase:
    """Register the intake of a person referred to the actor's organisation: the referral must be accepted and
    in the actor's scope, and no intake registered from it yet (one per referral). The rest is
    `services.intake_register`'s, with its rules and refusals; nothing is saved when one is refused. Locks the
    referral's row first (core.referrals), then intake_register's locks. Audited."""
    access.require(actor, C.ADD_CASE)
    membership = access.membership_for(actor)
    if membership is None:
        raise PermissionDenied
    visible = access.get_for_user(actor, Referral, referral.uuid)
    locked = Referral.objects.select_for_update().get(pk=visible.pk)
    if locked.receiver_id != membership.organisation_id or locked.status != Referral.Status.ACCEPTED:
        raise ValidationError(_("Only a referral to your organisation that was accepted opens an intake."))
    if ProtectionCase.objects.filter(referral=locked).exists():
        raise ValidationError(_("An intake was already registered from this referral."))
    case = services.intake_register(actor=actor, person=person, intake=intake, rights=rights, consents=consents)
    case.referral = locked
    case.save(update_fields=["referral", "updated_at"])
    audit.record(actor=actor, action="update", obj=case, fields="referral", referral=str(locked.uuid))
    return case


# ---------------------------------------------------------------- told to the sender, through core
def referral_records(*, user: User, referral_ids: Any) -> list[registry.ReferralRecord]:
    """The protection cases registered from these referrals (core passes only referrals the user may see, as a
    subquery of their ids):
    numbered and linked for a user who may open the case, else only who registered an intake and when."""
    seen = access.visible(user, ProtectionCase.objects.filter(pk=OuterRef("pk")))
    cases = (
        ProtectionCase.objects.filter(referral_id__in=referral_ids)
        .annotate(seen=Exists(seen))
        .select_related("organisation")
        .order_by("referral_id", "id")
    )  # one query: the cases and, for each, whether the user may open it
    records = []
    for case in cases:
        assert case.referral_id is not None
        if case.seen:
            label = _("Protection case %(number)s") % {"number": case.number}
            url = reverse("protection:case_detail", args=[case.uuid])
        else:
            label = _("Protection intake registered by %(organisation)s") % {
                "organisation": case.organisation.short_name.upper()
            }
            url = ""
        records.append(registry.ReferralRecord(referral_id=case.referral_id, label=label, on=case.arrived_on, url=url))
    return records
