"""Checking a scanned consent form before it is stored: a photo (re-encoded, EXIF removed, by
``activities.photos.clean_photo``) or a PDF, never anything else, and size-limited."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from activities.photos import clean_photo

PDF_MAGIC = b"%PDF-"


def max_scan_bytes() -> int:
    return int(getattr(settings, "CONSENT_SCAN_MAX_BYTES", 5 * 1024 * 1024))


def clean_scan(upload) -> ContentFile:
    """A stored-ready file, or ValidationError with one Chinese sentence."""
    if upload.size > max_scan_bytes():
        raise ValidationError(
            _("The scanned form is %(size)s, more than the %(limit)s allowed."),
            code="scan_too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_scan_bytes())},
        )
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        data = upload.read()
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("The PDF file is damaged or incomplete."), code="scan_damaged")
        return ContentFile(data, name=f"{uuid.uuid4().hex}.pdf")
    try:
        return clean_photo(upload)
    except ValidationError as error:
        if error.code != "photo_not_image":
            raise
        raise ValidationError(
            _("Upload the scanned form as a JPEG or PNG picture or a PDF file."), code="scan_kind"
        ) from None
