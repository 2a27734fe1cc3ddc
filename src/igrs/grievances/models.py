"""Complaints, their timeline and the defaulter register.

Only grievances.services writes to these tables; see lifecycle.py for the transition table.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from igrs.core.roles import Role
from igrs.directory.models import Category, Officer, Post, Unit


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered, with the monitoring desk")
    ASSIGNED = "assigned", _("With an officer for action")
    RETURNED = "returned", _("Returned as misrouted, with the monitoring desk")
    CLOSURE_PROPOSED = "closure_proposed", _("Special closure awaiting approval")
    AWAITING_VERIFICATION = "awaiting_verification", _("Action taken, awaiting verification")
    CLOSED = "closed", _("Closed")


# Statuses in which the time limit runs against the holding post.
# With the monitoring desk (a desk post holds it): new, or returned as misrouted.
DESK_STATUSES = (Status.REGISTERED, Status.RETURNED)
# The clock runs against the holding post: an officer's, or the desk's.
TIMED_STATUSES = (Status.ASSIGNED, Status.CLOSURE_PROPOSED, *DESK_STATUSES)


class Source(models.TextChoices):
    HELPLINE = "helpline", _("CM Helpline 1076")
    PORTAL = "portal", _("Jansunwai portal")
    TEHSIL_DIWAS = "tehsil_diwas", _("Tehsil samadhan diwas")
    THANA_DIWAS = "thana_diwas", _("Thana samadhan diwas")
    DM_OFFICE = "dm_office", _("District Magistrate's office")
    CM_OFFICE = "cm_office", _("Chief Minister's office")
    CPGRAMS = "cpgrams", _("CPGRAMS")
    POST_EMAIL = "post_email", _("Post or e-mail")
    APP = "app", _("Mobile app, kiosk or partner system (Open311)")


class Disposal(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    CANNOT_RESOLVE = "cannot_resolve", _("Cannot be resolved")


class SpecialGround(models.TextChoices):
    SUB_JUDICE = "sub_judice", _("Sub judice")
    POLICY = "policy", _("Policy matter")
    RTI = "rti", _("Right to Information matter")
    DUPLICATE = "duplicate", _("Duplicate complaint")


class Grade(models.TextChoices):
    A = "A", _("A: good disposal")
    B = "B", _("B: adequate disposal")
    C = "C", _("C: poor disposal, re-opened at the same level")


class ClosureKind(models.TextChoices):
    SATISFIED = "satisfied", _("Complainant satisfied")
    UNVERIFIED = "unverified", _("Complainant not reachable; closed unverified")
    SPECIAL = "special", _("Special closure")
    FINAL = "final", _("Not satisfied at the top level; closed with the final reason")
    RETURNED_TO_CITIZEN = "returned_to_citizen", _("Returned to the complainant by the desk")


class Complaint(models.Model):
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="hi"
    )

    complainant_name = models.CharField(_("complainant's name"), max_length=200)
    mobile = models.CharField(_("mobile"), max_length=16)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    place = models.ForeignKey(
        Unit, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    place_detail = models.CharField(_("village / ward"), max_length=200, blank=True)
    description = models.TextField(_("description"))
    against_post = models.ForeignKey(
        Post,
        verbose_name=_("complaint is against (post)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    against_officer = models.ForeignKey(
        Officer,
        verbose_name=_("complaint is against (officer)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    status = models.CharField(_("status"), max_length=30, choices=Status.choices)
    current_post = models.ForeignKey(
        Post,
        verbose_name=_("held by post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    # The post that received the current time limit. Forwarding down keeps it, so a post
    # cannot hand a complaint down just before its deadline and let the subordinate default.
    accountable_post = models.ForeignKey(
        Post,
        verbose_name=_("accountable for the time limit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    assigned_at = models.DateTimeField(_("with the current post since"), null=True, blank=True)
    due_at = models.DateTimeField(_("due by"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind officer at"), null=True, blank=True)
    # The complainant's last reminder (अनुस्मारक): they may send one per configured period.
    citizen_reminded_at = models.DateTimeField(
        _("complainant last reminded at"), null=True, blank=True
    )
    # Set when the sweep has marked the holding post defaulter and nothing is above it.
    defaulted = models.BooleanField(_("defaulter at the top level"), default=False)
    # The deadline while the clock runs against a post, NULL otherwise; kept by the database.
    # The sweep reads it through a plain "IS NOT NULL" partial index, which SQLite can use
    # with bound parameters (a partial index on status IN (…) it cannot).
    escalate_at = models.GeneratedField(
        expression=Case(
            When(Q(status__in=TIMED_STATUSES, defaulted=False), then=F("due_at")), default=None
        ),
        output_field=models.DateTimeField(null=True),
        db_persist=True,
    )
    escalation_count = models.PositiveSmallIntegerField(_("times escalated"), default=0)

    disposal = models.CharField(_("disposal"), max_length=20, choices=Disposal.choices, blank=True)
    special_ground = models.CharField(
        _("special closure ground"), max_length=20, choices=SpecialGround.choices, blank=True
    )
    verification_attempts = models.PositiveSmallIntegerField(_("verification attempts"), default=0)
    # The outbound verification queue: when to call next (set only while awaiting
    # verification), and which agent has it on screen until when (a lease, so an agent who
    # walks away does not keep it).
    verify_after = models.DateTimeField(_("call the complainant after"), null=True, blank=True)
    verification_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verification call taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_claimed_until = models.DateTimeField(
        _("verification call held until"), null=True, blank=True
    )
    closure_kind = models.CharField(
        _("closed as"), max_length=20, choices=ClosureKind.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged for review"), default=False)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("linked as probable duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="probable_duplicates",
    )
    # A mass grievance: the first complaint of the cluster (itself included) when other
    # open complaints of the same category and place describe the same problem.
    cluster = models.ForeignKey(
        "self",
        verbose_name=_("cluster of the same problem, led by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cluster_members",
    )
    # Filed but not yet compared with the open complaints before it (the worker's clusters
    # job does that right after filing, off the filing's path).
    # (A database default too: rows written by plain SQL — imports, bulk loads — are not.)
    cluster_pending = models.BooleanField(
        _("cluster not yet looked for"), default=False, db_default=False
    )

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    call_id = models.CharField(_("call id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("registered at"))
    updated_at = models.DateTimeField(_("updated at"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            # The sweep reads only this index: its cost follows the overdue count, not the table.
            models.Index(
                fields=["escalate_at", "id"],
                name="complaint_sweep_due",
                condition=Q(escalate_at__isnull=False),
            ),
            models.Index(
                fields=["remind_at"],
                name="complaint_reminder_scan",
                condition=Q(remind_at__isnull=False),
            ),
            models.Index(
                fields=["verify_after", "id"],
                name="complaint_verification_due",
                condition=Q(verify_after__isnull=False),
            ),
            # Complaints stuck at the top past their limit, for the dashboard's overdue count
            # (open ones only: a closed complaint keeps its mark, and history piles up).
            models.Index(
                fields=["current_post"],
                name="complaint_defaulted",
                condition=Q(defaulted=True) & ~Q(status="closed"),
            ),
            # A post's open complaints, soonest deadline first (the dashboard's post page):
            # only open complaints, however long the post's history.
            models.Index(
                fields=["current_post", "due_at", "id"],
                name="complaint_open_by_post",
                condition=~Q(status="closed"),
            ),
            # An agent's held call: only claimed rows are in it, so it stays small.
            models.Index(
                fields=["verification_agent"],
                name="complaint_verification_held",
                condition=Q(verification_agent__isnull=False),
            ),
            models.Index(
                fields=["closed_at"],
                name="complaint_closed_at",
                condition=Q(closed_at__isnull=False),
            ),
            models.Index(fields=["mobile", "created_at"], name="complaint_by_mobile"),
            # Open complaints of a category in a place: the candidates of a cluster and of
            # "already filed?" at filing.
            models.Index(
                fields=["category", "place", "created_at"],
                name="complaint_open_by_place",
                condition=~Q(status="closed"),
            ),
            # The clusters job's queue: only complaints not yet compared are in it.
            models.Index(
                fields=["id"], name="complaint_cluster_pending", condition=Q(cluster_pending=True)
            ),
            models.Index(fields=["current_post", "status"], name="complaint_by_post"),
            models.Index(fields=["status", "created_at"], name="complaint_by_status"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def accountable_id(self) -> int | None:
        """The post answerable for the deadline: the one it was forwarded down from, if so,
        else the one holding it."""
        return self.accountable_post_id or self.current_post_id

    def verification_held(self, now: dt.datetime) -> bool:
        """Whether an agent's hold on its verification call is still live."""
        until = self.verification_claimed_until
        return until is not None and until > now

    def verification_held_by(self, agent_id: int | None, now: dt.datetime) -> bool:
        return self.verification_agent_id == agent_id and self.verification_held(now)


