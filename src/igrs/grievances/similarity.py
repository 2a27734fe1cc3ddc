"""How alike two texts are, the way PostgreSQL's pg_trgm measures it: the share of the
words' three-letter pieces the texts have in common. PostgreSQL answers it in SQL (with a
trigram index); this is the same measure in Python, for SQLite and for small candidate sets.
"""

import unicodedata
from functools import lru_cache


def _word_char(char: str) -> bool:
    # Letters, digits and the vowel signs of Devanagari (marks): a Hindi word stays whole.
    return char.isalnum() or unicodedata.category(char).startswith("M")


@lru_cache(maxsize=4096)
def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams: each word lower-cased, padded with two spaces before and one
    after, cut into every run of three characters."""
    words = "".join(c if _word_char(c) else " " for c in text.lower()).split()
    found: set[str] = set()
    for word in words:
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def similarity(a: str, b: str) -> float:
    """Shared trigrams over all trigrams of both (0: nothing alike, 1: the same words)."""
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)
