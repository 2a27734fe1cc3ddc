"""Every write to a complaint. Each action has the same shape (ARCHITECTURE.md, step 4):
load → check the transition table → conditional update on version → timeline event → outbox
rows, all in one transaction. Nothing else changes a complaint's status.
"""

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from igrs.core import clock, fastsql, links
from igrs.core.locks import lock_for_transaction
from igrs.core.text import nfc, normalise_mobile
from igrs.directory import selectors as directory
from igrs.directory.models import Post, UnitKind
from igrs.notifications.models import OutboxMessage
from igrs.notifications.services import queue_sms, save_outbox

from . import deadlines, evidence, lifecycle, reference, routing, selectors
from .actors import SYSTEM, Actor
from .errors import Conflict, InvalidTransition, LimitReached, NotFound, NotPermitted
from .models import (
    TIMED_STATUSES,
    Action,
    Attachment,
    ClosureKind,
    Complaint,
    Defaulter,
    Disposal,
    Event,
    Grade,
    RegistrationKey,
    Role,
    Source,
    SpecialGround,
    Status,
)

# This month's registrations by a mobile, and the id of its latest probable duplicate.
MOBILE_HISTORY_SQL = """
SELECT SUM(CASE WHEN created_at >= %s THEN 1 ELSE 0 END),
       MAX(CASE WHEN created_at >= %s AND category_id = %s AND place_id = %s THEN id END)
FROM grievances_complaint WHERE mobile = %s AND created_at >= %s
"""
MAX_DESCRIPTION = 5000
MIN_REPORT = 10
PLACE_KINDS = {UnitKind.DISTRICT, UnitKind.TEHSIL, UnitKind.BLOCK, UnitKind.THANA}
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# File types are recognised by their first bytes, never by the name's extension.
MAGIC = {
    b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class AtrDetails:
    """The structured part of an action-taken report (all optional)."""

    site_visit_on: dt.date | None = None
    persons_met: str = ""
    complainant_statement: str = ""
    opposite_party_statement: str = ""

    def cleaned(self, now: dt.datetime) -> dict:
        if self.site_visit_on is not None:
            _require(self.site_visit_on <= clock.local_date(now),
                     _("The site visit cannot be in the future."))
        fields = {"persons_met": nfc(self.persons_met),
                  "complainant_statement": nfc(self.complainant_statement),
                  "opposite_party_statement": nfc(self.opposite_party_statement)}
        if self.site_visit_on is not None:
            fields["site_visit_on"] = self.site_visit_on.isoformat()
        return {name: value for name, value in fields.items() if value}


# ---------------------------------------------------------------- registration


def register(
    actor: Actor, *, source: str, complainant_name: str, mobile: str, category_id: int,
    place_id: int, description: str, address: str = "", email: str = "", place_detail: str = "",
    language: str = "hi", against_post_id: int | None = None,
    against_officer_id: int | None = None, call_id: str = "", uploads: Sequence[Upload] = (),
) -> Complaint:
    """Register a complaint, route it if a rule or the department's L1 post fits, and queue the
    SMS to the complainant and the officer. Raises ValidationError (per field) or LimitReached."""
    lifecycle.check(None, Action.REGISTER, actor.role)
    files = _checked_uploads(uploads, field="files")
    fields = _validated_registration(
        actor, source=source, complainant_name=complainant_name, mobile=mobile,
        category_id=category_id, place_id=place_id, description=description, address=address,
        email=email, place_detail=place_detail, language=language,
        against_post_id=against_post_id, against_officer_id=against_officer_id, call_id=call_id,
    )
    now = clock.now()
    conflicted = routing.conflicted_posts(against_post_id, against_officer_id,
                                          clock.local_date(now))
    post = routing.route(category_id, place_id, conflicted)
    # On PostgreSQL three round trips: the numbers with the history check, the rows, COMMIT.
    with transaction.atomic(), fastsql.batch():
        # Taking the serial also serialises this mobile's registrations (PostgreSQL), so a
        # double tap cannot slip past the monthly cap or the duplicate check.
        numbers = reference.reserve(lock_key=fields["mobile"], events=1 + (post is not None))
        duplicate = _check_mobile_history(fields["mobile"], category_id, place_id, now)
        taken = numbers()
        complaint = Complaint(
            **fields, pk=taken.complaint_id,
            reference=reference.make(clock.local(now).year, taken.serial),
            status=Status.REGISTERED, level=1, duplicate_of_id=duplicate and duplicate[0],
            registered_by_id=actor.user_id, created_at=now, updated_at=now, version=1,
        )
        events = [_event(complaint, actor, Action.REGISTER, None, now, note="",
                         data={"probable_duplicate_of": duplicate[1]} if duplicate else {})]
        if post is not None:
            lifecycle.check(Status.REGISTERED, Action.ASSIGN, SYSTEM.role)
            _place_with(complaint, post, now, fresh_deadline=True)
            complaint.status = Status.ASSIGNED
            complaint.version = 2
            events.append(_event(complaint, SYSTEM, Action.ASSIGN, Status.REGISTERED, now,
                                 from_post=None))
        fastsql.insert([complaint])
        for event, pk in zip(events, taken.event_ids or [None] * len(events), strict=True):
            event.complaint, event.pk = complaint, pk
        fastsql.insert(events)
        _save_attachments(events[0], files)
        # One SMS tells the citizen both the reference and who has the complaint; the
        # officers' SMS carry links to it, so they are made once it has its id.
        save_outbox([*_holder_sms(complaint, "assigned_officer"),
                     _citizen_sms(complaint, "registered_assigned")] if post is not None
                    else [_citizen_sms(complaint, "registered")])
    return complaint


def register_once(actor: Actor, key: uuid.UUID, **fields) -> tuple[Complaint, bool]:
    """register(), idempotent under `key`: a repeat (a double tap, a refresh, a client's
    retry) returns the first complaint and False, even when both arrive at the same moment."""
    earlier = _registered_under(key)
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            # The key is claimed first: a parallel repeat waits here and then finds it taken,
            # instead of registering (or being refused by the monthly cap).
            claimed = RegistrationKey.objects.create(key=key)
            complaint = register(actor, **fields)
            claimed.complaint = complaint
            claimed.save(update_fields=["complaint"])
    except IntegrityError:
        earlier = _registered_under(key)
        if earlier is None:
            raise
        return earlier, False
    return complaint, True


def _registered_under(key: uuid.UUID) -> Complaint | None:
    found = RegistrationKey.objects.select_related("complaint").filter(key=key).first()
    return found.complaint if found and found.complaint else None


def _validated_registration(actor: Actor, **raw) -> dict:
    errors: dict[str, str] = {}
    name = nfc(raw["complainant_name"], single_line=True)
    if not name:
        errors["complainant_name"] = _("Enter the complainant's name.")
    mobile = normalise_mobile(raw["mobile"])
    if mobile is None:
        errors["mobile"] = _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
    elif actor.role == Role.CITIZEN and actor.mobile != mobile:
        errors["mobile"] = _("The mobile number must be the one verified by OTP.")
    description = nfc(raw["description"])
    if len(description) < 10:
        errors["description"] = _("Describe the problem in at least 10 characters.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Keep the description under %(max)d characters.") % {
            "max": MAX_DESCRIPTION}
    if raw["source"] not in Source.values:
        errors["source"] = _("Unknown source.")
    if raw["language"] not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Hindi or English.")
    email = nfc(raw["email"], single_line=True)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address or leave it empty.")
    _check_reference(errors, "category_id", raw["category_id"], _category_ok,
                     _("Choose a complaint category from the list."))
    _check_reference(errors, "place_id", raw["place_id"], _place_ok,
                     _("Choose the district, tehsil, block or police station."))
    if raw["against_post_id"] is not None:
        _check_reference(errors, "against_post_id", raw["against_post_id"], _post_ok,
                         _("Choose the post the complaint is against from the list."))
    if raw["against_officer_id"] is not None:
        _check_reference(errors, "against_officer_id", raw["against_officer_id"], _officer_ok,
                         _("Choose the officer the complaint is against from the list."))
    cleaned = {
        "source": raw["source"], "language": raw["language"], "complainant_name": name,
        "mobile": mobile, "address": nfc(raw["address"]), "email": email,
        "category_id": raw["category_id"], "place_id": raw["place_id"],
        "place_detail": nfc(raw["place_detail"], single_line=True), "description": description,
        "against_post_id": raw["against_post_id"],
        "against_officer_id": raw["against_officer_id"], "call_id": nfc(raw["call_id"]),
    }
    for field in ("complainant_name", "email", "place_detail", "call_id"):
        limit = Complaint._meta.get_field(field).max_length
        if len(cleaned[field]) > limit and field not in errors:
            errors[field] = _("Keep this under %(max)d characters.") % {"max": limit}
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_reference(errors: dict, field: str, value, ok: Callable[[int], bool], message: str):
    if not _valid_id(ok, value):
        errors[field] = message


def _valid_id(ok: Callable[[int], bool], value) -> bool:
    """An id of an existing row that passes `ok`."""
    try:
        return isinstance(value, int) and 0 < value < 2**63 and ok(value)
    except ObjectDoesNotExist:
        return False


def _category_ok(pk: int) -> bool:
    return directory.get_category(pk).active


def _place_ok(pk: int) -> bool:
    return directory.get_unit(pk).kind in PLACE_KINDS


def _post_ok(pk: int) -> bool:
    return directory.get_post(pk) is not None


def _officer_ok(pk: int) -> bool:
    return directory.get_officer(pk) is not None


def _check_mobile_history(mobile: str, category_id: int, place_id: int,
                          now: dt.datetime) -> tuple[int, str] | None:
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
        cursor.execute(MOBILE_HISTORY_SQL, [
            at(month_start), at(window_start), category_id, place_id, mobile,
            at(min(month_start, window_start)),
        ])
        this_month, duplicate_id = cursor.fetchone()
    cap = settings.IGRS_MONTHLY_CAP_PER_MOBILE
    if (this_month or 0) >= cap:
        raise LimitReached(
            _("This mobile number has already registered %(cap)d complaints this month, the "
              "most allowed. You can add to an earlier complaint by calling 1076, or file again "
              "next month.") % {"cap": cap}
        )
    if duplicate_id is None:
        return None
    return duplicate_id, Complaint.objects.values_list("reference", flat=True).get(
        pk=duplicate_id)


# ---------------------------------------------------------------- monitoring desk


def forward(actor: Actor, ref: str, *, to_post_id: int, note: str = "",
            category_id: int | None = None, place_id: int | None = None,
            version: int | None = None) -> Complaint:
    """The desk sends the complaint to the right post, correcting category or place if needed.
    The time limit starts afresh: the clock runs against the post that can act."""
    complaint = _load(ref, version)
    post = _post_or_error(to_post_id)
    changes: dict = {}
    if category_id is not None and category_id != complaint.category_id:
        _require(_valid_id(_category_ok, category_id),
                 _("Choose a complaint category from the list."))
        changes["category_id"] = category_id
    if place_id is not None and place_id != complaint.place_id:
        _require(_valid_id(_place_ok, place_id),
                 _("Choose the district, tehsil, block or police station."))
        changes["place_id"] = place_id
    _require_impartial(post, complaint)
    now = clock.now()
    for field, value in changes.items():
        setattr(complaint, field, value)
    changes |= _placement(complaint, post, now, fresh_deadline=True)
    return _transition(
        complaint, actor, Action.FORWARD, Status.ASSIGNED, now, changes=changes, note=nfc(note),
        data={k: v for k, v in changes.items() if k in {"category_id", "place_id"}},
        messages=lambda c: _assignment_sms(c, "assigned"),
    )


# ---------------------------------------------------------------- officer


def forward_down(actor: Actor, ref: str, *, to_post_id: int, note: str = "",
                 version: int | None = None) -> Complaint:
    """Send to a subordinate post within the holder's jurisdiction. The deadline does not move:
    forwarding is not a way to buy time."""
    complaint = _load(ref, version)
    acting = _acting_post(actor, complaint.current_post_id)
    post = _post_or_error(to_post_id)
    _require(routing.is_subordinate(post.pk, acting.pk),
             _("You can forward only to a post under your own."))
    _require_impartial(post, complaint)
    now = clock.now()
    changes = _placement(complaint, post, now, fresh_deadline=False)
    return _transition(
        complaint, actor, Action.FORWARD_DOWN, Status.ASSIGNED, now, changes=changes,
        note=nfc(note), acting_post=acting, messages=lambda c: _holder_sms(c, "assigned_officer"),
    )


def return_misrouted(actor: Actor, ref: str, *, reason: str, suggestion: str = "",
                     version: int | None = None) -> Complaint:
    """Give back a complaint that is not this post's: the desk transfers it. Never a closure.
    Returning it after its deadline does not wipe the default: the posts are marked first."""
    complaint = _load(ref, version)
    acting = _acting_post(actor, complaint.current_post_id)
    reason = _required_text(reason, _("Say why the complaint is not for your post."))
    now = clock.now()
    overdue = (complaint.due_at is not None and complaint.due_at < now
               and not complaint.defaulted)
    changes = {"current_post": None, "accountable_post": None, "due_at": None,
               "remind_at": None, "assigned_at": now}
    suggestion = nfc(suggestion, single_line=True)
    return _transition(complaint, actor, Action.RETURN, Status.RETURNED, now, changes=changes,
                       note=reason, acting_post=acting,
                       data={"suggestion": suggestion} if suggestion else None,
                       also=(_defaulter_marker(complaint, _defaulting_posts(complaint), now)
                             if overdue else None))


def submit_atr(actor: Actor, ref: str, *, disposal: str, report: str,
               attachments: Sequence[Upload] = (), details: AtrDetails | None = None,
               version: int | None = None) -> Complaint:
    """The action-taken report (आख्या): what was done, and optionally the site visit, who was
    met and what each side said. 'Cannot be resolved' needs its reason in the report; a
    'resolved' report in a category of physical works needs a photo. The complaint then waits
    for the call centre to verify with the complainant."""
    complaint = _load(ref, version)
    acting = _acting_post(actor, complaint.current_post_id)
    _require(disposal in Disposal.values, _("Choose resolved or cannot be resolved."))
    report = _required_text(report, _("Write what was done (at least %(n)d characters).")
                            % {"n": MIN_REPORT}, minimum=MIN_REPORT)
    files = _checked_uploads(attachments, field="attachments")
    category = directory.get_category(complaint.category_id)
    if disposal == Disposal.RESOLVED and category.photo_required:
        _require(any(kind.startswith("image/") for _upload, kind in files),
                 _("Attach at least one photo of the work done: this category needs one for "
                   "a resolved report."))
    now = clock.now()
    data = {"disposal": disposal, **(details.cleaned(now) if details else {})}
    photos = sum(kind.startswith("image/") for _upload, kind in files)
    if photos:
        data["photos"] = photos
    if complaint.due_at is not None and now > complaint.due_at:
        data["late"] = True  # disposed after the time limit (the ranking's timeliness)
    forwarder_id = (selectors.forwarded_by(complaint)
                    if complaint.accountable_post_id not in (None, complaint.current_post_id)
                    else None)
    if forwarder_id is not None:
        # Forwarded down: the report goes back up to the post that forwarded it, to approve.
        forwarder = directory.get_post(forwarder_id)
        return _transition(
            complaint, actor, Action.SUBORDINATE_REPORT, Status.ASSIGNED, now,
            changes=_placement(complaint, forwarder, now, fresh_deadline=False), note=report,
            data=data, acting_post=acting, attachments=files,
            messages=lambda c: _post_sms(forwarder, c, "subordinate_report_officer"))
    changes = {"disposal": disposal, "verification_attempts": 0, "remind_at": None}
    return _transition(
        complaint, actor, Action.SUBMIT_ATR, Status.AWAITING_VERIFICATION, now, changes=changes,
        note=report, data=data, acting_post=acting, attachments=files,
        messages=lambda c: [_citizen_sms(c, "disposed_citizen",
                                         outcome=_label(Disposal(disposal), c.language))],
    )


def approve_subordinate_report(actor: Actor, ref: str, *, note: str = "",
                               version: int | None = None) -> Complaint:
    """The forwarding officer adopts the subordinate's report as the action-taken report (with
    its evidence); to disagree, they forward it down again with instructions."""
    complaint = _load(ref, version)
    acting = _acting_post(actor, complaint.current_post_id)
    report = selectors.pending_subordinate_report(complaint)
    _require(report is not None, _("There is no report from a subordinate to approve."))
    now = clock.now()
    disposal = report.data["disposal"]
    text = report.note + (f"\n\n{nfc(note)}" if nfc(note) else "")
    return _transition(
        complaint, actor, Action.SUBMIT_ATR, Status.AWAITING_VERIFICATION, now,
        changes={"disposal": disposal, "verification_attempts": 0, "remind_at": None},
        note=text, data=_approved_data(report, complaint, now), acting_post=acting,
        also=lambda event: _adopt_attachments(report, event),
        messages=lambda c: [_citizen_sms(c, "disposed_citizen",
                                         outcome=_label(Disposal(disposal), c.language))],
    )


def _approved_data(report: Event, complaint: Complaint, now: dt.datetime) -> dict:
    """The subordinate's report as the forwarder's: its content, but this step's own
    timeliness, and not the subordinate's time held (counted once, on the report)."""
    content = {k: v for k, v in report.data.items() if k not in ("stay_hours", "late")}
    late = complaint.due_at is not None and now > complaint.due_at
    return {**content, **({"late": True} if late else {}), "approved_report": report.pk}


def _adopt_attachments(report: Event, event: Event) -> None:
    """The subordinate's evidence, also on the approved report (same stored files)."""
    Attachment.objects.bulk_create(
        Attachment(event=event, file=a.file.name, original_name=a.original_name,
                   content_type=a.content_type, size=a.size, sha256=a.sha256,
                   taken_at=a.taken_at, latitude=a.latitude, longitude=a.longitude,
                   warnings=a.warnings)
        for a in report.attachments.all())


def grade_disposal(actor: Actor, ref: str, *, grade: str, remarks: str = "",
                   version: int | None = None) -> Complaint:
    """A senior officer (a post above the one that filed the action-taken report, level 2 or
    higher, and not the officer who filed it) grades the disposal A, B or C, once. C re-opens
    it with the disposing post, with a fresh time limit and the grader's remarks; A and B
    decide nothing else, so a verification call in progress is not disturbed."""
    complaint = _load(ref, version)
    lifecycle.check(complaint.status, Action.GRADE, actor.role)
    _require(grade in Grade.values, _("Choose grade A, B or C."))
    disposed_id = selectors.disposing_post(complaint)
    _require(disposed_id is not None, _("There is no disposal by an officer to grade."))
    _require(not selectors.graded_since_disposal(complaint),
             _("This disposal has already been graded."))
    disposed = directory.get_post(disposed_id)
    grader = _senior_post(actor, disposed, complaint)
    remarks = nfc(remarks)
    now = clock.now()
    data = {"grade": grade, "disposed_by_post": disposed.pk}
    if grade != Grade.C:
        return _transition(complaint, actor, Action.GRADE, complaint.status, now,
                           note=remarks, data=data, acting_post=grader, bump=False)
    _require(remarks, _("Write what is wrong with the disposal."))
    changes = _placement(complaint, disposed, now, fresh_deadline=True) | {
        "disposal": "", "verification_attempts": 0, "closure_kind": "", "closed_at": None,
        "special_ground": ""}
    return _transition(complaint, actor, Action.GRADE, Status.ASSIGNED, now, changes=changes,
                       note=remarks, data=data, acting_post=grader,
                       messages=lambda c: _holder_sms(c, "graded_c_officer"))


def _senior_post(actor: Actor, disposed: Post, complaint: Complaint) -> Post:
    """The post the grader acts for: one they hold, above the disposing post, at level 2+;
    never the officer who filed the report (an additional charge does not let one grade
    oneself)."""
    if actor.role != Role.OFFICER or actor.officer_id is None:
        raise NotPermitted(_("Only a senior officer can grade a disposal."))
    filed_by = (complaint.events.filter(action=Action.SUBMIT_ATR).order_by("-at", "-pk")
                .values_list("actor_officer_id", flat=True).first())
    held = directory.posts_held_by(actor.officer_id, clock.local_date(clock.now()))
    above = [p for p in directory.post_chain(disposed.pk)[1:] if p.pk in held and p.level >= 2]
    if not above or filed_by == actor.officer_id:
        raise NotPermitted(_("Only an officer above the post that disposed of it can grade it."))
    return above[0]


def propose_special_closure(actor: Actor, ref: str, *, ground: str, reason: str,
                            version: int | None = None) -> Complaint:
    """Ask the post one level up to close the complaint as out of scope. The deciding post
    gets its own time limit and is accountable for it: if it does not decide in time, it is
    the defaulter and the complaint goes above it."""
    complaint = _load(ref, version)
    acting = _acting_post(actor, complaint.current_post_id)
    _require(ground in SpecialGround.values, _("Choose a ground for special closure."))
    _require(acting.superior_id is not None,
             _("Special closure needs approval from a post above yours; there is none."))
    reason = _required_text(reason, _("Give the reason for special closure."))
    now = clock.now()
    decider = directory.get_post(acting.superior_id)
    due = deadlines.due_at(now, complaint.source, complaint.category_id, decider.level)
    changes = {"special_ground": ground, "accountable_post": decider, "due_at": due,
               "remind_at": deadlines.remind_at(now, due), "defaulted": False}
    return _transition(
        complaint, actor, Action.PROPOSE_CLOSURE, Status.CLOSURE_PROPOSED, now,
        changes=changes, note=reason, data={"ground": ground}, acting_post=acting,
        messages=lambda c: _post_sms(decider, c, "closure_proposed_officer"),
    )


def decide_special_closure(actor: Actor, ref: str, *, approve: bool, note: str = "",
                           version: int | None = None) -> Complaint:
    """Only the post one level above the proposer decides. Approval closes the complaint but
    the complainant can still give feedback and re-open it."""
    complaint = _load(ref, version)
    proposer = directory.get_post(complaint.current_post_id) if complaint.current_post_id else None
    if complaint.status != Status.CLOSURE_PROPOSED or proposer is None:
        lifecycle.check(complaint.status, Action.APPROVE_CLOSURE, actor.role)
    acting = _acting_post(actor, proposer.superior_id)
    now = clock.now()
    if approve:
        ground = SpecialGround(complaint.special_ground)
        return _transition(
            complaint, actor, Action.APPROVE_CLOSURE, Status.CLOSED, now,
            changes={"closure_kind": ClosureKind.SPECIAL, "closed_at": now, "remind_at": None},
            note=nfc(note), data={"ground": ground.value}, acting_post=acting,
            messages=lambda c: [_citizen_sms(c, "closed_citizen",
                                             outcome=_label(ClosureKind.SPECIAL, c.language),
                                             reason=_label(ground, c.language))],
        )
    note = _required_text(note, _("Say why the special closure is rejected."))
    # Back to the proposer with a fresh limit: the time the decision took is not theirs.
    changes = {"special_ground": ""} | _placement(complaint, proposer, now, fresh_deadline=True)
    return _transition(complaint, actor, Action.REJECT_CLOSURE, Status.ASSIGNED, now,
                       changes=changes, note=note, acting_post=acting,
                       messages=lambda c: _holder_sms(c, "closure_rejected_officer"))


# ---------------------------------------------------------------- verification and re-opening


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


def verify(actor: Actor, ref: str, *, outcome: str, note: str = "",
           no_answer: str = NoAnswer.NOT_REACHABLE, version: int | None = None) -> Complaint:
    """Record the complainant's verdict on the action taken (call-back or online feedback).
    Not reachable: tried again after the retry delay, and after the last attempt closed as
    unverified and flagged."""
    complaint = _load(ref, version)
    _require(outcome in Outcome.ALL, _("Choose satisfied, not satisfied or not reachable."))
    _require_complainant(actor, complaint)
    now = clock.now()
    _require_independent(actor, complaint, now)
    _require_free_or_own_call(actor, complaint, now)
    note = nfc(note)
    if outcome == Outcome.SATISFIED:
        return _close(complaint, actor, Action.VERIFY_SATISFIED, ClosureKind.SATISFIED, now, note)
    if outcome == Outcome.UNREACHABLE:
        _require(no_answer in NoAnswer.ALL,
                 _("Choose not reachable, switched off or wrong number."))
        attempts = complaint.verification_attempts + 1
        data = {"attempt": attempts, "no_answer": no_answer}
        if attempts >= settings.IGRS_MAX_VERIFICATION_ATTEMPTS:
            return _close(complaint, actor, Action.VERIFY_UNREACHABLE, ClosureKind.UNVERIFIED,
                          now, note, extra={"verification_attempts": attempts, "flagged": True},
                          data=data)
        return _transition(complaint, actor, Action.VERIFY_UNREACHABLE,
                           Status.AWAITING_VERIFICATION, now,
                           changes={"verification_attempts": attempts,
                                    "verify_after": now + _retry_delay(attempts)},
                           note=note, data=data)
    lifecycle.check(complaint.status, Action.VERIFY_NOT_SATISFIED, actor.role)
    if not note:
        raise ValidationError({"note": _("Write why the complainant is not satisfied.")})
    superior = routing.superior_for(_accountable(complaint).pk, _conflicted(complaint))
    if superior is None and settings.IGRS_CLOSE_AT_TOP_WHEN_NOT_SATISFIED:
        return _close(complaint, actor, Action.VERIFY_NOT_SATISFIED, ClosureKind.FINAL, now,
                      note, reason=_last_report(complaint))
    target = superior or _accountable(complaint)
    return _move_up(complaint, actor, Action.VERIFY_NOT_SATISFIED, target, now, note)


def _retry_delay(attempts: int) -> dt.timedelta:
    delays = settings.IGRS_VERIFICATION_RETRY_HOURS
    return dt.timedelta(hours=delays[min(attempts, len(delays)) - 1])


def call_back_later(actor: Actor, ref: str, *, at: dt.datetime, note: str = "") -> Complaint:
    """The complainant asked to be called at another time: the verification call waits till
    then (it is not an unanswered attempt)."""
    complaint = _load(ref, None)
    lifecycle.check(complaint.status, Action.CALL_BACK, actor.role)
    now = clock.now()
    _require_independent(actor, complaint, now)
    _require_free_or_own_call(actor, complaint, now)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)  # a time the citizen said: local (IST)
    _require(now < at <= now + dt.timedelta(days=30),
             _("Choose a time in the next 30 days for the call-back."))
    return _transition(complaint, actor, Action.CALL_BACK, Status.AWAITING_VERIFICATION, now,
                       changes={"verify_after": at}, note=nfc(note),
                       data={"call_back_at": at.isoformat()})


