"""Settings, driven by environment variables.

DATABASE_URL  switches from the embedded SQLite file under var/ to PostgreSQL.
REDIS_URL     enables Celery workers and the Redis cache; without it tasks run eagerly.
"""

import contextlib
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("WANGGE_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("WANGGE_DEBUG", False)
PRODUCTION = env_bool("WANGGE_PRODUCTION", False)
VAR_DIR.mkdir(parents=True, exist_ok=True)


def development_secret_key(path: Path) -> str:
    """This checkout's own random key, made on first use and kept in var/ (mode 0600).

    Only for WANGGE_DEBUG=1: a key that ships with the code would sign personal codes that
    anyone can forge.
    """
    if not path.exists():
        # Written aside, then linked into place: two processes starting at once agree on one key.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable key: delete it and a new one is made")
    return key


# Fail closed: outside debug there is no default key. It signs sessions, CSRF tokens and the
# personal codes (wangge/registry/codes.py).
SECRET_KEY = os.environ.get("WANGGE_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG or PRODUCTION:
        raise ImproperlyConfigured(
            "WANGGE_SECRET_KEY is not set. Set it to a long random value (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), or set WANGGE_DEBUG=1 "
            "for development, which keeps a random key of this checkout in var/secret_key."
        )
    SECRET_KEY = development_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = [
    h for h in os.environ.get("WANGGE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("WANGGE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "csp",
    "ninja",
    "axes",
    "wangge.core",
    "wangge.org",
    "wangge.accounts",
    "wangge.audit",
    "wangge.roster",
    "wangge.registry",
    "wangge.testing",
    "wangge.screening",
    "wangge.venues",
    "wangge.inspections",
    "wangge.gatherings",
    "wangge.duty",
    "wangge.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A table's scans and uploads with a bearer token, before the page stack (see the module):
    # JSON answers, so no content security policy to build; only /api/ paths, so no probes.
    "wangge.core.lean.LeanApiMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Probes before the session and the user: /healthz answers while the database is away.
    "wangge.core.health.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wangge.core.middleware.NoStoreMiddleware",
    "wangge.core.reveal.RevealMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wangge.audit.services.AuditContextMiddleware",
    "wangge.core.access.ScopeDeclarationMiddleware",
    "axes.middleware.AxesMiddleware",
    # 503 with Retry-After when a view meets an unavailable database or Redis.
    "wangge.core.unavailable.UnavailableMiddleware",
]

ROOT_URLCONF = "wangge.urls"
WSGI_APPLICATION = "wangge.wsgi.application"

# Every form with Bootstrap's classes (wangge/core/forms_renderer.py), from the project's engine.
FORM_RENDERER = "wangge.core.forms_renderer.BootstrapRenderer"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wangge.core.context_processors.navigation",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        # Health checks: a kept connection that a database restart broke is replaced at the
        # start of the next request, instead of failing it.
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("WANGGE_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    # The check-in's hot statements are prepared on the server (wangge/core/db.py); set 0 behind
    # a pooler that cannot keep prepared statements (PgBouncer in transaction mode).
    WANGGE_DB_PREPARE = env_bool("WANGGE_DB_PREPARE", True)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("WANGGE_SQLITE_PATH", str(VAR_DIR / "wangge.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on
                # busy_timeout instead of one failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # busy_timeout first: even switching to WAL waits for a lock held elsewhere.
                "init_command": (
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and background work ---------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# "shared" holds what every worker process must see alike (the rate limits of the public forms,
# wangge/core/ratelimit.py): Redis when there is one, else a table of the database (made by the
# migration core 0001, or `manage.py createcachetable`) with an atomic increment.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "shared": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wangge"},
        "shared": {
            "BACKEND": "wangge.core.cache.AtomicDatabaseCache",
            "LOCATION": "wangge_shared_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }
# Reverse proxies in front of the application that append the client's address to
# X-Forwarded-For (0: none, REMOTE_ADDR is the client). The public forms' rate limits count per
# client address (wangge/core/ratelimit.py): behind a proxy, set this or every client is one.
WANGGE_PROXY_COUNT = int(os.environ.get("WANGGE_PROXY_COUNT", "0"))
# Notices and alerts (wangge/testing/channels.py): "outbox" keeps them for reading; "http_sms"
# posts them to an SMS gateway; or a dotted path to a Channel class.
WANGGE_NOTICE_CHANNEL = os.environ.get("WANGGE_NOTICE_CHANNEL", "outbox")
WANGGE_SMS_URL = os.environ.get("WANGGE_SMS_URL", "")
WANGGE_SMS_TOKEN = os.environ.get("WANGGE_SMS_TOKEN", "")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "Asia/Shanghai"
# Periodic work, run by `celery -A wangge beat` next to the workers (with REDIS_URL). Without a
# broker (the embedded default) run the same work from cron with its management command:
# `manage.py escalate_overdue_orders` (daily).
CELERY_BEAT_SCHEDULE = {
    "inspections-escalate-overdue-orders": {
        "task": "wangge.inspections.tasks.escalate_overdue_orders",
        "schedule": crontab(hour=8, minute=0),  # each morning, office hours (CELERY_TIMEZONE)
    },
}

# --- auth ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed logins: five per username and address, then locked for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("WANGGE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("WANGGE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = env_bool("WANGGE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- HTTP security -----------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): scripts only from our own static files, or inline with
# the request's nonce (`nonce="{{ request.csp_nonce }}"`); never inline handlers (onclick=...)
# nor eval. Inline styles stay allowed (style attributes, print styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # the service worker (/sw.js) and the web app manifest, both our own
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# WANGGE_PRODUCTION=1: served over HTTPS behind a reverse proxy that terminates TLS and sets
# X-Forwarded-Proto. `manage.py check --deploy` passes with these (see .ci/run).
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("WANGGE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # a load balancer probes over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("WANGGE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WANGGE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("WANGGE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- i18n ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("WANGGE_MANIFEST_STATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# --- logging: no personal data; records carry ids, never names or numbers ----
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # An outage is logged as one line per request, without a traceback (wangge/core/unavailable.py).
    "filters": {"quiet_unavailable": {"()": "wangge.core.unavailable.QuietUnavailable"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["quiet_unavailable"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("WANGGE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "ERROR"}},  # axes would log usernames and addresses
}

WANGGE_PAGE_SIZE = 50
# Lists count at most this many rows, then say "more than …" (wangge/core/paging.py): an exact
# count over a district of a million people costs more than the page itself.
WANGGE_COUNT_CAP = int(os.environ.get("WANGGE_COUNT_CAP", "1000"))
