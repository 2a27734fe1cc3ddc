"""Webhooks: the worker turns new timeline steps of complaints an integrating system filed
into deliveries (in event order, from a cursor, so none is missed or made twice) and POSTs
them, signed, retrying with back-off."""

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request

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


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC of "<timestamp>.<body>": a receiver that also refuses old timestamps cannot be
    fooled by a recorded delivery sent again."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the signed body to an address nobody checked."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def refused_address(url: str) -> str:
    """Why IGRS will not POST to this URL, or "". Only http(s); and unless the deployment
    allows its own networks (IGRS_WEBHOOK_PRIVATE_NETWORKS), only public addresses — a key
    holder must not make the worker call the database, a metadata service or an intranet."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "only http and https URLs"
    if settings.IGRS_WEBHOOK_PRIVATE_NETWORKS:
        return ""
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        return f"cannot resolve {parts.hostname}: {error}"
    for *_rest, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return f"{parts.hostname} is a non-public address ({ip})"
    return ""


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
    if not delivery.key.webhook_secret:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "no signing secret"
        delivery.save(update_fields=["status", "last_error"])
        return
    body = json.dumps(delivery.body, ensure_ascii=False).encode()
    timestamp = int(clock.now().timestamp())
    request = urllib.request.Request(
        delivery.key.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-IGRS-Delivery": str(delivery.pk),
            "X-IGRS-Timestamp": str(timestamp),
            "X-IGRS-Signature": signature(delivery.key.webhook_secret, timestamp, body),
        },
    )
    delivery.attempts += 1
    refused = refused_address(delivery.key.webhook_url)
    try:
        if refused:
            raise ValueError(refused)
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            ok = 200 <= response.status < 300
            error = "" if ok else f"HTTP {response.status}"
    except (urllib.error.URLError, OSError, ValueError) as problem:
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
