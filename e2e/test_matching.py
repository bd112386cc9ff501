"""Finding the same person again, in a real browser, in Khmer and in English (issue 16's "done when"): CCPCR's
supervisor registers a returnee in Latin letters whom CCPCR registered a year before in Khmer only, and the
form lists the earlier record as a likely match before anything is saved; the supervisor checks a later record,
links the true pair and rejects a namesake, both audited, and the namesake is not proposed again; a list of
returnees checked against CCPCR's people names her earlier record; another organisation's supervisor registering the same returnee learns only that a likely match exists elsewhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import SCREENSHOTS, assert_clean, visit
from e2e.test_journeys import _chantrea, picker_update, submit, t
from karpear.core import services
from karpear.core.models import AuditEvent, ExportJob, Person
from karpear.core.roles import Role
from karpear.matching.models import MatchPair

pytestmark = pytest.mark.django_db(transaction=True)


def _place(commune_code: str) -> services.PlaceChoice:
    return services.resolve_place(province=commune_code[:2], district=commune_code[:4], commune=commune_code)


def _type_returnee(page: Page, language: str, name_latin: str, birth_year: str) -> None:
    """Open the registration form from the menu and type a returnee in Latin letters only, in Chantrea."""
    visit(page, "/")
    with page.expect_navigation():
        page.locator("nav.nav a[href='/people/new/']").click()
    assert_clean(page)
    page.fill("#id_name_latin", name_latin)
    page.select_option("#id_sex", "female")
    page.fill("#id_birth_year", birth_year)
    picker_update(page, lambda: page.locator("#place_q").press_sequentially("Chantrea"))
    commune, _village = _chantrea()
    picker_update(page, page.locator(f".matches input[type=radio][value='c:{commune.code}']").check)
    submit(page, "main form > button.primary")


@pytest.mark.parametrize("language", ["en", "km"])
def test_a_returnee_registered_before_is_found_decided_on_and_signalled_across_organisations(
    language: str, new_page: Callable[..., Page], session_login: Callable[..., None], tmp_path: Path
) -> None:
    ccpcr, other = make_org("ccpcr"), make_org("adhoc")
    caseworker = make_user(ccpcr, Role.CASEWORKER, username="cw")
    supervisor = make_user(ccpcr, Role.CASE_SUPERVISOR, username="sup")
    elsewhere = make_user(other, Role.CASE_SUPERVISOR, username="other-sup")
    for user in (caseworker, supervisor, elsewhere):
        user.language = language
        user.save(update_fields=["language"])
    commune, _village = _chantrea()
    # a year ago: CCPCR registered her in Khmer only, with a phone she no longer has
    earlier = services.person_create(
        actor=caseworker,
        data=services.PersonInput(
            sex="female", name_km="សុខ ចាន់ធា", birth_year=1996, phone="012345678", place=_place(commune.code)
        ),
    )

    # 1. CCPCR's supervisor registers her again, in Latin letters, with an estimated birth year: the form lists
    # the earlier record before anything is saved
    page = new_page(language=language)
    session_login(page.context, supervisor)
    _type_returnee(page, language, "Chanthea Sok", "1998")
    warning = page.locator("main .warning")
    expect(warning).to_contain_text(t("This may be someone already registered:", language))
    expect(warning.get_by_role("link", name=earlier.case_number)).to_be_visible()
    expect(warning).not_to_contain_text(t("A likely match exists at another organisation.", language))
    assert Person.objects.count() == 1  # nothing saved: the supervisor compares first
    page.screenshot(path=str(SCREENSHOTS / f"matching-registration-{language}.png"), full_page=True)

    # 2. later registrations, by the caseworker who did not check: the same woman, and a namesake
    later = services.person_create(
        actor=caseworker,
        data=services.PersonInput(
            sex="female",
            name_latin="Sok Chantha",
            birth_year=1997,
            place=_place(commune.code),
            duplicate_confirmed=True,
        ),
    )
    namesake = services.person_create(
        actor=caseworker,
        data=services.PersonInput(
            sex="female", name_km="សុខ ចាន់ធា", birth_year=1995, place=_place("200103"), duplicate_confirmed=True
        ),
    )
    # the supervisor checks the later record from its matching page, and decides on each pair found
    visit(page, f"/matching/people/{later.uuid}/")
    submit(page, "main form.card button")
    found = page.locator("main section.card")
    expect(found).to_contain_text(earlier.case_number)
    pairs = {pair.other_id if pair.person_id == later.pk else pair.person_id: pair for pair in MatchPair.objects.all()}
    assert earlier.pk in pairs
    visit(page, f"/matching/pairs/{pairs[earlier.pk].uuid}/")
    expect(page.locator("table.evidence tbody tr").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"matching-pair-{language}.png"), full_page=True)
    submit(page, "button[value=same]")
    expect(page.locator("body")).to_contain_text(t("Your decision is recorded.", language))
    expect(page.locator("main")).to_contain_text(t("Linked records", language))
    linked = MatchPair.objects.get(pk=pairs[earlier.pk].pk)
    assert linked.status == MatchPair.Status.SAME and linked.decided_by == supervisor
    assert Person.objects.filter(pk__in=(earlier.pk, later.pk)).count() == 2  # linked, never merged
    decided = AuditEvent.objects.get(action="update", details__decision="same", actor=supervisor)
    assert {decided.details["person"], decided.details["other"]} == {str(earlier.uuid), str(later.uuid)}

    # the namesake: checked from her own page, rejected, and not proposed again
    visit(page, f"/matching/people/{namesake.uuid}/")
    submit(page, "main form.card button")
    open_pairs = MatchPair.objects.filter(status=MatchPair.Status.OPEN)
    for pair in open_pairs:
        visit(page, f"/matching/pairs/{pair.uuid}/")
        submit(page, "button[value=different]")
        expect(page.locator("body")).to_contain_text(t("Your decision is recorded.", language))
    rejected = set(MatchPair.objects.filter(status=MatchPair.Status.DIFFERENT).values_list("pk", flat=True))
    assert rejected and AuditEvent.objects.filter(action="update", details__decision="different").count() == len(
        rejected
    )
    visit(page, f"/matching/people/{namesake.uuid}/")
    submit(page, "main form.card button")
    assert not MatchPair.objects.filter(status=MatchPair.Status.OPEN).exists()  # never proposed again
    visit(page, "/matching/")
    expect(page.locator("main")).to_contain_text(
        t(
            "No likely match waits for a decision. Check one person from their matching page, or the whole organisation below.",
            language,
        )
    )

    # 3. a list of returnees handed over at the border, checked against CCPCR's people: the report names her
    # earlier record by case number, and the list itself is not kept
    listed = tmp_path / "returnees.csv"
    listed.write_text(
        "reference,name_latin,sex,birth_year\nTH-0412,Chantha Sok,female,1997\nTH-0413,Keo Sophal,male,1980\n"
    )
    visit(page, "/matching/")
    page.set_input_files("#id_list", str(listed))
    page.select_option("#id_list_format", "csv")
    page.screenshot(path=str(SCREENSHOTS / f"matching-list-{language}.png"), full_page=True)
    submit(page, "#check-list button")
    with page.expect_download() as download:
        page.get_by_role("link", name=t("Download", language)).click()
    report = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert {(line["reference"], line["match"]) for line in report} >= {("TH-0412", earlier.case_number)}
    assert "TH-0413" not in {line["reference"] for line in report}
    assert ExportJob.objects.get(kind="matching_list").params == {"rows": 2}
    assert_clean(page)

    # 4. another organisation's supervisor registers her too: only the existence of a match crosses
    outside = new_page(language=language)
    session_login(outside.context, elsewhere)
    _type_returnee(outside, language, "Sok Chanthea", "1997")
    warning = outside.locator("main .warning")
    expect(warning).to_contain_text(t("A likely match exists at another organisation.", language))
    text = outside.locator("main").inner_text()
    for secret in (earlier.case_number, later.case_number, "សុខ ចាន់ធា", "CCPCR", ccpcr.name):
        assert secret not in text
    outside.screenshot(path=str(SCREENSHOTS / f"matching-elsewhere-{language}.png"), full_page=True)
