"""Real concurrency against PostgreSQL: threads (each with its own connection) and separate
OS processes acting on the same complaints at the same moment.

The services promise that a complaint changes once per version (conditional update), that the
sweep is idempotent even when two run at once, that reference numbers come from a sequence, and
that the monthly cap per mobile holds under a double tap. These tests make the collisions happen
with a barrier and count what was written. SQLite serialises writers, so they need PostgreSQL.
"""

import datetime as dt
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from igrs.callcentre import services as callcentre
from igrs.callcentre.models import AuditCall, AuditOutcome
from igrs.core import clock
from igrs.core.errors import Conflict, InvalidTransition, LimitReached, NotPermitted
from igrs.core.roles import Role
from igrs.directory.models import Category, Officer, Posting, Unit
from igrs.grievances import reference, services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Complaint, Defaulter, Event, Status
from igrs.notifications.models import OutboxMessage
from igrs.portal.models import OneTimePassword
from igrs.portal.services import check_otp, file_complaint, send_otp

from .conftest import (
    DM,
    LUCKNOW_SADAR,
    TEHSILDAR,
    database_url,
    new_complaint,
    officer_actor,
    post,
)

JOIN_TIMEOUT = 60
ROOT = Path(__file__).resolve().parents[1]
REPORT = "पटवारी से नापजोख कराकर कब्ज़ा हटवा दिया गया है।"

pytestmark = pytest.mark.django_db(transaction=True)

_mobiles = itertools.count(1)


def fresh_mobile() -> str:
    return f"+918{next(_mobiles):09d}"


@pytest.fixture(autouse=True)
def postgres_only():
    """Evaluated per test, after Django is configured: which database are we on?"""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (SQLite serialises writers, so nothing can collide); "
            "run with IGRS_DATABASE_URL=postgres://…"
        )


@pytest.fixture
def agent(reseeded) -> Actor:
    return Actor(Role.AGENT)


