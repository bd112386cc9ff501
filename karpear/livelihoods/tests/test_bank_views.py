"""The in-kind bank pages: a field officer runs a rice bank and a cow bank through the browser forms (without
script), each refusal shown at its field in the user's language, each page within its query budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import login
from karpear.livelihoods import bank_services
from karpear.livelihoods.models import Animal, Bank, BankLoan, StockMovement
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def browser(officer):
    return login(Client(), officer)


@pytest.fixture
def group(officer):
    grp = f.group(officer, "Svay Rieng group", formed_on=dt.date(2024, 12, 1))
    f.members(officer, grp, 3, joined_on=dt.date(2024, 12, 1))
    return grp


def _budget(client: Client, url: str, limit: int = 10) -> str:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert len(queries) <= limit, (url, len(queries), [q["sql"][:120] for q in queries])
    return response.content.decode()


def test_a_field_officer_runs_a_rice_bank_through_the_pages(browser, group):
    assert "Rice and animal banks" in browser.get(f"/livelihoods/groups/{group.uuid}/").content.decode()
    response = browser.post(
        f"/livelihoods/groups/{group.uuid}/banks/new/",
        {
            "name": "Prey Kokir rice bank",
            "kind": "rice",
            "commodity": "paddy",
            "opened_on": "10/01/2025",
            "interest_percent": "10",
            "term_months": "12",
            "currency": "KHR",
            "price_per_kg": "1200",
            "holding_months": "0",
        },
    )
    bank = Bank.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/livelihoods/banks/{bank.uuid}/"
    base = f"/livelihoods/banks/{bank.uuid}"

    assert browser.post(f"{base}/stock-in/", {"kg": "៥០០", "on": "10/01/2025", "opening": "on"}).status_code == 302
    members = {m.number: m for m in group.members.all()}
    refused = browser.post(f"{base}/lend/", {"member": str(members[1].uuid), "kg": "600", "on": "11/01/2025"})
    assert refused.status_code == 400
    assert "The store holds only 500 kg: a loan of 600 kg is more than that." in refused.content.decode()
    response = browser.post(f"{base}/lend/", {"member": str(members[1].uuid), "kg": "100", "on": "11/01/2025"})
    loan = BankLoan.objects.get()
    assert response["Location"] == f"/livelihoods/bank-loans/{loan.uuid}/"

    page = _budget(browser, f"/livelihoods/bank-loans/{loan.uuid}/")
    assert "110 kg" in page and "11 Jan 2026" in page
    too_much = browser.post(
        f"/livelihoods/bank-loans/{loan.uuid}/repay/", {"how": "kg", "kg": "111", "on": "01/06/2025"}
    )
    assert too_much.status_code == 400
    assert "110 kg are still owed on this loan: 111 kg is more than that." in too_much.content.decode()
    paid = browser.post(
        f"/livelihoods/bank-loans/{loan.uuid}/repay/", {"how": "cash", "cash": "60,000", "on": "01/06/2025"}
    )
    assert paid.status_code == 302
    browser.post(f"{base}/loss/", {"kg": "5", "on": "02/06/2025", "note": "rats"})

    page = _budget(browser, f"{base}/")
    assert "395 kg" in page  # 500 in, 100 lent, 5 lost
    assert "owes 60 kg" in page and "60,000 ៛" in page

    loss = StockMovement.objects.get(kind="loss")
    response = browser.post(f"/livelihoods/bank-movements/{loss.uuid}/reverse/", {"reason": "counted wrong"})
    assert response.status_code == 302
    assert "400 kg" in browser.get(f"{base}/").content.decode()


def test_the_rice_bank_page_in_khmer(browser, officer, group):
    bank = bank_services.bank_open(
        actor=officer,
        group=group,
        data=bank_services.BankInput(name="ធនាគារស្រូវ", kind="rice", opened_on=dt.date(2025, 1, 10)),
    )
    bank_services.stock_deposit(actor=officer, bank=bank, kg=D(250), on=dt.date(2025, 1, 10))
    browser.cookies["karpear_language"] = "km"
    page = browser.get(f"/livelihoods/banks/{bank.uuid}/").content.decode()
    assert "២៥០ គ.ក" in page
    assert "បរិមាណនៅសល់ក្នុងជង្រុក" in page  # stock in store


def test_a_field_officer_runs_a_cow_bank_through_two_generations_in_the_pages(browser, group):
    browser.post(
        f"/livelihoods/groups/{group.uuid}/banks/new/",
        {
            "name": "Cow bank",
            "kind": "animal",
            "opened_on": "10/01/2025",
            "interest_percent": "0",
            "term_months": "12",
            "currency": "KHR",
            "holding_months": "6",
        },
    )
    bank = Bank.objects.get()
    members = {m.number: m for m in group.members.all()}
    response = browser.post(
        f"/livelihoods/banks/{bank.uuid}/animals/new/",
        {"species": "cow", "sex": "female", "tag": "Srey", "holder": str(members[1].uuid), "received_on": "10/01/2025"},
    )
    cow = Animal.objects.get()
    assert response["Location"] == f"/livelihoods/animals/{cow.uuid}/"
    response = browser.post(f"/livelihoods/animals/{cow.uuid}/birth/", {"sex": "female", "born_on": "01/03/2025"})
    calf = Animal.objects.get(mother=cow)
    assert response["Location"] == f"/livelihoods/animals/{calf.uuid}/"

    early = browser.post(f"/livelihoods/animals/{calf.uuid}/pass-on/", {"to": str(members[2].uuid), "on": "01/08/2025"})
    assert early.status_code == 400
    assert "can be passed on from 01/09/2025" in early.content.decode()
    assert (
        browser.post(
            f"/livelihoods/animals/{calf.uuid}/pass-on/", {"to": str(members[2].uuid), "on": "01/09/2025"}
        ).status_code
        == 302
    )
    browser.post(f"/livelihoods/animals/{calf.uuid}/birth/", {"sex": "female", "born_on": "01/10/2025"})

    page = _budget(browser, f"/livelihoods/animals/{calf.uuid}/")
    assert '<svg class="lineage"' in page and page.count("<rect") == 3
    assert "Generation 3 · household 2" in page
    page = _budget(browser, f"/livelihoods/banks/{bank.uuid}/")
    assert "3 animals on hand" in page

    # The granddaughter's birth was entered twice: the page offers to correct it, the correction voids her.
    twice = browser.post(f"/livelihoods/animals/{calf.uuid}/birth/", {"sex": "female", "born_on": "02/10/2025"})
    extra = Animal.objects.get(mother=calf, born_on=dt.date(2025, 10, 2))
    assert twice["Location"] == f"/livelihoods/animals/{extra.uuid}/"
    page = _budget(browser, f"/livelihoods/animals/{calf.uuid}/")
    birth = calf.events.get(other=extra)
    assert page.count("Reverse this entry") == 1 and f"/livelihoods/animal-events/{birth.uuid}/reverse/" in page
    refused = browser.post(f"/livelihoods/animal-events/{birth.uuid}/reverse/", {"reason": ""}, follow=True)
    assert "This field is required." in refused.content.decode()
    done = browser.post(f"/livelihoods/animal-events/{birth.uuid}/reverse/", {"reason": "Entered twice"})
    assert done["Location"] == f"/livelihoods/animals/{calf.uuid}/"
    extra.refresh_from_db()
    assert extra.status == Animal.Status.VOID
    page = _budget(browser, f"/livelihoods/animals/{calf.uuid}/")
    assert "correction: Entered twice" in page and "(reversed)" in page and page.count("<rect") == 3
    assert "3 animals on hand" in _budget(browser, f"/livelihoods/banks/{bank.uuid}/")


def test_a_bank_of_another_organisation_is_not_found(browser, group, officer):
    from conftest import make_org

    other = f.officer(make_org("cedac"), username="cedac-officer")
    theirs = f.group(other, "CEDAC group", formed_on=dt.date(2024, 12, 1))
    bank = bank_services.bank_open(
        actor=other,
        group=theirs,
        data=bank_services.BankInput(name="Seed bank", kind="seed", opened_on=dt.date(2025, 1, 10)),
    )
    assert browser.get(f"/livelihoods/banks/{bank.uuid}/").status_code == 404
    assert browser.post(f"/livelihoods/banks/{bank.uuid}/stock-in/", {"kg": "5", "on": "10/01/2025"}).status_code == 404
