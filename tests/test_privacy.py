"""Issue 18 §5, citizens' personal data: retention per class of record (anonymised, counts
kept), correction and erasure on request (audited, on the timeline without the values), the
citizen's own download (JSON and PDF, after OTP), and the address shown to the officer who
must visit."""

import datetime as dt
import io
import json
import re
import threading

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from pypdf import PdfReader

from igrs.callcentre.models import Call
from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.core.errors import Invalid, InvalidTransition, NotPermitted
from igrs.core.roles import Role
from igrs.directory.models import Officer
from igrs.grievances import services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Attachment, Complaint, Event, Status
from igrs.monitoring import selectors as dashboard
from igrs.monitoring.services import roll_up
from igrs.notifications.models import OutboxMessage
from igrs.privacy.models import RecordClass, RetentionRule
from igrs.privacy.retention import apply_retention

from .conftest import TEHSILDAR, new_complaint, officer_actor, real_png

YEAR = dt.timedelta(days=365)
NAME, MOBILE = "राम प्रसाद", "+919876543210"


def closed_complaint(agent, **overrides) -> Complaint:
    """Registered with a photo, reported on, verified satisfied: closed."""
    complaint = new_complaint(
        agent,
        address="मकान 12, ग्राम बरौली",
        uploads=[services.Upload("khet.png", real_png())],
        **overrides,
    )
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।",
        details=services.AtrDetails(complainant_statement="राम प्रसाद ने कहा कब्ज़ा हट गया"),
    )
    services.verify(agent, complaint.reference, outcome="satisfied", note="राम प्रसाद संतुष्ट हैं")
    return Complaint.objects.get(pk=complaint.pk)


def assert_anonymous(complaint: Complaint) -> None:
    complaint.refresh_from_db()
    assert complaint.complainant_name == "—" and complaint.mobile == ""
    assert complaint.address == "" and complaint.description == "—"
    assert NAME not in json.dumps(
        list(Event.objects.filter(complaint=complaint).values("note", "data")), ensure_ascii=False
    )
    assert not Attachment.objects.filter(event__complaint=complaint, event__action="register")


# ---------------------------------------------------------------- retention


def test_default_rules_are_data(db):
    rules = dict(RetentionRule.objects.values_list("record_class", "keep_days"))
    assert rules == {"complaint": 1826, "sms": 180, "calls": 365, "ivr_calls": 365}


def test_complaints_are_anonymised_five_years_after_closure_counts_kept(agent):
    old = closed_complaint(agent)
    photo = Attachment.objects.get(event__complaint=old, event__action=Action.REGISTER)
    stored = photo.file.storage
    clock.advance(2 * YEAR)
    recent = closed_complaint(agent, mobile="9812345678")
    still_open = new_complaint(agent, mobile="9812345679")
    clock.advance(3 * YEAR + dt.timedelta(days=2))  # old: 5 years and 2 days since closure
    roll_up()
    before = dashboard.unit_page(dashboard.state_unit_id())
    assert apply_retention() == 1
    assert_anonymous(old)
    assert not stored.exists(photo.file.name) and not stored.exists(photo.public_file.name)
    old.refresh_from_db()
    assert (old.status, old.category.code, old.place_id) == (
        Status.CLOSED,
        "REV-LAND",
        old.place_id,
    )
    assert Event.objects.filter(complaint=old).count() == 4  # the steps stay, for statistics
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.complainant_name == NAME
    roll_up()
    assert dashboard.unit_page(dashboard.state_unit_id()) == before
    assert apply_retention() == 0  # idempotent
    clock.advance(2 * YEAR)
    assert apply_retention() == 1  # now the one closed two years later
    assert_anonymous(recent)


def test_retention_works_in_bounded_batches_and_follows_the_rule(agent):
    complaints = [closed_complaint(agent, mobile=f"98123456{n:02d}") for n in range(3)]
    RetentionRule.objects.filter(record_class=RecordClass.COMPLAINT).update(keep_days=400)
    clock.advance(dt.timedelta(days=401))
    assert [apply_retention(batch=2) for _ in range(3)] == [2, 1, 0]
    assert all(Complaint.objects.get(pk=c.pk).mobile == "" for c in complaints)
    rule = RetentionRule.objects.get(record_class=RecordClass.COMPLAINT)
    assert rule.anonymised == 3 and rule.last_run_at is not None


