"""One headless Chromium (Debian's package) driven by Playwright, for a test module.

Playwright's sync API runs in a thread of its own, so the test's event loop keeps serving
the dashboard while the browser waits for it. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

CHROMIUM = Path(os.environ.get("MENTORHUB_CHROMIUM", "/usr/bin/chromium"))
STEP_SECONDS = 60.0  # a whole step (a few page loads); each Playwright wait is 10 s at most
T = TypeVar("T")


def require_chromium() -> None:
    """Skip without Chromium, except in CI, where its absence is a failure."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI is set but {CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(
        f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; "
        "README 'Developing'); set CI=true to make this a failure"
    )


class Chromium:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="chromium")
        self._playwright: Any = None
        self.browser: Any = None
        self._thread.submit(self._launch).result(timeout=STEP_SECONDS)

    def _launch(self) -> None:
        from playwright.sync_api import sync_playwright  # imported only with Chromium there

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],  # root in a container
        )

    async def run(self, step: Callable[..., T], *args: Any) -> T:
        """Run ``step(*args)`` on the browser's thread; the event loop serves meanwhile."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._thread, step, *args)
        return await asyncio.wait_for(future, timeout=STEP_SECONDS)

    def new_page(self, base_url: str, *, width: int = 1280) -> Any:
        """A page in a fresh context (its own cookies); call on the browser's thread."""
        context = self.browser.new_context(
            base_url=base_url, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def close(self) -> None:
        def stop() -> None:
            self.browser.close()
            self._playwright.stop()

        try:
            self._thread.submit(stop).result(timeout=STEP_SECONDS)
        finally:
            self._thread.shutdown(wait=False)
