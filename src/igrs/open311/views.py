"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) at /open311/v2/: every endpoint in
JSON and XML, errors in the spec's shape and codes. Views parse, call a service or selector,
and render.

As the spec has it, reads need no api_key and answer the public form of a request (see
selectors); a key that may read a complaint gets it in full, and filing needs a key. Calls
with a key are limited per key, the others per client address."""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from igrs.core.errors import Invalid, LimitReached, ServiceError
from igrs.core.replica import reads_from_replica
from igrs.faces.errors import http_status
from igrs.faces.session import client_ip

from . import selectors, services
from .models import IntegrationKey

FORMATS = ("json", "xml")
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Our field names → the spec's, for errors on a POSTed request.
SPEC_FIELDS = {
    "complainant_name": "first_name",
    "mobile": "phone",
    "email": "email",
    "description": "description",
    "place_detail": "address_string",
}


class Refused(Exception):
    def __init__(self, status: int, *descriptions: str):
        self.status, self.descriptions = status, descriptions


def open311(view: Callable) -> Callable:
    """Format check, locale, key, jurisdiction, rate limit, the call log and the spec's
    errors; GETs read from the replica where one is set up."""

    def wrapper(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        if fmt not in FORMATS:
            return _render_errors("json", 404, [_("Use the .json or .xml form.")])
        params = request.POST if request.method == "POST" else request.GET
        language = "en" if params.get("locale", "hi").lower().startswith("en") else "hi"
        key = services.key_for(params.get("api_key", ""))
        with translation.override(language):
            try:
                _admit(request, params, key, kwargs.values())
                response = reads_from_replica(view)(
                    request, fmt, key=key, params=params, language=language, **kwargs
                )
            except Refused as refused:
                response = _render_errors(fmt, refused.status, refused.descriptions)
        if key is not None:
            services.log_call(key, request.method, _without_key(request), response.status_code)
        return response

    wrapper.__name__ = view.__name__
    return csrf_exempt(wrapper)  # machine clients authenticate with api_key, not cookies


def _admit(request: HttpRequest, params, key: IntegrationKey | None, in_path) -> None:
    """Count the call (per key, or per address: guessing keys is limited too), then refuse
    an unknown key, another jurisdiction or text no database takes."""
    try:
        if key is None:
            services.admit_address(client_ip(request))
        else:
            services.admit(key)
    except LimitReached as error:
        raise Refused(429, error.message) from None
    # First: no other check may read (or look up) text no database takes.
    given = [*in_path, *(value for name, values in params.lists() for value in (name, *values))]
    if any("\x00" in value for value in given):
        raise Refused(400, _("A parameter contains a NUL character."))
    if key is None and params.get("api_key"):
        raise Refused(403, _("Send a valid api_key."))
    jurisdiction = params.get("jurisdiction_id", "")
    if jurisdiction and jurisdiction.lower() != settings.IGRS_OPEN311_JURISDICTION.lower():
        raise Refused(
            404,
            _("This server answers for the jurisdiction_id %(ours)s only.")
            % {"ours": settings.IGRS_OPEN311_JURISDICTION},
        )


def _without_key(request: HttpRequest) -> str:
    """The path and query as logged: never the api_key itself."""
    query = request.GET.copy()
    query.pop("api_key", None)
    path = escape_uri_path(request.path)  # as sent, NUL included, is no text for the log
    return f"{path}?{query.urlencode()}" if query else path


def _filer(key: IntegrationKey | None) -> IntegrationKey:
    """Every key may file; without one nobody may."""
    if key is None:
        raise Refused(403, _("Send a valid api_key."))
    return key


@require_safe
@open311
def discovery(request: HttpRequest, fmt: str, **_context) -> HttpResponse:
    base = f"{settings.IGRS_PUBLIC_URL.rstrip('/')}/open311/v2/"
    return _render(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-29T00:00:00+05:30",
            "contact": "1076",
            "key_service": _("API keys are issued by the state's IGRS administrators."),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2026-11-29T00:00:00+05:30",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
    )


@require_safe
@open311
def service_list(request: HttpRequest, fmt: str, *, language: str, **_context) -> HttpResponse:
    return _render(fmt, "services", selectors.services(language), item="service")


@require_safe
@open311
def service_definition(
    request: HttpRequest, fmt: str, code: str, *, language: str, **_context
) -> HttpResponse:
    found = selectors.service_definition(code, language)
    if found is None:
        raise Refused(404, _("No service has the code %(code)s.") % {"code": code})
    return _render(fmt, "service_definition", found)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311
def requests(request: HttpRequest, fmt: str, *, key, params, language: str) -> HttpResponse:
    if request.method == "POST":
        return _file(fmt, _filer(key), params, language)
    start, end = _date(params, "start_date"), _date(params, "end_date")
    if start and end and (end - start) > dt.timedelta(days=selectors.MAX_DAYS):
        raise Refused(400, _("start_date and end_date may be at most 90 days apart."))
    statuses = _listed(params, "status")
    if not set(statuses) <= {"open", "closed"}:
        raise Refused(400, _("status must be open, closed or both."))
    page, size = _positive(params, "page", 1), _positive(params, "page_size", selectors.PAGE_SIZE)
    found = selectors.service_requests(
        ids=_listed(params, "service_request_id"),
        service_codes=_listed(params, "service_code"),
        start=start,
        end=end,
        statuses=statuses,
        page=page,
        page_size=min(size, selectors.MAX_PAGE_SIZE),
    )
    return _requests(fmt, key, found, language)


def _listed(params, name: str) -> list[str]:
    """A parameter the spec lets a client give comma-delimited or repeated."""
    items = (item.strip() for value in params.getlist(name) for item in value.split(","))
    return [item for item in items if item]


def _requests(fmt: str, key: IntegrationKey | None, found: list, language: str) -> HttpResponse:
    full = selectors.readable_in_full(key, [c.pk for c in found])
    return _render(
        fmt,
        "service_requests",
        [selectors.as_request(c, language, full=c.pk in full) for c in found],
        item="request",
    )


def _file(fmt: str, key: IntegrationKey, params, language: str) -> HttpResponse:
    try:
        complaint = services.file_request(key, params)
    except Invalid as error:
        problems = [
            f"{SPEC_FIELDS.get(field, field)}: {' '.join(messages)}"
            for field, messages in error.fields.items()
        ]
        raise Refused(400, *(problems or [error.message])) from None
    except ServiceError as error:
        raise Refused(http_status(error), error.message) from None
    return _render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": complaint.reference,
                "service_notice": _("Registered. Track it with this reference number, or on 1076."),
                "account_id": "",
            }
        ],
        item="request",
        status=201,
    )


@require_safe
@open311
def single_request(
    request: HttpRequest, fmt: str, ref: str, *, key, language: str, **_context
) -> HttpResponse:
    found = selectors.find_request(ref)
    if found is None:
        raise Refused(404, _("No service request has the id %(id)s.") % {"id": ref})
    return _requests(fmt, key, [found], language)


@require_safe
@open311
def token(request: HttpRequest, fmt: str, token: str, **_context) -> HttpResponse:
    """Requests are registered at once, so a token is the request id itself."""
    if selectors.find_request(token) is None:
        raise Refused(404, _("No request has the token %(token)s.") % {"token": token})
    return _render(
        fmt, "service_requests", [{"service_request_id": token, "token": token}], item="request"
    )


@require_safe
@open311
def request_updates(
    request: HttpRequest, fmt: str, *, key, params, language: str, **_context
) -> HttpResponse:
    end = _date(params, "end_date") or timezone.now()
    start = _date(params, "start_date") or end - dt.timedelta(days=1)
    if end - start > dt.timedelta(days=selectors.MAX_DAYS):
        raise Refused(400, _("start_date and end_date may be at most 90 days apart."))
    return _render(
        fmt,
        "service_request_updates",
        selectors.updates(key, start, end, language),
        item="request_update",
    )


def _date(params, name: str) -> dt.datetime | None:
    raw = params.get(name, "")
    if not raw:
        return None
    try:
        parsed = parse_datetime(raw.replace(" ", "+"))  # a '+' in a query string reads as space
    except ValueError:
        parsed = None
    if parsed is None or not 2000 <= parsed.year <= 2200:
        raise Refused(
            400,
            _("%(name)s must be a W3C date and time, e.g. 2026-11-01T00:00:00+05:30.")
            % {"name": name},
        )
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _positive(params, name: str, default: int) -> int:
    raw = params.get(name, "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 10**6:
        raise Refused(400, _("%(name)s must be a positive whole number.") % {"name": name})
    return int(raw)


# ---------------------------------------------------------------- rendering


def _render(fmt: str, root: str, body, item: str = "", status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            body, safe=False, status=status, json_dumps_params={"ensure_ascii": False}
        )
    element = ET.Element(root)
    if isinstance(body, list):
        for entry in body:
            _fill(ET.SubElement(element, item), entry)
    else:
        _fill(element, body)
    xml = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(xml, content_type="text/xml; charset=utf-8", status=status)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, inner in value.items():
            if isinstance(inner, list):
                holder = ET.SubElement(element, name)
                for entry in inner:
                    _fill(ET.SubElement(holder, name.rstrip("s") or name), entry)
            else:
                _fill(ET.SubElement(element, name), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = XML_ILLEGAL.sub("", str(value))  # XML 1.0 has no place for them


def _render_errors(fmt: str, status: int, descriptions) -> HttpResponse:
    return _render(
        fmt,
        "errors",
        [{"code": status, "description": d} for d in descriptions],
        item="error",
        status=status,
    )
