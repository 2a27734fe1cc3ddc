"""Writes of the citizen portal: proving a mobile number by one-time password, rate limits
shared by all app servers, and filing a complaint exactly once per form."""

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core import clock, keys
from igrs.core.errors import Invalid, LimitReached, NotFound
from igrs.core.models import RateHit
from igrs.core.ratelimit import HOUR, hit
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
OTP_PURPOSE = "citizen-otp"
DAY = dt.timedelta(days=1)


# ---------------------------------------------------------------- rate limits


def prune(now: dt.datetime | None = None) -> int:
    """Forget rate-limit hits and one-time passwords older than a day (the worker calls this)."""
    before = (now or clock.now()) - dt.timedelta(days=1)
    hits, _ = RateHit.objects.filter(at__lt=before).delete()
    codes, _ = OneTimePassword.objects.filter(expires_at__lt=before).delete()
    return hits + codes


# ---------------------------------------------------------------- one-time passwords


@dataclass(frozen=True)
class SentCode:
    """A code sent: to which mobile, and which one, so that only the browser that asked for
    it can try it (the session keeps the id)."""

    mobile: str
    code_id: int


def send_otp(raw_mobile: str, client_ip: str, language: str) -> SentCode:
    """Send a fresh code to the mobile. Refuses a number that is not an Indian mobile (Invalid)
    and a request over any budget (LimitReached): per mobile an hour and a day (nobody floods
    a phone), per mobile from one address an hour and a day (a stranger cannot spend the
    owner's budget alone), per address an hour and a day. A refusal counts nowhere."""
    mobile = normalise_mobile(raw_mobile)
    if mobile is None:
        raise Invalid(
            fields={
                "mobile": _("Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9.")
            }
        )
    with transaction.atomic():
        _spend_otp_budgets(mobile, client_ip)
        code = "".join(secrets.choice("0123456789") for _ in range(OTP_DIGITS))
        now = clock.now()
        minutes = settings.IGRS_OTP_VALID_MINUTES
        sent = OneTimePassword.objects.create(
            mobile=mobile,
            code_hash=_code_hash(mobile, code),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        context = dict.fromkeys(PLACEHOLDERS, "") | {"otp": code, "minutes": minutes}
        save_outbox([queue_sms(mobile, "otp_citizen", language, context)])
    return SentCode(mobile, sent.pk)


def _spend_otp_budgets(mobile: str, client_ip: str) -> None:
    pair = f"{mobile}|{client_ip}"
    for bucket, key, limit, window, refusal in (
        ("otp-pair", pair, settings.IGRS_OTP_PER_MOBILE_SOURCE_PER_HOUR, HOUR, _TOO_MANY_HOUR),
        ("otp-pair-day", pair, settings.IGRS_OTP_PER_MOBILE_SOURCE_PER_DAY, DAY, _TOO_MANY_DAY),
        ("otp-mobile", mobile, settings.IGRS_OTP_PER_MOBILE_PER_HOUR, HOUR, _TOO_MANY_HOUR),
        ("otp-mobile-day", mobile, settings.IGRS_OTP_PER_MOBILE_PER_DAY, DAY, _TOO_MANY_DAY),
        ("otp-ip", client_ip, settings.IGRS_OTP_PER_IP_PER_HOUR, HOUR, _TOO_MANY_FROM_HERE),
        ("otp-ip-day", client_ip, settings.IGRS_OTP_PER_IP_PER_DAY, DAY, _TOO_MANY_FROM_HERE_DAY),
    ):
        if not hit(bucket, key[:64], limit, window):
            raise LimitReached(str(refusal))


_TOO_MANY_HOUR = gettext_lazy(
    "Too many codes were sent to this number in the last hour. "
    "Please try again after an hour, or call 1076."
)
_TOO_MANY_DAY = gettext_lazy(
    "Too many codes were sent to this number today. Please try again tomorrow, or call 1076."
)
_TOO_MANY_FROM_HERE = gettext_lazy(
    "Too many codes were requested from this connection in the "
    "last hour. Please try again later, or call 1076."
)
_TOO_MANY_FROM_HERE_DAY = gettext_lazy(
    "Too many codes were requested from this connection today. Please try again tomorrow, "
    "or call 1076."
)


def check_otp(mobile: str, code_id: int | None, code: str) -> None:
    """Accept the code this browser asked for, once, while it is valid. Every entry counts
    against it before it is compared, so parallel guesses cannot outrun the limit; after
    IGRS_OTP_MAX_ATTEMPTS entries it is dead and a new one must be requested. A stranger who
    asks for a code to someone else's number guesses against their own code only: the
    owner's stays usable."""
    now = clock.now()
    mine = (
        OneTimePassword.objects.filter(
            pk=code_id, mobile=mobile, used_at__isnull=True, expires_at__gt=now
        ).first()
        if code_id is not None
        else None
    )
    if mine is None:
        raise Invalid(fields={"code": _("This code has expired. Ask for a new one.")})
    limit = settings.IGRS_OTP_MAX_ATTEMPTS
    taken = OneTimePassword.objects.filter(
        pk=mine.pk, used_at__isnull=True, attempts__lt=limit
    ).update(attempts=F("attempts") + 1)
    if not taken:
        raise LimitReached(_("Too many wrong codes. Ask for a new code."))
    typed = ascii_digits(code or "").strip()
    if keys.signed(OTP_PURPOSE, f"{mobile}:{typed}", mine.code_hash):
        # Conditional: two tabs submitting the same code cannot both use it.
        if OneTimePassword.objects.filter(pk=mine.pk, used_at__isnull=True).update(used_at=now):
            return
        raise Invalid(fields={"code": _("This code was already used. Ask for a new one.")})
    left = limit - OneTimePassword.objects.values_list("attempts", flat=True).get(pk=mine.pk)
    if left <= 0:
        raise LimitReached(_("Too many wrong codes. Ask for a new code."))
    raise Invalid(fields={"code": _("Wrong code. %(left)d tries left.") % {"left": left}})


def _code_hash(mobile: str, code: str) -> str:
    return keys.sign(OTP_PURPOSE, f"{mobile}:{code}")


# ---------------------------------------------------------------- filing


def file_complaint(
    mobile: str, key: uuid.UUID, new: grievances.NewComplaint
) -> tuple[Complaint, bool]:
    """Register a complaint for the OTP-verified mobile, once per form (its key): filed on the
    portal, from that mobile, whatever the form said."""
    return grievances.register_once(
        Actor(Role.CITIZEN, mobile=mobile), key, replace(new, source=Source.PORTAL, mobile=mobile)
    )


def link_instead(mobile: str, ref: str, new: grievances.NewComplaint) -> Complaint:
    """Join an open complaint about the same problem instead of filing it again, from the
    OTP-verified mobile (grievances.link_instead)."""
    return grievances.link_instead(
        Actor(Role.CITIZEN, mobile=mobile),
        ref,
        complainant_name=new.complainant_name,
        mobile=mobile,
        source=Source.PORTAL,
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
