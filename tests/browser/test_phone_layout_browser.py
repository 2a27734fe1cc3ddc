"""The dashboard and the complaint pages on a cheap phone (360 × 740), in Hindi and English:
nothing wider than the screen, wide tables read as stacked cards, charts shrink to fit, and
axe-core finds nothing serious. Each page is saved as a screenshot (var/test-artifacts/)."""

import datetime as dt
import re
from contextlib import contextmanager
from pprint import pformat

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.directory.models import Officer, Post, Unit
from igrs.grievances import services
from igrs.grievances.models import Action
from igrs.monitoring.services import roll_up
from igrs.notifications.models import OutboxMessage

from ..conftest import DM, LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor
from ..test_monitoring import start_of_a_month
from ..test_officers import gps_photo
from .conftest import screenshot, serious_accessibility_problems

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}

# Elements wider than the screen, or reaching past its right edge: the page would scroll
# sideways, or (under overflow: hidden) cut them off. The skip link waits off-screen on purpose.
TOO_WIDE = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")].filter(e => {
    if (e.closest(".skip, .sr-only")) return false;
    const box = e.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  });
  return {
    scroll: document.scrollingElement.scrollWidth,
    width: width,
    wide: wide.slice(0, 5).map(e => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`),
  };
}"""


@pytest.fixture
def story(reseeded, agent):
    """A month with a late report (photo, site visit), an overdue complaint, and roll-ups."""
    start_of_a_month(day=2)
    reported = new_complaint(agent, mobile="9800000701")
    overdue = new_complaint(agent, mobile="9800000702", description="नाली टूटी है, पानी भरा है।")
    clock.advance(dt.timedelta(days=8, hours=12))  # both late; no sweep has run yet
    services.submit_atr(
        officer_actor(TEHSILDAR),
        reported.reference,
        disposal="resolved",
        report="लेखपाल के साथ मौके पर जाकर कब्ज़ा हटवाया गया और सीमांकन कराया गया।",
        attachments=[services.Upload("mauka-par-li-gayi-photo-bahut-lamba-naam.jpg", gps_photo())],
        details=services.AtrDetails(
            site_visit_on=timezone.localdate(clock.now()),
            persons_met="शिकायतकर्ता, ग्राम प्रधान और हल्का लेखपाल",
        ),
    )
    services.sweep()
    roll_up()
    return {"reported": reported, "overdue": overdue}


def signed_in(user: User | None = None, mobile: str = "") -> str:
    """A session cookie: a staff user signed in, or a citizen whose mobile is verified."""
    client = Client()
    if user:
        client.force_login(user)
    if mobile:
        client.post("/verify/", {"mobile": mobile})
        body = OutboxMessage.objects.filter(key="otp_citizen", mobile=f"+91{mobile}").last().body
        client.post("/verify/code/", {"code": re.search(r"\b(\d{6})\b", body).group(1)})
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def staff(username: str, role: str) -> User:
    user = User.objects.create_user(username)
    grant_role(user, role)
    return user


def officer_user(post_code: str) -> User:
    officer = Officer.objects.filter(postings__post__code=post_code).first()
    officer.user = User.objects.create_user(f"officer-{officer.pk}")
    officer.save()
    return officer.user


@contextmanager
def phone_page(browser, live_server, language: str, session: str, javascript: bool = True):
    """A fresh phone-sized browser profile, in a language, with a session."""
    context = browser.new_context(
        viewport=PHONE, base_url=live_server.url, java_script_enabled=javascript
    )
    context.add_cookies(
        [
            {"name": cookie, "value": value, "url": live_server.url}
            for cookie, value in (
                (settings.LANGUAGE_COOKIE_NAME, language),
                (settings.SESSION_COOKIE_NAME, session),
            )
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def pages(story) -> list[tuple[str, str, str]]:
    """(who, name, path) of every page checked."""
    lucknow = Unit.objects.get(code="UP-LUCKNOW")
    month = f"{timezone.localdate(clock.now()):%Y-%m}"
    reported, overdue = story["reported"].reference, story["overdue"].reference
    return [
        ("desk", "state", "/monitoring/"),
        ("desk", "division", f"/monitoring/unit/{lucknow.parent_id}/"),
        ("desk", "district", f"/monitoring/unit/{lucknow.pk}/"),
        ("desk", "tehsil", f"/monitoring/unit/{Unit.objects.get(code=LUCKNOW_SADAR).pk}/"),
        ("desk", "post", f"/monitoring/post/{Post.objects.get(code=DM).pk}/"),
        ("desk", "complaint", f"/monitoring/complaints/{reported}/"),
        ("desk", "defaulters", "/monitoring/defaulters/"),
        ("desk", "quality", "/monitoring/quality/"),
        ("desk", "ranking", f"/monitoring/ranking/?month={month}"),
        (
            "desk",
            "ranking-tehsils",
            f"/monitoring/ranking/?month={month}&level=tehsil&district={lucknow.pk}",
        ),
        (
            "desk",
            "lost-marks",
            f"/monitoring/ranking/lost/?month={month}&level=district&key={lucknow.pk}"
            "&parameter=timely",
        ),
        ("citizen", "portal-complaint", f"/track/{reported}/"),
        ("citizen", "portal-file", "/file/"),
        ("tehsildar", "officer-complaint", f"/officer/complaints/{reported}/"),
        ("dm", "officer-atr-form", f"/officer/complaints/{overdue}/"),
        ("agent", "callcentre-complaint", f"/callcentre/complaints/{reported}/"),
    ]


# Each stacked table's cells as the phone shows them: every data cell a block labelled with
# its column's header, so a row reads as a card.
CARDS = """() => [...document.querySelectorAll("table.stack")].flatMap(table => {
  const headers = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
  return [...table.querySelectorAll("tbody tr")].flatMap(tr => [...tr.children].map((cell, i) => ({
    display: getComputedStyle(cell).display,
    label: cell.tagName === "TD" && cell.colSpan === 1 ? cell.dataset.label : headers[i],
    header: headers[i],
  })));
})"""


@pytest.mark.parametrize("language", ["hi", "en"])
def test_every_dashboard_and_complaint_page_fits_a_phone(browser, live_server, story, language):
    sessions = {
        "desk": signed_in(staff("monitor", "desk")),
        "agent": signed_in(staff("agent-phone", "agent")),
        "tehsildar": signed_in(officer_user(TEHSILDAR)),
        "dm": signed_in(officer_user(DM)),
        "citizen": signed_in(mobile="9800000701"),
    }
    problems, cards = {}, 0
    for who, name, path in pages(story):
        with phone_page(browser, live_server, language, sessions[who]) as page:
            response = page.goto(path)
            assert response.status == 200, (name, response.status)
            expect(page.locator("html")).to_have_attribute("lang", language)
            screenshot(page, f"60-phone-{language}-{name}")
            layout = page.evaluate(TOO_WIDE)
            if layout["scroll"] > layout["width"] or layout["wide"]:
                problems[name] = layout
            if axe := serious_accessibility_problems(page):
                problems[f"{name} (axe)"] = axe
            for cell in page.evaluate(CARDS):
                cards += 1
                if cell["display"] != "block" or cell["label"] != cell["header"]:
                    problems.setdefault(f"{name} (cards)", []).append(cell)
            for chart in page.locator("svg.chart").all():
                box = chart.bounding_box()
                if not 200 < box["width"] <= PHONE["width"] - 32:
                    problems.setdefault(f"{name} (chart)", []).append(box)
    assert not problems, pformat(problems, width=100)
    assert cards > 50  # the tables were there to be read


def test_the_report_form_speaks_the_page_language_and_keeps_what_was_typed(
    browser, live_server, story
):
    overdue = story["overdue"]
    path = f"/officer/complaints/{overdue.reference}/"
    session = signed_in(officer_user(DM))
    report = "नाली की मरम्मत कराई गई।"
    with phone_page(browser, live_server, "hi", session) as page:
        page.goto(path)
        date = page.get_by_label("स्थल निरीक्षण की तिथि")
        expect(date).to_have_attribute("placeholder", "दिन/माह/वर्ष")
        button = page.locator("label.file-button")
        expect(button).to_be_visible()
        expect(button).to_have_text("फ़ोटो या पीडीएफ़ चुनें")
        native = page.locator("input[type=file]")
        assert native.bounding_box()["width"] <= 1  # out of sight, still in the tab order
        native.focus()
        assert button.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
        with page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(
            [{"name": "nali.jpg", "mimeType": "image/jpeg", "buffer": gps_photo()}]
        )
        expect(page.locator(".file-names")).to_have_text("nali.jpg")

        page.get_by_label("समाधान किया गया").check()
        page.get_by_label("क्या कार्यवाही की गई").fill(report)
        date.fill("31/02/2027")
        page.get_by_role("button", name="आख्या प्रस्तुत करें").click()
        expect(page.locator("#atr_site_visit_on-error")).to_have_text(
            "यह सही तिथि नहीं है। इसे दिन/माह/वर्ष में लिखें, जैसे 25/03/2026।"
        )
        expect(date).to_have_value("31/02/2027")
        expect(page.get_by_label("क्या कार्यवाही की गई")).to_have_value(report)
        assert serious_accessibility_problems(page) == []
        screenshot(page, "61-phone-hi-atr-bad-date")
        assert not overdue.events.filter(action=Action.SUBMIT_ATR).exists()  # nothing happened

        visited = timezone.localdate(clock.now())
        date.fill(f"{visited:%d/%m/%Y}".translate(str.maketrans("0123456789", "०१२३४५६७८९")))
        native.set_input_files(
            [{"name": "nali.jpg", "mimeType": "image/jpeg", "buffer": gps_photo()}]
        )
        page.get_by_role("button", name="आख्या प्रस्तुत करें").click()
        expect(page.get_by_role("status")).to_contain_text("आपकी आख्या दर्ज हो गई है")
    atr = overdue.events.get(action=Action.SUBMIT_ATR)
    assert atr.data["site_visit_on"] == visited.isoformat() and atr.attachments.count() == 1

    citizen = signed_in(mobile="9800000703")
    with phone_page(browser, live_server, "en", citizen) as page:
        page.goto("/file/")
        expect(page.locator("label.file-button")).to_have_text("Choose photos or PDFs")
        expect(page.locator(".file-names")).to_have_text("No file chosen.")
    with phone_page(browser, live_server, "hi", citizen, javascript=False) as page:
        page.goto("/file/")
        expect(page.locator("label.file-button")).to_be_hidden()
        assert page.locator("input[type=file]").bounding_box()["width"] > 200  # native shows
        screenshot(page, "61-phone-hi-file-form-without-javascript")
