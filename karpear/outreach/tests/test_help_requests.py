"""Help requests from the public portal: sent without an account, a tracking code that reveals only the status,
rate limits, spam protection without a captcha, a double submit saved once, HTML shown escaped, and triage by
the receiving organisation's staff alone, audited."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import login, make_org, make_user
from karpear.core.models import AuditEvent, Province
from karpear.core.roles import Role
from karpear.outreach import services
from karpear.outreach.models import HelpRequest
from karpear.outreach.tests import factories as f

pytestmark = pytest.mark.django_db
HELP = "/safe-migration/help/"
STATUS = "/safe-migration/status/"


@pytest.fixture
def org():
    organisation = make_org("ccpcr")
    f.desk(organisation)
    return organisation


def english(**headers: str) -> Client:
    client = Client(**headers)
    client.cookies["karpear_language"] = "en"
    return client


def _code(page: str) -> str:
    match = re.search(r'class="tracking-code"[^>]*>([\d ]+)<', page)
    assert match, page
    return match.group(1)


# ---------------------------------------------------------------- the code
def test_codes_are_16_digits_from_the_form_key_and_only_their_hash_is_kept(org) -> None:
    key = services.new_form_key()
    sent = f.help_request(key)
    assert re.fullmatch(r"\d{16}", sent.code)
    assert sent.code == services.code_for_key(key)
    assert services.code_for_key(services.new_form_key()) != sent.code
    assert sent.request.code_hash == services.code_hash(sent.code) and sent.code not in sent.request.code_hash
    assert services.grouped(sent.code).count(" ") == 3


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1234 5678 9012 3456", "1234567890123456"),
        ("1234-5678-9012-3456", "1234567890123456"),
        ("១២៣៤ ៥៦៧៨ ៩០១២ ៣៤៥៦", "1234567890123456"),
        ("1234 5678 9012 345", None),
        ("abcd efgh ijkl mnop", None),
        ("1" * 40, None),
        ("", None),
    ],
)
def test_typed_codes_are_read_in_khmer_or_latin_digits(typed: str, expected: str | None) -> None:
    assert services.normalise_code(typed) == expected


# ---------------------------------------------------------------- sending
def test_anonymous_request_for_oneself_without_login_gives_a_code_and_sets_no_cookie(org) -> None:
    client = english()
    response = client.post(HELP, f.form_post(name="Should not be kept", phone="012"))
    assert response.status_code == 200
    assert not response.cookies
    code = _code(response.content.decode())
    saved = HelpRequest.objects.get()
    assert saved.organisation == org and saved.anonymous and saved.name == "" and saved.phone == ""
    assert saved.code_hash == services.code_hash(code.replace(" ", ""))
    event = AuditEvent.objects.get(action="create", object_id=str(saved.uuid))
    assert event.actor is None and event.organisation_id == org.pk


def test_named_request_for_a_relative_abroad(org) -> None:
    data = f.form_post(
        about="relative",
        anonymous="",
        name="Chan Sophea",
        phone="012 345 678",
        country="TH",
        city="Rayong",
        employer="Sea Star Fishing",
        last_heard="03/10/2026",
    )
    assert english().post(HELP, data).status_code == 200
    saved = HelpRequest.objects.get()
    assert (saved.about, saved.name, saved.country, saved.city, saved.employer) == (
        "relative",
        "Chan Sophea",
        "TH",
        "Rayong",
        "Sea Star Fishing",
    )
    assert saved.last_heard.isoformat() == "2026-10-03"


def test_a_request_goes_to_the_desk_covering_the_province(org) -> None:
    provincial = make_org("provincial")
    f.desk(provincial, default=False, provinces=("14",))
    sent = f.help_request(province=Province.objects.get(code="14"))
    assert sent.request.organisation == provincial
    assert f.help_request(province=Province.objects.get(code="12")).request.organisation == org


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"message": ""}, "message", "This field is required."),
        ({"message": "x" * 2001}, "message", "at most 2000 characters"),
        ({"anonymous": ""}, "name", "Give a name or a phone number"),
        ({"country": "KH"}, "country", "Select a valid choice"),
        ({"country": "ZZ"}, "country", "Select a valid choice"),
        ({"last_heard": "01/01/2999"}, "last_heard", "in the future"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_the_input_kept(org, fields, field, message) -> None:
    response = english().post(HELP, f.form_post(city="Kept city", **fields))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'value="Kept city"' in page
    assert not HelpRequest.objects.exists()


def test_html_typed_in_fields_is_shown_escaped_to_staff(org) -> None:
    script = "<script>alert('x')</script><b>bold</b>"
    f.help_request(message=script, city=script, employer=script, anonymous=False, name=script)
    hotline = make_user(org, Role.HOTLINE_OFFICER)
    help_request = HelpRequest.objects.get()
    page = login(Client(), hotline).get(f"/safe-migration/staff/requests/{help_request.uuid}/").content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert page.count("&lt;script&gt;") >= 4


def test_html_in_a_refused_form_comes_back_escaped(org) -> None:
    response = english().post(HELP, f.form_post(city='"><script>x()</script>', message=""))
    page = response.content.decode()
    assert "<script>x()" not in page and "&lt;script&gt;x()" in page


def test_a_double_submit_is_saved_once_and_shows_the_same_code(org) -> None:
    client = english()
    data = f.form_post()
    first = client.post(HELP, data).content.decode()
    second = client.post(HELP, data).content.decode()
    assert HelpRequest.objects.count() == 1
    assert _code(first) == _code(second)
    assert "already sent" in second and "already sent" not in first


def test_the_honeypot_and_a_too_fast_form_save_nothing(org) -> None:
    client = english()
    assert client.post(HELP, f.form_post(website="http://spam.example")).status_code == 400
    response = client.post(HELP, f.form_post(started=f.started(seconds_ago=0)))
    assert response.status_code == 400 and "very fast" in response.content.decode()
    response = client.post(HELP, f.form_post(started="forged:value"))
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_a_post_from_another_site_is_refused(org) -> None:
    client = english(HTTP_ORIGIN="https://evil.example", HTTP_SEC_FETCH_SITE="cross-site")
    assert client.post(HELP, f.form_post()).status_code == 403
    assert english(HTTP_ORIGIN="https://evil.example").post(HELP, f.form_post()).status_code == 403
    assert english(HTTP_SEC_FETCH_SITE="same-site").post(HELP, f.form_post()).status_code == 403
    assert english(HTTP_ORIGIN="http://testserver").post(HELP, f.form_post()).status_code == 200
    # Origin "null" (a no-referrer policy, some privacy settings) with Sec-Fetch-Site from our own page.
    same = english(HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert same.post(HELP, f.form_post()).status_code == 200
    assert HelpRequest.objects.count() == 2


def test_submissions_are_rate_limited_per_address(org) -> None:
    client = english()
    statuses = [client.post(HELP, f.form_post()).status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    assert HelpRequest.objects.count() == 5
    # Another address is not held back.
    assert english(REMOTE_ADDR="10.9.9.9").post(HELP, f.form_post()).status_code == 200


def test_no_desk_means_a_clear_message_and_nothing_saved(db) -> None:
    response = english().post(HELP, f.form_post())
    assert response.status_code == 400 and "call a hotline" in response.content.decode()
    assert not HelpRequest.objects.exists()


# ---------------------------------------------------------------- the status by code
def test_the_status_page_shows_the_status_only_and_each_lookup_is_audited(org) -> None:
    sent = f.help_request(message="Secret details of my case", employer="Secret Employer Ltd")
    response = english().post(STATUS, {"code": services.grouped(sent.code)})
    page = response.content.decode()
    assert response.status_code == 200 and not response.cookies
    assert "Received, waiting for review" in page
    assert "Secret" not in page
    event = AuditEvent.objects.filter(action="search").latest("at")
    assert event.details == {"kind": "help_request_status", "found": True}
    assert event.object_id == str(sent.request.uuid) and event.actor is None


def test_after_triage_the_status_says_so_without_the_outcome(org) -> None:
    sent = f.help_request()
    hotline = make_user(org, Role.HOTLINE_OFFICER)
    services.help_request_triage(actor=hotline, request=sent.request, outcome="legal_aid_referral")
    page = english().post(STATUS, {"code": sent.code}).content.decode()
    assert "Reviewed by staff" in page and "Legal-aid" not in page


@pytest.mark.parametrize("typed", ["1234", "not a code", "0000 0000 0000 0000"])
def test_a_malformed_or_guessed_code_finds_nothing(org, typed: str) -> None:
    f.help_request()
    response = english().post(STATUS, {"code": typed})
    assert response.status_code == 400
    page = response.content.decode()
    assert "16 digits" in page or "No request has this code" in page


def test_a_guessed_code_is_audited_as_not_found(org) -> None:
    english().post(STATUS, {"code": "0000 0000 0000 0000"})
    event = AuditEvent.objects.get(action="search")
    assert event.details == {"kind": "help_request_status", "found": False} and event.object_id == ""


def test_code_lookups_are_rate_limited(org) -> None:
    sent = f.help_request()
    client = english()
    statuses = [client.post(STATUS, {"code": f"{n:016d}"}).status_code for n in range(10)]
    assert statuses == [400] * 10
    # Over the limit, even the right code is refused, and nothing more is looked up.
    assert client.post(STATUS, {"code": sent.code}).status_code == 429
    assert AuditEvent.objects.filter(action="search").count() == 10


# ---------------------------------------------------------------- triage
def test_the_receiving_organisations_hotline_triages_with_an_audit_trail(org) -> None:
    sent = f.help_request()
    hotline = make_user(org, Role.HOTLINE_OFFICER)
    client = login(Client(), hotline)
    listing = client.get("/safe-migration/staff/requests/?waiting=1").content.decode()
    assert sent.request.reference in listing
    url = f"/safe-migration/staff/requests/{sent.request.uuid}/"
    assert client.get(url).status_code == 200
    response = client.post(f"{url}triage/", {"outcome": "protection_intake", "note": "Call back tomorrow"})
    assert response.status_code == 302
    saved = HelpRequest.objects.get()
    assert (saved.status, saved.outcome, saved.triaged_by) == ("triaged", "protection_intake", hotline)
    events = AuditEvent.objects.filter(object_id=str(saved.uuid)).order_by("at")
    assert [e.action for e in events] == ["create", "view", "update"]
    assert events.last().details == {"triage": "protection_intake", "previous": ""}
    assert sent.request.reference not in client.get("/safe-migration/staff/requests/?waiting=1").content.decode()


def test_another_organisations_staff_cannot_see_or_triage(org) -> None:
    sent = f.help_request()
    other = make_org("other")
    stranger = make_user(other, Role.HOTLINE_OFFICER)
    client = login(Client(), stranger)
    url = f"/safe-migration/staff/requests/{sent.request.uuid}/"
    assert client.get(url).status_code == 404
    assert client.post(f"{url}triage/", {"outcome": "grievance"}).status_code == 404
    assert sent.request.reference not in client.get("/safe-migration/staff/requests/").content.decode()
    assert HelpRequest.objects.get().status == "received"


def test_roles_without_the_capability_are_refused(org) -> None:
    sent = f.help_request()
    caseworker = login(Client(), make_user(org, Role.CASEWORKER))
    assert caseworker.get("/safe-migration/staff/requests/").status_code == 403
    assert caseworker.get(f"/safe-migration/staff/requests/{sent.request.uuid}/").status_code == 404
    assert Client().get("/safe-migration/staff/requests/").status_code == 302  # to the login page


def test_case_supervisors_read_requests_but_the_hotline_triages(org) -> None:
    sent = f.help_request()
    client = login(Client(), make_user(org, Role.CASE_SUPERVISOR))
    url = f"/safe-migration/staff/requests/{sent.request.uuid}/"
    page = client.get(url).content.decode()
    assert "A broker kept my passport." in page and "triage/" not in page
    assert client.post(f"{url}triage/", {"outcome": "grievance"}).status_code == 403
    assert HelpRequest.objects.get().status == "received"


def test_a_bad_outcome_is_refused_and_nothing_changes(org) -> None:
    sent = f.help_request()
    client = login(Client(), make_user(org, Role.HOTLINE_OFFICER))
    response = client.post(f"/safe-migration/staff/requests/{sent.request.uuid}/triage/", {"outcome": "deleted"})
    assert response.status_code == 400
    assert HelpRequest.objects.get().status == "received"


def test_events_naming_a_request_carry_no_address_and_counters_no_address(org) -> None:
    from karpear.core.models import RateCounter

    client = english(REMOTE_ADDR="203.0.113.7")
    code = _code(client.post(HELP, f.form_post()).content.decode())
    client.post(STATUS, {"code": code})
    client.post(STATUS, {"code": "0000 0000 0000 0000"})
    saved = HelpRequest.objects.get()
    assert [e.ip for e in AuditEvent.objects.filter(object_id=str(saved.uuid))] == [None, None]
    guessed = AuditEvent.objects.get(action="search", object_id="")
    assert guessed.ip == "203.0.113.7"  # trying codes shows who tried
    assert not any("203.0.113.7" in key for key in RateCounter.objects.values_list("key", flat=True))
