"""What grievances does when master data changes elsewhere (connected in apps.ready)."""

from igrs.directory.models import Posting
from igrs.directory.signals import posting_saved

from .services.conflict import move_from_conflicted_holders


def _posting_saved(posting: Posting, **_kwargs) -> None:
    """A new holder of a post may be complained against: move such complaints on at once,
    in the transaction that saved the posting."""
    move_from_conflicted_holders(posting.officer_id, posting.post_id)


posting_saved.connect(_posting_saved, weak=False, dispatch_uid="grievances-posting-conflict")
