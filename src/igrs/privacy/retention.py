"""The retention job: anonymise the personal data in records whose time has run out, per
class of record, as the RetentionRule rows say (defaults below; the privacy page promises
five years after closure for complaints). The counts the dashboard and reports show are
kept: only names, numbers and free text go.

Contract (for `igrs worker` and the `igrs retention` command):
    apply_retention(now=None, batch=500) -> int
does at most `batch` records of each class per call, in the order of their time (a cursor
per class, advanced in the same transaction as the work, under the rule's row lock: several
workers may call it at once), and returns how many it anonymised, 0 when nothing is due.
Idempotent. The time is `core.clock`'s unless `now` is given. Plain UPDATEs by id within the
time range: the same on PostgreSQL's partitioned tables (a detached partition's rows are
simply gone) as on plain ones.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q

from igrs.callcentre.models import Call
from igrs.core import clock
from igrs.grievances import services as grievances
from igrs.grievances.models import Complaint, Status
from igrs.ivr.models import Handover, IvrCall
from igrs.notifications.models import OutboxMessage

from .models import PersonalDataView, RecordClass, RetentionRule


@dataclass(frozen=True)
class Kept:
    """A class of record: where its rows are, which time the period runs from, the default
    and the shortest allowed period, and how its personal data is removed."""

    rows: Callable[[], models.QuerySet]
    time_field: str
    default_days: int
    minimum_days: int
    anonymise: Callable[[Sequence[int]], int]


def _forget_sms(ids: Sequence[int]) -> int:
    return OutboxMessage.objects.filter(pk__in=ids).update(mobile="", body="", context={})


def _forget_calls(ids: Sequence[int]) -> int:
    return Call.objects.filter(pk__in=ids).update(ani="", mobile="")


def forget_ivr_calls(ids: Sequence[int]) -> int:
    Handover.objects.filter(call_id__in=ids).update(mobile="", caller="", keyed="")
    return IvrCall.objects.filter(pk__in=ids).update(caller="", mobile="", keys="")


def _forget_views(ids: Sequence[int]) -> int:
    """The view log holds no citizen's data of its own: past its time the rows go."""
    return PersonalDataView.objects.filter(pk__in=ids).delete()[0]


FINISHED_SMS = ("sent", "delivered", "undelivered", "failed", "unconfirmed")

KEPT: dict[str, Kept] = {
    RecordClass.COMPLAINT: Kept(
        lambda: Complaint.objects.filter(status=Status.CLOSED).exclude(mobile=""),
        "closed_at",
        default_days=5 * 365 + 1,
        minimum_days=365,
        anonymise=grievances.anonymise_complaints,
    ),
    RecordClass.SMS: Kept(
        lambda: OutboxMessage.objects.filter(status__in=FINISHED_SMS).exclude(mobile=""),
        "sent_at",
        default_days=180,
        minimum_days=30,
        anonymise=_forget_sms,
    ),
    RecordClass.CALLS: Kept(
        lambda: Call.objects.exclude(ani="", mobile=""),
        "offered_at",
        default_days=365,
        minimum_days=90,
        anonymise=_forget_calls,
    ),
    RecordClass.IVR_CALLS: Kept(
        lambda: IvrCall.objects.exclude(caller="", mobile=""),
        "started_at",
        default_days=365,
        minimum_days=90,
        anonymise=forget_ivr_calls,
    ),
    # Kept long enough for a complaint about a look to be looked into (decision 0054).
    RecordClass.VIEW_LOG: Kept(
        lambda: PersonalDataView.objects.all(),
        "at",
        default_days=2 * 365,
        minimum_days=365,
        anonymise=_forget_views,
    ),
}


def apply_retention(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Anonymise up to `batch` records per class whose period has run out (see the module's
    contract); the number anonymised."""
    now = now or clock.now()
    return sum(_apply(record_class, now, batch) for record_class in RecordClass.values)


def _apply(record_class: str, now: dt.datetime, batch: int) -> int:
    kept = KEPT[record_class]
    with transaction.atomic():
        rule = _rule(record_class)
        cutoff = now - dt.timedelta(days=max(rule.keep_days, kept.minimum_days))
        rows = _due(kept, cutoff, rule, batch)
        done = kept.anonymise([pk for pk, _at in rows]) if rows else 0
        if rows:
            rule.cursor_id, rule.cursor_at = rows[-1]
        rule.anonymised += done
        rule.last_run_at = now
        rule.save(update_fields=["cursor_at", "cursor_id", "anonymised", "last_run_at"])
    return done


def _rule(record_class: str) -> RetentionRule:
    """The class's rule, locked for this transaction (created with the default if missing)."""
    rule, _created = RetentionRule.objects.select_for_update().get_or_create(
        record_class=record_class, defaults={"keep_days": KEPT[record_class].default_days}
    )
    return rule


def _due(kept: Kept, cutoff: dt.datetime, rule: RetentionRule, batch: int) -> list:
    """(id, time) of the next rows past the cursor whose time is before the cutoff."""
    field = kept.time_field
    rows = kept.rows().filter(**{f"{field}__lt": cutoff, f"{field}__isnull": False})
    if rule.cursor_at is not None:
        rows = rows.filter(
            Q(**{f"{field}__gt": rule.cursor_at})
            | Q(**{field: rule.cursor_at, "pk__gt": rule.cursor_id})
        )
    return list(rows.order_by(field, "pk").values_list("pk", field)[:batch])
