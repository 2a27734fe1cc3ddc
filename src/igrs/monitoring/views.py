"""The monitoring dashboard: state → division → district → tehsil → post → complaint, each a
click. For the monitoring desk and administrators; a DM sees their district, a department's
head their department (see scopes)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from igrs.core import clock
from igrs.core.replica import reads_from_replica
from igrs.core.roles import Role
from igrs.directory import selectors as directory
from igrs.directory.models import Department, Post, Unit, UnitKind
from igrs.faces.access import staff
from igrs.faces.complaints import complaint_or_404, complaint_page, original_file, stored_attachment
from igrs.grievances import similar
from igrs.grievances.actors import Actor
from igrs.privacy.models import Face

from . import exports, labels, reports
from . import selectors as dashboard
from .models import LOSES_MARKS
from .scopes import scope_of

REFUSAL = gettext_lazy("The dashboard is for the monitoring desk.")
CHART_WIDTH = 300  # SVG units of the longest bar
BAR_PITCH = 36  # a place's row in the bar chart: its name above its bars, so names fit a phone
DEFAULTERS_SHOWN = 100  # the page lists the worst posts; the CSV has every one


def monitoring(view):
    """Pages of the dashboard: read-only (from the replica where one is set up), each
    person's own reach (request.scope)."""
    return staff(scope=scope_of, refusal=REFUSAL)(require_safe(reads_from_replica(view)))


@monitoring
def home(request: HttpRequest) -> HttpResponse:
    return redirect(
        "monitoring:unit", unit_id=request.scope.district_id or dashboard.state_unit_id()
    )


@monitoring
def unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    if not Unit.objects.filter(pk=unit_id).exists() or not request.scope.covers_unit(unit_id):
        raise Http404(_("No such place."))
    page = dashboard.unit_page(unit_id, request.scope.department_id)
    page.chain = [u for u in page.chain if request.scope.covers_unit(u.pk)]
    if kind := exports.wanted(request):
        return exports.table(
            kind,
            f"pendency-{page.unit.code}",
            exports.Heading(
                _("Pending and overdue by place and post"),
                [exports.place(page.unit), exports.department(request.scope.department_id)],
            ),
            [_("Place or post"), _("Pending"), _("Overdue")],
            [
                [r.unit.name if r.unit else r.post.title, r.pending, r.overdue]
                for r in [*page.children, *page.posts]
            ],
        )
    peak = max([r.pending for r in page.children] + [1])
    bars = [
        {
            "row": r,
            "y": BAR_PITCH * i,
            "pending": round(CHART_WIDTH * r.pending / peak),
            "overdue": round(CHART_WIDTH * r.overdue / peak),
        }
        for i, r in enumerate(page.children)
    ]
    return render(
        request,
        "monitoring/unit.html",
        {
            "flow": _flow_chart(page.flow),
            "page": page,
            "report": (page.unit.kind == UnitKind.DISTRICT and request.scope.sees_district_reports),
            "bars": bars,
            "chart_height": BAR_PITCH * len(bars) + 4,
        },
    )


# The line chart's plot area in SVG units: left, top, width, height.
FLOW_PLOT = (60, 20, 490, 150)


def _flow_chart(flow: list[dashboard.FlowDay]) -> dict:
    """Points of the received and disposed lines, scaled to the busiest day."""
    left, top, width, height = FLOW_PLOT
    peak = max([d.received for d in flow] + [d.disposed for d in flow] + [1])
    step = width / max(len(flow) - 1, 1)

    def points(metric: str) -> str:
        return " ".join(
            f"{left + i * step:.1f},{top + height * (1 - getattr(d, metric) / peak):.1f}"
            for i, d in enumerate(flow)
        )

    return {
        "received": points("received"),
        "disposed": points("disposed"),
        "peak": peak,
        "left": left,
        "right": left + width,
        "top": top,
        "bottom": top + height,
        "first": flow[0].day,
        "last": flow[-1].day,
    }


