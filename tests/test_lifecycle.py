"""Every transition of the lifecycle, and its refusals, through the services."""

import datetime as dt
import io

import pytest
from django.db import connection
from PIL import Image

from igrs.core import clock
from igrs.core.errors import (
    Conflict,
    Invalid,
    InvalidReference,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from igrs.core.roles import Role
from igrs.directory.models import Category, Officer, Posting, RoutingRule, Unit
from igrs.grievances import lifecycle, reference, services
from igrs.grievances.actors import SYSTEM, Actor
from igrs.grievances.models import (
    Action,
    ClosureKind,
    Complaint,
    Defaulter,
    Event,
    ReferenceCounter,
    Status,
)
from igrs.notifications.models import OutboxMessage

from .conftest import DM, PS_REVENUE, TEHSILDAR, later, new_complaint, officer_actor, post


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 120, 10)).save(out, "JPEG")
    return out.getvalue()


JPEG = _jpeg()  # a real one: a file whose header says no size is refused


@pytest.fixture
def tehsildar(db):
    return officer_actor(TEHSILDAR)


@pytest.fixture
def dm(db):
    return officer_actor(DM)


@pytest.fixture
def ps(db):
    return officer_actor(PS_REVENUE)


def actions(complaint) -> list[str]:
    return list(
        Event.objects.filter(complaint=complaint)
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )


