"""The matching API (issue 16): a person's likely matches, a supervisor's decision on a pair and the
organisation-wide check, over the same selectors and services as the pages; across organisations nothing but
"a likely match exists"."""

from __future__ import annotations

import json

import pytest

from conftest import login, make_user
from karpear.core.models import AuditEvent, ExportJob
from karpear.core.roles import Role
from karpear.core.tests.factories import register
from karpear.matching.models import MatchPair

pytestmark = pytest.mark.django_db

API = "/api/v1/matching"


def _earlier(user, **fields):
    defaults = {"name_km": "សុខ ចាន់ធា", "name_latin": "", "birth_year": 1996, "phone": "+85512345678"}
    defaults.update(fields)
    return register(user, **defaults)


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_supervisor_reads_a_persons_likely_matches_with_score_and_evidence_and_the_read_is_audited(client, users):
    supervisor = users["case_supervisor"]
    earlier = _earlier(users["caseworker"])
    later = register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    login(client, supervisor)

    answer = client.get(f"{API}/people/{later.uuid}/matches/").json()

    assert answer["person"] == str(later.uuid) and answer["elsewhere"] is False
    [match] = answer["matches"]
    assert match["person"] == {"uuid": str(earlier.uuid), "case_number": earlier.case_number}
    assert 0.5 <= match["score"] <= 1
    name = next(e for e in match["evidence"] if e["comparison"] == "name")
    assert name["level"] == "name_exact" and name["label"] == "same name" and name["weight"] > 0
    event = AuditEvent.objects.filter(details__kind="match_check").latest("id")
    assert event.object_id == str(later.uuid) and event.details["found"] == 1
    assert "Chantha" not in str(event.details) and "សុខ" not in str(event.details)
    assert MatchPair.objects.count() == 0  # a read stores nothing


def test_across_organisations_the_api_says_only_that_a_likely_match_exists(client, orgs, users):
    stranger = make_user(orgs["other"], Role.CASEWORKER, username="stranger")
    theirs = _earlier(stranger, national_id="A1234567")
    ours = register(users["case_supervisor"], name_latin="Chanthea Sok", birth_year=1997, duplicate_confirmed=True)
    login(client, users["case_supervisor"])

    response = client.get(f"{API}/people/{ours.uuid}/matches/")

    assert response.json() == {"person": str(ours.uuid), "matches": [], "elsewhere": True}
    body = response.content.decode()
    for detail in (theirs.case_number, str(theirs.uuid), "A1234567", "12345678", orgs["other"].short_name):
        assert detail not in body
    # their person cannot be checked from here either (404, as for what does not exist)
    assert client.get(f"{API}/people/{theirs.uuid}/matches/").status_code == 404


def test_a_caseworker_may_not_use_the_matching_api(client, users):
    person = _earlier(users["caseworker"])
    login(client, users["caseworker"])

    assert client.get(f"{API}/people/{person.uuid}/matches/").status_code == 403
    assert client.get(f"{API}/pairs/").status_code == 403
    assert _post(client, f"{API}/checks/", {"format": "json"}).status_code == 403
    assert not ExportJob.objects.exists()


def test_a_supervisor_lists_decides_and_cannot_decide_twice_through_the_api(client, users):
    supervisor = users["case_supervisor"]
    earlier = _earlier(users["caseworker"])
    later = register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    login(client, supervisor)
    client.post(f"/matching/people/{later.uuid}/")  # the page's check stores the pair for review
    pair = MatchPair.objects.get()

    [row] = client.get(f"{API}/pairs/").json()["results"]
    assert row["uuid"] == str(pair.uuid) and row["status"] == "open"
    assert {row["person"]["case_number"], row["other"]["case_number"]} == {earlier.case_number, later.case_number}
    assert client.get(f"{API}/pairs/{pair.uuid}/").json() == row

    bad = _post(client, f"{API}/pairs/{pair.uuid}/decision/", {"decision": "merge"})
    assert bad.status_code == 400 and "decision" in bad.json()["fields"]
    decided = _post(client, f"{API}/pairs/{pair.uuid}/decision/", {"decision": "same"})
    assert decided.status_code == 200 and decided.json()["status"] == "same"
    assert decided.json()["decided_at"] is not None
    event = AuditEvent.objects.filter(action="update", object_id=str(pair.uuid)).get()
    assert event.details["decision"] == "same"
    again = _post(client, f"{API}/pairs/{pair.uuid}/decision/", {"decision": "different"})
    assert again.status_code == 400
    assert MatchPair.objects.get().status == "same"
    assert client.get(f"{API}/pairs/").json()["results"] == []
    assert [r["uuid"] for r in client.get(f"{API}/pairs/?status=same").json()["results"]] == [str(pair.uuid)]
    assert client.get(f"{API}/pairs/?status=merged").status_code == 400


def test_another_organisations_pair_is_not_found_and_not_decided(client, orgs, users):
    their_supervisor = make_user(orgs["other"], Role.CASE_SUPERVISOR, username="their-supervisor")
    _earlier(their_supervisor)
    theirs = register(their_supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    login(client, their_supervisor)
    client.post(f"/matching/people/{theirs.uuid}/")
    pair = MatchPair.objects.get()
    login(client, users["case_supervisor"])

    assert client.get(f"{API}/pairs/").json()["results"] == []
    assert client.get(f"{API}/pairs/{pair.uuid}/").status_code == 404
    assert _post(client, f"{API}/pairs/{pair.uuid}/decision/", {"decision": "different"}).status_code == 404
    assert MatchPair.objects.get().status == "open"


def test_the_organisation_wide_check_starts_reports_progress_and_then_its_clusters(
    client, users, django_capture_on_commit_callbacks
):
    supervisor = users["case_supervisor"]
    _earlier(users["caseworker"])
    register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    login(client, supervisor)

    with django_capture_on_commit_callbacks(execute=True):  # the job runs after the request commits
        started = _post(client, f"{API}/checks/", {"format": "csv"})

    assert started.status_code == 201 and started.json()["status"] == "queued"
    job = ExportJob.objects.get(uuid=started.json()["uuid"])
    assert (job.kind, job.format, job.status) == ("matching_clusters", "csv", "done")
    answer = client.get(f"{API}/checks/{job.uuid}/").json()
    assert answer["status"] == "done" and answer["percent"] == 100
    [[pair]] = answer["clusters"]
    assert pair["source"] == "batch" and pair["status"] == "open"
    # another user's check, and a job of another kind, are not found
    other_job = ExportJob.objects.create(organisation=job.organisation, requested_by=supervisor, kind="people")
    assert client.get(f"{API}/checks/{other_job.uuid}/").status_code == 404
    login(client, make_user(job.organisation, Role.CASE_SUPERVISOR, username="second-supervisor"))
    assert client.get(f"{API}/checks/{job.uuid}/").status_code == 404
