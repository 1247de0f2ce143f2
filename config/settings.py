"""Settings for the 爱心妈妈 case-management project.

Everything that differs between a laptop and production comes from the environment
(django-environ); there is no separate production settings file.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production-0123456789"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    # Under Chinese names in the admin (config/apps.py).
    "config.apps.AxesConfig",
    "csp",
    "django_tasks",
    "config.apps.TasksDatabaseConfig",
    "core",
    "regions",
    "volunteers",
    "children",
    "pairing",
    "activities",
    "reports",
    "closing",
    "casework",
    "audit",
    "assessments",
    "safeguarding",
    "roster",
    "todo",
    "notify",
    "proposals",
    "mothers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: a NUL or overlong parameter is refused before any query runs.
    "core.middleware.HostileParameterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "regions.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The header's and sidebar's per-account counts: one cache read per request (core.badges).
    "core.badges.BadgeCacheMiddleware",
    "regions.middleware.MustChangePasswordMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

# unfold's login form carries no ``next`` field: a login at /admin/login/ itself goes here
# (Django's default, /accounts/profile/, does not exist).
LOGIN_REDIRECT_URL = "admin:index"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username+IP is refused before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the staff profile and region with the user.
    "regions.backends.StaffModelBackend",
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
            ],
        },
    },
]

# SQLite by default so a first look needs no database server; production and CI set
# DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
# A kept connection is checked before its first use in each request (and each worker loop): after
# a database restart the next request reconnects instead of failing with a 500.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles any query it estimates as expensive — the region-wide counts of
    # the dashboard and ledgers — and each runs once: the compile cost 1.5 s of a 2.1 s query
    # (bench, province scale). Off for this application's connections only.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The job worker writes beside the web process. SQLite's default (a transaction that reads
    # first and writes later) gets "database is locked" at once when another connection writes
    # meanwhile, without waiting: a confirmed import failed that way. IMMEDIATE takes the write
    # lock when the transaction begins, so the busy timeout applies and the other writer is
    # waited for; WAL lets pages read while a job writes.
    _sqlite = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite.setdefault("timeout", env.int("DJANGO_SQLITE_TIMEOUT", default=20))
    _sqlite.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
# A read replica: a PostgreSQL streaming replica of DATABASE_URL (docs/deploy.md, "growing past
# one server"). Only reads that ask for it go there — the dashboard, statistics, ledgers and
# exports of a county or wider (core.db); writes, migrations, township figures and whatever a
# request reads after it wrote stay on the primary. In tests it is a mirror: Django creates no
# test database on it, and it connects to the default's test database, which the replica has
# because streaming replication copies the whole cluster.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql" or (
        DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    ):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL in it and in DATABASE_URL.")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db.ReplicaRouter"]
    MIDDLEWARE.insert(0, "core.db.PrimaryAfterWriteMiddleware")
# Writes that do not keep the rest of a request's reads on the primary (core.db): bookkeeping
# that no figure is computed from.
DATABASE_REPLICA_UNPINNED = {
    "sessions.session",
    "reports.job",
    "audit.*",
    "axes.*",
    "django_cache.cacheentry",
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the wide-scope dashboard figures (reports.dashboard) and the hourly search
# counts. In production (DEBUG off) it is the database table django_cache by default, so every
# app server process shares it (the table comes with `manage.py migrate`, reports 0004, and
# `manage.py createcachetable` makes it for any other dbcache name); DJANGO_CACHE_URL=redis://…
# is the alternative (docs/deploy.md). Development keeps a per-process memory cache.
CACHES = {"default": env.cache("DJANGO_CACHE_URL", default="locmemcache://" if DEBUG else "dbcache://django_cache")}
# Complete-number searches (ID or phone) a masked role may make in an hour (core.masking.identity_search_for).
IDENTITY_SEARCHES_PER_HOUR = env.int("DJANGO_IDENTITY_SEARCHES_PER_HOUR", default=30)
DASHBOARD_CACHE_SECONDS = env.int("DJANGO_DASHBOARD_CACHE_SECONDS", default=5 * 60)
# The dashboard's 12-month trend: the months before the one shown (reports.dashboard.trend_for).
DASHBOARD_TREND_CACHE_SECONDS = env.int("DJANGO_DASHBOARD_TREND_CACHE_SECONDS", default=60 * 60)
# The months kept in reports.RegionMonthFigures (reports.summary): at least this many up to the
# running one, from a January; the wide dashboards read them, older months are computed live.
# `refresh_figures` keeps them (every 5 minutes from docs/deploy/aixin-figures.timer, every
# minute beside `make run`).
DASHBOARD_FIGURES_MONTHS = env.int("DJANGO_DASHBOARD_FIGURES_MONTHS", default=13)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# Photos, job uploads and results hold children's data: readable by the service user only
# (chmod after each write; the systemd units also set UMask=0077 for directories).
FILE_UPLOAD_PERMISSIONS = 0o600

# Sessions end after 30 minutes idle and when the browser closes. The expiry is renewed by
# regions.middleware.SessionRenewalMiddleware at most once a minute, not written on every request.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Login guessing (django-axes): 5 failures for one username from one IP within 15 minutes lock
# that pair for 30 minutes. The window and the lock differ, which axes has no two settings for;
# core.security.axes_cool_off answers 15 or 30 minutes depending on whether the pair is locked.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_FAILURE_WINDOW = datetime.timedelta(minutes=15)
LOGIN_LOCKOUT_DURATION = datetime.timedelta(minutes=30)
AXES_COOLOFF_TIME = "core.security.axes_cool_off"
AXES_USERNAME_CALLABLE = "core.security.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "audit/locked_out.html"
AXES_COOLOFF_MESSAGE = _("Too many failed logins: this account is locked for 30 minutes. Please try again later.")
# Behind a reverse proxy the client address is in X-Forwarded-For. DJANGO_PROXY_COUNT says how
# many proxies of ours append to it; the address the outermost of them saw is the client (what a
# client writes into the header itself is further left and ignored). 0 = no proxy: REMOTE_ADDR.
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
# Axes' own tables (usernames, addresses) are for superusers only; the audit app keeps the login log.
AXES_ENABLE_ADMIN = True

# History (django-simple-history): reverting from the history page would bypass the services
# (card colour changes, pairing ends), so history is read-only.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

# django-import-export: exporting needs the change permission on the model (county admins for
# registers, township staff for visits and activities, viewers nothing); importing likewise.
# core.permissions.may_export / may_import hold this rule for every export path; these codes
# say the same for any admin that does not use core.ledger_admin.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"

# Audit logs are kept at least this long; prune_logs refuses anything shorter.
AUDIT_MIN_RETENTION_DAYS = 183

# Content-Security-Policy (django-csp 4). The unfold admin needs two relaxations, both checked
# against its templates: 'unsafe-eval' for scripts because its bundled Alpine.js evaluates
# x-data/@click expressions with the Function constructor (the standard, non-CSP build), and
# 'unsafe-inline' for styles because its templates carry style="" attributes and <style> blocks
# (theme colours). Scripts stay same-origin only: no inline <script> is allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Background jobs (reports.jobs) run on django-tasks with its database backend: the queue is a
# table in the same PostgreSQL, the worker is `manage.py job_worker` (started by `make run` in
# development, by a systemd unit in production; see README). DJANGO_TASKS_BACKEND=immediate
# runs each job inside the request that starts it (tests use this).
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = env.str("DJANGO_TASKS_BACKEND", default="database")
if _tasks_backend not in TASKS_BACKENDS:
    raise ImproperlyConfigured(f"DJANGO_TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}.")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[_tasks_backend]}}
# A running job's heartbeat is written this often (seconds); a running job whose last heartbeat
# is older than JOB_STALE_AFTER_SECONDS lost its worker and is failed (by the next
# `manage.py job_worker` start and by `fail_stale_jobs`). A job queued longer than
# JOB_QUEUED_WARNING_SECONDS tells its page that no worker seems to be running.
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=30)
JOB_STALE_AFTER_SECONDS = env.int("JOB_STALE_AFTER_SECONDS", default=300)
JOB_QUEUED_WARNING_SECONDS = env.int("JOB_QUEUED_WARNING_SECONDS", default=60)

# Programme rules that federations may tune per deployment.
#: 动态管理 (issue 15, item 4): the kinds of proposal the county approves before they change the
#: register (new_child, exit, colour, reenter; a transfer always waits for the receiving side).
#: The others are applied at once, recorded as approved by their proposer.
PROPOSALS_NEED_APPROVAL = env.list("PROPOSALS_NEED_APPROVAL", default=["new_child", "exit"])
PAIRING_MAX_CHILDREN_PER_VOLUNTEER = env.int("PAIRING_MAX_CHILDREN_PER_VOLUNTEER", default=3)
# Visit photos: largest accepted upload (bytes) and image size (pixels) before re-encoding.
VISIT_PHOTO_MAX_BYTES = env.int("VISIT_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
VISIT_PHOTO_MAX_PIXELS = env.int("VISIT_PHOTO_MAX_PIXELS", default=40_000_000)
# All photos of one visit form together, checked from their headers before any is decoded.
VISIT_PHOTO_MAX_PIXELS_PER_REQUEST = env.int("VISIT_PHOTO_MAX_PIXELS_PER_REQUEST", default=100_000_000)
# Visit photos of a child are refused unless the guardian consented to photos (safeguarding.Consent).
PHOTOS_REQUIRE_CONSENT = env.bool("PHOTOS_REQUIRE_CONSENT", default=False)
CONSENT_SCAN_MAX_BYTES = env.int("CONSENT_SCAN_MAX_BYTES", default=5 * 1024 * 1024)

UNFOLD = {
    "SITE_TITLE": _("Caring Mothers"),
    "SITE_HEADER": _("Caring Mothers pairing care"),
    "SITE_SUBHEADER": _("Women's federation case management"),
    # The username is normalised by the same function axes locks with (core.security).
    "LOGIN": {"form": "core.security.LoginForm"},
    "SITE_SYMBOL": "volunteer_activism",
    "SHOW_LANGUAGES": False,
    # "View on site" on a child's admin page opens the child's profile (档案).
    "SHOW_VIEW_ON_SITE": True,
    "SITE_DROPDOWN": "activities.views.site_dropdown",
    "SIDEBAR": {"show_search": True, "show_all_applications": True},
    "DASHBOARD_CALLBACK": "reports.dashboard.dashboard_callback",
    # The 强制报告 badge (safeguarding.alerts) and the unread messages (notify.inbox).
    "ENVIRONMENT": "notify.inbox.environment_callback",
    "ACCOUNT": {
        "navigation": [{"title": "notify.inbox.account_link_title", "link": "notify.inbox.inbox_url"}],
    },
}

# Reminders (notify): email through Django's backend, SMTP from DJANGO_EMAIL_URL
# (smtp+tls://user:password@smtp.example.gov.cn:587; the default prints mails to the log), and
# the SMS gateway class (notify.channels.SmsGateway; the default only logs).
vars().update(env.email_url("DJANGO_EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="aixin@localhost")
NOTIFY_SMS_BACKEND = env.str("NOTIFY_SMS_BACKEND", default="notify.channels.LoggingSmsGateway")
# The hosts a group robot's address may name (notify.models.robot_host_allowed): the server
# posts there, so no other host (nothing in the intranet) can be named.
NOTIFY_ROBOT_HOSTS = env.list("DJANGO_NOTIFY_ROBOT_HOSTS", default=["qyapi.weixin.qq.com", "oapi.dingtalk.com"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}

# Longest accepted value of a query-string parameter (core.middleware; longer ones get a 400).
QUERY_PARAMETER_MAX_LENGTH = env.int("QUERY_PARAMETER_MAX_LENGTH", default=1000)

# Ledger imports (core/ledger): limits on uploads, and where uploads wait between preview
# and confirm (deleted after the import; `purge_ledger_uploads` removes leftovers after a day).
# One upload limit for the admin import, the job upload form and the reader (JOB_UPLOAD_MAX_BYTES,
# the job form's old variable, is still read when LEDGER_MAX_UPLOAD_BYTES is not set).
LEDGER_MAX_UPLOAD_BYTES = env.int(
    "LEDGER_MAX_UPLOAD_BYTES", default=env.int("JOB_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
)
LEDGER_MAX_ROWS = env.int("LEDGER_MAX_ROWS", default=100_000)
# The grid a reader may build, checked from the file's cell records before it is built: columns,
# and rows × columns (a 1.7 KB .xlsx with one cell at XFD100000 asks for 1.6 billion cells).
LEDGER_MAX_COLUMNS = env.int("LEDGER_MAX_COLUMNS", default=200)
LEDGER_MAX_CELLS = env.int("LEDGER_MAX_CELLS", default=5_000_000)
LEDGER_UPLOAD_DIR = env.path("LEDGER_UPLOAD_DIR", default=BASE_DIR / "var" / "ledger-uploads")
IMPORT_EXPORT_TMP_STORAGE_CLASS = "core.ledger.storage.LedgerUploadStorage"
