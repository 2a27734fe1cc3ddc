"""The monitoring dashboard: state → division → district → tehsil → post → complaint, each a
click. For the monitoring desk and administrators."""

import csv
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from igrs.core import clock
from igrs.core.accounts import roles_of
from igrs.core.faces import complaint_or_404, complaint_page, original_file, stored_attachment
from igrs.directory import selectors as directory
from igrs.directory.models import Department, Post, Unit, UnitKind
from igrs.grievances.actors import Actor
from igrs.grievances.models import Role

from . import selectors as dashboard

VIEWERS = {"desk", "admin"}
CHART_WIDTH = 300  # pixels of the longest bar
DEFAULTERS_SHOWN = 100  # the page lists the worst posts; the CSV has every one


def monitoring(view):
    @wraps(view)
    @never_cache
    @require_GET
    def checked(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not VIEWERS & roles_of(request.user):
            raise PermissionDenied(_("The dashboard is for the monitoring desk."))
        return view(request, *args, **kwargs)
    return checked


@monitoring
def home(request: HttpRequest) -> HttpResponse:
    return redirect("monitoring:unit", unit_id=dashboard.state_unit_id())


@monitoring
def unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    if not Unit.objects.filter(pk=unit_id).exists():
        raise Http404(_("No such place."))
    page = dashboard.unit_page(unit_id)
    if request.GET.get("format") == "csv":
        return _csv(f"pendency-{page.unit.code}.csv",
                    [_("Place or post"), _("Pending"), _("Overdue")],
                    [[r.unit.name if r.unit else r.post.title, r.pending, r.overdue]
                     for r in [*page.children, *page.posts]])
    peak = max([r.pending for r in page.children] + [1])
    bars = [{"row": r, "y": 22 * i, "pending": round(CHART_WIDTH * r.pending / peak),
             "overdue": round(CHART_WIDTH * r.overdue / peak)}
            for i, r in enumerate(page.children)]
    return render(request, "monitoring/unit.html", {
        "page": page, "bars": bars, "chart_height": 22 * len(bars) + 4})


@monitoring
def defaulter_list(request: HttpRequest) -> HttpResponse:
    since = timezone.localdate(clock.now()).replace(day=1)
    rows = dashboard.defaulters(since)
    if request.GET.get("format") == "csv":
        return _csv("defaulters.csv", [_("Post"), _("Officer then"), _("Deadlines missed")],
                    [[r.post.title, r.officer_name, r.defaults] for r in rows])
    return render(request, "monitoring/defaulters.html", {
        "rows": rows[:DEFAULTERS_SHOWN], "total": len(rows), "since": since})


@monitoring
def quality(request: HttpRequest) -> HttpResponse:
    since = timezone.localdate(clock.now()).replace(day=1)
    return render(request, "monitoring/quality.html", {
        "rows": dashboard.quality(since), "since": since, "stuck": dashboard.where_stuck()})


@monitoring
def ranking(request: HttpRequest) -> HttpResponse:
    level, month = _level(request), _month(request)
    rows = dashboard.ranking(level, month)
    current = dashboard.formula()
    if request.GET.get("format") == "csv":
        names = list(current.weights)
        return _csv(f"ranking-{level}-{month:%Y-%m}.csv",
                    [_("Rank"), _("Name"), _("Marks"), *names],
                    [[r.rank, r.name, r.total, *[r.marks[n] for n in names]] for r in rows])
    return render(request, "monitoring/ranking.html", {
        "rows": rows, "level": level, "month": month, "formula": current,
        "parameters": list(current.weights.items()),
    })


@monitoring
def lost_marks(request: HttpRequest) -> HttpResponse:
    level, month = _level(request), _month(request)
    parameter = request.GET.get("parameter", "")
    try:
        key = int(request.GET.get("key", ""))
    except ValueError:
        raise Http404(_("No such place.")) from None
    if parameter not in dashboard.LOST_MARKS:
        raise Http404(_("No such parameter."))
    exists = (Unit.objects.filter(pk=key, kind=UnitKind.DISTRICT) if level == "district"
              else Department.objects.filter(pk=key))
    if not exists.exists():
        raise Http404(_("No such place."))
    return render(request, "monitoring/lost_marks.html", {
        "events": dashboard.lost_marks(level, key, parameter, month), "month": month,
        "parameter": parameter,
    })


def _level(request: HttpRequest) -> str:
    return "department" if request.GET.get("level") == "department" else "district"


def _month(request: HttpRequest):
    """The month asked for as YYYY-MM, else this month."""
    this_month = timezone.localdate(clock.now()).replace(day=1)
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        if not 2000 <= year <= 2200:
            raise ValueError(year)
        return this_month.replace(year=year, month=month)
    except ValueError:
        return this_month


def _csv(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    """A table as CSV with a byte-order mark, so spreadsheet programs read Hindi right."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return response


def _cell(value):
    """Text a spreadsheet would run as a formula (= + - @ first) is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@monitoring
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    try:
        found = directory.get_post(post_id)
    except Post.DoesNotExist:
        raise Http404(_("No such post.")) from None
    return render(request, "monitoring/post.html", {
        "post": found, "complaints": dashboard.post_complaints(post_id),
        "chain": list(reversed(directory.unit_chain(found.unit_id))),
    })


@monitoring
def complaint(request: HttpRequest, ref: str) -> HttpResponse:
    view = complaint_or_404(ref, Actor(Role.DESK, user_id=request.user.pk))
    return render(request, "monitoring/complaint.html",
                  complaint_page(view, "monitoring:attachment"))


@monitoring
def attachment(request: HttpRequest, ref: str, attachment_id: int):
    return original_file(stored_attachment(ref, attachment_id,
                                           Actor(Role.DESK, user_id=request.user.pk)))
