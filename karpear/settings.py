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


def env_rate(name: str, default: str) -> str:
    """A rate such as 20/minute or 40/10m (a count, then a window in s, m, h or d, at most 7 days)."""
    import re

    value = os.environ.get(name, "").strip() or default
    match = re.fullmatch(r"([1-9][0-9]*)\s*/\s*([0-9]*)\s*([smhd])[a-z]*", value.lower())
    if match is None:
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate such as 20/minute or 40/10m")
    seconds = int(match.group(2) or 1) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(3)]
    if seconds > 7 * 86400:
        raise ImproperlyConfigured(f"{name}={value!r}: the window may be at most 7 days")
    return value


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

# The audit log's key (core.audit): events are authenticated and chained with it, so someone who can write to
# the database but not read this key cannot forge or rewrite them unnoticed. Keep it outside the database and
# its backups (a file named by KARPEAR_AUDIT_KEY_FILE); losing it means old events can no longer be verified.
AUDIT_KEY = env_str("KARPEAR_AUDIT_KEY")
if not AUDIT_KEY:
    if DEBUG or TESTING:
        AUDIT_KEY = "insecure-development-audit-key-" + "x" * 32
    else:
        raise ImproperlyConfigured(
            "KARPEAR_AUDIT_KEY is not set. Set it (better: KARPEAR_AUDIT_KEY_FILE, a file outside the database "
            "and its backups, e.g. made with `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
        )
