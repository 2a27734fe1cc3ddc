"""The call centre's verification of the action taken: the outcome, call-backs, and the
queue of calls handed to agents.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from igrs.core import clock, fastsql
from igrs.core.backoff import Backoff
from igrs.core.claims import NextInLine
from igrs.core.errors import Conflict, Invalid, NotPermitted
from igrs.core.locks import lock_for_transaction
from igrs.core.roles import Role
from igrs.core.text import clean

from .. import lifecycle, routing, selectors
from ..actors import Actor
from ..models import (
    Action,
    ClosureKind,
    Complaint,
    Status,
)
from .checks import (
    _accountable,
    _conflicted,
    _last_report,
    _require,
    _require_complainant,
    _require_role,
)
from .transitions import _close, _load, _move_up, _transition


class Outcome:
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"
    UNREACHABLE = "unreachable"
    ALL = (SATISFIED, NOT_SATISFIED, UNREACHABLE)


class NoAnswer:
    """Why a verification call did not reach the complainant (kept on the timeline)."""

    NOT_REACHABLE = "not_reachable"
    SWITCHED_OFF = "switched_off"
    WRONG_NUMBER = "wrong_number"
    ALL = (NOT_REACHABLE, SWITCHED_OFF, WRONG_NUMBER)


def verify(
    actor: Actor,
    ref: str,
    *,
    outcome: str,
    note: str = "",
    no_answer: str = NoAnswer.NOT_REACHABLE,
    version: int | None = None,
) -> Complaint:
    """Record the complainant's verdict on the action taken (call-back or online feedback).
    Not reachable: tried again after the retry delay, and after the last attempt closed as
    unverified and flagged."""
    complaint = _load(ref, version)
    now = clock.now()
    _require(outcome in Outcome.ALL, _("Choose satisfied, not satisfied or not reachable."))
    _require_complainant(actor, complaint)
    _require_independent(actor, complaint, now)
    _require_free_or_own_call(actor, complaint, now)
    note = clean(note, "note")
    if outcome == Outcome.SATISFIED:
        return _close(complaint, actor, Action.VERIFY_SATISFIED, ClosureKind.SATISFIED, now, note)
    if outcome == Outcome.UNREACHABLE:
        _require(
            no_answer in NoAnswer.ALL, _("Choose not reachable, switched off or wrong number.")
        )
        attempts = complaint.verification_attempts + 1
        data = {"attempt": attempts, "no_answer": no_answer}
        if attempts >= settings.IGRS_MAX_VERIFICATION_ATTEMPTS:
            return _close(
                complaint,
                actor,
                Action.VERIFY_UNREACHABLE,
                ClosureKind.UNVERIFIED,
                now,
                note,
                extra={"verification_attempts": attempts, "flagged": True},
                data=data,
            )
        return _transition(
            complaint,
            actor,
            Action.VERIFY_UNREACHABLE,
            Status.AWAITING_VERIFICATION,
            now,
            changes={
                "verification_attempts": attempts,
                "verify_after": now + _retry_delay(attempts),
            },
            note=note,
            data=data,
        )
    lifecycle.check(complaint.status, Action.VERIFY_NOT_SATISFIED, actor.role)
    if not note:
        raise Invalid(fields={"note": _("Write why the complainant is not satisfied.")})
    superior = routing.superior_for(_accountable(complaint).pk, _conflicted(complaint, now))
    if superior is None and settings.IGRS_CLOSE_AT_TOP_WHEN_NOT_SATISFIED:
        return _close(
            complaint,
            actor,
            Action.VERIFY_NOT_SATISFIED,
            ClosureKind.FINAL,
            now,
            note,
            reason=_last_report(complaint),
        )
    target = superior or _accountable(complaint)
    return _move_up(complaint, actor, Action.VERIFY_NOT_SATISFIED, target, now, note)


def _retry_delay(attempts: int) -> dt.timedelta:
    """IGRS_VERIFICATION_RETRY_HOURS after each unanswered call; its last, after the rest."""
    hours = tuple(dt.timedelta(hours=h) for h in settings.IGRS_VERIFICATION_RETRY_HOURS)
    return Backoff(hours, doubling=False).after(attempts)


def call_back_later(actor: Actor, ref: str, *, at: dt.datetime, note: str = "") -> Complaint:
    """The complainant asked to be called at another time: the verification call waits till
    then (it is not an unanswered attempt)."""
    complaint = _load(ref, None)
    now = clock.now()
    lifecycle.check(complaint.status, Action.CALL_BACK, actor.role)
    _require_independent(actor, complaint, now)
    _require_free_or_own_call(actor, complaint, now)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)  # a time the citizen said: local (IST)
    _require(
        now < at <= now + dt.timedelta(days=30),
        _("Choose a time in the next 30 days for the call-back."),
    )
    return _transition(
        complaint,
        actor,
        Action.CALL_BACK,
        Status.AWAITING_VERIFICATION,
        now,
        changes={"verify_after": at},
        note=clean(note, "note"),
        data={"call_back_at": at.isoformat()},
    )


# Who reported the action taken, or approved the report, is of the disposing department:
# whatever other role that person also holds, they never record the complainant's verdict.
REPORTING_ACTIONS = (
    Action.SUBMIT_ATR,
    Action.PROPOSE_CLOSURE,
    Action.APPROVE_CLOSURE,
    Action.SUBORDINATE_REPORT,
)


_REPORTING_IN = ", ".join(f"'{action.value}'" for action in REPORTING_ACTIONS)


def _reported_by_sql(complaint: str) -> str:
    """SQL finding a report on the complaint whose id is `complaint` by the person whose login
    is the next two parameters: by that login, or by the officer record it is linked to (an
    officer who acted through an emailed link has no login on the step)."""
    return f"""