def test_a_rule_cannot_go_below_the_classs_minimum(agent):
    closed_complaint(agent)
    RetentionRule.objects.filter(record_class=RecordClass.COMPLAINT).update(keep_days=1)
    clock.advance(dt.timedelta(days=30))
    assert apply_retention() == 0  # 365 days at least for complaints


def test_sms_text_and_number_go_after_their_period(agent, settings):
    complaint = new_complaint(agent)
    OutboxMessage.objects.update(status="delivered", sent_at=clock.now())
    clock.advance(dt.timedelta(days=179))
    assert apply_retention() == 0
    clock.advance(dt.timedelta(days=2))
    assert apply_retention() == OutboxMessage.objects.filter(reference=complaint.reference).count()
    assert set(OutboxMessage.objects.values_list("mobile", "body")) == {("", "")}


def test_call_records_lose_the_callers_number(agent, db):
    Call.objects.create(call_id="c-1", ani="09876543210", mobile=MOBILE, offered_at=clock.now())
    clock.advance(dt.timedelta(days=366))
    assert apply_retention() == 1
    assert Call.objects.filter(ani="", mobile="").count() == 1


def test_the_retention_command_runs_until_nothing_is_due(agent):
    closed_complaint(agent)
    clock.advance(6 * YEAR)
    out = io.StringIO()
    call_command("retention", "--batch", "1", stdout=out)
    assert Complaint.objects.get().mobile == "" and re.search(r"\d+", out.getvalue())


@pytest.mark.django_db(transaction=True)
def test_parallel_retention_workers_anonymise_each_record_once(reseeded):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises its writers: nothing can collide")
    user = User.objects.create_user("agent-r")
    agent = Actor(Role.AGENT, user_id=user.pk)
    for n in range(6):
        closed_complaint(agent, mobile=f"98765000{n:02d}")
    clock.advance(6 * YEAR)
    barrier, done = threading.Barrier(3), []

    def worker():
        barrier.wait()
        try:
            while n := apply_retention(batch=1):
                done.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rule = RetentionRule.objects.get(record_class=RecordClass.COMPLAINT)
    assert rule.anonymised == 6 and not Complaint.objects.exclude(mobile="").exists()


# ---------------------------------------------------------------- correction and erasure


@pytest.fixture
def desk_user(db) -> Actor:
    user = User.objects.create_user("desk-p", password="x")
    grant_role(user, Role.DESK)
    return Actor(Role.DESK, user_id=user.pk)


def test_a_correction_is_audited_without_the_values(agent, desk_user):
    complaint = new_complaint(agent)
    corrected = services.correct_personal_data(
        desk_user,
        complaint.reference,
        reason="शिकायतकर्ता ने फोन पर नाम सही कराया",
        complainant_name="राम प्रकाश",
        mobile="98123 45678",
    )
    assert corrected.complainant_name == "राम प्रकाश" and corrected.mobile == "+919812345678"
    step = Event.objects.get(complaint=complaint, action=Action.PERSONAL_DATA)
    assert step.data == {"corrected": ["complainant_name", "mobile"]}
    assert step.role == Role.DESK and step.actor_user_id == desk_user.user_id
    assert "राम प्रसाद" not in step.note + json.dumps(step.data, ensure_ascii=False)
    assert corrected.status == complaint.status


def test_a_correction_is_checked_and_refused_to_others(agent, desk_user):
    complaint = new_complaint(agent)
    with pytest.raises(Invalid):
        services.correct_personal_data(desk_user, complaint.reference, reason="x", mobile="12")
    with pytest.raises(Invalid):
        services.correct_personal_data(desk_user, complaint.reference, reason="", address="x")
    with pytest.raises(NotPermitted):
        services.correct_personal_data(agent, complaint.reference, reason="x", address="y")
    assert not Event.objects.filter(action=Action.PERSONAL_DATA).exists()


def test_erasure_on_request_after_closure_leaves_the_step_in_the_history(agent, desk_user):
    complaint = new_complaint(agent)
    with pytest.raises(InvalidTransition):
        services.erase_personal_data(desk_user, complaint.reference, reason="अनुरोध पर")
    complaint = closed_complaint(agent, mobile="9812345670")
    erased = services.erase_personal_data(
        desk_user, complaint.reference, reason="शिकायतकर्ता के लिखित अनुरोध पर"
    )
    assert erased.status == Status.CLOSED
    assert_anonymous(complaint)
    step = Event.objects.get(complaint=complaint, action=Action.PERSONAL_DATA)
    assert step.data == {"erased": True} and step.note == "शिकायतकर्ता के लिखित अनुरोध पर"


