"""An auditor reads the timeline and steps through the replay in words, at desktop and phone width;
the recorded data stays one click away behind a toggle."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, no_horizontal_scroll, shot
from tests.browser.test_auditor import appointed_case, open_replay

TALLY = "王五10票（33.3%），第3名——低于半数，不列为考察对象（第19条）"


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_timeline_and_replay_in_words(live, login, width):
    base, app = live
    case_id = appointed_case(app)
    page = login("auditor1", viewport=DESKTOP if width == "desktop" else PHONE)

    page.goto(f"{base}/audit/cases/{case_id}")
    tally = page.locator("#event-10")  # after the three events of the qualification review
    assert "统计推荐票" in tally.inner_text() and TALLY in tally.locator(".narrative").inner_text()
    assert "2026-03-02 09:00:00" in page.locator("#event-1 time").inner_text()  # 01:00 UTC in Beijing time
    raw = tally.locator("details.raw")
    assert not raw.get_attribute("open") and "excluded" not in tally.inner_text()  # the JSON only on request
    assert no_horizontal_scroll(page)
    tally.scroll_into_view_if_needed()
    shot(page, f"record-timeline-{width}", full_page=False)
    raw.locator("summary").click()
    assert '"excluded": true' in raw.inner_text()
    shot(page, f"record-timeline-raw-{width}", full_page=False)

    open_replay(page, base, case_id)
    page.goto(f"{base}/audit/cases/{case_id}/replay?step=6")
    page.wait_for_selector("#diagram[data-ready=true]")
    step = page.locator("#step-6")
    assert step.is_visible()
    narratives = step.locator(".narrative").all_inner_texts()
    assert narratives[0] == "谈话12人；谈话推荐：张三8人次；情况摘要：普遍认可。"  # what the clerk entered
    assert TALLY in narratives[1]  # what the engine decided, with its rule
    assert no_horizontal_scroll(page)
    step.scroll_into_view_if_needed()
    shot(page, f"record-replay-{width}", full_page=width == "phone")
    page.click("#next-step")
    assert "确定考察对象：张三、李四。" in page.locator("#step-7 .narrative").first.inner_text()
