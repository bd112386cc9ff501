"""What protection declares to monitoring (indicators.py): cases opened, by the survivor's sex and province."""

from __future__ import annotations

import pytest
from django.db.models import Count

from conftest import make_org, make_user
from karpear.core import indicators as declared
from karpear.core.indicators import Dimension
from karpear.core.roles import Role
from karpear.protection.tests import factories as f

pytestmark = pytest.mark.django_db


def test_cases_opened_are_counted_by_the_survivors_sex_and_province() -> None:
    caseworker = make_user(make_org("ccpcr"), Role.CASEWORKER)
    f.case(caseworker, sex="female")
    f.case(caseworker, sex="female", name_latin="Chan Dara")
    f.case(caseworker, sex="male", name_latin="Sok Vanna")
    indicator = declared.indicator_for("protection_cases_opened")
    assert indicator is not None and indicator.records is not None and indicator.drilldown == "protection:case_detail"
    rows = indicator.records.queryset()
    by_sex = dict(rows.values_list(indicator.records.path(Dimension.SEX)).annotate(n=Count("pk")).order_by())
    assert by_sex == {"female": 2, "male": 1}
    by_province = dict(rows.values_list(indicator.records.path(Dimension.PROVINCE)).annotate(n=Count("pk")).order_by())
    assert by_province == {"20": 3}
    assert Dimension.PROGRAMME not in indicator.disaggregations  # a case names no programme
