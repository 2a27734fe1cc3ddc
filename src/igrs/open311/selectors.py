"""Reads of the Open311 GeoReport v2 interface: services (our categories), service requests
(our complaints) and their updates (our timeline), as plain dicts in the spec's field
names; the views render them as JSON or XML."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from igrs.core import clock
from igrs.directory import selectors as directory
from igrs.directory.models import Category
from igrs.grievances.models import Complaint, Event, Status
from igrs.grievances.selectors import INTERNAL_STEPS

from .models import IntegrationKey, Scope

PLACE_ATTRIBUTE = "place_code"
MAX_DAYS = 90
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


def services(language: str) -> list[dict]:
    categories = Category.objects.filter(active=True).select_related("department")
    return [
        {
            "service_code": c.code,
            "service_name": _name(c, language),
            "description": _name(c, language),
            "metadata": True,
            "type": "realtime",
            "keywords": f"{c.name_hi}, {c.name_en}",
            "group": _name(c.department, language),
        }
        for c in categories.order_by("department__code", "code")
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


def visible_requests(key: IntegrationKey) -> QuerySet[Complaint]:
    """What this key may read: the complaints it filed, or all of them."""
    found = Complaint.objects.all()
    if key.scope != Scope.READ_ALL:
        found = found.filter(pk__in=key.filings.values("complaint_id"))
    return found


def service_requests(
    key: IntegrationKey,
    *,
    ids: list[str],
    service_code: str,
    start: dt.datetime | None,
    end: dt.datetime | None,
    status: str,
    page: int,
    page_size: int,
) -> list[Complaint]:
    found = visible_requests(key)
    if ids:
        found = found.filter(reference__in=ids)
    else:  # the spec's default window: the last 90 days
        end = end or timezone.now()
        found = found.filter(
            created_at__gte=start or end - dt.timedelta(days=MAX_DAYS), created_at__lte=end
        )
    if service_code:
        found = found.filter(category__code=service_code)
    if status == "open":
        found = found.exclude(status=Status.CLOSED)
    elif status == "closed":
        found = found.filter(status=Status.CLOSED)
    offset = (page - 1) * page_size
    return list(found.order_by("-created_at", "-id")[offset : offset + page_size])


def as_request(complaint: Complaint, language: str) -> dict:
    """A complaint in GeoReport v2 fields, with our detail in status_notes, the responsible
    post in agency_responsible, and an `igrs` extension."""
    hindi = language.startswith("hi")
    category = directory.get_category(complaint.category_id)
    post = directory.get_post(complaint.current_post_id) if complaint.current_post_id else None
    status_label = Status(complaint.status).label
    return {
        "service_request_id": complaint.reference,
        "status": "closed" if complaint.status == Status.CLOSED else "open",
        "status_notes": str(status_label),
        "service_name": _name(category, language),
        "service_code": category.code,
        "description": complaint.description,
        "agency_responsible": post.title_in("hi" if hindi else "en") if post else None,
        "service_notice": None,
        "requested_datetime": _w3c(complaint.created_at),
        "updated_datetime": _w3c(complaint.updated_at),
        # While no post holds it (with the desk), there is no time limit yet.
        "expected_datetime": _w3c(complaint.due_at),
        "address": complaint.place_detail or None,
        "address_id": directory.get_unit(complaint.place_id).code,
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


def updates(key: IntegrationKey, start: dt.datetime, end: dt.datetime, language: str) -> list[dict]:
    """The `servicerequestupdates` extension (as mySociety's Open311 clients read it): each
    timeline step of the visible complaints in the window."""
    events = (
        Event.objects.filter(complaint__in=visible_requests(key), at__gte=start, at__lte=end)
        .exclude(action__in=INTERNAL_STEPS)
        .select_related("complaint")
        .order_by("at", "pk")[:1000]
    )
    return [
        {
            "update_id": str(e.pk),
            "service_request_id": e.complaint.reference,
            "status": "closed" if e.to_status == Status.CLOSED else "open",
            "updated_datetime": _w3c(e.at),
            "description": f"{e.get_action_display()}{': ' + e.note if e.note else ''}",
            "media_url": None,
        }
        for e in events
    ]


def _w3c(moment: dt.datetime | None) -> str | None:
    return clock.local(moment).isoformat(timespec="seconds") if moment else None
