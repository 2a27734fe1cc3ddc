"""The citizen portal in a real Chromium at a 360 px phone size: file a complaint in Hindi with
the OTP read from the outbox, track it, watch it change when the officer acts, give negative
feedback and see it escalate. Every main page is checked with axe-core, weighed, and saved as a
screenshot (var/test-artifacts/ by default)."""

import re

import pytest
from playwright.sync_api import expect

from igrs.directory.models import Category
from igrs.grievances import services
from igrs.grievances.models import Complaint, Status
from igrs.notifications.models import OutboxMessage

from ..conftest import DM, TEHSILDAR, new_complaint, officer_actor, post, real_png
from .conftest import page_weight, screenshot, serious_accessibility_problems

PNG = real_png()  # a header that says its size: a bare signature is refused
MAX_PAGE_BYTES = 150 * 1024

pytestmark = pytest.mark.browser


def check_page(page, name: str, origin: str) -> None:
    """Accessible, light, self-hosted; and saved for people to look at."""
    assert serious_accessibility_problems(page) == [], name
    assert page_weight(page) <= MAX_PAGE_BYTES, name
    foreign = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert [url for url in foreign if not url.startswith(origin)] == [], name
    screenshot(page, name)


def otp_for(mobile: str) -> str:
    body = OutboxMessage.objects.filter(key="otp_citizen", mobile=mobile).last().body
    return re.search(r"\b(\d{6})\b", body).group(1)


def sign_in(page, mobile: str) -> None:
    page.get_by_label("मोबाइल नंबर", exact=True).fill(mobile[-10:])
    page.get_by_role("button", name="ओटीपी भेजें").click()
    page.get_by_label("वन-टाइम पासवर्ड (ओटीपी)").fill(otp_for(mobile))
    page.get_by_role("button", name="सत्यापित करें").click()


def test_file_in_hindi_track_and_escalate_on_negative_feedback(phone, live_server):
    page, origin = phone, live_server.url
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    check_page(page, "01-home", origin)

    page.get_by_role("link", name="शिकायत दर्ज करें").first.click()
    expect(page).to_have_url(re.compile(r"/verify/\?next=/file/"))
    check_page(page, "02-verify-mobile", origin)
    page.get_by_label("मोबाइल नंबर", exact=True).fill("98765 43210")
    page.get_by_role("button", name="ओटीपी भेजें").click()
    check_page(page, "03-verify-code", origin)
    page.get_by_label("वन-टाइम पासवर्ड (ओटीपी)").fill(otp_for("+919876543210"))
    page.get_by_role("button", name="सत्यापित करें").click()

    expect(page.get_by_role("heading", name="शिकायत दर्ज करें")).to_be_visible()
    check_page(page, "04-file-form", origin)
    page.get_by_label("आपका नाम").fill("सीता देवी")
    page.get_by_label("हिन्दी या अंग्रेज़ी में किसी शब्द से खोजें").fill("कब्ज़ा")
    expect(page.get_by_label("शिकायत किस बारे में है?")).to_have_value(
        str(Category.objects.get(code="REV-LAND").pk)
    )
    page.get_by_role("combobox", name="जनपद", exact=True).select_option(label="लखनऊ")
    page.get_by_label("तहसील, ब्लॉक या थाना").select_option(label="लखनऊ सदर")
    page.get_by_label("गाँव, मोहल्ला या वार्ड").fill("ग्राम बरौली")
    page.get_by_label("समस्या का विवरण लिखें").fill("पड़ोसी ने मेरे खेत पर अवैध कब्ज़ा कर लिया है।")
    page.get_by_label("फ़ोटो या दस्तावेज़ (वैकल्पिक, अधिकतम 3)").set_input_files(
        [{"name": "khet.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="शिकायत दर्ज करें").click()

    expect(page.get_by_role("heading", name="आपकी शिकायत दर्ज हो गई है")).to_be_visible()
    check_page(page, "05-filed", origin)
    ref = page.locator(".reference").get_attribute("data-reference")
    complaint = Complaint.objects.get(reference=ref)
    assert complaint.source == "portal" and complaint.events.first().attachments.count() == 1
    assert OutboxMessage.objects.filter(reference=ref, key="registered_assigned").exists()

    page.get_by_role("link", name="शिकायत और उसकी प्रगति देखें").click()
    who = page.locator("section", has=page.get_by_role("heading", name="अभी कौन ज़िम्मेदार है"))
    expect(who).to_contain_text(post(TEHSILDAR).title_hi)
    expect(page.get_by_text("अभी तक कोई आख्या नहीं।")).to_be_visible()
    check_page(page, "06-timeline-assigned", origin)

    services.submit_atr(
        officer_actor(TEHSILDAR),
        ref,
        disposal="resolved",
        report="लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।",
    )
    page.reload()
    expect(page.get_by_text("लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।").first).to_be_visible()
    check_page(page, "07-timeline-action-taken", origin)

    page.get_by_label("नहीं, संतुष्ट नहीं हूँ").check()
    page.get_by_label("कारण (असंतुष्ट होने पर आवश्यक)").fill("कब्ज़ा अभी भी है")
    page.get_by_role("button", name="फ़ीडबैक भेजें").click()
    expect(who).to_contain_text(post(DM).title_hi)
    expect(who).to_contain_text("स्तर 2")
    check_page(page, "08-timeline-escalated", origin)
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.current_post == post(DM)


def test_track_privately_switch_to_english_and_send_a_reminder(phone, live_server, agent):
    page, origin = phone, live_server.url
    complaint = new_complaint(agent, mobile="9812345678", complainant_name="गोपनीय नाम")
    page.goto("/track/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("मुख्य सामग्री पर जाएँ")
    check_page(page, "09-track", origin)

    reference_box = page.get_by_label("संदर्भ संख्या")
    mobile_box = page.get_by_label("जिस मोबाइल नंबर से शिकायत दर्ज की गई")
    typo = complaint.reference[:-1] + str((int(complaint.reference[-1]) + 1) % 10)
    reference_box.fill(typo)
    mobile_box.fill("9812345678")
    page.get_by_role("button", name="शिकायत दिखाएँ").click()
    expect(page.locator("#id_reference-error")).to_contain_text("एसएमएस से मिलान")
    expect(mobile_box).to_have_value("9812345678")  # nothing typed is lost

    reference_box.fill(complaint.reference)
    mobile_box.fill("9000000000")
    page.get_by_role("button", name="शिकायत दिखाएँ").click()
    expect(page.get_by_role("alert")).to_contain_text("कोई शिकायत नहीं मिली")
    assert "गोपनीय नाम" not in page.content()

    mobile_box.fill("9812345678")
    page.get_by_role("button", name="शिकायत दिखाएँ").click()
    expect(page.get_by_text("गोपनीय नाम", exact=False)).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Who is responsible now")).to_be_visible()
    page.get_by_role("link", name=re.compile("OTP to send a reminder")).click()
    page.get_by_label("Mobile number", exact=True).fill("9812345678")
    page.get_by_role("button", name="Send OTP").click()
    page.get_by_label("One-time password (OTP)").fill(otp_for("+919812345678"))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(rf"/track/{complaint.reference}/$"))
    page.get_by_role("button", name="Send reminder").click()
    expect(page.get_by_text("Reminder sent to the officer")).to_be_visible()
    check_page(page, "10-timeline-english-reminder", origin)
    assert OutboxMessage.objects.filter(
        key="citizen_reminder_officer", reference=complaint.reference
    ).exists()
