"""Production smoke test (scripts/test runs it after the PostgreSQL tests).

Deploys hafennetz the way docs/operations.md describes, on this machine: production settings
(HAFENNETZ_ENV=production, SECRET_KEY, ALLOWED_HOSTS=127.0.0.1), a fresh PostgreSQL database
(created here and dropped afterwards), migrate, import-reference, seed-demo, collectstatic into
a temporary directory, gunicorn with 2 workers on 127.0.0.1. Then it requests what a visitor
and a member's staff would: the landing page, the login page, a real login, dashboards, the
static files the landing page links, and a page that does not exist. Any 5xx, a status other
than the expected one, a missing security header or a server error in the log fails it.

Requests carry `X-Forwarded-Proto: https`, as the TLS-terminating reverse proxy sends it
(SECURE_PROXY_SSL_HEADER); one request without it must be redirected to https.

    python scripts/smoke_production.py [postgres://postgres@127.0.0.1:5432/hafennetz]
"""

from __future__ import annotations

import contextlib
import hmac
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import dj_database_url
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "hafennetz_smoke"
LOGIN = "kommune@demo.hafennetz.example"  # member staff: no mandatory second factor
OFFICE = "koordinierungsstelle@demo.hafennetz.example"  # second factor required
# An authenticator-app key for the office's login, made for this run: the smoke test computes
# the six-digit code itself (RFC 6238) and goes through the production two-factor check.
TOTP_KEY = secrets.token_hex(20)
GIVE_OFFICE_AN_AUTHENTICATOR = f"""
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
user = get_user_model().objects.get(username={OFFICE!r})
TOTPDevice.objects.create(user=user, name="smoke test", key={TOTP_KEY!r}, confirmed=True)
"""
PASSWORD = "Hafen-Demo-2026"  # noqa: S105 - the published demo password
PORTS = os.environ.get("HAFENNETZ_LIVE_PORTS", "8101-8120")
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "",
    "Content-Security-Policy": "script-src",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=()",
}
# Pages reached by following links (as member staff, as the office), at most this many each.
CRAWL_LIMIT = 120
HREF = re.compile(r'href="(/[^"#]*)')
NOT_CRAWLED = ("/static/", "/konto/abmelden/", "/sprache/")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Settings of the calling shell that would change what the smoke test expects (it sets its own).
NOT_INHERITED = {
    "DEBUG",
    "HAFENNETZ_TEST_DB",
    "SECURE_SSL_REDIRECT",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "TWO_FACTOR_REQUIRED",
    "TRUSTED_PROXY_COUNT",
    "SECURE_HSTS_SECONDS",
}


