"""The delivery-report callback, for the gateway."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import receipts, services


@csrf_exempt
@require_http_methods(["GET", "POST"])
def delivery_report(request: HttpRequest, message_id: int, signature: str) -> HttpResponse:
    """Kannel (GET, `type` and `answer`) or an aggregator (`status`, `err`). The signed URL
    is the credential. Answers 200 for a repeat as well, so the gateway stops retrying."""
    if not receipts.signature_ok(message_id, signature):
        return HttpResponse("bad signature\n", status=403, content_type="text/plain")
    receipt = receipts.from_callback({**request.GET.dict(), **request.POST.dict()})
    if receipt is None:
        return HttpResponse("no status understood\n", status=400, content_type="text/plain")
    changed = services.record_receipt(message_id, receipt)
    return HttpResponse("ok\n" if changed else "ok, nothing changed\n", content_type="text/plain")
