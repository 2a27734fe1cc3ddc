"""Seed master data: Uttar Pradesh's divisions and districts, tehsils, blocks and thanas (real
ones where up_local_units.csv has them, demo ones elsewhere), departments with their
L1/L2/L3 posts, the monitoring desks, categories, time limits, holidays and demo officers.

The CSV files under igrs/seed/ are the project's own copy of the shared data. Seeding is
idempotent: it does nothing when the state already exists.
"""

import csv
import datetime as dt
import re
from importlib import resources

from django.db import transaction

from .models import (
    Category,
    Counting,
    Department,
    Holiday,
    Officer,
    Post,
    Posting,
    TimeLimit,
    Unit,
    UnitKind,
)

STATE_CODE = "UP"
# Demo sub-units per district (real deployments import their own).
DEMO_TEHSILS = [("SADAR", "Sadar", "सदर"), ("PURVA", "Purva", "पूर्व")]
DEMO_THANAS = [("KOTWALI", "Kotwali", "कोतवाली"), ("CIVIL", "Civil Lines", "सिविल लाइंस")]
DEMO_HOLIDAYS = [
    ("2026-01-26", "Republic Day", "गणतंत्र दिवस"),
    ("2026-03-04", "Holi", "होली"),
    ("2026-08-15", "Independence Day", "स्वतंत्रता दिवस"),
    ("2026-10-02", "Gandhi Jayanti", "गांधी जयंती"),
    ("2026-11-08", "Deepawali", "दीपावली"),
    ("2026-12-25", "Christmas", "क्रिसमस"),
    ("2027-01-26", "Republic Day", "गणतंत्र दिवस"),
    ("2027-08-15", "Independence Day", "स्वतंत्रता दिवस"),
    ("2027-10-02", "Gandhi Jayanti", "गांधी जयंती"),
]
# The monitoring desks: one per district (level 2) under the state's (level 3, the CM office).
DESK = ("DESK", "Monitoring desk", "निगरानी डेस्क")
STATE_DESK = ("State monitoring desk (CM office)", "राज्य निगरानी डेस्क (मुख्यमंत्री कार्यालय)")
DISTRICT_DESK = ("District monitoring desk", "जनपद निगरानी डेस्क")
DESK_DAYS = 2  # at each desk, before it goes up to the next
# "Other / not sure": a category for the citizen who cannot find theirs; the desk decides.
OTHER = ("OTHER", "Other / not sure", "अन्य / पता नहीं")
OTHER_CATEGORY = ("OTHER", "Some other problem, or not sure which", "कोई अन्य समस्या, या पता नहीं")
# (source, level, days): 7 days for the helpline, 5 for samadhan diwas, 21 for CPGRAMS.
DEFAULT_TIME_LIMITS = [
    ("", 1, 7),
    ("", 2, 7),
    ("", 3, 7),
    ("tehsil_diwas", 1, 5),
    ("thana_diwas", 1, 5),
    ("cpgrams", 1, 21),
]
FIRST_NAMES = [
    ("Ramesh", "रमेश"),
    ("Sunita", "सुनीता"),
    ("Anil", "अनिल"),
    ("Priya", "प्रिया"),
    ("Vijay", "विजय"),
    ("Kavita", "कविता"),
    ("Sanjay", "संजय"),
    ("Neha", "नेहा"),
    ("Rajesh", "राजेश"),
    ("Pooja", "पूजा"),
    ("Amit", "अमित"),
    ("Anjali", "अंजलि"),
]
SURNAMES = [
    ("Kumar", "कुमार"),
    ("Singh", "सिंह"),
    ("Yadav", "यादव"),
    ("Verma", "वर्मा"),
    ("Mishra", "मिश्रा"),
    ("Gupta", "गुप्ता"),
    ("Maurya", "मौर्य"),
]


def read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("igrs.seed").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")


@transaction.atomic
def seed_directory(with_officers: bool = True) -> bool:
    """Create the master data once. Returns False when it was already there."""
    if Unit.objects.filter(code=STATE_CODE).exists():
        return False
    districts = _seed_geography()
    departments = _seed_departments()
    _seed_posts(departments, districts)
    _seed_categories(departments)
    seed_desks()
    TimeLimit.objects.bulk_create(
        TimeLimit(source=source, level=level, days=days, counting=Counting.CALENDAR)
        for source, level, days in DEFAULT_TIME_LIMITS
    )
    Holiday.objects.bulk_create(
        Holiday(date=dt.date.fromisoformat(day), name_en=en, name_hi=hi)
        for day, en, hi in DEMO_HOLIDAYS
    )
    if with_officers:
        _seed_officers()
    return True


