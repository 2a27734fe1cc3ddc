"""A state's history for the dashboard benchmark: N complaints with their timelines, loaded
with COPY into PostgreSQL, then the monitoring summaries brought to the state the worker's
roll-up would have left (`igrs generate_history`, see bench/README.md).

Each complaint lives a simulated life from its registration until now: routed (or left with
the desk when the place is not precise enough), held by a post for a log-normal time (slower
in some districts and departments), escalated when its time limit passes (the defaulter
register too), action-taken report, verification (mostly satisfied; some unreachable, some
not satisfied and sent up to L2 and L3), now and then graded, specially closed or re-opened.
Whatever has not happened by now is what is still open. Registrations grow over the years.
Simplifications: time limits are 7 calendar days at every level (due 23:59 IST), ATR photos
are counted on the timeline without stored files, officers never change posts.
"""

import datetime as dt
import itertools
import math
import multiprocessing
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from igrs.directory import selectors as directory
from igrs.directory.models import Category, Post, Posting, RoutingRule, Unit, UnitKind
from igrs.grievances import reference, routing
from igrs.monitoring.models import LOSES_MARKS, STAY_BUCKETS
from igrs.monitoring.services import METRIC_FOR, local_area

DAY, HOUR = 86_400.0, 3_600.0
IST = 19_800.0  # seconds east of UTC
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
LIMIT_DAYS = 7
PLACE_KINDS = (UnitKind.TEHSIL, UnitKind.THANA, UnitKind.BLOCK)
NAMES = (
    "सीता देवी",
    "राम प्रसाद",
    "मोहम्मद इरफ़ान",
    "गीता यादव",
    "सुरेश कुमार",
    "अनीता सिंह",
    "रमेश चंद्र",
    "फ़ातिमा बेगम",
    "विनोद मौर्य",
    "कमला देवी",
)
DESCRIPTIONS = (
    "पड़ोसी ने खेत पर अवैध कब्ज़ा कर लिया है।",
    "तीन महीने से पेंशन नहीं मिली।",
    "गाँव की सड़क टूटी है, बरसात में आना-जाना बंद हो जाता है।",
    "राशन की दुकान पर पूरा अनाज नहीं मिलता।",
    "थाने में रिपोर्ट दर्ज नहीं की गई।",
    "हैंडपंप एक महीने से खराब है।",
    "बिजली का बिल गलत आया है।",
)
ATR_NOTE = "स्थल निरीक्षण कर समस्या का निस्तारण कर दिया गया है, शिकायतकर्ता को अवगत कराया गया।"
SOURCES = ("helpline", "portal", "tehsil_diwas", "thana_diwas", "dm_office", "cm_office", "cpgrams")
SOURCE_SHARES = (55, 30, 6, 4, 3, 1, 1)
COMPLAINT_COLUMNS = (
    "id",
    "reference",
    "source",
    "language",
    "complainant_name",
    "mobile",
    "address",
    "email",
    "place_detail",
    "description",
    "status",
    "level",
    "assigned_at",
    "due_at",
    "remind_at",
    "defaulted",
    "escalation_count",
    "disposal",
    "special_ground",
    "verification_attempts",
    "closure_kind",
    "closed_at",
    "flagged",
    "call_id",
    "created_at",
    "updated_at",
    "version",
    "category_id",
    "current_post_id",
    "place_id",
    "accountable_post_id",
    "verify_after",
)
EVENT_COLUMNS = (
    "complaint_id",
    "at",
    "action",
    "role",
    "actor_officer_id",
    "actor_post_id",
    "from_status",
    "to_status",
    "from_post_id",
    "to_post_id",
    "level",
    "note",
    "data",
)
DEFAULTER_COLUMNS = ("complaint_id", "post_id", "due_at", "marked_at", "officer_id", "ended_at")
TABLES = ("grievances_complaint", "grievances_event", "grievances_defaulter")
CHUNK = 20_000  # complaints per COPY round


