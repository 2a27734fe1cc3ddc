"""The supervisor's live board: today's calls and registrations by hour (IST), the verification
backlog by age, per-agent counts; and the worker's round that fills the audit queue.

The clock is moved to a known IST hour first, so nothing depends on when the suite runs."""

import datetime as dt
import signal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from igrs.callcentre import selectors
from igrs.callcentre import services as callcentre
from igrs.callcentre.models import AuditCall
from igrs.callcentre.views import CHART_HEIGHT
from igrs.core import clock
from igrs.core.accounts import grant_role
from igrs.core.roles import Role
from igrs.grievances import services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint

from .conftest import TEHSILDAR, at_ist, new_complaint, officer_actor
from .pages import table_rows, text_of

REPORT = "लेखपाल ने कब्ज़ा हटवा दिया है।"


def agent_named(username: str, *roles: str) -> Actor:
    user = User.objects.create_user(username, password="demo")
    for role in ("agent", *roles):
        grant_role(user, role)
    return Actor(Role.AGENT, user_id=user.pk)


def call(
    call_id: str,
    agent: str,
    offered: dt.datetime,
    answered: dt.datetime | None = None,
    direction: str = "inbound",
) -> None:
    callcentre.record_call_event(
        call_id=call_id,
        event="offered",
        agent=agent,
        ani="9812345678",
        direction=direction,
        at=offered,
    )
    if answered:
        callcentre.record_call_event(
            call_id=call_id,
            event="answered",
            agent=agent,
            ani="9812345678",
            direction=direction,
            at=answered,
        )


def disposed(actor: Actor, mobile: str) -> Complaint:
    complaint = new_complaint(actor, mobile=mobile)
    return services.submit_atr(
        officer_actor(TEHSILDAR), complaint.reference, disposal="resolved", report=REPORT
    )


def board(client) -> str:
    response = client.get("/callcentre/supervisor/")
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- today by hour and per agent


def a_day_at_the_helpline() -> None:
    """Yesterday late evening, then this morning at 09:10 and 11:20 IST."""
    late = at_ist(23, 40)
    agents = {name: agent_named(name) for name in ("asha", "bina", "chitra", "dev")}
    call("y-1", "dev", late, late + dt.timedelta(minutes=1))
    new_complaint(agents["dev"], mobile="9800000001")  # yesterday: not today's
    # Offered before midnight, answered after: a call bina answered today.
    call("y-2", "bina", late + dt.timedelta(minutes=15), late + dt.timedelta(minutes=25))

    nine = at_ist(9, 10)
    call("c-1", "asha", nine, nine + dt.timedelta(seconds=5))
    call("c-2", "asha", nine)  # rang out unanswered
    new_complaint(agents["asha"], mobile="9800000002")
    # The dialer's outbound call: answered by chitra, but not load offered to the helpline.
    call("o-1", "chitra", nine, nine + dt.timedelta(seconds=20), direction="outbound")

    eleven = at_ist(11, 20)
    for i in (3, 4):
        call(f"c-{i}", "bina", eleven - dt.timedelta(minutes=5), eleven)
    call("c-5", "bina", eleven)
    first = disposed(agents["bina"], "9800000003")
    second = new_complaint(agents["bina"], mobile="9800000004")
    services.verify(agents["bina"], first.reference, outcome="satisfied")
    services.add_note(agents["bina"], second.reference, note="नागरिक ने फिर फ़ोन किया।")


def supervisor_signed_in(client) -> None:
    client.force_login(User.objects.get(pk=agent_named("sunita", "supervisor").user_id))


def test_the_board_counts_each_hour_and_each_agent_of_today_only(client, db):
    a_day_at_the_helpline()
    supervisor_signed_in(client)  # who did nothing today: no row for her
    html = board(client)

    expected = {hour: ["0", "0"] for hour in range(24)}
    expected[9], expected[11] = ["2", "1"], ["3", "2"]
    assert table_rows(html, "by-hour-table") == [
        [f"{hour}:00", *counts] for hour, counts in expected.items()
    ]
    assert table_rows(html, "agents") == [
        # agent, calls answered, registered, verification outcomes, other steps
        ["asha", "1", "1", "0", "0"],
        ["bina", "3", "2", "1", "1"],
        ["chitra", "1", "0", "0", "0"],
    ]
    [outcome] = table_rows(html, "outcomes")
    assert outcome[1:] == ["1", "0", "0"]
    assert "11:20:" in text_of(html, "updated")


