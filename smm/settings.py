"""SMM settings: one module, every knob read from the environment with strict parsing.

Embedded default (nothing set): SQLite and kombu's filesystem transport under var/,
DEBUG on, sandbox network enabled. Production: DEBUG=false, DATABASE_URL, REDIS_URL,
SECRET_KEY and FIELD_ENCRYPTION_KEYS set; the default, the example and a weak secret key
are refused, and so is a malformed encryption key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SMM_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_database_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:///relative/path or sqlite:////absolute/path
        name = path[1:] if path.startswith("/") else path
        if not Path(name).is_absolute():
            name = str(BASE_DIR / name)
        # The embedded run has web, worker and beat writing at once: WAL lets readers
        # proceed during a write, and IMMEDIATE transactions take the write lock up front
        # (a deferred one that upgrades mid-way fails at once with "database is locked").
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "postgres",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
            "TEST": {"NAME": env_str("TEST_DATABASE_NAME") or None},
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres:// or sqlite://)")


TESTING = "pytest" in sys.modules or env_bool("SMM_TESTING", False)
DEBUG = env_bool("DEBUG", True)
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
# The value .env.example ships with: a copied .env that was not filled in.
EXAMPLE_SECRET_KEY = "change-me-to-a-long-random-string"
NEW_SECRET_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'
NEW_FERNET_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` cannot sign production sessions, or None. The length and variety rule is
    Django's own (check --deploy, security.W009), refused here instead of warned about."""
    if key == DEFAULT_SECRET_KEY:
        return "SECRET_KEY must be set in production (DEBUG=false)"
    if key == EXAMPLE_SECRET_KEY:
        return "SECRET_KEY is still the example value from .env.example"
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        return f"SECRET_KEY is too weak ({len(key)} characters, {len(set(key))} different; at least 50 and 5)"
    return None


def fernet_key_problem(keys: list[str]) -> str | None:
    """Why FIELD_ENCRYPTION_KEYS cannot encrypt, or None; names a bad key by its place, never its value."""
    from cryptography.fernet import Fernet

    for place, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return (
                f"FIELD_ENCRYPTION_KEYS: key {place} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes, 44 characters ending in '=')"
            )
    return None


SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
if not DEBUG and (_problem := secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(f"{_problem}. Generate one with: {NEW_SECRET_KEY}")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# The sandbox network (sandbox/) is for the demo, tests and benchmarks only.
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", DEBUG)
# Faults the sandbox injects into its API (read per request; see sandbox/faults.py for the keys).
SANDBOX_FAULTS: dict = {}


def _private_outbound() -> bool | str:
    """SSRF guard of outbound requests (smm/platforms/http.py): false reaches public addresses
    only (production's default); "loopback" this machine too (development's default: the
    sandbox network is on 127.0.0.1; the log says so once); true any address (a Mastodon on
    the office network; the tests, whose replayed hosts have no DNS)."""
    if env_str("ALLOW_PRIVATE_OUTBOUND").strip().lower() == "loopback":
        return "loopback"
    return env_bool("ALLOW_PRIVATE_OUTBOUND", True if TESTING else "loopback" if DEBUG else False)


ALLOW_PRIVATE_OUTBOUND = _private_outbound()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "smm",
    "posts",
    "content_calendar",
    "analytics",
    "inbox",
    "links",  # tracked short links, UTM presets, the click log
    "listening",  # monitors, the Jetstream consumer, mentions, spike alerts
    "recurring",  # repeating series and evergreen categories (over posts)
    "api",  # above the feature apps: the REST API over all of them
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "smm.health.HealthzFirst",  # before the HTTPS redirect and the host check (smm/health.py)
    "django.middleware.security.SecurityMiddleware",
    # Before the session lookup: a NUL byte in any input is a 400, not a database error.
    "smm.request_input.RequestInputGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "smm.middleware.UserTimezoneMiddleware",
    "smm.first_run.SetupRequiredMiddleware",  # while nobody exists, pages lead to /setup/
    # With DEBUG on (the demo), our 404/500 pages instead of Django's URL list and traceback.
    "smm.site_pages.ProductErrorPages",
]

