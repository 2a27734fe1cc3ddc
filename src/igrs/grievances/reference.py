"""Public reference numbers: YYYY + serial (8 digits or more) + a Verhoeff check digit.

Verhoeff catches every single-digit mistake and every swap of neighbouring digits, the two
usual ways a number read out over the phone goes wrong, so a mistyped number is refused instead
of finding somebody else's complaint.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from igrs.core import fastsql
from igrs.core.errors import InvalidReference
from igrs.core.text import ascii_digits

from .models import Complaint, Event, ReferenceCounter

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)
SERIAL_DIGITS = 8
MIN_LENGTH = 4 + SERIAL_DIGITS + 1


def _checksum(digits: str, with_check: bool) -> int:
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + (0 if with_check else 1)) % 8][int(ch)]]
    return c


def check_digit(digits: str) -> str:
    return str(_INV[_checksum(digits, with_check=False)])


def is_valid(reference: str) -> bool:
    return (
        reference.isascii()
        and reference.isdigit()
        and len(reference) >= MIN_LENGTH
        and _checksum(reference, with_check=True) == 0
    )


def checked(text: str) -> str:
    """The reference number typed, normalised, or InvalidReference when its check digit (or
    length) shows a typo — told apart from a number that was never issued."""
    digits = normalise(text or "")
    if not is_valid(digits):
        raise InvalidReference(
            _(
                "“%(ref)s” is not a valid reference number: a digit is missing, extra or "
                "mistyped. Please check it."
            )
            % {"ref": text}
        )
    return digits


def normalise(text: str) -> str:
    """What a person typed or read out ("2026 0000 1234 5", "2026-00001234-5") as digits."""
    return "".join(ch for ch in ascii_digits(text) if not ch.isspace() and ch != "-")


def make(year: int, serial: int) -> str:
    body = f"{year:04d}{serial:0{SERIAL_DIGITS}d}"
    return body + check_digit(body)


def grouped(reference: str) -> str:
    """Digits in groups of four for reading back over the phone."""
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


@dataclass(frozen=True)
class Numbers:
    serial: int
    # Taken from the id sequences beforehand (PostgreSQL), so the rows can be sent without
    # waiting for their keys; None where the database numbers them on insert (SQLite).
    complaint_id: int | None
    event_ids: list[int] | None


def reserve(lock_key: str, events: int) -> Callable[[], Numbers]:
    """Start taking the next serial (and, on PostgreSQL, the new complaint's id and `events`
    event ids, after a transaction-scoped advisory lock on lock_key). Returns the function that
    reads them: inside fastsql.batch(), statements sent in between share the round trip."""
    if connection.vendor == "postgresql":
        cursor = fastsql.cursor()
        # The lock first (target lists evaluate left to right), then the serial, so one
        # mobile's serials follow the order its registrations commit in.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0)), "
            f"nextval('igrs_reference_serial'), {fastsql.id_sequence(Complaint)}, "
            f"ARRAY(SELECT {fastsql.id_sequence(Event)} FROM generate_series(1, %s))",
            [lock_key, events],
        )

        def read() -> Numbers:
            with cursor:
                _lock, serial, complaint_id, event_ids = cursor.fetchone()
            return Numbers(serial, complaint_id, event_ids)

        return read
    serial = _counted_serial()
    return lambda: Numbers(serial, None, None)


def _counted_serial() -> int:
    table = ReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE id = 1 RETURNING value")
        row = cursor.fetchone()
        if row is None:
            # The counter row is gone (a flushed database): start again after the highest
            # serial issued, so no reference is ever reused.
            cursor.execute(
                f"INSERT INTO {table} (id, value) SELECT 1, COALESCE(MAX(CAST(SUBSTR("
                "reference, 5, LENGTH(reference) - 5) AS INTEGER)), 0) + 1 "
                "FROM grievances_complaint RETURNING value"
            )
            row = cursor.fetchone()
        return row[0]
