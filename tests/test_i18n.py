"""The catalogues are complete and compiled: every string has Hindi, with the same
placeholders, and the compiled .mo matches the .po that translators edit."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import igrs

LOCALE = Path(igrs.__file__).parent / "locale"
PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


@dataclass
class Entry:
    msgid: str = ""
    plural: str = ""
    msgstrs: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False

    @property
    def complete(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs.values()) and not self.fuzzy


def po_entries(path: Path) -> list[Entry]:
    """Each entry of a .po file, header excluded; plural forms keyed by their index."""
    entries, current, target = [], Entry(), None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        keyword, _, literal = line.partition(" ")
        if line.startswith("#,") and "fuzzy" in line:
            current.fuzzy = True
        elif keyword in ("msgid", "msgid_plural", "msgstr") or keyword.startswith("msgstr["):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            target = (
                ("msgstrs", index)
                if keyword.startswith("msgstr")
                else ("plural" if keyword == "msgid_plural" else "msgid", None)
            )
            _append(current, target, ast.literal_eval(literal))
        elif line.startswith('"') and target:
            _append(current, target, ast.literal_eval(line))
        elif not line.strip() and target:
            if current.msgid:
                entries.append(current)
            current, target = Entry(), None
    return entries


def _append(entry: Entry, target: tuple[str, int | None], text: str) -> None:
    name, index = target
    if name == "msgstrs":
        entry.msgstrs[index] = entry.msgstrs.get(index, "") + text
    else:
        setattr(entry, name, getattr(entry, name) + text)


HINDI = po_entries(LOCALE / "hi/LC_MESSAGES/django.po")


def test_the_hindi_catalogue_is_complete_and_not_fuzzy():
    assert len(HINDI) > 200
    assert [entry.msgid for entry in HINDI if not entry.complete] == []


@pytest.mark.parametrize(
    "msgid,msgstr",
    [(e.msgid, text) for e in HINDI if PLACEHOLDERS.search(e.msgid) for text in e.msgstrs.values()],
)
def test_placeholders_survive_translation(msgid, msgstr):
    assert sorted(PLACEHOLDERS.findall(msgid)) == sorted(PLACEHOLDERS.findall(msgstr))


def test_compiled_catalogue_matches_the_source():
    with open(LOCALE / "hi/LC_MESSAGES/django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [
        entry.msgid
        for entry in HINDI
        if (
            catalogue.ngettext(entry.msgid, entry.plural, 2) != entry.msgstrs[1]
            if entry.plural
            else catalogue.gettext(entry.msgid) != entry.msgstrs[0]
        )
    ]
    assert stale == [], "run compilemessages"
