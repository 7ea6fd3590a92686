"""`hafennetz backup [--output PATH]`: a consistent copy of the whole database while the
platform runs (docs/operations.md: schedule, retention, restore).

SQLite: the sqlite3 online backup API copies every page inside one read transaction, so the copy
is a consistent snapshot even while others write (WAL). PostgreSQL: `pg_dump --format=custom`
(a snapshot as well); restore with `hafennetz restore PATH`.

The helpers below are shared with the restore command.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Debian/Ubuntu install the client tools of every major version under here.
PG_VERSIONS_DIR = Path("/usr/lib/postgresql")


def engine_of(settings_dict: dict[str, Any]) -> str:
    """'sqlite' or 'postgresql'; anything else is not supported."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith(("postgresql", "postgis")):
        return "postgresql"
    raise CommandError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def find_pg_tool(name: str) -> str:
    """pg_dump/pg_restore: $PG_BIN_DIR, then PATH, then the newest Debian/Ubuntu cluster."""
    candidates: list[Path] = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    if PG_VERSIONS_DIR.is_dir():
        versions = sorted(
            (p for p in PG_VERSIONS_DIR.iterdir() if p.name.isdigit()), key=lambda p: int(p.name)
        )
        candidates.extend(p / "bin" / name for p in reversed(versions))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise CommandError(
        f"{name} was not found. Install the PostgreSQL client tools of the server's major "
        f"version or newer (Debian/Ubuntu: apt install postgresql-client), or set PG_BIN_DIR "
        f"to the directory that holds {name}."
    )


def pg_arguments(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools, and their environment (password
    in PGPASSWORD, never on the command line)."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def run_tool(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise CommandError(
            f"{Path(command[0]).name} failed (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()}"
        )


# How long the SQLite backup API may wait for a lock before the command gives up (the Python
# binding would otherwise retry forever).
SQLITE_LOCK_WAIT = 60.0


def sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection, what: str) -> None:
    """Copy every page of source into target in one step (one consistent snapshot)."""
    if source.in_transaction or target.in_transaction:
        raise CommandError(f"Cannot {what} inside an open transaction.")
    started = time.monotonic()

    def give_up_when_locked(status: int, remaining: int, total: int) -> None:
        locked = status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        if locked and time.monotonic() - started > SQLITE_LOCK_WAIT:
            raise CommandError(
                f"Could not {what}: the database stayed locked for "
                f"{SQLITE_LOCK_WAIT:.0f} s (stop the platform and try again)."
            )

    source.backup(target, progress=give_up_when_locked)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"  # pragma: no cover - loop always returns


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database while the platform runs: SQLite with the "
        "online backup API, PostgreSQL with pg_dump (custom format). Restore with "
        "`hafennetz restore PATH`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="File to write. Default: <HAFENNETZ_VAR_DIR>/backups/hafennetz-<UTC time>"
            ".sqlite3 or .dump. An existing file is replaced only when the backup succeeded.",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias in settings.DATABASES."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        engine = engine_of(connection.settings_dict)
        output: Path | None = options["output"]
        if output is None:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            suffix = ".sqlite3" if engine == "sqlite" else ".dump"
            output = Path(settings.VAR_DIR) / "backups" / f"hafennetz-{stamp}{suffix}"
        output = output.expanduser().resolve()
        # Written next to the target, renamed when complete: a failed or interrupted backup
        # never leaves a half file under the final name. Created owner-only before anything is
        # written into it: it holds personal data.
        partial = output.with_name(output.name + ".partial")
        started = time.monotonic()
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            partial.unlink(missing_ok=True)
            partial.touch(mode=0o600)
            if engine == "sqlite":
                self._sqlite(connection, partial)
            else:
                self._postgresql(connection.settings_dict, partial)
            partial.replace(output)
        except OSError as exc:
            raise CommandError(f"Cannot write the backup to {output}: {exc.strerror}.") from exc
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            f"Backup written: {output} ({human_size(output.stat().st_size)}, "
            f"{time.monotonic() - started:.1f} s)."
        )

    def _sqlite(self, connection: Any, target: Path) -> None:
        connection.ensure_connection()
        destination = sqlite3.connect(target)  # the empty file made by handle()
        try:
            # All pages in one step = one read transaction = one consistent snapshot.
            sqlite_copy(connection.connection, destination, "back up")
            # The copy is a standalone file: no WAL beside it, plain rollback journal.
            destination.execute("PRAGMA journal_mode=DELETE")
            check = destination.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            destination.close()
        if check != "ok":
            raise CommandError(f"The backup copy failed its integrity check: {check}")

    def _postgresql(self, settings_dict: dict[str, Any], target: Path) -> None:
        args, env = pg_arguments(settings_dict)
        run_tool(
            [
                find_pg_tool("pg_dump"),
                *args,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                "--dbname",
                str(settings_dict["NAME"]),
            ],
            env,
        )
