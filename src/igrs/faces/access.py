"""Who may open a staff page: one decorator for every role-gated screen."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from igrs.core.accounts import roles_of


def staff(role: str) -> Callable:
    """Signed-in users holding `role` (supervisors also hold "agent"); never cached."""
    def decorate(view):
        @wraps(view)
        @never_cache
        def checked(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role not in roles_of(request.user):
                raise PermissionDenied(_("Your role may not use this page."))
            return view(request, *args, **kwargs)
        return checked
    return decorate
