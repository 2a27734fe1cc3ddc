"""The agents' and supervisors' consoles through Django's test client (the browser test drives
the same pages in Chromium)."""

import datetime as dt
import re
import uuid

import pytest
from django.contrib.auth.models import User

from igrs.callcentre import services as callcentre
from igrs.callcentre.models import AuditCall
from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.directory.models import Category, Unit
from igrs.grievances import services
from igrs.grievances.models import Action, Complaint, Status
from igrs.notifications.models import OutboxMessage

from .conftest import (
    DM,
    LUCKNOW_SADAR,
    TEHSILDAR,
    at_ist,
    new_complaint,
    officer_actor,
    post,
    real_png,
)
from .pages import table_rows


def staff_user(username: str, *roles: str) -> User:
    user = User.objects.create_user(username, password="demo")
    for role in roles:
        grant_role(user, role)
    return user


@pytest.fixture
def asha(client, db):
    user = staff_user("asha", "agent")
    client.force_login(user)
    return user


def page(response) -> str:
    return response.content.decode()


def registration(**overrides) -> dict:
    return {
        "submission_key": str(uuid.uuid4()),
        "mobile": "9812345678",
        "call_id": "",
        "complainant_name": "राम प्रसाद",
        "category_id": Category.objects.get(code="REV-LAND").pk,
        "district": Unit.objects.get(code="UP-LUCKNOW").pk,
        "place_id": Unit.objects.get(code=LUCKNOW_SADAR).pk,
        "description": "पड़ोसी ने खेत पर कब्ज़ा कर लिया है।",
        "consent": "on",
        **overrides,
    }


def test_the_consoles_need_a_signed_in_agent(client, db):
    assert client.get("/callcentre/")["Location"].startswith("/accounts/login/")
    client.force_login(staff_user("desk-1", "desk"))
    assert client.get("/callcentre/").status_code == 403


def test_sign_in_with_login_and_password(client, db):
    staff_user("asha", "agent")
    response = client.post("/accounts/login/", {"username": "asha", "password": "demo"})
    assert client.get(response["Location"])["Location"] == "/callcentre/"  # agents land here
    assert "आने वाली कॉल" in page(client.get("/callcentre/"))


def test_a_landing_call_shows_the_callers_history_and_fills_the_form(client, asha, agent):
    earlier = new_complaint(agent, mobile="9812345678")
    assert "कोई कॉल नहीं" in page(client.get("/callcentre/live/"))
    callcentre.record_call_event(call_id="c-1", event="offered", agent="asha", ani="9812345678")
    live = page(client.get("/callcentre/live/"))
    assert earlier.reference in live and post(TEHSILDAR).title_hi in live
    assert 'data-call="c-1"' in live and 'data-mobile="9812345678"' in live
    console = page(client.get("/callcentre/"))
    assert 'value="9812345678"' in console and 'name="call_id" value="c-1"' in console


def test_the_consoles_poll_is_an_empty_304_until_something_changes(client, asha, agent):
    clock.advance(dt.timedelta(seconds=61 - clock.now().second))  # a minute just begun
    version = client.get("/callcentre/live/")["ETag"]
    escaped = version.replace('"', "&quot;")
    assert f'data-version="{escaped}"' in page(client.get("/callcentre/"))
    unchanged = client.get("/callcentre/live/", HTTP_IF_NONE_MATCH=version)
    assert unchanged.status_code == 304 and unchanged.content == b""
    callcentre.record_call_event(call_id="c-1", event="offered", agent="asha", ani="9812345678")
    landed = client.get("/callcentre/live/", HTTP_IF_NONE_MATCH=version)
    assert landed.status_code == 200 and 'data-call="c-1"' in page(landed)
    assert client.get("/callcentre/live/", HTTP_IF_NONE_MATCH=landed["ETag"]).status_code == 304
    callcentre.record_call_event(call_id="c-1", event="answered", agent="asha", ani="")
    callcentre.record_call_event(call_id="c-1", event="ended", agent="asha", ani="")
    ended = client.get("/callcentre/live/", HTTP_IF_NONE_MATCH=landed["ETag"])
    assert ended.status_code == 200 and 'class="ended"' in page(ended)
    # Holders and statuses in the history are re-read at least once a minute.
    clock.advance(dt.timedelta(minutes=1))
    assert client.get("/callcentre/live/", HTTP_IF_NONE_MATCH=ended["ETag"]).status_code == 200


def test_an_agent_registers_with_the_call_id_and_reads_back_the_reference(client, asha):
    callcentre.record_call_event(call_id="c-1", event="offered", agent="asha", ani="9812345678")
    response = client.post("/callcentre/", registration(call_id="c-1"))
    complaint = Complaint.objects.get()
    assert response["Location"] == f"/callcentre/?filed={complaint.reference}"
    assert complaint.registered_by == asha and complaint.call_id == "c-1"
    assert complaint.source == "helpline"
    shown = page(client.get(response["Location"]))
    assert " ".join(complaint.reference[i : i + 4] for i in range(0, 13, 4)) in shown
    # The read-back aid names the check digit: the reference's last digit.
    assert f"अंतिम अंक {complaint.reference[-1]} जाँच अंक है" in shown


def test_a_call_id_not_offered_to_this_agent_is_refused_and_keeps_the_input(client, asha):
    agent_user = staff_user("bina", "agent")
    callcentre.record_call_event(
        call_id="c-9", event="offered", agent=agent_user.username, ani="9812345678"
    )
    for call_id in ("c-9", "made-up"):  # another agent's call, and no call at all
        response = client.post("/callcentre/", registration(call_id=call_id))
        assert response.status_code == 200 and 'value="राम प्रसाद"' in page(response)
        assert "आपको दी गई किसी कॉल की नहीं है" in page(response)
    assert not Complaint.objects.exists()


