"""The secret key, and the keys derived from it for one purpose each.

SMS links, OTP hashes and delivery-report callbacks each sign with a key of their own (Django's
salted HMAC, the purpose as salt), so a signature made for one can never pass as another. A key
is rotated by moving the old one to IGRS_SECRET_KEY_FALLBACKS: what it signed is still accepted
until the fallback is removed, while everything new is signed with the new key."""

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

# The key a local demo or a developer's checkout runs with when none is set. Never in production.
DEMO_KEY = "insecure-demo-key-set-IGRS_SECRET_KEY"
# Django's own deployment check asks for at least this many characters.
MIN_KEY_LENGTH = 50


def sign(purpose: str, message: str, secret: str | None = None) -> str:
    """The hex HMAC-SHA256 of `message` under the key derived for `purpose`."""
    return salted_hmac(
        f"igrs.{purpose}", message, secret=secret or settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def signed(purpose: str, message: str, signature: str, length: int | None = None) -> bool:
    """Whether `signature` (or its first `length` characters) was made for `message` with the
    current key or one of the fallbacks being rotated out."""
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        if constant_time_compare(sign(purpose, message, secret)[:length], signature):
            return True
    return False


def weak_key_problem(key: str) -> str | None:
    """Why `key` must not run a production server, or None if it may."""
    if not key:
        return _("IGRS_SECRET_KEY is not set.")
    if key == DEMO_KEY:
        return _("IGRS_SECRET_KEY is the demo key.")
    if len(key) < MIN_KEY_LENGTH:
        return _("IGRS_SECRET_KEY is shorter than %(n)d characters.") % {"n": MIN_KEY_LENGTH}
    return None


def production_key_problem() -> str | None:
    """With debug off, why the configured keys may not serve; None when they may."""
    if settings.DEBUG:
        return None
    problem = weak_key_problem(settings.SECRET_KEY)
    if problem is None and any(weak_key_problem(key) for key in settings.SECRET_KEY_FALLBACKS):
        problem = _("A key in IGRS_SECRET_KEY_FALLBACKS is the demo key or too short.")
    if problem is None:
        return None
    return (
        problem
        + " "
        + _(
            "Set a random one of at least %(n)d characters, e.g. the output of: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
        % {"n": MIN_KEY_LENGTH}
    )
