"""Hero images: what a moderator uploads is never what we serve.

An upload is checked (an image of a format we read, at most MAX_UPLOAD_BYTES
and MAX_PIXELS), then decoded and encoded afresh as WebP, at most MAX_WIDTH
wide. Only pixels survive: no EXIF (a phone's photo says where it was taken,
when, and with which device), no XMP, no ICC profile, nothing a crafted file
could smuggle to a browser. The result is stored under its own SHA-256, so a
name never changes meaning and core.views.media may let browsers keep it for
a year; storing the same image twice yields the same name.
"""

import hashlib
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Room for a full-resolution phone photo; a hero shown at 1600 px needs no more.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# About a 48-megapixel phone's output after its usual binning, and far below what
# would exhaust a worker's memory once decoded (a "decompression bomb": a few
# kilobytes of PNG can claim gigapixels).
MAX_PIXELS = 40_000_000
# The widest the page ever shows it, on a wide screen at twice the density.
MAX_WIDTH = 1600
# Formats browsers and cameras produce; every other decoder Pillow has stays shut.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Visually lossless for photographs, about a tenth of the size of a camera's JPEG.
WEBP_QUALITY = 82
FOLDER = "heroes"


def store_hero_image(uploaded_file) -> str:
    """Check, clean and store an uploaded hero image; return its storage name
    (heroes/<sha256>.webp), for Country.hero_image. Raises ValidationError,
    translated, for anything that is not an image we accept."""
    image = _read(uploaded_file)
    try:
        data = _encode(image)
    except (OSError, ValueError):
        # A mode no browser shows (16-bit greyscale, say) that cannot be converted.
        raise _not_an_image() from None
    name = f"{FOLDER}/{hashlib.sha256(data).hexdigest()}.webp"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:
            # Another upload of the same image landed first: the storage gave
            # ours a new name, and the one already there holds the same bytes.
            default_storage.delete(saved)
    return name


def _read(uploaded_file) -> Image.Image:
    uploaded_file.seek(0)
    # Never more than one byte past the limit in memory, whatever size the
    # upload declares.
    raw = uploaded_file.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise _too_large()
    with warnings.catch_warnings():
        # Pillow warns of a likely bomb from about 89 megapixels; we refuse at
        # MAX_PIXELS ourselves, so its warning would only repeat us.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            # Opening reads the header only: the size is known before a pixel
            # is decoded, so a bomb is refused without the memory it claims.
            image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
        except Image.DecompressionBombError:  # Pillow's own limit, far above ours
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, OSError, ValueError):
            raise _not_an_image() from None
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        try:
            image.load()
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            # A truncated or corrupt file: its header looked fine, its pixels not.
            raise _not_an_image() from None
    return image


def _too_large() -> ValidationError:
    return ValidationError(
        _("The image is too large: at most %(megabytes)d MB, please."),
        code="file_too_large",
        params={"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not an image we can use. Please upload a JPEG, PNG, WebP or GIF."),
        code="not_an_image",
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has too many pixels: at most %(megapixels)d megapixels, please."),
        code="too_many_pixels",
        params={"megapixels": MAX_PIXELS // 1_000_000},
    )


def _encode(image: Image.Image) -> bytes:
    # A camera stores "turn me" in EXIF instead of turning the pixels: turn them
    # now, since the EXIF goes.
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    if image.width > MAX_WIDTH:
        height = max(1, round(image.height * MAX_WIDTH / image.width))
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    # Only pixels: a fresh image carries no info (EXIF, XMP, ICC, comments) to
    # the encoder, which writes only what it is given.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()
