"""Template filters for Khmer display: Khmer digits and Babel-formatted dates and numbers (DOMAIN §6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import phonenumbers
from babel.dates import format_date
from babel.numbers import format_decimal
from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from karpear.core.text import to_khmer_digits

register = template.Library()


def _khmer() -> bool:
    return (translation.get_language() or "").startswith("km")


def _digits(value: str) -> str:
    return to_khmer_digits(value) if _khmer() else value


@register.filter
def local_digits(value: object) -> str:
    """Khmer digits in the Khmer interface; unchanged in English."""
    return _digits("" if value is None else str(value))


@register.filter
def local_date(value: dt.date | None, fmt: str = "medium") -> str:
    """A date in the user's language (Khmer month names and digits in Khmer)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    locale = "km" if _khmer() else "en_GB"
    return _digits(format_date(value, format=fmt, locale=locale))


@register.filter
def local_number(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    locale = "km" if _khmer() else "en"
    return _digits(format_decimal(value, locale=locale))


@register.filter
def display_name(obj: object) -> str:
    """A place or organisation named in the user's script."""
    if _khmer():
        return str(getattr(obj, "name_km", "") or obj)
    return str(getattr(obj, "name_en", "") or getattr(obj, "name", "") or obj)


@register.filter
def split(value: str) -> list[str]:
    """ "a b c"|split → ["a", "b", "c"] (to loop over field names in a template)."""
    return value.split()


@register.filter
def field(form: object, name: str) -> object:
    """A bound field of a form by name, or None when the form does not have it (e.g. hidden for a role)."""
    try:
        return form[name]  # type: ignore[index]
    except KeyError:
        return None


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number as Cambodians write it (012 345 678); other countries in international form."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "KH")
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 855
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


REFERRAL_STEPS = {
    "sent": _("sent"),
    "accepted": _("accepted"),
    "declined": _("declined"),
    "assigned": _("assigned"),
    "completed": _("completed by the receiver"),
    "revoked": _("withdrawn by the sender"),
    "closed": _("closed by the sender"),
    "expired": _("expired without an answer"),
}


@register.filter
def referral_step(step: object) -> str:
    """A step of a referral (an audit event's `step`), in the user's language."""
    return str(REFERRAL_STEPS.get(str(step), step))
