"""Input of the small-grant pages (400-type errors only); the rules are grant_services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.core.forms import KhmerDateField
from karpear.core.models import Currency
from karpear.livelihoods import grant_services as services
from karpear.livelihoods.forms import MoneyField
from karpear.livelihoods.models import GrantFollowUp, GrantGate, Training


class GrantForm(forms.Form):
    purpose = forms.CharField(
        label=_("Business the grant starts or grows"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    amount_requested = MoneyField(label=_("Amount requested"), required=True)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.USD)
    applied_on = KhmerDateField(label=_("Applied on"))

    def to_input(self) -> services.GrantInput:
        data = self.cleaned_data
        return services.GrantInput(
            purpose=data["purpose"],
            amount_requested=data["amount_requested"],
            currency=data["currency"],
            applied_on=data["applied_on"],
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], widget=forms.RadioSelect
    )
    on = KhmerDateField(label=_("Decided on"))
    amount_approved = MoneyField(label=_("Amount approved"), help_text=_("Empty: the amount requested."))
    override_reason = forms.CharField(
        label=_("Reason for approving without every condition"),
        required=False,
        max_length=300,
        help_text=_("Only when the applicant does not meet a condition above."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300, help_text=_("Needed for a refusal."))


class DisburseForm(forms.Form):
    amount = MoneyField(label=_("Amount handed over"), required=True)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    on = KhmerDateField(label=_("Disbursed on"))


class FollowUpForm(forms.Form):
    done_on = KhmerDateField(label=_("Done on"))
    business = forms.ChoiceField(
        label=_("The business"), choices=GrantFollowUp.Business.choices, widget=forms.RadioSelect
    )
    monthly_income = MoneyField(label=_("Income in the last month"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class GateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Condition"), choices=GrantGate.Kind.choices)
    topic = forms.ChoiceField(
        label=_("Training topic"),
        required=False,
        choices=[("", "—"), *Training.Topic.choices],
        help_text=_("For a training condition."),
    )
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=GrantGate.AppliesTo.choices)
