"""An admin changes a unit's approved posts (职数) from the units page: a negative figure and one
below the posts filled, typed on purpose, are refused naming the level with the figures, what was
typed is kept; the corrected figures are saved. An auditor then sees on a person's page, and on
the unit's page, who read it."""

from __future__ import annotations

from api import engine_context
from engine.actors import Actor
from tests.browser.conftest import PHONE, no_horizontal_scroll, shot
from workflows.registry import store

ADMIN = Actor("admin1", "系统管理员", frozenset({"admin"}))
CLERK = Actor("clerk1", "干部科经办人", frozenset({"clerk"}))


def test_admin_changes_a_units_quotas_and_a_wrong_figure_is_refused(live, login):
    base, app = live
    ctx = engine_context(app)
    store.create_unit(ctx, {"name": "区教育局", "quotas": {"county_deputy": 2}}, ADMIN, "admin")
    store.create_person(ctx, {"name": "王伟", "gender": "男", "birth_date": "1980-01-01",
                              "posts": [{"unit": "区教育局", "title": "副局长", "level": "county_deputy",
                                         "start": "2020-03-01"}]}, CLERK, "clerk")

    page = login("admin1")
    page.click("header nav >> text=单位与职数")  # an admin reads no person: the units are their registry page
    page.click("a.quota-edit")
    assert page.input_value("input[name='quotas.county_deputy']") == "2"
    page.fill("input[name='quotas.county_deputy']", "0")  # one post is filled: below it, on purpose
    page.fill("input[name='quotas.county_chief']", "-1")  # not a figure of posts, on purpose
    page.click("form.step-form button[type=submit]")
    # the figures are checked first; the posts filled once every figure is one
    assert page.locator(".field-error").count() == 1
    assert "职数 · 县处级正职：不能小于 0" in page.inner_text("p.flash.error")
    assert "不能小于 0" in page.locator("label.invalid", has_text="县处级正职").inner_text()
    assert page.input_value("input[name='quotas.county_chief']") == "-1"  # what was typed is kept
    assert store.get_unit(ctx, 1)["quotas"] == {"county_deputy": 2}
    shot(page, "registry-quotas-refused-desktop")

    page.fill("input[name='quotas.county_chief']", "1")
    page.click("form.step-form button[type=submit]")
    below = page.locator("label.invalid", has_text="县处级副职").inner_text()
    assert "现有 1 名，核定职数不能少于现有人数（填写为 0 名）" in below
    shot(page, "registry-quotas-below-filled-desktop")

    page.fill("input[name='quotas.county_deputy']", "1")
    page.click("form.step-form button[type=submit]")
    assert "职数已保存" in page.inner_text("p.flash.ok")
    assert store.get_unit(ctx, 1)["quotas"] == {"county_deputy": 1, "county_chief": 1}
    assert "0" in page.locator("table.units tbody tr", has_text="县处级副职").inner_text()
    shot(page, "registry-quotas-saved-desktop")

    phone = login("admin1", viewport=PHONE)
    phone.goto(f"{base}/registry/units/1/quotas")
    assert no_horizontal_scroll(phone)
    shot(phone, "registry-quotas-phone")

    clerk = login("clerk1")
    clerk.goto(f"{base}/registry?q=王伟")
    clerk.goto(f"{base}/registry/persons/1")
    auditor = login("auditor1")
    auditor.goto(f"{base}/registry/persons/1")
    log = auditor.locator("#access-log")
    assert "clerk1" in log.inner_text() and "干部档案页面" in log.inner_text()
    shot(auditor, "registry-person-who-read-auditor-desktop")

    auditor.goto(f"{base}/registry")
    searched = auditor.locator("#search-log tbody tr").first.inner_text()
    assert "clerk1" in searched and "王伟" in searched
    shot(auditor, "registry-searches-auditor-desktop")

    auditor.click(".actions >> text=单位与职数")  # the auditor finds the unit, and who read it
    auditor.click("table.units >> text=区教育局")
    unit_log = auditor.locator("#access-log").inner_text()
    assert "admin1" in unit_log and "职数调整页面" in unit_log
    shot(auditor, "registry-unit-who-read-auditor-desktop")
