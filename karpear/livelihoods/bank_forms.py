"""Input of the in-kind bank pages (400-type errors only); the rules, and the messages about quantities, are
the services' (bank_services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.core.forms import KhmerDateField, KhmerDecimalField, KhmerIntegerField
from karpear.core.models import Currency
from karpear.livelihoods import bank_services
from karpear.livelihoods.models import Animal, AnimalEvent, Bank, GroupMember


def KgField(**kwargs: Any) -> KhmerDecimalField:  # a field factory, named like a field
    kwargs.setdefault("label", _("Kg"))
    return KhmerDecimalField(max_digits=12, decimal_places=4, **kwargs)


def AmountField(**kwargs: Any) -> KhmerDecimalField:
    return KhmerDecimalField(max_digits=14, decimal_places=2, **kwargs)


class MemberChoiceField(forms.ChoiceField):
    """A member of the group, by number and initials (what the group knows them by)."""

    def __init__(self, *, members: list[GroupMember], **kwargs: Any) -> None:
        self.members = {str(m.uuid): m for m in members}
        choices = [("", "—")] + [(key, f"{m.number} · {m.person.initials}") for key, m in self.members.items()]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value: Any) -> GroupMember:
        return self.members[super().clean(value)]


class BankForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of bank"), choices=Bank.Kind.choices)
    commodity = forms.CharField(
        label=_("What it lends"),
        required=False,
        max_length=80,
        help_text=_("For example paddy, milled rice, maize seed."),
    )
    opened_on = KhmerDateField(label=_("Opened on"))
    interest_percent = KhmerDecimalField(
        label=_("Interest (%)"),
        max_digits=5,
        decimal_places=2,
        initial=10,
        help_text=_("10 %: 100 kg borrowed, 110 kg repaid."),
    )
    term_months = KhmerIntegerField(label=_("Loan term (months)"), initial=12)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.KHR)
    price_per_kg = AmountField(
        label=_("Committee's price per kg"),
        required=False,
        help_text=_("What a kg is worth when a loan is repaid in cash."),
    )
    holding_months = KhmerIntegerField(
        label=_("Holding period (months)"),
        initial=6,
        help_text=_("Animal banks: how long an offspring stays with its mother before it is passed on."),
    )

    def to_input(self) -> bank_services.BankInput:
        data = self.cleaned_data
        return bank_services.BankInput(
            name=data["name"],
            kind=data["kind"],
            commodity=data.get("commodity", ""),
            opened_on=data["opened_on"],
            interest_percent=data["interest_percent"],
            term_months=data["term_months"],
            currency=data["currency"],
            price_per_kg=data.get("price_per_kg"),
            holding_months=data["holding_months"],
        )


class DepositForm(forms.Form):
    kg = KgField()
    on = KhmerDateField(label=_("Date"))
    opening = forms.BooleanField(label=_("This is the bank's initial stock"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class LossForm(forms.Form):
    kg = KgField()
    on = KhmerDateField(label=_("Date"))
    note = forms.CharField(
        label=_("What was lost and how"), max_length=300, help_text=_("For example: rats, damp, theft.")
    )


class LendForm(forms.Form):
    kg = KgField()
    on = KhmerDateField(label=_("Lent on"))

    def __init__(self, *args: Any, members: list[GroupMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"member": MemberChoiceField(label=_("Member"), members=members), **self.fields}


class RepayForm(forms.Form):
    KG, CASH = "kg", "cash"
    how = forms.ChoiceField(
        label=_("Repaid in"),
        choices=[(KG, _("Kg")), (CASH, _("Cash, at the committee's price"))],
        initial=KG,
        widget=forms.RadioSelect,
    )
    kg = KgField(required=False)
    cash = AmountField(label=_("Cash paid"), required=False)
    on = KhmerDateField(label=_("Repaid on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == self.KG and data.get("kg") is None and "kg" not in self.errors:
            self.add_error("kg", _("Enter the kg repaid."))
        if data.get("how") == self.CASH and data.get("cash") is None and "cash" not in self.errors:
            self.add_error("cash", _("Enter the cash paid."))
        return data

    def amounts(self) -> dict[str, Decimal | None]:
        data = self.cleaned_data
        if data["how"] == self.KG:
            return {"kg": data["kg"], "cash": None}
        return {"kg": None, "cash": data["cash"]}


class AnimalForm(forms.Form):
    species = forms.ChoiceField(label=_("Animal"), choices=Animal.Species.choices)
    sex = forms.ChoiceField(label=_("Sex"), choices=Animal.Sex.choices)
    tag = forms.CharField(label=_("Ear tag or name"), required=False, max_length=40)
    received_on = KhmerDateField(label=_("Received on"))
    born_on = KhmerDateField(label=_("Born on"), required=False, help_text=_("If known."))

    def __init__(self, *args: Any, members: list[GroupMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder"] = MemberChoiceField(label=_("Household that receives it"), members=members)
        self.order_fields(["species", "sex", "tag", "holder", "received_on", "born_on"])

    def to_input(self) -> bank_services.AnimalInput:
        data = self.cleaned_data
        return bank_services.AnimalInput(
            species=data["species"],
            sex=data["sex"],
            holder=data["holder"],
            received_on=data["received_on"],
            tag=data.get("tag", ""),
            born_on=data.get("born_on"),
        )


class BirthForm(forms.Form):
    sex = forms.ChoiceField(label=_("Sex of the offspring"), choices=Animal.Sex.choices)
    born_on = KhmerDateField(label=_("Born on"))
    tag = forms.CharField(label=_("Ear tag or name"), required=False, max_length=40)


class PassOnForm(forms.Form):
    on = KhmerDateField(label=_("Passed on"))

    def __init__(self, *args: Any, members: list[GroupMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"to": MemberChoiceField(label=_("Next household"), members=members), **self.fields}


class EndForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=[(AnimalEvent.Kind.DEATH, _("It died")), (AnimalEvent.Kind.SALE, _("It was sold"))],
    )
    on = KhmerDateField(label=_("Date"))
    amount = AmountField(label=_("Sold for"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReplaceForm(forms.Form):
    sex = forms.ChoiceField(label=_("Sex"), choices=Animal.Sex.choices)
    tag = forms.CharField(label=_("Ear tag or name"), required=False, max_length=40)
    on = KhmerDateField(label=_("Received on"))


class AnimalRepaymentForm(forms.Form):
    amount = AmountField(label=_("Amount repaid"))
    on = KhmerDateField(label=_("Date"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
