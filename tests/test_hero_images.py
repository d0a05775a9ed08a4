"""Hero images (campaign.images.store_hero_image): what a moderator uploads is
checked, re-encoded without its metadata (a phone's photo says where it was
taken), scaled down, stored under its content's hash, and served for browsers
to keep a year."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from campaign.images import MAX_UPLOAD_BYTES, MAX_WIDTH, store_hero_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo(size=(1200, 800), *, orientation=None, fmt="JPEG") -> SimpleUploadedFile:
    """A photo as a phone takes it: the camera, the time and where it was."""
    image = Image.new("RGB", size, (11, 79, 156))
    image.paste((200, 30, 30), (0, 0, size[0] // 4, size[1] // 4))  # a mark top left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.DateTime] = "2027:04:15 09:30:00"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (38.0, 42.0, 49.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (9.0, 8.0, 21.0)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", out.getvalue(), content_type="image/jpeg")


def stored(media_root, name) -> Image.Image:
    return Image.open(media_root / name)


def test_it_strips_where_and_when_the_photo_was_taken(media_root):
    upload = photo()
    assert Image.open(io.BytesIO(upload.read())).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    name = store_hero_image(upload)
    raw = (media_root / name).read_bytes()
    for trace in [b"Exif", b"EXIF", b"TestCam", b"2027:04:15", b"XMP", b"ICCP"]:
        assert trace not in raw, trace
    image = stored(media_root, name)
    assert image.format == "WEBP"
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "icc_profile"} & set(image.info)


def test_it_turns_the_picture_as_the_camera_said_before_dropping_the_note(media_root):
    # Orientation 6: the camera was turned; the pixels were not.
    image = stored(media_root, store_hero_image(photo((400, 200), orientation=6)))
    assert image.size == (200, 400)


def test_it_scales_a_wide_picture_down_to_the_widest_the_page_shows(media_root):
    image = stored(media_root, store_hero_image(photo((4000, 1000))))
    assert image.size == (MAX_WIDTH, 400)
    assert stored(media_root, store_hero_image(photo((800, 600)))).size == (800, 600)


def test_the_same_image_gets_the_same_name_and_is_stored_once(media_root):
    first = store_hero_image(photo())
    second = store_hero_image(photo())
    assert first == second
    assert first.startswith("heroes/") and first.endswith(".webp")
    assert len(first.removeprefix("heroes/").removesuffix(".webp")) == 64  # SHA-256, hex
    assert [path.name for path in (media_root / "heroes").iterdir()] == [
        first.removeprefix("heroes/")
    ]
    assert store_hero_image(photo((1000, 800))) != first


def test_it_keeps_transparency(media_root):
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(out, "PNG")
    image = stored(media_root, store_hero_image(SimpleUploadedFile("logo.png", out.getvalue())))
    assert image.mode == "RGBA"


def refused(upload) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        store_hero_image(upload)
    return caught.value


def test_it_refuses_a_decompression_bomb_without_decoding_it(media_root):
    # A few kilobytes that decode to 48 megapixels (and a second that claims
    # 200, past Pillow's own limit).
    for size in [(8000, 6000), (20000, 10000)]:
        out = io.BytesIO()
        Image.new("1", size).save(out, "PNG")
        assert len(out.getvalue()) < 100_000
        error = refused(SimpleUploadedFile("bomb.png", out.getvalue()))
        assert error.code == "too_many_pixels"
        assert "at most 40 megapixels" in error.messages[0]
    assert not (media_root / "heroes").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"not an image at all",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        photo().read()[:2000],  # a JPEG cut short
    ],
    ids=["text", "svg", "pdf", "truncated"],
)
def test_it_refuses_what_is_not_an_image(media_root, content):
    error = refused(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
    assert error.code == "not_an_image"
    assert "not an image we can use" in error.messages[0]
    assert not (media_root / "heroes").exists()


def test_it_refuses_a_file_over_5_mb(media_root):
    big = SimpleUploadedFile("huge.jpg", b"\xff" * (MAX_UPLOAD_BYTES + 1))
    error = refused(big)
    assert error.code == "file_too_large"
    assert "at most 5 MB" in error.messages[0]


def test_it_is_served_for_browsers_to_keep(client, media_root):
    name = store_hero_image(photo())
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == (media_root / name).read_bytes()
