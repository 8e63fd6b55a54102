"""Settings for Opt-Out Tracker, read from the environment (see docs/configuration.md).

Every variable has a safe default for a developer's machine except SECRET_KEY,
which production (DEBUG off) must provide before it serves anything. A malformed
value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from dotenv import load_dotenv

from config.env import env_bool, env_choice, env_int, env_list, env_str, env_time_of_day

BASE_DIR = Path(__file__).resolve().parent.parent

# A developer's variables may live in a .env file (`make run` writes one with
# DEBUG on and a random key). Real environment variables always win; ENV_FILE
# names another file, or is empty to read none (the test run does that).
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    load_dotenv(_env_file, override=False)

DEBUG = env_bool("DEBUG", False)

_secret_key = env_str("SECRET_KEY")
if not _secret_key and DEBUG:
    _secret_key = "development-only-insecure-key-do-not-use-in-production"
#: Empty in production when none is given. Commands that sign nothing (makemigrations,
#: migrate, the lint step) still run; serving refuses to start without it
#: (config/wsgi.py and config/asgi.py, which runserver loads too).
SECRET_KEY = _secret_key

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Cross-origin reads of the API from the sites in CORS_ALLOWED_ORIGINS.
    "corsheaders",
    # Shared admin templates (the typed filter, the bounded date drill-down); no models.
    "core",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # The queue of background tasks, in the database (settings.TASKS, run_worker).
    "django_tasks_db",
    "axes",
    "jurisdictions",
    "tracker",
    # Email received (uploaded, read from the mailbox, piped by a mail server) and filed.
    "inbox",
    # Letters drafted from templates and sent by email (outbox/).
    "outbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, as django-cors-headers asks: answers an API preflight (OPTIONS) itself,
    # before anything could refuse it with a 401, and adds the CORS headers to answers.
    "corsheaders.middleware.CorsMiddleware",
    # A lost database connection is a 503 with Retry-After, not a server error.
    "core.outages.DatabaseUnavailableMiddleware",
    # A body larger than anything accepted is a 413 before it is read.
    "core.limits.RequestSizeLimitMiddleware",
    # A NUL byte in the address or the query string is a 404 or a 400, never a 500.
    "core.inputs.RefuseNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session, before anything that renders: picks the reader's language from
    # the language cookie (the switch on every page), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: refuses sign-ins from a locked-out account or address.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------
_database_url = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
except Exception as error:  # dj-database-url raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL={_database_url!r} is not usable: {error}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        # IMMEDIATE takes the write lock at the start of a transaction, so two
        # writers queue up instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not the in-memory default: tests with several threads need real
    # locking. One file per test process, so parallel runs never share one.
    _database["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"opt-out-tracker-test-{os.getpid()}.sqlite3")
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Backups (`manage.py backup`) dump records as JSON that keeps times to the microsecond.
SERIALIZATION_MODULES = {"exactjson": "core.serialization"}

# --- Cache and sessions ----------------------------------------------------------
# Without REDIS_URL each process keeps its own cache, so the per-minute limits
# (core/throttling.py) count per process. With it, every web process on every machine
# shares one count, and sessions are cached there (and kept in the database too, so a
# Redis restart signs no one out).
REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "opt-out-tracker") or "",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Auth ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Sign-in protection (django-axes): after SIGN_IN_FAILURE_LIMIT wrong passwords for one
# account, or from one address, signing in is refused for SIGN_IN_LOCKOUT_MINUTES
# (429 with Retry-After), before any password is checked. Staff pages and the admin
# share the one sign-in. Its backend must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.signin.locked_out"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The languages a reader can choose; the catalogue lives in locale/ (docs/translations.md).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "America/New_York") or "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
# Uploaded attachments are never served from a public URL: they are downloaded
# through views that check the reader's permission. MEDIA_URL is not routed.
MEDIA_URL = "/media-not-served/"
# Attachments on this machine's disk (MEDIA_ROOT), or with ATTACHMENT_STORAGE=s3 in an
# S3-compatible bucket that every web process on every machine shares (django-storages).
ATTACHMENT_STORAGE = env_choice("ATTACHMENT_STORAGE", "local", {"local", "s3"})
_attachment_storage: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if ATTACHMENT_STORAGE == "s3":
    _attachment_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET") or "",
            # Empty for Amazon S3 itself; the address of MinIO, Garage, Ceph, R2...
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY") or None,
            "location": env_str("S3_PREFIX", "attachments") or "",
            # Never a public URL: files are downloaded through views that check rights.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if not _attachment_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("ATTACHMENT_STORAGE=s3 needs S3_BUCKET.")
STORAGES = {
    "default": _attachment_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_PERMISSIONS = 0o640
TRACKER_ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Any body larger than the largest attachment with its form is refused before it is
# read (core/limits.py).
REQUEST_MAX_BYTES = env_int(
    "REQUEST_MAX_BYTES", TRACKER_ATTACHMENT_MAX_BYTES + 1024 * 1024, minimum=1024
)

# --- Deadlines -------------------------------------------------------------------
TRACKER_DEFAULT_REPLY_WINDOW_DAYS = env_int("REPLY_WINDOW_DAYS", 30, minimum=1, maximum=365)
TRACKER_DEFAULT_REPLY_WINDOW_KIND = env_choice(
    "REPLY_WINDOW_KIND", "calendar", {"calendar", "business"}
)

# --- Background tasks (django.tasks) -------------------------------------------------
# Tasks are queued in the database and run by `manage.py run_worker` (core/background.py);
# "immediate" runs each in the process that enqueues it, with no worker (the test run).
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", {"database", "immediate"})
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASKS_BACKEND == "database"
            else "django.tasks.backends.immediate.ImmediateBackend"
        )
    }
}
# A failed task runs again after TASK_RETRY_BACKOFF_SECONDS, doubled each time, until
# TASK_RETRY_ATTEMPTS attempts have failed (every attempt is listed in the admin).
TASK_RETRY_ATTEMPTS = env_int("TASK_RETRY_ATTEMPTS", 5, minimum=1, maximum=20)
TASK_RETRY_BACKOFF_SECONDS = env_int("TASK_RETRY_BACKOFF_SECONDS", 60, minimum=1)
# Finished task results (and schedule claims) are deleted after this many days.
TASK_RESULTS_KEEP_DAYS = env_int("TASK_RESULTS_KEEP_DAYS", 14, minimum=1)
# The readiness check (/readyz) wants a worker seen within this many seconds.
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 120, minimum=15)
# The jobs on a clock (core/schedule.py): enqueued once per slot, however many
# schedulers run. Times are local (TIME_ZONE).
TASK_SCHEDULE: dict[str, dict[str, Any]] = {
    "send-reminders": {
        "task": "tracker.domain.tasks.send_reminders_task",
        "daily_at": env_time_of_day("REMINDERS_AT", "07:00"),
    },
    "prune-task-results": {
        "task": "core.background.prune_task_results",
        "daily_at": "03:30",
    },
    # Messages whose next attempt is due (a retry, or one whose worker was lost).
    "send-webhooks": {
        "task": "core.webhooks.send_due_webhooks_task",
        "every_minutes": 1,
    },
    # A letter whose reply became overdue, announced once to the webhooks.
    "announce-overdue-replies": {
        "task": "tracker.domain.tasks.announce_overdue_replies_task",
        "every_minutes": 60,
    },
    # The national map and the charts drawn anew after a change, before a visitor asks
    # (tracker/visuals.py): nothing is drawn in a minute without changes.
    "warm-drawings": {
        "task": "tracker.visuals.warm_drawings_task",
        "every_minutes": env_int("WARM_DRAWINGS_EVERY_MINUTES", 1, minimum=1, maximum=60),
    },
    # Letters queued for sending by email whose attempt is due (a retry after a refusal
    # for now), and those a lost worker left half-sent (outbox/sending.py).
    "send-letters": {
        "task": "outbox.sending.send_due_drafts_task",
        "every_minutes": 1,
    },
}
# Whether a map or chart drawn before the latest change is served (marked so) while the
# worker draws it anew. Unset: when the worker's drawings reach the web processes
# (REDIS_URL set, or tasks run in the web process); otherwise pages are drawn anew.
VISUALS_REDRAW_IN_BACKGROUND = (
    env_bool("VISUALS_REDRAW_IN_BACKGROUND", False)
    if env_str("VISUALS_REDRAW_IN_BACKGROUND")
    else None
)

# --- Webhooks (core/webhooks.py) ------------------------------------------------------
# A subscription's address may name a private, loopback or link-local host only when
# this is on (a development machine, the tests); refused otherwise, when it is saved
# and again when each message is sent.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", DEBUG)
# How long the worker waits for a subscriber's answer.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5, minimum=1, maximum=30)
# A message not answered with a 2xx is sent again after WEBHOOK_RETRY_BACKOFF_SECONDS,
# doubled each time, until WEBHOOK_MAX_ATTEMPTS attempts have failed.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=20)
WEBHOOK_RETRY_BACKOFF_SECONDS = env_int("WEBHOOK_RETRY_BACKOFF_SECONDS", 30, minimum=1)
# Messages are kept in the delivery log this many days.
WEBHOOK_DELIVERIES_KEEP_DAYS = env_int("WEBHOOK_DELIVERIES_KEEP_DAYS", 30, minimum=1)

# --- Email -------------------------------------------------------------------------
# Printed to the console while developing; sent over SMTP (EMAIL_HOST...) otherwise.
_email_backend = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
_email_options: dict[str, object] = {}
if _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER", "") or None,
        "password": env_str("EMAIL_HOST_PASSWORD", "") or None,
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT_SECONDS", 30, minimum=1, maximum=300),
    }
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "opt-out-tracker@localhost")
# Replies to notices sent from the tracker come back to this mailbox, plus-addressed
# per request (replies+r12-1a2b3c4d5e@...); see tracker/domain/mail_identity.py.
EMAIL_REPLY_ADDRESS = env_str("EMAIL_REPLY_ADDRESS", "replies@localhost")
# Letters sent from the tracker (outbox/sending.py): a refusal for now (4xx, no
# connection) is tried again after EMAIL_SEND_BACKOFF_SECONDS, doubled each time, until
# EMAIL_SEND_ATTEMPTS attempts have failed; an attempt waits EMAIL_TIMEOUT_SECONDS at most.
EMAIL_SEND_ATTEMPTS = env_int("EMAIL_SEND_ATTEMPTS", 6, minimum=1, maximum=20)
EMAIL_SEND_BACKOFF_SECONDS = env_int("EMAIL_SEND_BACKOFF_SECONDS", 60, minimum=1)
EMAIL_TIMEOUT_SECONDS = env_int("EMAIL_TIMEOUT_SECONDS", 30, minimum=1, maximum=300)

# --- Receiving email (inbox/, docs/email.md) -------------------------------------------
# The mailbox replies arrive in, read over IMAP by the worker every
# INBOX_IMAP_EVERY_MINUTES; unset INBOX_IMAP_HOST: no poll (uploads and the pipe work).
INBOX_IMAP_HOST = env_str("INBOX_IMAP_HOST", "") or ""
INBOX_IMAP_SSL = env_bool("INBOX_IMAP_SSL", True)
INBOX_IMAP_PORT = env_int("INBOX_IMAP_PORT", 993 if INBOX_IMAP_SSL else 143, minimum=1)
INBOX_IMAP_USER = env_str("INBOX_IMAP_USER", "") or ""
INBOX_IMAP_PASSWORD = env_str("INBOX_IMAP_PASSWORD", "") or ""
INBOX_IMAP_FOLDER = env_str("INBOX_IMAP_FOLDER", "INBOX") or "INBOX"
# Where a message is moved once kept; unset: it stays where it is, flagged \Seen.
INBOX_IMAP_DONE_FOLDER = env_str("INBOX_IMAP_DONE_FOLDER", "") or ""
INBOX_IMAP_EVERY_MINUTES = env_int("INBOX_IMAP_EVERY_MINUTES", 5, minimum=1, maximum=60)
INBOX_IMAP_TIMEOUT_SECONDS = env_int("INBOX_IMAP_TIMEOUT_SECONDS", 30, minimum=1)
# A message larger than this is kept by its headers only (three largest attachments).
INBOX_MESSAGE_MAX_BYTES = env_int(
    "INBOX_MESSAGE_MAX_BYTES", 3 * TRACKER_ATTACHMENT_MAX_BYTES, minimum=1024
)
if INBOX_IMAP_HOST:
    TASK_SCHEDULE["poll-mailbox"] = {
        "task": "inbox.tasks.poll_mailbox_task",
        "every_minutes": INBOX_IMAP_EVERY_MINUTES,
    }

# --- Security ----------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a reverse proxy that terminates TLS, trust its X-Forwarded-Proto header so
# links built for people (such as private calendar addresses) use https.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address is the one the proxy saw; without a proxy the header is
    # the client's own claim and is ignored, so no one escapes a lockout by forging it.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token sign-in, slowed down after repeated wrong tokens from one address.
        "tracker.api.throttles.CountedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reading needs the model's view permission too (DRF's own class lets anyone read).
    "DEFAULT_PERMISSION_CLASSES": ["tracker.api.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's parsers; JSON with a bound on nesting (a 400, never a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "tracker.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # DRF's JSON, byte for byte, encoded with orjson (tracker/api/renderers.py); the
    # browsable API for people reading it in a browser.
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.api.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # drf-spectacular's, marking the reads of the public record as open without a token.
    "DEFAULT_SCHEMA_CLASS": "tracker.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    # One error shape for every API error: {"code", "detail", "errors"}.
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
    # Readers without a token are limited (core/throttling.py, ANONYMOUS_API_RATE).
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttles.AnonymousThrottle"],
}
# Requests a minute from one address: readers of the API without a token, public
# searches, and wrong API tokens (answered 429 with Retry-After beyond them).
ANONYMOUS_API_PER_MINUTE = env_int("ANONYMOUS_API_PER_MINUTE", 120, minimum=1)
PUBLIC_SEARCH_PER_MINUTE = env_int("PUBLIC_SEARCH_PER_MINUTE", 30, minimum=1)
WRONG_TOKENS_PER_MINUTE = env_int("WRONG_TOKENS_PER_MINUTE", 10, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "Opt-Out Tracker API",
    "DESCRIPTION": "Opt-out requests, correspondence and statements on Secure Communities.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components: read-only fields stay out of
    # request bodies and files are documented as uploads.
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations named after the resource (``letters_list``, ``requests_transitions_create``),
    # which is what a generated client calls them.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "RequestStateEnum": "tracker.domain.workflow.State",
        "MeetingStatusEnum": "tracker.models.Meeting.Status",
        "ResponseKindEnum": "tracker.models.AgencyResponse.Kind",
        "JurisdictionKindEnum": "jurisdictions.models.Jurisdiction.Kind",
        "AgencyKindEnum": "jurisdictions.models.Agency.Kind",
        "USStateEnum": "jurisdictions.domain.states.USState",
        "InboxMessageStateEnum": "inbox.models.Message.State",
        "EventKindEnum": "tracker.models.Event.Kind",
        "LetterTemplateKindEnum": "outbox.models.TemplateKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.api.schema.one_schema_per_body",
        "tracker.api.schema.refuse_unknown_fields",
        "tracker.api.schema.complete_responses",
        "tracker.api.schema.add_examples",
    ],
}

# --- Cross-origin reads (CORS) ---------------------------------------------------------
# Other sites' pages may read the API from a browser: only the origins listed, only
# under /api/, only GET/HEAD/OPTIONS, and never with the browser's cookies (a token in
# the Authorization header, or none for the public record). Empty: no other site may.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
for _origin in CORS_ALLOWED_ORIGINS:
    if not re.fullmatch(r"https?://[^/\s?#]+", _origin):
        raise ImproperlyConfigured(
            f"CORS_ALLOWED_ORIGINS: {_origin!r} is not an origin: write the scheme and "
            "host (and port) only, e.g. https://coalition.example.org"
        )
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "accept-language", "authorization", "if-none-match")
# What a script on another site may read of an answer besides the simple headers.
CORS_EXPOSE_HEADERS = ("ETag", "Retry-After", "Content-Disposition")
CORS_PREFLIGHT_MAX_AGE = 86400

# --- Logging -----------------------------------------------------------------------
# One line per event on standard error: readable text, or with LOG_FORMAT=json one JSON
# object a line (time, level, logger, message, and the request or task it concerns) for
# a log collector (config/logs.py).
LOG_FORMAT = env_choice("LOG_FORMAT", "text", {"text", "json"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "config.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own messages go through the same handler, once (not also through the
    # plain one Django adds in debug mode).
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
