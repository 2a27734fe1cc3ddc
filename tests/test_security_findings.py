"""Issue 18: the findings that had no test of their own (docs/security.md, "Gaps"). Each test
names the finding it holds: exports and webhooks carry no complainant, the upload bounds,
control characters through the HTML forms, erasure of the records about a complaint, the
address shown only to the officer who must visit, the Django admin's views logged, and no
personal data in the reports of unhandled errors."""

import datetime as dt
import html
import io
import json
import re
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.signals import got_request_exception
from django.test import Client
from django.utils import translation
from django.views.debug import ExceptionReporter
from openpyxl import load_workbook
from pypdf import PdfReader

from igrs.callcentre import services as callcentre
from igrs.callcentre.models import AuditCall, Call
from igrs.core import clock, links
from igrs.core.accounts import grant_role
from igrs.core.errors import Invalid
from igrs.core.roles import Role
from igrs.directory.models import Officer, Unit
from igrs.grievances import services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Attachment, Complaint, Event, Status
from igrs.grievances.selectors import INTERNAL_STEPS
from igrs.grievances.services import uploads
from igrs.ivr.models import Handover, IvrCall
from igrs.monitoring.exports import XLSX_TYPE
from igrs.monitoring.selectors import RANKED_LEVELS, state_unit_id
from igrs.monitoring.services import roll_up
from igrs.notifications.models import OutboxMessage
from igrs.open311 import webhooks
from igrs.open311.models import Scope, WebhookDelivery
from igrs.open311.services import create_key
from igrs.privacy.models import Face, PersonalDataView
from igrs.privacy.services import erase_on_request

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR, new_complaint, officer_actor, post
from .test_callcentre_console import registration
from .test_monitoring import start_of_a_month
from .test_officers import signed_in, sms_link
from .test_portal import form_data, sign_in
from .test_privacy import closed_complaint

# Latin, so that it reads back the same from a PDF, a spreadsheet or a page.
NAME, MOBILE, ADDRESS = "Zorawar Quixote", "9812300077", "House 12, Quixote Lane"


def staff_user(name: str, *roles: str) -> User:
    user = User.objects.create_user(name)
    for role in roles:
        grant_role(user, role)
    return user


def personal(agent, **overrides) -> Complaint:
    return new_complaint(agent, complainant_name=NAME, mobile=MOBILE, address=ADDRESS, **overrides)


def text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- 1. exports and the PDF


def downloaded_text(response) -> str:
    """What a person sees in a downloaded file, whichever its format."""
    kind = response["Content-Type"]
    if kind.startswith("text/csv"):
        return response.content.decode("utf-8-sig")
    if kind == "application/pdf":
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    book = load_workbook(io.BytesIO(response.content))
    return "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row)


