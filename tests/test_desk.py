"""The monitoring desk as a workplace: its queue (a district's desk, the state's), its actions
(send to a post, correct, return to the complainant), its own time limit enforced by the
sweep, and the desk's defaults counted like any post's."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.core.errors import Invalid, NotPermitted
from igrs.core.roles import Role
from igrs.directory.models import Category, DeskMember, Post, Unit
from igrs.grievances import selectors, services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, ClosureKind, Complaint, Defaulter, Event, Status
from igrs.monitoring.services import roll_up
from igrs.notifications.models import OutboxMessage

from .conftest import TEHSILDAR, new_complaint, officer_actor, post

LUCKNOW_DESK, STATE_DESK = "DESK-UP-LUCKNOW", "DESK-UP"


def other(agent, mobile="9800000001", place="UP-LUCKNOW", **fields) -> Complaint:
    """A complaint the citizen could not categorise: the desk's by design."""
    return new_complaint(
        agent,
        mobile=mobile,
        category_id=Category.objects.get(code="OTHER").pk,
        place_id=Unit.objects.get(code=place).pk,
        **fields,
    )


def desk_user(username: str, *desks: str) -> User:
    user = User.objects.create_user(username, password="demo")
    grant_role(user, Role.DESK)
    for code in desks:
        DeskMember.objects.create(user=user, post=post(code))
    return user


def test_the_queue_shows_why_each_complaint_is_there_with_a_masked_mobile(client, agent):
    waiting = other(agent, description="पता नहीं किस विभाग में जाए, गाँव में कुछ गड़बड़ है।")
    returned = new_complaint(agent, mobile="9800000002")
    services.return_misrouted(officer_actor(TEHSILDAR), returned.reference, reason="नगर निगम")
    client.force_login(desk_user("lucknow-desk", LUCKNOW_DESK))
    page = client.get("/monitoring/desk/").content.decode()
    assert waiting.reference in page and returned.reference in page
    assert str(selectors.DESK_REASONS["other_category"]) in page
    assert str(selectors.DESK_REASONS["returned"]) in page
    assert "XXXXXX0001" in page and "9800000001" not in page
    only_returned = client.get("/monitoring/desk/", {"reason": "returned"}).content.decode()
    assert returned.reference in only_returned and waiting.reference not in only_returned
    by_digits = client.get("/monitoring/desk/", {"q": waiting.reference[-6:]}).content.decode()
    assert waiting.reference in by_digits and returned.reference not in by_digits


def test_a_district_desk_sees_and_acts_on_its_own_district_only(client, agent):
    lucknow = other(agent)
    agra = other(agent, mobile="9800000003", place="UP-AGRA")
    client.force_login(desk_user("lucknow-desk", LUCKNOW_DESK))
    page = client.get("/monitoring/desk/").content.decode()
    assert lucknow.reference in page and agra.reference not in page
    lucknow_desk = Actor(Role.DESK, user_id=User.objects.get(username="lucknow-desk").pk)
    with pytest.raises(NotPermitted):
        services.forward(lucknow_desk, agra.reference, to_post_id=post("REV-L2-UP-AGRA").pk)
    state = desk_user("state-desk", STATE_DESK)  # the state's desk, like one with none, sees all
    client.force_login(state)
    page = client.get("/monitoring/desk/").content.decode()
    assert lucknow.reference in page and agra.reference in page


