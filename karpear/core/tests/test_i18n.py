"""Every user-facing string has its Khmer translation, and Khmer renders as Khmer (DOMAIN §6)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.template import Context, Template
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
CATALOGUE = ROOT / "karpear" / "locale" / "km" / "LC_MESSAGES" / "django.po"


def _problems(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalogue = read_po(handle, locale="km")
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    return problems


def test_the_committed_khmer_catalogue_is_complete() -> None:
    assert _problems(CATALOGUE) == []


def test_no_string_in_the_code_is_missing_from_the_khmer_catalogue(tmp_path: Path) -> None:
    """Extract the messages afresh into a copy of the tree: nothing new, nothing left untranslated."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed: `make test` installs it (Debian package gettext)")
    copy = tmp_path / "karpear"
    shutil.copytree(ROOT / "karpear", copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {"KARPEAR_DEBUG": "true", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "km", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert _problems(copy / "locale" / "km" / "LC_MESSAGES" / "django.po") == []


def test_khmer_dates_and_digits() -> None:
    template = Template("{{ day|local_date }} · {{ 2026|local_digits }} · {{ 1500|local_number }}")
    day = dt.date(2026, 12, 11)
    with translation.override("km"):
        khmer = template.render(Context({"day": day}))
    with translation.override("en"):
        english = template.render(Context({"day": day}))
    assert khmer == "១១ ធ្នូ ២០២៦ · ២០២៦ · ១,៥០០"  # Babel's km grouping, Khmer digits substituted
    assert english == "11 Dec 2026 · 2026 · 1,500"


def test_khmer_is_the_default_language(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LANGUAGE_CODE = "km"
    response = client.get("/account/login/")
    assert '<html lang="km">' in response.content.decode()
    with translation.override("km"):
        log_in = translation.gettext("Log in")
    assert log_in != "Log in"
    assert log_in in response.content.decode()
