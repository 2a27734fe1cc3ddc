"""Reads for the portal's pickers and pages: categories by department, places and posts of a
district, a complainant's complaints, and the tracking view's three answers."""

from django.db.models import Q

from igrs.core.cache import memoize
from igrs.directory.models import Category, Department, Post, Unit, UnitKind
from igrs.grievances.models import Complaint

# Places a complaint can be about, below a district.
LOCAL_KINDS = (UnitKind.TEHSIL, UnitKind.BLOCK, UnitKind.THANA)


@memoize
def categories_by_department() -> list[tuple[Department, list[Category]]]:
    grouped: dict[int, tuple[Department, list[Category]]] = {}
    for category in (Category.objects.filter(active=True).select_related("department")
                     .order_by("department__code", "code")):
        grouped.setdefault(category.department_id, (category.department, []))[1].append(category)
    return list(grouped.values())


@memoize
def districts() -> list[Unit]:
    return list(Unit.objects.filter(kind=UnitKind.DISTRICT).order_by("name_en"))


@memoize
def places_in(district_id: int) -> list[Unit]:
    """The district itself, then its tehsils, blocks and police stations."""
    local = Unit.objects.filter(parent_id=district_id, kind__in=LOCAL_KINDS)
    return list(Unit.objects.filter(pk=district_id, kind=UnitKind.DISTRICT)) + sorted(
        local, key=lambda unit: (LOCAL_KINDS.index(unit.kind), unit.name_en))


@memoize
def posts_in(district_id: int) -> list[Post]:
    """Posts serving the district or a place in it: what a complaint may be 'against'."""
    return list(
        Post.objects.filter(active=True)
        .filter(Q(unit_id=district_id, unit__kind=UnitKind.DISTRICT)
                | Q(unit__parent_id=district_id, unit__parent__kind=UnitKind.DISTRICT))
        .select_related("unit", "department").order_by("department__code", "level", "unit__name_en")
    )


def complaints_of(mobile: str, limit: int = 100) -> list[Complaint]:
    return list(Complaint.objects.filter(mobile=mobile)
                .select_related("category", "current_post__unit").order_by("-created_at")[:limit])
