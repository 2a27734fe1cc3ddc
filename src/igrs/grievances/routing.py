"""Where a complaint goes: category × place → post, and the conflict-of-interest rule.

A complaint against a post (or an officer, through the posts that officer holds) is never given
to that post or anything below it; it goes to the nearest superior outside that line instead.
"""

import datetime as dt

from igrs.directory import selectors as directory
from igrs.directory.models import Post


def conflicted_posts(
    against_post_id: int | None, against_officer_id: int | None, on: dt.date
) -> frozenset[int]:
    posts = set()
    if against_post_id:
        posts.add(against_post_id)
    if against_officer_id:
        posts |= directory.posts_held_by(against_officer_id, on)
    return frozenset(posts)


def is_conflicted(post_id: int, conflicted: frozenset[int]) -> bool:
    """True when the post is one the complaint is against, or a subordinate of one."""
    return bool(conflicted) and any(p.pk in conflicted for p in directory.post_chain(post_id))


def first_clear_post(post_id: int | None, conflicted: frozenset[int]) -> Post | None:
    """The post itself or its nearest active superior that the complaint is not against."""
    if post_id is None:
        return None
    for post in directory.post_chain(post_id):
        if post.active and not is_conflicted(post.pk, conflicted):
            return post
    return None


def route(category_id: int, unit_id: int, conflicted: frozenset[int]) -> Post | None:
    """The post a new complaint goes to, or None when the monitoring desk must decide (the
    category is "other / not sure", no post fits the place, or the rule's post has been
    deactivated)."""
    if directory.get_category(category_id).to_desk:
        return None  # "other / not sure": the desk decides by design
    post = directory.routing_rule_post(category_id, unit_id) or directory.default_l1_post(
        category_id, unit_id
    )
    if post is None or not post.active:
        return None
    return first_clear_post(post.pk, conflicted)


def superior_for(post_id: int, conflicted: frozenset[int]) -> Post | None:
    superior = directory.get_post(post_id).superior_id
    return first_clear_post(superior, conflicted)


def is_subordinate(candidate_id: int, of_post_id: int) -> bool:
    return any(p.pk == of_post_id for p in directory.post_chain(candidate_id)[1:])
