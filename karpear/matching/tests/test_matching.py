"""Matching in Karpear: the registration warning, a supervisor's decisions, the signal across organisations,
and the organisation-wide check (issue 16)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import login, make_user
from karpear.core import registry
from karpear.core import selectors as core_selectors
from karpear.core import services as core_services
from karpear.core.models import AuditEvent
from karpear.core.roles import Role
from karpear.core.tests.factories import OTHER_COMMUNE, form_data, place, register
from karpear.matching import selectors, services
from karpear.matching.engine import model as engine
from karpear.matching.models import MatchInquiry, MatchPair

pytestmark = pytest.mark.django_db


def _earlier(user, **fields):
    defaults = {"name_km": "សុខ ចាន់ធា", "name_latin": "", "birth_year": 1996, "phone": "+85512345678"}
    defaults.update(fields)
    return register(user, **defaults)


def test_registering_a_returnee_registered_before_shows_the_earlier_record_with_score_and_evidence(users):
    earlier = _earlier(users["caseworker"])
    client = login(Client(), users["case_supervisor"])

    response = client.post(
        reverse("person_create"),
        form_data(name_latin="Chanthea Sok", birth_year=1998, phone="+85597111222"),
    )

    page = response.content.decode()
    assert earlier.case_number in page
    assert "likely match" in page and "same name" in page and "birth year two apart" in page
    assert "A likely match exists at another organisation" not in page


def test_the_sex_and_mothers_name_typed_in_the_registration_form_are_evidence_too(users):
    earlier = _earlier(users["caseworker"], mother_name="ជា សុភា")  # a woman ("female" by default)
    client = login(Client(), users["case_supervisor"])

    response = client.post(
        reverse("person_create"),
        form_data(name_latin="Chanthea Sok", birth_year=1998, phone="+85597111222", mother_name="Chea Sophea"),
    )

    page = response.content.decode()
    assert earlier.case_number in page and "same mother&#x27;s name" in page
    # the sex typed is compared too (its weight is small: the page names the four strongest pieces of evidence)
    keys = core_selectors.DuplicateKeys(name_latin="Chanthea Sok", sex="female", mother_name="Chea Sophea")
    query = selectors.record_of_keys(keys)
    assert (query.sex, query.mother_name) == ("female", "Chea Sophea")
    event = AuditEvent.objects.filter(details__kind="duplicate_check").latest("id")
    assert "mother_name" in event.details["fields"] and "Sophea" not in str(event.details)


def test_the_check_is_audited_without_the_details(users):
    _earlier(users["caseworker"])
    found = core_selectors.person_likely_duplicates(
        user=users["case_supervisor"], name_latin="Sok Chantha", birth_year=1997, commune_code="200103"
    )
    assert found and found[0].score is not None and found[0].score >= 0.5
    event = AuditEvent.objects.filter(details__kind="duplicate_check").latest("id")
    assert "Chantha" not in str(event.details) and event.details["candidates"] == 1


def test_a_role_without_view_identity_learns_only_that_someone_like_this_exists(users):
    _earlier(users["case_supervisor"])
    found = core_selectors.person_likely_duplicates(
        user=users["volunteer"], name_latin="Sok Chantha", birth_year=1996, commune_code="200103"
    )
    assert [(c.person, c.score) for c in found] in ([(None, None)], [])


def test_across_organisations_only_the_existence_of_a_likely_match_is_revealed(orgs, users):
    stranger = make_user(orgs["other"], Role.CASEWORKER, username="stranger")
    theirs = _earlier(stranger, name_latin="Sok Chantha", national_id="A1234567")
    client = login(Client(), users["case_supervisor"])

    response = client.post(reverse("person_create"), form_data(name_latin="Chanthea Sok", birth_year=1997))

    page = response.content.decode()
    assert "A likely match exists at another organisation" in page
    for detail in (theirs.case_number, "សុខ", "A1234567", "12345678", orgs["other"].name, str(theirs.uuid)):
        assert detail not in page
    # the check is audited by core's own event: the kinds of details, never their values nor what was found where
    event = AuditEvent.objects.filter(details__kind="duplicate_check").latest("id")
    assert event.details == {"kind": "duplicate_check", "fields": ["name"], "candidates": 0}


def test_a_supervisor_checks_a_person_and_confirms_the_pair_which_links_never_merges(users):
    supervisor = users["case_supervisor"]
    earlier = _earlier(users["caseworker"])
    later = register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)

    result = services.check_person(actor=supervisor, person=later)

    [pair] = result.pairs
    assert {pair.person, pair.other} == {earlier, later} and pair.status == MatchPair.Status.OPEN
    assert pair.evidence[0][0] == "name"
    services.decide(actor=supervisor, pair=pair, decision="same")
    assert selectors.linked_people(user=supervisor, person=later) == [earlier]
    earlier.refresh_from_db()
    later.refresh_from_db()
    assert earlier.identity.name_km == "សុខ ចាន់ធា" and later.identity.name_latin == "Chantha Sok"  # both kept
    event = AuditEvent.objects.filter(action="update", object_id=str(pair.uuid)).get()
    assert event.details["decision"] == "same"
    with pytest.raises(ValidationError):
        services.decide(actor=supervisor, pair=pair, decision="different")


def test_a_rejected_pair_is_never_proposed_again(users):
    supervisor = users["case_supervisor"]
    _earlier(users["caseworker"])
    later = register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    [pair] = services.check_person(actor=supervisor, person=later).pairs

    services.decide(actor=supervisor, pair=pair, decision="different")

    assert services.check_person(actor=supervisor, person=later).pairs == []
    assert selectors.pairs_to_review(user=supervisor).count() == 0
    assert not [
        c
        for c in core_selectors.person_likely_duplicates(
            user=supervisor, name_latin="Chantha Sok", birth_year=1997, exclude=later
        )
        if c.score is not None
    ]


def test_a_caseworker_cannot_decide_and_nothing_changes(users):
    supervisor = users["case_supervisor"]
    _earlier(supervisor)
    later = register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    [pair] = services.check_person(actor=supervisor, person=later).pairs

    with pytest.raises((PermissionDenied, Http404)):
        services.decide(actor=users["caseworker"], pair=pair, decision="same")

    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (MatchPair.Status.OPEN, None)
    assert not AuditEvent.objects.filter(object_id=str(pair.uuid)).exists()


def test_a_referral_request_reaches_the_holding_organisation_and_tells_the_asker_nothing(orgs, users):
    their_supervisor = make_user(orgs["other"], Role.CASE_SUPERVISOR, username="their-supervisor")
    theirs = _earlier(their_supervisor)
    ours = register(users["case_supervisor"], name_latin="Sok Chanthea", birth_year=1995, duplicate_confirmed=True)

    assert services.check_person(actor=users["case_supervisor"], person=ours).elsewhere
    assert services.ask_elsewhere(actor=users["case_supervisor"], person=ours) == 1

    inquiry = MatchInquiry.objects.get()
    assert (inquiry.organisation, inquiry.person, inquiry.asked_by) == (orgs["other"], theirs, orgs["own"])
    assert list(selectors.inquiries(user=their_supervisor)) == [inquiry]
    assert list(selectors.inquiries(user=users["case_supervisor"])) == []
    services.inquiry_answered(actor=their_supervisor, inquiry=inquiry)
    assert MatchInquiry.objects.get().status == MatchInquiry.Status.DONE


def test_the_organisation_wide_check_reports_clusters_and_stores_the_pairs_for_review(users):
    supervisor = users["case_supervisor"]
    _earlier(users["caseworker"])
    register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    register(supervisor, name_latin="Keo Sophal", birth_year=1970, sex="male", duplicate_confirmed=True)
    job = core_services.export_request(actor=supervisor, kind="matching_clusters", fmt="csv")
    steps: list[tuple[int, int]] = []

    output = registry.export_kind_for("matching_clusters").run(job, lambda done, total: steps.append((done, total)))
    assert output.commit is not None
    output.commit()

    assert steps[0] == (0, 3) and steps[-1] == (3, 3)
    text = output.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "cluster,case_number,other_case_number,score,evidence"
    assert output.rows == 1 and "same name" in text
    assert MatchPair.objects.get().source == MatchPair.Source.BATCH
    assert [len(c) for c in selectors.clusters(user=supervisor)] == [1]


def test_the_pages_show_the_pairs_and_record_the_decision(users):
    supervisor = users["case_supervisor"]
    _earlier(users["caseworker"])
    later = register(supervisor, name_latin="Chantha Sok", birth_year=1997, duplicate_confirmed=True)
    client = login(Client(), supervisor)

    assert client.post(reverse("matching:person_check", args=[later.uuid])).status_code == 200
    pair = MatchPair.objects.get()
    assert pair.person.case_number in client.get(reverse("matching:review_list")).content.decode()
    page = client.get(reverse("matching:pair_detail", args=[pair.uuid])).content.decode()
    assert "same name" in page
    response = client.post(reverse("matching:pair_detail", args=[pair.uuid]), {"decision": "different"})
    assert response.status_code == 302
    assert MatchPair.objects.get().status == "different"
    assert client.post(reverse("matching:pair_detail", args=[pair.uuid]), {"decision": "same"}).status_code == 400
    response = client.post(reverse("matching:batch_start"), {"format": "csv"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]


def test_receiving_a_returnee_registered_before_in_khmer_shows_the_earlier_record(users):
    """The protection module's returnee registration calls core's duplicate check, so it lists the likely match
    too (through the URL only: matching imports no module)."""
    earlier = _earlier(users["caseworker"])  # "សុខ ចាន់ធា", 1996, registered by CCPCR's caseworker
    browser = login(Client(), users["case_supervisor"])
    arrived = (timezone.localdate() - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    intake = {
        "transit_centre": "svay_rieng",
        "arrived_on": arrived,
        "origin_country": "TH",
        "return_type": "deported",
        "handed_over_by": "foreign_immigration",
    }

    response = browser.post(
        "/protection/cases/new/", {**form_data(name_latin="Chanthea Sok", birth_year="1998"), **intake}
    )

    assert response.status_code == 200  # nothing saved: the user compares first
    page = response.content.decode()
    assert "This may be someone already registered:" in page and earlier.case_number in page


def test_the_mothers_name_and_the_household_members_are_evidence_read_from_core(users):
    """The earlier record is in a household with her mother (a member registered in Khmer); the later, in
    Latin letters, names the same mother and lists her in its own household."""
    caseworker, supervisor = users["caseworker"], users["case_supervisor"]
    home = core_services.household_create(actor=caseworker, code="HH-1", place=place())
    register(caseworker, name_km="ជា សុភា", name_latin="", birth_year=1970, household=home)
    earlier = register(
        caseworker, name_km="សុខ ចាន់ធា", name_latin="", birth_year=1996, household=home, mother_name="ជា សុភា"
    )
    moved = core_services.household_create(actor=supervisor, code="HH-2", place=place(OTHER_COMMUNE))
    register(supervisor, name_latin="Chea Sophea", birth_year=1971, household=moved, duplicate_confirmed=True)
    later = register(
        supervisor,
        name_latin="Chanthea Sok",
        birth_year=None,
        household=moved,
        mother_name="Chea Sophea",
        place=place(OTHER_COMMUNE),
        duplicate_confirmed=True,
    )

    query = selectors.record_of(later)
    assert query.mother_name == "Chea Sophea" and query.household == ("Chea Sophea",)
    (match,) = [m for m in selectors.likely_matches(user=supervisor, query=query, exclude=later) if m.person == earlier]
    evidence = {e.comparison: e.level for e in match.evidence}
    assert evidence["mother"] == "mother_same" and evidence["household"] == "household_some"
    weights = {e.comparison: e.weight for e in match.evidence}
    assert weights["mother"] > 0 and weights["household"] > 0
    assert "same mother's name" in selectors.evidence_phrases(match.evidence, limit=10)


def test_one_registration_is_scored_with_the_name_frequencies_counted_once_and_kept(
    users, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(engine, "TF_MIN_PEOPLE", 5)  # a small organisation, to see the weights
    caseworker = users["caseworker"]
    selectors.clear_caches()
    for year in range(1990, 1996):
        register(caseworker, name_latin="Sok Sreymom", birth_year=year, duplicate_confirmed=True)
    register(caseworker, name_latin="Ouk Sovannary", birth_year=1990, duplicate_confirmed=True)

    counted = selectors.name_frequencies()
    assert counted.total == 7 and sorted(counted.counts.values()) == [1, 6]
    with django_assert_num_queries(1):  # the people counted, nothing more: the table is kept
        assert selectors.name_frequencies() is counted
    register(caseworker, name_latin="Ouk Sovannary", birth_year=1991, duplicate_confirmed=True)
    assert selectors.name_frequencies().total == 8  # a new person: counted again (a small population)

    # a common name that agrees weighs less than a rare one, as in the organisation-wide check
    def name_weight(name: str, year: int) -> float:
        query = selectors.record_of_keys(core_selectors.DuplicateKeys(name_latin=name, birth_year=year))
        best = selectors.likely_matches(user=users["case_supervisor"], query=query)[0]
        return next(e.weight for e in best.evidence if e.comparison == "name")

    assert name_weight("Ouk Sovannary", 1990) - name_weight("Sok Sreymom", 1990) > 1.5


def test_the_demo_gives_the_supervisor_returnees_registered_twice_to_review(settings):
    from karpear.core.demo import load_demo
    from karpear.core.models import Person, User
    from karpear.matching import demo

    load_demo()
    load_demo()  # refreshing the demo adds nothing twice

    supervisor = User.objects.get(username="supervisor")
    pairs = list(selectors.pairs_to_review(user=supervisor))
    names = {
        frozenset(
            (
                p.person.identity.name_km or p.person.identity.name_latin,
                p.other.identity.name_km or p.other.identity.name_latin,
            )
        )
        for p in pairs
    }
    for returnee in demo.RETURNEES:
        assert frozenset((returnee.name_km, returnee.name_latin)) in names  # Khmer only ↔ Latin only
    assert all(demo.NAMESAKE.name_latin not in pair for pair in names)
    assert Person.objects.filter(identity__name_latin="Chanthea Sok").count() == 1
