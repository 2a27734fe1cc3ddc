"""Files attached to a complaint or a report: recognised by content, bounded, stored with
the photo facts that make evidence checkable.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from igrs.core.errors import Invalid
from igrs.core.text import nfc
from igrs.directory import selectors as directory

from .. import evidence
from ..models import (
    Attachment,
    Complaint,
    Event,
)

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# All the files of one complaint, over every report and re-opening: bounded too.
MAX_COMPLAINT_ATTACHMENTS = 15
MAX_COMPLAINT_BYTES = 40 * 1024 * 1024


# File types are recognised by their first bytes, never by the name's extension.
MAGIC = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def _checked_uploads(
    uploads: Sequence[Upload], field: str | None = None, complaint: Complaint | None = None
) -> list[tuple[Upload, str]]:
    """(upload, content type) for each file, recognised by its content; a refusal names
    `field` when the caller reports errors per field. With `complaint`, its files so far count
    against the per-complaint bounds."""

    def require(condition: bool, message: str) -> None:
        if not condition:
            raise Invalid(fields={field: message}) if field else Invalid(message)

    require(
        len(uploads) <= MAX_ATTACHMENTS, _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}
    )
    if uploads and complaint is not None:
        held = Attachment.objects.filter(event__complaint=complaint).aggregate(
            files=Count("pk"), size=Sum("size")
        )
        require(
            held["files"] + len(uploads) <= MAX_COMPLAINT_ATTACHMENTS
            and (held["size"] or 0) + sum(len(u.content) for u in uploads) <= MAX_COMPLAINT_BYTES,
            _("This complaint already holds as many files as it may; attach none, or fewer."),
        )
    checked = []
    for upload in uploads:
        require(0 < len(upload.content) <= MAX_ATTACHMENT_BYTES, _("Each file must be under 5 MB."))
        kind = next((t for magic, t in MAGIC.items() if upload.content.startswith(magic)), None)
        require(
            kind is not None,
            _("“%(name)s” is not a photo (JPEG or PNG) or a PDF.") % {"name": upload.name},
        )
        assert kind is not None  # require() raised otherwise
        if kind.startswith("image/"):
            # Judged from the header alone, before anything decodes the pixels.
            pixels = evidence.pixels(upload.content)
            require(
                pixels is not None,
                _("“%(name)s” is not a photo that can be read.") % {"name": upload.name},
            )
            require(
                pixels is not None and pixels <= evidence.MAX_PIXELS,
                _("“%(name)s” has too many pixels; send a smaller photo.") % {"name": upload.name},
            )
        checked.append((upload, kind))
    return checked


def _save_attachments(event: Event, files: Sequence[tuple[Upload, str]]) -> None:
    for upload, kind in files:
        facts = evidence.photo_facts(upload.content) if kind.startswith("image/") else None
        attachment = Attachment(
            event=event,
            original_name=nfc(upload.name, single_line=True)[:200] or "file",
            content_type=kind,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            taken_at=facts.taken_at if facts else None,
            latitude=facts.latitude if facts else None,
            longitude=facts.longitude if facts else None,
            warnings=_evidence_warnings(event, facts) if facts else [],
            photo_hash=evidence.photo_hash(upload.content) if facts else "",
        )
        # Stored under a name and extension the server chose (models.evidence_path).
        attachment.file.save("upload", ContentFile(upload.content), save=False)
        _save_public_copy(attachment, upload.content)
        attachment.save()


def _save_public_copy(attachment: Attachment, content: bytes) -> None:
    """The copy the complainant and the public get, made once here rather than on every
    download: a photo re-encoded without its metadata; a PDF as it is. None when the photo
    cannot be re-encoded: then nobody outside gets it."""
    if not attachment.content_type.startswith("image/"):
        attachment.public_file.name = attachment.file.name
        return
    try:
        public = evidence.without_metadata(content, attachment.content_type)
    except evidence.CannotClean:
        return
    attachment.public_file.save("public", ContentFile(public), save=False)


def _evidence_warnings(event: Event, facts: evidence.PhotoFacts) -> list[str]:
    """Reasons to look twice at a photo (codes; faces translate them)."""
    warnings = []
    if facts.taken_at is None:
        warnings.append("no_time")
    elif facts.taken_at < event.complaint.created_at:
        warnings.append("older_than_complaint")
    if facts.latitude is None or facts.longitude is None:
        warnings.append("no_place")
        return warnings
    place = next(
        (
            (u.latitude, u.longitude)
            for u in directory.unit_chain(event.complaint.place_id)
            if u.latitude is not None and u.longitude is not None
        ),
        None,
    )
    if (
        place is not None
        and evidence.distance_km((facts.latitude, facts.longitude), place)
        > settings.IGRS_EVIDENCE_MAX_KM
    ):
        warnings.append("far_from_place")
    return warnings


def _adopt_attachments(report: Event, event: Event) -> None:
    """The subordinate's evidence, also on the approved report (same stored files)."""
    Attachment.objects.bulk_create(
        Attachment(
            event=event,
            file=a.file.name,
            public_file=a.public_file.name,
            original_name=a.original_name,
            content_type=a.content_type,
            size=a.size,
            sha256=a.sha256,
            taken_at=a.taken_at,
            latitude=a.latitude,
            longitude=a.longitude,
            warnings=a.warnings,
            photo_hash=a.photo_hash,
        )
        for a in report.attachments.all()
    )
