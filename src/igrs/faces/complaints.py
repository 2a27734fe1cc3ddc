"""What every web face shows of a complaint: its page, and sending a complaint's stored file
to someone a view has already found may see it."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from igrs.core.errors import InvalidReference, NotFound
from igrs.grievances import reference, selectors
from igrs.grievances.actors import Actor
from igrs.grievances.models import Attachment


def complaint_or_404(ref: str, viewer: Actor) -> selectors.ComplaintView:
    """The tracking view for this viewer; the same 404 as for a number never issued."""
    try:
        return selectors.get_complaint(ref, viewer)
    except (NotFound, InvalidReference) as error:
        raise Http404(error.message) from None


def complaint_page(
    view: selectors.ComplaintView, attachment_view: str, timeline: list | None = None
) -> dict:
    """What every complaint page renders: the complaint, its reference grouped for reading,
    the three answers, and the timeline (all of it unless the face filters it)."""
    return {
        "view": view,
        "complaint": view.complaint,
        "grouped": reference.grouped(view.complaint.reference),
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