@dataclass(frozen=True)
class World:
    """The seeded directory, reduced to what the simulation draws from (picklable)."""

    districts: list[int]
    district_weights: list[float]  # cumulative
    categories: list[int]
    category_weights: list[float]  # cumulative
    # (category, district) -> ([(place, L1 post)], [(imprecise place, 0: for the desk)])
    places: dict[tuple[int, int], tuple[list[tuple[int, int]], list[tuple[int, int]]]]
    superior: dict[int, int]  # post -> superior post (0 at the top)
    level: dict[int, int]
    officer: dict[int, int]  # post -> its officer (0 when vacant)
    officer_since: dict[int, float]  # post -> when that officer's posting began (IST midnight)
    slowness: dict[int, float]  # district or department id -> factor on holding times
    now: float
    start: float
    total: int
    seed: int


def build_world(total: int, years: float, seed: int, now: dt.datetime) -> World:
    """Seeded weights: districts follow a skewed (log-normal) size, like UP's populations;
    departments too (revenue and police get most complaints)."""
    rng = random.Random(seed)
    districts = list(
        Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("pk").values_list("pk", flat=True)
    )
    categories = list(
        Category.objects.filter(active=True).select_related("department").order_by("pk")
    )
    department_size = {c.department_id: rng.lognormvariate(0, 0.9) for c in categories}
    for c in categories:
        if c.department.code in ("REV", "POL"):
            department_size[c.department_id] *= 3
    places: dict[tuple[int, int], list[tuple[int, int]]] = {}
    units = list(
        Unit.objects.filter(kind__in=[*PLACE_KINDS, UnitKind.DISTRICT]).values_list("pk", "kind")
    )
    # Categories without routing rules of their own route like any other category of their
    # department: route those once per department.
    with_rules = set(RoutingRule.objects.values_list("category_id", flat=True))
    routed: dict[tuple[object, int], int] = {}
    for category in categories:
        same = category.pk if category.pk in with_rules else f"d{category.department_id}"
        for pk, kind in units:
            if (same, pk) not in routed:
                post = routing.route(category.pk, pk, frozenset())
                routed[(same, pk)] = post.pk if post else 0
            district = pk if kind == UnitKind.DISTRICT else directory.district_of(pk)
            places.setdefault((category.pk, district), []).append((pk, routed[(same, pk)]))
    posts = list(Post.objects.filter(active=True))
    today = now.date()
    officer, officer_since = {}, {}
    for post in posts:
        holders = directory.holders_of(post.pk, today)
        officer[post.pk] = holders[0].pk if holders else 0
        if holders:
            start = Posting.objects.filter(post=post, officer=holders[0]).earliest("start").start
            officer_since[post.pk] = timezone.make_aware(
                dt.datetime.combine(start, dt.time.min)
            ).timestamp()
    slowness = {key: rng.lognormvariate(0, 0.25) for key in [*districts, *department_size]}
    return World(
        districts=districts,
        district_weights=list(itertools.accumulate(rng.lognormvariate(0, 0.6) for _ in districts)),
        categories=[c.pk for c in categories],
        category_weights=list(
            itertools.accumulate(department_size[c.department_id] for c in categories)
        ),
        places={
            key: ([p for p in found if p[1]], [p for p in found if not p[1]])
            for key, found in places.items()
        },
        superior={p.pk: p.superior_id or 0 for p in posts},
        level={p.pk: p.level for p in posts},
        officer=officer,
        officer_since=officer_since,
        slowness={**slowness, **{f"c{c.pk}": slowness[c.department_id] for c in categories}},
        now=now.timestamp(),
        start=now.timestamp() - years * 365.25 * DAY,
        total=total,
        seed=seed,
    )


_CLOCK = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86_400)]
_DAYS: dict[int, str] = {}


def _ts(seconds: float) -> str:
    """UTC timestamp text for COPY, to the second (a formatter of its own: the load formats
    some 150 million of them)."""
    day, second = divmod(int(seconds), 86_400)
    if day not in _DAYS:
        _DAYS[day] = dt.date.fromordinal(EPOCH_ORDINAL + day).isoformat() + " "
    return _DAYS[day] + _CLOCK[second]


