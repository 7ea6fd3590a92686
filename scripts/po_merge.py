#!/usr/bin/env python
"""Add German translations to the catalog without hand-editing the .po file.

    python scripts/po_merge.py translations.json [more.json ...]

Each JSON file maps an English msgid to its German text (a list of two strings for a plural
entry; the key "context\\u0004msgid" addresses an entry with msgctxt). The script re-extracts the
messages (the same makemessages options as `check_translations.py --update`), fills the given
translations, compiles the .mo and lists every msgid still untranslated. Run it under
`flock /tmp/hafennetz-po.lock` when several people work in one tree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "src" / "hafennetz" / "locale" / "de" / "LC_MESSAGES" / "django.po"


def main(paths: list[str]) -> int:
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "check_translations.py"), "--update"],
        check=False,
        capture_output=True,
    )
    given: dict[str, str | list[str]] = {}
    for path in paths:
        given.update(json.loads(Path(path).read_text(encoding="utf-8")))
    catalog = polib.pofile(str(PO), wrapwidth=79)
    unknown = set(given)
    for entry in catalog:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if key not in given:
            continue
        unknown.discard(key)
        value = given[key]
        if entry.msgid_plural:
            forms = value if isinstance(value, list) else [value, value]
            entry.msgstr_plural = {0: forms[0], 1: forms[1]}
        else:
            entry.msgstr = value if isinstance(value, str) else value[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalog.save(str(PO))
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "check_translations.py"), "--update"],
        check=False,
        capture_output=True,
    )
    for key in sorted(unknown):
        print(f"not in the sources (ignored): {key!r}")
    missing = [
        e.msgid
        for e in polib.pofile(str(PO))
        if e.msgid and ("fuzzy" in e.flags or not e.translated())
    ]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
