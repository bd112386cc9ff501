"""Organisation administrators manage their members in the browser; every change is audited."""

from __future__ import annotations

from typing import Any

from conftest import login, make_user
from karpear.core.models import AuditEvent, Membership, Team, User
from karpear.core.roles import Role


def test_an_org_admin_adds_a_new_user_who_gets_a_one_time_password(users: dict[str, Any], client: Any) -> None:
    team = Team.objects.get(name="Team A")
    login(client, users["org_admin"])
    response = client.post(
        "/members/new/",
        {
            "username": "sophea",
            "email": "",
            "role": "volunteer",
            "team": team.pk,
            "place_limited": "on",
            "communes": "140901",
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    membership = Membership.objects.get(user__username="sophea")
    assert (membership.role, membership.team_id, membership.place_limited) == ("volunteer", team.pk, True)
    assert [c.code for c in membership.communes.all()] == ["140901"]
    assert User.objects.get(username="sophea").check_password(password)
    event = AuditEvent.objects.filter(action="create", object_type="core.membership").get()
    assert (event.actor_id, event.details["member"], event.details["role"]) == (
        users["org_admin"].pk,
        "sophea",
        "volunteer",
    )


def test_bad_member_input_is_refused_next_to_the_field_and_nothing_is_saved(users: dict[str, Any], client: Any) -> None:
    login(client, users["org_admin"])
    before = Membership.objects.count()
    cases = [
        (
            {"username": "a", "role": "volunteer", "place_limited": "on"},
            "Choose the provinces or communes this member works in.",
        ),
        ({"username": "b", "role": "volunteer", "communes": "999999"}, "Unknown place code. 999999"),
        ({"username": "c", "role": "system_admin"}, "Only a system administrator can give this role."),
        (
            {"username": users["caseworker"].username, "role": "caseworker"},
            "This user is already a member of your organisation.",
        ),
    ]
    for data, message in cases:
        response = client.post("/members/new/", data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert Membership.objects.count() == before
    assert not User.objects.filter(username__in=["a", "b", "c"]).exists()


def test_an_org_admin_changes_a_role_and_deactivates_a_member(users: dict[str, Any], client: Any) -> None:
    member = users["volunteer"]
    login(client, users["org_admin"])
    team = Team.objects.get(name="Team A")
    response = client.post(f"/members/{member.uuid}/", {"role": "caseworker", "is_active": "", "team": team.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user=member)
    assert (membership.role, membership.is_active) == ("caseworker", False)
    event = AuditEvent.objects.filter(action="update", object_type="core.membership").get()
    assert event.details["changed"] == ["is_active", "role"]


def test_nobody_changes_their_own_role(users: dict[str, Any], client: Any) -> None:
    admin = users["org_admin"]
    login(client, admin)
    response = client.post(f"/members/{admin.uuid}/", {"role": "caseworker", "is_active": "on"})
    assert response.status_code == 400
    assert "You cannot change your own role or deactivate yourself." in response.content.decode()
    assert Membership.objects.get(user=admin).role == "org_admin"


def test_another_organisations_member_is_not_found(orgs: dict[str, Any], users: dict[str, Any], client: Any) -> None:
    stranger = make_user(orgs["other"], Role.CASEWORKER, username="stranger")
    login(client, users["org_admin"])
    assert client.get(f"/members/{stranger.uuid}/").status_code == 404
    assert client.post(f"/members/{stranger.uuid}/", {"role": "volunteer", "is_active": "on"}).status_code == 404
    assert Membership.objects.get(user=stranger).role == "caseworker"


def test_a_new_member_must_replace_the_one_time_password(users: dict[str, Any], client: Any) -> None:
    login(client, users["org_admin"])
    password = client.post("/members/new/", {"username": "dara", "role": "volunteer"}).context["password"]
    client.logout()
    client.post("/account/login/", {"username": "dara", "password": password})
    first = client.get("/")
    assert first.status_code == 302 and first["Location"] == "/account/password/"
    response = client.post(
        "/account/password/",
        {
            "old_password": password,
            "new_password1": "a-long-new-phrase-2026",
            "new_password2": "a-long-new-phrase-2026",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    user = User.objects.get(username="dara")
    assert not user.password_change_required and user.check_password("a-long-new-phrase-2026")
    assert AuditEvent.objects.filter(action="update", object_type="core.user", actor=user).count() == 1


def test_an_org_admin_cannot_touch_a_system_administrators_membership(users: dict[str, Any], client: Any) -> None:
    sysadmin = users["system_admin"]  # in the same organisation in these fixtures
    login(client, users["org_admin"])
    response = client.post(f"/members/{sysadmin.uuid}/", {"role": "volunteer", "is_active": "on"})
    assert response.status_code == 400
    assert Membership.objects.get(user=sysadmin).role == "system_admin"


def test_team_and_place_changes_are_named_in_the_audit_log(users: dict[str, Any], client: Any) -> None:
    member = users["volunteer"]
    login(client, users["org_admin"])
    client.post(
        f"/members/{member.uuid}/", {"role": "volunteer", "is_active": "on", "place_limited": "on", "provinces": ["20"]}
    )
    event = AuditEvent.objects.filter(action="update", object_type="core.membership").get()
    assert event.details["changed"] == ["place_limited", "provinces", "team"]


# ---------------------------------------------------------------- an existing account is invited, not taken
def _invite_stranger(orgs: dict[str, Any], users: dict[str, Any], client: Any) -> User:
    stranger = make_user(orgs["other"], Role.PROGRAMME_OFFICER, username="stranger")
    login(client, users["org_admin"])
    response = client.post("/members/new/", {"username": "stranger", "role": "caseworker"}, follow=True)
    assert response.status_code == 200
    assert "stranger already has a Karpear account, so they are invited" in response.content.decode()
    client.logout()
    return stranger


def test_an_org_admin_cannot_pull_another_organisations_user_in_without_their_agreement(
    orgs: dict[str, Any], users: dict[str, Any], client: Any
) -> None:
    from karpear.core import access, services

    stranger = _invite_stranger(orgs, users, client)
    key = services.api_token_issue(user=stranger, two_factor=False)

    invited = Membership.objects.get(user=stranger, organisation=orgs["own"])
    assert (invited.pending, invited.invited_by_id, invited.role) == (True, users["org_admin"].pk, "caseworker")
    fresh = User.objects.get(pk=stranger.pk)
    assert [m.organisation_id for m in access.memberships_of(fresh)] == [orgs["other"].pk]
    assert not access.needs_two_factor(fresh)  # an invitation gives no role, so asks for no second factor yet
    # The stranger cannot act for the inviting organisation before accepting.
    login(client, stranger)
    assert client.post("/account/organisation/", {"organisation": orgs["own"].pk}).status_code == 302
    assert client.session.get("karpear_active_org") is None
    assert client.get("/api/v1/people/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    home = client.get("/").content.decode()
    assert "ALPHA invites you to join it as Caseworker." in home
    login(client, users["org_admin"])
    assert "invited, not accepted yet" in client.get("/members/").content.decode()


def test_the_invited_user_accepts_and_becomes_a_member(
    orgs: dict[str, Any], users: dict[str, Any], client: Any
) -> None:
    from karpear.core import services
    from karpear.core.models import ApiToken

    stranger = _invite_stranger(orgs, users, client)
    services.api_token_issue(user=stranger, two_factor=False)
    login(client, stranger)

    response = client.post(f"/account/invitations/{orgs['own'].uuid}/", {"decision": "accept"})

    assert response.status_code == 302
    membership = Membership.objects.get(user=stranger, organisation=orgs["own"])
    assert membership.pending is False
    assert client.session["karpear_active_org"] == orgs["own"].pk
    assert not ApiToken.objects.filter(user=stranger).exists()  # issued for the old rights
    event = AuditEvent.objects.filter(action="update", object_type="core.membership").get()
    assert (event.actor_id, event.details["change"]) == (stranger.pk, "accepted")
    from karpear.core import access

    assert access.needs_two_factor(User.objects.get(pk=stranger.pk))  # a caseworker now


def test_the_invited_user_declines_and_nothing_remains(
    orgs: dict[str, Any], users: dict[str, Any], client: Any
) -> None:
    stranger = _invite_stranger(orgs, users, client)
    login(client, stranger)

    client.post(f"/account/invitations/{orgs['own'].uuid}/", {"decision": "decline"})

    assert not Membership.objects.filter(user=stranger, organisation=orgs["own"]).exists()
    event = AuditEvent.objects.filter(action="delete", object_type="core.membership").get()
    assert (event.actor_id, event.organisation_id, event.details["change"]) == (stranger.pk, orgs["own"].pk, "declined")


def test_nobody_answers_someone_elses_invitation(orgs: dict[str, Any], users: dict[str, Any], client: Any) -> None:
    stranger = _invite_stranger(orgs, users, client)
    login(client, users["volunteer"])

    response = client.post(f"/account/invitations/{orgs['own'].uuid}/", {"decision": "accept"})

    assert response.status_code == 404
    assert Membership.objects.get(user=stranger, organisation=orgs["own"]).pending is True


def test_inviting_twice_is_refused_next_to_the_field(orgs: dict[str, Any], users: dict[str, Any], client: Any) -> None:
    _invite_stranger(orgs, users, client)
    login(client, users["org_admin"])

    response = client.post("/members/new/", {"username": "stranger", "role": "volunteer"})

    assert response.status_code == 400
    assert "This user is already invited to your organisation." in response.content.decode()
    assert Membership.objects.filter(user__username="stranger").count() == 2
