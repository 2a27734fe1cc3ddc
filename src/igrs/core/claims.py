"""Handing queued rows out under a lease: the verification calls and the audit re-calls (one
row to one person), the SMS outbox and the webhook deliveries (a batch to one worker). A
taker's lease ends at a time; a row whose lease has lapsed is handed out again."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet


def _skip_locked() -> str:
    """PostgreSQL lets parallel takers pass over rows another is taking; SQLite runs each
    writer alone (BEGIN IMMEDIATE), so it needs no lock clause."""
    return "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""


@dataclass(frozen=True)
class NextInLine:
    """One row at a time to one person: the first of `table` in `order_by` that `where`
    admits and whose lease (`until`) has lapsed, given to the taker (`holder`) until a time.
    One statement: the inner SELECT … FOR UPDATE SKIP LOCKED passes over a row another is
    taking, and the outer UPDATE re-checks the lease on the row itself, so a row taken a
    moment ago is never handed out twice."""

    table: str
    holder: str
    until: str
    where: str
    order_by: str

    def sql(self) -> str:
        lapsed = f"({self.until} IS NULL OR {self.until} < %s)"
        return f"""
UPDATE {self.table} SET {self.holder} = %s, {self.until} = %s
WHERE id = (
    SELECT id FROM {self.table} WHERE {lapsed} AND {self.where}
    ORDER BY {self.order_by} LIMIT 1 {_skip_locked()}
) AND {lapsed}
RETURNING id"""

    def take(self, cursor, taker: int, until, now, params: Sequence = ()) -> int | None:
        """The id of the row now held by `taker` until `until` (database-adapted times), or
        None when nothing is due. Run it inside the caller's transaction."""
        cursor.execute(self.sql(), [taker, until, now, *params, now])
        row = cursor.fetchone()
        return row[0] if row else None


def lock_due(rows: QuerySet, order_by: Sequence[str], limit: int) -> list:
    """A batch for one worker: the first `limit` of `rows`, locked until the caller's
    transaction ends, passing over rows another worker has locked. The caller sets their
    lease (a next-attempt time past the slowest possible round) before it commits."""
    return list(rows.select_for_update(skip_locked=True).order_by(*order_by)[:limit])
