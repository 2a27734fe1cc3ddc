"""`igrs demo`'s history: months of complaints lived through the real grievance services, so
that every screen of a fresh demo shows a running system. Each complaint is planned to end in
one stage; the database must show it there, reached by the steps that lead to it."""

import datetime as dt
import gettext
import io
import itertools
import socket
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone

import igrs.ops
from igrs.core import clock
from igrs.directory import selectors as directory
from igrs.grievances import services
from igrs.grievances.models import Action, Complaint, Defaulter, Event, Status
from igrs.monitoring.models import DailyTally, LostMark, Pendency, PlaceTally, RollupCursor, Stay
from igrs.monitoring.services import roll_up
from igrs.notifications.models import OutboxMessage, OutboxStatus
from igrs.ops import history
from igrs.ops.demo import seed_demo_accounts
from igrs.ops.history.plan import plan

from .test_i18n import po_entries

N = 200
A = Action


def closed(kind: str, level: int | None = None):
    return lambda c, steps: (
        c.status == Status.CLOSED and c.closure_kind == kind and (level is None or c.level == level)
    )


def both(*checks):
    return lambda c, steps: all(check(c, steps) for check in checks)


def took(*actions):
    return lambda c, steps: set(actions) <= steps


def at(status: str, level: int):
    return lambda c, steps: c.status == status and c.level == level


def with_the_desk(c, steps) -> bool:
    return directory.is_desk(c.current_post_id)


def to_desk(c) -> bool:
    return directory.get_category(c.category_id).to_desk


# Where each fate must leave its complaint, and by which steps.
STAGES = {
    "with_desk": both(at(Status.REGISTERED, 2), with_the_desk),  # the district's desk
    "returned": both(at(Status.RETURNED, 2), with_the_desk, took(A.RETURN)),
    "in_time": both(at(Status.ASSIGNED, 1), lambda c, s: c.due_at > clock.now()),
    "overdue_l2": both(at(Status.ASSIGNED, 2), took(A.ESCALATE)),
    "defaulted_top": both(
        at(Status.ASSIGNED, 3), took(A.ESCALATE, A.MARK_DEFAULTER), lambda c, s: c.defaulted
    ),
    "closure_proposed": at(Status.CLOSURE_PROPOSED, 1),
    "awaiting_verification": both(at(Status.AWAITING_VERIFICATION, 1), took(A.SUBMIT_ATR)),
    "open_at_l2": both(at(Status.ASSIGNED, 2), took(A.VERIFY_NOT_SATISFIED)),
    "reopened": both(lambda c, s: c.status == Status.ASSIGNED, took(A.REOPEN)),
    "closed_satisfied": closed("satisfied", level=1),
    "closed_after_l2": both(closed("satisfied", level=2), took(A.VERIFY_NOT_SATISFIED)),
    "reopened_closed": both(closed("satisfied"), took(A.REOPEN)),
    "special_closure": both(closed("special"), took(A.PROPOSE_CLOSURE, A.APPROVE_CLOSURE)),
    "closure_rejected": both(closed("satisfied"), took(A.REJECT_CLOSURE)),
    "unverified": both(closed("unverified"), took(A.VERIFY_UNREACHABLE), lambda c, s: c.flagged),
    "escalated_closed": both(
        closed("satisfied", level=2), took(A.ESCALATE, A.FORWARD_DOWN, A.SUBORDINATE_REPORT)
    ),
    "graded_c": both(closed("satisfied"), took(A.GRADE)),
    "misrouted_forwarded": both(closed("satisfied"), took(A.RETURN, A.FORWARD)),
    "closed_final": both(closed("final", level=3), took(A.VERIFY_NOT_SATISFIED)),
    "sorted_by_desk": both(closed("satisfied"), took(A.FORWARD), lambda c, s: not to_desk(c)),
    "returned_to_citizen": both(closed("returned_to_citizen"), took(A.RETURN_TO_CITIZEN)),
}


