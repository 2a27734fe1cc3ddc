"""The complainant's follow-ups and anyone's notes: re-opening, reminders, notes."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import LimitReached
from igrs.core.roles import Role

from .. import lifecycle, routing
from ..actors import Actor
from ..models import (
    Action,
    ClosureKind,
    Complaint,
)
from .checks import (
    _accountable,
    _acting_post,
    _conflicted,
    _require,
    _require_complainant,
    _required,
    _required_text,
)
from .sms import _post_sms, _reminded_post
from .transitions import _load, _move_up, _transition


def reopen(actor: Actor, ref: str, *, reason: str, version: int | None = None) -> Complaint:
    """A complainant not satisfied with a closure sends it to the next level up."""
    complaint = _load(ref, version)
    now = clock.now()
    lifecycle.check(complaint.status, Action.REOPEN, actor.role)
    _require_complainant(actor, complaint)
    reason = _required_text(reason, _("Say why you are not satisfied."))
    _require(
        complaint.closure_kind != ClosureKind.RETURNED_TO_CITIZEN,
        _(
            "The desk returned this complaint for what was missing: please file it again with "
            "those details."
        ),
    )
    superior = (
        routing.superior_for(_accountable(complaint).pk, _conflicted(complaint, now))
        if complaint.current_post_id
        else None
    )
    superior = _required(
        superior, _("This complaint was decided at the highest level and cannot be re-opened.")
    )
    return _move_up(complaint, actor, Action.REOPEN, superior, now, reason)


def add_note(
    actor: Actor, ref: str, *, note: str, flag: bool = False, version: int | None = None
) -> Complaint:
    """A note on the timeline; `flag` also marks the complaint for review (e.g. an audit
    call found the complainant was never satisfied)."""
    complaint = _load(ref, version)
    now = clock.now()
    lifecycle.check(complaint.status, Action.NOTE, actor.role)
    acting = None
    if actor.role == Role.OFFICER:
        acting = _acting_post(actor, complaint.current_post_id, now, complaint)
    note = _required_text(note, _("Write the note."))
    return _transition(
        complaint,
        actor,
        Action.NOTE,
        complaint.status,
        now,
        note=note,
        acting_post=acting,
        changes={"flagged": True} if flag else None,
        data={"flagged": True} if flag else None,
    )


def remind(actor: Actor, ref: str) -> Complaint:
    """The complainant's reminder (अनुस्मारक): on the timeline and by SMS to the officer who must
    act, at most once per IGRS_CITIZEN_REMINDER_EVERY_HOURS."""
    complaint = _load(ref, None)
    now = clock.now()
    lifecycle.check(complaint.status, Action.REMIND, actor.role)
    _require_complainant(actor, complaint)
    period = dt.timedelta(hours=settings.IGRS_CITIZEN_REMINDER_EVERY_HOURS)
    with transaction.atomic():
        # The claim is a conditional update, so two taps at once send one reminder.
        claimed = (
            Complaint.objects.filter(pk=complaint.pk)
            .filter(Q(citizen_reminded_at__isnull=True) | Q(citizen_reminded_at__lte=now - period))
            .update(citizen_reminded_at=now)
        )
        if not claimed:
            last = Complaint.objects.values_list("citizen_reminded_at", flat=True).get(
                pk=complaint.pk
            )
            assert last is not None  # the claim failed: a recent reminder is recorded
            raise LimitReached(
                _(
                    "A reminder was already sent on %(last)s. You can send the next one after "
                    "%(next)s."
                )
                % {"last": _local_text(last), "next": _local_text(last + period)}
            )
        complaint.citizen_reminded_at = now
        return _transition(
            complaint,
            actor,
            Action.REMIND,
            complaint.status,
            now,
            messages=lambda c: _post_sms(_reminded_post(c), c, "citizen_reminder_officer", now),
        )


def _local_text(moment: dt.datetime) -> str:
    return clock.local(moment).strftime("%d-%m-%Y %H:%M")