def step(message: str) -> None:
    print(f"-- {message}", flush=True)


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database next to the one in `url`; dropped afterwards. Its URL."""
    config = dj_database_url.parse(url)
    connect = {
        "host": config["HOST"] or "127.0.0.1",
        "port": config["PORT"] or 5432,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 10,
    }

    def run(statement: sql.Composable) -> None:
        with psycopg.connect(**connect) as admin:  # type: ignore[arg-type]
            admin.execute(statement)

    name = sql.Identifier(DATABASE)
    run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    run(sql.SQL("CREATE DATABASE {}").format(name))
    parts = urllib.parse.urlsplit(url)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path="/" + DATABASE))
    finally:
        run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def hafennetz(env: Mapping[str, str], *args: str) -> None:
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "hafennetz.cli", *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"hafennetz {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    shown = " ".join(arg if len(arg) < 40 else "..." for arg in args)
    step(f"hafennetz {shown} ({time.monotonic() - started:.1f} s)")


def free_port() -> int:
    low, _, high = PORTS.partition("-")
    for port in range(int(low), int(high or low) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit(f"No free port in {PORTS} (HAFENNETZ_LIVE_PORTS).")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class _BehindProxy(http.cookiejar.DefaultCookiePolicy):
    """The proxy speaks TLS to the browser, so Secure cookies go back to the app over HTTP."""

    def return_ok_secure(self, cookie, request):  # type: ignore[no-untyped-def]
        return True


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.host = urllib.parse.urlsplit(base).netloc
        jar = http.cookiejar.CookieJar(policy=_BehindProxy())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
        )
        self.csrf = ""

    def fetch(
        self, path: str, data: Mapping[str, str] | None = None, *, https: bool = True
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = {"X-Forwarded-Proto": "https"} if https else {}
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **data}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # Django checks the Referer of HTTPS form posts against the host.
            headers["Referer"] = f"https://{self.host}{path}"
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as answer:
                status, head, content = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, head, content = error.code, error.headers, error.read()
        token = CSRF_INPUT.search(content.decode(errors="replace"))
        if token:
            self.csrf = token.group(1)
        return status, head, content


class Checks:
    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.failures: list[str] = []

    def expect(
        self,
        label: str,
        path: str,
        expected: set[int],
        data: Mapping[str, str] | None = None,
        *,
        https: bool = True,
        headers: bool = False,
    ) -> tuple[Mapping[str, str], str]:
        status, head, content = self.browser.fetch(path, data, https=https)
        method = "POST" if data is not None else "GET"
        ok = status in expected
        note = f" -> {head.get('Location')}" if 300 <= status < 400 else ""
        print(f"   {'ok ' if ok else 'BAD'} {status} {method} {path}{note}  ({label})", flush=True)
        if not ok:
            self.failures.append(f"{method} {path}: {status}, expected {sorted(expected)}")
        if headers:
            for name, must_contain in SECURITY_HEADERS.items():
                value = head.get(name)
                if value is None or must_contain not in value:
                    self.failures.append(f"{method} {path}: header {name} missing or {value!r}")
            print(f"       security headers checked: {', '.join(SECURITY_HEADERS)}")
        return head, content.decode(errors="replace")


def wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited:\n{log.read_text(errors='replace')}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"gunicorn did not listen within 60 s:\n{log.read_text(errors='replace')}")


def smoke(base: str, static_root: Path) -> list[str]:
    browser = Browser(base)
    checks = Checks(browser)
    expect = checks.expect
    _, home = expect("landing page", "/", {200}, headers=True)
    expect("plain HTTP is redirected to HTTPS", "/", {301}, https=False)
    expect("public Lagebild", "/lagebild/deutschland/", {200})
    expect("member directory", "/mitglieder/", {200, 302})
    expect("page that does not exist", "/gibt-es-nicht/", {404}, headers=True)
    statics = sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', home)))
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = {f"/static/{path}" for path in manifest.values()}
    if not statics:
        checks.failures.append("the landing page links no static file")
    for path in statics:
        if path not in hashed:
            checks.failures.append(f"{path} is not a hashed (manifest) static URL")
        _, content = expect("static file linked by the landing page", path, {200})
        if not content:
            checks.failures.append(f"{path} is empty")
    expect("static file that does not exist", "/static/gibt-es-nicht.js", {404})
    crawl(browser, checks, "anonymous", limit=40)
    expect("login page", "/konto/anmelden/", {200}, headers=True)
    head, _ = expect(
        "login of a member's staff",
        "/konto/anmelden/",
        {302},
        {"username": LOGIN, "password": PASSWORD},
    )
    if "anmelden" in (head.get("Location") or ""):
        checks.failures.append("the login did not succeed (redirected back to the login)")
    _, overview = expect("Lagebild overview (logged in)", "/lagebild/", {200})
    rounds = sorted(set(re.findall(r'href="(/lagebild/runden/\d+/)"', overview)))
    if not rounds:
        checks.failures.append("the Lagebild overview links no round dashboard")
    for path in rounds[:2]:
        expect("round dashboard", path, {200}, headers=True)
    if rounds:
        expect("Lagebild PDF", rounds[0] + "lagebild.pdf", {200})
    head, _ = expect("own member page", "/mein-mitglied/", {302})
    if head.get("Location", "").startswith("/mitglieder/"):
        expect("member profile", head["Location"], {200})
    expect("meetings", "/treffen/", {200})
    expect("audit log (not for member staff)", "/verwaltung/protokoll/", {403})
    crawl(browser, checks, "member staff", limit=CRAWL_LIMIT)

    office = Checks(Browser(base))
    office.expect("login page", "/konto/anmelden/", {200})
    credentials = {"username": OFFICE, "password": PASSWORD}
    office.expect("login of the coordination office", "/konto/anmelden/", {302}, credentials)
    head, _ = office.expect("office page before the second factor", "/verwaltung/protokoll/", {302})
    verify = head.get("Location") or ""
    if not verify.startswith("/konto/zwei-faktor/pruefen/"):
        office.failures.append(f"the office was not asked for the second factor ({verify!r})")
    else:
        office.expect("second factor form", verify, {200})
        head, _ = office.expect("second factor: code", verify, {302}, {"code": totp_now()})
        if "zwei-faktor" in (head.get("Location") or ""):
            office.failures.append("the authenticator code was not accepted")
    office.expect("audit log (office)", "/verwaltung/protokoll/", {200}, headers=True)
    crawl(office.browser, office, "coordination office", limit=CRAWL_LIMIT)
    return checks.failures + office.failures


def totp_now() -> str:
    """The authenticator app's current code for TOTP_KEY (RFC 6238: SHA-1, 30 s, 6 digits)."""
    counter = int(time.time()) // 30
    digest = hmac.new(bytes.fromhex(TOTP_KEY), counter.to_bytes(8, "big"), "sha1").digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def crawl(browser: Browser, checks: Checks, who: str, *, limit: int) -> None:
    """Follow the site's own links from the landing page: no page may answer 5xx. Links to a
    path not reached yet go first; other query strings of a known path after them."""
    seen = {"/"}
    paths = {"/"}
    fresh, variants = ["/"], []
    statuses: dict[int, int] = {}
    while (fresh or variants) and sum(statuses.values()) < limit:
        path = fresh.pop(0) if fresh else variants.pop(0)
        status, head, content = browser.fetch(path)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            checks.failures.append(f"GET {path}: {status} (found by following links)")
        if "text/html" not in head.get("Content-Type", ""):
            continue
        for link in HREF.findall(content.decode(errors="replace")):
            link = link.replace("&amp;", "&")
            if link in seen or link.startswith(NOT_CRAWLED) or link.startswith("//"):
                continue
            seen.add(link)
            bare = link.partition("?")[0]
            (variants if bare in paths else fresh).append(link)
            paths.add(bare)
    summary = ", ".join(f"{n}x {status}" for status, n in sorted(statuses.items()))
    print(f"   {sum(statuses.values())} pages reached by links as {who}: {summary}")


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else "postgres://postgres@127.0.0.1:5432/hafennetz"
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="hafennetz-smoke-"))
    port = free_port()
    try:
        with fresh_database(url) as database_url:
            env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
            env.update(
                HAFENNETZ_ENV="production",
                SECRET_KEY=secrets.token_urlsafe(50),
                ALLOWED_HOSTS="127.0.0.1",
                DATABASE_URL=database_url,
                HAFENNETZ_VAR_DIR=str(work / "var"),
                STATIC_ROOT=str(work / "static"),
                DJANGO_SETTINGS_MODULE="hafennetz.settings",
                PYTHONPATH=os.pathsep.join(
                    filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])
                ),
            )
            step(f"production settings, database {DATABASE}, files in {work}")
            hafennetz(env, "migrate", "--no-input", "-v", "0")
            hafennetz(env, "import-reference")
            hafennetz(env, "seed-demo")
            hafennetz(env, "shell", "-c", GIVE_OFFICE_AN_AUTHENTICATOR)
            hafennetz(env, "collectstatic", "--no-input", "-v", "0")
            hafennetz(env, "check", "--deploy", "--fail-level", "WARNING")
            log = work / "gunicorn.log"
            with log.open("wb") as out:
                server = subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "hafennetz.wsgi:application",
                        f"--bind=127.0.0.1:{port}",
                        "--workers=2",
                        "--access-logfile=-",
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            try:
                wait_until_listening(server, port, log)
                step(f"gunicorn (2 workers) on 127.0.0.1:{port}")
                failures = smoke(f"http://127.0.0.1:{port}", work / "static")
            finally:
                server.terminate()
                server.wait(timeout=30)
            server_log = log.read_text(errors="replace")
            # Django logs every 5xx as "Internal Server Error: <path>" with its traceback.
            if "Internal Server Error" in server_log or "[CRITICAL]" in server_log:
                failures.append("server errors in the log:\n" + server_log[-4000:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - started
    if failures:
        print("Production smoke test FAILED:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    print(f"Production smoke test passed ({took:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
