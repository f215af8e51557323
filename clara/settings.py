"""Settings for CLARA grants, read from the environment through django-environ.

With no environment at all the project runs locally: SQLite file `db.sqlite3`, DEBUG on and
a development-only secret key. Production (DJANGO_DEBUG off) refuses to start without a real
SECRET_KEY and ALLOWED_HOSTS.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from clara.logging import init_error_reporting, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form without a valid token: a page in the site's language, and a security event.
CSRF_FAILURE_VIEW = "clara.views.csrf_failure"

if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters "
            "when DJANGO_DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")

INSTALLED_APPS = [
    # django.contrib.admin, whose site guards every changelist's query string.
    "clara.admin_site.ClaraAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "import_export",
    "django_tasks",
    "django_tasks.backends.database",
    "simple_history",
    "django_countries",
    "axes",
    # Accounts (sign-up, e-mail verification, login by e-mail, password reset) and the
    # staff's second factor; their pages live under /comptes/ (clara/accounts/urls.py).
    "allauth",
    "clara.accounts.apps.AllauthAccountConfig",
    "clara.accounts.apps.AllauthMFAConfig",
    "clara.accounts",
    "clara.network",
    "programmes",
    "funding",
    "projects",
    "events",
    # Reads the domain apps above; none of them imports it.
    "clara.keyfigures",
    "clara.demo",
    "clara.spreadsheets",
    # Open data (SCDL subventions, 360Giving) and the public read-only API (issue 12).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "clara.opendata",
    "clara.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The request's id on every log line and in X-Request-ID; one access line per request.
    "clara.logging.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages for anonymous visitors, before the session, locale and CSP middleware.
    "clara.publiccache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "clara.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A refused permission is logged; a view that cannot reach the database answers 503.
    "clara.middleware.PermissionDeniedLogMiddleware",
    "clara.middleware.DatabaseUnavailableMiddleware",
    # Last: turns a locked-out login into the lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clara.urls"

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
                "clara.context_processors.language_links",
                "clara.context_processors.footer",
            ],
        },
    },
]

WSGI_APPLICATION = "clara.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's default random_page_cost (4) assumes spinning disks: with it the planner
    # joins a year's 1 000 awards to the whole applications table by a sequential scan
    # instead of 1 000 index lookups, and the key figures grow with the years of history
    # (README "Bench at national scale"). 1.1 is the usual value for SSDs and cached data.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c random_page_cost={env.float('PG_RANDOM_PAGE_COST', default=1.1)}"
    )
# SQLite with several writers at once (two staff saving, runserver beside the background
# worker): they wait for each other instead of failing with "database is locked". A
# transaction takes the write lock when it begins (IMMEDIATE), so two transactions never both
# read and then both try to write, which SQLite can only refuse; a writer waits up to
# SQLITE_TIMEOUT seconds for the lock; WAL lets readers go on while one writes
# (synchronous=NORMAL is safe with WAL). Options given in DATABASE_URL win.
SQLITE_TIMEOUT = env.int("SQLITE_TIMEOUT", default=20)
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": SQLITE_TIMEOUT,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA busy_timeout={SQLITE_TIMEOUT * 1000}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        **SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})
    }

# "public" holds the public pages (clara/publiccache.py); it must be shared by every process
# serving the site: a directory of files by default in production.
CACHES = {
    # Shared by every process in production: allauth keeps its rate limits and the TOTP
    # codes already used (no replay) here, so a per-process memory cache would let each
    # gunicorn worker accept the same code once.
    "default": env.cache(
        "CACHE_URL",
        default="locmemcache://clara-default" if DEBUG
        else f"filecache://{BASE_DIR / '.cache' / 'default'}",
    ),
    "public": env.cache(
        "PUBLIC_CACHE_URL",
        default="locmemcache://clara-public" if DEBUG
        else f"filecache://{BASE_DIR / '.cache' / 'public'}",
    ),
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out login before any password is checked.
# allauth's backend logs in by e-mail address (its login form passes the request, so axes
# counts and refuses its attempts like any other); ModelBackend gives staff their permissions.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Private uploads (attachments) live outside any URL: they are served by views that check
# permissions, never under MEDIA_URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
# An application's PDF attachments: at most this many bytes each (10 MiB).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# Folder of the file-based e-mail backend (django.core.mail.backends.filebased.EmailBackend:
# development, load tests such as bench/closing_rush.py); one file per connection.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".cache" / "emails"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CLARA <noreply@canceropole-clara.com>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# The SMTP server (production): read whatever the backend, so that EMAIL_BACKEND can be set
# to SMTP in development too.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True
# Spreadsheet imports bigger than this (rows, or bytes of file) run in the background
# (django-tasks, database backend: `manage.py db_worker`); larger uploads are refused.
SPREADSHEET_BACKGROUND_ROWS = env.int("SPREADSHEET_BACKGROUND_ROWS", default=1000)
SPREADSHEET_BACKGROUND_BYTES = env.int("SPREADSHEET_BACKGROUND_BYTES", default=2 * 1024 * 1024)
SPREADSHEET_MAX_UPLOAD_BYTES = env.int("SPREADSHEET_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.database.DatabaseBackend"
        ),
    }
}
# django-import-export's own escaping only strips a leading "=" and turns every cell into text;
# clara/resources.py prefixes text cells starting with = + - @ tab CR with "'" and leaves
# numbers as numbers (QUALITY.md scenario 9).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

# Accounts (django-allauth 65; clara/accounts/, README "Accounts"). One login for everyone,
# the admin's included: by e-mail address and password, the address verified first. Sign-up
# and password reset answer the same whether an account exists or not (an e-mail goes to the
# address either way).
LOGIN_URL = "account_login"
ACCOUNT_ADAPTER = "clara.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CLARA] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Failed logins: django-axes locks a client address out (below); allauth's own limit is kept
# per account only, above axes' limit, against guesses at one account from many addresses.
# (allauth's default, 5 per account, would answer before axes could see, count and log the
# attempt.) allauth keeps its counts in the default cache (CACHE_URL).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/15m/key"}
# The staff's second factor: an authenticator app (TOTP) and recovery codes. The admin refuses
# a staff session that has not passed it (clara/admin_site.py, clara/accounts/mfa.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CLARA"

# Login lockout (django-axes, QUALITY.md scenario 15; clara/accounts/login_lockout.py): after
# AXES_FAILURE_LIMIT failed logins from one client address, that address cannot log in for
# AXES_COOLOFF_MINUTES (each attempt meanwhile starts the wait again). Failures are forgotten
# AXES_COOLOFF_MINUTES after the last one, not at a successful login: otherwise anyone with an
# account of their own could clear the count between guesses at other accounts. Every attempt
# is recorded in the database (access logs, failure logs) and logged.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "clara.accounts.login_lockout.lockout_response"
# The client address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies that each
# append to X-Forwarded-For, the address the outermost one saw. With the default 0 the header
# is ignored, so a client cannot escape the lockout by writing one.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# allauth's per-address limits (sign-ups, password resets) read the client address the same way.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
AXES_CLIENT_IP_CALLABLE = "clara.accounts.login_lockout.client_ip"

# Production hardening, active whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The orchestrator asks for the health check over plain http, inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Everything is served from this origin (Bootstrap is vendored in static/): no inline script,
# no inline style, no plugin, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
# The public API (`/api/v1/`, clara/api/): read-only, anonymous, throttled per client address
# (rates in the default cache, shared by the processes), paginated; its OpenAPI 3 description
# at /api/schema/ and its documentation page at /api/docs/ (drf-spectacular; the Swagger UI
# files from the sidecar package, served from static/).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_THROTTLE_RATE", default="120/minute")},
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# The 360Giving publisher prefix (grant identifiers `360G-<prefix>-…`): the one 360Giving
# registers for the publisher; "clara" until it is registered.
THREESIXTYGIVING_PREFIX = env.str("THREESIXTYGIVING_PREFIX", default="clara")
SPECTACULAR_SETTINGS = {
    "TITLE": "CLARA — API publique",
    "DESCRIPTION": "Données publiques du réseau CLARA en lecture seule : projets financés, "
                   "appels, événements, organisations et chiffres clefs. Licence Ouverte 2.0. "
                   "— Read-only public data of the CLARA network: funded projects, calls, "
                   "events, organisations and key figures. Open Licence 2.0.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep link inside each operation's summary button (a link within a button: two
    # nested controls for the keyboard and screen readers).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs (clara/logging.py, README "Exploitation / Operations"): one JSON object per line in
# production, readable text under DEBUG; every line carries the request's id.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'.")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))

# Error reporting to Sentry or a compatible service: off unless SENTRY_DSN is set (and the
# sentry-sdk package installed: `pip install sentry-sdk`, not among the dependencies).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    init_error_reporting(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
