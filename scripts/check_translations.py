#!/usr/bin/env python
"""Check the translation catalogs under src/hafennetz/locale (run by scripts/test).

    python scripts/check_translations.py            check, exit 1 and list the problems
    python scripts/check_translations.py --update   run makemessages + compilemessages first

The check never writes to the work tree:

1. It re-extracts the messages from a temporary copy of src/hafennetz with the same
   makemessages options as --update, and fails on every msgid of the sources that is missing
   from a committed .po (msgids only in the .po are reported, but do not fail).
2. It fails on fuzzy or empty translations, on an incomplete header (Language, UTF-8,
   Plural-Forms) and on anything `msgfmt --check` rejects (e.g. a changed %(placeholder)s).
3. It compiles each .po into a temporary .mo and fails if the committed .mo holds a different
   catalog (the .mo is committed so that a machine without gettext still shows German).

Needs the GNU gettext tools (Debian/Ubuntu: apt-get install gettext).
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "hafennetz"
LOCALE = PACKAGE / "locale"
DOMAIN = "django"
# The engines are pure Python without translatable strings; static holds vendored JS and CSS
# (the JS takes its labels from the templates); reference_data holds CSV files.
MAKEMESSAGES_ARGS = [
    "--ignore=engines",
    "--ignore=static",
    "--ignore=reference_data",
    "--no-obsolete",
    "--add-location=file",
]
UPDATE_HINT = (
    "Update with: python scripts/check_translations.py --update, translate every new or fuzzy "
    "entry in the .po, then compile: cd src/hafennetz && django-admin compilemessages "
    "--settings=hafennetz.settings (commit both .po and .mo)."
)


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def describe(self) -> str:
        text = self.msgid if len(self.msgid) <= 70 else self.msgid[:67] + "..."
        ctx = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"{ctx}{text!r}"


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def _unquote(token: str, path: Path, lineno: int) -> str:
    token = token.strip()
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise SystemExit(f"{path}:{lineno}: cannot parse {token!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), token[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (msgid "") first; obsolete (#~) entries skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None  # field that continuation lines append to
    seen_msgstr = False

    def finish() -> None:
        nonlocal current, seen_msgstr, flags
        if current is not None:
            entries.append(current)
        current, seen_msgstr, flags = None, False, set()

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#"):
            if seen_msgstr:
                finish()
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            target = None
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                raise SystemExit(f"{path}:{lineno}: string without a keyword")
            text = _unquote(line, path, lineno)
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
            continue
        if keyword in ("msgctxt", "msgid") and seen_msgstr:
            finish()
        if current is None:
            current = Entry(line=lineno, flags=flags)
        value = _unquote(rest, path, lineno)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, value)
            target = (keyword, 0)
            if keyword == "msgid":
                current.line = lineno
        elif keyword == "msgstr" or keyword.startswith("msgstr["):
            index = int(keyword[7:-1]) if keyword != "msgstr" else 0
            current.msgstr[index] = value
            target = ("msgstr", index)
            seen_msgstr = True
        else:
            raise SystemExit(f"{path}:{lineno}: unknown keyword {keyword!r}")
    finish()
    return entries


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]  # noqa: S603


def django_admin(args: list[str], package_dir: Path, var_dir: str) -> None:
    """Run a django-admin command inside package_dir, importing hafennetz from its parent."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(package_dir.parent), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["DJANGO_SETTINGS_MODULE"] = "hafennetz.settings"
    env["HAFENNETZ_VAR_DIR"] = var_dir
    env.pop("DATABASE_URL", None)
    result = run([sys.executable, "-m", "django", *args], cwd=package_dir, env=env)
    if result.returncode != 0:
        raise SystemExit(
            f"django-admin {' '.join(args)} failed:\n{result.stdout}{result.stderr}".rstrip()
        )


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def extract(tmp: Path, langs: list[str]) -> dict[str, list[Entry]]:
    """makemessages on a copy of the package, so the work tree is never touched."""
    copy = tmp / "src" / "hafennetz"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "locale", "var")
    )
    (copy / "locale").mkdir()
    django_admin(
        ["makemessages", *[f"--locale={lang}" for lang in langs], *MAKEMESSAGES_ARGS],
        copy,
        str(tmp / "var"),
    )
    return {
        lang: parse_po(copy / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po") for lang in langs
    }


def check_header(header: Entry | None, lang: str) -> list[str]:
    if header is None or header.msgid != "":
        return ['the header entry (msgid "") is missing']
    problems = []
    text = header.msgstr.get(0, "")
    if "fuzzy" in header.flags:
        problems.append("the header is marked fuzzy (remove the '#, fuzzy' line above it)")
    if not re.search(rf"^Language: {re.escape(lang)}$", text, re.MULTILINE):
        problems.append(f"the header lacks 'Language: {lang}'")
    if "charset=UTF-8" not in text:
        problems.append("the header lacks 'Content-Type: text/plain; charset=UTF-8'")
    if not re.search(r"^Plural-Forms: nplurals=\d+; plural=.+;$", text, re.MULTILINE):
        problems.append("the header lacks 'Plural-Forms: nplurals=...; plural=...;'")
    return problems


def check_entries(entries: list[Entry], po: Path) -> list[str]:
    problems = []
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            continue
        where = f"{po.relative_to(ROOT)}:{entry.line}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy: {entry.describe()}")
        forms = [entry.msgstr.get(i, "") for i in range(max(entry.msgstr, default=0) + 1)]
        if not forms or any(not form for form in forms):
            problems.append(f"{where}: not translated: {entry.describe()}")
    return problems