SELECT 1 FROM grievances_event e
WHERE e.complaint_id = {complaint} AND e.action IN ({_REPORTING_IN})
  AND (e.actor_user_id = %s
       OR e.actor_officer_id IN (SELECT id FROM directory_officer WHERE user_id = %s))"""


REPORTED_BY_SQL = _reported_by_sql("%s") + " LIMIT 1"


# The oldest due verification call, to one agent. An agent who reported the action taken on
# a complaint is never handed its verification call.
NEXT_CALL = NextInLine(
    "grievances_complaint",
    holder="verification_agent_id",
    until="verification_claimed_until",
    where=f"""verify_after IS NOT NULL AND verify_after <= %s
      AND NOT EXISTS ({_reported_by_sql("grievances_complaint.id")})""",
    order_by="verify_after, id",
)


def claim_next_verification(actor: Actor) -> Complaint | None:
    """The verification call this agent should make now: the one they already hold, else the
    oldest due one, taken for IGRS_VERIFICATION_LEASE_MINUTES. None when nothing is due."""
    _require_role(actor, Role.AGENT)
    if actor.user_id is None:  # a claim is held by a signed-in user
        raise NotPermitted(_("Your role may not use this."))
    now = clock.now()
    until = now + dt.timedelta(minutes=settings.IGRS_VERIFICATION_LEASE_MINUTES)
    at = connection.ops.adapt_datetimefield_value
    with transaction.atomic():
        # One claim at a time per agent, so a double click cannot take two calls.
        lock_for_transaction(f"verification-agent:{actor.user_id}")
        held = selectors.held_verification(actor.user_id, now)
        if held is not None:
            return held
        with fastsql.cursor() as cursor:
            taken = NEXT_CALL.take(
                cursor, actor.user_id, at(until), at(now), [at(now), actor.user_id, actor.user_id]
            )
    return fastsql.select(Complaint, "id = %s", [taken])[0] if taken else None


def _require_independent(actor: Actor, complaint: Complaint, now: dt.datetime) -> None:
    if (
        actor.role != Role.AGENT
        or actor.user_id is None
        or complaint.verification_held_by(actor.user_id, now)
    ):
        return  # a call handed out by the claim is never the reporter's: no need to ask
    with fastsql.cursor() as cursor:
        cursor.execute(REPORTED_BY_SQL, [complaint.pk, actor.user_id, actor.user_id])
        reported = cursor.fetchone() is not None
    if reported:
        raise NotPermitted(
            _(
                "You reported the action taken on this complaint, so another "
                "agent must verify it with the complainant."
            )
        )


def _require_free_or_own_call(actor: Actor, complaint: Complaint, now: dt.datetime) -> None:
    """While an agent holds a verification call, no other agent records its outcome: two
    agents must never phone the same citizen about the same report."""
    held_by_other = (
        actor.role == Role.AGENT
        and complaint.verification_agent_id is not None
        and complaint.verification_agent_id != actor.user_id
        and complaint.verification_held(now)
    )
    if held_by_other:
        raise Conflict(_("Another agent is on this verification call right now."))