class Action(models.TextChoices):
    REGISTER = "register", _("Registered")
    ASSIGN = "assign", _("Assigned by routing rule")
    FORWARD = "forward", _("Forwarded by the monitoring desk")
    FORWARD_DOWN = "forward_down", _("Forwarded to a subordinate post")
    RETURN = "return", _("Returned as misrouted")
    SUBMIT_ATR = "submit_atr", _("Action-taken report submitted")
    PROPOSE_CLOSURE = "propose_closure", _("Special closure proposed")
    APPROVE_CLOSURE = "approve_closure", _("Special closure approved")
    REJECT_CLOSURE = "reject_closure", _("Special closure rejected")
    VERIFY_SATISFIED = "verify_satisfied", _("Complainant satisfied")
    VERIFY_NOT_SATISFIED = "verify_not_satisfied", _("Complainant not satisfied")
    VERIFY_UNREACHABLE = "verify_unreachable", _("Complainant not reachable")
    ESCALATE = "escalate", _("Escalated: time limit passed")
    MARK_DEFAULTER = "mark_defaulter", _("Marked defaulter at the top level")
    REOPEN = "reopen", _("Re-opened by the complainant")
    REMIND = "remind", _("Reminder sent to the officer")
    CALL_BACK = "call_back", _("Complainant asked to be called back later")
    INTERIM_REPLY = "interim_reply", _("Interim reply from the officer")
    SUBORDINATE_REPORT = "subordinate_report", _("Report from the subordinate, for approval")
    GRADE = "grade", _("Disposal graded by a senior officer")
    NOTE = "note", _("Note added")
    CORRECT = "correct", _("Category or place corrected by the monitoring desk")
    RETURN_TO_CITIZEN = "return_to_citizen", _("Returned to the complainant by the desk")
    PERSONAL_DATA = "personal_data", _("Complainant's personal data corrected or erased on request")
    CONFLICT_MOVE = (
        "conflict_move",
        _("Moved up: the officer now holding the post is complained against"),
    )