def run_together(*calls: Callable[[], object]) -> list[tuple[str, object]]:
    """Run the calls in threads released together by a barrier. Each result is ("ok", value)
    or ("error", exception). Every thread closes its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, object]] = [("missing", None)] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[index] = ("ok", call())
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(i, call), daemon=True) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (lock wait?)"
    return results


def register_many(actor: Actor, count: int, **fields) -> list[Complaint]:
    return [
        new_complaint(
            actor,
            mobile=fields.get("mobile") or fresh_mobile(),
            **{k: v for k, v in fields.items() if k != "mobile"},
        )
        for _ in range(count)
    ]


# ---------------------------------------------------------------- (a) two holders, one ATR


def test_two_holders_of_one_post_submit_the_atr_at_once(agent):
    """The regular holder and an officer on additional charge both dispose of the same complaint
    at the same moment: one report is accepted, the other gets a clear refusal."""
    tehsildar = post(TEHSILDAR)
    second = Officer.objects.create(
        name_en="Additional Charge", name_hi="अतिरिक्त प्रभार", mobile="+919100000001"
    )
    Posting.objects.create(
        officer=second,
        post=tehsildar,
        additional_charge=True,
        start=timezone.localdate() - dt.timedelta(days=30),
    )
    regular = officer_actor(TEHSILDAR)
    extra = Actor(Role.OFFICER, officer_id=second.pk)
    assert regular.officer_id != extra.officer_id

    conflicts = Counter()
    for complaint in register_many(agent, 8):
        assert complaint.current_post_id == tehsildar.pk
        ref = complaint.reference
        results = run_together(
            lambda ref=ref: services.submit_atr(regular, ref, disposal="resolved", report=REPORT),
            lambda ref=ref: services.submit_atr(
                extra, ref, disposal="cannot_resolve", report=REPORT
            ),
        )
        outcomes = [kind for kind, _value in results]
        assert sorted(outcomes) == ["error", "ok"], results
        error = next(value for kind, value in results if kind == "error")
        assert isinstance(error, Conflict | InvalidTransition), repr(error)
        assert error.message.strip()
        conflicts[type(error).__name__] += 1

        complaint.refresh_from_db()
        assert complaint.status == Status.AWAITING_VERIFICATION
        assert complaint.version == 3
        events = complaint.events.filter(action=Action.SUBMIT_ATR)
        assert events.count() == 1
        winner = next(value for kind, value in results if kind == "ok")
        assert events.get().data["disposal"] == winner.disposal == complaint.disposal
        assert complaint.events.count() == complaint.version
    # Both kinds of refusal are fine; print which ones the collisions produced.
    print(dict(conflicts))


# ---------------------------------------------------------------- (b) two sweeps, threads


def overdue_complaints(agent: Actor, count: int) -> list[Complaint]:
    complaints = register_many(agent, count)
    assert all(c.current_post.code == TEHSILDAR for c in complaints)
    return complaints


def assert_escalated_once(complaints: list[Complaint]) -> None:
    tehsildar, dm = post(TEHSILDAR), post(DM)
    for complaint in complaints:
        complaint.refresh_from_db()
        assert complaint.events.filter(action=Action.ESCALATE).count() == 1, complaint
        assert complaint.level == 2 and complaint.current_post_id == dm.pk
        assert complaint.status == Status.ASSIGNED and complaint.escalation_count == 1
        defaults = Defaulter.objects.filter(complaint=complaint)
        assert defaults.count() == 1 and defaults.get().post_id == tehsildar.pk
        assert complaint.events.count() == complaint.version == 3
    assert not Complaint.objects.filter(
        status=Status.ASSIGNED, defaulted=False, due_at__lte=timezone.now()
    ).exists()


def test_two_sweeps_at_once_escalate_each_complaint_once(agent):
    complaints = overdue_complaints(agent, 30)
    clock.advance(dt.timedelta(days=10))  # the clock is per process: both threads see it
    now = clock.now()
    results = run_together(lambda: services.sweep(now), lambda: services.sweep(now))
    assert all(kind == "ok" for kind, _value in results), results
    reports = [value for _kind, value in results]
    print("escalated by each sweep:", [r.escalated for r in reports])
    assert sum(r.escalated for r in reports) == 30, reports
    assert sum(r.defaulted for r in reports) == 0
    clock.reset()
    assert_escalated_once(complaints)
    assert Defaulter.objects.count() == 30
    # The DM's officer was told about each escalation exactly once.
    dm_officer = Officer.objects.get(pk=officer_actor(DM).officer_id)
    assert (
        OutboxMessage.objects.filter(key="escalated_officer", mobile=dm_officer.mobile).count()
        == 30
    )


def test_sweep_racing_the_officer_acts_once_per_complaint(agent):
    """While the sweep escalates overdue complaints, the tehsildar files ATRs on the same ones:
    each complaint ends either escalated (and the late ATR refused) or disposed (and skipped by
    the sweep), never both, and its timeline stays whole."""
    complaints = overdue_complaints(agent, 20)
    tehsildar = officer_actor(TEHSILDAR)
    clock.advance(dt.timedelta(days=10))
    now = clock.now()

    def file_reports():
        refused = []
        for complaint in reversed(complaints):  # from the other end of the sweep's order
            try:
                services.submit_atr(
                    tehsildar, complaint.reference, disposal="resolved", report=REPORT
                )
            except (Conflict, InvalidTransition, NotPermitted) as error:
                assert error.message.strip()
                refused.append(complaint.reference)
        return refused

    results = run_together(lambda: services.sweep(now), file_reports)
    assert all(kind == "ok" for kind, _value in results), results
    report, refused = results[0][1], results[1][1]
    clock.reset()
    escalated = disposed = 0
    for complaint in complaints:
        complaint.refresh_from_db()
        actions = Counter(complaint.events.values_list("action", flat=True))
        assert actions[Action.ESCALATE] + actions[Action.SUBMIT_ATR] == 1, (complaint, actions)
        assert complaint.events.count() == complaint.version == 3
        if actions[Action.ESCALATE]:
            escalated += 1
            assert complaint.status == Status.ASSIGNED and complaint.current_post.code == DM
            assert complaint.reference in refused
        else:
            disposed += 1
            assert complaint.status == Status.AWAITING_VERIFICATION
            assert complaint.current_post.code == TEHSILDAR
    print("escalated:", escalated, "disposed:", disposed)
    assert report.escalated == escalated == Defaulter.objects.count()
    assert len(refused) == escalated


# ---------------------------------------------------------------- (c) registrations at once


def test_concurrent_registrations_get_distinct_valid_references(agent):
    threads, per_thread = 4, 10

    def register_batch():
        return [new_complaint(agent, mobile=fresh_mobile()).reference for _ in range(per_thread)]

    results = run_together(*[register_batch] * threads)
    assert all(kind == "ok" for kind, _value in results), results
    refs = [ref for _kind, batch in results for ref in batch]
    assert len(refs) == len(set(refs)) == threads * per_thread
    assert all(reference.is_valid(ref) for ref in refs)
    assert Complaint.objects.filter(reference__in=refs).count() == threads * per_thread
    # Each was registered and routed to the tehsildar: two events, version 2.
    assert Event.objects.filter(complaint__reference__in=refs).count() == 2 * len(refs)
    assert not Complaint.objects.filter(reference__in=refs).exclude(version=2).exists()
    assert Event.objects.filter(
        complaint__reference__in=refs, action=Action.REGISTER
    ).count() == len(refs)


def test_double_taps_cannot_pass_the_monthly_cap(agent):
    """Twelve registrations from one mobile at the same moment: the cap (10 a month) holds and
    the rest are told why."""
    cap = settings.IGRS_MONTHLY_CAP_PER_MOBILE
    mobile = fresh_mobile()
    attempts = cap + 2
    results = run_together(*[lambda: new_complaint(agent, mobile=mobile)] * attempts)
    errors = [value for kind, value in results if kind == "error"]
    assert all(isinstance(e, LimitReached) and e.message for e in errors), errors
    assert Complaint.objects.filter(mobile=mobile).count() == cap == attempts - len(errors)


# ---------------------------------------------------------------- SMS workers


def test_four_sms_workers_send_each_message_once(reseeded, settings, tmp_path):
    """Four workers draining one outbox at once: every message leaves exactly once."""
    from igrs.notifications.services import deliver_pending, queue_sms, save_outbox

    settings.IGRS_SMS_FILE = str(tmp_path / "sms.log")
    settings.IGRS_SMS_RATE = 0
    save_outbox(
        [
            queue_sms(f"+9198{n:08d}", "otp_citizen", "hi", {"otp": n, "minutes": 5})
            for n in range(400)
        ]
    )

    def drain() -> int:
        sent = 0
        while batch := deliver_pending(batch=7):
            sent += batch
        return sent

    results = run_together(*[drain] * 4)
    assert all(kind == "ok" for kind, _ in results), results
    assert sum(sent for _, sent in results) == 400
    lines = [json.loads(line) for line in (tmp_path / "sms.log").read_text().splitlines()]
    assert Counter(line["outbox_id"] for line in lines) == Counter(
        OutboxMessage.objects.values_list("pk", flat=True)
    )  # each id once, none missing


# ---------------------------------------------------------------- (d) two sweeps, processes

SWEEP_PROCESS = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
import django
django.setup()
from django.db import connection
connection.ensure_connection()
import igrs.grievances.services  # noqa: F401 - everything loaded before the start signal
print("ready", flush=True)
sys.stdin.readline()
sys.argv = ["igrs", "sweep"]
from igrs.cli import main
main()
"""


def test_two_sweep_processes_escalate_each_complaint_once(agent, tmp_path):
    """`igrs sweep` in two OS processes at once, on the real clock: the complaints are made
    overdue by moving their due dates into the past."""
    complaints = overdue_complaints(agent, 40)
    past = timezone.now() - dt.timedelta(hours=1)
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(due_at=past, remind_at=None)
    env = {
        **os.environ,
        "IGRS_DATABASE_URL": database_url(),
        "IGRS_VAR_DIR": str(tmp_path),
        "IGRS_DB_CONN_MAX_AGE": "0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SWEEP_PROCESS],
            env=env,
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
        for process in processes:  # the start signal, to both as close together as can be
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=JOIN_TIMEOUT) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    escalated = []
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        print("igrs sweep:", out.strip())
        escalated.append(int(re.search(r"\d+", out).group()))  # "escalated: N, …", translated
    assert sum(escalated) == 40, outputs
    assert_escalated_once(complaints)
    assert Defaulter.objects.count() == 40


def test_a_form_submitted_four_times_at_once_files_one_complaint(agent, settings):
    # Even at the monthly cap, the copies find the first complaint instead of being refused.
    settings.IGRS_MONTHLY_CAP_PER_MOBILE = 1
    fields = _portal_fields()
    key = uuid.uuid4()
    new = services.NewComplaint(source="portal", mobile="+919876543210", **fields)
    results = run_together(*[lambda: file_complaint("+919876543210", key, new)] * 4)
    assert [kind for kind, _value in results] == ["ok"] * 4, results
    assert {value[0].pk for _kind, value in results} == {Complaint.objects.get().pk}
    assert sorted(created for _kind, (_c, created) in results) == [False, False, False, True]


