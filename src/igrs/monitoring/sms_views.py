"""The SMS operations page (administrators): the queue, delivery, failures by operator code,
parked messages, and sending again what needs a hand."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from igrs.core import clock
from igrs.core.roles import Role
from igrs.faces.access import staff
from igrs.notifications import selectors as sms_selectors
from igrs.notifications import services as sms_services


@staff(Role.ADMIN)
def operations(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    return render(
        request,
        "monitoring/sms_ops.html",
        {
            "queue": sms_selectors.queue(),
            "sent_day": sms_selectors.sent_since(now - sms_selectors.DAY),
            "outcomes_day": sms_selectors.outcomes_since(now - sms_selectors.DAY),
            "failures_day": sms_selectors.failures_by_code(now - sms_selectors.DAY),
            "failures_week": sms_selectors.failures_by_code(now - sms_selectors.WEEK),
            "parked": sms_selectors.parked_by_type(),
            "needing_a_hand": sms_selectors.needing_a_hand(),
        },
    )


@staff(Role.ADMIN)
@require_POST
def release(request: HttpRequest) -> HttpResponse:
    released = sms_services.release_parked(request.POST.get("key") or None)
    messages.info(
        request,
        ngettext("%(n)d parked message released.", "%(n)d parked messages released.", released)
        % {"n": released},
    )
    return redirect("sms:ops")


@staff(Role.ADMIN)
@require_POST
def send_again(request: HttpRequest, message_id: int) -> HttpResponse:
    if sms_services.send_again(message_id):
        messages.info(request, _("The message is queued again."))
    else:
        messages.error(request, _("The message cannot be sent again from its present state."))
    return redirect("sms:ops")