def _due(at: float) -> float:
    """23:59 IST on the last day of the time limit."""
    last = at + LIMIT_DAYS * DAY
    return ((last + IST) // DAY) * DAY - IST + DAY - 60


def _null(value) -> str:
    return "\\N" if value is None or value == 0 else str(value)


class Life:
    """One complaint's simulated life, as its final row, timeline and defaulter marks."""

    def __init__(self, world: World, rng: random.Random, index: int) -> None:
        self.w, self.rng, self.id = world, rng, index + 1
        self.events: list[str] = []
        # Defaulter rows as columns; the last one's end is filled when the complaint moves on.
        self.defaults: list[list[str]] = []
        self.delayed = False  # marked at the top: the delay runs until the next move
        share = (index + rng.random()) / world.total
        # Registrations grow: density rises linearly to twice the first year's at the end.
        self.created = world.start + (world.now - world.start) * (math.sqrt(1 + 3 * share) - 1)
        self.district = rng.choices(world.districts, cum_weights=world.district_weights)[0]
        self.category = rng.choices(world.categories, cum_weights=world.category_weights)[0]
        routed, imprecise = world.places[(self.category, self.district)]
        pick = routed if routed and (rng.random() < 0.97 or not imprecise) else imprecise
        self.place, self.post = rng.choice(pick)
        self.routed_posts = [p for _place, p in routed]
        self.status, self.level, self.held_since, self.due = "registered", 1, self.created, None
        self.accountable, self.escalations, self.attempts, self.defaulted = 0, 0, 0, False
        self.disposal = self.ground = self.kind = ""
        self.closed_at = self.verify_after = None
        self.flagged, self.version, self.last = False, 1, self.created
        self.slow = world.slowness[self.district] * world.slowness[f"c{self.category}"]

    def event(
        self,
        at: float,
        action: str,
        role: str,
        to_status: str,
        to_post: int,
        data: str = "{}",
        note: str = "",
        actor_post: int = 0,
        versioned: bool = True,
    ) -> None:
        officer = self.w.officer.get(actor_post, 0) if role == "officer" else 0
        self.events.append(
            "\t".join(
                (
                    str(self.id),
                    _ts(at),
                    action,
                    role,
                    _null(officer),
                    _null(actor_post),
                    self.status if self.status != "new" else "",
                    to_status,
                    _null(self.post if self.status not in ("new", "registered") else 0),
                    _null(to_post),
                    str(self.w.level.get(to_post, self.level)),
                    note,
                    data,
                )
            )
        )
        if self.delayed and (to_status != self.status or (to_post and to_post != self.post)):
            self.defaults[-1][-1], self.delayed = _ts(at), False
        self.status, self.last = to_status, at
        if to_post:
            self.post, self.level = to_post, self.w.level[to_post]
        self.version += versioned

    def officer_on(self, post: int, at: float) -> int:
        """The post's officer then (0 before their posting began: nobody is on record)."""
        return self.w.officer.get(post, 0) if at >= self.w.officer_since.get(post, at + 1) else 0

    def place_with(self, at: float, post: int, fresh: bool = True) -> None:
        self.held_since = at
        if fresh:
            self.due, self.accountable, self.defaulted = _due(at), post, False

    def stay(self, at: float) -> str:
        return f'"stay_hours": {round((at - self.held_since) / HOUR, 1)}'

    def live(self) -> None:
        rng, now = self.rng, self.w.now
        self.status, post = "new", self.post
        self.post = 0
        self.event(
            self.created,
            "register",
            rng.choice(("agent", "citizen")),
            "registered",
            0,
            versioned=False,
        )
        if not post:  # the place is not precise enough: the desk forwards it
            at = self.created + rng.uniform(1, 48) * HOUR
            if at > now or not self.routed_posts:
                return
            post = rng.choice(self.routed_posts)
            self.event(at, "forward", "desk", "assigned", post)
        else:
            self.event(self.created, "assign", "system", "assigned", post)
        self.place_with(self.last, post)
        for _round in range(6):  # each round: one post's turn, bounded
            if not self.turn():
                return

    def turn(self) -> bool:
        """The holding post acts or lets the time limit pass; False once nothing more has
        happened by now."""
        rng, now, post = self.rng, self.w.now, self.post
        # Marked defaulter at the top, the post still acts some time after the mark.
        base = self.last if self.defaulted else self.held_since
        acts = base + rng.lognormvariate(math.log(2.5 * self.slow), 0.75) * DAY
        superior = self.w.superior.get(self.accountable, 0)
        if acts > self.due and not self.defaulted:
            swept = self.due + rng.uniform(30, 600)
            if swept > now:
                return False
            self.defaults.append(
                [
                    str(self.id),
                    str(self.accountable),
                    _ts(self.due),
                    _ts(swept),
                    _null(self.officer_on(self.accountable, self.due)),
                    _ts(swept) if superior else "\\N",
                ]
            )
            data = f'{{"defaulter_posts": [{self.accountable}], "due_at": "{_ts(self.due)}"'
            if not superior:
                self.event(swept, "mark_defaulter", "system", "assigned", post, data + "}")
                self.defaulted = self.delayed = True
                return True
            self.event(
                swept,
                "escalate",
                "system",
                "assigned",
                superior,
                f'{data}, "to_level": {self.w.level[superior]}, {self.stay(swept)}}}',
            )
            self.escalations += 1
            self.place_with(swept, superior)
            return True
        if acts > now:
            return False
        if superior and rng.random() < 0.03:
            return self.special_closure(acts, superior)
        return self.report(acts)

    def special_closure(self, at: float, superior: int) -> bool:
        ground = self.rng.choice(("sub_judice", "policy", "rti", "duplicate"))
        decided = at + self.rng.uniform(2, 72) * HOUR
        if decided > self.w.now:
            return self.report(at)
        self.event(
            at,
            "propose_closure",
            "officer",
            "closure_proposed",
            self.post,
            f'{{"ground": "{ground}"}}',
            "विशेष निस्तारण का प्रस्ताव।",
            self.post,
        )
        self.event(
            decided,
            "approve_closure",
            "officer",
            "closed",
            self.post,
            '{"closure_kind": "special"}',
            "प्रस्ताव स्वीकृत।",
            superior,
        )
        self.ground, self.kind, self.closed_at = ground, "special", decided
        return self.maybe_reopen()

    def report(self, at: float) -> bool:
        rng, post = self.rng, self.post
        self.disposal = "resolved" if rng.random() < 0.9 else "cannot_resolve"
        extra = ', "photos": 1' if rng.random() < 0.45 else ""
        extra += ', "late": true' if at > self.due else ""
        # A few reports carry a sign of a fake disposal (grievances/flags.py), as real ones do.
        extra += ', "flags": ["copied_text"]' if rng.random() < 0.03 else ""
        self.event(
            at,
            "submit_atr",
            "officer",
            "awaiting_verification",
            post,
            f'{{"disposal": "{self.disposal}", {self.stay(at)}{extra}}}',
            ATR_NOTE,
            post,
        )
        self.verify_after, self.attempts = at, 0
        superior = self.w.superior.get(post, 0)
        if superior and self.level == 1 and rng.random() < 0.08:
            graded = at + rng.uniform(1, 20) * HOUR
            if graded > self.w.now:
                return False
            grade = rng.choice("AAABBBBC")
            data = f'{{"grade": "{grade}", "disposed_by_post": {post}}}'
            if grade == "C":
                self.event(
                    graded,
                    "grade",
                    "officer",
                    "assigned",
                    post,
                    data,
                    "जाँच अधूरी है, दोबारा देखें।",
                    superior,
                )
                self.disposal, self.verify_after = "", None
                self.place_with(graded, post)
                return True
            self.event(
                graded,
                "grade",
                "officer",
                "awaiting_verification",
                post,
                data,
                "",
                superior,
                versioned=False,
            )
        return self.verification(at)

    def verification(self, at: float) -> bool:
        rng, now = self.rng, self.w.now
        call = at + rng.uniform(2, 72) * HOUR
        while True:
            if call > now:
                self.verify_after = call
                return False
            r = rng.random()
            if r < 0.12:
                self.attempts += 1
                data = f'{{"attempt": {self.attempts}, "no_answer": true'
                if self.attempts >= 3:
                    self.event(
                        call,
                        "verify_unreachable",
                        "agent",
                        "closed",
                        self.post,
                        data + ', "closure_kind": "unverified"}',
                    )
                    self.kind, self.closed_at, self.flagged = "unverified", call, True
                    return self.maybe_reopen()
                self.event(
                    call,
                    "verify_unreachable",
                    "agent",
                    "awaiting_verification",
                    self.post,
                    data + "}",
                )
                call += (2, 6)[self.attempts - 1] * HOUR
                continue
            superior = self.w.superior.get(self.accountable, 0)
            if r < 0.30:
                if not superior:
                    self.event(
                        call,
                        "verify_not_satisfied",
                        "agent",
                        "closed",
                        self.post,
                        '{"closure_kind": "final"}',
                        "काम नहीं हुआ।",
                    )
                    self.kind, self.closed_at = "final", call
                    return False
                self.event(
                    call,
                    "verify_not_satisfied",
                    "agent",
                    "assigned",
                    superior,
                    f'{{"to_level": {self.w.level[superior]}, {self.stay(call)}}}',
                    "काम नहीं हुआ।",
                )
                self.escalations += 1
                self.disposal, self.verify_after = "", None
                self.place_with(call, superior)
                return True
            self.event(
                call,
                "verify_satisfied",
                "agent",
                "closed",
                self.post,
                '{"closure_kind": "satisfied"}',
            )
            self.kind, self.closed_at = "satisfied", call
            return self.maybe_reopen()

    def maybe_reopen(self) -> bool:
        """A few complainants re-open a closure within a month; it goes one level up."""
        superior = self.w.superior.get(self.accountable, 0)
        at = self.last + self.rng.uniform(1, 30) * DAY
        if not superior or self.rng.random() >= 0.02 or at > self.w.now:
            return False
        self.event(at, "reopen", "citizen", "assigned", superior, "{}", "संतुष्ट नहीं हूँ।")
        self.escalations += 1
        self.disposal = self.ground = self.kind = ""
        self.closed_at, self.verify_after = None, None
        self.place_with(at, superior)
        return True

    def row(self) -> str:
        rng, now = self.rng, self.w.now
        is_open = self.status != "closed"
        remind = (
            self.due - DAY
            if is_open
            and self.status == "assigned"
            and not self.defaulted
            and self.due
            and self.due - DAY > now
            else None
        )
        year = dt.datetime.fromtimestamp(self.created + IST, dt.UTC).year
        values = (
            self.id,
            reference.make(year, self.id),
            rng.choices(SOURCES, SOURCE_SHARES)[0],
            "hi",
            rng.choice(NAMES),
            f"+91{rng.randrange(6_000_000_000, 9_999_999_999)}",
            "",
            "",
            "",
            rng.choice(DESCRIPTIONS),
            self.status,
            self.level,
            _ts(self.held_since) if self.post else None,
            _ts(self.due) if self.due else None,
            _ts(remind) if remind else None,
            "t" if self.defaulted else "f",
            self.escalations,
            self.disposal,
            self.ground,
            self.attempts,
            self.kind,
            _ts(self.closed_at) if self.closed_at else None,
            "t" if self.flagged else "f",
            "",
            _ts(self.created),
            _ts(self.last),
            self.version,
            self.category,
            self.post or None,
            self.place,
            self.accountable or None,
            _ts(self.verify_after) if self.status == "awaiting_verification" else None,
        )
        return "\t".join("\\N" if v is None else str(v) for v in values)


def chunk_lines(world: World, first: int, last: int) -> tuple[str, str, str]:
    """COPY text for complaints [first, last): complaints, events, defaulter marks."""
    rng = random.Random(world.seed * 1_000_003 + first)
    complaints, events, defaults = [], [], []
    for index in range(first, last):
        life = Life(world, rng, index)
        life.live()
        complaints.append(life.row())
        events += life.events
        defaults += ("\t".join(columns) for columns in life.defaults)
    return (
        "\n".join(complaints) + "\n",
        "\n".join(events) + "\n",
        "\n".join(defaults) + "\n" if defaults else "",
    )


def load_range(args: tuple[str, World, int, int]) -> tuple[int, int]:
    """A worker process: COPY one range of complaints on its own connection."""
    import psycopg

    dsn, world, first, last = args
    events = 0
    with psycopg.connect(dsn) as conn:
        # Skips the foreign-key triggers: every id comes from the seeded directory.
        conn.execute("SET session_replication_role = replica")
        for start in range(first, last, CHUNK):
            complaints, timeline, defaults = chunk_lines(world, start, min(start + CHUNK, last))
            with conn.cursor() as cur:
                for table, columns, text in (
                    ("grievances_complaint", COMPLAINT_COLUMNS, complaints),
                    ("grievances_event", EVENT_COLUMNS, timeline),
                    ("grievances_defaulter", DEFAULTER_COLUMNS, defaults),
                ):
                    if text:
                        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
                            cp.write(text)
            events += timeline.count("\n")
            conn.commit()
    return last - first, events


def generate(
    total: int, seed: int, years: float, jobs: int, say: Callable[[str], None]
) -> dict[str, float]:
    """Fill an empty complaint table with `total` complaints; returns timings in seconds."""
    if connection.vendor != "postgresql":
        raise ValueError("generate_history needs PostgreSQL (COPY and set-based SQL).")
    from igrs.grievances.models import Complaint

    if Complaint.objects.exists():
        raise ValueError("The database already has complaints; use a fresh, seeded one.")
    timings: dict[str, float] = {}
    clock_start = time.perf_counter()
    world = build_world(total, years, seed, dt.datetime.now(dt.UTC))
    timings["directory"] = time.perf_counter() - clock_start
    dropped = _drop_indexes(TABLES)
    say(
        f"directory read in {timings['directory']:.1f} s; {len(dropped)} indexes dropped "
        f"for the load; loading {total:,} complaints with {jobs} processes"
    )
    started = time.perf_counter()
    dsn = _dsn()
    step = math.ceil(total / max(1, jobs * 8))
    ranges = [(dsn, world, a, min(a + step, total)) for a in range(0, total, step)]
    done = events = 0
    connection.close()  # the workers are forked: they must not share this connection
    for complaints, timeline in _loaded(ranges, jobs):
        done, events = done + complaints, events + timeline
        rate = done / (time.perf_counter() - started)
        say(f"  {done:,} complaints, {events:,} events ({rate:,.0f} complaints/s)")
    timings["copy"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for sql in dropped:
            cur.execute(sql)
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('grievances_complaint', 'id'), %s)", [total]
        )
        cur.execute("SELECT setval('igrs_reference_serial', %s)", [total])
    timings["indexes"] = time.perf_counter() - started
    say(f"indexes rebuilt in {timings['indexes']:.0f} s")
    started = time.perf_counter()
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum"] = time.perf_counter() - started
    timings["events"] = events
    return timings


