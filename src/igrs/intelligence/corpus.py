"""The labelled corpus in the repository: `corpus/<split>/<style>.tsv`, one `text<TAB>code` a
line. `train` builds the model; `test` is held out (written separately, never trained on) and
only measured."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
STYLES = ("hi", "hinglish", "en", "mixed")


@dataclass(frozen=True)
class Example:
    text: str
    code: str


class CorpusError(ValueError):
    pass


def parse_lines(lines, source: str = "") -> list[Example]:
    """`text<TAB>code` lines; blank lines and lines starting with # are skipped."""
    examples = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        text, tab, code = line.rpartition("\t")
        if not tab or not text.strip() or not code.strip():
            raise CorpusError(f"{source}:{number}: expected text<TAB>category_code")
        examples.append(Example(text.strip(), code.strip()))
    return examples


def read_file(path: Path) -> list[Example]:
    with open(path, encoding="utf-8") as f:
        return parse_lines(f, str(path))


def files(split: str) -> list[Path]:
    return [CORPUS_DIR / split / f"{style}.tsv" for style in STYLES]


def examples(split: str = "train") -> list[Example]:
    return [e for path in files(split) for e in read_file(path)]


def fingerprint() -> str:
    """A hash of the training files: a change to them makes the built model stale."""
    digest = hashlib.sha256()
    for path in files("train"):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
