"""One log line and one latency observation per request, named by the view (never the
path or query, which can carry a mobile number), with a request id the response echoes."""

import logging
import re
import time
import uuid

from .logs import fields
from .metrics import REQUEST_SECONDS, RESPONSES

log = logging.getLogger("igrs.request")
GOOD_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
UNRESOLVED = "unresolved"  # 404s and the like: no view, one label for all


def _request_id(request) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if GOOD_ID.fullmatch(given) else uuid.uuid4().hex


def _view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or UNRESOLVED) if match else UNRESOLVED


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id(request)
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        view = _view_name(request)
        REQUEST_SECONDS.labels(view).observe(duration)
        RESPONSES.labels(view, f"{response.status_code // 100}xx").inc()
        response["X-Request-ID"] = request.request_id
        if log.isEnabledFor(logging.INFO):  # the benchmarks run at WARNING: no formatting
            log.info(
                fields(
                    event="request",
                    request_id=request.request_id,
                    method=request.method,
                    view=view,
                    status=response.status_code,
                    duration_ms=round(duration * 1000, 1),
                )
            )
        return response
