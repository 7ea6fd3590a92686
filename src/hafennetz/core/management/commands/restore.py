"""`hafennetz restore PATH [--force]`: put a backup of `hafennetz backup` back into the
configured database (docs/operations.md). Refuses to overwrite a database that has tables unless
--force is given. A backup restores into the same kind of database it came from (SQLite file
into SQLite, pg_dump into PostgreSQL); stop the platform (gunicorn, workers, cron) first.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from hafennetz.core.management.commands.backup import (
    PG_DUMP_MAGIC,
    SQLITE_MAGIC,
    engine_of,
    find_pg_tool,
    pg_arguments,
    run_tool,
    sqlite_copy,
)


def backup_kind(path: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise CommandError(f"Cannot read the backup {path}: {exc.strerror}.") from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise CommandError(
        f"{path} is not a backup of `hafennetz backup` (neither an SQLite database nor a "
        "pg_dump custom-format file)."
    )


class Command(BaseCommand):
    help = (
        "Restore a backup written by `hafennetz backup` into the configured database. Stop the "
        "platform first. A database that already has tables is overwritten only with --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Backup file (.sqlite3 or .dump).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite a database that is not empty (everything in it is replaced).",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias in settings.DATABASES."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"].expanduser().resolve()
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        connection = connections[options["database"]]
        engine = engine_of(connection.settings_dict)
        kind = backup_kind(path)
        if kind != engine:
            raise CommandError(
                f"{path} is a {kind} backup, but the configured database is {engine}; a backup "
                "restores only into the kind of database it was taken from."
            )
        name = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        if tables and not options["force"]:
            raise CommandError(
                f"The database {name} is not empty ({len(tables)} tables). Restoring replaces "
                "everything in it; run again with --force to overwrite it."
            )
        started = time.monotonic()
        if engine == "sqlite":
            self._sqlite(connection, path)
        else:
            connection.close()
            connect, env = pg_arguments(connection.settings_dict)
            run_tool(
                [
                    find_pg_tool("pg_restore"),
                    *connect,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    str(name),
                    str(path),
                ],
                env,
            )
        with connection.cursor() as cursor:
            restored = len(connection.introspection.table_names(cursor))
        self.stdout.write(
            f"Restored {path} into {name} ({restored} tables, "
            f"{time.monotonic() - started:.1f} s). A backup of an older version needs "
            "`hafennetz migrate` before the platform starts."
        )

    def _sqlite(self, connection: Any, path: Path) -> None:
        source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            check = source.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise CommandError(f"The backup {path} is damaged: {check}")
            connection.ensure_connection()
            # The online backup API replaces the destination page by page in one transaction,
            # keeping its journal mode (WAL); other connections wait for the lock meanwhile.
            try:
                sqlite_copy(source, connection.connection, "restore")
            except sqlite3.Error as exc:
                raise CommandError(f"Restoring {path} failed: {exc}") from exc
        finally:
            source.close()
        connection.close()
