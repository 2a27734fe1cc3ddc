"""The monitoring desk in Chromium: from the state down to a complaint's timeline, a click at
a time, with the chart drawn at each level."""

import pytest
from playwright.sync_api import expect

from igrs.directory.models import Unit
from igrs.monitoring.services import roll_up

from ..conftest import LUCKNOW_SADAR, new_complaint
from .conftest import screenshot, second_step, serious_accessibility_problems, staff

pytestmark = pytest.mark.browser


def test_drill_down_from_the_state_to_a_timeline(browser, live_server, reseeded, agent):
    complaint = new_complaint(agent)
    roll_up()
    staff("monitor", "desk")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/monitoring/")
    page.get_by_label("लॉगिन").fill("monitor")
    page.get_by_label("पासवर्ड").fill("demo")
    page.get_by_role("button", name="साइन इन").click()
    second_step(page, "monitor")

    district = Unit.objects.get(code="UP-LUCKNOW")
    for name in (
        district.parent.name_hi,
        district.name_hi,
        Unit.objects.get(code=LUCKNOW_SADAR).name_hi,
    ):
        expect(page.locator('svg.chart rect:not([width="0"])').first).to_be_visible()
        page.locator("table.grid").get_by_role("link", name=name, exact=True).first.click()
    expect(page.locator("svg.line-chart polyline").first).to_be_visible()
    expect(page.locator("svg.line-chart")).to_contain_text("प्राप्त")
    screenshot(page, "40-monitoring-tehsil")
    assert serious_accessibility_problems(page) == []
    page.get_by_role("link", name="तहसीलदार, लखनऊ सदर").click()
    page.get_by_role("link", name=complaint.reference).click()
    expect(page.get_by_text(complaint.description)).to_be_visible()
    expect(page.get_by_role("heading", name="अब तक की हर कार्यवाही")).to_be_visible()
    screenshot(page, "41-monitoring-timeline")
    context.close()
