"""The IVR's records without a call: option 2's services as the portal's (re-opening a closed
complaint, a reminder's limit), the call log's counts on the supervisor's page, and the
hand-over found for the call the ACD offers."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from igrs.callcentre import services as callcentre
from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.core.errors import Conflict, LimitReached, NotPermitted
from igrs.grievances import services
from igrs.grievances.models import Action, Status
from igrs.ivr import selectors
from igrs.ivr import services as ivr
from igrs.ivr.selectors import Step

from .conftest import TEHSILDAR, new_complaint, officer_actor
from .pages import table_rows

MOBILE = "+919876543210"


def closed(agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया।",
    )
    return services.verify(agent, complaint.reference, outcome="satisfied")


def test_not_satisfied_on_a_closed_complaint_reopens_it_one_level_up(agent):
    complaint = closed(agent)
    found = selectors.spoken_status(complaint.reference, MOBILE, "en")
    assert found.step == Step.REOPEN and found.closed_on
    reopened = ivr.give_feedback(MOBILE, complaint.reference, found.step, found.version, "en")
    assert reopened.status == Status.ASSIGNED and reopened.level == 2
    step = reopened.events.latest("at", "pk")
    assert step.action == Action.REOPEN and "IVR" in step.note


def test_only_the_complainants_number_can_act(agent):
    complaint = closed(agent)
    with pytest.raises(NotPermitted):
        ivr.give_feedback(
            "+919811122233", complaint.reference, Step.REOPEN, complaint.version, "hi"
        )
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED


def test_a_second_reminder_within_the_period_is_refused_and_says_when(agent):
    complaint = new_complaint(agent, mobile=MOBILE)
    assert selectors.spoken_status(complaint.reference, MOBILE, "hi").step == Step.REMIND
    ivr.give_feedback(MOBILE, complaint.reference, Step.REMIND, complaint.version, "hi")
    with pytest.raises(LimitReached):
        ivr.give_feedback(MOBILE, complaint.reference, Step.REMIND, complaint.version, "hi")
    assert complaint.events.filter(action=Action.REMIND).count() == 1
    assert selectors.next_reminder_at(complaint.reference) > clock.now() + dt.timedelta(hours=71)


def test_a_stale_version_is_refused(agent):
    complaint = closed(agent)
    with pytest.raises(Conflict):
        ivr.give_feedback(MOBILE, complaint.reference, Step.REOPEN, complaint.version - 1, "hi")


def test_todays_ivr_calls_are_counted_on_the_supervisors_page(client, db):
    paths = [
        ["menu:1", "reference", "status:full", "hung-up"],
        ["menu:1", "reference", "status:full", "feedback:remind", "hung-up"],
        ["failed", "failed", "failed", "agent:failures"],
        ["hung-up"],
    ]
    for i, path in enumerate(paths):
        started = ivr.start_call(f"call-{i}", "+919876543210").started_at
        clock.advance(dt.timedelta(seconds=30))
        ivr.finish_call(
            f"call-{i}",
            started,
            keys="1",
            path=path,
            language="hi",
            reference="",
            outcome=ivr.outcome_of(path),
        )
    ivr.start_call("still-talking", "+919876543211")
    sunita = User.objects.create_user("sunita")
    grant_role(sunita, "agent")
    grant_role(sunita, "supervisor")
    client.force_login(sunita)
    page = client.get("/callcentre/supervisor/").content.decode()
    # calls, status, feedback, agent, abandoned, average seconds
    assert table_rows(page, "ivr-counts")[-1] == ["5", "1", "1", "1", "1", "30.0"]


def test_the_console_finds_the_hand_over_by_the_callers_number(db):
    ivr.start_call("ivr-1", "+919876543210")
    ivr.hand_over(
        "ivr-1",
        caller="+919876543210",
        reference="2026000000018",
        keyed="2026000000018",
        reason="asked",
    )
    User.objects.create_user("asha").groups.create(name="agent")
    offered = callcentre.record_call_event(
        call_id="acd-1", event="offered", agent="asha", ani="09876543210"
    )
    assert selectors.handover_for(offered).reference == "2026000000018"
    other = callcentre.record_call_event(
        call_id="acd-2", event="offered", agent="asha", ani="09811122233"
    )
    assert selectors.handover_for(other) is None
    clock.advance(dt.timedelta(hours=1))  # an hour later the same caller is a new matter
    later = callcentre.record_call_event(
        call_id="acd-3", event="offered", agent="asha", ani="09876543210"
    )
    assert selectors.handover_for(later) is None
