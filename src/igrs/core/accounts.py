"""Accounts and API tokens: which roles a user may act in, and bearer-token lookup."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from .cache import memoize
from .models import ROLE_CHOICES, ApiToken

ROLE_GROUPS = ("agent", "desk", "admin")


def roles_of(user) -> set[str]:
    roles = set(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
    if user.is_superuser:
        roles.add("admin")
    if hasattr(user, "officer"):
        roles.add("officer")
    return roles


def grant_role(user, role: str) -> None:
    if role in ROLE_GROUPS:
        user.groups.add(Group.objects.get_or_create(name=role)[0])


def create_token(user, role: str, name: str = "") -> str:
    """Issue a token for one of the user's roles; returns the key, shown once."""
    if role not in roles_of(user):
        raise ValueError(_("%(user)s does not hold the role “%(role)s”.")
                         % {"user": user, "role": dict(ROLE_CHOICES).get(role, role)})
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, role=role, name=name, key_hash=_hash(key))
    return key


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@memoize
def token_identity(key: str) -> tuple[int, str, int | None] | None:
    """(user id, role, officer id) for a live token, or None. Memoized per process like master
    data, so a revoked token stops working everywhere within IGRS_MASTER_CACHE_SECONDS."""
    token = (ApiToken.objects.select_related("user", "user__officer")
             .filter(key_hash=_hash(key), revoked=False, user__is_active=True).first())
    if token is None:
        return None
    officer = getattr(token.user, "officer", None)
    return token.user_id, token.role, officer.pk if officer else None


def get_or_create_user(username: str, password: str | None = None, **fields):
    user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
    if created and password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
