"""Who sees what on the dashboard: the monitoring desk and administrators everything; the
District Magistrate (the district head department's second-level post) the whole district;
another department's district head (the SSP, the CDO, …) their department in their
district; one holding a department's state-level post (its head) that department, in every
place. Nobody sees a complaint made against one of their own posts or against themselves:
routing keeps such a complaint away from them, and so does the dashboard."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from igrs.core import clock
from igrs.core.accounts import roles_of
from igrs.core.roles import Role
from igrs.directory import selectors as directory
from igrs.directory.models import Post, UnitKind
from igrs.grievances import access

EVERYTHING_ROLES = {Role.DESK, Role.ADMIN}


@dataclass(frozen=True)
class Scope:
    district_id: int | None = None
    department_id: int | None = None
    # Whose complaints stay hidden (grievances.access: those the officer is conflicted for).
    officer_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.district_id is None and self.department_id is None

    def covers_unit(self, unit_id: int) -> bool:
        """A department's head sees every place (its numbers only: see unit_page)."""
        return self.district_id is None or directory.district_of(unit_id) == self.district_id

    def covers_post(self, post: Post) -> bool:
        return self.covers_place(post.unit_id, post.department_id)

    @property
    def place_filter(self) -> Callable[[int, int], bool] | None:
        """covers_place, or None for a viewer who sees everything: nothing to filter by."""
        return None if self.everything else self.covers_place

    def covers_place(self, unit_id: int, department_id: int) -> bool:
        """A post's place and department: the viewer's to see?"""
        return self.covers_unit(unit_id) and self.department_id in (None, department_id)

    def covers_complaint(self, complaint) -> bool:
        if self.officer_id is not None and access.officer_conflicted(self.officer_id, complaint):
            return False
        return self.covers_unit(complaint.place_id) and self.department_id in (
            None,
            directory.get_category(complaint.category_id).department_id,
        )

    def covers_ranked(self, level: str, key: int) -> bool:
        """Whether the complaints behind a ranked unit's marks are the viewer's to see."""
        if level == "department":
            return self.district_id is None and self.department_id in (None, key)
        return self.department_id is None and self.covers_unit(key)

    @property
    def sees_district_reports(self) -> bool:
        return self.department_id is None


def scope_of(user) -> Scope | None:
    """The user's view of the dashboard, None for someone it is not for. An officer with
    several such posts today gets the first: a department before a district."""
    roles = roles_of(user)
    if EVERYTHING_ROLES & roles:
        return Scope()
    if Role.OFFICER not in roles:
        return None
    officer_id = user.officer.pk
    own = directory.posts_held_by(officer_id, clock.local_date(clock.now()))
    mine = {"officer_id": officer_id}
    for post in sorted((directory.get_post(pk) for pk in sorted(own)), key=lambda p: -p.level):
        if post.level >= 3 and post.unit.kind == UnitKind.STATE:
            return Scope(department_id=post.department_id, **mine)
        if post.level == 2 and post.unit.kind == UnitKind.DISTRICT:
            if post.department.code == settings.IGRS_DISTRICT_HEAD_DEPARTMENT:
                return Scope(district_id=post.unit_id, **mine)
            return Scope(district_id=post.unit_id, department_id=post.department_id, **mine)
    return None
