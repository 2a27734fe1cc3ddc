"""Writes of the notifications context: queue an SMS in the caller's transaction, deliver it
after commit, take delivery reports.

A message's status moves only through `_move`, a conditional update checked against
MOVES: a late delivery report never undoes a newer state, and two workers never both
record one send. A message is sent at most once: a worker that dies between sending and
recording leaves it "sending"; when its lease ends it becomes "unconfirmed" — sent or not,
unknown — and waits for a delivery report or a person, instead of being sent again. Only a
gateway that drops repeats of the same key (`idempotent`) gets such a message again."""

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from igrs.core import clock, fastsql
from igrs.core.cache import memoize

from . import dlt
from .defaults import DEFAULT_TEMPLATES, QUIET_BY_DEFAULT
from .gateways import Accepted, GatewayError, GatewayUnsure, get_gateway
from .models import AdminAlert, OutboxMessage, OutboxStatus, SmsPart, SmsTemplate
from .receipts import Receipt

log = logging.getLogger(__name__)

S = OutboxStatus
MOVES: dict[str, frozenset[str]] = {  # to ← from
    S.SENDING: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.SENDING, S.PARKED, S.UNCONFIRMED, S.FAILED}),
    S.SENT: frozenset({S.SENDING, S.UNCONFIRMED}),
    S.DELIVERED: frozenset({S.SENDING, S.SENT, S.UNCONFIRMED}),
    S.UNDELIVERED: frozenset({S.SENDING, S.SENT, S.UNCONFIRMED, S.DELIVERED}),
    S.FAILED: frozenset({S.SENDING}),
    S.UNCONFIRMED: frozenset({S.SENDING}),
}
FINAL = frozenset({S.DELIVERED, S.UNDELIVERED, S.FAILED})
SECRET_KEYS = frozenset({"otp_citizen"})  # message types whose codes are blanked once sent
SECRET_DIGITS = re.compile(r"\b\d{4,8}\b")
ALERT_EVERY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Template:
    language: str
    body: str
    variables: str
    dlt_template_id: str
    header: str
    entity_id: str
    quiet: tuple[dt.time, dt.time] | None


def _move(message_id: int, to: str, **fields) -> bool:
    """The one place a status changes: only from a state MOVES allows."""
    return bool(OutboxMessage.objects.filter(pk=message_id, status__in=MOVES[to])
                .update(status=to, **fields))


# ---------------------------------------------------------------- rendering and queueing


@memoize
def _template(key: str, language: str) -> Template | None:
    """The registered template in the asked language, else in another one (a citizen is
    better served in English than not at all); None if there is none."""
    rows = {row.language: row for row in SmsTemplate.objects.filter(key=key)}
    order = [language] + [code for code, _name in settings.LANGUAGES if code != language]
    row = next((rows[code] for code in order if code in rows), None)
    if row is None:
        return None
    quiet = (row.quiet_from, row.quiet_until) if row.quiet_from is not None else None
    return Template(row.language, row.body, row.variables, row.dlt_template_id, row.header,
                    row.entity_id, quiet)


def _registered(template: Template | None, key: str) -> Template:
    if template is None:
        raise dlt.TemplateError(translation.gettext("No template for “%(key)s”.")
                                % {"key": key})
    if settings.IGRS_DLT_REQUIRED and not (
            template.dlt_template_id and template.header and template.entity_id):
        raise dlt.TemplateError(
            translation.gettext("Template “%(key)s” (%(language)s) has no DLT template id, "
                                "header or entity id.")
            % {"key": key, "language": template.language})
    return template


def after_quiet_hours(moment: dt.datetime, quiet: tuple[dt.time, dt.time] | None) -> dt.datetime:
    """The moment itself, or the end of the quiet hours it falls in (local time; a window
    may run past midnight, e.g. 21:00–08:00)."""
    if quiet is None:
        return moment
    start, end = quiet
    local = timezone.localtime(moment)
    now = local.time()
    inside = start <= now < end if start <= end else (now >= start or now < end)
    if not inside:
        return moment
    day = local.date() + dt.timedelta(days=1 if start > end and now >= start else 0)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)


def queue_sms(
    mobile: str, key: str, language: str, context: Mapping[str, object], reference: str = ""
) -> OutboxMessage:
    """Build the outbox row; the caller saves it (save_outbox) inside its own transaction.
    A message its template cannot carry is kept, parked, with the reason: the change it
    reports must not fail because of an SMS, and the message goes once the template is fixed."""
    values = {name: str(value) for name, value in context.items()}
    now = clock.now()
    message = OutboxMessage(mobile=mobile, key=key, language=language, context=values,
                            reference=reference, next_attempt_at=now, created_at=now)
    _render_into(message)
    return message