def _seed_geography() -> list[Unit]:
    state = Unit.objects.create(
        code=STATE_CODE, kind=UnitKind.STATE, name_en="Uttar Pradesh", name_hi="उत्तर प्रदेश"
    )
    rows = read_csv("up_districts.csv")
    divisions = {}
    for row in rows:
        if row["division_en"] not in divisions:
            divisions[row["division_en"]] = Unit(
                code=f"{STATE_CODE}-DIV-{slug(row['division_en'])}",
                kind=UnitKind.DIVISION,
                parent=state,
                name_en=row["division_en"],
                name_hi=row["division_hi"],
            )
    Unit.objects.bulk_create(divisions.values())
    districts = Unit.objects.bulk_create(
        Unit(
            code=f"{STATE_CODE}-{slug(row['district_en'])}",
            kind=UnitKind.DISTRICT,
            parent=divisions[row["division_en"]],
            name_en=row["district_en"],
            name_hi=row["district_hi"],
        )
        for row in rows
    )
    local = read_csv("up_local_units.csv")
    real = {row["district_en"] for row in local}
    _seed_real_local_units([d for d in districts if d.name_en in real], local)
    tehsils = Unit.objects.bulk_create(
        Unit(
            code=f"{d.code}-T-{code}",
            kind=UnitKind.TEHSIL,
            parent=d,
            name_en=f"{d.name_en} {en}",
            name_hi=f"{d.name_hi} {hi}",
        )
        for d in districts
        if d.name_en not in real
        for code, en, hi in DEMO_TEHSILS
    )
    Unit.objects.bulk_create(
        Unit(
            code=f"{t.code}-B",
            kind=UnitKind.BLOCK,
            parent=t,
            name_en=f"{t.name_en} Block",
            name_hi=f"{t.name_hi} विकास खंड",
        )
        for t in tehsils
    )
    Unit.objects.bulk_create(
        Unit(
            code=f"{d.code}-PS-{code}",
            kind=UnitKind.THANA,
            parent=d,
            name_en=f"{d.name_en} {en}",
            name_hi=f"{d.name_hi} {hi}",
        )
        for d in districts
        if d.name_en not in real
        for code, en, hi in DEMO_THANAS
    )
    return districts


def _seed_real_local_units(districts: list[Unit], rows: list[dict[str, str]]) -> None:
    """Tehsils (with their blocks) and thanas as up_local_units.csv names them."""
    prefix = {UnitKind.TEHSIL: "T", UnitKind.BLOCK: "B", UnitKind.THANA: "PS"}
    for district in districts:
        mine = [row for row in rows if row["district_en"] == district.name_en]
        made: dict[str, Unit] = {}
        for kind in (UnitKind.TEHSIL, UnitKind.BLOCK, UnitKind.THANA):
            for row in (r for r in mine if r["kind"] == kind):
                parent = made[row["parent"]] if kind == UnitKind.BLOCK else district
                unit = Unit.objects.create(
                    code=f"{district.code}-{prefix[kind]}-{row['code']}",
                    kind=kind,
                    parent=parent,
                    name_en=row["name_en"],
                    name_hi=row["name_hi"],
                )
                if kind == UnitKind.TEHSIL:
                    made[row["code"]] = unit


def _seed_departments() -> list[tuple[Department, dict[str, str]]]:
    rows = read_csv("up_departments.csv")
    departments = Department.objects.bulk_create(
        Department(
            code=row["code"],
            name_en=row["name_en"],
            name_hi=row["name_hi"],
            l1_unit_kind=row["l1_unit"],
        )
        for row in rows
    )
    return list(zip(departments, rows, strict=True))


