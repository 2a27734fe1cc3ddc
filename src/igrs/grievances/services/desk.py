"""What the monitoring desk does to a complaint: send it to the post that must act, correct
what the complainant chose, or return it to them for what is missing. A district's desk
acts on its district's complaints; the state's desk on all."""

from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import NotPermitted
from igrs.core.roles import Role
from igrs.core.text import clean
from igrs.directory import selectors as directory

from ..actors import Actor
from ..models import Action, ClosureKind, Complaint, Status
from .checks import (
    _category_ok,
    _place_ok,
    _post_or_error,
    _require,
    _require_impartial,
    _required_text,
    _valid_id,
)
from .sms import _assignment_sms
from .transitions import _close, _load, _placement, _transition


def forward(
    actor: Actor,
    ref: str,
    *,
    to_post_id: int,
    note: str = "",
    category_id: int | None = None,
    place_id: int | None = None,
    version: int | None = None,
) -> Complaint:
    """The desk sends the complaint to the right post, correcting category or place if needed.
    The time limit starts afresh: the clock runs against the post that can act."""
    complaint = _load(ref, version)
    now = clock.now()
    _require_reach(actor, complaint)
    post = _post_or_error(to_post_id)
    changes = _corrections(complaint, category_id, place_id)
    _require_impartial(post, complaint, now)
    for field, value in changes.items():
        setattr(complaint, field, value)
    changes |= _placement(complaint, post, now, fresh_deadline=True)
    return _transition(
        complaint,
        actor,
        Action.FORWARD,
        Status.ASSIGNED,
        now,
        changes=changes,
        note=clean(note, "note"),
        data={k: v for k, v in changes.items() if k in {"category_id", "place_id"}},
        messages=lambda c: _assignment_sms(c, "assigned", now),
    )


def correct(
    actor: Actor,
    ref: str,
    *,
    category_id: int | None = None,
    place_id: int | None = None,
    note: str = "",
    version: int | None = None,
) -> Complaint:
    """Correct the category or the place while the desk holds the complaint (it then assigns
    it); the correction is on the timeline, and teaches the category suggestions."""
    complaint = _load(ref, version)
    now = clock.now()
    _require_reach(actor, complaint)
    changes = _corrections(complaint, category_id, place_id)
    _require(bool(changes), _("Change the category or the place, or assign it as it is."))
    return _transition(
        complaint,
        actor,
        Action.CORRECT,
        complaint.status,
        now,
        changes=changes,
        note=clean(note, "note"),
        data=changes,
    )


def return_to_citizen(
    actor: Actor, ref: str, *, reason: str, version: int | None = None
) -> Complaint:
    """Close a complaint that cannot be acted on as filed (no grievance stated, details
    missing), telling the complainant by SMS why and that they may file again."""
    complaint = _load(ref, version)
    now = clock.now()
    _require_reach(actor, complaint)
    reason = _required_text(reason, _("Write what the complainant must add or change."))
    return _close(
        complaint,
        actor,
        Action.RETURN_TO_CITIZEN,
        ClosureKind.RETURNED_TO_CITIZEN,
        now,
        reason,
        reason=reason,
    )


def _corrections(complaint: Complaint, category_id: int | None, place_id: int | None) -> dict:
    changes: dict = {}
    if category_id is not None and category_id != complaint.category_id:
        _require(
            _valid_id(_category_ok, category_id), _("Choose a complaint category from the list.")
        )
        changes["category_id"] = category_id
    if place_id is not None and place_id != complaint.place_id:
        _require(
            _valid_id(_place_ok, place_id),
            _("Choose the district, tehsil, block or police station."),
        )
        changes["place_id"] = place_id
    return changes


def _require_reach(actor: Actor, complaint: Complaint) -> None:
    """A district's desk acts on complaints of its district (by place, or held by its desk)."""
    if actor.role != Role.DESK or actor.user_id is None:
        return
    reach = directory.desk_reach(actor.user_id)
    held_by = (
        directory.get_post(complaint.current_post_id).unit_id if complaint.current_post_id else None
    )
    if reach is not None and not ({directory.district_of(complaint.place_id), held_by} & reach):
        raise NotPermitted(_("This complaint is for another district's desk."))
