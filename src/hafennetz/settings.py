"""Django settings, driven by environment variables (see .env.example for every variable).

Defaults give a working local platform: embedded SQLite under ./var, console e-mail, DEBUG on.
Set HAFENNETZ_ENV=production for a deployment: DEBUG off, secure cookies, HSTS, SECRET_KEY and
ALLOWED_HOSTS required.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
# Working directory for the embedded database, uploaded files and sent mail; outside the package.
VAR_DIR = Path(os.environ.get("HAFENNETZ_VAR_DIR", Path.cwd() / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "development" (default) or "production".
ENVIRONMENT = os.environ.get("HAFENNETZ_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = _env_bool("DEBUG", not PRODUCTION)

# Required in production; a fixed development key keeps sessions valid across restarts locally.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when HAFENNETZ_ENV=production.")
    SECRET_KEY = "dev-only-insecure-key-hafennetz-do-not-use-in-production"  # noqa: S105

# Comma-separated host names, e.g. "hafennetz.example.org".
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
# Comma-separated origins for CSRF behind a proxy, e.g. "https://hafennetz.example.org".
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    # Two-factor authentication: authenticator apps (TOTP) and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "hafennetz.core",
    "hafennetz.members",
    "hafennetz.meetings",
    "hafennetz.situation",
    "hafennetz.admission",
    "hafennetz.exchange",
    "hafennetz.positions",
    "hafennetz.web",
    # Public API v1 (django-ninja; ADR 0070); "ninja" serves its Swagger UI files.
    "hafennetz.api",
    "ninja",
    # Background work (allocation runs): django-tasks with its database backend; the worker is
    # `hafennetz db_worker` (started by ./scripts/run beside the web server).
    "django_tasks",
    "django_tasks_db",
]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (ADR 0041).
    "csp.middleware.CSPMiddleware",
    "hafennetz.web.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hafennetz.web.middleware.ChosenLanguageMiddleware",
    # /api/: language by Accept-Language, body size limit, problem details for 404/405/500.
    "hafennetz.api.middleware.ApiMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Log out after SESSION_IDLE_TIMEOUT without a request; then demand the second factor
    # where it is required, before any other page.
    "hafennetz.web.middleware.IdleTimeoutMiddleware",
    "hafennetz.web.middleware.TwoFactorMiddleware",
    "hafennetz.core.middleware.AccessDeniedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it inspects the response of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hafennetz.urls"
WSGI_APPLICATION = "hafennetz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hafennetz.web.context_processors.roles",
            ],
        },
    },
]

# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/hafennetz; default: SQLite in VAR_DIR.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'hafennetz.sqlite3'}", conn_max_age=60
    )
}
if os.environ.get("HAFENNETZ_TEST_DB"):
    # Several test runs against one PostgreSQL server need test databases of their own.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["HAFENNETZ_TEST_DB"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several people write at once (ADR 0002): WAL lets readers go on while one writer writes;
    # IMMEDIATE takes the write lock at BEGIN, so a transaction waits for it (timeout, seconds)
    # instead of failing with "database is locked" when it upgrades from read to write;
    # synchronous=NORMAL is safe with WAL (a power cut may lose the last commits, never corrupts).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# After login everyone starts on their own page ("Mein Überblick", hafennetz.web.start).
LOGIN_REDIRECT_URL = "my-overview"
LOGOUT_REDIRECT_URL = "home"

# Password guessing: lock a username+IP pair after AXES_FAILURE_LIMIT failures for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "hafennetz.core.audit.client_address"
# Reverse proxies of our own in front of the application (e.g. 1 for nginx). 0: the client
# address is REMOTE_ADDR. n > 0: the n-th address from the right of X-Forwarded-For, which the
# proxy must set (nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Password reset by e-mail: the link works once and for this long (seconds).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(2 * 60 * 60)))
# Requests for a reset link per e-mail address and per client address within an hour; beyond
# that the same answer is shown but no mail is sent.
PASSWORD_RESET_MAX_PER_ADDRESS = 3
PASSWORD_RESET_MAX_PER_CLIENT = 10

# Two-factor authentication (TOTP) is required for the coordination office and the state
# coordinations; member staff may turn it on. Switch off only for tests and a local demo: a
# production deployment always requires it.
TWO_FACTOR_REQUIRED = PRODUCTION or _env_bool("TWO_FACTOR_REQUIRED", True)
OTP_TOTP_ISSUER = "hafennetz"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Berlin"  # stored in UTC, shown in Berlin time
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
# Uploaded files (practice attachments): never served directly, only through access-checked
# views; names are generated. Back this directory up with the database.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (development, tests) WhiteNoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# E-mail: console by default; EMAIL_BACKEND=file writes to VAR_DIR/mail; SMTP when EMAIL_HOST
# is set (EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "hafennetz <noreply@hafennetz.local>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
elif os.environ.get("EMAIL_BACKEND", "console") == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Invitation links stay valid this many days.
INVITATION_VALID_DAYS = int(os.environ.get("INVITATION_VALID_DAYS", "14"))
# Public base URL for links in e-mails and calendars, e.g. "https://hafennetz.example.org"
# (hafennetz.core.urls.absolute_url). Unset: links use the host of the request that sends them;
# e-mails from scheduled jobs (no request) need it.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
# Lagebild: `hafennetz send_reminders` (daily by cron) e-mails the staff of members without a
# submitted report this many days before a round's deadline (comma-separated, e.g. "7,2").
SITUATION_REMINDER_DAYS = [int(d) for d in _env_list("SITUATION_REMINDER_DAYS", "7,2")]
# Aufnahme: `hafennetz anonymise_households` (daily by cron) anonymises households this many days
# after their reception was confirmed (or after their contingent ended without a placement).
ADMISSION_RETENTION_DAYS = int(os.environ.get("ADMISSION_RETENTION_DAYS", "90"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (default 60 minutes) and at
# the latest SESSION_COOKIE_AGE after the login (8 hours), whichever comes first.
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(60 * 60)))
SESSION_COOKIE_AGE = 60 * 60 * 8
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4, ADR 0041): only this site's own files; no inline
# scripts, no inline event handlers, no eval, no style attributes; nothing may frame the site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Public API (docs/api.md, ADR 0070). Requests per token and per client address within the
# window (seconds), counted in the default cache: set CACHE_URL (e.g. db://api_cache after
# `hafennetz createcachetable`, or memcached/redis) so that several gunicorn workers share the
# count; with the default local-memory cache each worker counts on its own.
API_RATE_LIMIT_WINDOW = int(os.environ.get("API_RATE_LIMIT_WINDOW", "60"))
API_RATE_LIMIT_PER_TOKEN = int(os.environ.get("API_RATE_LIMIT_PER_TOKEN", "120"))
API_RATE_LIMIT_PER_ADDRESS = int(os.environ.get("API_RATE_LIMIT_PER_ADDRESS", "300"))
# Largest request body of the API (bytes); larger ones are answered with 413.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
# Webhooks go to HTTPS URLs of public addresses only; development and tests may also send to
# 127.0.0.1 / ::1 (never in production). An endpoint is switched off after this many
# deliveries in a row failed (each after its retries).
WEBHOOK_ALLOW_LOOPBACK = not PRODUCTION and _env_bool("WEBHOOK_ALLOW_LOOPBACK", True)
WEBHOOK_DISABLE_AFTER = int(os.environ.get("WEBHOOK_DISABLE_AFTER", "5"))
# Public pages served from the cache to visitors who are not logged in (core.public_cache); off
# only to measure the difference (bench/web).
PUBLIC_PAGE_CACHE = _env_bool("PUBLIC_PAGE_CACHE", True)
_CACHE_URL = os.environ.get("CACHE_URL", "")
if _CACHE_URL.startswith("db://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": _CACHE_URL.removeprefix("db://") or "hafennetz_cache",
        }
    }
elif _CACHE_URL.startswith(("memcached://", "pymemcache://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": _CACHE_URL.split("://", 1)[1],
        }
    }
elif _CACHE_URL.startswith("redis://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
