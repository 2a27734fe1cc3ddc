"""Reads of the Open311 GeoReport v2 interface: services (our categories), service requests
(our complaints) and their updates (our timeline), as plain dicts in the spec's field
names; the views render them as JSON or XML.

Every request is readable by anyone in its public form, which carries nothing about the
complainant: no description, no address beyond the place's name, no notes. The full form
is for a key that may read the complaint (read_all, or read_own for what it filed)."""

import datetime as dt

from django.utils import timezone

from igrs.core import clock
from igrs.directory import selectors as directory
from igrs.directory.models import Category
from igrs.grievances.models import Action, Complaint, Event, Status
from igrs.grievances.selectors import INTERNAL_STEPS

from .models import IntegrationKey, Scope

PLACE_ATTRIBUTE = "place_code"
MAX_DAYS = 90
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
MAX_UPDATES = 1000
# Timeline steps about the complainant's own conversation with the office: full form only.
PRIVATE_STEPS = frozenset({Action.NOTE, Action.CALL_BACK})


def services(language: str) -> list[dict]:
    return [
        {
            "service_code": c.code,
            "service_name": _name(c, language),
            "description": _name(c, language),
            "metadata": True,
            "type": "realtime",
            "keywords": f"{c.name_hi}, {c.name_en}",
            "group": _name(department, language),
        }
        for department, categories in directory.categories_by_department()
        for c in categories
    ]


def service_definition(code: str, language: str) -> dict | None:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        return None
    hindi = language.startswith("hi")
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": PLACE_ATTRIBUTE,
                "datatype": "string",
                "required": True,
                "datatype_description": (
                    "जनपद, तहसील, ब्लॉक या थाने का कोड, जैसे UP-LUCKNOW-T-SADAR"
                    if hindi
                    else "Code of the district, tehsil, block or police station, "
                    "e.g. UP-LUCKNOW-T-SADAR"
                ),
                "order": 1,
                "description": "स्थान" if hindi else "Place",
            }
        ],
    }


def _name(row, language: str) -> str:
    return row.name_hi if language.startswith("hi") else row.name_en


def readable_in_full(key: IntegrationKey | None, complaint_ids: list[int]) -> set[int]:
    """Which of these complaints the key may read in full (all others: public form)."""
    if key is None or key.scope == Scope.FILE_ONLY:
        return set()
    if key.scope == Scope.READ_ALL:
        return set(complaint_ids)
    return set(
        key.filings.filter(complaint_id__in=complaint_ids).values_list("complaint_id", flat=True)
    )


def find_request(reference: str) -> Complaint | None:
    return Complaint.objects.filter(reference=reference).first()


def service_requests(
    *,
    ids: list[str],
    service_codes: list[str],
    start: dt.datetime | None,
    end: dt.datetime | None,
    statuses: list[str],
    page: int,
    page_size: int,
) -> list[Complaint]:
    """GET requests: by ids, or in the window (by default the spec's last 90 days), newest
    first, filtered by service codes and open/closed."""
    found = Complaint.objects.all()
    if ids:
        found = found.filter(reference__in=ids)
    else:
        end = end or timezone.now()
        found = found.filter(
            created_at__gte=start or end - dt.timedelta(days=MAX_DAYS), created_at__lte=end
        )
    if service_codes:
        found = found.filter(category__code__in=service_codes)
    if set(statuses) == {"open"}:
        found = found.exclude(status=Status.CLOSED)
    elif set(statuses) == {"closed"}:
        found = found.filter(status=Status.CLOSED)
    offset = (page - 1) * page_size
    return list(found.order_by("-created_at", "-id")[offset : offset + page_size])


def as_request(complaint: Complaint, language: str, *, full: bool) -> dict:
    """A complaint in GeoReport v2 fields, with our detail in status_notes, the responsible
    post in agency_responsible, and an `igrs` extension. Without `full`: nothing the
    complainant wrote or said, and the place only by its name."""
    hindi = language.startswith("hi")
    category = directory.get_category(complaint.category_id)
    post = directory.get_post(complaint.current_post_id) if complaint.current_post_id else None
    place = directory.get_unit(complaint.place_id)
    status_label = Status(complaint.status).label
    return {
        "service_request_id": complaint.reference,
        "status": "closed" if complaint.status == Status.CLOSED else "open",
        "status_notes": str(status_label),
        "service_name": _name(category, language),
        "service_code": category.code,
        "description": complaint.description if full else None,
        "agency_responsible": post.title_in("hi" if hindi else "en") if post else None,
        "service_notice": None,
        "requested_datetime": _w3c(complaint.created_at),
        "updated_datetime": _w3c(complaint.updated_at),
        # While no post holds it (with the desk), there is no time limit yet.
        "expected_datetime": _w3c(complaint.due_at),
        "address": (complaint.place_detail or None) if full else _name(place, language),
        "address_id": place.code,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
        "igrs": {
            "status": complaint.status,
            "level": complaint.level,
            "escalation_count": complaint.escalation_count,
            "responsible_post_code": post.code if post else "",
        },
    }


def updates(
    key: IntegrationKey | None, start: dt.datetime, end: dt.datetime, language: str
) -> list[dict]:
    """The `servicerequestupdates` extension (as mySociety's Open311 clients read it): each
    timeline step in the window. Notes and call-backs, and the text of any step, only for
    the complaints the key may read in full."""
    events = list(
        Event.objects.filter(at__gte=start, at__lte=end)
        .exclude(action__in=INTERNAL_STEPS)
        .select_related("complaint")
        .order_by("at", "pk")[:MAX_UPDATES]
    )
    full = readable_in_full(key, [e.complaint_id for e in events])
    return [
        _update(e, e.complaint_id in full)
        for e in events
        if e.complaint_id in full or e.action not in PRIVATE_STEPS
    ]


def _update(event: Event, full: bool) -> dict:
    note = f": {event.note}" if full and event.note else ""
    return {
        "update_id": str(event.pk),
        "service_request_id": event.complaint.reference,
        "status": "closed" if event.to_status == Status.CLOSED else "open",
        "updated_datetime": _w3c(event.at),
        "description": f"{event.get_action_display()}{note}",
        "media_url": None,
    }


def _w3c(moment: dt.datetime | None) -> str | None:
    return clock.local(moment).isoformat(timespec="seconds") if moment else None
