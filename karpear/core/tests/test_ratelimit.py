"""core.ratelimit: the shared counts behind the login and name-search limits."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from karpear.core import ratelimit
from karpear.core.models import RateCounter

pytestmark = pytest.mark.django_db


def test_hits_in_one_window_count_up_and_a_new_window_starts_again_at_one():
    t0 = dt.datetime(2026, 11, 28, 10, 0, 5, tzinfo=dt.UTC)
    with mock.patch("karpear.core.ratelimit.timezone.now", return_value=t0):
        assert [ratelimit.hit("k", seconds=60) for _ in range(3)] == [1, 2, 3]
        assert ratelimit.count("k", seconds=60) == 3
        assert ratelimit.hit("other", seconds=60) == 1
    with mock.patch("karpear.core.ratelimit.timezone.now", return_value=t0 + dt.timedelta(seconds=60)):
        assert ratelimit.hit("k", seconds=60) == 1
    assert RateCounter.objects.filter(key="k").count() == 2


def test_a_counted_hit_in_a_begun_window_is_one_statement():
    ratelimit.hit("k", seconds=3600)
    with CaptureQueriesContext(connection) as queries:
        assert ratelimit.hit("k", seconds=3600) == 2
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]


def test_windows_older_than_a_week_are_deleted_when_a_new_window_starts():
    old = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    RateCounter.objects.create(key="k", window_start=old, count=5)
    ratelimit.hit("k", seconds=60)
    assert not RateCounter.objects.filter(window_start=old).exists()


def test_a_window_another_process_started_at_the_same_moment_is_counted_not_lost():
    now = dt.datetime(2026, 11, 28, 10, 0, 5, tzinfo=dt.UTC)
    start, _ = ratelimit._window(60, now)
    real_increment = ratelimit._increment
    calls = []

    def racing(key, when):
        calls.append(key)
        if len(calls) == 1:  # the other process creates the row between our UPDATE and our INSERT
            RateCounter.objects.create(key=key, window_start=when, count=1)
            return None
        return real_increment(key, when)

    with (
        mock.patch("karpear.core.ratelimit.timezone.now", return_value=now),
        mock.patch("karpear.core.ratelimit._increment", side_effect=racing),
    ):
        assert ratelimit.hit("k", seconds=60) == 2
    assert RateCounter.objects.get(key="k", window_start=start).count == 2
