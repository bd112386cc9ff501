"""The in-kind banks in the API, over the same services as the pages: a rice bank opened, stocked, lent from
and repaid in cash; a cow bank's pass-on refused before the holding period in the API's one error body; and
nothing of another organisation's banks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from conftest import login, make_org
from karpear.livelihoods import bank_services
from karpear.livelihoods.models import Animal, Bank
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/livelihoods"


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def api(officer) -> Client:
    return login(Client(HTTP_ACCEPT_LANGUAGE="en"), officer)


@pytest.fixture
def group(officer):
    grp = f.group(officer, "Svay Rieng group", formed_on=dt.date(2024, 12, 1))
    f.members(officer, grp, 3, joined_on=dt.date(2024, 12, 1))
    return grp


def post(api: Client, path: str, body: dict) -> tuple[int, dict]:
    response = api.post(f"{API}/{path}/", body, content_type="application/json")
    return response.status_code, response.json()


def test_a_rice_bank_is_opened_stocked_lent_from_and_repaid_in_cash_through_the_api(api, group):
    code, bank = post(
        api,
        "banks",
        {
            "group": str(group.uuid),
            "name": "Rice bank",
            "kind": "rice",
            "opened_on": "2025-01-10",
            "interest_percent": "10",
            "price_per_kg": "1200",
        },
    )
    assert code == 201 and bank["term_months"] == 12
    code, _ = post(api, "bank-movements", {"bank": bank["uuid"], "kind": "initial", "kg": "500", "on": "2025-01-10"})
    assert code == 201
    code, lent = post(
        api, "bank-movements", {"bank": bank["uuid"], "kind": "loan", "kg": "100", "member": 2, "on": "2025-01-11"}
    )
    assert code == 201 and (lent["kg"], lent["owed_kg"], lent["member"]) == ("-100.00", "110.00", 2)
    code, paid = post(
        api,
        "bank-movements",
        {"bank": bank["uuid"], "kind": "cash_repayment", "loan": lent["loan"], "cash": "60000", "on": "2025-06-01"},
    )
    assert code == 201 and (paid["owed_kg"], paid["price"]) == ("-50.00", "1200.00")
    code, refused = post(
        api,
        "bank-movements",
        {"bank": bank["uuid"], "kind": "repayment", "loan": lent["loan"], "kg": "61", "on": "2025-06-01"},
    )
    assert code == 400
    assert "60 kg are still owed on this loan: 61 kg is more than that." in str(refused)

    movements = api.get(f"{API}/bank-movements/", {"bank": bank["uuid"]}).json()
    assert [m["kind"] for m in movements["results"]] == ["initial", "loan", "cash_repayment"]
    [loan] = api.get(f"{API}/bank-loans/", {"bank": bank["uuid"]}).json()["results"]
    assert (loan["due_kg"], loan["due_on"]) == ("110.00", "2026-01-11")


def test_a_pass_on_before_the_holding_period_is_refused_through_the_api(api, officer, group):
    bank = bank_services.bank_open(
        actor=officer,
        group=group,
        data=bank_services.BankInput(name="Cow bank", kind=Bank.Kind.ANIMAL, opened_on=dt.date(2025, 1, 10)),
    )
    code, cow = post(
        api,
        "animals",
        {"bank": str(bank.uuid), "species": "cow", "sex": "female", "holder": 1, "received_on": "2025-01-10"},
    )
    assert code == 201 and cow["generation"] == 1
    code, birth = post(
        api, "animal-events", {"animal": cow["uuid"], "kind": "birth", "sex": "female", "on": "2025-03-01"}
    )
    assert code == 201 and birth["other"]
    code, refused = post(
        api, "animal-events", {"animal": birth["other"], "kind": "pass_on", "to": 2, "on": "2025-08-01"}
    )
    assert code == 400 and "can be passed on from 01/09/2025" in str(refused)
    code, passed = post(
        api, "animal-events", {"animal": birth["other"], "kind": "pass_on", "to": 2, "on": "2025-09-01"}
    )
    assert code == 201 and (passed["from_member"], passed["to_member"]) == (1, 2)
    calf = api.get(f"{API}/animals/{birth['other']}/").json()
    assert (calf["generation"], calf["holder"], calf["lineage_root"]) == (2, 2, cow["uuid"])
    assert Animal.objects.count() == 2

    # The pass-on was to the wrong household: corrected by a reversing entry, then passed on again.
    code, refused = post(
        api, "animal-events", {"animal": birth["other"], "kind": "reversal", "reverses": passed["uuid"]}
    )
    assert code == 400 and "note" in refused["fields"]
    code, refused = post(
        api, "animal-events", {"animal": cow["uuid"], "kind": "reversal", "reverses": passed["uuid"], "note": "x"}
    )
    assert code == 400 and refused["fields"]["reverses"] == ["This entry is not about this animal."]
    body = {"animal": birth["other"], "kind": "reversal", "reverses": passed["uuid"], "note": "Household 3, not 2"}
    code, reversal = post(api, "animal-events", body)
    assert code == 201 and (reversal["kind"], reversal["reverses"], reversal["on"]) == (
        "pass_on",
        passed["uuid"],
        "2025-09-01",
    )
    assert api.get(f"{API}/animals/{birth['other']}/").json()["holder"] == 1
    code, refused = post(api, "animal-events", body)
    assert code == 400 and "reversed already" in str(refused)
    code, _ = post(api, "animal-events", {"animal": birth["other"], "kind": "pass_on", "to": 3, "on": "2025-09-01"})
    assert code == 201 and api.get(f"{API}/animals/{birth['other']}/").json()["holder"] == 3


def test_another_organisations_banks_are_not_found_through_the_api(api, group):
    other = f.officer(make_org("cedac"), username="cedac-officer")
    theirs = f.group(other, "CEDAC group", formed_on=dt.date(2024, 12, 1))
    bank = bank_services.bank_open(
        actor=other,
        group=theirs,
        data=bank_services.BankInput(name="Seed bank", kind="seed", opened_on=dt.date(2025, 1, 10)),
    )
    bank_services.stock_deposit(actor=other, bank=bank, kg=Decimal(10), on=dt.date(2025, 1, 10))
    assert api.get(f"{API}/banks/{bank.uuid}/").status_code == 404
    assert api.get(f"{API}/banks/").json()["results"] == []
    code, refused = post(
        api, "bank-movements", {"bank": str(bank.uuid), "kind": "deposit", "kg": "5", "on": "2025-01-10"}
    )
    assert code == 400 and "bank" in str(refused)