def compile_and_compare(po: Path, mo: Path, tmp: Path) -> list[str]:
    rel_po, rel_mo = po.relative_to(ROOT), mo.relative_to(ROOT)
    fresh = tmp / f"{po.parent.parent.name}.mo"
    result = run(["msgfmt", "--check", "-o", str(fresh), str(po)])
    if result.returncode != 0:
        output = result.stderr.strip().replace(str(ROOT) + os.sep, "")
        return [f"msgfmt --check {rel_po} failed:\n    " + output.replace("\n", "\n    ")]
    if not mo.exists():
        return [f"{rel_mo} is missing: compile the .po"]
    try:
        with mo.open("rb") as fp:
            committed = gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]
    except Exception as exc:  # a truncated or foreign file fails in many ways
        return [f"{rel_mo} cannot be read: {exc}"]
    with fresh.open("rb") as fp:
        expected = gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]
    if committed == expected:
        return []
    differing = sorted(
        {str(k) for k in committed.keys() ^ expected.keys()}
        | {str(k) for k in committed.keys() & expected.keys() if committed[k] != expected[k]}
    )
    listed = "\n".join(f"    {k[:100]}" for k in differing[:10])
    more = f"\n    ... and {len(differing) - 10} more" if len(differing) > 10 else ""
    return [f"{rel_mo} is not the compilation of {rel_po}; differing msgids:\n{listed}{more}"]


def check() -> int:
    if shutil.which("msgfmt") is None or shutil.which("xgettext") is None:
        print(
            "Translation check: the GNU gettext tools are missing "
            "(Debian/Ubuntu: apt-get install gettext).",
            file=sys.stderr,
        )
        return 1
    langs = languages()
    if not langs:
        print(
            f"Translation check: no {DOMAIN}.po under {LOCALE.relative_to(ROOT)}.", file=sys.stderr
        )
        return 1
    problems: list[str] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hafennetz-i18n-") as name:
        tmp = Path(name)
        extracted = extract(tmp, langs)
        for lang in langs:
            po = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            rel = po.relative_to(ROOT)
            entries = parse_po(po)
            header = entries[0] if entries and entries[0].msgid == "" else None
            problems += [f"{rel}: {p}" for p in check_header(header, lang)]
            committed = {e.key for e in entries if e.msgid}
            source = {e.key: e for e in extracted[lang] if e.msgid}
            missing = [source[k] for k in source if k not in committed]
            problems += [f"{rel}: missing msgid from the sources: {e.describe()}" for e in missing]
            stale = [e for e in entries if e.msgid and e.key not in source]
            notes += [f"{rel}:{e.line}: no longer in the sources: {e.describe()}" for e in stale]
            problems += check_entries(entries, po)
            problems += compile_and_compare(po, po.with_suffix(".mo"), tmp)
    for note in notes:
        print(f"note: {note}")
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        print(f"Translation check failed ({count}):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(UPDATE_HINT, file=sys.stderr)
        return 1
    print(f"Translations OK ({', '.join(langs)}).")
    return 0


def update() -> None:
    """makemessages and compilemessages in the work tree, with the options the check uses."""
    langs = languages() or ["de"]
    with tempfile.TemporaryDirectory(prefix="hafennetz-i18n-") as var_dir:
        django_admin(
            ["makemessages", *[f"--locale={lang}" for lang in langs], *MAKEMESSAGES_ARGS],
            PACKAGE,
            var_dir,
        )
        django_admin(["compilemessages", *[f"--locale={lang}" for lang in langs]], PACKAGE, var_dir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--update",
        action="store_true",
        help="run makemessages and compilemessages in the work tree first",
    )
    if parser.parse_args().update:
        update()
    return check()


if __name__ == "__main__":
    sys.exit(main())
