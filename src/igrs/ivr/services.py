"""Writes of the IVR: its call log, the complainant's "not satisfied" or reminder by key press
(through the same grievance services as the portal), and the hand-over to an agent."""

import datetime as dt

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.roles import Role
from igrs.core.text import normalise_mobile
from igrs.grievances import services as grievances
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint

from .models import Handover, IvrCall, Outcome
from .selectors import Step


def start_call(call_id: str, caller: str) -> IvrCall:
    """Log a call the moment it is answered, so one that never finishes still counts."""
    return IvrCall.objects.create(
        call_id=call_id[:200],
        caller=caller[:64],
        mobile=normalise_mobile(caller) or "",
        started_at=clock.now(),
    )


def finish_call(
    call_id: str,
    started_at: dt.datetime,
    *,
    keys: str,
    path: list[str],
    language: str,
    reference: str,
    outcome: str,
    ended_at: dt.datetime | None = None,
) -> None:
    """One UPDATE: the IVR writes many of these at once when calls end together, on the
    threads its audio shares the interpreter with."""
    ended_at = ended_at or clock.now()
    IvrCall.objects.filter(call_id=call_id[:200]).update(
        ended_at=ended_at,
        duration_ms=max(0, int((ended_at - started_at).total_seconds() * 1000)),
        keys=keys[-500:],
        path=path,
        language=language,
        reference=reference,
        outcome=outcome,
    )


def outcome_of(path: list[str]) -> str:
    """The furthest a call got: an agent, then feedback, then a status heard."""
    steps = {step.split(":")[0] for step in path}
    for outcome in (Outcome.AGENT, Outcome.FEEDBACK, Outcome.STATUS):
        if outcome in steps:
            return outcome
    return Outcome.ABANDONED


def give_feedback(mobile: str, ref: str, step: str, version: int, language: str) -> Complaint:
    """Option 2, confirmed by key press, exactly as the portal does it: the complainant's
    "not satisfied" on a disposal (verification), a re-opening of a closed complaint, or a
    reminder; as a citizen whose mobile is the calling number, so only the complainant can.
    `version` is the complaint as the caller heard it: a report changed since is refused."""
    actor = Actor(Role.CITIZEN, mobile=mobile)
    with translation.override(language):
        note = _(
            "Not satisfied: the complainant pressed the key on the 1076 IVR (automatic phone line)."
        )
        if step == Step.NOT_SATISFIED:
            return grievances.verify(
                actor, ref, outcome=grievances.Outcome.NOT_SATISFIED, note=note, version=version
            )
        if step == Step.REOPEN:
            return grievances.reopen(actor, ref, reason=note, version=version)
        if step == Step.REMIND:
            return grievances.remind(actor, ref)
    raise ValueError(f"unknown step {step!r}")


def hand_over(call_id: str, *, caller: str, reference: str, keyed: str, reason: str) -> Handover:
    """Record what the caller keyed before the transfer, for the agent's console."""
    with transaction.atomic():
        call = IvrCall.objects.get(call_id=call_id[:200])
        return Handover.objects.create(
            call=call,
            mobile=call.mobile,
            caller=caller[:64],
            reference=reference,
            keyed=keyed[:40],
            reason=reason[:20],
            created_at=clock.now(),
        )