# Steps that move a complaint without giving it a new time limit: the delay goes on.
KEEPS_THE_DEADLINE = (Action.FORWARD_DOWN, Action.SUBORDINATE_REPORT)


class Event(models.Model):
    """One accepted action on a complaint. Append-only: the audit trail and the timeline."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("happened at"))
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    role = models.CharField(_("by (role)"), max_length=10, choices=Role.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by (user)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_officer = models.ForeignKey(
        Officer,
        verbose_name=_("by (officer)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_post = models.ForeignKey(
        Post,
        verbose_name=_("acting for post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(_("from status"), max_length=30, blank=True)
    to_status = models.CharField(_("to status"), max_length=30)
    from_post = models.ForeignKey(
        Post,
        verbose_name=_("from post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_post = models.ForeignKey(
        Post,
        verbose_name=_("to post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [
            models.Index(fields=["complaint", "at"], name="event_timeline"),
            # Today's work for the call-centre supervisor: a range on time, never a scan.
            models.Index(fields=["at"], name="event_by_time"),
            # The steps behind a lost mark (one action in a month), without walking the
            # month's every step: found in the index alone, complaint included.
            models.Index(
                fields=["action", "at", "complaint"], include=["id"], name="event_by_action"
            ),
        ]
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.action}"

    def ends_delay(self) -> bool:
        """Whether this step ends a delay past the deadline: it changes the complaint's status
        or holder, other than a forward to a subordinate or the subordinate's report (those
        keep the deadline, so the delay goes on)."""
        return self.action not in KEEPS_THE_DEADLINE and (
            self.from_status != self.to_status or self.from_post_id != self.to_post_id
        )


EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


def evidence_path(attachment: "Attachment", _filename: str) -> str:
    """A random name (evidence must not be found by guessing its URL) with the extension of
    the type the content was recognised as: nothing the uploader named reaches the disk."""
    return f"evidence/{uuid.uuid4().hex}{EXTENSIONS.get(attachment.content_type, '')}"


def public_path(attachment: "Attachment", _filename: str) -> str:
    return f"public/{uuid.uuid4().hex}{EXTENSIONS.get(attachment.content_type, '')}"


class Attachment(models.Model):
    event = models.ForeignKey(
        Event,
        verbose_name=_("timeline event"),
        on_delete=models.CASCADE,
        related_name="attachments",
        # Events are partitioned by month on PostgreSQL: no key without the month to point
        # at (core/partitions.py). Both rows are written in one transaction.
        db_constraint=False,
    )
    file = models.FileField(_("file"), upload_to=evidence_path)
    # What the complainant and the public are given: made once at upload (a photo without
    # its EXIF); empty when no such copy could be made.
    public_file = models.FileField(
        _("copy without metadata"), upload_to=public_path, blank=True, max_length=100
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # What the camera recorded (EXIF), kept with the evidence; never shown to the public.
    taken_at = models.DateTimeField(_("photo taken at"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    warnings = models.JSONField(_("evidence warnings"), default=list, blank=True)
    # A photo's perceptual hash (evidence.photo_hash): a re-used photo is found by it.
    photo_hash = models.CharField(_("photo hash"), max_length=16, blank=True, db_index=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class Defaulter(models.Model):
    """A post that let a complaint pass its time limit. One row per missed deadline."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.CASCADE,
        related_name="defaults",
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="defaults"
    )
    due_at = models.DateTimeField(_("was due by"))
    marked_at = models.DateTimeField(_("marked at"))
    # Who held the post on the day the deadline fell (a transfer later does not move the
    # record), and when the delay ended: the next step that moved the complaint on. Open
    # while a complaint marked at the top waits there. The dashboard reads both from here
    # instead of from postings and the timeline.
    officer = models.ForeignKey(
        Officer,
        verbose_name=_("officer holding the post then"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="defaults",
    )
    ended_at = models.DateTimeField(_("delay ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("defaulter")
        verbose_name_plural = _("defaulters")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "post", "due_at"], name="one_default_per_deadline"
            )
        ]
        indexes = [
            models.Index(fields=["post", "marked_at"], name="defaulter_by_post"),
            # The dashboard's defaulters this month and the delays running in it:
            # ranges on time, read from the index alone (PostgreSQL).
            models.Index(
                fields=["marked_at"], name="defaulter_by_time", include=["post", "officer"]
            ),
            models.Index(fields=["ended_at"], name="defaulter_by_end", include=["due_at", "post"]),
        ]


