"""Short signed links for officers' SMS: /o/<token> opens one complaint's page for one officer
without typing a password on a phone. The token carries the complaint, the officer and the
expiry day, with an HMAC: nothing is stored until someone opens it, and it stays short enough
for an SMS."""

import datetime as dt

from django.conf import settings

from . import clock, keys

EPOCH = dt.date(2020, 1, 1)
MAC_CHARS = 12  # hex characters: 48 bits of the HMAC
PURPOSE = "officer-link"


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _mac(body: str) -> str:
    return keys.sign(PURPOSE, body)[:MAC_CHARS]


def officer_link(complaint_id: int, officer_id: int) -> str:
    """The full URL for an SMS, valid for IGRS_OFFICER_LINK_DAYS."""
    expires = (clock.now().date() - EPOCH).days + settings.IGRS_OFFICER_LINK_DAYS
    body = f"{_b36(complaint_id)}-{_b36(officer_id)}-{_b36(expires)}"
    return f"{settings.IGRS_PUBLIC_URL.rstrip('/')}/o/{body}-{_mac(body)}"


def read_officer_link(token: str) -> tuple[int, int] | None:
    """(complaint id, officer id) of a genuine, unexpired token; None otherwise."""
    parts = token.split("-")
    if len(parts) != 4 or not token.isascii() or len(parts[3]) != MAC_CHARS:
        return None
    body, mac = "-".join(parts[:3]), parts[3]
    if not keys.signed(PURPOSE, body, mac, MAC_CHARS):
        return None
    try:
        complaint_id, officer_id, expires = (int(part, 36) for part in parts[:3])
    except ValueError:
        return None
    if EPOCH + dt.timedelta(days=expires) < clock.now().date():
        return None
    return complaint_id, officer_id
