"""Who complains about what, where, when, and how it ends: decided up front from a seed, so
the same seed plans the same history. Codes, not ids: a plan reads the same on any database.

Registrations arrive evenly over the span; each gets a fate among those possible at its age
(a complaint filed yesterday cannot yet have been escalated twice). So old complaints are
mostly closed and the open ones are recent, as in a running system. The first complaint of
each fate is placed inside that fate's window, so even a small history has every stage."""

import random
from dataclasses import dataclass

from django.db.models import Q

from igrs.directory.models import Category, Unit, UnitKind

from .texts import DESCRIPTIONS, FIRST_NAMES, MISROUTED, SURNAMES, VAGUE, VILLAGES


@dataclass(frozen=True)
class Fate:
    name: str
    weight: float
    # Registered this many days before the end, at least and at most: long enough for its
    # steps to have happened, short enough that what stays open has not moved on since.
    youngest: float
    oldest: float
    # Its officers let the time limit pass: slow districts have more of these, and they are
    # filed through sources with the ordinary 7-day limit.
    overdue: bool = False


FRESHEST = 0.02  # days: the newest complaint was filed half an hour before the end
FATES = (
    Fate("with_desk", 2, FRESHEST, 1.5),  # "other / not sure": the district's desk has it
    Fate("returned", 1.5, 1, 2.5),  # returned as misrouted, with the desk
    Fate("in_time", 10, FRESHEST, 4),
    Fate("overdue_l2", 12, 10, 13, overdue=True),  # escalated once, with the L2 post in time
    Fate("defaulted_top", 2, 29, 45, overdue=True),  # nobody acted: defaulter at L3
    Fate("closure_proposed", 1.5, 2, 5),
    Fate("awaiting_verification", 6, 2, 5),
    Fate("open_at_l2", 2, 4, 6.5),  # not satisfied, now with the L2 post
    Fate("reopened", 2, 8, 20),  # closed, re-opened by the complainant, open again
    Fate("closed_satisfied", 36, 9, 10_000),
    Fate("closed_after_l2", 6, 14, 10_000),  # not satisfied at L1, satisfied at L2
    Fate("reopened_closed", 2, 16, 10_000),
    Fate("special_closure", 4, 8, 10_000),
    Fate("closure_rejected", 1.5, 12, 10_000),
    Fate("unverified", 4, 6, 10_000),  # never reached on the phone: closed unverified
    Fate("escalated_closed", 5, 19, 10_000, overdue=True),  # L2 had L1 act, then closed
    Fate("graded_c", 2, 12, 10_000),  # graded C by L2, done again, closed
    Fate("misrouted_forwarded", 4, 10, 10_000),  # returned, sent on by the desk, closed
    Fate("sorted_by_desk", 3, 10, 10_000),  # "other": the desk chose category and place
    Fate("returned_to_citizen", 1, 6, 10_000),  # the desk asked the citizen to file again
    Fate("closed_final", 1.5, 25, 10_000),  # not satisfied up to L3: closed with the reason
)
FATE_NAMES = tuple(fate.name for fate in FATES)


@dataclass(frozen=True)
class District:
    code: str
    share: float  # of the complaints
    slowness: float  # how much more often its officers let the time limit pass
    centre: tuple[float, float]  # roughly where it is: the GPS position on its photos


DISTRICTS = {
    d.code: d
    for d in (
        District("UP-LUCKNOW", 25, 1.0, (26.85, 80.95)),
        District("UP-BARABANKI", 9, 1.2, (26.93, 81.19)),
        District("UP-AGRA", 10, 0.6, (27.18, 78.01)),
        District("UP-VARANASI", 10, 0.8, (25.32, 82.97)),
        District("UP-GORAKHPUR", 10, 2.5, (26.76, 83.37)),
        District("UP-PRAYAGRAJ", 9, 1.0, (25.44, 81.85)),
        District("UP-KANPUR-NAGAR", 9, 1.4, (26.45, 80.33)),
        District("UP-MEERUT", 7, 0.7, (28.98, 77.71)),
        District("UP-BAREILLY", 7, 2.0, (28.37, 79.43)),
        District("UP-SITAPUR", 7, 3.0, (27.57, 80.68)),
    )
}
# The demo's officer logins hold Lucknow's revenue posts: more of Lucknow's complaints are
# revenue matters, so that their inboxes have work in them.
HOME_LINE, HOME_LINE_WEIGHT = ("UP-LUCKNOW", "REV"), 4
DEPARTMENTS = {
    "REV": 22,
    "POL": 14,
    "EN": 12,
    "FS": 8,
    "RD": 8,
    "SW": 7,
    "PR": 5,
    "UD": 5,
    "MH": 4,
    "BE": 4,
    "PW": 4,
    "IR": 3,
    "WC": 2,
    "AG": 2,
}
# Sources with their shares; the samadhan diwas of the place's kind, where there is one.
SOURCES = (("helpline", 60), ("portal", 27), ("diwas", 6), ("dm_office", 4), ("cpgrams", 3))
DIWAS = {UnitKind.TEHSIL: "tehsil_diwas", UnitKind.THANA: "thana_diwas"}


@dataclass(frozen=True)
class Plan:
    fate: str
    age_days: float  # registered this long before the end of the history
    source: str
    category: str  # as filed ("other / not sure", or a misrouted one's wrong category)
    place: str
    district: str
    complainant_name: str
    mobile: str
    language: str
    description: str
    place_detail: str
    corrected: tuple[str, str] = ("", "")  # the category and place the desk sends it under
    seed: int = 0  # the complaint's own choices along the way


