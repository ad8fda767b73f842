"""Fixtures for the web UI e2e tests: one served store and one headless Chromium per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ui_support import Expected, LiveServer, Page, browser_or_skip, build_site, make_driver


@dataclass
class Site:
    base: str
    store: Any
    expected: Expected


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    browser_or_skip()
    drv = make_driver(tmp_path_factory.mktemp("chromium-profile"))
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from logcopilot.server.app import create_app

    store, expected = build_site(tmp_path_factory.mktemp("ui-store") / "ui.duckdb")
    server = LiveServer(create_app(store))
    yield Site(server.url, store, expected)
    server.stop()
    store.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture()
def page(driver: Any, site: Site, shots: Path) -> Iterator[Page]:
    """The shared browser, its console log emptied of what earlier tests left."""
    p = Page(driver, site.base, shots)
    p.console_errors()
    yield p
