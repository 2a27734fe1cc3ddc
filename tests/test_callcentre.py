"""The helpline's back office: CTI call events, the outbound verification queue with leases,
retries and call-backs, the supervisors' audit sample, and today's counts."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from igrs.callcentre import selectors as callcentre_selectors
from igrs.callcentre import services as callcentre
from igrs.callcentre.models import AuditCall, AuditOutcome, Call
from igrs.core import clock
from igrs.core.accounts import create_token, grant_role
from igrs.core.errors import Conflict, Invalid, NotPermitted
from igrs.core.roles import Role
from igrs.directory.models import Category, Officer, Unit
from igrs.grievances import services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Complaint, Status

from .conftest import DM, LUCKNOW_SADAR, TEHSILDAR, at_ist, new_complaint, officer_actor, post


def agent_named(username: str) -> Actor:
    user = User.objects.create_user(username)
    grant_role(user, "agent")
    return Actor(Role.AGENT, user_id=user.pk)


def disposed(agent: Actor, **overrides) -> Complaint:
    complaint = new_complaint(agent, **overrides)
    return services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="लेखपाल ने कब्ज़ा हटवा दिया है।",
    )


# ---------------------------------------------------------------- CTI events


def test_call_events_build_one_call_and_repeats_change_nothing(db):
    agent_named("asha")
    callcentre.record_call_event(call_id="c-1", event="offered", agent="asha", ani="09812345678")
    answered = clock.now() + dt.timedelta(seconds=5)
    callcentre.record_call_event(call_id="c-1", event="answered", agent="asha", ani="", at=answered)
    callcentre.record_call_event(
        call_id="c-1", event="answered", agent="asha", ani="", at=answered + dt.timedelta(minutes=1)
    )
    call = Call.objects.get()
    assert call.mobile == "+919812345678" and call.answered_at == answered
    assert callcentre_selectors.current_call(call.agent_id) == call
    callcentre.record_call_event(call_id="c-1", event="ended", agent="asha", ani="")
    # The caller's history stays through the wrap-up, while the agent finishes filing.
    assert callcentre_selectors.current_call(call.agent_id).ended_at is not None
    clock.advance(callcentre_selectors.WRAP_UP + dt.timedelta(seconds=1))
    assert callcentre_selectors.current_call(call.agent_id) is None


def test_a_call_that_rang_out_leaves_the_console_when_it_ends(db):
    asha = agent_named("asha")
    callcentre.record_call_event(call_id="c-3", event="offered", agent="asha", ani="9812345678")
    callcentre.record_call_event(call_id="c-3", event="ended", agent="asha", ani="")
    assert callcentre_selectors.current_call(asha.user_id) is None  # no one to file for


def test_an_agent_files_only_on_a_call_offered_to_them_over_the_api_too(client, db):
    asha = agent_named("asha")
    agent_named("bina")
    callcentre.record_call_event(call_id="c-7", event="offered", agent="bina", ani="9812345678")
    token = create_token(User.objects.get(pk=asha.user_id), "agent")
    body = {
        "source": "helpline",
        "complainant_name": "राम प्रसाद",
        "mobile": "9812345678",
        "category_id": Category.objects.get(code="REV-LAND").pk,
        "place_id": Unit.objects.get(code=LUCKNOW_SADAR).pk,
        "description": "पड़ोसी ने खेत पर कब्ज़ा कर लिया है।",
        "call_id": "c-7",
    }

    def file(**changes):
        return client.post(
            "/api/v1/complaints",
            json.dumps({**body, **changes}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    refused = file()  # bina's call
    assert refused.status_code == 422 and "call_id" in refused.json()["errors"]
    assert not Complaint.objects.exists()
    callcentre.record_call_event(call_id="c-8", event="offered", agent="asha", ani="9812345678")
    assert file(call_id="c-8").status_code == 201
    assert file(call_id="").status_code == 201  # the caller rang off before the ACD said
    assert sorted(Complaint.objects.values_list("call_id", flat=True)) == ["", "c-8"]


def test_a_call_offered_again_goes_to_the_agent_who_answers(db):
    first, second = agent_named("asha"), agent_named("bina")
    callcentre.record_call_event(call_id="c-2", event="offered", agent="asha", ani="9812345678")
    callcentre.record_call_event(call_id="c-2", event="offered", agent="bina", ani="9812345678")
    assert callcentre_selectors.current_call(first.user_id) is None
    assert callcentre_selectors.current_call(second.user_id).call_id == "c-2"


def test_bad_call_events_are_refused_per_field(db):
    with pytest.raises(Invalid) as refused:
        callcentre.record_call_event(call_id="", event="rang", agent="nobody", ani="1")
    assert set(refused.value.fields) == {"call_id", "event", "agent"}
    assert not Call.objects.exists()


def test_the_callers_history_shows_who_holds_each_complaint(agent):
    complaint = new_complaint(agent, mobile="9812345678")
    rows = callcentre_selectors.caller_history("+919812345678")
    assert [r.complaint for r in rows] == [complaint]
    assert rows[0].officers and rows[0].complaint.current_post == post(TEHSILDAR)
    assert callcentre_selectors.caller_history("") == []


def test_the_cti_api_is_for_the_telephony_account_only(client, db):
    telephony = User.objects.create_user("acd")
    grant_role(telephony, "telephony")
    agent_named("asha")
    token = create_token(telephony, "telephony")
    body = {"call_id": "c-9", "event": "offered", "agent": "asha", "ani": "9812345678"}
    response = client.post(
        "/api/v1/cti/events",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200 and response.json()["agent"] == "asha"
    agent_token = create_token(User.objects.get(username="asha"), "agent")
    refused = client.post(
        "/api/v1/cti/events",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {agent_token}",
    )
    assert refused.status_code == 403


# ---------------------------------------------------------------- verification queue


def test_a_disposed_complaint_joins_the_queue_and_leaves_it_when_verified(agent):
    complaint = disposed(agent)
    assert complaint.verify_after == complaint.updated_at
    services.verify(agent, complaint.reference, outcome="satisfied")
    complaint.refresh_from_db()
    assert complaint.verify_after is None and complaint.verification_agent is None


def test_next_call_hands_out_the_oldest_due_once_and_keeps_it_with_its_agent(agent):
    older = disposed(agent, mobile="9812345671")
    clock.advance(dt.timedelta(minutes=1))
    newer = disposed(agent, mobile="9812345672")
    asha, bina = agent_named("asha"), agent_named("bina")
    assert services.claim_next_verification(asha) == older
    assert services.claim_next_verification(bina) == newer
    assert services.claim_next_verification(asha) == older  # still hers: no second one
    assert services.claim_next_verification(agent_named("chitra")) is None


def test_an_abandoned_call_returns_to_the_queue_after_the_lease(agent, settings):
    complaint = disposed(agent)
    asha, bina = agent_named("asha"), agent_named("bina")
    assert services.claim_next_verification(asha) == complaint
    assert services.claim_next_verification(bina) is None
    clock.advance(dt.timedelta(minutes=settings.IGRS_VERIFICATION_LEASE_MINUTES + 1))
    assert services.claim_next_verification(bina) == complaint


def test_unanswered_calls_are_retried_after_a_growing_delay_then_closed_unverified(agent, settings):
    settings.IGRS_VERIFICATION_RETRY_HOURS = [2, 6]
    settings.IGRS_MAX_VERIFICATION_ATTEMPTS = 3
    complaint = disposed(agent)
    asha = agent_named("asha")
    for attempt, (wait_hours, kind) in enumerate([(2, "switched_off"), (6, "wrong_number")], 1):
        assert services.claim_next_verification(asha) == complaint
        services.verify(asha, complaint.reference, outcome="unreachable", no_answer=kind)
        assert services.claim_next_verification(asha) is None  # not before the delay
        clock.advance(dt.timedelta(hours=wait_hours))
        event = complaint.events.last()
        assert event.data == {"attempt": attempt, "no_answer": kind}
    assert services.claim_next_verification(asha) == complaint
    services.verify(asha, complaint.reference, outcome="unreachable")
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.flagged
    assert complaint.verify_after is None


def test_a_call_back_later_waits_for_the_asked_time_without_counting_an_attempt(agent):
    complaint = disposed(agent)
    asha = agent_named("asha")
    services.claim_next_verification(asha)
    at = clock.now() + dt.timedelta(hours=5)
    services.call_back_later(asha, complaint.reference, at=at, note="शाम को फ़ोन करें")
    complaint.refresh_from_db()
    assert complaint.verify_after == at and complaint.verification_attempts == 0
    assert complaint.events.last().action == Action.CALL_BACK
    assert services.claim_next_verification(asha) is None
    clock.advance(dt.timedelta(hours=5))
    assert services.claim_next_verification(asha) == complaint
    with pytest.raises(Invalid):
        services.call_back_later(asha, complaint.reference, at=clock.now() - dt.timedelta(1))


def test_not_satisfied_on_the_call_escalates_and_the_department_cannot_verify(agent):
    complaint = disposed(agent)
    with pytest.raises(NotPermitted):
        services.verify(officer_actor(TEHSILDAR), complaint.reference, outcome="satisfied")
    asha = agent_named("asha")
    services.claim_next_verification(asha)
    services.verify(asha, complaint.reference, outcome="not_satisfied", note="कब्ज़ा बाकी है")
    complaint.refresh_from_db()
    assert complaint.current_post == post(DM) and complaint.verify_after is None
    verdict = complaint.events.get(action=Action.VERIFY_NOT_SATISFIED)
    assert verdict.actor_user_id == asha.user_id  # who verified, and when, is on record


@pytest.mark.parametrize("acted_with_login", [True, False])
def test_whoever_reported_the_action_never_verifies_it_even_as_an_agent(agent, acted_with_login):
    # The tehsildar also works shifts as a helpline agent: the same login holds both roles.
    tehsildar = Officer.objects.filter(postings__post__code=TEHSILDAR).first()
    tehsildar.user = User.objects.create_user("tehsildar-and-agent")
    tehsildar.save()
    grant_role(tehsildar.user, "agent")
    # An officer may act through an emailed link, without the login on the step.
    reporter = Actor(
        Role.OFFICER,
        officer_id=tehsildar.pk,
        user_id=tehsildar.user.pk if acted_with_login else None,
    )
    complaint = services.submit_atr(
        reporter, new_complaint(agent).reference, disposal="resolved", report="कब्ज़ा हटवा दिया है।"
    )
    as_agent = Actor(Role.AGENT, user_id=tehsildar.user.pk)
    assert services.claim_next_verification(as_agent) is None  # never handed their own
    with pytest.raises(NotPermitted):
        services.verify(as_agent, complaint.reference, outcome="satisfied")
    with pytest.raises(NotPermitted):
        services.call_back_later(
            as_agent, complaint.reference, at=clock.now() + dt.timedelta(hours=2)
        )
    other = agent_named("asha")
    assert services.claim_next_verification(other).pk == complaint.pk
    services.verify(other, complaint.reference, outcome="satisfied")
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED


def test_the_api_hands_out_calls_and_says_when_none_is_due(client, agent):
    user = User.objects.create_user("asha")
    grant_role(user, "agent")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'agent')}"}
    assert client.post("/api/v1/verification/next", **headers).status_code == 204
    complaint = disposed(agent)
    response = client.post("/api/v1/verification/next", **headers)
    assert response.status_code == 200 and response.json()["reference"] == complaint.reference
    assert any(e["action"] == "submit_atr" for e in response.json()["timeline"])


# ---------------------------------------------------------------- audit sample


def test_the_audit_sample_is_deterministic_and_taken_once(agent, settings):
    settings.IGRS_AUDIT_SHARE_PERCENT = 50
    complaints = [disposed(agent, mobile=f"98123456{i:02d}") for i in range(12)]
    start = clock.now()
    for c in complaints:
        services.verify(agent, c.reference, outcome="satisfied")
    expected = {c.pk for c in complaints if callcentre.is_sampled(c.reference)}
    assert 0 < len(expected) < 12
    assert callcentre.sample_audits(start) == len(expected)
    assert callcentre.sample_audits(start) == 0
    assert set(AuditCall.objects.values_list("complaint_id", flat=True)) == expected


def test_a_disputed_audit_flags_the_complaint_on_its_timeline(agent, settings):
    settings.IGRS_AUDIT_SHARE_PERCENT = 100
    complaint = disposed(agent)
    start = clock.now()
    services.verify(agent, complaint.reference, outcome="satisfied")
    callcentre.sample_audits(start)
    supervisor = agent_named("sunita")
    audit = callcentre.claim_next_audit(supervisor)
    assert audit.complaint == complaint
    assert callcentre.claim_next_audit(agent_named("other")) is None
    with pytest.raises(Invalid):
        callcentre.record_audit(supervisor, audit.pk, outcome=AuditOutcome.DISPUTED)
    callcentre.record_audit(
        supervisor, audit.pk, outcome=AuditOutcome.DISPUTED, note="कोई नहीं आया था"
    )
    complaint.refresh_from_db()
    note = complaint.events.last()
    assert complaint.flagged and "कोई नहीं आया था" in note.note
    assert note.role == Role.SUPERVISOR  # the supervisor's note, not an agent's
    with pytest.raises(Invalid):
        callcentre.record_audit(supervisor, audit.pk, outcome=AuditOutcome.CONFIRMED)


# ---------------------------------------------------------------- supervisor's counts


def test_todays_counts_match_the_records(agent):
    at_ist(10, 0)  # well away from midnight, whenever the suite runs
    asha = agent_named("asha")
    for i in range(3):
        callcentre.record_call_event(
            call_id=f"c-{i}", event="offered", agent="asha", ani=f"981234567{i}"
        )
        new_complaint(asha, mobile=f"981234567{i}")
    complaint = disposed(agent, mobile="9899999999")
    services.verify(asha, complaint.reference, outcome="not_satisfied", note="नहीं")
    disposed(agent, mobile="9899999998")
    today = callcentre_selectors.today_counts()
    # asha's 3 and the 2 others, all in the 10 o'clock hour (IST)
    assert [(h.hour, h.calls, h.registered) for h in today.hours if h.calls or h.registered] == [
        (10, 3, 5)
    ]
    assert today.backlog.waiting == 1 and today.backlog.due_now == 1
    assert [band.count for band in today.backlog.overdue] == [1, 0, 0, 0]
    assert [row["not_satisfied"] for row in today.outcomes_by_category] == [1]
    assert [
        (row.username, row.answered, row.registered, row.verified, row.other)
        for row in today.per_agent
    ] == [("agent-1", 0, 2, 0, 0), ("asha", 0, 3, 1, 0)]


def test_no_agent_records_the_outcome_of_a_call_another_agent_holds(agent, settings):
    complaint = disposed(agent)
    asha, bina = agent_named("asha"), agent_named("bina")
    services.claim_next_verification(asha)
    with pytest.raises(Conflict):
        services.verify(bina, complaint.reference, outcome="satisfied")
    with pytest.raises(Conflict):
        services.call_back_later(bina, complaint.reference, at=clock.now() + dt.timedelta(hours=2))
    clock.advance(dt.timedelta(minutes=settings.IGRS_VERIFICATION_LEASE_MINUTES + 1))
    services.verify(bina, complaint.reference, outcome="satisfied")  # the hold has lapsed


def test_a_call_back_time_without_a_zone_is_taken_as_ist(agent):
    complaint = disposed(agent)
    asha = agent_named("asha")
    local = (timezone.localtime(clock.now()) + dt.timedelta(hours=3)).replace(
        tzinfo=None, microsecond=0
    )
    services.call_back_later(asha, complaint.reference, at=local)
    complaint.refresh_from_db()
    assert timezone.localtime(complaint.verify_after).replace(tzinfo=None) == local


def test_not_satisfied_needs_the_complainants_reason(agent):
    complaint = disposed(agent)
    with pytest.raises(Invalid) as refused:
        services.verify(agent, complaint.reference, outcome="not_satisfied")
    assert "note" in refused.value.fields


def test_an_outbound_dialer_call_is_not_shown_as_an_inbound_caller(db):
    asha = agent_named("asha")
    callcentre.record_call_event(
        call_id="out-1", event="offered", agent="asha", ani="9812345678", direction="outbound"
    )
    assert callcentre_selectors.current_call(asha.user_id) is None
