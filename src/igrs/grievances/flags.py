"""Signals of a fake disposal, judged when an action-taken report is filed: a photo that
was already another complaint's report photo, or is the complainant's own photo sent back
(or nearly the same picture), and report text the same post has pasted on many complaints.

A flag decides nothing: it goes on the report (its event's data), for the approving officer,
the verification agent and the dashboard to see. Complaints of the same cluster share one
report on purpose, so they never count against each other.
"""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy

from . import evidence
from .models import Action, Attachment, Complaint, Event
from .similarity import similarity

# Steps that carry an officer's report of what was done.
REPORT_STEPS = (Action.SUBMIT_ATR, Action.SUBORDINATE_REPORT)
REUSED_PHOTO = "photo_reused"
CITIZEN_PHOTO = "citizen_photo"
COPIED_TEXT = "copied_text"
FLAGS = (REUSED_PHOTO, CITIZEN_PHOTO, COPIED_TEXT)
LABELS = {
    REUSED_PHOTO: gettext_lazy("A photo of this report was already in another complaint's report"),
    CITIZEN_PHOTO: gettext_lazy("A photo of this report is the complainant's own photo sent back"),
    COPIED_TEXT: gettext_lazy("The same text was filed by this post on many complaints"),
}
# The hash of a picture without any detail (one colour): it tells nothing about the photo.
FLAT = "0" * 16
REFS_KEPT = 5  # the other complaints named with a flag
PHOTOS_COMPARED = 2000  # recent report photos of the category compared bit by bit
REPORTS_COMPARED = 500  # the post's recent reports compared with the new text


def disposal_flags(
    complaint: Complaint, post_id: int, text: str, photo_hashes: Iterable[str], now: dt.datetime
) -> dict:
    """{"flags": [...], "flag_refs": {flag: [references]}} for a report, or {} when clean."""
    hashes = [h for h in photo_hashes if h and h != FLAT]
    mates = _cluster_mates(complaint)
    since = now - dt.timedelta(days=settings.IGRS_FLAG_WINDOW_DAYS)
    found: dict[str, list[str]] = {}
    if hashes and _matches_citizen_photo(complaint, hashes):
        found[CITIZEN_PHOTO] = []
    if hashes and (refs := _reused_photo(complaint, hashes, mates, since)):
        found[REUSED_PHOTO] = refs
    if refs := _copied_text(post_id, text, mates, since):
        found[COPIED_TEXT] = refs
    if not found:
        return {}
    return {"flags": [f for f in FLAGS if f in found], "flag_refs": found}


def _cluster_mates(complaint: Complaint) -> set[int]:
    if complaint.cluster_id is None:
        return {complaint.pk}
    return {
        complaint.pk,
        *Complaint.objects.filter(cluster_id=complaint.cluster_id).values_list("pk", flat=True),
    }


def _near(hashes: list[str], others: Iterable[str]) -> bool:
    limit = settings.IGRS_PHOTO_HASH_MAX_DISTANCE
    return any(evidence.hash_distance(h, o) <= limit for h in hashes for o in others if o)


def _matches_citizen_photo(complaint: Complaint, hashes: list[str]) -> bool:
    """The complainant's photos: every photo of the complaint not on an officer's report."""
    theirs = (
        Attachment.objects.filter(event__complaint=complaint)
        .exclude(event__action__in=REPORT_STEPS)
        .exclude(photo_hash__in=("", FLAT))
        .values_list("photo_hash", flat=True)
    )
    return _near(hashes, theirs)


def _reused_photo(
    complaint: Complaint, hashes: list[str], mates: set[int], since: dt.datetime
) -> list[str]:
    """Other complaints whose report carried this photo: the same hash anywhere and any time
    (an index lookup), or a near one among the category's recent report photos."""
    reports = Attachment.objects.filter(event__action__in=REPORT_STEPS).exclude(
        event__complaint_id__in=mates
    )
    same = reports.filter(photo_hash__in=hashes)
    recent = (
        reports.filter(event__at__gte=since, event__complaint__category_id=complaint.category_id)
        .exclude(photo_hash__in=("", FLAT))
        .order_by("-event__at")
        .values_list("photo_hash", "event__complaint__reference")[:PHOTOS_COMPARED]
    )
    refs = list(same.values_list("event__complaint__reference", flat=True)[:REFS_KEPT])
    refs += [ref for found, ref in recent if _near(hashes, [found])]
    return sorted(set(refs))[:REFS_KEPT]


def _copied_text(post_id: int, text: str, mates: set[int], since: dt.datetime) -> list[str]:
    """Other complaints on which the same post filed (nearly) this text, when there are at
    least IGRS_COPIED_REPORT_REPEATS of them."""
    earlier = (
        Event.objects.filter(Q(action__in=REPORT_STEPS), actor_post_id=post_id, at__gte=since)
        .exclude(complaint_id__in=mates)
        .order_by("-at")
        .values_list("note", "complaint__reference")[:REPORTS_COMPARED]
    )
    threshold = settings.IGRS_COPIED_REPORT_SIMILARITY
    refs = sorted({ref for note, ref in earlier if similarity(note, text) >= threshold})
    return refs[:REFS_KEPT] if len(refs) >= settings.IGRS_COPIED_REPORT_REPEATS else []


def shown(event: Event | None) -> list[tuple[str, list[str]]]:
    """A report's flags as people read them: (what, the other complaints' references)."""
    data = (event.data or {}) if event is not None else {}
    refs = data.get("flag_refs", {})
    return [(str(LABELS[f]), refs.get(f, [])) for f in data.get("flags", []) if f in LABELS]
