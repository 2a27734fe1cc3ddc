"""The catalogues are complete and compiled: every string has Hindi, with the same
placeholders, and the compiled .mo matches the .po that translators edit."""

import ast
import gettext
import re
from pathlib import Path

import pytest

import igrs

LOCALE = Path(igrs.__file__).parent / "locale"
PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry of a .po file, header excluded."""
    entries, fuzzy, current, field = [], False, {"msgid": "", "msgstr": ""}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgstr ")):
            field, _, literal = line.partition(" ")
            current[field] = ast.literal_eval(literal)
        elif line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
        elif not line.strip() and field:
            if current["msgid"]:
                entries.append((current["msgid"], current["msgstr"], fuzzy))
            fuzzy, current, field = False, {"msgid": "", "msgstr": ""}, None
    return entries


HINDI = po_entries(LOCALE / "hi/LC_MESSAGES/django.po")


def test_the_hindi_catalogue_is_complete_and_not_fuzzy():
    assert len(HINDI) > 200
    assert [msgid for msgid, msgstr, fuzzy in HINDI if not msgstr or fuzzy] == []


@pytest.mark.parametrize("msgid,msgstr", [(i, s) for i, s, _f in HINDI if PLACEHOLDERS.search(i)])
def test_placeholders_survive_translation(msgid, msgstr):
    assert sorted(PLACEHOLDERS.findall(msgid)) == sorted(PLACEHOLDERS.findall(msgstr))


def test_compiled_catalogue_matches_the_source():
    with open(LOCALE / "hi/LC_MESSAGES/django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid, msgstr, _f in HINDI if catalogue.gettext(msgid) != msgstr]
    assert stale == [], "run compilemessages"
