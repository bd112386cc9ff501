"""User-input validation of the protection pages; business rules stay in services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from karpear.core import countries
from karpear.core.forms import KhmerDateField, KhmerDecimalField, KhmerIntegerField, PersonForm, PlaceForm, QuickSelect
from karpear.core.models import Consent, Person
from karpear.core.services import PlaceChoice, place_lookup
from karpear.protection import selectors, services
from karpear.protection.models import (
    NEED_DOMAINS,
    AcknowledgedBy,
    ClosureReason,
    ControlMethod,
    Currency,
    DecidingBody,
    EmployerType,
    ExploitationType,
    HandedOverBy,
    IdentificationStatus,
    IndicatorList,
    Industry,
    NeedLevel,
    PlacementKind,
    RecruitmentMethod,
    ReturnType,
    TraffickerRelationship,
    TraffickingEventType,
    TransitCentre,
)

EMPTY = [("", "—")]
CONSENT_ANSWERS = [("", _("Not asked yet")), ("yes", _("Consent given")), ("no", _("Consent refused"))]


def _today() -> dt.date:
    return timezone.localdate()


class IntakeFields(forms.Form):
    """Where and when the person arrived, where they came from and how they returned."""

    transit_centre = forms.ChoiceField(label=_("Transit centre"), choices=[*EMPTY, *TransitCentre.choices])
    arrived_on = KhmerDateField(label=_("Arrival date"))
    return_type = forms.ChoiceField(label=_("How they returned"), choices=[*EMPTY, *ReturnType.choices])
    handed_over_by = forms.ChoiceField(label=_("Handed over by"), choices=[*EMPTY, *HandedOverBy.choices])
    handed_over_detail = forms.CharField(
        label=_("Which office"), required=False, max_length=150, help_text=_("e.g. the border checkpoint's name.")
    )
    origin_country = forms.ChoiceField(label=_("Country they came from"), initial="TH")
    origin_place = forms.CharField(label=_("Province or town there"), required=False, max_length=100)
    employer_type = forms.ChoiceField(label=_("Employer"), required=False, choices=[*EMPTY, *EmployerType.choices])
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[*EMPTY, *Industry.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["origin_country"]
        country.widget = QuickSelect()
        country.choices = [*EMPTY, *countries.choices()]  # type: ignore[attr-defined]

    def clean_arrived_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["arrived_on"]
        if value > _today():
            raise ValidationError(_("The arrival date cannot be in the future."))
        return value

    def to_intake(self) -> services.IntakeInput:
        data = self.cleaned_data
        return services.IntakeInput(
            transit_centre=data["transit_centre"],
            arrived_on=data["arrived_on"],
            origin_country=data["origin_country"],
            return_type=data["return_type"],
            handed_over_by=data["handed_over_by"],
            handed_over_detail=data.get("handed_over_detail") or "",
            origin_place=data.get("origin_place") or "",
            employer_type=data.get("employer_type") or "",
            industry=data.get("industry") or "",
        )


class IntakeForm(IntakeFields):
    """Completing or correcting a case's intake details."""


class ReturneeForm(PersonForm, IntakeFields):
    """Registering one returnee: core's person form (names, sex, birth, home place, documents) without the
    household, the intake, the rights notice and the consents."""

    rights_acknowledged_by = forms.ChoiceField(
        label=_("Rights notice acknowledged by"),
        required=False,
        choices=[("", _("Not yet")), *AcknowledgedBy.choices],
    )
    consent_case_management = forms.ChoiceField(
        label=Consent.Purpose.CASE_MANAGEMENT.label, required=False, choices=CONSENT_ANSWERS
    )
    consent_statistics = forms.ChoiceField(
        label=Consent.Purpose.STATISTICS.label, required=False, choices=CONSENT_ANSWERS
    )
    consent_given_by = forms.CharField(
        label=_("Consent given by"), required=False, max_length=100, help_text=_("The person, or their guardian.")
    )

    LEFT_OUT = ("case_number", "household", "new_household_code", "new_household_poverty", "relationship_to_head")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("households", None)
        super().__init__(*args, **kwargs)
        for name in self.LEFT_OUT:
            del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answered = data.get("consent_case_management") or data.get("consent_statistics")
        if answered and not data.get("consent_given_by"):
            self.add_error("consent_given_by", _("Say who gave or refused the consent."))
        return data

    def to_rights(self) -> services.RightsInput | None:
        by = self.cleaned_data.get("rights_acknowledged_by")
        return services.RightsInput(acknowledged_by=by) if by else None

    def to_consents(self) -> list[services.ConsentInput]:
        data = self.cleaned_data
        consents = []
        for purpose, name in (
            (Consent.Purpose.CASE_MANAGEMENT, "consent_case_management"),
            (Consent.Purpose.STATISTICS, "consent_statistics"),
        ):
            if data.get(name):
                consents.append(services.ConsentInput(purpose, data[name] == "yes", data["consent_given_by"]))
        return consents


