"""The demo's past: a few thousand complaints lived through the real grievance services over
the last months up to the start of today, so that the dashboard, rankings, defaulters,
inboxes and the desk show a running system.

Every step goes through `igrs.grievances.services` with the services' clock set to the
step's moment (igrs.core.clock, as the tests move it), and the sweep runs every six
simulated hours, escalating and marking defaulters when time limits pass. What is faster
than the live system is only the bookkeeping around it: the whole history is one transaction
(each action keeps its own savepoint, version check and outbox rows), so an interrupted one
leaves nothing behind, and its SMS are recorded as sent at the time they were due instead of
being written to the SMS log (see `_record_sms_as_sent`). The worker's own roll-up then
brings the dashboard's summaries up to date."""

import datetime as dt
import time
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.directory.models import Posting
from igrs.grievances.models import Complaint, Event, Status
from igrs.monitoring.services import roll_up
from igrs.notifications.models import OutboxMessage, OutboxStatus

from .lives import Life, World
from .plan import FATE_NAMES, plan

__all__ = ["FATE_NAMES", "History", "Example", "examples", "fresh", "generate"]


@dataclass(frozen=True)
class History:
    fates: dict[str, str]  # reference → the fate it was planned to live
    events: int
    sms: int
    seconds: float


def fresh() -> bool:
    """No complaint yet: a history may be made (never on top of real or earlier ones)."""
    return not Complaint.objects.exists()


def generate(n: int, seed: int = 1, days: float = 90, end: dt.datetime | None = None) -> History:
    """n complaints over the `days` days up to `end` (by default the start of today, so that
    a demo started at any hour of a day gets the same history and reference numbers; today
    is the demo user's), at most since the demo officers took their posts, planned from
    `seed`. Needs the seeded directory, the demo's agent and desk logins, and a database
    without complaints; raises ValueError otherwise."""
    if not fresh():
        raise ValueError(_("The database already has complaints; a history is made only once."))
    started = time.perf_counter()
    end = end or _start_of_today()
    world = World(end, _user_id("agent"), _user_id("desk"))
    lives = [Life(world, p) for p in plan(n, seed, _span(days, end))]
    with transaction.atomic():  # whole or not at all: an interrupted history leaves none
        world.live(lives)
        sms = _record_sms_as_sent(end)
        while roll_up():
            pass
    return History(
        fates={life.ref: life.plan.fate for life in lives},
        events=Event.objects.count(),
        sms=sms,
        seconds=time.perf_counter() - started,
    )


def _user_id(username: str) -> int:
    found = User.objects.filter(username=username).values_list("pk", flat=True).first()
    if found is None:
        raise ValueError(
            _("The demo login “%(username)s” is missing; run `igrs seed --demo-accounts`.")
            % {"username": username}
        )
    return found


def _start_of_today() -> dt.datetime:
    return clock.local(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)


def _span(days: float, end: dt.datetime) -> float:
    """Days back from the end in which every demo officer already held their post."""
    since = Posting.objects.filter(end__isnull=True).aggregate(latest=Max("start"))["latest"]
    if since is None:
        raise ValueError(_("No officers are posted; run `igrs seed` with its demo officers."))
    held = (clock.local_date(end) - since).days - 1
    if held < 1:
        raise ValueError(_("The demo officers took their posts today: there is no past yet."))
    return min(days, held)


def _record_sms_as_sent(until: dt.datetime) -> int:
    """The history's SMS as the demo's console gateway would have left them: sent when they
    were due, values cleared. Sending them now would write thousands of stale lines to the
    SMS log and hold up the demo's live SMS (its OTPs) behind them for minutes. Messages due
    after the end (quiet hours) stay queued for the worker."""
    return OutboxMessage.objects.filter(
        status=OutboxStatus.QUEUED, next_attempt_at__lte=until
    ).update(status=OutboxStatus.SENT, sent_at=F("next_attempt_at"), attempts=1, context={})


@dataclass(frozen=True)
class Example:
    reference: str
    mobile: str
    status: str
    level: int


def examples() -> list[Example]:
    """A few complaints to look up on /track/ (with their mobile): one waiting for the
    complainant's feedback, one escalated past its time limit, one closed satisfied —
    of Lucknow Sadar's tehsildar (a demo login) where there are such."""
    wanted = (
        {"status": Status.AWAITING_VERIFICATION},
        {"status": Status.ASSIGNED, "escalation_count__gt": 0},
        {"status": Status.CLOSED, "closure_kind": "satisfied"},
    )
    found = []
    for where in wanted:
        rows = Complaint.objects.filter(**where).order_by("pk")
        complaint = rows.filter(place__code__startswith=LUCKNOW_SADAR).first() or rows.first()
        if complaint is not None:
            found.append(
                Example(complaint.reference, complaint.mobile, complaint.status, complaint.level)
            )
    return found


LUCKNOW_SADAR = "UP-LUCKNOW-T-SADAR"