def test_registration_without_the_consent_line_is_refused_and_keeps_the_input(client, asha):
    data = registration()
    del data["consent"]
    response = client.post("/callcentre/", data)
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "सहमति" in page(response) and 'value="राम प्रसाद"' in page(response)


def test_a_double_click_registers_once(client, asha):
    data = registration()
    client.post("/callcentre/", data)
    client.post("/callcentre/", data)
    assert Complaint.objects.count() == 1


def test_an_agent_adds_a_note_or_a_reminder_instead_of_filing_again(client, asha, agent):
    complaint = new_complaint(agent, mobile="9812345678")
    client.post(
        f"/callcentre/complaints/{complaint.reference}/note/",
        {"note": "शिकायतकर्ता ने दोबारा फ़ोन किया"},
    )
    client.post(f"/callcentre/complaints/{complaint.reference}/remind/")
    actions = list(complaint.events.values_list("action", "actor_user_id"))
    assert (Action.NOTE, asha.pk) in actions and (Action.REMIND, asha.pk) in actions
    assert OutboxMessage.objects.filter(key="citizen_reminder_officer").exists()
    again = client.post(f"/callcentre/complaints/{complaint.reference}/remind/")
    assert again.status_code == 422 and "अनुस्मारक" in page(again)


def test_the_outbound_agent_takes_the_next_call_and_records_not_satisfied(client, asha, agent):
    visited = clock.local_date(clock.now()) - dt.timedelta(days=2)
    complaint = services.submit_atr(
        officer_actor(TEHSILDAR),
        new_complaint(agent).reference,
        disposal="resolved",
        report="लेखपाल ने कब्ज़ा हटवा दिया है।",
        attachments=[services.Upload("मौका.png", real_png())],
        details=services.AtrDetails(
            site_visit_on=visited,
            persons_met="ग्राम प्रधान, लेखपाल",
            complainant_statement="कब्ज़ा हट गया",
            opposite_party_statement="सीमा मान ली",
        ),
    )
    assert "अगली कॉल" in page(client.get("/callcentre/outbound/"))
    client.post("/callcentre/outbound/next/")
    shown = page(client.get("/callcentre/outbound/"))
    assert "लेखपाल ने कब्ज़ा हटवा दिया है।" in shown and complaint.mobile in shown
    # The whole report is read out: the site visit, who was met, what each side said, files.
    for part in (
        visited.strftime("%d-%m-%Y"),
        "ग्राम प्रधान, लेखपाल",
        "कब्ज़ा हट गया",
        "सीमा मान ली",
        "मौका.png",
    ):
        assert part in shown
    photo = re.search(r'href="(/callcentre/complaints/[^"]+/files/\d+/)"', shown).group(1)
    assert client.get(photo).status_code == 200
    url = f"/callcentre/outbound/{complaint.reference}/outcome/"
    refused = client.post(url, {"outcome": "not_satisfied", "version": complaint.version})
    assert refused.status_code == 422  # a reason is needed
    client.post(
        url, {"outcome": "not_satisfied", "note": "कब्ज़ा बाकी है", "version": complaint.version}
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.current_post == post(DM)


def test_call_back_later_from_the_console(client, asha, agent):
    complaint = services.submit_atr(
        officer_actor(TEHSILDAR),
        new_complaint(agent).reference,
        disposal="resolved",
        report="लेखपाल ने कब्ज़ा हटवा दिया है।",
    )
    client.post("/callcentre/outbound/next/")
    at = (clock.now() + dt.timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/callcentre/outbound/{complaint.reference}/outcome/",
        {"outcome": "call_back", "call_back_at": at, "version": complaint.version},
    )
    complaint.refresh_from_db()
    assert complaint.verify_after > clock.now() and complaint.verification_agent is None


def test_the_supervisor_sees_todays_counts_and_runs_the_audit_queue(client, agent, settings):
    settings.IGRS_AUDIT_SHARE_PERCENT = 100
    client.force_login(staff_user("sunita", "agent", "supervisor"))
    at_ist(15, 30)  # away from midnight, whenever the suite runs
    complaint = services.submit_atr(
        officer_actor(TEHSILDAR),
        new_complaint(agent).reference,
        disposal="resolved",
        report="लेखपाल ने कब्ज़ा हटवा दिया है।",
    )
    start = clock.now()
    services.verify(agent, complaint.reference, outcome="satisfied")
    callcentre.sample_audits(start)
    board = page(client.get("/callcentre/supervisor/"))
    assert "<svg" in board
    assert table_rows(board, "by-hour-table")[15] == ["15:00", "0", "1"]
    assert [row[1:] for row in table_rows(board, "outcomes")] == [["1", "0", "0"]]
    assert table_rows(board, "agents") == [["agent-1", "0", "1", "1", "0"]]
    client.post("/callcentre/audit/next/")
    audit = AuditCall.objects.get()
    client.post(f"/callcentre/audit/{audit.pk}/outcome/", {"outcome": "confirmed"})
    audit.refresh_from_db()
    assert audit.outcome == "confirmed" and audit.done_at is not None


def test_an_agent_is_not_a_supervisor(client, asha):
    assert client.get("/callcentre/supervisor/").status_code == 403
    assert client.get("/callcentre/audit/").status_code == 403