def _loaded(ranges: list[tuple[str, World, int, int]], jobs: int) -> Iterator[tuple[int, int]]:
    """Each range loaded by a forked worker process; with one job, here (no fork: a test's
    process has threads, and forking those may deadlock)."""
    if jobs == 1:
        yield from map(load_range, ranges)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(load_range, ranges)


def _dsn() -> str:
    info = connection.get_connection_params()
    return " ".join(
        f"{k}={v}"
        for k, v in info.items()
        if k in ("dbname", "user", "host", "port", "password") and v
    )


def _drop_indexes(tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' secondary indexes (not primary keys or unique constraints); returns
    the statements that rebuild them. Building an index once is far cheaper than maintaining
    it row by row."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [list(tables)],
        )
        found = cur.fetchall()
        for name, _definition in found:
            cur.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


# ------------------------------------------------------------- the summaries, set-based

PENDENCY_SQL = """
INSERT INTO monitoring_pendency (post_id, district_id, count)
SELECT v.post_id, 0, sum(v.delta) FROM grievances_event e
CROSS JOIN LATERAL (VALUES
    (CASE WHEN e.from_status NOT IN ('', 'closed') THEN e.from_post_id END, -1),
    (CASE WHEN e.to_status <> 'closed' THEN e.to_post_id END, 1)) AS v(post_id, delta)
WHERE v.post_id IS NOT NULL
GROUP BY v.post_id HAVING sum(v.delta) <> 0
"""
TRUTHY = "COALESCE(e.data -> '{key}' NOT IN ('0', 'false', 'null', '\"\"', '[]', '{{}}'), FALSE)"
# When a step counts as each metric, as monitoring.services._metrics decides: one action's
# (METRIC_FOR), and these.
OTHER_METRICS = {
    "closed": "e.to_status = 'closed' AND e.from_status <> 'closed'",
    "graded_c": "e.action = 'grade' AND e.data ->> 'grade' = 'C'",
    "with_photo": f"e.action = 'submit_atr' AND {TRUTHY.format(key='photos')}",
    "late": f"e.action = 'submit_atr' AND {TRUTHY.format(key='late')}",
    "flagged": f"e.action = 'submit_atr' AND {TRUTHY.format(key='flags')}",
}
ACTION_METRICS = " ".join(
    f"WHEN '{action}' THEN '{metric}'" for action, metric in METRIC_FOR.items()
)
METRICS = f"""
CROSS JOIN LATERAL (VALUES
    (CASE e.action {ACTION_METRICS} END),
    {", ".join(f"(CASE WHEN {sql} THEN '{metric}' END)" for metric, sql in OTHER_METRICS.items())}
) AS m(metric)
"""


