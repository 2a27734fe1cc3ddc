"""The helpline consoles in a real Chromium: a call event posted by the telephony system lands
on the agent's screen with the caller's history, the agent files a complaint; an outbound
agent takes the next verification call, records "not satisfied", and the complaint goes up."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from igrs.core.accounts import create_token
from igrs.directory.models import Category
from igrs.grievances import services
from igrs.grievances.models import Complaint, Status

from ..conftest import DM, TEHSILDAR, new_complaint, officer_actor, post, real_png
from .conftest import screenshot, serious_accessibility_problems, sign_in, staff

pytestmark = pytest.mark.browser


def post_call_event(base_url: str, token: str, **event) -> dict:
    """As the ACD would: an HTTP POST to the CTI endpoint."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/cti/events",
        data=json.dumps(event).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_a_call_lands_the_agent_files_and_a_verification_call_escalates(
    browser, live_server, reseeded, agent
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    staff("asha", "agent")
    acd = staff("acd", "telephony")
    earlier = new_complaint(agent, mobile="9812345678")

    sign_in(page, "asha")
    live = page.locator("#live")
    expect(live).to_contain_text("आपकी लाइन पर कोई कॉल नहीं है")
    assert serious_accessibility_problems(page) == []

    post_call_event(
        live_server.url,
        create_token(acd, "telephony"),
        call_id="acd-777",
        event="offered",
        agent="asha",
        ani="09812345678",
    )
    expect(live).to_contain_text(earlier.reference, timeout=10_000)
    expect(live).to_contain_text(post(TEHSILDAR).title_hi)
    expect(page.get_by_label("कॉल करने वाले का मोबाइल नंबर")).to_have_value("9812345678")
    screenshot(page, "20-console-call-landed")

    # Keyboard first: the call puts the cursor in the name; Tab, Enter and Ctrl+Enter do the
    # rest (the place pickers are plain selects, chosen as a keyboard user would).
    expect(page.get_by_label("शिकायतकर्ता का नाम")).to_be_focused()
    page.keyboard.type("राम प्रसाद")
    page.keyboard.press("Tab")
    expect(page.get_by_label("हिन्दी या अंग्रेज़ी में किसी शब्द से खोजें")).to_be_focused()
    page.keyboard.type("certificate")
    page.keyboard.press("Enter")  # takes the best match, files nothing
    category = page.locator("#id_category_id")
    expect(category).to_be_focused()
    expect(category).to_have_value(str(Category.objects.get(code="REV-CERT").pk))
    assert not Complaint.objects.filter(call_id="acd-777").exists()
    page.keyboard.press("Tab")
    page.get_by_role("combobox", name="जनपद", exact=True).select_option(label="लखनऊ")
    page.get_by_label("तहसील, ब्लॉक या थाना").select_option(label="लखनऊ सदर")
    page.get_by_label("समस्या का विवरण लिखें").focus()
    page.keyboard.type("तीन महीने से आय प्रमाण पत्र नहीं बना।")
    page.get_by_label("मैंने सहमति वाक्य पढ़कर सुना दिया है").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Control+Enter")

    done = page.get_by_role("status")
    expect(done).to_contain_text("संदर्भ संख्या")
    ref = page.locator(".reference").get_attribute("data-reference")
    complaint = Complaint.objects.get(reference=ref)
    assert complaint.call_id == "acd-777" and complaint.category.code == "REV-CERT"
    assert complaint.registered_by.username == "asha"
    screenshot(page, "21-console-registered")

    services.submit_atr(
        officer_actor(TEHSILDAR),
        ref,
        disposal="resolved",
        report="तहसीलदार ने आय प्रमाण पत्र जारी कर दिया है।",
        attachments=[services.Upload("प्रमाण-पत्र.png", real_png())],
        details=services.AtrDetails(persons_met="शिकायतकर्ता, लेखपाल"),
    )
    earlier_done = services.submit_atr(
        officer_actor(TEHSILDAR),
        earlier.reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया है।",
    )
    services.verify(agent, earlier_done.reference, outcome="satisfied")

    page.get_by_role("link", name="सत्यापन कॉल").click()
    page.get_by_role("button", name="अगली कॉल").click()
    expect(page.get_by_text("तहसीलदार ने आय प्रमाण पत्र जारी कर दिया है।")).to_be_visible()
    expect(page.get_by_text("शिकायतकर्ता, लेखपाल")).to_be_visible()  # the whole report
    expect(page.get_by_role("link", name="प्रमाण-पत्र.png")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    screenshot(page, "22-outbound-call")
    page.get_by_label("असंतुष्ट: अगले स्तर पर भेजें").check()
    page.get_by_label("शिकायतकर्ता के शब्द / कारण").fill("प्रमाण पत्र अभी तक नहीं मिला")
    page.get_by_role("button", name="परिणाम दर्ज करें").click()
    # Recorded, and where it goes next: up to the DM, by when.
    expect(page.get_by_role("status")).to_contain_text("कॉल का परिणाम दर्ज हो गया है")
    expect(page.get_by_role("status")).to_contain_text(ref)
    expect(page.get_by_role("status")).to_contain_text(post(DM).title_hi)

    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.current_post == post(DM)
    assert complaint.events.last().actor_user.username == "asha"
    context.close()
