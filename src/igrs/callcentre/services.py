"""Writes of the call centre: CTI call events, complaints filed on a call, the supervisors'
audit sample and its calls. Complaints themselves change only through grievances.services."""

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from igrs.core import clock, fastsql
from igrs.core.cache import memoize
from igrs.core.claims import NextInLine
from igrs.core.errors import Invalid, NotPermitted
from igrs.core.roles import Role
from igrs.core.text import clean, normalise_mobile
from igrs.grievances import services as grievances
from igrs.grievances.actors import Actor
from igrs.grievances.models import ClosureKind, Complaint

from . import selectors
from .models import AuditCall, AuditOutcome, Call, Direction


class CallEvent:
    OFFERED = "offered"
    ANSWERED = "answered"
    ENDED = "ended"
    ALL = (OFFERED, ANSWERED, ENDED)


STAMP = {CallEvent.ANSWERED: "answered_at", CallEvent.ENDED: "ended_at"}


def register(
    actor: Actor,
    new: grievances.NewComplaint,
    key: uuid.UUID | None = None,
    *,
    other_number: bool = False,
) -> tuple[Complaint, bool]:
    """A complaint filed through the helpline's faces (the agents' console, the API): an
    agent's call id must name a call the ACD offered to that agent — none when the caller rang
    off before the ACD reported it — and the complaint carries that caller's number unless
    the agent says it is another (`other_number`): one caller's complaint is never filed
    under the previous caller's mobile. With `key`, idempotent as grievances.register_once;
    returns the complaint and whether this call created it."""
    if new.call_id and actor.role == Role.AGENT:
        if actor.user_id is None:
            raise NotPermitted(_("Your role may not use this."))
        _require_this_callers_number(actor.user_id, new, other_number)
    if key is None:
        return grievances.register(actor, new), True
    return grievances.register_once(actor, key, new)


def _require_this_callers_number(
    agent_id: int, new: grievances.NewComplaint, other_number: bool
) -> None:
    caller = selectors.caller_of_own_call(agent_id, new.call_id)
    if caller is None:
        raise Invalid(
            fields={
                "call_id": _(
                    "The call id is not of a call offered to you. Reload the page and file "
                    "again while the caller is on the line."
                )
            }
        )
    if caller and not other_number and normalise_mobile(new.mobile) != caller:
        raise Invalid(
            fields={
                "mobile": _(
                    "This is not the number of the caller on this call (%(number)s). If the "
                    "complainant gave another mobile, tick “The complainant's mobile is "
                    "another number”."
                )
                % {"number": caller[-10:]}
            }
        )


def record_call_event(
    *,
    call_id: str,
    event: str,
    agent: str,
    ani: str,
    direction: str = Direction.INBOUND,
    at: dt.datetime | None = None,
) -> Call:
    """Apply one CTI event. Repeated or late events change nothing already recorded, so the
    telephony system may retry freely."""
    call_id = clean(call_id, "call_id", single_line=True)
    errors = {}
    if not call_id or len(call_id) > 64:
        errors["call_id"] = _("Send the call id (at most 64 characters).")
    if event not in CallEvent.ALL:
        errors["event"] = _("The event must be offered, answered or ended.")
    if direction not in Direction.values:
        errors["direction"] = _("The direction must be inbound or outbound.")
    agent = clean(agent, "agent", single_line=True)
    agent_id = agent_id_for(agent)
    if agent_id is None:
        errors["agent"] = _("No active agent has the login “%(agent)s”.") % {"agent": agent}
    ani = clean(ani, "ani", single_line=True)[:20]
    if errors:
        raise Invalid(fields=errors)
    at = at or clock.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)  # the ACD's local time (IST)
    try:
        with transaction.atomic():
            # The first event of a call creates it: one INSERT, no read before it.
            call = Call(
                call_id=call_id,
                direction=direction,
                ani=ani,
                mobile=normalise_mobile(ani) or "",
                agent_id=agent_id,
                offered_at=at,
                **_stamp(event, at),
            )
            fastsql.insert([call])
            return call
    except IntegrityError:
        pass  # a later event of a known call
    calls = Call.objects.filter(call_id=call_id)
    if event == CallEvent.OFFERED:
        # Re-offered to another agent (the first did not answer): it is theirs now.
        calls.filter(answered_at__isnull=True).update(agent_id=agent_id)
    else:
        calls.filter(**{f"{STAMP[event]}__isnull": True}).update(**_stamp(event, at))
    return calls.get()


def _stamp(event: str, at: dt.datetime) -> dict:
    return {STAMP[event]: at} if event in STAMP else {}


