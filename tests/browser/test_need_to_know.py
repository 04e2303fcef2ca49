"""What an inspector sees (need to know): their case list holds only the cases of their work, the
case page only the sections an inspector reads, and a case outside their work is not found."""

from __future__ import annotations

from api import engine_context
from engine.users import create_user
from tests.browser.conftest import shot
from workflows.demo import Driver, user

REPORT = "反映其在原单位分管工程时存在违规问题"


def test_the_inspector_lists_and_opens_only_their_cases(live, login):
    base, app = live
    ctx = engine_context(app)
    create_user(ctx, "inspector3", ["inspector"], "inspector3", "考察组成员三", demo=True)
    theirs = Driver(ctx, position="副局长", unit="县教育局")
    theirs.to_confirm()
    theirs.confirm(["张三", "李四"])
    theirs.inspect("张三", team=("inspector1", "inspector2"))
    theirs.inspect("李四", actor=user("inspector3", "inspector"), team=("inspector3", "inspector1"))
    for name in ("张三", "李四"):
        theirs.opinion(name)
    theirs.deliberate(["张三"])
    theirs.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}})
    theirs.report(summary=REPORT)
    other = Driver(ctx, position="局长", unit="县财政局")  # waits for the motion: no inspector's work

    page = login("inspector2")
    page.goto(f"{base}/cases")
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "县教育局 · 副局长" in rows.first.inner_text()
    assert "县财政局" not in page.content()
    shot(page, "need_to_know_inspector_case_list")

    page.click("text=县教育局 · 副局长")
    page.wait_for_url(f"{base}/cases/{theirs.id}")
    text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    assert "张三" in text and "25" in text  # people and votes: the tally
    assert REPORT not in text  # integrity: not an inspector's
    shot(page, "need_to_know_inspector_case_page")

    response = page.goto(f"{base}/cases/{other.id}")
    assert response.status == 404
