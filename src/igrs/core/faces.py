"""Small pieces every web face shares: putting a service's errors on a form, and sending a
complaint's stored file to someone a view has already found may see it."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from igrs.grievances import selectors
from igrs.grievances.actors import Actor
from igrs.grievances.errors import NotFound
from igrs.grievances.models import Attachment


def add_service_errors(form, error: ValidationError,
                       renamed: dict[str, str] | None = None) -> None:
    """Put a service's per-field errors next to the form's fields (unknown ones on top);
    `renamed` maps a service's argument to the form field that feeds it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        field = (renamed or {}).get(field, field)
        form.add_error(field if field in form.fields else None, messages)


def stored_attachment(ref: str, attachment_id: int, viewer: Actor) -> Attachment:
    """The attachment of a complaint the viewer may see; 404 for anything else."""
    try:
        complaint = selectors.visible_complaint(ref, viewer)
    except NotFound:
        raise Http404(_("No such file.")) from None
    found = Attachment.objects.filter(pk=attachment_id, event__complaint=complaint).first()
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
