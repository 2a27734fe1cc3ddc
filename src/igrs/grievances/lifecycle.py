"""The transition table: which role may take which action in which status, and where it leads.

Services consult `check()` before every change; nothing else decides a status.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from igrs.core.errors import InvalidTransition, NotPermitted
from igrs.core.roles import Role

from .models import DESK_STATUSES, Action, Status

S, A, R = Status, Action, Role


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    to: frozenset[str]


def rule(roles: set[str], to: set[str]) -> Rule:
    return Rule(frozenset(roles), frozenset(to))


OPEN = (S.REGISTERED, S.ASSIGNED, S.RETURNED, S.CLOSURE_PROPOSED, S.AWAITING_VERIFICATION)
DESK = {R.DESK, R.ADMIN}

TRANSITIONS: dict[tuple[str | None, str], Rule] = {
    (None, A.REGISTER): rule({R.CITIZEN, R.AGENT, R.DESK, R.ADMIN, R.SYSTEM}, {S.REGISTERED}),
    (S.REGISTERED, A.ASSIGN): rule({R.SYSTEM}, {S.ASSIGNED}),
    # The desk takes cognizance and forwards; it may also correct a wrong assignment.
    (S.REGISTERED, A.FORWARD): rule(DESK, {S.ASSIGNED}),
    (S.RETURNED, A.FORWARD): rule(DESK, {S.ASSIGNED}),
    (S.ASSIGNED, A.FORWARD): rule(DESK, {S.ASSIGNED}),
    (S.ASSIGNED, A.FORWARD_DOWN): rule({R.OFFICER}, {S.ASSIGNED}),
    (S.ASSIGNED, A.RETURN): rule({R.OFFICER}, {S.RETURNED}),
    (S.ASSIGNED, A.SUBMIT_ATR): rule({R.OFFICER}, {S.AWAITING_VERIFICATION}),
    # A subordinate's report on a complaint forwarded down goes back to the forwarding post,
    # which approves it (its own ATR) or forwards it down again.
    (S.ASSIGNED, A.SUBORDINATE_REPORT): rule({R.OFFICER}, {S.ASSIGNED}),
    # A senior officer grades a disposal; a C re-opens it with the post that disposed of it.
    (S.AWAITING_VERIFICATION, A.GRADE): rule({R.OFFICER}, {S.AWAITING_VERIFICATION, S.ASSIGNED}),
    (S.CLOSED, A.GRADE): rule({R.OFFICER}, {S.CLOSED, S.ASSIGNED}),
    (S.ASSIGNED, A.PROPOSE_CLOSURE): rule({R.OFFICER}, {S.CLOSURE_PROPOSED}),
    (S.CLOSURE_PROPOSED, A.APPROVE_CLOSURE): rule({R.OFFICER}, {S.CLOSED}),
    (S.CLOSURE_PROPOSED, A.REJECT_CLOSURE): rule({R.OFFICER}, {S.ASSIGNED}),
    (S.AWAITING_VERIFICATION, A.VERIFY_SATISFIED): rule({R.AGENT, R.CITIZEN}, {S.CLOSED}),
    # Not satisfied goes to the superior post, or closes with the final reason at the top.
    (S.AWAITING_VERIFICATION, A.VERIFY_NOT_SATISFIED): rule(
        {R.AGENT, R.CITIZEN}, {S.ASSIGNED, S.CLOSED}
    ),
    (S.AWAITING_VERIFICATION, A.VERIFY_UNREACHABLE): rule(
        {R.AGENT}, {S.AWAITING_VERIFICATION, S.CLOSED}
    ),
    (S.AWAITING_VERIFICATION, A.CALL_BACK): rule({R.AGENT}, {S.AWAITING_VERIFICATION}),
    # For long matters: the citizen sees progress; the clock keeps running.
    (S.ASSIGNED, A.INTERIM_REPLY): rule({R.OFFICER}, {S.ASSIGNED}),
    (S.ASSIGNED, A.ESCALATE): rule({R.SYSTEM}, {S.ASSIGNED}),
    # A posting made the holder conflicted: to the first clear post above (docs/security.md).
    # With no clear post above, to the district's desk, which sends it outside the line.
    (S.ASSIGNED, A.CONFLICT_MOVE): rule({R.SYSTEM}, {S.ASSIGNED, S.RETURNED}),
    # The desk has a time limit too: a district desk's overdue complaint goes to the state's.
    **{(status, A.ESCALATE): rule({R.SYSTEM}, {status}) for status in DESK_STATUSES},
    **{(status, A.MARK_DEFAULTER): rule({R.SYSTEM}, {status}) for status in DESK_STATUSES},
    # The desk corrects what the complainant chose, or sends it back for what is missing.
    **{(status, A.CORRECT): rule(DESK, {status}) for status in DESK_STATUSES},
    **{(status, A.RETURN_TO_CITIZEN): rule(DESK, {S.CLOSED}) for status in DESK_STATUSES},
    (S.CLOSURE_PROPOSED, A.ESCALATE): rule({R.SYSTEM}, {S.ASSIGNED}),
    (S.ASSIGNED, A.MARK_DEFAULTER): rule({R.SYSTEM}, {S.ASSIGNED}),
    (S.CLOSURE_PROPOSED, A.MARK_DEFAULTER): rule({R.SYSTEM}, {S.CLOSURE_PROPOSED}),
    # The only way out of closed, whatever the closure kind (special closure included).
    (S.CLOSED, A.REOPEN): rule({R.CITIZEN, R.AGENT}, {S.ASSIGNED}),
    # Before the deadline (system), or whenever the complainant asks (online or by phone).
    (S.ASSIGNED, A.REMIND): rule({R.SYSTEM, R.CITIZEN, R.AGENT}, {S.ASSIGNED}),
    (S.CLOSURE_PROPOSED, A.REMIND): rule({R.SYSTEM, R.CITIZEN, R.AGENT}, {S.CLOSURE_PROPOSED}),
    **{
        (status, A.NOTE): rule({R.AGENT, R.SUPERVISOR, R.DESK, R.OFFICER, R.ADMIN}, {status})
        for status in (*OPEN, S.CLOSED)
    },
    # Correction or erasure at the complainant's request (docs/privacy.md): no status change.
    **{
        (status, A.PERSONAL_DATA): rule({R.DESK, R.ADMIN}, {status}) for status in (*OPEN, S.CLOSED)
    },
}


# Steps that change no state an actor decides on: they go on the timeline but leave the
# version alone, so a reminder or someone's note never makes an officer's ATR a conflict.
UNVERSIONED = frozenset({A.NOTE, A.REMIND, A.CALL_BACK, A.INTERIM_REPLY})


def allows(status: str | None, action: str, role: str) -> bool:
    """Whether a face should offer this step at all (the service still checks)."""
    found = TRANSITIONS.get((status, action))
    return found is not None and role in found.roles


def check(status: str | None, action: str, role: str) -> Rule:
    """The rule for this step, or a clear refusal."""
    found = TRANSITIONS.get((status, action))
    if found is None:
        raise InvalidTransition(
            _("The step “%(action)s” is not possible while the complaint is “%(status)s”.")
            % {"status": Status(status).label if status else "—", "action": Action(action).label}
        )
    if role not in found.roles:
        raise NotPermitted(
            _("The step “%(action)s” is not open to the role “%(role)s”.")
            % {"role": Role(role).label, "action": Action(action).label}
        )
    return found