@monitoring
def defaulter_list(request: HttpRequest) -> HttpResponse:
    since = clock.local_date(clock.now()).replace(day=1)
    rows = dashboard.defaulters(since, keep=request.scope.place_filter)
    days = dashboard.defaulter_days(since, keep=request.scope.place_filter)
    if kind := exports.wanted(request):
        filters = [
            exports.place(_scope_place(request)),
            exports.month(since),
            exports.department(request.scope.department_id),
        ]
        if request.GET.get("table") == "days":
            return exports.table(
                kind,
                "defaulter-days",
                exports.Heading(_("Defaulter days by officer"), filters),
                [_("Officer"), _("Deadlines missed"), _("Days past due")],
                [[r.officer.name, r.deadlines, r.days] for r in days],
            )
        return exports.table(
            kind,
            "defaulters",
            exports.Heading(_("Defaulters"), filters),
            [_("Post"), _("Officer then"), _("Deadlines missed")],
            [[r.post.title, r.officer_name, r.defaults] for r in rows],
        )
    return render(
        request,
        "monitoring/defaulters.html",
        {"rows": rows[:DEFAULTERS_SHOWN], "total": len(rows), "days": days, "since": since},
    )


@monitoring
def quality(request: HttpRequest) -> HttpResponse:
    since = clock.local_date(clock.now()).replace(day=1)
    scope = request.scope
    return render(
        request,
        "monitoring/quality.html",
        {
            "rows": [
                r
                for r in dashboard.quality(since, department_id=scope.department_id)
                if scope.covers_unit(r.district.pk)
            ],
            "since": since,
            "officer_flags": dashboard.flags_by_officer(since, keep=scope.covers_post),
            "stuck": dashboard.where_stuck(keep=scope.place_filter),
        },
    )


@monitoring
def clusters(request: HttpRequest) -> HttpResponse:
    """Mass grievances: clusters of the same problem at the same place, the largest first."""
    scope = request.scope
    rows = [r for r in similar.open_clusters() if scope.covers_complaint(r.lead)]
    return render(request, "monitoring/clusters.html", {"rows": rows})


@monitoring
def ranking(request: HttpRequest) -> HttpResponse:
    level, month = _level(request), _month(request)
    district = _ranked_district(request) if level in ("tehsil", "thana") else None
    rows = dashboard.ranking(level, month, district.pk if district else None)
    current = dashboard.formula()
    parameters = labels.in_order(current.weights)
    if kind := exports.wanted(request):
        within = f"-{district.code}" if district else ""
        return exports.table(
            kind,
            f"ranking-{level}{within}-{month:%Y-%m}",
            exports.Heading(
                _("Ranking"),
                [
                    exports.level(labels.level_name(level)),
                    exports.place(district or _scope_place(request)),
                    exports.month(month),
                ],
            ),
            [
                _("Rank"),
                _("Name"),
                _("Marks"),
                *[f"{labels.parameter_name(name)} ({weight})" for name, weight in parameters],
            ],
            [[r.rank, r.name, r.total, *[r.marks[name] for name, _w in parameters]] for r in rows],
        )
    return render(
        request,
        "monitoring/ranking.html",
        {
            "rows": rows,
            "level": level,
            "month": month,
            "formula": current,
            "district": district,
            "districts": ([] if request.scope.district_id else dashboard.districts()),
            "open_keys": {r.key for r in rows if request.scope.covers_ranked(level, r.key)},
            "reports": level == "district" and request.scope.sees_district_reports,
            "parameters": parameters,
        },
    )


@monitoring
def district_report(request: HttpRequest, district_id: int) -> HttpResponse:
    """A district's month as PDF, in the page's language."""
    if not Unit.objects.filter(pk=district_id, kind=UnitKind.DISTRICT).exists():
        raise Http404(_("No such place."))
    if not (request.scope.sees_district_reports and request.scope.covers_unit(district_id)):
        raise PermissionDenied(_("This report is for the district's own officers."))
    report = dashboard.district_month(district_id, _month(request))
    response = HttpResponse(reports.district_month_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="report-{report.district.code}-{report.month:%Y-%m}.pdf"'
    )
    return response


