"""Settings, all read from the environment (see README "Configuration").

Safe development defaults: a fresh clone runs on SQLite with DEBUG on.
"""

import warnings
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.storage.CollectedStaticFiles",
    "guardian",
    "axes",
    "viewflow",
    "viewflow.workflow",
    "worktime",
    "issuers",
    "approvals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the app server, compressed and cached (no separate web server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "approvals.middleware.FlowUrlGuardMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it answers locked-out logins.
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
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "approvals.context_processors.app_bar",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every transaction take the write lock at BEGIN, so concurrent
    # writers queue up instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# Our own strings, then viewflow's (it ships no Simplified Chinese of its own).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_framework"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
if DEBUG:
    # Development serves static files from the apps (runserver, or whitenoise's finders);
    # there is no collected STATIC_ROOT to warn about.
    WHITENOISE_USE_FINDERS = True
    warnings.filterwarnings("ignore", "No directory at", UserWarning, "whitenoise.base")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # In production `collectstatic` writes hashed, compressed copies that whitenoise serves
    # with far-future cache headers.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "config.storage.StaticStorage"
    },
}
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded materials and receipts are never served from a public URL: only the
# scoped download views read them. MEDIA_URL is therefore deliberately unset.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Who issues keys and PSAM cards and runs the general test (社会保障卡发行管理流程 steps 6-8):
# a department kind, "infocenter" (the Ministry Information Center, as the procedure says) or
# "ministry" (the IT Office). domain.md marks the routing of these steps UNCONFIRMED.
AUTHORISATION_OFFICE = env.str("AUTHORISATION_OFFICE", default="infocenter")

# The office's signing key and certificate (PEM files, never in the database): every issued
# PDF is signed with them (PAdES), and so is every checkpoint of the audit chain. `make run`
# writes a demo pair here on first run (`manage.py signing_key --demo`).
DOCUMENT_SIGNING_KEY = env.path(
    "DOCUMENT_SIGNING_KEY", default=BASE_DIR / "var/signing/demo-key.pem"
)
# The offices' seals printed on documents: <area code>.png|svg, ministry.png|svg (else a demo
# seal that says so).
DOCUMENT_SEAL_DIR = env.str("DOCUMENT_SEAL_DIR", default="")
DOCUMENT_SIGNING_CERT = env.path(
    "DOCUMENT_SIGNING_CERT", default=BASE_DIR / "var/signing/demo-cert.pem"
)

# The audit chain's signed checkpoints, also kept outside the database: one JSON line each,
# only ever appended to (approvals/audit.py). On its own disk or host, not writable by the
# database's administrators.
AUDIT_CHECKPOINT_DIR = env.path("AUDIT_CHECKPOINT_DIR", default=BASE_DIR / "var/audit")

# Exports: an XLSX of up to this many rows is written while the official waits; a longer one
# by a worker, with a progress page. CSV always streams.
EXPORT_INLINE_ROWS = env.int("EXPORT_INLINE_ROWS", default=5000)

# Uploads: PDF and images only, checked by content.
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=20 * 1024 * 1024)
MATERIAL_MAX_VERSIONS = env.int("MATERIAL_MAX_VERSIONS", default=20)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Every form takes one file at most.
DATA_UPLOAD_MAX_NUMBER_FILES = 2
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Issuer ID = ISSUER_ID_FORMAT filled with the area's GB/T 2260 code and the national
# serial, followed by one ISO 7064 check character (python-stdnum). See README.
ISSUER_ID_FORMAT = env.str("ISSUER_ID_FORMAT", default="{area}{serial:06d}")
ISSUER_ID_CHECK = env.str("ISSUER_ID_CHECK", default="mod_11_2")

# Login lock-out: 5 failures for one username from one address lock it for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind nginx every request comes from the proxy: the address that counts is the one the
# proxies forward (docs/deploy.md). TRUSTED_PROXIES is how many of them stand in front.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The viewflow Material UI puts its theme colours in an inline <style>; scripts are all local.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Mail: EMAIL_URL (e.g. smtp+tls://user:password@mail.example.org:587) or the console.
_email = env.email_url("EMAIL_URL", default="consolemail://")
globals().update({name: value for name, value in _email.items() if value not in (None, "")})
# EMAIL_BACKEND alone also works, e.g. the file backend with EMAIL_FILE_PATH in tests.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_email["EMAIL_BACKEND"])
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ssc-approvals@localhost")
# Where officials open the system; links in e-mails start with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Cache and sessions: Redis when CACHE_URL is set (redis://host:6379/1), else in-process.
# Sessions are written through to the database, so a Redis restart logs nobody out.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Background work (issued documents, e-mails, viewflow timers) runs on Celery with Redis when
# CELERY_BROKER_URL is set. Without it (the embedded SQLite mode) tasks run in-process, right
# after the transaction that queued them commits; no worker is needed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Celery still takes a producer from its pool for an eager task: keep it in memory, so
    # that the embedded mode never reaches for a broker on the network.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="ssc")
# Acknowledge a message only after its task finished, and take one at a time: a worker lost
# mid-task leaves the message to be delivered again, to another worker or after a restart.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message taken by a worker that vanished (killed, machine lost) is delivered again once
# visibility_timeout seconds have passed; the other workers look for such messages every
# unacked_restore_interval seconds. The timeout must exceed the longest task (ours: seconds).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL", default=30),
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "viewflow-timers": {"task": "approvals.tasks.fire_workflow_timers", "schedule": 60.0},
    "time-limits": {"task": "approvals.tasks.sweep_time_limits", "schedule": 300.0},
    "dashboards": {"task": "approvals.tasks.refresh_dashboards", "schedule": 600.0},
    "audit-checkpoint": {"task": "approvals.tasks.write_audit_checkpoint", "schedule": 3600.0},
    "stale-change-drafts": {
        "task": "approvals.tasks.discard_stale_change_drafts",
        "schedule": 24 * 3600.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
