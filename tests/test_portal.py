"""The citizen portal through Django's test client: OTP, filing, tracking privacy, feedback and
reminders. The browser tests (tests/browser/) drive the same pages in Chromium."""

import datetime as dt
import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from igrs.core import clock
from igrs.core.models import RateHit
from igrs.directory.models import Category, Unit
from igrs.faces.session import client_ip
from igrs.grievances import reference, services
from igrs.grievances.models import Action, Complaint, RegistrationKey, Status
from igrs.notifications.models import OutboxMessage
from igrs.notifications.services import deliver_pending
from igrs.portal.models import OneTimePassword
from igrs.portal.services import prune

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor, post, real_png

MOBILE = "9876543210"
PNG = real_png()  # a header that says its size: a bare signature is refused


def last_otp(mobile: str = MOBILE) -> str:
    message = OutboxMessage.objects.filter(key="otp_citizen", mobile=f"+91{mobile[-10:]}").last()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def sign_in(client, mobile: str = MOBILE) -> None:
    response = client.post("/verify/", {"mobile": mobile, "next": "/mine/"})
    assert response.status_code == 302, response.content.decode()[:500]
    response = client.post("/verify/code/", {"code": last_otp(mobile), "next": "/mine/"})
    assert response["Location"] == "/mine/"


def form_data(**overrides) -> dict:
    data = {
        "submission_key": str(uuid.uuid4()),
        "complainant_name": "सीता देवी",
        "category_id": Category.objects.get(code="REV-LAND").pk,
        "district": Unit.objects.get(code="UP-LUCKNOW").pk,
        "place_id": Unit.objects.get(code=LUCKNOW_SADAR).pk,
        "place_detail": "ग्राम बरौली",
        "description": "पड़ोसी ने मेरे खेत पर अवैध कब्ज़ा कर लिया है।",
    }
    return {**data, **overrides}


def text(response) -> str:
    return response.content.decode()


def field_error(response, field: str) -> str:
    found = re.search(rf'id="id_{field}-error">([^<]*)<', text(response))
    return found.group(1).strip() if found else ""


# ---------------------------------------------------------------- language