def test_the_chart_draws_both_series_on_one_scale(client, db):
    a_day_at_the_helpline()
    supervisor_signed_in(client)
    html = board(client)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'aria-labelledby="chart-title"' in svg and '<desc id="chart-desc">' in svg
    # 11:00 has the most calls (3): that bar is the full height; its 2 complaints, 2/3 of it.
    full, two_thirds = CHART_HEIGHT, round(CHART_HEIGHT * 2 / 3)
    assert f'y="0" width="9" height="{full}" fill="#0b3d91"><title>11:00' in svg
    assert (
        f'y="{full - two_thirds}" width="9" height="{two_thirds}" fill="#1a7f37"><title>11:00'
    ) in svg
    assert svg.count('fill="#0b3d91"><title>') == svg.count('fill="#1a7f37"><title>') == 24
    assert text_of(svg, "chart-peak") == "3"  # the axis top is labelled with the peak
    assert text_of(svg, "chart-title")


def test_midnight_is_ist_midnight(db):
    """A call at 00:10 IST is today's hour 0, and one at 23:50 IST yesterday is not counted,
    whatever UTC says (it is 18:40 the day before)."""
    agent_named("asha")
    late = at_ist(23, 50)
    call("late", "asha", late, late)
    just_after = at_ist(0, 10)
    call("early", "asha", just_after, just_after)
    today = selectors.today_counts()
    assert clock.local(today.start).hour == 0 and today.start.date() == just_after.date()
    assert [(h.hour, h.calls) for h in today.hours if h.calls] == [(0, 1)]
    assert [(row.username, row.answered) for row in today.per_agent] == [("asha", 1)]


# ---------------------------------------------------------------- the verification backlog


def test_the_backlog_is_banded_by_how_long_past_due(client, db):
    sunita = agent_named("sunita", "supervisor")
    client.force_login(User.objects.get(pk=sunita.user_id))
    now = at_ist(14, 0)
    past_due = {
        "9800000101": dt.timedelta(minutes=30),
        "9800000102": dt.timedelta(hours=1),
        "9800000103": dt.timedelta(hours=5),
        "9800000104": dt.timedelta(days=2),
        "9800000105": dt.timedelta(days=4),
        "9800000106": dt.timedelta(days=9),
        "9800000107": -dt.timedelta(hours=2),
    }  # a call-back later today: not due
    for mobile, late in past_due.items():
        complaint = disposed(sunita, mobile)
        Complaint.objects.filter(pk=complaint.pk).update(verify_after=now - late)
    backlog = selectors.verification_backlog()
    assert (backlog.waiting, backlog.due_now) == (7, 6)
    assert [band.count for band in backlog.overdue] == [1, 2, 1, 2]
    assert backlog.oldest_due == now - dt.timedelta(days=9)

    html = board(client)
    assert [count for _label, count in table_rows(html, "backlog-age")] == ["1", "2", "1", "2"]
    assert (text_of(html, "backlog-waiting"), text_of(html, "backlog-due")) == ("7", "6")
    oldest = clock.local(now - dt.timedelta(days=9))
    assert text_of(html, "backlog-oldest").startswith(f"{oldest:%d-%m-%Y %H:%M}")


def test_the_backlog_is_one_query_on_the_queues_partial_index(db):
    sunita = agent_named("sunita")
    disposed(sunita, "9800000201")
    with CaptureQueriesContext(connection) as queries:
        selectors.verification_backlog()
    [query] = queries.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + query["sql"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "complaint_verification_due" in plan, plan


def test_the_board_updates_itself_every_minute_and_can_be_paused(client, db):
    sunita = agent_named("sunita", "supervisor")
    client.force_login(User.objects.get(pk=sunita.user_id))
    at_ist(16, 45)
    html = board(client)
    assert "16:45:" in text_of(html, "updated")
    assert 'id="pause-updates" aria-pressed="false"' in html
    assert "callcentre/supervisor.js" in html  # the browser test runs it


# ---------------------------------------------------------------- the worker fills the audits


@pytest.fixture
def signal_handlers():
    """The worker takes over SIGTERM and SIGINT to stop cleanly: give them back after."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_the_workers_round_samples_the_call_centres_closures_for_audit(
    reseeded, settings, signal_handlers
):
    """Transactional: each round closes a connection it finds inside a transaction, which is
    where the plain `db` fixture keeps the test's."""
    settings.IGRS_AUDIT_SHARE_PERCENT = 100
    complaint = disposed(agent_named("bina"), "9800000301")
    services.verify(agent_named("asha"), complaint.reference, outcome="satisfied")
    assert not AuditCall.objects.exists()
    call_command("worker", once=True)
    assert list(AuditCall.objects.values_list("complaint_id", flat=True)) == [complaint.pk]