class RightsForm(forms.Form):
    acknowledged_by = forms.ChoiceField(label=_("Acknowledged by"), choices=AcknowledgedBy.choices)
    acknowledged_on = KhmerDateField(label=_("Date"), required=False, help_text=_("Today when left empty."))

    def to_input(self) -> services.RightsInput:
        data = self.cleaned_data
        return services.RightsInput(
            acknowledged_by=data["acknowledged_by"], acknowledged_on=data.get("acknowledged_on")
        )


class CaseConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[(value, label) for value, label in Consent.Purpose.choices if value != Consent.Purpose.REFERRAL],
    )
    given = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Consent given")), ("no", _("Consent refused or withdrawn"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    given_by = forms.CharField(label=_("Given by"), max_length=100, help_text=_("The person, or their guardian."))

    def to_input(self) -> services.ConsentInput:
        data = self.cleaned_data
        return services.ConsentInput(data["purpose"], data["given"], data["given_by"])


# ---------------------------------------------------------------- the group screen
GROUP_ROWS = 10  # rows shown at first; "More rows" adds as many again
ROW_FIELDS = ("name", "sex", "age")


class GroupForm(IntakeFields):
    """The group screen: the intake shared by everyone, then one row per person (name, sex, age, home
    village). Row inputs are named `row-<n>-<field>`, as the service reports its errors; each row's village is
    core's place picker with the prefix `row-<n>`."""

    rows = KhmerIntegerField(widget=forms.HiddenInput, min_value=1, max_value=services.MAX_GROUP, initial=GROUP_ROWS)

    def __init__(self, *args: Any, row_count: int = GROUP_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_count = max(1, min(row_count, services.MAX_GROUP))
        self.places: list[PlaceForm] = []
        sexes = [*EMPTY, *((v, label) for v, label in Person.Sex.choices)]
        for n in range(self.row_count):
            self.fields[f"row-{n}-name"] = forms.CharField(label=_("Name"), required=False, max_length=150)
            self.fields[f"row-{n}-sex"] = forms.ChoiceField(label=_("Sex"), required=False, choices=sexes)
            self.fields[f"row-{n}-age"] = KhmerIntegerField(
                label=_("Age"), required=False, min_value=0, max_value=services.MAX_AGE
            )
            self.places.append(PlaceForm(self.data if self.is_bound else None, prefix=f"row-{n}"))

    def row_fields(self) -> list[list[Any]]:
        return [[self[f"row-{n}-{name}"] for name in ROW_FIELDS] for n in range(self.row_count)]

    def _row_filled(self, n: int) -> bool:
        data = self.data
        keys = [f"row-{n}-{name}" for name in (*ROW_FIELDS, "province", "district", "commune", "village")]
        return any(str(data.get(key, "") or "").strip() for key in keys)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rows: list[services.GroupRow] = []
        filled = [n for n in range(self.row_count) if self._row_filled(n)]
        # Every row's village read at once (four queries), not four queries a row.
        levels = ("province", "district", "commune", "village")
        lookup = place_lookup([{name: self.data.get(f"row-{n}-{name}") for name in levels} for n in filled])
        for n in filled:
            place = self.places[n]
            place.place_lookup = lookup
            choice = place.cleaned_data["place"] if place.is_valid() else None
            if choice is None:  # the picker shows the errors next to its lists
                self.add_error(None, _("Row %(row)d: check the home village.") % {"row": n + 1})
            rows.append(
                services.GroupRow(
                    name=data.get(f"row-{n}-name") or "",
                    sex=data.get(f"row-{n}-sex") or "",
                    age=data.get(f"row-{n}-age"),
                    place=choice or PlaceChoice(),
                    line=n,
                )
            )
        if not rows and not self.errors:
            self.add_error(None, _("Add at least one person: every row is empty."))
        data["group_rows"] = rows
        return data

    def to_input(self, submission: Any) -> services.GroupInput:
        return services.GroupInput(intake=self.to_intake(), rows=self.cleaned_data["group_rows"], submission=submission)


# ---------------------------------------------------------------- screening and identification
ANSWERS = [("yes", _("Yes")), ("no", _("No"))]


def indicator_field(code: str) -> str:
    return f"ind-{code}"


class ScreeningForm(forms.Form):
    """The questionnaire: one yes/no per indicator of the chosen list (left empty: not answered yet)."""

    forced_criminality = forms.BooleanField(widget=forms.HiddenInput, required=False)
    screened_on = KhmerDateField(label=_("Screened on"), required=False, help_text=_("Today when left empty."))
    recruited = forms.ChoiceField(
        label=_("Was the child recruited, transported, transferred, harboured or received (moved for work)?"),
        required=False,
        choices=ANSWERS,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, indicators: list[Any], child: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["list"] = forms.ChoiceField(widget=forms.HiddenInput, choices=IndicatorList.choices)
        self.indicators = indicators
        if not child:
            del self.fields["recruited"]
        for indicator in indicators:
            self.fields[indicator_field(indicator.code)] = forms.ChoiceField(
                required=False, choices=ANSWERS, widget=forms.RadioSelect
            )

    def to_input(self) -> services.ScreeningInput:
        data = self.cleaned_data
        answers = {
            i.code: data[indicator_field(i.code)] == "yes" for i in self.indicators if data.get(indicator_field(i.code))
        }
        recruited = data.get("recruited")
        return services.ScreeningInput(
            list=data["list"],
            answers=answers,
            forced_criminality=bool(data.get("forced_criminality")),
            recruited=None if not recruited else recruited == "yes",
            screened_on=data.get("screened_on"),
        )


class DeterminationForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            *EMPTY,
            *((v, label) for v, label in IdentificationStatus.choices if v != IdentificationStatus.NOT_SCREENED),
        ],
    )
    deciding_body = forms.ChoiceField(label=_("Deciding body"), choices=[*EMPTY, *DecidingBody.choices])
    deciding_body_name = forms.CharField(
        label=_("Name of the deciding body"), required=False, max_length=150, help_text=_("e.g. the provincial police.")
    )
    decided_on = KhmerDateField(label=_("Decided on"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the decision differs from the screening's suggestion."),
    )

    def to_input(self) -> services.DeterminationInput:
        data = self.cleaned_data
        return services.DeterminationInput(
            status=data["status"],
            deciding_body=data["deciding_body"],
            decided_on=data["decided_on"],
            deciding_body_name=data.get("deciding_body_name") or "",
            note=data.get("note") or "",
        )


# ---------------------------------------------------------------- victim context (HTCDS)
def _country_field(field: forms.Field, required: bool) -> None:
    field.widget = QuickSelect()
    field.choices = [("", _("Not known") if not required else "—"), *countries.choices()]  # type: ignore[attr-defined]


class VictimContextForm(forms.Form):
    recruitment_methods = forms.MultipleChoiceField(
        label=_("How they were recruited"),
        required=False,
        choices=RecruitmentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    relationship_to_trafficker = forms.ChoiceField(
        label=_("Who recruited them: relationship to the trafficker"),
        required=False,
        choices=[("", _("Not known")), *TraffickerRelationship.choices],
    )
    control_methods = forms.MultipleChoiceField(
        label=_("How they were controlled"),
        required=False,
        choices=ControlMethod.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    exploitation_types = forms.MultipleChoiceField(
        label=_("Kinds of exploitation"),
        required=False,
        choices=ExploitationType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[("", _("Not known")), *Industry.choices])
    destination_country = forms.ChoiceField(label=_("Destination country"), required=False)
    destination_place = forms.CharField(label=_("Province or town there"), required=False, max_length=100)
    duration_months = KhmerIntegerField(
        label=_("How long it lasted, in months"), required=False, min_value=0, max_value=services.MAX_DURATION_MONTHS
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _country_field(self.fields["destination_country"], required=False)

    def to_input(self) -> services.VictimContextInput:
        data = self.cleaned_data
        return services.VictimContextInput(
            recruitment_methods=list(data.get("recruitment_methods") or []),
            relationship_to_trafficker=data.get("relationship_to_trafficker") or "",
            control_methods=list(data.get("control_methods") or []),
            exploitation_types=list(data.get("exploitation_types") or []),
            industry=data.get("industry") or "",
            destination_country=data.get("destination_country") or "",
            destination_place=data.get("destination_place") or "",
            duration_months=data.get("duration_months"),
            note=data.get("note") or "",
        )


class TraffickingEventForm(forms.Form):
    """One trafficking step; its two places are picked with core's place picker (prefixes "origin" and
    "destination", `PlaceForm`) in Cambodia, or typed abroad."""

    kind = forms.ChoiceField(label=_("What happened"), choices=[*EMPTY, *TraffickingEventType.choices])
    happened_on = KhmerDateField(label=_("Date"), help_text=_("The first day of the month when only that is known."))
    origin_country = forms.ChoiceField(label=_("From: country"), required=False, initial="KH")
    origin_place = forms.CharField(
        label=_("From: place abroad"),
        required=False,
        max_length=100,
        help_text=_("Abroad, type the province or town. In Cambodia, pick the place below."),
    )
    destination_country = forms.ChoiceField(label=_("To: country"), required=False)
    destination_place = forms.CharField(
        label=_("To: place abroad"),
        required=False,
        max_length=100,
        help_text=_("Abroad, type the province or town. In Cambodia, pick the place below."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_event_%s")  # the context form on the same page has a destination too
        super().__init__(*args, **kwargs)
        _country_field(self.fields["origin_country"], required=True)
        _country_field(self.fields["destination_country"], required=True)

    def to_input(self, origin: PlaceForm, destination: PlaceForm) -> services.TraffickingEventInput:
        data = self.cleaned_data

        def place(form: PlaceForm, prefix: str) -> services.TraffickingPlace:
            choice = form.cleaned_data.get("place") if form.is_valid() else None
            return services.TraffickingPlace(
                country=data.get(f"{prefix}_country") or "",
                choice=choice or PlaceChoice(),
                place=data.get(f"{prefix}_place") or "",
            )

        return services.TraffickingEventInput(
            kind=data["kind"],
            happened_on=data["happened_on"],
            origin=place(origin, "origin"),
            destination=place(destination, "destination"),
            note=data.get("note") or "",
        )


# ---------------------------------------------------------------- assessment and service plan
class AssessmentForm(forms.Form):
    assessed_on = KhmerDateField(label=_("Assessed on"), required=False, help_text=_("Today when left empty."))
    summary = forms.CharField(
        label=_("What you saw and heard"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for domain, label in NEED_DOMAINS:
            self.fields[domain] = forms.ChoiceField(
                label=label, choices=NeedLevel.choices, widget=forms.RadioSelect, initial=NeedLevel.NONE
            )
        self.order_fields([d for d, _label in NEED_DOMAINS])

    def to_input(self) -> services.AssessmentInput:
        data = self.cleaned_data
        return services.AssessmentInput(
            needs={d: data[d] for d, _label in NEED_DOMAINS},
            summary=data.get("summary") or "",
            assessed_on=data.get("assessed_on"),
        )


def _kind_choices() -> list[tuple[str, str]]:
    from django.utils import translation

    khmer = (translation.get_language() or "").startswith("km")
    return [*EMPTY, *((k.code, k.name_km if khmer and k.name_km else k.name_en) for k in selectors.catalogue())]


def _provider_field(user: Any) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        label=_("Provider organisation"),
        required=False,
        queryset=selectors.provider_choices(user=user),
        to_field_name="uuid",
        help_text=_("Leave empty for a provider that is not in Karpear, and name it below."),
    )


class PlannedServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"))
    provider_name = forms.CharField(label=_("Other provider"), required=False, max_length=150)
    planned_by_date = KhmerDateField(label=_("By"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices()  # type: ignore[attr-defined]
        self.fields["provider"] = _provider_field(user)
        self.order_fields(["kind", "provider", "provider_name", "planned_by_date", "note"])

    def to_input(self) -> services.PlannedServiceInput:
        data = self.cleaned_data
        return services.PlannedServiceInput(
            kind=data["kind"],
            provider=data.get("provider"),
            provider_name=data.get("provider_name") or "",
            planned_by_date=data.get("planned_by_date"),
            note=data.get("note") or "",
        )


class PlanDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the plan")), ("return", _("Return it for changes"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        help_text=_("Needed when the plan is returned: say what should change."),
    )


class DeliveryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"))
    delivered_on = KhmerDateField(label=_("Delivered on"))
    provider_name = forms.CharField(label=_("Other provider"), required=False, max_length=150)
    cost = KhmerDecimalField(label=_("Cost"), required=False, min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[*EMPTY, *Currency.choices])
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=500)
    business_type = forms.CharField(
        label=_("Business type"),
        required=False,
        max_length=150,
        help_text=_("For a business grant: the business it starts (its amount is the cost)."),
    )
    planned = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices()  # type: ignore[attr-defined]
        self.fields["provider"] = _provider_field(user)
        self.order_fields(["kind", "delivered_on", "provider", "provider_name", "cost", "currency"])

    def to_input(self) -> services.DeliveryInput:
        data = self.cleaned_data
        return services.DeliveryInput(
            kind=data["kind"],
            delivered_on=data["delivered_on"],
            provider=data.get("provider"),
            provider_name=data.get("provider_name") or "",
            cost=data.get("cost"),
            currency=data.get("currency") or "",
            outcome=data.get("outcome") or "",
            business_type=data.get("business_type") or "",
            planned=data.get("planned") or None,
        )


# ---------------------------------------------------------------- placements and reintegration
YES_NO_UNKNOWN = [("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))]
SCALE = [(str(n), str(n)) for n in range(1, 6)]


def _yes_no(value: str | None) -> bool | None:
    return None if not value else value == "yes"


class PlacementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Placement"), choices=[*EMPTY, *PlacementKind.choices])
    place_name = forms.CharField(label=_("Where"), required=False, max_length=150)
    started_on = KhmerDateField(label=_("From"))
    ended_on = KhmerDateField(label=_("Until"), required=False)

    def to_input(self) -> services.PlacementInput:
        data = self.cleaned_data
        return services.PlacementInput(
            kind=data["kind"],
            started_on=data["started_on"],
            ended_on=data.get("ended_on"),
            place_name=data.get("place_name") or "",
        )


class StepForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    done_on = KhmerDateField(label=_("Done on"), required=False, help_text=_("Today when left empty."))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ReturnHomeForm(forms.Form):
    returned_on = KhmerDateField(label=_("Returned home on"))


class VisitForm(forms.Form):
    visited_on = KhmerDateField(label=_("Visited on"))
    feels_safe = forms.ChoiceField(label=_("Feels safe"), required=False, choices=YES_NO_UNKNOWN)
    discrimination = forms.ChoiceField(
        label=_("Discrimination in family or community"), required=False, choices=YES_NO_UNKNOWN
    )
    in_school = forms.ChoiceField(label=_("In school (children)"), required=False, choices=YES_NO_UNKNOWN)
    monthly_income = KhmerDecimalField(
        label=_("Monthly income (riel)"), required=False, min_value=0, max_digits=14, decimal_places=0
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, indicators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"rs-{indicator.code}"] = forms.TypedChoiceField(
                label=_text_of(indicator), choices=SCALE, coerce=int, widget=forms.RadioSelect, required=False
            )

    def to_input(self) -> services.VisitInput:
        data = self.cleaned_data
        return services.VisitInput(
            visited_on=data["visited_on"],
            answers={i.code: data[f"rs-{i.code}"] for i in self.indicators if data.get(f"rs-{i.code}")},
            feels_safe=_yes_no(data.get("feels_safe")),
            discrimination=_yes_no(data.get("discrimination")),
            in_school=_yes_no(data.get("in_school")),
            monthly_income=data.get("monthly_income"),
            note=data.get("note") or "",
        )


def _text_of(item: Any) -> str:
    from django.utils import translation

    khmer = (translation.get_language() or "").startswith("km")
    return str(item.text_km if khmer and item.text_km else item.text_en)


class ClosureForm(forms.Form):
    closure_reason = forms.ChoiceField(label=_("Reason for closure"), choices=[*EMPTY, *ClosureReason.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve the closure")), ("refuse", _("Keep the case open"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, help_text=_("Needed when the case stays open: say why.")
    )


class RetraffickingReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Your review"),
        choices=[
            ("confirmed", _("The same person, trafficked again")),
            ("different", _("Not the same person")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
