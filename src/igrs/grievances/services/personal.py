"""The complainant's personal data on a complaint: corrected or erased on request (a staff
step with its reason, on the timeline without the values), and anonymised when its retention
has run out (privacy.retention calls anonymise_complaints). What statistics need stays:
category, place, dates, statuses, levels, the timeline's steps.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import Invalid, InvalidTransition
from igrs.core.roles import Role
from igrs.core.text import clean, normalise_mobile

from ..actors import Actor
from ..models import Action, Attachment, Complaint, Event, Status
from .checks import _require_role, _required_text
from .transitions import _load, _transition

ERASED = "—"
# What the complainant's personal data is, on the complaint row, and what it becomes.
ANONYMOUS = {
    "complainant_name": ERASED,
    "mobile": "",
    "address": "",
    "email": "",
    "description": ERASED,
    "call_id": "",
}
# Timeline notes in the complainant's words (or an agent's record of them).
THEIR_WORDS = (Role.CITIZEN, Role.AGENT)
# What an action-taken report records of the people met and what they said.
STATEMENTS = ("persons_met", "complainant_statement", "opposite_party_statement")
CORRECTABLE = ("complainant_name", "mobile", "address", "email")


def correct_personal_data(
    actor: Actor, ref: str, *, reason: str, version: int | None = None, **corrections: str
) -> Complaint:
    """Correct the complainant's name, mobile, address or e-mail at their request (desk or
    administrator). The timeline says which fields changed and why, never the values."""
    _require_role(actor, Role.DESK, Role.ADMIN)
    complaint = _load(ref, version)
    reason = _required_text(reason, _("Write why (the complainant's request)."))
    changes = _checked_corrections(corrections)
    changes = {f: v for f, v in changes.items() if getattr(complaint, f) != v}
    if not changes:
        raise Invalid(_("Nothing to correct: the values are the same."))
    return _transition(
        complaint,
        actor,
        Action.PERSONAL_DATA,
        complaint.status,
        clock.now(),
        changes=changes,
        note=reason,
        data={"corrected": sorted(changes)},
    )


def _checked_corrections(corrections: dict[str, str]) -> dict[str, str]:
    unknown = set(corrections) - set(CORRECTABLE)
    if unknown:
        raise Invalid(_("Only the name, mobile, address and e-mail can be corrected."))
    changes = {
        field: clean(value, field, single_line=field != "address")
        for field, value in corrections.items()
    }
    if "complainant_name" in changes and not changes["complainant_name"]:
        raise Invalid(fields={"complainant_name": _("Enter the complainant's name.")})
    if "mobile" in changes:
        mobile = normalise_mobile(changes["mobile"])
        if mobile is None:
            raise Invalid(
                fields={
                    "mobile": _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
                }
            )
        changes["mobile"] = mobile
    if changes.get("email"):
        try:
            validate_email(changes["email"])
        except ValidationError:
            raise Invalid(
                fields={"email": _("Enter a valid e-mail address or leave it empty.")}
            ) from None
    return changes


def erase_personal_data(
    actor: Actor, ref: str, *, reason: str, version: int | None = None
) -> Complaint:
    """Erase the complainant's personal data at their request, once the complaint is closed
    (while it is handled, the officer and the call-back need them). The timeline keeps the
    step and its reason."""
    _require_role(actor, Role.DESK, Role.ADMIN)
    complaint = _load(ref, version)
    reason = _required_text(reason, _("Write why (the complainant's request)."))
    if complaint.status != Status.CLOSED:
        raise InvalidTransition(
            _("Personal data can be erased once the complaint is closed; correct it until then.")
        )
    with transaction.atomic():
        _forget_their_words([complaint.pk])
        return _transition(
            complaint,
            actor,
            Action.PERSONAL_DATA,
            complaint.status,
            clock.now(),
            changes=dict(ANONYMOUS),
            note=reason,
            data={"erased": True},
        )


def anonymise_complaints(ids: Sequence[int]) -> int:
    """Anonymise these complaints' personal data (retention): the row's fields, the notes in
    the complainant's words, the statements in reports, the files they sent. Idempotent; no
    timeline step (retention is a rule, not a decision about one complaint)."""
    with transaction.atomic():
        done = Complaint.objects.filter(pk__in=ids).update(**ANONYMOUS, version=F("version") + 1)
        _forget_their_words(ids)
    return done


def _forget_their_words(ids: Sequence[int]) -> None:
    Event.objects.filter(complaint_id__in=ids, role__in=THEIR_WORDS).exclude(note="").update(
        note=""
    )
    reports = Event.objects.filter(
        complaint_id__in=ids, action__in=(Action.SUBMIT_ATR, Action.SUBORDINATE_REPORT)
    )
    for event in reports.only("pk", "data"):
        if any(key in event.data for key in STATEMENTS):
            kept = {k: v for k, v in event.data.items() if k not in STATEMENTS}
            Event.objects.filter(pk=event.pk).update(data=kept)
    sent = Attachment.objects.filter(event__complaint_id__in=ids, event__action=Action.REGISTER)
    for attachment in sent:
        for stored in {attachment.file.name or "", attachment.public_file.name or ""} - {""}:
            attachment.file.storage.delete(stored)
    sent.delete()
