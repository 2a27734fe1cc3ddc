"""The one rule for who may see and act on a complaint, and who sees its complainant's full
mobile. Every face asks here: the pages, the SMS-link pages, the API, the inbox and its
search, the dashboards and their lists, the exports (docs/security.md, decision 0051).

Conflict of interest holds at every read and every act, not only at routing: an officer who
is complained against, or who holds a post the complaint is against (or a post under one),
neither reads the complainant's data nor acts on the complaint — whatever posting, additional
charge or forward brought it to him."""

import datetime as dt

from django.db.models import Q

from igrs.core import clock
from igrs.core.roles import Role
from igrs.directory import selectors as directory

from . import routing
from .actors import Actor
from .models import Complaint

# Roles that may see any complaint (the call centre, the desk, administrators, the system).
EVERYTHING = frozenset({Role.AGENT, Role.DESK, Role.ADMIN, Role.SYSTEM})
# Roles whose work is calling the complainant: the helpline agent on the call, the
# verification caller, their supervisor on an audit re-call. Everyone else sees it masked.
CALLERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.SYSTEM})


def sees_everything(viewer: Actor) -> bool:
    return viewer.role in EVERYTHING


def conflicted_posts(complaint: Complaint, now: dt.datetime) -> frozenset[int]:
    """Posts the complaint is against: the named post, and every post the named officer held
    when it was registered or holds today (a transfer does not make them impartial)."""
    days = {clock.local_date(complaint.created_at), clock.local_date(now)}
    return frozenset().union(
        *(
            routing.conflicted_posts(complaint.against_post_id, complaint.against_officer_id, day)
            for day in days
        )
    )


def officer_conflicted(
    officer_id: int, complaint: Complaint, now: dt.datetime | None = None
) -> bool:
    """The officer is complained against, or holds today a post the complaint is against or
    a post under one."""
    if complaint.against_officer_id is None and complaint.against_post_id is None:
        return False
    if complaint.against_officer_id == officer_id:
        return True
    now = now or clock.now()
    conflicted = conflicted_posts(complaint, now)
    held = directory.posts_held_by(officer_id, clock.local_date(now))
    return any(routing.is_conflicted(pk, conflicted) for pk in held)


def can_read(viewer: Actor, complaint: Complaint) -> bool:
    """Whether the viewer may see the complaint (its text, timeline and complainant)."""
    if sees_everything(viewer):
        return True
    if viewer.role == Role.CITIZEN:
        return bool(viewer.mobile) and viewer.mobile == complaint.mobile
    if viewer.role != Role.OFFICER or viewer.officer_id is None:
        return False
    now = clock.now()
    if officer_conflicted(viewer.officer_id, complaint, now):
        return False
    held = directory.posts_held_by(viewer.officer_id, clock.local_date(now))
    if complaint.current_post_id and any(
        p.pk in held for p in directory.post_chain(complaint.current_post_id)
    ):
        return True
    return complaint.events.filter(Q(to_post_id__in=held) | Q(from_post_id__in=held)).exists()


def conflict_q(officer_id: int | None, prefix: str = "") -> Q:
    """The complaints an officer is conflicted for, as a filter for lists (see
    officer_conflicted): against them, against a post they hold or one above it, or against
    an officer who holds such a post today. An inbox excludes them; its own filter says
    which of the rest are the officer's."""
    if officer_id is None:
        return Q(pk__in=[])
    today = clock.local_date(clock.now())
    above = {
        p.pk for pk in directory.posts_held_by(officer_id, today) for p in directory.post_chain(pk)
    }
    officers = {o.pk for pk in above for o in directory.holders_of(pk, today)} | {officer_id}
    return Q(**{f"{prefix}against_officer_id__in": officers}) | Q(
        **{f"{prefix}against_post_id__in": above}
    )


def sees_full_mobile(viewer: Actor, complaint: Complaint) -> bool:
    """The one masking rule: the callers' roles and the complainant themself see the number;
    officers, the desk and administrators see it masked unless they reveal it."""
    if viewer.role == Role.CITIZEN:
        return can_read(viewer, complaint)
    return viewer.role in CALLERS


def may_reveal(viewer: Actor, complaint: Complaint) -> bool:
    """Who may reveal a masked mobile (with a reason, logged): the desk and administrators,
    and an officer holding the post the complaint is with (to call the complainant for a
    site visit), never one who is conflicted."""
    if viewer.role in (Role.DESK, Role.ADMIN):  # they hand complaints on; no post of theirs
        return True
    if viewer.role != Role.OFFICER or viewer.officer_id is None or not complaint.current_post_id:
        return False
    held = directory.posts_held_by(viewer.officer_id, clock.local_date(clock.now()))
    return complaint.current_post_id in held and not officer_conflicted(
        viewer.officer_id, complaint
    )
