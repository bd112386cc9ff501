"""Input of the producer-group and market pages (400-type errors only); the rules are market_services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.core.forms import KhmerDateField, KhmerDecimalField
from karpear.core.models import Currency
from karpear.livelihoods.forms import MoneyField
from karpear.livelihoods.models import Buyer, Employer, GroupMember, Product, Unit


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _quantity(label: Any) -> KhmerDecimalField:
    return KhmerDecimalField(label=label, min_value=0, max_digits=12, decimal_places=2)


class _Members(forms.Form):
    """A form that picks a member of the group (and, with `optional`, none: the group together)."""

    optional = False

    def __init__(self, *args: Any, members: list[GroupMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.uuid): m for m in members}
        choices: list[tuple[str, Any]] = [
            (key, f"#{m.number} {m.person.initials}".strip()) for key, m in self.members.items()
        ]
        if self.optional:
            choices = [("", _("The group together")), *choices]
        _choice(self, "member").choices = choices
        self.fields["member"].required = not self.optional

    def picked_member(self) -> GroupMember | None:
        return self.members.get(self.cleaned_data.get("member") or "")


class ProductionForm(_Members):
    member = forms.ChoiceField(label=_("Member"))
    product = forms.ChoiceField(label=_("Product"), choices=Product.choices)
    on = KhmerDateField(label=_("Harvested on"))
    quantity = _quantity(_("Quantity"))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)


class SaleForm(_Members):
    optional = True
    member = forms.ChoiceField(label=_("Sold by"), required=False)
    buyer = forms.ChoiceField(label=_("Buyer"), required=False)
    product = forms.ChoiceField(label=_("Product"), choices=Product.choices)
    on = KhmerDateField(label=_("Sold on"))
    quantity = _quantity(_("Quantity"))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    unit_price = MoneyField(label=_("Price per unit"), required=True)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.KHR)

    def __init__(self, *args: Any, buyers: list[Buyer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buyers = {str(b.uuid): b for b in buyers}
        _choice(self, "buyer").choices = [("", "—"), *((key, b.name) for key, b in self.buyers.items())]

    def picked_buyer(self) -> Buyer | None:
        return self.buyers.get(self.cleaned_data.get("buyer") or "")


class MillingForm(_Members):
    member = forms.ChoiceField(label=_("Member"))
    on = KhmerDateField(label=_("Milled on"))
    paddy_kg = _quantity(_("Paddy in (kg)"))
    rice_kg = _quantity(_("Rice out (kg)"))
    fee = MoneyField(label=_("Fee"))
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.KHR)


class MarketLinkForm(forms.Form):
    buyer = forms.ChoiceField(label=_("Buyer"))
    product = forms.ChoiceField(label=_("Product"), choices=Product.choices)
    since = KhmerDateField(label=_("Since"))
    terms = forms.CharField(label=_("Terms agreed"), required=False, max_length=300)

    def __init__(self, *args: Any, buyers: list[Buyer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buyers = {str(b.uuid): b for b in buyers}
        _choice(self, "buyer").choices = [(key, b.name) for key, b in self.buyers.items()]


class BuyerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of buyer"), choices=Buyer.Kind.choices)
    contact = forms.CharField(label=_("Contact"), required=False, max_length=120)


class EmployerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    sector = forms.CharField(label=_("Sector"), required=False, max_length=80)
    contact = forms.CharField(label=_("Contact"), required=False, max_length=120)
    vetted_on = KhmerDateField(label=_("Vetted on"), required=False)


class PlacementForm(forms.Form):
    employer = forms.ChoiceField(label=_("Employer"))
    job = forms.CharField(label=_("Job"), max_length=120)
    started_on = KhmerDateField(label=_("Started on"))
    monthly_wage = MoneyField(label=_("Monthly wage"))
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.USD)

    def __init__(self, *args: Any, employers: list[Employer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.employers = {str(e.uuid): e for e in employers}
        _choice(self, "employer").choices = [(key, e.name) for key, e in self.employers.items()]
