"""Reads of the outreach app: the public portal's published content, the status of a help request by its
tracking code, and the triage queue (scoped by core.access)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from karpear.core import access, audit
from karpear.core.models import Commune, District, Province, User
from karpear.outreach.models import HelpContact, HelpRequest, PassportFee, PassportOffice, Topic
from karpear.outreach.services import code_hash, without_address


# ---------------------------------------------------------------- public portal
def topics() -> QuerySet[Topic]:
    return Topic.objects.filter(is_published=True)


def topic(slug: str) -> Topic | None:
    return topics().filter(slug=slug).first()


def passport_fees() -> list[PassportFee]:
    return list(PassportFee.objects.filter(is_published=True))


def passport_offices() -> list[PassportOffice]:
    return list(PassportOffice.objects.filter(is_published=True))


def contacts_for_place(
    *, province: Province | None, district: District | None, commune: Commune | None
) -> list[HelpContact]:
    """Who can help someone living at this place: the national contacts (hotlines), then those of the
    province, the district and the commune chosen (each level only once it is chosen)."""
    where = Q(province__isnull=True)
    if province is not None:
        where |= Q(province=province, district__isnull=True)
    if district is not None:
        where |= Q(district=district, commune__isnull=True)
    if commune is not None:
        where |= Q(commune=commune)
    rows = HelpContact.objects.filter(where, is_published=True).select_related("province", "district", "commune")

    def rank(contact: HelpContact) -> tuple[int, int, int]:
        # The free hotlines first, then the nearest: commune, district, province, national.
        depth = 3 if contact.commune_id else 2 if contact.district_id else 1 if contact.province_id else 0
        return (0 if contact.kind == HelpContact.Kind.HOTLINE else 1, -depth, contact.order)

    return sorted(rows, key=rank)


def help_request_status(code: str) -> HelpRequest | None:
    """The help request with this tracking code (already normalised), for its status alone. Every lookup is
    audited: a code that finds nothing with the network address, so that someone trying codes shows in the
    log; a code that finds a request without it (whoever checks is most likely the person who asked)."""
    request = HelpRequest.objects.filter(code_hash=code_hash(code)).only("uuid", "organisation", "status").first()
    if request is None:
        audit.record(actor=None, action="search", actor_name="public portal", kind="help_request_status", found=False)
    else:
        with without_address():
            audit.record(
                actor=None,
                action="search",
                obj=request,
                actor_name="public portal",
                kind="help_request_status",
                found=True,
            )
    return request


# ---------------------------------------------------------------- staff
def help_requests(*, user: User, waiting: bool = False) -> QuerySet[HelpRequest]:
    rows = access.visible(user, HelpRequest.objects.select_related("province", "triaged_by"))
    if waiting:
        rows = rows.filter(status=HelpRequest.Status.RECEIVED)
    return rows.order_by("status", "-created_at")
