"""The complaint journey as its users walk it, in a real Chromium: a villager on a phone files a
block-level complaint, finding the district and the block by how their names sound, and it
reaches the BDO; the desk sends an 'other / not sure' complaint on; two callers in a row on the
1076 console each get their own complaint."""

import json
import urllib.request

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from igrs.core.accounts import create_token
from igrs.directory.models import Category, Officer, Post, Unit
from igrs.grievances.models import Complaint, Status

from ..conftest import new_complaint, post
from .conftest import screenshot, second_step, serious_accessibility_problems, sign_in, staff
from .test_portal_browser import sign_in as citizen_sign_in

pytestmark = pytest.mark.browser

BDO_HAIDERGARH = "RD-L1-UP-BARABANKI-B-HAIDERGARH"


def officer_login(post_code: str, username: str) -> User:
    """The demo officer holding the post, given a login."""
    user = User.objects.create_user(username, password="demo")
    officer = Officer.objects.filter(postings__post__code=post_code).first()
    officer.user = user
    officer.save(update_fields=["user"])
    return user


def test_a_villager_files_a_block_level_complaint_that_reaches_the_bdo(phone, live_server):
    page = phone
    page.goto("/verify/?next=/file/")
    citizen_sign_in(page, "+919811100001")
    expect(page.get_by_role("heading", name="शिकायत दर्ज करें")).to_be_visible()

    page.get_by_label("आपका नाम").fill("रामकली")
    page.get_by_label("हिन्दी या अंग्रेज़ी में किसी शब्द से खोजें").fill("awas")
    category = page.locator("#id_category_id")
    expect(category).to_have_value(str(Category.objects.get(code="RD-HOUSING").pk))
    # The place follows the category: rural housing is the block's work.
    expect(page.locator("#id_place_id-help")).to_contain_text("विकास खण्ड")

    # The district, typed as it sounds in Latin letters.
    page.get_by_label("जनपद को नाम से खोजें, हिन्दी या अंग्रेज़ी में").fill("barabanki")
    expect(page.locator("#id_district")).to_have_value(
        str(Unit.objects.get(code="UP-BARABANKI").pk)
    )
    # Only blocks are offered now; "haidargarh" finds Haidergarh's block.
    place = page.locator("#id_place_id")
    expect(place.locator("option:not([hidden])[data-kind='tehsil']")).to_have_count(0)
    page.get_by_label("स्थान को नाम से खोजें, हिन्दी या अंग्रेज़ी में").fill("haidargarh")
    block = Unit.objects.get(code="UP-BARABANKI-B-HAIDERGARH")
    expect(place).to_have_value(str(block.pk))
    page.get_by_label("समस्या का विवरण लिखें").fill(
        "प्रधानमंत्री आवास की दूसरी किस्त दो साल से नहीं आई, कच्चा घर गिर रहा है।"
    )
    assert serious_accessibility_problems(page) == []
    screenshot(page, "70-journey-block-filing")
    page.get_by_role("button", name="शिकायत दर्ज करें").click()

    expect(page.get_by_role("heading", name="आपकी शिकायत दर्ज हो गई है")).to_be_visible()
    complaint = Complaint.objects.get(mobile="+919811100001")
    assert complaint.status == Status.ASSIGNED and complaint.current_post.code == BDO_HAIDERGARH
    expect(page.locator("main")).to_contain_text(post(BDO_HAIDERGARH).title_hi)

    officer_login(BDO_HAIDERGARH, "bdo-haidergarh")
    page.goto("/accounts/login/?next=/officer/")
    page.get_by_label("लॉगिन").fill("bdo-haidergarh")
    page.get_by_label("पासवर्ड").fill("demo")
    page.get_by_role("button", name="साइन इन").click()
    inbox = page.locator("ol.inbox")
    expect(inbox).to_contain_text(complaint.reference)
    expect(inbox).to_contain_text("रामकली")  # whose, where and how long: on the row
    expect(inbox).to_contain_text("दिन शेष")
    screenshot(page, "71-journey-bdo-inbox")


def test_the_desk_sends_an_other_or_not_sure_complaint_to_the_post_that_must_act(
    browser, live_server, reseeded, agent
):
    complaint = new_complaint(
        agent,
        mobile="9811100002",
        category_id=Category.objects.get(code="OTHER").pk,
        place_id=Unit.objects.get(code="UP-LUCKNOW").pk,
        description="गाँव के पास वाले ट्यूबवेल का पानी महीनों से खेतों तक नहीं पहुँच रहा।",
    )
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    staff("desk-lucknow", "desk")
    page.goto("/accounts/login/?next=/monitoring/desk/")
    page.get_by_label("लॉगिन").fill("desk-lucknow")
    page.get_by_label("पासवर्ड").fill("demo")
    page.get_by_role("button", name="साइन इन").click()
    second_step(page, "desk-lucknow")
    expect(page.locator("main")).to_contain_text("अन्य / पता नहीं")  # why it is there
    page.get_by_role("link", name=complaint.reference).click()

    target = Post.objects.get(code="IR-L1-UP-LUCKNOW-T-SADAR")
    page.get_by_label("पद को नाम से खोजें, हिन्दी या अंग्रेज़ी में").fill("sahayak abhiyanta sadar")
    expect(page.locator("#assign_to_post_id")).to_have_value(str(target.pk))
    assert serious_accessibility_problems(page) == []
    screenshot(page, "72-journey-desk-assign")
    page.get_by_role("button", name="भेजें", exact=True).click()

    done = page.get_by_role("status")
    expect(done).to_contain_text("अधिकारी को भेज दी गई")
    expect(done).to_contain_text(target.title_hi)
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.current_post == target
    context.close()


