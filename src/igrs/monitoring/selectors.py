"""Reads of the dashboard: every number comes from the summaries (pendency by holder, daily
tallies) or from the overdue index, never from a scan of the complaint table, so a page
costs the same with a thousand complaints or ten million."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from igrs.core import clock
from igrs.core.cache import memoize
from igrs.directory import selectors as directory
from igrs.directory.models import (
    Department,
    Officer,
    Post,
    Posting,
    Unit,
    UnitKind,
    localised,
    post_title,
)
from igrs.grievances.models import DESK_STATUSES, Action, Complaint, Defaulter, Event, Status

from .models import (
    STAY_BUCKETS,
    DailyTally,
    LostMark,
    Metric,
    Pendency,
    PlaceTally,
    RankingFormula,
    Stay,
)

CHILD_KINDS: dict[str, tuple[UnitKind, ...]] = {
    UnitKind.STATE: (UnitKind.DIVISION,),
    UnitKind.DIVISION: (UnitKind.DISTRICT,),
    UnitKind.DISTRICT: (UnitKind.TEHSIL, UnitKind.THANA),
    UnitKind.TEHSIL: (UnitKind.BLOCK,),
}


@dataclass
class Row:
    unit: Unit | None
    post: Post | None
    pending: int = 0
    overdue: int = 0


@dataclass
class Periods:
    today: Counter = field(default_factory=Counter)
    week: Counter = field(default_factory=Counter)
    month: Counter = field(default_factory=Counter)


@dataclass
class FlowDay:
    day: dt.date
    received: int
    disposed: int


@dataclass
class UnitPage:
    unit: Unit
    chain: list[Unit]
    pending: int
    overdue: int
    with_desk: int
    periods: Periods
    children: list[Row]
    posts: list[Row]
    flow: list[FlowDay]
    figures_for: Unit  # whose received/disposed/closed are shown (tallies are not kept below)


FLOW_DAYS = 30
LOCAL_KINDS = (UnitKind.TEHSIL, UnitKind.THANA)  # the places daily tallies are kept for


def unit_page(unit_id: int, department_id: int | None = None) -> UnitPage:
    """A place's numbers; only one department's, when given."""
    unit = directory.get_unit(unit_id)
    chain = list(reversed(directory.unit_chain(unit_id)))
    pending, desk = _pendency(department_id)
    overdue = _overdue()
    inside = _units_below(unit)
    posts_here = [
        (pk, unit_id)
        for pk, (unit_id, department) in _post_places().items()
        if unit_id in inside and department_id in (None, department)
    ]
    children = [
        u
        for u in Unit.objects.filter(parent=unit, kind__in=CHILD_KINDS.get(unit.kind, ())).order_by(
            "kind", "name_en"
        )
    ]
    rows = []
    for child in children:
        below = _units_below(child)
        ids = [pk for pk, unit_id in posts_here if unit_id in below]
        rows.append(
            Row(
                child,
                None,
                sum(pending[i] for i in ids) + sum(n for d, n in desk.items() if d in below),
                sum(overdue[i] for i in ids),
            )
        )
    own = [
        Row(None, directory.get_post(pk), pending[pk], overdue[pk])
        for pk, unit_id in posts_here
        if unit_id == unit.pk and (pending[pk] or overdue[pk])
    ]
    return UnitPage(
        unit=unit,
        chain=chain,
        pending=sum(pending[pk] for pk, _unit in posts_here),
        overdue=sum(overdue[pk] for pk, _unit in posts_here),
        with_desk=sum(n for d, n in desk.items() if d in inside),
        **_periods_and_flow(unit, inside, department_id),
        children=rows,
        posts=sorted(own, key=_most_late_first),
    )


def _most_late_first(row: Row) -> tuple[int, int, str]:
    assert row.post is not None  # a row of a post
    return (-row.overdue, -row.pending, row.post.code)


def post_complaints(post_id: int, limit: int = 200) -> list[Complaint]:
    """The open complaints a post holds, oldest deadline first (the complaint_by_post index)."""
    return list(
        Complaint.objects.filter(current_post_id=post_id)
        .exclude(status=Status.CLOSED)
        .select_related("category")
        .order_by("due_at", "id")[:limit]
    )


def _pendency(department_id: int | None = None) -> tuple[Counter, Counter]:
    """Open complaints by officer's post (the summary), and with the desk by the desk's unit
    (its district, or the state; live: the desk's queue, read through the status index, so
    one department's share can be counted), of one department when given."""
    posts = Counter(dict(Pendency.objects.filter(post_id__gt=0).values_list("post_id", "count")))
    desks, district_of = _desk_posts(), _districts()
    desk: Counter[int] = Counter()
    queue = Complaint.objects.filter(status__in=DESK_STATUSES)
    if department_id:
        queue = queue.filter(category__department_id=department_id)
    for post_id, place_id, n in queue.values_list("current_post_id", "place_id").annotate(
        n=Count("id")
    ):
        desk[desks.get(post_id) or district_of[place_id]] += n
    return posts, desk


def _overdue() -> Counter:
    """Past their time limit now, by holding post: those the sweep has yet to escalate (its
    partial index) and those stuck at the top, marked defaulter (their own partial index);
    the cost follows how many are late, not the table."""
    waiting = Complaint.objects.filter(escalate_at__lte=clock.now())
    stuck = Complaint.objects.filter(defaulted=True).exclude(status=Status.CLOSED)
    overdue: Counter[int] = Counter()
    for found in (waiting, stuck):
        overdue.update(dict(found.values_list("current_post_id").annotate(n=Count("id"))))
    return overdue


@memoize
def _post_places() -> dict[int, tuple[int, int]]:
    """Every officers' post (deactivated ones keep their history; the desks are counted
    apart): post → (unit, department). Master data, memoized per process; plain tuples, as
    thousands of model instances would cost a cold page more than its SQL."""
    return {
        pk: (unit_id, department_id)
        for pk, unit_id, department_id in Post.objects.filter(department__desk=False).values_list(
            "pk", "unit_id", "department_id"
        )
    }


@memoize
def _desk_posts() -> dict[int, int]:
    """The monitoring desks' posts → the unit each serves (a district, or the state)."""
    return dict(Post.objects.filter(department__desk=True).values_list("pk", "unit_id"))


@memoize
def _units() -> dict[int, Unit]:
    """Every unit, in one read (master data: memoized per process), so a cold page does not
    read its places one by one."""
    return {unit.pk: unit for unit in Unit.objects.all()}


@memoize
def _districts() -> dict[int, int]:
    """Every unit's district (0 above district level), from the unit tree in memory."""
    units, found = _units(), {}

    def district(pk: int | None) -> int:
        if pk is None:
            return 0
        if pk not in found:
            unit = units[pk]
            found[pk] = pk if unit.kind == UnitKind.DISTRICT else district(unit.parent_id)
        return found[pk]

    for pk in units:
        district(pk)
    return found


def _units_below(unit: Unit) -> set[int]:
    """The unit and every unit under it."""
    children, found, stack = _children(), set(), [unit.pk]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


@memoize
def _children() -> dict[int, list[int]]:
    """The unit tree as parent → children (master data: memoized per process)."""
    tree: dict[int, list[int]] = {}
    for pk, parent in Unit.objects.values_list("pk", "parent_id"):
        tree.setdefault(parent, []).append(pk)
    return tree


def state_unit_id() -> int:
    state = Unit.objects.filter(kind=UnitKind.STATE).values_list("pk", flat=True).first()
    assert state is not None, "the directory has no state unit"
    return state


def _periods_and_flow(unit: Unit, units: set[int], department_id: int | None = None) -> dict:
    """Received, disposed and closed today, in the last 7 days and this month; and received
    and disposed on each of the last 30 days: of a tehsil or thana from its own tallies; of
    a district or above from the districts' tallies (of one department when given); of a
    block, or of one department below a district, the district's — and `figures_for` says
    so."""
    today = clock.local_date(clock.now())
    first_day = today - dt.timedelta(days=FLOW_DAYS - 1)
    since = min(today.replace(day=1), first_day)
    metrics = [Metric.RECEIVED, Metric.DISPOSED, Metric.CLOSED]
    district_of = _districts()
    tallies: QuerySet[PlaceTally] | QuerySet[DailyTally]
    if unit.kind in LOCAL_KINDS and department_id is None:
        figures_for = unit
        tallies = PlaceTally.objects.filter(unit_id=unit.pk, day__gte=since, metric__in=metrics)
    else:
        figures_for = unit if not district_of[unit.pk] else _units()[district_of[unit.pk]]
        districts = {district_of[pk] for pk in units} - {0}
        tallies = DailyTally.objects.filter(
            day__gte=since, district_id__in=districts, metric__in=metrics
        )
        if department_id:
            tallies = tallies.filter(department_id=department_id)
    periods = Periods()
    by_day: Counter[tuple[dt.date, str]] = Counter()
    for row in tallies.values("day", "metric").annotate(n=Sum("count")):
        by_day[(row["day"], row["metric"])] += row["n"]
        if row["day"] == today:
            periods.today[row["metric"]] += row["n"]
        if row["day"] > today - dt.timedelta(days=7):
            periods.week[row["metric"]] += row["n"]
        if row["day"] >= today.replace(day=1):
            periods.month[row["metric"]] += row["n"]
    days = [first_day + dt.timedelta(days=n) for n in range(FLOW_DAYS)]
    return {
        "periods": periods,
        "figures_for": figures_for,
        "flow": [
            FlowDay(day, by_day[(day, Metric.RECEIVED)], by_day[(day, Metric.DISPOSED)])
            for day in days
        ],
    }


@dataclass(frozen=True)
class Named:
    """A post or an officer as a table names it, in both languages: plain values, as
    thousands of model instances would cost a page more than its SQL."""

    pk: int
    name_en: str
    name_hi: str

    @property
    def name(self) -> str:
        return localised(self.name_en, self.name_hi)

    title = name  # a post's name is its title


@dataclass
class DefaulterRow:
    post: Named
    officer_name: str
    defaults: int


def defaulters(
    since: dt.date, until: dt.date | None = None, keep: Callable[[int, int], bool] | None = None
) -> list[DefaulterRow]:
    """Missed deadlines since a day (and before another), by the post that missed them and the
    officer who held it on the day it fell due (a posting ends, the record stays with the
    person); of the posts `keep` keeps (by unit and department)."""
    marks = Defaulter.objects.filter(marked_at__gte=_start_of(since))  # defaulter_by_time
    if until:
        marks = marks.filter(marked_at__lt=_start_of(until))
    if (posts := _posts_kept(keep)) is not None:
        marks = marks.filter(post_id__in=posts)
    counts = list(marks.values_list("post_id", "officer_id").annotate(n=Count("*")))
    # Officers by subquery: a list of thousands of ids costs more to send than this.
    officers = {
        pk: localised(en, hi)
        for pk, en, hi in Officer.objects.filter(pk__in=marks.values("officer_id")).values_list(
            "pk", "name_en", "name_hi"
        )
    }
    titles = _post_titles()
    rows = [
        DefaulterRow(Named(post_id, *titles[post_id]), officers.get(officer, ""), n)
        for post_id, officer, n in counts
    ]
    return sorted(rows, key=lambda r: (-r.defaults, r.post.name_en, r.officer_name))


@memoize
def _post_titles() -> dict[int, tuple[str, str]]:
    """Every post's title in English and Hindi (master data, memoized per process)."""
    return {
        pk: (post_title(designation_en, unit_en), post_title(designation_hi, unit_hi))
        for pk, designation_en, unit_en, designation_hi, unit_hi in Post.objects.values_list(
            "pk", "designation_en", "unit__name_en", "designation_hi", "unit__name_hi"
        )
    }


def _posts_kept(keep: Callable[[int, int], bool] | None) -> list[int] | None:
    """The posts whose unit and department `keep` keeps; None (no filter) for every post."""
    if keep is None:
        return None
    return [pk for pk, place in _post_places().items() if keep(*place)]


@dataclass
class OfficerDays:
    officer: Named
    deadlines: int
    days: float


def defaulter_days(
    month: dt.date, keep: Callable[[int, int], bool] | None = None
) -> list[OfficerDays]:
    """Days past due in a month, by officer: each missed deadline runs from when it fell due
    until the step that moved the complaint on (or now; a forward to a subordinate or the
    subordinate's report does not: the deadline stays and so does the delay), counted within
    the month and within each posting of an officer to the post that missed it (additional
    charge too). The delays running in the month come through the defaulter_by_end index;
    those of a post whose holders stayed the whole month are summed in the database, only a
    post with a transfer in the month has its delays split here. Below the top the sweep
    moves a complaint up at its deadline, so there the days are the sweep's lag: the figure
    measures the top posts."""
    start, end = _start_of(month), min(_start_of(_next_month(month)), clock.now())
    marks = Defaulter.objects.filter(Q(ended_at__gt=start) | Q(ended_at=None), due_at__lt=end)
    if (posts := _posts_kept(keep)) is not None:
        marks = marks.filter(post_id__in=posts)
    postings = _postings_between(start, end)
    transferred = {
        post_id
        for post_id, held in postings.items()
        if any(held_from > start or held_until < end for _officer, held_from, held_until in held)
    }
    days: defaultdict[int, float] = defaultdict(float)
    deadlines: Counter[int] = Counter()
    spell = ExpressionWrapper(
        Least(Coalesce("ended_at", Value(end)), Value(end)) - Greatest("due_at", Value(start)),
        output_field=DurationField(),
    )
    for post_id, n, total in (
        marks.exclude(post_id__in=transferred)
        .values("post_id")
        .annotate(n=Count("*"), total=Sum(spell))
        .values_list("post_id", "n", "total")
    ):
        for officer, _held_from, _held_until in postings.get(post_id, ()):
            days[officer.pk] += total.total_seconds() / 86400
            deadlines[officer.pk] += n
    for post_id, due_at, ended_at in marks.filter(post_id__in=transferred).values_list(
        "post_id", "due_at", "ended_at"
    ):
        over = min(ended_at or end, end)
        for officer, held_from, held_until in postings[post_id]:
            overlap = min(over, held_until) - max(due_at, start, held_from)
            if overlap > dt.timedelta(0):
                days[officer.pk] += overlap.total_seconds() / 86400
                deadlines[officer.pk] += 1
    officers = {officer.pk: officer for held in postings.values() for officer, _f, _u in held}
    rows = [OfficerDays(officers[pk], deadlines[pk], round(n, 1)) for pk, n in days.items()]
    return sorted(rows, key=lambda r: (-r.days, r.officer.name_en))


def _postings_between(
    start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[Named, dt.datetime, dt.datetime]]]:
    """Post → (officer, from, until) of each posting held at some time between the two
    moments, its days as moments (IST midnights), clipped to `end`."""
    postings: dict[int, list[tuple[Named, dt.datetime, dt.datetime]]] = {}
    for post_id, officer_id, name_en, name_hi, since, until in (
        Posting.objects.filter(start__lt=clock.local_date(end) + dt.timedelta(days=1))
        .filter(Q(end=None) | Q(end__gte=clock.local_date(start)))
        .values_list(
            "post_id", "officer_id", "officer__name_en", "officer__name_hi", "start", "end"
        )
    ):
        held_until = min(_start_of(until + dt.timedelta(days=1)), end) if until else end
        postings.setdefault(post_id, []).append(
            (Named(officer_id, name_en, name_hi), _start_of(since), held_until)
        )
    return postings


