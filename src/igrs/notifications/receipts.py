"""Delivery reports, as pure parsing: Kannel's HTTP callback, an aggregator's words, and SMPP
deliver_sm receipts all become one Receipt.

The callback URL given to an HTTP gateway carries the outbox id and an HMAC of it: Kannel
and most aggregators cannot add headers to their callbacks, so the URL is the credential,
and it is good for one message only."""

import re
from dataclasses import dataclass

from django.conf import settings

from igrs.core import keys

from .models import OutboxStatus

PURPOSE = "sms-receipt"
MAC_CHARS = 20

# Kannel's %d: 1 delivered, 2 failed at the phone, 4 buffered, 8 accepted by the SMSC,
# 16 refused by the SMSC.
KANNEL_TYPES = {
    "1": OutboxStatus.DELIVERED,
    "2": OutboxStatus.UNDELIVERED,
    "4": None,
    "8": OutboxStatus.SENT,
    "16": OutboxStatus.UNDELIVERED,
}
# SMPP receipt states (SMPP 3.4 appendix B), as text or as message_state numbers.
STATES = {
    "DELIVRD": OutboxStatus.DELIVERED,
    "UNDELIV": OutboxStatus.UNDELIVERED,
    "REJECTD": OutboxStatus.UNDELIVERED,
    "EXPIRED": OutboxStatus.UNDELIVERED,
    "DELETED": OutboxStatus.UNDELIVERED,
    "UNKNOWN": OutboxStatus.UNDELIVERED,
    "ACCEPTD": OutboxStatus.SENT,
    "ENROUTE": None,
    # words aggregators use
    "DELIVERED": OutboxStatus.DELIVERED,
    "FAILED": OutboxStatus.UNDELIVERED,
    "UNDELIVERED": OutboxStatus.UNDELIVERED,
    "SENT": OutboxStatus.SENT,
}
MESSAGE_STATES = {
    1: None,
    2: OutboxStatus.DELIVERED,
    3: OutboxStatus.UNDELIVERED,
    4: OutboxStatus.UNDELIVERED,
    5: OutboxStatus.UNDELIVERED,
    6: OutboxStatus.SENT,
    7: OutboxStatus.UNDELIVERED,
    8: OutboxStatus.UNDELIVERED,
}
RECEIPT_FIELD = re.compile(r"(\w+(?: \w+)?):(\S*)")
SMPP_RECEIPT = 0x04  # esm_class bit: this deliver_sm is a delivery receipt


@dataclass(frozen=True)
class Receipt:
    state: str | None  # an OutboxStatus, or None for "still on its way"
    code: str = ""  # the operator's error code, "" or "000" when none
    gateway_id: str = ""  # SMPP: the SMSC's id of the part


def _mac(message_id: int) -> str:
    return keys.sign(PURPOSE, str(message_id))[:MAC_CHARS]


def callback_url(message_id: int) -> str:
    base = (settings.IGRS_SMS_DLR_BASE or settings.IGRS_PUBLIC_URL).rstrip("/")
    query = settings.IGRS_SMS_DLR_QUERY
    return f"{base}/sms/dlr/{message_id}/{_mac(message_id)}/" + (f"?{query}" if query else "")


def signature_ok(message_id: int, signature: str) -> bool:
    return keys.signed(PURPOSE, str(message_id), signature, MAC_CHARS)


def _fields(text: str) -> dict[str, str]:
    return {name.lower(): value for name, value in RECEIPT_FIELD.findall(text)}


def from_callback(params: dict[str, str]) -> Receipt | None:
    """Kannel's `type` (%d) and `answer` (%A, which carries SMPP's "stat:… err:…"), or an
    aggregator's `status` word and `err`/`code`. None if nothing in it is understood."""
    answer = _fields(params.get("answer", ""))
    code = params.get("err") or params.get("code") or answer.get("err", "")
    if "NACK/" in params.get("answer", ""):  # Kannel: "NACK/0x00000045/Submit failed"
        code = params["answer"].split("/")[1]
    word = (params.get("status") or answer.get("stat") or "").upper()
    if word in STATES:
        return Receipt(STATES[word], code)
    kind = params.get("type", "")
    if kind in KANNEL_TYPES:
        return Receipt(KANNEL_TYPES[kind], code)
    return None


def from_smpp(pdu) -> Receipt | None:
    """A deliver_sm that is a delivery receipt; None for anything else (an SMS to us)."""
    if not (getattr(pdu, "esm_class", 0) or 0) & SMPP_RECEIPT:
        return None
    raw = pdu.short_message or b""
    fields = _fields(raw.decode("latin-1") if isinstance(raw, bytes) else raw)
    gateway_id = getattr(pdu, "receipted_message_id", None) or fields.get("id", "")
    if isinstance(gateway_id, bytes):
        gateway_id = gateway_id.decode("latin-1")
    stat = fields.get("stat", "").upper()
    state = STATES.get(stat) if stat else MESSAGE_STATES.get(getattr(pdu, "message_state", 0))
    return Receipt(state, fields.get("err", ""), gateway_id.strip("\x00"))
