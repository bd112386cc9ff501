"""Karpear settings: one module, every value from the environment (see .env.example).

Parsing fails loudly: a malformed value raises ImproperlyConfigured at start-up rather than
running a deployment with a silently wrong setting.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
ROOT_DIR = BASE_DIR.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    """A string; `NAME_FILE` (a path) takes precedence so secrets can come from files."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    """true/false, 1/0, yes/no, on/off; unset or empty means the default (so a copied .env.example is safe)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """Comma-separated; unset or empty means the default."""
    raw = os.environ.get(name, "").strip() or default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("KARPEAR_DEBUG", False)
TESTING = "pytest" in sys.modules or env_bool("KARPEAR_TESTING", False)

SECRET_KEY = env_str("KARPEAR_SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or TESTING:
        # A throw-away key for development and tests only; production must set one.
        SECRET_KEY = "insecure-development-key-" + "x" * 40
    else:
        raise ImproperlyConfigured(
            "KARPEAR_SECRET_KEY is not set. Set it (or KARPEAR_SECRET_KEY_FILE), or set KARPEAR_DEBUG=true "
            "for a local development server."
        )
if not (DEBUG or TESTING) and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("KARPEAR_SECRET_KEY must be at least 50 characters long in production.")

ALLOWED_HOSTS = env_list("KARPEAR_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("KARPEAR_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "django_tasks_db",
    "karpear.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "karpear.core.middleware.MembershipMiddleware",
    "karpear.core.middleware.IdleTimeoutMiddleware",
    "karpear.core.middleware.TwoFactorMiddleware",
    # axes last: it answers locked-out logins itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "karpear.urls"
WSGI_APPLICATION = "karpear.wsgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "karpear.core.context_processors.karpear",
            ],
            "builtins": ["django.templatetags.i18n", "karpear.core.templatetags.karpear"],
        },
    }
]

# ---------------------------------------------------------------- database
# Embedded SQLite by default; DATABASE_URL selects PostgreSQL (postgres://user@host:5432/name).
_default_sqlite = "sqlite:///" + str(ROOT_DIR / "db.sqlite3")
DATABASE_URL = env_str("DATABASE_URL", _default_sqlite)
try:
    # A kept connection is checked before it is reused (one "SELECT 1" per request or worker round), so a
    # connection the server dropped (a restart, a failover, an idle timeout) is replaced instead of failing.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("KARPEAR_DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the task worker write while pages read; a busy timeout instead of "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------- passwords and login
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("KARPEAR_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KARPEAR_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "karpear.core.views_auth.lockout"
AXES_VERBOSE = False
# W006 warns that username-only lockout can be bypassed by rotating user agents; we lock by username,
# which no rotation changes, so a locked account stays locked from every address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_ENABLE_ADMIN = False
# How many reverse proxies stand in front of the app: the client is that many entries from the right of
# X-Forwarded-For (core.middleware.client_ip), for the audit log and for django-axes.
PROXY_COUNT = env_int("KARPEAR_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "karpear.core.middleware.client_ip"

# Idle sessions end after this many minutes without a request.
SESSION_IDLE_MINUTES = env_int("KARPEAR_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

OTP_TOTP_ISSUER = "Karpear"

# ---------------------------------------------------------------- languages
LANGUAGE_CODE = "km"
LANGUAGES = [("km", _("Khmer")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "karpear_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = "Asia/Phnom_Penh"
USE_TZ = True

# ---------------------------------------------------------------- static files
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("KARPEAR_STATIC_ROOT", str(ROOT_DIR / "staticfiles")))
# The project's own static files (CSS, vendored htmx and Khmer font): `karpear` is not an installed app,
# so the app-directories finder does not see karpear/static.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = Path(env_str("KARPEAR_MEDIA_ROOT", str(ROOT_DIR / "media")))

# ---------------------------------------------------------------- security
SECURE_SSL_REDIRECT = env_bool("KARPEAR_SECURE_SSL_REDIRECT", not (DEBUG or TESTING))
SESSION_COOKIE_SECURE = env_bool("KARPEAR_SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("KARPEAR_HSTS_SECONDS", 0 if (DEBUG or TESTING) else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("KARPEAR_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("KARPEAR_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "karpear.core.views.csrf_failure"

# Content Security Policy (Django 6 built-in): no inline script, nothing from another origin.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# ---------------------------------------------------------------- API
REST_FRAMEWORK = {
    # Token first: an unauthenticated call then gets 401 with "WWW-Authenticate: Token", not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["karpear.core.api_permissions.IsMember"],
    "DEFAULT_PAGINATION_CLASS": "karpear.core.api_pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "karpear.core.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("KARPEAR_API_ANON_RATE", "20/minute")},
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Karpear API",
    "DESCRIPTION": "Organisations, programmes, places and people of a counter-trafficking consortium.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# ---------------------------------------------------------------- background tasks
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING and not env_bool("KARPEAR_TASKS_DB", False)
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# ---------------------------------------------------------------- e-mail and logging
if TESTING:
    _mail_backend = "django.core.mail.backends.locmem.EmailBackend"
elif DEBUG:
    _mail_backend = "django.core.mail.backends.console.EmailBackend"
else:
    _mail_backend = "django.core.mail.backends.smtp.EmailBackend"
_mail_backend = env_str("KARPEAR_EMAIL_BACKEND", _mail_backend)
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": _mail_backend}}
if _mail_backend.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("KARPEAR_EMAIL_HOST", "localhost"),
        "port": env_int("KARPEAR_EMAIL_PORT", 25),
        "username": env_str("KARPEAR_EMAIL_USER"),
        "password": env_str("KARPEAR_EMAIL_PASSWORD"),
        "use_tls": env_bool("KARPEAR_EMAIL_TLS", False),
    }
DEFAULT_FROM_EMAIL = env_str("KARPEAR_FROM_EMAIL", "karpear@localhost")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KARPEAR_LOG_LEVEL", "WARNING")},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