@dataclass
class QualityRow:
    district: Unit
    satisfaction: float | None
    reopen_rate: float | None
    special_rate: float | None
    c_grade_rate: float | None
    photo_share: float | None
    flag_rate: float | None


def quality(
    since: dt.date, until: dt.date | None = None, department_id: int | None = None
) -> list[QualityRow]:
    """Rates by district since a day (and before another), from the daily tallies; of one
    department when given."""
    counts: dict[int, Counter] = {}
    tallies = DailyTally.objects.filter(day__gte=since)
    if until:
        tallies = tallies.filter(day__lt=until)
    if department_id:
        tallies = tallies.filter(department_id=department_id)
    for district_id, metric, n in tallies.values_list("district_id", "metric").annotate(
        n=Sum("count")
    ):
        counts.setdefault(district_id, Counter())[metric] += n
    rows = []
    for district_id, c in counts.items():
        if not district_id:
            continue
        rows.append(
            QualityRow(
                _units()[district_id],
                _rate(c[Metric.SATISFIED], c[Metric.SATISFIED] + c[Metric.NOT_SATISFIED]),
                _rate(c[Metric.REOPENED], c[Metric.CLOSED]),
                _rate(c[Metric.SPECIAL_CLOSURE], c[Metric.CLOSED]),
                _rate(c[Metric.GRADED_C], c[Metric.DISPOSED]),
                _rate(c[Metric.WITH_PHOTO], c[Metric.DISPOSED]),
                _rate(c[Metric.FLAGGED], c[Metric.DISPOSED]),
            )
        )
    return sorted(rows, key=lambda r: r.district.name_en)


