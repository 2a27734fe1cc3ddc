"""The personal-data pages: the desk's correction and erasure of a complainant's data, and a
citizen's download of everything held about their OTP-verified mobile."""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from igrs.core.accounts import roles_of
from igrs.core.errors import InvalidReference, NotFound, ServiceError
from igrs.core.roles import Role
from igrs.core.text import mask_mobile
from igrs.faces import session
from igrs.faces.access import staff
from igrs.faces.errors import add_service_errors
from igrs.grievances import selectors as grievance_selectors
from igrs.grievances import services as grievances
from igrs.grievances.actors import Actor

from . import report, selectors, services
from .forms import CorrectionForm, ErasureForm, ViewLogForm
from .models import Face

CORRECTED = ("complainant_name", "mobile", "address", "email")


@staff(Role.DESK, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def staff_page(request: HttpRequest, ref: str) -> HttpResponse:
    role = Role.ADMIN if Role.ADMIN in roles_of(request.user) else Role.DESK
    actor = Actor(role, user_id=request.user.pk)
    try:
        complaint = grievance_selectors.visible_complaint(ref, actor)
    except (NotFound, InvalidReference) as error:
        raise Http404(error.message) from None
    services.record_views(actor, [complaint.pk], Face.PRIVACY)
    initial = {f: getattr(complaint, f) for f in CORRECTED} | {"version": complaint.version}
    correction = CorrectionForm(initial=initial)
    erasure = ErasureForm(initial={"version": complaint.version})
    action = request.POST.get("action")
    if request.method == "POST":
        form = CorrectionForm(request.POST) if action == "correct" else ErasureForm(request.POST)
        if form.is_valid():
            try:
                _act(actor, complaint.reference, action, form.cleaned_data)
            except ServiceError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Done: the step is on the complaint's history."))
                return redirect("privacy:staff", ref=complaint.reference)
        correction, erasure = (form, erasure) if action == "correct" else (correction, form)
    return render(
        request,
        "privacy/staff.html",
        {"complaint": complaint, "correction": correction, "erasure": erasure},
        status=422 if request.method == "POST" else 200,
    )


def _act(actor: Actor, ref: str, action: str | None, data: dict) -> None:
    if action == "correct":
        grievances.correct_personal_data(
            actor,
            ref,
            reason=data["reason"],
            version=data["version"],
            **{f: data[f] for f in CORRECTED},
        )
    else:
        services.erase_on_request(actor, ref, reason=data["reason"], version=data["version"])


@staff(Role.SUPERVISOR, Role.ADMIN)
@require_safe
def view_log(request: HttpRequest) -> HttpResponse:
    """Who of the staff looked at which complainant's personal data, where and when."""
    form = ViewLogForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    search = selectors.ViewSearch(
        reference=data.get("ref", ""),
        username=data.get("user", ""),
        since=data.get("since"),
        until=data.get("until"),
        face=data.get("face", ""),
        revealed_only=data.get("revealed", False),
    )
    return render(
        request,
        "privacy/view_log.html",
        {"form": form, "rows": selectors.views_of_personal_data(search) if form.is_valid() else []},
    )


@never_cache
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    mobile = session.verified_mobile(request)
    if mobile is None:
        query = urlencode({"next": reverse("privacy:mine")}, safe="/")
        return redirect(f"{reverse('portal:verify_mobile')}?{query}")
    return render(request, "privacy/mine.html", {"masked_mobile": mask_mobile(mobile)})


@never_cache
@require_safe
def download(request: HttpRequest, fmt: str) -> HttpResponse:
    mobile = session.verified_mobile(request)
    if mobile is None or fmt not in ("json", "pdf"):
        raise Http404(_("Verify your mobile number first."))
    held = selectors.everything_about(mobile)
    if fmt == "json":
        body = json.dumps(held, ensure_ascii=False, indent=2).encode()
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(report.everything_pdf(held), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="igrs-my-data.{fmt}"'
    return response
