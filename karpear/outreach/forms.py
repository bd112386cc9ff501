from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from karpear.core import countries
from karpear.core.forms import (
    CommuneCodesField,
    KhmerDateField,
    KhmerIntegerField,
    PlaceFieldsMixin,
    PlaceForm,
    QuickSelect,
    commune_label,
)
from karpear.core.models import Commune, Province
from karpear.outreach import jobcheck, services
from karpear.outreach.models import Activity, Channel, Grievance, HelpRequest, RootCause, Volunteer

YES, NO, UNSURE = "yes", "no", "unsure"
ANSWERS = [(YES, _("Yes")), (NO, _("No")), (UNSURE, _("I don't know"))]
TIMER_SALT = "karpear.outreach.form-started"
MIN_FILL_SECONDS = 3  # a person needs longer than this to fill the form in; a script doesn't
MAX_FORM_AGE = 24 * 3600


class JobCheckForm(forms.Form):
    """One yes / no / don't know question per sign (jobcheck.SIGNS); sent by GET and stored nowhere."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for sign in jobcheck.SIGNS:
            self.fields[sign.code] = forms.ChoiceField(
                label=sign.question, choices=ANSWERS, widget=forms.RadioSelect, required=False
            )

    def answers(self) -> dict[str, bool | None]:
        return {code: {YES: True, NO: False}.get(self.cleaned_data.get(code) or "") for code in jobcheck.SIGN_CODES}


def per_visit_values() -> dict[str, str]:
    """The help-request form's values of one visit: its signed start time and its one-time key (the public
    page cache renders the page once and puts new ones in on every answer: core.public_cache)."""
    return {"started": signing.TimestampSigner(salt=TIMER_SALT).sign("1"), "key": services.new_form_key()}


class HelpRequestForm(forms.Form):
    about = forms.ChoiceField(
        label=_("Who needs help?"), choices=HelpRequest.About.choices, widget=forms.RadioSelect, initial="self"
    )
    message = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A few words are enough. Do not write anything you do not want staff to read."),
    )
    anonymous = forms.BooleanField(
        label=_("Send without my name"),
        required=False,
        initial=True,
        help_text=_("Without a name or phone number nobody can call you back; you can still check the status."),
    )
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone number to call you back"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    # The two long lists are rendered in Python (core's QuickSelect): Django's template per option made this
    # form the slowest public page (about 90 ms for the 250 countries).
    province = forms.ModelChoiceField(
        label=_("Your province in Cambodia"),
        queryset=Province.objects.order_by("code"),
        required=False,
        widget=QuickSelect,
    )
    country = forms.ChoiceField(label=_("Country where the person is"), required=False, choices=(), widget=QuickSelect)
    city = forms.CharField(label=_("City or place there"), max_length=100, required=False)
    employer = forms.CharField(label=_("Employer, company or broker"), max_length=200, required=False)
    last_heard = forms.DateField(
        label=_("Last heard from on"),
        required=False,
        input_formats=["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Not shown to people (a class hides it); a script that fills every field fills it.
    website = forms.CharField(label=_("Leave this empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput)
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country: Any = self.fields["country"]
        country.choices = [("", "—"), *[(c, n) for c, n in countries.choices() if c != "KH"]]
        self.fields["province"].label_from_instance = lambda p: p.name_km if _km() else p.name_en  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.update(per_visit_values())

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Please leave this field empty."))
        return ""

    def clean_started(self) -> str:
        value = str(self.cleaned_data["started"])
        signer = signing.TimestampSigner(salt=TIMER_SALT)
        try:
            signer.unsign(value, max_age=MAX_FORM_AGE)
        except signing.BadSignature as exc:  # tampered with, or older than a day
            raise forms.ValidationError(_("This form has expired. Open it again and send it once more.")) from exc
        try:
            signer.unsign(value, max_age=dt.timedelta(seconds=MIN_FILL_SECONDS))
        except signing.SignatureExpired:
            return value  # older than the minimum: a person filled it in
        raise forms.ValidationError(_("That was very fast. Please check your answers and send again."))

    def to_input(self) -> services.HelpRequestInput:
        data = self.cleaned_data
        return services.HelpRequestInput(
            about=data["about"],
            message=data["message"],
            anonymous=bool(data.get("anonymous")),
            name=data.get("name") or "",
            phone=data.get("phone") or "",
            province=data.get("province"),
            country=data.get("country") or "",
            city=data.get("city") or "",
            employer=data.get("employer") or "",
            last_heard=data.get("last_heard"),
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("The 16 digits you were given when you sent the request."),
    )

    def clean_code(self) -> str:
        code = services.normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("A tracking code has 16 digits. Check it and try again."))
        return code


class TriageForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("This request becomes"), choices=HelpRequest.Outcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Triage note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    root_causes = forms.MultipleChoiceField(
        label=_("Root causes"), choices=RootCause.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


def _km() -> bool:
    from django.utils import translation

    return (translation.get_language() or "km").startswith("km")


# ---------------------------------------------------------------- staff forms: grievances, volunteers, activities
def _checkboxes(label: Any, choices: Any, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, widget=forms.CheckboxSelectMultiple, required=False, **kwargs
    )


def _count(label: Any, **kwargs: Any) -> KhmerIntegerField:
    return KhmerIntegerField(label=label, required=False, min_value=0, max_value=1_000_000, **kwargs)


def _text(label: Any, max_length: int, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class GrievanceForm(PlaceFieldsMixin):
    received_on = KhmerDateField(label=_("Received on"))
    about = forms.ChoiceField(label=_("Complaint made by"), choices=Grievance.About.choices, widget=forms.RadioSelect)
    complainant = forms.CharField(label=_("Complainant's name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Complainant's phone"), max_length=30, required=False)
    kinds = _checkboxes(_("What the complaint is about"), Grievance.Kind.choices)
    description = _text(_("What happened"), 4000, rows=4)
    country = forms.ChoiceField(label=_("Country where it happened"), required=False, choices=(), widget=QuickSelect)
    employer = forms.CharField(label=_("Employer or broker"), max_length=200, required=False)
    documents_kept = _count(_("Documents kept"), help_text=_("Passports, ID cards or other papers kept from them."))
    channel = forms.ChoiceField(label=_("Spoke up through"), required=False, choices=())
    root_causes = _checkboxes(_("Root causes"), RootCause.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country: Any = self.fields["country"]
        country.choices = [("", "—"), *countries.choices()]
        channel: Any = self.fields["channel"]
        channel.choices = [("", "—"), *Channel.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["place"] = self.clean_place()
        return data

    def to_input(self) -> services.GrievanceInput:
        data = self.cleaned_data
        return services.GrievanceInput(
            received_on=data["received_on"],
            about=data["about"],
            description=data["description"],
            kinds=list(data.get("kinds") or []),
            place=data["place"],
            complainant=data.get("complainant", ""),
            phone=data.get("phone", ""),
            country=data.get("country") or "",
            employer=data.get("employer", ""),
            documents_kept=data.get("documents_kept") or 0,
            root_causes=list(data.get("root_causes") or []),
            channel=data.get("channel") or "",
        )


class GrievanceRaiseForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Raised to"), choices=Grievance.Level.choices, coerce=int)
    raised_with = forms.CharField(
        label=_("Raised with"), max_length=200, help_text=_("The office or person, e.g. the district labour office.")
    )
    raised_on = KhmerDateField(label=_("Raised on"))
    note = _text(_("Note"), 2000, rows=2, required=False)


class GrievanceAnswerForm(forms.Form):
    response = _text(_("Answer received"), 2000, rows=2)
    responded_on = KhmerDateField(label=_("Answer received on"))


class GrievanceCloseForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("1", _("Resolved")), ("0", _("Closed without a solution"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    resolution = _text(_("What came of it"), 4000)
    closed_on = KhmerDateField(label=_("Closed on"))
    documents_returned = _count(_("Documents returned"))


class GrievanceToldForm(forms.Form):
    told_on = KhmerDateField(label=_("Told on"))
    how = forms.CharField(label=_("How"), max_length=200, help_text=_("A visit, a phone call, at a meeting, …"))


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("f", _("Female")), ("m", _("Male"))], widget=forms.RadioSelect)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    recruited_on = KhmerDateField(label=_("Recruited on"))
    trained_on = KhmerDateField(label=_("Trained on"), required=False)
    username = forms.CharField(
        label=_("Account"),
        max_length=150,
        required=False,
        help_text=_("The username of their volunteer account, if they log in to record their activities."),
    )
    communes = CommuneCodesField(
        label=_("Communes"),
        required=False,
        help_text=_("Add a commune with the place picker below; untick one to remove it."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    AREA_PREFIX = "area"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = PlaceForm(self.data if self.is_bound else None, prefix=self.AREA_PREFIX)
        raw = self.data.getlist("communes") if self.is_bound and hasattr(self.data, "getlist") else None
        chosen = [c for c in (raw if raw is not None else self.initial.get("communes") or []) if c]
        found = Commune.objects.filter(code__in=chosen).select_related("district__province")
        communes: Any = self.fields["communes"]
        communes.choices = [(c.code, commune_label(c)) for c in found]

    def clean_communes(self) -> list[Commune]:
        codes = list(self.cleaned_data["communes"])
        if self.area.is_valid():
            picked = self.area.cleaned_data["place"]
            if picked.commune is not None and picked.commune.code not in codes:
                codes.append(picked.commune.code)
            elif picked.commune is None and picked.province is not None:
                self.area.add_error("commune", _("Choose the commune."))
        found = {c.code: c for c in Commune.objects.filter(code__in=codes)}
        return [found[code] for code in codes if code in found]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.area.errors:
            self.add_error(None, _("The place picked below is not right; nothing has been saved yet."))
        return data

    def to_input(self) -> services.VolunteerInput:
        data = self.cleaned_data
        return services.VolunteerInput(
            name=data["name"],
            sex=data["sex"],
            phone=data.get("phone", ""),
            recruited_on=data["recruited_on"],
            trained_on=data.get("trained_on"),
            communes=list(data.get("communes") or []),
            username=data.get("username", ""),
            is_active=bool(data.get("is_active")),
        )


class ActivityForm(PlaceFieldsMixin):
    kind = forms.ChoiceField(label=_("What was it?"), choices=Activity.Kind.choices, widget=forms.RadioSelect)
    held_on = KhmerDateField(label=_("Date"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    volunteer: forms.ModelChoiceField[Volunteer] = forms.ModelChoiceField(
        label=_("Held by volunteer"), queryset=None, required=False, empty_label="—"
    )
    topics = _checkboxes(_("Topics"), Activity.Topic.choices)
    female_children = _count(_("Girls (under 18)"))
    male_children = _count(_("Boys (under 18)"))
    female_adults = _count(_("Women"))
    male_adults = _count(_("Men"))
    participants = _count(
        _("Participants in all"),
        help_text=_("Leave empty to add up the counts above; give it when some were not counted by sex and age."),
    )
    households_visited = _count(_("Households visited"))
    cases_referred = _count(_("Cases referred"))
    grievances_referred = _count(_("Grievances referred"))
    partners = forms.CharField(label=_("Partner organisations"), max_length=300, required=False)
    channels = _checkboxes(_("Local structures engaged"), Channel.choices)
    root_causes = _checkboxes(_("Root causes heard"), RootCause.choices)
    note = _text(_("Note"), 2000, rows=2, required=False)

    def __init__(self, *args: Any, volunteers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if volunteers is None:
            del self.fields["volunteer"]
        else:
            field: Any = self.fields["volunteer"]
            field.queryset = volunteers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["place"] = self.clean_place()
        return data

    def to_input(self) -> services.ActivityInput:
        data = self.cleaned_data
        return services.ActivityInput(
            kind=data["kind"],
            held_on=data["held_on"],
            place=data["place"],
            title=data.get("title", ""),
            topics=list(data.get("topics") or []),
            partners=data.get("partners", ""),
            participants=data.get("participants"),
            channels=list(data.get("channels") or []),
            root_causes=list(data.get("root_causes") or []),
            note=data.get("note", ""),
            volunteer=data.get("volunteer"),
            **{field: data.get(field) or 0 for field in services.COUNTS},
        )
