"""The supervisor's board in a real Chromium: it fetches fresh counts every minute on its own,
and holds them still while paused. The page's clock is Playwright's, moved forward instead of
waiting."""

import pytest
from playwright.sync_api import expect

from igrs.grievances import services

from ..conftest import TEHSILDAR, new_complaint, officer_actor
from .conftest import screenshot, serious_accessibility_problems, sign_in, staff

pytestmark = pytest.mark.browser


def dispose(agent) -> None:
    services.submit_atr(
        officer_actor(TEHSILDAR),
        new_complaint(agent).reference,
        disposal="resolved",
        report="लेखपाल ने कब्ज़ा हटवा दिया है।",
    )


def test_the_board_refreshes_every_minute_and_pause_holds_it(browser, live_server, reseeded, agent):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.clock.install()
    staff("sunita", "agent", "supervisor")
    sign_in(page, "sunita")
    page.goto("/callcentre/supervisor/")
    waiting = page.locator("#backlog-waiting")
    expect(waiting).to_have_text("0")
    assert serious_accessibility_problems(page) == []

    dispose(agent)
    page.clock.run_for(59_000)
    expect(waiting).to_have_text("0")  # not before the minute is up
    page.clock.run_for(2_000)
    expect(waiting).to_have_text("1")

    pause = page.get_by_role("button", name="अपडेट रोकें")
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    dispose(agent)
    page.clock.run_for(61_000)
    page.wait_for_timeout(500)  # time for a fetch that, paused, must not happen
    expect(waiting).to_have_text("1")
    pause.click()
    page.clock.run_for(61_000)
    expect(waiting).to_have_text("2")
    expect(pause).to_be_focused()  # the swap leaves the supervisor where they were
    screenshot(page, "24-supervisor-board")
    context.close()
