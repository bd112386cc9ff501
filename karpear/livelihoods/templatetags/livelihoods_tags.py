"""Money and member labels for the livelihoods pages, in the user's script."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from karpear.core.templatetags.karpear import local_number

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str = "KHR") -> str:
    """12,500 ៛ (or $12.50), with Khmer digits in the Khmer interface."""
    if amount is None:
        return ""
    if currency == "USD":
        return "$" + local_number(Decimal(amount).quantize(Decimal("0.01")))
    return local_number(Decimal(amount).quantize(Decimal(1))) + " ៛"


@register.filter
def member_label(member: object) -> str:
    """A member as the group knows them on paper: their number and initials (nothing that identifies them)."""
    person = getattr(member, "person", None)
    initials = getattr(person, "initials", "") or ""
    return f"{getattr(member, 'number', '')} · {initials}".strip(" ·")


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key)


@register.simple_tag
def meeting_input(field: BoundField, step: str, max_shares: int = 5) -> SafeString:
    """One member's input on the meeting screen, as small as it can be (the screen holds 7 × 30 of them and
    must weigh ≤ 30 KB): no id, the label wraps it."""
    name, value = field.html_name, field.value()
    if step == "attendance":
        chosen = value or "present"
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((key, " selected" if key == chosen else "", label) for key, label in _ATTENDANCE_CHOICES()),
        )
        return format_html('<select name="{}">{}</select>', name, options)
    if step == "social":
        return format_html('<input type="checkbox" name="{}"{}>', name, " checked" if value else "")
    shown = "" if value in (None, "", 0, "0") else value
    if step == "shares":
        return format_html('<input name="{}" value="{}" inputmode="numeric">', name, shown)
    return format_html('<input name="{}" value="{}" inputmode="decimal">', name, shown)


def _ATTENDANCE_CHOICES() -> list[tuple[str, str]]:
    from karpear.livelihoods.models import Attendance

    return [(key, str(label)) for key, label in Attendance.Status.choices]


@register.filter
def indicator(value: object, currency: str = "KHR") -> str:
    """A SAVIX indicator's value (livelihoods.savix.Value) in its unit: 12 · 36.7 % · 12,500 ៛; "—" when it has
    none (nothing to divide by yet)."""
    from karpear.livelihoods.savix import Unit

    number = getattr(value, "value", None)
    if number is None:
        return "—"
    unit = value.definition.unit  # type: ignore[attr-defined]
    if unit == Unit.PERCENT:
        return local_number(Decimal(number).quantize(Decimal("0.1"))) + " %"
    if unit == Unit.MONEY:
        return money(number, currency)
    return local_number(number)


@register.filter
def kg(amount: Decimal | int | None) -> str:
    """110 kg (or ១១០ គ.ក), to 10 grams, without trailing zeros."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return _("%(kg)s kg") % {"kg": local_number(value)}
