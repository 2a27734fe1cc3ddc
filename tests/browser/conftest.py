"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against
pytest-django's live server, with axe-core injected to check accessibility."""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from igrs.core.accounts import grant_role, second_factor_required

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("IGRS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("IGRS_TEST_ARTIFACTS", Path.cwd() / "var" / "test-artifacts"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core not installed ({AXE}; npm ci --prefix tests/browser)"
    return None


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, live_server, reseeded):
    """A fresh browser profile at a cheap phone's size."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server.url, locale="en-IN"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_accessibility_problems(page) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2.1 A/AA on the current page."""
    # Evaluated through the DevTools protocol: a script tag would be refused by our CSP.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def page_weight(page) -> int:
    """Bytes the page's first load fetched: the document and everything it pulled in."""
    return page.evaluate(
        "() => performance.getEntriesByType('navigation').concat("
        "performance.getEntriesByType('resource'))"
        ".reduce((sum, e) => sum + (e.encodedBodySize || 0), 0)"
    )


def staff(username: str, *roles: str) -> User:
    """A staff login, password "demo"; a role that needs a second factor gets an enrolled
    authenticator (totp_code gives its current code)."""
    user = User.objects.create_user(username, password="demo")
    for role in roles:
        grant_role(user, role)
    if second_factor_required(user):
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def totp_code(user: User) -> str:
    """What the user's authenticator app shows now."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def sign_in(page, username: str) -> None:
    page.goto("/callcentre/")
    page.get_by_label("लॉगिन").fill(username)
    page.get_by_label("पासवर्ड").fill("demo")
    page.get_by_role("button", name="साइन इन").click()
    second_step(page, username)


def second_step(page, username: str) -> None:
    """The authenticator code, where the user's role asks for one after the password."""
    user = User.objects.get(username=username)
    if second_factor_required(user):
        page.get_by_label("ऑथेंटिकेटर ऐप का कोड").fill(totp_code(user))
        page.get_by_role("button", name="आगे बढ़ें").click()
