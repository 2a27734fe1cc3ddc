"""Input clean-up shared by every face: Unicode NFC and Indian mobile numbers."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_MOBILE = re.compile(r"[6-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-().]")


def nfc(text: str | None, *, single_line: bool = False) -> str:
    """NFC-normalised and trimmed; Hindi typed with different keyboards compares equal."""
    # NUL is never text (PostgreSQL refuses it in strings): drop it with the rest.
    value = unicodedata.normalize("NFC", (text or "").replace("\x00", "")).strip()
    return _SPACES.sub(" ", value) if single_line else value


def ascii_digits(text: str) -> str:
    """Devanagari (or any Unicode) digits as ASCII: '९८७' → '987'."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in text)


def normalise_mobile(raw: str) -> str | None:
    """'98765 43210', '09876543210', '+91-98765-43210' → '+919876543210'; None if not an
    Indian mobile number."""
    digits = _SEPARATORS.sub("", ascii_digits(raw or ""))
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    return f"+91{digits}" if _MOBILE.fullmatch(digits) else None


def mask_mobile(mobile: str) -> str:
    return mobile[:-10] + "XXXXXX" + mobile[-4:] if len(mobile) >= 10 else "XXXX"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection


def csv_cell(value):
    """In CSV a spreadsheet reads a leading = + - @ (or tab, CR) as a formula: an apostrophe
    keeps it text.
    For every CSV that carries text someone else typed."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
