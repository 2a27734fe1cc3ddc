"""Reads for mass grievances and duplicates: open complaints like a new one (the same
mobile's, or the same problem at the same place), and clusters of the same problem.

Similarity of descriptions is pg_trgm's on PostgreSQL for what is shown at filing, and the
same measure in Python on SQLite and for the worker's placing in clusters, over the few open
complaints of one category and place.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q

from igrs.core import clock
from igrs.core.text import normalise_mobile

from . import access
from .actors import Actor
from .models import Complaint, RegistrationKey, Status
from .similarity import similarity

SHOWN = 5  # similar complaints shown at filing
# The newest open complaints of a category at a place compared with a new one: pg_trgm
# scores Devanagari at ~70 µs a pair, so this bounds a filing's database time (decision 0071).
CANDIDATES = 20


@dataclass(frozen=True)
class Similar:
    complaint: Complaint
    score: float  # description similarity, 0-1
    same_mobile: bool


def similar_open(
    *, mobile: str, category_id: int, place_id: int, description: str
) -> list[Similar]:
    """Open complaints a person about to file may mean instead: the same mobile's in the same
    category, then the same place and category with a similar description, best first."""
    since = clock.now() - dt.timedelta(days=settings.IGRS_CLUSTER_WINDOW_DAYS)
    mine = _same_mobile(mobile, category_id, since)
    found = {c.pk: Similar(c, similarity(c.description, description), True) for c in mine}
    for pk, score in same_problem(category_id, place_id, description, since):
        if pk not in found:
            found[pk] = Similar(Complaint(pk=pk), score, False)
    others = [pk for pk, s in found.items() if not s.same_mobile]
    loaded = Complaint.objects.select_related("category", "place").in_bulk(others)
    rows = [
        s if s.same_mobile else Similar(loaded[s.complaint.pk], s.score, False)
        for s in found.values()
        if s.same_mobile or s.complaint.pk in loaded
    ]
    rows.sort(key=lambda s: (not s.same_mobile, -s.score, -s.complaint.pk))
    return rows[:SHOWN]


def filed_under(key: uuid.UUID | None) -> bool:
    """Whether a form with this key was already filed (or is being filed now)."""
    return key is not None and RegistrationKey.objects.filter(key=key).exists()


def _same_mobile(mobile: str, category_id: int, since: dt.datetime) -> list[Complaint]:
    try:
        number = normalise_mobile(mobile)
    except ValueError:
        return []
    return list(
        Complaint.objects.filter(mobile=number, created_at__gte=since, category_id=category_id)
        .exclude(status=Status.CLOSED)
        .select_related("category", "place")
        .order_by("-created_at")[:SHOWN]
    )


def same_problem(
    category_id: int,
    place_id: int,
    description: str,
    since: dt.datetime,
    compared_only: bool = False,
) -> list[tuple[int, float]]:
    """(id, similarity) of open complaints of the category at the place, registered since,
    whose description is at least IGRS_CLUSTER_SIMILARITY like this one: the SHOWN most alike,
    best first. `compared_only`: only those the clusters job has already placed (it compares
    each complaint with those before it in its own order, not in the order ids were given)."""
    threshold = settings.IGRS_CLUSTER_SIMILARITY
    if connection.vendor == "postgresql" and not compared_only:
        # pg_trgm's similarity() over the newest open complaints of the category at the place
        # (the partial index complaint_open_by_place finds them): bounded work per filing
        # however many complaints share a text. A trigram index over every description was
        # tried first: with many alike texts each filing scored them all (decision 0071).
        with connection.cursor() as cursor:
            cursor.execute(
                # Scored outside the LIMIT: inside, a plan that sorts would score every
                # open complaint at the place before keeping 20.
                "SELECT id, s FROM (SELECT id, similarity(description, %s) AS s FROM "
                "(SELECT id, description FROM grievances_complaint WHERE category_id = %s "
                "AND place_id = %s AND status <> 'closed' AND created_at >= %s "
                "ORDER BY created_at DESC LIMIT %s) AS newest) AS scored "
                "WHERE s >= %s ORDER BY s DESC, id LIMIT %s",
                [description, category_id, place_id, since, CANDIDATES, threshold, SHOWN],
            )
            return [(pk, float(score)) for pk, score in cursor.fetchall()]
    # The same measure in Python: on SQLite, and for the clusters job on both, which placed
    # the candidates moments before, so their trigrams are cached in its process and a
    # comparison costs microseconds there instead of ~70 µs of the database's CPU.
    open_here = Complaint.objects.filter(
        category_id=category_id, place_id=place_id, created_at__gte=since
    ).exclude(status=Status.CLOSED)
    if compared_only:
        open_here = open_here.filter(cluster_pending=False)
    candidates = open_here.order_by("-created_at").values_list("pk", "description")[:CANDIDATES]
    scored = [(pk, similarity(text, description)) for pk, text in candidates]
    return sorted(
        ((pk, s) for pk, s in scored if s >= threshold), key=lambda row: (-row[1], row[0])
    )[:SHOWN]


def cluster_members(complaint: Complaint) -> list[Complaint]:
    """The complaints of this complaint's cluster (itself included), first filed first."""
    if complaint.cluster_id is None:
        return [complaint]
    return list(
        Complaint.objects.filter(cluster_id=complaint.cluster_id)
        .select_related("category", "place")
        .order_by("created_at", "pk")
    )


def cluster_members_for(viewer: Actor, complaint: Complaint) -> list[Complaint]:
    """The cluster as the viewer may know it: only the members they may read. An officer
    conflicted for one (it is against him) neither learns it exists nor reports on it."""
    return [
        member
        for member in cluster_members(complaint)
        if member.pk == complaint.pk or access.can_read(viewer, member)
    ]


def waits_on(complaint: Complaint, post_id: int | None) -> bool:
    """Whether the complaint waits for action on the post (a cluster's report reaches it)."""
    return complaint.status == Status.ASSIGNED and complaint.current_post_id == post_id


@dataclass(frozen=True)
class ClusterRow:
    lead: Complaint
    size: int
    open: int


def open_clusters(limit: int = 100) -> list[ClusterRow]:
    """Clusters with open complaints, the largest first (the dashboard's list)."""
    rows = list(
        Complaint.objects.filter(cluster__isnull=False)
        .values("cluster_id")
        .annotate(size=Count("pk"), open=Count("pk", filter=~Q(status=Status.CLOSED)))
        .filter(open__gt=0, size__gt=1)
        .order_by("-size", "-cluster_id")[:limit]
    )
    leads = Complaint.objects.select_related("category", "place", "current_post").in_bulk(
        [row["cluster_id"] for row in rows]
    )
    return [ClusterRow(leads[r["cluster_id"]], r["size"], r["open"]) for r in rows]