def _seed_posts(departments, districts: list[Unit]) -> None:
    state = Unit.objects.get(code=STATE_CODE)
    l1_units_by_kind = {
        kind: list(Unit.objects.filter(kind=kind).select_related("parent"))
        for kind in (UnitKind.TEHSIL, UnitKind.BLOCK, UnitKind.THANA)
    }
    for department, row in departments:
        l3 = Post.objects.create(
            code=f"{department.code}-L3",
            department=department,
            unit=state,
            level=3,
            designation_en=row["l3_post_en"],
            designation_hi=row["l3_post_hi"],
        )
        l2_by_district = {
            post.unit_id: post
            for post in Post.objects.bulk_create(
                Post(
                    code=f"{department.code}-L2-{d.code}",
                    department=department,
                    unit=d,
                    level=2,
                    designation_en=row["l2_post_en"],
                    designation_hi=row["l2_post_hi"],
                    superior=l3,
                )
                for d in districts
            )
        }
        Post.objects.bulk_create(
            Post(
                code=f"{department.code}-L1-{unit.code}",
                department=department,
                unit=unit,
                level=1,
                designation_en=row["l1_post_en"],
                designation_hi=row["l1_post_hi"],
                superior=l2_by_district[_district_id(unit)],
            )
            for unit in l1_units_by_kind[row["l1_unit"]]
        )


def _district_id(unit: Unit) -> int:
    # Blocks sit under tehsils, tehsils and thanas under districts.
    return unit.parent.parent_id if unit.kind == UnitKind.BLOCK else unit.parent_id


def _seed_categories(departments) -> None:
    by_code = {d.code: d for d, _row in departments}
    Category.objects.bulk_create(
        Category(
            code=row["code"],
            department=by_code[row["department"]],
            name_en=row["name_en"],
            name_hi=row["name_hi"],
            photo_required=row["photo_required"] == "1",
        )
        for row in read_csv("up_categories.csv")
    )


def seed_desks() -> int:
    """The monitoring desk's posts (the state's, and one per district that lacks one), its
    time limits, and the "other / not sure" category. Safe to run again: after adding a
    district, it adds that district's desk. Returns how many desk posts were added."""
    code, en, hi = DESK
    desk, _new = Department.objects.get_or_create(
        code=code,
        defaults={"name_en": en, "name_hi": hi, "l1_unit_kind": UnitKind.DISTRICT, "desk": True},
    )
    state = Unit.objects.get(kind=UnitKind.STATE)
    top, top_new = Post.objects.get_or_create(
        code=f"{code}-{state.code}",
        defaults={
            "department": desk,
            "unit": state,
            "level": 3,
            "designation_en": STATE_DESK[0],
            "designation_hi": STATE_DESK[1],
        },
    )
    missing = Unit.objects.filter(kind=UnitKind.DISTRICT).exclude(posts__department=desk)
    added = Post.objects.bulk_create(
        Post(
            code=f"{code}-{district.code}",
            department=desk,
            unit=district,
            level=2,
            designation_en=DISTRICT_DESK[0],
            designation_hi=DISTRICT_DESK[1],
            superior=top,
        )
        for district in missing
    )
    for level in (2, 3):
        TimeLimit.objects.get_or_create(
            department=desk,
            level=level,
            source="",
            category=None,
            defaults={"days": DESK_DAYS, "counting": Counting.CALENDAR},
        )
    other_code, other_en, other_hi = OTHER
    other, _new = Department.objects.get_or_create(
        code=other_code,
        defaults={"name_en": other_en, "name_hi": other_hi, "l1_unit_kind": UnitKind.DISTRICT},
    )
    code, en, hi = OTHER_CATEGORY
    Category.objects.get_or_create(
        code=code, defaults={"department": other, "name_en": en, "name_hi": hi, "to_desk": True}
    )
    return len(added) + top_new


def _seed_officers() -> None:
    """One demo officer per post, holding it since the start of the year (the desks are
    worked by desk accounts, not officers)."""
    posts = list(
        Post.objects.filter(department__desk=False).order_by("pk").values_list("pk", flat=True)
    )
    officers = Officer.objects.bulk_create(
        Officer(
            name_en=f"{FIRST_NAMES[i % 12][0]} {SURNAMES[i % 7][0]}",
            name_hi=f"{FIRST_NAMES[i % 12][1]} {SURNAMES[i % 7][1]}",
            mobile=f"+9190{i:08d}",
            language="hi" if i % 4 else "en",
        )
        for i in range(len(posts))
    )
    Posting.objects.bulk_create(
        Posting(officer=officer, post_id=post_id, start=dt.date(2026, 1, 1))
        for officer, post_id in zip(officers, posts, strict=True)
    )
