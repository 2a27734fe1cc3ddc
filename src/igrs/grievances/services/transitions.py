"""The one engine every action goes through: check the transition table, update the
complaint on its version, append the timeline event and queue the outbox rows, all in one
transaction. Nothing else changes a complaint's status.
"""

import datetime as dt
from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from igrs.core import clock, fastsql
from igrs.core.errors import Conflict, InvalidTransition, NotFound
from igrs.directory import selectors as directory
from igrs.directory.models import Post
from igrs.notifications.models import OutboxMessage
from igrs.notifications.services import save_outbox

from .. import deadlines, lifecycle, reference
from ..actors import Actor
from ..models import (
    Action,
    ClosureKind,
    Complaint,
    Defaulter,
    Disposal,
    Event,
    Status,
)
from .checks import _last_report
from .sms import _assignment_sms, _citizen_sms, _label
from .uploads import Upload, _save_attachments


def _transition(
    complaint: Complaint,
    actor: Actor,
    action: str,
    to_status: str,
    now: dt.datetime,
    *,
    changes: dict | None = None,
    note: str = "",
    data: dict | None = None,
    acting_post: Post | None = None,
    attachments: Sequence[tuple[Upload, str]] = (),
    messages: Callable[[Complaint], list[OutboxMessage]] | None = None,
    also: Callable[[Event], None] | None = None,
    bump: bool | None = None,
) -> Complaint:
    allowed = lifecycle.check(complaint.status, action, actor.role)
    if to_status not in allowed.to:
        raise InvalidTransition(_("This step is not possible for the complaint as it is now."))
    from_status, from_post_id = complaint.status, complaint.current_post_id
    held_since = complaint.assigned_at or complaint.created_at
    delayed = complaint.defaulted  # marked at the top, its delay runs until it moves on
    changes = {
        **_verification_queue(complaint, action, to_status, now),
        **(changes or {}),
        "status": to_status,
        "updated_at": now,
    }
    # Steps that decide nothing leave the version alone (the table's UNVERSIONED, or the
    # caller says so for a step that decides nothing this time, e.g. an A or B grade).
    bump = action not in lifecycle.UNVERSIONED if bump is None else bump
    with transaction.atomic():
        updated = fastsql.update(
            Complaint,
            complaint.pk,
            changes,
            where="version = %s",
            params=[complaint.version],
            increment="version" if bump else "",
        )
        if not updated:
            raise Conflict(
                _(
                    "Someone else acted on this complaint just now. Open the complaint "
                    "again and retry."
                )
            )
        for field, value in changes.items():
            setattr(complaint, field, value)
        complaint.version += bump
        event = _event(
            complaint,
            actor,
            action,
            from_status,
            now,
            note=note,
            data={
                **(data or {}),
                **_stay(complaint, action, from_status, from_post_id, held_since, now),
            },
            from_post=from_post_id,
            acting_post=acting_post,
        )
        fastsql.insert([event])
        if delayed and event.ends_delay():
            Defaulter.objects.filter(complaint=complaint, ended_at=None).update(ended_at=now)
        _save_attachments(event, attachments)
        if also is not None:
            also(event)
        if messages is not None:
            save_outbox(messages(complaint))
    return complaint


def _stay(
    complaint: Complaint,
    action: str,
    from_status: str,
    from_post_id: int | None,
    held_since: dt.datetime,
    now: dt.datetime,
) -> dict:
    """How long the post held the complaint, when this step ends its turn: it moves on to
    another holder, or the post files its action-taken report (for the where-stuck view).
    A closed complaint was held by nobody, so a re-opening records nothing."""
    moved = complaint.current_post_id != from_post_id
    if (
        from_post_id is None
        or from_status == Status.CLOSED
        or not (moved or action == Action.SUBMIT_ATR)
    ):
        return {}
    return {"stay_hours": round((now - held_since).total_seconds() / 3600, 1)}


RELEASE_HOLD = {"verification_agent": None, "verification_claimed_until": None}


def _verification_queue(
    complaint: Complaint, action: str, to_status: str, now: dt.datetime
) -> dict:
    """Entering verification puts the complaint in the call queue; an unanswered call or a
    call-back request ends the agent's hold (the caller sets the next time); leaving takes it
    out of the queue."""
    if to_status != Status.AWAITING_VERIFICATION:
        if complaint.verify_after is None and complaint.verification_agent_id is None:
            return {}
        return {"verify_after": None, **RELEASE_HOLD}
    if complaint.status != Status.AWAITING_VERIFICATION:
        return {"verify_after": now, **RELEASE_HOLD}
    return RELEASE_HOLD if action in (Action.VERIFY_UNREACHABLE, Action.CALL_BACK) else {}