def offer(base_url: str, token: str, call_id: str, ani: str, event: str = "offered") -> None:
    request = urllib.request.Request(
        f"{base_url}/api/v1/cti/events",
        data=json.dumps(
            {"call_id": call_id, "event": event, "agent": "meena", "ani": ani}
        ).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()


def fill_complaint(page, name: str, words: str) -> None:
    page.get_by_label("शिकायतकर्ता का नाम").fill(name)
    page.get_by_label("हिन्दी या अंग्रेज़ी में किसी शब्द से खोजें").fill("kabza")  # as it sounds
    page.get_by_role("combobox", name="जनपद", exact=True).select_option(label="लखनऊ")
    page.get_by_label("तहसील, ब्लॉक या थाना").select_option(label="लखनऊ सदर")
    page.get_by_label("समस्या का विवरण लिखें").fill(words)
    page.get_by_label("मैंने सहमति वाक्य पढ़कर सुना दिया है").check()


def test_two_callers_in_a_row_each_get_their_own_complaint(browser, live_server, reseeded):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    staff("meena", "agent")
    token = create_token(staff("acd", "telephony"), "telephony")
    sign_in(page, "meena")

    offer(live_server.url, token, "call-A", "9811100011")
    offer(live_server.url, token, "call-A", "9811100011", "answered")
    mobile = page.get_by_label("कॉल करने वाले का मोबाइल नंबर")
    expect(mobile).to_have_value("9811100011", timeout=10_000)
    fill_complaint(page, "पहला कॉलर", "पड़ोसी ने खेत की मेड़ तोड़कर कब्ज़ा कर लिया है।")
    page.get_by_role("button", name="शिकायत दर्ज करें").click()
    expect(page.get_by_role("status").first).to_contain_text("संदर्भ संख्या")
    first = Complaint.objects.get(call_id="call-A")
    assert first.mobile == "+919811100011" and first.complainant_name == "पहला कॉलर"

    # The first call ends; the next caller's call lands: a fresh form, bound to that call.
    offer(live_server.url, token, "call-A", "9811100011", "ended")
    offer(live_server.url, token, "call-B", "9811100022")
    expect(mobile).to_have_value("9811100022", timeout=10_000)
    expect(page.get_by_label("शिकायतकर्ता का नाम")).to_have_value("")
    page.get_by_label("शिकायतकर्ता का नाम").fill("दूसरे के लिए आधा लिखा")

    # A third call lands while the second caller's complaint is half typed: put aside.
    offer(live_server.url, token, "call-C", "9811100033")
    expect(mobile).to_have_value("9811100033", timeout=10_000)
    expect(page.get_by_label("शिकायतकर्ता का नाम")).to_have_value("")
    expect(page.locator("#drafts")).to_contain_text("9811100022")
    fill_complaint(page, "तीसरा कॉलर", "गाँव की नाली बंद है, पानी घरों में भर रहा है और कब्ज़ा भी है।")
    page.get_by_role("button", name="शिकायत दर्ज करें").click()
    expect(page.get_by_role("status").first).to_contain_text("संदर्भ संख्या")
    third = Complaint.objects.get(call_id="call-C")
    assert third.mobile == "+919811100033" and third.complainant_name == "तीसरा कॉलर"

    # The draft comes back with its own call and caller, and files as theirs.
    page.locator("#drafts").get_by_role("button", name="वापस लाएँ").click()
    expect(mobile).to_have_value("9811100022")
    expect(page.get_by_label("शिकायतकर्ता का नाम")).to_have_value("दूसरे के लिए आधा लिखा")
    fill_complaint(page, "दूसरा कॉलर", "सरकारी ज़मीन पर दबंगों ने कब्ज़ा कर लिया है, रास्ता बंद है।")
    page.get_by_role("button", name="शिकायत दर्ज करें").click()
    expect(page.get_by_role("status").first).to_contain_text("संदर्भ संख्या")
    second = Complaint.objects.get(call_id="call-B")
    assert second.mobile == "+919811100022"
    screenshot(page, "73-journey-two-callers")
    context.close()
