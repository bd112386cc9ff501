"""The duplicate check's extension point (registry.duplicate_finder), with the sample module's finder: core
merges what a finder adds (scored people in scope; a match at another organisation, shown as existing only)
and still imports no app."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from conftest import login
from karpear.core import registry, selectors
from karpear.core.tests.factories import form_data, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_the_sample_finder(monkeypatch):
    """Other installed apps may declare finders too: these tests hear only the sample module's."""
    monkeypatch.setattr(registry, "_DUPLICATE_FINDERS", {"sample_module": registry._DUPLICATE_FINDERS["sample_module"]})


def test_a_finders_scored_candidates_are_listed_after_the_exact_ones_with_the_elsewhere_signal_last(users):
    supervisor = users["case_supervisor"]
    fuzzy = register(supervisor, name_latin="Sample Match", birth_year=1980)
    exact = register(supervisor, name_latin="Sample Finder", birth_year=1990, duplicate_confirmed=True)

    found = selectors.person_likely_duplicates(
        user=supervisor, name_latin="Sample Finder", birth_year=1990, commune_code="200103", elsewhere=True
    )

    assert [(c.person, c.reasons, c.score, c.evidence, c.elsewhere) for c in found] == [
        (exact, ("name",), None, (), False),
        (fuzzy, (), 0.75, ("sample evidence",), False),
        (None, (), None, (), True),
    ]
    # without asking for it, the signal about other organisations is left out
    without = selectors.person_likely_duplicates(user=supervisor, name_latin="Sample Finder", birth_year=1990)
    assert [c.person for c in without] == [fuzzy]


def test_a_role_without_view_identity_gets_one_anonymous_candidate_and_the_signal(users):
    register(users["volunteer"], name_latin="Sample Match")  # their own: in their scope
    found = selectors.person_likely_duplicates(user=users["volunteer"], name_latin="Sample Finder", elsewhere=True)
    assert [(c.person, c.elsewhere) for c in found] == [(None, False), (None, True)]


def test_the_registration_form_shows_the_score_the_evidence_and_only_the_existence_elsewhere(users):
    register(users["case_supervisor"], name_latin="Sample Match")
    client = login(Client(), users["case_supervisor"])

    page = client.post(reverse("person_create"), form_data(name_latin="Sample Finder")).content.decode()

    assert "likely match, 75%" in page and "sample evidence" in page
    assert "A likely match exists at another organisation." in page


def test_a_finder_is_declared_once_per_app():
    with pytest.raises(ImproperlyConfigured):
        registry.duplicate_finder("sample_module", lambda **kwargs: [])
