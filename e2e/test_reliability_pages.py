"""The pages issue 8 added, in a real browser on a phone, in English and Khmer: a case supervisor decides on
a possible duplicate from the home page; a failed export's page stops updating and offers "Try again".
Screenshots go to e2e/screenshots/ like the other main pages.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import make_org, make_user
from e2e.conftest import SCREENSHOTS, assert_clean
from e2e.test_journeys import LANGUAGES, _shoot, t
from karpear.core import services
from karpear.core.models import ExportJob, PossibleDuplicate
from karpear.core.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_supervisor_decides_on_a_possible_duplicate_and_a_failed_export_offers_to_try_again(
    new_page: Callable[..., Page], session_login: Callable[..., None], language: str
) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    organisation = make_org("alpha")
    caseworkers = [make_user(organisation, Role.CASEWORKER, username=f"cw{n}") for n in range(2)]
    supervisor = make_user(organisation, Role.CASE_SUPERVISOR, username="supervisor")
    supervisor.language = language
    supervisor.save(update_fields=["language"])
    for n, user in enumerate(caseworkers):  # neither caseworker can see the other's person: no warning
        services.person_create(
            actor=user,
            data=services.PersonInput(sex="female", name_latin=f"Chan Sreymom {n}", phone="+85512345678"),
        )
    flag = PossibleDuplicate.objects.get()
    failed = services.export_people_request(actor=supervisor)
    ExportJob.objects.filter(pk=failed.pk).update(status=ExportJob.Status.FAILED)
    problems: list[str] = []

    page = new_page(language=language)
    session_login(page.context, supervisor)
    _shoot(page, "home-supervisor", language, "/", problems)
    page.get_by_role("link", name=f"{flag.person.case_number} · {flag.other.case_number}").click()
    assert_clean(page)
    expect(page.locator("h1")).to_have_text(t("Possible duplicate", language))
    _shoot(page, "possible-duplicate", language, f"/duplicates/{flag.uuid}/", problems)
    with page.expect_navigation():
        page.get_by_role("button", name=t("Different people", language)).click()
    assert_clean(page)
    expect(page.locator("main")).to_contain_text(t("Your decision is recorded.", language))
    flag.refresh_from_db()
    assert (flag.decision, flag.resolved_by) == ("different", supervisor)

    _shoot(page, "export-failed", language, f"/jobs/{failed.uuid}/", problems)
    assert page.locator("#progress[hx-trigger]").count() == 0  # no more polling
    with page.expect_navigation():
        page.get_by_role("button", name=t("Try again", language)).click()
    assert_clean(page)
    again = ExportJob.objects.exclude(pk=failed.pk).get()
    assert page.url.endswith(f"/jobs/{again.uuid}/")
    assert not problems, "\n".join(problems)
