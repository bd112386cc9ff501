"""Settings come from the environment and fail loudly; production settings pass `check --deploy`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION = {
    "PATH": "/usr/bin:/bin",
    "KARPEAR_SECRET_KEY": "a-production-secret-key-that-is-long-enough-0123456789-abcdefghijklmnop",
    "KARPEAR_ALLOWED_HOSTS": "karpear.example.org",
    "DATABASE_URL": "sqlite:////tmp/karpear-deploy-check.sqlite3",
    "KARPEAR_AUDIT_KEY": "a-production-audit-key-that-is-long-enough-0123456789",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_a_missing_secret_key_stops_production() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "KARPEAR_SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "KARPEAR_SECRET_KEY is not set" in result.stderr


def test_a_malformed_boolean_stops_start_up() -> None:
    result = _manage("check", **PRODUCTION, KARPEAR_SECURE_COOKIES="perhaps")
    assert result.returncode != 0
    assert "KARPEAR_SECURE_COOKIES='perhaps' is not a boolean" in result.stderr


def test_a_malformed_number_stops_start_up() -> None:
    result = _manage("check", **PRODUCTION, KARPEAR_SESSION_IDLE_MINUTES="half an hour")
    assert result.returncode != 0
    assert "KARPEAR_SESSION_IDLE_MINUTES='half an hour' is not a whole number" in result.stderr


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s" * 60 + "\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "KARPEAR_SECRET_KEY"}
    result = _manage("check", **env, KARPEAR_SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


def test_production_cookies_are_secure() -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.DEBUG)"
    )
    result = _manage("shell", "--no-imports", "-c", code, **PRODUCTION)
    assert result.stdout.split() == ["True", "True", "True", "31536000", "False"], result.stderr


def test_production_refuses_to_start_without_an_audit_key() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "KARPEAR_AUDIT_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "KARPEAR_AUDIT_KEY is not set" in result.stderr


def test_the_audit_key_can_come_from_a_file(tmp_path: Path) -> None:
    key = tmp_path / "audit.key"
    key.write_text("an-audit-key-from-a-file-0123456789-abcdefghij\n", encoding="utf-8")
    env = {k: v for k, v in PRODUCTION.items() if k != "KARPEAR_AUDIT_KEY"}
    result = _manage("check", **env, KARPEAR_AUDIT_KEY_FILE=str(key))
    assert result.returncode == 0, result.stderr