# Short links (links/): answered first, before sessions and CSRF (no cookie, no session).
_sessions = MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
MIDDLEWARE.insert(_sessions, "links.middleware.ShortLinksFirst")

# Django's debug 404/500 pages (every URL pattern, the traceback, settings) are for a
# developer who asks: DEBUG_PAGES=true. Without it, DEBUG on still shows the product's pages.
DEBUG_PAGES = env_bool("DEBUG_PAGES", False)

if not DEBUG:
    # runserver serves static files in development; WhiteNoise does it in production.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "smm.urls"
WSGI_APPLICATION = "smm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "smm.context_processors.navigation",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'smm.sqlite3'}")
DATABASES = {"default": parse_database_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Without timeouts a Redis that stops answering (rather than refusing) would hang
            # every request that counts a rate limit; with them the API fails open in seconds.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/pico", BASE_DIR / "node_modules" / "@picocss" / "pico" / "css"),
    ("vendor/fullcalendar", BASE_DIR / "node_modules" / "fullcalendar"),
    ("vendor/fullcalendar-luxon3", BASE_DIR / "node_modules" / "@fullcalendar" / "luxon3"),
    ("vendor/luxon", BASE_DIR / "node_modules" / "luxon" / "build" / "global"),
    # plotly.js: npm's partial "cartesian" bundle (1.5 MB, 0.5 MB gzip) has every trace type
    # analytics/charts.py draws (bar, scatter, heatmap); the full bundle is 4.8 MB (1.5 MB gzip).
    ("vendor/plotly", BASE_DIR / "node_modules" / "plotly.js-cartesian-dist-min"),
]
PLOTLY_JS = "vendor/plotly/plotly-cartesian.min.js"
# Single files where a package's folder holds more than the pages load (smm/vendor_static.py):
# tus-js-client's dist has a 1.5 MB browser test bundle beside the client.
_TUS_DIST = BASE_DIR / "node_modules" / "tus-js-client" / "dist"
VENDOR_STATIC_FILES = {
    "vendor/tus/tus.min.js": _TUS_DIST / "tus.min.js",
    "vendor/tus/tus.min.js.map": _TUS_DIST / "tus.min.js.map",  # named by the bundle's last line
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "smm.vendor_static.VendorFileFinder",
]
# bench/page_weight.py's baseline only: the full bundle (an npm devDependency, absent from
# the production image) in its place.
if env_bool("BENCH_FULL_PLOTLY", False):
    STATICFILES_DIRS.append(("vendor/plotly-full", BASE_DIR / "node_modules" / "plotly.js-dist-min"))
    PLOTLY_JS = "vendor/plotly-full/plotly.min.js"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Production (WhiteNoise, DEBUG off): collectstatic writes each file under a name with its