def test_a_reminder_tapped_four_times_at_once_is_sent_once(agent):
    complaint = new_complaint(agent, mobile="9876543210")
    citizen = Actor(Role.CITIZEN, mobile="+919876543210")
    results = run_together(*[lambda: services.remind(citizen, complaint.reference)] * 4)
    assert Counter(kind for kind, _value in results) == {"ok": 1, "error": 3}
    assert all(isinstance(v, LimitReached) for kind, v in results if kind == "error")
    assert complaint.events.filter(action=Action.REMIND).count() == 1
    assert OutboxMessage.objects.filter(key="citizen_reminder_officer").count() == 1


def test_one_otp_entered_in_two_tabs_at_once_signs_in_one(agent):
    sent = send_otp("9876543210", "127.0.0.1", "hi")
    code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(key="otp_citizen").body).group(1)
    results = run_together(*[lambda: check_otp("+919876543210", sent.code_id, code)] * 2)
    assert Counter(kind for kind, _value in results) == {"ok": 1, "error": 1}


def test_parallel_wrong_guesses_cannot_outrun_the_otp_attempt_limit(agent, settings):
    settings.IGRS_OTP_MAX_ATTEMPTS = 5
    sent = send_otp("9876543210", "127.0.0.1", "hi")
    code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(key="otp_citizen").body).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    results = run_together(*[lambda: check_otp("+919876543210", sent.code_id, wrong)] * 12)
    assert all(kind == "error" for kind, _value in results)
    assert OneTimePassword.objects.get().attempts == 5
    with pytest.raises(LimitReached):
        check_otp("+919876543210", sent.code_id, code)


def test_parallel_otp_requests_cannot_outrun_the_per_mobile_limit(agent, settings):
    settings.IGRS_OTP_PER_MOBILE_PER_HOUR = 3
    # The smaller budgets of one mobile from one address would stop them first.
    settings.IGRS_OTP_PER_MOBILE_SOURCE_PER_HOUR = settings.IGRS_OTP_PER_MOBILE_SOURCE_PER_DAY = 10
    results = run_together(*[lambda: send_otp("9876543210", "127.0.0.1", "hi")] * 10)
    assert Counter(kind for kind, _value in results) == {"ok": 3, "error": 7}
    assert OutboxMessage.objects.filter(key="otp_citizen").count() == 3


def _portal_fields() -> dict:
    return {
        "complainant_name": "सीता देवी",
        "category_id": Category.objects.get(code="REV-LAND").pk,
        "place_id": Unit.objects.get(code=LUCKNOW_SADAR).pk,
        "description": "पड़ोसी ने मेरे खेत पर अवैध कब्ज़ा कर लिया है।",
    }


