"""Files attached to a complaint or a report: recognised by content, bounded, stored with
the photo facts that make evidence checkable.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from igrs.core.errors import Invalid
from igrs.core.text import nfc
from igrs.directory import selectors as directory

from .. import evidence
from ..models import (
    Attachment,
    Event,
)

MAX_ATTACHMENTS = 3


MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


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
    uploads: Sequence[Upload], field: str | None = None
) -> list[tuple[Upload, str]]:
    """(upload, content type) for each file, recognised by its content; a refusal names
    `field` when the caller reports errors per field."""

    def require(condition: bool, message: str) -> None:
        if not condition:
            raise Invalid(fields={field: message}) if field else Invalid(message)

    require(
        len(uploads) <= MAX_ATTACHMENTS, _("Attach at most %(n)d files.") % {"n": MAX_ATTACHMENTS}
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
        require(
            not (kind.startswith("image/") and evidence.too_large(upload.content)),
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
        )
        attachment.file.save(attachment.original_name, ContentFile(upload.content), save=False)
        attachment.save()


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
            original_name=a.original_name,
            content_type=a.content_type,
            size=a.size,
            sha256=a.sha256,
            taken_at=a.taken_at,
            latitude=a.latitude,
            longitude=a.longitude,
            warnings=a.warnings,
        )
        for a in report.attachments.all()
    )
