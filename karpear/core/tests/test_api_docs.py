"""docs/api.md's example answers are the API's answers: each is checked against the served schema.

An example is a fenced `json` block right after a `<!-- example: OPERATION_ID STATUS -->` line. Every list and
detail operation of the schema must have one, so a new endpoint arrives with its example.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from karpear.core.tests.openapi import answer_errors, served_schema

pytestmark = pytest.mark.django_db

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "api.md"
EXAMPLE = re.compile(r"<!-- example: (\w+) (\d{3}) -->\n```json\n(.*?)\n```", re.DOTALL)


def examples() -> list[tuple[str, str, Any]]:
    return [
        (operation_id, status, json.loads(body))
        for operation_id, status, body in EXAMPLE.findall(GUIDE.read_text(encoding="utf-8"))
    ]


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return served_schema()


def test_every_list_and_detail_answer_has_an_example_in_the_guide(schema):
    reads = {op["operationId"] for item in schema["paths"].values() for method, op in item.items() if method == "get"}

    documented = {operation_id for operation_id, status, _ in examples() if status == "200"}
    assert sorted(reads - documented) == []
    # 17 of core, 35 of livelihoods (10 of them its in-kind banks, 11 its trainings, grants and sales), 8 of
    # outreach, 3 of monitoring, 32 of justice, 11 of protection, 4 of matching
    assert len(reads) == 110


@pytest.mark.parametrize(
    ("operation_id", "status", "body"),
    [pytest.param(*example, id=f"{example[0]}-{example[1]}-{n}") for n, example in enumerate(examples())],
)
def test_each_example_in_the_guide_matches_the_schema(schema, operation_id, status, body):
    assert answer_errors(schema, operation_id, status, body) == []


def test_the_check_refuses_a_missing_an_undeclared_and_a_wrongly_null_field(schema):
    [person] = [
        body for operation_id, status, body in examples() if (operation_id, status) == ("people_retrieve", "200")
    ]
    missing, undeclared, null = copy.deepcopy(person), {**person, "nickname": "Dara"}, {**person, "sex": None}
    del missing["household"]

    assert answer_errors(schema, "people_retrieve", 200, missing) == ["(root): 'household' is a required property"]
    assert len(answer_errors(schema, "people_retrieve", 200, undeclared)) == 1
    assert answer_errors(schema, "people_retrieve", 200, null) != []
    assert answer_errors(schema, "people_retrieve", 200, {**person, "household": None}) == []
