"""The re-trafficking flag (issue 11, item 7): a new arrival likely to be someone with an earlier protection case
is flagged for the case supervisor; the earlier cases are shown to whoever may see them; of another
organisation only the fact that one exists, with an inquiry as the way to learn more."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import login, make_org, make_user
from karpear.core import access, referrals
from karpear.core import services as core_services
from karpear.core.models import AuditEvent, Consent
from karpear.core.roles import Role
from karpear.core.tests.factories import place
from karpear.matching import selectors as matching_selectors
from karpear.protection import services
from karpear.protection.models import FlagMatch, RetraffickingFlag
from karpear.protection.tests import factories as f

pytestmark = pytest.mark.django_db

SOKHA = {"name_latin": "Keo Sokha", "birth_year": 1999, "sex": "female"}


def test_a_second_arrival_of_the_same_person_is_flagged_with_the_earlier_case(users):
    earlier = f.case(users["case_supervisor"], **SOKHA)

    later = f.case(users["caseworker"], **SOKHA)

    flag = RetraffickingFlag.objects.get(case=later)
    assert (flag.status, flag.elsewhere) == ("open", False)
    assert list(FlagMatch.objects.filter(flag=flag).values_list("earlier__number", flat=True)) == [earlier.number]
    assert not RetraffickingFlag.objects.filter(case=earlier).exists()
    search = AuditEvent.objects.filter(action="search", object_id=str(later.uuid)).latest("id")
    assert (search.details["kind"], search.details["found"], search.details["elsewhere"]) == ("retrafficking", 1, False)


def test_someone_else_is_not_flagged(users):
    f.case(users["case_supervisor"], **SOKHA)

    other = f.case(users["caseworker"], name_latin="Mao Vuthy", birth_year=1970, sex="male")

    assert not RetraffickingFlag.objects.filter(case=other).exists()


def test_a_person_registered_before_who_comes_back_is_flagged_with_their_own_case(users):
    supervisor = users["case_supervisor"]
    first = f.case(supervisor, **SOKHA)

    again = services.case_open(actor=supervisor, person=first.person, intake=f.intake())

    match = FlagMatch.objects.get(flag__case=again)
    assert (match.earlier, match.score, match.evidence) == (first, 1.0, ["same_person"])


def test_the_supervisor_sees_the_flag_on_the_case_page_and_in_the_work_list(client, users):
    earlier = f.case(users["case_supervisor"], **SOKHA)
    later = f.case(users["caseworker"], **SOKHA)
    login(client, users["case_supervisor"])

    page = client.get(reverse("protection:case_detail", args=[later.uuid])).content.decode()
    listed = client.get(reverse("protection:case_list") + "?work=flags").content.decode()

    assert "May have been trafficked before" in page
    assert earlier.number in page and "same name" in page
    assert later.number in listed and earlier.number not in listed
    home = client.get(reverse("home")).content.decode()
    assert "Arrivals who may have been trafficked before" in home


def test_a_caseworker_sees_the_flag_but_not_an_earlier_case_outside_their_scope(client, users, orgs):
    earlier = f.case(users["case_supervisor"], **SOKHA)
    later = f.case(users["caseworker"], **SOKHA)
    login(client, users["caseworker"])

    page = client.get(reverse("protection:case_detail", args=[later.uuid])).content.decode()

    assert "May have been trafficked before" in page
    assert earlier.number not in page
    assert "1 more earlier case of your organisation" in page
    assert "Save the review" not in page  # the review is the supervisor's


def test_a_match_at_another_organisation_says_only_that_one_exists(client, users, orgs):
    beta = make_user(orgs["other"], Role.CASE_SUPERVISOR)
    theirs = f.case(beta, **SOKHA, phone="012 345 678")
    ours = f.case(users["case_supervisor"], **SOKHA)
    login(client, users["case_supervisor"])

    flag = RetraffickingFlag.objects.get(case=ours)
    page = client.get(reverse("protection:case_detail", args=[ours.uuid])).content.decode()

    assert flag.elsewhere is True
    assert not FlagMatch.objects.filter(flag=flag).exists()
    assert "Another organisation holds a likely earlier case of this person" in page
    # The phone in each form it could take (not a bare "012": a random uuid on the page may hold it).
    for secret in (theirs.number, "BETA", str(theirs.uuid), str(theirs.person.uuid), "345 678", "345678"):
        assert secret not in page
    # What the check wrote to the audit log says how many, never who.
    for event in AuditEvent.objects.filter(action="search", actor=users["case_supervisor"]):
        assert str(theirs.person.uuid) not in str(event.details)
        assert str(theirs.person_id) != event.object_id


def test_the_supervisor_asks_the_other_organisation_to_refer_the_person(client, users, orgs):
    beta = make_user(orgs["other"], Role.CASE_SUPERVISOR)
    theirs = f.case(beta, **SOKHA)
    ours = f.case(users["case_supervisor"], **SOKHA)
    login(client, users["case_supervisor"])

    response = client.post(reverse("protection:retrafficking_ask", args=[ours.uuid]))

    assert response.status_code == 302
    inquiries = list(matching_selectors.inquiries(user=beta))
    assert [(i.person_id, i.asked_by_id) for i in inquiries] == [(theirs.person_id, orgs["own"].pk)]
    assert RetraffickingFlag.objects.get(case=ours).asked_elsewhere_at is not None


def test_the_supervisor_reviews_the_flag_once(client, users):
    f.case(users["case_supervisor"], **SOKHA)
    later = f.case(users["caseworker"], **SOKHA)
    login(client, users["case_supervisor"])
    url = reverse("protection:retrafficking_review", args=[later.uuid])

    response = client.post(url, {"status": "confirmed", "note": "Came back from the same compound"})
    again = client.post(url, {"status": "different"})

    flag = RetraffickingFlag.objects.get(case=later)
    assert response.status_code == 302
    assert (flag.status, flag.reviewed_by, flag.note) == (
        "confirmed",
        users["case_supervisor"],
        "Came back from the same compound",
    )
    assert again.status_code == 400
    assert "Someone has already reviewed this flag." in again.content.decode()


def test_a_caseworker_cannot_review_the_flag(users):
    f.case(users["case_supervisor"], **SOKHA)
    later = f.case(users["caseworker"], **SOKHA)

    with pytest.raises(PermissionDenied):
        services.retrafficking_review(actor=users["caseworker"], case=later, status="different")

    assert RetraffickingFlag.objects.get(case=later).status == "open"


def test_a_case_without_a_flag_cannot_be_reviewed(users):
    case = f.case(users["case_supervisor"], **SOKHA)

    with pytest.raises(ValidationError):
        services.retrafficking_review(actor=users["case_supervisor"], case=case, status="confirmed")


def test_a_group_arrival_is_checked_after_it_is_saved(users, django_capture_on_commit_callbacks):
    year = f.arrived().year
    earlier = f.case(users["case_supervisor"], name_latin="Keo Sokha", birth_year=year - 27, sex="female")
    names = [
        ("Sok Dara", "male", 19),
        ("Chea Vanna", "female", 45),
        ("Keo Sokha", "female", 27),
        ("Heng Rithy", "male", 60),
    ]
    rows = [services.GroupRow(name=n, sex=sex, age=age, place=place()) for n, sex, age in names]

    with django_capture_on_commit_callbacks(execute=True):
        result = services.group_arrival_register(
            actor=users["caseworker"], data=services.GroupInput(intake=f.intake(), rows=rows)
        )

    flagged = RetraffickingFlag.objects.filter(case__in=result.cases)
    assert [flag.case.person.identity.name_latin for flag in flagged] == ["Keo Sokha"]
    assert FlagMatch.objects.get(flag__in=flagged).earlier == earlier


def test_the_flag_is_never_shared_by_a_referral(client, users):
    worker = users["caseworker"]
    earlier = f.case(users["case_supervisor"], **SOKHA)
    later = f.case(worker, **SOKHA)
    adhoc = make_org("adhoc")
    lawyer = make_user(adhoc, Role.LEGAL_OFFICER, username="lawyer")
    core_services.consent_record(
        actor=worker,
        person=later.person,
        purpose=Consent.Purpose.REFERRAL,
        given=True,
        given_by="self",
        recipient=adhoc,
    )
    referral = referrals.referral_create(
        actor=worker,
        person=later.person,
        receiver=adhoc,
        sections=[
            "protection_case_summary",
            "protection_screening",
            "protection_service_plan",
            "protection_follow_ups",
        ],
        reason="Legal aid.",
    )
    referrals.referral_accept(
        actor=make_user(adhoc, Role.CASE_SUPERVISOR, username="adhoc-sup"), referral=referral, assign_to=lawyer
    )
    login(client, lawyer)

    page = client.get(reverse("protection:case_detail", args=[later.uuid])).content.decode()

    assert later.number in page
    assert "May have been trafficked before" not in page and earlier.number not in page
    assert not access.visible(lawyer, RetraffickingFlag.objects.all()).exists()
    assert not access.visible(lawyer, FlagMatch.objects.all()).exists()
