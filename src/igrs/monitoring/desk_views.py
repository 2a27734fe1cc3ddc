"""The monitoring desk's workplace: its queue (a district's desk, or the state's for every
district) and, per complaint, sending it to the post that must act, correcting its category
or place, or returning it to the complainant. Each view parses a form, calls one service or
selector, and renders."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from igrs.core.accounts import roles_of
from igrs.core.errors import ServiceError
from igrs.core.roles import Role
from igrs.directory import selectors as directory
from igrs.faces.access import staff
from igrs.faces.complaints import complaint_or_404, complaint_page
from igrs.faces.confirmations import confirm
from igrs.faces.errors import add_service_errors
from igrs.faces.pickers import place_groups, post_choices
from igrs.grievances import selectors, services
from igrs.grievances.actors import Actor
from igrs.privacy.models import Face
from igrs.privacy.services import record_views

from .forms import AssignForm, CorrectForm, DeskFilterForm, ReturnToCitizenForm

desk = staff(
    Role.DESK, Role.ADMIN, refusal=gettext_lazy("The desk's queue is for the monitoring desk.")
)


def _actor(request: HttpRequest) -> Actor:
    role = Role.DESK if Role.DESK in roles_of(request.user) else Role.ADMIN
    return Actor(role, user_id=request.user.pk)


def _reach(request: HttpRequest) -> frozenset[int] | None:
    """The districts this desk works; None for all (the state's desk, administrators)."""
    if Role.DESK not in roles_of(request.user):
        return None
    return directory.desk_reach(request.user.pk)


@desk
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    form = DeskFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    reach = _reach(request)
    rows = selectors.desk_rows(
        reach,
        district_id=data.get("district"),
        department_id=data.get("department"),
        reason=data.get("reason", ""),
        overdue_only=data.get("overdue", False),
        query=data.get("q", ""),
    )
    record_views(_actor(request), [row.complaint.pk for row in rows], Face.DESK)
    return render(
        request,
        "monitoring/desk.html",
        {
            "form": form,
            "rows": rows,
            "districts": directory.districts() if reach is None else [],
            "departments": [d for d, _c in directory.categories_by_department()],
            "chosen": data,
        },
    )


@desk
@require_safe
def complaint(request: HttpRequest, ref: str) -> HttpResponse:
    return _page(request, ref)


ACTIONS = {
    "assign": (AssignForm, "assign_form"),
    "correct": (CorrectForm, "correct_form"),
    "return": (ReturnToCitizenForm, "return_form"),
}


@desk
@require_POST
def act(request: HttpRequest, ref: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        return _page(request, ref, status=404)
    form_class, name = ACTIONS[action]
    form = form_class(request.POST, auto_id=f"{action}_%s")
    if form.is_valid():
        try:
            done, complaint = _do(request, ref, action, form.cleaned_data)
        except ServiceError as error:
            add_service_errors(form, error, renamed={"reason": "reason"})
        else:
            confirm(request, done, complaint)
            if action == "correct":
                return redirect("monitoring:desk_complaint", ref=complaint.reference)
            return redirect("monitoring:desk")
    return _page(request, ref, {name: form}, status=422)


def _do(request: HttpRequest, ref: str, action: str, data: dict):
    actor, version = _actor(request), data["version"]
    if action == "assign":
        complaint = services.forward(
            actor, ref, to_post_id=data["to_post_id"], note=data["note"], version=version
        )
        return _("Sent to the officer."), complaint
    if action == "correct":
        complaint = services.correct(
            actor,
            ref,
            category_id=data["category_id"],
            place_id=data["place_id"],
            note=data["note"],
            version=version,
        )
        return _("Corrected."), complaint
    complaint = services.return_to_citizen(actor, ref, reason=data["reason"], version=version)
    return _("Returned to the complainant, who has been told why by SMS."), complaint


def _page(request: HttpRequest, ref: str, forms: dict | None = None, status: int = 200):
    viewer = _actor(request)
    view = complaint_or_404(ref, viewer, Face.DESK)
    c = view.complaint
    district = directory.district_of(c.place_id)
    initial = {"version": c.version}
    return render(
        request,
        "monitoring/desk_complaint.html",
        {
            **complaint_page(view, "monitoring:attachment", viewer),
            "with_desk": c.status in selectors.DESK_STATUSES,
            "assign_form": AssignForm(initial=initial, auto_id="assign_%s"),
            "correct_form": CorrectForm(initial=initial, auto_id="correct_%s"),
            "return_form": ReturnToCitizenForm(initial=initial, auto_id="return_%s"),
            **(forms or {}),
            "posts": post_choices(district, c),
            "departments": directory.categories_by_department(),
            "place_groups": place_groups(district) if district else [],
        },
        status=status,
    )
