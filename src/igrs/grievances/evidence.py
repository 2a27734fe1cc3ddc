"""Photo evidence: where and when a photo was taken (EXIF), kept with the original; and a copy
without any metadata for people outside the government (the complainant, the public)."""

import datetime as dt
import io
import math
import struct
from dataclasses import dataclass

from django.utils import timezone
from PIL import Image, ImageOps

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
DATETIME = 0x0132
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; more is refused at upload


@dataclass(frozen=True)
class PhotoFacts:
    taken_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def photo_facts(content: bytes) -> PhotoFacts:
    """The time and place a camera recorded, when it did; nothing for PDFs, bare images or
    anything Pillow cannot read (a damaged or hostile file gives no facts, never an error)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
            taken = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
            gps = exif.get_ifd(GPS_IFD)
    except Exception:  # noqa: BLE001 - any parser failure means "no facts"
        return PhotoFacts()
    return PhotoFacts(
        taken_at=_camera_time(taken),
        latitude=_degrees(gps.get(GPS_LATITUDE), gps.get(GPS_LATITUDE_REF), "S", 90),
        longitude=_degrees(gps.get(GPS_LONGITUDE), gps.get(GPS_LONGITUDE_REF), "W", 180),
    )


def pixels(content: bytes) -> int | None:
    """The pixel count a PNG or JPEG declares in its header, read here without Pillow: a few
    kilobytes can claim billions of pixels, and Pillow refuses only above twice its own
    MAX_IMAGE_PIXELS (~179 MP) — with an error that must not be taken for "no image". None
    when the header cannot be read."""
    if content.startswith(PNG_SIGNATURE):
        if content[12:16] != b"IHDR" or len(content) < 24:
            return None
        width, height = struct.unpack(">II", content[16:24])
        return width * height
    if content.startswith(b"\xff\xd8"):
        sizes = list(_jpeg_frame_sizes(content))
        return max(w * h for w, h in sizes) if sizes else None
    return None


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers (baseline, progressive, lossless…); C4, C8 and CC are other tables.
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = {0x01, *range(0xD0, 0xD9)}  # TEM, RSTn, SOI: no length follows
_SOS = 0xDA


def _jpeg_frame_sizes(content: bytes):
    """(width, height) of every frame header before the scan data: a crafted file may carry
    more than one, and the decoder may believe any of them."""
    at = 2
    while at + 4 <= len(content):
        if content[at] != 0xFF:
            return
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        if marker == _SOS:
            return
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if marker in _SOF and at + 9 <= len(content):
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            yield width, height
        at += 2 + length


def _camera_time(value) -> dt.datetime | None:
    """Cameras write local time without a zone; phones in India are on IST."""
    try:
        naive = dt.datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _degrees(value, ref, negative: str, limit: float) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1 if str(ref).strip("\x00 ").upper() == negative else 1
    result = sign * (degrees + minutes / 60 + seconds / 3600)
    return round(result, 6) if -limit <= result <= limit else None


class CannotClean(Exception):
    """The image could not be re-encoded, so no copy without metadata exists."""


def without_metadata(content: bytes, content_type: str) -> bytes:
    """The image re-encoded with its pixels only (no EXIF, no GPS), upright as the camera
    meant it; PDFs unchanged. Raises CannotClean rather than ever returning the original."""
    if content_type not in ("image/jpeg", "image/png"):
        return content
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.width * image.height > MAX_PIXELS:  # whatever the header check said
                raise CannotClean
            clean = ImageOps.exif_transpose(image)
        clean.info.clear()  # the encoders write metadata only from here or when asked to
        out = io.BytesIO()
        clean.save(out, format="JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
    except Exception as error:  # noqa: BLE001 - fail closed: the caller shows nothing
        raise CannotClean from error
    return out.getvalue()


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def photo_hash(content: bytes) -> str:
    """A perceptual hash (dHash, 64 bits as 16 hex digits): the photo shrunk to 9×8 grey
    pixels, one bit per pair of neighbours, set where the left is brighter. A photo
    re-compressed, resized or lightly cropped keeps nearly the same bits. Empty when the
    content is not a readable photo."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.draft("L", (64, 64))  # JPEG decodes at 1/8 scale: cheap for big photos
            grey = ImageOps.exif_transpose(image).convert("L").resize((9, 8), Image.LANCZOS)
            values = list(grey.get_flattened_data())
    except Exception:  # noqa: BLE001 - a photo that cannot be read has no hash
        return ""
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = values[row * 9 + col], values[row * 9 + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def hash_distance(a: str, b: str) -> int:
    """How many of the 64 bits two photo hashes differ in."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
