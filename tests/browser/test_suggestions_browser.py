"""Category suggestions in a real Chromium: a citizen on the portal and an agent on the console
type Hinglish, see the right category among three suggestions, choose it with the keyboard,
file, and the choice is recorded with what was suggested."""

import pytest
from playwright.sync_api import expect

from igrs.directory.models import Category
from igrs.grievances.models import Complaint
from igrs.intelligence.models import CategorySuggestion, Channel

from .. import suggestion_model as model_fixtures
from .conftest import screenshot, serious_accessibility_problems, sign_in, staff
from .test_portal_browser import sign_in as citizen_sign_in

pytestmark = pytest.mark.browser

built_model = model_fixtures.built_model
suggestion_model = model_fixtures.suggestion_model

POWER_CUT = "hamare gaon me 3 din se bijli nahi aa rahi, raat bhar andhera rehta hai"
RATION = "kotedar do mahine se rashan nahi de raha, angutha lagwa ke bhaga deta hai"


def suggestions(page):
    return page.get_by_role("group", name="सुझाई गई श्रेणियाँ (चुनने के लिए किसी एक को दबाएँ):")


def choose_by_keyboard(page, label: str) -> None:
    """From the description: Tab to the first suggestion, arrows to the wanted one, Enter."""
    page.keyboard.press("Tab")
    for _ in range(3):
        if page.evaluate("document.activeElement.textContent") == label:
            break
        page.keyboard.press("ArrowRight")
    expect(page.locator(":focus")).to_have_text(label)
    page.keyboard.press("Enter")


def test_a_citizen_types_hinglish_and_chooses_a_suggestion_by_keyboard(
    phone, live_server, suggestion_model
):
    page = phone
    page.goto("/verify/?next=/file/")
    citizen_sign_in(page, "+919876543210")
    page.get_by_label("आपका नाम").fill("सीता देवी")
    description = page.get_by_label("समस्या का विवरण लिखें")
    description.press_sequentially(POWER_CUT, delay=5)
    group = suggestions(page)
    expect(group.get_by_role("button")).to_have_count(3)
    wanted = Category.objects.get(code="EN-SUPPLY")
    expect(group.get_by_role("button", name=wanted.name_hi)).to_be_visible()
    category = page.get_by_label("शिकायत किस बारे में है?")
    expect(category).to_have_value("")  # never chosen by itself
    assert serious_accessibility_problems(page) == []
    screenshot(page, "40-portal-suggestions")

    description.focus()
    choose_by_keyboard(page, wanted.name_hi)
    expect(category).to_have_value(str(wanted.pk))
    expect(group.get_by_role("button", name=wanted.name_hi)).to_have_attribute(
        "aria-pressed", "true"
    )

    page.get_by_role("combobox", name="जनपद", exact=True).select_option(label="लखनऊ")
    page.get_by_label("तहसील, ब्लॉक या थाना").select_option(label="लखनऊ सदर")
    page.get_by_role("button", name="शिकायत दर्ज करें").click()
    expect(page.get_by_role("heading", name="आपकी शिकायत दर्ज हो गई है")).to_be_visible()
    complaint = Complaint.objects.get(
        reference=page.locator(".reference").get_attribute("data-reference")
    )
    recorded = CategorySuggestion.objects.get(complaint=complaint)
    assert complaint.category == wanted and complaint.description == POWER_CUT
    assert (recorded.channel, recorded.chosen_rank, recorded.picked) == (Channel.PORTAL, 1, True)
    assert [code for code, _ in recorded.suggested][0] == "EN-SUPPLY"


def test_an_agent_types_hinglish_and_chooses_a_suggestion_by_keyboard(
    browser, live_server, reseeded, suggestion_model
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    staff("asha", "agent")
    sign_in(page, "asha")
    page.get_by_label("कॉल करने वाले का मोबाइल नंबर").fill("9812345678")
    page.get_by_label("शिकायतकर्ता का नाम").fill("राम प्रसाद")
    page.get_by_role("combobox", name="जनपद", exact=True).select_option(label="लखनऊ")
    page.get_by_label("तहसील, ब्लॉक या थाना").select_option(label="लखनऊ सदर")
    description = page.get_by_label("समस्या का विवरण लिखें")
    description.press_sequentially(RATION, delay=5)
    wanted = Category.objects.get(code="FS-RATION")
    group = suggestions(page)
    expect(group.get_by_role("button")).to_have_count(3)
    expect(group.get_by_role("button", name=wanted.name_hi)).to_be_visible()
    screenshot(page, "41-console-suggestions")

    description.focus()
    choose_by_keyboard(page, wanted.name_hi)
    expect(page.locator("#id_category_id")).to_have_value(str(wanted.pk))
    page.get_by_label("मैंने सहमति वाक्य पढ़कर सुना दिया है").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_role("status")).to_contain_text("संदर्भ संख्या")
    complaint = Complaint.objects.get(
        reference=page.locator(".reference").get_attribute("data-reference")
    )
    recorded = CategorySuggestion.objects.get(complaint=complaint)
    assert complaint.category == wanted
    assert (recorded.channel, recorded.chosen_rank, recorded.picked) == (Channel.CONSOLE, 1, True)
    context.close()
