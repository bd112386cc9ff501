"""Input of the training and advisor pages (400-type errors only); the rules are training_services'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from karpear.core.forms import KhmerDateField, KhmerDecimalField
from karpear.core.models import User
from karpear.livelihoods import training_services as services
from karpear.livelihoods.models import FarmerRole, GroupMember, Training

STAFF = "staff"


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class TrainingForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=Training.Topic.choices)
    title = forms.CharField(label=_("Title"), required=False, max_length=150)
    held_on = KhmerDateField(label=_("Held on"))
    hours = KhmerDecimalField(label=_("Hours"), min_value=Decimal("0.5"), max_value=80, decimal_places=1)
    trainer = forms.ChoiceField(
        label=_("Trainer"),
        help_text=_("Staff train model farmers; a model farmer trains the households around them."),
    )

    def __init__(self, *args: Any, farmers: list[FarmerRole], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.farmers = {str(role.uuid): role for role in farmers}
        choices: list[tuple[str, Any]] = [(STAFF, _("Me (staff)"))]
        choices += [(key, f"{role.group.name} #{role.member.number}") for key, role in self.farmers.items()]
        _choice(self, "trainer").choices = choices

    def to_input(self, actor: User) -> services.TrainingInput:
        data = self.cleaned_data
        return services.TrainingInput(
            topic=data["topic"],
            title=data["title"],
            held_on=data["held_on"],
            hours=data["hours"],
            trainer_farmer=self.farmers.get(data["trainer"]),
            trainer_staff=actor if data["trainer"] == STAFF else None,
        )


class AttendanceForm(forms.Form):
    people = forms.MultipleChoiceField(label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "people").choices = choices


class FarmerRoleForm(forms.Form):
    member = forms.ChoiceField(label=_("Member"))
    kind = forms.ChoiceField(label=_("Role"), choices=FarmerRole.Kind.choices)
    since = KhmerDateField(label=_("Since"))

    def __init__(self, *args: Any, members: list[GroupMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.uuid): m for m in members}
        _choice(self, "member").choices = [(key, f"#{m.number} {m.person.initials}") for key, m in self.members.items()]


class FollowForm(forms.Form):
    member = forms.ChoiceField(
        label=_("Household"),
        help_text=_("A member of the advisor's group stands for their household."),
    )
    since = KhmerDateField(label=_("Since"))

    def __init__(self, *args: Any, members: list[GroupMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(m.uuid): m for m in members}
        _choice(self, "member").choices = [(key, f"#{m.number} {m.person.initials}") for key, m in self.members.items()]


class VisitForm(forms.Form):
    visited_on = KhmerDateField(label=_("Visited on"))
    topic = forms.ChoiceField(label=_("Topic"), choices=Training.Topic.choices)
    advice = forms.CharField(label=_("Advice given"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=300)


class EndForm(forms.Form):
    on = KhmerDateField(label=_("Ended on"))