def test_the_same_seed_and_end_make_the_same_history(db):
    seed_demo_accounts()
    assert plan(N, 5, 90) == plan(N, 5, 90) != plan(N, 6, 90)
    end = clock.now().replace(microsecond=0)
    runs = []
    for _ in range(2):
        with transaction.atomic():
            made = history.generate(60, seed=5, end=end)
            runs.append(
                [
                    (
                        made.fates[c.reference],
                        c.status,
                        c.level,
                        c.closure_kind,
                        # The services' clock runs on by the real time a step takes (a
                        # photo is re-encoded at upload): the same minute, not second.
                        round(c.created_at.timestamp() / 60),
                        c.events.count(),
                    )
                    for c in Complaint.objects.order_by("created_at")
                ]
            )
            transaction.set_rollback(True)
    assert runs[0] == runs[1] and len(runs[0]) == 60


def test_an_interrupted_history_leaves_nothing_behind(db, monkeypatch):
    """Ctrl-C while it is made: the next `igrs demo` finds an empty database and makes it."""
    seed_demo_accounts()
    calls, verify = itertools.count(), services.verify

    def interrupted_after_a_while(*args, **kwargs):
        if next(calls) == 25:
            raise RuntimeError("interrupted")
        return verify(*args, **kwargs)

    monkeypatch.setattr(services, "verify", interrupted_after_a_while)
    with pytest.raises(RuntimeError):
        history.generate(80, seed=3)
    assert next(calls) > 25  # it was well under way
    assert history.fresh() and not OutboxMessage.objects.exists()
    assert abs(clock.now() - timezone.now()) < dt.timedelta(seconds=1)  # the clock is back


