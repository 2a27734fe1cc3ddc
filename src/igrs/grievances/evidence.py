"""Photo evidence: where and when a photo was taken (EXIF), kept with the original; and a copy
without any metadata for people outside the government (the complainant, the public)."""

import datetime as dt
import io
import math
from dataclasses import dataclass

from django.utils import timezone
from PIL import Image, UnidentifiedImageError

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 0x9003
DATETIME = 0x0132
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


@dataclass(frozen=True)
class PhotoFacts:
    taken_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def photo_facts(content: bytes) -> PhotoFacts:
    """The time and place a camera recorded, when it did; nothing for PDFs or bare images."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError, ValueError):
        return PhotoFacts()
    taken = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    gps = exif.get_ifd(GPS_IFD)
    return PhotoFacts(
        taken_at=_camera_time(taken),
        latitude=_degrees(gps.get(GPS_LATITUDE), gps.get(GPS_LATITUDE_REF), "S"),
        longitude=_degrees(gps.get(GPS_LONGITUDE), gps.get(GPS_LONGITUDE_REF), "W"),
    )


def _camera_time(value) -> dt.datetime | None:
    """Cameras write local time without a zone; phones in India are on IST."""
    try:
        naive = dt.datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive, timezone.get_default_timezone())


def _degrees(value, ref, negative: str) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1 if str(ref).strip("\x00 ").upper() == negative else 1
    result = sign * (degrees + minutes / 60 + seconds / 3600)
    return round(result, 6) if -180 <= result <= 180 else None


def without_metadata(content: bytes, content_type: str) -> bytes:
    """The image re-encoded with its pixels only (no EXIF, no GPS); other files unchanged."""
    if content_type not in ("image/jpeg", "image/png"):
        return content
    try:
        with Image.open(io.BytesIO(content)) as image:
            clean = image.copy()
    except (UnidentifiedImageError, OSError, ValueError):
        return content  # not a decodable image: it carries no readable metadata either
    clean.info.clear()  # the encoders write metadata only from here or when asked to
    out = io.BytesIO()
    clean.save(out, format="JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
    return out.getvalue()


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))
