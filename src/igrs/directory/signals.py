from django.db.models.signals import post_save
from django.dispatch import Signal

from igrs.core.cache import clear_when_saved

from . import models

clear_when_saved(
    models.Unit,
    models.Department,
    models.Category,
    models.Post,
    models.Officer,
    models.Posting,
    models.RoutingRule,
    models.TimeLimit,
    models.Holiday,
)


# Sent after a posting is saved (the memo already cleared, in the saver's transaction), so
# that a context above the directory can react to who holds which post now — grievances
# moves a complaint away from a holder it makes conflicted — without the directory
# importing it.
posting_saved = Signal()


def _posting_saved(instance: models.Posting, **_kwargs) -> None:
    posting_saved.send(sender=models.Posting, posting=instance)


post_save.connect(
    _posting_saved, sender=models.Posting, weak=False, dispatch_uid="directory-posting-saved"
)
