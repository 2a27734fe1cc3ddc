"""The second sign-in step for staff: a TOTP code from an authenticator app, or setting one
up the first time (its key shown as a QR code drawn here and as text: no outside service)."""

import base64

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from igrs.core.accounts import check_totp, confirm_totp, has_totp, totp_to_enrol


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        error_messages={"required": _("This field is required.")},
    )


@never_cache
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    enrolled = has_totp(request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        device = (check_totp if enrolled else confirm_totp)(request.user, code)
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", _("The code is wrong or has expired. Try the current one."))
    context = {"form": form, "enrolled": enrolled, "next": _next(request)}
    if not enrolled:
        device = totp_to_enrol(request.user)
        context["secret"] = base64.b32encode(device.bin_key).decode()
        context["qr"] = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    return render(request, "registration/second_factor.html", context)


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return "/staff/"