@dataclass
class OfficerFlags:
    officer: Officer
    post: Post
    reports: int
    flagged: int

    @property
    def rate(self) -> float | None:
        return _rate(self.flagged, self.reports)


def flags_by_officer(
    since: dt.date, keep: Callable[[Post], bool] | None = None, limit: int = 50
) -> list[OfficerFlags]:
    """Action-taken reports since a day by officer and post, with how many were flagged as
    signs of a fake disposal (grievances/flags.py), the most flagged first (of the posts
    `keep` keeps). Read from the timeline: a month of reports, through the action index."""
    rows = (
        Event.objects.filter(action=Action.SUBMIT_ATR, at__gte=_start_of(since))
        .exclude(actor_officer=None)
        .values("actor_officer_id", "actor_post_id")
        .annotate(reports=Count("pk"), flagged=Count("pk", filter=Q(data__has_key="flags")))
        .order_by("-flagged", "-reports", "actor_officer_id")
    )
    officers = Officer.objects.in_bulk({r["actor_officer_id"] for r in rows})
    found = []
    for row in rows:
        post = directory.get_post(row["actor_post_id"])
        if keep is None or keep(post):
            officer = officers[row["actor_officer_id"]]
            found.append(OfficerFlags(officer, post, row["reports"], row["flagged"]))
    return found[:limit]


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class StuckRow:
    label: str
    held: int
    median_days: int
    p90_days: int
    post: Post | None = None