# Who reported the action taken, or approved the report, is of the disposing department:
# whatever other role that person also holds, they never record the complainant's verdict.
REPORTING_ACTIONS = (Action.SUBMIT_ATR, Action.PROPOSE_CLOSURE, Action.APPROVE_CLOSURE,
                     Action.SUBORDINATE_REPORT)
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


# Hands the oldest due verification call to one agent. The inner SELECT … FOR UPDATE SKIP
# LOCKED lets parallel agents pass over a row another is taking; the outer UPDATE re-checks the
# lease on the row itself, so a row taken a moment ago is never handed out twice. SQLite runs
# the whole statement under its single writer lock. An agent who reported the action taken on a
# complaint is never handed its verification call.
CLAIM_SQL = f"""
UPDATE grievances_complaint
SET verification_agent_id = %s, verification_claimed_until = %s
WHERE id = (
    SELECT id FROM grievances_complaint
    WHERE verify_after IS NOT NULL AND verify_after <= %s
      AND (verification_claimed_until IS NULL OR verification_claimed_until < %s)
      AND NOT EXISTS ({_reported_by_sql("grievances_complaint.id")})
    ORDER BY verify_after, id LIMIT 1 {{lock}}
) AND (verification_claimed_until IS NULL OR verification_claimed_until < %s)
RETURNING id
"""


