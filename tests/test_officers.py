"""The officer workspace through Django's test client: the inbox across posts, the SMS link,
the action-taken report with photo evidence, and the other actions with their permissions."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from igrs.core import clock, links
from igrs.core.errors import Invalid
from igrs.directory.models import Category, Officer, Post, Posting, Unit
from igrs.grievances import evidence, selectors, services
from igrs.grievances.models import Action, Attachment, Complaint, Status
from igrs.notifications.models import OutboxMessage

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor, post, today


def gps_photo(taken: str = "") -> bytes:
    """A JPEG as a phone camera writes it: time (by default a minute from now, IST) and GPS
    position in its EXIF."""
    image = Image.new("RGB", (64, 48), (200, 120, 40))
    exif = Image.Exif()
    exif[0x0132] = taken or (timezone.localtime(clock.now()) + dt.timedelta(minutes=1)).strftime(
        "%Y:%m:%d %H:%M:%S"
    )
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (26.0, 50.0, 24.0), "E", (80.0, 56.0, 48.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def signed_in(client, post_code: str) -> Officer:
    officer = Officer.objects.filter(postings__post__code=post_code).first()
    officer.user = User.objects.create_user(f"officer-{officer.pk}", password="demo")
    officer.save()
    client.force_login(officer.user)
    return officer


def page(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- inbox


def test_one_inbox_across_posts_held_with_overdue_and_due_today(client, agent):
    officer = signed_in(client, TEHSILDAR)
    other_tehsil = (
        Post.objects.filter(code__startswith="REV-L1-UP-LUCKNOW-T-").exclude(code=TEHSILDAR).first()
    )
    Posting.objects.create(
        officer=officer, post=other_tehsil, start=today(), additional_charge=True
    )
    mine = new_complaint(agent, mobile="9812345601")
    charge = new_complaint(agent, mobile="9812345602", place_id=other_tehsil.unit_id)
    clock.advance(dt.timedelta(days=10))
    # Another problem: the same one would be a cluster, one row (test_clusters.py).
    late = new_complaint(
        agent, mobile="9812345603", description="खसरा संख्या 212 की पैमाइश नहीं हो रही।"
    )
    shown = page(client.get("/officer/"))
    for complaint in (mine, charge, late):
        assert complaint.reference in shown
    assert "2 समय-सीमा पार" in shown or "2 overdue" in shown
    assert shown.index(mine.reference) < shown.index(late.reference)  # earliest due first


def test_search_by_reference_mobile_digits_and_words(client, agent):
    signed_in(client, TEHSILDAR)
    land = new_complaint(agent, mobile="9812345678", description="पड़ोसी ने खेत की मेड़ तोड़ दी है।")
    other = new_complaint(
        agent, mobile="9800000001", description="सरकारी ज़मीन पर अवैध निर्माण हो रहा है।"
    )

    def found(q: str) -> set[str]:
        text = page(client.get("/officer/", {"q": q}))
        return {c.reference for c in (land, other) if c.reference in text}

    assert found(land.reference) == {land.reference}
    assert found("5678") == {land.reference}
    assert found("मेड़") == {land.reference}
    assert found("अवैध निर्माण") == {other.reference}


def test_an_officer_of_another_district_gets_nothing(client, agent):
    complaint = new_complaint(agent)
    signed_in(client, "REV-L1-UP-AGRA-T-SADAR")
    assert complaint.reference not in page(client.get("/officer/"))
    assert client.get(f"/officer/complaints/{complaint.reference}/").status_code == 404
    response = client.post(
        f"/officer/complaints/{complaint.reference}/atr/",
        {"disposal": "resolved", "report": "कर दिया गया है, जाँच हुई।", "version": complaint.version},
    )
    assert response.status_code in (403, 404, 422)
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED


# ---------------------------------------------------------------- the SMS link


def sms_link(complaint: Complaint) -> str:
    body = OutboxMessage.objects.get(reference=complaint.reference, key="assigned_officer").body
    return re.search(r"(/o/[0-9a-z-]+)", body).group(1)


def test_the_sms_link_opens_the_page_to_read_once_per_session(client, agent):
    complaint = new_complaint(agent)
    link = sms_link(complaint)
    assert client.get(link).status_code == 200  # a button to press: previews use up nothing
    assert type(client)().get(link).status_code == 200
    opened = client.post(link)
    assert opened["Location"] == f"/officer/complaints/{complaint.reference}/"
    shown = page(client.get(opened["Location"]))
    assert complaint.description in shown and "साइन इन" in shown
    assert 'name="disposal"' not in shown  # reading only: acting needs a sign-in
    elsewhere = type(client)()
    assert elsewhere.post(link).status_code == 403
    assert client.post(link).status_code == 302  # the same session may open it again


def test_a_signed_in_officer_goes_straight_through_the_link(client, agent):
    complaint = new_complaint(agent)
    signed_in(client, TEHSILDAR)
    assert client.get(sms_link(complaint))["Location"] == (
        f"/officer/complaints/{complaint.reference}/"
    )


def test_a_tampered_or_expired_link_is_refused(client, agent):
    complaint = new_complaint(agent)
    link = sms_link(complaint)
    tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
    assert client.get(tampered).status_code == 403
    assert client.get(link + "é").status_code == 403
    clock.advance(dt.timedelta(days=31))
    assert type(client)().post(link).status_code == 403
    assert links.read_officer_link("not-a-token") is None


# ---------------------------------------------------------------- the action-taken report


def test_an_atr_with_a_gps_photo_keeps_the_evidence_and_the_public_gets_a_clean_copy(client, agent):
    complaint = new_complaint(agent, mobile="9876543210")
    signed_in(client, TEHSILDAR)
    photo = SimpleUploadedFile("site.jpg", gps_photo(), content_type="image/jpeg")
    response = client.post(
        f"/officer/complaints/{complaint.reference}/atr/",
        {
            "disposal": "resolved",
            "report": "लेखपाल के साथ मौके पर जाकर कब्ज़ा हटवाया।",
            "site_visit_on": today().isoformat(),
            "persons_met": "शिकायतकर्ता, ग्राम प्रधान",
            "complainant_statement": "कब्ज़ा हट गया",
            "opposite_party_statement": "सहमत",
            "version": complaint.version,
            "files": [photo],
        },
    )
    assert response.status_code == 302, page(response)[:2000]
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_VERIFICATION
    report = complaint.events.get(action=Action.SUBMIT_ATR)
    assert report.data["persons_met"] == "शिकायतकर्ता, ग्राम प्रधान"
    assert report.data["site_visit_on"] == today().isoformat()
    attachment = Attachment.objects.get()
    assert (attachment.latitude, attachment.longitude) == (26.84, 80.946667)
    assert attachment.taken_at is not None
    shown = page(client.get(f"/officer/complaints/{complaint.reference}/"))
    assert "26.84000" in shown and "80.94667" in shown
    citizen = type(client)()
    citizen.post("/track/", {"reference": complaint.reference, "mobile": "9876543210"})
    url = re.search(
        r'href="(/track/\d+/files/\d+/)"', page(citizen.get(f"/track/{complaint.reference}/"))
    ).group(1)
    public = b"".join(citizen.get(url).streaming_content)
    assert evidence.photo_facts(public) == evidence.PhotoFacts()  # no time, no place
    original = b"".join(
        client.get(
            f"/officer/complaints/{complaint.reference}/files/{attachment.pk}/"
        ).streaming_content
    )
    assert evidence.photo_facts(original).latitude == 26.84


def test_a_photo_older_than_the_complaint_is_flagged(agent):
    complaint = new_complaint(agent)
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
        attachments=[services.Upload("old.jpg", gps_photo("2020:01:01 09:00:00"))],
    )
    assert Attachment.objects.get().warnings == ["older_than_complaint"]


def test_a_resolved_road_report_needs_a_photo(client, agent):
    road = Category.objects.get(code="PW-ROAD")
    assert road.photo_required
    complaint = new_complaint(
        agent, category_id=road.pk, place_id=Unit.objects.get(code=LUCKNOW_SADAR).pk
    )
    holder = Post.objects.get(pk=complaint.current_post_id)
    signed_in(client, holder.code)
    response = client.post(
        f"/officer/complaints/{complaint.reference}/atr/",
        {"disposal": "resolved", "report": "सड़क के गड्ढे भर दिए गए हैं।", "version": complaint.version},
    )
    assert response.status_code == 422 and "फ़ोटो" in page(response)
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED


def test_a_future_site_visit_is_refused(agent):
    complaint = new_complaint(agent)
    with pytest.raises(Exception, match="future|भविष्य"):
        services.submit_atr(
            officer_actor(TEHSILDAR),
            complaint.reference,
            disposal="resolved",
            report="मौके पर जाकर कार्यवाही पूरी की गई।",
            details=services.AtrDetails(site_visit_on=today() + dt.timedelta(2)),
        )


# ---------------------------------------------------------------- other actions


def test_an_interim_reply_reaches_the_citizen_and_the_clock_runs_on(client, agent):
    complaint = new_complaint(agent, mobile="9876543210")
    due = complaint.due_at
    signed_in(client, TEHSILDAR)
    client.post(
        f"/officer/complaints/{complaint.reference}/interim/",
        {"reply": "पैमाइश की तिथि 5 दिसंबर तय की गई है।"},
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.due_at == due
    citizen = type(client)()
    citizen.post("/track/", {"reference": complaint.reference, "mobile": "9876543210"})
    assert "पैमाइश की तिथि 5 दिसंबर तय की गई है।" in page(
        citizen.get(f"/track/{complaint.reference}/")
    )


def test_the_dm_forwards_down_with_instructions(client, agent):
    complaint = new_complaint(agent)
    services.sweep(clock.now() + dt.timedelta(days=9))  # overdue: up to the DM
    complaint.refresh_from_db()
    assert complaint.current_post == post(DM)
    signed_in(client, DM)
    shown = page(client.get(f"/officer/complaints/{complaint.reference}/"))
    assert post(TEHSILDAR).title_hi in shown
    client.post(
        f"/officer/complaints/{complaint.reference}/forward/",
        {
            "to_post_id": post(TEHSILDAR).pk,
            "note": "तीन दिन में आख्या दें",
            "version": complaint.version,
        },
    )
    complaint.refresh_from_db()
    assert complaint.current_post == post(TEHSILDAR) and complaint.accountable_post == post(DM)


def test_return_with_a_suggestion_and_special_closure_decided_above(client, agent):
    returned = new_complaint(agent, mobile="9812345611")
    closing = new_complaint(agent, mobile="9812345612")
    signed_in(client, TEHSILDAR)
    client.post(
        f"/officer/complaints/{returned.reference}/return/",
        {
            "reason": "यह नगर निगम का मामला है",
            "suggestion": "नगर विकास, लखनऊ",
            "version": returned.version,
        },
    )
    returned.refresh_from_db()
    assert returned.status == Status.RETURNED
    assert returned.events.last().data["suggestion"] == "नगर विकास, लखनऊ"
    client.post(
        f"/officer/complaints/{closing.reference}/closure/",
        {"ground": "sub_judice", "reason": "मामला न्यायालय में लंबित है।", "version": closing.version},
    )
    closing.refresh_from_db()
    assert closing.status == Status.CLOSURE_PROPOSED
    dm_client = type(client)()
    signed_in(dm_client, DM)
    assert closing.reference in page(dm_client.get("/officer/"))
    dm_client.post(
        f"/officer/complaints/{closing.reference}/decision/",
        {"approve": "yes", "note": "स्वीकृत", "version": closing.version},
    )
    closing.refresh_from_db()
    assert closing.status == Status.CLOSED


def test_people_without_an_officer_record_have_no_inbox(client, db):
    client.force_login(User.objects.create_user("clerk"))
    assert client.get("/officer/").status_code == 403
    assert type(client)().get("/officer/")["Location"].startswith("/accounts/login/")


def test_the_forwarder_approves_the_subordinates_report_from_the_page(client, agent):
    complaint = new_complaint(agent)
    clock.advance(dt.timedelta(days=9))
    services.sweep()  # overdue: up to the DM
    dm = officer_actor(DM)
    services.forward_down(dm, complaint.reference, to_post_id=post(TEHSILDAR).pk)
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="राजस्व टीम ने कब्ज़ा हटवा दिया है।",
    )
    complaint.refresh_from_db()
    signed_in(client, DM)
    shown = page(client.get(f"/officer/complaints/{complaint.reference}/"))
    assert (
        "राजस्व टीम ने कब्ज़ा हटवा दिया है।" in shown
        and f'action="/officer/complaints/{complaint.reference}/approve/"' in shown
    )
    client.post(
        f"/officer/complaints/{complaint.reference}/approve/",
        {"note": "जाँच कर ली", "version": complaint.version},
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.AWAITING_VERIFICATION


def test_a_senior_sees_the_teams_pendency_and_grades_c_to_reopen(client, agent):
    waiting = new_complaint(agent, mobile="9812345621")
    clock.advance(dt.timedelta(days=10))  # overdue with the tehsildar (no sweep has run)
    done = services.submit_atr(
        officer_actor(TEHSILDAR),
        new_complaint(agent, mobile="9812345622").reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया है।",
    )
    signed_in(client, DM)
    inbox = page(client.get("/officer/"))
    assert post(TEHSILDAR).title_hi in inbox and done.reference in inbox
    team = inbox[inbox.index('id="team-title"') :]
    assert re.search(r"<td>1</td><td class=\"overdue\">1</td>", team)
    assert waiting.reference not in inbox  # with the tehsildar: counted, not listed
    client.post(
        f"/officer/complaints/{done.reference}/grade/",
        {"grade": "C", "remarks": "फ़ोटो नहीं, दोबारा जाँचें", "version": done.version},
    )
    done.refresh_from_db()
    assert done.status == Status.ASSIGNED and done.current_post == post(TEHSILDAR)


def test_a_photo_far_from_the_complaints_place_is_flagged(agent):
    sadar = Unit.objects.get(code=LUCKNOW_SADAR)
    sadar.latitude, sadar.longitude = 26.85, 80.95  # the photo is taken here (26.84, 80.95)
    sadar.save()
    near = new_complaint(agent, mobile="9812345631")
    services.submit_atr(
        officer_actor(TEHSILDAR),
        near.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
        attachments=[services.Upload("near.jpg", gps_photo())],
    )
    sadar.latitude, sadar.longitude = 27.5, 81.9  # ~120 km away
    sadar.save()
    far = new_complaint(agent, mobile="9812345632")
    services.submit_atr(
        officer_actor(TEHSILDAR),
        far.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
        attachments=[services.Upload("far.jpg", gps_photo())],
    )
    warnings = dict(Attachment.objects.values_list("original_name", "warnings"))
    assert warnings == {"near.jpg": [], "far.jpg": ["far_from_place"]}


def test_evidence_goes_through_the_configured_storage(agent, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    complaint = new_complaint(agent)
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="मौके पर जाकर कार्यवाही पूरी की गई।",
        attachments=[services.Upload("site.jpg", gps_photo())],
    )
    stored = Attachment.objects.get()
    assert not (Path(settings.MEDIA_ROOT) / stored.file.name).exists()  # not on local disk
    with stored.file.open("rb") as handle:
        assert evidence.photo_facts(handle.read()).latitude == 26.84


def test_a_report_goes_back_to_the_post_that_forwarded_it_not_the_first_forwarder(agent):
    complaint = new_complaint(agent)
    for _ in range(2):  # overdue twice: up to the principal secretary
        clock.advance(dt.timedelta(days=9))
        services.sweep()
    ps, dm = officer_actor("REV-L3"), officer_actor(DM)
    services.forward_down(ps, complaint.reference, to_post_id=post(DM).pk)
    services.forward_down(dm, complaint.reference, to_post_id=post(TEHSILDAR).pk)
    back = services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया है।",
    )
    assert back.current_post == post(DM)


def test_a_c_grade_does_not_bring_back_an_approved_report(agent):
    complaint = new_complaint(agent)
    clock.advance(dt.timedelta(days=9))
    services.sweep()
    dm = officer_actor(DM)
    services.forward_down(dm, complaint.reference, to_post_id=post(TEHSILDAR).pk)
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया है।",
    )
    approved = services.approve_subordinate_report(dm, complaint.reference)
    assert selectors.pending_subordinate_report(approved) is None
    ps = officer_actor("REV-L3")
    reopened = services.grade_disposal(ps, complaint.reference, grade="C", remarks="जाँच अधूरी है")
    assert reopened.current_post == post(DM)
    assert selectors.pending_subordinate_report(reopened) is None


def test_the_public_never_sees_internal_steps_or_unreadable_originals(client, agent):
    complaint = new_complaint(agent, mobile="9876543210")
    clock.advance(dt.timedelta(days=9))
    services.sweep()
    dm = officer_actor(DM)
    services.forward_down(dm, complaint.reference, to_post_id=post(TEHSILDAR).pk)
    broken = gps_photo()[:-200]  # a truncated JPEG: EXIF readable, pixels not
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="गोपनीय आंतरिक आख्या का पाठ।",
        attachments=[services.Upload("broken.jpg", broken)],
    )
    services.approve_subordinate_report(dm, complaint.reference)
    citizen = type(client)()
    citizen.post("/track/", {"reference": complaint.reference, "mobile": "9876543210"})
    shown = page(citizen.get(f"/track/{complaint.reference}/"))
    assert "अनुमोदन हेतु" not in shown  # the subordinate-report step is not listed
    url = re.search(r'href="(/track/\d+/files/\d+/)"', shown).group(1)
    assert citizen.get(url).status_code == 404  # cannot be cleaned: not served at all


def test_an_absurdly_large_image_is_refused_before_it_is_decoded(agent):
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")  # 60 megapixels, a small file
    complaint = new_complaint(agent)
    with pytest.raises(Invalid):
        services.submit_atr(
            officer_actor(TEHSILDAR),
            complaint.reference,
            disposal="resolved",
            report="मौके पर जाकर कार्यवाही की गई।",
            attachments=[services.Upload("huge.png", out.getvalue())],
        )