@monitoring
def lost_marks(request: HttpRequest) -> HttpResponse:
    level, month = _level(request), _month(request)
    parameter = request.GET.get("parameter", "")
    try:
        key = int(request.GET.get("key", ""))
    except ValueError:
        raise Http404(_("No such place.")) from None
    if parameter not in LOSES_MARKS:
        raise Http404(_("No such parameter."))
    exists = (
        Department.objects.filter(pk=key)
        if level == "department"
        else Unit.objects.filter(pk=key, kind=level)
    )
    if not exists.exists():
        raise Http404(_("No such place."))
    if not request.scope.covers_ranked(level, key):
        raise PermissionDenied(_("You may see the complaints of your own charge only."))
    # A complaint made against the viewer (or moved out of their charge since) stays out of
    # the list, as it stays out of reach.
    events = [
        e
        for e in dashboard.lost_marks(level, key, parameter, month)
        if request.scope.covers_complaint(e.complaint)
    ]
    return render(
        request,
        "monitoring/lost_marks.html",
        {
            "events": events,
            "month": month,
            "parameter": parameter,
        },
    )


def _scope_place(request: HttpRequest) -> Unit:
    """The place a viewer's exports cover: their district, or the state."""
    return directory.get_unit(request.scope.district_id or dashboard.state_unit_id())


def _level(request: HttpRequest) -> str:
    asked = request.GET.get("level")
    return asked if asked in dashboard.RANKED_LEVELS else "district"


def _ranked_district(request: HttpRequest) -> Unit:
    """The district whose tehsils or thanas are ranked: a DM's own; else the one asked for,
    or the first by name."""
    choices = dashboard.districts()
    wanted = request.scope.district_id or request.GET.get("district", "")
    return next((d for d in choices if str(d.pk) == str(wanted)), choices[0])


def _month(request: HttpRequest):
    """The month asked for as YYYY-MM, else this month."""
    this_month = clock.local_date(clock.now()).replace(day=1)
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        if not 2000 <= year <= 2200:
            raise ValueError(year)
        return this_month.replace(year=year, month=month)
    except ValueError:
        return this_month


@monitoring
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    try:
        found = directory.get_post(post_id)
    except Post.DoesNotExist:
        raise Http404(_("No such post.")) from None
    if not request.scope.covers_post(found):
        raise Http404(_("No such post."))
    # A complaint the desk moved here from another district, or one against the viewer,
    # stays out of the list as it stays out of reach.
    complaints = [
        c for c in dashboard.post_complaints(post_id) if request.scope.covers_complaint(c)
    ]
    return render(
        request,
        "monitoring/post.html",
        {
            "post": found,
            "complaints": complaints,
            "chain": [
                u
                for u in reversed(directory.unit_chain(found.unit_id))
                if request.scope.covers_unit(u.pk)
            ],
        },
    )


@monitoring
def complaint(request: HttpRequest, ref: str) -> HttpResponse:
    return render(
        request,
        "monitoring/complaint.html",
        complaint_page(
            _complaint_in_scope(request, ref), "monitoring:attachment", _viewer(request)
        ),
    )


@monitoring
def attachment(request: HttpRequest, ref: str, attachment_id: int):
    _complaint_in_scope(request, ref)
    return original_file(
        stored_attachment(ref, attachment_id, Actor(Role.DESK, user_id=request.user.pk))
    )


def _viewer(request: HttpRequest) -> Actor:
    """The dashboard reads as the desk does (its scope narrows it); the log names the
    officer, if the viewer is one."""
    return Actor(Role.DESK, user_id=request.user.pk, officer_id=request.scope.officer_id)


def _complaint_in_scope(request: HttpRequest, ref: str):
    """The complaint as the desk sees it; the same 404 as for a number never issued when it
    lies outside the viewer's district or department."""
    view = complaint_or_404(ref, _viewer(request), Face.MONITORING)
    if not request.scope.covers_complaint(view.complaint):
        raise Http404(
            _("No complaint you can see has the reference number %(ref)s; please check the digits.")
            % {"ref": ref}
        )
    return view
