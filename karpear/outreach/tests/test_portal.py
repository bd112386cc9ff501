"""The public portal: reachable without login, Khmer first, no cookie, nothing from other sites, a quick exit on
every page, content from the editable records (never from templates), and light enough for a cheap phone."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from conftest import login, make_org, make_user
from karpear.core.models import Commune
from karpear.core.roles import Role
from karpear.outreach.models import HelpContact, PassportFee, Topic

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/safe-migration/",
    "/safe-migration/passport/",
    "/safe-migration/channels/",
    "/safe-migration/contract/",
    "/safe-migration/deception/",
    "/safe-migration/speak-up/",
    "/safe-migration/job-check/",
    "/safe-migration/who-can-help/",
    "/safe-migration/help/",
    "/safe-migration/status/",
]


def english() -> Client:
    client = Client()
    client.cookies["karpear_language"] = "en"
    return client


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_need_no_login_and_set_no_cookie(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200, url
    assert not response.cookies, (url, response.cookies)  # no session, no CSRF cookie, no language cookie
    assert "Set-Cookie" not in response.headers
    page = response.content.decode()
    assert 'id="quick-exit"' in page
    assert "csrfmiddlewaretoken" not in page
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_nothing_is_loaded_from_another_site(url: str) -> None:
    response = Client().get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "font-src 'self'" in csp
    page = response.content.decode()
    # Every script, style, font and image is our own (relative addresses); the only outside address is the
    # quick exit's link, which the browser follows only when pressed.
    for address in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert address.startswith(("/", "#", "tel:")) or address == "https://www.google.com/", (url, address)


def test_khmer_is_the_default_whatever_the_browser_says() -> None:
    response = Client().get("/safe-migration/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert '<html lang="km">' in page
    assert "Quick exit" not in page


def test_the_visitor_chooses_english_and_only_then_gets_a_cookie() -> None:
    client = Client()
    response = client.get("/safe-migration/language/en/", {"next": "/safe-migration/passport/"})
    assert response.status_code == 302 and response["Location"] == "/safe-migration/passport/"
    assert response.cookies["karpear_language"].value == "en"
    assert response.cookies["karpear_language"]["httponly"]
    page = client.get("/safe-migration/passport/").content.decode()
    assert '<html lang="en">' in page and "Quick exit" in page


def test_the_language_switch_goes_back_only_to_this_site() -> None:
    response = Client().get("/safe-migration/language/en/", {"next": "https://evil.example/"})
    assert response["Location"] == "/safe-migration/"


def test_a_logged_in_member_can_read_the_portal_too() -> None:
    user = make_user(make_org("alpha"), Role.CASEWORKER)
    response = login(Client(), user).get("/safe-migration/")
    assert response.status_code == 200


def test_passport_page_shows_the_fees_and_offices_with_their_last_check_from_the_records() -> None:
    page = english().get("/safe-migration/passport/").content.decode()
    for amount in ("100 USD", "150 USD", "200 USD", "80 USD", "120 USD", "160 USD"):
        assert amount in page
    assert "Chbar Ampov" in page and "Poipet" in page
    assert "Last checked 1 Jan 2023" in page
    fee = PassportFee.objects.get(age="adult", working_days=15)
    fee.amount_usd, fee.last_verified = Decimal("105"), dt.date(2026, 11, 2)
    fee.save()
    page = english().get("/safe-migration/passport/").content.decode()
    assert "105 USD" in page and "100 USD" not in page


def test_unpublished_pages_are_not_found() -> None:
    Topic.objects.filter(slug="contract").update(is_published=False)
    assert Client().get("/safe-migration/contract/").status_code == 404
    assert "/safe-migration/contract/" not in Client().get("/safe-migration/").content.decode()


def test_who_can_help_lists_hotlines_then_the_contacts_of_the_place_chosen() -> None:
    commune = Commune.objects.order_by("code").first()
    other = Commune.objects.exclude(district_id=commune.district_id).order_by("code").first()
    common = {"source": "test", "last_verified": dt.date(2026, 1, 1)}
    HelpContact.objects.create(
        kind="ccwc",
        name_en="Our CCWC",
        name_km="គ.ក.ន.ក",
        phone="011",
        commune=commune,
        district_id=commune.district_id,
        province_id=commune.province_id,
        **common,
    )
    HelpContact.objects.create(
        kind="police",
        name_en="Our province police",
        name_km="នគរបាល",
        phone="012",
        province_id=commune.province_id,
        **common,
    )
    HelpContact.objects.create(
        kind="ccwc",
        name_en="Elsewhere CCWC",
        name_km="ផ្សេង",
        phone="013",
        commune=other,
        district_id=other.district_id,
        province_id=other.province_id,
        **common,
    )
    client = english()
    national = client.get("/safe-migration/who-can-help/").content.decode()
    assert "117" in national and "1280" in national and "Our CCWC" not in national
    place = {"province": commune.province_id, "district": commune.district_id, "commune": commune.code}
    page = client.get("/safe-migration/who-can-help/", place).content.decode()
    assert "Our CCWC" in page and "Our province police" in page and "Elsewhere CCWC" not in page
    assert page.index("1280") < page.index("Our CCWC") < page.index("Our province police")
    # A district that is not in the province chosen is ignored, not an error.
    page = client.get("/safe-migration/who-can-help/", {"province": commune.province_id, "district": other.district_id})
    assert page.status_code == 200 and "Our province police" in page.content.decode()


def test_contact_text_is_escaped() -> None:
    HelpContact.objects.create(
        kind="ngo",
        name_en="<script>alert(1)</script>",
        name_km="x",
        phone="1",
        source="s",
        last_verified=dt.date(2026, 1, 1),
    )
    page = english().get("/safe-migration/who-can-help/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def _static_size(path: str) -> tuple[int, int]:
    """(raw, gzip) bytes of a static file; the font is compressed already, so it travels as it is."""
    found = finders.find(path)
    assert found, path
    data = Path(found).read_bytes()
    if path.endswith(".woff2"):
        return len(data), len(data)
    return len(data), len(gzip.compress(data, 9))


def test_page_weight_first_visit_and_later_pages() -> None:
    """First visit ≤ 150 KB compressed with the Khmer font, a later page ≤ 30 KB (issue 14; DESIGN §8)."""
    client = Client(HTTP_ACCEPT_ENCODING="gzip")
    assets = [
        "css/karpear.css",
        "outreach/portal.css",
        "outreach/portal.js",
        "vendor/noto-sans-khmer-khmer-400-normal.woff2",
        "vendor/noto-sans-khmer-khmer-700-normal.woff2",  # preloaded in Khmer: headings are bold
        "favicon.svg",
    ]
    home = client.get("/safe-migration/")
    assert home["Content-Encoding"] == "gzip"
    html = gzip.decompress(home.content).decode()
    for asset in assets:
        assert settings.STATIC_URL + asset in html, asset  # what the page loads is what is counted
    assets_size = sum(_static_size(a)[1] for a in assets)
    first = len(home.content) + assets_size
    later = {url: len(client.get(url).content) for url in PUBLIC_PAGES[1:]}
    print(f"first visit {first} B (assets {assets_size} B); later pages {later}")
    assert first <= 150_000
    assert max(later.values()) <= 30_000


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        ("/safe-migration/", 1),
        ("/safe-migration/passport/", 3),
        ("/safe-migration/who-can-help/?province=14&district=1401&commune=140101", 7),
        ("/safe-migration/help/", 1),
        ("/safe-migration/job-check/?fee=yes", 0),
    ],
)
def test_public_pages_stay_within_their_query_budget(url: str, budget: int, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    HelpContact.objects.bulk_create(
        HelpContact(
            kind="ngo",
            name_en=f"NGO {n}",
            name_km="x",
            phone="1",
            province_id="14",
            source="s",
            last_verified=dt.date(2026, 1, 1),
        )
        for n in range(30)
    )
    with django_assert_max_num_queries(budget):
        assert Client().get(url).status_code == 200
