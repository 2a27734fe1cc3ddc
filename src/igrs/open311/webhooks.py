"""Webhooks: the worker turns new timeline steps of complaints an integrating system filed
into deliveries (in event order, from a cursor, so none is missed or made twice) and POSTs
them, signed as Standard Webhooks has it, to the address that was vetted, retrying with
back-off."""

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import urllib.parse

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min

from igrs.core import clock
from igrs.core.backoff import Backoff
from igrs.core.claims import lock_due
from igrs.grievances.models import Event, Status
from igrs.grievances.selectors import INTERNAL_STEPS, events_after

from .models import DeliveryStatus, Filing, WebhookCursor, WebhookDelivery

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
RETRY = Backoff((dt.timedelta(minutes=2),))  # 2, 4, 8 … minutes


def queue_deliveries(batch: int = 1000) -> int:
    """Deliveries for the timeline steps since the cursor (idempotent; one worker at a time
    advances the cursor, others wait on its row)."""
    with transaction.atomic():
        cursor, created = WebhookCursor.objects.select_for_update().get_or_create(pk=1)
        if created:  # the first run starts at the first step of any filed complaint
            first = Event.objects.filter(
                complaint_id__in=Filing.objects.values("complaint_id")
            ).aggregate(first=Min("pk"))["first"]
            cursor.last_event_id = (
                (first - 1) if first else (Event.objects.aggregate(last=Max("pk"))["last"] or 0)
            )
        events, last_id, gaps = events_after(
            cursor.last_event_id, cursor.gaps, ("pk", "complaint_id"), batch
        )
        if not events and gaps == cursor.gaps:
            return 0
        filings = {
            f.complaint_id: f.key
            for f in Filing.objects.filter(
                complaint_id__in={e["complaint_id"] for e in events}, key__revoked=False
            )
            .exclude(key__webhook_url="")
            .select_related("key")
        }
        wanted = [e["pk"] for e in events if e["complaint_id"] in filings]
        now = clock.now()
        deliveries = [
            WebhookDelivery(
                key=filings[event.complaint_id], event=event, body=_body(event), next_attempt_at=now
            )
            for event in Event.objects.filter(pk__in=wanted)
            .exclude(action__in=INTERNAL_STEPS)
            .select_related("complaint")
        ]
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        cursor.last_event_id, cursor.gaps = last_id, gaps
        cursor.save(update_fields=["last_event_id", "gaps"])
    return len(deliveries)


def _body(event: Event) -> dict:
    c = event.complaint
    return {
        "service_request_id": c.reference,
        "event": event.action,
        "status": "closed" if event.to_status == Status.CLOSED else "open",
        "igrs_status": event.to_status,
        "level": event.level,
        "updated_datetime": clock.local(event.at).isoformat(timespec="seconds"),
        "note": event.note,
    }


SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: "whsec_" and 32 random bytes in
    base64, so a receiver's stock verifier takes it as it is."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    """The HMAC key: the bytes a "whsec_" secret encodes (older secrets were migrated to that
    form with the same bytes, so their legacy signatures did not change)."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature (standardwebhooks.com): "v1," and the base64
    HMAC-SHA256 of "<id>.<timestamp>.<body>"."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return (
        "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()
    )


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The legacy X-IGRS-Signature (HMAC of "<timestamp>.<body>"), sent alongside the
    standard headers for one release so receivers can move over; then removed."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(_key(secret), signed, hashlib.sha256).hexdigest()


def refused_address(url: str) -> str:
    """Why IGRS will not POST to this URL, or "" (see _vetted)."""
    return _vetted(url)[1]


