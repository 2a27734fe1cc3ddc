"""Who sees what on the dashboard: the monitoring desk and administrators everything; an
officer holding a district's second-level post (the DM, say) that district; one holding a
department's state-level post (its head) that department, in every place."""

from dataclasses import dataclass

from django.utils import timezone

from igrs.core import clock
from igrs.core.accounts import roles_of
from igrs.directory import selectors as directory
from igrs.directory.models import Post, UnitKind

EVERYTHING_ROLES = {"desk", "admin"}


@dataclass(frozen=True)
class Scope:
    district_id: int | None = None
    department_id: int | None = None

    @property
    def everything(self) -> bool:
        return self.district_id is None and self.department_id is None

    def covers_unit(self, unit_id: int) -> bool:
        """A department's head sees every place (its numbers only: see unit_page)."""
        return self.district_id is None or directory.district_of(unit_id) == self.district_id

    def covers_post(self, post: Post) -> bool:
        return (self.covers_unit(post.unit_id)
                and self.department_id in (None, post.department_id))

    def covers_complaint(self, place_id: int, category_id: int) -> bool:
        return self.covers_unit(place_id) and self.department_id in (
            None, directory.get_category(category_id).department_id)

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
    if "officer" not in roles:
        return None
    held = [directory.get_post(pk) for pk in sorted(directory.posts_held_by(
        user.officer.pk, timezone.localdate(clock.now())))]
    for post in sorted(held, key=lambda p: -p.level):
        if post.level >= 3:
            return Scope(department_id=post.department_id)
        if post.level == 2 and post.unit.kind == UnitKind.DISTRICT:
            return Scope(district_id=post.unit_id)
    return None
