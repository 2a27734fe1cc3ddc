"""Writes of the integration API: keys, filing a service request, and the call log."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from igrs.core import clock
from igrs.core.errors import Invalid, LimitReached
from igrs.core.ratelimit import hit
from igrs.core.text import clean, nfc
from igrs.directory.models import Category, Unit
from igrs.grievances import services as grievances
from igrs.grievances.actors import SYSTEM
from igrs.grievances.models import Complaint, Source

from .models import Call, Filing, IntegrationKey
from .webhooks import new_secret

MINUTE = dt.timedelta(minutes=1)


def create_key(name: str, scope: str, webhook_url: str = "") -> tuple[IntegrationKey, str]:
    """A new key for an integrating system; the plain key is returned once, never stored.
    With a webhook URL, a signing secret is made too (shown in the admin)."""
    plain = secrets.token_urlsafe(24)
    key = IntegrationKey.objects.create(
        name=nfc(name, single_line=True),
        scope=scope,
        prefix=plain[:8],
        key_hash=_hash(plain),
        webhook_url=webhook_url,
        webhook_secret=new_secret() if webhook_url else "",
    )
    return key, plain


def key_for(plain: str) -> IntegrationKey | None:
    if not plain:
        return None
    return IntegrationKey.objects.filter(key_hash=_hash(plain), revoked=False).first()


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def admit(key: IntegrationKey) -> None:
    """Count one request of the key against its per-minute limit (LimitReached beyond it)."""
    with transaction.atomic():
        if not hit("integration", str(key.pk), key.per_minute, MINUTE):
            raise LimitReached(_("Too many requests with this API key; slow down."))


def admit_address(address: str) -> None:
    """Count one call without a key from this client address (LimitReached beyond
    IGRS_OPEN311_PUBLIC_PER_MINUTE)."""
    with transaction.atomic():
        if not hit("open311-public", address, settings.IGRS_OPEN311_PUBLIC_PER_MINUTE, MINUTE):
            raise LimitReached(
                _("Too many requests from this address; slow down or use an api_key.")
            )


def log_call(key: IntegrationKey | None, method: str, path: str, status: int) -> None:
    Call.objects.create(key=key, at=clock.now(), method=method, path=path[:300], status=status)


def file_request(key: IntegrationKey, params) -> Complaint:
    """An Open311 `POST requests` (form fields as the spec names them) registered as a
    complaint. Our place comes from attribute[place_code] (or address_id): a district, tehsil,
    block or thana code; the address text and coordinates go with the place detail."""
    category = Category.objects.filter(code=params.get("service_code", ""), active=True).first()
    place_code = params.get("attribute[place_code]") or params.get("address_id") or ""
    place = Unit.objects.filter(code=place_code).first()
    errors = {}
    if category is None:
        errors["service_code"] = _("Unknown service_code; GET services for the list.")
    if place is None:
        errors["attribute[place_code]"] = _(
            "Send attribute[place_code]: the code of the district, tehsil, block or thana."
        )
    if errors or category is None or place is None:
        raise Invalid(fields=errors)
    name = clean(
        " ".join(filter(None, (params.get("first_name"), params.get("last_name")))),
        "complainant_name",
    )
    where = ", ".join(
        filter(
            None,
            (
                clean(params.get("address_string", ""), "place_detail", single_line=True),
                _coordinates(params.get("lat", ""), params.get("long", "")),
            ),
        )
    )
    with transaction.atomic():
        complaint = grievances.register(
            SYSTEM,
            grievances.NewComplaint(
                source=Source.APP,
                complainant_name=name,
                mobile=params.get("phone", ""),
                category_id=category.pk,
                place_id=place.pk,
                place_detail=where[:200],
                description=params.get("description", ""),
                email=params.get("email", ""),
                language="hi" if params.get("locale", "hi").startswith("hi") else "en",
            ),
        )
        Filing.objects.create(complaint=complaint, key=key)
    return complaint


def _coordinates(lat: str, long: str) -> str:
    try:
        latitude, longitude = float(lat), float(long)
    except ValueError:
        return ""
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return f"{latitude:.6f},{longitude:.6f}"
    return ""