def test_pages_are_hindi_first_whatever_the_browser_says_and_remember_a_switch(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="hi"' in text(page) and "शिकायत दर्ज करें" in text(page)
    client.post("/i18n/setlang/", {"language": "en", "next": "/track/"})
    page = client.get("/track/")
    assert 'lang="en"' in text(page) and "Track a complaint" in text(page)
    assert 'lang="hi"' in text(client.get("/privacy/"))  # the Hindi half of the notice


def test_the_api_still_honours_accept_language(client, db):
    response = client.get("/api/v1/complaints/1", HTTP_ACCEPT_LANGUAGE="en")
    assert "API token" in response.json()["message"]


# ---------------------------------------------------------------- one-time passwords


def test_otp_is_sent_in_hindi_through_the_outbox_and_signs_in(client, db):
    response = client.post("/verify/", {"mobile": "098765 43210", "next": "/file/"})
    assert response["Location"] == "/verify/code/?next=/file/"
    message = OutboxMessage.objects.get(key="otp_citizen")
    assert message.mobile == "+919876543210" and "ओटीपी" in message.body
    assert OneTimePassword.objects.get().code_hash != last_otp()  # only a keyed hash is kept
    assert (
        client.post("/verify/code/", {"code": last_otp(), "next": "/file/"})["Location"] == "/file/"
    )
    assert client.get("/file/").status_code == 200


def test_wrong_codes_count_down_then_lock_even_the_right_code(client, db, settings):
    settings.IGRS_OTP_MAX_ATTEMPTS = 3
    client.post("/verify/", {"mobile": MOBILE})
    right = last_otp()
    wrong = "000000" if right != "000000" else "111111"
    first = client.post("/verify/code/", {"code": wrong})
    assert "2" in field_error(first, "code")
    client.post("/verify/code/", {"code": wrong})
    third = client.post("/verify/code/", {"code": wrong})
    assert field_error(third, "code") == "बहुत अधिक गलत कोड डाले गए। नया कोड मँगाएँ।"
    locked = client.post("/verify/code/", {"code": right})
    assert locked.status_code == 200 and field_error(locked, "code")
    assert client.get("/mine/").status_code == 302  # still not signed in


def test_a_code_expires_and_cannot_be_used_twice(client, db):
    client.post("/verify/", {"mobile": MOBILE})
    code = last_otp()
    clock.advance(dt.timedelta(minutes=11))
    assert "समाप्त" in field_error(client.post("/verify/code/", {"code": code}), "code")
    client.post("/verify/", {"mobile": MOBILE})
    code = last_otp()
    other = type(client)()
    # Another browser asks too: each has its own code.
    other.post("/verify/", {"mobile": MOBILE}, REMOTE_ADDR="198.51.100.9")
    assert field_error(other.post("/verify/code/", {"code": code}), "code")
    assert client.post("/verify/code/", {"code": code})["Location"]
    assert OneTimePassword.objects.filter(used_at__isnull=False).count() == 1  # used, once


def test_otp_requests_are_limited_per_mobile_and_per_address(client, db, settings):
    settings.IGRS_OTP_PER_MOBILE_PER_HOUR = 2
    settings.IGRS_OTP_PER_IP_PER_HOUR = 3
    for _ in range(2):
        assert client.post("/verify/", {"mobile": MOBILE}).status_code == 302
    refused = client.post("/verify/", {"mobile": MOBILE})
    assert refused.status_code == 200 and "1076" in text(refused)
    assert client.post("/verify/", {"mobile": "9876500000"}).status_code == 302
    refused = client.post("/verify/", {"mobile": "9876500001"})
    assert "कनेक्शन" in text(refused)
    assert OutboxMessage.objects.filter(key="otp_citizen").count() == 3
    clock.advance(dt.timedelta(minutes=61))
    assert client.post("/verify/", {"mobile": MOBILE}).status_code == 302


def test_a_bad_mobile_number_is_refused_next_to_the_field(client, db):
    response = client.post("/verify/", {"mobile": "12345"})
    assert "10 अंकों" in field_error(response, "mobile") or "10-digit" in field_error(
        response, "mobile"
    )
    assert 'value="12345"' in text(response)
    assert not OutboxMessage.objects.exists()


def test_the_worker_prunes_old_codes_and_rate_hits(client, db):
    client.post("/verify/", {"mobile": MOBILE})
    # One hit for each budget: the mobile, the mobile from this address, the address; an
    # hour's and a day's of each.
    assert RateHit.objects.count() == 6 and OneTimePassword.objects.count() == 1
    assert prune(clock.now() + dt.timedelta(hours=2)) == 0
    assert prune(clock.now() + dt.timedelta(days=2)) == 7


def test_a_signed_in_mobile_expires(client, db, settings):
    sign_in(client)
    clock.advance(dt.timedelta(minutes=settings.IGRS_CITIZEN_SESSION_MINUTES + 1))
    assert client.get("/mine/")["Location"] == "/verify/?next=/mine/"


def test_next_never_leads_off_the_site(client, db):
    client.post("/verify/", {"mobile": MOBILE})
    response = client.post("/verify/code/", {"code": last_otp(), "next": "https://evil.example/"})
    assert response["Location"] == "/mine/"


# ---------------------------------------------------------------- filing


def test_filing_needs_a_verified_mobile(client, db):
    assert client.get("/file/")["Location"] == "/verify/?next=/file/"
    assert client.post("/file/", form_data()).status_code == 302
    assert not Complaint.objects.exists()


def test_filing_registers_routes_and_shows_the_reference_large(client, db):
    sign_in(client)
    response = client.post("/file/", form_data())
    complaint = Complaint.objects.get()
    assert response["Location"] == f"/filed/{complaint.reference}/"
    assert complaint.source == "portal" and complaint.mobile == "+919876543210"
    assert complaint.status == Status.ASSIGNED and complaint.current_post == post(TEHSILDAR)
    page = text(client.get(response["Location"]))
    grouped = " ".join(complaint.reference[i : i + 4] for i in range(0, 13, 4))
    assert f'<span aria-hidden="true">{grouped}</span>' in page
    assert " ".join(complaint.reference) in page  # what a screen reader says: digit by digit
    sms = OutboxMessage.objects.get(key="registered_assigned")
    assert complaint.reference in sms.body and sms.mobile == complaint.mobile


def test_errors_sit_next_to_their_fields_and_nothing_typed_is_lost(client, db):
    sign_in(client)
    data = form_data(
        description="छोटा", place_id="", email="not-an-email", address="मकान 12, ग्राम बरौली"
    )
    response = client.post("/file/", data)
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert field_error(response, "place_id") == "सूची में से एक चुनें।"
    data["place_id"] = Unit.objects.get(code=LUCKNOW_SADAR).pk
    response = client.post("/file/", data)
    assert "10" in field_error(response, "description")
    assert field_error(response, "email")
    page = text(response)
    assert 'value="सीता देवी"' in page and ">छोटा</textarea>" in page
    assert "मकान 12, ग्राम बरौली</textarea>" in page and 'value="ग्राम बरौली"' in page
    assert f'value="{data["category_id"]}" ' in page and "selected" in page
    assert f'name="submission_key" value="{data["submission_key"]}"' in page


def test_the_same_form_submitted_twice_files_one_complaint(client, db):
    sign_in(client)
    data = form_data()
    first = client.post("/file/", data)
    second = client.post("/file/", data)
    assert first["Location"] == second["Location"]
    assert Complaint.objects.count() == 1 and RegistrationKey.objects.count() == 1


def test_without_script_choosing_a_district_shows_its_places_without_errors(client, db):
    sign_in(client)
    response = client.post("/file/", {**form_data(place_id=""), "refresh": "1"})
    page = text(response)
    assert 'class="error"' not in page
    for group in ('label="तहसील"', 'label="विकास खण्ड"', 'label="थाना"'):  # every kind, grouped
        assert group in page
    assert "लखनऊ सदर विकास खंड" in page  # blocks sit under tehsils, and are offered too
    assert not Complaint.objects.exists()


def test_places_of_a_district_for_the_script_every_kind_grouped(client, db):
    barabanki = Unit.objects.get(code="UP-BARABANKI").pk
    data = client.get(f"/file/places/?district={barabanki}").json()
    groups = {group["kind"]: group["places"] for group in data["groups"]}
    assert list(groups) == ["tehsil", "block", "thana", "district"]
    assert "हैदरगढ़" in [label for _pk, label, _words in groups["tehsil"]]
    assert "बंकी (नवाबगंज)" in [label for _pk, label, _words in groups["block"]]  # with its tehsil
    words = dict((label, words) for _pk, label, words in groups["tehsil"])["हैदरगढ़"]
    assert "Haidergarh" in words and "hdrgr" in words  # found by either spelling's sound key
    assert any("जिलाधिकारी" in title for _pk, title in data["posts"])
    assert client.get("/file/places/?district=x").json() == {"groups": [], "posts": []}


def test_a_block_level_complaint_needs_the_block_and_says_so(client, db):
    sign_in(client)
    rural = Category.objects.get(code="RD-HOUSING").pk
    response = client.post("/file/", form_data(category_id=rural))  # a tehsil: too coarse
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "विकास खंड" in text(response)  # the error names the block
    block = Unit.objects.get(code="UP-LUCKNOW-T-SADAR-B").pk
    filed = client.post("/file/", form_data(category_id=rural, place_id=block))
    complaint = Complaint.objects.get()
    assert filed.status_code == 302 and complaint.current_post.code == "RD-L1-UP-LUCKNOW-T-SADAR-B"


def test_files_are_checked_by_content_and_kept_with_the_complaint(client, db):
    sign_in(client)
    fake = SimpleUploadedFile("photo.jpg", b"MZ not really a photo", content_type="image/jpeg")
    response = client.post("/file/", {**form_data(), "files": [fake]})
    assert "photo.jpg" in field_error(response, "files") and not Complaint.objects.exists()
    photo = SimpleUploadedFile("khet.png", PNG, content_type="image/png")
    client.post("/file/", {**form_data(), "files": [photo]})
    event = Complaint.objects.get().events.get(action=Action.REGISTER)
    attachment = event.attachments.get()
    assert attachment.content_type == "image/png" and attachment.size == len(PNG)


def test_the_monthly_cap_is_explained_in_plain_words(client, db, settings):
    settings.IGRS_MONTHLY_CAP_PER_MOBILE = 1
    sign_in(client)
    client.post("/file/", form_data())
    response = client.post(
        "/file/", form_data(category_id=Category.objects.get(code="REV-CERT").pk)
    )
    assert Complaint.objects.count() == 1
    assert "इस माह" in text(response) and "1076" in text(response)


# ---------------------------------------------------------------- tracking and privacy


def test_tracking_needs_the_matching_mobile_and_reveals_nothing_otherwise(client, agent):
    complaint = new_complaint(agent, mobile=MOBILE, complainant_name="गोपनीय नाम")
    wrong = client.post("/track/", {"reference": complaint.reference, "mobile": "9999999999"})
    never = client.post("/track/", {"reference": reference.make(2026, 99999999), "mobile": MOBILE})
    assert "गोपनीय नाम" not in text(wrong) and complaint.description not in text(wrong)
    message = "इस संदर्भ संख्या और मोबाइल नंबर से कोई शिकायत नहीं मिली।"
    assert message in text(wrong) and message in text(never)
    assert client.get(f"/track/{complaint.reference}/").status_code == 404
    found = client.post("/track/", {"reference": complaint.reference, "mobile": MOBILE})
    assert found["Location"] == f"/track/{complaint.reference}/"
    page = text(client.get(found["Location"]))
    assert "गोपनीय नाम" in page and "+91XXXXXX3210" in page and MOBILE not in page


def test_a_mistyped_reference_is_caught_by_its_check_digit(client, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    typo = (
        complaint.reference[:-2]
        + str((int(complaint.reference[-2]) + 1) % 10)
        + complaint.reference[-1]
    )
    response = client.post("/track/", {"reference": typo, "mobile": MOBILE})
    assert "एसएमएस से मिलान" in field_error(response, "reference")


def test_failed_lookups_are_limited_per_address(client, agent, settings):
    settings.IGRS_TRACK_FAILURES_PER_IP_PER_HOUR = 2
    complaint = new_complaint(agent, mobile=MOBILE)
    for guess in ("9000000001", "9000000002"):
        client.post("/track/", {"reference": complaint.reference, "mobile": guess})
    blocked = client.post("/track/", {"reference": complaint.reference, "mobile": MOBILE})
    assert blocked.status_code == 200 and "असफल खोजें" in text(blocked)


def track(client, complaint) -> None:
    response = client.post("/track/", {"reference": complaint.reference, "mobile": MOBILE})
    assert response.status_code == 302


def test_the_timeline_answers_who_where_and_what(client, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    track(client, complaint)
    page = text(client.get(f"/track/{complaint.reference}/"))
    tehsildar = post(TEHSILDAR)
    assert tehsildar.title_hi in page and "स्तर 1" in page
    assert officer_actor(TEHSILDAR).officer_id is not None
    assert "अभी तक कोई आख्या नहीं।" in page
    clock.advance(dt.timedelta(days=9))
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।",
        attachments=[services.Upload("mauka.png", real_png())],
        details=services.AtrDetails(persons_met="ग्राम प्रधान", opposite_party_statement="मेड़ मान ली"),
    )
    track(client, complaint)  # nine days on, the earlier lookup has lapsed
    page = text(client.get(f"/track/{complaint.reference}/"))
    assert "लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।" in page
    # The complainant reads the report in full: whom the officer met, what each side said.
    assert "ग्राम प्रधान" in page and "मेड़ मान ली" in page
    assert "mauka.png" in page and "सत्यापित करें" in page
    attachment = re.search(r'href="(/track/\d+/files/\d+/)"', page).group(1)
    download = client.get(attachment)
    content = b"".join(download.streaming_content)
    assert download.status_code == 200 and Image.open(io.BytesIO(content)).size == (8, 6)
    assert type(client)().get(attachment).status_code == 404


def test_overdue_days_and_escalations_show_where_it_is_stuck(client, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    clock.advance(dt.timedelta(days=9))
    track(client, complaint)
    page = text(client.get(f"/track/{complaint.reference}/"))
    assert "समय-सीमा से" in page
    services.sweep()
    page = text(client.get(f"/track/{complaint.reference}/"))
    assert "1 बार उच्च स्तर पर भेजी गई।" in page and post(DM).title_hi in page


def test_my_complaints_lists_only_this_mobiles_complaints(client, agent):
    mine = new_complaint(agent, mobile=MOBILE)
    other = new_complaint(agent, mobile="9812345678")
    sign_in(client)
    page = text(client.get("/mine/"))
    assert mine.reference in page and other.reference not in page
    assert client.get(f"/track/{mine.reference}/").status_code == 200
    assert client.get(f"/track/{other.reference}/").status_code == 404


# ---------------------------------------------------------------- feedback and reminders


def disposed(agent) -> Complaint:
    complaint = new_complaint(agent, mobile=MOBILE)
    return services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया है।",
    )


def test_feedback_needs_an_otp_not_just_the_reference(client, agent):
    complaint = disposed(agent)
    client.post("/track/", {"reference": complaint.reference, "mobile": MOBILE})
    response = client.post(
        f"/track/{complaint.reference}/feedback/", {"satisfied": "no", "reason": "नहीं हटा"}
    )
    assert response["Location"].startswith("/verify/")
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_VERIFICATION


def test_not_satisfied_online_escalates_to_the_superior(client, agent):
    complaint = disposed(agent)
    sign_in(client)
    empty = client.post(f"/track/{complaint.reference}/feedback/", {"satisfied": "no"})
    assert empty.status_code == 422 and field_error(empty, "reason")
    client.post(
        f"/track/{complaint.reference}/feedback/", {"satisfied": "no", "reason": "कब्ज़ा अभी भी है"}
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.current_post == post(DM)
    event = complaint.events.last()
    assert event.action == Action.VERIFY_NOT_SATISFIED and event.role == "citizen"
    assert event.note == "कब्ज़ा अभी भी है"


def test_satisfied_closes_and_a_closed_complaint_can_be_reopened(client, agent):
    complaint = disposed(agent)
    sign_in(client)
    client.post(f"/track/{complaint.reference}/feedback/", {"satisfied": "yes"})
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    page = text(client.get(f"/track/{complaint.reference}/"))
    assert 'value="yes"' not in page and 'value="no"' in page
    client.post(
        f"/track/{complaint.reference}/feedback/",
        {"satisfied": "no", "reason": "फिर से कब्ज़ा हो गया"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.level == 2


def test_a_reminder_reaches_the_officer_once_per_period(client, agent, settings):
    complaint = new_complaint(agent, mobile=MOBILE)
    sign_in(client)
    url = f"/track/{complaint.reference}/remind/"
    assert client.post(url)["Location"] == f"/track/{complaint.reference}/"
    sms = OutboxMessage.objects.get(key="citizen_reminder_officer")
    assert complaint.reference in sms.body
    again = client.post(url)
    assert again.status_code == 422 and "अनुस्मारक" in text(again)
    assert OutboxMessage.objects.filter(key="citizen_reminder_officer").count() == 1
    clock.advance(dt.timedelta(hours=settings.IGRS_CITIZEN_REMINDER_EVERY_HOURS))
    sign_in(client)  # the earlier sign-in has expired by now
    client.post(url)
    reminders = complaint.events.filter(action=Action.REMIND, role="citizen")
    assert reminders.count() == 2
    complaint.refresh_from_db()
    assert complaint.version == 2  # a reminder changes no decision: no conflict for the officer


@pytest.mark.parametrize("status", [Status.AWAITING_VERIFICATION, Status.CLOSED])
def test_no_reminder_once_action_is_taken(client, agent, status):
    complaint = disposed(agent)
    if status == Status.CLOSED:
        services.verify(agent, complaint.reference, outcome="satisfied")
    sign_in(client)
    response = client.post(f"/track/{complaint.reference}/remind/")
    assert response.status_code == 422
    assert not OutboxMessage.objects.filter(key="citizen_reminder_officer").exists()


# ---------------------------------------------------------------- sessions and odd input


def test_a_lapsed_sign_in_keeps_the_typed_form_over_a_fresh_otp(client, db, settings):
    sign_in(client)
    clock.advance(dt.timedelta(minutes=settings.IGRS_CITIZEN_SESSION_MINUTES + 1))
    data = form_data()
    response = client.post("/file/", data)
    assert response["Location"] == "/verify/?next=/file/" and not Complaint.objects.exists()
    sign_in(client)
    page = text(client.get("/file/"))
    assert 'value="सीता देवी"' in page and f"{data['description']}</textarea>" in page
    assert 'class="error"' not in page


def test_feedback_after_the_sign_in_lapsed_returns_to_the_complaint_page(client, agent, settings):
    complaint = disposed(agent)
    sign_in(client)
    clock.advance(dt.timedelta(minutes=settings.IGRS_CITIZEN_SESSION_MINUTES + 1))
    track(client, complaint)
    response = client.post(f"/track/{complaint.reference}/feedback/", {"satisfied": "yes"})
    assert response["Location"] == f"/verify/?next=/track/{complaint.reference}/"


def test_using_the_site_keeps_the_sign_in_alive_but_a_lookup_lapses(client, agent, settings):
    complaint = new_complaint(agent, mobile="9812345678")
    track_response = client.post(
        "/track/", {"reference": complaint.reference, "mobile": "9812345678"}
    )
    assert track_response.status_code == 302
    sign_in(client)
    for _ in range(3):
        clock.advance(dt.timedelta(minutes=settings.IGRS_CITIZEN_SESSION_MINUTES - 5))
        assert client.get("/mine/").status_code == 200
    assert client.get(f"/track/{complaint.reference}/").status_code == 404


def test_feedback_on_a_report_that_changed_since_it_was_read_is_refused(client, agent):
    complaint = disposed(agent)
    sign_in(client)
    read_version = complaint.version
    services.add_note(agent, complaint.reference, note="नोट")  # unversioned: still fine
    response = client.post(
        f"/track/{complaint.reference}/feedback/", {"satisfied": "yes", "version": read_version - 1}
    )
    assert response.status_code == 422 and "दोबारा खोलकर" in text(response)
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_VERIFICATION
    client.post(
        f"/track/{complaint.reference}/feedback/", {"satisfied": "yes", "version": read_version}
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED


def test_absurd_ids_are_a_choice_error_not_a_crash(client, db):
    huge = "9" * 30
    assert client.get(f"/file/places/?district={huge}").json() == {"groups": [], "posts": []}
    sign_in(client)
    response = client.post("/file/", form_data(place_id=huge, district=huge))
    assert response.status_code == 200 and field_error(response, "place_id")


def test_more_than_three_files_are_refused_without_reading_them_all(client, db):
    sign_in(client)
    photos = [SimpleUploadedFile(f"{i}.png", PNG, content_type="image/png") for i in range(5)]
    response = client.post("/file/", {**form_data(), "files": photos})
    assert "3" in field_error(response, "files") and not Complaint.objects.exists()


def test_pages_with_personal_data_are_not_kept_by_the_browser(client, agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    track(client, complaint)
    assert "no-store" in client.get(f"/track/{complaint.reference}/")["Cache-Control"]


def test_the_client_address_behind_proxies_and_over_ipv6(rf, settings):
    settings.IGRS_PROXY_HOPS = 1
    behind = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    assert client_ip(behind) == "5.6.7.8"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    settings.IGRS_PROXY_HOPS = 0
    assert (
        client_ip(rf.get("/", REMOTE_ADDR="2401:4900:1c2a:1234:abcd::1"))
        == "2401:4900:1c2a:1234::/64"
    )


def test_a_sent_otp_is_not_kept_readable(client, db):
    client.post("/verify/", {"mobile": MOBILE})
    code = last_otp()
    assert deliver_pending() == 1
    kept = OutboxMessage.objects.get(key="otp_citizen").body
    assert code not in kept and "******" in kept
