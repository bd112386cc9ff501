"""The donor report's written sections (issue 15 item 5) and its case studies: written in the browser by the
organisation that manages the programme, every version kept and audited, printed in the XLSX and the PDF; a case
study reaches a report only while its client consents."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import login, make_user
from karpear.core.models import AuditEvent, ExportJob, User
from karpear.core.roles import Role
from karpear.core.tests.factories import register, this_year
from karpear.monitoring import selectors, services
from karpear.monitoring.models import Narrative
from karpear.monitoring.tests.factories import Consortium, consortium

pytestmark = pytest.mark.django_db


@pytest.fixture
def c() -> Consortium:
    return consortium()


@pytest.fixture
def officer(c: Consortium) -> User:
    return make_user(c.prime, Role.PROGRAMME_OFFICER)


def _report(user: User, c: Consortium, fmt: str, capture: Any, period: str = "") -> ExportJob:
    with capture(execute=True):
        job = services.report_request(actor=user, programme=c.programme, period=period, fmt=fmt)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    return job


def test_saving_a_section_again_keeps_the_earlier_version_and_audits_each(c: Consortium, officer: User) -> None:
    services.narrative_save(actor=officer, programme=c.programme, period="2026-Q1", texts={"summary": "First."})
    saved = services.narrative_save(
        actor=c.me,
        programme=c.programme,
        period="2026-q1",
        texts={"summary": "Second.", "lessons": "", "challenges": "Floods in May."},
        seen={"summary": 1, "lessons": 0, "challenges": 0},
    )
    assert [(row.section, row.version) for row in saved] == [("summary", 2), ("challenges", 1)]  # lessons: unchanged
    sections = {s.key: s for s in selectors.narrative(c.manager, c.programme, selectors.parse_period("2026-Q1"))}
    assert (sections["summary"].text, sections["summary"].version) == ("Second.", 2)
    assert sections["achievements"].current is None
    history = {
        s.key: s for s in selectors.narrative(officer, c.programme, selectors.parse_period("2026-Q1"), history=True)
    }
    assert [old.text for old in history["summary"].earlier] == ["First."]
    events = AuditEvent.objects.filter(details__section="summary").order_by("id")
    assert [(e.actor, e.action, e.details["version"]) for e in events] == [
        (officer, "create", 1),
        (c.me, "update", 2),
    ]
    # Another period has its own text.
    assert selectors.narrative(officer, c.programme, selectors.parse_period("2026"))[0].current is None


def test_a_section_saved_by_someone_else_meanwhile_is_not_overwritten(c: Consortium, officer: User) -> None:
    services.narrative_save(actor=officer, programme=c.programme, period="", texts={"summary": "Mine."})
    with pytest.raises(ValidationError) as refused:
        services.narrative_save(
            actor=c.me, programme=c.programme, period="", texts={"summary": "Theirs."}, seen={"summary": 0}
        )
    assert "summary" in refused.value.message_dict
    assert list(Narrative.objects.values_list("text", flat=True)) == ["Mine."]


def test_only_the_managing_organisation_writes_and_only_with_the_capability(c: Consortium) -> None:
    with pytest.raises(ValidationError):
        services.narrative_save(actor=c.partner_me, programme=c.programme, period="", texts={"summary": "Ours."})
    with pytest.raises(PermissionDenied):
        services.narrative_save(actor=c.manager, programme=c.programme, period="", texts={"summary": "Donor's."})
    with pytest.raises(PermissionDenied):
        services.narrative_save(actor=c.caseworker, programme=c.programme, period="", texts={"summary": "No."})
    with pytest.raises(ValidationError) as too_long:
        services.narrative_save(actor=c.me, programme=c.programme, period="", texts={"summary": "x" * 8001})
    assert "summary" in too_long.value.message_dict
    assert not Narrative.objects.exists()


def test_the_editor_page_saves_the_sections_and_shows_earlier_versions(
    client: Client, c: Consortium, officer: User
) -> None:
    login(client, officer)
    url = reverse("monitoring:narrative", args=[c.programme.uuid])
    page = client.get(url + "?period=2026-Q2").content.decode()
    assert 'name="summary"' in page and 'name="next_steps"' in page and "Lessons learned" in page
    answer = client.post(url, {"period": "2026-Q2", "summary": "Forty people trained.", "seen_summary": "0"})
    assert answer.status_code == 302 and answer["Location"] == url + "?period=2026-Q2"
    client.post(url, {"period": "2026-Q2", "summary": "Forty-two people trained.", "seen_summary": "1"})
    page = client.get(url + "?period=2026-Q2").content.decode()
    assert "Forty-two people trained." in page and "Earlier versions" in page and "Forty people trained." in page
    # Stale: the page was opened at version 1, the section is at 2 now; the typed text stays in the box.
    stale = client.post(url, {"period": "2026-Q2", "summary": "Late text.", "seen_summary": "1"})
    assert stale.status_code == 200 and "Someone saved this section" in stale.content.decode()
    assert "Late text." in stale.content.decode()
    assert Narrative.objects.filter(section="summary").count() == 2


def test_the_editor_in_khmer_has_translated_section_names(client: Client, c: Consortium, officer: User) -> None:
    login(client, officer)
    client.cookies["karpear_language"] = "km"
    text = client.get(reverse("monitoring:narrative", args=[c.programme.uuid])).content.decode()
    assert "Lessons learned" not in text and "Summary" not in text
    assert "សេចក្ដីសង្ខេប" in text


def test_a_sub_grantee_reads_the_text_but_has_no_form(client: Client, c: Consortium, officer: User) -> None:
    services.narrative_save(
        actor=officer, programme=c.programme, period="", texts={"summary": "The text of the prime partner."}
    )
    login(client, c.partner_me)
    page = client.get(reverse("monitoring:narrative", args=[c.programme.uuid])).content.decode()
    assert "The text of the prime partner." in page and 'name="summary"' not in page
    assert client.post(reverse("monitoring:narrative", args=[c.programme.uuid]), {"summary": "x"}).status_code == 200
    assert Narrative.objects.count() == 1


def test_programme_officers_reach_the_targets_and_the_text_from_the_menu(
    client: Client, c: Consortium, officer: User
) -> None:
    login(client, officer)
    home = client.get(reverse("home")).content.decode()
    assert reverse("monitoring:index") in home
    index = client.get(reverse("monitoring:index")).content.decode()
    assert reverse("monitoring:period_targets", args=[c.programme.uuid]) in index
    assert reverse("monitoring:narrative", args=[c.programme.uuid]) in index
    dashboard = client.get(reverse("monitoring:programme", args=[c.programme.uuid])).content.decode()
    assert reverse("monitoring:narrative", args=[c.programme.uuid]) in dashboard


def _study(c: Consortium, title: str, consent: dt.date | None, withdrawn: dt.date | None = None) -> Any:
    """A case study on a legal case of the prime, made through Django's app registry (monitoring imports justice
    only through its indicators and selectors)."""
    organisation = c.prime
    legal_case = apps.get_model("justice", "LegalCase").objects.create(
        organisation=organisation,
        number=f"L-{title}",
        client=register(c.caseworker, sex="female", name_latin=f"Client {title}"),
        title="Labour trafficking",
        opened_on=dt.date(this_year(), 1, 2),
        created_by=c.caseworker,
    )
    return apps.get_model("justice", "CaseStudy").objects.create(
        organisation=organisation,
        case=legal_case,
        recorded_by=c.caseworker,
        title=title,
        text=f"The story of {title}.",
        consent_on=consent,
        withdrawn_on=withdrawn,
    )


def test_case_studies_reach_the_report_only_with_the_clients_consent(
    c: Consortium, officer: User, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = timezone.localdate()
    _study(c, "Consented", today - dt.timedelta(days=3))
    _study(c, "Never asked", None)
    _study(c, "Withdrawn", today - dt.timedelta(days=9), withdrawn=today - dt.timedelta(days=2))
    services.narrative_save(
        actor=officer, programme=c.programme, period="", texts={"summary": "A year of work.", "lessons": "Ask early."}
    )
    found = selectors.case_studies(c.manager, selectors.reach(c.manager, c.programme), selectors.parse_period(""))
    assert [study.title for study in found] == ["Consented"]
    # A sub-grantee's report counts its own organisation: not the prime's case study.
    assert (
        selectors.case_studies(c.partner_me, selectors.reach(c.partner_me, c.programme), selectors.parse_period(""))
        == []
    )

    book = load_workbook(io.BytesIO(bytes(_report(c.manager, c, "xlsx", django_capture_on_commit_callbacks).content)))
    narrative = {row[0]: row[1] for row in book["Narrative"].iter_rows(min_row=2, values_only=True)}
    assert narrative["Summary"] == "A year of work." and narrative["Lessons learned"] == "Ask early."
    assert narrative["Challenges"] == "Not written yet."
    studies = [row[0] for row in book["Case studies"].iter_rows(min_row=2, values_only=True)]
    assert studies == ["Consented"]
    everything = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert "Never asked" not in everything and "Withdrawn" not in everything

    # The PDF: the HTML WeasyPrint is given (its text is glyphs once in the PDF), then a real PDF from it.
    import weasyprint

    given: list[str] = []
    real = weasyprint.HTML

    def spy(*args: Any, string: str = "", **kwargs: Any) -> Any:
        given.append(string)
        return real(*args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    job = _report(c.manager, c, "pdf", django_capture_on_commit_callbacks)
    assert bytes(job.content).startswith(b"%PDF")
    [html] = given
    assert "A year of work." in html and "The story of Consented." in html and "Ask early." in html
    assert "Never asked" not in html and "Withdrawn" not in html


def test_a_case_study_consented_after_the_period_is_left_out_of_that_periods_report(c: Consortium) -> None:
    _study(c, "Later", dt.date(this_year(), 1, 5))
    reach = selectors.reach(c.me, c.programme)
    assert selectors.case_studies(c.me, reach, selectors.parse_period(f"{this_year() - 1}")) == []
    assert [s.title for s in selectors.case_studies(c.me, reach, selectors.parse_period(str(this_year())))] == ["Later"]
