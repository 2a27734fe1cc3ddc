from django.http import HttpRequest

from igrs.core.accounts import roles_of
from igrs.core.roles import Role


def staff(request: HttpRequest) -> dict:
    """Whether the signed-in user sees the supervisor's screens in the console's menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"is_supervisor": Role.SUPERVISOR in roles_of(user)}
