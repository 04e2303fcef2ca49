"""What a Chinese user sees of a case (issue 13): the inbox headed by unit and post, the case page's
diagram opened on the waiting step with the path taken marked, Beijing time; desktop and phone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api import engine_context
from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_scroll, shot
from workflows.demo import Driver

VOTES = {"张三": 25, "李四": 18, "王五": 10}


@pytest.fixture
def cases(live):
    """A case waiting for its second inspection (inside a called part) and an appointed one."""
    _base, app = live
    ctx = engine_context(app)
    inspecting = Driver(ctx, position="副局长", unit="县教育局")
    inspecting.to_confirm(VOTES)
    inspecting.confirm(["张三", "李四"])
    inspecting.inspect("张三")
    inspecting.opinion("张三")
    appointed = Driver(ctx, position="局长", unit="县财政局")
    appointed.to_publicity()
    appointed.wait_for_timer()
    appointed.appoint()
    ctx.clock.set(datetime(2026, 9, 30, 16, 30, tzinfo=UTC))  # a late-night step: 00:30 the next day in Beijing
    inspecting.inspect("李四")
    return inspecting.id, appointed.id


def diagram_state(page) -> dict:
    page.wait_for_selector("#diagram[data-ready=true]")
    return page.evaluate("""() => {
      const { viewer, focusId } = window.caseDiagram;
      const canvas = viewer.get('canvas');
      const box = canvas.viewbox();
      const el = viewer.get('elementRegistry').get(focusId);
      const inView = el && el.x >= box.x && el.x + el.width <= box.x + box.width
        && el.y >= box.y && el.y + el.height <= box.y + box.height;
      return { scale: canvas.zoom(), focus: focusId, inView,
               taken: document.querySelectorAll('#diagram .djs-connection.taken').length,
               done: document.querySelectorAll('#diagram .djs-shape.done').length,
               current: [...document.querySelectorAll('#diagram .djs-shape.current')].map((e) => e.dataset.elementId) };
    }""")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_inbox_heads_each_case_with_its_unit_and_post(live, login, cases, viewport):
    base, _app = live
    inspecting, _appointed = cases
    page = login("discipline1", viewport)
    heading = page.locator(f'section.case-head[data-case="{inspecting}"] h2').inner_text()
    assert heading == "县教育局 · 副局长"
    assert page.locator(f'section.case-head[data-case="{inspecting}"] a.task').first.inner_text() == "廉政意见 — 李四"
    assert no_horizontal_scroll(page)
    shot(page, f"inbox-{'phone' if viewport is PHONE else 'desktop'}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_case_page_opens_on_the_waiting_step_with_the_path_marked(live, login, cases, viewport):
    base, _app = live
    inspecting, appointed = cases
    page = login("clerk1", viewport)
    page.goto(f"{base}/cases/{inspecting}")
    state = diagram_state(page)
    # the waiting step at the labels' own size, in view; what was done and the flows taken are marked
    assert state["focus"] == "integrity_opinion" and state["inView"]
    assert state["scale"] >= 0.8
    assert {"integrity_opinion", "inspection_and_opinions"} <= set(state["current"])
    assert state["taken"] >= 10 and state["done"] >= 10
    assert page.locator("h1").inner_text() == "县教育局 · 副局长"
    assert "2026-10-01 00:30" not in page.locator("main").inner_text()  # no step of this case then: only events
    assert no_horizontal_scroll(page)
    name = "phone" if viewport is PHONE else "desktop"
    shot(page, f"case-page-waiting-step-{name}")

    page.locator("#diagram-whole").click()
    whole = diagram_state(page)
    assert whole["scale"] < state["scale"] and page.locator("#diagram").get_attribute("data-view") == "whole"
    shot(page, f"case-page-whole-diagram-{name}")
    page.locator("#diagram-step").click()
    assert abs(diagram_state(page)["scale"] - state["scale"]) < 0.01

    page.goto(f"{base}/cases/{appointed}")
    ended = diagram_state(page)
    assert ended["focus"] == "end_appointed" and ended["inView"] and ended["current"] == []
    shot(page, f"case-page-appointed-{name}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_auditor_timeline_in_beijing_time(live, login, cases, viewport):
    base, _app = live
    inspecting, _appointed = cases
    page = login("auditor1", viewport)
    page.goto(f"{base}/audit/")
    assert "时间均为北京时间" in page.locator("main").inner_text()
    assert "县教育局 · 副局长" in page.locator("table.audit-cases").inner_text()
    page.goto(f"{base}/audit/cases/{inspecting}")
    times = page.locator("ol.events time").all_inner_texts()
    assert times[-1] == "2026-10-01 00:30:00"  # recorded at 2026-09-30T16:30Z
    assert no_horizontal_scroll(page)
    shot(page, f"audit-timeline-{'phone' if viewport is PHONE else 'desktop'}")
