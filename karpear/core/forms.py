"""Input validation for the core pages. Business rules stay in services.py."""

from __future__ import annotations

import datetime as dt
import functools
import html
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from karpear.core import countries, selectors, services
from karpear.core.models import Commune, Consent, District, Household, Identity, Person, Province, Village
from karpear.core.roles import Role
from karpear.core.text import clean_name, clean_text, to_ascii_digits

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]


class KhmerDateField(forms.DateField):
    """Accepts the Cambodian day/month/year habit, ISO dates and Khmer digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("help_text", _("Day/month/year, e.g. 25/12/2001."))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, str):
            value = to_ascii_digits(value.strip())
        return super().to_python(value)


class KhmerNumberInput(forms.TextInput):
    """A number typed on a phone. Not `<input type="number">`: browsers empty such an input, without a word,
    when it holds Khmer digits (១៩៩០), so the server never sees them. A text input with `inputmode` still opens
    the phone's number keypad, and a Khmer keyboard can type Khmer digits into it."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, decimal: bool = False) -> None:
        super().__init__({"inputmode": "decimal" if decimal else "numeric", "autocomplete": "off", **(attrs or {})})


class KhmerNumberMixin:
    """Khmer digits (and spaces or thousands separators a typist adds) accepted in a number field, as in the
    date fields; the field is rendered as a `KhmerNumberInput` unless it is hidden. Every number field of every
    form uses it (`test_every_number_field_of_every_form_accepts_khmer_digits`)."""

    decimal = False

    def __init__(self, **kwargs: Any) -> None:
        if "widget" not in kwargs:
            kwargs["widget"] = KhmerNumberInput(decimal=self.decimal)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs: dict[str, Any] = super().widget_attrs(widget)  # type: ignore[misc]
        if isinstance(widget, KhmerNumberInput):
            # min/max/step mean nothing on a text input; the server checks the bounds and says so in words.
            for name in ("min", "max", "step"):
                attrs.pop(name, None)
        return attrs

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = to_ascii_digits(value).replace(",", "").replace("\u00a0", "").replace(" ", "")
        return super().to_python(value)  # type: ignore[misc]


class KhmerIntegerField(KhmerNumberMixin, forms.IntegerField):
    """A whole number; Khmer or Latin digits."""


class KhmerDecimalField(KhmerNumberMixin, forms.DecimalField):
    """A decimal number; Khmer or Latin digits."""

    decimal = True


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not right. Please try again."),
        "inactive": _("This account is not active."),
    }


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_otp_token(self) -> str:
        return to_ascii_digits(self.cleaned_data["otp_token"]).replace(" ", "")