def claim_next_verification(actor: Actor) -> Complaint | None:
    """The verification call this agent should make now: the one they already hold, else the
    oldest due one, taken for IGRS_VERIFICATION_LEASE_MINUTES. None when nothing is due."""
    _require_role(actor, Role.AGENT)
    now = clock.now()
    until = now + dt.timedelta(minutes=settings.IGRS_VERIFICATION_LEASE_MINUTES)
    at = connection.ops.adapt_datetimefield_value
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with transaction.atomic():
        # One claim at a time per agent, so a double click cannot take two calls.
        lock_for_transaction(f"verification-agent:{actor.user_id}")
        held = selectors.held_verification(actor.user_id, now)
        if held is not None:
            return held
        with fastsql.cursor() as cursor:
            cursor.execute(CLAIM_SQL.format(lock=lock),
                           [actor.user_id, at(until), at(now), at(now), actor.user_id,
                            actor.user_id, at(now)])
            row = cursor.fetchone()
    return fastsql.select(Complaint, "id = %s", [row[0]])[0] if row else None


def _require_independent(actor: Actor, complaint: Complaint, now: dt.datetime) -> None:
    if actor.role != Role.AGENT or actor.user_id is None or _holds_call(actor, complaint, now):
        return  # a call handed out by the claim is never the reporter's: no need to ask
    with fastsql.cursor() as cursor:
        cursor.execute(REPORTED_BY_SQL, [complaint.pk, actor.user_id, actor.user_id])
        reported = cursor.fetchone() is not None
    if reported:
        raise NotPermitted(_("You reported the action taken on this complaint, so another "
                             "agent must verify it with the complainant."))


