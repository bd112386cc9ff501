"""Registering and changing people through services.person_create / person_update, and the reads around them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from conftest import make_org, make_user
from karpear.core import registry, selectors, services
from karpear.core.models import AuditEvent, CaseSequence, Identity, Person
from karpear.core.tests.factories import (
    COMMUNE,
    OTHER_COMMUNE,
    first_village,
    limit_to_commune,
    person_input,
    place,
    register,
    this_year,
)

pytestmark = pytest.mark.django_db

COENG_DA = "\u17d2\u178a"
COENG_TA = "\u17d2\u178f"


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), Identity.objects.count(), AuditEvent.objects.count()


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def found(user, query: str) -> list[str]:
    return list(selectors.person_list(user=user, query=query).values_list("case_number", flat=True))


# ---------------------------------------------------------------- case numbers
def test_case_numbers_count_up_per_organisation_and_year_with_upper_case_short_name(orgs, users):
    first = register(users["caseworker"])
    second = register(users["caseworker"], name_latin="Sok Dara")

    assert first.case_number == f"ALPHA-{this_year()}-00001"
    assert second.case_number == f"ALPHA-{this_year()}-00002"
    assert CaseSequence.objects.get(organisation=orgs["own"], year=this_year()).last == 2


def test_each_organisation_has_its_own_case_number_sequence(orgs, users):
    register(users["caseworker"])
    other = register(make_user(orgs["other"], "caseworker"))

    assert other.case_number == f"BETA-{this_year()}-00001"


def test_generated_case_number_skips_a_number_already_typed_by_hand(users):
    register(users["caseworker"], case_number=f"ALPHA-{this_year()}-00001")

    generated = register(users["caseworker"], name_latin="Sok Dara")

    assert generated.case_number == f"ALPHA-{this_year()}-00002"


def test_duplicate_typed_case_number_is_rejected_on_the_field_and_nothing_is_saved(users):
    register(users["caseworker"], case_number="ALPHA-OLD-7")
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        register(users["caseworker"], case_number="ALPHA-OLD-7", name_latin="Sok Dara")

    assert excinfo.value.message_dict == {
        "case_number": ["Your organisation already has a person with this case number."]
    }
    assert counts() == before


def test_another_organisation_may_use_the_same_typed_case_number(orgs, users):
    register(users["caseworker"], case_number="CASE-1")

    other = register(make_user(orgs["other"], "caseworker"), case_number="CASE-1")

    assert (other.organisation_id, other.case_number) == (orgs["other"].pk, "CASE-1")


# ---------------------------------------------------------------- names: stored clean, found by key
def test_khmer_name_with_zero_width_characters_is_stored_clean_and_found(users):
    person = register(users["caseworker"], name_latin="", name_km="\u200bសុខ\u200c  មាលា\u200d\ufeff")

    identity = Identity.objects.get(person=person)
    assert identity.name_km == "សុខ មាលា"
    assert found(users["caseworker"], "សុខមាលា") == [person.case_number]
    assert found(users["caseworker"], "សុខ\u200b មាលា") == [person.case_number]


def test_a_zero_width_space_between_family_and_given_name_lets_the_given_name_alone_be_found(users):
    """Some typists separate the names with U+200B: a word boundary, not two words to join (DOMAIN §6)."""
    person = register(users["caseworker"], name_latin="", name_km="ម៉ៅ\u200bចន្ថា")

    identity = Identity.objects.get(person=person)
    assert identity.name_km == "ម៉ៅ\u200bចន្ថា"  # shown as typed: no visible space added
    assert (identity.name_km_key, identity.name_km_alt_key) == ("ម៉ៅចន្ថា", "ចន្ថាម៉ៅ")
    assert found(users["caseworker"], "ចន្ថា") == [person.case_number]
    assert found(users["caseworker"], "ម៉ៅ ចន្ថា") == [person.case_number]
    assert Person.objects.get(pk=person.pk).initials == "មច"


def test_a_non_joiner_typed_between_syllables_is_a_word_boundary_too(users):
    breaks = register(users["caseworker"], name_latin="", name_km="ម៉ៅ\u200cចន្ថា")
    shaping = register(users["caseworker"], name_latin="", name_km="ប៊\u200cីន")  # only changes how the vowel is drawn

    assert Identity.objects.get(person=breaks).name_km == "ម៉ៅ\u200bចន្ថា"
    assert Identity.objects.get(person=shaping).name_km == "ប៊ីន"
    assert found(users["caseworker"], "ចន្ថា") == [breaks.case_number]


def test_the_migration_keeps_the_word_boundary_of_names_stored_with_invisible_characters(users):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("karpear.core.migrations.0012_zero_width_space_is_a_word_boundary")
    person = register(users["caseworker"], name_latin="", name_km="ម៉ៅចន្ថា")
    untouched = register(users["caseworker"], name_latin="Sok Dara")
    # As a script that wrote past the services would have left it.
    Identity.objects.filter(person=person).update(name_km="ម៉ៅ\u200cចន្ថា\u200d", name_km_key="stale", name_km_alt_key="")
    Person.objects.filter(pk=person.pk).update(initials="")

    migration.forwards(apps, None)

    identity = Identity.objects.get(person=person)
    assert (identity.name_km, identity.name_km_key, identity.name_km_alt_key) == (
        "ម៉ៅ\u200bចន្ថា",
        "ម៉ៅចន្ថា",
        "ចន្ថាម៉ៅ",
    )
    assert Person.objects.get(pk=person.pk).initials == "មច"
    assert Identity.objects.get(person=untouched).name_latin_alt_key == "darasok"
    assert found(users["caseworker"], "ចន្ថា") == [person.case_number]


def test_latin_name_is_stored_in_nfc(users):
    person = register(users["caseworker"], name_latin="Sre\u0301y Mom")

    assert Identity.objects.get(person=person).name_latin == "Sr\u00e9y Mom"
    assert person.initials == "SM"


def test_romanised_name_search_ignores_case_and_spacing(users):
    person = register(users["caseworker"], name_latin="Sreymom")
    register(users["caseworker"], name_latin="Sok Dara")

    assert found(users["caseworker"], "SREY MOM") == [person.case_number]
    assert found(users["caseworker"], "srey-mom") == [person.case_number]


def test_given_name_alone_finds_family_given_through_the_rotated_key(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")

    assert found(users["caseworker"], "Sreymom") == [person.case_number]
    assert found(users["caseworker"], "chan") == [person.case_number]
    # Names match from the start of a word, not in the middle of one.
    assert found(users["caseworker"], "mom") == []


def test_khmer_search_folds_coeng_da_and_coeng_ta(users):
    with_da = register(users["caseworker"], name_latin="", name_km=f"សុខ ស{COENG_DA}ាណា")

    assert found(users["caseworker"], f"ស{COENG_TA}ាណា") == [with_da.case_number]
    assert found(users["caseworker"], f"សុខ ស{COENG_DA}ាណា") == [with_da.case_number]
    assert found(users["caseworker"], f"សុខស{COENG_TA}ាណា") == [with_da.case_number]


def test_khmer_search_ignores_the_order_a_syllables_marks_were_typed_in(users):
    # ស្រី + មុំ typed with NIKAHIT before the vowel, and a name with COENG RO typed before COENG TA.
    person = register(
        users["caseworker"],
        name_latin="",
        name_km="ស\u17d2\u179a\u17b8ម\u17c6\u17bb \u179f\u17d2\u179a\u17d2\u178f\u17b8",
    )

    assert found(users["caseworker"], "ស្រីមុំ") == [person.case_number]  # typed in canonical order
    assert found(users["caseworker"], "ស\u17d2\u178f\u17d2\u179a\u17b8") == [person.case_number]  # given name
    candidates = selectors.person_likely_duplicates(
        user=users["caseworker"], name_km="ស្រីមុំ ស្ត្រី", birth_year=1998, commune_code=COMMUNE
    )
    assert [c.person for c in candidates] == [person]


def test_role_without_identity_access_cannot_search_by_name(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")

    assert found(users["programme_officer"], "Chan") == []
    assert found(users["programme_officer"], person.case_number) == [person.case_number]


# ---------------------------------------------------------------- dates, phones and places
def test_birth_date_in_the_future_is_rejected_and_nothing_saved(users):
    before = counts()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(ValidationError) as excinfo:
        register(users["caseworker"], birth_year=None, date_of_birth=tomorrow)

    assert excinfo.value.message_dict == {"date_of_birth": ["The date of birth cannot be in the future."]}
    assert counts() == before


def test_birth_year_in_the_future_is_rejected(users):
    with pytest.raises(ValidationError) as excinfo:
        register(users["caseworker"], birth_year=this_year() + 1)

    assert excinfo.value.message_dict == {"birth_year": ["The birth year cannot be in the future."]}
    assert Person.objects.count() == 0


def test_birth_year_comes_from_the_date_of_birth(users):
    person = register(users["caseworker"], birth_year=None, date_of_birth=dt.date(2001, 12, 25))

    assert (person.birth_year, Identity.objects.get(person=person).date_of_birth) == (2001, dt.date(2001, 12, 25))


def test_impossible_phone_is_rejected_and_nothing_saved(users):
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        register(users["caseworker"], phone="123")

    assert excinfo.value.messages == ["This phone number has the wrong number of digits."]
    assert counts() == before


def test_possible_but_invalid_phone_only_warns_and_is_saved(users):
    assert services.normalise_phone("023 000 000") == (
        "+85523000000",
        "This phone number looks unusual; please check it.",
    )

    person = register(users["caseworker"], phone="023 000 000")

    assert Identity.objects.get(person=person).phone == "+85523000000"


@pytest.mark.parametrize("typed", ["012 345 678", "012345678", "០១២ ៣៤៥ ៦៧៨", "+855 12 345 678"])
def test_phone_is_stored_in_e164(users, typed):
    person = register(users["caseworker"], phone=typed)

    assert Identity.objects.get(person=person).phone == "+85512345678"


def test_unknown_commune_code_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        services.resolve_place(commune="999999")

    assert excinfo.value.message_dict == {"commune": ["Unknown place code."]}


def test_village_outside_the_chosen_commune_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        services.resolve_place(commune=COMMUNE, village=first_village(OTHER_COMMUNE).pk)

    assert excinfo.value.message_dict == {"village": ["Unknown place code."]}


def test_a_village_alone_fills_the_levels_above_it():
    village = first_village(COMMUNE)

    choice = services.resolve_place(village=village.pk)

    assert (choice.province.code, choice.district.code, choice.commune.code, choice.village) == (
        "20",
        "2001",
        "200103",
        village,
    )


def test_place_limited_volunteer_cannot_register_outside_their_commune(orgs):
    volunteer = make_user(orgs["own"], "volunteer", username="limited-volunteer")
    limit_to_commune(volunteer, COMMUNE)
    before = counts()

    with pytest.raises(ValidationError) as excinfo:
        register(volunteer, place=place(OTHER_COMMUNE))

    assert excinfo.value.message_dict == {
        "commune": ["You may register people only in the places you work in: Chantrea (Svay Rieng)."]
    }
    assert counts() == before


def test_place_limited_volunteer_registers_inside_their_commune_and_sees_the_person(orgs):
    volunteer = make_user(orgs["own"], "volunteer", username="limited-volunteer")
    limit_to_commune(volunteer, COMMUNE)

    person = register(volunteer, place=place(COMMUNE))

    assert person.commune_id == COMMUNE
    assert found(volunteer, "") == [person.case_number]


# ---------------------------------------------------------------- likely duplicates
def test_same_normalised_name_birth_year_and_commune_is_a_likely_duplicate(users):
    existing = register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)

    candidates = selectors.person_likely_duplicates(
        user=users["caseworker"], name_latin="CHAN  sreymom", birth_year=1998, commune_code=COMMUNE
    )

    assert [(c.person, c.reasons) for c in candidates] == [(existing, ("name",))]


def test_same_name_with_another_birth_year_or_commune_is_not_a_duplicate(users, monkeypatch):
    # core's exact keys only: an app's duplicate finder (matching) may well find these likely (registry)
    monkeypatch.setattr(registry, "_DUPLICATE_FINDERS", {})
    register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)

    other_year = selectors.person_likely_duplicates(
        user=users["caseworker"], name_latin="Chan Sreymom", birth_year=1999, commune_code=COMMUNE
    )
    other_commune = selectors.person_likely_duplicates(
        user=users["caseworker"], name_latin="Chan Sreymom", birth_year=1998, commune_code=OTHER_COMMUNE
    )

    assert (other_year, other_commune) == ([], [])


def test_same_khmer_name_with_other_coeng_is_a_likely_duplicate(users):
    existing = register(users["caseworker"], name_latin="", name_km=f"សុខ ស{COENG_DA}ាណា", birth_year=2000)

    candidates = selectors.person_likely_duplicates(
        user=users["caseworker"], name_km=f"សុខស{COENG_TA}ាណា", birth_year=2000, commune_code=COMMUNE
    )

    assert [(c.person, c.reasons) for c in candidates] == [(existing, ("name",))]


def test_same_phone_is_a_likely_duplicate(users):
    existing = register(users["caseworker"], name_latin="Sok Dara", phone="012 345 678")

    candidates = selectors.person_likely_duplicates(user=users["caseworker"], phone="+85512345678")

    assert [(c.person, c.reasons) for c in candidates] == [(existing, ("phone",))]


def test_same_national_id_is_a_likely_duplicate_whatever_the_case(users):
    existing = register(users["caseworker"], name_latin="Sok Dara", national_id="n0123456")

    candidates = selectors.person_likely_duplicates(user=users["caseworker"], national_id="N0123456")
    lower = selectors.person_likely_duplicates(user=users["caseworker"], national_id="n0123456")

    assert [(c.person, c.reasons) for c in candidates] == [(existing, ("national_id",))]
    assert [(c.person, c.reasons) for c in lower] == [(existing, ("national_id",))]


def test_all_matching_reasons_are_given(users):
    existing = register(users["caseworker"], name_latin="Chan Sreymom", phone="012 345 678", national_id="N1")

    candidates = selectors.person_likely_duplicates(
        user=users["caseworker"],
        name_latin="Chan Sreymom",
        birth_year=1998,
        commune_code=COMMUNE,
        phone="+85512345678",
        national_id="N1",
    )

    assert [(c.person, c.reasons) for c in candidates] == [(existing, ("name", "national_id", "phone"))]


def test_person_of_another_organisation_is_never_suggested_as_a_duplicate(orgs, users):
    register(
        make_user(orgs["other"], "case_supervisor"),
        name_latin="Chan Sreymom",
        birth_year=1998,
        phone="012 345 678",
        national_id="N0123456",
    )

    candidates = selectors.person_likely_duplicates(
        user=users["case_supervisor"],
        name_latin="Chan Sreymom",
        birth_year=1998,
        commune_code=COMMUNE,
        phone="+85512345678",
        national_id="N0123456",
    )

    assert candidates == []


def test_the_person_being_edited_is_not_its_own_duplicate(users):
    existing = register(users["caseworker"], phone="012 345 678")

    candidates = selectors.person_likely_duplicates(user=users["caseworker"], phone="+85512345678", exclude=existing)

    assert candidates == []


# ---------------------------------------------------------------- audit and rights
def test_each_registration_writes_one_create_event(orgs, users):
    before = last_event_id()

    person = register(users["caseworker"])

    events = list(AuditEvent.objects.filter(id__gt=before))
    assert [(e.action, e.object_type, e.object_id, e.actor_id, e.organisation_id, e.details) for e in events] == [
        ("create", "core.person", str(person.uuid), users["caseworker"].pk, orgs["own"].pk, {})
    ]


def test_registration_keeps_who_registered_and_their_team(users):
    person = register(users["caseworker"])

    assert (person.created_by, person.assigned_to, person.team.name) == (
        users["caseworker"],
        users["caseworker"],
        "Team A",
    )


@pytest.mark.parametrize("role", ["me_officer", "programme_manager", "org_admin", "system_admin"])
def test_role_without_add_person_cannot_register_and_nothing_is_saved(users, role):
    before = counts()

    with pytest.raises(PermissionDenied):
        register(users[role])

    assert counts() == before


def test_user_without_membership_cannot_register(db):
    from karpear.core.models import User

    loner = User.objects.create_user(username="loner", password="pw-123456789")

    with pytest.raises(PermissionDenied):
        register(loner)

    assert Person.objects.count() == 0


# ---------------------------------------------------------------- changing a person
def test_update_changes_record_and_identity_and_audits_the_changed_fields(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom", birth_year=1998)
    before = last_event_id()

    services.person_update(
        actor=users["caseworker"],
        person=person,
        data=person_input(name_latin="Sok Dara", birth_year=1999, phone="012 345 678"),
    )

    person.refresh_from_db()
    identity = Identity.objects.get(person=person)
    assert (person.birth_year, person.initials) == (1999, "SD")
    assert (identity.name_latin, identity.phone) == ("Sok Dara", "+85512345678")
    assert found(users["caseworker"], "Dara") == [person.case_number]
    assert found(users["caseworker"], "Sreymom") == []
    events = AuditEvent.objects.filter(id__gt=before)
    assert [(e.action, e.object_id, e.details) for e in events] == [
        ("update", str(person.uuid), {"changed": ["birth_year"]})
    ]


def test_update_to_another_persons_case_number_is_rejected_and_nothing_changes(users):
    register(users["caseworker"], case_number="TAKEN-1")
    person = register(users["caseworker"], name_latin="Sok Dara", case_number="MINE-1")

    with pytest.raises(ValidationError) as excinfo:
        services.person_update(
            actor=users["caseworker"], person=person, data=person_input(name_latin="Sok Dara", case_number="TAKEN-1")
        )

    assert excinfo.value.message_dict == {
        "case_number": ["Your organisation already has a person with this case number."]
    }
    person.refresh_from_db()
    assert person.case_number == "MINE-1"


def test_update_keeping_its_own_case_number_is_allowed(users):
    person = register(users["caseworker"], case_number="MINE-1")

    services.person_update(
        actor=users["caseworker"], person=person, data=person_input(case_number="MINE-1", sex="male")
    )

    person.refresh_from_db()
    assert (person.case_number, person.sex) == ("MINE-1", "male")


def test_another_organisation_cannot_update_a_person_and_nothing_changes(orgs, users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")
    outsider = make_user(orgs["other"], "case_supervisor")

    with pytest.raises(Http404):
        services.person_update(actor=outsider, person=person, data=person_input(name_latin="Changed"))

    assert Identity.objects.get(person=person).name_latin == "Chan Sreymom"


def test_role_that_may_only_read_cannot_update(users):
    person = register(users["caseworker"], name_latin="Chan Sreymom")

    with pytest.raises(PermissionDenied):
        services.person_update(actor=users["me_officer"], person=person, data=person_input(name_latin="Changed"))

    assert Identity.objects.get(person=person).name_latin == "Chan Sreymom"


def test_make_org_short_name_is_upper_cased_in_case_numbers(db):
    org = make_org("ccpcr")
    person = register(make_user(org, "caseworker"))

    assert person.case_number == f"CCPCR-{this_year()}-00001"


def test_update_by_a_role_that_cannot_see_identity_keeps_the_identity_unchanged(users):
    """A programme officer may change the pseudonymous record; the names, phone and IDs it cannot see stay."""
    person = register(
        users["caseworker"], name_latin="Chan Sreymom", name_km="ចាន់ ស្រីមុំ", phone="012 345 678", national_id="N01"
    )

    services.person_update(
        actor=users["programme_officer"],
        person=person,
        data=person_input(name_latin="", name_km="", sex="male", birth_year=1997),
    )

    person.refresh_from_db()
    identity = Identity.objects.get(person=person)
    assert (person.sex, person.birth_year, person.initials) == ("male", 1997, "CS")
    assert (identity.name_latin, identity.name_km, identity.phone, identity.national_id) == (
        "Chan Sreymom",
        "ចាន់ ស្រីមុំ",
        "+85512345678",
        "N01",
    )
    assert found(users["caseworker"], "Sreymom") == [person.case_number]
