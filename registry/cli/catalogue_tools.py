"""Small helpers for the gettext catalogues (pure Python, no Flask needed).

Usage::

    python -m registry.cli.catalogue_tools fill-en registry/translations/en/LC_MESSAGES/messages.po
    python -m registry.cli.catalogue_tools missing registry/translations/nl/LC_MESSAGES/messages.po

``fill-en`` copies the msgid into every empty msgstr of the English catalogue (English msgids
are the source text). ``fill-nl`` takes translations from JSON files (``{msgid: text}``, or
``{msgid: [singular, plural]}`` for plural messages) and fills the empty msgstrs they name.
``missing`` prints every msgid that has no (complete) translation and exits with status 1
when there is at least one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po


def load(po_path: str | Path) -> Catalog:
    """Read a ``.po`` file into a babel catalogue."""
    with open(po_path, "rb") as fh:
        return read_po(fh)


def save(catalog: Catalog, po_path: str | Path) -> None:
    """Write a catalogue back to ``po_path`` (same layout as ``pybabel update``)."""
    with open(po_path, "wb") as fh:
        write_po(fh, catalog)


def messages(catalog: Catalog) -> Iterator[Message]:
    """All real (non-header, non-obsolete) messages of a catalogue."""
    for message in catalog:
        if message.id:
            yield message


def is_translated(message: Message) -> bool:
    """True when every form of ``message`` has a non-empty, non-fuzzy translation."""
    if message.fuzzy:
        return False
    if message.pluralizable:
        strings = message.string if isinstance(message.string, (list, tuple)) else ()
        return bool(strings) and all(strings)
    return bool(message.string)


def msgid_text(message: Message) -> str:
    """The singular msgid of a message (plural messages have a tuple id)."""
    return message.id[0] if message.pluralizable else message.id


def fill_english(po_path: str | Path) -> int:
    """Set ``msgstr = msgid`` for every untranslated message; return how many were filled.

    Plural messages get the singular msgid for form 0 and ``msgid_plural`` for all other
    forms. Fuzzy messages are filled and their fuzzy flag removed.
    """
    catalog = load(po_path)
    filled = 0
    for message in messages(catalog):
        if is_translated(message):
            continue
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            nplurals = catalog.num_plurals
            message.string = tuple([singular] + [plural] * (nplurals - 1))
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
        filled += 1
    if filled:
        save(catalog, po_path)
    return filled


def fill_from_json(po_path: str | Path, json_paths: list[str]) -> int:
    """Fill untranslated messages of ``po_path`` from JSON translation files."""
    import json

    table: dict[str, Any] = {}
    for path in json_paths:
        with open(path, encoding="utf-8") as fh:
            table.update(json.load(fh))
    catalog = load(po_path)
    filled = 0
    for message in messages(catalog):
        if is_translated(message) or msgid_text(message) not in table:
            continue
        value = table[msgid_text(message)]
        if message.pluralizable:
            forms = [value] * 2 if isinstance(value, str) else list(value)
            message.string = tuple(forms[: catalog.num_plurals])
        else:
            message.string = value if isinstance(value, str) else value[0]
        message.flags.discard("fuzzy")
        filled += 1
    if filled:
        save(catalog, po_path)
    return filled


def missing(po_path: str | Path) -> list[str]:
    """Return the msgids (singular form) that have no complete, non-fuzzy translation."""
    return [msgid_text(m) for m in messages(load(po_path)) if not is_translated(m)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) >= 3 and args[0] == "fill-nl":
        filled = fill_from_json(args[1], args[2:])
        print(f"{args[1]}: filled {filled} message(s)")
        return 0
    if len(args) != 2 or args[0] not in ("fill-en", "missing"):
        print(
            "usage: python -m registry.cli.catalogue_tools {fill-en|missing} <messages.po>"
            " | fill-nl <messages.po> <translations.json>...",
            file=sys.stderr,
        )
        return 2
    command, po_path = args
    if command == "fill-en":
        filled = fill_english(po_path)
        print(f"{po_path}: filled {filled} message(s)")
        return 0
    absent = missing(po_path)
    for msgid in absent:
        print(msgid.replace("\\", "\\\\").replace("\n", "\\n"))
    return 1 if absent else 0


if __name__ == "__main__":
    sys.exit(main())
