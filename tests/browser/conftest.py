"""Browser tests: a real Chromium driven by Playwright (sync API) against pytest-django's
live server.

Shared data. `live_server` makes every test here transactional, and pytest-django flushes *all*
tables after a transactional test, which would wipe the reference data and the demo registry that
tests/conftest.py loads once per session. So the browser package takes a snapshot of the database
when its first test starts (the untouched session state) and puts it back
  * before every browser test that follows another one (which flushed the tables), and
  * once more after the last browser test, so tests that run later (any directory, any order)
    find the same data as before.
On SQLite (the in-memory test database, what the browser tests run on) the snapshot is a page copy
through SQLite's backup API and takes milliseconds; on other databases the data is re-imported
with the same commands as the session fixture (a few seconds per test).

Chromium missing or not starting: the tests are skipped with the reason, except with CI=true,
where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Expect assertions wait up to this long (ms); generous for a slow CI machine.
EXPECT_TIMEOUT_MS = 10_000

DEMO_PASSWORD = "Hafen-Demo-2026"
OFFICE_LOGIN = "koordinierungsstelle@demo.hafennetz.example"
STATE_LOGIN = "landeskoordination@demo.hafennetz.example"
MEMBER_LOGIN = "kommune@demo.hafennetz.example"


def pytest_configure(config: pytest.Config) -> None:
    # The live server listens on 127.0.0.1 (not "localhost"), so "no request leaves 127.0.0.1"
    # is a plain comparison of URLs. An explicit --liveserver still wins.
    if not config.getoption("liveserver", None):
        config.option.liveserver = "127.0.0.1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def t(message: str) -> str:
    """The UI text for a message id as the German page shows it: the translation once the
    catalog has one, until then the English msgid (what the page shows then, too)."""
    with translation.override("de"):
        return translation.gettext(message)


def field(message: str) -> re.Pattern[str]:
    """The accessible name of a form field labelled `message` by Django (with its ":")."""
    return re.compile(rf"^\s*{re.escape(t(message))}\s*:?\s*$")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium for all browser tests (they all live in this package).

    Package, not session scope, on purpose: while Playwright's sync API runs, its asyncio loop
    counts as running in the test thread, so Django refuses ORM calls there unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set. Both end with the last browser test; tests that run later
    see neither the loop nor the variable (which would also leak into subprocesses, e.g.
    `check --deploy` fails on it)."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright (Python) is not installed: pip install -e '.[dev]'")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).is_file():
        _unavailable(
            "Chromium not found (looked for `chromium` on PATH and /usr/bin/chromium); "
            "install it with: sudo apt-get install chromium"
        )
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    async_unsafe = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            _unavailable(f"Chromium at {executable} does not start: {exc.message.splitlines()[0]}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if async_unsafe is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = async_unsafe


class BrowserPage:
    """A fresh browser context and page on the live server, with what it logged and requested."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))
        page.on("request", lambda request: self.requests.append(request.url))

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"console.error: {message.text} ({message.location})")


@pytest.fixture
def context(browser: Any, live_server: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        base_url=live_server.url, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def bpage(context: Any, live_server: Any) -> BrowserPage:
    return BrowserPage(context.new_page(), live_server.url)


LoginAs = Callable[[str], Any]


@pytest.fixture
def login_as(context: Any, live_server: Any) -> LoginAs:
    """Log a demo user in without the form (the form has its own test): a session made by the
    test client, handed to the browser as its cookie."""
    from django.contrib.auth import get_user_model

    def login(username: str) -> Any:
        user = get_user_model().objects.get(username=username)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
        )
        return user

    return login


# --- keeping the shared data ------------------------------------------------------------------


class SharedData:
    """The database as the session fixture left it, and how to put it back."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.copy: sqlite3.Connection | None = None
        self.flushed = False  # set once a browser test ran (its teardown flushes every table)

    @property
    def _raw(self) -> sqlite3.Connection | None:
        conn = self.connection
        if conn.vendor != "sqlite" or not conn.is_in_memory_db():
            return None
        conn.ensure_connection()
        return conn.connection  # type: ignore[no-any-return]

    def take(self) -> None:
        from hafennetz.members.models import Member

        if not Member.objects.exists():  # someone flushed before us: start from a full load
            self._reload()
        raw = self._raw
        if raw is not None:
            self.copy = sqlite3.connect(":memory:", check_same_thread=False)
            raw.backup(self.copy)

    def restore(self) -> None:
        raw = self._raw
        if raw is not None and self.copy is not None:
            self.copy.backup(raw)
        else:
            self._reload()
        self.flushed = False

    def _reload(self) -> None:
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
        call_command("import_reference", verbosity=0)
        call_command("seed_demo", verbosity=0)

    def close(self) -> None:
        if self.copy is not None:
            self.copy.close()


@pytest.fixture(scope="package", autouse=True)
def _shared_data(django_db_setup: None, django_db_blocker: Any) -> Iterator[SharedData]:
    with django_db_blocker.unblock():
        data = SharedData()
        data.take()
    yield data
    # Runs after the last browser test's flush: leave the data as we found it.
    with django_db_blocker.unblock():
        if data.flushed:
            data.restore()
        data.close()


@pytest.fixture(autouse=True)
def _fresh_shared_data(
    _shared_data: SharedData, django_db_blocker: Any, request: pytest.FixtureRequest
) -> Iterator[None]:
    if "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    with django_db_blocker.unblock():
        if _shared_data.flushed:
            _shared_data.restore()
    yield
    # transactional_db flushes every table after this test, see the module docstring.
    _shared_data.flushed = "transactional_db" in request.fixturenames or (
        "live_server" in request.fixturenames
    )
