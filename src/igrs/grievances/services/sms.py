"""The SMS an action queues: to the complainant, and to every officer holding a post."""

import datetime as dt

from django.utils import translation

from igrs.core import clock, links
from igrs.directory import selectors as directory
from igrs.directory.models import Post
from igrs.notifications.models import OutboxMessage
from igrs.notifications.services import queue_sms

from ..models import (
    Complaint,
    Status,
)
from .checks import _accountable, _holder


def _label(choice, language: str) -> str:
    with translation.override(language):
        return str(choice.label)


def _sms_context(complaint: Complaint, language: str, about: Post | None = None, **extra) -> dict:
    """Placeholders of every message; {post} is `about`, by default the post holding it."""
    post = about or (
        directory.get_post(complaint.current_post_id) if complaint.current_post_id else None
    )
    due = clock.local(complaint.due_at).strftime("%d-%m-%Y") if complaint.due_at else ""
    title = post.title_in(language) if post else ""
    return {
        "reference": complaint.reference,
        "post": title,
        "due": due,
        "level": complaint.level,
        "outcome": "",
        "reason": "",
        "link": "",
        **extra,
    }


def _citizen_sms(complaint: Complaint, key: str, **extra) -> OutboxMessage:
    language = complaint.language
    return queue_sms(
        complaint.mobile,
        key,
        language,
        _sms_context(complaint, language, **extra),
        complaint.reference,
    )


def _post_sms(
    post: Post, complaint: Complaint, key: str, now: dt.datetime, about: Post | None = None
) -> list[OutboxMessage]:
    """The message to every officer holding `post` today, each in their own language."""
    today = clock.local_date(now)
    return [
        queue_sms(
            officer.mobile,
            key,
            officer.language,
            _sms_context(
                complaint,
                officer.language,
                about,
                link=links.officer_link(complaint.pk, officer.pk),
            ),
            complaint.reference,
        )
        for officer in directory.holders_of(post.pk, today)
    ]


def _holder_sms(complaint: Complaint, key: str, now: dt.datetime) -> list[OutboxMessage]:
    return _post_sms(_holder(complaint), complaint, key, now)


def _assignment_sms(complaint: Complaint, kind: str, now: dt.datetime) -> list[OutboxMessage]:
    """Tell the officers holding the new post, and the complainant, who has it now."""
    return [
        *_holder_sms(complaint, f"{kind}_officer", now),
        _citizen_sms(complaint, f"{kind}_citizen"),
    ]


def _reminded_post(complaint: Complaint) -> Post:
    """Who must act before the deadline: the holder, or the post deciding a special closure."""
    if complaint.status == Status.CLOSURE_PROPOSED:
        return _accountable(complaint)
    return _holder(complaint)