def _render_into(message: OutboxMessage) -> None:
    try:
        template = _registered(_template(message.key, message.language), message.key)
        message.body = dlt.fill(template.body, template.variables, message.context)
    except dlt.TemplateError as error:
        message.status, message.body, message.last_error = S.PARKED, "", str(error)
        return
    message.status, message.last_error = S.QUEUED, ""
    message.dlt_template_id, message.header = template.dlt_template_id, template.header
    message.entity_id = template.entity_id
    message.encoding, message.parts = dlt.segments(message.body)
    message.next_attempt_at = after_quiet_hours(message.next_attempt_at, template.quiet)


def save_outbox(messages: list[OutboxMessage]) -> None:
    fastsql.insert(messages)
    parked = sorted({m.key for m in messages if m.status == S.PARKED})
    if parked:
        reason = next(m.last_error for m in messages if m.status == S.PARKED)
        transaction.on_commit(lambda: [_alert("parked", key, reason) for key in parked])


def _alert(kind: str, key: str, detail: str) -> None:
    """Mail the administrators, at most once an hour per kind of trouble and message type,
    however many workers see it."""
    now = clock.now()
    name = f"{kind}:{key}"
    alert, created = AdminAlert.objects.get_or_create(name=name, defaults={"sent_at": now})
    if not created and not AdminAlert.objects.filter(
            pk=alert.pk, sent_at__lte=now - ALERT_EVERY).update(sent_at=now):
        return
    log.error("SMS %s: %s — %s", kind, key, detail)
    mail_admins(f"IGRS SMS {kind}: {key}", detail)


def seed_templates() -> int:
    """Write the default text of every message type in every language as a DLT-shaped
    template, keeping edited ones. Deployments then enter their registered wording and ids."""
    created = 0
    for key, text in DEFAULT_TEMPLATES.items():
        quiet = QUIET_BY_DEFAULT.get(key)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                body, variables = dlt.from_named(translation.gettext(text))
            _row, was_created = SmsTemplate.objects.get_or_create(
                key=key, language=language,
                defaults={"body": body, "variables": variables,
                          "header": settings.IGRS_SMS_HEADER,
                          "entity_id": settings.IGRS_DLT_ENTITY_ID,
                          "quiet_from": quiet[0] if quiet else None,
                          "quiet_until": quiet[1] if quiet else None},
            )
            created += was_created
    return created


def release_parked(key: str | None = None) -> int:
    """Render parked messages again (after their template was corrected); those that now fit
    go out, the rest stay parked with the new reason."""
    released = 0
    rows = OutboxMessage.objects.filter(status=S.PARKED)
    for message in rows.filter(key=key) if key else rows:
        message.next_attempt_at = clock.now()
        _render_into(message)
        if message.status == S.QUEUED and _move(
                message.pk, S.QUEUED, body=message.body, encoding=message.encoding,
                parts=message.parts, dlt_template_id=message.dlt_template_id,
                header=message.header, entity_id=message.entity_id, last_error="",
                next_attempt_at=message.next_attempt_at):
            released += 1
        elif message.status == S.PARKED:
            OutboxMessage.objects.filter(pk=message.pk, status=S.PARKED).update(
                last_error=message.last_error)
    return released


def send_again(message_id: int) -> bool:
    """A person's decision to send an unconfirmed or failed message once more."""
    return _move(message_id, S.QUEUED, next_attempt_at=clock.now(), last_error="")


# ---------------------------------------------------------------- delivery


class Pacer:
    """At most `rate` sends a second from this process (0: no limit)."""

    def __init__(self, rate: float, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.rate, self.monotonic, self.sleep = rate, monotonic, sleep
        self.next_slot = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.rate:
            return
        with self.lock:
            now = self.monotonic()
            slot = max(self.next_slot, now)
            self.next_slot = slot + 1 / self.rate
        if slot > now:
            self.sleep(slot - now)


_pacers: dict[float, Pacer] = {}


def _pacer() -> Pacer:
    rate = settings.IGRS_SMS_RATE
    return _pacers.setdefault(rate, Pacer(rate))


def _lease(batch: int, gateway) -> dt.timedelta:
    """Longer than the slowest possible round: every send timing out in turn."""
    rounds = -(-batch // _concurrency(gateway))
    return dt.timedelta(seconds=rounds * settings.IGRS_SMS_TIMEOUT + 30)


def _concurrency(gateway) -> int:
    return gateway.concurrency or settings.IGRS_SMS_CONCURRENCY


def _claim(batch: int, lease: dt.timedelta) -> list[OutboxMessage]:
    now = clock.now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=S.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:batch]
        )
        OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=S.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease)
    for row in rows:
        row.status, row.attempts = S.SENDING, row.attempts + 1
    return rows