def _counts_as(metric: str) -> str:
    """SQL: the step `e` counts as the metric."""
    if metric in OTHER_METRICS:
        return OTHER_METRICS[metric]
    return "e.action IN ({})".format(
        ", ".join(f"'{action}'" for action, found in METRIC_FOR.items() if found == metric)
    )


# The parameters each step loses marks on, by monitoring.models.LOSES_MARKS.
PARAMETERS_LOST = "CROSS JOIN LATERAL (VALUES {}) AS l(parameter)".format(
    ", ".join(
        f"(CASE WHEN {_counts_as(counts_as)}"
        f"{f' AND NOT ({_counts_as(unless)})' if unless else ''} THEN '{parameter}' END)"
        for parameter, (counts_as, unless) in LOSES_MARKS.items()
    )
)
# Every step with its complaint's district, tehsil or thana (d) and department (cat).
STEPS_WHERE = """
FROM grievances_event e
JOIN grievances_complaint c ON c.id = e.complaint_id
JOIN history_district d ON d.unit_id = c.place_id
JOIN directory_category cat ON cat.id = c.category_id
"""
TALLY_SQL = f"""
INSERT INTO monitoring_dailytally (day, district_id, department_id, metric, count)
SELECT (e.at AT TIME ZONE %(tz)s)::date, d.district_id, cat.department_id, m.metric, count(*)
{STEPS_WHERE}
{METRICS}
WHERE m.metric IS NOT NULL
GROUP BY 1, 2, 3, 4
"""
# The tehsil and thana tallies: the same steps, by the tehsil or thana of the place.
PLACE_TALLY_SQL = f"""
INSERT INTO monitoring_placetally (day, unit_id, metric, count)
SELECT (e.at AT TIME ZONE %(tz)s)::date, d.local_id, m.metric, count(*)
{STEPS_WHERE}
{METRICS}
WHERE m.metric IS NOT NULL AND d.local_id <> 0
GROUP BY 1, 2, 3
"""
LOST_MARK_SQL = f"""
INSERT INTO monitoring_lostmark (event_id, complaint_id, at, parameter, district_id,
                                 department_id, area_id)
SELECT e.id, e.complaint_id, e.at, l.parameter, d.district_id, cat.department_id, d.local_id
{STEPS_WHERE}
{PARAMETERS_LOST}
WHERE l.parameter IS NOT NULL
"""
BUCKET = " ".join(f"WHEN s.days <= {bound} THEN {bound}" for bound in STAY_BUCKETS)
STAY_SQL = f"""
INSERT INTO monitoring_stay (post_id, days, count)
SELECT e.from_post_id, CASE {BUCKET} END, count(*) FROM grievances_event e
CROSS JOIN LATERAL (SELECT (e.data ->> 'stay_hours')::float8 / 24 AS days) AS s
WHERE e.from_post_id IS NOT NULL AND e.data ->> 'stay_hours' IS NOT NULL
GROUP BY 1, 2
"""