def where_stuck(
    min_stays: int = 3, slowest: int = 20, keep: Callable[[int, int], bool] | None = None
) -> dict[str, list[StuckRow]]:
    """How long posts hold complaints before they move on: median and 90th percentile by
    department, by district, and the slowest posts (of those `keep` keeps). Read from the
    histogram (each figure is the upper bound of its bucket), summed in the database: a
    state's tens of thousands of histogram rows do not travel to Python."""
    posts = _posts_kept(keep)
    departments: dict[str, Counter] = defaultdict(Counter)
    districts: dict[str, Counter] = defaultdict(Counter)
    department_names = {d.pk: d.name for d in Department.objects.all()}
    for department_id, days, count in _stays_by("department_id", posts):
        departments[department_names[department_id]][days] += count
    district_of = _districts()
    for unit_id, days, count in _stays_by("unit_id", posts):
        if district := district_of[unit_id]:
            districts[_units()[district].name][days] += count
    return {
        "departments": sorted(
            (_stuck(k, h) for k, h in departments.items()), key=lambda r: -r.p90_days
        ),
        "districts": sorted(
            (_stuck(k, h) for k, h in districts.items()), key=lambda r: -r.p90_days
        ),
        "posts": _slowest_posts(posts, min_stays, slowest),
    }


