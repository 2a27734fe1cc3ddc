"""Input clean-up shared by every face: Unicode NFC, Indian mobile numbers, and the sound key
by which place names typed in Latin letters find their Hindi or English spelling."""

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
