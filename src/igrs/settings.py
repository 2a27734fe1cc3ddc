"""One settings module, driven by environment variables (see README, "Configuration")."""

import ipaddress
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.csp import CSP
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
from igrs.core.keys import DEMO_KEY

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("IGRS_VAR_DIR", str(Path.cwd() / "var")))


DEBUG = env_bool("IGRS_DEBUG", False)
# The demo key only ever signs sessions of a local demo: with debug off, `igrs serve` and
# `igrs worker` refuse it (core/keys.py). Rotation: the old key moves to the fallbacks
# (comma-separated), which are still accepted for what they signed, never used to sign.
SECRET_KEY = env_str("IGRS_SECRET_KEY", DEMO_KEY)
SECRET_KEY_FALLBACKS = env_list("IGRS_SECRET_KEY_FALLBACKS")

# Where people reach this installation: links in SMS are built from it, and a browser's POST
# from it passes the CSRF origin check even where a proxy terminates TLS.
IGRS_PUBLIC_URL = env_str("IGRS_PUBLIC_URL", "http://127.0.0.1:8000")
_public = urlsplit(IGRS_PUBLIC_URL)
IGRS_HTTPS = env_bool("IGRS_HTTPS", _public.scheme == "https")
ALLOWED_HOSTS = env_list("IGRS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
if _public.hostname and _public.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public.hostname)
CSRF_TRUSTED_ORIGINS = [
    f"{_public.scheme}://{_public.netloc}",
    *env_list("IGRS_CSRF_TRUSTED_ORIGINS"),
]
# Behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto (and passes Host on):
# trusted only when said so, since without such a proxy any client could send the header.
IGRS_TRUSTED_PROXY = env_bool("IGRS_TRUSTED_PROXY", False)
if IGRS_TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS: secure cookies, HSTS, and plain-HTTP requests that reach the server redirected
# (where the proxy is trusted to say which were HTTPS), except the SMS gateway's delivery
# reports, which Kannel may post on the internal network.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = IGRS_HTTPS
SECURE_SSL_REDIRECT = env_bool("IGRS_SSL_REDIRECT", IGRS_HTTPS and IGRS_TRUSTED_PROXY)
SECURE_REDIRECT_EXEMPT = [r"^sms/dlr/"]
SECURE_HSTS_SECONDS = env_int("IGRS_HSTS_SECONDS", 365 * 24 * 3600 if IGRS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("IGRS_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("IGRS_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"  # officers' links carry a token: never sent elsewhere
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from our own static files: no inline script or style attribute.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Powerful browser features no page of ours uses.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
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
    "igrs.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "igrs.core.middleware.HindiFirstMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "igrs.faces.staff_session.StaffSessionMiddleware",
    "igrs.core.replica.ReadYourWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
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

# --- Staff accounts (docs/configuration.md, "Staff accounts") ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("IGRS_PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout per account AND source together: failures from an attacker's address never lock
# the owner out at their own desk, and one address cannot spray one account for ever. Each
# lockout lasts longer than the last (progressive cool-off, faces/staff_session.py).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("IGRS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = "igrs.faces.staff_session.cool_off"
AXES_CLIENT_IP_CALLABLE = "igrs.faces.session.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_USE_ATTEMPT_EXPIRATION = True  # each lockout expires by its own cool-off
AXES_LOCKOUT_CALLABLE = "igrs.faces.staff_session.locked_out"
AXES_VERBOSE = False
# The second factor: TOTP, required for these roles' sessions; officers too where the
# deployment says so. Sessions lapse after IGRS_STAFF_IDLE_MINUTES without a request and when
# the browser closes. IGRS_TOTP=0 turns it off: the demo does, so that anyone can look around
# without an authenticator app; a deployment never should.
IGRS_TOTP_REQUIRED_ROLES = ["admin", "desk", "supervisor"]
if env_bool("IGRS_TOTP_FOR_OFFICERS", False):
    IGRS_TOTP_REQUIRED_ROLES.append("officer")
if not env_bool("IGRS_TOTP", True):
    IGRS_TOTP_REQUIRED_ROLES = []
OTP_TOTP_ISSUER = env_str("IGRS_TOTP_ISSUER", "IGRS")
IGRS_STAFF_IDLE_MINUTES = env_int("IGRS_STAFF_IDLE_MINUTES", 30, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("IGRS_SESSION_MAX_HOURS", 12, minimum=1) * 3600

# The language switch is remembered for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True

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
# Mass grievances (docs/intelligence.md): an open complaint of the same category and place
# whose description is at least this similar (trigram similarity, 0-1) is the same problem;
# at least 0.3, pg_trgm's own threshold, which the index search applies first.
IGRS_CLUSTER_SIMILARITY = max(0.3, env_float("IGRS_CLUSTER_SIMILARITY", 0.45))
# How far back open complaints are looked at for clusters and for "already filed?" at filing.
IGRS_CLUSTER_WINDOW_DAYS = env_int("IGRS_CLUSTER_WINDOW_DAYS", 30)
# Fake-disposal signals: a report photo within this many bits (of 64, dHash) of another
# report's photo or of the complainant's own is a re-used photo.
IGRS_PHOTO_HASH_MAX_DISTANCE = env_int("IGRS_PHOTO_HASH_MAX_DISTANCE", 6)
# A report whose text is at least this similar to this many of the same post's earlier
# reports on other complaints (in the window) is copy-paste.
IGRS_COPIED_REPORT_SIMILARITY = env_float("IGRS_COPIED_REPORT_SIMILARITY", 0.9)
IGRS_COPIED_REPORT_REPEATS = env_int("IGRS_COPIED_REPORT_REPEATS", 3)
IGRS_FLAG_WINDOW_DAYS = env_int("IGRS_FLAG_WINDOW_DAYS", 90)
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
# A send in doubt (worker killed, no answer) through a gateway that reports each message it
# accepted (the HTTP gateway with {dlr_url}: Kannel's DLR mask 8/16) waits this long for that
# report; without one it never reached the gateway and is queued again. 0: a person decides.
IGRS_SMS_CONFIRM_SECONDS = env_float("IGRS_SMS_CONFIRM_SECONDS", 900)
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
# The 500 reports mailed to them carry no POST value, sign-in header or cookie: the forms
# that fail carry complainants' names and mobiles (core/error_reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "igrs.core.error_reports.NoPersonalData"
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
            # A stuck mail server must not hold the worker's loop that alerts (SMS, sweep).
            "timeout": env_int("IGRS_EMAIL_TIMEOUT", 10, minimum=1),
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
# /readyz is "not ready" when a job's heartbeat is older than three intervals and this.
IGRS_HEARTBEAT_GRACE_SECONDS = env_float("IGRS_HEARTBEAT_GRACE_SECONDS", 60)

# --- Partitions (PostgreSQL; core/partitions.py, `igrs partitions`) ---
# Months made ahead of time, and months kept per table before they are detached (a JSON
# object, e.g. {"notifications_outboxmessage": 24}; a table not named keeps everything).
IGRS_PARTITION_MONTHS_AHEAD = env_int("IGRS_PARTITION_MONTHS_AHEAD", 3, minimum=1)
IGRS_PARTITION_KEEP_MONTHS = env_json("IGRS_PARTITION_KEEP_MONTHS", "{}")
