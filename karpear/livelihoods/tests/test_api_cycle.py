"""A savings group's whole cycle through the API (issue 12, item 9), over the same services as the pages: members
added (registered here, or a person registered already), a cycle opened with its constitution, meetings recorded,
an entry corrected by a reversing entry, a member leaving, the share-out whose payouts add up to the pool; the
same refusals as the pages, and a repeated write with its Idempotency-Key written once."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from conftest import login, make_org, make_user
from karpear.core import services as core_services
from karpear.core.models import Identity
from karpear.core.roles import Role
from karpear.livelihoods.models import Cycle, GroupMember, LedgerEntry, ShareOut
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db

API = "/api/v1/livelihoods"


def _post(client: Client, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(f"{API}/{path}/", body, content_type="application/json", **headers)


def _constitution(group: Any) -> dict[str, Any]:
    return {
        "group": str(group.uuid),
        "started_on": str(f.START),
        "planned_end_on": "2026-12-28",
        "currency": "KHR",
        "share_price": "5000",
        "charge_rate": "5",
        "social_fund_contribution": "500",
        "rounding_unit": "100",
    }


def _meeting(cycle: dict[str, Any], number: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "cycle": cycle["uuid"],
        "number": number,
        "held_on": str(f.weeks(number - 1)),
        "submission": str(uuid.uuid4()),
        "rows": rows,
    }


def test_a_field_officer_runs_a_savings_cycle_to_its_share_out_through_the_api() -> None:
    officer = f.officer()
    group = f.group(officer)
    client = login(Client(), officer)
    known = core_services.person_create(
        actor=officer, data=core_services.PersonInput(sex="female", birth_year=1980, name_latin="Chan Sreymom")
    )

    added = [
        _post(client, "members", {"group": str(group.uuid), "joined_on": "2025-12-01", "person": str(known.uuid)}),
        _post(
            client,
            "members",
            {
                "group": str(group.uuid),
                "joined_on": "2025-12-01",
                "sex": "female",
                "name_km": "សុខ ចាន់ធា",
                "household_code": "HH-7",
                "poverty_status": "idpoor_2",
            },
        ),
        _post(
            client,
            "members",
            {"group": str(group.uuid), "joined_on": "2025-12-01", "sex": "male", "name_latin": "Keo Dara"},
        ),
    ]
    assert [answer.status_code for answer in added] == [201, 201, 201], [answer.content for answer in added]
    assert [answer.json()["number"] for answer in added] == [1, 2, 3]
    assert "ចាន់ធា" not in added[1].content.decode()  # a member is core's pseudonymous person
    registered = Identity.objects.get(person__uuid=added[1].json()["person"])
    assert registered.person.household.poverty_status == "idpoor_2"  # type: ignore[union-attr]

    opened = _post(client, "cycles", _constitution(group))
    assert opened.status_code == 201, opened.content
    cycle = opened.json()
    assert (cycle["number"], cycle["share_price"], cycle["closed_on"]) == (1, "5000.00", None)
    assert client.get(f"{API}/cycles/?group={group.uuid}").json()["results"][0]["uuid"] == cycle["uuid"]

    everyone = [{"number": n, "attendance": "present", "shares": 2, "social": "500"} for n in (1, 2, 3)]
    assert _post(client, "meetings", _meeting(cycle, 1, everyone)).status_code == 201
    lent = [{**row, "loan": "20000"} if row["number"] == 1 else row for row in everyone]
    assert _post(client, "meetings", _meeting(cycle, 2, lent)).status_code == 201
    # A mistaken share purchase of member 3 at the second meeting is corrected by a reversing entry.
    wrong = LedgerEntry.objects.filter(meeting__number=2, member__number=3, kind="shares").get()
    reversed_ = _post(client, f"entries/{wrong.uuid}/reverse", {"reason": "Counted twice"})
    assert reversed_.status_code == 201, reversed_.content
    assert reversed_.json()["reverses"] == str(wrong.uuid) and reversed_.json()["shares"] == -2
    repaid = [{**row, "repayment": "21000"} if row["number"] == 1 else row for row in everyone if row["number"] != 3]
    assert (
        _post(client, "meetings", _meeting(cycle, 3, [*repaid, {"number": 3, "attendance": "absent"}])).status_code
        == 201
    )

    # Member 3 leaves (owing nothing); the share-out closes the cycle.
    member_3 = GroupMember.objects.get(group=group, number=3)
    left = _post(client, f"members/{member_3.uuid}/leave", {"on": str(f.weeks(2)), "reason": "migrated"})
    assert left.status_code == 200 and left.json()["left_on"] == str(f.weeks(2)), left.content
    shared = _post(client, "share-outs", {"cycle": cycle["uuid"]})
    assert shared.status_code == 201, shared.content
    share_out = shared.json()
    assert sum(Decimal(line["payout"]) for line in share_out["lines"]) == Decimal(share_out["pool"])
    assert all(Decimal(line["payout"]) % 100 == 0 for line in share_out["lines"])  # the rounding unit
    assert Cycle.objects.get(uuid=cycle["uuid"]).closed_on is not None
    # The next cycle opens after the share-out, with what the group carried.
    again = _post(client, "cycles", {**_constitution(group), "started_on": share_out["held_on"]})
    assert again.status_code == 201 and again.json()["number"] == 2, again.content


def test_the_api_refuses_what_the_pages_refuse() -> None:
    officer = f.officer()
    group = f.group(officer)
    f.members(officer, group, 2)
    client = login(Client(), officer)
    cycle = f.cycle(officer, group)

    still_open = _post(client, "cycles", _constitution(group))
    assert still_open.status_code == 400 and Cycle.objects.count() == 1
    no_name = _post(client, "members", {"group": str(group.uuid), "joined_on": "2025-12-01", "sex": "male"})
    assert no_name.status_code == 400 and "name_km" in no_name.json()["fields"]
    future = _post(
        client, "members", {"group": str(group.uuid), "joined_on": "2099-01-01", "sex": "male", "name_latin": "A"}
    )
    assert future.status_code == 400 and "joined_on" in future.json()["fields"]
    assert GroupMember.objects.count() == 2
    # A loan still owed: the member may not leave.
    f.meet(officer, cycle, 1, f.weeks(0), [1, 2], shares={1: 2, 2: 2})
    f.meet(officer, cycle, 2, f.weeks(1), [1, 2], loan={1: 10000})
    owing = GroupMember.objects.get(group=group, number=1)
    refused = _post(client, f"members/{owing.uuid}/leave", {"on": str(f.weeks(1)), "reason": "moved"})
    assert refused.status_code == 400 and GroupMember.objects.get(pk=owing.pk).left_on is None
    reason = _post(client, f"entries/{LedgerEntry.objects.first().uuid}/reverse", {"reason": ""})  # type: ignore[union-attr]
    assert reason.status_code == 400


def test_another_organisations_group_and_a_role_without_the_right_are_refused() -> None:
    officer = f.officer()
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    other = login(Client(), f.officer(make_org("cedac"), username="cedac-officer"))
    assert _post(other, "cycles", _constitution(group)).status_code == 400  # not a group they may change
    assert _post(other, "share-outs", {"cycle": str(cycle.uuid)}).status_code == 400
    me = login(Client(), make_user(group.organisation, Role.ME_OFFICER, username="me"))
    assert _post(me, "share-outs", {"cycle": str(cycle.uuid)}).status_code == 403
    assert not ShareOut.objects.exists() and Cycle.objects.get(pk=cycle.pk).closed_on is None


def test_a_member_added_again_with_its_idempotency_key_is_added_once() -> None:
    officer = f.officer()
    group = f.group(officer)
    client = login(Client(), officer)
    body = {"group": str(group.uuid), "joined_on": "2025-12-01", "sex": "female", "name_latin": "Sok Dara"}
    first = _post(client, "members", body, HTTP_IDEMPOTENCY_KEY="member-key-0001")
    again = _post(client, "members", body, HTTP_IDEMPOTENCY_KEY="member-key-0001")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["uuid"] == first.json()["uuid"] and GroupMember.objects.count() == 1