def _move_up(
    complaint: Complaint,
    actor: Actor,
    action: str,
    post: Post,
    now: dt.datetime,
    note: str,
    *,
    data: dict | None = None,
    also: Callable[[Event], None] | None = None,
    extra_messages: Sequence[OutboxMessage] = (),
) -> Complaint:
    """Give the complaint to a higher post with a fresh time limit: a real change of owner.
    A desk's complaint goes to the desk above and stays what it was (new or returned)."""
    changes = _placement(complaint, post, now, fresh_deadline=True) | {
        "escalation_count": complaint.escalation_count + 1,
        "disposal": "",
        "special_ground": "",
        "verification_attempts": 0,
        "closure_kind": "",
        "closed_at": None,
        "defaulted": False,
    }
    return _transition(
        complaint,
        actor,
        action,
        complaint.status if directory.is_desk(post.pk) else Status.ASSIGNED,
        now,
        changes=changes,
        note=note,
        data={**(data or {}), "to_level": post.level},
        also=also,
        messages=lambda c: [*extra_messages, *_assignment_sms(c, "escalated", now)],
    )


def _close(
    complaint: Complaint,
    actor: Actor,
    action: str,
    kind: str,
    now: dt.datetime,
    note: str,
    *,
    reason: str = "",
    extra: dict | None = None,
    data: dict | None = None,
) -> Complaint:
    changes = {"closure_kind": kind, "closed_at": now, **(extra or {})}
    if not reason and complaint.disposal == Disposal.CANNOT_RESOLVE:
        reason = _last_report(complaint)  # why it cannot be resolved: the citizen is told
    return _transition(
        complaint,
        actor,
        action,
        Status.CLOSED,
        now,
        changes=changes,
        note=note,
        data={**(data or {}), "closure_kind": kind},
        messages=lambda c: [
            _citizen_sms(
                c, "closed_citizen", outcome=_label(ClosureKind(kind), c.language), reason=reason
            )
        ],
    )


def _placement(complaint: Complaint, post: Post, now: dt.datetime, *, fresh_deadline: bool) -> dict:
    """Who holds it from now. A fresh time limit makes the post accountable for it; without
    one, the deadline, the accountable post and any defaulter mark stay as they were."""
    placed: dict[str, object] = {"current_post": post, "level": post.level, "assigned_at": now}
    due = complaint.due_at
    if fresh_deadline:
        due = deadlines.due_at(
            now, complaint.source, complaint.category_id, post.level, post.department_id
        )
        placed |= {"due_at": due, "accountable_post": post, "defaulted": False}
    # Reminders before the deadline are for officers; the desk works its queue by due date.
    remind = due is not None and not directory.is_desk(post.pk)
    return placed | {"remind_at": deadlines.remind_at(now, due) if remind and due else None}


def _to_the_desk(complaint: Complaint, now: dt.datetime) -> dict:
    """The complaint's district desk holds it, with the desk's time limit."""
    desk = directory.desk_post_for(complaint.place_id)
    if desk is None:  # a deployment without desk posts: nobody holds it
        return {
            "current_post": None,
            "accountable_post": None,
            "due_at": None,
            "remind_at": None,
            "assigned_at": now,
        }
    return _placement(complaint, desk, now, fresh_deadline=True)


def _place_with(
    complaint: Complaint, post: Post, now: dt.datetime, *, fresh_deadline: bool
) -> None:
    for field, value in _placement(complaint, post, now, fresh_deadline=fresh_deadline).items():
        setattr(complaint, field, value)


def _event(
    complaint: Complaint,
    actor: Actor,
    action: str,
    from_status: str | None,
    now: dt.datetime,
    *,
    note: str = "",
    data: dict | None = None,
    from_post: int | None = None,
    acting_post: Post | None = None,
) -> Event:
    return Event(
        complaint=complaint,
        at=now,
        action=action,
        role=actor.role,
        actor_user_id=actor.user_id,
        actor_officer_id=actor.officer_id,
        actor_post=acting_post,
        from_status=from_status or "",
        to_status=complaint.status,
        from_post_id=from_post,
        to_post_id=complaint.current_post_id,
        level=complaint.level,
        note=note,
        data=data or {},
    )


def _load(ref: str, version: int | None) -> Complaint:
    digits = reference.checked(ref)
    found = fastsql.select(Complaint, "reference = %s", [digits])
    if not found:
        raise NotFound(_("No complaint has the reference number %(ref)s.") % {"ref": digits})
    complaint = found[0]
    if version is not None and version != complaint.version:
        raise Conflict(
            _("The complaint has changed since you opened it. Open the complaint again and retry.")
        )
    return complaint


def _defaulter_marker(
    complaint: Complaint, posts: list[Post], now: dt.datetime
) -> Callable[[Event], None]:
    """Writes the posts' defaulter rows for the current deadline, in the caller's transaction:
    with the officer who held each post on the day it fell due, and the delay ended by this
    step unless the complaint stays where it is (marked at the top)."""
    missed_due = complaint.due_at
    assert missed_due is not None  # only a complaint with a deadline misses it
    due_day = clock.local_date(missed_due)

    def mark(event: Event) -> None:
        Defaulter.objects.bulk_create(
            Defaulter(
                complaint=complaint,
                post=post,
                due_at=missed_due,
                marked_at=now,
                officer=next(iter(directory.holders_of(post.pk, due_day)), None),
                ended_at=now if event.ends_delay() else None,
            )
            for post in posts
        )

    return mark
