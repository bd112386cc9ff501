"""Producer groups and markets (issue 12, item 7): production and sales summed per product, milling at a
rice-mill cooperative, buyers and market links, employers and job placements; refusals leave nothing saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from conftest import login
from karpear.livelihoods import market_selectors, market_services
from karpear.livelihoods.models import Group, JobPlacement, MarketLink, Milling, Sale
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)
D = Decimal


def test_harvests_and_sales_are_summed_per_product_with_the_amount_kept_as_sold() -> None:
    actor = f.officer()
    grp = f.group(actor, "CEDAC organic rice group", kind=Group.Kind.RICE_PRODUCERS)
    a, b = f.members(actor, grp, 2)
    buyer = market_services.buyer_add(actor=actor, name="Angkor rice mill", kind="rice_mill")
    market_services.market_link_add(actor=actor, group=grp, buyer=buyer, product="organic_paddy", since=DAY)
    for member, kg in ((a, D(1200)), (b, D(800))):
        market_services.production_record(actor=actor, member=member, product="organic_paddy", on=DAY, quantity=kg)
    market_services.sale_record(
        actor=actor,
        group=grp,
        data=market_services.SaleInput(
            product="organic_paddy", on=DAY, quantity=D(1500), unit_price=D("1350.5"), buyer=buyer
        ),
    )
    market_services.sale_record(
        actor=actor,
        group=grp,
        data=market_services.SaleInput(product="organic_paddy", on=DAY, quantity=D(100), unit_price=D(1400), member=a),
    )
    [line] = market_selectors.product_lines(user=actor, group=grp)
    assert (line.produced, line.sold) == (D(2000), D(1600))
    assert line.sales == {"KHR": D("2025750.00") + D(140000)}
    counts = market_selectors.market_counts(user=actor)
    assert counts["groups_linked"] == 1 and counts["sales"] == {"KHR": D("2165750.00")}
    with pytest.raises(ValidationError) as caught:
        market_services.market_link_add(actor=actor, group=grp, buyer=buyer, product="organic_paddy", since=DAY)
    assert "linked to this buyer for this product already" in caught.value.message_dict["product"][0]
    assert MarketLink.objects.count() == 1


def test_milling_is_for_a_rice_mill_cooperative_and_gives_less_rice_than_paddy() -> None:
    actor = f.officer()
    mill = f.group(actor, "Rice-mill cooperative", kind=Group.Kind.RICE_MILL)
    member = f.members(actor, mill, 1)[0]
    market_services.milling_record(actor=actor, member=member, on=DAY, paddy_kg=D(100), rice_kg=D(62), fee=D(5000))
    with pytest.raises(ValidationError) as caught:
        market_services.milling_record(actor=actor, member=member, on=DAY, paddy_kg=D(100), rice_kg=D(120))
    assert "less rice than the paddy" in caught.value.message_dict["rice_kg"][0]
    savers = f.group(actor, "Savings group")
    saver = f.members(actor, savers, 1)[0]
    with pytest.raises(ValidationError):
        market_services.milling_record(actor=actor, member=saver, on=DAY, paddy_kg=D(100), rice_kg=D(60))
    assert Milling.objects.count() == 1
    assert market_selectors.market_counts(user=actor)["paddy_milled_kg"] == D(100)


def test_a_member_is_placed_with_a_local_employer_once_at_a_time() -> None:
    actor = f.officer()
    member = f.members(actor, f.group(actor), 1)[0]
    employer = market_services.employer_add(actor=actor, name="Garment workshop", sector="garments", vetted_on=DAY)
    market_services.placement_record(
        actor=actor, member=member, employer=employer, job="Sewing", started_on=DAY, monthly_wage=D(200)
    )
    with pytest.raises(ValidationError) as caught:
        market_services.placement_record(actor=actor, member=member, employer=employer, job="Sewing", started_on=DAY)
    assert "works for this employer already" in caught.value.message_dict["employer"][0]
    assert JobPlacement.objects.count() == 1
    assert market_selectors.market_counts(user=actor)["in_a_job_now"] == 1


def test_a_sale_with_no_quantity_and_a_negative_price_is_refused_at_its_fields() -> None:
    actor = f.officer()
    grp = f.group(actor)
    with pytest.raises(ValidationError) as caught:
        market_services.sale_record(
            actor=actor,
            group=grp,
            data=market_services.SaleInput(product="eggs", on=DAY, quantity=D(0), unit_price=D(-1)),
        )
    assert set(caught.value.message_dict) == {"quantity", "unit_price"}
    assert not Sale.objects.exists()


def test_the_market_pages_record_a_harvest_a_sale_and_a_job() -> None:
    actor = f.officer()
    grp = f.group(actor, "Vegetable group", kind=Group.Kind.VEGETABLE_PRODUCERS)
    member = f.members(actor, grp, 1)[0]
    browser = login(Client(), actor)
    assert "Production and sales" in browser.get(f"/livelihoods/groups/{grp.uuid}/").content.decode()
    response = browser.post(
        f"/livelihoods/groups/{grp.uuid}/harvests/new/",
        {"member": str(member.uuid), "product": "vegetables", "on": "02/03/2026", "quantity": "៥០", "unit": "kg"},
    )
    assert response.status_code == 302
    browser.post("/livelihoods/buyers/new/", {"name": "Siem Reap market", "kind": "market_vendor", "contact": ""})
    buyer = market_selectors.buyers(user=actor).get()
    response = browser.post(
        f"/livelihoods/groups/{grp.uuid}/sales/new/",
        {
            "member": "",
            "buyer": str(buyer.uuid),
            "product": "vegetables",
            "on": "02/03/2026",
            "quantity": "40",
            "unit": "kg",
            "unit_price": "2000",
            "currency": "KHR",
        },
    )
    assert response.status_code == 302
    sale = Sale.objects.get()
    assert sale.member is None and sale.amount == D(80000) and sale.buyer == buyer
    page = browser.get(f"/livelihoods/groups/{grp.uuid}/market/").content.decode()
    assert "The group together" in page
    browser.post("/livelihoods/employers/new/", {"name": "Workshop", "sector": "", "contact": "", "vetted_on": ""})
    employer = market_selectors.employers(user=actor).get()
    response = browser.post(
        f"/livelihoods/members/{member.uuid}/job/",
        {
            "employer": str(employer.uuid),
            "job": "Packer",
            "started_on": "02/03/2026",
            "monthly_wage": "",
            "currency": "USD",
        },
    )
    assert response.status_code == 302
    assert "Packer" in browser.get("/livelihoods/employers/").content.decode()
    assert browser.get("/livelihoods/buyers/").status_code == 200


def test_a_buyer_and_an_employer_are_changed_and_a_job_ended_once_in_the_pages_each_audited() -> None:
    from karpear.core.models import AuditEvent

    actor = f.officer()
    member = f.members(actor, f.group(actor), 1)[0]
    buyer = market_services.buyer_add(actor=actor, name="Siem Reap market", kind="market_vendor")
    employer = market_services.employer_add(actor=actor, name="Workshop")
    job = market_services.placement_record(actor=actor, member=member, employer=employer, job="Packer", started_on=DAY)
    browser = login(Client(), actor)

    page = browser.get(f"/livelihoods/buyers/{buyer.uuid}/edit/").content.decode()
    assert 'value="Siem Reap market"' in page
    refused = browser.post(f"/livelihoods/buyers/{buyer.uuid}/edit/", {"name": " ", "kind": "trader", "contact": "x"})
    assert refused.status_code == 400 and 'value="x"' in refused.content.decode()  # what was typed is kept
    done = browser.post(
        f"/livelihoods/buyers/{buyer.uuid}/edit/", {"name": "Siem Reap old market", "kind": "trader", "contact": ""}
    )
    assert done.status_code == 302
    buyer.refresh_from_db()
    assert (buyer.name, buyer.kind) == ("Siem Reap old market", "trader")
    assert f"/livelihoods/buyers/{buyer.uuid}/edit/" in browser.get("/livelihoods/buyers/").content.decode()

    assert 'value="Workshop"' in browser.get(f"/livelihoods/employers/{employer.uuid}/edit/").content.decode()
    refused = browser.post(
        f"/livelihoods/employers/{employer.uuid}/edit/",
        {"name": "Workshop", "sector": "garments", "contact": "", "vetted_on": "01/01/2099"},
    )
    assert refused.status_code == 400 and "The date cannot be in the future." in refused.content.decode()
    browser.post(
        f"/livelihoods/employers/{employer.uuid}/edit/",
        {"name": "Workshop", "sector": "garments", "contact": "012 345 678", "vetted_on": "01/03/2026"},
    )
    employer.refresh_from_db()
    assert (employer.sector, employer.vetted_on) == ("garments", dt.date(2026, 3, 1))

    page = browser.get("/livelihoods/employers/").content.decode()
    assert f"/livelihoods/jobs/{job.uuid}/end/" in page
    early = browser.post(f"/livelihoods/jobs/{job.uuid}/end/", {"on": "01/03/2026"})
    assert early.status_code == 400 and "The job started after this date." in early.content.decode()
    assert browser.post(f"/livelihoods/jobs/{job.uuid}/end/", {"on": "១០/០៣/២០២៦"}).status_code == 302
    job.refresh_from_db()
    assert job.ended_on == dt.date(2026, 3, 10)
    again = browser.post(f"/livelihoods/jobs/{job.uuid}/end/", {"on": "11/03/2026"})
    assert again.status_code == 400 and "This job ended already, on 10/03/2026." in again.content.decode()
    assert f"/livelihoods/jobs/{job.uuid}/end/" not in browser.get("/livelihoods/employers/").content.decode()
    assert market_selectors.market_counts(user=actor)["in_a_job_now"] == 0
    updates = AuditEvent.objects.filter(action="update", object_type__in=["livelihoods.buyer", "livelihoods.employer"])
    assert sorted(sorted(event.details["changed"]) for event in updates) == [
        ["contact", "sector", "vetted_on"],
        ["kind", "name"],
    ]
    assert AuditEvent.objects.filter(action="update", object_type="livelihoods.jobplacement").count() == 1


def test_the_market_edit_pages_in_khmer() -> None:
    actor = f.officer()
    employer = market_services.employer_add(actor=actor, name="Workshop")
    browser = login(Client(), actor)
    browser.cookies["karpear_language"] = "km"
    page = browser.get(f"/livelihoods/employers/{employer.uuid}/edit/").content.decode()
    assert "កែប្រែព័ត៌មាននិយោជក" in page and "Change the employer" not in page and 'value="Workshop"' in page
