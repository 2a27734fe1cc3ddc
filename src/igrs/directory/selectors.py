"""Reads of master data. Everything here is memoized per process (see cache.py)."""

import datetime as dt

from django.db.models import Q

from igrs.core.cache import memoize

from .models import (
    Category,
    Department,
    DeskMember,
    Holiday,
    Officer,
    Post,
    Posting,
    RoutingRule,
    TimeLimit,
    Unit,
    UnitKind,
)


@memoize
def get_unit(unit_id: int) -> Unit:
    return Unit.objects.get(pk=unit_id)


def _chain(get, start_id: int | None, parent_field: str) -> list:
    chain = []
    while start_id is not None:
        row = get(start_id)
        chain.append(row)
        start_id = getattr(row, parent_field)
    return chain


def unit_chain(unit_id: int) -> list[Unit]:
    """The unit and its ancestors, nearest first."""
    return _chain(get_unit, unit_id, "parent_id")


@memoize
def get_category(category_id: int) -> Category:
    return Category.objects.select_related("department").get(pk=category_id)


@memoize
def get_post(post_id: int) -> Post:
    return Post.objects.select_related("unit", "department").get(pk=post_id)


def post_chain(post_id: int) -> list[Post]:
    """The post and its superiors, nearest first (L1 → L2 → L3 …)."""
    return _chain(get_post, post_id, "superior_id")


@memoize
def posts_held_by(officer_id: int, on: dt.date) -> frozenset[int]:
    return frozenset(
        Post.objects.filter(
            Q(postings__end__isnull=True) | Q(postings__end__gte=on),
            postings__officer_id=officer_id,
            postings__start__lte=on,
        ).values_list("pk", flat=True)
    )


@memoize
def holders_of(post_id: int, on: dt.date) -> tuple[Officer, ...]:
    """Officers holding the post on a day: the regular holder first, then additional charge."""
    return tuple(
        Officer.objects.filter(
            Q(postings__end__isnull=True) | Q(postings__end__gte=on),
            postings__post_id=post_id,
            postings__start__lte=on,
        )
        .order_by("postings__additional_charge", "pk")
        .distinct()
    )


@memoize
def default_l1_post(category_id: int, unit_id: int) -> Post | None:
    """The category's department's first-level post for the place, if the place is precise
    enough (a police matter needs a thana, a revenue matter a tehsil, …)."""
    department = get_category(category_id).department
    unit = next((u for u in unit_chain(unit_id) if u.kind == department.l1_unit_kind), None)
    if unit is None:
        return None
    post = (
        Post.objects.filter(department=department, unit=unit, level=1, active=True)
        .order_by("pk")
        .first()
    )
    return get_post(post.pk) if post else None


@memoize
def routing_rule_post(category_id: int, unit_id: int) -> Post | None:
    """An explicit routing rule for the category, the nearest enclosing unit winning."""
    rules = {
        rule.unit_id: rule.post_id for rule in RoutingRule.objects.filter(category_id=category_id)
    }
    for unit in unit_chain(unit_id):
        if unit.pk in rules:
            return get_post(rules[unit.pk])
    return get_post(rules[None]) if None in rules else None


@memoize
def time_limit(
    source: str, category_id: int, level: int, department_id: int | None = None
) -> TimeLimit | None:
    candidates = TimeLimit.objects.filter(
        Q(source=source) | Q(source=""),
        Q(category_id=category_id) | Q(category__isnull=True),
        Q(department_id=department_id) | Q(department__isnull=True),
        level=level,
    )
    return max(
        candidates,
        key=lambda t: (
            t.department_id is not None,
            t.category_id is not None,
            t.source != "",
            -t.pk,
        ),
        default=None,
    )


@memoize
def holidays() -> frozenset[dt.date]:
    return frozenset(Holiday.objects.values_list("date", flat=True))


@memoize
def get_officer(officer_id: int) -> Officer:
    return Officer.objects.get(pk=officer_id)


@memoize
def district_of(unit_id: int) -> int:
    """The district a unit lies in (0 above district level)."""
    return next((u.pk for u in unit_chain(unit_id) if u.kind == UnitKind.DISTRICT), 0)


@memoize
def desk_post_for(unit_id: int) -> Post | None:
    """The monitoring desk for a place: its district's desk, else the state's."""
    desks = Post.objects.filter(department__desk=True, active=True)
    found = desks.filter(unit_id=district_of(unit_id)).first() or desks.filter(level=3).first()
    return get_post(found.pk) if found else None


def is_desk(post_id: int) -> bool:
    return get_post(post_id).department.desk


@memoize
def desk_reach(user_id: int) -> frozenset[int] | None:
    """The districts a desk account works (its desks' districts; the state's desk reaches
    all); None for all of them, as for an account with no desk named."""
    units = set(DeskMember.objects.filter(user_id=user_id).values_list("post__unit_id", flat=True))
    if not units or any(get_unit(pk).kind == UnitKind.STATE for pk in units):
        return None
    return frozenset(units)


