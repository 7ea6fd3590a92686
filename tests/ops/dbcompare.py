"""Fingerprints of every table of a database (row count + hash of the sorted rows), computed
through Django's connection so that both sides of a comparison decode values the same way."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any


def _plain(value: Any) -> str:
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()
    return repr(value)


def table_digests(connection: Any) -> dict[str, list[Any]]:
    """{table: [rows, sha256]} for every table, plus the sequences' next values."""
    out: dict[str, list[Any]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted("\x1f".join(_plain(v) for v in row) for row in cursor.fetchall())
            digest = hashlib.sha256("\x1e".join(rows).encode()).hexdigest()
            out[table] = [len(rows), digest]
        if connection.vendor == "postgresql":
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
        else:
            cursor.execute("SELECT name, seq FROM sqlite_sequence")
        out["<sequences>"] = sorted([str(name), value] for name, value in cursor.fetchall())
    return out
