"""Issue 18, sections 2 and 3: secrets and their rotation, the production settings behind a
TLS-terminating proxy (`check --deploy` clean), the security headers, and staff accounts
(lockout per login and source, password rules, the TOTP second factor, idle sessions). The
nginx + TLS + Chromium run is tests/browser/test_tls_proxy.py."""

import base64
import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import TOTP

from igrs.core import clock, keys, links
from igrs.core.accounts import grant_role
from igrs.directory.models import Officer
from igrs.faces.staff_session import cool_off
from igrs.notifications import receipts
from igrs.portal import services as portal

SRC = Path(__file__).resolve().parent.parent / "src" / "igrs"
ON_SQLITE_PASS = pytest.mark.skipif(
    os.environ.get("IGRS_DATABASE_URL", "").startswith("postgres"),
    reason="child processes that read only the environment: once per suite, in the SQLite pass",
)
STRONG = secrets.token_urlsafe(50)
PRODUCTION = {
    "IGRS_SECRET_KEY": STRONG,
    "IGRS_PUBLIC_URL": "https://igrs.up.gov.in",
    "IGRS_ALLOWED_HOSTS": "igrs.up.gov.in",
    "IGRS_TRUSTED_PROXY": "1",
    "IGRS_PROXY_HOPS": "1",
    "IGRS_EMAIL_HOST": "smtp.up.gov.in",
    "IGRS_EMAIL_PORT": "587",
    "IGRS_EMAIL_TLS": "1",
    "IGRS_SERVER_EMAIL": "igrs@up.gov.in",
    "IGRS_ADMINS": "igrs-ops@up.gov.in",
}


