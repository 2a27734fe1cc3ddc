"""Writes of the notifications context: queue an SMS in the caller's transaction, deliver later."""

import datetime as dt
import logging
import re
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import translation

from igrs.core import clock, fastsql
from igrs.core.cache import memoize

from .defaults import DEFAULT_TEMPLATES
from .gateways import GatewayError, get_gateway
from .models import OutboxMessage, OutboxStatus, SmsTemplate

log = logging.getLogger(__name__)

CLAIM_LEASE = dt.timedelta(seconds=60)
SECRET_KEYS = frozenset({"otp_citizen"})  # message types whose codes are blanked once sent
SECRET_DIGITS = re.compile(r"\b\d{4,8}\b")
GSM_CHARS = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def sms_parts(text: str) -> int:
    """Parts the text takes: GSM 160/153 characters, Unicode (Hindi) 70/67."""
    single, multi = (160, 153) if set(text) <= GSM_CHARS else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // multi)


@memoize
def _template(key: str, language: str) -> tuple[str, str]:
    row = SmsTemplate.objects.filter(key=key, language=language).first()
    if row is not None:
        return row.body, row.dlt_template_id
    with translation.override(language):
        return translation.gettext(DEFAULT_TEMPLATES[key]), ""


def render(key: str, language: str, context: Mapping[str, object]) -> tuple[str, str]:
    body, dlt_id = _template(key, language)
    return body.format_map(dict(context)).strip(), dlt_id


def queue_sms(
    mobile: str, key: str, language: str, context: Mapping[str, object], reference: str = ""
) -> OutboxMessage:
    """Build the outbox row; the caller saves it (in bulk) inside its own transaction."""
    body, dlt_id = render(key, language, context)
    now = clock.now()
    return OutboxMessage(
        mobile=mobile, key=key, language=language, body=body, dlt_template_id=dlt_id,
        parts=sms_parts(body), reference=reference, next_attempt_at=now, created_at=now,
    )


def save_outbox(messages: list[OutboxMessage]) -> None:
    fastsql.insert(messages)


def seed_templates() -> int:
    """Write the default text of every message type in every language, keeping edited ones."""
    created = 0
    for key, text in DEFAULT_TEMPLATES.items():
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                body = translation.gettext(text)
            _row, was_created = SmsTemplate.objects.get_or_create(
                key=key, language=language, defaults={"body": body}
            )
            created += was_created
    return created


def _claim(batch: int) -> list[OutboxMessage]:
    now = clock.now()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:batch]
        )
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + CLAIM_LEASE
        OutboxMessage.objects.bulk_update(rows, ["attempts", "next_attempt_at"])
    return rows


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def deliver_pending(batch: int = 100) -> int:
    """Send what is due through the configured gateway. Safe to run in several workers."""
    gateway = get_gateway()
    messages = _claim(batch)
    for message in messages:
        try:
            message.gateway_message_id = gateway.send(message)
        except GatewayError as error:
            message.last_error = str(error)
            if message.attempts >= settings.IGRS_SMS_MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = clock.now() + _retry_delay(message.attempts)
            log.warning("SMS %s to %s failed: %s", message.pk, message.mobile, error)
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = clock.now()
            if message.key in SECRET_KEYS:
                # A one-time password has done its job once sent: do not keep it readable.
                message.body = SECRET_DIGITS.sub("******", message.body)
        message.save(
            update_fields=["status", "sent_at", "gateway_message_id", "last_error",
                           "next_attempt_at", "body"]
        )
    return len(messages)