def _require_free_or_own_call(actor: Actor, complaint: Complaint, now: dt.datetime) -> None:
    """While an agent holds a verification call, no other agent records its outcome: two
    agents must never phone the same citizen about the same report."""
    held_by_other = (actor.role == Role.AGENT and complaint.verification_agent_id is not None
                     and complaint.verification_agent_id != actor.user_id
                     and _lease_live(complaint, now))
    if held_by_other:
        raise Conflict(_("Another agent is on this verification call right now."))


def _holds_call(actor: Actor, complaint: Complaint, now: dt.datetime) -> bool:
    return complaint.verification_agent_id == actor.user_id and _lease_live(complaint, now)


def _lease_live(complaint: Complaint, now: dt.datetime) -> bool:
    until = complaint.verification_claimed_until
    return until is not None and until > now


def _require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise NotPermitted(_("Your role may not use this."))


def reopen(actor: Actor, ref: str, *, reason: str, version: int | None = None) -> Complaint:
    """A complainant not satisfied with a closure sends it to the next level up."""
    complaint = _load(ref, version)
    lifecycle.check(complaint.status, Action.REOPEN, actor.role)
    _require_complainant(actor, complaint)
    reason = _required_text(reason, _("Say why you are not satisfied."))
    superior = (routing.superior_for(_accountable(complaint).pk, _conflicted(complaint))
                if complaint.current_post_id else None)
    _require(superior is not None,
             _("This complaint was decided at the highest level and cannot be re-opened."))
    return _move_up(complaint, actor, Action.REOPEN, superior, clock.now(), reason)


