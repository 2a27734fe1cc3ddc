"""What the category model sees of a text: the same function at training (through
scikit-learn's vectoriser) and at suggestion time (the small scorer), so both agree exactly.

Three kinds of feature, each in its own namespace:
- character n-grams of the text as written (lower-cased, nukta and chandrabindu folded), which
  catch Devanagari and English spellings and their misspellings;
- character n-grams of its phonetic key: Devanagari romanised (anyascii) and every Latin word
  folded the way Hindi is typed in Latin letters (bijlee/bijli, nahin/nahi, zameen/jameen), so
  "बिजली नहीं" and "bijli nahi" share features;
- words and word pairs of that key.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass

from anyascii import anyascii

NUKTA = "\u093c"
DEVANAGARI_WORD = re.compile(r"[\u0900-\u097f]+")
# Letters with a nukta, precomposed: fold them to the letter without it (ज़ → ज).
NUKTA_LETTERS = {chr(c): unicodedata.normalize("NFD", chr(c))[0] for c in range(0x958, 0x960)}
NOT_A_WORD_CHARACTER = re.compile(r"[^\w\u0900-\u0963\u0966-\u097f]+")
SPACES = re.compile(r"\s+")

# How Hindi typed in Latin letters varies, folded to one spelling (order matters).
LATIN_FOLDS = [
    (re.compile(r"'"), ""),
    (re.compile(r"ee|ii"), "i"),
    (re.compile(r"oo|uu"), "u"),
    (re.compile(r"chh?"), "c"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "j"),
    (re.compile(r"q"), "k"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"y\b"), "i"),
    # Romanised Devanagari drops the inherent vowel (रही → rhi) where Latin typing writes it
    # (rahi): drop "a" inside words on both sides.
    (re.compile(r"\Ba"), ""),
    (re.compile(r"(\w)\1+"), r"\1"),
    # A nasal at the end of a word is typed or not (nahin/nahi, mein/me).
    (re.compile(r"(?<=[eiou])n\b"), ""),
]


@dataclass(frozen=True)
class FeatureSpec:
    """The feature settings a model was trained with; stored in the model file."""

    char_min: int = 2
    char_max: int = 5
    key_char_min: int = 2
    key_char_max: int = 4
    phonetic_key: bool = True
    words: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def normalise(text: str) -> str:
    """Lower case, NFC, nukta and chandrabindu folded, punctuation to spaces."""
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(NUKTA_LETTERS.get(c, c) for c in text).replace(NUKTA, "")
    text = text.replace("\u0901", "\u0902")  # chandrabindu → anusvara: typed either way
    return SPACES.sub(" ", NOT_A_WORD_CHARACTER.sub(" ", text)).strip()


def _romanise_word(match: re.Match) -> str:
    # The anusvara is an "n" in Latin typing (ठंड → thand, नहीं → nahin).
    return anyascii(match.group().replace("\u0902", "\u0928\u094d"))


def phonetic_key(normalised: str) -> str:
    """The text in folded Latin letters, whichever script it was typed in."""
    key = DEVANAGARI_WORD.sub(_romanise_word, normalised).lower()
    for pattern, replacement in LATIN_FOLDS:
        key = pattern.sub(replacement, key)
    return SPACES.sub(" ", key).strip()


def _char_ngrams(text: str, low: int, high: int, prefix: str) -> list[str]:
    """n-grams inside each word padded with spaces (scikit-learn's char_wb, namespaced)."""
    grams = []
    for word in text.split():
        padded = f" {word} "
        for n in range(low, min(high, len(padded)) + 1):
            grams.extend(prefix + padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def analyse(text: str, spec: FeatureSpec) -> list[str]:
    """The features of one text (repeats count)."""
    written = normalise(text)
    features = _char_ngrams(written, spec.char_min, spec.char_max, "c:")
    if spec.phonetic_key:
        key = phonetic_key(written)
        features += _char_ngrams(key, spec.key_char_min, spec.key_char_max, "k:")
        if spec.words:
            words = key.split()
            features += ["w:" + w for w in words]
            features += [f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    elif spec.words:
        words = written.split()
        features += ["w:" + w for w in words]
        features += [f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return features
