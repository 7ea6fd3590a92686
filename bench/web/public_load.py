"""Public pages under load: gunicorn (3 workers) on PostgreSQL, 20 concurrent visitors.

Issue 16 measured p95 of 577 ms on `/`, 772 ms on `/mitglieder/` and 524 ms on the public
Lagebild with 20 concurrent clients on a 2-core machine; the target is p95 ≤ 200 ms on each.
This script measures, in one run and side by side, the same pages with the public page cache
(core.public_cache) switched off and on: a fresh PostgreSQL database with the demo data,
production settings, `collectstatic`, gunicorn with 3 workers, then for each page and each
setting `--seconds` of load from `--clients` threads (keep-alive connections, like browsers)
after a warm-up. The load generator runs on the same machine, so it takes CPU from the server:
the absolute figures are pessimistic, the ratio is what to compare.

    python bench/web/public_load.py [--database postgres://postgres@127.0.0.1:5432/hafennetz_bench_web]
        [--clients 20] [--seconds 20] [--json /tmp/web-load.json]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "/": "Karte (Start)",
    "/mitglieder/": "Mitgliederverzeichnis",
    "/lagebild/deutschland/": "Lagebild (öffentlich)",
}
WORKERS = 3


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[str]:
    config = dj_database_url.parse(url)
    name = config["NAME"]
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hafennetz(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "hafennetz.cli", *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], cache: bool) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hafennetz.wsgi",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env={**env, "PUBLIC_PAGE_CACHE": "true" if cache else "false"},
        cwd=ROOT,
    )
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    response.read()
    return response.status


def load(port: int, path: str, clients: int, seconds: float) -> dict[str, float]:
    """`clients` threads request `path` back to back for `seconds`; latencies in ms."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def visitor() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                status = _get(connection, path)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                failed += 1
                continue
            if status != 200:
                failed += 1
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=visitor) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/hafennetz_bench_web"
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with fresh_database(args.database) as url, tempfile.TemporaryDirectory() as static:
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "HAFENNETZ_TEST_DB")},
            "DATABASE_URL": url,
            "HAFENNETZ_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(Path(static) / "static"),
            "HAFENNETZ_VAR_DIR": str(Path(static) / "var"),
            "DJANGO_SETTINGS_MODULE": "hafennetz.settings",
        }
        print("preparing the database (migrate, reference data, demo data, static files) ...")
        for command in (
            ["migrate", "-v0"],
            ["import-reference"],
            ["seed-demo"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            hafennetz(env, *command)
        results: dict[str, dict[str, dict[str, float]]] = {}
        for cache in (False, True):
            label = "cache" if cache else "no cache"
            with gunicorn(env, cache) as port:
                for path in PAGES:
                    load(port, path, args.clients, 3)  # warm-up: workers, connections, cache
                    results.setdefault(path, {})[label] = load(
                        port, path, args.clients, args.seconds
                    )
                    figures = results[path][label]
                    print(
                        f"{label:9} {path:24} p50 {figures['p50']:7.1f} ms  p95 "
                        f"{figures['p95']:7.1f} ms  {figures['rps']:6.1f} req/s  "
                        f"errors {figures['errors']}"
                    )
        print()
        print("| page | p95 without cache | p95 with cache | ratio | req/s without | req/s with |")
        print("|---|---:|---:|---:|---:|---:|")
        for path, title in PAGES.items():
            off, on = results[path]["no cache"], results[path]["cache"]
            print(
                f"| {title} (`{path}`) | {off['p95']:.0f} ms | {on['p95']:.0f} ms | "
                f"{on['p95'] / off['p95']:.2f} | {off['rps']:.0f} | {on['rps']:.0f} |"
            )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
