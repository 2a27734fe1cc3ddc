"""Rules the actions share: who may act for which post, who is accountable, impartiality,
the complainant, and ids picked from lists.
"""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import Invalid, NotPermitted
from igrs.core.roles import Role
from igrs.core.text import clean
from igrs.directory import selectors as directory
from igrs.directory.models import Post, UnitKind

from .. import access, routing
from ..actors import Actor
from ..models import (
    Action,
    Complaint,
    Status,
)

PLACE_KINDS = {UnitKind.DISTRICT, UnitKind.TEHSIL, UnitKind.BLOCK, UnitKind.THANA}


def _acting_post(actor: Actor, post_id: int | None, now: dt.datetime, complaint: Complaint) -> Post:
    """The post the officer acts for: it must be one they hold today, and the officer must
    not be conflicted for the complaint (whichever posting brought it to them)."""
    if actor.role != Role.OFFICER or actor.officer_id is None:
        raise NotPermitted(_("Only an officer holding the post can do this."))
    held = directory.posts_held_by(actor.officer_id, clock.local_date(now))
    if post_id is None or post_id not in held:
        raise NotPermitted(_("This complaint is not with a post you hold."))
    _require_impartial_officer(actor.officer_id, complaint, now)
    return directory.get_post(post_id)


def _require_impartial_officer(officer_id: int, complaint: Complaint, now: dt.datetime) -> None:
    if access.officer_conflicted(officer_id, complaint, now):
        raise NotPermitted(
            _("The complaint is against you or a post you hold; you may not act on it.")
        )


def _require_impartial(post: Post, complaint: Complaint, now: dt.datetime) -> None:
    _require(
        not routing.is_conflicted(post.pk, _conflicted(complaint, now)),
        _("The complaint is against this post or a post above it; send it elsewhere."),
    )


def _require_complainant(actor: Actor, complaint: Complaint) -> None:
    if actor.role == Role.CITIZEN and actor.mobile != complaint.mobile:
        raise NotPermitted(_("Only the complainant can give feedback on this complaint."))


def _post_or_error(post_id: int) -> Post:
    _require(
        _valid_id(lambda pk: directory.get_post(pk).active, post_id),
        _("Choose an active post from the list."),
    )
    return directory.get_post(post_id)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise Invalid(message)


def _required[T](value: T | None, message: str) -> T:
    """The value; Invalid(message) when there is none."""
    if value is None:
        raise Invalid(message)
    return value


def _required_text(text: str, message: str, minimum: int = 1) -> str:
    value = clean(text)
    _require(len(value) >= minimum, message)
    return value


def _require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise NotPermitted(_("Your role may not use this."))


def _check_reference(errors: dict, field: str, value, ok: Callable[[int], bool], message: str):
    if not _valid_id(ok, value):
        errors[field] = message


def _valid_id(ok: Callable[[int], bool], value) -> bool:
    """An id of an existing row that passes `ok`."""
    try:
        return isinstance(value, int) and 0 < value < 2**63 and ok(value)
    except ObjectDoesNotExist:
        return False


def _category_ok(pk: int) -> bool:
    return directory.get_category(pk).active


def _place_ok(pk: int) -> bool:
    return directory.get_unit(pk).kind in PLACE_KINDS


def _post_ok(pk: int) -> bool:
    return directory.get_post(pk) is not None


def _officer_ok(pk: int) -> bool:
    return directory.get_officer(pk) is not None


def _defaulting_posts(complaint: Complaint) -> list[Post]:
    """The post accountable for the missed deadline and, if another, the one holding it —
    except a pending special closure, where only the post that had to decide defaulted."""
    if complaint.status == Status.CLOSURE_PROPOSED:
        return [_accountable(complaint)]
    posts = (_accountable(complaint), _holder(complaint))
    return list({post.pk: post for post in posts}.values())


def _accountable(complaint: Complaint) -> Post:
    post_id = complaint.accountable_id
    assert post_id is not None, f"{complaint.reference} is with no post"
    return directory.get_post(post_id)


def _holder(complaint: Complaint) -> Post:
    """The post holding the complaint; asked only of one that is with a post."""
    assert complaint.current_post_id is not None, f"{complaint.reference} is with no post"
    return directory.get_post(complaint.current_post_id)


def _conflicted(complaint: Complaint, now: dt.datetime) -> frozenset[int]:
    return access.conflicted_posts(complaint, now)


def _last_report(complaint: Complaint) -> str:
    event = complaint.events.filter(action=Action.SUBMIT_ATR).order_by("-at", "-pk").first()
    return event.note if event else ""
