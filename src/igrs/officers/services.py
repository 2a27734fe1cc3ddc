"""Writes of the officer workspace: opening an SMS link. Actions on complaints are the
grievance services'."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from igrs.core import clock, links
from igrs.core.errors import NotFound, NotPermitted

from .models import OpenedLink


def open_link(token: str, session_key: str) -> tuple[int, int]:
    """(complaint id, officer id) for a genuine, unexpired link opened in this session or
    never before; a link already opened in another session is refused."""
    found = links.read_officer_link(token)
    if found is None:
        raise NotFound(_("This link is not valid or has expired. Sign in to see the complaint."))
    try:
        with transaction.atomic():
            OpenedLink.objects.create(token=token, session_key=session_key, opened_at=clock.now())
    except IntegrityError:
        if not OpenedLink.objects.filter(token=token, session_key=session_key).exists():
            raise NotPermitted(
                _("This link was already opened on another device. Sign in to see the complaint.")
            ) from None
    return found
