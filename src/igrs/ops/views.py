"""Probes and metrics for the machines that run IGRS: a load balancer, systemd, Prometheus."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from . import selectors
from .metrics import exposition

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and answers: nothing else is checked."""
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database answers, every migration is applied, and each background
    job ran recently. 503 with what is wrong otherwise."""
    state = selectors.readiness()
    body = {
        "ready": state.ready,
        "database": state.database,
        "migrations": state.migrations,
        "late_jobs": list(state.late_jobs),
    }
    return JsonResponse(body, status=200 if state.ready else 503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(exposition(), content_type=PROMETHEUS_TEXT)