def _vetted(url: str) -> tuple[str, str]:
    """(the address to connect to, "") or ("", why not). Only http(s); the host is resolved
    once here and every address it resolves to must be allowed: public, or in a network the
    deployment allows (IGRS_WEBHOOK_PRIVATE_NETWORKS for all of its own,
    IGRS_WEBHOOK_ALLOWED_NETWORKS for some) — a key holder must not make the worker call the
    database, a metadata service or an intranet. The POST then goes to this very address, so
    a name that resolves otherwise a moment later (DNS rebinding) changes nothing."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "", "only http and https URLs"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        return "", f"cannot resolve {parts.hostname}: {error}"
    addresses = [ipaddress.ip_address(address[0].split("%")[0]) for *_rest, address in found]
    for ip in addresses:
        if not _allowed(ip):
            return "", f"{parts.hostname} is a non-public address ({ip})"
    return str(addresses[0]), ""


def _allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, whatever its IPv6 form says
    if ip.is_global or settings.IGRS_WEBHOOK_PRIVATE_NETWORKS:
        return True
    return any(ip in network for network in settings.IGRS_WEBHOOK_ALLOWED_NETWORKS)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a host's vetted address: the Host header names the host, the socket goes to
    the address (no second resolution). http.client follows no redirects, so a Location to
    an address nobody vetted is never followed either."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS likewise, the certificate checked against the host name (SNI)."""

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _post(url: str, address: str, body: bytes, headers: dict[str, str]) -> int:
    parts = urllib.parse.urlsplit(url)
    pinned = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    port = parts.port or (443 if parts.scheme == "https" else 80)
    assert parts.hostname is not None  # _vetted() refused a URL without one
    connection = pinned(parts.hostname, port, address=address, timeout=TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST",
            urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, "")),
            body,
            headers,
        )
        return connection.getresponse().status
    finally:
        connection.close()


def deliver_due(batch: int = 50) -> int:
    """POST the due deliveries; each is taken with SKIP LOCKED (PostgreSQL) by one worker."""
    now = clock.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        taken = lock_due(due.select_related("key"), ("next_attempt_at", "pk"), batch)
        # A lease long enough for the whole batch to time out one by one, so no other worker
        # takes a delivery still being sent; a crashed worker's deliveries come back after it.
        lease = dt.timedelta(seconds=TIMEOUT_SECONDS * max(len(taken), 1) + 60)
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in taken]).update(
            next_attempt_at=now + lease
        )
    for delivery in taken:
        _send(delivery)
    return len(taken)


def _send(delivery: WebhookDelivery) -> None:
    secret = delivery.key.webhook_secret
    if not secret:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "no signing secret"
        delivery.save(update_fields=["status", "last_error"])
        return
    body = json.dumps(delivery.body, ensure_ascii=False).encode()
    timestamp = int(clock.now().timestamp())
    # The same id on every retry: receivers deduplicate by it.
    message_id = f"igrs-delivery-{delivery.pk}"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(secret, message_id, timestamp, body),
        # Legacy, for one release (docs/open311.md).
        "X-IGRS-Delivery": str(delivery.pk),
        "X-IGRS-Timestamp": str(timestamp),
        "X-IGRS-Signature": signature(secret, timestamp, body),
    }
    delivery.attempts += 1
    address, refused = _vetted(delivery.key.webhook_url)
    try:
        if refused:
            raise ValueError(refused)
        status = _post(delivery.key.webhook_url, address, body, headers)
        ok = 200 <= status < 300
        error = "" if ok else f"HTTP {status}"
    except (OSError, http.client.HTTPException, ValueError) as problem:
        ok, error = False, str(problem)[:300]
    if ok:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            clock.now(),
            "",
        )
    elif delivery.attempts >= settings.IGRS_WEBHOOK_MAX_ATTEMPTS:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, error
        log.warning(
            "webhook %s to %s failed for good: %s", delivery.pk, delivery.key.webhook_url, error
        )
    else:
        delivery.last_error = error
        delivery.next_attempt_at = clock.now() + RETRY.after(delivery.attempts)
    delivery.save(
        update_fields=["status", "attempts", "delivered_at", "last_error", "next_attempt_at"]
    )
