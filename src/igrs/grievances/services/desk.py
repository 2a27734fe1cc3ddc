"""What the monitoring desk does to a complaint."""

from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.text import nfc

from ..actors import Actor
from ..models import (
    Action,
    Complaint,
    Status,
)
from .checks import _category_ok, _place_ok, _post_or_error, _require, _require_impartial, _valid_id
from .sms import _assignment_sms
from .transitions import _load, _placement, _transition


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
    post = _post_or_error(to_post_id)
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
        note=nfc(note),
        data={k: v for k, v in changes.items() if k in {"category_id", "place_id"}},
        messages=lambda c: _assignment_sms(c, "assigned", now),
    )
