"""The outreach API over the same services as the pages: the portal's help request and status lookup for
another client (no account, one save per key, status only, rate limited, audited), the help desk's grievances,
and activities recorded once per submission key; nothing of another organisation's, refusals in the API's one
error body."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from conftest import login, make_org, make_user
from karpear.core.models import AuditEvent, Commune
from karpear.core.roles import Role
from karpear.outreach import services
from karpear.outreach.models import Activity, Grievance, HelpRequest
from karpear.outreach.tests import factories as f

pytestmark = pytest.mark.django_db
PUBLIC = "/api/v1/safe-migration/help-requests/public/"
GRIEVANCES = "/api/v1/safe-migration/grievances/"
ACTIVITIES = "/api/v1/safe-migration/activities/"
TODAY = timezone.localdate()


@pytest.fixture
def org():
    organisation = make_org("ccpcr")
    f.desk(organisation)
    return organisation


def _json(client: Client, url: str, body: dict, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def test_a_help_request_sent_twice_with_one_key_saves_once_and_gives_one_code(org) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    body = {
        "key": services.new_form_key(),
        "about": "relative",
        "message": "My son works in Malaysia.",
        "country": "MY",
    }
    first = _json(client, PUBLIC + "submit/", body)
    again = _json(client, PUBLIC + "submit/", body)
    assert first.status_code == again.status_code == 200, first.content
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
    assert (first.json()["created"], again.json()["created"]) == (True, False)
    assert HelpRequest.objects.count() == 1 and "sessionid" not in first.cookies
    code = first.json()["tracking_code"]
    status = _json(client, PUBLIC + "status/", {"code": services.grouped(code)})
    assert status.json() == {"status": "received"}  # the status alone, never the content
    wrong = _json(client, PUBLIC + "status/", {"code": "0000 0000 0000 0000"})
    assert wrong.status_code == 400 and "code" in wrong.json()["fields"]
    assert AuditEvent.objects.filter(action="search", details__kind="help_request_status").count() == 2


def test_public_submissions_are_rate_limited_per_address_and_bad_ones_refused(org) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    bad = _json(client, PUBLIC + "submit/", {"key": "short", "about": "self", "message": ""})
    assert bad.status_code == 400 and {"key", "message"} <= set(bad.json()["fields"])
    answers = [
        _json(client, PUBLIC + "submit/", {"key": services.new_form_key(), "about": "self", "message": f"Help {i}"})
        for i in range(6)
    ]
    assert [a.status_code for a in answers].count(200) == 4  # the bad one counted too: 5 per hour
    assert answers[-1].status_code == 429 and answers[-1]["Retry-After"]
    assert HelpRequest.objects.count() == 4


def test_the_help_desk_records_raises_and_closes_a_grievance_through_the_api(org) -> None:
    hotline = make_user(org, Role.HOTLINE_OFFICER)
    api = login(Client(HTTP_ACCEPT_LANGUAGE="en"), hotline)
    commune = Commune.objects.order_by("code").first()
    made = _json(
        api,
        GRIEVANCES,
        {
            "received_on": TODAY.isoformat(),
            "about": "worker",
            "description": "Wages unpaid for three months.",
            "kinds": ["wages"],
            "commune": commune.code,
            "documents_kept": 1,
            "channel": "volunteer",
        },
    )
    assert made.status_code == 201, made.content
    grievance = made.json()
    assert (grievance["province"], grievance["level"], grievance["status"]) == (commune.province_id, 1, "open")
    url = f"{GRIEVANCES}{grievance['uuid']}/"
    raised = _json(api, url + "raise/", {"level": 3, "raised_with": "PDoLVT", "raised_on": TODAY.isoformat()})
    assert raised.status_code == 200 and raised.json()["level"] == 3 and len(raised.json()["steps"]) == 1
    lower = _json(api, url + "raise/", {"level": 2, "raised_with": "DoL", "raised_on": TODAY.isoformat()})
    assert lower.status_code == 400 and "level" in lower.json()["fields"]
    too_many = _json(
        api,
        url + "close/",
        {"resolved": True, "resolution": "Paid", "closed_on": TODAY.isoformat(), "documents_returned": 2},
    )
    assert too_many.status_code == 400 and "documents_returned" in too_many.json()["fields"]
    closed = _json(api, url + "close/", {"resolved": True, "resolution": "Paid", "closed_on": TODAY.isoformat()})
    told = _json(api, url + "told/", {"told_on": TODAY.isoformat(), "how": "Phone call"})
    assert closed.status_code == told.status_code == 200 and told.json()["outcome_told_how"] == "Phone call"
    assert api.get(url).json()["status"] == "resolved"
    assert api.get(GRIEVANCES + "?open=1").json()["results"] == []
    assert AuditEvent.objects.filter(action="view", object_type="outreach.grievance").count() == 1

    caseworker = login(Client(HTTP_ACCEPT_LANGUAGE="en"), make_user(org, Role.CASEWORKER))
    assert caseworker.get(GRIEVANCES).status_code == 403
    stranger = login(Client(HTTP_ACCEPT_LANGUAGE="en"), make_user(make_org("other"), Role.HOTLINE_OFFICER))
    assert stranger.get(url).status_code == 404
    assert stranger.get(GRIEVANCES).json()["results"] == []
    assert Grievance.objects.count() == 1


def test_an_activity_sent_twice_with_one_submission_key_is_recorded_once(org) -> None:
    officer = make_user(org, Role.FIELD_OFFICER)
    api = login(Client(HTTP_ACCEPT_LANGUAGE="en"), officer)
    body = {
        "kind": "workshop",
        "held_on": TODAY.isoformat(),
        "province": "14",
        "female_adults": 9,
        "male_adults": 6,
        "topics": ["rights"],
        "submission": str(uuid.uuid4()),
    }
    first, again = _json(api, ACTIVITIES, body), _json(api, ACTIVITIES, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["uuid"] == again.json()["uuid"] and first.json()["participants"] == 15
    over = _json(api, ACTIVITIES, {**body, "participants": 3, "submission": str(uuid.uuid4())})
    assert over.status_code == 400 and "participants" in over.json()["fields"]
    assert Activity.objects.count() == 1
    assert api.get(ACTIVITIES + "?kind=workshop").json()["results"][0]["uuid"] == first.json()["uuid"]
    assert api.get(ACTIVITIES + "?since=yesterday").status_code == 400
    volunteer = login(Client(HTTP_ACCEPT_LANGUAGE="en"), make_user(org, Role.VOLUNTEER))
    assert volunteer.get(ACTIVITIES).json()["results"] == []  # a volunteer sees their own only


def test_a_method_the_operation_does_not_have_is_405_and_claims_no_idempotency_key(org) -> None:
    hotline = make_user(org, Role.HOTLINE_OFFICER)
    api = login(Client(HTTP_ACCEPT_LANGUAGE="en"), hotline)
    made = _json(
        api,
        GRIEVANCES,
        {"received_on": TODAY.isoformat(), "about": "worker", "description": "Debt bondage.", "kinds": ["debt"]},
    )
    url = f"{GRIEVANCES}{made.json()['uuid']}/raise/"
    for body in ({"level": 1}, {"level": 2}):  # the same key with another body: still 405, never 409
        answer = api.put(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="put-key-0001")
        assert answer.status_code == 405
    raised = _json(
        api,
        url,
        {"level": 2, "raised_with": "DoL", "raised_on": TODAY.isoformat()},
        HTTP_IDEMPOTENCY_KEY="put-key-0001",
    )
    assert raised.status_code == 200 and raised.json()["level"] == 2