# content's hash, plus a .gz copy; WhiteNoise answers gzip to a browser that accepts it,
# with "Cache-Control: max-age=315360000, public, immutable" for the hashed names (a new
# version is a new URL); unhashed names: 60 s. No brotli (.br) copies: with the `brotli`
# package installed WhiteNoise compresses every collected file at brotli's slowest level,
# minutes of collectstatic for 17 % less on the plotly bundle (bench/README.md, page weight).
# Under `make run` (DEBUG) runserver serves the source files uncompressed, uncached.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads: most pixels an image may decode to, all frames of an animation together, counted
# from the file's structure before decoding (posts/media.py). 100 million (90 frames of
# 1000 x 1000, 430 of 480 x 480) is past what the networks take for a GIF, and 1 to 3 s of
# a web worker's CPU to re-encode; memory follows one frame, whatever the count.
MEDIA_MAX_DECODED_PIXELS = env_int("MEDIA_MAX_DECODED_PIXELS", 100_000_000)
# Largest video a resumable (tus) upload may announce, in bytes (posts/uploads.py).
MEDIA_MAX_VIDEO_BYTES = env_int("MEDIA_MAX_VIDEO_BYTES", 1_073_741_824)
# Bulk import (posts/bulk.py): the largest file and the most rows at a time, and how many
# images one file may have fetched by address (each one a download and a re-encode).
BULK_IMPORT_MAX_BYTES = env_int("BULK_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
BULK_IMPORT_MAX_ROWS = env_int("BULK_IMPORT_MAX_ROWS", 10_000)
BULK_IMPORT_MAX_MEDIA_URLS = env_int("BULK_IMPORT_MAX_MEDIA_URLS", 200)

# Secrets at rest: comma-separated Fernet keys, newest first (MultiFernet rotation).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS must be set in production (DEBUG=false). Generate one with: {NEW_FERNET_KEY}"
        )
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]
elif _problem := fernet_key_problem(FIELD_ENCRYPTION_KEYS):
    # Refused at start in every mode: otherwise the first stored token would fail, far from here.
    raise ImproperlyConfigured(f"{_problem}. Generate one with: {NEW_FERNET_KEY}")

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SMM <smm@localhost>")

# PDF reports (analytics/pdf.py): each is a headless Chromium of a few hundred MB. At most
# this many at once per workspace and on the installation; over the installation's bound a
# request waits up to PDF_EXPORT_WAIT_SECONDS for a place, then is asked to try again.
PDF_EXPORTS_PER_WORKSPACE = env_int("PDF_EXPORTS_PER_WORKSPACE", 1)
PDF_EXPORTS_TOTAL = env_int("PDF_EXPORTS_TOTAL", 2)
PDF_EXPORT_WAIT_SECONDS = env_int("PDF_EXPORT_WAIT_SECONDS", 10)

# Celery: the database is the source of truth; the broker only carries wake-ups.
# The filesystem transport needs no host, but kombu warns in every process, now and then,
# when the address has none.
EMBEDDED_BROKER_URL = "filesystem://localhost//"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = EMBEDDED_BROKER_URL
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes every database connection before and after each task
# unless this is set: a new PostgreSQL backend (fork, authentication, session setup) per
# publish. With it, smm/celery.py applies Django's own rule instead, as for a web request:
# a connection lives CONN_MAX_AGE seconds and is dropped when broken.
CELERY_DB_REUSE_MAX = 2**31
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_TASK_ROUTES: dict = {}
# Every queue a worker of the embedded run consumes; production runs one worker pool per
# queue so metric pulls never delay publishing.
WORKER_QUEUES = ["publish", "default", "metrics", "inbox", "webhooks", "media"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Publishing engine timings (posts/publishing.py); tests and benchmarks shorten them.
PUBLISH_TIMINGS = {  # seconds; env PUBLISH_LEASE, PUBLISH_QUEUE_LEASE, PUBLISH_SWEEP, PUBLISH_RETRY_BASE, ..._CAP
    key: env_int(f"PUBLISH_{key.upper()}", default)
    for key, default in {"lease": 150, "queue_lease": 120, "sweep": 15, "retry_base": 30, "retry_cap": 1800}.items()
}
# A video conversion (posts/transcode.py) with no heartbeat for this long (seconds) was
# abandoned by its worker: the beat task sends it again. Tests shorten it.
TRANSCODE_STUCK_AFTER = env_int("TRANSCODE_STUCK_AFTER", 600)

# OAuth client registrations per network (empty: that network cannot be connected).
PLATFORM_APPS = {
    network: {
        "client_id": env_str(f"{network.upper()}_CLIENT_ID"),
        "client_secret": env_str(f"{network.upper()}_CLIENT_SECRET"),
    }
    for network in ("x", "linkedin", "facebook", "instagram", "threads", "tiktok", "youtube", "pinterest")
}

# TikTok fetches videos and photos from this site's URLs (PULL_FROM_URL) only when the
# domain is verified for the TikTok app in its developer portal; off: videos are uploaded.
TIKTOK_PULL_FROM_URL = env_bool("TIKTOK_PULL_FROM_URL", False)

# Meta (Facebook/Instagram) webhooks: the token of the subscription handshake and the
# app secret that signs every delivery (X-Hub-Signature-256).
META_WEBHOOK_VERIFY_TOKEN = env_str("META_WEBHOOK_VERIFY_TOKEN")
META_APP_SECRET = env_str("META_APP_SECRET")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Quiet by default, useful when asked (LOG_LEVEL=DEBUG). One handler, on the root: every
# record is printed once.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
# Celery writes three lines per task (beat sent it, the worker received it, it succeeded):
# with the dispatcher's tick every second, three lines a second. Shown with LOG_LEVEL=DEBUG;
# a failed task is an error and always shown.
_CELERY_TASK_LINES = "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_without_traceback": {"()": "smm.log_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's default logging gives "django" a console handler of its own, which also
        # propagates to ours: every request warning was printed twice.
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["client_errors_without_traceback"]},
        **{
            name: {"level": _CELERY_TASK_LINES}
            for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace")
        },
    },
}
# The console email backend prints each email; in a worker Celery turns that print into a
# WARNING. An email in the demo is not a warning.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"

