"""The agents' and supervisors' consoles. Each view parses the form, calls one service or
selector, and renders."""

import uuid

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from igrs.core import clock
from igrs.core.errors import ServiceError
from igrs.core.roles import Role
from igrs.faces.access import staff
from igrs.faces.complaints import (
    complaint_or_404,
    complaint_page,
    original_file,
    stored_attachment,
)
from igrs.faces.confirmations import confirm, what_next
from igrs.faces.errors import add_service_errors
from igrs.faces.pickers import choices_for
from igrs.faces.similar import similar_to_offer
from igrs.grievances import reference, selectors, services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Source
from igrs.intelligence.views import record_suggestion_choice
from igrs.privacy.models import Face
from igrs.privacy.services import record_views

from . import selectors as callcentre
from . import services as callcentre_services
from .forms import AgentComplaintForm, AuditForm, NoteForm, VerificationForm

CHART_HEIGHT = 140  # pixels of the tallest bar in the supervisor's chart
CHART_SLOT = 24  # pixels per hour on it: two bars side by side and a gap


def _agent(request: HttpRequest) -> Actor:
    return Actor(Role.AGENT, user_id=request.user.pk)


# ---------------------------------------------------------------- inbound


@staff(Role.AGENT)
@require_http_methods(["GET", "POST"])
def inbound(request: HttpRequest) -> HttpResponse:
    call = callcentre.current_call(request.user.pk)
    offered: list = []
    if request.method == "POST":
        form = AgentComplaintForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            new = form.new_complaint(
                source=Source.HELPLINE,
                mobile=data["mobile"],
                language="hi",
                call_id=data["call_id"],
            )
            offered = similar_to_offer(request.POST, new, data["submission_key"])
            if not offered:  # else shown below the form: the agent asks the caller
                try:
                    return _file_or_link(request, new, data)
                except ServiceError as error:
                    # The call id is a hidden field: its error goes on top of the form.
                    add_service_errors(form, error, renamed={"call_id": NON_FIELD_ERRORS})
    else:
        form = AgentComplaintForm(
            initial={
                "submission_key": uuid.uuid4(),
                "call_id": call.call_id if call else "",
                "mobile": call.mobile[-10:] if call and call.mobile else "",
            }
        )
    filed = reference.normalise(request.GET.get("filed", ""))
    live = _live_context(call, _live_version(call))
    _log_history(request, live["history"])
    return render(
        request,
        "callcentre/inbound.html",
        {
            "form": form,
            **choices_for(form),
            **live,
            "filed": filed if reference.is_valid(filed) else "",
            "linked": bool(request.GET.get("linked")),
            "similar_found": offered,
            "filed_next": _filed_next(filed, request),
            "filed_grouped": reference.grouped(filed),
            "check_digit": filed[-1:],
        },
    )


def _file_or_link(request: HttpRequest, new: services.NewComplaint, data: dict) -> HttpResponse:
    """File the complaint, or join the open one the caller chose ("link_to") instead."""
    if link_to := request.POST.get("link_to"):
        joined = services.link_instead(
            _agent(request),
            link_to,
            complainant_name=new.complainant_name,
            mobile=new.mobile,
            source=Source.HELPLINE,
        )
        return redirect(f"{request.path}?filed={joined.reference}&linked=1")
    complaint, _created = callcentre_services.register(
        _agent(request), new, data["submission_key"], other_number=data["other_number"]
    )
    record_suggestion_choice(request, complaint)
    return redirect(f"{request.path}?filed={complaint.reference}")


def _filed_next(ref: str, request: HttpRequest) -> str:
    """Where the complaint just filed went, to tell the caller (who has it, by when)."""
    if not reference.is_valid(ref):
        return ""
    try:
        return what_next(selectors.visible_complaint(ref, _agent(request)))
    except ServiceError:
        return ""


@staff(Role.AGENT)
@require_safe
def live(request: HttpRequest) -> HttpResponse:
    """The current call and the caller's history, polled by every agent's console every two
    seconds (250 polls a second at 500 seats): when nothing changed since the console's last
    copy, the answer is an empty 304, without reading the history or rendering."""
    call = callcentre.current_call(request.user.pk)
    version = _live_version(call)
    unchanged = get_conditional_response(request, etag=version)  # weak tags, lists: per RFC
    if unchanged is not None:
        return unchanged
    context = _live_context(call, version)
    _log_history(request, context["history"])
    response = render(request, "callcentre/_live.html", context)
    response["ETag"] = version
    return response


def _log_history(request: HttpRequest, history) -> None:
    """The caller's earlier complaints on the console are a view of their data: one INSERT,
    only when the console gets a fresh copy (never on a 304)."""
    record_views(_agent(request), [row.complaint.pk for row in history], Face.CALL_CENTRE)


def _live_version(call) -> str:
    """What the console shows changes with the call, its ending, and (the holders and
    statuses in the history) at most each minute."""
    minute = int(clock.now().timestamp()) // 60
    state = f"{call.pk}-{int(call.ended_at is not None)}" if call else "none"
    return f'"{state}-{minute}"'


def _live_context(call, version: str) -> dict:
    return {
        "call": call,
        "history": callcentre.caller_history(call.mobile if call else ""),
        "live_version": version,
    }


@staff(Role.AGENT)
@require_safe
def complaint(request: HttpRequest, ref: str) -> HttpResponse:
    return _complaint_page(request, ref)


def _complaint_page(
    request: HttpRequest,
    ref: str,
    note_form: NoteForm | None = None,
    message: str = "",
    status: int = 200,
) -> HttpResponse:
    viewer = _agent(request)
    view = complaint_or_404(ref, viewer, Face.CALL_CENTRE)
    return render(
        request,
        "callcentre/complaint.html",
        {
            **complaint_page(view, "callcentre:attachment", viewer),
            "note_form": note_form or NoteForm(),
            "message": message,
        },
        status=status,
    )


