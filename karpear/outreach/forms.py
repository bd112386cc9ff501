from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from karpear.core import countries
from karpear.core.models import Province
from karpear.outreach import jobcheck, services
from karpear.outreach.models import HelpRequest

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
    province = forms.ModelChoiceField(
        label=_("Your province in Cambodia"), queryset=Province.objects.order_by("code"), required=False
    )
    country = forms.ChoiceField(label=_("Country where the person is"), required=False, choices=())
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
            self.initial.update(started=signing.TimestampSigner(salt=TIMER_SALT).sign("1"), key=services.new_form_key())

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


def _km() -> bool:
    from django.utils import translation

    return (translation.get_language() or "km").startswith("km")
