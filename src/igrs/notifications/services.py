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
from django.utils.translation import gettext_noop

from igrs.core import clock, fastsql
from igrs.core.backoff import Backoff
from igrs.core.cache import memoize
from igrs.core.claims import lock_due

from . import dlt
from .defaults import DEFAULT_TEMPLATES, QUIET_BY_DEFAULT
from .gateways import Accepted, Gateway, GatewayError, GatewayUnsure, get_gateway
from .models import AdminAlert, OutboxMessage, OutboxStatus, SmsPart, SmsTemplate
from .receipts import Receipt

log = logging.getLogger(__name__)

S = OutboxStatus
MOVES: dict[str, frozenset[str]] = {  # to ← from
    S.SENDING: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.SENDING, S.PARKED, S.UNCONFIRMED, S.FAILED}),
    S.PARKED: frozenset({S.SENDING}),
    # A report for a queued message: one queued again after its confirmation wait whose
    # report came late. The gateway has it, so it must not go again.
    S.SENT: frozenset({S.SENDING, S.UNCONFIRMED, S.QUEUED}),
    S.DELIVERED: frozenset({S.SENDING, S.SENT, S.UNCONFIRMED, S.QUEUED}),
    S.UNDELIVERED: frozenset({S.SENDING, S.SENT, S.UNCONFIRMED, S.DELIVERED, S.QUEUED}),
    S.FAILED: frozenset({S.SENDING}),
    S.UNCONFIRMED: frozenset({S.SENDING}),
}
FINAL = frozenset({S.DELIVERED, S.UNDELIVERED, S.FAILED})
SENT_AGAIN_FROM = frozenset({S.UNCONFIRMED, S.FAILED})  # by a person's decision only
REPORTED = frozenset({S.SENT, S.DELIVERED, S.UNDELIVERED})  # states a report can set
SECRET_KEYS = frozenset({"otp_citizen"})  # message types whose codes are blanked once sent
SECRET_DIGITS = re.compile(r"\b\d{4,8}\b")
ALERT_EVERY = dt.timedelta(hours=1)
# A send that did not go through waits 30 s, doubling, at most an hour.
RETRY = Backoff((dt.timedelta(seconds=30),), ceiling=dt.timedelta(hours=1))


@dataclass(frozen=True)
class Template:
    language: str
    body: str
    variables: str
    dlt_template_id: str
    header: str
    entity_id: str
    quiet: tuple[dt.time, dt.time] | None


def _move(
    message_id: int,
    to: str,
    *,
    only_from: frozenset[str] | None = None,
    claim: dict | None = None,
    **fields,
) -> bool:
    """The one place a status changes: only from a state MOVES allows (narrowed by the
    caller), and for a worker only while its claim holds."""
    allowed = MOVES[to] & only_from if only_from else MOVES[to]
    rows = OutboxMessage.objects.filter(pk=message_id, status__in=allowed, **(claim or {}))
    return bool(rows.update(status=to, **fields))


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
    # Both ends or neither (the template's clean() refuses one alone).
    quiet = (
        (row.quiet_from, row.quiet_until)
        if row.quiet_from is not None and row.quiet_until is not None
        else None
    )
    return Template(
        row.language, row.body, row.variables, row.dlt_template_id, row.header, row.entity_id, quiet
    )


def _registered(template: Template | None, key: str) -> Template:
    if template is None:
        raise dlt.TemplateError(translation.gettext("No template for “%(key)s”.") % {"key": key})
    if settings.IGRS_DLT_REQUIRED and not (
        template.dlt_template_id and template.header and template.entity_id
    ):
        raise dlt.TemplateError(
            translation.gettext(
                "Template “%(key)s” (%(language)s) has no DLT template id, header or entity id."
            )
            % {"key": key, "language": template.language}
        )
    return template


