import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from activities.photos import clean_photo

from .factories import VisitFactory
from .photos import jpeg_bytes, jpeg_with_comment, mpo_bytes, png_bytes, png_with_text, upload


def stored(content) -> Image.Image:
    return Image.open(io.BytesIO(content.read()))


@pytest.fixture
def stored_photo(db, world, settings, tmp_path):
    """Store an upload as the visit form does (check, re-encode, save) and return the file on disk."""
    from activities.photos import clean_photos
    from activities.services import visit_add_photos

    settings.MEDIA_ROOT = tmp_path

    def store(data, name):
        visit = VisitFactory(child=world["a"]["child"])
        (photo,) = visit_add_photos(visit=visit, photos=clean_photos([upload(data, name=name)]))
        return Path(photo.image.path)

    return store


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


SECRET = b"child lives at No. 3 East Village"


@pytest.mark.security
@pytest.mark.parametrize(
    "data,name", [(jpeg_with_comment(SECRET), "a.jpg"), (png_with_text(SECRET.decode()), "a.png")], ids=["jpeg", "png"]
)
def test_it_stores_pixels_only_no_comment_exif_or_text(data, name, stored_photo):
    original = Image.open(io.BytesIO(data))
    assert SECRET in data and ("comment" in original.info or "Description" in original.info)

    path = stored_photo(data, name)

    content = path.read_bytes()
    image = Image.open(path)
    assert SECRET not in content
    assert not ({"comment", "exif", "Description", "Location"} & set(image.info))
    assert dict(image.getexif()) == {}


@pytest.mark.security
def test_stored_photos_are_private_to_the_service_user(stored_photo):
    path = stored_photo(jpeg_bytes(), "a.jpg")
    assert path.stat().st_mode & 0o777 == 0o600


def test_it_accepts_a_multi_picture_jpeg_and_keeps_the_first_picture():
    data = mpo_bytes()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    image = stored(clean_photo(upload(data)))
    assert image.format == "JPEG" and image.size == (40, 30)
    assert image.getpixel((5, 5))[0] > 200  # red, the first picture, not the blue second one


@pytest.mark.security
def test_it_bounds_the_pixels_of_one_request_before_decoding_any(settings, monkeypatch):
    from activities import photos

    settings.VISIT_PHOTO_MAX_PIXELS_PER_REQUEST = 3 * 400 * 300 - 1
    decoded = []
    monkeypatch.setattr(photos, "_reencode", lambda data: decoded.append(data))
    uploads = [upload(jpeg_bytes(size=(400, 300))) for _ in range(3)]
    with pytest.raises(ValidationError) as error:
        photos.clean_photos(uploads)
    assert error.value.code == "photos_too_many_pixels"
    assert decoded == []


def test_photos_within_the_request_budget_are_all_kept(settings):
    from activities.photos import clean_photos

    settings.VISIT_PHOTO_MAX_PIXELS_PER_REQUEST = 3 * 400 * 300
    assert len(clean_photos([upload(jpeg_bytes(size=(400, 300))) for _ in range(3)])) == 3