# The public REST API (api/): tokens or session (+CSRF), cursor pages, per-token rate limits.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_RATE_LIMIT", "600/min")},
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SMM API",
    "DESCRIPTION": (
        "Plan, schedule and measure social media posts. Authenticate with `Authorization: Bearer <token>` "
        "(create a token under API & webhooks in a workspace)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "ENUM_NAME_OVERRIDES": {"TargetStateEnum": "posts.models.TargetState", "PostStatusEnum": "posts.models.PostStatus"},
}
# Outgoing webhooks: deliveries due for a retry are picked up by this tick (smm/tasks.py; the
# task keeps its old name so queued messages still resolve).
CELERY_BEAT_SCHEDULE["smm.webhooks.retry"] = {
    "task": "smm.api.tasks.send_due_webhooks",
    "schedule": 30.0,
    "options": {"queue": "webhooks", "expires": 25},
}

# --- Security (smm/security.py): CSP, login lockout, two-factor, ops monitoring token ------
# Content Security Policy (django-csp). Scripts only from this origin or with the request's
# nonce; <style> elements likewise (htmx and FullCalendar inject theirs with the nonce).
# Style *attributes* cannot carry a nonce, so style-src-attr allows them: they cannot run
# script, and without selectors they cannot read the page. No 'unsafe-eval' anywhere.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
INSTALLED_APPS += ["csp", "axes", "django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
_after_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE.insert(_after_auth, "django_otp.middleware.OTPMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes requires
TEMPLATES[0]["OPTIONS"]["context_processors"].append("csp.context_processors.nonce")
# Login throttling: 5 failures for one username from one address lock that pair out for
# 15 minutes. Counted in the database, not the cache: logging in must not depend on Redis
# (a cache outage would otherwise lock everybody out or, failing open, nobody), and a
# lockout survives a Redis restart. One row per failing pair; successes delete it.
AUTHENTICATION_BACKENDS = ["smm.security.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_DISABLE_ACCESS_LOG = True  # a row per successful login, kept forever, read by nobody
# The address behind our own proxies (smm/proxies.py), for the lockout and the API's limits.
AXES_CLIENT_IP_CALLABLE = "smm.proxies.client_address"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "SMM"
# Password reset links (smm/password_reset.py): asked per client address per hour (then a
# visible wait), and emailed per account per hour (then silently not, so nobody learns
# whether an address has an account and nobody's inbox is flooded).
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10)
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env_int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", 3)
# Monitoring: GET /ops/status.json with "Authorization: Bearer <OPS_STATUS_TOKEN>" (empty: off).
OPS_STATUS_TOKEN = env_str("OPS_STATUS_TOKEN")
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # lockouts are warnings; every login reset is not news
# Reverse proxies in front of the app (comma-separated addresses or CIDRs, e.g.
# "10.0.0.0/8,172.16.0.0/12"). Empty: REMOTE_ADDR is the client and X-Forwarded-For is
# ignored (anyone can write it). Only a request from one of these has its header read.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
try:
    import ipaddress as _ipaddress

    for _proxy in TRUSTED_PROXIES:
        _ipaddress.ip_network(_proxy, strict=False)
except ValueError as _error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_error} (use addresses or CIDRs, comma-separated)") from None
# Failed API authentication (a wrong, revoked or expired token) per client address: after
# this many in the window (seconds), that address gets 429 until the count decays.
API_AUTH_FAILURE_LIMIT = env_int("API_AUTH_FAILURE_LIMIT", 30)
API_AUTH_FAILURE_WINDOW = env_int("API_AUTH_FAILURE_WINDOW", 600)
# Operations (smm/operations.py): a heartbeat task sent to each queue every 30 s (the worker
# that takes it proves the queue is served), and the alert check every minute.
for _queue in WORKER_QUEUES:
    CELERY_BEAT_SCHEDULE[f"smm.heartbeat.{_queue}"] = {
        "task": "smm.tasks.heartbeat",
        "schedule": 30.0,
        "args": (_queue,),
        "options": {"queue": _queue, "expires": 30},
    }
CELERY_BEAT_SCHEDULE["smm.operations_alerts"] = {
    "task": "smm.tasks.operations_alerts",
    "schedule": 60.0,
    "options": {"queue": "default", "expires": 55},
}

# --- Tracked short links (links/) ----------------------------------------------------------------
# Served at /<SHORT_LINK_PREFIX>/<code> on this site; SHORT_LINK_DOMAIN (a host, or a URL
# with its scheme) builds the published short URLs on another name pointing at this app
# instead of SITE_URL (it is added to ALLOWED_HOSTS).
SHORT_LINK_PREFIX = env_str("SHORT_LINK_PREFIX", "l").strip("/") or "l"
SHORT_LINK_DOMAIN = env_str("SHORT_LINK_DOMAIN", "")
if SHORT_LINK_DOMAIN:
    _short_host = urlsplit(SHORT_LINK_DOMAIN if "://" in SHORT_LINK_DOMAIN else f"//{SHORT_LINK_DOMAIN}").hostname
    if _short_host and _short_host not in ALLOWED_HOSTS and "*" not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_short_host)
