from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.core import indicators as declared
from karpear.core.models import Programme, SubGrant


class ManualValueForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"))
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none(), to_field_name="uuid")
    subgrant = forms.ModelChoiceField(
        label=_("Sub-grant"), queryset=SubGrant.objects.none(), to_field_name="uuid", required=False
    )
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(label=_("Figure"), min_value=0, max_digits=14, decimal_places=2)
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