STAYS, POSTS = Stay._meta.db_table, Post._meta.db_table


def _in_posts(posts: list[int] | None) -> tuple[str, list[int]]:
    """A WHERE condition on the histogram's post, and its parameters."""
    if posts is None:
        return "", []
    return f" AND s.post_id IN ({', '.join(['%s'] * len(posts)) or 'NULL'})", posts


def _stays_by(column: str, posts: list[int] | None) -> list[tuple[int, int, int]]:
    """The histogram summed by a column of the post (its department or unit)."""
    where, params = _in_posts(posts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.{column}, s.days, SUM(s.count) FROM {STAYS} s "
            f"JOIN {POSTS} p ON p.id = s.post_id WHERE s.count > 0{where} "
            f"GROUP BY p.{column}, s.days",
            params,
        )
        return cursor.fetchall()


def _slowest_posts(posts: list[int] | None, min_stays: int, slowest: int) -> list[StuckRow]:
    """The posts with the longest 90th percentile (then the most held), each percentile the
    first bucket whose running total reaches its share, as _percentile reads it."""
    where, params = _in_posts(posts)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH held AS (SELECT s.post_id, s.days, SUM(s.count) OVER "
            "(PARTITION BY s.post_id ORDER BY s.days) AS seen, SUM(s.count) OVER "
            f"(PARTITION BY s.post_id) AS total FROM {STAYS} s WHERE s.count > 0{where})"
            " SELECT post_id, MAX(total), MIN(CASE WHEN seen >= 0.5 * total THEN days END), "
            "MIN(CASE WHEN seen >= 0.9 * total THEN days END) FROM held GROUP BY post_id "
            "HAVING MAX(total) >= %s ORDER BY 4 DESC, 2 DESC, post_id LIMIT %s",
            [*params, min_stays, slowest],
        )
        found = cursor.fetchall()
    rows = []
    for post_id, held, median, p90 in found:
        post = directory.get_post(post_id)
        rows.append(StuckRow(post.title, held, median, p90, post))
    return rows


