"""Reads of complaints: the tracking view (what was done, who holds it, where it is stuck),
history by mobile, queues. Faces render what these return."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core import clock, fastsql
from igrs.core.errors import NotFound
from igrs.core.text import nfc
from igrs.directory import selectors as directory
from igrs.directory.models import Officer, Post

from . import access, deadlines, flags, reference
from .actors import Actor
from .lifecycle import UNVERSIONED
from .models import DESK_STATUSES, Action, Attachment, Complaint, Event, Status

# Steps the public does not see: a subordinate's report before approval, a senior's grade.
INTERNAL_STEPS = frozenset({Action.SUBORDINATE_REPORT, Action.GRADE})


@dataclass
class Holder:
    post: Post | None
    officers: tuple[Officer, ...]


@dataclass
class Stage:
    """Where the complaint is, in the words every face uses: who must act now (a desk, an
    officer's post, the call centre, the post deciding a special closure), since when, and
    by when."""

    code: str  # desk | officer | verification | closure_decision | closed
    post: Post | None
    officers: tuple[Officer, ...]
    since: dt.datetime
    due: dt.datetime | None


@dataclass
class ComplaintView:
    complaint: Complaint
    holder: Holder
    days_with_holder: int
    overdue_days: int
    events: list[Event] = field(default_factory=list)
    stage: Stage | None = None


def get_complaint(ref: str, viewer: Actor) -> ComplaintView:
    """The whole tracking view, if the viewer may see it; NotFound otherwise (an outsider
    learns nothing, not even that the number exists)."""
    return complaint_view(visible_complaint(ref, viewer))


def complaint_view(complaint: Complaint) -> ComplaintView:
    """The tracking view of a complaint the caller has already checked the viewer may see."""
    _attach_master_data(complaint, ("category",), directory.get_category)
    _attach_master_data(complaint, ("place",), directory.get_unit)
    _attach_master_data(complaint, ("current_post",), directory.get_post)
    events = _timeline(complaint)
    for event in events:
        _attach_master_data(event, ("actor_post", "from_post", "to_post"), directory.get_post)
        _attach_master_data(event, ("actor_officer",), directory.get_officer)
    now = clock.now()
    holders = (
        directory.holders_of(complaint.current_post_id, clock.local_date(now))
        if complaint.current_post_id
        else ()
    )
    stage = stage_of(complaint, events, holders, now)
    return ComplaintView(
        complaint=complaint,
        holder=Holder(complaint.current_post, holders),
        days_with_holder=max(0, (now - stage.since).days),
        overdue_days=(
            deadlines.overdue_days(complaint.due_at, now)
            if complaint.status not in (Status.CLOSED, Status.AWAITING_VERIFICATION)
            else 0
        ),
        events=events,
        stage=stage,
    )


def stage_of(
    complaint: Complaint, events: list[Event], holders: tuple[Officer, ...], now: dt.datetime
) -> Stage:
    """Who must act on the complaint now, since when, by when (see Stage)."""
    entered = next((e.at for e in reversed(events) if e.from_status != e.to_status), None)
    since = entered or complaint.assigned_at or complaint.created_at
    status = complaint.status
    if status == Status.CLOSED:
        return Stage("closed", None, (), complaint.closed_at or since, None)
    if status == Status.AWAITING_VERIFICATION:
        return Stage("verification", None, (), since, complaint.verify_after)
    if status == Status.CLOSURE_PROPOSED and complaint.accountable_post_id:
        deciding = directory.get_post(complaint.accountable_post_id)
        officers = directory.holders_of(deciding.pk, clock.local_date(now))
        return Stage("closure_decision", deciding, officers, since, complaint.due_at)
    post = complaint.current_post
    desk = post is not None and directory.is_desk(post.pk)
    held_since = complaint.assigned_at or complaint.created_at
    code = "desk" if desk or post is None else "officer"
    return Stage(code, post, holders, held_since, complaint.due_at)


def _timeline(complaint: Complaint) -> list[Event]:
    """The complaint's events in order, each with its attachments: what
    `complaint.events.prefetch_related("attachments")` gives, in one round trip on PostgreSQL
    and without compiling two queries per view."""
    with fastsql.batch():
        read_events = fastsql.start_select(
            Event, "complaint_id = %s", [complaint.pk], order_by="at, id"
        )
        read_files = fastsql.start_select(
            Attachment,
            f"event_id IN (SELECT id FROM {Event._meta.db_table} WHERE complaint_id = %s)",
            [complaint.pk],
            order_by="id",
        )
        events, files = read_events(), read_files()
    by_event: dict[int, list[Attachment]] = {}
    for attachment in files:
        by_event.setdefault(attachment.event_id, []).append(attachment)
    # `event.attachments.all()` answers from this cache, as after prefetch_related. Most
    # events have none: they share one empty result instead of a queryset each. (The
    # ignores: django-stubs leaves out these private prefetch caches.)
    none = Attachment.objects.none()
    none._result_cache, none._prefetch_done = [], True  # type: ignore[attr-defined]
    for event in events:
        event.complaint = complaint
        cached = none
        if event.pk in by_event:
            cached = event.attachments.all()
            cached._result_cache, cached._prefetch_done = by_event[event.pk], True  # type: ignore[attr-defined]
        event._prefetched_objects_cache = {"attachments": cached}  # type: ignore[attr-defined]
    return events


def visible_complaint(ref: str, viewer: Actor) -> Complaint:
    """The complaint if the viewer may see it, else NotFound: the same answer as for a number
    never issued."""
    # A prepared statement, not an ORM query compiled per lookup (decision 0078).
    found = fastsql.select(Complaint, "reference = %s", [reference.checked(ref)], limit=1)
    complaint = found[0] if found else None
    if complaint is None or not access.can_read(viewer, complaint):
        raise NotFound(
            _("No complaint you can see has the reference number %(ref)s; please check the digits.")
            % {"ref": ref}
        )
    return complaint


# The structured parts of an action-taken report, in the order they are read out.
ATR_DETAILS = (
    ("site_visit_on", gettext_lazy("Date of site visit")),
    ("persons_met", gettext_lazy("Who was met")),
    ("complainant_statement", gettext_lazy("Complainant's statement")),
    ("opposite_party_statement", gettext_lazy("Opposite party's statement")),
)


@dataclass
class ActionTaken:
    event: Event
    attachments: list[Attachment]

    @property
    def flags(self) -> list[tuple[str, list[str]]]:
        """Signs of a fake disposal on the report (staff only: never on a public page)."""
        return flags.shown(self.event)

    @property
    def details(self) -> list[tuple[str, object]]:
        """(label, value) of each structured part the officer filled in: what an agent reads
        to the citizen besides the report's text."""
        data = self.event.data or {}
        found: list[tuple[str, object]] = []
        for name, label in ATR_DETAILS:
            value = data.get(name)
            if value and name == "site_visit_on":
                value = dt.date.fromisoformat(value)
            if value:
                found.append((str(label), value))
        return found


REPORTS = (Action.SUBMIT_ATR, Action.PROPOSE_CLOSURE)


def latest_action_taken(complaint: Complaint) -> ActionTaken | None:
    """The report to read out on a verification or audit call, read on its own (the call's
    page loads no timeline)."""
    event = (
        complaint.events.filter(action__in=REPORTS)
        .select_related("actor_officer", "actor_post__unit")
        .order_by("-at", "-pk")
        .first()
    )
    return ActionTaken(event, list(event.attachments.all())) if event else None


def last_action_taken(view: ComplaintView) -> ActionTaken | None:
    """The latest action-taken report or special-closure report, for 'what was done'."""
    reports = [e for e in view.events if e.action in REPORTS]
    if not reports:
        return None
    latest = reports[-1]
    return ActionTaken(latest, list(latest.attachments.all()))


def attachment_of(complaint: Complaint, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(pk=attachment_id, event__complaint=complaint).first()


def held_verification(agent_id: int, now: dt.datetime) -> Complaint | None:
    """The verification call an agent has taken and not finished, while the hold lasts."""
    held = fastsql.select(
        Complaint,
        "verification_agent_id = %s AND verification_claimed_until > %s "
        "AND verify_after IS NOT NULL",
        [agent_id, connection.ops.adapt_datetimefield_value(now)],
        order_by="verify_after, id",
        limit=1,
    )
    return held[0] if held else None


def reference_of(complaint_id: int) -> str:
    return Complaint.objects.values_list("reference", flat=True).get(pk=complaint_id)


def id_of(ref: str) -> int | None:
    digits = reference.normalise(ref or "")
    if not reference.is_valid(digits):
        return None
    return Complaint.objects.filter(reference=digits).values_list("pk", flat=True).first()


def _attach_master_data(row, fields: tuple[str, ...], get) -> None:
    """Fill foreign keys to master data from the per-process memo instead of joining: the
    joins cost more to compile than the memo costs to read."""
    for name in fields:
        pk = getattr(row, f"{name}_id")
        if pk is not None:
            setattr(row, name, get(pk))


def complaints_by_mobile(mobile: str, limit: int = 50) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(mobile=mobile)
        .select_related("current_post__unit")
        .order_by("-created_at")[:limit]
    )


def desk_queue(limit: int = 100) -> QuerySet[Complaint]:
    """New and returned complaints waiting for the monitoring desk to forward them."""
    return (
        Complaint.objects.filter(status__in=DESK_STATUSES)
        .select_related("category", "place")
        .order_by("created_at")[:limit]
    )


# Why a complaint waits for the desk, by the step that brought it there.
DESK_REASONS = {
    "other_category": gettext_lazy("The complainant chose “other / not sure”"),
    "no_post": gettext_lazy("No post fits the category and place"),
    "returned": gettext_lazy("Returned by the officer as not theirs"),
    "escalated": gettext_lazy("Not sent on by the district desk in time"),
}


@dataclass
class DeskRow:
    complaint: Complaint
    reason: str
    waiting_days: int
    overdue_days: int

    @property
    def reason_label(self) -> str:
        return str(DESK_REASONS[self.reason])


def desk_rows(
    reach: frozenset[int] | None,
    *,
    district_id: int | None = None,
    department_id: int | None = None,
    reason: str = "",
    overdue_only: bool = False,
    query: str = "",
    limit: int = 200,
) -> list[DeskRow]:
    """The desk's queue, oldest deadline first: the complaints its desks hold (a district's
    desk, or — with `reach` None — every desk), narrowed by the filters. The search takes a
    reference number (or its last digits), or words of the name or the description."""
    rows = Complaint.objects.filter(status__in=DESK_STATUSES)
    if reach is not None:
        rows = rows.filter(current_post__unit_id__in=reach)
    if district_id:
        rows = rows.filter(current_post__unit_id=district_id)
    if department_id:
        rows = rows.filter(category__department_id=department_id)
    now = clock.now()
    if overdue_only:
        rows = rows.filter(due_at__lt=now)
    rows = _searched(rows, query)
    found = list(rows.select_related("category", "place").order_by("due_at", "id")[:limit])
    reasons = _desk_reasons([c.pk for c in found])
    listed = [
        DeskRow(
            complaint,
            reasons.get(complaint.pk, "no_post"),
            max(0, (now - (complaint.assigned_at or complaint.created_at)).days),
            deadlines.overdue_days(complaint.due_at, now),
        )
        for complaint in found
    ]
    return [row for row in listed if not reason or row.reason == reason]


def _searched(rows: QuerySet[Complaint], query: str) -> QuerySet[Complaint]:
    text = nfc(query, single_line=True)
    if not text:
        return rows
    digits = reference.normalise(text)
    if digits.isdigit():
        return rows.filter(reference__endswith=digits)
    return rows.filter(Q(complainant_name__icontains=text) | Q(description__icontains=text))


def _desk_reasons(complaint_ids: list[int]) -> dict[int, str]:
    """For each complaint, why the desk has it: the latest step that brought it there."""
    steps = Event.objects.filter(
        complaint_id__in=complaint_ids,
        action__in=(Action.REGISTER, Action.RETURN, Action.ESCALATE),
        to_status__in=DESK_STATUSES,
    ).order_by("complaint_id", "pk")
    brought_by: dict[str, str] = {Action.RETURN: "returned", Action.ESCALATE: "escalated"}
    found: dict[int, str] = {}
    for complaint_id, action, data in steps.values_list("complaint_id", "action", "data"):
        found[complaint_id] = brought_by.get(action) or (data or {}).get("desk_reason", "no_post")
    return found


def post_inbox(officer_id: int, on: dt.date | None = None) -> QuerySet[Complaint]:
    """Complaints waiting on the posts an officer holds (including ones awaiting the officer's
    decision on a subordinate's special closure), oldest deadline first."""
    held = directory.posts_held_by(officer_id, on or clock.local_date(clock.now()))
    return (
        Complaint.objects.filter(
            Q(current_post_id__in=held, status=Status.ASSIGNED)
            | Q(current_post__superior_id__in=held, status=Status.CLOSURE_PROPOSED)
        )
        .exclude(access.conflict_q(officer_id))
        .select_related("category", "current_post__unit")
        .order_by("due_at")
    )


def verification_queue(limit: int = 100) -> QuerySet[Complaint]:
    """Complaints waiting for their verification call, the longest-due first."""
    return (
        Complaint.objects.filter(verify_after__isnull=False)
        .select_related("current_post__unit")
        .order_by("verify_after", "id")[:limit]
    )


def pending_subordinate_report(complaint: Complaint) -> Event | None:
    """The subordinate's report, if nothing has been decided on the complaint since (steps
    that decide nothing — notes, reminders, interim replies — do not count)."""
    last = complaint.events.exclude(action__in=UNVERSIONED).order_by("-at", "-pk").first()
    return last if last is not None and last.action == Action.SUBORDINATE_REPORT else None


def forwarded_by(complaint: Complaint) -> int | None:
    """The post that forwarded the complaint down to its holder (the last forward-down)."""
    return (
        complaint.events.filter(action=Action.FORWARD_DOWN, to_post_id=complaint.current_post_id)
        .order_by("-at", "-pk")
        .values_list("actor_post_id", flat=True)
        .first()
    )


def disposing_post(complaint: Complaint) -> int | None:
    """The post whose action-taken report is the current disposal, if any."""
    return (
        complaint.events.filter(action=Action.SUBMIT_ATR)
        .order_by("-at", "-pk")
        .values_list("actor_post_id", flat=True)
        .first()
    )


def graded_since_disposal(complaint: Complaint) -> bool:
    last = (
        complaint.events.filter(action__in=[Action.SUBMIT_ATR, Action.GRADE])
        .order_by("-at", "-pk")
        .values_list("action", flat=True)
        .first()
    )
    return last == Action.GRADE


def events_after(
    last_id: int, gaps: list, fields: tuple[str, ...], batch: int
) -> tuple[list[dict], int, list]:
    """The timeline steps a cursor has not yet taken: those after `last_id`, in id order, and
    those that have appeared in earlier gaps. Ids are handed out at insert but become
    visible at commit, so a step of a slow transaction can appear behind the cursor; a gap
    is watched for IGRS_SUMMARY_GAP_SECONDS (longer than any transaction), then taken for a
    rolled-back insert. Returns (steps, new last id, gaps still watched)."""
    now = clock.now()
    horizon = now - dt.timedelta(seconds=settings.IGRS_SUMMARY_GAP_SECONDS)
    watched = {pk: seen for pk, seen in gaps if dt.datetime.fromisoformat(seen) > horizon}
    filled = list(Event.objects.filter(pk__in=list(watched)).values(*fields)) if watched else []
    for event in filled:
        watched.pop(event["pk"])
    fresh = list(Event.objects.filter(pk__gt=last_id).order_by("pk").values(*fields)[:batch])
    expected = last_id + 1
    for event in fresh:
        if event["pk"] - expected <= MAX_GAP:  # a larger jump is a burnt range, not a gap
            watched.update(dict.fromkeys(range(expected, event["pk"]), now.isoformat()))
        expected = event["pk"] + 1
    return (
        filled + fresh,
        fresh[-1]["pk"] if fresh else last_id,
        [[pk, seen] for pk, seen in watched.items()],
    )


MAX_GAP = 1000