def add_note(actor: Actor, ref: str, *, note: str, flag: bool = False,
             version: int | None = None) -> Complaint:
    """A note on the timeline; `flag` also marks the complaint for review (e.g. an audit
    call found the complainant was never satisfied)."""
    complaint = _load(ref, version)
    lifecycle.check(complaint.status, Action.NOTE, actor.role)
    acting = None
    if actor.role == Role.OFFICER:
        acting = _acting_post(actor, complaint.current_post_id)
    note = _required_text(note, _("Write the note."))
    return _transition(complaint, actor, Action.NOTE, complaint.status, clock.now(), note=note,
                       acting_post=acting, changes={"flagged": True} if flag else None,
                       data={"flagged": True} if flag else None)


def remind(actor: Actor, ref: str) -> Complaint:
    """The complainant's reminder (अनुस्मारक): on the timeline and by SMS to the officer who must
    act, at most once per IGRS_CITIZEN_REMINDER_EVERY_HOURS."""
    complaint = _load(ref, None)
    lifecycle.check(complaint.status, Action.REMIND, actor.role)
    _require_complainant(actor, complaint)
    now = clock.now()
    period = dt.timedelta(hours=settings.IGRS_CITIZEN_REMINDER_EVERY_HOURS)
    with transaction.atomic():
        # The claim is a conditional update, so two taps at once send one reminder.
        claimed = Complaint.objects.filter(pk=complaint.pk).filter(
            Q(citizen_reminded_at__isnull=True) | Q(citizen_reminded_at__lte=now - period)
        ).update(citizen_reminded_at=now)
        if not claimed:
            last = Complaint.objects.values_list("citizen_reminded_at", flat=True).get(
                pk=complaint.pk)
            raise LimitReached(
                _("A reminder was already sent on %(last)s. You can send the next one after "
                  "%(next)s.") % {"last": _local_text(last), "next": _local_text(last + period)})
        complaint.citizen_reminded_at = now
        return _transition(
            complaint, actor, Action.REMIND, complaint.status, now,
            messages=lambda c: _post_sms(_reminded_post(c), c, "citizen_reminder_officer"))