def _stuck(label: str, histogram: Counter) -> StuckRow:
    total = sum(histogram.values())
    return StuckRow(
        label, total, _percentile(histogram, total, 0.5), _percentile(histogram, total, 0.9)
    )


def _percentile(histogram: Counter, total: int, share: float) -> int:
    seen = 0
    for bound in STAY_BUCKETS:
        seen += histogram.get(bound, 0)
        if seen >= share * total:
            return bound
    return STAY_BUCKETS[-1]


# What each parameter of the ranking measures: (good part, whole) from the month's tallies,
# scored as a share; "inverse" parameters score 1 − share. (The steps behind a lost mark:
# models.LOSES_MARKS.)
PARAMETERS = {
    "timely": (Metric.LATE, Metric.DISPOSED, True),
    "defaulters": (Metric.ESCALATED, Metric.RECEIVED, True),
    "satisfaction": (Metric.SATISFIED, None, False),
    "reopens": (Metric.REOPENED, Metric.CLOSED, True),
    "special_closures": (Metric.SPECIAL_CLOSURE, Metric.CLOSED, True),
    "evidence": (Metric.WITH_PHOTO, Metric.DISPOSED, False),
    "unflagged": (Metric.FLAGGED, Metric.DISPOSED, True),
}


@dataclass
class RankRow:
    rank: int
    key: int
    name: str
    total: float
    marks: dict[str, float | None]


def districts() -> list[Unit]:
    return list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("name_en"))


def formula() -> RankingFormula:
    current = RankingFormula.objects.order_by("-version").first()
    assert current is not None, "version 1 is published by a migration"
    return current


RANKED_LEVELS = ("district", "department", "tehsil", "thana")


def ranking(level: str, month: dt.date, district_id: int | None = None) -> list[RankRow]:
    """Districts, departments, or the tehsils or thanas of a district, for a month by the
    current formula. A parameter with no data in a unit (nothing disposed, say) is left out
    and the rest scaled to the same total."""
    weights = formula().weights
    counts: dict[int, Counter] = {}
    for key, metric, n in _month_tallies(level, month, district_id):
        if key:
            counts.setdefault(key, Counter())[metric] += n
    rows = []
    departments = {d.pk: d for d in Department.objects.all()} if level != "district" else {}
    for key, c in counts.items():
        marks = {
            name: _marks(c, name, weight) for name, weight in weights.items() if name in PARAMETERS
        }  # a formula naming an unknown parameter scores it not
        scored = {k: v for k, v in marks.items() if v is not None}
        available = sum(weights[k] for k in scored)
        full = sum(weights[k] for k in marks)
        total = sum(scored.values()) * full / available if available else 0
        name = departments[key].name if level == "department" else _units()[key].name
        rows.append(RankRow(0, key, name, round(total, 1), marks))
    rows.sort(key=lambda r: (-r.total, r.name))
    for position, row in enumerate(rows, start=1):  # equal marks, equal rank
        row.rank = (
            rows[position - 2].rank
            if position > 1 and rows[position - 2].total == row.total
            else position
        )
    return rows


