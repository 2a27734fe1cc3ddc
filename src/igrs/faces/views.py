from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from igrs.core.accounts import roles_of
from igrs.core.roles import Role


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """After sign-in, each role lands on its own screen."""
    roles = roles_of(request.user)
    if Role.OFFICER in roles:
        return redirect("officers:inbox")
    if Role.AGENT in roles:
        return redirect("callcentre:inbound")
    if Role.DESK in roles:
        return redirect("monitoring:home")
    return redirect("admin:index")
