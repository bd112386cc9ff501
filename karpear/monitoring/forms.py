from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.core import indicators as declared
from karpear.core.forms import KhmerDateField, KhmerDecimalField
from karpear.core.models import Programme, SubGrant, Target


class ManualValueForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"))
    # The querysets are the viewer's (selectors.entry_choices), set in __init__.
    programme: forms.ModelChoiceField[Programme] = forms.ModelChoiceField(
        label=_("Programme"), queryset=None, to_field_name="uuid"
    )
    subgrant: forms.ModelChoiceField[SubGrant] = forms.ModelChoiceField(
        label=_("Sub-grant"), queryset=None, to_field_name="uuid", required=False
    )
    period_start = KhmerDateField(label=_("From"))
    period_end = KhmerDateField(label=_("To"))
    value = KhmerDecimalField(label=_("Figure"), min_value=0, max_digits=14, decimal_places=2)
    source = forms.CharField(
        label=_("Where the figure comes from"),
        max_length=300,
        help_text=_("The attendance sheet or head count it was read from, so that it can be checked."),
    )

    def __init__(self, *args: Any, programmes: Any, subgrants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [  # type: ignore[attr-defined]
            (indicator.code, indicator.name) for indicator in declared.indicators() if indicator.manual
        ]
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.fields["subgrant"].queryset = subgrants  # type: ignore[attr-defined]


class StandardExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Standard"),
        choices=[
            ("monitoring_htcds", _("HTCDS v2.0 (IOM's case data standard)")),
            ("monitoring_ctdc", _("CTDC shape, anonymised to k = 11")),
            ("monitoring_primero", _("Primero (MoSVY's case system)")),
        ],
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("json", "JSON"), ("csv", "CSV")])
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=7,
        help_text=_("A year (2026) or a quarter (2026-Q3); empty for all."),
    )
    accept_suppression = forms.BooleanField(
        label=_("Leave out the cases k-anonymity suppresses and export the others"), required=False
    )


class PeriodTargetForm(forms.Form):
    target: forms.ModelChoiceField[Target] = forms.ModelChoiceField(label=_("Target"), queryset=None)
    period = forms.CharField(label=_("Period"), max_length=7, help_text=_("A year (2026) or a quarter (2026-Q3)."))
    value = KhmerDecimalField(label=_("Target value"), min_value=0, max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets  # type: ignore[attr-defined]


class NarrativeForm(forms.Form):
    """The donor report's written sections: one box per section, and the version each had when the page opened
    (hidden), so that a section saved by someone else meanwhile is not overwritten unseen."""

    def __init__(self, *args: Any, sections: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in sections:
            self.fields[section.key] = forms.CharField(
                label=section.label,
                required=False,
                max_length=8000,
                initial=section.text,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
            self.fields[f"seen_{section.key}"] = forms.IntegerField(
                required=False, min_value=0, initial=section.version, widget=forms.HiddenInput
            )
        self.section_keys = [section.key for section in sections]

    def texts(self) -> dict[str, str]:
        """The sections the form sent (a section left out of the request is left as it is)."""
        return {key: self.cleaned_data.get(key) or "" for key in self.section_keys if key in self.data}

    def seen(self) -> dict[str, int]:
        return {key: self.cleaned_data.get(f"seen_{key}") or 0 for key in self.section_keys}
