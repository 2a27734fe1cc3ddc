"""One settings module, driven by environment variables (see README, "Configuration")."""

import ipaddress
import json
import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from igrs.core import databases
from igrs.core.env import (
    env_bool,
    env_float,
    env_floats,
    env_int,
    env_json,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("IGRS_VAR_DIR", str(Path.cwd() / "var")))


DEBUG = env_bool("IGRS_DEBUG", False)
# The demo key only ever signs sessions of a local demo; production must set IGRS_SECRET_KEY.
SECRET_KEY = env_str("IGRS_SECRET_KEY", "insecure-demo-key-set-IGRS_SECRET_KEY")
ALLOWED_HOSTS = env_list("IGRS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "igrs.core",
    "igrs.directory",
    "igrs.notifications",
    "igrs.grievances",
    "igrs.api",
    "igrs.portal",
    "igrs.callcentre",
    "igrs.ivr",
    "igrs.officers",
    "igrs.open311",
    "igrs.monitoring",
    "igrs.faces",
    "igrs.ops",
    "igrs.intelligence",
    "igrs.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "igrs.core.middleware.HindiFirstMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "igrs.core.replica.ReadYourWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "igrs.urls"
WSGI_APPLICATION = "igrs.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "igrs.portal.context.citizen",
                "igrs.faces.context.staff",
                "igrs.core.replica.context",
            ],
        },
    },
]

