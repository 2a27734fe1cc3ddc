from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed

from .cache import clear, clear_when_saved
from .models import ApiToken

clear_when_saved(ApiToken, get_user_model())


def _roles_changed(instance=None, **_kwargs) -> None:
    clear()
    # A user object remembers its roles (accounts.roles_of): forget them when its groups
    # change. Changed from the group's side, the users' objects cannot be reached; each lives
    # for one request.
    if isinstance(instance, get_user_model()):
        instance.__dict__.pop("_igrs_roles", None)


# Group membership is a role: a withdrawn role ends the user's tokens in this process at once.
m2m_changed.connect(
    _roles_changed,
    sender=get_user_model().groups.through,
    weak=False,
    dispatch_uid="memo-user-groups",
)
