"""A real server (uvicorn on a free port, SQLite file, sample and demo accounts) and Debian's chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Without Debian's chromium the browser tests skip, saying how to get it."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="needs /usr/bin/chromium: `make browser-deps` (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from kechuang.app import create_app
    from kechuang.config import Settings
    from kechuang.services.market_sample import load_market_sample
    from kechuang.services.sample import load_demo_accounts, load_module_samples, load_sample
    from kechuang.store.db import UnitOfWork, make_engine
    from kechuang.store.schema import upgrade_database

    data = tmp_path_factory.mktemp("server")
    settings = Settings(data_dir=data, embedder="hashing")
    engine = make_engine(settings.resolved_database_url)
    upgrade_database(engine)
    uow = UnitOfWork(engine)
    load_sample(uow)
    load_market_sample(uow)  # as `make serve` does: a year of registered contracts, deals at every stage
    load_demo_accounts(uow)
    load_module_samples(uow)  # open calls, key tasks, talent, indicators: as `make serve` does
    port = free_port()
    config = uvicorn.Config(create_app(settings, uow), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True, name="kechuang-test-server")
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """Screenshots of each step, kept under stable names for the change notes (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # overwritten by name: a parallel run cannot wipe ours
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    """One chromium for a whole module that sweeps many pages (each test opens its own contexts)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900}, locale="zh-CN")
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        yield tab
        context.close()
        browser.close()
