"""Small image files built in memory for upload tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image


def jpeg_bytes(size=(40, 30), *, gps=False, orientation=None, colour="red") -> bytes:
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCam"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (37.0, 31.0, 12.0)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (111.0, 8.0, 24.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(20, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 128)).save(out, format="PNG")
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_comment(text=b"child lives at No. 3 East Village") -> bytes:
    """A JPEG with EXIF GPS and a COM segment (what some cameras and editors write)."""
    image = Image.open(io.BytesIO(jpeg_bytes(gps=True)))
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=image.info["exif"], comment=text)
    return out.getvalue()


def png_with_text(text="child lives at No. 3 East Village") -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("comment", text)  # Pillow reads this one into info["comment"]
    info.add_text("Description", text)
    info.add_itxt("Location", text)
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def mpo_bytes(size=(40, 30)) -> bytes:
    """A multi-picture JPEG, as Android Ultra HDR photos are: the photo, then a second picture."""
    out = io.BytesIO()
    first, second = Image.new("RGB", size, "red"), Image.new("RGB", size, "blue")
    first.save(out, format="MPO", save_all=True, append_images=[second])
    return out.getvalue()