def after_quiet_hours(moment: dt.datetime, quiet: tuple[dt.time, dt.time] | None) -> dt.datetime:
    """The moment itself, or the end of the quiet hours it falls in (local time; a window
    may run past midnight, e.g. 21:00–08:00)."""
    if quiet is None:
        return moment
    start, end = quiet
    local = clock.local(moment)
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
    message = OutboxMessage(
        mobile=mobile,
        key=key,
        language=language,
        context=values,
        reference=reference,
        next_attempt_at=now,
        created_at=now,
    )
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
    # The worker reads the rows back; nobody here needs their ids, so none are waited for.
    fastsql.insert(messages, read_ids=False)
    parked = sorted({m.key for m in messages if m.status == S.PARKED})
    if parked:
        reason = next(m.last_error for m in messages if m.status == S.PARKED)

        def alert() -> None:
            for key in parked:
                _alert("parked", key, reason)

        transaction.on_commit(alert)


def _alert(kind: str, key: str, detail: str) -> None:
    """Mail the administrators, at most once an hour per kind of trouble and message type,
    however many workers see it."""
    now = clock.now()
    name = f"{kind}:{key}"
    alert, created = AdminAlert.objects.get_or_create(name=name, defaults={"sent_at": now})
    if not created and not AdminAlert.objects.filter(
        pk=alert.pk, sent_at__lte=now - ALERT_EVERY
    ).update(sent_at=now):
        return
    # The detail (with the mobile) goes to the administrators' mail only, never to the log.
    log.error("SMS %s: %s", kind, key)
    try:
        mail_admins(f"IGRS SMS {kind}: {key}", detail)
    except Exception:  # noqa: BLE001 - a mail server down must not stop SMS or filings
        log.exception("could not mail the administrators about SMS %s: %s", kind, key)


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
                key=key,
                language=language,
                defaults={
                    "body": body,
                    "variables": variables,
                    "header": settings.IGRS_SMS_HEADER,
                    "entity_id": settings.IGRS_DLT_ENTITY_ID,
                    "quiet_from": quiet[0] if quiet else None,
                    "quiet_until": quiet[1] if quiet else None,
                },
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
            message.pk,
            S.QUEUED,
            only_from=frozenset({S.PARKED}),
            body=message.body,
            encoding=message.encoding,
            parts=message.parts,
            dlt_template_id=message.dlt_template_id,
            header=message.header,
            entity_id=message.entity_id,
            last_error="",
            next_attempt_at=message.next_attempt_at,
        ):
            released += 1
        elif message.status == S.PARKED:
            OutboxMessage.objects.filter(pk=message.pk, status=S.PARKED).update(
                last_error=message.last_error
            )
    return released


def send_again(message_id: int) -> bool:
    """A person's decision to send an unconfirmed or failed message once more: one try, since
    its attempts keep counting (they are also each worker's claim)."""
    return _move(
        message_id,
        S.QUEUED,
        only_from=SENT_AGAIN_FROM,
        next_attempt_at=clock.now(),
        last_error="",
        error_code="",
        finished_at=None,
        confirm_by=None,
    )


# ---------------------------------------------------------------- delivery