elif not (DEBUG or TESTING) and len(AUDIT_KEY) < 32:
    raise ImproperlyConfigured("KARPEAR_AUDIT_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("KARPEAR_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("KARPEAR_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, with Karpear's site: staff must have passed the second factor (core/admin_site.py).
    "karpear.core.apps.KarpearAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
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
    "karpear.livelihoods",
    "karpear.protection",
    "karpear.outreach",
    "karpear.matching",
    "karpear.monitoring",
    "karpear.justice",
    # Module apps go here, after core (core's AppConfig.ready() declares what they build on).
]
if TESTING and not env_bool("KARPEAR_WITHOUT_SAMPLE_MODULE", False):
    # A test-only module that proves apps plug into core through its registries (karpear/core/tests/sample_module).
    INSTALLED_APPS.append("karpear.core.tests.sample_module")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what Django renders (HTML, JSON, CSV), last on the way out: after every middleware below has
    # written its headers and the body. WhiteNoise above answers static files itself, pre-compressed.
    "karpear.core.middleware.CompressTextMiddleware",
    # Right after WhiteNoise (which answers static files itself): every answer Django renders is no-store.
    "karpear.core.middleware.NoStoreMiddleware",
    # Public pages the same for every visitor without a session (the safe-migration portal), answered from
    # the cache before the session and everything below it (core.public_cache).
    "karpear.core.public_cache.PublicPageCacheMiddleware",
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
            "builtins": [
                "django.templatetags.i18n",
                "karpear.core.templatetags.karpear",
                "karpear.core.templatetags.offline",
            ],
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
# Password spraying: failed logins from one client address, whatever the user names, within the lockout
# window (KARPEAR_LOGIN_LOCKOUT_MINUTES); beyond this the address may not try again until the window ends.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("KARPEAR_LOGIN_ADDRESS_FAILURE_LIMIT", 10)
# Searches by name (identifying details) per user: a search as you type counts each pause in typing.
NAME_SEARCH_RATE = env_rate("KARPEAR_NAME_SEARCH_RATE", "40/10m")

# A form's or an API client's one-time key is remembered this long (core.idempotency): a submission queued
# on a phone and sent later than this is no longer recognised as sent before.
IDEMPOTENCY_DAYS = env_int("KARPEAR_IDEMPOTENCY_DAYS", 30)

# Export files are deleted this many days after they were made (the job's row and audit events stay).
EXPORT_RETENTION_DAYS = env_int("KARPEAR_EXPORT_RETENTION_DAYS", 7)

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
# Files that identify people (photos): outside the web root and MEDIA_ROOT, never served by the web server,
# read only through views that check access and audit (karpear/core/storage.py).
PRIVATE_MEDIA_ROOT = Path(env_str("KARPEAR_PRIVATE_MEDIA_ROOT", str(ROOT_DIR / "private")))
PHOTO_MAX_BYTES = 5 * 1024 * 1024

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
# Token lifetime in days (0: tokens never expire); anonymous calls (the token endpoint) per client address.
API_TOKEN_DAYS = env_int("KARPEAR_API_TOKEN_DAYS", 90)
API_ANON_RATE = env_rate("KARPEAR_API_ANON_RATE", "20/minute")
# The outreach portal's help requests and tracking-code lookups per client address (its pages and its API).
# Seconds a public page (core.public_cache) is answered from memory; 0 turns it off (as in development and tests).
PUBLIC_PAGE_CACHE_SECONDS = env_int("KARPEAR_PUBLIC_PAGE_CACHE_SECONDS", 0 if (DEBUG or TESTING) else 60)
OUTREACH_SUBMIT_RATE = env_rate("KARPEAR_OUTREACH_SUBMIT_RATE", "5/hour")
OUTREACH_LOOKUP_RATE = env_rate("KARPEAR_OUTREACH_LOOKUP_RATE", "10/10m")
# Request bodies: the largest JSON body in bytes, and how deeply it may nest.
API_MAX_BODY_BYTES = env_int("KARPEAR_API_MAX_BODY_BYTES", 1024 * 1024)
API_MAX_JSON_DEPTH = 20
REST_FRAMEWORK = {
    # Token first: an unauthenticated call then gets 401 with "WWW-Authenticate: Token", not a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "karpear.core.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["karpear.core.api_permissions.IsMember"],
    "DEFAULT_PAGINATION_CLASS": "karpear.core.api_pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "karpear.core.api_schema.AutoSchema",
    # JSON bodies only: partner systems speak JSON, and the schema then has one body per operation (a
    # form or multipart body would be a second and third shape that generated clients cannot use), bounded in
    # size and depth (core.api_parsers).
    "DEFAULT_PARSER_CLASSES": ["karpear.core.api_parsers.JSONParser"],
    "EXCEPTION_HANDLER": "karpear.core.api_errors.exception_handler",
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "karpear.core.api_schema.postprocess",
    ],
    # Choice sets named `kind` in several components: an organisation's keeps its name in the contract.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "karpear.core.models.Organisation.Kind",
        "GroupKindEnum": "karpear.livelihoods.models.groups.Group.Kind",
        "ExitReasonEnum": "karpear.livelihoods.models.groups.GroupMember.Exit",
        "LedgerEntryKindEnum": "karpear.livelihoods.models.savings.LedgerEntry.Kind",
        "BankKindEnum": "karpear.livelihoods.models.banks.Bank.Kind",
        "StockMovementKindEnum": "karpear.livelihoods.models.banks.StockMovement.Kind",
        "MovementWriteKindEnum": "karpear.livelihoods.bank_api.MOVEMENT_KINDS",
        "AnimalEventKindEnum": "karpear.livelihoods.models.banks.AnimalEvent.Kind",
        "AnimalEventWriteKindEnum": "karpear.livelihoods.bank_api.ANIMAL_EVENTS",
        "AnimalSexEnum": "karpear.livelihoods.models.banks.Animal.Sex",
        "SexEnum": "karpear.core.models.Person.Sex",
        "IdentificationStatusEnum": "karpear.protection.models.IdentificationStatus",
        "TraffickingStepKindEnum": "karpear.protection.models.TraffickingEventType",
        "AnimalSpeciesEnum": "karpear.livelihoods.models.banks.Animal.Species",
        "AnimalOriginEnum": "karpear.livelihoods.models.banks.Animal.Origin",
        "AnimalStatusEnum": "karpear.livelihoods.models.banks.Animal.Status",
        "ActivityKindEnum": "karpear.outreach.models.Activity.Kind",
        "HelpRequestStatusEnum": "karpear.outreach.models.HelpRequest.Status",
        "HelpRequestAboutEnum": "karpear.outreach.models.HelpRequest.About",
        "GrievanceStatusEnum": "karpear.outreach.models.Grievance.Status",
        "GrievanceAboutEnum": "karpear.outreach.models.Grievance.About",
        "ChannelEnum": "karpear.outreach.models.Channel",
        "GrievanceLevelEnum": "karpear.outreach.models.Grievance.Level",
        "CourtLevelEnum": "karpear.justice.models.CourtLevel",
        "RepatriationStatusEnum": "karpear.justice.models.RepatriationStatus",
        "AddresseeKindEnum": "karpear.justice.models.AddresseeKind",
        "PartyKindEnum": "karpear.justice.models.PartyKind",
        "EvidenceKindEnum": "karpear.justice.models.EvidenceKind",
        "CostKindEnum": "karpear.justice.models.CostKind",
        "JudgmentOutcomeEnum": "karpear.justice.models.VerdictOutcome",
        "CustodyActionEnum": "karpear.justice.models.CustodyAction",
        "MatchPairStatusEnum": "karpear.matching.models.MatchPair.Status",
        "MatchCheckStatusEnum": "karpear.core.models.ExportJob.Status",
    },
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
