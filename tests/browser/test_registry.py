"""A clerk searches the registry for 王伟 (two of them), opens one, edits the record with a wrong
date on purpose (refused, what was typed kept, the field named) and fixes it."""

from __future__ import annotations

from api import engine_context
from engine.actors import Actor
from tests.browser.conftest import PHONE, no_horizontal_scroll, shot
from workflows.registry import idcard, store

ID = "11010519800101123" + idcard.check_character("11010519800101123")
CLERK = Actor("clerk1", "干部科经办人", frozenset({"clerk"}))


def test_clerk_finds_one_of_two_wang_wei_and_corrects_a_wrong_date(live, login):
    _base, app = live
    ctx = engine_context(app)
    for born, unit, title, number in (("1980-01-01", "区教育局", "副局长", ID), ("1985-06-12", "某镇", "镇长", None)):
        store.create_person(ctx, {
            "name": "王伟", "gender": "男", "birth_date": born, "id_number": number,
            "posts": [{"unit": "某镇", "title": "副镇长", "level": "township_deputy", "start": "2012-03-01",
                       "end": "2020-03-01"},
                      {"unit": unit, "title": title, "level": "county_deputy", "start": "2020-03-01"}],
            "appraisals": [{"year": 2024, "grade": "competent"}, {"year": 2025, "grade": "excellent"}],
            "family": [{"relation": "spouse", "name": "李娜"}]}, CLERK, "clerk")

    page = login("clerk1")
    page.click("header nav >> text=干部信息")
    page.fill("input[name=q]", "王伟")
    page.click("form[role=search] button[type=submit]")
    rows = page.locator("table.registry tbody tr")
    assert rows.count() == 2
    assert "区教育局 · 副局长" in rows.nth(0).inner_text() and "1985-06-12" in rows.nth(1).inner_text()
    shot(page, "registry-search-two-wang-wei-desktop")

    rows.nth(0).locator("a").click()
    assert page.locator(".f-id_number").inner_text() == idcard.mask(ID)
    assert ID not in page.content()
    timeline = page.locator("ol.career li")
    assert timeline.count() == 2 and "至今" in timeline.nth(0).inner_text()
    shot(page, "registry-person-desktop")

    page.click("a[href='/registry/persons/1/edit']")
    page.fill("input[name=ethnicity]", "回族")
    page.fill("input[name=birth_date]", "1980-02-30")  # no such day: typed on purpose
    page.click("form.person-form button[type=submit]")
    assert "不是有效的日期" in page.locator("#err-birth_date").inner_text()
    assert page.input_value("input[name=ethnicity]") == "回族"  # what was typed is kept
    assert store.get_person(ctx, 1)["ethnicity"] == ""  # nothing changed
    shot(page, "registry-edit-refused-desktop")

    page.fill("input[name=birth_date]", "1980-01-01")
    page.click("form.person-form button[type=submit]")
    assert "已保存" in page.inner_text("p.flash.ok")
    assert store.get_person(ctx, 1)["ethnicity"] == "回族"
    assert store.stored_person(ctx, 1)["id_number"] == ID  # the blank number field kept the recorded one

    phone = login("clerk1", viewport=PHONE)
    phone.goto(page.url)
    assert no_horizontal_scroll(phone)
    shot(phone, "registry-person-phone")


def test_clerk_imports_a_file_with_a_wrong_cell_and_reads_the_units(live, login, tmp_path):
    from bench.import_parse import generate, to_csv

    _base, app = live
    ctx = engine_context(app)
    store.create_unit(ctx, {"name": "区教育局", "quotas": {"county_deputy": 2, "county_chief": 1}},
                      Actor("admin1", "系统管理员", frozenset({"admin"})), "admin")
    rows = generate(3, seed=11)
    rows["posts"][1][3] = "正科级"  # not a level of the list
    bad = tmp_path / "registry.csv"
    bad.write_bytes(to_csv(rows))
    page = login("clerk1")
    page.goto(page.url + "registry/import")
    page.set_input_files("input[name=file]", str(bad))
    page.click("form[enctype] button[type=submit]")
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 1 and "职级" in errors.nth(0).inner_text() and "须为以下之一" in errors.nth(0).inner_text()
    assert store.search_persons(ctx, "") == []
    shot(page, "registry-import-errors-desktop")

    page.goto(page.url.replace("/registry/import", "/registry/units"))
    assert "区教育局" in page.inner_text("table.units") and "县处级正职" in page.inner_text("table.units")
    shot(page, "registry-units-desktop")