def test_sending_from_the_page_confirms_who_has_it_and_by_when(client, agent):
    complaint = other(agent)
    client.force_login(desk_user("desk-2"))
    page = client.get(f"/monitoring/desk/{complaint.reference}/").content.decode()
    assert post(TEHSILDAR).title_hi in page
    answer = client.post(
        f"/monitoring/desk/{complaint.reference}/assign/",
        {"to_post_id": post(TEHSILDAR).pk, "note": "ज़मीन का मामला", "version": complaint.version},
        follow=True,
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.current_post.code == TEHSILDAR
    said = answer.content.decode()
    assert complaint.reference in said and post(TEHSILDAR).title_hi in said
    assert clock.local(complaint.due_at).strftime("%d-%m-%Y") in said


def test_the_post_complained_against_is_neither_offered_nor_accepted(client, agent):
    complaint = other(agent, against_post_id=post("REV-L2-UP-LUCKNOW").pk)
    client.force_login(desk_user("desk-2"))
    page = client.get(f"/monitoring/desk/{complaint.reference}/").content.decode()
    assert f'value="{post(TEHSILDAR).pk}"' not in page  # below the DM complained against
    refused = client.post(
        f"/monitoring/desk/{complaint.reference}/assign/",
        {"to_post_id": post(TEHSILDAR).pk, "version": complaint.version},
    )
    assert refused.status_code == 422
    assert Complaint.objects.get(pk=complaint.pk).status == Status.REGISTERED


def test_a_correction_stays_with_the_desk_and_is_on_the_timeline(agent, desk):
    complaint = other(agent)
    corrected = services.correct(
        desk,
        complaint.reference,
        category_id=Category.objects.get(code="REV-LAND").pk,
        place_id=Unit.objects.get(code="UP-LUCKNOW-T-SADAR").pk,
        note="खेत का विवाद है",
    )
    assert corrected.status == Status.REGISTERED and corrected.category.code == "REV-LAND"
    step = Event.objects.filter(complaint=complaint).last()
    assert step.action == Action.CORRECT and step.data["category_id"] == corrected.category_id
    with pytest.raises(Invalid):  # nothing to correct
        services.correct(desk, complaint.reference, category_id=corrected.category_id)


def test_returned_to_the_citizen_closes_with_the_reason_by_sms_and_is_not_reopened(agent, desk):
    complaint = other(agent)
    with pytest.raises(Invalid):
        services.return_to_citizen(desk, complaint.reference, reason="  ")
    closed = services.return_to_citizen(
        desk, complaint.reference, reason="गाँव और समस्या का नाम लिखकर फिर भेजें"
    )
    assert closed.status == Status.CLOSED
    assert closed.closure_kind == ClosureKind.RETURNED_TO_CITIZEN
    sms = OutboxMessage.objects.filter(reference=complaint.reference).last()
    assert sms.key == "closed_citizen" and "गाँव और समस्या" in sms.body
    citizen = Actor(Role.CITIZEN, mobile=complaint.mobile)
    with pytest.raises(Invalid):
        services.reopen(citizen, complaint.reference, reason="फिर से देखें")


def test_the_desks_time_limit_sends_it_up_to_the_state_desk_and_marks_the_desk(agent):
    complaint = other(agent)
    assert complaint.current_post.code == LUCKNOW_DESK
    clock.advance(dt.timedelta(days=3))
    report = services.sweep(clock.now())
    complaint.refresh_from_db()
    assert report.escalated == 1
    assert complaint.status == Status.REGISTERED and complaint.current_post.code == STATE_DESK
    assert complaint.due_at > clock.now()
    assert Defaulter.objects.get(complaint=complaint).post.code == LUCKNOW_DESK
    clock.advance(dt.timedelta(days=3))
    assert services.sweep(clock.now()).defaulted == 1  # stuck at the top: marked once
    complaint.refresh_from_db()
    assert complaint.defaulted and complaint.current_post.code == STATE_DESK
    assert services.sweep(clock.now()).defaulted == 0


def test_a_desks_delay_is_the_desks_not_the_departments(client, agent):
    other(agent)
    clock.advance(dt.timedelta(days=3))
    services.sweep(clock.now())
    while roll_up():
        pass
    admin = User.objects.create_superuser("root", password="demo")
    client.force_login(admin)
    page = client.get("/monitoring/defaulters/").content.decode()
    assert Post.objects.get(code=LUCKNOW_DESK).title_hi in page  # counted like any post
    from igrs.monitoring.models import DailyTally, Metric

    assert not DailyTally.objects.filter(metric=Metric.ESCALATED).exists()


def test_only_the_desk_and_administrators_open_the_queue(client, agent):
    dm = User.objects.create_user("dm-user", password="demo")
    client.force_login(dm)
    assert client.get("/monitoring/desk/").status_code == 403
    client.logout()
    assert client.get("/monitoring/desk/").status_code == 302  # to sign in