def _month_tallies(level: str, month: dt.date, district_id: int | None):
    """(unit, metric, count) for the month: districts and departments from the daily
    tallies, tehsils and thanas (of one district) from the tallies kept by place."""
    days = {"day__gte": month, "day__lt": _next_month(month)}
    if level in ("tehsil", "thana"):
        units = Unit.objects.filter(parent_id=district_id, kind=level).values("pk")
        return (
            PlaceTally.objects.filter(unit_id__in=units, **days)
            .values_list("unit_id", "metric")
            .annotate(n=Sum("count"))
        )
    return (
        DailyTally.objects.filter(**days)
        .values_list("district_id" if level == "district" else "department_id", "metric")
        .annotate(n=Sum("count"))
    )


def _marks(counts: Counter, parameter: str, weight: float) -> float | None:
    part, whole, inverse = PARAMETERS[parameter]
    if parameter == "satisfaction":
        whole_n = counts[Metric.SATISFIED] + counts[Metric.NOT_SATISFIED]
    else:
        whole_n = counts[whole]
    if not whole_n:
        return None
    share = min(1.0, counts[part] / whole_n)
    return round(weight * ((1 - share) if inverse else share), 1)


def lost_marks(
    level: str, key: int, parameter: str, month: dt.date, limit: int = 200
) -> list[Event]:
    """The steps behind a unit's lost marks on one parameter in a month, in the order they
    happened: their ids from a range of one of the lost marks' indexes, then only those read
    whole."""
    unit = {"district": "district_id", "department": "department_id"}.get(level, "area_id")
    ids = list(
        LostMark.objects.filter(
            parameter=parameter,
            at__gte=_start_of(month),
            at__lt=_start_of(_next_month(month)),
            **{unit: key},
        )
        .order_by("at", "event_id")
        .values_list("event_id", flat=True)[:limit]
    )
    return list(Event.objects.filter(pk__in=ids).select_related("complaint").order_by("at", "pk"))


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class DepartmentMonth:
    name: str
    received: int = 0
    disposed: int = 0
    pending: int = 0
    overdue: int = 0


@dataclass
class DistrictMonth:
    """A district's month for its report: what came and went in the month; what is pending
    and past its time limit now."""

    district: Unit
    month: dt.date
    departments: list[DepartmentMonth]
    with_desk: int
    defaulters: list[DefaulterRow]
    quality: QualityRow | None
    rank: RankRow | None
    ranked: int

    @property
    def total(self) -> DepartmentMonth:
        return DepartmentMonth(
            "",
            *(
                sum(getattr(d, f) for d in self.departments)
                for f in ("received", "disposed", "pending", "overdue")
            ),
        )


def district_month(district_id: int, month: dt.date) -> DistrictMonth:
    district = directory.get_unit(district_id)
    until = _next_month(month)
    inside = _units_below(district)
    lines: dict[int, DepartmentMonth] = {}

    def line(department_id: int) -> DepartmentMonth:
        if department_id not in lines:
            lines[department_id] = DepartmentMonth(Department.objects.get(pk=department_id).name)
        return lines[department_id]

    for department_id, metric, n in (
        DailyTally.objects.filter(
            district_id=district_id,
            day__gte=month,
            day__lt=until,
            metric__in=[Metric.RECEIVED, Metric.DISPOSED],
        )
        .values_list("department_id", "metric")
        .annotate(n=Sum("count"))
    ):
        setattr(line(department_id), metric, getattr(line(department_id), metric) + n)
    pending, desk = _pendency()
    overdue = _overdue()
    for pk, (unit_id, department_id) in _post_places().items():
        if unit_id in inside and (pending[pk] or overdue[pk]):
            line(department_id).pending += pending[pk]
            line(department_id).overdue += overdue[pk]
    ranks = ranking("district", month)
    return DistrictMonth(
        district=district,
        month=month,
        departments=sorted(lines.values(), key=lambda d: (-d.received, d.name)),
        with_desk=desk[district_id],
        defaulters=defaulters(month, until, keep=lambda unit_id, _dept: unit_id in inside),
        quality=next((r for r in quality(month, until) if r.district.pk == district_id), None),
        rank=next((r for r in ranks if r.key == district_id), None),
        ranked=len(ranks),
    )
