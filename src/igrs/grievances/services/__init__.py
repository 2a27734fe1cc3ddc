"""Every write to a complaint, one module per concern (Zulip's `actions/` style). Each action
has the same shape (ARCHITECTURE.md, step 4): load → check the transition table → conditional
update on version → timeline event → outbox rows, all in one transaction (transitions.py).
Nothing else changes a complaint's status. Faces import the actions from here.
"""

from .clusters import cluster_new, link_instead
from .conflict import move_from_conflicted_holders
from .desk import correct, forward, return_to_citizen
from .messages import add_note, remind, reopen
from .officer import (
    AtrDetails,
    approve_subordinate_report,
    decide_special_closure,
    forward_down,
    grade_disposal,
    interim_reply,
    propose_special_closure,
    return_misrouted,
    submit_atr,
    submit_cluster_atr,
)
from .personal import (
    anonymise_complaints,
    correct_personal_data,
    erase_personal_data,
)
from .registration import NewComplaint, register, register_once
from .sweep import SweepReport, escalate_overdue, send_reminder, sweep
from .uploads import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload
from .verification import NoAnswer, Outcome, call_back_later, claim_next_verification, verify

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "AtrDetails",
    "NewComplaint",
    "NoAnswer",
    "Outcome",
    "SweepReport",
    "Upload",
    "add_note",
    "anonymise_complaints",
    "approve_subordinate_report",
    "call_back_later",
    "claim_next_verification",
    "correct",
    "correct_personal_data",
    "decide_special_closure",
    "erase_personal_data",
    "escalate_overdue",
    "forward",
    "forward_down",
    "grade_disposal",
    "interim_reply",
    "link_instead",
    "move_from_conflicted_holders",
    "propose_special_closure",
    "register",
    "register_once",
    "remind",
    "reopen",
    "return_misrouted",
    "return_to_citizen",
    "send_reminder",
    "submit_atr",
    "submit_cluster_atr",
    "cluster_new",
    "sweep",
    "verify",
]