def test_a_history_needs_the_demo_logins(db):
    with pytest.raises(ValueError, match="agent"):
        history.generate(10)
    assert not Complaint.objects.exists()


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_demo_prints_the_logins_and_example_complaints(db, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    shown = run("demo", no_serve=True, history=40, bind="127.0.0.1:8123")
    assert Complaint.objects.count() == 40
    for login, page in [("desk", "/monitoring/"), ("agent", "/callcentre/"), ("dm", "/officer/")]:
        assert f"http://127.0.0.1:8123{page}" in shown and login in shown
    refs = [e.reference for e in history.examples()]
    assert refs and all(ref in shown for ref in refs)
    again = run("demo", no_serve=True, history=40, bind="127.0.0.1:8123")
    assert Complaint.objects.count() == 40  # never a second history
    assert all(ref in again for ref in refs)


def test_demo_refuses_a_busy_address_before_preparing_anything(db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"127.0.0.1:{port}"):
            run("demo", history=10, bind=f"127.0.0.1:{port}")
    assert not Complaint.objects.exists()
    with pytest.raises(CommandError, match="127.0.0.1:80x"):
        run("demo", history=10, bind="127.0.0.1:80x")
    with pytest.raises(CommandError, match="--history"):
        run("demo", no_serve=True, history=-1)


def test_the_ops_catalogues_are_complete_and_compiled():
    locale = Path(igrs.ops.__file__).parent / "locale"
    for language in ("hi", "en"):
        entries = po_entries(locale / language / "LC_MESSAGES" / "django.po")
        assert len(entries) > 15 and all(e.complete for e in entries)
        with open(locale / language / "LC_MESSAGES" / "django.mo", "rb") as compiled:
            catalogue = gettext.GNUTranslations(compiled)
        assert [e.msgid for e in entries if catalogue.gettext(e.msgid) != e.msgstrs[0]] == []


# ---------------------------------------------------------------- one history, read by many
# These come last in the module: the history stays (in a transaction rolled back at the end
# of the module) from the first of them on.


@pytest.fixture(scope="module")
def made(django_db_setup, django_db_blocker, tmp_path_factory):
    """One history for the tests that only read it; each of them runs in its own savepoint
    inside this transaction."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        seed_demo_accounts()
        yield history.generate(N, seed=7)
        transaction.set_rollback(True)


def steps_of(ref: str) -> set[str]:
    return set(Event.objects.filter(complaint__reference=ref).values_list("action", flat=True))


def test_every_complaint_ends_in_its_planned_stage_by_the_real_steps(db, made):
    assert set(STAGES) == set(history.FATE_NAMES)
    assert len(made.fates) == N == Complaint.objects.count()
    fates = Counter(made.fates.values())
    assert set(fates) == set(history.FATE_NAMES)  # every stage, even in a small history
    complaints = {c.reference: c for c in Complaint.objects.all()}
    wrong = [
        (ref, fate, complaints[ref].status, complaints[ref].level)
        for ref, fate in made.fates.items()
        if not STAGES[fate](complaints[ref], steps_of(ref))
    ]
    assert wrong == []
    assert fates["closed_satisfied"] > fates["in_time"] > fates["with_desk"]


def test_the_history_spreads_over_districts_and_months_and_stays_in_the_past(db, made):
    rows = Complaint.objects.all()
    districts = {directory.district_of(c.place_id) for c in rows}
    assert len(districts) >= 5
    first = min(c.created_at for c in rows)
    assert clock.now() - first > dt.timedelta(days=60)
    assert Event.objects.aggregate(last=Max("at"))["last"] <= clock.now()
    # Places are of the kind the category's department serves first, so routing finds posts.
    for c in rows:
        department = directory.get_category(c.category_id).department
        assert directory.get_unit(c.place_id).kind == department.l1_unit_kind
    # The sweep found the overdue ones: the defaulter register has them.
    assert Defaulter.objects.count() >= Counter(made.fates.values())["defaulted_top"] * 3


def test_the_dashboard_summaries_are_rolled_up_and_the_screens_show_them(db, made, client):
    for summary in (Pendency, DailyTally, Stay, PlaceTally, LostMark):
        assert summary.objects.exists(), summary.__name__
    assert RollupCursor.objects.get().last_event_id == Event.objects.aggregate(m=Max("pk"))["m"]
    assert roll_up() == 0  # nothing left for the worker
    open_places = Complaint.objects.exclude(status=Status.CLOSED).values_list("place", flat=True)
    districts = Counter(directory.district_of(place) for place in open_places)
    division = directory.get_unit(districts.most_common(1)[0][0]).parent
    client.force_login(User.objects.get(username="desk"))
    state = client.get("/monitoring/", follow=True)
    assert state.status_code == 200 and division.name_hi in state.content.decode()
    for page in ("/monitoring/ranking/", "/monitoring/defaulters/", "/monitoring/quality/"):
        assert client.get(page).status_code == 200, page


def test_the_history_sms_are_recorded_as_sent_not_left_for_the_worker(db, made):
    """Thousands of stale SMS would hold up the demo's live ones (its OTPs) for minutes."""
    assert made.sms == OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() > N
    assert not OutboxMessage.objects.filter(
        status=OutboxStatus.QUEUED, next_attempt_at__lt=clock.now() - dt.timedelta(minutes=5)
    ).exists()


def test_the_printed_examples_are_found_on_the_tracking_page(db, made, client):
    examples = history.examples()
    assert [e.status for e in examples] == [
        Status.AWAITING_VERIFICATION,
        Status.ASSIGNED,
        Status.CLOSED,
    ]
    for example in examples:
        response = client.post(
            "/track/", {"reference": example.reference, "mobile": example.mobile[-10:]}
        )
        assert response.status_code == 302
        assert response["Location"].endswith(f"/track/{example.reference}/")


def test_a_history_is_made_once_and_never_over_existing_complaints(db, made):
    with pytest.raises(ValueError):
        history.generate(10)
    assert Complaint.objects.count() == N