@memoize
def agent_id_for(login: str) -> int | None:
    """An active agent's id by login (memoized like master data: logins rarely change)."""
    return (
        get_user_model()
        .objects.filter(username=login, is_active=True, groups__name="agent")
        .values_list("pk", flat=True)
        .first()
    )


# ---------------------------------------------------------------- verification calls

CALL_BACK = "call_back"


def record_verification_call(
    agent: Actor,
    ref: str,
    *,
    outcome: str,
    note: str = "",
    no_answer: str = grievances.NoAnswer.NOT_REACHABLE,
    call_back_at: dt.datetime | None = None,
    version: int | None = None,
) -> Complaint:
    """What came of a verification call: the complainant's verdict, no answer, or a request
    to call back at a given time."""
    if outcome == CALL_BACK:
        if call_back_at is None:
            raise Invalid(fields={"call_back_at": _("Enter when to call back.")})
        return grievances.call_back_later(agent, ref, at=call_back_at, note=note)
    return grievances.verify(
        agent, ref, outcome=outcome, note=note, no_answer=no_answer, version=version
    )


# ---------------------------------------------------------------- audit sample


def is_sampled(reference: str) -> bool:
    """Deterministic: the same complaint is always in or out of the sample, whichever worker
    looks, so sampling twice adds nothing."""
    bucket = int(hashlib.sha256(reference.encode()).hexdigest()[:8], 16) % 10_000
    return bucket < settings.IGRS_AUDIT_SHARE_PERCENT * 100


def sample_audits(since: dt.datetime, now: dt.datetime | None = None) -> int:
    """Put the sampled share of complaints the call centre closed between `since` and now into
    the audit queue (the worker calls this each round from where it left off; at start, from
    two days back). Idempotent: overlapping windows add nothing twice."""
    now = now or clock.now()
    recent = Complaint.objects.filter(
        closed_at__gte=since,
        closed_at__lte=now,
        closure_kind__in=[ClosureKind.SATISFIED, ClosureKind.UNVERIFIED],
    ).values_list("id", "reference")
    chosen = [pk for pk, reference in recent if is_sampled(reference)]
    already = set(
        AuditCall.objects.filter(complaint_id__in=chosen).values_list("complaint_id", flat=True)
    )
    fresh = [AuditCall(complaint_id=pk, sampled_at=now) for pk in chosen if pk not in already]
    AuditCall.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


# The oldest open audit call, to one supervisor.
NEXT_AUDIT = NextInLine(
    "callcentre_auditcall",
    holder="claimed_by_id",
    until="claimed_until",
    where="done_at IS NULL",
    order_by="sampled_at, id",
)


def claim_next_audit(supervisor: Actor) -> AuditCall | None:
    """The audit call this supervisor should make: the one held, else the oldest open one."""
    if supervisor.user_id is None:  # a claim is held by a signed-in user
        raise NotPermitted(_("Your role may not use this."))
    now = clock.now()
    held = AuditCall.objects.filter(
        claimed_by_id=supervisor.user_id, claimed_until__gt=now, done_at__isnull=True
    ).first()
    if held is not None:
        return held
    until = now + dt.timedelta(minutes=settings.IGRS_VERIFICATION_LEASE_MINUTES)
    at = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        taken = NEXT_AUDIT.take(cursor, supervisor.user_id, at(until), at(now))
    return AuditCall.objects.select_related("complaint").get(pk=taken) if taken else None


def record_audit(supervisor: Actor, audit_id: int, *, outcome: str, note: str = "") -> AuditCall:
    """The supervisor's finding. A disputed verification is noted on the complaint's timeline
    and flags it for review."""
    if outcome not in AuditOutcome.values:
        raise Invalid(fields={"outcome": _("Choose confirmed, disputed or not reachable.")})
    note = clean(note, "note")
    if outcome == AuditOutcome.DISPUTED and not note:
        raise Invalid(fields={"note": _("Write what the complainant said.")})
    now = clock.now()
    with transaction.atomic():
        audit = AuditCall.objects.select_related("complaint").select_for_update().get(pk=audit_id)
        if audit.done_at is not None:
            raise Invalid(_("This audit call is already recorded."))
        audit.outcome, audit.note, audit.done_at = outcome, note, now
        audit.claimed_by_id = supervisor.user_id
        audit.save(update_fields=["outcome", "note", "done_at", "claimed_by"])
        if outcome == AuditOutcome.DISPUTED:
            grievances.add_note(
                Actor(Role.SUPERVISOR, user_id=supervisor.user_id),
                audit.complaint.reference,
                note=_("Audit call: the complainant disputes the verification. %(note)s")
                % {"note": note},
                flag=True,
            )
    return audit
