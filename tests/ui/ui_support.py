"""Helpers for the web UI end-to-end tests: a served store, a headless Chromium, waits, screenshots.

In: nothing but the bundled OpenSSH sample and Debian's ``/usr/bin/chromium`` +
``/usr/bin/chromedriver`` (``scripts/setup.sh`` installs them). Out:

- ``build_site(path)``: a store with ``openssh`` (ingested + indexed, no embeddings, no LLM)
  and a hostile ``webapp`` system (HTML/script in its lines, pushed through the push API and
  indexed), plus ``Expected`` facts computed in-process before the server starts.
- ``LiveServer``: ``create_app(store)`` on 127.0.0.1 (uvicorn in a daemon thread, free port).
- ``browser_or_skip()`` / ``make_driver()``: Selenium on the Debian driver (never Selenium
  Manager; ``SE_OFFLINE=true``), viewport forced to 1280x800.
- ``Page``: explicit ``WebDriverWait`` waits by CSS selector, console-error and XSS checks,
  and ``shot()`` (1280x800 PNG into pytest's tmp dir; into ``docs/screenshots/`` when
  ``LOGCOPILOT_UPDATE_SCREENSHOTS=1``).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import logcopilot
from live_server import LiveServer

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "HOSTILE_LINES",
    "REPO",
    "SIZE",
    "WEBAPP_T0",
    "Expected",
    "LiveServer",
    "Page",
    "browser_or_skip",
    "build_site",
    "make_driver",
    "png_size",
]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SIZE = (1280, 800)
REPO = Path(__file__).resolve().parents[2]
WEBAPP_T0 = 1704067200  # 2024-01-01T00:00:00Z
HOSTILE_LINES = (
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "<b>bold</b> user alice logged in",
    "user bob logged in",
    "user carol logged in &lt;i&gt;entity&lt;/i&gt;",
)
WAIT_S = 20.0


# ---------------------------------------------------------------- store and server


@dataclass
class Expected:
    """What the pages must show, computed in-process from the same store."""

    openssh_entries: int
    openssh_span_ns: tuple[int, int]
    webapp_entries: int
    knowledge: dict[str, Any]  # system -> logcopilot.indexing.knowledge.Knowledge


def build_site(path: Path) -> tuple[Any, Expected]:
    """A store with ``openssh`` and the hostile ``webapp`` system, both indexed."""
    from logcopilot.engine.push import push_json
    from logcopilot.engine.store import Store
    from logcopilot.indexing.knowledge import load_knowledge
    from logcopilot.indexing.pipeline import index_system
    from logcopilot.ingest.pipeline import ingest_files

    store = Store(path)
    sample = Path(logcopilot.__file__).parent / "data" / "OpenSSH_2k.log"
    (report,) = ingest_files(store, [str(sample)], system="openssh", year=2015)
    index_system(store, "openssh", embedder=None, llm=None)
    assert report.ts_min is not None and report.ts_max is not None
    body = {"streams": [{"stream": {"system": "webapp", "job": "web"},
                         "values": [[str((WEBAPP_T0 + 60 * i) * 10**9), line] for i, line in enumerate(HOSTILE_LINES)]}]}
    pushed = push_json(store, json.dumps(body).encode())
    index_system(store, "webapp", embedder=None, llm=None)
    expected = Expected(
        openssh_entries=report.entries,
        openssh_span_ns=(report.ts_min, report.ts_max),
        webapp_entries=pushed,
        knowledge={s: load_knowledge(store, s, examples=5) for s in ("openssh", "webapp")},
    )
    return store, expected


# ---------------------------------------------------------------- browser


def browser_or_skip() -> None:
    """Skip (or, under CI, fail) with a clear reason when Chromium or Selenium is missing."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    reason = ""
    if missing:
        reason = (f"{' and '.join(missing)} missing: install Debian's chromium and chromium-driver "
                  "(scripts/setup.sh does, as root or with sudo)")
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            reason = "selenium is not installed: pip install -e '.[dev]'"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"web UI e2e tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)