@staff(Role.AGENT)
@require_POST
def add_note(request: HttpRequest, ref: str) -> HttpResponse:
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            complaint = services.add_note(_agent(request), ref, note=form.cleaned_data["note"])
        except ServiceError as error:
            add_service_errors(form, error, general_field="note")
        else:
            confirm(request, _("The note is on the timeline."), complaint)
            return redirect("callcentre:complaint", ref=ref)
    return _complaint_page(request, ref, note_form=form, status=422)


@staff(Role.AGENT)
@require_POST
def remind(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        complaint = services.remind(_agent(request), ref)
    except ServiceError as error:
        return _complaint_page(request, ref, message=error.message, status=422)
    confirm(request, _("The reminder has been sent to the officer by SMS."), complaint)
    return redirect("callcentre:complaint", ref=ref)


@staff(Role.AGENT)
@require_safe
def attachment(request: HttpRequest, ref: str, attachment_id: int) -> FileResponse:
    return original_file(stored_attachment(ref, attachment_id, _agent(request)))


# ---------------------------------------------------------------- outbound verification


@staff(Role.AGENT)
@require_safe
def outbound(request: HttpRequest) -> HttpResponse:
    held = selectors.held_verification(request.user.pk, clock.now())
    return _outbound_page(request, held)


def _outbound_page(
    request: HttpRequest, held, form: VerificationForm | None = None, status: int = 200
) -> HttpResponse:
    if held is not None:
        record_views(_agent(request), [held.pk], Face.CALL_CENTRE)
    return render(
        request,
        "callcentre/outbound.html",
        {
            "complaint": held,
            "grouped": reference.grouped(held.reference) if held else "",
            "action_taken": selectors.latest_action_taken(held) if held else None,
            "attachment_view": "callcentre:attachment",
            "form": form or (VerificationForm(initial={"version": held.version}) if held else None),
            "queue": callcentre.verification_backlog(),
        },
        status=status,
    )


@staff(Role.AGENT)
@require_POST
def next_call(request: HttpRequest) -> HttpResponse:
    services.claim_next_verification(_agent(request))
    return redirect("callcentre:outbound")


@staff(Role.AGENT)
@require_POST
def verification_outcome(request: HttpRequest, ref: str) -> HttpResponse:
    held = selectors.held_verification(request.user.pk, clock.now())
    if held is None or held.reference != ref:
        return redirect("callcentre:outbound")  # the hold ran out: take the next call afresh
    form = VerificationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = callcentre_services.record_verification_call(
                _agent(request),
                ref,
                outcome=data["outcome"],
                note=data["note"],
                no_answer=data["no_answer"] or "not_reachable",
                call_back_at=data["call_back_at"],
                version=data["version"],
            )
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            confirm(request, _("The outcome of the call is recorded."), complaint)
            return redirect("callcentre:outbound")
    return _outbound_page(request, held, form, status=422)


# ---------------------------------------------------------------- supervisor


@staff(Role.SUPERVISOR)
@require_safe
def supervisor(request: HttpRequest) -> HttpResponse:
    today = callcentre.today_counts()
    # Both series share one scale, so the tallest bar of either fills the chart.
    peak = max([h.calls for h in today.hours] + [h.registered for h in today.hours] + [1])

    def bar(n: int) -> dict:
        height = max(1, round(CHART_HEIGHT * n / peak)) if n else 0  # 1 of 900 still shows
        return {"n": n, "y": CHART_HEIGHT - height, "height": height}

    bars = [
        {
            "hour": h.hour,
            "x": h.hour * CHART_SLOT,
            "calls": bar(h.calls),
            "registered": bar(h.registered),
        }
        for h in today.hours
    ]
    return render(
        request,
        "callcentre/supervisor.html",
        {
            "today": today,
            "peak": peak,
            "bars": bars,
            "plot": {"width": 24 * CHART_SLOT, "height": CHART_HEIGHT},
        },
    )


@staff(Role.SUPERVISOR)
@require_safe
def audit(request: HttpRequest) -> HttpResponse:
    return _audit_page(request, callcentre.held_audit(request.user.pk))


def _audit_page(
    request: HttpRequest, held, form: AuditForm | None = None, status: int = 200
) -> HttpResponse:
    if held is not None:
        record_views(_agent(request), [held.complaint_id], Face.CALL_CENTRE)
    return render(
        request,
        "callcentre/audit.html",
        {
            "audit": held,
            "complaint": held.complaint if held else None,
            "action_taken": selectors.latest_action_taken(held.complaint) if held else None,
            "attachment_view": "callcentre:attachment",
            "form": form or AuditForm(),
            "open": callcentre.open_audits(),
        },
        status=status,
    )


@staff(Role.SUPERVISOR)
@require_POST
def next_audit(request: HttpRequest) -> HttpResponse:
    callcentre_services.claim_next_audit(_agent(request))
    return redirect("callcentre:audit")


@staff(Role.SUPERVISOR)
@require_POST
def audit_outcome(request: HttpRequest, audit_id: int) -> HttpResponse:
    held = callcentre.held_audit(request.user.pk)
    if held is None or held.pk != audit_id:
        return redirect("callcentre:audit")
    form = AuditForm(request.POST)
    if form.is_valid():
        try:
            callcentre_services.record_audit(_agent(request), audit_id, **form.cleaned_data)
        except ServiceError as error:
            add_service_errors(form, error)
        else:
            return redirect("callcentre:audit")
    return _audit_page(request, held, form, status=422)