def summaries(say: Callable[[str], None] = print) -> float:
    """Pendency, daily tallies (by district and by tehsil or thana), time-held histogram and
    lost marks from the whole timeline in five statements, and the roll-up's cursor after
    the last step: what `roll_up` would have left after taking every step once
    (tests/test_history_bench.py checks that they agree)."""
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET work_mem = '512MB'")
        cur.execute(
            "CREATE TEMP TABLE history_district (unit_id bigint PRIMARY KEY, "
            "district_id bigint NOT NULL, local_id bigint NOT NULL)"
        )
        rows = [
            (pk, directory.district_of(pk), local_area(pk))
            for pk in Unit.objects.values_list("pk", flat=True)
        ]
        with cur.copy("COPY history_district FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute("ANALYZE history_district")
        cur.execute("DELETE FROM monitoring_pendency")
        cur.execute("DELETE FROM monitoring_dailytally")
        cur.execute("DELETE FROM monitoring_stay")
        cur.execute("DELETE FROM monitoring_placetally")
        cur.execute("DELETE FROM monitoring_lostmark")
        lost_mark_indexes = _drop_indexes(("monitoring_lostmark",))  # millions of rows
        for name, sql, params in (
            ("pendency", PENDENCY_SQL, None),
            ("daily tallies", TALLY_SQL, {"tz": settings.TIME_ZONE}),
            ("tehsil and thana tallies", PLACE_TALLY_SQL, {"tz": settings.TIME_ZONE}),
            ("time held", STAY_SQL, None),
            ("lost marks", LOST_MARK_SQL, None),
        ):
            step = time.perf_counter()
            cur.execute(sql, params)
            say(f"  {name}: {cur.rowcount:,} rows in {time.perf_counter() - step:.0f} s")
        for sql in lost_mark_indexes:
            cur.execute(sql)
        cur.execute("""
            INSERT INTO monitoring_rollupcursor (id, last_event_id, gaps)
            SELECT 1, COALESCE(max(id), 0), '[]'::jsonb FROM grievances_event
            ON CONFLICT (id) DO UPDATE SET last_event_id = EXCLUDED.last_event_id, gaps = '[]'
        """)
        cur.execute("DROP TABLE history_district")
        # VACUUM too, as autovacuum would soon: with the visibility map set, the tallies'
        # covering index and the lost marks' indexes answer without visiting the table.
        for table in (
            "monitoring_pendency",
            "monitoring_dailytally",
            "monitoring_stay",
            "monitoring_placetally",
            "monitoring_lostmark",
        ):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


def sizes() -> Iterator[tuple[str, int, str]]:
    """Rows (estimated) and size on disk, tables with their indexes."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT relname, reltuples::bigint, pg_size_pretty(pg_total_relation_size(oid))
            FROM pg_class WHERE relname = ANY(%s) ORDER BY relname""",
            [[*TABLES, "monitoring_dailytally", "monitoring_pendency", "monitoring_lostmark"]],
        )
        yield from cur.fetchall()
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        yield ("database", 0, cur.fetchone()[0])
