"""What an officer does with a complaint their post holds: forward down, return, the
action-taken report, approval of a subordinate's report, grading, special closure.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import NotPermitted
from igrs.core.roles import Role
from igrs.core.text import clean
from igrs.directory import selectors as directory
from igrs.directory.models import Post

from .. import deadlines, evidence, flags, lifecycle, routing, selectors, similar
from ..actors import Actor
from ..models import (
    Action,
    Attachment,
    ClosureKind,
    Complaint,
    Disposal,
    Event,
    Grade,
    SpecialGround,
    Status,
)
from .checks import (
    _acting_post,
    _defaulting_posts,
    _post_or_error,
    _require,
    _require_impartial,
    _require_impartial_officer,
    _required,
    _required_text,
)
from .sms import _citizen_sms, _holder_sms, _label, _post_sms
from .transitions import _defaulter_marker, _load, _placement, _to_the_desk, _transition
from .uploads import Upload, _adopt_attachments, _checked_uploads

MIN_REPORT = 10


@dataclass(frozen=True)
class AtrDetails:
    """The structured part of an action-taken report (all optional)."""

    site_visit_on: dt.date | None = None
    persons_met: str = ""
    complainant_statement: str = ""
    opposite_party_statement: str = ""

    def cleaned(self, now: dt.datetime) -> dict:
        if self.site_visit_on is not None:
            _require(
                self.site_visit_on <= clock.local_date(now),
                _("The site visit cannot be in the future."),
            )
        fields = {
            name: clean(getattr(self, name), name)
            for name in ("persons_met", "complainant_statement", "opposite_party_statement")
        }
        if self.site_visit_on is not None:
            fields["site_visit_on"] = self.site_visit_on.isoformat()
        return {name: value for name, value in fields.items() if value}


def forward_down(
    actor: Actor, ref: str, *, to_post_id: int, note: str = "", version: int | None = None
) -> Complaint:
    """Send to a subordinate post within the holder's jurisdiction. The deadline does not move:
    forwarding is not a way to buy time."""
    complaint = _load(ref, version)
    now = clock.now()
    acting = _acting_post(actor, complaint.current_post_id, now, complaint)
    post = _post_or_error(to_post_id)
    _require(
        routing.is_subordinate(post.pk, acting.pk),
        _("You can forward only to a post under your own."),
    )
    _require_impartial(post, complaint, now)
    changes = _placement(complaint, post, now, fresh_deadline=False)
    return _transition(
        complaint,
        actor,
        Action.FORWARD_DOWN,
        Status.ASSIGNED,
        now,
        changes=changes,
        note=clean(note, "note"),
        acting_post=acting,
        messages=lambda c: _holder_sms(c, "assigned_officer", now),
    )


def return_misrouted(
    actor: Actor, ref: str, *, reason: str, suggestion: str = "", version: int | None = None
) -> Complaint:
    """Give back a complaint that is not this post's: its district's monitoring desk transfers
    it, under the desk's own time limit. Never a closure. Returning it after its deadline does
    not wipe the default: the posts are marked first."""
    complaint = _load(ref, version)
    now = clock.now()
    acting = _acting_post(actor, complaint.current_post_id, now, complaint)
    reason = _required_text(reason, _("Say why the complaint is not for your post."))
    overdue = complaint.due_at is not None and complaint.due_at < now and not complaint.defaulted
    changes = _to_the_desk(complaint, now)
    suggestion = clean(suggestion, "suggestion", single_line=True)
    return _transition(
        complaint,
        actor,
        Action.RETURN,
        Status.RETURNED,
        now,
        changes=changes,
        note=reason,
        acting_post=acting,
        data={"suggestion": suggestion} if suggestion else None,
        also=(_defaulter_marker(complaint, _defaulting_posts(complaint), now) if overdue else None),
    )


def submit_atr(
    actor: Actor,
    ref: str,
    *,
    disposal: str,
    report: str,
    attachments: Sequence[Upload] = (),
    details: AtrDetails | None = None,
    version: int | None = None,
) -> Complaint:
    """The action-taken report (आख्या): what was done, and optionally the site visit, who was
    met and what each side said. 'Cannot be resolved' needs its reason in the report; a
    'resolved' report in a category of physical works needs a photo. The complaint then waits
    for the call centre to verify with the complainant. Signs of a fake disposal (a re-used
    photo, pasted text) are flagged on the report (flags.py)."""
    complaint = _load(ref, version)
    files = _checked_uploads(attachments, field="attachments", complaint=complaint)
    return _file_report(actor, complaint, disposal, report, Evidence(files=files), details)


def submit_cluster_atr(
    actor: Actor,
    ref: str,
    *,
    disposal: str,
    report: str,
    attachments: Sequence[Upload] = (),
    details: AtrDetails | None = None,
    version: int | None = None,
) -> list[Complaint]:
    """One report for a mass grievance: filed on this complaint, then on every other
    complaint of its cluster that waits for action on the same post and that the officer may
    act on (not one he is conflicted for) — each its own step with its own timeline entry
    and SMS, and each complainant verified on their own. The photos are stored once and
    shared. All or none: one refusal files nothing."""
    complaint = _load(ref, version)
    files = _checked_uploads(attachments, field="attachments", complaint=complaint)
    post_id = complaint.current_post_id
    with transaction.atomic():
        filed = [_file_report(actor, complaint, disposal, report, Evidence(files=files), details)]
        first = Event.objects.filter(complaint=complaint).latest("at", "pk")
        shared = Evidence(adopted=list(first.attachments.all()))
        for mate in similar.cluster_members_for(actor, complaint):
            if mate.pk != complaint.pk and similar.waits_on(mate, post_id):
                mate = _load(mate.reference, None)
                filed.append(_file_report(actor, mate, disposal, report, shared, details))
    return filed


@dataclass(frozen=True)
class Evidence:
    """A report's files: uploaded now, or the stored files of a report filed just before
    (a cluster's)."""

    files: Sequence[tuple[Upload, str]] = ()
    adopted: Sequence[Attachment] = ()

    def photos(self) -> int:
        return sum(kind.startswith("image/") for _upload, kind in self.files) + sum(
            a.content_type.startswith("image/") for a in self.adopted
        )

    def hashes(self) -> list[str]:
        return [
            evidence.photo_hash(upload.content)
            for upload, kind in self.files
            if kind.startswith("image/")
        ] + [a.photo_hash for a in self.adopted]

    def adopt(self, event: Event) -> None:
        Attachment.objects.bulk_create(
            Attachment(
                event=event,
                **{f: getattr(a, f) for f in ADOPTED_FIELDS},
                file=a.file.name,
                public_file=a.public_file.name,
            )
            for a in self.adopted
        )


ADOPTED_FIELDS = (
    "original_name",
    "content_type",
    "size",
    "sha256",
    "taken_at",
    "latitude",
    "longitude",
    "warnings",
    "photo_hash",
)


def _file_report(
    actor: Actor,
    complaint: Complaint,
    disposal: str,
    report: str,
    proof: Evidence,
    details: AtrDetails | None,
) -> Complaint:
    now = clock.now()
    acting = _acting_post(actor, complaint.current_post_id, now, complaint)
    _require(disposal in Disposal.values, _("Choose resolved or cannot be resolved."))
    report = _required_text(
        report,
        _("Write what was done (at least %(n)d characters).") % {"n": MIN_REPORT},
        minimum=MIN_REPORT,
    )
    category = directory.get_category(complaint.category_id)
    if disposal == Disposal.RESOLVED and category.photo_required:
        _require(
            proof.photos() > 0,
            _(
                "Attach at least one photo of the work done: this category needs one for "
                "a resolved report."
            ),
        )
    data = {"disposal": disposal, **(details.cleaned(now) if details else {})}
    if photos := proof.photos():
        data["photos"] = photos
    if complaint.due_at is not None and now > complaint.due_at:
        data["late"] = True  # disposed after the time limit (the ranking's timeliness)
    data |= flags.disposal_flags(complaint, acting.pk, report, proof.hashes(), now)
    adopt = proof.adopt if proof.adopted else None
    forwarder_id = (
        selectors.forwarded_by(complaint)
        if complaint.accountable_post_id not in (None, complaint.current_post_id)
        else None
    )
    if forwarder_id is not None:
        # Forwarded down: the report goes back up to the post that forwarded it, to approve.
        forwarder = directory.get_post(forwarder_id)
        return _transition(
            complaint,
            actor,
            Action.SUBORDINATE_REPORT,
            Status.ASSIGNED,
            now,
            changes=_placement(complaint, forwarder, now, fresh_deadline=False),
            note=report,
            data=data,
            acting_post=acting,
            attachments=proof.files,
            also=adopt,
            messages=lambda c: _post_sms(forwarder, c, "subordinate_report_officer", now),
        )
    changes = {"disposal": disposal, "verification_attempts": 0, "remind_at": None}
    return _transition(
        complaint,
        actor,
        Action.SUBMIT_ATR,
        Status.AWAITING_VERIFICATION,
        now,
        changes=changes,
        note=report,
        data=data,
        acting_post=acting,
        attachments=proof.files,
        also=adopt,
        messages=lambda c: [
            _citizen_sms(c, "disposed_citizen", outcome=_label(Disposal(disposal), c.language))
        ],
    )


def approve_subordinate_report(
    actor: Actor, ref: str, *, note: str = "", version: int | None = None
) -> Complaint:
    """The forwarding officer adopts the subordinate's report as the action-taken report (with
    its evidence); to disagree, they forward it down again with instructions."""
    complaint = _load(ref, version)
    now = clock.now()
    acting = _acting_post(actor, complaint.current_post_id, now, complaint)
    report = _required(
        selectors.pending_subordinate_report(complaint),
        _("There is no report from a subordinate to approve."),
    )
    disposal = report.data["disposal"]
    remark = clean(note, "note")
    text = report.note + (f"\n\n{remark}" if remark else "")
    return _transition(
        complaint,
        actor,
        Action.SUBMIT_ATR,
        Status.AWAITING_VERIFICATION,
        now,
        changes={"disposal": disposal, "verification_attempts": 0, "remind_at": None},
        note=text,
        data=_approved_data(report, complaint, now),
        acting_post=acting,
        also=lambda event: _adopt_attachments(report, event),
        messages=lambda c: [
            _citizen_sms(c, "disposed_citizen", outcome=_label(Disposal(disposal), c.language))
        ],
    )


def _approved_data(report: Event, complaint: Complaint, now: dt.datetime) -> dict:
    """The subordinate's report as the forwarder's: its content, but this step's own
    timeliness, and not the subordinate's time held (counted once, on the report)."""
    content = {k: v for k, v in report.data.items() if k not in ("stay_hours", "late")}
    late = complaint.due_at is not None and now > complaint.due_at
    return {**content, **({"late": True} if late else {}), "approved_report": report.pk}


def grade_disposal(
    actor: Actor, ref: str, *, grade: str, remarks: str = "", version: int | None = None
) -> Complaint:
    """A senior officer (a post above the one that filed the action-taken report, level 2 or
    higher, and not the officer who filed it) grades the disposal A, B or C, once. C re-opens
    it with the disposing post, with a fresh time limit and the grader's remarks; A and B
    decide nothing else, so a verification call in progress is not disturbed."""
    complaint = _load(ref, version)
    now = clock.now()
    lifecycle.check(complaint.status, Action.GRADE, actor.role)
    _require(grade in Grade.values, _("Choose grade A, B or C."))
    disposed_id = _required(
        selectors.disposing_post(complaint), _("There is no disposal by an officer to grade.")
    )
    _require(
        not selectors.graded_since_disposal(complaint), _("This disposal has already been graded.")
    )
    disposed = directory.get_post(disposed_id)
    grader = _senior_post(actor, disposed, complaint, now)
    remarks = clean(remarks, "remarks")
    data = {"grade": grade, "disposed_by_post": disposed.pk}
    if grade != Grade.C:
        return _transition(
            complaint,
            actor,
            Action.GRADE,
            complaint.status,
            now,
            note=remarks,
            data=data,
            acting_post=grader,
            bump=False,
        )
    _require(bool(remarks), _("Write what is wrong with the disposal."))
    changes = _placement(complaint, disposed, now, fresh_deadline=True) | {
        "disposal": "",
        "verification_attempts": 0,
        "closure_kind": "",
        "closed_at": None,
        "special_ground": "",
    }
    return _transition(
        complaint,
        actor,
        Action.GRADE,
        Status.ASSIGNED,
        now,
        changes=changes,
        note=remarks,
        data=data,
        acting_post=grader,
        messages=lambda c: _holder_sms(c, "graded_c_officer", now),
    )


def _senior_post(actor: Actor, disposed: Post, complaint: Complaint, now: dt.datetime) -> Post:
    """The post the grader acts for: one they hold, above the disposing post, at level 2+;
    never the officer who filed the report (an additional charge does not let one grade
    oneself)."""
    if actor.role != Role.OFFICER or actor.officer_id is None:
        raise NotPermitted(_("Only a senior officer can grade a disposal."))
    filed_by = (
        complaint.events.filter(action=Action.SUBMIT_ATR)
        .order_by("-at", "-pk")
        .values_list("actor_officer_id", flat=True)
        .first()
    )
    held = directory.posts_held_by(actor.officer_id, clock.local_date(now))
    above = [p for p in directory.post_chain(disposed.pk)[1:] if p.pk in held and p.level >= 2]
    if not above or filed_by == actor.officer_id:
        raise NotPermitted(_("Only an officer above the post that disposed of it can grade it."))
    _require_impartial_officer(actor.officer_id, complaint, now)
    return above[0]


def propose_special_closure(
    actor: Actor, ref: str, *, ground: str, reason: str, version: int | None = None
) -> Complaint:
    """Ask the post one level up to close the complaint as out of scope. The deciding post
    gets its own time limit and is accountable for it: if it does not decide in time, it is
    the defaulter and the complaint goes above it."""
    complaint = _load(ref, version)
    now = clock.now()
    acting = _acting_post(actor, complaint.current_post_id, now, complaint)
    _require(ground in SpecialGround.values, _("Choose a ground for special closure."))
    superior_id = _required(
        acting.superior_id,
        _("Special closure needs approval from a post above yours; there is none."),
    )
    reason = _required_text(reason, _("Give the reason for special closure."))
    decider = directory.get_post(superior_id)
    due = deadlines.due_at(
        now, complaint.source, complaint.category_id, decider.level, decider.department_id
    )
    changes = {
        "special_ground": ground,
        "accountable_post": decider,
        "due_at": due,
        "remind_at": deadlines.remind_at(now, due),
        "defaulted": False,
    }
    return _transition(
        complaint,
        actor,
        Action.PROPOSE_CLOSURE,
        Status.CLOSURE_PROPOSED,
        now,
        changes=changes,
        note=reason,
        data={"ground": ground},
        acting_post=acting,
        messages=lambda c: _post_sms(decider, c, "closure_proposed_officer", now),
    )


def decide_special_closure(
    actor: Actor, ref: str, *, approve: bool, note: str = "", version: int | None = None
) -> Complaint:
    """Only the post one level above the proposer decides. Approval closes the complaint but
    the complainant can still give feedback and re-open it."""
    complaint = _load(ref, version)
    now = clock.now()
    proposer = directory.get_post(complaint.current_post_id) if complaint.current_post_id else None
    if complaint.status != Status.CLOSURE_PROPOSED or proposer is None:
        lifecycle.check(complaint.status, Action.APPROVE_CLOSURE, actor.role)
    assert proposer is not None  # a proposed closure is with the proposing post
    acting = _acting_post(actor, proposer.superior_id, now, complaint)
    if approve:
        ground = SpecialGround(complaint.special_ground)
        return _transition(
            complaint,
            actor,
            Action.APPROVE_CLOSURE,
            Status.CLOSED,
            now,
            changes={"closure_kind": ClosureKind.SPECIAL, "closed_at": now, "remind_at": None},
            note=clean(note, "note"),
            data={"ground": ground.value},
            acting_post=acting,
            messages=lambda c: [
                _citizen_sms(
                    c,
                    "closed_citizen",
                    outcome=_label(ClosureKind.SPECIAL, c.language),
                    reason=_label(ground, c.language),
                )
            ],
        )
    note = _required_text(note, _("Say why the special closure is rejected."))
    # Back to the proposer with a fresh limit: the time the decision took is not theirs.
    changes = {"special_ground": ""} | _placement(complaint, proposer, now, fresh_deadline=True)
    return _transition(
        complaint,
        actor,
        Action.REJECT_CLOSURE,
        Status.ASSIGNED,
        now,
        changes=changes,
        note=note,
        acting_post=acting,
        messages=lambda c: _holder_sms(c, "closure_rejected_officer", now),
    )


def interim_reply(actor: Actor, ref: str, *, reply: str) -> Complaint:
    """A progress note to the complainant on a long matter; the time limit keeps running."""
    complaint = _load(ref, None)
    now = clock.now()
    acting = _acting_post(actor, complaint.current_post_id, now, complaint)
    reply = _required_text(
        reply,
        _("Write the reply (at least %(n)d characters).") % {"n": MIN_REPORT},
        minimum=MIN_REPORT,
    )
    return _transition(
        complaint,
        actor,
        Action.INTERIM_REPLY,
        complaint.status,
        now,
        note=reply,
        acting_post=acting,
    )
