"""Checking and re-encoding visit photos before anything is stored.

Photos of minors taken in their homes: only real JPEG/PNG content is accepted (the file name
and the browser's content type are not trusted; a multi-picture JPEG, as Android Ultra HDR
photos are, counts as JPEG and keeps its first picture), and every photo is re-encoded as a new
JPEG of pixels only, so EXIF data (GPS position, camera serial, time) and text comments (JPEG
COM, PNG tEXt/iTXt) never reach the disk. The pixels of all photos of one request are bounded
from their headers before any is decoded.
"""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "MPO", "PNG"}
#: Longest side of a stored photo; phone cameras give far more than a record needs.
MAX_STORED_SIDE = 2048
JPEG_QUALITY = 85


def max_bytes() -> int:
    return getattr(settings, "VISIT_PHOTO_MAX_BYTES", 5 * 1024 * 1024)


def max_pixels() -> int:
    return getattr(settings, "VISIT_PHOTO_MAX_PIXELS", 40_000_000)


def max_pixels_per_request() -> int:
    return getattr(settings, "VISIT_PHOTO_MAX_PIXELS_PER_REQUEST", 100_000_000)


def clean_photos(uploads) -> list[ContentFile]:
    """All photos of one request re-encoded, or ValidationError listing every bad one.

    Decoding costs time in proportion to pixels, so their sum is checked from the headers
    (Pillow reads the size without decoding) before the first photo is decoded.
    """
    total = sum(_header_pixels(upload) for upload in uploads)
    if total > max_pixels_per_request():
        raise ValidationError(
            _(
                "These photos have %(total)d million pixels together, more than the %(limit)d million "
                "allowed at once; send smaller photos."
            ),
            code="photos_too_many_pixels",
            params={"total": total // 1_000_000, "limit": max_pixels_per_request() // 1_000_000},
        )
    errors, cleaned = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as error:
            errors.extend(error.error_list)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _header_pixels(upload) -> int:
    # An unreadable header counts as nothing here: clean_photo refuses it with its own message.
    try:
        with Image.open(upload) as probe:
            width, height = probe.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        width = height = 0
    finally:
        upload.seek(0)
    return width * height


def clean_photo(upload) -> ContentFile:
    """Return the photo re-encoded as a JPEG without metadata, or raise ValidationError."""
    name = getattr(upload, "name", "") or ""
    if upload.size > max_bytes():
        raise ValidationError(
            _("%(name)s is larger than %(limit)s."),
            code="photo_too_large",
            params={"name": name, "limit": filesizeformat(max_bytes())},
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("%(name)s is not a JPEG or PNG photo."), code="photo_not_image", params={"name": name}
        ) from None
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(_("%(name)s is not a JPEG or PNG photo."), code="photo_not_image", params={"name": name})
    if width * height > max_pixels():
        raise ValidationError(
            _("%(name)s has too many pixels (%(width)d×%(height)d)."),
            code="photo_too_many_pixels",
            params={"name": name, "width": width, "height": height},
        )
    try:
        return ContentFile(_reencode(data), name="photo.jpg")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("%(name)s is damaged and cannot be read."), code="photo_damaged", params={"name": name}
        ) from None


def _reencode(data: bytes) -> bytes:
    # verify() leaves the image unusable, so decode again from the bytes.
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        # Turn the pixels the way the camera meant before the orientation tag is dropped.
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            background = Image.new("RGB", image.size, "white")
            background.paste(image, mask=image.getchannel("A"))
            image = background
        elif image.mode != "RGB":
            image = image.convert("RGB")
        image.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
        # Pillow's JPEG writer copies info["comment"] (a JPEG COM, or a PNG text chunk named so);
        # with no info, exif=, icc_profile= or comment=, the new file carries pixels only.
        image.info = {}
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue()