DATABASES = {
    "default": databases.configure(
        env_str("IGRS_DATABASE_URL", f"sqlite:///{VAR_DIR / 'igrs.sqlite3'}"),
        pooler=env_str("IGRS_DATABASE_POOLER", ""),
        prepared=env_bool("IGRS_DB_PREPARED", True),
        # Persistent connections: a new connection per request costs ~3x throughput.
        conn_max_age=env_int("IGRS_DB_CONN_MAX_AGE", 600),
        # Off by default: a check is one more query on every request; a connection that broke
        # fails one request and is then replaced. Turn on where the database restarts often.
        health_checks=env_bool("IGRS_DB_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("IGRS_TEST_SQLITE_NAME")}
if env_str("IGRS_REPLICA_URL", ""):
    # A streaming replica for the pages that may read a little behind (core/replica.py).
    DATABASES["replica"] = databases.configure(
        env_str("IGRS_REPLICA_URL", ""),
        pooler=env_str("IGRS_REPLICA_POOLER", env_str("IGRS_DATABASE_POOLER", "")),
        prepared=env_bool("IGRS_DB_PREPARED", True),
        conn_max_age=env_int("IGRS_DB_CONN_MAX_AGE", 600),
        health_checks=True,  # a replica restarts on its own schedule
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["igrs.core.replica.Router"]
# Reads from the replica while it is at most this far behind the primary (then: primary),
# measured at most this often per process.
IGRS_REPLICA_MAX_LAG_SECONDS = env_float("IGRS_REPLICA_MAX_LAG_SECONDS", 30)
IGRS_REPLICA_CHECK_SECONDS = env_float("IGRS_REPLICA_CHECK_SECONDS", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "hi"
LANGUAGES = [("hi", _("Hindi")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Kolkata"
# The dashboard's covering index (monitoring.DailyTally) has non-key columns on PostgreSQL;
# SQLite builds it without them, which is what we want there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
USE_TZ = True

# An action-taken report may carry three 5 MB files as base64 JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = 22 * 1024 * 1024

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff_home"
LOGOUT_REDIRECT_URL = "login"

# The language switch is remembered for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("IGRS_HTTPS", False)

# Uploaded evidence goes through Django's storage API: local disk by default; any backend by
# its dotted path, e.g. S3-compatible storage with `pip install igrs[s3]` and
# IGRS_MEDIA_STORAGE=storages.backends.s3.S3Storage
# IGRS_MEDIA_STORAGE_OPTIONS='{"bucket_name": "igrs-evidence", "endpoint_url": "https://…"}'.
STORAGES = {
    "default": {
        "BACKEND": env_str("IGRS_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json("IGRS_MEDIA_STORAGE_OPTIONS", "{}"),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env_str("IGRS_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("IGRS_LOG_LEVEL", "INFO")},
}

# --- Grievance rules (all overridable per deployment) ---
IGRS_MONTHLY_CAP_PER_MOBILE = env_int("IGRS_MONTHLY_CAP_PER_MOBILE", 10)
IGRS_DUPLICATE_WINDOW_HOURS = env_int("IGRS_DUPLICATE_WINDOW_HOURS", 72)
IGRS_MAX_VERIFICATION_ATTEMPTS = env_int("IGRS_MAX_VERIFICATION_ATTEMPTS", 3)
# Hours to wait before calling again after the 1st, 2nd, … unanswered call (the last repeats).
IGRS_VERIFICATION_RETRY_HOURS = env_floats("IGRS_VERIFICATION_RETRY_HOURS", "2,6,24")
# How long a "next call" stays with the agent who took it before it goes back to the queue.
IGRS_VERIFICATION_LEASE_MINUTES = env_int("IGRS_VERIFICATION_LEASE_MINUTES", 15)
# Share of closed complaints a supervisor re-calls to audit the verification, in percent.
IGRS_AUDIT_SHARE_PERCENT = env_float("IGRS_AUDIT_SHARE_PERCENT", 5)
IGRS_REMINDER_HOURS_BEFORE_DUE = env_int("IGRS_REMINDER_HOURS_BEFORE_DUE", 24)
IGRS_CITIZEN_REMINDER_EVERY_HOURS = env_int("IGRS_CITIZEN_REMINDER_EVERY_HOURS", 72)
# At the top level a not-satisfied verdict closes the complaint with the final reason.
IGRS_CLOSE_AT_TOP_WHEN_NOT_SATISFIED = env_bool("IGRS_CLOSE_AT_TOP_WHEN_NOT_SATISFIED", True)
# Master data (posts, rules, time limits, holidays, templates) is cached per process this long.
IGRS_MASTER_CACHE_SECONDS = env_int("IGRS_MASTER_CACHE_SECONDS", 30)

# --- Citizen portal ---
IGRS_OTP_VALID_MINUTES = env_int("IGRS_OTP_VALID_MINUTES", 10)
IGRS_OTP_MAX_ATTEMPTS = env_int("IGRS_OTP_MAX_ATTEMPTS", 5)
# Codes to one mobile: the per-mobile budgets stop a phone being flooded; the smaller budgets
# of one mobile from one address keep a stranger from spending the owner's alone
# (docs/privacy.md).
IGRS_OTP_PER_MOBILE_PER_HOUR = env_int("IGRS_OTP_PER_MOBILE_PER_HOUR", 5)
IGRS_OTP_PER_MOBILE_PER_DAY = env_int("IGRS_OTP_PER_MOBILE_PER_DAY", 10)
IGRS_OTP_PER_MOBILE_SOURCE_PER_HOUR = env_int("IGRS_OTP_PER_MOBILE_SOURCE_PER_HOUR", 2)
IGRS_OTP_PER_MOBILE_SOURCE_PER_DAY = env_int("IGRS_OTP_PER_MOBILE_SOURCE_PER_DAY", 4)
# Mobile carriers put many phones behind one address (CGNAT): keep these generous.
IGRS_OTP_PER_IP_PER_HOUR = env_int("IGRS_OTP_PER_IP_PER_HOUR", 60)
IGRS_OTP_PER_IP_PER_DAY = env_int("IGRS_OTP_PER_IP_PER_DAY", 500)
IGRS_TRACK_FAILURES_PER_IP_PER_HOUR = env_int("IGRS_TRACK_FAILURES_PER_IP_PER_HOUR", 30)
# How long a verified mobile stays signed in on the portal.
IGRS_CITIZEN_SESSION_MINUTES = env_int("IGRS_CITIZEN_SESSION_MINUTES", 30)
# Behind N reverse proxies, the client's address is the N-th from the right in X-Forwarded-For.
IGRS_PROXY_HOPS = env_int("IGRS_PROXY_HOPS", 0)
# Uploads at filing: three 5 MB files.
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Category suggestions asked per minute by one person on the portal or console.
IGRS_SUGGEST_PER_MINUTE = env_int("IGRS_SUGGEST_PER_MINUTE", 60)

# --- Officers ---
# Where people reach this installation: links in SMS are built from it.
IGRS_PUBLIC_URL = env_str("IGRS_PUBLIC_URL", "http://127.0.0.1:8000")
IGRS_OFFICER_LINK_DAYS = env_int("IGRS_OFFICER_LINK_DAYS", 30)
# A photo taken farther than this from the complaint's place (where coordinates are known)
# is flagged on the evidence.
IGRS_EVIDENCE_MAX_KM = env_float("IGRS_EVIDENCE_MAX_KM", 25)

# --- Summaries and webhooks ---
# How long a missing event id is awaited (a transaction still running) before it is taken
# for a rolled-back insert. Longer than any transaction.
IGRS_SUMMARY_GAP_SECONDS = env_int("IGRS_SUMMARY_GAP_SECONDS", 600)
# The department whose district-level post heads the whole district on the dashboard (UP:
# Revenue, whose L2 post is the District Magistrate).
IGRS_DISTRICT_HEAD_DEPARTMENT = env_str("IGRS_DISTRICT_HEAD_DEPARTMENT", "REV")

# --- Integrations ---
# Open311: the jurisdiction_id this server answers for, and how many calls a minute one
# address may make without an api_key (keys have their own limit).
IGRS_OPEN311_JURISDICTION = env_str("IGRS_OPEN311_JURISDICTION", "up.gov.in")
IGRS_OPEN311_PUBLIC_PER_MINUTE = env_int("IGRS_OPEN311_PUBLIC_PER_MINUTE", 60)
IGRS_WEBHOOK_MAX_ATTEMPTS = env_int("IGRS_WEBHOOK_MAX_ATTEMPTS", 8)
# Webhooks may go to private, loopback and link-local addresses only where the deployment's
# integrations live on its own network (a state data centre); off, only public addresses.
IGRS_WEBHOOK_PRIVATE_NETWORKS = env_bool("IGRS_WEBHOOK_PRIVATE_NETWORKS", False)
# Or only some of them: networks (CIDR, comma-separated) a webhook may reach besides public
# addresses, e.g. the state data centre's integration subnet.
IGRS_WEBHOOK_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network, strict=False)
    for network in env_list("IGRS_WEBHOOK_ALLOWED_NETWORKS")
]

# --- Notifications ---
IGRS_SMS_GATEWAY = env_str("IGRS_SMS_GATEWAY", "igrs.notifications.gateways.ConsoleGateway")
IGRS_SMS_FILE = env_str("IGRS_SMS_FILE", str(VAR_DIR / "sms.log"))
IGRS_SMS_MAX_ATTEMPTS = env_int("IGRS_SMS_MAX_ATTEMPTS", 5)
# DLT: a message whose template has no DLT template id, header or entity id is parked
# rather than sent (the operator would drop it). Off only for the development console.
IGRS_DLT_REQUIRED = env_bool("IGRS_DLT_REQUIRED", not IGRS_SMS_GATEWAY.endswith("ConsoleGateway"))
IGRS_SMS_HEADER = env_str("IGRS_SMS_HEADER", "UPIGRS")  # seeded into new templates
IGRS_DLT_ENTITY_ID = env_str("IGRS_DLT_ENTITY_ID", "")  # seeded into new templates
IGRS_SMS_RATE = env_float("IGRS_SMS_RATE", 50)  # per worker process; 0: no limit
IGRS_SMS_CONCURRENCY = env_int("IGRS_SMS_CONCURRENCY", 4)  # HTTP requests at once per worker
IGRS_SMS_BATCH = env_int("IGRS_SMS_BATCH", 50)  # messages claimed per round
# HTTP gateway (Kannel's sendsms or an aggregator): see notifications/gateways.py.
IGRS_SMS_HTTP_URL = env_str("IGRS_SMS_HTTP_URL", "http://127.0.0.1:13013/cgi-bin/sendsms")
IGRS_SMS_HTTP_METHOD = env_str("IGRS_SMS_HTTP_METHOD", "GET")
IGRS_SMS_HTTP_PARAMS = json.dumps(
    env_json(
        "IGRS_SMS_HTTP_PARAMS",
        json.dumps(
            {
                "username": "igrs",
                "password": "",
                "from": "{header}",
                "to": "{to}",
                "text": "{text}",
                "coding": "{coding}",
                "charset": "UTF-8",
                "dlr-mask": "27",
                "dlr-url": "{dlr_url}",
                "meta-data": "?smpp?PE_ID={entity_id}&TEMPLATE_ID={template_id}",
            }
        ),
    ),
    ensure_ascii=False,
)
IGRS_SMS_HTTP_ID_PATTERN = env_str("IGRS_SMS_HTTP_ID_PATTERN", "")
IGRS_SMS_TIMEOUT = env_float("IGRS_SMS_TIMEOUT", 10)  # HTTP and SMPP
IGRS_SMS_HTTP_IDEMPOTENT = env_bool("IGRS_SMS_HTTP_IDEMPOTENT", False)
# Delivery-report callback: base URL the gateway can reach, and the query it appends
# (Kannel's escapes by default: %d the report type, %A the SMSC's answer).
IGRS_SMS_DLR_BASE = env_str("IGRS_SMS_DLR_BASE", "")
IGRS_SMS_DLR_QUERY = env_str("IGRS_SMS_DLR_QUERY", "type=%d&answer=%A")
# SMPP gateway (v3.4 transceiver); the DLT ids go in these TLV tags.
IGRS_SMPP_HOST = env_str("IGRS_SMPP_HOST", "127.0.0.1")
IGRS_SMPP_PORT = env_int("IGRS_SMPP_PORT", 2775)
IGRS_SMPP_SYSTEM_ID = env_str("IGRS_SMPP_SYSTEM_ID", "igrs")
IGRS_SMPP_PASSWORD = env_str("IGRS_SMPP_PASSWORD", "")
IGRS_SMPP_SYSTEM_TYPE = env_str("IGRS_SMPP_SYSTEM_TYPE", "")
IGRS_SMPP_ENTITY_TLV = env_int("IGRS_SMPP_ENTITY_TLV", 0x1400)
IGRS_SMPP_TEMPLATE_TLV = env_int("IGRS_SMPP_TEMPLATE_TLV", 0x1401)
# Administrators mailed about parked and failed SMS (comma-separated addresses); without an
# SMTP host the mails are written under var/mail.
ADMINS = env_list("IGRS_ADMINS")
SERVER_EMAIL = env_str("IGRS_SERVER_EMAIL", "igrs@localhost")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env_str("IGRS_EMAIL_HOST", ""),
            "port": env_int("IGRS_EMAIL_PORT", 25),
            "username": env_str("IGRS_EMAIL_USER", ""),
            "password": env_str("IGRS_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("IGRS_EMAIL_TLS", False),
        },
    }
    if env_str("IGRS_EMAIL_HOST", "")
    else {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
    }
}
IGRS_WORKER_POLL_SECONDS = env_float("IGRS_WORKER_POLL_SECONDS", 1)
IGRS_SWEEP_EVERY_SECONDS = env_float("IGRS_SWEEP_EVERY_SECONDS", 60)

# --- Partitions (PostgreSQL; core/partitions.py, `igrs partitions`) ---
# Months made ahead of time, and months kept per table before they are detached (a JSON
# object, e.g. {"notifications_outboxmessage": 24}; a table not named keeps everything).
IGRS_PARTITION_MONTHS_AHEAD = env_int("IGRS_PARTITION_MONTHS_AHEAD", 3, minimum=1)
IGRS_PARTITION_KEEP_MONTHS = env_json("IGRS_PARTITION_KEEP_MONTHS", "{}")
