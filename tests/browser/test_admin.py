"""An administrator creates a user (who then signs in) and adds holidays to the calendar."""

from __future__ import annotations

from api import engine_context
from engine import reference
from tests.browser.conftest import PHONE, no_horizontal_scroll, shot


def test_admin_creates_a_user_and_adds_a_calendar_day(live, login):
    base, app = live
    page = login("admin1")
    page.click("header nav a[href='/admin/users']")
    form = page.locator("#new-user form")
    form.locator("button[type=submit]").click()  # nothing filled in: each error beside its field
    assert page.locator("#err-username").inner_text() == "请填写用户名"
    assert page.locator("#err-password").inner_text() == "请填写密码"
    assert page.locator("#err-roles").inner_text() == "请至少选择一个角色"
    shot(page, "admin-users-errors-desktop")

    form = page.locator("#new-user form")
    form.locator("input[name=username]").fill("inspector3")
    form.locator("input[name=display_name]").fill("考察组成员三")
    form.locator("input[name=password]").fill("a-long-secret")  # two character classes
    form.locator("input[value=admin]").check()
    form.locator("input[value=auditor]").check()
    form.locator("button[type=submit]").click()
    assert "小写字母、大写字母、数字、其他字符中至少包含 3 类" in page.locator("#err-password").inner_text()
    assert "三员分立" in page.locator("#err-roles").inner_text()
    shot(page, "admin-users-policy-desktop")

    form = page.locator("#new-user form")
    form.locator("input[name=password]").fill("A-long-secret-3")
    form.locator("input[value=admin]").uncheck()
    form.locator("input[value=auditor]").uncheck()
    form.locator("input[value=inspector]").check()
    form.locator("button[type=submit]").click()
    assert "已创建用户 inspector3" in page.inner_text("p.flash.ok")
    row = page.locator("tr[data-user=inspector3]")
    assert "考察组成员三" in row.inner_text() and "考察组成员" in row.locator("td.roles").inner_text()

    row.locator("a", has_text="修改").click()  # change the new user's roles
    page.locator("#edit input[value=discipline]").check()
    page.locator("#edit button[type=submit]", has_text="保存角色").click()
    assert "纪检监察" in page.locator("tr[data-user=inspector3] td.roles").inner_text()
    shot(page, "admin-users-desktop")

    page.click("a[href='/admin/calendar']")
    page.fill("input[name=day]", "2031-10-01")
    page.fill("input[name=until]", "2031-10-07")
    page.select_option("select[name=kind]", "holiday")
    page.fill("input[name=note]", "国庆节")
    page.click("#add-day button[type=submit]")
    assert "已保存 7 天" in page.inner_text("p.flash.ok")
    page.fill("input[name=day]", "2031-10-11")
    page.select_option("select[name=kind]", "workday")
    page.fill("input[name=note]", "国庆调休")
    page.click("#add-day button[type=submit]")
    assert page.locator("tr[data-day]").count() == 8
    assert "工作日" in page.locator("tr[data-day='2031-10-11']").inner_text()
    shot(page, "admin-calendar-desktop")
    with engine_context(app).unit_of_work() as uow:
        days = reference.load(uow.session, "calendar")
    assert days["2031-10-01"] == {"working": False, "note": "国庆节"} and days["2031-10-11"]["working"] is True

    page.click("header button.link")  # sign out, then in as the new user
    page.fill("input[name=username]", "inspector3")
    page.fill("input[name=password]", "A-long-secret-3")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "考察组成员三" in page.inner_text("header")


def test_admin_pages_at_phone_width(live, login):
    base, _app = live
    page = login("admin1", viewport=PHONE)
    page.goto(f"{base}/admin/users?edit=clerk1")
    assert no_horizontal_scroll(page)
    shot(page, "admin-users-phone")
    page.goto(f"{base}/admin/calendar")
    page.fill("input[name=day]", "2031-02-30")
    page.click("#add-day button[type=submit]")
    assert page.locator("#err-day").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "admin-calendar-phone")
