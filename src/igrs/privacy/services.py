"""Erasure on request across the records that carry it: the complaint (through the grievance
services, with its timeline step), and the SMS and call records about it."""

from django.db import transaction

from igrs.callcentre.models import Call
from igrs.grievances import services as grievances
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint
from igrs.notifications.models import OutboxMessage

from .retention import FINISHED_SMS


def erase_on_request(
    actor: Actor, ref: str, *, reason: str, version: int | None = None
) -> Complaint:
    """The complainant asked for their personal data to be erased (see
    grievances.erase_personal_data for who may and when)."""
    with transaction.atomic():
        call_id = Complaint.objects.filter(reference=ref).values_list("call_id", flat=True).first()
        complaint = grievances.erase_personal_data(actor, ref, reason=reason, version=version)
        OutboxMessage.objects.filter(reference=complaint.reference, status__in=FINISHED_SMS).update(
            mobile="", body="", context={}
        )
        if call_id:
            Call.objects.filter(call_id=call_id).update(ani="", mobile="")
    return complaint