@dataclass(frozen=True)
class Places:
    """The demo districts' units of each kind, by code, and the departments' categories."""

    by_district_kind: dict[tuple[str, str], tuple[str, ...]]
    categories: dict[str, tuple[str, ...]]  # department code → category codes
    department_of: dict[str, str]  # category code → department code
    unit_kind_of: dict[str, str]  # department code → kind of its first-level unit
    other: str  # the "other / not sure" category, which the desk sorts out

    @classmethod
    def load(cls) -> "Places":
        by_district_kind: dict[tuple[str, str], list[str]] = {}
        for district in DISTRICTS:
            # The district and its units, in the seed's order: Sadar tehsil before Purva,
            # Kotwali before Civil Lines.
            units = Unit.objects.filter(
                Q(code=district) | Q(code__startswith=f"{district}-")
            ).order_by("pk")
            for code, kind in units.values_list("code", "kind"):
                by_district_kind.setdefault((district, kind), []).append(code)
        categories: dict[str, list[str]] = {}
        department_of, unit_kind_of = {}, {}
        rows = Category.objects.filter(active=True).values_list(
            "code", "department__code", "department__l1_unit_kind"
        )
        for code, department, kind in sorted(rows):
            categories.setdefault(department, []).append(code)
            department_of[code], unit_kind_of[department] = department, kind
        return cls(
            {key: tuple(codes) for key, codes in by_district_kind.items()},
            {key: tuple(codes) for key, codes in categories.items()},
            department_of,
            unit_kind_of,
            Category.objects.filter(to_desk=True).values_list("code", flat=True).get(),
        )

    def place_for(self, rng: random.Random, district: str, category: str) -> str:
        """A unit of the kind the category's department serves first (the first of them, the
        Sadar tehsil or the Kotwali, more often)."""
        kind = self.unit_kind_of[self.department_of[category]]
        units = self.by_district_kind[(district, kind)]
        return units[0] if rng.random() < 0.55 else rng.choice(units)


def plan(n: int, seed: int, span_days: float) -> list[Plan]:
    """n complaints over the last span_days days, in registration order."""
    rng = random.Random(seed)
    places = Places.load()
    possible = [f for f in FATES if f.youngest < span_days]
    planned = []
    for i in range(n):
        district = _district(rng)
        if i < len(possible):  # one of each fate first, inside its window
            fate = possible[i]
            age = rng.uniform(fate.youngest, min(fate.oldest, span_days))
        else:
            age = rng.uniform(FRESHEST, span_days)
            fate = _fate(rng, age, district, possible)
        planned.append(_complaint(rng, places, fate.name, age, district, i))
    return sorted(planned, key=lambda p: -p.age_days)


def _district(rng: random.Random) -> str:
    return rng.choices(list(DISTRICTS), [d.share for d in DISTRICTS.values()])[0]


def _fate(rng: random.Random, age: float, district: str, possible: list[Fate]) -> Fate:
    slowness = DISTRICTS[district].slowness
    fitting = [f for f in possible if f.youngest <= age <= f.oldest]
    weights = [f.weight * (slowness if f.overdue else 1) for f in fitting]
    return rng.choices(fitting, weights)[0]


def _complaint(
    rng: random.Random, places: Places, fate: str, age: float, district: str, i: int
) -> Plan:
    right = rng.choice(places.categories[_department(rng, district)])
    if fate in MISFILED:
        filed, right = rng.choice(MISROUTED)
    elif fate in UNSURE:
        filed = places.other
    else:
        filed = right
    source = _source(rng, places, filed, overdue=fate in _OVERDUE)
    language = "en" if rng.random() < 0.1 else "hi"
    return Plan(
        fate=fate,
        age_days=age,
        source=source,
        category=filed,
        place=places.place_for(rng, district, filed),
        district=district,
        complainant_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        mobile=f"{rng.choice('6789')}{i:05d}{rng.randrange(10_000):04d}",  # unique by i
        language=language,
        description=rng.choice(VAGUE if fate == "returned_to_citizen" else DESCRIPTIONS[right]),
        place_detail=rng.choice(VILLAGES),
        corrected=(right, places.place_for(rng, district, right)) if filed != right else ("", ""),
        seed=rng.randrange(2**32),
    )


def _department(rng: random.Random, district: str) -> str:
    weights = {
        code: share * (HOME_LINE_WEIGHT if (district, code) == HOME_LINE else 1)
        for code, share in DEPARTMENTS.items()
    }
    return rng.choices(list(weights), list(weights.values()))[0]


_OVERDUE = frozenset(f.name for f in FATES if f.overdue)
MISFILED = frozenset({"returned", "misrouted_forwarded"})  # under another department's category
UNSURE = frozenset({"with_desk", "sorted_by_desk", "returned_to_citizen"})  # "other / not sure"


def _source(rng: random.Random, places: Places, category: str, overdue: bool) -> str:
    """Overdue complaints come by the helpline or the portal (7 days at each level); the
    others by any source, a samadhan diwas only where the place has one."""
    sources = SOURCES[:2] if overdue else SOURCES
    source = rng.choices([s for s, _w in sources], [w for _s, w in sources])[0]
    if source == "diwas":
        kind = places.unit_kind_of[places.department_of[category]]
        return DIWAS.get(kind, "helpline")
    return source