def make_driver(profile_dir: Path) -> Any:
    """Headless Chromium through Debian's chromedriver, viewport exactly 1280x800."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--window-size={SIZE[0]},{SIZE[1]}", f"--user-data-dir={profile_dir}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": SIZE[0], "height": SIZE[1], "deviceScaleFactor": 1, "mobile": False})
    return driver


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


class Page:
    """The driver plus the served site: navigation, explicit waits, checks, screenshots."""

    def __init__(self, driver: Any, base: str, shots: Path) -> None:
        self.driver = driver
        self.base = base
        self.shots = shots

    # navigation and waits
    def open(self, path: str, main_id: str) -> None:
        self.driver.get(self.base + path)
        self.visible(f"main#{main_id}")

    def wait(self, cond: Any, what: str, timeout: float = WAIT_S) -> Any:
        from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        try:  # a page re-rendering a list while we read it is retried, not a failure
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(cond)
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} on {self.driver.current_url}"
                                 f"{self._console_hint()}") from None

    def present(self, css: str) -> Any:
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait(ec.presence_of_element_located(("css selector", css)), f"{css!r} to exist")

    def visible(self, css: str) -> Any:
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait(ec.visibility_of_element_located(("css selector", css)), f"{css!r} to be visible")

    def count_at_least(self, css: str, n: int = 1) -> list[Any]:
        return self.wait(lambda d: (els := d.find_elements("css selector", css)) and len(els) >= n and els,
                         f"at least {n} {css!r}")

    def text_contains(self, css: str, text: str) -> Any:
        def check(d: Any) -> Any:
            els = d.find_elements("css selector", css)
            return els[0] if els and text in els[0].text else False
        return self.wait(check, f"{css!r} to show {text!r}")

    def all(self, css: str) -> list[Any]:
        return list(self.driver.find_elements("css selector", css))

    def choose(self, select_css: str, value: str) -> None:
        """Pick ``value`` in a <select> once the page has filled in that option."""
        from selenium.webdriver.support.ui import Select

        self.present(f'{select_css} option[value="{value}"]')
        Select(self.driver.find_element("css selector", select_css)).select_by_value(value)

    def type_into(self, css: str, text: str) -> Any:
        el = self.visible(css)
        el.clear()
        el.send_keys(text)
        return el

    def click(self, css: str) -> None:
        from selenium.webdriver.support import expected_conditions as ec

        self.wait(ec.element_to_be_clickable(("css selector", css)), f"{css!r} to be clickable").click()

    # checks
    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def console_errors(self) -> list[str]:
        """SEVERE console entries since the last call (a missing favicon is no error)."""
        return [e["message"] for e in self.driver.get_log("browser")
                if e.get("level") == "SEVERE" and "favicon.ico" not in e.get("message", "")]

    def _console_hint(self) -> str:
        try:
            errors = self.console_errors()
        except Exception:  # the hint must never mask the timeout itself
            return ""
        return f"; browser console: {errors}" if errors else ""

    def assert_no_injection(self) -> None:
        """The hostile lines never became markup or ran."""
        assert self.js("return typeof window.__xss") == "undefined", "a hostile log line ran as script"
        assert self.js("return document.querySelectorAll('img[onerror]').length") == 0
        inline = self.js("return [...document.scripts].filter(s => !s.src).map(s => s.textContent).join('\\n')")
        assert "__xss" not in inline

    def assert_clean(self) -> None:
        """No console errors and no injected markup: every test ends with this."""
        errors = self.console_errors()
        assert not errors, f"browser console errors on {self.driver.current_url}: {errors}"
        self.assert_no_injection()

    def assert_nav(self, page: str) -> None:
        for name in ("ask", "query", "knowledge", "status"):
            assert self.all(f'nav#nav a[data-page="{name}"]'), f"nav#nav has no a[data-page={name!r}] on /{page}"
        assert self.all(f"main#page-{page}")

    def shot(self, name: str) -> Path:
        data = self.driver.get_screenshot_as_png()
        assert png_size(data) == SIZE, f"screenshot is {png_size(data)}, not {SIZE}"
        out = self.shots / f"{name}.png"
        out.write_bytes(data)
        if os.environ.get("LOGCOPILOT_UPDATE_SCREENSHOTS") == "1":
            dest = REPO / "docs" / "screenshots"
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, dest / f"{name}.png")
        return out
