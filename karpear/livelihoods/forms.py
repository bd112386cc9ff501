"""Input validation for the livelihoods pages (400-type errors only); the rules are the services'."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.core.forms import KhmerDateField, KhmerDecimalField, KhmerIntegerField, PlaceFieldsMixin
from karpear.core.models import Currency, Household, Person
from karpear.core.text import clean_text, to_ascii_digits
from karpear.livelihoods import services
from karpear.livelihoods.models import Attendance, ChargeMethod, CommitteeRole, Cycle, Group, GroupMember, GroupStage


class MoneyField(KhmerDecimalField):
    """An amount as typed on a phone: Khmer digits, spaces and thousands separators allowed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class GroupForm(PlaceFieldsMixin):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind of group"), choices=Group.Kind.choices)
    formed_on = KhmerDateField(label=_("Formed on"))

    field_order = ["name", "kind", "formed_on"]

    def to_input(self, facilitator: Any = None) -> services.GroupInput:
        data = self.cleaned_data
        return services.GroupInput(
            name=data["name"],
            kind=data["kind"],
            place=self.clean_place(),
            formed_on=data["formed_on"],
            facilitator=facilitator,
        )


class StageForm(forms.Form):
    stage = forms.TypedChoiceField(label=_("Stage"), choices=GroupStage.Stage.choices, coerce=int)
    reached_on = KhmerDateField(label=_("Reached on"))
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What shows it: a session held, a letter sent, an action taken."),
    )


class DissolveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Group.Dissolution.choices)
    on = KhmerDateField(label=_("Dissolved on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class MemberAddForm(forms.Form):
    case_number = forms.CharField(
        label=_("Case number of a registered person"),
        max_length=30,
        help_text=_("A person your organisation registered already, e.g. SOVANN-2026-00012."),
    )
    joined_on = KhmerDateField(label=_("Joined on"))

    def clean_case_number(self) -> str:
        return to_ascii_digits(clean_text(self.cleaned_data["case_number"])).upper()


class MemberRegisterForm(forms.Form):
    name_km = forms.CharField(label=_("Name in Khmer"), required=False, max_length=150)
    name_latin = forms.CharField(label=_("Name in Latin letters"), required=False, max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Person.Sex.choices])
    birth_year = KhmerIntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    household_code = forms.CharField(
        label=_("Household number"),
        required=False,
        max_length=30,
        help_text=_("A new household is created with this number in the group's village."),
    )
    poverty_status = forms.ChoiceField(
        label=_("Poverty status"),
        required=False,
        choices=Household.Poverty.choices,
        initial=Household.Poverty.NOT_ASSESSED,
    )
    joined_on = KhmerDateField(label=_("Joined on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not clean_text(data.get("name_km", "")) and not clean_text(data.get("name_latin", "")):
            self.add_error("name_km", _("Enter the name in Khmer or in Latin letters."))
        return data


class LeaveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for leaving"), choices=GroupMember.Exit.choices)
    on = KhmerDateField(label=_("Left on"))


class CommitteeForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"))
    role = forms.ChoiceField(label=_("Role"), choices=CommitteeRole.Role.choices)
    since = KhmerDateField(label=_("Since"))

    def __init__(self, *args: Any, members: list[GroupMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.uuid): m for m in members}
        self.fields["member"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (key, f"{m.number} · {m.person.initials}") for key, m in self.members.items()
        ]

    def clean_member(self) -> GroupMember:
        return self.members[self.cleaned_data["member"]]


class ConstitutionForm(forms.Form):
    started_on = KhmerDateField(label=_("Started on"))
    planned_end_on = KhmerDateField(label=_("Planned share-out"), help_text=_("Usually 8 to 12 months later."))
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.KHR)
    share_price = MoneyField(label=_("Share price"), required=True, initial=5000, min_value=Decimal("0.01"))
    min_shares = KhmerIntegerField(
        label=_("Fewest shares a member buys at a meeting"), min_value=0, max_value=5, initial=1
    )
    max_shares = KhmerIntegerField(
        label=_("Most shares a member buys at a meeting"), min_value=1, max_value=5, initial=5
    )
    social_fund_contribution = MoneyField(label=_("Social-fund contribution per meeting"), initial=500)
    loan_multiple = KhmerDecimalField(
        label=_("Loan limit, times the member's savings"),
        min_value=1,
        max_value=5,
        decimal_places=1,
        initial=3,
        help_text=_("3 is usual; 5 when the group also borrows from outside."),
    )
    charge_method = forms.ChoiceField(label=_("Service-charge method"), choices=ChargeMethod.choices)
    charge_rate = KhmerDecimalField(
        label=_("Service charge, % a month"), min_value=0, max_value=20, decimal_places=2, initial=5
    )
    loan_term_months = KhmerIntegerField(label=_("Loan term (months)"), min_value=1, max_value=12, initial=3)
    fine_absence = MoneyField(label=_("Fine for missing a meeting"), initial=0)
    fine_late = MoneyField(label=_("Fine for a late repayment"), initial=0)
    meeting_every_days = KhmerIntegerField(label=_("Days between meetings"), min_value=1, max_value=31, initial=7)
    membership_unit = forms.ChoiceField(label=_("Membership unit"), choices=Cycle.MembershipUnit.choices)
    rounding_unit = MoneyField(
        label=_("Share-out rounding unit"), required=True, initial=100, min_value=Decimal("0.01")
    )

    def to_input(self) -> services.ConstitutionInput:
        data = {k: v for k, v in self.cleaned_data.items() if v is not None}
        return services.ConstitutionInput(**data)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why is this entry corrected?"), max_length=300)


class ShareOutForm(forms.Form):
    carry_forward = MoneyField(
        label=_("Carried forward to the next cycle"),
        initial=0,
        help_text=_("Cash the group keeps in the loan fund for the next cycle (the social fund stays anyway)."),
    )


class MeetingForm(forms.Form):
    """The meeting screen: for every member, one input per step of the meeting order. Field names are
    `<step>-<member number>`, as the service reports its errors."""

    number = KhmerIntegerField(widget=forms.HiddenInput, min_value=1)
    held_on = KhmerDateField(label=_("Held on"))
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, members: list[GroupMember], cycle: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self.cycle = cycle
        for member in members:
            n = member.number
            self.fields[services.field_name(services.ATTENDANCE, n)] = forms.ChoiceField(
                choices=Attendance.Status.choices, initial=Attendance.Status.PRESENT
            )
            self.fields[services.field_name(services.SOCIAL, n)] = forms.BooleanField(
                required=False, initial=cycle.social_fund_contribution > 0
            )
            self.fields[services.field_name(services.SHARES, n)] = KhmerIntegerField(
                required=False, min_value=0, max_value=99, initial=None
            )
            for step in (services.REPAYMENT, services.FINE, services.PAYOUT, services.LOAN):
                self.fields[services.field_name(step, n)] = MoneyField()

    def to_input(self) -> services.MeetingInput:
        data = self.cleaned_data
        rows = []
        for member in self.members:
            n = member.number

            def value(step: str, n: int = n) -> Any:
                return data.get(services.field_name(step, n))

            rows.append(
                services.MemberRow(
                    number=n,
                    attendance=value(services.ATTENDANCE) or Attendance.Status.PRESENT,
                    social=self.cycle.social_fund_contribution if value(services.SOCIAL) else Decimal(0),
                    shares=value(services.SHARES) or 0,
                    repayment=value(services.REPAYMENT) or Decimal(0),
                    fine=value(services.FINE) or Decimal(0),
                    payout=value(services.PAYOUT) or Decimal(0),
                    loan=value(services.LOAN) or Decimal(0),
                )
            )
        return services.MeetingInput(
            number=data["number"],
            held_on=data["held_on"],
            rows=rows,
            submission=data.get("submission") or None,
            note=data.get("note", ""),
        )


def parse_amount(raw: str) -> Decimal | None:
    try:
        return Decimal(to_ascii_digits(raw).replace(",", "").strip() or "0")
    except InvalidOperation:
        return None


def today() -> dt.date:
    return timezone.localdate()


class BusinessPlanForm(forms.Form):
    """The group's three-year plan: one row of amounts per year (investment, expected income, expected costs)."""

    starts_on = KhmerDateField(label=_("First day of the plan"))
    activities = forms.CharField(
        label=_("Activities"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the group will do: e.g. buy a rice mill, sell organic rice together, raise pigs."),
    )
    funding_sources = forms.CharField(
        label=_("Funding sources"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The group's savings, a grant, a loan…"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {"investment": _("Investment"), "income": _("Expected income"), "costs": _("Expected costs")}
        for number in (1, 2, 3):
            for name, label in labels.items():
                self.fields[f"year{number}_{name}"] = KhmerDecimalField(
                    label=label, max_digits=14, decimal_places=2, initial=0
                )

    def year_rows(self) -> list[tuple[int, list[forms.BoundField]]]:
        return [(n, [self[f"year{n}_{name}"] for name in ("investment", "income", "costs")]) for n in (1, 2, 3)]

    def plan_input(self) -> services.BusinessPlanInput:
        data = self.cleaned_data
        return services.BusinessPlanInput(
            starts_on=data["starts_on"],
            activities=data["activities"],
            funding_sources=data["funding_sources"],
            years=[
                services.PlanYearInput(
                    investment=data[f"year{n}_investment"], income=data[f"year{n}_income"], costs=data[f"year{n}_costs"]
                )
                for n in (1, 2, 3)
            ],
        )

    @classmethod
    def initial_of(cls, plan: Any) -> dict[str, Any]:
        if plan is None:
            return {"starts_on": timezone.localdate().strftime("%d/%m/%Y")}
        initial: dict[str, Any] = {
            "starts_on": plan.starts_on.strftime("%d/%m/%Y"),
            "activities": plan.activities,
            "funding_sources": plan.funding_sources,
        }
        for year in plan.years.all():
            for name in ("investment", "income", "costs"):
                initial[f"year{year.number}_{name}"] = getattr(year, name)
        return initial
