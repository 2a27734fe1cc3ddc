"""The dashboard's pages timed through Django's test client on a generated history (runs
inside Django, see parts.dashboard). Each page is asked for cold and warm:

- cold: a new database session (a fresh PostgreSQL backend, so no catalogue or plan cache)
  and an empty per-process master-data memo, as after a web worker's restart. PostgreSQL's
  shared buffers and the operating system's page cache stay as they are: emptying them
  would need a restart of the shared database server.
- warm: the same page again on the same connection, after one unmeasured request.

Pages that show one thing (a post, a complaint) rotate through several, so a cold request
does not find its rows in a previous request's cache by design.
"""

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext

from igrs.core import cache
from igrs.core.accounts import get_or_create_user, grant_role
from igrs.directory.models import Unit, UnitKind
from igrs.grievances.models import Complaint, Defaulter
from igrs.monitoring.models import DailyTally, Pendency


@dataclass
class Page:
    name: str
    urls: list[str]


def pages() -> list[Page]:
    """Every page of the dashboard and its drill-downs, on the busiest places and posts."""
    busiest = Pendency.objects.filter(post_id__gt=0).order_by("-count")
    posts = list(busiest.values_list("post_id", flat=True)[:10])
    district = _busiest_district()
    tehsil = (
        Unit.objects.filter(parent_id=district, kind=UnitKind.TEHSIL)
        .values_list("pk", flat=True)
        .first()
    )
    division = Unit.objects.get(pk=district).parent_id
    state = Unit.objects.filter(kind=UnitKind.STATE).values_list("pk", flat=True).first()
    last_id = Complaint.objects.aggregate(Max("id"))["id__max"] or 0
    # References spread over the whole history, and the latest escalated ones.
    step = max(1, last_id // 10)
    refs = list(
        Complaint.objects.filter(id__in=range(1, last_id + 1, step)).values_list(
            "reference", flat=True
        )[:10]
    )
    refs += list(
        Complaint.objects.filter(
            pk__in=Defaulter.objects.order_by("-id").values("complaint_id")[:5]
        ).values_list("reference", flat=True)
    )
    month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    ranking = f"month={month:%Y-%m}"
    return [
        Page("state", [f"/monitoring/unit/{state}/"]),
        Page("division", [f"/monitoring/unit/{division}/"]),
        Page("district", [f"/monitoring/unit/{district}/"]),
        Page("tehsil", [f"/monitoring/unit/{tehsil}/"]),
        Page("post", [f"/monitoring/post/{pk}/" for pk in posts]),
        Page("complaint timeline", [f"/monitoring/complaints/{ref}/" for ref in refs]),
        Page("defaulters", ["/monitoring/defaulters/"]),
        Page("quality", ["/monitoring/quality/"]),
        Page("ranking, districts", [f"/monitoring/ranking/?level=district&{ranking}"]),
        Page("ranking, departments", [f"/monitoring/ranking/?level=department&{ranking}"]),
        Page(
            "lost marks",
            [
                f"/monitoring/ranking/lost/?level=district&key={district}&parameter={p}&{ranking}"
                for p in ("satisfaction", "reopens", "defaulters", "evidence")
            ],
        ),
        Page("CSV export, state", [f"/monitoring/unit/{state}/?format=csv"]),
        Page("CSV export, defaulters", ["/monitoring/defaulters/?format=csv"]),
    ]


def _busiest_district() -> int:
    """The district with the most complaints received (from the tallies)."""
    from django.db.models import Sum

    row = (
        DailyTally.objects.filter(metric="received")
        .values("district_id")
        .annotate(n=Sum("count"))
        .order_by("-n")
        .first()
    )
    return row["district_id"]


def desk_client() -> Client:
    user = get_or_create_user("bench-desk")
    grant_role(user, "desk")
    client = Client()
    client.force_login(user)
    return client


def measure(cold: int, warm: int) -> dict:
    """Per page: cold and warm times (ms), SQL statements and the response size."""
    client = desk_client()
    client.get("/monitoring/")  # the process's own first-request costs are not the page's
    found = {}
    for page in pages():
        cold_ms, warm_ms = [], []
        for i in range(cold):
            connection.close()
            cache.clear()
            connection.ensure_connection()
            cold_ms.append(_get(client, page.urls[i % len(page.urls)]))
        for i in range(warm + 1):
            ms = _get(client, page.urls[i % len(page.urls)])
            if i:  # the first one only warms
                warm_ms.append(ms)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.urls[0])
        found[page.name] = {
            "url": page.urls[0],
            "cold": cold_ms,
            "warm": warm_ms,
            "queries": len(queries),
            "bytes": len(response.content),
        }
    return found


def _get(client: Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed
