"""Web pages in Beijing time, cases headed by their unit and post, steps named in the page's language
(issue 13), through the Flask test client on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from api import create_app, engine_context
from tests.conftest import TEST_KEY
from workflows.demo import Driver, demo_users, deploy

MOMENT = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 2026-10-01 00:30 in Beijing


@pytest.fixture
def app(db_url, monkeypatch):
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(MOMENT)
    deploy(ctx)
    demo_users(ctx)
    return app


def page(app, username: str, path: str, lang: str | None = None) -> str:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": username}).status_code == 302
    if lang:
        client.get(f"/lang/{lang}")
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return html.unescape(response.text)


def text(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def test_an_event_at_16_30_utc_shows_as_00_30_the_next_day_in_beijing(app):
    d = Driver(engine_context(app), position="副局长", unit="县教育局")
    d.approve()  # started and approved at 2026-09-30T16:30Z
    where = {
        ("clerk1", f"/cases/{d.id}"): "2026-10-01 00:30",
        ("clerk1", "/cases"): "2026-10-01 00:30",
        ("auditor1", "/audit/"): "2026-10-01 00:30",
        ("auditor1", f"/audit/cases/{d.id}"): "2026-10-01 00:30:00",
        ("auditor1", f"/audit/cases/{d.id}/replay"): "2026-10-01 00:30:00",
        ("editor1", "/procedures/"): "2026-10-01 00:30",
        ("editor1", "/procedures/cadre_selection/1"): "2026-10-01 00:30",
    }
    for (username, path), shown in where.items():
        body = text(page(app, username, path))
        assert shown in body, (path, shown)
        assert "2026-09-30 16:30" not in body and " UTC" not in body, path
    assert "时间均为北京时间" in text(page(app, "auditor1", "/audit/"))


def test_the_next_time_limit_is_in_beijing_time(app):
    ctx = engine_context(app)
    ctx.clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    d = Driver(ctx, position="局长", unit="区审计局")
    d.to_publicity()  # met 2026-03-30: the period ends 04-03, its timer fires at 04-04 00:00 Beijing
    assert d.case["next_due_at"] == "2026-04-03T16:00:00.000000Z"
    case = text(page(app, "clerk1", f"/cases/{d.id}"))
    assert "下一期限 2026-04-04 00:00" in case and "2026-04-03 16:00" not in case


def test_cases_are_headed_by_unit_and_post_and_steps_named_in_the_page_language(app):
    d = Driver(engine_context(app), position="副局长", unit="县教育局")
    inbox = page(app, "orghead1", "/")
    heading = re.search(r'<section class="card case-head"[^>]*>\s*<h2><a [^>]*>([^<]+)</a>', inbox)
    assert heading and heading.group(1) == "县教育局 · 副局长"
    assert f"#{d.id} cadre_selection" not in inbox
    assert re.search(r'class="task"[^>]*>研究动议<', inbox)

    english = page(app, "orghead1", "/", "en")
    assert re.search(r'class="task"[^>]*>Approve the motion<', english) and "研究动议" not in text(english)
    task = d.case["tasks"][0]["id"]
    assert "<h1>Approve the motion</h1>" in page(app, "orghead1", f"/tasks/{task}", "en")
    assert "<h1>研究动议</h1>" in page(app, "orghead1", f"/tasks/{task}")

    assert "<h1>县教育局 · 副局长</h1>" in page(app, "clerk1", f"/cases/{d.id}")
    cases = page(app, "clerk1", "/cases")
    assert re.search(rf'<a href="/cases/{d.id}">县教育局 · 副局长</a>', cases)
    case_en = text(page(app, "clerk1", f"/cases/{d.id}", "en"))
    assert "Approve the motion" in case_en
    d.approve()
    timeline = text(page(app, "auditor1", f"/audit/cases/{d.id}", "en"))
    assert "completed a step Approve the motion" in timeline and "Nomination" not in timeline
    assert "办理 研究动议" in text(page(app, "auditor1", f"/audit/cases/{d.id}"))
