"""The dashboard benchmark's history generator (bench/history.py, `igrs generate_history`):
its set-based summaries must equal what the worker's own roll-up makes of the same timeline,
and its timelines must agree with the complaint rows they end in."""

import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, F

from igrs.grievances.models import Complaint, Defaulter, Event, Status
from igrs.monitoring.models import (
    LOSES_MARKS,
    DailyTally,
    LostMark,
    Pendency,
    PlaceTally,
    RollupCursor,
    Stay,
)
from igrs.monitoring.services import roll_up

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import history  # noqa: E402

from .conftest import new_complaint  # noqa: E402


def summaries() -> dict[str, Counter]:
    """Every summary row with a count (the roll-up may leave rows whose count came back to
    zero; a page reads those as nothing)."""

    def rows(model, *fields):
        return Counter(
            {key[:-1]: key[-1] for key in model.objects.values_list(*fields, "count") if key[-1]}
        )

    return {
        "pendency": rows(Pendency, "post_id", "district_id"),
        "tallies": rows(DailyTally, "day", "district_id", "department_id", "metric"),
        "stays": rows(Stay, "post_id", "days"),
        "places": rows(PlaceTally, "day", "unit_id", "metric"),
        "lost marks": Counter(
            LostMark.objects.values_list(
                "event_id",
                "complaint_id",
                "at",
                "parameter",
                "district_id",
                "department_id",
                "area_id",
            )
        ),
    }


def clear_summaries() -> None:
    for model in (Pendency, DailyTally, Stay, PlaceTally, LostMark, RollupCursor):
        model.objects.all().delete()


@pytest.fixture
def history_of_2000(reseeded):
    if connection.vendor != "postgresql":
        pytest.skip("the generator loads with PostgreSQL's COPY")
    history.generate(2000, seed=7, years=1.5, jobs=1, say=lambda _text: None)


def test_bulk_summaries_equal_the_worker_roll_up_and_the_complaint_rows(history_of_2000):
    history.summaries(say=lambda _text: None)
    bulk, cursor = summaries(), RollupCursor.objects.get().last_event_id
    clear_summaries()
    while roll_up():
        pass
    assert summaries() == bulk
    assert RollupCursor.objects.get().last_event_id == cursor
    assert all(len(rows) > 10 for rows in bulk.values())
    metrics = {metric for _day, _district, _department, metric in bulk["tallies"]}
    assert {
        "received",
        "disposed",
        "closed",
        "escalated",
        "satisfied",
        "not_satisfied",
        "reopened",
        "special_closure",
        "graded_c",
        "with_photo",
    } <= metrics
    assert {parameter for _e, _c, _at, parameter, *_unit in bulk["lost marks"]} == set(LOSES_MARKS)
    # The timelines end where the complaint rows say: pendency = open complaints by holder.
    open_by_post = Counter(
        dict(
            Complaint.objects.exclude(status=Status.CLOSED)
            .exclude(current_post=None)
            .values_list("current_post_id")
            .annotate(n=Count("id"))
        )
    )
    assert bulk["pendency"] == Counter({(post, 0): n for post, n in open_by_post.items()})
    statuses = Counter(Complaint.objects.values_list("status", flat=True))
    assert statuses[Status.CLOSED] > 1000 and statuses[Status.ASSIGNED] > 0
    assert Event.objects.values("complaint_id").distinct().count() == 2000
    assert Defaulter.objects.exists()


def test_generated_marks_name_the_officer_and_the_end_of_the_delay(history_of_2000):
    """As the sweep writes them, and as the migration that added the fields fills them in
    from the timeline and the postings."""
    import importlib

    from django.apps import apps

    written = {d.pk: (d.officer_id, d.ended_at) for d in Defaulter.objects.all()}
    # Most delays end with their escalation; those at the top run on until the post acts.
    at_the_top = Defaulter.objects.exclude(ended_at=F("marked_at")).count()
    assert 0 < at_the_top < len(written) // 2
    Defaulter.objects.update(officer=None, ended_at=None)
    importlib.import_module(
        "igrs.grievances.migrations.0018_defaulter_officer_and_end"
    ).fill_officer_and_end(apps, None)
    assert {d.pk: (d.officer_id, d.ended_at) for d in Defaulter.objects.all()} == written


def test_refuses_a_database_with_complaints(agent):
    if connection.vendor != "postgresql":
        pytest.skip("the generator loads with PostgreSQL's COPY")
    new_complaint(agent)
    with pytest.raises(ValueError, match="already has complaints"):
        history.generate(10, seed=1, years=1, jobs=1, say=lambda _text: None)


@pytest.mark.django_db
def test_the_command_refuses_sqlite_with_a_reason():
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is for SQLite")
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("generate_history", "--complaints", "10")