# Clicks are buffered in this Redis list and drained into the database in batches (empty:
# written straight to the database, as in the embedded run).
CLICK_BUFFER_URL = env_str("CLICK_BUFFER_URL", REDIS_URL)
# The daily salt of the visitor hash is derived from this secret (default SECRET_KEY) and
# the date; addresses are never stored.
LINKS_VISITOR_SECRET = env_str("LINKS_VISITOR_SECRET", "")
# A local MaxMind country (or city) database for the click's country; empty: no country.
GEOIP_COUNTRY_DB = env_str("GEOIP_COUNTRY_DB", "")

# --- Listening (listening/) --------------------------------------------------------------------------
# The Jetstream endpoint the listen_jetstream consumer reads (Bluesky's public one in
# production; with the sandbox, the sandbox's own stream served by `manage.py sandbox_jetstream`).
SANDBOX_JETSTREAM_PORT = env_int("SANDBOX_JETSTREAM_PORT", 8765)
JETSTREAM_URL = env_str(
    "JETSTREAM_URL",
    f"ws://127.0.0.1:{SANDBOX_JETSTREAM_PORT}/subscribe"
    if SANDBOX_ENABLED
    else "wss://jetstream2.us-east.bsky.network/subscribe",
)
# Spike alerts: the windows checked (minutes), and how far back each one's baseline reaches
# (minutes -> hours; 24 h where not named). bench/listening.py may shorten the first window.
LISTENING_SPIKE_WINDOWS = [int(m) for m in env_list("LISTENING_SPIKE_WINDOWS", ["10", "60"])]
LISTENING_BASELINE_HOURS = {10: 24, 60: 24 * 7}
