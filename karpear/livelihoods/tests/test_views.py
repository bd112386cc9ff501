"""The livelihoods pages: a field officer runs a group through the browser forms (without script), each page
within its query budget, the meeting screen light and recorded once, and the printable sheets."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import login, make_org, make_user
from karpear.core.models import IdempotencyRecord
from karpear.core.roles import Role
from karpear.core.tests.factories import first_village
from karpear.livelihoods.models import Attendance, Group, GroupMember, LedgerEntry, Meeting
from karpear.livelihoods.tests import factories as f

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def officer():
    return f.officer()


@pytest.fixture
def browser(officer):
    return login(Client(), officer)


def _budget(client: Client, url: str, limit: int = 10) -> str:
    client.get(url)  # the session and membership are set up by the first request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert len(queries) <= limit, (url, len(queries), [q["sql"][:120] for q in queries])
    return response.content.decode()


def _pdf_fonts(content: bytes) -> set[str]:
    """The fonts a PDF embeds (WeasyPrint puts them in compressed object streams)."""
    names = set()
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", content, re.DOTALL):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            continue
        names |= {name.decode() for name in re.findall(rb"/(?:BaseFont|FontName)\s*/([^\s/<>]+)", text)}
    return names


def _meeting_post(form_html: str, **values: str) -> dict[str, str]:
    """The meeting screen's form as a phone would send it: every input's value, changed by `values`."""
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form_html))
    for name in re.findall(r'<select name="(attendance-\d+)"', form_html):
        data[name] = "present"
    data.update(values)
    return data


def test_a_field_officer_forms_a_group_adds_members_and_opens_a_cycle_through_the_pages(browser):
    village = first_village()
    response = browser.post(
        "/livelihoods/groups/new/",
        {
            "name": "Phum Thmey savings group",
            "kind": "savings",
            "formed_on": "01/12/2025",
            "province": village.province_id,
            "district": village.district_id,
            "commune": village.commune_id,
            "village": str(village.pk),
        },
    )
    group = Group.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/livelihoods/groups/{group.uuid}/"

    for name in ("Sok Dara", "Chan Sreymom"):
        browser.post(
            f"/livelihoods/groups/{group.uuid}/members/",
            {
                "name_latin": name,
                "sex": "female",
                "birth_year": "1990",
                "household_code": f"HH-{name[:3]}",
                "poverty_status": "idpoor_2",
                "joined_on": "01/12/2025",
            },
        )
    assert [(m.number, m.person.household.poverty_status) for m in GroupMember.objects.order_by("number")] == [
        (1, "idpoor_2"),
        (2, "idpoor_2"),
    ]
    response = browser.post(
        f"/livelihoods/groups/{group.uuid}/cycles/new/",
        {
            "started_on": "05/01/2026",
            "planned_end_on": "21/12/2026",
            "currency": "KHR",
            "share_price": "5,000",
            "min_shares": "1",
            "max_shares": "5",
            "social_fund_contribution": "500",
            "loan_multiple": "3",
            "charge_method": "declining",
            "charge_rate": "5",
            "loan_term_months": "3",
            "fine_absence": "0",
            "fine_late": "0",
            "meeting_every_days": "7",
            "membership_unit": "person",
            "rounding_unit": "100",
        },
    )
    cycle = group.cycles.get()
    assert response["Location"] == f"/livelihoods/cycles/{cycle.uuid}/"
    assert cycle.share_price == D(5000)


def test_the_meeting_screen_saves_a_meeting_once_however_often_it_is_sent(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 3)
    cycle = f.cycle(officer, group)
    screen = browser.get(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/").content.decode()
    data = _meeting_post(screen, **{"held_on": "05/01/2026", "shares-1": "2", "shares-2": "1", "social-1": "on"})

    first = browser.post(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/", data)
    again = browser.post(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/", data, follow=True)

    meeting = Meeting.objects.get()
    assert first["Location"] == f"/livelihoods/meetings/{meeting.uuid}/"
    assert again.redirect_chain[-1][0] == f"/livelihoods/meetings/{meeting.uuid}/"  # the form's one-time key
    assert "This was already saved." in again.content.decode()
    assert (Meeting.objects.count(), LedgerEntry.objects.count(), Attendance.objects.count()) == (1, 3, 3)


def test_the_meeting_screen_is_kept_on_the_phone_and_its_submissions_may_wait_in_the_queue(officer, browser):
    cycle = f.cycle(officer, f.group(officer))

    response = browser.get(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/")

    page = response.content.decode()
    assert response["Karpear-Offline"] == "page"
    assert 'name="_offline"' in page and 'name="_idempotency_key"' in page
    assert "offline.min" in page


def test_a_queued_meeting_sent_again_after_its_one_time_key_is_forgotten_is_still_saved_once(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    url = f"/livelihoods/cycles/{cycle.uuid}/meetings/new/"
    data = _meeting_post(browser.get(url).content.decode(), **{"held_on": "05/01/2026", "shares-1": "2"})

    browser.post(url, data)
    IdempotencyRecord.objects.all().delete()  # the key's record expired (KARPEAR_IDEMPOTENCY_DAYS)
    again = browser.post(url, data, follow=True)

    assert "This meeting was saved already. Nothing was saved twice." in again.content.decode()
    assert (Meeting.objects.count(), LedgerEntry.objects.count()) == (1, 1)


def test_the_meeting_screen_shows_each_refused_step_next_to_the_member_and_keeps_the_input(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    screen = browser.get(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/").content.decode()
    data = _meeting_post(screen, **{"held_on": "05/01/2026", "shares-1": "7", "loan-2": "10000"})

    response = browser.post(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/", data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "The constitution allows at most 5 shares a meeting." in page
    assert "The loan limit is 3.0 times the member&#x27;s savings: 0 ៛." in page
    assert 'name="shares-1" value="7"' in page
    assert (Meeting.objects.count(), LedgerEntry.objects.count()) == (0, 0)


def test_check_the_totals_shows_the_closing_balances_and_saves_nothing(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    screen = browser.get(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/").content.decode()
    data = _meeting_post(screen, **{"held_on": "05/01/2026", "shares-1": "2", "social-1": "on", "_check": "1"})

    page = browser.post(f"/livelihoods/cycles/{cycle.uuid}/meetings/new/", data).content.decode()

    assert "<strong>10,000 ៛</strong>" in page and "<strong>500 ៛</strong>" in page
    assert Meeting.objects.count() == 0


def test_the_meeting_screen_of_a_30_member_group_weighs_at_most_30_kb(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 30)
    cycle = f.cycle(officer, group)

    page = _budget(browser, f"/livelihoods/cycles/{cycle.uuid}/meetings/new/")

    assert len(page.encode()) <= 30_000, len(page.encode())


def test_every_page_of_a_group_with_a_cycle_stays_within_10_queries(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 12)
    cycle = f.cycle(officer, group)
    numbers = list(range(1, 13))
    f.meet(officer, cycle, 1, f.START, numbers, shares=dict.fromkeys(numbers, 2))
    meeting = f.meet(officer, cycle, 2, f.weeks(1), numbers, loan={1: 5_000, 2: 5_000})
    f.meet(officer, cycle, 3, f.weeks(2), numbers, repayment={1: 2_000})
    member = GroupMember.objects.get(group=group, number=1)
    loan = member.loans.get()

    for url in (
        "/livelihoods/groups/",
        "/livelihoods/groups/?q=Sovann",
        f"/livelihoods/groups/{group.uuid}/",
        f"/livelihoods/cycles/{cycle.uuid}/",
        f"/livelihoods/cycles/{cycle.uuid}/meetings/new/",
        f"/livelihoods/meetings/{meeting.uuid}/",
        f"/livelihoods/members/{member.uuid}/",
        f"/livelihoods/loans/{loan.uuid}/",
        f"/livelihoods/cycles/{cycle.uuid}/share-out/",
    ):
        _budget(browser, url)


def test_the_share_out_is_previewed_confirmed_and_printed_in_khmer(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 3)
    cycle = f.cycle(officer, group)
    f.meet(officer, cycle, 1, f.START, [1, 2, 3], shares={1: 3, 2: 2, 3: 1})
    url = f"/livelihoods/cycles/{cycle.uuid}/share-out/"
    assert "30,000 ៛" in browser.get(url).content.decode()

    response = browser.post(url, {"carry_forward": "0", "_confirm": "1"})
    cycle.refresh_from_db()
    assert response["Location"] == f"/livelihoods/share-outs/{cycle.share_out.uuid}/"
    assert cycle.closed_on == f.START

    browser.cookies["karpear_language"] = "km"
    pdf = browser.get(f"/livelihoods/share-outs/{cycle.share_out.uuid}/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Karpear's Noto Sans Khmer is embedded (a subset of the glyphs Pango and HarfBuzz shaped the text into).
    assert any("Noto" in name and "Khmer" in name for name in _pdf_fonts(pdf.content)), _pdf_fonts(pdf.content)


def test_another_organisations_officer_gets_404_on_every_group_page(officer):
    group = f.group(officer)
    stranger = login(Client(), make_user(make_org("cedac"), Role.FIELD_OFFICER, username="stranger"))

    assert stranger.get(f"/livelihoods/groups/{group.uuid}/").status_code == 404
    assert (
        stranger.post(
            f"/livelihoods/groups/{group.uuid}/members/", {"case_number": "X", "joined_on": "01/01/2026"}
        ).status_code
        == 404
    )
    assert group.members.count() == 0


def test_a_caseworker_has_no_groups_menu_and_is_refused_the_list(officer):
    caseworker = login(Client(), make_user(officer.memberships.get().organisation, Role.CASEWORKER, username="cw"))

    assert 'href="/livelihoods/groups/"' not in caseworker.get("/").content.decode()
    assert caseworker.get("/livelihoods/groups/").status_code == 403


def test_an_entry_is_corrected_from_the_meeting_page_with_a_reason_and_refused_without(officer, browser):
    group = f.group(officer)
    f.members(officer, group, 2)
    cycle = f.cycle(officer, group)
    meeting = f.meet(officer, cycle, 1, f.START, [1, 2], shares={1: 2, 2: 1})
    entry = LedgerEntry.objects.filter(meeting=meeting, member__number=2).get()
    url = f"/livelihoods/entries/{entry.uuid}/reverse/"

    refused = browser.post(url, {"reason": "  "}, follow=True)
    assert refused.redirect_chain[-1][0] == f"/livelihoods/meetings/{meeting.uuid}/"
    assert not LedgerEntry.objects.filter(reverses=entry).exists()

    done = browser.post(url, {"reason": "Typed 1 share for 2"}, follow=True)
    assert "The entry is reversed; the correction is in the ledger." in done.content.decode()
    assert LedgerEntry.objects.get(reverses=entry).shares == -1
