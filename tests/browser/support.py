"""What the browser tests need before they can run: Debian's Chromium and Playwright.

Without them the tests skip with the reason; with REQUIRE_BROWSER=1 (CI) they fail
instead, so an image without a browser cannot pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def unavailable(reason: str, *, module_level: bool = False) -> NoReturn:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def playwright_expect():
    """Playwright's `expect`, for a test module to import at its top."""
    try:
        from playwright.sync_api import expect
    except ImportError as exc:
        unavailable(f"playwright is not importable ({exc}); install the dev extras", module_level=True)
    return expect