def _local_text(moment: dt.datetime) -> str:
    return clock.local(moment).strftime("%d-%m-%Y %H:%M")


# ---------------------------------------------------------------- time limits (the sweep)


def escalate_overdue(complaint_id: int, now: dt.datetime) -> str | None:
    """Escalate one overdue complaint above the accountable post, marking it (and the holder it
    was forwarded down to, if another) defaulter. Returns what was done, or None when there
    was nothing to do (another sweep got there first)."""
    complaint = Complaint.objects.get(pk=complaint_id)
    if (complaint.status not in TIMED_STATUSES or complaint.defaulted
            or complaint.due_at is None or complaint.due_at > now):
        return None
    accountable = _accountable(complaint)
    defaulters = _defaulting_posts(complaint)
    superior = routing.superior_for(accountable.pk, _conflicted(complaint))
    missed_due = complaint.due_at
    mark_defaulters = _defaulter_marker(complaint, defaulters, now)

    key = "defaulter_officer" if superior else "defaulter_top_officer"
    defaulter_sms = [m for post in defaulters
                     for m in _post_sms(post, complaint, key, about=post)]
    data = {"defaulter_posts": [p.pk for p in defaulters], "due_at": missed_due.isoformat()}
    try:
        if superior is None:
            _transition(complaint, SYSTEM, Action.MARK_DEFAULTER, complaint.status, now,
                        changes={"defaulted": True, "remind_at": None}, data=data,
                        also=mark_defaulters, messages=lambda c: defaulter_sms)
            return "defaulted"
        _move_up(complaint, SYSTEM, Action.ESCALATE, superior, now, "", data=data,
                 also=mark_defaulters, extra_messages=defaulter_sms)
        return "escalated"
    except (Conflict, IntegrityError):
        return None


def send_reminder(complaint_id: int, now: dt.datetime) -> bool:
    complaint = Complaint.objects.get(pk=complaint_id)
    if (complaint.status not in TIMED_STATUSES or complaint.remind_at is None
            or complaint.remind_at > now):
        return False
    try:
        _transition(complaint, SYSTEM, Action.REMIND, complaint.status, now,
                    changes={"remind_at": None},
                    messages=lambda c: _post_sms(_reminded_post(c), c, "reminder_officer"))
    except Conflict:
        return False
    return True


@dataclass
class SweepReport:
    escalated: int = 0
    defaulted: int = 0
    reminded: int = 0
    more: bool = False  # stopped at the limit with work left


def sweep(now: dt.datetime | None = None, limit: int | None = None,
          batch: int = 500) -> SweepReport:
    """Escalate complaints past their deadline and send due reminders, at most `limit` of each
    (so a worker can send SMS between rounds). Idempotent: running it twice, or in two
    processes at once, acts on each complaint once (version-checked updates)."""
    now = now or clock.now()
    report = SweepReport()
    for pk in _due_ids("escalate_at", now, limit, batch, report):
        done = escalate_overdue(pk, now)
        report.escalated += done == "escalated"
        report.defaulted += done == "defaulted"
    for pk in _due_ids("remind_at", now, limit, batch, report):
        report.reminded += send_reminder(pk, now)
    return report


def _due_ids(field: str, now: dt.datetime, limit: int | None, batch: int, report: SweepReport):
    """Ids with `field` <= now in (field, id) order, paged by keyset so that rows another
    sweep already took, or that cannot move, never hide the ones behind them."""
    after: tuple[dt.datetime, int] | None = None
    taken = 0
    while True:
        rows = Complaint.objects.filter(**{f"{field}__lte": now})
        if after is not None:
            rows = rows.filter(Q(**{f"{field}__gt": after[0]})
                               | Q(**{field: after[0], "pk__gt": after[1]}))
        page = list(rows.order_by(field, "pk").values_list(field, "pk")[:batch])
        for _due, pk in page:
            if limit is not None and taken >= limit:
                report.more = True
                return
            taken += 1
            yield pk
        if len(page) < batch:
            return
        after = page[-1]


# ---------------------------------------------------------------- the one place status changes


def _transition(
    complaint: Complaint, actor: Actor, action: str, to_status: str, now: dt.datetime, *,
    changes: dict | None = None, note: str = "", data: dict | None = None,
    acting_post: Post | None = None, attachments: Sequence[tuple[Upload, str]] = (),
    messages: Callable[[Complaint], list[OutboxMessage]] | None = None,
    also: Callable[[Event], None] | None = None, bump: bool | None = None,
) -> Complaint:
    allowed = lifecycle.check(complaint.status, action, actor.role)
    if to_status not in allowed.to:
        raise InvalidTransition(_("This step is not possible for the complaint as it is now."))
    from_status, from_post_id = complaint.status, complaint.current_post_id
    held_since = complaint.assigned_at or complaint.created_at
    delayed = complaint.defaulted  # marked at the top, its delay runs until it moves on
    changes = {**_verification_queue(complaint, action, to_status, now), **(changes or {}),
               "status": to_status, "updated_at": now}
    # Steps that decide nothing leave the version alone (the table's UNVERSIONED, or the
    # caller says so for a step that decides nothing this time, e.g. an A or B grade).
    bump = action not in lifecycle.UNVERSIONED if bump is None else bump
    with transaction.atomic():
        updated = fastsql.update(Complaint, complaint.pk, changes, where="version = %s",
                                 params=[complaint.version], increment="version" if bump else "")
        if not updated:
            raise Conflict(_("Someone else acted on this complaint just now. Open the complaint "
                             "again and retry."))
        for field, value in changes.items():
            setattr(complaint, field, value)
        complaint.version += bump
        event = _event(complaint, actor, action, from_status, now, note=note,
                       data={**(data or {}), **_stay(complaint, action, from_status,
                                                     from_post_id, held_since, now)},
                       from_post=from_post_id, acting_post=acting_post)
        fastsql.insert([event])
        if delayed and _moves_on(event):
            Defaulter.objects.filter(complaint=complaint, ended_at=None).update(ended_at=now)
        _save_attachments(event, attachments)
        if also is not None:
            also(event)
        if messages is not None:
            save_outbox(messages(complaint))
    return complaint


def _stay(complaint: Complaint, action: str, from_status: str, from_post_id: int | None,
          held_since: dt.datetime, now: dt.datetime) -> dict:
    """How long the post held the complaint, when this step ends its turn: it moves on to
    another holder, or the post files its action-taken report (for the where-stuck view).
    A closed complaint was held by nobody, so a re-opening records nothing."""
    moved = complaint.current_post_id != from_post_id
    if from_post_id is None or from_status == Status.CLOSED or not (
            moved or action == Action.SUBMIT_ATR):
        return {}
    return {"stay_hours": round((now - held_since).total_seconds() / 3600, 1)}


