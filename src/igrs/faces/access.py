"""Who may open a staff page: one decorator for every staff screen."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from igrs.core.accounts import roles_of


def staff(*roles: str, scope: Callable | None = None, refusal: str = "") -> Callable:
    """Signed-in users holding one of `roles` (supervisors also hold "agent"), or, for a page
    whose reach differs per person, those to whom `scope(user)` gives one (kept as
    request.scope). Anyone else signed in is refused with `refusal`; nobody's page is cached."""

    def allowed(request: HttpRequest) -> bool:
        if scope is not None:
            request.scope = scope(request.user)
            return request.scope is not None
        return bool(set(roles) & roles_of(request.user))

    def decorate(view):
        @wraps(view)
        @never_cache
        def checked(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request):
                raise PermissionDenied(refusal or _("Your role may not use this page."))
            return view(request, *args, **kwargs)

        return checked

    return decorate