def test_no_export_or_monthly_pdf_names_a_complainant_or_shows_a_mobile(client, agent):
    """Finding 1 (exports and the monthly PDF: counts, not complainants): every file a
    monitor can download from the dashboard's pages — CSV, Excel, the monthly PDF — carries
    neither the complainant's name nor mobile nor address."""
    start_of_a_month(day=2)
    late = personal(agent)
    personal(agent, description="सरकारी ज़मीन पर अवैध निर्माण हो रहा है।")
    clock.advance(dt.timedelta(days=8, hours=12))
    services.submit_atr(
        officer_actor(TEHSILDAR), late.reference, disposal="resolved", report="कार्यवाही पूरी।"
    )
    services.sweep()  # the other is past its time: a defaulter
    roll_up()
    client.force_login(staff_user("monitor", Role.DESK))
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # the PDF's text reads back
    lucknow = Unit.objects.get(code="UP-LUCKNOW")
    month = f"{clock.local_date(clock.now()):%Y-%m}"
    pages = [
        f"/monitoring/unit/{state_unit_id()}/",
        f"/monitoring/unit/{lucknow.parent.pk}/",  # the division
        f"/monitoring/unit/{lucknow.pk}/",
        f"/monitoring/unit/{Unit.objects.get(code=LUCKNOW_SADAR).pk}/",
        "/monitoring/defaulters/",
        *[
            f"/monitoring/ranking/?level={level}&month={month}&district={lucknow.pk}"
            for level in RANKED_LEVELS
        ],
    ]
    files = set()
    for page in pages:
        shown = client.get(page)
        assert shown.status_code == 200, page
        for link in re.findall(r'href="([^"]+)"', text(shown)):
            link = html.unescape(link)
            if "format=" in link or "/monitoring/report/" in link:
                files.add(urljoin(page, link))
    kinds = {}
    for url in sorted(files):
        response = client.get(url)
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        kinds[response["Content-Type"].split(";")[0]] = url
        found = downloaded_text(response)
        assert NAME not in found and MOBILE not in found and ADDRESS not in found, url
    assert set(kinds) == {"text/csv", "application/pdf", XLSX_TYPE}
    defaulters = downloaded_text(client.get("/monitoring/defaulters/", {"format": "csv"}))
    assert post(TEHSILDAR).title in defaulters  # the files do carry this month's facts


# ---------------------------------------------------------------- 2. webhooks


def test_webhooks_deliver_public_steps_only_and_no_complainant(client, desk):
    """Finding 1 (Open311 webhooks: public steps only, never the name or the mobile): a
    complaint an integrating system filed gets a subordinate's report and a senior's grade
    (internal steps); no queued delivery is of either, or carries the name or the mobile."""
    plain = create_key("Jan Seva app", Scope.READ_OWN, webhook_url="https://hooks.example.org/")[1]
    filed = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": plain,
            "service_code": "REV-LAND",
            "attribute[place_code]": LUCKNOW_SADAR,
            "first_name": "Zorawar",
            "last_name": "Quixote",
            "phone": MOBILE,
            "description": "पड़ोसी ने खेत पर कब्ज़ा कर लिया है।",
        },
    )
    ref = filed.json()[0]["service_request_id"]
    dm = officer_actor(DM)
    services.forward(desk, ref, to_post_id=post(DM).pk)
    services.forward_down(dm, ref, to_post_id=post(TEHSILDAR).pk)
    services.submit_atr(
        officer_actor(TEHSILDAR), ref, disposal="resolved", report="Subordinate's own draft."
    )
    webhooks.queue_deliveries()  # the report waits for approval: internal
    services.approve_subordinate_report(dm, ref)
    services.grade_disposal(officer_actor("REV-L3"), ref, grade="B", remarks="Senior's remark.")
    webhooks.queue_deliveries()
    complaint = Complaint.objects.get(reference=ref)
    internal = Event.objects.filter(complaint=complaint, action__in=INTERNAL_STEPS)
    assert {e.action for e in internal} == set(INTERNAL_STEPS)  # both happened
    deliveries = WebhookDelivery.objects.filter(event__complaint=complaint)
    delivered = {d.event.action for d in deliveries}
    assert delivered and not delivered & INTERNAL_STEPS
    sent = json.dumps([d.body for d in deliveries], ensure_ascii=False)
    assert "Senior's remark" not in sent
    for personal_data in ("Zorawar", "Quixote", MOBILE, complaint.mobile):
        assert personal_data not in sent


# ---------------------------------------------------------------- 3. upload bounds


def pdf_of(size: int) -> bytes:
    """A file recognised as a PDF (by its first bytes) of exactly `size` bytes."""
    head = b"%PDF-1.4\n"
    return head + b"0" * (size - len(head))


