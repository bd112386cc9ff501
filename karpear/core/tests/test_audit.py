"""The audit log: a hash chain that `karpear verify_audit` checks, append-only rows, and login events."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from karpear.core import audit, selectors, services
from karpear.core.models import AuditChainHead, AuditEvent
from karpear.core.tests.factories import register

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456789"


@pytest.fixture
def chain(users) -> list[AuditEvent]:
    """Five events written by services: two registrations, a read, a login and a failed login."""
    first = register(users["caseworker"], name_latin="Chan Sreymom")
    register(users["caseworker"], name_latin="Sok Dara")
    selectors.person_identity(user=users["caseworker"], person=first)
    services.login_recorded(user=users["case_supervisor"])
    services.login_failed_recorded(username="nobody", ip=None)
    return list(AuditEvent.objects.order_by("id"))


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue().strip()


def raw_sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# ---------------------------------------------------------------- the chain
def test_each_event_carries_the_hash_of_the_one_before(chain):
    assert [e.action for e in chain] == ["create", "create", "view", "login", "failed_login"]
    assert chain[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert len({e.hash for e in chain}) == 5
    assert AuditChainHead.objects.get().last_hash == chain[-1].hash


def test_verify_audit_passes_on_an_intact_chain(chain):
    assert verify() == "Audit chain intact: 5 events."


def test_verify_audit_passes_on_an_empty_log(db):
    assert verify() == "Audit chain intact: 0 events."


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "view"), ("actor_name", "someone-else"), ("object_id", "0"), ("details", '{"fields": "none"}')],
)
def test_verify_audit_names_an_event_changed_with_raw_sql(chain, column, value):
    edited = chain[1] if column != "action" else chain[0]

    raw_sql(f"UPDATE core_auditevent SET {column} = %s WHERE id = %s", [value, edited.id])  # noqa: S608 - fixed column names

    index = chain.index(edited)
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert str(excinfo.value) == (
        f"Audit chain broken at event {edited.id} after {index} good events: "
        "hash does not match the event: this event was changed"
    )


def test_verify_audit_names_the_event_after_a_deleted_middle_row(chain):
    raw_sql("DELETE FROM core_auditevent WHERE id = %s", [chain[2].id])

    with pytest.raises(CommandError) as excinfo:
        verify()

    assert str(excinfo.value) == (
        f"Audit chain broken at event {chain[3].id} after 2 good events: "
        "previous hash does not match: an earlier event was removed or changed"
    )


def test_verify_audit_notices_a_deleted_first_row(chain):
    raw_sql("DELETE FROM core_auditevent WHERE id = %s", [chain[0].id])

    with pytest.raises(CommandError) as excinfo:
        verify()

    assert str(excinfo.value).startswith(f"Audit chain broken at event {chain[1].id} after 0 good events")


def test_verify_audit_reports_the_end_of_the_chain_after_the_last_row_is_deleted(chain):
    raw_sql("DELETE FROM core_auditevent WHERE id = %s", [chain[-1].id])

    with pytest.raises(CommandError) as excinfo:
        verify()

    assert str(excinfo.value) == (
        "Audit chain broken at the end of the chain after 4 good events: "
        "the newest events were removed: the chain ends before its recorded head"
    )


def test_new_events_after_a_break_do_not_hide_it(chain):
    raw_sql("UPDATE core_auditevent SET action = %s WHERE id = %s", ["view", chain[0].id])

    services.login_failed_recorded(username="later", ip=None)

    with pytest.raises(CommandError) as excinfo:
        verify()
    assert str(excinfo.value).startswith(f"Audit chain broken at event {chain[0].id} after 0 good events")


# ---------------------------------------------------------------- append-only through the ORM
def stored() -> list[tuple]:
    return list(AuditEvent.objects.order_by("id").values_list("id", "action", "hash"))


def test_queryset_update_is_refused_and_nothing_changes(chain):
    before = stored()

    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.filter(id=chain[0].id).update(action="view")

    assert stored() == before


def test_queryset_delete_is_refused_and_nothing_changes(chain):
    before = stored()

    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.all().delete()

    assert stored() == before


def test_saving_a_changed_event_is_refused_and_nothing_changes(chain):
    before = stored()
    event = AuditEvent.objects.get(id=chain[0].id)
    event.action = "view"

    with pytest.raises(PermissionError, match="append-only"):
        event.save()

    assert stored() == before


def test_deleting_an_event_is_refused_and_nothing_changes(chain):
    before = stored()

    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.get(id=chain[0].id).delete()

    assert stored() == before
    assert verify() == "Audit chain intact: 5 events."


# ---------------------------------------------------------------- login, failed login and logout
def events() -> list[tuple]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "actor_id", "actor_name", "organisation_id"))


def test_login_through_the_login_page_writes_a_login_event(orgs, users):
    response = Client().post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})

    assert response.status_code == 302
    assert events() == [("login", users["volunteer"].pk, "alpha-volunteer", orgs["own"].pk)]


def test_failed_login_writes_a_failed_login_event_without_an_actor(users):
    response = Client().post("/account/login/", {"username": "alpha-volunteer", "password": "wrong-password"})

    assert response.status_code == 200
    assert events() == [("failed_login", None, "alpha-volunteer", None)]


def test_logout_writes_a_logout_event(orgs, users):
    client = Client()
    client.post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})

    response = client.post("/account/logout/")

    assert response.status_code == 302
    assert [e[:3] for e in events()] == [
        ("login", users["volunteer"].pk, "alpha-volunteer"),
        ("logout", users["volunteer"].pk, "alpha-volunteer"),
    ]


def test_login_events_carry_the_client_address(users):
    Client(REMOTE_ADDR="203.0.113.7").post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})

    assert list(AuditEvent.objects.values_list("action", "ip")) == [("login", "203.0.113.7")]


def test_login_events_keep_the_chain_intact(users):
    client = Client()
    client.post("/account/login/", {"username": "alpha-volunteer", "password": "wrong-password"})
    client.post("/account/login/", {"username": "alpha-volunteer", "password": PASSWORD})
    client.post("/account/logout/")

    assert verify() == "Audit chain intact: 3 events."
