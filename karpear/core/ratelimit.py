"""Counting and limiting, shared by every web process: fixed windows counted in the database.

Karpear runs as several web processes on a national deployment and needs no service besides the database
(DESIGN §1). A per-process cache (Django's locmem) would multiply every limit by the number of processes and
forget it at each restart, so the counts live in `RateCounter` rows, incremented with one atomic UPDATE.
The cost is one or two small writes per counted event (a failed login, a name search, a token request),
which is small beside the audit event those same requests already append.

A window is fixed (e.g. 10:00-10:15): at most twice the limit can pass around a window's edge, which is
enough to stop a script and never blocks anyone for longer than one window.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from karpear.core.models import RateCounter

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Rows of windows that ended this long ago are deleted when a new window starts.
KEEP = dt.timedelta(days=8)  # longer than any window a setting may ask for (at most 7 days)


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


def parse_rate(value: str) -> Rate:
    """ "20/minute", "30/10m", "100/h": a count and a window (s, m, h or d, optionally with a number)."""
    try:
        count, _sep, period = value.replace(" ", "").partition("/")
        digits = "".join(ch for ch in period if ch.isdigit())
        unit = period[len(digits) :][:1].lower()
        rate = Rate(int(count), int(digits or 1) * _UNITS[unit])
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{value!r} is not a rate such as 20/minute or 30/10m") from exc
    if rate.limit < 1:
        raise ImproperlyConfigured(f"{value!r}: the count must be at least 1")
    return rate


def _window(seconds: int, now: dt.datetime | None = None) -> tuple[dt.datetime, int]:
    """The start of the current window and the seconds left in it."""
    now = now or timezone.now()
    epoch = int(now.timestamp())
    start = epoch - epoch % seconds
    return dt.datetime.fromtimestamp(start, tz=dt.UTC), start + seconds - epoch


def _increment(key: str, start: dt.datetime) -> int | None:
    """Add one to an existing window's count in one statement (UPDATE … RETURNING, PostgreSQL and SQLite ≥ 3.35);
    None when the window has no row yet."""
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "count" = "count" + 1 WHERE "key" = %s AND "window_start" = %s RETURNING "count"',  # noqa: S608
            [key, connection.ops.adapt_datetimefield_value(start)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def hit(key: str, *, seconds: int) -> int:
    """Count one event for `key` in the current window; returns the window's count including this one.

    The usual case (the window has begun) is one statement: a name search pays one small write, not four."""
    start, _left = _window(seconds)
    counted = _increment(key, start)
    if counted is not None:
        return counted
    with transaction.atomic():
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=key, window_start=start, count=1)
        except IntegrityError:  # another process started the window at the same moment
            return _increment(key, start) or 1
        RateCounter.objects.filter(window_start__lt=start - KEEP).delete()
        return 1


def count(key: str, *, seconds: int) -> int:
    start, _left = _window(seconds)
    return RateCounter.objects.filter(key=key, window_start=start).values_list("count", flat=True).first() or 0


def seconds_left(seconds: int) -> int:
    return _window(seconds)[1]


# ---------------------------------------------------------------- failed logins from one address
def _login_window() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _login_key(ip: str | None) -> str:
    return f"login-failure:{ip or 'unknown'}"


def login_failure_counted(ip: str | None) -> None:
    """Count a failed login (any user name) from this address."""
    hit(_login_key(ip), seconds=_login_window())


def login_address_wait(ip: str | None) -> int:
    """Seconds until this address may try to log in again; 0 while it is under the limit.

    Stops password spraying: many user names, few passwords each, which no per-account lockout sees.
    """
    window = _login_window()
    if count(_login_key(ip), seconds=window) < settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return 0
    return seconds_left(window)


def minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def address_refused_message(seconds: int) -> str:
    from django.utils.translation import ngettext

    from karpear.core.templatetags.karpear import local_digits

    wait = minutes(seconds)
    return ngettext(
        "Too many failed logins from your network. Please wait %(m)s minute and try again.",
        "Too many failed logins from your network. Please wait %(m)s minutes and try again.",
        wait,
    ) % {"m": local_digits(wait)}


def name_search_refused_message(seconds: int) -> str:
    from django.utils.translation import ngettext

    from karpear.core.templatetags.karpear import local_digits

    wait = minutes(seconds)
    return ngettext(
        "You have searched by name many times in a short while. Please wait %(m)s minute, or search by case number.",
        "You have searched by name many times in a short while. Please wait %(m)s minutes, or search by case number.",
        wait,
    ) % {"m": local_digits(wait)}
