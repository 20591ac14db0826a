"""govgrid settings: one file, read from the environment.

Every custom setting says its unit and default. Bad values fail at start-up, loudly.
"""

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from govgrid import databases

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default):
    return os.environ.get(name, default)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_float(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def database_from_url(url):
    """postgres://user:password@host:port/name → Django DATABASES entry (PostGIS engine)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgis"):
        raise ImproperlyConfigured("DATABASE_URL must start with postgres://")
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"options": databases.connection_options()},  # govgrid.databases.SESSION_SETTINGS
    }


# DEBUG: development error pages. Default off: `make run` serves the way production does.
DEBUG = env_bool("GOVGRID_DEBUG", False)

# GOVGRID_SECRET_KEY, or the random key scripts/setup.sh keeps in var/secret_key.
SECRET_KEY = env_str("GOVGRID_SECRET_KEY", "")
if not SECRET_KEY:
    key_file = BASE_DIR / "var" / "secret_key"
    if not key_file.exists():
        raise ImproperlyConfigured("set GOVGRID_SECRET_KEY or run scripts/setup.sh to make var/secret_key")
    SECRET_KEY = key_file.read_text().strip()

# Host names served, comma-separated. Default: the loopback names `make run` uses.
ALLOWED_HOSTS = [h.strip() for h in env_str("GOVGRID_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

# GOVGRID_HTTPS: the site is served over HTTPS (behind a TLS proxy). Turns on secure cookies,
# HSTS and the redirect to https. Default off, because `make run` serves plain http on loopback.
HTTPS = env_bool("GOVGRID_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0  # seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
CSRF_TRUSTED_ORIGINS = [o for o in env_str("GOVGRID_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "leaflet",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "grids",
    "incidents",
    "maps",
    "open311",
    "backups",
    "workcalendar",
    "exports",
    "notifications",
    "residents",
    "consultations",
    "volunteers",
    "ratings",
    "projects",
    "redivision",
    "networks",
    "demo",
    "aggregates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "govgrid.csp.ContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "govgrid.middleware.RefuseNulCharacters",
    "govgrid.middleware.NoStoreForPersonalData",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "govgrid.urls"
WSGI_APPLICATION = "govgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "govgrid" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "govgrid.context.header",
            ],
        },
    },
]

# DATABASE_URL: an existing PostgreSQL+PostGIS server. Default: the project-local cluster that
# scripts/pg.sh runs on 127.0.0.1:GOVGRID_PG_PORT (54329), with the password in var/db_password.
_local_password_file = BASE_DIR / "var" / "db_password"
_local_password = _local_password_file.read_text().strip() if _local_password_file.exists() else ""
DATABASE_URL = env_str(
    "DATABASE_URL",
    f"postgres://govgrid:{_local_password}@127.0.0.1:{env_str('GOVGRID_PG_PORT', '54329')}/govgrid",
)
# GOVGRID_DATABASE_POOLED: "transaction" when DATABASE_URL and the replicas' URLs reach PostgreSQL
# through a transaction pooler (PgBouncer's pool_mode = transaction): no prepared statements, no
# session settings (govgrid/databases.py, docs/deployment.md). Default empty: direct connections.
DATABASE_POOLED = databases.pooled_mode(env_str("GOVGRID_DATABASE_POOLED", ""))
# GOVGRID_DATABASE_REPLICA_URLS: read replicas (hot standbys of the primary), comma-separated URLs
# like DATABASE_URL's, as databases replica1..N. Default none. GET and HEAD of the views marked
# `read_only` read from one (govgrid/replicas.py) unless it lags more than
# GOVGRID_REPLICA_MAX_LAG_SECONDS (seconds, default 5) or does not answer within
# GOVGRID_REPLICA_CONNECT_TIMEOUT (seconds, default 2, libpq's least); each process checks them at
# most every GOVGRID_REPLICA_CHECK_SECONDS (seconds, default 1).
REPLICA_MAX_LAG_SECONDS = env_float("GOVGRID_REPLICA_MAX_LAG_SECONDS", 5)
REPLICA_CONNECT_TIMEOUT = env_float("GOVGRID_REPLICA_CONNECT_TIMEOUT", 2)
REPLICA_CHECK_SECONDS = env_float("GOVGRID_REPLICA_CHECK_SECONDS", 1)
DATABASES = databases.layout(
    database_from_url,
    DATABASE_URL,
    env_str("GOVGRID_DATABASE_REPLICA_URLS", ""),
    DATABASE_POOLED,
    REPLICA_CONNECT_TIMEOUT,
)
DATABASE_ROUTERS = ["govgrid.replicas.ReadFromReplicas"]
MIDDLEWARE += ["govgrid.replicas.ChooseDatabase"]  # last: it decides once the view is known
# GOVGRID_TEST_DB_NAME: the test database's name (default test_<name>), so two test runs can share a server.
DATABASES["default"]["TEST"] = {"NAME": env_str("GOVGRID_TEST_DB_NAME", "") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Simplified Chinese by default; English when the browser or the `django_language` cookie asks.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("GOVGRID_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
# Dates and times read 2026-12-06 18:27 (dates 2026-12-06) in both languages: govgrid/formats.
FORMAT_MODULE_PATH = ["govgrid.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "govgrid" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "govgrid.staticfiles.StaticFiles"},
}
MEDIA_ROOT = Path(env_str("GOVGRID_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a refused token then answers 401 with WWW-Authenticate, as phones expect.
        "grids.auth.ScopedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested beyond govgrid.lib.parsers.MAX_DEPTH is refused with 400 before it is parsed.
    "DEFAULT_PARSER_CLASSES": [
        "govgrid.lib.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "govgrid.negotiation.JsonFirstNegotiation",
    "EXCEPTION_HANDLER": "govgrid.lib.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_METADATA_CLASS": "govgrid.metadata.Metadata",
}

# The OpenAPI 3 schema at /api/schema/ and its docs at /api/docs/ (govgrid/openapi.py). Swagger UI
# is served from drf-spectacular-sidecar's static files: the docs need no network.
# GOVGRID_API_DOCS_PUBLIC: /api/schema/ and /api/docs/ open to anyone. Default off: they need a login
# (a session or a token), like the API they describe, so an outsider gets no map of every endpoint
# and parameter; turn it on for a deployment that publishes its API to other systems' developers.
API_DOCS_PUBLIC = env_bool("GOVGRID_API_DOCS_PUBLIC", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "govgrid API",
    "DESCRIPTION": _(
        "Grid-based urban governance: areas, coverage, people, cases and their workflow, figures, and "
        "Open311 GeoReport v2 for other city systems. Log in with POST /api/v1/auth/token/ and send "
        "`Authorization: Token <token>` (Open311 also takes it as api_key). Everyone sees only the areas "
        "in their scope. Every refusal is {detail, code} (and field, errors for refused input) in the "
        "caller's language: Chinese by default, English with Accept-Language: en."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1|/open311/v2",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # validatorUrl null: Swagger UI would otherwise send the schema to an online validator.
    # The operations' groups start closed, with a filter by group: Swagger UI stops drawing when it
    # is asked to draw around 130 operations at once (tests/govgrid/test_openapi.py opens each).
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "validatorUrl": None,
        "persistAuthorization": False,
        "docExpansion": "none",
        "filter": True,
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "govgrid.openapi.postprocess"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AreaLevelEnum": "grids.models.Level",
        "CaseLevelEnum": ["grid", "community", "street"],
        "CoverageRuleEnum": "grids.coverage.ALL_RULES",
        "FeatureTypeEnum": ["Feature"],
        "FeatureCollectionTypeEnum": ["FeatureCollection"],
    },
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Refused logins (grids/accounts.py), counted over GOVGRID_LOGIN_LOCK_MINUTES (default 15): a
# username is locked out for the address that made GOVGRID_LOGIN_MAX_FAILURES (default 5) of them,
# and an address altogether after four times as many. Other addresses still log in to that username;
# when it has more refusals than one address may make, each try from anywhere must wait a delay
# after the last refusal that doubles with each one (1 s, 2 s, 4 s, …) up to
# GOVGRID_LOGIN_BACKOFF_MAX_SECONDS (seconds, default 30).
LOGIN_MAX_FAILURES = int(env_float("GOVGRID_LOGIN_MAX_FAILURES", 5))
if LOGIN_MAX_FAILURES < 1:
    raise ImproperlyConfigured("GOVGRID_LOGIN_MAX_FAILURES must be at least 1")
LOGIN_LOCK_MINUTES = int(env_float("GOVGRID_LOGIN_LOCK_MINUTES", 15))
LOGIN_BACKOFF_MAX_SECONDS = env_float("GOVGRID_LOGIN_BACKOFF_MAX_SECONDS", 30)
# GOVGRID_TRUSTED_PROXY_HEADER: where every throttle reads the client's address (grids.auth.client_address).
# Default "" : REMOTE_ADDR, for a server that clients reach directly. Behind our own proxy (nginx):
# "X-Real-IP", or "X-Forwarded-For" with GOVGRID_TRUSTED_PROXY_HOPS (default 1) the number of our
# proxies that append to it (the address is that many entries from the right). Set it only when
# every request comes through that proxy: a client reaching the server directly could name any address.
TRUSTED_PROXY_HEADER = env_str("GOVGRID_TRUSTED_PROXY_HEADER", "").strip()
TRUSTED_PROXY_HOPS = int(env_float("GOVGRID_TRUSTED_PROXY_HOPS", 1))
if TRUSTED_PROXY_HEADER.lower() not in ("", "x-real-ip", "x-forwarded-for"):
    raise ImproperlyConfigured("GOVGRID_TRUSTED_PROXY_HEADER must be empty, X-Real-IP or X-Forwarded-For")
if TRUSTED_PROXY_HOPS < 1:
    raise ImproperlyConfigured("GOVGRID_TRUSTED_PROXY_HOPS must be at least 1")

# --- API tokens (grids/auth.py, grids/accounts.py) ---------------------------------------------
# An API token works for this many hours after it was made (default 720, i.e. 30 days); then it
# answers 401 and the caller logs in again for a new one. Logging in while the token still works
# gives the same token, so a person's phone and scripts keep working side by side.
TOKEN_TTL_HOURS = env_float("GOVGRID_TOKEN_TTL_HOURS", 720)
if TOKEN_TTL_HOURS <= 0:
    raise ImproperlyConfigured("GOVGRID_TOKEN_TTL_HOURS must be above 0")

# --- Coverage rules (grids/coverage.py) ---------------------------------------------------------
# Which rules decide a grid's status, comma-separated, from: group_leader (a Party group with a
# leader), service_team (at least COVERAGE_MIN_TEAM Party members in its service team), grid_worker
# (at least one), households (at least COVERAGE_HOUSEHOLD_PERCENT % of households linked to a
# Party member), station (a service station within COVERAGE_STATION_METRES). Default: these five.
# Two duties of the grid's Party group (三个一) may be named as well: visits (the household links'
# visits over the last COVERAGE_VISIT_WEEKS full weeks cover at least COVERAGE_VISIT_PERCENT % of
# the link-weeks due) and analysis (a situation analysis, 民情研判, held last calendar month).
COVERAGE_RULES = tuple(
    r.strip()
    for r in env_str("GOVGRID_COVERAGE_RULES", "group_leader,service_team,grid_worker,households,station").split(",")
    if r.strip()
)
COVERAGE_MIN_TEAM = int(env_float("GOVGRID_COVERAGE_MIN_TEAM", 3))  # Party members; default 3
COVERAGE_HOUSEHOLD_PERCENT = env_float("GOVGRID_COVERAGE_HOUSEHOLD_PERCENT", 80)  # percent; default 80
COVERAGE_STATION_METRES = env_float("GOVGRID_COVERAGE_STATION_METRES", 1000)  # metres; default 1000
COVERAGE_VISIT_WEEKS = int(env_float("GOVGRID_COVERAGE_VISIT_WEEKS", 4))  # full weeks; default 4
COVERAGE_VISIT_PERCENT = env_float("GOVGRID_COVERAGE_VISIT_PERCENT", 80)  # percent; default 80
if not 1 <= COVERAGE_VISIT_WEEKS <= 52:
    raise ImproperlyConfigured("GOVGRID_COVERAGE_VISIT_WEEKS must be from 1 to 52")
_known_rules = {"group_leader", "service_team", "grid_worker", "households", "station", "visits", "analysis"}
if set(COVERAGE_RULES) - _known_rules:
    raise ImproperlyConfigured(f"GOVGRID_COVERAGE_RULES: unknown rule(s) {sorted(set(COVERAGE_RULES) - _known_rules)}")

# --- Working time (govgrid/lib/worktime.py) -----------------------------------------------------
# A working day starts at this hour (default 9.0, i.e. 09:00) and lasts this many hours (default 8);
# deadlines in working hours count only those hours on working days (holidays and 调休 included).
WORKDAY_START = env_float("GOVGRID_WORKDAY_START", 9.0)
WORKDAY_HOURS = env_float("GOVGRID_WORKDAY_HOURS", 8.0)
# The working calendar (workcalendar/calendar.py): each process checks at most this often, in
# seconds (default 10), whether an administrator changed the calendar, so an edit counts in every
# process within that time. Its notice asks for next year's arrangement from this many days before
# the year begins (default 60; the State Council publishes it in late October or November).
CALENDAR_CHECK_SECONDS = env_float("GOVGRID_CALENDAR_CHECK_SECONDS", 10.0)
CALENDAR_NOTICE_DAYS = int(env_float("GOVGRID_CALENDAR_NOTICE_DAYS", 60))

# --- Departments (incidents/departments.py) ------------------------------------------------------
# Working hours a department has to sign for a case sent to it (default 2), and after its dispatch
# to contest it as not its own (default 8: one working day).
SIGN_HOURS = env_float("GOVGRID_SIGN_HOURS", 2)
CONTEST_HOURS = env_float("GOVGRID_CONTEST_HOURS", 8)
# A verification on site needs an "after" photo located within this many metres of the case (default 300).
VERIFY_MAX_DISTANCE_M = int(env_float("GOVGRID_VERIFY_MAX_DISTANCE_M", 300))

# --- Notifications (notifications/) ---------------------------------------------------------------
# E-mail through Django's SMTP backend: GOVGRID_EMAIL_HOST (default 127.0.0.1), GOVGRID_EMAIL_PORT
# (default 25), GOVGRID_EMAIL_USER / GOVGRID_EMAIL_PASSWORD, GOVGRID_EMAIL_TLS, GOVGRID_EMAIL_FROM.
EMAIL_HOST = env_str("GOVGRID_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env_float("GOVGRID_EMAIL_PORT", 25))
EMAIL_HOST_USER = env_str("GOVGRID_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("GOVGRID_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("GOVGRID_EMAIL_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("GOVGRID_EMAIL_FROM", "govgrid <noreply@govgrid.invalid>")
# The backend of each channel (notifications/backends.py says what one is): GOVGRID_NOTIFY_SMS_BACKEND
# and GOVGRID_NOTIFY_WECHAT_BACKEND, a dotted path; default the spool files in NOTIFY_SPOOL_DIR.
NOTIFY_BACKENDS = {
    "email": env_str("GOVGRID_NOTIFY_EMAIL_BACKEND", "notifications.backends.EmailBackend"),
    "sms": env_str("GOVGRID_NOTIFY_SMS_BACKEND", "notifications.backends.SpoolBackend"),
    "wechat": env_str("GOVGRID_NOTIFY_WECHAT_BACKEND", "notifications.backends.SpoolBackend"),
}
NOTIFY_SPOOL_DIR = env_str("GOVGRID_NOTIFY_SPOOL_DIR", str(BASE_DIR / "var" / "outbox"))
NOTIFY_MAX_ATTEMPTS = int(env_float("GOVGRID_NOTIFY_MAX_ATTEMPTS", 8))
NOTIFY_BATCH = int(env_float("GOVGRID_NOTIFY_BATCH", 20))  # deliveries a worker claims at once
NOTIFY_LEASE_SECONDS = env_float("GOVGRID_NOTIFY_LEASE_SECONDS", 300)  # how long a claim holds
NOTIFY_MESSAGE_ID_DOMAIN = env_str("GOVGRID_NOTIFY_MESSAGE_ID_DOMAIN", "govgrid.invalid")
# The address of the site in messages' links (GOVGRID_SITE_URL), and when a case's holders are
# warned of its deadline: at this share of its time (GOVGRID_DEADLINE_WARNING, default 0.75).
SITE_URL = env_str("GOVGRID_SITE_URL", "http://127.0.0.1:8000")
DEADLINE_WARNING = env_float("GOVGRID_DEADLINE_WARNING", 0.75)

# --- Residents (residents/) ---------------------------------------------------------------------
# The topics the resident page offers, in order (keys of residents/topics.py), comma-separated.
RESIDENT_TOPICS = [
    key.strip()
    for key in env_str(
        "GOVGRID_RESIDENT_TOPICS", "rubbish,roads,facilities,order,greenery,safety,dispute,help,other"
    ).split(",")
    if key.strip()
]
# Working hours a resident's report may wait to be accepted, declined or merged (default 4: 受理时限).
RESIDENT_ACCEPT_HOURS = env_float("GOVGRID_RESIDENT_ACCEPT_HOURS", 4)
# Throttles of the resident page, per GOVGRID_RESIDENT_WINDOW_MINUTES (default 10): reports from one
# device (default 6) and from one address (default 30; many residents may share a carrier's address).
RESIDENT_WINDOW_MINUTES = env_float("GOVGRID_RESIDENT_WINDOW_MINUTES", 10)
RESIDENT_REPORTS_PER_DEVICE = int(env_float("GOVGRID_RESIDENT_REPORTS_PER_DEVICE", 6))
RESIDENT_REPORTS_PER_ADDRESS = int(env_float("GOVGRID_RESIDENT_REPORTS_PER_ADDRESS", 30))
# Residents' reports waiting in one grid before the grid takes no more until some are decided
# (default 100): what no number of addresses can get past.
RESIDENT_PENDING_PER_GRID = int(env_float("GOVGRID_RESIDENT_PENDING_PER_GRID", 100))
# Text a resident who left a phone when their report is decided and when its case is resolved, closed
# or reopened, by the SMS backend (NOTIFY_BACKENDS["sms"]). Off by default (GOVGRID_RESIDENT_SMS=1).
RESIDENT_SMS = env_bool("GOVGRID_RESIDENT_SMS", False)
# The contact card a QR code's poster prints (网格员公示牌, residents/posters.py), a comma list of
# worker_name, worker_phone, party_leader_name, station_phone. A poster hangs in public: a grid
# worker's own phone is personal data and printed only if named here; a service station's phone is
# public. Default worker_name,party_leader_name,station_phone.
POSTER_PUBLIC_FIELDS = tuple(
    f.strip()
    for f in env_str("GOVGRID_POSTER_PUBLIC_FIELDS", "worker_name,party_leader_name,station_phone").split(",")
    if f.strip()
)
_poster_fields = {"worker_name", "worker_phone", "party_leader_name", "station_phone"}
if set(POSTER_PUBLIC_FIELDS) - _poster_fields:
    raise ImproperlyConfigured(
        f"GOVGRID_POSTER_PUBLIC_FIELDS: unknown field(s) {sorted(set(POSTER_PUBLIC_FIELDS) - _poster_fields)}; "
        f"known: {sorted(_poster_fields)}"
    )

# A public page per community (/public/<community code>/): this month's cases received and solved,
# residents' reports, the grids' contact cards (the fields above); no personal data. Off by default
# (GOVGRID_PUBLIC_COMMUNITY_PAGES=1 turns it on).
PUBLIC_COMMUNITY_PAGES = env_bool("GOVGRID_PUBLIC_COMMUNITY_PAGES", False)

# --- Consultations (consultations/) ---------------------------------------------------------------
# Throttles of residents' proposals for consultation from the resident page, per
# GOVGRID_CONSULTATION_WINDOW_MINUTES (default 60): from one device (default 3) and from one address
# (default 20). Counted apart from residents' reports: a proposal does not use up a report.
CONSULTATION_WINDOW_MINUTES = env_float("GOVGRID_CONSULTATION_WINDOW_MINUTES", 60)
CONSULTATION_PROPOSALS_PER_DEVICE = int(env_float("GOVGRID_CONSULTATION_PROPOSALS_PER_DEVICE", 3))
CONSULTATION_PROPOSALS_PER_ADDRESS = int(env_float("GOVGRID_CONSULTATION_PROPOSALS_PER_ADDRESS", 20))

# --- Party members and volunteers (volunteers/) -----------------------------------------------------
# The service kinds residents may ask for (keys of volunteers/kinds.py), comma-separated, in order.
# Default: every kind.
VOLUNTEER_SERVICE_KINDS = [
    key.strip()
    for key in env_str(
        "GOVGRID_VOLUNTEER_SERVICE_KINDS",
        "errands,companionship,repairs,cleaning,health,tutoring,legal,paperwork,other",
    ).split(",")
    if key.strip()
]
# Communities offering a list of their own, "code:kind,kind;code:kind,..." (default: none; each
# community offers VOLUNTEER_SERVICE_KINDS).
VOLUNTEER_SERVICE_KINDS_BY_COMMUNITY = {
    code.strip(): [k.strip() for k in kinds.split(",") if k.strip()]
    for code, _sep, kinds in (
        part.partition(":")
        for part in env_str("GOVGRID_VOLUNTEER_SERVICE_KINDS_BY_COMMUNITY", "").split(";")
        if part.strip()
    )
}
# An offered request nobody has claimed is offered more widely after this many hours (default 2):
# the grid's linked members, then its service team, then the community's volunteer teams; ...
VOLUNTEER_WIDEN_HOURS = env_float("GOVGRID_VOLUNTEER_WIDEN_HOURS", 2)
# ... and left to community staff to assign after this many hours unclaimed (default 24).
VOLUNTEER_ESCALATE_HOURS = env_float("GOVGRID_VOLUNTEER_ESCALATE_HOURS", 24)
# A service recorded done that its resident neither confirms nor disputes is confirmed, unrated,
# after this many days (default 7): the volunteer's hours are credited, no rating is invented.
VOLUNTEER_CONFIRM_DAYS = env_float("GOVGRID_VOLUNTEER_CONFIRM_DAYS", 7)
# Points rules per district (积分规则), JSON: {"default": {...}, "<district code>": {...}}, each
# with points_per_hour (default 1), points_per_rated_service (default 2), and the yearly and
# quarterly minimums a member's page and the work unit's report measure against: min_hours_a_year
# (default 50), min_activities_a_year (default 4), min_contacts_a_quarter (default 2). A district
# entry overrides the default's keys it names.
POINTS_RULES = json.loads(env_str("GOVGRID_POINTS_RULES", "{}") or "{}")

# --- Star rating (ratings/) -------------------------------------------------------------------------
# Per district, as JSON like GOVGRID_POINTS_RULES ({"default": {...}, "411381": {...}}):
# five_star_share, the largest share of a street's communities that may be five-star, rounded down
# (default 0.2; taken when a quarter's round opens); base_pay, the community secretary's monthly pay
# in yuan (default 1300), pay_per_star (default 500) and others_share, the other committee members'
# share of their secretary's pay (default 0.7), taken when stars are published and kept with them.
RATING_RULES = json.loads(env_str("GOVGRID_RATING_RULES", "{}") or "{}")
# A photo of the site inspection is taken within this many metres of its community (default 300).
RATING_PHOTO_MAX_DISTANCE_M = env_float("GOVGRID_RATING_PHOTO_MAX_DISTANCE_M", 300)
# A PDF given as evidence is at most this many bytes (default 10 MB).
EVIDENCE_PDF_MAX_BYTES = int(env_float("GOVGRID_EVIDENCE_PDF_MAX_BYTES", 10 * 1024 * 1024))

# --- Activities (volunteers/activities.py, volunteers/attendance_codes.py) -----------------------
# The organiser's attendance code changes every this many seconds (default 60; at least 10); the
# code of the step before is still accepted, so a code read just before it changed gets in.
ACTIVITY_CODE_SECONDS = int(env_float("GOVGRID_ACTIVITY_CODE_SECONDS", 60))
# Members check in from this many minutes before an activity starts (default 30) until this many
# minutes after it ends (default 30); outside that window there is no code to show or accept.
ACTIVITY_CHECK_IN_EARLY_MINUTES = env_float("GOVGRID_ACTIVITY_CHECK_IN_EARLY_MINUTES", 30)
ACTIVITY_CHECK_IN_LATE_MINUTES = env_float("GOVGRID_ACTIVITY_CHECK_IN_LATE_MINUTES", 30)
# A check-in counts as on site within the activity's radius plus the phone's stated accuracy, but
# the accuracy counts for at most this many metres (default 100): a position a kilometre vague
# proves nothing about where the phone is.
ACTIVITY_MAX_ACCURACY_M = env_float("GOVGRID_ACTIVITY_MAX_ACCURACY_M", 100)

# --- Intake (incidents/intake.py) -------------------------------------------------------------
# A report whose accuracy is worse than this many metres is accepted and flagged. Default 100.
INTAKE_MAX_ACCURACY_M = env_float("GOVGRID_INTAKE_MAX_ACCURACY_M", 100)
# Possible duplicates: open cases of the same category within this many metres (default 100) and
# days (default 7) are returned with a new report.
DUPLICATE_RADIUS_M = env_float("GOVGRID_DUPLICATE_RADIUS_M", 100)
DUPLICATE_DAYS = env_float("GOVGRID_DUPLICATE_DAYS", 7)
# reported_at, the moment the phone says the report was made, may come before its reception by at
# most this many hours. Default 72: a worker's phone offline over a long weekend, or in a basement
# for days, still delivers its outbox. An older time is refused: it is a wrong clock or a back-dated
# report, and the case would seem to have waited days before anyone could see it.
REPORTED_AT_MAX_AGE_HOURS = env_float("GOVGRID_REPORTED_AT_MAX_AGE_HOURS", 72)
# ... and after its reception by at most this many minutes: a phone's clock running ahead. Default 10.
REPORTED_AT_MAX_SKEW_MINUTES = env_float("GOVGRID_REPORTED_AT_MAX_SKEW_MINUTES", 10)
# Largest photo accepted, in bytes. Default 8 MB.
PHOTO_MAX_BYTES = int(env_float("GOVGRID_PHOTO_MAX_BYTES", 8 * 1024 * 1024))
# Photos sent with one report, at most. Default 10.
PHOTO_MAX_COUNT = int(env_float("GOVGRID_PHOTO_MAX_COUNT", 10))
DATA_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_BYTES * 6

# --- Open311 GeoReport v2 (open311/) --------------------------------------------------------------
# GOVGRID_OPEN311_PUBLIC_READ: GET requests and GET requests/<id> answer callers without a key, as
# GeoReport v2 has it: every case except those of sensitive categories, with no personal data
# (open311/public.py). Off: those two need a key (api_key or Token), like POST. Services and their
# definitions are public either way; a key holder sees their scope either way. Default on.
OPEN311_PUBLIC_READ = env_bool("GOVGRID_OPEN311_PUBLIC_READ", True)
# How long a shared cache may keep a public Open311 answer, in seconds; 0: not at all. An answer to a
# key holder is never kept (private, no-store). Default 60.
OPEN311_PUBLIC_MAX_AGE = int(env_float("GOVGRID_OPEN311_PUBLIC_MAX_AGE", 60))
if OPEN311_PUBLIC_MAX_AGE < 0:
    raise ImproperlyConfigured("GOVGRID_OPEN311_PUBLIC_MAX_AGE must be 0 or more seconds")

# --- Map settings ----------------------------------------------------------------------------------
# GOVGRID_BASEMAP: the base map under every map: "none" (default, works with no network at all),
# "osm", "tianditu" (needs GOVGRID_TIANDITU_KEY), "amap" (GCJ-02 tiles: data is drawn shifted to
# match), or "xyz" with GOVGRID_BASEMAP_URL, an intranet tile server such as http://tiles.local/{z}/{x}/{y}.png
BASEMAP = env_str("GOVGRID_BASEMAP", "none")
BASEMAP_URL = env_str("GOVGRID_BASEMAP_URL", "")
TIANDITU_KEY = env_str("GOVGRID_TIANDITU_KEY", "")
if BASEMAP not in ("none", "osm", "tianditu", "amap", "xyz"):
    raise ImproperlyConfigured("GOVGRID_BASEMAP must be one of none, osm, tianditu, amap, xyz")
if BASEMAP == "xyz" and not BASEMAP_URL:
    raise ImproperlyConfigured("GOVGRID_BASEMAP=xyz needs GOVGRID_BASEMAP_URL")
if BASEMAP == "tianditu" and not TIANDITU_KEY:
    raise ImproperlyConfigured("GOVGRID_BASEMAP=tianditu needs GOVGRID_TIANDITU_KEY")

# --- Boundary validation ---------------------------------------------------------------------------
# Gaps and overlaps smaller than this many square metres are not reported: they are floating-point
# slivers, not real holes in the map. Default 1 m².
GRID_TOLERANCE_M2 = env_float("GOVGRID_GRID_TOLERANCE_M2", 1.0)

# gis.W001 warns that GDAL before 3.9 cannot block file and network access from spatial
# references. Debian 12 ships GDAL 3.6; govgrid reads only files an administrator hands to
# import_areas, and CRS text from the request is never passed to GDAL (see grids/importing.parse_srs).
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GOVGRID_LOG_LEVEL", "INFO")},
}

# Base map layers as (tile URL, attribution, subdomains), bottom first, for every map page.
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
)
BASEMAP_LAYERS = {
    "none": [],
    "osm": [("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", "abc")],
    "tianditu": [
        (_TIANDITU % ("vec", "vec", TIANDITU_KEY), "© 天地图", "01234567"),
        (_TIANDITU % ("cva", "cva", TIANDITU_KEY), "© 天地图", "01234567"),
    ],
    "amap": [
        (
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            "© 高德地图",
            "1234",
        )
    ],
    "xyz": [(BASEMAP_URL, "", "abc")],
}[BASEMAP]

# GOVGRID_MAP_TILES_ABOVE: above this many grids, map pages draw grids from vector tiles made by
# PostGIS (ST_AsMVT) instead of inline GeoJSON, so a page stays light in a large city. Default 5000.
MAP_TILES_ABOVE = int(env_float("GOVGRID_MAP_TILES_ABOVE", 5000))

LEAFLET_CONFIG = {
    # The admin's editing map. AMap tiles are GCJ-02 and would put every edited vertex ~600 m off,
    # so the admin edits on no base map then; any WGS84 base map is used as configured.
    "TILES": [
        (attribution or "base map", url, {"attribution": attribution, "subdomains": subdomains})
        for url, attribution, subdomains in (BASEMAP_LAYERS if BASEMAP != "amap" else [])
    ],
    "DEFAULT_CENTER": (32.69, 112.08),
    "DEFAULT_ZOOM": 11,
    "RESET_VIEW": False,
}

# --- Party-building and governance projects (projects/) --------------------------------------------
# Largest PDF accepted as a project's evidence, in bytes. Default 10 MB. (Photos follow
# GOVGRID_PHOTO_MAX_BYTES, as every photo does.)
PROJECT_PDF_MAX_BYTES = int(env_float("GOVGRID_PROJECT_PDF_MAX_BYTES", 10 * 1024 * 1024))
# Evidence files (photos and PDFs) one progress report may carry, at most. Default 10.
PROJECT_EVIDENCE_MAX_FILES = int(env_float("GOVGRID_PROJECT_EVIDENCE_MAX_FILES", 10))
# The register's choices by their own names in the OpenAPI document (its `kind` and `status` are
# not the cases' or the service requests').
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] |= {
    "ProjectKindEnum": "projects.models.Kind",
    "ProjectStatusEnum": "projects.models.Project.Status",
    "MilestoneStatusEnum": "projects.models.Milestone.Status",
    "GridKindEnum": "grids.models.GridKind",
    "GenerationStatusEnum": "grids.models.Generation.Status",
}

# --- Network fusion (多网融合) ------------------------------------------------------------------
# A foreign network's cell cuts across grids when more than one grid holds more than this many m²
# of it (a border drawn a metre off along a 500 m street is not a cut). Default 500 m².
NETWORK_CUT_TOLERANCE_M2 = env_float("GOVGRID_NETWORK_CUT_TOLERANCE_M2", 500.0)
