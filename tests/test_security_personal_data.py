"""Issue 18 §5: one masking rule for the complainant's mobile, a reveal with a logged reason,
and the log of every view of a complainant's personal data by staff (docs/security.md)."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from igrs.callcentre import services as callcentre
from igrs.core import clock
from igrs.core.accounts import create_token, grant_role
from igrs.core.roles import Role
from igrs.directory.models import Officer
from igrs.privacy.models import Face, PersonalDataView, RecordClass, RetentionRule
from igrs.privacy.retention import apply_retention

from .conftest import DM, TEHSILDAR, new_complaint

MOBILE = "9812300001"


def staff_user(name: str, *roles: str) -> User:
    user = User.objects.create_user(name)
    for role in roles:
        grant_role(user, role)
    return user


def officer_user(code: str) -> User:
    officer = Officer.objects.filter(postings__post__code=code).first()
    officer.user = User.objects.create_user(f"officer-{officer.pk}")
    officer.save()
    return officer.user


@pytest.fixture
def complaint(agent):
    return new_complaint(agent, mobile=MOBILE, complainant_name="Sukhdev Mastana")


def text(response) -> str:
    return response.content.decode()


def test_the_officer_sees_the_mobile_masked_on_the_page_and_in_the_api(client, complaint):
    user = officer_user(TEHSILDAR)
    client.force_login(user)
    shown = text(client.get(f"/officer/complaints/{complaint.reference}/"))
    assert "Sukhdev Mastana" in shown and MOBILE not in shown and "XXXXXX0001" in shown
    token = create_token(user, Role.OFFICER)
    api = client.get(
        f"/api/v1/complaints/{complaint.reference}", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert api["mobile"].endswith("XXXXXX0001")


def test_the_desk_sees_it_masked_in_the_api_and_the_agent_in_full(client, complaint):
    desk = create_token(staff_user("desk-a", Role.DESK), Role.DESK)
    agent = create_token(staff_user("agent-a", Role.AGENT), Role.AGENT)
    url = f"/api/v1/complaints/{complaint.reference}"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {desk}").json()["mobile"].endswith("X0001")
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {agent}").json()["mobile"].endswith(MOBILE)


def test_the_holder_reveals_it_with_a_reason_and_the_reveal_is_logged(client, complaint):
    user = officer_user(TEHSILDAR)
    client.force_login(user)
    url = f"/officer/complaints/{complaint.reference}/reveal-mobile/"
    refused = client.post(url, {"reason": "call"})
    assert refused.status_code == 422 and MOBILE not in text(refused)
    shown = client.post(url, {"reason": "साइट निरीक्षण के लिए फ़ोन करना है"})
    assert shown.status_code == 200 and f"tel:+91{MOBILE}" in text(shown)
    logged = PersonalDataView.objects.get(revealed=True)
    assert (logged.user, logged.face, logged.reason) == (
        user,
        Face.OFFICER,
        "साइट निरीक्षण के लिए फ़ोन करना है",
    )
    # Shown once: the next look is masked again.
    assert MOBILE not in text(client.get(f"/officer/complaints/{complaint.reference}/"))


def test_an_officer_who_does_not_hold_the_post_may_not_reveal(client, complaint):
    user = officer_user(DM)  # reads it (the post above), does not hold it
    token = create_token(user, Role.OFFICER)
    response = client.post(
        f"/api/v1/complaints/{complaint.reference}/mobile",
        {"reason": "मुझे बात करनी है शिकायतकर्ता से"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403 and MOBILE not in text(response)
    assert not PersonalDataView.objects.filter(revealed=True).exists()


def test_the_desk_reveals_through_the_api_with_a_reason(client, complaint):
    user = staff_user("desk-b", Role.DESK)
    token = create_token(user, Role.DESK)
    response = client.post(
        f"/api/v1/complaints/{complaint.reference}/mobile",
        {"reason": "शिकायतकर्ता से पता पूछना है"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json()["mobile"].endswith(MOBILE)
    assert PersonalDataView.objects.filter(user=user, revealed=True, face=Face.API).count() == 1


def test_every_staff_look_is_logged_with_its_face_and_a_citizens_is_not(client, complaint):
    officer = officer_user(TEHSILDAR)
    client.force_login(officer)
    client.get(f"/officer/complaints/{complaint.reference}/")
    client.get("/officer/")
    token = create_token(officer, Role.OFFICER)
    client.get(f"/api/v1/complaints/{complaint.reference}", HTTP_AUTHORIZATION=f"Bearer {token}")
    desk = staff_user("desk-c", Role.DESK)
    client.force_login(desk)
    client.get(f"/monitoring/desk/{complaint.reference}/")
    citizen = type(client)()
    citizen.post("/track/", {"reference": complaint.reference, "mobile": MOBILE})
    assert citizen.get(f"/track/{complaint.reference}/").status_code == 200
    looks = {(v.user_id, v.face) for v in PersonalDataView.objects.filter(complaint=complaint)}
    assert looks == {
        (officer.pk, Face.OFFICER),
        (officer.pk, Face.OFFICER_INBOX),
        (officer.pk, Face.API),
        (desk.pk, Face.DESK),
    }


def test_the_sms_link_page_logs_the_officer_it_was_sent_to(client, complaint):
    from igrs.notifications.models import OutboxMessage

    body = OutboxMessage.objects.get(reference=complaint.reference, key="assigned_officer").body
    link = body[body.index("/o/") :].split()[0]
    client.post(link)
    client.get(f"/officer/complaints/{complaint.reference}/")
    look = PersonalDataView.objects.get(complaint=complaint)
    assert look.face == Face.OFFICER_LINK and look.user is None
    assert look.officer.postings.filter(post__code=TEHSILDAR).exists()


def test_the_console_logs_the_callers_history_in_one_insert_and_nothing_on_a_304(client, agent):
    complaints = [new_complaint(agent, mobile=MOBILE) for _ in range(3)]
    asha = staff_user("asha", Role.AGENT)
    client.force_login(asha)
    callcentre.record_call_event(call_id="c-9", event="offered", agent="asha", ani=MOBILE)
    # The console's copy changes each minute: start at the beginning of one.
    clock.advance(dt.timedelta(seconds=60.5 - clock.now().timestamp() % 60))
    with CaptureQueriesContext(connection) as queries:
        fresh = client.get("/callcentre/live/")
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "privacy_personaldataview"')]
    assert len(inserts) == 1
    assert PersonalDataView.objects.filter(user=asha).count() == len(complaints)
    assert client.get("/callcentre/live/", HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 304
    assert PersonalDataView.objects.filter(user=asha).count() == len(complaints)


def test_a_supervisor_searches_the_log_and_others_may_not(client, complaint):
    officer = officer_user(TEHSILDAR)
    client.force_login(officer)
    client.get(f"/officer/complaints/{complaint.reference}/")
    assert client.get("/personal-data/views/").status_code == 403
    client.force_login(staff_user("sup", Role.AGENT, Role.SUPERVISOR))
    found = text(client.get("/personal-data/views/", {"ref": complaint.reference[-6:]}))
    assert officer.username in found and complaint.reference in found
    other = text(client.get("/personal-data/views/", {"user": "nobody"}))
    assert officer.username not in other
    today = clock.local_date(clock.now())
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert officer.username not in text(client.get("/personal-data/views/", {"since": tomorrow}))
    assert officer.username in text(
        client.get("/personal-data/views/", {"since": today.isoformat(), "face": Face.OFFICER})
    )


def test_the_log_is_kept_at_least_a_year_then_deleted(complaint, agent):
    PersonalDataView.objects.create(
        at=clock.now(), role=Role.AGENT, complaint=complaint, face=Face.CALL_CENTRE
    )
    RetentionRule.objects.create(record_class=RecordClass.VIEW_LOG, keep_days=30)
    clock.advance(dt.timedelta(days=364))
    apply_retention()
    assert PersonalDataView.objects.count() == 1  # 30 days asked, a year is the floor
    clock.advance(dt.timedelta(days=2))
    apply_retention()
    assert PersonalDataView.objects.count() == 0
