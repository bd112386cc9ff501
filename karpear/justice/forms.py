"""User-input validation of the legal-aid pages; business rules stay in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.core import countries
from karpear.core import services as core_services
from karpear.core.forms import KhmerDateField, KhmerDecimalField, KhmerIntegerField, QuickSelect
from karpear.core.models import Currency, Person, User
from karpear.justice import selectors, services
from karpear.justice.models import (
    AddresseeKind,
    Article,
    CaseStatus,
    ClientRelation,
    CostKind,
    CourtLevel,
    CustodyAction,
    EvidenceKind,
    PartyKind,
    RepatriationStatus,
    VerdictOutcome,
)

EMPTY = [("", "—")]


class PersonFields(forms.Form):
    """A client or witness registered from a legal case: their name (core's Identity, protected and audited),
    sex and birth year."""

    name_km = forms.CharField(label=_("Name in Khmer"), required=False, max_length=150)
    name_latin = forms.CharField(label=_("Name in Latin letters"), required=False, max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=[*EMPTY, *Person.Sex.choices])
    birth_year = KhmerIntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name_km") or "").strip() and not (data.get("name_latin") or "").strip():
            self.add_error("name_km", _("Enter the name in Khmer or in Latin letters."))
        return data

    def to_person(self) -> core_services.PersonInput:
        data = self.cleaned_data
        return core_services.PersonInput(
            sex=data["sex"],
            birth_year=data.get("birth_year"),
            name_km=data.get("name_km", "").strip(),
            name_latin=data.get("name_latin", "").strip(),
            phone=data.get("phone", "").strip(),
        )


class CaseFields(forms.Form):
    title = forms.CharField(
        label=_("Short description"), max_length=200, help_text=_("e.g. Forced labour on a fishing boat.")
    )
    opened_on = KhmerDateField(label=_("Opened on"), required=False)

    def to_case(self) -> services.CaseInput:
        return services.CaseInput(title=self.cleaned_data["title"], opened_on=self.cleaned_data.get("opened_on"))


class CaseOpenForm(PersonFields, CaseFields):
    """Open a case directly, registering its client."""

    field_order = ["title", "opened_on", "name_km", "name_latin", "sex", "birth_year", "phone"]


class StatusForm(forms.Form):
    prefix = "status"
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)


class ClientForm(PersonFields):
    prefix = "client"
    relation = forms.ChoiceField(label=_("Client is"), choices=[*EMPTY, *ClientRelation.choices])
    field_order = ["relation", "name_km", "name_latin", "sex", "birth_year", "phone"]


class PartyForm(forms.Form):
    prefix = "party"
    kind = forms.ChoiceField(label=_("Kind"), choices=[*EMPTY, *PartyKind.choices])
    name = forms.CharField(label=_("Name"), max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2}))


class OffenceForm(forms.Form):
    prefix = "offence"
    article = forms.ModelChoiceField(label=_("Article of the 2008 law"), queryset=selectors.articles())
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["article"]
        field.queryset = selectors.articles()  # type: ignore[attr-defined]
        field.label_from_instance = article_label  # type: ignore[attr-defined]


def article_label(article: Article) -> str:
    from django.utils.translation import get_language

    title = article.title_km if (get_language() or "").startswith("km") else article.title_en
    return _("Article %(number)s: %(title)s") % {"number": article.number, "title": title}


class StepForm(forms.Form):
    prefix = "step"
    done_on = KhmerDateField(label=_("Date"))
    action = forms.CharField(label=_("What was done"), max_length=300)
    finding = forms.CharField(label=_("Finding"), required=False, max_length=4000, widget=forms.Textarea({"rows": 3}))


class EvidenceForm(forms.Form):
    prefix = "evidence"
    kind = forms.ChoiceField(label=_("Kind"), choices=[*EMPTY, *EvidenceKind.choices])
    description = forms.CharField(label=_("Description"), max_length=300)
    source = forms.CharField(label=_("Source"), max_length=200, help_text=_("Who or where it came from."))
    obtained_on = KhmerDateField(label=_("Obtained on"))
    holder = forms.CharField(label=_("Held by"), required=False, max_length=200, help_text=_("Who keeps it now."))
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, photo, audio or video; at most 25 MB."),
        widget=forms.ClearableFileInput({"accept": ".pdf,.jpg,.jpeg,.png,.webp,.mp3,.m4a,.wav,.ogg,.amr,.mp4,.docx"}),
    )

    def to_input(self) -> services.EvidenceInput:
        data = self.cleaned_data
        return services.EvidenceInput(
            kind=data["kind"],
            description=data["description"],
            source=data["source"],
            obtained_on=data["obtained_on"],
            holder=data.get("holder", ""),
        )


class CustodyForm(forms.Form):
    prefix = "custody"
    at = KhmerDateField(label=_("Date"))
    action = forms.ChoiceField(label=_("What happened"), choices=[*EMPTY, *CustodyAction.choices])
    holder = forms.CharField(label=_("Held by"), max_length=200)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class WitnessForm(PersonFields):
    prefix = "witness"
    description = forms.CharField(
        label=_("Who they are"), max_length=200, help_text=_("Without their name, e.g. a co-worker on the boat.")
    )
    field_order = ["description", "name_km", "name_latin", "sex", "birth_year", "phone"]


class StatementForm(forms.Form):
    prefix = "statement"
    taken_on = KhmerDateField(label=_("Taken on"))
    summary = forms.CharField(label=_("Statement"), max_length=8000, widget=forms.Textarea({"rows": 4}))


class SubmissionForm(forms.Form):
    prefix = "submission"
    addressee_kind = forms.ChoiceField(label=_("Sent to"), choices=[*EMPTY, *AddresseeKind.choices])
    addressee = forms.CharField(label=_("Addressee"), max_length=200, help_text=_("The office or person written to."))
    subject = forms.CharField(label=_("Subject"), max_length=300)
    sent_on = KhmerDateField(label=_("Sent on"))
    deadline = KhmerDateField(label=_("Reply expected by"), required=False)

    def to_input(self) -> services.SubmissionInput:
        data = self.cleaned_data
        return services.SubmissionInput(
            addressee_kind=data["addressee_kind"],
            addressee=data["addressee"],
            subject=data["subject"],
            sent_on=data["sent_on"],
            deadline=data.get("deadline"),
        )


class ReplyForm(forms.Form):
    prefix = "reply"
    reply_on = KhmerDateField(label=_("Reply received on"))
    reply = forms.CharField(label=_("Reply"), max_length=4000, widget=forms.Textarea({"rows": 3}))


class HearingForm(forms.Form):
    prefix = "hearing"
    level = forms.ChoiceField(label=_("Court"), choices=[*EMPTY, *CourtLevel.choices])
    court_name = forms.CharField(label=_("Which court"), required=False, max_length=200)
    held_on = KhmerDateField(label=_("Hearing date"))
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=4000, widget=forms.Textarea({"rows": 3}))
    next_on = KhmerDateField(label=_("Next hearing"), required=False)

    def to_input(self) -> services.HearingInput:
        data = self.cleaned_data
        return services.HearingInput(
            level=data["level"],
            held_on=data["held_on"],
            court_name=data.get("court_name", ""),
            outcome=data.get("outcome", ""),
            next_on=data.get("next_on"),
        )


class VerdictForm(forms.Form):
    prefix = "verdict"
    level = forms.ChoiceField(label=_("Court"), choices=[*EMPTY, *CourtLevel.choices])
    decided_on = KhmerDateField(label=_("Judgment date"))
    outcome = forms.ChoiceField(label=_("Verdict"), choices=[*EMPTY, *VerdictOutcome.choices])
    sentence = forms.CharField(label=_("Sentence"), required=False, max_length=500)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="USD")
    compensation_ordered = KhmerDecimalField(
        label=_("Compensation ordered"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    compensation_received = KhmerDecimalField(
        label=_("Compensation received"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    excess_confirmed = forms.BooleanField(label=_("I confirm that more was received than ordered"), required=False)
    appealed = forms.BooleanField(label=_("Appealed"), required=False)

    def to_input(self) -> services.VerdictInput:
        from decimal import Decimal

        data = self.cleaned_data
        return services.VerdictInput(
            level=data["level"],
            decided_on=data["decided_on"],
            outcome=data["outcome"],
            sentence=data.get("sentence", ""),
            currency=data["currency"],
            compensation_ordered=data.get("compensation_ordered") or Decimal(0),
            compensation_received=data.get("compensation_received") or Decimal(0),
            excess_confirmed=bool(data.get("excess_confirmed")),
            appealed=bool(data.get("appealed")),
        )


class CostForm(forms.Form):
    prefix = "cost"
    kind = forms.ChoiceField(label=_("Kind"), choices=[*EMPTY, *CostKind.choices])
    spent_on = KhmerDateField(label=_("Date"))
    amount = KhmerDecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial="USD")
    budget_line: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Budget line"), queryset=selectors.no_budget_lines(), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, lines: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["budget_line"]
        field.queryset = lines  # type: ignore[attr-defined]
        field.label_from_instance = lambda line: f"{line.subgrant.reference} · {line.code} {line.description}"  # type: ignore[attr-defined]

    def to_input(self) -> services.CostInput:
        data = self.cleaned_data
        return services.CostInput(
            kind=data["kind"],
            spent_on=data["spent_on"],
            amount=data["amount"],
            currency=data["currency"],
            budget_line=data.get("budget_line"),
            note=data.get("note", ""),
        )


class RepatriationForm(forms.Form):
    prefix = "repatriation"
    country = forms.ChoiceField(label=_("Country"), choices=[], widget=QuickSelect)  # 250 countries: rendered in Python
    persons = KhmerIntegerField(label=_("Number of people"), min_value=1, max_value=500)
    authority = forms.CharField(
        label=_("Authority asked"), max_length=200, help_text=_("e.g. the Cambodian embassy in Kuala Lumpur.")
    )
    requested_on = KhmerDateField(label=_("Requested on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [*EMPTY, *countries.choices()]  # type: ignore[attr-defined]

    def to_input(self) -> services.RepatriationInput:
        data = self.cleaned_data
        return services.RepatriationInput(
            country=data["country"],
            persons=data["persons"],
            authority=data["authority"],
            requested_on=data["requested_on"],
            note=data.get("note", ""),
        )


class RepatriationStatusForm(forms.Form):
    prefix = "repstatus"
    status = forms.ChoiceField(label=_("Status"), choices=RepatriationStatus.choices)
    arrived_on = KhmerDateField(label=_("Arrived on"), required=False)


class EscalationForm(forms.Form):
    prefix = "escalation"
    raised_on = KhmerDateField(label=_("Escalated on"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea({"rows": 3}))


class ResponseForm(forms.Form):
    prefix = "response"
    responded_on = KhmerDateField(label=_("Response date"))
    response = forms.CharField(label=_("Response"), max_length=4000, widget=forms.Textarea({"rows": 3}))


class AdvocacyForm(forms.Form):
    prefix = "advocacy"
    done_on = KhmerDateField(label=_("Date"))
    body_kind = forms.ChoiceField(label=_("Government body"), choices=[*EMPTY, *AddresseeKind.choices])
    body = forms.CharField(label=_("Which office"), max_length=200)
    action = forms.CharField(label=_("What was done"), max_length=300)
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=4000, widget=forms.Textarea({"rows": 2}))

    def to_input(self) -> services.AdvocacyInput:
        return services.AdvocacyInput(**self.cleaned_data)


class CaseStudyForm(forms.Form):
    prefix = "study"
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Write-up"),
        max_length=8000,
        widget=forms.Textarea({"rows": 6}),
        help_text=_("Anonymised: no name, phone, ID or case number of a client or a witness."),
    )


class ConsentForm(forms.Form):
    prefix = "consent"
    given = forms.TypedChoiceField(
        label=_("The client's consent to donor reports"),
        choices=[("1", _("Given")), ("0", _("Withdrawn"))],
        coerce=lambda value: value == "1",
    )
    on = KhmerDateField(label=_("Date"))


class LawyerForm(forms.Form):
    prefix = "lawyer"
    # The organisation's lawyers, given by the view (from the selectors).
    lawyer: forms.ModelChoiceField[User] = forms.ModelChoiceField(label=_("Assigned lawyer"), queryset=None)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)

    def __init__(self, *args: Any, lawyers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lawyers is not None:
            self.fields["lawyer"].queryset = lawyers  # type: ignore[attr-defined]


class HandoverForm(forms.Form):
    """Who arrived, handed over to which organisation. The choices come from lists the view read once through
    the selectors (the organisations, the case's own clients by case number, initials and sex: their names stay
    behind view_identity)."""

    prefix = "handover"
    receiver = forms.ChoiceField(
        label=_("Hand over to"), help_text=_("The organisation that registers their intake, e.g. CCPCR.")
    )
    people = forms.MultipleChoiceField(label=_("Who arrived"), widget=forms.CheckboxSelectMultiple)
    consent_given_by = forms.CharField(
        label=_("Consent to this referral given by"),
        required=False,
        max_length=100,
        help_text=_(
            "The person or their guardian. Leave empty when their consent to a referral to this organisation "
            "is already recorded."
        ),
    )
    note = forms.CharField(
        label=_("Note for the organisation"), required=False, max_length=800, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args: Any, receivers: Any = (), people: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.receiver_rows = {str(row.uuid): row for row in receivers}
        self.people_rows = {str(row.uuid): row for row in people}
        self.fields["receiver"].choices = [  # type: ignore[attr-defined]
            *EMPTY,
            *((key, f"{row.short_name.upper()} · {row.name}") for key, row in self.receiver_rows.items()),
        ]
        self.fields["people"].choices = [  # type: ignore[attr-defined]
            (key, " · ".join(part for part in (row.case_number, row.initials, row.get_sex_display()) if part))
            for key, row in self.people_rows.items()
        ]

    def to_input(self) -> services.HandoverInput:
        data = self.cleaned_data
        return services.HandoverInput(
            receiver=self.receiver_rows[data["receiver"]],
            people=[self.people_rows[key] for key in data["people"]],
            consent_given_by=data.get("consent_given_by", ""),
            note=data.get("note", ""),
        )
