"""A browser left alone for 30 minutes is signed out by the server, and the sign-in page says why."""

from __future__ import annotations

from engine import sessions
from engine.clock import SettableClock
from tests.browser.conftest import shot


def test_an_idle_session_ends_and_the_sign_in_page_says_so(live, login, monkeypatch):
    base, _app = live
    page = login("clerk1")
    clock = SettableClock(sessions._wall.now())
    monkeypatch.setattr(sessions, "_wall", clock)  # the server runs in this process: its wall clock
    clock.advance(minutes=29)
    page.goto(f"{base}/")
    assert page.url == f"{base}/"
    clock.advance(minutes=30, seconds=1)
    page.goto(f"{base}/cases")
    assert page.url.startswith(f"{base}/login")
    assert "会话已结束" in page.locator("p.flash.error").inner_text()
    shot(page, "session-ended")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["session"]["httpOnly"] and cookies["session"]["sameSite"] == "Lax"
    assert "remember_token" not in cookies
