"""Broadsheet settings: the one place the environment is read.

A bare clone runs with no variables set (DEBUG on, SQLite under var/, local-memory
cache, email printed to the console). With DEBUG off, a missing SECRET_KEY or
ALLOWED_HOSTS stops the process with a message saying what to set. Every variable is
listed in .env.example and in the README.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}."
        ) from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Core ------

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off it is required: set SECRET_KEY to "
            "a long random string (python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off it is required: a comma-separated "
        "list of the host names the site answers on, e.g. news.example.com."
    )

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Whether SITE_URL came from the environment: `manage.py demo --addrport` derives
# it from the address it serves on only when it did not.
SITE_URL_SET = bool(env("SITE_URL"))
SITE_NAME = env("SITE_NAME", "Broadsheet")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "core",  # before django_tasks_db: its db_worker command wraps upstream's
    "django_tasks",
    "django_tasks_db",
    "csp",
    "accounts",
    "articles",
    "comments",
    "newsletter",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the page cache has not already (its pages come compressed):
    # personalised pages, with the random padding that defeats BREACH
    # (docs/deployment.md). Below whitenoise, whose files are compressed at build.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "imports.middleware.LegacyLinkMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# --- Data ------

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, batching bulk writes under the parameter limit that
    # server-side binding (below) brings: see config/postgresql/base.py.
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    # Django's own psycopg 3 pool; CONN_MAX_AGE must stay 0 with it.
    # A sync worker holds one connection, so a wait for the pool is a wait for
    # the database itself: keep it short. While the database is known to be down,
    # connections fail at once and one probe (1 s at most) per
    # DATABASE_RETRY_SECONDS per process looks for its return
    # (config/postgresql/outage.py).
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DATABASE_POOL_MIN", 1),
            "max_size": env_int("DATABASE_POOL_MAX", 4),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 3),
        },
        "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 3),
    }
    # Parameters bound by the server, and statements prepared once a connection has
    # run them DATABASE_PREPARE_THRESHOLD times: PostgreSQL stops parsing and
    # planning the same queries on every request (a comment post: about 40% less
    # database CPU, bench/README.md). Behind a pooler that cannot keep prepared
    # statements (PgBouncer in transaction mode before 1.21), set it to "off".
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
        None
        if env("DATABASE_PREPARE_THRESHOLD").lower() == "off"
        else env_int("DATABASE_PREPARE_THRESHOLD", 5)
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs a task worker beside the web server: WAL and IMMEDIATE
    # transactions let both write without "database is locked".
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DATABASE_RETRY_SECONDS = float(env("DATABASE_RETRY_SECONDS", "2"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env("REDIS_URL")
if not REDIS_URL and not DEBUG:
    # Each gunicorn worker would keep its own cache: a write would refresh one
    # process's pages, and every rate limit would be multiplied by the workers.
    raise ImproperlyConfigured(
        "REDIS_URL is not set. With DEBUG off it is required, e.g. "
        "redis://127.0.0.1:6379/0: the page cache and rate limits are shared by "
        "every process through it."
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache_backends.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "broadsheet"),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "broadsheet",
        }
    }

# Parts of pages that are the same for every reader (the article itself, its
# metadata, related articles), kept by each process and keyed by the page's version
# (articles/views.py): a signed-in reader's page draws only what is theirs.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "broadsheet-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# An import's progress (imports/runs.py) is written by the task worker and read by
# the admin page, two processes: Redis when there is one, else files beside the
# SQLite database (the demo). Uploaded exports hold commenters' addresses: they are
# kept outside MEDIA_ROOT, never served.
CACHES["imports"] = (
    {**CACHES["default"], "KEY_PREFIX": "broadsheet-imports"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "import-progress"),
    }
)
IMPORTS_ROOT = Path(env("IMPORTS_ROOT", str(BASE_DIR / "var" / "imports")))
# Imported articles' images are fetched from the old site (imports/images.py);
# addresses on private networks are refused unless the old site lives on one.
IMPORTS_FETCH_PRIVATE_ADDRESSES = env_bool("IMPORTS_FETCH_PRIVATE_ADDRESSES", False)

# Sessions live in the database; reads go through the cache first (one query saved
# on every signed-in page, and nothing lost if the cache is flushed or down).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Purges of the shared cache (core/edge.py) go to this queue: give it a worker of its
# own that polls often (`db_worker --queue-name edge --interval 0.1`, as compose.yaml
# does) so that a change shows at the edge within a second even while newsletter
# batches keep the other workers busy.
EDGE_PURGE_QUEUE = env("EDGE_PURGE_QUEUE", "default")
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": sorted({"default", EDGE_PURGE_QUEUE}),
    }
}
# The worker (core/management/commands/db_worker.py): a task RUNNING this long has
# lost its worker and is queued again (failed once TASKS_MAX_WORKERS_LOST workers
# died running it); every TASKS_MAINTENANCE_SECONDS each worker looks for such tasks
# and runs the periodic jobs; through a database outage it retries with backoff up
# to TASKS_RECONNECT_MAX_SECONDS between tries.
TASKS_RUNNING_TIMEOUT = env_int("TASKS_RUNNING_TIMEOUT", 600)
TASKS_MAX_WORKERS_LOST = 3
TASKS_MAINTENANCE_SECONDS = float(env("TASKS_MAINTENANCE_SECONDS", "15"))
TASKS_RECONNECT_MAX_SECONDS = 10.0
TASKS_PERIODIC_JOBS = [
    "newsletter.tasks.resume_sends",
    # Scheduled articles coming due change pages without a write: announce them.
    "articles.publishing.announce_due_articles",
    # Moderators coming on or going off duty change every discussion: refresh pages.
    "comments.moderation.rota.announce_window_changes",
    # The weekly community digest is drafted when due (never sent by itself).
    "newsletter.digest.draft_digest_when_due",
]

# --- Accounts (django-allauth) ------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up with a taken address and a reset for an unknown one look exactly like the
# normal case; the address's owner is told by email instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_SESSION_REMEMBER = None  # None: the reader chooses with "Remember me"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True  # "Send me a sign-in code" on the sign-in page
ACCOUNT_CHANGE_EMAIL = True  # one address; a new one replaces it once verified
ACCOUNT_EMAIL_NOTIFICATIONS = True  # "your password/email was changed" emails
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SITE_NAME}: "
ACCOUNT_LOGOUT_REDIRECT_URL = "articles:home"
# allauth's defaults, tightened for a public site where sign-up and reset emails
# cost money and reputation. Counters live in the cache (Redis in production).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "5/m/ip,20/h/ip",
    "reset_password": "10/m/ip,3/10m/key",
    "reset_password_from_key": "20/m/ip",
    "request_login_code": "10/m/ip,3/10m/key",
    "confirm_email": "1/3m/key",
    "manage_email": "10/m/user",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    # The accounts app's own writes, through the same machinery.
    "update_profile": "10/m/user",
    "export_data": "5/h/user",
}
# Behind a proxy every request comes from the proxy's address: count the proxies we
# run so per-IP limits use the reader's address from X-Forwarded-For, not one
# shared bucket for the whole site.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int(
    "TRUSTED_PROXY_COUNT", 1 if env_bool("BEHIND_PROXY", False) else 0
)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Security keys need a secure origin; plain-HTTP development on localhost is allowed.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = SITE_NAME
# What happens to a deleted reader's comments (docs/accounts.md): "placeholder"
# keeps comments that have replies as "[deleted]" so threads still read; "remove"
# deletes every comment, replies and all.
ACCOUNT_DELETION_COMMENTS = env("ACCOUNT_DELETION_COMMENTS", "placeholder")
if ACCOUNT_DELETION_COMMENTS not in {"placeholder", "remove"}:
    raise ImproperlyConfigured(
        "ACCOUNT_DELETION_COMMENTS must be 'placeholder' or 'remove', not "
        f"{ACCOUNT_DELETION_COMMENTS!r}."
    )
# Staff must have two-factor authentication before the admin opens.
MIDDLEWARE += ["accounts.middleware.StaffMFAMiddleware"]
LOGIN_REDIRECT_URL = "articles:home"
LOGIN_URL = "account_login"

# --- Email ------

EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", f"{SITE_NAME} <newsroom@{urlsplit(SITE_URL).hostname}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files ------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names need collectstatic, so development and tests use plain names.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security ------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Strict policy: no inline script or style anywhere, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging ------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Discussion (comments app) ------
# Read through comments/conf.py only (docs/moderation.md explains each one).

COMMENTS_MAX_LENGTH = env_int("COMMENTS_MAX_LENGTH", 5000)
COMMENTS_PAGE_SIZE = env_int("COMMENTS_PAGE_SIZE", 20)
COMMENTS_EDIT_WINDOW_MINUTES = env_int("COMMENTS_EDIT_WINDOW_MINUTES", 15)
COMMENTS_RATE_PER_MINUTE = env_int("COMMENTS_RATE_PER_MINUTE", 5)
COMMENTS_RATE_PER_DAY = env_int("COMMENTS_RATE_PER_DAY", 50)
COMMENTS_DUPLICATE_WINDOW_HOURS = env_int("COMMENTS_DUPLICATE_WINDOW_HOURS", 24)
COMMENTS_HOLD_LINKS_OVER = env_int("COMMENTS_HOLD_LINKS_OVER", 2)
COMMENTS_HOLD_FIRST_APPROVED = env_int("COMMENTS_HOLD_FIRST_APPROVED", 1)
COMMENTS_REPORT_THRESHOLD = env_int("COMMENTS_REPORT_THRESHOLD", 3)
# Defaults for a new article's discussion (open, premoderated or closed; days until
# it closes, 0 for never). Moderators can override these and the values above in
# the admin (Discussion → Moderation settings) without a deploy.
COMMENTS_DEFAULT_DISCUSSION_MODE = env("COMMENTS_DEFAULT_DISCUSSION_MODE", "open")
COMMENTS_AUTO_CLOSE_DAYS = env_int("COMMENTS_AUTO_CLOSE_DAYS", 0)
# ACCOUNT_DELETION_COMMENTS (what a deleted reader's comments become) is set and
# checked with the accounts settings above.

# --- Newsletter ------

# Messages per minute the sender may hand to the SMTP server, across all workers
# (counted in the cache). 0 means no limit.
NEWSLETTER_SEND_RATE_PER_MINUTE = env_int("NEWSLETTER_SEND_RATE_PER_MINUTE", 600)
# Deliveries each batch task sends over one SMTP connection.
NEWSLETTER_BATCH_SIZE = max(1, env_int("NEWSLETTER_BATCH_SIZE", 200))
# Batch tasks queued at once when an issue starts sending (parallel workers).
NEWSLETTER_PARALLEL_BATCHES = max(1, env_int("NEWSLETTER_PARALLEL_BATCHES", 2))
# Tries per delivery before it is marked failed; waits grow between them.
NEWSLETTER_MAX_ATTEMPTS = 5
NEWSLETTER_RETRY_DELAYS = [60, 300, 1800, 7200]  # seconds
# While the SMTP server cannot be reached, a batch's deliveries are due again after
# these waits (by failures in a row, the last repeated), so sending resumes within
# about half a minute of the server's return (plus TASKS_MAINTENANCE_SECONDS).
NEWSLETTER_RECONNECT_DELAYS = [5, 10, 20, 30]  # seconds
# How long a claimed batch is held beyond its throttled sending time: what a killed
# sender held is sent by another once this has passed.
NEWSLETTER_LEASE_SECONDS = env_int("NEWSLETTER_LEASE_SECONDS", 60)
NEWSLETTER_UNSUBSCRIBE_MAILTO = env(
    "NEWSLETTER_UNSUBSCRIBE_MAILTO", f"unsubscribe@{urlsplit(SITE_URL).hostname}"
)
# Signup rate limits: (requests, seconds).
NEWSLETTER_SIGNUP_LIMIT_PER_IP = (10, 3600)
NEWSLETTER_SIGNUP_LIMIT_PER_ADDRESS = (5, 3600)
NEWSLETTER_CONFIRMATION_INTERVAL = 3600  # at most one confirmation email an hour
NEWSLETTER_CONFIRMATION_MAX_AGE = 7 * 24 * 3600  # confirmation links last 7 days
# Largest subscriber CSV the admin imports, in bytes (512 KiB: about 8,000 rows).
# The import runs in the request, a few ms a row, and must end before the worker
# timeout (GUNICORN_TIMEOUT); raise both together.
NEWSLETTER_IMPORT_MAX_BYTES = env_int("NEWSLETTER_IMPORT_MAX_BYTES", 512 * 1024)

# --- Read path: page cache and HTTP caching ------
# Anonymous reading pages are kept this long in our own cache at most; a change to
# what a page shows replaces it at once (versioned keys), so this bounds only what
# no write announces (a scheduled article coming due on a listing page).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# Each process re-checks a page it holds in memory at most this often (seconds).
PAGE_CACHE_LOCAL_SECONDS = float(env("PAGE_CACHE_LOCAL_SECONDS", "1"))
# What a new gunicorn worker serves itself before its first reader, besides the
# home page (core/warmup.py): the front page's stories.
WORKER_WARM_UP_PATHS = "articles.front_page.first_read_paths"
# The last good copy of each page, served to anonymous readers if the database is down.
PAGE_STALE_SECONDS = env_int("PAGE_STALE_SECONDS", 24 * 3600)

# --- The shared cache in front (Varnish, Fastly, Cloudflare): docs/deployment.md ------
# Who is told to forget a page when what it shows changes (core/edge.py): "none",
# "varnish", "fastly" or "cloudflare". Purges go by tag (the page's Surrogate-Key).
EDGE_PURGER = env("EDGE_PURGER", "none").lower()
EDGE_PURGERS = ("none", "varnish", "fastly", "cloudflare")
if EDGE_PURGER not in EDGE_PURGERS:
    raise ImproperlyConfigured(
        f"EDGE_PURGER must be one of {', '.join(EDGE_PURGERS)}, not {EDGE_PURGER!r}."
    )
# Base URLs of the Varnish hosts that take PURGE requests (deploy/varnish/default.vcl).
VARNISH_PURGE_URLS = env_list("VARNISH_PURGE_URLS", ["http://127.0.0.1:6081"])
# Fastly's purge by surrogate key, and Cloudflare's purge by cache tag (their names
# as in their documentation). The API addresses change only for tests.
FASTLY_API_TOKEN = env("FASTLY_API_TOKEN")
FASTLY_SERVICE_ID = env("FASTLY_SERVICE_ID")
FASTLY_API_URL = env("FASTLY_API_URL", "https://api.fastly.com").rstrip("/")
CLOUDFLARE_API_TOKEN = env("CLOUDFLARE_API_TOKEN")
CLOUDFLARE_ZONE_ID = env("CLOUDFLARE_ZONE_ID")
CLOUDFLARE_API_URL = env(
    "CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4"
).rstrip("/")
_missing_edge_settings = {
    "fastly": [n for n in ("FASTLY_API_TOKEN", "FASTLY_SERVICE_ID") if not env(n)],
    "cloudflare": [
        n for n in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ZONE_ID") if not env(n)
    ],
}.get(EDGE_PURGER)
if _missing_edge_settings:
    raise ImproperlyConfigured(
        f"EDGE_PURGER={EDGE_PURGER} needs {' and '.join(_missing_edge_settings)}."
    )
# Seconds a purge request may take before it counts as failed (and is retried).
EDGE_PURGE_TIMEOUT = float(env("EDGE_PURGE_TIMEOUT", "5"))
# What a CDN or shared cache may keep (s-maxage). With a purger it is told of every
# change, so it may keep pages a day; without one, a minute bounds staleness.
CDN_CACHE_SECONDS = env_int(
    "CDN_CACHE_SECONDS", 24 * 3600 if EDGE_PURGER != "none" else 60
)
CDN_STALE_WHILE_REVALIDATE_SECONDS = env_int("CDN_STALE_WHILE_REVALIDATE_SECONDS", 30)
# How long the shared cache may serve a page it holds while the origin is failing.
CDN_STALE_IF_ERROR_SECONDS = env_int("CDN_STALE_IF_ERROR_SECONDS", 24 * 3600)
