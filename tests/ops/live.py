"""A real hafennetz server process for operations tests: prepare a database with the management
commands in a subprocess, run gunicorn on 127.0.0.1, talk to it over HTTP like a browser
(cookies, CSRF tokens). Standard library only; no browser."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Ports for live servers: the first free one in this range (HAFENNETZ_LIVE_PORTS="8101-8120").
PORT_RANGE = os.environ.get("HAFENNETZ_LIVE_PORTS", "8101-8120")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Deployment settings of the calling shell that would change what the tests expect.
NOT_INHERITED = {
    "DATABASE_URL",
    "HAFENNETZ_TEST_DB",
    "HAFENNETZ_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "STATIC_ROOT",
    "TRUSTED_PROXY_COUNT",
}


def django_env(**extra: str) -> dict[str, str]:
    """The environment of a subprocess running the app: no inherited database or test settings."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env["DJANGO_SETTINGS_MODULE"] = "hafennetz.settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_django(code: str, env: Mapping[str, str], timeout: float = 300) -> str:
    """Run Python code after django.setup() in a subprocess; its stdout."""
    script = "import django\ndjango.setup()\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    low, _, high = PORT_RANGE.partition("-")
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {PORT_RANGE}")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def gunicorn(
    env: Mapping[str, str], log: Path, *, workers: int = 2, threads: int = 8
) -> Iterator[Server]:
    """gunicorn serving hafennetz on 127.0.0.1:<free port> until the block ends."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hafennetz.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                f"--threads={threads}",
                "--timeout=120",
                "--access-logfile=-",
            ],
            env=dict(env),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_listening(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_listening(server: Server, timeout: float = 60) -> None:
    """Poll until the server answers (it imports Django first); fail if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited:\n{server.log_text()}")
        try:
            urllib.request.urlopen(server.url + "/konto/anmelden/", timeout=10).close()  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server did not answer within {timeout} s:\n{server.log_text()}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: str


class Client:
    """One browser: a cookie jar, redirects not followed, CSRF token from the last form."""

    def __init__(self, base_url: str, headers: Mapping[str, str] | None = None) -> None:
        self.base_url = base_url
        self.headers = dict(headers or {})
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )
        self.csrf = ""

    def request(self, path: str, data: Mapping[str, str] | None = None) -> Response:
        body = None
        headers = dict(self.headers)
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **data}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base_url + path
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=120) as answer:
                result = Response(answer.status, answer.headers, answer.read().decode())
        except urllib.error.HTTPError as error:
            result = Response(error.code, error.headers, error.read().decode(errors="replace"))
        token = CSRF_INPUT.search(result.body)
        if token:
            self.csrf = token.group(1)
        return result

    def get(self, path: str) -> Response:
        return self.request(path)

    def post(self, path: str, data: Mapping[str, str]) -> Response:
        return self.request(path, data)

    def login(self, username: str, password: str) -> Response:
        self.get("/konto/anmelden/")
        return self.post("/konto/anmelden/", {"username": username, "password": password})