def igrs(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """The `igrs` command in a child process with only the given settings (debug off)."""
    # Not the test run's own switches either: the browser tests allow Django's sync calls
    # from Playwright's event loop, which check --deploy rightly refuses in production.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("IGRS_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    base["IGRS_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "igrs.cli", "--lang", "en", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---------------------------------------------------------------- secrets


@ON_SQLITE_PASS
@pytest.mark.parametrize(
    "command, key",
    [
        ("serve", None),
        ("serve", keys.DEMO_KEY),
        ("worker", "short-but-not-empty"),
    ],
    ids=["serve-unset", "serve-demo-key", "worker-short-key"],
)
def test_serve_and_worker_refuse_a_known_or_short_key_in_one_line(tmp_path, command, key):
    done = igrs(command, tmp_path=tmp_path, **({"IGRS_SECRET_KEY": key} if key else {}))
    assert done.returncode != 0
    message = done.stderr.strip()
    assert "\n" not in message and "IGRS_SECRET_KEY" in message


def test_a_weak_key_is_named_and_a_strong_one_passes(settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = STRONG, []
    assert keys.production_key_problem() is None
    settings.SECRET_KEY_FALLBACKS = [keys.DEMO_KEY]
    assert "FALLBACKS" in keys.production_key_problem()
    assert keys.weak_key_problem("") and keys.weak_key_problem("x" * 49)
    settings.SECRET_KEY = keys.DEMO_KEY
    assert keys.production_key_problem().startswith(keys.weak_key_problem(keys.DEMO_KEY))
    settings.DEBUG = True  # a developer's machine
    assert keys.production_key_problem() is None


def test_each_purpose_has_its_own_key():
    assert keys.sign("officer-link", "42") != keys.sign("sms-receipt", "42")
    assert keys.sign("officer-link", "42") != keys.sign("citizen-otp", "42")


def test_links_receipts_and_otp_hashes_survive_a_key_rotation_until_the_fallback_goes(settings):
    old, new = STRONG, secrets.token_urlsafe(50)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old, []
    token = links.officer_link(7, 9).rsplit("/", 1)[1]
    dlr = receipts.callback_url(5).split("/sms/dlr/5/")[1].split("/")[0]
    code_hash = portal._code_hash("+919811100001", "123456")

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new, [old]
    assert links.read_officer_link(token) == (7, 9)
    assert receipts.signature_ok(5, dlr)
    assert keys.signed(portal.OTP_PURPOSE, "+919811100001:123456", code_hash)
    assert links.officer_link(7, 9).rsplit("/", 1)[1] != token  # new ones use the new key

    settings.SECRET_KEY_FALLBACKS = []
    assert links.read_officer_link(token) is None
    assert not receipts.signature_ok(5, dlr)
    assert not keys.signed(portal.OTP_PURPOSE, "+919811100001:123456", code_hash)


# ---------------------------------------------------------------- production settings


@ON_SQLITE_PASS
def test_check_deploy_is_clean_with_the_documented_production_settings(tmp_path):
    documented = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    for name in PRODUCTION:
        assert f"`{name}`" in documented, name
    done = igrs("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **PRODUCTION)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout
    # Without them the same check complains (it can fail): demo key, no HTTPS.
    bare = igrs("check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert bare.returncode != 0 and "security.W009" in bare.stderr


@ON_SQLITE_PASS
def test_the_public_https_url_makes_the_origin_trusted_and_the_cookies_secure(tmp_path):
    shown = igrs(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.CSRF_TRUSTED_ORIGINS, "
        "s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.ALLOWED_HOSTS)",
        tmp_path=tmp_path,
        **PRODUCTION,
    )
    assert shown.stdout.split() == [
        "['https://igrs.up.gov.in']",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "True",
        "31536000",
        "['igrs.up.gov.in']",
    ], shown.stderr
    # Without IGRS_TRUSTED_PROXY nobody's X-Forwarded-Proto is believed.
    untrusted = igrs(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)",
        tmp_path=tmp_path,
        **{**PRODUCTION, "IGRS_TRUSTED_PROXY": "0"},
    )
    assert untrusted.stdout.strip() == "None", untrusted.stderr


# ---------------------------------------------------------------- headers


def test_pages_carry_csp_without_inline_script_and_the_other_headers(client, db):
    page = client.get("/")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "camera=()" in page.headers["Permissions-Policy"]
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert client.head("/").status_code == 200


def test_hsts_is_sent_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert "Strict-Transport-Security" not in client.get("/").headers
    hsts = client.get("/", secure=True).headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)", re.I),  # inline script
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick=… and friends
    re.compile(r"\sstyle\s*=", re.I),  # style attributes
    re.compile(r"<style", re.I),
    re.compile(r"javascript:", re.I),
]


def test_no_template_has_what_the_csp_would_block():
    found = [
        f"{path.relative_to(SRC)}: {pattern.pattern}"
        for path in SRC.glob("*/templates/**/*.html")
        for pattern in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []


# ---------------------------------------------------------------- staff accounts


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Each sign-in here hashes a password: a cheap hasher keeps the lockout tests quick (the
    production hasher is Django's default)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def staff_member(username: str, *roles: str, password: str = "correct horse 1076") -> User:
    user = User.objects.create_user(username, password=password)
    for role in roles:
        grant_role(user, role)
    return user


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password, "next": "/callcentre/"},
        REMOTE_ADDR=address,
    )


def test_lockout_is_per_login_and_source_so_the_owner_still_gets_in(db):
    staff_member("asha", "agent")
    attacker, owner = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(attacker, "asha", "guess", "203.0.113.9").status_code == 200
    assert sign_in(attacker, "asha", "guess", "203.0.113.9").status_code == 429
    refused = sign_in(attacker, "asha", "correct horse 1076", "203.0.113.9")
    assert refused.status_code == 429  # even the right password, from there
    assert "लॉगिन" in refused.content.decode()  # our page, in Hindi
    # The owner, from her own desk, is not locked out by it.
    assert sign_in(owner, "asha", "correct horse 1076", "10.0.0.1").url == "/callcentre/"


def test_each_lockout_lasts_longer(rf, db):
    staff_member("ravi", "agent")
    client = Client()
    request = rf.post("/accounts/login/", {"username": "ravi"}, REMOTE_ADDR="203.0.113.9")
    first = cool_off(request)
    for _ in range(settings.AXES_FAILURE_LIMIT * 2):
        sign_in(client, "ravi", "guess", "203.0.113.9")
    assert cool_off(request) == 2 * first
    assert cool_off(rf.post("/accounts/login/", {"username": "ravi"})) == first  # elsewhere


def test_weak_passwords_are_refused():
    for weak in ("12345678", "password123", "ravi2026"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("नीला आसमान 1076 पर")


def _current_code(secret_b32: str) -> str:
    return str(TOTP(base64.b32decode(secret_b32)).token()).zfill(6)


def test_a_supervisor_enrols_an_authenticator_then_is_asked_for_it_at_each_sign_in(db, settings):
    # django-otp's delay after a wrong code runs on the real clock: none here.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    staff_member("sunita", "agent", "supervisor")
    client = Client()
    assert sign_in(client, "sunita", "correct horse 1076").url == "/callcentre/"
    asked = client.get("/callcentre/")
    assert asked.status_code == 302 and asked.url.startswith("/accounts/second-factor/")
    enrol = client.get(asked.url).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol).group(1)
    assert 'src="data:image/svg+xml' in enrol  # the QR code, drawn here
    wrong = client.post(asked.url, {"code": "000000", "next": "/callcentre/"})
    assert wrong.status_code == 200 and client.get("/callcentre/").status_code == 302
    done = client.post(asked.url, {"code": _current_code(secret), "next": "/callcentre/"})
    assert done.url == "/callcentre/" and client.get("/callcentre/").status_code == 200

    again = Client()
    sign_in(again, "sunita", "correct horse 1076")
    step = again.get("/accounts/second-factor/").content.decode()
    assert 'id="totp-secret"' not in step  # enrolled: only the code is asked


def test_staff_change_their_own_password_and_their_other_browsers_are_signed_out(db):
    """ASVS 2.1.5-2.1.6: a signed-in staff member changes their own password, giving the
    current one; the rules apply to the new one, and a session elsewhere ends."""
    staff_member("asha", "agent")
    client, elsewhere = Client(), Client()
    sign_in(client, "asha", "correct horse 1076")
    sign_in(elsewhere, "asha", "correct horse 1076", "10.0.0.2")
    page = client.get("/accounts/password/")
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.content.decode()
    wrong_old = {"old_password": "guess", "new_password1": "नीला आसमान 1076 पर"}
    refused = client.post(
        "/accounts/password/", {**wrong_old, "new_password2": "नीला आसमान 1076 पर"}
    )
    assert refused.status_code == 200 and 'aria-invalid="true"' in refused.content.decode()
    weak = {"old_password": "correct horse 1076", "new_password1": "12345678"}
    assert (
        client.post("/accounts/password/", {**weak, "new_password2": "12345678"}).status_code == 200
    )
    assert User.objects.get(username="asha").check_password("correct horse 1076")
    new = "नीला आसमान 1076 पर"
    done = client.post(
        "/accounts/password/",
        {"old_password": "correct horse 1076", "new_password1": new, "new_password2": new},
    )
    assert done.status_code == 302 and done.url == "/accounts/password/changed/"
    assert client.get("/callcentre/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/callcentre/").status_code == 302  # the other one does not
    assert sign_in(Client(), "asha", new).status_code == 302


def test_the_password_cannot_be_changed_before_the_second_factor(db):
    """Whoever has only a supervisor's password must not be able to lock its owner out by
    changing it: the page waits for the TOTP code like every other."""
    staff_member("sunita", "agent", "supervisor")
    client = Client()
    sign_in(client, "sunita", "correct horse 1076")
    new = "नीला आसमान 1076 पर"
    asked = client.post(
        "/accounts/password/",
        {"old_password": "correct horse 1076", "new_password1": new, "new_password2": new},
    )
    assert asked.status_code == 302 and asked.url.startswith("/accounts/second-factor/")
    assert User.objects.get(username="sunita").check_password("correct horse 1076")


def test_officers_need_it_only_where_the_deployment_says(db, settings):
    officer = Officer.objects.filter(user__isnull=True).first()
    officer.user = staff_member("tehsildar")
    officer.save(update_fields=["user"])
    client = Client()
    sign_in(client, "tehsildar", "correct horse 1076")
    assert client.get("/staff/").status_code == 302
    assert not client.get("/staff/").url.startswith("/accounts/second-factor/")
    settings.IGRS_TOTP_REQUIRED_ROLES = [*settings.IGRS_TOTP_REQUIRED_ROLES, "officer"]
    strict = Client()
    sign_in(strict, "tehsildar", "correct horse 1076")
    assert strict.get("/staff/").url.startswith("/accounts/second-factor/")


@ON_SQLITE_PASS
def test_the_second_factor_is_on_unless_turned_off_as_the_demo_does(tmp_path):
    def roles(**env: str) -> str:
        code = "from django.conf import settings as s; print(s.IGRS_TOTP_REQUIRED_ROLES)"
        shown = igrs("shell", "--no-imports", "-c", code, tmp_path=tmp_path, **env)
        return shown.stdout.strip() or shown.stderr

    assert roles(**PRODUCTION) == "['admin', 'desk', 'supervisor']"
    assert roles(**PRODUCTION, IGRS_TOTP_FOR_OFFICERS="1") == (
        "['admin', 'desk', 'supervisor', 'officer']"
    )
    assert roles(**PRODUCTION, IGRS_TOTP="0") == "[]"


def test_a_staff_session_ends_when_idle_and_with_the_browser(db):
    staff_member("asha", "agent")
    client = Client()
    signed = sign_in(client, "asha", "correct horse 1076")
    cookie = signed.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]  # gone when the browser closes
    assert client.get("/callcentre/").status_code == 200
    clock.advance(dt.timedelta(minutes=settings.IGRS_STAFF_IDLE_MINUTES - 1))
    assert client.get("/callcentre/").status_code == 200  # in use: kept
    clock.advance(dt.timedelta(minutes=settings.IGRS_STAFF_IDLE_MINUTES + 1))
    idle = client.get("/callcentre/")
    assert idle.status_code == 302 and idle.url.startswith("/accounts/login/")
