from django.http import HttpRequest

from igrs.core.accounts import roles_of


def staff(request: HttpRequest) -> dict:
    """The signed-in user's roles, for the menus: a link is shown only to whom may use it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_roles": roles_of(user)}
