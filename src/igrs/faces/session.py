"""What a browser session has proved: a mobile number verified by OTP, and the complaints it
found by reference and mobile. Both lapse after IGRS_CITIZEN_SESSION_MINUTES without use, so a
shared phone or a cyber café does not keep them open."""

import datetime as dt
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from igrs.core import clock

VERIFIED = "citizen_mobile"
VERIFIED_UNTIL = "citizen_mobile_until"
PENDING = "otp_mobile"
PENDING_CODE = "otp_code"  # which code this browser asked for: only it is tried
TRACKED = "tracked"
DRAFT = "complaint_draft"
MAX_TRACKED = 20


def _until() -> str:
    return (clock.now() + dt.timedelta(minutes=settings.IGRS_CITIZEN_SESSION_MINUTES)).isoformat()


def _alive(until: str | None) -> bool:
    return until is not None and dt.datetime.fromisoformat(until) > clock.now()


def verified_mobile(request: HttpRequest) -> str | None:
    """The OTP-verified mobile, if its time has not run out; each use extends it."""
    if not _alive(request.session.get(VERIFIED_UNTIL)):
        return None
    request.session[VERIFIED_UNTIL] = _until()
    return request.session.get(VERIFIED)


def sign_in(request: HttpRequest, mobile: str) -> None:
    # A new session key on proof of identity, so a planted session id gains nothing.
    request.session.cycle_key()
    request.session[VERIFIED] = mobile
    request.session[VERIFIED_UNTIL] = _until()
    request.session.pop(PENDING, None)
    request.session.pop(PENDING_CODE, None)


def sign_out(request: HttpRequest) -> None:
    request.session.flush()


def remember_tracked(request: HttpRequest, reference: str, mobile: str) -> None:
    request.session.cycle_key()
    tracked = {
        ref: entry
        for ref, entry in request.session.get(TRACKED, {}).items()
        if ref != reference and _alive(entry[1])
    }
    tracked[reference] = [mobile, _until()]
    request.session[TRACKED] = dict(list(tracked.items())[-MAX_TRACKED:])


def mobile_for(request: HttpRequest, reference: str) -> str | None:
    """The mobile this session may view the complaint as: the one it was found with (while
    that lasts), else the verified one."""
    entry = request.session.get(TRACKED, {}).get(reference)
    if entry and _alive(entry[1]):
        return entry[0]
    return verified_mobile(request)


def client_ip(request: HttpRequest) -> str:
    """The client's address for rate limits: behind IGRS_PROXY_HOPS proxies, read from
    X-Forwarded-For. An IPv6 client is counted by its /64, which one subscriber holds whole."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.IGRS_PROXY_HOPS
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= hops and forwarded[-hops]:
            address = forwarded[-hops]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