def reload(complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def disposed(agent, tehsildar, **kw):
    complaint = new_complaint(agent, **kw)
    return services.submit_atr(
        tehsildar, complaint.reference, disposal="resolved", report="अवैध कब्ज़ा हटवा दिया गया।"
    )


# ---------------------------------------------------------------- registration and routing


def test_registered_complaint_is_assigned_with_sms_to_officer_and_citizen(agent):
    complaint = new_complaint(agent)
    assert complaint.status == Status.ASSIGNED and complaint.level == 1
    assert actions(complaint) == [Action.REGISTER, Action.ASSIGN]
    assert complaint.version == 2
    keys = set(
        OutboxMessage.objects.filter(reference=complaint.reference).values_list("key", flat=True)
    )
    # One SMS to the citizen carries both the reference and who has the complaint.
    assert keys == {"registered_assigned", "assigned_officer"}
    officer_sms = OutboxMessage.objects.get(reference=complaint.reference, key="assigned_officer")
    holder = Officer.objects.get(postings__post__code=TEHSILDAR)
    assert officer_sms.mobile == holder.mobile and complaint.reference in officer_sms.body


def test_a_place_too_coarse_for_the_department_is_refused_naming_the_kind_it_needs(agent):
    # A police matter needs a thana, a rural development one a block: a tehsil is not
    # precise enough, and the complaint is not left for the desk to guess.
    for code, needed in (("POL-FIR", "thana"), ("RD-MGNREGA", "block")):
        with pytest.raises(Invalid) as refused:
            new_complaint(agent, category_id=_category(code))
        assert refused.value.details == {"place_kind_needed": needed}
        assert "place_id" in refused.value.fields
    assert not Complaint.objects.exists()
    block = new_complaint(
        agent, category_id=_category("RD-MGNREGA"), place_id=_unit("UP-LUCKNOW-T-SADAR-B")
    )
    assert block.current_post.code == "RD-L1-UP-LUCKNOW-T-SADAR-B"  # the BDO


def test_other_or_not_sure_waits_for_its_districts_desk_under_a_time_limit(agent, desk):
    complaint = new_complaint(agent, category_id=_category("OTHER"), place_id=_unit("UP-LUCKNOW"))
    assert complaint.status == Status.REGISTERED
    assert complaint.current_post.code == "DESK-UP-LUCKNOW" and complaint.due_at is not None
    assert Event.objects.get(complaint=complaint).data["desk_reason"] == "other_category"
    assert OutboxMessage.objects.get(reference=complaint.reference).key == "registered"
    forwarded = services.forward(
        desk, complaint.reference, to_post_id=post("POL-L1-UP-LUCKNOW-PS-KOTWALI").pk
    )
    assert forwarded.status == Status.ASSIGNED and forwarded.due_at is not None
    assert actions(forwarded) == [Action.REGISTER, Action.FORWARD]


def test_desk_forward_can_correct_category_and_place(agent, desk):
    complaint = new_complaint(agent)
    services.forward(
        desk,
        complaint.reference,
        to_post_id=post("POL-L1-UP-LUCKNOW-PS-KOTWALI").pk,
        category_id=_category("POL-FIR"),
        place_id=_unit("UP-LUCKNOW-PS-KOTWALI"),
    )
    complaint = reload(complaint)
    assert complaint.category.code == "POL-FIR" and complaint.place.code == "UP-LUCKNOW-PS-KOTWALI"
    assert Event.objects.get(complaint=complaint, action=Action.FORWARD).data["category_id"]


def test_only_the_desk_forwards(agent):
    complaint = new_complaint(agent)
    with pytest.raises(NotPermitted):
        services.forward(agent, complaint.reference, to_post_id=post(DM).pk)


# ---------------------------------------------------------------- officer actions


def test_officer_forwards_down_inside_jurisdiction_keeping_the_deadline(agent, dm):
    complaint = new_complaint(agent, against_post_id=None)
    # Put it with the DM first, as the desk would for a district-level matter.
    desk = Actor(Role.DESK)
    complaint = services.forward(desk, complaint.reference, to_post_id=post(DM).pk)
    due = complaint.due_at
    moved = services.forward_down(dm, complaint.reference, to_post_id=post(TEHSILDAR).pk)
    assert moved.current_post.code == TEHSILDAR and moved.level == 1 and moved.due_at == due


def test_forward_down_refuses_posts_outside_jurisdiction(agent, dm):
    complaint = services.forward(
        Actor(Role.DESK), new_complaint(agent).reference, to_post_id=post(DM).pk
    )
    with pytest.raises(Invalid):
        services.forward_down(dm, complaint.reference, to_post_id=post("REV-L1-UP-AGRA-T-SADAR").pk)
    with pytest.raises(Invalid):  # upwards is not "down"
        services.forward_down(dm, complaint.reference, to_post_id=post(PS_REVENUE).pk)


def test_return_sends_it_back_to_the_desk_never_closes(agent, tehsildar):
    complaint = new_complaint(agent)
    returned = services.return_misrouted(
        tehsildar, complaint.reference, reason="यह मामला नगर निगम का है।"
    )
    assert returned.status == Status.RETURNED and returned.closed_at is None
    assert returned.current_post.code == "DESK-UP-LUCKNOW" and returned.due_at is not None
    with pytest.raises(Invalid):
        services.return_misrouted(
            tehsildar, new_complaint(agent, mobile="9811111111").reference, reason="  "
        )


def test_atr_needs_a_real_report_and_leads_to_verification(agent, tehsildar):
    complaint = new_complaint(agent)
    with pytest.raises(Invalid):
        services.submit_atr(tehsildar, complaint.reference, disposal="resolved", report="ok")
    with pytest.raises(Invalid):
        services.submit_atr(
            tehsildar, complaint.reference, disposal="closed", report="कार्रवाई पूरी कर दी गई है।"
        )
    done = services.submit_atr(
        tehsildar,
        complaint.reference,
        disposal="cannot_resolve",
        report="मामला न्यायालय में लंबित है, आदेश की प्रतीक्षा है।",
        attachments=[services.Upload("photo.jpg", JPEG)],
    )
    assert done.status == Status.AWAITING_VERIFICATION and done.current_post.code == TEHSILDAR
    event = Event.objects.get(complaint=done, action=Action.SUBMIT_ATR)
    assert event.actor_post.code == TEHSILDAR and event.attachments.count() == 1
    assert OutboxMessage.objects.filter(reference=done.reference, key="disposed_citizen").exists()


def test_attachments_are_checked_by_content_not_name(agent, tehsildar):
    complaint = new_complaint(agent)
    with pytest.raises(Invalid):
        services.submit_atr(
            tehsildar,
            complaint.reference,
            disposal="resolved",
            report="कार्रवाई पूरी कर दी गई है।",
            attachments=[services.Upload("photo.jpg", b"MZ\x90\x00 not a jpeg")],
        )
    assert reload(complaint).status == Status.ASSIGNED  # nothing changed


def test_an_officer_cannot_act_on_a_complaint_not_with_their_post(agent, dm):
    complaint = new_complaint(agent)
    with pytest.raises(NotPermitted):
        services.submit_atr(
            dm, complaint.reference, disposal="resolved", report="कार्रवाई पूरी कर दी गई है।"
        )
    with pytest.raises(NotPermitted):
        services.submit_atr(
            officer_actor("REV-L1-UP-AGRA-T-SADAR"),
            complaint.reference,
            disposal="resolved",
            report="कार्रवाई पूरी कर दी गई है।",
        )


def test_a_transferred_officer_loses_the_inbox_and_the_new_holder_gets_it(agent, tehsildar):
    complaint = new_complaint(agent)
    Posting.objects.filter(post__code=TEHSILDAR).update(end=dt.date(2026, 1, 31))
    successor = Officer.objects.create(
        name_hi="नया अधिकारी", name_en="New Officer", mobile="+919000099999"
    )
    Posting.objects.create(officer=successor, post=post(TEHSILDAR), start=dt.date(2026, 2, 1))
    with pytest.raises(NotPermitted):
        services.submit_atr(
            tehsildar, complaint.reference, disposal="resolved", report="कार्रवाई पूरी कर दी गई है।"
        )
    services.submit_atr(
        Actor(Role.OFFICER, officer_id=successor.pk),
        complaint.reference,
        disposal="resolved",
        report="कार्रवाई पूरी कर दी गई है।",
    )


# ---------------------------------------------------------------- special closure


def test_special_closure_needs_the_post_above_and_keeps_reopen(agent, tehsildar, dm):
    complaint = new_complaint(agent)
    proposed = services.propose_special_closure(
        tehsildar,
        complaint.reference,
        ground="sub_judice",
        reason="मामला सिविल न्यायालय में विचाराधीन है।",
    )
    assert proposed.status == Status.CLOSURE_PROPOSED
    assert OutboxMessage.objects.filter(
        reference=complaint.reference, key="closure_proposed_officer"
    ).exists()
    with pytest.raises(NotPermitted):  # the proposer cannot approve their own proposal
        services.decide_special_closure(tehsildar, complaint.reference, approve=True)
    closed = services.decide_special_closure(dm, complaint.reference, approve=True)
    assert closed.status == Status.CLOSED and closed.closure_kind == ClosureKind.SPECIAL
    reopened = services.reopen(agent, complaint.reference, reason="मामला न्यायालय में नहीं है।")
    # The DM owned the closure decision, so the appeal goes above the DM.
    assert reopened.status == Status.ASSIGNED and reopened.current_post.code == PS_REVENUE


def test_rejected_special_closure_goes_back_to_the_proposer(agent, tehsildar, dm):
    complaint = new_complaint(agent)
    services.propose_special_closure(
        tehsildar, complaint.reference, ground="policy", reason="नीतिगत मामला है।"
    )
    with pytest.raises(Invalid):
        services.decide_special_closure(dm, complaint.reference, approve=False, note="")
    back = services.decide_special_closure(
        dm, complaint.reference, approve=False, note="यह नीतिगत मामला नहीं है, कार्रवाई करें।"
    )
    assert back.status == Status.ASSIGNED and back.current_post.code == TEHSILDAR
    assert back.special_ground == ""


# ---------------------------------------------------------------- verification


def test_satisfied_closes(agent, tehsildar):
    complaint = disposed(agent, tehsildar)
    closed = services.verify(agent, complaint.reference, outcome="satisfied")
    assert closed.status == Status.CLOSED and closed.closure_kind == ClosureKind.SATISFIED
    assert OutboxMessage.objects.filter(
        reference=complaint.reference, key="closed_citizen"
    ).exists()


def test_not_satisfied_escalates_up_the_ladder_to_shasan(agent, tehsildar, dm, ps):
    complaint = disposed(agent, tehsildar)
    at_dm = services.verify(
        agent, complaint.reference, outcome="not_satisfied", note="कब्ज़ा अभी भी है।"
    )
    assert (at_dm.status, at_dm.level, at_dm.current_post.code) == (Status.ASSIGNED, 2, DM)
    assert at_dm.escalation_count == 1 and at_dm.due_at > complaint.due_at - dt.timedelta(days=1)
    services.submit_atr(
        dm, complaint.reference, disposal="resolved", report="राजस्व टीम भेजकर कब्ज़ा हटवाया गया।"
    )
    at_ps = services.verify(agent, complaint.reference, outcome="not_satisfied", note="नहीं")
    assert (at_ps.level, at_ps.current_post.code) == (3, PS_REVENUE)
    services.submit_atr(
        ps,
        complaint.reference,
        disposal="cannot_resolve",
        report="भूमि का स्वामित्व विवादित है; न्यायालय जाएँ।",
    )
    final = services.verify(agent, complaint.reference, outcome="not_satisfied", note="नहीं")
    assert final.status == Status.CLOSED and final.closure_kind == ClosureKind.FINAL
    closing_sms = OutboxMessage.objects.filter(
        reference=complaint.reference, key="closed_citizen"
    ).get()
    assert "न्यायालय" in closing_sms.body  # the final reason is told to the citizen
    with pytest.raises(Invalid):  # nothing above Shasan
        services.reopen(agent, complaint.reference, reason="फिर भी संतुष्ट नहीं।")


def test_unreachable_counts_attempts_then_closes_unverified_and_flags(agent, tehsildar, settings):
    settings.IGRS_MAX_VERIFICATION_ATTEMPTS = 3
    complaint = disposed(agent, tehsildar)
    for attempt in (1, 2):
        complaint = services.verify(agent, complaint.reference, outcome="unreachable")
        assert complaint.status == Status.AWAITING_VERIFICATION
        assert complaint.verification_attempts == attempt
    closed = services.verify(agent, complaint.reference, outcome="unreachable")
    assert closed.status == Status.CLOSED and closed.closure_kind == ClosureKind.UNVERIFIED
    assert closed.flagged


def test_citizen_feedback_only_from_the_complainant(agent, tehsildar):
    complaint = disposed(agent, tehsildar)
    with pytest.raises(NotPermitted):
        services.verify(
            Actor(Role.CITIZEN, mobile="+919999999999"), complaint.reference, outcome="satisfied"
        )
    with pytest.raises(NotPermitted):  # a citizen cannot claim "unreachable"
        services.verify(
            Actor(Role.CITIZEN, mobile=complaint.mobile), complaint.reference, outcome="unreachable"
        )
    done = services.verify(
        Actor(Role.CITIZEN, mobile=complaint.mobile), complaint.reference, outcome="satisfied"
    )
    assert done.status == Status.CLOSED


def test_verification_is_refused_before_the_atr(agent):
    complaint = new_complaint(agent)
    with pytest.raises(InvalidTransition):
        services.verify(agent, complaint.reference, outcome="satisfied")


# ---------------------------------------------------------------- closed is closed


def test_nothing_but_reopen_leaves_closed(agent, tehsildar, desk):
    complaint = disposed(agent, tehsildar)
    services.verify(agent, complaint.reference, outcome="satisfied")
    refusals = [
        lambda: services.submit_atr(
            tehsildar, complaint.reference, disposal="resolved", report="कार्रवाई पूरी कर दी गई है।"
        ),
        lambda: services.forward(desk, complaint.reference, to_post_id=post(DM).pk),
        lambda: services.verify(agent, complaint.reference, outcome="not_satisfied", note="नहीं"),
        lambda: services.return_misrouted(tehsildar, complaint.reference, reason="गलत विभाग"),
        lambda: services.propose_special_closure(
            tehsildar, complaint.reference, ground="rti", reason="आरटीआई का मामला"
        ),
    ]
    for refused in refusals:
        with pytest.raises((InvalidTransition, NotPermitted)):
            refused()
    assert reload(complaint).status == Status.CLOSED
    # A note is allowed on a closed complaint and changes no status.
    noted = services.add_note(desk, complaint.reference, note="शिकायतकर्ता ने धन्यवाद कहा।")
    assert noted.status == Status.CLOSED


def test_every_rule_in_the_table_is_reachable_by_its_roles_only():
    for (status, action), rule in lifecycle.TRANSITIONS.items():
        for role in Role.values:
            if role in rule.roles:
                assert lifecycle.check(status, action, role) is rule
            else:
                with pytest.raises(NotPermitted):
                    lifecycle.check(status, action, role)


# ---------------------------------------------------------------- optimistic concurrency


def test_stale_version_is_a_conflict_and_changes_nothing(agent, tehsildar):
    complaint = new_complaint(agent)
    with pytest.raises(Conflict):
        services.submit_atr(
            tehsildar,
            complaint.reference,
            disposal="resolved",
            report="कार्रवाई पूरी कर दी गई है।",
            version=complaint.version - 1,
        )
    assert reload(complaint).version == complaint.version


def test_a_mistyped_reference_is_told_apart_from_one_never_issued(agent):
    complaint = new_complaint(agent)
    ref = complaint.reference
    typo = ref[:-3] + str((int(ref[-3]) + 1) % 10) + ref[-2:]  # one digit misheard
    for mistyped in ("123", typo):
        with pytest.raises(InvalidReference):
            services.add_note(agent, mistyped, note="x")
    unused = reference.make(2026, 99_999_999)  # valid check digit, never issued
    with pytest.raises(NotFound):
        services.add_note(agent, unused, note="x")


# ---------------------------------------------------------------- sweep and reminders


def test_sweep_escalates_overdue_marks_defaulter_and_is_idempotent(agent, settings):
    complaint = new_complaint(agent)
    now = later(9)
    report = services.sweep(now)
    assert report.escalated == 1
    escalated = reload(complaint)
    assert (escalated.current_post.code, escalated.level) == (DM, 2)
    assert Defaulter.objects.get(complaint=complaint).post.code == TEHSILDAR
    assert services.sweep(now).escalated == 0  # running it again does nothing
    assert actions(complaint).count(Action.ESCALATE) == 1
    keys = set(
        OutboxMessage.objects.filter(reference=complaint.reference).values_list("key", flat=True)
    )
    assert {"defaulter_officer", "escalated_officer", "escalated_citizen"} <= keys


def test_at_the_top_overdue_is_marked_defaulter_once(agent):
    complaint = new_complaint(agent)
    for _level in (2, 3):
        services.sweep(later(9))
    assert reload(complaint).level == 3
    report = services.sweep(later(9))
    assert report.defaulted == 1 and reload(complaint).defaulted
    assert services.sweep(later(9)).defaulted == 0
    assert Defaulter.objects.filter(complaint=complaint).count() == 3


def test_reminder_before_the_deadline_once(agent, settings):
    complaint = new_complaint(agent)
    assert services.sweep(later(1)).reminded == 0
    reminded = services.sweep(complaint.due_at - dt.timedelta(hours=1)).reminded
    assert reminded == 1
    assert services.sweep(complaint.due_at - dt.timedelta(minutes=30)).reminded == 0
    assert (
        OutboxMessage.objects.filter(reference=complaint.reference, key="reminder_officer").count()
        == 1
    )


def test_a_proposed_special_closure_left_undecided_goes_up(agent, tehsildar):
    complaint = new_complaint(agent)
    services.propose_special_closure(
        tehsildar, complaint.reference, ground="rti", reason="सूचना का अधिकार का मामला।"
    )
    assert reload(complaint).accountable_post.code == DM  # the DM must decide, in time
    services.sweep(later(9))
    up = reload(complaint)
    # The DM let it lapse: the DM alone is the defaulter and the complaint goes above the DM.
    assert (up.status, up.current_post.code, up.special_ground) == (Status.ASSIGNED, PS_REVENUE, "")
    assert list(
        Defaulter.objects.filter(complaint=complaint).values_list("post__code", flat=True)
    ) == [DM]


def test_system_actions_are_not_for_people(agent):
    complaint = new_complaint(agent)
    with pytest.raises(NotPermitted):
        lifecycle.check(complaint.status, Action.ESCALATE, Role.DESK)
    assert SYSTEM.role == Role.SYSTEM


def _category(code: str) -> int:
    return Category.objects.get(code=code).pk


def _unit(code: str) -> int:
    return Unit.objects.get(code=code).pk


def test_forwarding_down_near_the_deadline_does_not_shift_the_blame(agent, desk, dm):
    complaint = services.forward(desk, new_complaint(agent).reference, to_post_id=post(DM).pk)
    moved = services.forward_down(dm, complaint.reference, to_post_id=post(TEHSILDAR).pk)
    assert moved.accountable_post.code == DM and moved.due_at == complaint.due_at
    services.sweep(later(9))
    up = reload(complaint)
    # Both the DM who forwarded and the tehsildar who held it default; it goes above the DM.
    assert (up.current_post.code, up.level) == (PS_REVENUE, 3)
    assert set(
        Defaulter.objects.filter(complaint=complaint).values_list("post__code", flat=True)
    ) == {DM, TEHSILDAR}


def test_a_subordinates_report_comes_back_for_approval_before_it_counts(agent, desk, dm):
    complaint = services.forward(desk, new_complaint(agent).reference, to_post_id=post(DM).pk)
    services.forward_down(dm, complaint.reference, to_post_id=post(TEHSILDAR).pk)
    back = services.submit_atr(
        officer_actor(TEHSILDAR),
        complaint.reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया है।",
        attachments=[services.Upload("mauka.jpg", JPEG)],
    )
    assert (back.status, back.current_post.code) == (Status.ASSIGNED, DM)
    assert back.events.last().action == Action.SUBORDINATE_REPORT
    assert OutboxMessage.objects.filter(
        reference=complaint.reference, key="subordinate_report_officer"
    ).exists()
    with pytest.raises(NotPermitted):
        services.approve_subordinate_report(officer_actor(TEHSILDAR), complaint.reference)
    approved = services.approve_subordinate_report(dm, complaint.reference, note="सत्यापित")
    assert approved.status == Status.AWAITING_VERIFICATION
    atr = approved.events.last()
    assert atr.action == Action.SUBMIT_ATR and atr.actor_post.code == DM
    assert "कब्ज़ा हटवा दिया गया है।" in atr.note and atr.attachments.count() == 1
    up = services.verify(agent, complaint.reference, outcome="not_satisfied", note="नहीं")
    assert up.current_post.code == PS_REVENUE


def test_references_continue_after_the_counter_row_is_lost(agent):
    first = new_complaint(agent)
    ReferenceCounter.objects.all().delete()
    second = new_complaint(agent, mobile="9811111111")
    assert reference.is_valid(second.reference) and second.reference != first.reference


def test_sweep_rounds_are_bounded_and_report_what_is_left(agent):
    complaints = [new_complaint(agent, mobile=f"97000000{i:02d}") for i in range(5)]
    now = later(9)
    first = services.sweep(now, limit=3)
    assert (first.escalated, first.more) == (3, True)
    second = services.sweep(now, limit=3)
    assert (second.escalated, second.more) == (2, False)
    assert {reload(c).level for c in complaints} == {2}


def test_complaints_that_cannot_move_do_not_hide_the_rest(agent):
    stuck = [new_complaint(agent, mobile=f"97100000{i:02d}") for i in range(3)]
    later(1)
    movable = new_complaint(agent, mobile="9720000000")
    for complaint in stuck:  # a defaulter row already there makes their escalation fail
        Defaulter.objects.create(
            complaint=complaint,
            post=complaint.current_post,
            due_at=complaint.due_at,
            marked_at=complaint.created_at,
        )
    report = services.sweep(later(9), batch=2)
    assert report.escalated == 1 and reload(movable).level == 2


def test_the_sweep_query_reads_the_partial_index(agent):
    new_complaint(agent)
    query = (
        Complaint.objects.filter(escalate_at__lte=later(9))
        .order_by("escalate_at", "pk")
        .values_list("pk")
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "complaint_sweep_due" in plan, plan


def test_returning_after_the_deadline_still_marks_the_default(agent, tehsildar):
    on_time = new_complaint(agent)
    services.return_misrouted(tehsildar, on_time.reference, reason="यह नगर निगम का मामला है।")
    assert not Defaulter.objects.filter(complaint=on_time).exists()
    late = new_complaint(agent, mobile="9811111111")
    later(9)
    services.return_misrouted(tehsildar, late.reference, reason="यह नगर निगम का मामला है।")
    assert Defaulter.objects.get(complaint=late).post.code == TEHSILDAR


def test_an_inactive_post_gets_no_new_complaints_and_is_skipped_going_up(agent):
    complaint = new_complaint(agent)
    dm_post = post(DM)
    RoutingRule.objects.create(category_id=_category("REV-MUTATION"), post=dm_post)
    dm_post.active = False
    dm_post.save()
    waiting = new_complaint(agent, mobile="9811111111", category_id=_category("REV-MUTATION"))
    assert waiting.status == Status.REGISTERED  # the rule's post is inactive: the desk decides
    services.sweep(later(9))
    assert reload(complaint).current_post.code == PS_REVENUE  # the inactive DM is skipped


def test_officer_sms_name_the_right_posts(agent, tehsildar, dm):
    complaint = new_complaint(agent)
    services.propose_special_closure(
        tehsildar, complaint.reference, ground="rti", reason="सूचना का अधिकार का मामला।"
    )
    to_dm = OutboxMessage.objects.get(reference=complaint.reference, key="closure_proposed_officer")
    assert post(TEHSILDAR).title_in(to_dm.language) in to_dm.body  # who proposed it
    services.decide_special_closure(dm, complaint.reference, approve=False, note="पहले जाँच करें।")
    assert OutboxMessage.objects.filter(
        reference=complaint.reference, key="closure_rejected_officer"
    ).exists()


def test_a_reminder_or_a_note_does_not_turn_an_officers_atr_into_a_conflict(agent, tehsildar):
    complaint = new_complaint(agent)
    read_version = complaint.version
    clock.advance(complaint.due_at - dt.timedelta(hours=1) - clock.now())
    assert services.sweep().reminded == 1
    services.add_note(agent, complaint.reference, note="शिकायतकर्ता ने फिर फ़ोन किया।")
    done = services.submit_atr(
        tehsildar,
        complaint.reference,
        disposal="resolved",
        report="कब्ज़ा हटवा दिया गया है।",
        version=read_version,
    )
    assert done.status == Status.AWAITING_VERIFICATION
    assert actions(done)[-3:] == [Action.REMIND, Action.NOTE, Action.SUBMIT_ATR]


def test_a_senior_officer_grades_a_disposal_and_c_reopens_it_with_the_same_post(
    agent, dm, tehsildar
):
    complaint = disposed(agent, tehsildar)
    with pytest.raises(NotPermitted):
        services.grade_disposal(tehsildar, complaint.reference, grade="A")  # not above itself
    with pytest.raises(NotPermitted):
        services.grade_disposal(
            officer_actor("REV-L2-UP-AGRA"), complaint.reference, grade="A"
        )  # another district's DM
    graded = services.grade_disposal(dm, complaint.reference, grade="B", remarks="ठीक")
    assert graded.status == Status.AWAITING_VERIFICATION
    assert graded.version == complaint.version  # an A or B decides nothing else
    with pytest.raises(Invalid):
        services.grade_disposal(dm, complaint.reference, grade="C", remarks="फिर से")  # once
    complaint = disposed(agent, tehsildar, mobile="9812300000")
    with pytest.raises(Invalid):
        services.grade_disposal(dm, complaint.reference, grade="C")  # remarks needed
    reopened = services.grade_disposal(
        dm, complaint.reference, grade="C", remarks="मौके की फ़ोटो नहीं है, दोबारा जाँच करें।"
    )
    assert (reopened.status, reopened.current_post.code, reopened.level) == (
        Status.ASSIGNED,
        TEHSILDAR,
        1,
    )
    assert reopened.verify_after is None and reopened.disposal == ""
    assert reopened.events.last().data["grade"] == "C"
    assert OutboxMessage.objects.filter(
        reference=complaint.reference, key="graded_c_officer"
    ).exists()