def place_kind_needed(category_id: int, unit_id: int) -> str | None:
    """The kind of place the category's department acts at (a block for rural development,
    a thana for the police, …) when the chosen place does not lie in one; None when the place
    is precise enough, or the category has its own routing rule or goes to the desk."""
    category = get_category(category_id)
    if category.to_desk or routing_rule_post(category_id, unit_id) is not None:
        return None
    kind = category.department.l1_unit_kind
    return None if any(u.kind == kind for u in unit_chain(unit_id)) else kind


# ---------------------------------------------------------------- what the faces' pickers offer

# Places a complaint can be about, below a district.
LOCAL_KINDS = (UnitKind.TEHSIL, UnitKind.BLOCK, UnitKind.THANA)


@memoize
def categories_by_department() -> list[tuple[Department, list[Category]]]:
    """Active categories by department; "other / not sure" last, after every department."""
    grouped: dict[int, tuple[Department, list[Category]]] = {}
    for category in (
        Category.objects.filter(active=True)
        .select_related("department")
        .order_by("to_desk", "department__code", "code")
    ):
        grouped.setdefault(category.department_id, (category.department, []))[1].append(category)
    return list(grouped.values())


@memoize
def districts() -> list[Unit]:
    return list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("name_en"))


@memoize
def places_in(district_id: int) -> list[Unit]:
    """The district itself, then its tehsils, blocks (they sit under tehsils) and police
    stations, each kind by name."""
    local = Unit.objects.filter(
        Q(parent_id=district_id, kind__in=LOCAL_KINDS)
        | Q(parent__parent_id=district_id, parent__kind=UnitKind.TEHSIL, kind=UnitKind.BLOCK)
    ).select_related("parent")
    return list(Unit.objects.filter(pk=district_id, kind=UnitKind.DISTRICT)) + sorted(
        local, key=lambda unit: (LOCAL_KINDS.index(unit.kind), unit.name_en)
    )


@memoize
def posts_in(district_id: int) -> list[Post]:
    """Officers' posts serving the district or a place in it (blocks included): what a
    complaint may be 'against', and where the desk may send it."""
    return list(
        Post.objects.filter(active=True, department__desk=False)
        .filter(
            Q(unit_id=district_id, unit__kind=UnitKind.DISTRICT)
            | Q(unit__parent_id=district_id, unit__parent__kind=UnitKind.DISTRICT)
            | Q(unit__parent__parent_id=district_id, unit__kind=UnitKind.BLOCK)
        )
        .select_related("unit", "department")
        .order_by("department__code", "level", "unit__name_en")
    )


@memoize
def state_posts() -> list[Post]:
    """Officers' posts at the state (Shasan): where the desk may send what no district can."""
    return list(
        Post.objects.filter(active=True, department__desk=False, unit__kind=UnitKind.STATE)
        .select_related("unit", "department")
        .order_by("department__code", "level")
    )


# ---------------------------------------------------------------- what the master-data API lists


@memoize
def all_departments() -> list[Department]:
    return list(Department.objects.order_by("code"))


@memoize
def all_categories() -> list[Category]:
    """Inactive ones too (marked): old complaints still name them."""
    return list(Category.objects.select_related("department").order_by("department__code", "code"))


@memoize
def find_units(kind: str, parent_id: int | None, text: str) -> list[Unit]:
    """Units of a kind, under a parent, whose Hindi or English name or code holds the text
    (NFC, as names are stored); by code, so pages of it stay put."""
    found = Unit.objects.all()
    if kind:
        found = found.filter(kind=kind)
    if parent_id is not None:
        found = found.filter(parent_id=parent_id)
    if text:
        found = found.filter(
            Q(name_hi__icontains=text) | Q(name_en__icontains=text) | Q(code__icontains=text)
        )
    return list(found.order_by("code"))


@memoize
def find_posts(unit_id: int | None, department_id: int | None, level: int | None) -> list[Post]:
    found = Post.objects.select_related("unit", "department")
    if unit_id is not None:
        found = found.filter(unit_id=unit_id)
    if department_id is not None:
        found = found.filter(department_id=department_id)
    if level is not None:
        found = found.filter(level=level)
    return list(found.order_by("code"))


@memoize
def postings_on(on: dt.date) -> dict[int, tuple[Posting, ...]]:
    """Every post's postings that run on the day (officer loaded), the regular holder first:
    one query for a whole listing instead of one per post."""
    held: dict[int, list[Posting]] = {}
    for posting in (
        Posting.objects.filter(Q(end__isnull=True) | Q(end__gte=on), start__lte=on)
        .select_related("officer")
        .order_by("post_id", "additional_charge", "officer_id")
    ):
        held.setdefault(posting.post_id, []).append(posting)
    return {post_id: tuple(postings) for post_id, postings in held.items()}
