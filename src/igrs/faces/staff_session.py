"""Staff sessions: they lapse after IGRS_STAFF_IDLE_MINUTES without a request (and when the
browser closes: SESSION_EXPIRE_AT_BROWSER_CLOSE), and a role that needs a second factor
reaches no page before its TOTP code is given. Also axes' hooks: the progressive cool-off
and the page a locked-out sign-in sees."""

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from igrs.core import clock
from igrs.core.accounts import second_factor_required

from .session import client_ip

SEEN = "staff_seen"  # when the session last made a request (epoch seconds)
NEEDS_OTP = "staff_needs_otp"  # worked out once per session
SEEN_GRANULARITY = 60  # seconds: the session is rewritten at most once a minute for this
# Reachable before the second factor: the steps themselves, signing out, the language switch
# (not the password change: whoever has only the password must not lock its owner out).
OPEN_BEFORE_OTP = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/second-factor/",
    "/i18n/",
    "/static/",
)
# Each lockout of the same login from the same address lasts this much longer than the last.
BASE_COOL_OFF = dt.timedelta(minutes=15)
LONGEST_COOL_OFF = dt.timedelta(hours=24)


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            if _idle_too_long(request):
                logout(request)
                return redirect_to_login(request.get_full_path())
            if _second_factor_missing(request):
                return _ask_second_factor(request)
        return self.get_response(request)


def _idle_too_long(request: HttpRequest) -> bool:
    now = clock.now().timestamp()
    seen = request.session.get(SEEN)
    if seen is not None and now - seen > settings.IGRS_STAFF_IDLE_MINUTES * 60:
        return True
    if seen is None or now - seen > SEEN_GRANULARITY:
        request.session[SEEN] = now
    return False


def _second_factor_missing(request: HttpRequest) -> bool:
    if request.user.is_verified() or request.path_info.startswith(OPEN_BEFORE_OTP):
        return False
    if NEEDS_OTP not in request.session:
        request.session[NEEDS_OTP] = second_factor_required(request.user)
    return request.session[NEEDS_OTP]


def _ask_second_factor(request: HttpRequest) -> HttpResponse:
    target = reverse("second_factor")
    return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


def cool_off(request: HttpRequest | None) -> dt.timedelta:
    """axes' cool-off for this login from this address: doubled with each lockout it has had
    (the failures go on counting through a lockout, and reset on a successful sign-in)."""
    failures = 0
    if request is not None and request.method == "POST":
        failures = sum(
            AccessAttempt.objects.filter(
                username=request.POST.get("username", ""), ip_address=client_ip(request)
            ).values_list("failures_since_start", flat=True)
        )
    lockouts = max(1, failures // settings.AXES_FAILURE_LIMIT)
    return min(BASE_COOL_OFF * 2 ** (lockouts - 1), LONGEST_COOL_OFF)


def locked_out(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """What a locked-out sign-in sees: in the visitor's language, with no hint whether the
    password was right, and what to do meanwhile."""
    return render(request, "registration/locked_out.html", status=429)
