"""Changes made in the back office (Django admin) join the hash-chained audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from conftest import login
from karpear.core import audit
from karpear.core.models import AuditEvent, Organisation, Team, User


@pytest.fixture
def staff_client(client: Any, db: Any) -> Any:
    admin = User.objects.create_superuser("root", "root@example.org", "pw-123456789")
    return login(client, admin)  # staff pass the second factor like identity-reading roles


def test_adding_changing_and_deleting_in_the_back_office_is_audited(staff_client: Any) -> None:
    response = staff_client.post(
        "/admin/core/organisation/add/",
        {"short_name": "newngo", "name": "New NGO", "name_km": "", "kind": "ngo", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(short_name="newngo")

    response = staff_client.post(
        f"/admin/core/organisation/{organisation.pk}/change/",
        {"short_name": "newngo", "name": "Renamed NGO", "name_km": "", "kind": "ngo", "is_active": "on"},
    )
    assert response.status_code == 302
    team = Team.objects.create(organisation=organisation, name="Field team")
    response = staff_client.post(f"/admin/core/team/{team.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Team.objects.filter(pk=team.pk).exists()

    events = list(AuditEvent.objects.filter(details__via="back_office").order_by("id"))
    assert [(e.action, e.object_type, e.actor_name) for e in events] == [
        ("login", "", "root"),  # the session's first back-office page
        ("create", "core.organisation", "root"),
        ("update", "core.organisation", "root"),
        ("delete", "core.team", "root"),
    ]
    assert events[2].details["change"] == [{"changed": {"fields": ["Name"]}}]
    assert events[3].object_id == audit.object_ref(team)[1]
    assert audit.verify_chain()[1] is None
    call_command("verify_audit")  # exits 0 on an unbroken chain


def test_a_refused_back_office_form_writes_nothing(staff_client: Any) -> None:
    assert staff_client.get("/admin/").status_code == 200  # the back-office login is audited once, here
    before = AuditEvent.objects.count()
    response = staff_client.post("/admin/core/organisation/add/", {"short_name": "", "name": "", "kind": "ngo"})
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before
