"""Input clean-up shared by every face: Unicode NFC, Indian mobile numbers, and the sound key
by which place names typed in Latin letters find their Hindi or English spelling."""

import re
import unicodedata

from django.utils.translation import gettext as _

from .errors import Invalid

_SPACES = re.compile(r"\s+")
_MOBILE = re.compile(r"[6-9][0-9]{9}")
_SEPARATORS = re.compile(r"[\s\-().]")

# Control characters are never text a person typed: C0 (but tab and line breaks), DEL, C1,
# and lone surrogates (a JSON "\ud800" escape); PostgreSQL refuses NUL and surrogates.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Invisible characters that make text read otherwise than it is stored: the bidi embeddings,
# overrides and isolates (U+202A–E, U+2066–9), the zero-width space, word joiner and BOM.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]")
# ZWNJ and ZWJ choose how Devanagari conjuncts are drawn (क्‍ष, a half form): kept between two
# Devanagari characters, removed anywhere else.
_JOINER_OUTSIDE_DEVANAGARI = re.compile(
    "(?<![\u0900-\u097f])[\u200c\u200d]|[\u200c\u200d](?![\u0900-\u097f])"
)


def nfc(text: str | None, *, single_line: bool = False) -> str:
    """NFC-normalised and trimmed; Hindi typed with different keyboards compares equal. Lenient:
    control characters are dropped (for searches and names from master data); input a person
    submits goes through clean(), which refuses them."""
    return _normalised(_CONTROLS.sub("", _lines(text)), single_line)


def clean(text: str | None, field: str | None = None, *, single_line: bool = False) -> str:
    """Submitted text as nfc() makes it, after refusing control characters (Invalid, naming
    `field` when the caller reports errors per field); invisible bidi and zero-width
    characters are removed (see docs/privacy.md, "Input")."""
    value = _lines(text)
    if _CONTROLS.search(value):
        message = _("Remove the control characters (such as NUL) from this text.")
        raise Invalid(fields={field: message}) if field else Invalid(message)
    return _normalised(value, single_line)


def _lines(text: str | None) -> str:
    """Line breaks as a browser's textarea sends them (CR LF), or a Mac's (CR), become LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _normalised(value: str, single_line: bool) -> str:
    value = _JOINER_OUTSIDE_DEVANAGARI.sub("", _INVISIBLE.sub("", value))
    value = unicodedata.normalize("NFC", value).strip()
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


# ---------------------------------------------------------------- sound keys
# A name's consonants, as a Hindi speaker says them, in Latin letters: "Haidergarh",
# "haidargarh" and हैदरगढ़ all give "hdrgr", so a picker finds a place however its name is
# typed. Vowels (the spellings differ most in them), aspiration and doubled letters drop out.
# faces/static/faces/forms.js computes the same key of what is typed (Latin letters only).
_CONSONANTS = dict(
    zip(
        "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह",
        "kkggnccjjnttddnttddnpfbbmyrlvsssh",
        strict=True,
    )
)
_WITH_NUKTA = {"ड": "r", "ढ": "r", "ज": "j", "फ": "f", "क": "k", "ख": "k", "ग": "g"}
_NASALS, _NUKTA = "\u0901\u0902", "\u093c"
_M_BEFORE_LABIAL = re.compile(r"m(?=[pbf])")  # "Sambhal" and संभल: the nasal is an n
_LATIN_RULES = [("ph", "f"), ("ck", "k"), ("q", "k"), ("x", "ks"), ("z", "j"), ("w", "v")]
_ASPIRATED = re.compile(r"(?<=[bcdgjkprst])h")
_LONE_C = re.compile(r"c(?!h)")
_Y_NOT_BEFORE_VOWEL = re.compile(r"y(?![aeiou])")
_VOWELS = re.compile(r"[aeiou]")
_DOUBLED = re.compile(r"(.)\1+")


def sound_key(text: str) -> str:
    """The consonant skeleton of a name in Devanagari or Latin letters (see above)."""
    text = unicodedata.normalize("NFC", text or "").lower()
    if any("\u0900" <= ch <= "\u097f" for ch in text):
        return _settled(_devanagari_key(text))
    latin = "".join(ch for ch in text if "a" <= ch <= "z")
    for old, new in _LATIN_RULES:
        latin = latin.replace(old, new)
    latin = _ASPIRATED.sub("", _LONE_C.sub("k", latin))
    latin = _VOWELS.sub("", _Y_NOT_BEFORE_VOWEL.sub("", latin))
    return _settled(latin)


def _settled(key: str) -> str:
    return _DOUBLED.sub(r"\1", _M_BEFORE_LABIAL.sub("n", key))


def _devanagari_key(text: str) -> str:
    key = []
    for i, ch in enumerate(text):
        following = text[i + 1] if i + 1 < len(text) else ""
        if ch in _CONSONANTS:
            key.append(
                _WITH_NUKTA[ch] if following == _NUKTA and ch in _WITH_NUKTA else _CONSONANTS[ch]
            )
        elif ch in _NASALS:
            key.append("n")
        elif "a" <= ch <= "z":
            key.append(ch)
    return "".join(key)
