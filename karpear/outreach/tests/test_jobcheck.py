"""The job-offer check: one test per warning sign (its warning answer shows it, the other answer and no answer
don't), and the page that asks the questions and explains the result without storing anything."""

from __future__ import annotations

import pytest
from django.test import Client

from karpear.outreach import jobcheck
from karpear.outreach.jobcheck import SIGNS

FEE, DOCUMENTS, EMPLOYER, CONTRACT, UNREADABLE, LICENCE, RELATIVE, TOO_GOOD, SECRET = SIGNS


def _only(code: str, answer: bool | None) -> dict[str, bool | None]:
    return {code: answer}


@pytest.mark.parametrize(
    ("sign", "warning"),
    [
        (FEE, True),  # a fee asked before leaving
        (DOCUMENTS, True),  # documents kept
        (EMPLOYER, False),  # the employer is not known
        (CONTRACT, False),  # no written contract
        (UNREADABLE, True),  # a contract in a language the person cannot read
        (LICENCE, False),  # no licensed agency
        (RELATIVE, True),  # the recruiter is a relative or neighbour
        (TOO_GOOD, True),  # pay too good to be true
        (SECRET, True),  # travel in secret, without a passport
    ],
    ids=lambda value: value.code if isinstance(value, jobcheck.Sign) else str(value),
)
def test_each_sign_shows_for_its_warning_answer_only(sign: jobcheck.Sign, warning: bool) -> None:
    assert jobcheck.warning_signs(_only(sign.code, warning)) == [sign]
    assert jobcheck.warning_signs(_only(sign.code, not warning)) == []
    assert jobcheck.warning_signs(_only(sign.code, None)) == []
    assert jobcheck.unanswered(_only(sign.code, warning)) == [s for s in SIGNS if s is not sign]


def test_every_sign_is_tested_above_and_explained() -> None:
    assert [s.code for s in SIGNS] == [
        "fee",
        "documents_kept",
        "unknown_employer",
        "no_contract",
        "unreadable_contract",
        "no_licence",
        "relative_recruiter",
        "too_good",
        "secret_travel",
    ]
    assert all(str(s.question) and str(s.why) and str(s.what_to_do) for s in SIGNS)


def test_signs_come_back_in_the_questionnaires_order() -> None:
    answers = {"too_good": True, "fee": True, "no_contract": False, "no_licence": True}
    assert [s.code for s in jobcheck.warning_signs(answers)] == ["fee", "no_contract", "too_good"]


@pytest.mark.django_db
def test_the_page_explains_each_sign_found_and_stores_nothing(django_assert_max_num_queries) -> None:
    client = Client()
    client.cookies["karpear_language"] = "en"
    with django_assert_max_num_queries(0):
        response = client.get("/safe-migration/job-check/", {"fee": "yes", "no_contract": "no", "too_good": "no"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 warning signs" in page
    assert str(FEE.why) in page and str(FEE.what_to_do) in page
    assert str(CONTRACT.why) in page and str(CONTRACT.what_to_do) in page
    assert str(TOO_GOOD.why) not in page
    assert "Your answers were not saved." in page
    assert not response.cookies


@pytest.mark.django_db
def test_no_warning_sign_says_so_and_lists_what_to_find_out() -> None:
    client = Client()
    client.cookies["karpear_language"] = "en"
    answers = {"fee": "no", "documents_kept": "no", "unknown_employer": "yes", "no_contract": "unsure"}
    page = client.get("/safe-migration/job-check/", answers).content.decode()
    assert "No warning sign in your answers" in page
    assert str(CONTRACT.question) in page.split("You did not know some answers")[1]