RELEASE_HOLD = {"verification_agent": None, "verification_claimed_until": None}


def _verification_queue(complaint: Complaint, action: str, to_status: str,
                        now: dt.datetime) -> dict:
    """Entering verification puts the complaint in the call queue; an unanswered call or a
    call-back request ends the agent's hold (the caller sets the next time); leaving takes it
    out of the queue."""
    if to_status != Status.AWAITING_VERIFICATION:
        if complaint.verify_after is None and complaint.verification_agent_id is None:
            return {}
        return {"verify_after": None, **RELEASE_HOLD}
    if complaint.status != Status.AWAITING_VERIFICATION:
        return {"verify_after": now, **RELEASE_HOLD}
    return RELEASE_HOLD if action in (Action.VERIFY_UNREACHABLE, Action.CALL_BACK) else {}


def _move_up(complaint: Complaint, actor: Actor, action: str, post: Post, now: dt.datetime,
             note: str, *, data: dict | None = None, also: Callable[[Event], None] | None = None,
             extra_messages: Sequence[OutboxMessage] = ()) -> Complaint:
    """Give the complaint to a higher post with a fresh time limit: a real change of owner."""
    changes = _placement(complaint, post, now, fresh_deadline=True) | {
        "escalation_count": complaint.escalation_count + 1, "disposal": "",
        "special_ground": "", "verification_attempts": 0, "closure_kind": "", "closed_at": None,
        "defaulted": False,
    }
    return _transition(
        complaint, actor, action, Status.ASSIGNED, now, changes=changes, note=note,
        data={**(data or {}), "to_level": post.level}, also=also,
        messages=lambda c: [*extra_messages, *_assignment_sms(c, "escalated")],
    )


def _close(complaint: Complaint, actor: Actor, action: str, kind: str, now: dt.datetime,
           note: str, *, reason: str = "", extra: dict | None = None,
           data: dict | None = None) -> Complaint:
    changes = {"closure_kind": kind, "closed_at": now, **(extra or {})}
    return _transition(
        complaint, actor, action, Status.CLOSED, now, changes=changes, note=note,
        data={**(data or {}), "closure_kind": kind},
        messages=lambda c: [_citizen_sms(c, "closed_citizen",
                                         outcome=_label(ClosureKind(kind), c.language),
                                         reason=reason)],
    )


def _placement(complaint: Complaint, post: Post, now: dt.datetime, *,
               fresh_deadline: bool) -> dict:
    """Who holds it from now. A fresh time limit makes the post accountable for it; without
    one, the deadline, the accountable post and any defaulter mark stay as they were."""
    placed = {"current_post": post, "level": post.level, "assigned_at": now}
    if fresh_deadline:
        due = deadlines.due_at(now, complaint.source, complaint.category_id, post.level)
        placed |= {"due_at": due, "accountable_post": post, "defaulted": False}
    due = placed.get("due_at", complaint.due_at)
    return placed | {"remind_at": deadlines.remind_at(now, due) if due else None}


def _place_with(complaint: Complaint, post: Post, now: dt.datetime, *,
                fresh_deadline: bool) -> None:
    for field, value in _placement(complaint, post, now, fresh_deadline=fresh_deadline).items():
        setattr(complaint, field, value)


def _event(complaint: Complaint, actor: Actor, action: str, from_status: str | None,
           now: dt.datetime, *, note: str = "", data: dict | None = None,
           from_post: int | None = None, acting_post: Post | None = None) -> Event:
    return Event(
        complaint=complaint, at=now, action=action, role=actor.role, actor_user_id=actor.user_id,
        actor_officer_id=actor.officer_id, actor_post=acting_post, from_status=from_status or "",
        to_status=complaint.status, from_post_id=from_post, to_post_id=complaint.current_post_id,
        level=complaint.level, note=note, data=data or {},
    )


# ---------------------------------------------------------------- checks and helpers


def _load(ref: str, version: int | None) -> Complaint:
    digits = reference.normalise(ref or "")
    if not reference.is_valid(digits):
        raise NotFound(_("“%(ref)s” is not a valid reference number; please check the digits.")
                       % {"ref": ref})
    found = fastsql.select(Complaint, "reference = %s", [digits])
    if not found:
        raise NotFound(_("No complaint has the reference number %(ref)s.") % {"ref": digits})
    complaint = found[0]
    if version is not None and version != complaint.version:
        raise Conflict(_("The complaint has changed since you opened it. Open the complaint "
                         "again and retry."))
    return complaint


def _acting_post(actor: Actor, post_id: int | None) -> Post:
    """The post the officer acts for: it must be one they hold today."""
    if actor.role != Role.OFFICER or actor.officer_id is None:
        raise NotPermitted(_("Only an officer holding the post can do this."))
    held = directory.posts_held_by(actor.officer_id, clock.local_date(clock.now()))
    if post_id is None or post_id not in held:
        raise NotPermitted(_("This complaint is not with a post you hold."))
    return directory.get_post(post_id)


def _require_impartial(post: Post, complaint: Complaint) -> None:
    _require(not routing.is_conflicted(post.pk, _conflicted(complaint)),
             _("The complaint is against this post or a post above it; send it elsewhere."))


def _require_complainant(actor: Actor, complaint: Complaint) -> None:
    if actor.role == Role.CITIZEN and actor.mobile != complaint.mobile:
        raise NotPermitted(_("Only the complainant can give feedback on this complaint."))


def _post_or_error(post_id: int) -> Post:
    _require(_valid_id(lambda pk: directory.get_post(pk).active, post_id),
             _("Choose an active post from the list."))
    return directory.get_post(post_id)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def _required_text(text: str, message: str, minimum: int = 1) -> str:
    value = nfc(text)
    _require(len(value) >= minimum, message)
    return value


def _defaulting_posts(complaint: Complaint) -> list[Post]:
    """The post accountable for the missed deadline and, if another, the one holding it —
    except a pending special closure, where only the post that had to decide defaulted."""
    if complaint.status == Status.CLOSURE_PROPOSED:
        return [_accountable(complaint)]
    posts = (_accountable(complaint), directory.get_post(complaint.current_post_id))
    return list({post.pk: post for post in posts}.values())


def _reminded_post(complaint: Complaint) -> Post:
    """Who must act before the deadline: the holder, or the post deciding a special closure."""
    if complaint.status == Status.CLOSURE_PROPOSED:
        return _accountable(complaint)
    return directory.get_post(complaint.current_post_id)