def _expire_leases(gateway) -> int:
    """Messages whose worker died mid-send: unconfirmed (or, for a gateway that drops
    repeats, queued again)."""
    stale = OutboxMessage.objects.filter(status=S.SENDING, next_attempt_at__lt=clock.now())
    ids = list(stale.values_list("pk", flat=True)[:1000])
    for message_id in ids:
        if gateway.idempotent:
            _move(message_id, S.QUEUED, next_attempt_at=clock.now())
        elif _move(message_id, S.UNCONFIRMED, last_error="worker stopped while sending"):
            _alert("unconfirmed", "worker", f"message {message_id} may or may not have gone")
    return len(ids)


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _send_one(gateway, message: OutboxMessage) -> Accepted | Exception:
    _pacer().wait()
    try:
        return gateway.send(message)
    except (GatewayError, GatewayUnsure) as error:
        return error
    except Exception as error:  # noqa: BLE001 - a gateway bug must not lose the batch
        log.exception("SMS gateway failed on message %s", message.pk)
        return GatewayUnsure(f"gateway error: {error!r}")


def _sent_fields(message: OutboxMessage, accepted: Accepted) -> dict:
    fields = {"gateway_message_id": accepted.ids[0] if accepted.ids else "",
              "sent_at": clock.now(), "context": {}, "last_error": ""}
    if message.key in SECRET_KEYS:
        # A one-time password has done its job once sent: do not keep it readable.
        fields["body"] = SECRET_DIGITS.sub("******", message.body)
    return fields


def _record(message: OutboxMessage, outcome: Accepted | Exception, gateway) -> None:
    if isinstance(outcome, Accepted):
        fields = _sent_fields(message, outcome)
        if not _move(message.pk, S.SENT, **fields):
            # A report overtook the worker: keep its state, add what only the send knows.
            OutboxMessage.objects.filter(pk=message.pk).update(**fields)
        SmsPart.objects.bulk_create(
            [SmsPart(message_id=message.pk, gateway_id=gateway_id)
             for gateway_id in outcome.ids if gateway_id and gateway.tracks_parts])
        return
    if isinstance(outcome, GatewayUnsure):
        if gateway.idempotent:
            _move(message.pk, S.QUEUED, next_attempt_at=clock.now(), last_error=str(outcome))
        elif _move(message.pk, S.UNCONFIRMED, last_error=str(outcome)):
            _alert("unconfirmed", message.key, str(outcome))
        return
    if outcome.permanent or message.attempts >= settings.IGRS_SMS_MAX_ATTEMPTS:
        if _move(message.pk, S.FAILED, last_error=str(outcome), error_code=outcome.code,
                 finished_at=clock.now()):
            _alert("failed", message.key, f"{message.mobile}: {outcome}")
    else:
        retry_at = clock.now() + _retry_delay(message.attempts)
        quiet = _template(message.key, message.language)
        _move(message.pk, S.QUEUED, last_error=str(outcome), error_code=outcome.code,
              next_attempt_at=after_quiet_hours(retry_at, quiet.quiet if quiet else None))
    log.warning("SMS %s to %s not sent: %s", message.pk, message.mobile, outcome)


def deliver_pending(batch: int | None = None) -> int:
    """Send what is due through the configured gateway, several at once, no faster than
    IGRS_SMS_RATE; then take the receipts that came in. Safe to run in several workers."""
    gateway = get_gateway()
    batch = batch or settings.IGRS_SMS_BATCH
    _expire_leases(gateway)
    messages = _claim(batch, _lease(batch, gateway))
    workers = min(_concurrency(gateway), len(messages))
    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="sms") as pool:
            outcomes = list(pool.map(lambda m: _send_one(gateway, m), messages))
    else:
        outcomes = [_send_one(gateway, message) for message in messages]
    for message, outcome in zip(messages, outcomes, strict=True):
        _record(message, outcome, gateway)
    gateway.poll(record_smpp_receipt)
    return len(messages)


# ---------------------------------------------------------------- delivery reports


def record_receipt(message_id: int, receipt: Receipt) -> bool:
    """A delivery report for a whole message (HTTP callbacks). False if it changes nothing:
    unknown, a repeat, or older than what is known."""
    if receipt.state is None:
        return False
    fields: dict = {"error_code": receipt.code if receipt.state == S.UNDELIVERED else ""}
    if receipt.state in FINAL:
        fields["finished_at"] = clock.now()
    if receipt.state == S.SENT:
        fields = {}
    return _move(message_id, receipt.state, **fields)


def record_smpp_receipt(receipt: Receipt) -> bool:
    """A receipt for one part: the message is delivered when all its parts are, and not
    delivered as soon as one is not."""
    part = SmsPart.objects.filter(gateway_id=receipt.gateway_id).order_by("-pk").first()
    if part is None or receipt.state is None:
        log.info("SMPP receipt for an unknown id %s", receipt.gateway_id)
        return False
    SmsPart.objects.filter(pk=part.pk).update(status=receipt.state)
    if receipt.state == S.DELIVERED and SmsPart.objects.filter(
            message_id=part.message_id).exclude(status=S.DELIVERED).exists():
        return False
    return record_receipt(part.message_id, receipt)

