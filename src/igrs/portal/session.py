"""What a browser session has proved: a mobile number verified by OTP (for a while), and the
complaints it has found by reference and mobile."""

import datetime as dt

from django.conf import settings
from django.http import HttpRequest

from igrs.core import clock

VERIFIED = "citizen_mobile"
VERIFIED_UNTIL = "citizen_mobile_until"
PENDING = "otp_mobile"
TRACKED = "tracked"
MAX_TRACKED = 20


def verified_mobile(request: HttpRequest) -> str | None:
    until = request.session.get(VERIFIED_UNTIL)
    if until is None or dt.datetime.fromisoformat(until) <= clock.now():
        return None
    return request.session.get(VERIFIED)


def sign_in(request: HttpRequest, mobile: str) -> None:
    # A new session key on proof of identity, so a planted session id gains nothing.
    request.session.cycle_key()
    until = clock.now() + dt.timedelta(minutes=settings.IGRS_CITIZEN_SESSION_MINUTES)
    request.session[VERIFIED] = mobile
    request.session[VERIFIED_UNTIL] = until.isoformat()
    request.session.pop(PENDING, None)


def sign_out(request: HttpRequest) -> None:
    request.session.flush()


def remember_tracked(request: HttpRequest, reference: str, mobile: str) -> None:
    tracked = {k: v for k, v in request.session.get(TRACKED, {}).items() if k != reference}
    tracked[reference] = mobile
    request.session[TRACKED] = dict(list(tracked.items())[-MAX_TRACKED:])


def mobile_for(request: HttpRequest, reference: str) -> str | None:
    """The mobile this session may view the complaint as: the one it was found with, else the
    verified one."""
    return request.session.get(TRACKED, {}).get(reference) or verified_mobile(request)


def client_ip(request: HttpRequest) -> str:
    hops = settings.IGRS_PROXY_HOPS
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
