"""Screening and identification through the services, on the indicator set the migration loads (DOMAIN §1)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from karpear.core.models import AuditEvent
from karpear.protection import services
from karpear.protection.models import (
    Determination,
    Indicator,
    ProtectionCase,
    Screening,
    ScreeningAnswer,
    ScreeningRule,
)
from karpear.protection.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("indicators")]

# A deportee from a Thai fishing boat, in the adult labour list's words (DOMAIN §1's strong and medium examples).
# (dimension, indicator) pairs: some indicators are asked in two dimensions (at recruitment, at destination).
FISHING_BOAT = {
    ("deceptive_recruitment", "Deceived about the nature of the job, location or employer"),  # strong
    ("deceptive_recruitment", "Deceived about wages/earnings"),  # medium: recruitment positive (1 strong + 1 medium)
    ("exploitative_conditions", "Excessive working days or hours"),  # strong
    ("exploitative_conditions", "Low or no salary"),  # medium: exploitation positive (1 strong + 1 medium)
    ("coercion_at_destination", "Confiscation of documents"),  # strong
    ("coercion_at_destination", "Violence on victims"),  # strong: destination positive (2 strong)
}


def _answers(list_name: str, present: set[tuple[str, str]], *, leave_out: int = 0) -> dict[str, bool]:
    indicators = services.indicators_for(list_name)
    answers = {i.code: (i.dimension, i.text_en) in present for i in indicators}
    for code in list(answers)[:leave_out]:
        del answers[code]
    return answers


def test_the_starting_indicator_set_has_the_adult_labour_list_sizes_of_domain_1_and_khmer_for_every_indicator():
    adult = Counter(Indicator.objects.filter(list="adult_labour").values_list("dimension", flat=True))

    assert [adult[d] for d in services.engine_dimensions()] == [10, 10, 16, 9, 15, 7]
    assert Indicator.objects.filter(list="child_labour").count() == 65
    assert Indicator.objects.filter(list="forced_criminality").count() == 7
    assert not Indicator.objects.filter(text_km="").exists()
    assert set(ScreeningRule.objects.values_list("list", flat=True)) == {
        "adult_labour",
        "adult_sexual",
        "child_labour",
        "child_sexual",
    }


def test_a_worked_case_a_deportee_from_a_fishing_boat_is_suggested_presumed_with_what_led_to_it(users):
    case = f.case(users["caseworker"])

    screening = services.screening_record(
        actor=users["caseworker"],
        case=case,
        data=services.ScreeningInput("adult_labour", _answers("adult_labour", FISHING_BOAT)),
    )

    assert screening.suggestion == "presumed"
    assert screening.evidence["positive"] == [
        "deceptive_recruitment",
        "exploitative_conditions",
        "coercion_at_destination",
    ]
    present = screening.evidence["dimensions"]["coercion_at_destination"]["present"]
    assert sorted(Indicator.objects.get(code=c).text_en for c in present) == [
        "Confiscation of documents",
        "Violence on victims",
    ]
    assert ScreeningAnswer.objects.filter(screening=screening).count() == 67
    assert AuditEvent.objects.filter(object_id=str(screening.uuid), action="create").count() == 1
    case.refresh_from_db()
    assert case.identification == "not_screened"  # a suggestion is not a decision


def test_an_administrator_correcting_a_rating_changes_the_suggestion_without_a_code_change(users):
    case = f.case(users["caseworker"])
    present = FISHING_BOAT - {("exploitative_conditions", "Excessive working days or hours")}  # only "Low or no salary"
    before = services.screening_record(
        actor=users["caseworker"],
        case=case,
        data=services.ScreeningInput("adult_labour", _answers("adult_labour", present)),
    )
    # Another source rates low or no salary strong; add hazardous work as answered present too.
    Indicator.objects.filter(list="adult_labour", text_en="Low or no salary").update(strength="strong")
    present |= {("exploitative_conditions", "Hazardous work")}

    after = services.screening_record(
        actor=users["caseworker"],
        case=case,
        data=services.ScreeningInput("adult_labour", _answers("adult_labour", present)),
    )

    assert (before.suggestion, after.suggestion) == ("possible", "presumed")


def test_unanswered_indicators_give_no_suggestion_and_the_missing_are_kept(users):
    case = f.case(users["caseworker"])

    screening = services.screening_record(
        actor=users["caseworker"],
        case=case,
        data=services.ScreeningInput("adult_labour", _answers("adult_labour", FISHING_BOAT, leave_out=3)),
    )

    assert screening.suggestion == ""
    assert len(screening.evidence["missing"]) == 3


def test_a_child_needs_no_means_the_recruitment_act_and_exploitation_suffice(users):
    case = f.case(users["caseworker"], birth_year=timezone.localdate().year - 15)
    exploitation = {
        ("exploitative_conditions", "Excessive working days or hours"),
        ("exploitative_conditions", "Low or no salary"),
    }

    screening = services.screening_record(
        actor=users["caseworker"],
        case=case,
        data=services.ScreeningInput("child_labour", _answers("child_labour", exploitation), recruited=True),
    )

    assert screening.suggestion == "presumed"


def test_the_forced_criminality_extension_adds_its_indicators_to_a_labour_list_only(users):
    case = f.case(users["caseworker"])
    answers = {i.code: False for i in services.indicators_for("adult_labour", forced_criminality=True)}

    screening = services.screening_record(
        actor=users["caseworker"],
        case=case,
        data=services.ScreeningInput("adult_labour", answers, forced_criminality=True),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.screening_record(
            actor=users["caseworker"],
            case=case,
            data=services.ScreeningInput("adult_sexual", {}, forced_criminality=True),
        )

    assert (screening.suggestion, len(answers)) == ("not_identified", 74)
    assert list(excinfo.value.message_dict) == ["forced_criminality"]


def test_a_list_without_indicators_gives_no_suggestion(users):
    screening = services.screening_record(
        actor=users["caseworker"], case=f.case(users["caseworker"]), data=services.ScreeningInput("adult_sexual", {})
    )

    assert (screening.suggestion, screening.evidence["empty"]) == ("", True)


def _decide(actor, case, **fields):
    data = {"status": "presumed", "deciding_body": "ngo", "decided_on": timezone.localdate(), **fields}
    return services.determination_record(actor=actor, case=case, data=services.DeterminationInput(**data))


def test_decisions_change_the_status_and_keep_its_history(users):
    caseworker, supervisor = users["caseworker"], users["case_supervisor"]
    case = f.case(caseworker)
    services.screening_record(
        actor=caseworker,
        case=case,
        data=services.ScreeningInput("adult_labour", _answers("adult_labour", FISHING_BOAT)),
    )

    _decide(caseworker, case, deciding_body_name="CCPCR Svay Rieng")
    _decide(supervisor, case, status="identified", deciding_body="police", deciding_body_name="Provincial police")

    case.refresh_from_db()
    assert case.identification == "identified"
    history = list(Determination.objects.filter(case=case).values_list("previous", "status", "deciding_body"))
    assert history == [("presumed", "identified", "police"), ("not_screened", "presumed", "ngo")]


def test_a_decision_against_the_suggestion_needs_a_note(users):
    case = f.case(users["caseworker"])
    services.screening_record(
        actor=users["caseworker"],
        case=case,
        data=services.ScreeningInput("adult_labour", _answers("adult_labour", FISHING_BOAT)),
    )

    with pytest.raises(ValidationError) as excinfo:
        _decide(users["caseworker"], case, status="not_identified")
    _decide(users["caseworker"], case, status="not_identified", note="Went abroad on her own; no deception or control.")

    assert list(excinfo.value.message_dict) == ["note"]
    assert Determination.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"decided_on": timezone.localdate() + dt.timedelta(days=2)}, "decided_on"),
        ({"deciding_body": "oracle"}, "deciding_body"),
        ({"status": "not_screened"}, "status"),
        ({"status": "possible"}, "status"),  # no screening yet: a screening conclusion needs one
    ],
)
def test_bad_decisions_save_nothing(users, fields, field):
    case = f.case(users["caseworker"])

    with pytest.raises(ValidationError) as excinfo:
        _decide(users["caseworker"], case, **fields)

    assert field in excinfo.value.message_dict
    assert Determination.objects.count() == 0
    assert ProtectionCase.objects.get().identification == "not_screened"


@pytest.mark.parametrize("role", ["field_officer", "legal_officer", "volunteer", "me_officer"])
def test_roles_without_the_screening_capability_cannot_screen_or_decide(users, role):
    case = f.case(users["caseworker"])
    ProtectionCase.objects.filter(pk=case.pk).update(assigned_to=users[role])

    with pytest.raises(PermissionDenied):
        services.screening_record(actor=users[role], case=case, data=services.ScreeningInput("adult_sexual", {}))
    with pytest.raises(PermissionDenied):
        _decide(users[role], case, status="identified")

    assert (Screening.objects.count(), Determination.objects.count()) == (0, 0)
