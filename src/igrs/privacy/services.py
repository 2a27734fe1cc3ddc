"""Erasure on request across the records that carry it: the complaint (through the grievance
services, with its timeline step), and the SMS, 1076, audit and IVR call records about it."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from igrs.callcentre.models import AuditCall, Call
from igrs.core import clock
from igrs.core.errors import Invalid, NotPermitted
from igrs.core.roles import Role
from igrs.core.text import clean
from igrs.grievances import access
from igrs.grievances import selectors as grievance_selectors
from igrs.grievances import services as grievances
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint
from igrs.ivr.models import Handover, IvrCall
from igrs.notifications.models import OutboxMessage

from .models import PersonalDataView
from .retention import FINISHED_SMS, forget_ivr_calls

# Who is not staff: a complainant reading their own, the system sending SMS.
NOT_STAFF = frozenset({Role.CITIZEN, Role.SYSTEM})
MIN_REASON = 10


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
        # The supervisor's note of the audit re-call is the complainant's words, as an
        # agent's verification note is (erased with the complaint's notes).
        AuditCall.objects.filter(complaint=complaint).update(note="")
        # IVR calls know the complaint only by the reference the caller keyed in.
        keyed = complaint.reference
        forget_ivr_calls(
            [
                *IvrCall.objects.filter(reference=keyed).values_list("pk", flat=True),
                *Handover.objects.filter(reference=keyed).values_list("call_id", flat=True),
            ]
        )
    return complaint


def record_views(viewer: Actor, complaint_ids: Iterable[int], face: str) -> None:
    """Log that a member of staff saw these complaints' personal data: one INSERT for a
    page or a list, whatever its length (the 1076 console renders one at every change)."""
    if viewer.role in NOT_STAFF:
        return
    now = clock.now()
    PersonalDataView.objects.bulk_create(
        PersonalDataView(
            at=now,
            user_id=viewer.user_id,
            officer_id=viewer.officer_id,
            role=viewer.role,
            complaint_id=pk,
            face=face,
        )
        for pk in dict.fromkeys(complaint_ids)
    )


def reveal_mobile(viewer: Actor, ref: str, *, reason: str, face: str) -> str:
    """The complainant's full mobile, for someone whose role may reveal it on this complaint
    (grievances.access.may_reveal), with the reason logged."""
    complaint = grievance_selectors.visible_complaint(ref, viewer)
    if not access.may_reveal(viewer, complaint):
        raise NotPermitted(_("Your role may not see the complainant's full mobile number."))
    reason = clean(reason, "reason", single_line=True)
    if len(reason) < MIN_REASON:
        raise Invalid(
            fields={
                "reason": [
                    _("Say why you need the number (at least %(n)d characters).")
                    % {"n": MIN_REASON}
                ]
            }
        )
    PersonalDataView.objects.create(
        at=clock.now(),
        user_id=viewer.user_id,
        officer_id=viewer.officer_id,
        role=viewer.role,
        complaint=complaint,
        face=face,
        revealed=True,
        reason=reason,
    )
    return complaint.mobile
