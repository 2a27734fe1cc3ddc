"""Mass grievances: a new complaint joins the cluster of open complaints about the same
problem at the same place; and someone about to file what is already filed joins that
complaint instead (a linked filing, no new complaint).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import Invalid
from igrs.core.locks import lock_for_transaction
from igrs.core.text import clean, normalise_mobile

from .. import similar
from ..actors import Actor
from ..models import Complaint, LinkedFiling, Source, Status
from .transitions import _load

log = logging.getLogger(__name__)

# Newly filed complaints compared per round: a round holds their rows (and their clusters'
# locks) until it commits, so an officer acting on one at once waits at most a round.
CLUSTER_ROUND = 50


def cluster_new(limit: int = CLUSTER_ROUND) -> int:
    """Join newly filed complaints to the cluster of the same problem at the same place,
    each compared with the open complaints already placed. The worker does this right after
    filing, so a filing neither scores descriptions nor waits on a cluster's lock (decision
    0079). Safe in several workers at once: rows are claimed with SKIP LOCKED and each
    category and place is locked, in one order, for the round, so complaints of one place
    are placed one after another and two alike ones never start two clusters. Returns how
    many were compared."""
    with transaction.atomic():
        batch = list(
            Complaint.objects.select_for_update(skip_locked=True)
            .filter(cluster_pending=True)
            .order_by("pk")
            .only("category_id", "place_id", "description", "status", "cluster_id", "created_at")[
                :limit
            ]
        )
        for category_id, place_id in sorted({(c.category_id, c.place_id) for c in batch}):
            lock_for_transaction(f"cluster:{category_id}:{place_id}")
        for complaint in batch:
            _place(complaint)
    return len(batch)


def _place(complaint: Complaint) -> None:
    """Into its cluster, or alone. An error placing it (a deadlock with a posting's conflict
    move, say) leaves it alone rather than holding every complaint behind it in the queue."""
    cluster_id = complaint.cluster_id  # already leads one a later complaint joined
    try:
        with transaction.atomic():  # a savepoint: the round goes on without this one
            if cluster_id is None and complaint.status != Status.CLOSED:
                cluster_id = _cluster_for(complaint)
            Complaint.objects.filter(pk=complaint.pk).update(
                cluster_id=cluster_id, cluster_pending=False
            )
    except DatabaseError:
        log.exception("event=cluster_failed complaint_id=%s", complaint.pk)
        Complaint.objects.filter(pk=complaint.pk).update(cluster_pending=False)


def _cluster_for(complaint: Complaint) -> int | None:
    """The cluster the complaint joins (its lead's id), or None when no open complaint
    already placed is alike."""
    since = complaint.created_at - dt.timedelta(days=settings.IGRS_CLUSTER_WINDOW_DAYS)
    alike = similar.same_problem(
        complaint.category_id,
        complaint.place_id,
        complaint.description,
        since,
        compared_only=True,
    )
    if not alike:
        return None
    best = Complaint.objects.only("pk", "cluster_id").get(pk=alike[0][0])
    if best.cluster_id is None:
        # The first complaint leads its cluster; no step of its own, nothing is decided.
        Complaint.objects.filter(pk=best.pk, cluster__isnull=True).update(cluster_id=best.pk)
        return best.pk
    return best.cluster_id


def link_instead(
    actor: Actor, ref: str, *, complainant_name: str, mobile: str, source: str
) -> Complaint:
    """Join an open complaint instead of filing the same problem again: the link is kept
    with who joined, and the complaint (whose reference the person is told) is returned."""
    complaint = _load(ref, None)
    errors: dict[str, str] = {}
    name = clean(complainant_name, "complainant_name", single_line=True)[:200]
    number = normalise_mobile(mobile)
    if complaint.status == Status.CLOSED:
        errors["link_to"] = _("That complaint is closed: file a new one.")
    if not name:
        errors["complainant_name"] = _("Enter the complainant's name.")
    if number is None:
        errors["mobile"] = _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
    elif actor.mobile and actor.mobile != number:
        errors["mobile"] = _("The mobile number must be the one verified by OTP.")
    if source not in Source.values:
        errors["source"] = _("Unknown source.")
    if errors:
        raise Invalid(fields=errors)
    assert number is not None
    if not LinkedFiling.objects.filter(complaint=complaint, mobile=number).exists():
        LinkedFiling.objects.create(
            complaint=complaint,
            complainant_name=name,
            mobile=number,
            source=source,
            role=actor.role,
            linked_by_id=actor.user_id,
            at=clock.now(),
        )
    return complaint
