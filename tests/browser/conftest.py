"""Browser tests: the real app served on a free local port, driven by Playwright in Debian's chromium.

Each test gets a fresh SQLite database with the procedures deployed and the demo users; the
engine runs on the test clock. Screenshots go to test-output/screenshots/ (look at them).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api import create_app, engine_context
from engine.migrations import upgrade
from tests.conftest import IN_CI, START, TEST_KEY
from workflows.demo import demo_users, deploy

CHROMIUM = os.environ.get("CADREFLOW_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is required in CI (make test installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def live(tmp_path, monkeypatch):
    """The app on a free port: yields (base_url, app)."""
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    url = f"sqlite:///{tmp_path / 'browser.sqlite'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": True, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    demo_users(ctx)
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()


@pytest.fixture
def login(browser, live):
    """login(username, viewport=DESKTOP, lang=None) -> a signed-in Playwright page."""
    base, _app = live
    contexts = []

    def sign_in(username: str, viewport=DESKTOP, lang: str | None = None):
        context = browser.new_context(viewport=viewport, locale="en-US" if lang == "en" else "zh-CN",
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", username)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        return page

    yield sign_in
    for context in contexts:
        context.close()


def shot(page, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots():
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
