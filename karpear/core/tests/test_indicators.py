"""core.indicators: the declaration type apps use in their indicators.py, and the table monitoring collects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from karpear.core import indicators
from karpear.core.indicators import SELF, Dimension, Indicator, Records


def _records() -> Records:
    return Records(queryset=lambda: None, date="on")  # type: ignore[arg-type,return-value]


def test_an_indicator_is_exactly_one_of_counted_computed_or_manual() -> None:
    with pytest.raises(ImproperlyConfigured, match="exactly one"):
        Indicator("x", "X", "", "people", "tests")
    with pytest.raises(ImproperlyConfigured, match="exactly one"):
        Indicator("x", "X", "", "people", "tests", records=_records(), manual=True)
    assert Indicator("x", "X", "", "people", "tests", manual=True).kind == "manual"
    assert Indicator("x", "X", "", "people", "tests", compute=lambda user, scope: None).kind == "computed"


def test_disaggregations_follow_from_the_paths_declared() -> None:
    plain = Indicator("x", "X", "", "count", "tests", records=_records())
    assert plain.disaggregations == (Dimension.ORGANISATION, Dimension.PERIOD)
    full = Records(queryset=lambda: None, date="on", programme="p", province="pr", person="person")  # type: ignore[arg-type,return-value]
    assert full.path(Dimension.SEX) == "person__sex" and full.path(Dimension.AGE_GROUP) == "person__birth_year"
    people = Records(queryset=lambda: None, date="on", person=SELF)  # type: ignore[arg-type,return-value]
    assert people.path(Dimension.SEX) == "sex"
    assert len(Indicator("x", "X", "", "count", "tests", records=full).disaggregations) == len(Dimension)


def test_a_code_is_declared_once() -> None:
    first = indicators.declare(Indicator("test_once", "X", "", "people", "tests", manual=True))
    try:
        assert indicators.declare(first) is first  # the same declaration imported again
        with pytest.raises(ImproperlyConfigured, match="declared twice"):
            indicators.declare(Indicator("test_once", "Y", "", "people", "tests", manual=True))
    finally:
        indicators.forget("test_once")


def test_discover_collects_every_installed_apps_indicators_module() -> None:
    indicators.discover()
    visits = indicators.indicator_for("sample_visits")
    assert visits is not None and visits.app_label == "sample_module"
    assert Dimension.SEX in visits.disaggregations
