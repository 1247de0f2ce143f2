import io

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from activities.photos import clean_photo

from .photos import jpeg_bytes, png_bytes, upload


def stored(content) -> Image.Image:
    return Image.open(io.BytesIO(content.read()))


def test_it_rejects_a_renamed_text_file():
    with pytest.raises(ValidationError) as error:
        clean_photo(upload(b"%PDF-1.4 not really a photo", name="photo.jpg"))
    assert error.value.code == "photo_not_image"


def test_it_rejects_a_gif_even_with_a_jpeg_name():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(ValidationError) as error:
        clean_photo(upload(out.getvalue(), name="photo.jpg"))
    assert error.value.code == "photo_not_image"


def test_it_rejects_a_photo_over_the_byte_limit(settings):
    settings.VISIT_PHOTO_MAX_BYTES = 1000
    data = jpeg_bytes(size=(400, 400))
    assert len(data) > 1000
    with pytest.raises(ValidationError) as error:
        clean_photo(upload(data))
    assert error.value.code == "photo_too_large"


def test_it_rejects_a_photo_over_the_pixel_limit(settings):
    settings.VISIT_PHOTO_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError) as error:
        clean_photo(upload(jpeg_bytes(size=(101, 100))))
    assert error.value.code == "photo_too_many_pixels"


def test_it_removes_exif_including_gps():
    original = Image.open(io.BytesIO(jpeg_bytes(gps=True)))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really has a location

    image = stored(clean_photo(upload(jpeg_bytes(gps=True))))

    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info


def test_it_turns_the_photo_as_the_camera_meant_before_dropping_orientation():
    # Orientation 6: the camera was held sideways; a 40×30 sensor image is a 30×40 photo.
    image = stored(clean_photo(upload(jpeg_bytes(size=(40, 30), orientation=6))))
    assert image.size == (30, 40)


def test_it_stores_a_png_as_jpeg():
    image = stored(clean_photo(upload(png_bytes(), name="a.png", content_type="image/png")))
    assert image.format == "JPEG" and image.mode == "RGB"