def stored_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_file_above_the_per_file_bound_is_refused_and_nothing_is_saved(agent, monkeypatch):
    """Finding 4 (bounds per file): a file above MAX_ATTACHMENT_BYTES is refused with an
    Invalid naming the files field, and neither the complaint nor any file is saved; a file
    of exactly the bound is taken."""
    monkeypatch.setattr(uploads, "MAX_ATTACHMENT_BYTES", 2000)
    translation.activate("en")
    with pytest.raises(Invalid) as refused:
        personal(agent, uploads=[services.Upload("big.pdf", pdf_of(2001))])
    assert refused.value.fields == {"files": ["Each file must be under 5 MB."]}
    assert not Complaint.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == []
    personal(agent, uploads=[services.Upload("ok.pdf", pdf_of(2000))])
    assert Attachment.objects.count() == 1


def test_files_above_the_per_complaint_bound_are_refused_and_nothing_is_saved(agent, monkeypatch):
    """Finding 4 (bounds per complaint): a report whose files would take the complaint above
    MAX_COMPLAINT_BYTES is refused with an Invalid naming the attachments field; the
    complaint, its timeline and its files are as before. Within the bound it is taken."""
    monkeypatch.setattr(uploads, "MAX_COMPLAINT_BYTES", 3000)
    translation.activate("en")
    complaint = personal(agent, uploads=[services.Upload("first.pdf", pdf_of(2000))])
    before = (complaint.version, Event.objects.count(), stored_files())
    tehsildar = officer_actor(TEHSILDAR)
    with pytest.raises(Invalid) as refused:
        services.submit_atr(
            tehsildar,
            complaint.reference,
            disposal="resolved",
            report="लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।",
            attachments=[services.Upload("site.pdf", pdf_of(1001))],
        )
    assert list(refused.value.fields) == ["attachments"]
    assert "as many files as it may" in refused.value.fields["attachments"][0]
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED
    assert (complaint.version, Event.objects.count(), stored_files()) == before
    assert Attachment.objects.count() == 1
    services.submit_atr(
        tehsildar,
        complaint.reference,
        disposal="resolved",
        report="लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।",
        attachments=[services.Upload("site.pdf", pdf_of(1000))],
    )
    assert Attachment.objects.count() == 2


# ---------------------------------------------------------------- 4. control characters in forms

CONTROLS = pytest.mark.parametrize("control", ["\x00", "\x1b"], ids=["NUL", "ESC"])


def refused_without_a_500(response, field: str) -> None:
    """A 4xx, or the form again with the error next to the field."""
    assert response.status_code != 500
    assert 400 <= response.status_code < 500 or (
        response.status_code == 200 and f'id="id_{field}-error"' in text(response)
    ), text(response)[:1000]


@CONTROLS
def test_the_portal_form_refuses_a_control_character_and_files_nothing(client, db, control):
    """Finding 4 (control characters refused everywhere): the citizen's filing form answers a
    field error, not a 500, for a description with NUL or ESC, and files nothing."""
    sign_in(client)
    description = f"पड़ोसी ने मेरे खेत पर{control} अवैध कब्ज़ा कर लिया है।"
    response = client.post("/file/", form_data(description=description))
    refused_without_a_500(response, "description")
    assert not Complaint.objects.exists()


@CONTROLS
def test_the_1076_console_refuses_a_control_character_and_files_nothing(client, db, control):
    """Finding 4 (control characters refused everywhere): the agents' console (/callcentre/)
    answers a field error, not a 500, for a description with NUL or ESC, and files nothing."""
    client.force_login(staff_user("asha", Role.AGENT))
    description = f"पड़ोसी ने खेत पर{control} कब्ज़ा कर लिया है।"
    response = client.post("/callcentre/", registration(description=description))
    refused_without_a_500(response, "description")
    assert not Complaint.objects.exists()