class Pacer:
    """At most `rate` SMS parts a second from this process (0: no limit): operators count
    the parts of a long message, not messages."""

    def __init__(
        self,
        rate: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate, self.monotonic, self.sleep = rate, monotonic, sleep
        self.next_slot = 0.0
        self.lock = threading.Lock()

    def wait(self, parts: int = 1) -> None:
        if not self.rate:
            return
        with self.lock:
            now = self.monotonic()
            slot = max(self.next_slot, now)
            self.next_slot = slot + parts / self.rate
        if slot > now:
            self.sleep(slot - now)


_pacers: dict[float, Pacer] = {}


def _pacer() -> Pacer:
    rate = settings.IGRS_SMS_RATE
    if rate not in _pacers:
        _pacers[rate] = Pacer(rate)
    return _pacers[rate]


def _concurrency(gateway: Gateway) -> int:
    return gateway.concurrency or settings.IGRS_SMS_CONCURRENCY


def _lease(rows: list[OutboxMessage], gateway: Gateway) -> dt.timedelta:
    """Longer than the slowest possible round: every part timing out in turn, plus the
    pacing, so a live worker's messages are never taken for a dead one's."""
    parts = sum(row.parts for row in rows)
    rounds = -(-parts // _concurrency(gateway))
    paced = parts / settings.IGRS_SMS_RATE if settings.IGRS_SMS_RATE else 0
    return dt.timedelta(seconds=rounds * settings.IGRS_SMS_TIMEOUT + paced + 30)


def _quiet_until(row: OutboxMessage, now: dt.datetime) -> dt.datetime:
    template = _template(row.key, row.language)
    return after_quiet_hours(now, template.quiet if template else None)


def _claim(batch: int, gateway: Gateway) -> list[OutboxMessage]:
    """Take due messages for this worker. One that has come due inside its quiet hours (a
    retry, a backlog, a message sent again) is put off to their end instead."""
    now = clock.now()
    with transaction.atomic():
        rows = lock_due(
            OutboxMessage.objects.filter(status=S.QUEUED, next_attempt_at__lte=now),
            ("next_attempt_at", "pk"),
            batch,
        )
        taken = []
        for row in rows:
            wake = _quiet_until(row, now)
            if wake > now:
                OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=wake)
            else:
                taken.append(row)
        OutboxMessage.objects.filter(
            pk__in=[row.pk for row in taken], status__in=MOVES[S.SENDING]
        ).update(
            status=S.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + _lease(taken, gateway),
        )
    for row in taken:
        row.status, row.attempts = S.SENDING, row.attempts + 1
    return taken


def _expire_leases(gateway: Gateway) -> int:
    """Messages whose worker died mid-send: unconfirmed (or, for a gateway that drops
    repeats, tried again like any failed send)."""
    stale = OutboxMessage.objects.filter(status=S.SENDING, next_attempt_at__lt=clock.now())
    rows = list(stale.only("pk", "key", "language", "mobile", "attempts")[:1000])
    for row in rows:
        _unsure(row, GatewayUnsure(gettext_noop("worker stopped while sending")), gateway)
    return len(rows)


def _send_one(gateway: Gateway, message: OutboxMessage) -> Accepted | GatewayError | GatewayUnsure:
    _pacer().wait(message.parts)
    try:
        return gateway.send(message)
    except (GatewayError, GatewayUnsure) as error:
        return error
    except Exception as error:  # noqa: BLE001 - a gateway bug must not lose the batch
        log.exception("SMS gateway failed on message %s", message.pk)
        return GatewayUnsure(f"gateway error: {error!r}")


def _sent_fields(message: OutboxMessage, accepted: Accepted) -> dict:
    fields = {
        "gateway_message_id": accepted.ids[0] if accepted.ids else "",
        "sent_at": clock.now(),
        "context": {},
        "last_error": "",
    }
    if message.key in SECRET_KEYS:
        # A one-time password has done its job once sent: do not keep it readable.
        fields["body"] = SECRET_DIGITS.sub("******", message.body)
    return fields


def _mine(message: OutboxMessage) -> dict:
    """The claim this worker holds: a worker whose lease ran out must not record over the
    worker that took the message after it."""
    return {"attempts": message.attempts}


def _record(
    message: OutboxMessage, outcome: Accepted | GatewayError | GatewayUnsure, gateway: Gateway
) -> None:
    if isinstance(outcome, Accepted):
        fields = _sent_fields(message, outcome)
        if not _move(message.pk, S.SENT, claim=_mine(message), **fields):
            # A report overtook the worker: keep its state, add what only the send knows.
            OutboxMessage.objects.filter(
                pk=message.pk, status__in=REPORTED, **_mine(message)
            ).update(**fields)
        if gateway.tracks_parts:
            _keep_parts(message.pk, [gateway_id for gateway_id in outcome.ids if gateway_id])
    elif isinstance(outcome, GatewayUnsure):
        _unsure(message, outcome, gateway)
    else:
        _retry_or_give_up(message, str(outcome), outcome.code, outcome.permanent)


def _unsure(message: OutboxMessage, outcome: GatewayUnsure, gateway: Gateway) -> None:
    """It may have gone. A gateway that drops repeats gets it again by itself; one that
    reports every message it accepted has until the confirmation wait to say so, after
    which the message is taken as never received (reconcile_unconfirmed); for the rest a
    person decides."""
    if gateway.idempotent:
        _retry_or_give_up(message, str(outcome), "", permanent=False)
        return
    wait = _confirm_wait(gateway)
    confirm_by = clock.now() + wait if wait else None
    moved = _move(
        message.pk,
        S.UNCONFIRMED,
        claim=_mine(message),
        last_error=str(outcome),
        confirm_by=confirm_by,
    )
    if moved and confirm_by is None:
        _alert("unconfirmed", message.key, f"{message.mobile}: {outcome}")


def _confirm_wait(gateway: Gateway) -> dt.timedelta | None:
    seconds = settings.IGRS_SMS_CONFIRM_SECONDS
    return dt.timedelta(seconds=seconds) if seconds and gateway.reports_acceptance else None


def _reports_came_since(moment: dt.datetime) -> bool:
    """Whether any delivery report has reached IGRS since: a callback URL the gateway cannot
    reach (a wrong IGRS_SMS_DLR_BASE, a firewall) must not turn every send in doubt into a
    repeat."""
    return OutboxMessage.objects.filter(
        status__in=(S.DELIVERED, S.UNDELIVERED), finished_at__gte=moment
    ).exists()


def reconcile_unconfirmed(batch: int = 500) -> int:
    """Settle unconfirmed sends with what the gateway reported. A message whose worker died
    mid-send becomes unconfirmed when its lease ends; with a gateway that reports each
    message it accepted (Kannel's DLR URL naming the outbox id, mask 8 and 16), a report
    moves it on as soon as it comes, and one without any report by its confirmation wait
    — while reports for other messages do arrive — never reached the gateway: it is queued
    again. The number moved."""
    gateway = get_gateway()
    expired = _expire_leases(gateway)
    now = clock.now()
    unreported = OutboxMessage.objects.filter(status=S.UNCONFIRMED, confirm_by__lte=now)
    moved = 0
    rows = unreported.order_by("confirm_by").values_list("pk", "created_at")[:batch]
    for pk, created_at in rows:
        if not _reports_came_since(created_at):
            continue  # silence proves nothing while no report reaches IGRS at all
        moved += _move(
            pk,
            S.QUEUED,
            only_from=frozenset({S.UNCONFIRMED}),
            confirm_by=None,
            next_attempt_at=now,
            last_error=gettext_noop("no report from the gateway: never received, queued again"),
        )
    return expired + moved


def _retry_or_give_up(message: OutboxMessage, error: str, code: str, permanent: bool) -> None:
    if permanent or message.attempts >= settings.IGRS_SMS_MAX_ATTEMPTS:
        _give_up(message, error, code)
    else:
        _retry(message, error, code)


def _retry(message: OutboxMessage, error: str, code: str) -> None:
    retry_at = clock.now() + RETRY.after(message.attempts)
    _move(
        message.pk,
        S.QUEUED,
        only_from=frozenset({S.SENDING}),
        claim=_mine(message),
        last_error=error,
        error_code=code,
        next_attempt_at=_quiet_until(message, retry_at),
    )
    log.warning("SMS %s not sent, will retry: %s", message.pk, _error_class(error))


def _error_class(error: str) -> str:
    """The error's first words (e.g. "HTTP 503", "cannot reach the gateway"): the rest may
    quote the gateway's answer, which can echo the number or the text."""
    return error.split(":", 1)[0]


def _give_up(message: OutboxMessage, error: str, code: str) -> None:
    if _move(
        message.pk,
        S.FAILED,
        claim=_mine(message),
        last_error=error,
        error_code=code,
        finished_at=clock.now(),
    ):
        _alert("failed", message.key, f"{message.mobile}: {error}")


def _keep_parts(message_id: int, gateway_ids: list[str]) -> None:
    """Record the SMSC's id of each part; receipts that came before (to this worker's bind
    or another's) are waiting under those ids and now count."""
    orphans = SmsPart.objects.filter(message__isnull=True, gateway_id__in=gateway_ids)
    early = {part.gateway_id: part for part in orphans}
    SmsPart.objects.bulk_create(
        [
            SmsPart(message_id=message_id, gateway_id=gateway_id)
            for gateway_id in gateway_ids
            if gateway_id not in early
        ]
    )
    for part in early.values():
        SmsPart.objects.filter(pk=part.pk).update(message_id=message_id)
        _settle_parts(message_id, Receipt(part.status, part.error_code, part.gateway_id))


def _park_unregistered(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """A message queued without DLT ids (before the registry, or before a real gateway was
    configured) is parked rather than sent for the operator to drop."""
    if not settings.IGRS_DLT_REQUIRED:
        return messages
    ready = []
    for message in messages:
        if message.dlt_template_id and message.header and message.entity_id:
            ready.append(message)
        elif _move(
            message.pk,
            S.PARKED,
            claim=_mine(message),
            last_error=gettext_noop("queued without DLT ids"),
        ):
            _alert("parked", message.key, gettext_noop("queued without DLT ids"))
    return ready


def deliver_pending(batch: int | None = None) -> int:
    """Send what is due through the configured gateway, several at once, no faster than
    IGRS_SMS_RATE; then take the receipts that came in. Safe to run in several workers."""
    gateway = get_gateway()
    _expire_leases(gateway)
    claimed = _claim(batch or settings.IGRS_SMS_BATCH, gateway)
    messages = _park_unregistered(claimed)
    workers = min(_concurrency(gateway), len(messages))
    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="sms") as pool:
            outcomes = list(pool.map(lambda m: _send_one(gateway, m), messages))
    else:
        outcomes = [_send_one(gateway, message) for message in messages]
    plain: list[tuple[OutboxMessage, Accepted]] = []
    rest: list[tuple[OutboxMessage, Accepted | GatewayError | GatewayUnsure]] = []
    for message, outcome in zip(messages, outcomes, strict=True):
        if isinstance(outcome, Accepted) and not gateway.tracks_parts:
            plain.append((message, outcome))
        else:
            rest.append((message, outcome))
    # The round's plain acceptances in one commit, not one per message (a busy day's worker
    # spent more on commits than on sending); a crash before it leaves them claimed, and the
    # lease's expiry settles them as any send in doubt (_expire_leases). The rest — alerts
    # that mail, retries, SMPP parts whose receipts other workers must see at once — are
    # committed one by one, as before.
    with transaction.atomic():
        for message, accepted in plain:
            _record(message, accepted, gateway)
    for message, outcome in rest:
        _record(message, outcome, gateway)
    gateway.poll(record_smpp_receipt)
    return len(claimed)


# ---------------------------------------------------------------- delivery reports


def record_receipt(message_id: int, receipt: Receipt) -> bool:
    """A delivery report for a whole message (HTTP callbacks). False if it changes nothing:
    unknown, a repeat, or older than what is known."""
    if receipt.state is None:
        return False
    fields: dict = {}
    if receipt.state in FINAL:
        fields["finished_at"] = clock.now()
    if receipt.state == S.UNDELIVERED:
        fields["error_code"] = receipt.code
    return _move(message_id, receipt.state, **fields)


def record_smpp_receipt(receipt: Receipt) -> bool:
    """A receipt for one part. One whose part is not recorded yet (the send is still being
    recorded, maybe by another worker whose bind it did not come to) waits under its id."""
    if receipt.state is None or not receipt.gateway_id:
        return False
    part = SmsPart.objects.filter(gateway_id=receipt.gateway_id).order_by("-pk").first()
    if part is None:
        SmsPart.objects.create(
            message=None,
            gateway_id=receipt.gateway_id,
            status=receipt.state,
            error_code=receipt.code,
        )
        return False
    SmsPart.objects.filter(pk=part.pk).update(status=receipt.state, error_code=receipt.code)
    return part.message_id is not None and _settle_parts(part.message_id, receipt)


def _settle_parts(message_id: int, receipt: Receipt) -> bool:
    """The message is delivered when all its parts are, not delivered as soon as one is not."""
    if (
        receipt.state == S.DELIVERED
        and SmsPart.objects.filter(message_id=message_id).exclude(status=S.DELIVERED).exists()
    ):
        return False
    return record_receipt(message_id, receipt)