def test_the_desk_corrects_and_erases_from_the_complaint_page(client, agent, desk_user):
    complaint = closed_complaint(agent)
    client.force_login(User.objects.get(pk=desk_user.user_id))
    url = f"/personal-data/staff/{complaint.reference}/"
    page = client.get(url)
    assert page.status_code == 200 and NAME in page.content.decode()
    refused = client.post(url, {"action": "correct", "reason": "", "mobile": "9812345678"})
    assert refused.status_code == 422
    done = client.post(
        url,
        {
            "action": "correct",
            "reason": "फोन पर अनुरोध",
            "mobile": "9812345678",
            "complainant_name": NAME,
            "address": "",
            "email": "",
            "version": complaint.version,
        },
    )
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.mobile == "+919812345678"
    erased = client.post(
        url, {"action": "erase", "reason": "लिखित अनुरोध", "version": complaint.version}
    )
    assert erased.status_code == 302
    assert_anonymous(complaint)
    # The public timeline shows the step, not what was there.
    history = client.get(f"/monitoring/complaints/{complaint.reference}/").content.decode()
    assert "लिखित अनुरोध" in history and NAME not in history
    other = User.objects.create_user("agent-p")
    grant_role(other, Role.AGENT)
    client.force_login(other)
    assert client.get(url).status_code == 403


# ---------------------------------------------------------------- the citizen's download


def sign_in(client, mobile: str = "9876543210") -> None:
    client.post("/verify/", {"mobile": mobile})
    body = OutboxMessage.objects.filter(key="otp_citizen").latest("pk").body
    code = re.search(r"\b(\d{6})\b", body).group(1)
    assert client.post("/verify/code/", {"code": code, "next": "/mine/"}).status_code == 302


def test_a_citizen_downloads_everything_held_about_them_after_otp(client, agent):
    mine = closed_complaint(agent)
    new_complaint(agent, mobile="9812345678", complainant_name="किसी और की")
    Call.objects.create(call_id="c-9", ani="09876543210", mobile=MOBILE, offered_at=clock.now())
    assert client.get("/personal-data/mine/everything.json").status_code == 404
    assert client.get("/personal-data/mine/")["Location"].startswith("/verify/")
    sign_in(client)
    assert "/personal-data/mine/" in client.get("/mine/").content.decode()
    held = json.loads(client.get("/personal-data/mine/everything.json").content)
    assert [c["reference"] for c in held["complaints"]] == [mine.reference]
    complaint = held["complaints"][0]
    assert complaint["name"] == NAME and complaint["address"] == "मकान 12, ग्राम बरौली"
    steps = [step["step"] for step in complaint["timeline"]]
    assert len(steps) == 4 and "किसी और की" not in json.dumps(held, ensure_ascii=False)
    assert held["sms"] and all(sms["text"] for sms in held["sms"])
    assert held["calls"] == [
        {"at": held["calls"][0]["at"], "number": "09876543210", "direction": "inbound"}
    ]
    pdf = client.get("/personal-data/mine/everything.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert mine.reference in text and "बरौली" in text


# ---------------------------------------------------------------- the address


def test_the_address_is_shown_to_the_officer_who_must_visit(client, agent):
    complaint = new_complaint(agent, address="मकान 12, ग्राम बरौली")
    tehsildar = officer_actor(TEHSILDAR)
    officer = tehsildar_user(tehsildar)
    client.force_login(officer)
    page = client.get(f"/officer/complaints/{complaint.reference}/").content.decode()
    assert "मकान 12, ग्राम बरौली" in page
    services.submit_atr(
        tehsildar,
        complaint.reference,
        disposal="resolved",
        report="लेखपाल ने मौके पर जाकर कब्ज़ा हटवाया।",
    )
    page = client.get(f"/officer/complaints/{complaint.reference}/").content.decode()
    assert "मकान 12" not in page  # no longer theirs to visit


def tehsildar_user(actor: Actor) -> User:
    officer = Officer.objects.get(pk=actor.officer_id)
    officer.user = User.objects.create_user(f"officer-{officer.pk}")
    officer.save()
    grant_role(officer.user, Role.OFFICER)
    return officer.user
