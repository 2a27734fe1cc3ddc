"""Registering a complaint: validation, the monthly cap and probable duplicates, routing,
and exactly-once filing under an idempotency key.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core import clock, fastsql
from igrs.core.errors import Invalid, KeyReused, LimitReached
from igrs.core.roles import Role
from igrs.core.text import clean, normalise_mobile
from igrs.directory import selectors as directory
from igrs.directory.models import UnitKind
from igrs.notifications.services import save_outbox

from .. import lifecycle, reference, routing
from ..actors import SYSTEM, Actor
from ..models import (
    Action,
    Complaint,
    RegistrationKey,
    Source,
    Status,
)
from .checks import _category_ok, _check_reference, _officer_ok, _place_ok, _post_ok
from .sms import _citizen_sms, _holder_sms
from .transitions import _event, _place_with
from .uploads import Upload, _checked_uploads, _save_attachments

# This month's registrations by a mobile, and the id of its latest probable duplicate.
MOBILE_HISTORY_SQL = """
SELECT SUM(CASE WHEN created_at >= %s THEN 1 ELSE 0 END),
       MAX(CASE WHEN created_at >= %s AND category_id = %s AND place_id = %s THEN id END)
FROM grievances_complaint WHERE mobile = %s AND created_at >= %s
"""


MAX_DESCRIPTION = 5000
# A place too coarse for the department that must act: never left for the desk to guess.
PLACE_NEEDED = {
    UnitKind.TEHSIL: gettext_lazy(
        "This kind of complaint is handled by the tehsil: choose the tehsil where the problem is."
    ),
    UnitKind.BLOCK: gettext_lazy(
        "This kind of complaint is handled by the block (vikas khand): choose the block "
        "where the problem is."
    ),
    UnitKind.THANA: gettext_lazy(
        "This kind of complaint is handled by the police station: choose the thana where "
        "the problem is."
    ),
    UnitKind.DISTRICT: gettext_lazy("Choose the district where the problem is."),
}


@dataclass(frozen=True, kw_only=True)
class NewComplaint:
    """What a face hands over to register a complaint, as typed; register() judges it."""

    source: str
    complainant_name: str
    mobile: str
    category_id: int
    place_id: int
    description: str
    address: str = ""
    email: str = ""
    place_detail: str = ""
    language: str = "hi"
    against_post_id: int | None = None
    against_officer_id: int | None = None
    call_id: str = ""
    uploads: Sequence[Upload] = ()


def register(actor: Actor, new: NewComplaint) -> Complaint:
    """Register a complaint, route it if a rule or the department's L1 post fits (else its
    district's monitoring desk holds it, under the desk's time limit), and queue the SMS to
    the complainant and the officer. Raises Invalid (per field) or LimitReached."""
    lifecycle.check(None, Action.REGISTER, actor.role)
    files = _checked_uploads(new.uploads, field="files")
    fields = _validated_registration(actor, new)
    now = clock.now()
    conflicted = routing.conflicted_posts(
        new.against_post_id, new.against_officer_id, clock.local_date(now)
    )
    post = routing.route(new.category_id, new.place_id, conflicted)
    # On PostgreSQL three round trips: the numbers with the history check, the rows, COMMIT.
    with transaction.atomic(), fastsql.batch():
        # Taking the serial also serialises this mobile's registrations (PostgreSQL), so a
        # double tap cannot slip past the monthly cap or the duplicate check.
        numbers = reference.reserve(lock_key=fields["mobile"], events=1 + (post is not None))
        duplicate = _check_mobile_history(fields["mobile"], new.category_id, new.place_id, now)
        taken = numbers()
        complaint = Complaint(
            **fields,
            pk=taken.complaint_id,
            reference=reference.make(clock.local(now).year, taken.serial),
            status=Status.REGISTERED,
            level=1,
            duplicate_of_id=duplicate and duplicate[0],
            cluster_pending=True,
            registered_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        data = {"probable_duplicate_of": duplicate[1]} if duplicate else {}
        desk = directory.desk_post_for(new.place_id) if post is None else None
        if desk is not None:
            _place_with(complaint, desk, now, fresh_deadline=True)
            data["desk_reason"] = _desk_reason(new.category_id)
        events = [_event(complaint, actor, Action.REGISTER, None, now, note="", data=data)]
        if post is not None:
            lifecycle.check(Status.REGISTERED, Action.ASSIGN, SYSTEM.role)
            _place_with(complaint, post, now, fresh_deadline=True)
            complaint.status = Status.ASSIGNED
            complaint.version = 2
            events.append(
                _event(complaint, SYSTEM, Action.ASSIGN, Status.REGISTERED, now, from_post=None)
            )
        fastsql.insert([complaint])
        # Without ids from the reservation (SQLite) the insert numbers the events.
        event_ids: Sequence[int | None] = taken.event_ids or [None] * len(events)
        for event, pk in zip(events, event_ids, strict=True):
            event.complaint, event.pk = complaint, pk
        fastsql.insert(events)
        _save_attachments(events[0], files)
        # One SMS tells the citizen both the reference and who has the complaint; the
        # officers' SMS carry links to it, so they are made once it has its id.
        save_outbox(
            [
                *_holder_sms(complaint, "assigned_officer", now),
                _citizen_sms(complaint, "registered_assigned"),
            ]
            if post is not None
            else [_citizen_sms(complaint, "registered")]
        )
    return complaint


def _desk_reason(category_id: int) -> str:
    """Why a new complaint waits for the desk (shown on the desk's queue)."""
    return "other_category" if directory.get_category(category_id).to_desk else "no_post"


def register_once(actor: Actor, key: uuid.UUID, new: NewComplaint) -> tuple[Complaint, bool]:
    """register(), idempotent under `key`: a repeat (a double tap, a refresh, a client's
    retry) returns the first complaint and False, even when both arrive at the same moment.
    The same key with a different request raises KeyReused."""
    request = _request_hash(new)
    earlier = _registered_under(key, request)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            # The key is claimed first: a parallel repeat waits here and then finds it taken,
            # instead of registering (or being refused by the monthly cap).
            claimed = RegistrationKey.objects.create(key=key, request_sha256=request)
            complaint = register(actor, new)
            claimed.complaint = complaint
            claimed.save(update_fields=["complaint"])
    except IntegrityError:
        earlier = _registered_under(key, request)
        if earlier is None:
            raise
        return earlier, False
    return complaint, True


def _request_hash(new: NewComplaint) -> str:
    """The request as the face handed it over (files by their content)."""
    fields = {f.name: getattr(new, f.name) for f in dataclasses.fields(new) if f.name != "uploads"}
    fields["uploads"] = [[u.name, hashlib.sha256(u.content).hexdigest()] for u in new.uploads]
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def _registered_under(key: uuid.UUID, request: str) -> Complaint | None:
    found = RegistrationKey.objects.select_related("complaint").filter(key=key).first()
    if found is None or found.complaint is None:
        return None
    if found.request_sha256 and found.request_sha256 != request:
        raise KeyReused(
            _(
                "This Idempotency-Key was already used for another complaint (%(ref)s). Send a "
                "new key with a new complaint."
            )
            % {"ref": found.complaint.reference}
        )
    return found.complaint


def _validated_registration(actor: Actor, new: NewComplaint) -> dict:
    errors: dict[str, str] = {}
    name = clean(new.complainant_name, "complainant_name", single_line=True)
    if not name:
        errors["complainant_name"] = _("Enter the complainant's name.")
    mobile = normalise_mobile(new.mobile)
    if mobile is None:
        errors["mobile"] = _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
    elif actor.role == Role.CITIZEN and actor.mobile != mobile:
        errors["mobile"] = _("The mobile number must be the one verified by OTP.")
    description = clean(new.description, "description")
    if len(description) < 10:
        errors["description"] = _("Describe the problem in at least 10 characters.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Keep the description under %(max)d characters.") % {
            "max": MAX_DESCRIPTION
        }
    if new.source not in Source.values:
        errors["source"] = _("Unknown source.")
    if new.language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Hindi or English.")
    email = clean(new.email, "email", single_line=True)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address or leave it empty.")
    _check_reference(
        errors,
        "category_id",
        new.category_id,
        _category_ok,
        _("Choose a complaint category from the list."),
    )
    _check_reference(
        errors,
        "place_id",
        new.place_id,
        _place_ok,
        _("Choose the district, tehsil, block or police station."),
    )
    needed = None
    if "category_id" not in errors and "place_id" not in errors:
        needed = directory.place_kind_needed(new.category_id, new.place_id)
        if needed:
            errors["place_id"] = str(PLACE_NEEDED[UnitKind(needed)])
    if new.against_post_id is not None:
        _check_reference(
            errors,
            "against_post_id",
            new.against_post_id,
            _post_ok,
            _("Choose the post the complaint is against from the list."),
        )
    if new.against_officer_id is not None:
        _check_reference(
            errors,
            "against_officer_id",
            new.against_officer_id,
            _officer_ok,
            _("Choose the officer the complaint is against from the list."),
        )
    cleaned: dict[str, Any] = {
        "source": new.source,
        "language": new.language,
        "complainant_name": name,
        "mobile": mobile,
        "address": clean(new.address, "address"),
        "email": email,
        "category_id": new.category_id,
        "place_id": new.place_id,
        "place_detail": clean(new.place_detail, "place_detail", single_line=True),
        "description": description,
        "against_post_id": new.against_post_id,
        "against_officer_id": new.against_officer_id,
        "call_id": clean(new.call_id, "call_id"),
    }
    for field in ("complainant_name", "email", "place_detail", "call_id"):
        column = Complaint._meta.get_field(field)
        assert isinstance(column, CharField) and column.max_length is not None
        limit = column.max_length
        if len(cleaned[field]) > limit and field not in errors:
            errors[field] = _("Keep this under %(max)d characters.") % {"max": limit}
    if errors:
        raise Invalid(fields=errors, details={"place_kind_needed": needed} if needed else None)
    return cleaned


def _check_mobile_history(
    mobile: str, category_id: int, place_id: int, now: dt.datetime
) -> tuple[int, str] | None:
    """Refuse past the monthly cap; return (id, reference) of the probable duplicate (same
    mobile, category and place within the window): the new complaint is linked to it, not
    dropped."""
    local = clock.local(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    window_start = now - dt.timedelta(hours=settings.IGRS_DUPLICATE_WINDOW_HOURS)
    at = connection.ops.adapt_datetimefield_value
    # Hand-written: on the registration hot path the ORM's query compilation cost more than
    # the query (served by the complaint_by_mobile index).
    with fastsql.cursor() as cursor:
        cursor.execute(
            MOBILE_HISTORY_SQL,
            [
                at(month_start),
                at(window_start),
                category_id,
                place_id,
                mobile,
                at(min(month_start, window_start)),
            ],
        )
        this_month, duplicate_id = cursor.fetchone()
    cap = settings.IGRS_MONTHLY_CAP_PER_MOBILE
    if (this_month or 0) >= cap:
        raise LimitReached(
            _(
                "This mobile number has already registered %(cap)d complaints this month, the "
                "most allowed. You can add to an earlier complaint by calling 1076, or file again "
                "next month."
            )
            % {"cap": cap}
        )
    if duplicate_id is None:
        return None
    return duplicate_id, Complaint.objects.values_list("reference", flat=True).get(pk=duplicate_id)
