"""The officer's phone: open the link from the SMS, sign in, file the action-taken report with
a photo carrying its GPS position, and the complaint moves to verification."""

import re
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from igrs.directory.models import Officer
from igrs.grievances.models import Attachment, Complaint, Status
from igrs.notifications.models import OutboxMessage

from ..conftest import TEHSILDAR, new_complaint
from ..test_officers import gps_photo
from .conftest import screenshot, serious_accessibility_problems

pytestmark = pytest.mark.browser


def test_an_officer_acts_from_the_sms_link_on_a_phone(phone, live_server, agent):
    page = phone
    complaint = new_complaint(agent)
    officer = Officer.objects.filter(postings__post__code=TEHSILDAR).first()
    officer.user = User.objects.create_user("tehsildar-sadar", password="demo")
    officer.save()
    sms = OutboxMessage.objects.get(
        reference=complaint.reference, key="assigned_officer", mobile=officer.mobile
    )
    link = urlparse(re.search(r"https?://\S+", sms.body).group(0)).path

    page.goto(link)
    page.get_by_role("button", name="शिकायत खोलें").click()
    expect(page.get_by_text(complaint.description)).to_be_visible()
    expect(page.locator("input[name=disposal]")).to_have_count(0)  # reading only
    assert serious_accessibility_problems(page) == []
    screenshot(page, "30-officer-link")

    page.get_by_role("link", name="कार्यवाही हेतु साइन इन करें").click()
    page.get_by_label("लॉगिन").fill("tehsildar-sadar")
    page.get_by_label("पासवर्ड").fill("demo")
    page.get_by_role("button", name="साइन इन").click()
    expect(page).to_have_url(re.compile(rf"/officer/complaints/{complaint.reference}/$"))

    page.get_by_label("समाधान किया गया").check()
    page.get_by_label("क्या कार्यवाही की गई").fill("लेखपाल के साथ मौके पर जाकर कब्ज़ा हटवाया।")
    page.get_by_label("किससे मिले").fill("शिकायतकर्ता और ग्राम प्रधान")
    page.get_by_label("फ़ोटो या दस्तावेज़ (अधिकतम 3)").set_input_files(
        [{"name": "mauka.jpg", "mimeType": "image/jpeg", "buffer": gps_photo()}]
    )
    assert serious_accessibility_problems(page) == []
    screenshot(page, "31-officer-atr-form")
    page.get_by_role("button", name="आख्या प्रस्तुत करें").click()

    # What was done, and what comes next: the call centre verifies with the complainant.
    expect(page.get_by_role("status")).to_contain_text("आपकी आख्या दर्ज हो गई है")
    expect(page.get_by_role("status")).to_contain_text("1076 कॉल सेंटर")
    expect(page.locator("#evidence-title + table")).to_contain_text("26.84000, 80.94667")
    screenshot(page, "32-officer-atr-done")
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_VERIFICATION
    assert Attachment.objects.get().latitude == pytest.approx(26.84)
    assert Complaint.objects.get(pk=complaint.pk).events.last().actor_officer_id == officer.pk
