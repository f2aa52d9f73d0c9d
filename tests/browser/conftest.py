"""Playwright fixtures: a headless Debian Chromium driving the portal on pytest-django's
`live_server`. Without Chromium or Playwright the tests skip, or fail under
REQUIRE_BROWSER=1 (see `support.py`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.factories import PASSWORD

from . import support

TIMEOUT_MS = 10_000

# Playwright's sync API drives its asyncio event loop from the test's own thread, and
# that loop counts as "running" from start() until stop(). Django then refuses every
# ORM call made in that thread (factories, DB assertions, pytest-django's flush after
# each test) with SynchronousOnlyOperation, although nothing here is async: the
# requests themselves are served by live_server's separate thread. Browser tests
# therefore allow it. It is set in the module-scoped `browser` fixture, for exactly as
# long as Playwright runs, and restored afterwards, so the rest of the suite keeps
# Django's guard against real async misuse.
ALLOW_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium per test module (not per session: while Playwright runs, the ORM
    guard described above is off, and it must not leak into non-browser tests)."""
    if not support.CHROMIUM.exists():
        support.unavailable(f"{support.CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        support.unavailable(f"playwright is not importable ({exc}); install the dev extras")

    previous = os.environ.get(ALLOW_ASYNC_UNSAFE)
    os.environ[ALLOW_ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(
                executable_path=str(support.CHROMIUM), args=support.CHROMIUM_ARGS)
        except PlaywrightError as exc:
            first_line = exc.message.splitlines()[0]
            support.unavailable(f"Chromium at {support.CHROMIUM} did not start: {first_line}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ALLOW_ASYNC_UNSAFE, None)
        else:
            os.environ[ALLOW_ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser, live_server, transactional_db) -> Iterator:
    """A fresh browser context (no cookies) on the live server, for one test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/Berlin")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(page) -> Callable:
    """Sign in through the real allauth form, as a person would."""

    def sign_in(user, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        # The POST answers with the next page either way (a redirect, or the form again).
        with page.expect_navigation():
            page.get_by_role("button", name="Sign In").click()

    return sign_in
