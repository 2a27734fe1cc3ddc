"""What every web face shows of a complaint: its page, and sending a complaint's stored file
to someone a view has already found may see it."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from igrs.core.errors import InvalidReference, NotFound
from igrs.core.text import mask_mobile
from igrs.grievances import access, reference, selectors
from igrs.grievances.actors import Actor
from igrs.grievances.models import Attachment
from igrs.privacy.services import record_views


def complaint_or_404(ref: str, viewer: Actor, face: str) -> selectors.ComplaintView:
    """The tracking view for this viewer (the one rule, grievances.access); the same 404 as
    for a number never issued. A member of staff's look is logged with the face it was on."""
    try:
        view = selectors.get_complaint(ref, viewer)
    except (NotFound, InvalidReference) as error:
        raise Http404(error.message) from None
    record_views(viewer, [view.complaint.pk], face)
    return view


def complaint_page(
    view: selectors.ComplaintView,
    attachment_view: str,
    viewer: Actor,
    timeline: list | None = None,
    revealed: str = "",
) -> dict:
    """What every complaint page renders: the complaint, its reference grouped for reading,
    the complainant's mobile as the viewer may see it (the one masking rule, or `revealed`
    after a logged reveal), the three answers, and the timeline (all of it unless the face
    filters it)."""
    complaint = view.complaint
    full = revealed or access.sees_full_mobile(viewer, complaint)
    return {
        "view": view,
        "complaint": complaint,
        "grouped": reference.grouped(complaint.reference),
        "mobile": complaint.mobile if full else mask_mobile(complaint.mobile),
        "mobile_full": bool(full),
        "may_reveal": not full and access.may_reveal(viewer, complaint),
        "action_taken": selectors.last_action_taken(view),
        "attachment_view": attachment_view,
        "timeline": view.events if timeline is None else timeline,
    }


def stored_attachment(ref: str, attachment_id: int, viewer: Actor) -> Attachment:
    """The attachment of a complaint the viewer may see; 404 for anything else."""
    try:
        complaint = selectors.visible_complaint(ref, viewer)
    except (NotFound, InvalidReference):
        raise Http404(_("No such file.")) from None
    found = selectors.attachment_of(complaint, attachment_id)
    if found is None:
        raise Http404(_("No such file."))
    return found


def original_file(found: Attachment) -> FileResponse:
    """The file as stored (evidence with its metadata): for staff only."""
    try:
        opened = found.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such file.")) from None
    return FileResponse(opened, content_type=found.content_type, filename=found.original_name)
