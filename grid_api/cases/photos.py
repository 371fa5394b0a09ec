"""Photo intake: check the content (not the name), refuse bombs, re-encode without EXIF,
and keep the EXIF position and time as evidence for staff."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from geo.coordinates import valid_lon_lat
from grid_api.errors import UnsupportedMediaType, ValidationFailed
from grid_api.infra.timestamps import SANE_FROM, SANE_UNTIL

pillow_heif.register_heif_opener()

# MPO: the multi-picture JPEG some phone cameras write (the first picture is the photo).
ACCEPTED_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "HEIF": "heic"}
MAX_PIXELS = 40_000_000  # 40 MP: any phone camera; more is a decompression bomb
MAX_EDGE = 2560  # the public copy is scaled down to this
GPS_IFD, DATETIME_ORIGINAL, EXIF_IFD = 0x8825, 0x9003, 0x8769
CAMERA_CLOCK_OFFSET = timedelta(hours=8)  # cameras record local time, here China time


class DecompressionBomb(ValidationFailed):
    code = "image_bomb"


@dataclass(frozen=True)
class ProcessedPhoto:
    jpeg: bytes
    width: int
    height: int
    original_format: str
    sha256: str
    exif_lon: float | None
    exif_lat: float | None
    exif_taken_at: datetime | None


def _degrees(value, ref: str | None) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    return -result if ref in {"S", "W"} else result


def _exif_evidence(image: Image.Image) -> tuple[float | None, float | None, datetime | None]:
    exif = image.getexif()
    gps = exif.get_ifd(GPS_IFD)
    lat = _degrees(gps.get(2), gps.get(1)) if gps else None
    lon = _degrees(gps.get(4), gps.get(3)) if gps else None
    raw_time = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL)
    taken_at = None
    if isinstance(raw_time, str):
        try:
            # Cameras record local time without a zone; phones here are on China time.
            taken_at = datetime.strptime(raw_time.strip(), "%Y:%m:%d %H:%M:%S").replace(
                tzinfo=UTC) - CAMERA_CLOCK_OFFSET
        except (ValueError, OverflowError):  # year 1 minus eight hours is out of range
            taken_at = None
    if taken_at is not None and not SANE_FROM <= taken_at < SANE_UNTIL:
        taken_at = None  # a camera clock never set, or a planted value: no evidence
    if lat is None or lon is None or not valid_lon_lat(lon, lat):
        return None, None, taken_at
    return lon, lat, taken_at


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size  # before draft(), which shrinks what a JPEG reports
            image.draft("RGB", (MAX_EDGE, MAX_EDGE))  # JPEG: decode at a reduced scale
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnsupportedMediaType("unsupported_image") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb("image_bomb") from exc
    if image.format not in ACCEPTED_FORMATS:
        raise UnsupportedMediaType("unsupported_image")
    if width * height > MAX_PIXELS:
        raise DecompressionBomb("image_bomb")
    return image


def process_photo(data: bytes) -> ProcessedPhoto:
    """Raises UnsupportedMediaType (not an accepted image), DecompressionBomb, or
    ValidationFailed (a truncated or corrupt file)."""
    image = _open(data)
    original_format = ACCEPTED_FORMATS[image.format]
    try:
        # Reading EXIF reads the file (a PNG's chunks): a truncated upload fails here too.
        lon, lat, taken_at = _exif_evidence(image)
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((MAX_EDGE, MAX_EDGE))
        public = upright.convert("RGB")
        public.info.clear()  # no EXIF, no comment segment, nothing the sender planted
        buffer = io.BytesIO()
        public.save(buffer, "JPEG", quality=85, optimize=True)
    except (OSError, ValueError, SyntaxError) as exc:  # truncated upload, corrupt data
        raise ValidationFailed("image_corrupt") from exc
    jpeg = buffer.getvalue()
    return ProcessedPhoto(jpeg, upright.width, upright.height, original_format,
                          hashlib.sha256(data).hexdigest(), lon, lat, taken_at)