class RegistrationKey(models.Model):
    """An idempotency key of a registration (a form, or an API client's Idempotency-Key): the
    same key never registers a second complaint."""

    key = models.UUIDField(_("idempotency key"), unique=True)
    # Empty only inside the registering transaction: the key is claimed before registering.
    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # What was registered under the key (a hash of the request): the same key with another
    # request is refused, not answered with the first complaint. Empty for keys from before.
    request_sha256 = models.CharField(_("request hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("registration key")
        verbose_name_plural = _("registration keys")


class ReferenceCounter(models.Model):
    """Serial numbers for references on databases without sequences (SQLite).
    PostgreSQL uses the sequence igrs_reference_serial instead, which takes no row lock."""

    value = models.BigIntegerField(default=0)


class LinkedFiling(models.Model):
    """Someone who was about to file the same problem again and joined an open complaint
    instead (docs/intelligence.md): no new complaint, the link kept."""

    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("joined complaint"),
        on_delete=models.CASCADE,
        related_name="linked_filings",
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=200)
    mobile = models.CharField(_("mobile"), max_length=16)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    role = models.CharField(_("by (role)"), max_length=10, choices=Role.choices)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("linked at"))

    class Meta:
        verbose_name = _("linked filing")
        verbose_name_plural = _("linked filings")
