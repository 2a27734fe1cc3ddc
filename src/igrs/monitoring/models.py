"""Summaries the dashboard reads instead of the complaint table: kept by the worker from the
append-only timeline (a cursor, so every step is counted exactly once), small whatever the
number of complaints."""

from collections.abc import Collection

from django.db import models
from django.utils.translation import gettext_lazy as _


class Pendency(models.Model):
    """Open complaints held now by a post (district 0), or by the monitoring desk for a
    district (post 0)."""

    post_id = models.BigIntegerField(_("post"), default=0)
    district_id = models.BigIntegerField(_("district"), default=0)
    count = models.IntegerField(_("open complaints"), default=0)

    class Meta:
        verbose_name = _("pendency")
        verbose_name_plural = _("pendency")
        constraints = [
            models.UniqueConstraint(fields=["post_id", "district_id"], name="one_pendency_row")
        ]


class Metric(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPOSED = "disposed", _("Disposed (action-taken report)")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated for delay")
    SATISFIED = "satisfied", _("Satisfied on verification")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied on verification")
    REOPENED = "reopened", _("Re-opened")
    SPECIAL_CLOSURE = "special_closure", _("Special closures")
    GRADED_C = "graded_c", _("Graded C")
    WITH_PHOTO = "with_photo", _("Action-taken reports with a photo")
    LATE = "late", _("Disposed after the time limit")
    FLAGGED = "flagged", _("Action-taken reports flagged (re-used photo or pasted text)")


# The steps that lose a unit marks on a ranking parameter, by what the roll-up counts of a
# step: parameter → (a metric the step counts as, a metric it must not also count as).
LOSES_MARKS: dict[str, tuple[str, str | None]] = {
    "timely": (Metric.LATE, None),
    "defaulters": (Metric.ESCALATED, None),
    "satisfaction": (Metric.NOT_SATISFIED, None),
    "reopens": (Metric.REOPENED, None),
    "special_closures": (Metric.SPECIAL_CLOSURE, None),
    "evidence": (Metric.DISPOSED, Metric.WITH_PHOTO),
    "unflagged": (Metric.FLAGGED, None),
}


def marks_lost(metrics: Collection[str]) -> list[str]:
    """The parameters a step with these metrics loses marks on."""
    return [
        parameter
        for parameter, (counts_as, unless) in LOSES_MARKS.items()
        if counts_as in metrics and unless not in metrics
    ]


class DailyTally(models.Model):
    """How many of each step happened on a day (IST) in a district, for a department."""

    day = models.DateField(_("day"))
    district_id = models.BigIntegerField(_("district"))
    department_id = models.BigIntegerField(_("department"))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily tally")
        verbose_name_plural = _("daily tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "district_id", "department_id", "metric"], name="one_tally_row"
            )
        ]
        # Covering (PostgreSQL): a month's tallies are read from the index alone.
        indexes = [
            models.Index(
                fields=["day", "metric"],
                name="tally_by_day",
                include=["district_id", "department_id", "count"],
            )
        ]


class PlaceTally(models.Model):
    """How many of each step happened on a day (IST) to complaints placed in a tehsil (its
    blocks included) or a thana: the tehsil and thana rankings read these."""

    day = models.DateField(_("day"))
    unit_id = models.BigIntegerField(_("tehsil or thana"))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily tally by tehsil or thana")
        verbose_name_plural = _("daily tallies by tehsil or thana")
        constraints = [
            models.UniqueConstraint(fields=["unit_id", "day", "metric"], name="one_place_tally_row")
        ]


class LostMark(models.Model):
    """A step that lost its unit marks on a parameter (a late report, an escalation, …), with
    where it counts: the page behind a ranked unit's lost marks is a range of one index, not
    a search of the timeline."""

    pk = models.CompositePrimaryKey("event_id", "parameter")  # each step once per parameter
    event_id = models.BigIntegerField(_("step"))
    complaint_id = models.BigIntegerField(_("complaint"))
    at = models.DateTimeField(_("happened at"))
    parameter = models.CharField(_("parameter"), max_length=20)
    district_id = models.BigIntegerField(_("district"))
    department_id = models.BigIntegerField(_("department"))
    area_id = models.BigIntegerField(_("tehsil or thana"), default=0)  # 0: none

    class Meta:
        verbose_name = _("lost mark")
        verbose_name_plural = _("lost marks")
        # A unit's month in step order, the event id included: the page's ids come from the
        # index alone. Nobody asks for the steps of places above a tehsil or thana (area 0).
        indexes = [
            models.Index(
                fields=["parameter", "district_id", "at", "event_id"], name="lost_by_district"
            ),
            models.Index(
                fields=["parameter", "department_id", "at", "event_id"], name="lost_by_department"
            ),
            models.Index(
                fields=["parameter", "area_id", "at", "event_id"],
                condition=models.Q(area_id__gt=0),
                name="lost_by_area",
            ),
        ]


# Upper bounds, in days, of the histogram buckets of how long a post held a complaint.
STAY_BUCKETS = (1, 2, 3, 5, 7, 10, 15, 21, 30, 45, 60, 90, 180, 365, 100_000)


class Stay(models.Model):
    """How many times a post held a complaint for up to `days` (and more than the bucket
    below): a histogram, from which the median and the 90th percentile are read."""

    post_id = models.BigIntegerField(_("post"))
    days = models.IntegerField(_("up to days"))
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("time held")
        verbose_name_plural = _("times held")
        constraints = [models.UniqueConstraint(fields=["post_id", "days"], name="one_stay_row")]


class RollupCursor(models.Model):
    last_event_id = models.BigIntegerField(_("last event counted"), default=0)
    # Ids below the cursor not yet seen: steps of transactions still running (see
    # grievances.selectors.events_after), as [id, first noticed].
    gaps = models.JSONField(_("ids still awaited"), default=list, blank=True)


class RankingFormula(models.Model):
    """A published, versioned formula: weights per parameter (marks out of the weight), the
    same for every unit in a month. A new version is a new row, never an edit."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    weights = models.JSONField(_("weights"))
    published_on = models.DateField(_("published on"))
    note = models.TextField(_("what changed"), blank=True)

    class Meta:
        verbose_name = _("ranking formula")
        verbose_name_plural = _("ranking formulas")
        ordering = ["-version"]