def test_twenty_agents_claim_a_thousand_calls_each_exactly_once(agent):
    """The outbound queue under load: 20 agents press "next call" and record "satisfied" as
    fast as they can, in parallel, until the queue is empty."""
    due = clock.now() - dt.timedelta(hours=1)
    template = register_many(agent, 1)[0]
    tehsildar = post(TEHSILDAR)
    Complaint.objects.bulk_create(
        Complaint(
            reference=reference.make(2026, 50_000_000 + i),
            source="helpline",
            complainant_name="राम",
            mobile=fresh_mobile(),
            category_id=template.category_id,
            place_id=template.place_id,
            description=template.description,
            status=Status.AWAITING_VERIFICATION,
            current_post=tehsildar,
            accountable_post=tehsildar,
            level=1,
            disposal="resolved",
            verify_after=due,
            created_at=due,
            updated_at=due,
            version=3,
        )
        for i in range(1000)
    )
    agents = [
        Actor(Role.AGENT, user_id=User.objects.create_user(f"agent-{i}").pk) for i in range(20)
    ]

    def work(me: Actor) -> list[int]:
        taken = []
        while (complaint := services.claim_next_verification(me)) is not None:
            taken.append(complaint.pk)
            services.verify(me, complaint.reference, outcome="satisfied")
        return taken

    results = run_together(*[lambda me=me: work(me) for me in agents])
    assert all(kind == "ok" for kind, _value in results), results
    claimed = [pk for _kind, taken in results for pk in taken]
    assert len(claimed) == len(set(claimed)) == 1000
    assert sum(1 for _kind, taken in results if taken) > 1  # the work was really shared
    assert not Complaint.objects.filter(status=Status.AWAITING_VERIFICATION).exists()
    assert Event.objects.filter(action=Action.VERIFY_SATISFIED).count() == 1000


def test_a_double_click_on_next_call_takes_one_call(agent):
    due = [
        services.submit_atr(
            officer_actor(TEHSILDAR), c.reference, disposal="resolved", report=REPORT
        )
        for c in register_many(agent, 3)
    ]
    asha = Actor(Role.AGENT, user_id=User.objects.create_user("asha").pk)
    results = run_together(*[lambda: services.claim_next_verification(asha)] * 4)
    taken = {value.pk for kind, value in results if kind == "ok"}
    longest_due = min(due, key=lambda c: (c.verify_after, c.pk))
    assert taken == {longest_due.pk}, results  # the four clicks got the same, oldest call
    assert Complaint.objects.filter(verification_agent_id=asha.user_id).count() == 1


def test_supervisors_claiming_audits_at_once_never_share_one(agent):
    """The audit queue under load: 8 supervisors press "next audit call" and record it as fast
    as they can, in parallel, until the queue is empty; no call reaches two of them."""
    closed = clock.now() - dt.timedelta(hours=1)
    template = register_many(agent, 1)[0]
    tehsildar = post(TEHSILDAR)
    complaints = Complaint.objects.bulk_create(
        Complaint(
            reference=reference.make(2026, 60_000_000 + i),
            source="helpline",
            complainant_name="राम",
            mobile=fresh_mobile(),
            category_id=template.category_id,
            place_id=template.place_id,
            description=template.description,
            status=Status.CLOSED,
            current_post=tehsildar,
            accountable_post=tehsildar,
            level=1,
            disposal="resolved",
            closed_at=closed,
            created_at=closed,
            updated_at=closed,
            version=4,
        )
        for i in range(200)
    )
    AuditCall.objects.bulk_create(AuditCall(complaint=c, sampled_at=closed) for c in complaints)
    supervisors = [
        Actor(Role.AGENT, user_id=User.objects.create_user(f"supervisor-{i}").pk) for i in range(8)
    ]

    def work(me: Actor) -> list[int]:
        taken = []
        while (audit := callcentre.claim_next_audit(me)) is not None:
            taken.append(audit.pk)
            callcentre.record_audit(me, audit.pk, outcome=AuditOutcome.CONFIRMED)
        return taken

    results = run_together(*[lambda me=me: work(me) for me in supervisors])
    assert all(kind == "ok" for kind, _value in results), results
    claimed = [pk for _kind, taken in results for pk in taken]
    assert len(claimed) == len(set(claimed)) == 200
    assert sum(1 for _kind, taken in results if taken) > 1  # the work was really shared
    taker = {
        pk: me.user_id
        for me, (_kind, taken) in zip(supervisors, results, strict=True)
        for pk in taken
    }
    assert dict(AuditCall.objects.values_list("pk", "claimed_by_id")) == taker
    assert not AuditCall.objects.filter(done_at__isnull=True).exists()
