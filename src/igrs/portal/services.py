"""Writes of the citizen portal: proving a mobile number by one-time password, rate limits
shared by all app servers, and filing a complaint exactly once per form."""

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import replace

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import Invalid, LimitReached, NotFound
from igrs.core.models import RateHit
from igrs.core.ratelimit import hit
from igrs.core.roles import Role
from igrs.core.text import ascii_digits, normalise_mobile
from igrs.grievances import services as grievances
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint, Source, Status
from igrs.grievances.selectors import visible_complaint
from igrs.notifications.models import PLACEHOLDERS
from igrs.notifications.services import queue_sms, save_outbox

from .models import OneTimePassword

OTP_DIGITS = 6


# ---------------------------------------------------------------- rate limits


def prune(now: dt.datetime | None = None) -> int:
    """Forget rate-limit hits and one-time passwords older than a day (the worker calls this)."""
    before = (now or clock.now()) - dt.timedelta(days=1)
    hits, _ = RateHit.objects.filter(at__lt=before).delete()
    codes, _ = OneTimePassword.objects.filter(expires_at__lt=before).delete()
    return hits + codes


# ---------------------------------------------------------------- one-time passwords


def send_otp(raw_mobile: str, client_ip: str, language: str) -> str:
    """Send a fresh code to the mobile and return it normalised. Refuses a number that is not
    an Indian mobile (Invalid) and too many requests for it or from this address
    (LimitReached)."""
    mobile = normalise_mobile(raw_mobile)
    if mobile is None:
        raise Invalid(
            fields={
                "mobile": _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
            }
        )
    with transaction.atomic():
        if not hit("otp-mobile", mobile, settings.IGRS_OTP_PER_MOBILE_PER_HOUR):
            raise LimitReached(
                _(
                    "Too many codes were sent to this number in the last hour. "
                    "Please try again after an hour, or call 1076."
                )
            )
        if not hit("otp-ip", client_ip, settings.IGRS_OTP_PER_IP_PER_HOUR):
            raise LimitReached(
                _(
                    "Too many codes were requested from this connection in the "
                    "last hour. Please try again later, or call 1076."
                )
            )
        code = "".join(secrets.choice("0123456789") for _ in range(OTP_DIGITS))
        now = clock.now()
        minutes = settings.IGRS_OTP_VALID_MINUTES
        OneTimePassword.objects.create(
            mobile=mobile,
            code_hash=_code_hash(mobile, code),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        context = dict.fromkeys(PLACEHOLDERS, "") | {"otp": code, "minutes": minutes}
        save_outbox([queue_sms(mobile, "otp_citizen", language, context)])
    return mobile


def check_otp(mobile: str, code: str) -> None:
    """Accept the latest unexpired code for the mobile, once. Every entry counts against it
    before it is compared, so parallel guesses cannot outrun the limit; after
    IGRS_OTP_MAX_ATTEMPTS entries it is dead and a new one must be requested."""
    now = clock.now()
    latest = (
        OneTimePassword.objects.filter(mobile=mobile, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is None:
        raise Invalid(fields={"code": _("This code has expired. Ask for a new one.")})
    limit = settings.IGRS_OTP_MAX_ATTEMPTS
    taken = OneTimePassword.objects.filter(
        pk=latest.pk, used_at__isnull=True, attempts__lt=limit
    ).update(attempts=F("attempts") + 1)
    if not taken:
        raise LimitReached(_("Too many wrong codes. Ask for a new code."))
    typed = ascii_digits(code or "").strip()
    if hmac.compare_digest(latest.code_hash, _code_hash(mobile, typed)):
        # Conditional: two tabs submitting the same code cannot both use it.
        if OneTimePassword.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now):
            return
        raise Invalid(fields={"code": _("This code was already used. Ask for a new one.")})
    left = limit - OneTimePassword.objects.values_list("attempts", flat=True).get(pk=latest.pk)
    if left <= 0:
        raise LimitReached(_("Too many wrong codes. Ask for a new code."))
    raise Invalid(fields={"code": _("Wrong code. %(left)d tries left.") % {"left": left}})


def _code_hash(mobile: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- filing


def file_complaint(
    mobile: str, key: uuid.UUID, new: grievances.NewComplaint
) -> tuple[Complaint, bool]:
    """Register a complaint for the OTP-verified mobile, once per form (its key): filed on the
    portal, from that mobile, whatever the form said."""
    return grievances.register_once(
        Actor(Role.CITIZEN, mobile=mobile), key, replace(new, source=Source.PORTAL, mobile=mobile)
    )


# ---------------------------------------------------------------- tracking and feedback


def find_for_tracking(ref: str, raw_mobile: str, client_ip: str) -> Complaint:
    """The complaint with this reference filed from this mobile. Anything else — a wrong
    number, a mobile that does not match — gets the same NotFound, and counts against the
    address, so references cannot be tried out against numbers."""
    limit = settings.IGRS_TRACK_FAILURES_PER_IP_PER_HOUR
    mobile = normalise_mobile(raw_mobile) or ""
    with transaction.atomic():
        # The address's lock is held through the lookup: parallel guesses queue.
        if not hit("track-failed", client_ip, limit, count=False):
            raise LimitReached(
                _(
                    "Too many unsuccessful searches from this connection. Please "
                    "try again after an hour, or call 1076."
                )
            )
        try:
            return visible_complaint(ref, Actor(Role.CITIZEN, mobile=mobile))
        except NotFound:
            RateHit.objects.create(bucket="track-failed", key=client_ip, at=clock.now())
    raise NotFound(
        _("No complaint was found with this reference number and mobile number. Please check both.")
    )


def give_feedback(
    mobile: str, ref: str, *, satisfied: bool, reason: str, version: int | None = None
) -> Complaint:
    """The complainant's verdict online: on a disposed complaint it is the verification; on a
    closed one, 'not satisfied' re-opens it at the next level. Same rules as the call-back."""
    actor = Actor(Role.CITIZEN, mobile=mobile)
    complaint = visible_complaint(ref, actor)
    if complaint.status == Status.CLOSED:
        if satisfied:
            raise Invalid(_("This complaint is already closed."))
        return grievances.reopen(actor, ref, reason=reason, version=version)
    outcome = grievances.Outcome.SATISFIED if satisfied else grievances.Outcome.NOT_SATISFIED
    # The version the citizen read: a verdict on a report that has since changed is refused.
    return grievances.verify(actor, ref, outcome=outcome, note=reason, version=version)
