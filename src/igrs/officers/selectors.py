"""Reads for the officer workspace: one inbox across every post an officer holds."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from igrs.core import clock
from igrs.core.text import ascii_digits, nfc
from igrs.directory import selectors as directory
from igrs.directory.models import Post
from igrs.grievances import access, deadlines, reference
from igrs.grievances.models import TIMED_STATUSES, Action, Complaint, Event, Status
from igrs.grievances.selectors import (
    disposing_post,
    graded_since_disposal,
    pending_subordinate_report,
    post_inbox,
)

INBOX_LIMIT = 200
MASKED_DIGITS = 4  # the digits a masked mobile shows (core.text.mask_mobile)


@dataclass(frozen=True)
class InboxFilter:
    post_id: int | None = None
    category_id: int | None = None
    status: str = ""
    older_than_days: int | None = None
    query: str = ""


@dataclass
class InboxRow:
    complaint: Complaint
    days_left: int  # whole days until the deadline, 0 on its last day
    overdue_days: int
    also: int = 0  # more complaints of its cluster in the inbox, shown as this one row


@dataclass
class Inbox:
    complaints: list[InboxRow]
    total: int
    overdue: int
    due_today: int
    posts: list[Post]


def inbox(officer_id: int, chosen: InboxFilter) -> Inbox:
    """What waits on the officer's posts, earliest deadline first, with the overdue and
    due-today counts of the whole inbox (not just the filtered part)."""
    now = clock.now()
    today = clock.local_date(now)
    everything = post_inbox(officer_id, today)
    end_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    shown = _filtered(everything, chosen, now)
    return Inbox(
        complaints=_one_row_per_cluster(shown.select_related("place")[:INBOX_LIMIT], now),
        total=shown.count(),
        overdue=everything.filter(due_at__lt=now).count(),
        due_today=everything.filter(due_at__gte=now, due_at__lte=end_of_today).count(),
        posts=[directory.get_post(pk) for pk in sorted(directory.posts_held_by(officer_id, today))],
    )


def _one_row_per_cluster(complaints: Iterable[Complaint], now: dt.datetime) -> list[InboxRow]:
    """A mass grievance is one row (its most urgent complaint), counting the rest: the
    officer acts once for all of them (a cluster's report)."""
    rows: list[InboxRow] = []
    first_of: dict[int, InboxRow] = {}
    for complaint in complaints:
        if complaint.cluster_id is not None and complaint.cluster_id in first_of:
            first_of[complaint.cluster_id].also += 1
            continue
        row = _row(complaint, now)
        if complaint.cluster_id is not None:
            first_of[complaint.cluster_id] = row
        rows.append(row)
    return rows


def _row(complaint: Complaint, now: dt.datetime) -> InboxRow:
    due = complaint.due_at
    days_left = (clock.local_date(due) - clock.local_date(now)).days if due and due >= now else 0
    return InboxRow(complaint, days_left, deadlines.overdue_days(due, now))


def _filtered(
    complaints: QuerySet[Complaint], chosen: InboxFilter, now: dt.datetime
) -> QuerySet[Complaint]:
    if chosen.post_id:
        complaints = complaints.filter(current_post_id=chosen.post_id)
    if chosen.category_id:
        complaints = complaints.filter(category_id=chosen.category_id)
    if chosen.status:
        complaints = complaints.filter(status=chosen.status)
    if chosen.older_than_days:
        complaints = complaints.filter(
            created_at__lte=now - dt.timedelta(days=chosen.older_than_days)
        )
    return _searched(complaints, chosen.query)


def _searched(complaints: QuerySet[Complaint], query: str) -> QuerySet[Complaint]:
    """A reference number, the last four digits of a mobile (what the masked number shows:
    more would let the search spell out the rest, digit by digit), or words (Hindi or
    English) of the complainant's name or the description."""
    # NFC: Hindi typed with another keyboard (decomposed) finds the same words.
    text = nfc(ascii_digits(query or ""), single_line=True)
    digits = reference.normalise(text)
    if not text:
        return complaints
    if digits.isdigit() and reference.is_valid(digits):
        return complaints.filter(reference=digits)
    if digits.isdigit() and len(digits) == MASKED_DIGITS:
        return complaints.filter(mobile__endswith=digits)
    if digits.isdigit():
        return complaints.none()
    for word in text.split():
        complaints = complaints.filter(
            Q(description__icontains=word) | Q(complainant_name__icontains=word)
        )
    return complaints


@dataclass(frozen=True)
class Options:
    """What the officer may do on this complaint now, for the page to offer."""

    act: bool = False  # holds the post it is with, and it waits for action
    decide_closure: bool = False  # holds the post above a proposed special closure
    subordinates: tuple[Post, ...] = ()
    pending_report: Event | None = None  # a subordinate's report waiting for approval
    grade: bool = False  # holds a senior post above the one that disposed of it


NO_OPTIONS = Options()


def options_for(officer_id: int, complaint: Complaint) -> Options:
    held = directory.posts_held_by(officer_id, clock.local_date(clock.now()))
    post = directory.get_post(complaint.current_post_id) if complaint.current_post_id else None
    if post is None:
        return NO_OPTIONS
    acts = complaint.status == Status.ASSIGNED and post.pk in held
    return Options(
        act=acts,
        decide_closure=(complaint.status == Status.CLOSURE_PROPOSED and post.superior_id in held),
        subordinates=tuple(subordinate_posts(post.pk)) if acts else (),
        pending_report=pending_subordinate_report(complaint) if acts else None,
        grade=(
            complaint.status in (Status.AWAITING_VERIFICATION, Status.CLOSED)
            and _senior_to_disposer(held, complaint)
            and not graded_since_disposal(complaint)
        ),
    )


def _senior_to_disposer(held: frozenset[int], complaint: Complaint) -> bool:
    disposed = disposing_post(complaint)
    return disposed is not None and any(
        p.pk in held and p.level >= 2 for p in directory.post_chain(disposed)[1:]
    )


@dataclass
class TeamRow:
    post: Post
    pending: int
    overdue: int


def team_pendency(officer_id: int) -> list[TeamRow]:
    """For a senior officer: what waits on every post under theirs, and how much is late."""
    now = clock.now()
    below = _posts_below(directory.posts_held_by(officer_id, clock.local_date(now)))
    if not below:
        return []
    counts = {
        row["current_post_id"]: row
        for row in Complaint.objects.filter(current_post_id__in=below, status__in=TIMED_STATUSES)
        .values("current_post_id")
        .annotate(pending=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    }
    rows = [
        TeamRow(directory.get_post(pk), counts[pk]["pending"], counts[pk]["overdue"])
        for pk in counts
    ]
    return sorted(rows, key=lambda r: (-r.overdue, -r.pending, r.post.code))


def _posts_below(held: frozenset[int]) -> list[int]:
    found: set[int] = set()
    frontier = set(held)
    while frontier:  # level by level; the seen set guards against a cycle in bad data
        frontier = (
            set(
                Post.objects.filter(superior_id__in=frontier, active=True).values_list(
                    "pk", flat=True
                )
            )
            - found
            - held
        )
        found |= frontier
    return sorted(found)


def disposals_to_grade(officer_id: int, days: int = 30, limit: int = 50) -> list[Event]:
    """Recent action-taken reports of posts under the officer's, not graded yet."""
    now = clock.now()
    held = directory.posts_held_by(officer_id, clock.local_date(now))
    if not any(directory.get_post(pk).level >= 2 for pk in held):
        return []
    later = Event.objects.filter(
        complaint_id=OuterRef("complaint_id"),
        at__gte=OuterRef("at"),
        action__in=[Action.GRADE, Action.SUBMIT_ATR],
    ).exclude(pk=OuterRef("pk"))
    reports = list(
        Event.objects.filter(
            action=Action.SUBMIT_ATR,
            actor_post_id__in=_posts_below(held),
            at__gte=now - dt.timedelta(days=days),
            complaint__status__in=[Status.AWAITING_VERIFICATION, Status.CLOSED],
        )
        .exclude(Exists(later))  # graded already, or superseded by a newer report
        .exclude(access.conflict_q(officer_id, prefix="complaint__"))
        .select_related("complaint")
        .order_by("-at")[:limit]
    )
    for report in reports:
        assert report.actor_post_id is not None  # the filter above names the posts
        report.actor_post = directory.get_post(report.actor_post_id)
    return reports


def subordinate_posts(post_id: int) -> list[Post]:
    """Active posts directly under this one (where a complaint may be forwarded down)."""
    return [
        directory.get_post(pk)
        for pk in Post.objects.filter(superior_id=post_id, active=True)
        .order_by("level", "code")
        .values_list("pk", flat=True)
    ]
