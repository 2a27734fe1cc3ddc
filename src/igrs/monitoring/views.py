"""The monitoring dashboard: state → division → district → tehsil → post → complaint, each a
click. For the monitoring desk and administrators."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from igrs.core.accounts import roles_of
from igrs.core.faces import original_file, stored_attachment
from igrs.directory import selectors as directory
from igrs.directory.models import Post, Unit
from igrs.grievances import reference, selectors
from igrs.grievances.actors import Actor
from igrs.grievances.errors import NotFound
from igrs.grievances.models import Role
from igrs.portal import selectors as portal_selectors

from . import selectors as dashboard

VIEWERS = {"desk", "admin"}


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
    return render(request, "monitoring/unit.html", {"page": dashboard.unit_page(unit_id)})


@monitoring
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    found = Post.objects.filter(pk=post_id).first()
    if found is None:
        raise Http404(_("No such post."))
    return render(request, "monitoring/post.html", {
        "post": directory.get_post(post_id), "complaints": dashboard.post_complaints(post_id),
        "chain": list(reversed(directory.unit_chain(found.unit_id))),
    })


@monitoring
def complaint(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        view = selectors.get_complaint(ref, Actor(Role.DESK, user_id=request.user.pk))
    except NotFound as error:
        raise Http404(error.message) from None
    return render(request, "monitoring/complaint.html", {
        "view": view, "complaint": view.complaint,
        "grouped": reference.grouped(view.complaint.reference),
        "action_taken": portal_selectors.last_action_taken(view),
        "timeline": view.events, "attachment_view": "monitoring:attachment",
    })


@monitoring
def attachment(request: HttpRequest, ref: str, attachment_id: int):
    return original_file(stored_attachment(ref, attachment_id,
                                           Actor(Role.DESK, user_id=request.user.pk)))
