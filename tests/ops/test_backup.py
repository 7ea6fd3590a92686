"""`hafennetz backup` and `hafennetz restore` (issue 10 item 10): a backup of the database with
the reference and demo data restores into an empty database with every table equal (row counts
and content hashes, sequences). Runs on the database of the test run: SQLite (online backup API)
in the SQLite run, PostgreSQL (pg_dump / pg_restore) in the PostgreSQL run."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from hafennetz.core.management.commands import backup as backup_command
from tests.ops.live import ROOT, django_env

DIGESTS = """
import json
from django.db import connection
from tests.ops.dbcompare import table_digests
print(json.dumps(table_digests(connection)))
"""


def _admin_connect() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@contextlib.contextmanager
def empty_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a process whose database is new and empty (same engine as the run)."""
    if connection.vendor == "sqlite":
        yield django_env(HAFENNETZ_VAR_DIR=str(tmp_path / "restored"))
        return
    s = connection.settings_dict
    name = f"{s['NAME']}_restore"
    identifier = sql.Identifier(name)
    with _admin_connect() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
    user = f"{s['USER']}:{s['PASSWORD']}@" if s["PASSWORD"] else f"{s['USER']}@"
    url = f"postgres://{user}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"
    try:
        yield django_env(DATABASE_URL=url, HAFENNETZ_VAR_DIR=str(tmp_path / "var"))
    finally:
        with _admin_connect() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))


def hafennetz(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hafennetz.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def digests_in(env: dict[str, str]) -> dict[str, list[object]]:
    done = subprocess.run(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + DIGESTS],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def original_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a process that sees the test database's data (reference + demo).
    SQLite: a file copy, because the test's open IMMEDIATE transaction blocks the backup API
    (`hafennetz backup` itself never runs inside a transaction)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        folder = tmp_path / "original"
        folder.mkdir()
        (folder / "hafennetz.sqlite3").write_bytes(connection.connection.serialize())
        yield django_env(HAFENNETZ_VAR_DIR=str(folder))
        return
    s = connection.settings_dict
    user = f"{s['USER']}:{s['PASSWORD']}@" if s["PASSWORD"] else f"{s['USER']}@"
    url = f"postgres://{user}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    yield django_env(DATABASE_URL=url, HAFENNETZ_VAR_DIR=str(tmp_path / "var"))


@pytest.mark.django_db
def test_backup_restores_into_an_empty_database_with_every_table_equal(tmp_path: Path) -> None:
    path = tmp_path / ("backup.sqlite3" if connection.vendor == "sqlite" else "backup.dump")
    with original_database(tmp_path) as source:
        original = digests_in(source)
        assert original["members_member"][0] > 100  # the demo registry is in it
        assert original["core_municipality"][0] == 10_752
        done = hafennetz(source, "backup", "--output", str(path))
        assert done.returncode == 0, done.stderr
        assert "Backup written" in done.stdout
    assert path.stat().st_size > 0
    assert path.stat().st_mode & 0o077 == 0  # personal data: owner only

    with empty_database(tmp_path) as env:
        done = hafennetz(env, "restore", str(path))
        assert done.returncode == 0, done.stderr
        restored = digests_in(env)
        assert restored.keys() == original.keys()
        different = [t for t in original if restored[t] != original[t]]
        assert different == []

        # Now the database has tables: restore refuses unless told to overwrite.
        refused = hafennetz(env, "restore", str(path))
        assert refused.returncode != 0
        assert "is not empty" in refused.stderr and "--force" in refused.stderr
        forced = hafennetz(env, "restore", "--force", str(path))
        assert forced.returncode == 0, forced.stderr
        assert digests_in(env) == original


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_no_backup(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    with pytest.raises(CommandError, match="is not a backup"):
        call_command("restore", str(junk), force=True)
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing.dump"), force=True)


def test_missing_postgresql_tools_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PG_BIN_DIR", raising=False)
    monkeypatch.setattr(backup_command, "PG_VERSIONS_DIR", tmp_path / "none")
    with pytest.raises(CommandError, match=r"pg_dump was not found.*postgresql-client"):
        backup_command.find_pg_tool("pg_dump")
    tool = tmp_path / "bin" / "pg_dump"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PG_BIN_DIR", str(tool.parent))
    assert backup_command.find_pg_tool("pg_dump") == str(tool)


@pytest.mark.django_db
def test_sqlite_copy_gives_up_on_a_locked_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restoring into a database the running platform keeps locked ends with a message
    instead of waiting forever (the sqlite3 binding retries a busy backup endlessly)."""
    monkeypatch.setattr(backup_command, "SQLITE_LOCK_WAIT", 0.3)
    source = sqlite3.connect(tmp_path / "source.sqlite3")
    source.execute("CREATE TABLE t (a)")
    source.commit()
    blocker = sqlite3.connect(tmp_path / "target.sqlite3", isolation_level=None)
    blocker.execute("CREATE TABLE x (a)")
    blocker.execute("BEGIN IMMEDIATE")
    target = sqlite3.connect(tmp_path / "target.sqlite3", timeout=0.05)
    try:
        with pytest.raises(CommandError, match="stayed locked"):
            backup_command.sqlite_copy(source, target, "restore")
        source.execute("BEGIN")
        with pytest.raises(CommandError, match="inside an open transaction"):
            backup_command.sqlite_copy(source, target, "back up")
    finally:
        for db in (source, blocker, target):
            db.close()