def _defaulter_marker(complaint: Complaint, posts: list[Post],
                      now: dt.datetime) -> Callable[[Event], None]:
    """Writes the posts' defaulter rows for the current deadline, in the caller's transaction:
    with the officer who held each post on the day it fell due, and the delay ended by this
    step unless the complaint stays where it is (marked at the top)."""
    missed_due = complaint.due_at
    due_day = clock.local_date(missed_due)

    def mark(event: Event) -> None:
        Defaulter.objects.bulk_create(
            Defaulter(complaint=complaint, post=post, due_at=missed_due, marked_at=now,
                      officer=next(iter(directory.holders_of(post.pk, due_day)), None),
                      ended_at=now if _moves_on(event) else None)
            for post in posts
        )

    return mark


# Steps that move a complaint without giving it a new time limit: the delay goes on.
KEEPS_THE_DEADLINE = (Action.FORWARD_DOWN, Action.SUBORDINATE_REPORT)


def _moves_on(event: Event) -> bool:
    """Whether a step ends a delay past the deadline: it changes the complaint's status or
    holder, other than a forward to a subordinate or the subordinate's report."""
    return event.action not in KEEPS_THE_DEADLINE and (
        event.from_status != event.to_status or event.from_post_id != event.to_post_id)


def _accountable(complaint: Complaint) -> Post:
    return directory.get_post(complaint.accountable_post_id or complaint.current_post_id)


def _conflicted(complaint: Complaint) -> frozenset[int]:
    """Posts the complaint is against: the named post, and every post the named officer held
    when it was registered or holds today (a transfer does not make them impartial)."""
    days = {clock.local_date(complaint.created_at), clock.local_date(clock.now())}
    return frozenset().union(*(
        routing.conflicted_posts(complaint.against_post_id, complaint.against_officer_id, day)
        for day in days))


def _last_report(complaint: Complaint) -> str:
    event = complaint.events.filter(action=Action.SUBMIT_ATR).order_by("-at", "-pk").first()
    return event.note if event else ""


def _checked_uploads(uploads: Sequence[Upload],
                     field: str | None = None) -> list[tuple[Upload, str]]:
    """(upload, content type) for each file, recognised by its content; a refusal names
    `field` when the caller reports errors per field."""
    def require(condition: bool, message: str) -> None:
        if not condition:
            raise ValidationError({field: message} if field else message)

    require(len(uploads) <= MAX_ATTACHMENTS,
            _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS})
    checked = []
    for upload in uploads:
        require(0 < len(upload.content) <= MAX_ATTACHMENT_BYTES,
                _("Each file must be under 5 MB."))
        kind = next((t for magic, t in MAGIC.items() if upload.content.startswith(magic)), None)
        require(kind is not None,
                _("“%(name)s” is not a photo (JPEG or PNG) or a PDF.") % {"name": upload.name})
        require(not (kind.startswith("image/") and evidence.too_large(upload.content)),
                _("“%(name)s” has too many pixels; send a smaller photo.") % {"name": upload.name})
        checked.append((upload, kind))
    return checked


def _save_attachments(event: Event, files: Sequence[tuple[Upload, str]]) -> None:
    for upload, kind in files:
        facts = evidence.photo_facts(upload.content) if kind.startswith("image/") else None
        attachment = Attachment(
            event=event, original_name=nfc(upload.name, single_line=True)[:200] or "file",
            content_type=kind, size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            taken_at=facts and facts.taken_at, latitude=facts and facts.latitude,
            longitude=facts and facts.longitude,
            warnings=_evidence_warnings(event, facts) if facts else [],
        )
        attachment.file.save(attachment.original_name, ContentFile(upload.content), save=False)
        attachment.save()


def _evidence_warnings(event: Event, facts: evidence.PhotoFacts) -> list[str]:
    """Reasons to look twice at a photo (codes; faces translate them)."""
    warnings = []
    if facts.taken_at is None:
        warnings.append("no_time")
    elif facts.taken_at < event.complaint.created_at:
        warnings.append("older_than_complaint")
    if facts.latitude is None or facts.longitude is None:
        warnings.append("no_place")
        return warnings
    place = next((u for u in directory.unit_chain(event.complaint.place_id)
                  if u.latitude is not None and u.longitude is not None), None)
    if place is not None and evidence.distance_km(
            (facts.latitude, facts.longitude),
            (place.latitude, place.longitude)) > settings.IGRS_EVIDENCE_MAX_KM:
        warnings.append("far_from_place")
    return warnings


def interim_reply(actor: Actor, ref: str, *, reply: str) -> Complaint:
    """A progress note to the complainant on a long matter; the time limit keeps running."""
    complaint = _load(ref, None)
    acting = _acting_post(actor, complaint.current_post_id)
    reply = _required_text(reply, _("Write the reply (at least %(n)d characters).")
                           % {"n": MIN_REPORT}, minimum=MIN_REPORT)
    return _transition(complaint, actor, Action.INTERIM_REPLY, complaint.status, clock.now(),
                       note=reply, acting_post=acting)


# ---------------------------------------------------------------- SMS


def _label(choice, language: str) -> str:
    with translation.override(language):
        return str(choice.label)


def _sms_context(complaint: Complaint, language: str, about: Post | None = None,
                 **extra) -> dict:
    """Placeholders of every message; {post} is `about`, by default the post holding it."""
    post = about or (directory.get_post(complaint.current_post_id)
                     if complaint.current_post_id else None)
    due = clock.local(complaint.due_at).strftime("%d-%m-%Y") if complaint.due_at else ""
    title = post.title_in(language) if post else ""
    return {"reference": complaint.reference, "post": title, "due": due,
            "level": complaint.level, "outcome": "", "reason": "", "link": "", **extra}


def _citizen_sms(complaint: Complaint, key: str, **extra) -> OutboxMessage:
    language = complaint.language
    return queue_sms(complaint.mobile, key, language,
                     _sms_context(complaint, language, **extra), complaint.reference)


def _post_sms(post: Post, complaint: Complaint, key: str,
              about: Post | None = None) -> list[OutboxMessage]:
    """The message to every officer holding `post` today, each in their own language."""
    today = clock.local_date(clock.now())
    return [
        queue_sms(officer.mobile, key, officer.language,
                  _sms_context(complaint, officer.language, about,
                               link=links.officer_link(complaint.pk, officer.pk)),
                  complaint.reference)
        for officer in directory.holders_of(post.pk, today)
    ]


def _holder_sms(complaint: Complaint, key: str) -> list[OutboxMessage]:
    return _post_sms(directory.get_post(complaint.current_post_id), complaint, key)


def _assignment_sms(complaint: Complaint, kind: str) -> list[OutboxMessage]:
    """Tell the officers holding the new post, and the complainant, who has it now."""
    return [*_holder_sms(complaint, f"{kind}_officer"), _citizen_sms(complaint, f"{kind}_citizen")]
