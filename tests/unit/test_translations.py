"""Every message has a Dutch and an English translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "registry" / "translations"


def _catalogue(locale: str):
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _source_msgids() -> set[str]:
    method_map = [("registry/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "_l": None,
        "N_": None,  # the workload catalogue's labels (registry/domain/workload.py)
        "gettext": None,
        "lazy_gettext": None,
        "ngettext": (1, 2),
    }
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_catalogue_translates_every_message_in_the_code(locale):
    catalogue = _catalogue(locale)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy
    }
    missing = sorted(_source_msgids() - translated)
    assert not missing, f"{len(missing)} messages lack a {locale} translation: {missing[:20]}"


def test_placeholders_survive_translation():
    import re

    placeholder = re.compile(r"%\(\w+\)s")
    for message in _catalogue("nl"):
        if message.id and isinstance(message.id, str) and message.string:
            assert set(placeholder.findall(message.id)) == set(
                placeholder.findall(message.string)
            ), message.id