class PlaceFieldsMixin(forms.Form):
    """The four levels of the place picker, re-validated by services.resolve_place (reading the rows through
    `place_lookup` when a page with many pickers sets it: services.place_lookup)."""

    place_lookup: services.PlaceLookup | None = None

    province = forms.CharField(label=_("Province"), required=False, max_length=2)
    district = forms.CharField(label=_("District"), required=False, max_length=4)
    commune = forms.CharField(label=_("Commune"), required=False, max_length=6)
    village = forms.CharField(label=_("Village"), required=False, max_length=12)

    def clean_place(self) -> services.PlaceChoice:
        data = self.cleaned_data
        try:
            return services.resolve_place_looked_up(
                self.place_lookup or services.place_from_database,
                province=data.get("province", ""),
                district=data.get("district", ""),
                commune=data.get("commune", ""),
                village=data.get("village") or None,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(name, message)
            return services.PlaceChoice()


class PlaceForm(PlaceFieldsMixin):
    """One place, for pages with several (`PlaceForm(request.POST, prefix="origin")`, shown with
    `core.place_picker.place_picker(request.POST, prefix="origin", form=...)`); `cleaned_data["place"]` is
    the checked `services.PlaceChoice`."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["place"] = self.clean_place()
        return data


class PersonForm(PlaceFieldsMixin):
    case_number = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=30,
        help_text=_("Leave empty to get the next number of your organisation."),
    )
    name_km = forms.CharField(label=_("Name in Khmer"), required=False, max_length=150)
    name_latin = forms.CharField(label=_("Name in Latin letters"), required=False, max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Person.Sex.choices])
    nationality = forms.ChoiceField(
        label=_("Nationality"), required=False, initial="KH", choices=countries.nationality_choices
    )
    other_names = forms.CharField(
        label=_("Other names"),
        required=False,
        max_length=1600,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Nicknames or other names the person is known by: one per line. Searched like the names."),
    )
    date_of_birth = KhmerDateField(label=_("Date of birth"), required=False)
    birth_year = KhmerIntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        help_text=_("If the exact date is not known."),
    )
    birth_year_estimated = forms.BooleanField(label=_("The birth year is an estimate"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30, help_text=_("e.g. 012 345 678"))
    national_id = forms.CharField(label=_("National ID number"), required=False, max_length=30)
    passport_number = forms.CharField(label=_("Passport number"), required=False, max_length=30)
    mother_name = forms.CharField(label=_("Mother's name"), required=False, max_length=150)
    address_details = forms.CharField(
        label=_("Address details"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    household = forms.ModelChoiceField(
        label=_("Household"), required=False, queryset=None, to_field_name="uuid", empty_label="—"
    )
    new_household_code = forms.CharField(
        label=_("Or a new household number"),
        required=False,
        max_length=30,
        help_text=_("A new household is created with this number, in the place above."),
    )
    new_household_poverty = forms.ChoiceField(
        label=_("Poverty status of the new household"),
        required=False,
        choices=Household.Poverty.choices,
        initial=Household.Poverty.NOT_ASSESSED,
    )
    relationship_to_head = forms.ChoiceField(
        label=_("Relationship to head of household"),
        required=False,
        choices=[("", "—"), *Person.Relationship.choices],
    )
    confirm_not_duplicate = forms.BooleanField(label=_("I have checked: this is a different person"), required=False)

    field_order = [
        "case_number",
        "name_km",
        "name_latin",
        "other_names",
        "sex",
        "nationality",
        "date_of_birth",
        "birth_year",
        "birth_year_estimated",
        "phone",
        "national_id",
        "passport_number",
        "mother_name",
        "province",
        "district",
        "commune",
        "village",
        "address_details",
        "household",
        "new_household_code",
        "new_household_poverty",
        "relationship_to_head",
    ]

    def __init__(self, *args: Any, households: Any = None, with_identity: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if households is not None:
            self.fields["household"].queryset = households  # type: ignore[attr-defined]
        nationality = self.fields["nationality"]
        nationality.widget = QuickSelect()
        nationality.choices = countries.nationality_choices()  # type: ignore[attr-defined]
        self.phone_warning: str | None = None
        # A role that may not read identifying details does not see them when it changes a record.
        self.with_identity = with_identity
        if not with_identity:
            for name in Identity.DETAIL_FIELDS:
                del self.fields[name]

    def clean_name_km(self) -> str:
        return clean_name(self.cleaned_data["name_km"])

    def clean_name_latin(self) -> str:
        return clean_name(self.cleaned_data["name_latin"])

    def clean_case_number(self) -> str:
        return clean_text(self.cleaned_data["case_number"]).upper()

    def clean_other_names(self) -> list[str]:
        try:
            return services.parse_other_names(self.cleaned_data["other_names"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["other_names"]) from None

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data["birth_year"]
        if year is not None and year > timezone.localdate().year:
            raise ValidationError(_("The birth year cannot be in the future."))
        return year

    def clean_date_of_birth(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data["date_of_birth"]
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean_new_household_code(self) -> str:
        return clean_text(self.cleaned_data["new_household_code"]).upper()

    def clean_phone(self) -> str:
        phone, warning = services.normalise_phone(self.cleaned_data["phone"])
        self.phone_warning = warning
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.with_identity
            and not data.get("name_km")
            and not data.get("name_latin")
            and not self.has_error("name_km")
        ):
            self.add_error("name_km", _("Enter the name in Khmer or in Latin letters."))
        if data.get("household") and data.get("new_household_code"):
            self.add_error("new_household_code", _("Choose a household or enter a new number, not both."))
        data["place"] = self.clean_place()
        return data

    def to_input(self) -> services.PersonInput:
        data = self.cleaned_data
        return services.PersonInput(
            sex=data["sex"],
            birth_year=data.get("birth_year"),
            birth_year_estimated=bool(data.get("birth_year_estimated")),
            date_of_birth=data.get("date_of_birth"),
            place=data["place"],
            household=data.get("household"),
            new_household_code=data.get("new_household_code") or "",
            new_household_poverty=data.get("new_household_poverty") or Household.Poverty.NOT_ASSESSED,
            relationship_to_head=data.get("relationship_to_head") or "",
            case_number=data.get("case_number") or "",
            name_km=data.get("name_km") or "",
            name_latin=data.get("name_latin") or "",
            phone=data.get("phone") or "",
            national_id=data.get("national_id") or "",
            passport_number=data.get("passport_number") or "",
            mother_name=data.get("mother_name") or "",
            address_details=data.get("address_details") or "",
            duplicate_confirmed=bool(data.get("confirm_not_duplicate")),
            nationality=data.get("nationality") or None,  # none sent: Cambodian when new, else unchanged
            # A role that may not read identifying details had no such field: its names stay as they are.
            other_names=data.get("other_names") if self.with_identity else None,
        )


def place_options(state: dict[str, str]) -> dict[str, Any]:
    """Options for each picker level given the chosen parents (used by the picker partial)."""
    province, district, commune = (
        state.get("province", ""),
        state.get("district", ""),
        state.get("commune", ""),
    )
    return {
        "provinces": Province.objects.all(),
        "districts": District.objects.filter(province_id=province) if province else District.objects.none(),
        "communes": Commune.objects.filter(district_id=district) if district else Commune.objects.none(),
        "villages": Village.objects.filter(commune_id=commune) if commune else Village.objects.none(),
    }


class PhotoForm(forms.Form):
    """The photo upload on the person page; services.clean_photo checks the file itself."""

    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG or PNG, at most 5 MB. Only with the person's consent to a photo."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    given = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("yes", _("Consent given")), ("no", _("Consent refused or withdrawn"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    given_by = forms.CharField(label=_("Given by"), max_length=100, help_text=_("The person, or their guardian."))
    recipient = forms.ModelChoiceField(
        label=_("Receiving organisation"),
        required=False,
        queryset=None,
        to_field_name="uuid",
        empty_label="—",
        help_text=_("Needed when the consent is for a referral."),
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = organisations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("purpose") == Consent.Purpose.REFERRAL and not data.get("recipient"):
            self.add_error("recipient", _("Choose the organisation the person agrees to be referred to."))
        return data


def place_label(place: Any) -> str:
    """A place named in the user's script (Khmer where the place has a Khmer name)."""
    khmer = (translation.get_language() or "").startswith("km")
    return str(place.name_km if khmer and place.name_km else place.name_en)


class QuickSelect(forms.Select):
    """A single select rendered in Python. Django renders a template per option, which costs several
    milliseconds for the 25 provinces on a page every user opens (DESIGN §8 budgets)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        # Escaped with the standard library's html.escape, which Django's escape() wraps: format_html per
        # option cost a millisecond per hundred options (the 250 countries of the public help form).
        options = []
        for key, label in self.choices:
            text = str(key)
            shown = label.__html__() if hasattr(label, "__html__") else html.escape(str(label))
            selected = " selected" if text in chosen else ""
            options.append(f'<option value="{html.escape(text)}"{selected}>{shown}</option>')
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe("".join(options)))  # noqa: S308


@functools.cache
def _province_names() -> tuple[tuple[str, str, str], ...]:
    """(code, Khmer name, English name) of the 25 provinces, read once per process: the gazetteer changes
    only with a migration or `karpear loadplaces`, both of which run before the web processes restart."""
    return tuple(Province.objects.order_by("code").values_list("code", "name_km", "name_en"))


def province_choices() -> list[tuple[str, str]]:
    khmer = (translation.get_language() or "").startswith("km")
    return [("", str(_("All provinces")))] + [
        (code, name_km if khmer and name_km else name_en) for code, name_km, name_en in _province_names()
    ]


class PeopleFilterForm(forms.Form):
    """Narrow the people list (and its export) by province, case status and registration date.

    The people page renders it on every visit, so it asks the database nothing (DESIGN §8 budgets).
    """

    province = forms.ChoiceField(label=_("Province"), required=False, choices=province_choices, widget=QuickSelect)
    status = forms.ChoiceField(
        label=_("Case"),
        required=False,
        choices=[("", _("Open and closed")), ("open", _("Open")), ("closed", _("Closed"))],
        widget=QuickSelect,
    )
    registered_from = KhmerDateField(label=_("Registered from"), required=False)
    registered_to = KhmerDateField(label=_("Registered until"), required=False)

    FILTER_FIELDS = ("province", "status", "registered_from", "registered_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, message in selectors.registration_range_errors(
            data.get("registered_from"), data.get("registered_to")
        ).items():
            self.add_error(field, message)
        return data

    def people_filters(self) -> selectors.PersonFilters:
        """The valid filters; an invalid form filters nothing (its errors are shown next to the fields)."""
        if not self.is_bound or not self.is_valid():
            return selectors.PersonFilters()
        data = self.cleaned_data
        return selectors.PersonFilters(
            province=data.get("province") or "",
            status=data.get("status") or "",
            registered_from=data.get("registered_from"),
            registered_to=data.get("registered_to"),
        )

    @property
    def active(self) -> bool:
        return self.people_filters() != selectors.PersonFilters()


class ExportForm(PeopleFilterForm):
    """What goes into an export of the people list; the consent override only for roles that hold it."""

    format = forms.ChoiceField(
        label=_("File"),
        choices=[("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV, for other programs (.csv)"))],
        initial="xlsx",
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_format(self) -> str:
        return str(self.cleaned_data.get("format") or "xlsx")

    q = forms.CharField(
        label=_("Only people matching"),
        required=False,
        max_length=100,
        help_text=_("A name or a case number, as in the search of the people list. Leave empty for everyone."),
    )
    override = forms.BooleanField(
        label=_("Also include the identifying details of people who have not consented to case management"),
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for overriding consent"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Written to the audit log with your name."),
    )

    def __init__(self, *args: Any, can_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_override:
            del self.fields["override"]
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("override") and not clean_text(data.get("reason") or ""):
            self.add_error("reason", _("Say why the details of people without consent must be exported."))
        return data

    @property
    def override_reason(self) -> str:
        return str(self.cleaned_data.get("reason") or "") if self.cleaned_data.get("override") else ""


class PlaceChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Places named in the user's script."""

    def label_from_instance(self, obj: Any) -> str:
        return place_label(obj)


def _split_codes(values: Any) -> list[str]:
    """Commune codes as posted: one per checkbox, or typed in a list ("140901, 140902"), Khmer digits too."""
    codes: list[str] = []
    for value in values if isinstance(values, list | tuple) else [values]:
        for code in to_ascii_digits(str(value or "")).replace(" ", ",").split(","):
            if code.strip() and code.strip() not in codes:
                codes.append(code.strip())
    return codes


class CommuneCodesField(forms.MultipleChoiceField):
    """The communes a member works in, each a ticked box named by place (untick to remove); the form checks
    the codes against the gazetteer, so any posted code is taken here."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        return _split_codes(value) if value else []

    def valid_value(self, value: Any) -> bool:
        return True


def commune_label(commune: Commune) -> str:
    """A commune named with its province, in the user's script, and its code."""
    return f"{place_label(commune)} · {place_label(commune.district.province)} ({commune.code})"


class MemberForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("An existing account joins your organisation; a new one is created with a one-time password."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=None, empty_label="—")
    place_limited = forms.BooleanField(label=_("Works only in some places"), required=False)
    provinces = PlaceChoiceField(
        label=_("Provinces"), required=False, queryset=Province.objects.all(), widget=forms.CheckboxSelectMultiple
    )
    communes = CommuneCodesField(
        label=_("Communes"),
        required=False,
        help_text=_("Add a commune with the place picker below; untick one to remove it."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    AREA_PREFIX = "area"

    def __init__(self, *args: Any, teams: Any = None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if editing:
            del self.fields["username"]
            del self.fields["email"]
        else:
            del self.fields["is_active"]  # a new member starts active
        # The place picker that adds a commune (core.place_picker, prefix "area").
        self.area = PlaceForm(self.data if self.is_bound else None, prefix=self.AREA_PREFIX)
        if self.is_bound:
            chosen = _split_codes(self.data.getlist("communes") if hasattr(self.data, "getlist") else [])
        else:
            chosen = _split_codes(self.initial.get("communes") or [])
        found = Commune.objects.filter(code__in=chosen).select_related("district__province")
        self.fields["communes"].choices = [(c.code, commune_label(c)) for c in found]  # type: ignore[attr-defined]

    def clean_communes(self) -> list[Commune]:
        codes = list(self.cleaned_data["communes"])
        if self.area.is_valid():
            picked = self.area.cleaned_data["place"]
            if picked.commune is not None:
                if picked.commune.code not in codes:
                    codes.append(picked.commune.code)
            elif picked.province is not None:
                self.area.add_error("commune", _("Choose the commune, or tick the whole province above."))
        found = {c.code: c for c in Commune.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError(_("Unknown place code.") + " " + ", ".join(unknown))
        return [found[code] for code in codes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.area.errors:
            self.add_error(None, _("The place picked below is not right; nothing has been saved yet."))
        if data.get("place_limited") and not data.get("provinces") and not data.get("communes") and not self.errors:
            self.add_error("place_limited", _("Choose the provinces or communes this member works in."))
        return data

    def to_input(self) -> services.MemberInput:
        data = self.cleaned_data
        return services.MemberInput(
            role=data["role"],
            team=data.get("team"),
            place_limited=bool(data.get("place_limited")),
            provinces=list(data.get("provinces") or []),
            communes=list(data.get("communes") or []),
            is_active=bool(data.get("is_active", True)),
        )
