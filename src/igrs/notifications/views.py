"""Delivery-report callback (for the gateway) and the SMS operations page (for admins)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from igrs.core import clock
from igrs.faces.access import staff

from . import receipts, selectors, services


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
    return HttpResponse("ok\n" if changed else "ok, nothing changed\n",
                        content_type="text/plain")


@staff("admin")
def operations(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    return render(request, "notifications/ops.html", {
        "queue": selectors.queue(),
        "sent_day": selectors.sent_since(now - selectors.DAY),
        "outcomes_day": selectors.outcomes_since(now - selectors.DAY),
        "failures_day": selectors.failures_by_code(now - selectors.DAY),
        "failures_week": selectors.failures_by_code(now - selectors.WEEK),
        "parked": selectors.parked_by_type(),
        "needing_a_hand": selectors.needing_a_hand(),
    })


@staff("admin")
@require_POST
def release(request: HttpRequest) -> HttpResponse:
    released = services.release_parked(request.POST.get("key") or None)
    messages.info(request, ngettext("%(n)d parked message released.",
                                    "%(n)d parked messages released.", released)
                  % {"n": released})
    return redirect("notifications:ops")


@staff("admin")
@require_POST
def send_again(request: HttpRequest, message_id: int) -> HttpResponse:
    if services.send_again(message_id):
        messages.info(request, _("The message is queued again."))
    else:
        messages.error(request, _("The message cannot be sent again from its present state."))
    return redirect("notifications:ops")
