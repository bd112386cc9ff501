"""Writes of the outreach app: a help request sent from the public portal, its triage, and the tracking code.

The tracking code is 16 digits (about 53 bits), shown in groups of four so it can be read aloud and typed on a
phone's number pad. It is derived from the one-time key the form carried (a keyed HMAC with the server's
secret), so a submission sent twice (a double tap, a resend after a lost answer) finds the request it already
made and shows the same code again, and nothing is saved twice. Only a hash of the code is stored: whoever
reads the database learns no code to look a request up with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from karpear.core import access, audit, countries
from karpear.core.models import Organisation, Province, User
from karpear.outreach.declarations import OutreachCapability
from karpear.outreach.models import HelpDesk, HelpRequest

CODE_DIGITS = 16
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


@contextmanager
def without_address() -> Iterator[None]:
    """Audit events written inside name a help request but not the visitor's network address: an anonymous
    request stays anonymous, even to whoever reads the audit log."""
    token = audit.current_ip.set(None)
    try:
        yield
    finally:
        audit.current_ip.reset(token)


def address_key(ip: str | None) -> str:
    """What a rate limit counts a visitor by: a keyed hash of the address, never the address itself."""
    return salted_hmac("karpear.outreach.rate", ip or "unknown", algorithm="sha256").hexdigest()[:32]


def new_form_key() -> str:
    """The one-time key a help-request form carries (128 random bits)."""
    return secrets.token_urlsafe(16)


def valid_form_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def code_for_key(key: str) -> str:
    """The tracking code of the submission that carried `key`: 16 digits, unguessable without the key."""
    digest = salted_hmac("karpear.outreach.tracking-code", key, algorithm="sha256").digest()
    return str(int.from_bytes(digest[:12], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def normalise_code(typed: str) -> str | None:
    """The 16 digits of a typed code (Khmer or Latin digits, spaces and dashes allowed), or None."""
    digits = re.sub(r"[\s\-.]", "", typed.translate(_KHMER_DIGITS))[:40]
    return digits if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit() else None


def grouped(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(f"karpear-help:{code}".encode()).hexdigest()


def desk_for(province: Province | None) -> Organisation:
    """The organisation whose help desk covers the province, else the default desk."""
    desks = HelpDesk.objects.filter(is_active=True, organisation__is_active=True).select_related("organisation")
    if province is not None:
        desk = desks.filter(provinces=province).order_by("pk").first()
        if desk is not None:
            return desk.organisation
    desk = desks.filter(is_default=True).first()
    if desk is None:
        raise ValidationError(_("Help requests cannot be received at the moment. Please call a hotline instead."))
    return desk.organisation


@dataclass(frozen=True)
class HelpRequestInput:
    about: str
    message: str
    anonymous: bool = True
    name: str = ""
    phone: str = ""
    province: Province | None = None
    country: str = ""
    city: str = ""
    employer: str = ""
    last_heard: dt.date | None = None


@dataclass(frozen=True)
class Submitted:
    request: HelpRequest
    code: str
    created: bool  # False: this form was sent before; `request` is the one it made then


def _check(data: HelpRequestInput) -> None:
    errors: dict[str, str] = {}
    if data.about not in HelpRequest.About.values:
        errors["about"] = _("Choose who the help is for.")
    if not data.message.strip():
        errors["message"] = _("Tell us what happened, in a few words.")
    if data.country and data.country not in countries.codes():
        errors["country"] = _("Choose a country from the list.")
    if data.country == "KH":
        errors["country"] = _("Choose the country abroad; for a place in Cambodia, choose the province.")
    if data.last_heard is not None and data.last_heard > timezone.localdate():
        errors["last_heard"] = _("This date is in the future.")
    if not data.anonymous and not (data.name.strip() or data.phone.strip()):
        errors["name"] = _("Give a name or a phone number, or send the request anonymously.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def help_request_submit(*, key: str, data: HelpRequestInput) -> Submitted:
    """Receive a help request from the public portal (no account). Sent again with the same form key, it
    returns the request made the first time and saves nothing."""
    if not valid_form_key(key):
        raise ValidationError(_("This form has expired. Open it again and send it once more."))
    code = code_for_key(key)
    existing = HelpRequest.objects.filter(code_hash=code_hash(code)).first()
    if existing is not None:
        return Submitted(existing, code, created=False)
    _check(data)
    organisation = desk_for(data.province)
    named = not data.anonymous
    try:
        with transaction.atomic():
            request = HelpRequest.objects.create(
                organisation=organisation,
                code_hash=code_hash(code),
                about=data.about,
                anonymous=data.anonymous,
                name=data.name.strip() if named else "",
                phone=data.phone.strip() if named else "",
                province=data.province,
                country=data.country,
                city=data.city.strip(),
                employer=data.employer.strip(),
                last_heard=data.last_heard,
                message=data.message.strip(),
            )
    except IntegrityError:  # the same form sent twice at the same moment: the other one saved it
        return Submitted(HelpRequest.objects.get(code_hash=code_hash(code)), code, created=False)
    with without_address():
        audit.record(actor=None, action="create", obj=request, actor_name="public portal", about=data.about)
    return Submitted(request, code, created=True)


@transaction.atomic
def help_request_triage(*, actor: User, request: HelpRequest, outcome: str, note: str = "") -> HelpRequest:
    """Sort a help request into a protection intake, a grievance, a legal-aid referral or information given.
    A request may be triaged again (a correction); each triage is an audit event with the outcome."""
    access.require(actor, OutreachCapability.TRIAGE_HELP_REQUEST, request)
    if outcome not in HelpRequest.Outcome.values:
        raise ValidationError({"outcome": _("Choose what this request becomes.")})
    previous = request.outcome
    request.outcome = outcome
    request.triage_note = note.strip()
    request.status = HelpRequest.Status.TRIAGED
    request.triaged_by = actor
    request.triaged_at = timezone.now()
    request.save(update_fields=["outcome", "triage_note", "status", "triaged_by", "triaged_at", "updated_at"])
    audit.record(actor=actor, action="update", obj=request, triage=outcome, previous=previous)
    return request
