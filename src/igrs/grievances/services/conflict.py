"""A posting that makes a complaint's holder conflicted moves the complaint on at once: an
officer complained against who takes charge of the post holding it (a transfer, a new
posting, an additional charge) never gets to read or act on it (decision 0052)."""

import datetime as dt

from django.db.models import Q

from igrs.core import clock
from igrs.core.errors import Conflict
from igrs.directory import selectors as directory
from igrs.directory.models import Post

from .. import access, routing
from ..actors import SYSTEM
from ..models import Action, Complaint, Status
from .sms import _holder_sms
from .transitions import _load, _placement, _to_the_desk, _transition


def move_from_conflicted_holders(officer_id: int, post_id: int) -> list[Complaint]:
    """After `officer_id` began to hold `post_id`: every complaint with an officer, at that
    post or against that officer, whose holding post now has a conflicted holder goes to the
    first superior post that is clear, with a fresh time limit, a timeline step and an SMS
    to its holders — or, with no clear post above, to its district's monitoring desk, which
    sends it outside the line. Returns the complaints moved."""
    now = clock.now()
    candidates = Complaint.objects.filter(
        Q(current_post_id=post_id) | Q(against_officer_id=officer_id), status=Status.ASSIGNED
    ).values_list("reference", flat=True)
    moved = [_move_if_conflicted(ref, now) for ref in candidates]
    return [complaint for complaint in moved if complaint is not None]


def _move_if_conflicted(ref: str, now: dt.datetime) -> Complaint | None:
    for _attempt in range(3):  # an officer acting at the same moment: read again and retry
        complaint = _load(ref, None)
        if complaint.status != Status.ASSIGNED or not _held_in_conflict(complaint, now):
            return None
        try:
            return _move(complaint, _first_clear_superior(complaint, now), now)
        except Conflict:
            continue
    return None


def _move(complaint: Complaint, target: Post | None, now: dt.datetime) -> Complaint:
    if target is None:
        return _transition(
            complaint,
            SYSTEM,
            Action.CONFLICT_MOVE,
            Status.RETURNED,
            now,
            changes=_to_the_desk(complaint, now),
            data={"desk_reason": "conflict"},
        )
    return _transition(
        complaint,
        SYSTEM,
        Action.CONFLICT_MOVE,
        Status.ASSIGNED,
        now,
        changes=_placement(complaint, target, now, fresh_deadline=True),
        data={"to_level": target.level},
        messages=lambda c: _holder_sms(c, "assigned_officer", now),
    )


def _held_in_conflict(complaint: Complaint, now: dt.datetime) -> bool:
    assert complaint.current_post_id is not None  # an assigned complaint is with a post
    return not _clear(complaint, complaint.current_post_id, now)


def _clear(complaint: Complaint, post_id: int, now: dt.datetime) -> bool:
    """The post is not one the complaint is against (nor under one), and nobody holding it
    today is conflicted."""
    if routing.is_conflicted(post_id, access.conflicted_posts(complaint, now)):
        return False
    holders = directory.holders_of(post_id, clock.local_date(now))
    return not any(access.officer_conflicted(o.pk, complaint, now) for o in holders)


def _first_clear_superior(complaint: Complaint, now: dt.datetime) -> Post | None:
    assert complaint.current_post_id is not None
    for post in directory.post_chain(complaint.current_post_id)[1:]:
        if post.active and _clear(complaint, post.pk, now):
            return post
    return None
