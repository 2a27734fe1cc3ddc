"""Reads for the officer workspace: one inbox across every post an officer holds."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from igrs.core import clock
from igrs.core.text import ascii_digits
from igrs.directory import selectors as directory
from igrs.directory.models import Post
from igrs.grievances import reference
from igrs.grievances.models import Complaint, Status
from igrs.grievances.selectors import post_inbox

INBOX_LIMIT = 200


@dataclass(frozen=True)
class InboxFilter:
    post_id: int | None = None
    category_id: int | None = None
    status: str = ""
    older_than_days: int | None = None
    query: str = ""


@dataclass
class Inbox:
    complaints: list[Complaint]
    total: int
    overdue: int
    due_today: int
    posts: list[Post]


def inbox(officer_id: int, chosen: InboxFilter) -> Inbox:
    """What waits on the officer's posts, earliest deadline first, with the overdue and
    due-today counts of the whole inbox (not just the filtered part)."""
    now = clock.now()
    today = timezone.localdate(now)
    everything = post_inbox(officer_id, today)
    end_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.max))
    shown = _filtered(everything, chosen, now)
    return Inbox(
        complaints=list(shown[:INBOX_LIMIT]), total=shown.count(),
        overdue=everything.filter(due_at__lt=now).count(),
        due_today=everything.filter(due_at__gte=now, due_at__lte=end_of_today).count(),
        posts=[directory.get_post(pk) for pk in
               sorted(directory.posts_held_by(officer_id, today))],
    )


def _filtered(complaints: QuerySet[Complaint], chosen: InboxFilter,
              now: dt.datetime) -> QuerySet[Complaint]:
    if chosen.post_id:
        complaints = complaints.filter(current_post_id=chosen.post_id)
    if chosen.category_id:
        complaints = complaints.filter(category_id=chosen.category_id)
    if chosen.status:
        complaints = complaints.filter(status=chosen.status)
    if chosen.older_than_days:
        complaints = complaints.filter(
            created_at__lte=now - dt.timedelta(days=chosen.older_than_days))
    return _searched(complaints, chosen.query)


def _searched(complaints: QuerySet[Complaint], query: str) -> QuerySet[Complaint]:
    """A reference number, the last digits of a mobile, or words (Hindi or English) of the
    complainant's name or the description."""
    text = ascii_digits(query or "").strip()
    digits = reference.normalise(text)
    if not text:
        return complaints
    if digits.isdigit() and reference.is_valid(digits):
        return complaints.filter(reference=digits)
    if digits.isdigit() and len(digits) >= 4:
        return complaints.filter(mobile__endswith=digits)
    for word in text.split():
        complaints = complaints.filter(Q(description__icontains=word)
                                       | Q(complainant_name__icontains=word))
    return complaints


@dataclass(frozen=True)
class Options:
    """What the officer may do on this complaint now, for the page to offer."""

    act: bool = False  # holds the post it is with, and it waits for action
    decide_closure: bool = False  # holds the post above a proposed special closure
    subordinates: tuple[Post, ...] = ()


NO_OPTIONS = Options()


def options_for(officer_id: int, complaint: Complaint) -> Options:
    held = directory.posts_held_by(officer_id, timezone.localdate(clock.now()))
    post = directory.get_post(complaint.current_post_id) if complaint.current_post_id else None
    if post is None:
        return NO_OPTIONS
    acts = complaint.status == Status.ASSIGNED and post.pk in held
    return Options(
        act=acts,
        decide_closure=(complaint.status == Status.CLOSURE_PROPOSED
                        and post.superior_id in held),
        subordinates=tuple(subordinate_posts(post.pk)) if acts else (),
    )


def subordinate_posts(post_id: int) -> list[Post]:
    """Active posts directly under this one (where a complaint may be forwarded down)."""
    return [directory.get_post(pk) for pk in
            Post.objects.filter(superior_id=post_id, active=True).order_by("level", "code")
            .values_list("pk", flat=True)]
