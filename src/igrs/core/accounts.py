"""Accounts and API tokens: which roles a user may act in, and bearer-token lookup."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .cache import memoize
from .models import ApiToken
from .roles import GROUP_ROLES, Role
from .text import ascii_digits


def roles_of(user) -> set[str]:
    """The user's roles, read once per user object: a request asks several times (the page's
    access check, the navigation), and the user object lives for one request."""
    if "_igrs_roles" not in user.__dict__:
        roles = set(user.groups.filter(name__in=GROUP_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            roles.add(Role.ADMIN)
        if hasattr(user, "officer"):
            roles.add(Role.OFFICER)
        user.__dict__["_igrs_roles"] = frozenset(roles)
    return set(user.__dict__["_igrs_roles"])


def grant_role(user, role: str) -> None:
    if role in GROUP_ROLES:
        user.groups.add(Group.objects.get_or_create(name=role)[0])


def create_token(user, role: str, name: str = "") -> str:
    """Issue a token for one of the user's roles; returns the key, shown once."""
    if role not in roles_of(user):
        label = Role(role).label if role in Role.values else role
        raise ValueError(
            _("%(user)s does not hold the role “%(role)s”.") % {"user": user, "role": label}
        )
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, role=role, name=name, key_hash=_hash(key))
    return key


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_identity(key: str) -> tuple[int, str, int | None] | None:
    """(user id, role, officer id) for a live token whose user still holds its role, or None."""
    return _identity_by_hash(_hash(key))


@memoize
def _identity_by_hash(key_hash: str) -> tuple[int, str, int | None] | None:
    # Memoized per process like master data (by hash: the memo never holds a key), so a
    # revoked token or a withdrawn role stops working everywhere within the cache period.
    token = (
        ApiToken.objects.select_related("user", "user__officer")
        .filter(key_hash=key_hash, revoked=False, user__is_active=True)
        .first()
    )
    if token is None or token.role not in roles_of(token.user):
        return None
    officer = getattr(token.user, "officer", None)
    return token.user_id, token.role, officer.pk if officer else None


def get_or_create_user(username: str, password: str | None = None, **fields):
    user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
    if created and password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


# ---------------------------------------------------------------- second factor (TOTP)


def second_factor_required(user) -> bool:
    """Staff whose role needs a second factor (IGRS_TOTP_REQUIRED_ROLES), and anyone who has
    enrolled one of their own accord: once set up, it is always asked."""
    return bool(roles_of(user) & set(settings.IGRS_TOTP_REQUIRED_ROLES)) or has_totp(user)


def has_totp(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_to_enrol(user) -> TOTPDevice:
    """The authenticator key being set up for `user`: made once, shown until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def confirm_totp(user, token: str) -> TOTPDevice | None:
    """Confirm the key being set up with a code from it; the device, or None if the code is
    wrong (each wrong code slows the next try: django-otp's throttling)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(token)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one authenticator each
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device


def check_totp(user, token: str) -> TOTPDevice | None:
    """The user's confirmed device if `token` is its current code, else None."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not device.verify_token(_digits(token)):
        return None
    return device


def _digits(token: str) -> str:
    return ascii_digits(token or "").replace(" ", "").strip()