@CONTROLS
def test_the_officers_report_form_refuses_a_control_character(client, agent, control):
    """Finding 4 (control characters refused everywhere): the officer's action-taken report
    form answers 422 (the form again with the error), not a 500, for a report with NUL or
    ESC; the complaint is unchanged."""
    complaint = new_complaint(agent)
    signed_in(client, TEHSILDAR)
    response = client.post(
        f"/officer/complaints/{complaint.reference}/atr/",
        {
            "disposal": "resolved",
            "report": f"लेखपाल के साथ मौके पर{control} जाकर कब्ज़ा हटवाया।",
            "version": complaint.version,
        },
    )
    assert response.status_code == 422  # the page again, with the error
    version = complaint.version
    complaint.refresh_from_db()
    assert (complaint.status, complaint.version) == (Status.ASSIGNED, version)


# ---------------------------------------------------------------- 5. erasure on request


def test_erasure_blanks_the_sms_the_1076_call_the_audit_note_and_the_ivr_calls(agent):
    """Finding 5 (erasure on request beyond the complaint): erasing a closed complaint's
    personal data also blanks the number and text of its sent SMS, the caller's number on
    its 1076 call, the note of its audit re-call, and the caller's number and keys of the
    IVR calls (and hand-overs) about it; another complaint's records stay."""
    Call.objects.create(
        call_id="c-77", ani=f"0{MOBILE}", mobile=f"+91{MOBILE}", offered_at=clock.now()
    )
    complaint = closed_complaint(agent, mobile=MOBILE, call_id="c-77")
    other = new_complaint(agent, mobile="9812300078")
    OutboxMessage.objects.update(status="delivered", sent_at=clock.now())
    AuditCall.objects.create(
        complaint=complaint, sampled_at=clock.now(), note="Quixote confirmed on the phone"
    )
    for n, reference in enumerate((complaint.reference, other.reference)):
        ivr = IvrCall.objects.create(
            call_id=f"sip-{n}",
            caller=f"0{MOBILE}",
            mobile=f"+91{MOBILE}",
            keys=f"1{reference}#",
            reference=reference,
            started_at=clock.now(),
        )
        Handover.objects.create(
            call=ivr,
            caller=f"0{MOBILE}",
            mobile=f"+91{MOBILE}",
            reference=reference,
            keyed=reference,
            reason="asked",
            created_at=clock.now(),
        )
    desk = staff_user("desk-e", Role.DESK)
    erase_on_request(
        Actor(Role.DESK, user_id=desk.pk), complaint.reference, reason="लिखित अनुरोध पर"
    )
    sms = OutboxMessage.objects.filter(reference=complaint.reference)
    assert sms.exists() and set(sms.values_list("mobile", "body")) == {("", "")}
    assert Call.objects.get(call_id="c-77").ani == "" == Call.objects.get(call_id="c-77").mobile
    assert AuditCall.objects.get(complaint=complaint).note == ""
    erased = IvrCall.objects.get(reference=complaint.reference)
    assert (erased.caller, erased.mobile, erased.keys) == ("", "", "")
    assert set(
        Handover.objects.filter(reference=complaint.reference).values_list(
            "caller", "mobile", "keyed"
        )
    ) == {("", "", "")}
    kept = IvrCall.objects.get(reference=other.reference)
    assert kept.caller and kept.mobile and kept.keys
    assert Handover.objects.get(reference=other.reference).mobile
    assert OutboxMessage.objects.filter(reference=other.reference).exclude(mobile="").exists()


# ---------------------------------------------------------------- 6. the address


def test_only_the_officer_holding_the_complaint_sees_the_address(client, agent):
    """Finding 5 (the address, shown to the officer who must visit): the holder signed in sees
    it; the holder's SMS-link page (reading only), an SMS link signed for another post (the
    DM's), the DM's own pages (officer page and dashboard) and the desk's page do not."""
    complaint = personal(agent)
    page = f"/officer/complaints/{complaint.reference}/"
    signed_in(client, TEHSILDAR)
    assert ADDRESS in text(client.get(page))  # the rule's one reader
    dm = Officer.objects.filter(postings__post__code=DM).first()
    dm_link = links.officer_link(complaint.pk, dm.pk)
    for link in (sms_link(complaint), dm_link[dm_link.index("/o/") :]):
        reader = Client()
        assert reader.post(link).status_code == 302
        shown = reader.get(page)
        assert shown.status_code == 200 and NAME in text(shown)  # it reads the complaint
        assert ADDRESS not in text(shown)
    senior = Client()
    signed_in(senior, DM)
    for url in (page, f"/monitoring/complaints/{complaint.reference}/"):
        shown = senior.get(url)
        assert shown.status_code == 200 and complaint.reference in text(shown), url
        assert ADDRESS not in text(shown), url
    desk = Client()
    desk.force_login(staff_user("desk-a", Role.DESK))
    shown = desk.get(f"/monitoring/desk/{complaint.reference}/")
    assert shown.status_code == 200 and NAME in text(shown)
    assert ADDRESS not in text(shown)


# ---------------------------------------------------------------- 7. the admin's views


def test_the_admins_complaint_page_is_logged_and_its_list_shows_no_complainant(client, agent):
    """Finding 5 (the log of staff views of personal data, the Django admin too): opening a
    complaint in the admin writes one PersonalDataView with the face "admin"; the list shows
    no name or mobile, so it writes none."""
    complaint = personal(agent)
    root = User.objects.create_superuser("root", password="x")
    client.force_login(root)
    listed = client.get("/admin/grievances/complaint/")
    assert listed.status_code == 200 and complaint.reference in text(listed)
    assert NAME not in text(listed) and MOBILE not in text(listed)
    assert not PersonalDataView.objects.exists()
    shown = client.get(f"/admin/grievances/complaint/{complaint.pk}/change/")
    assert shown.status_code == 200 and NAME in text(shown)
    look = PersonalDataView.objects.get()
    assert (look.complaint, look.user, look.role, look.face) == (
        complaint,
        root,
        Role.ADMIN,
        Face.ADMIN,
    )
    assert client.get("/admin/grievances/complaint/999999999/change/").status_code == 302
    assert PersonalDataView.objects.count() == 1


# ---------------------------------------------------------------- 8. error reports


def test_the_500_report_mailed_to_admins_carries_no_post_value_or_sign_in(
    db, monkeypatch, settings
):
    """Finding 5 (unhandled-error reports carry no personal data): with IGRS_ADMINS set, the
    technical report Django mails for a 500 on a POST of the 1076 console names the fields
    but carries neither the complainant's name nor mobile, nor the Authorization header or a
    cookie's value; its HTML form (if a deployment turns it on) shows no frame's variables."""
    settings.ADMINS = ["ops@example.org"]
    raised = []

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    def keep(sender, request, **kwargs):
        raised.append((request, *sys.exc_info()))

    monkeypatch.setattr(callcentre, "register", broken)
    console = Client(raise_request_exception=False)
    console.force_login(staff_user("asha", Role.AGENT))
    session = console.cookies[django_settings.SESSION_COOKIE_NAME].value
    got_request_exception.connect(keep)
    try:
        response = console.post(
            "/callcentre/",
            registration(complainant_name=NAME, mobile=MOBILE, address=ADDRESS),
            HTTP_AUTHORIZATION="Bearer tok-of-the-caller-9f8e7d",
        )
    finally:
        got_request_exception.disconnect(keep)
    assert response.status_code == 500
    (report,) = mail.outbox
    assert "RuntimeError" in report.body and "complainant_name" in report.body
    secrets = (NAME, MOBILE, ADDRESS, "tok-of-the-caller-9f8e7d", session)
    for secret in secrets:
        assert secret not in report.body
    # The view's frame holds the form's values (its `data`, the NewComplaint).
    frames = ExceptionReporter(*raised[0], is_email=True).get_traceback_html()
    assert "inbound" in frames  # the view's frame is in it
    for secret in secrets:
        assert secret not in frames
