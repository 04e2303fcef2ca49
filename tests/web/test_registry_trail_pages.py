"""The registry's pages leave read records (search, the picker, a person's page and edit form, the
units), auditors see who read a person on the person's page, and an admin changes a unit's quotas
on its page (a wrong figure and one below the posts filled are refused naming the level)."""

from __future__ import annotations

import re

from api import engine_context
from engine import audit, readtrail
from engine.actors import Actor
from tests.web.test_registry_pages import app, signed_in  # noqa: F401 (the fixture)
from workflows.registry import store

ADMIN = Actor("admin1", "系统管理员", frozenset({"admin"}))


def get(client, path: str):
    return client.get(path, buffered=True)  # closed at once: its read record is written before the next


def test_every_page_that_shows_records_is_on_the_read_trail(app):  # noqa: F811
    ctx = engine_context(app)
    clerk, auditor = signed_in(app, "clerk1"), signed_in(app, "auditor1")
    assert get(clerk, "/registry?q=王伟").status_code == 200
    assert get(clerk, "/registry/search.json?q=某镇").json["persons"]
    assert get(clerk, "/registry/persons/1").status_code == 200
    assert get(clerk, "/registry/persons/1/edit").status_code == 200
    assert get(signed_in(app, "orghead1"), "/registry/persons/1").status_code == 200
    reads = readtrail.record_access(ctx, "person", "1")
    assert [(r["username"], r["role"], r["door"]) for r in reads] == [
        ("clerk1", "clerk", "web person page"), ("clerk1", "clerk", "web person edit page"),
        ("orghead1", "org_head", "web person page")]
    assert [(s["username"], s["q"], s["hits"], s["door"]) for s in readtrail.record_access(ctx, "person")] == [
        ("clerk1", "王伟", 2, "web /registry"), ("clerk1", "某镇", 1, "web /registry/search.json")]

    page = get(auditor, "/registry/persons/1").text
    assert 'id="access-log"' in page and "谁查阅过此人的档案" in page and "干部档案修改页面" in page
    assert 'id="access-log"' not in get(clerk, "/registry/persons/1").text  # auditors only
    searches = get(auditor, "/registry").text
    assert 'id="search-log"' in searches and "谁查询过干部信息库" in searches and "提名页面的干部检索" in searches
    assert 'id="search-log"' not in get(clerk, "/registry").text
    # a refused reader leaves a refusal, not a read
    assert get(signed_in(app, "inspector1"), "/registry/persons/1").status_code == 403
    assert "inspector1" not in {r["username"] for r in readtrail.record_access(ctx, "person", "1")}
    with ctx.unit_of_work() as uow:
        refused = [(e.actor_username, e.element_id) for e in audit.events_of(uow.session, "security")]
    assert ("inspector1", "person.read") in refused


def test_auditors_see_who_read_a_unit_on_its_page(app):  # noqa: F811
    """The unit's page mirrors the person's: its figures for every reader of units, and for auditors
    (unit.access_log) who read it, with the web doors named in the page's language."""
    ctx = engine_context(app)
    store.create_unit(ctx, {"name": "区教育局", "quotas": {"county_deputy": 3}}, ADMIN, "admin")
    clerk, auditor = signed_in(app, "clerk1"), signed_in(app, "auditor1")
    assert 'href="/registry/units/1"' in get(clerk, "/registry/units").text
    page = get(clerk, "/registry/units/1")
    assert page.status_code == 200 and "区教育局" in page.text and "县处级副职" in page.text
    assert 'id="access-log"' not in page.text  # auditors only
    assert get(signed_in(app, "orghead1"), "/registry/units/1").status_code == 200
    assert [(r["username"], r["role"], r["door"]) for r in readtrail.record_access(ctx, "unit", "1")] == [
        ("clerk1", "clerk", "web unit page"), ("orghead1", "org_head", "web unit page")]

    assert 'href="/registry/units"' in get(auditor, "/registry").text  # auditors reach the units
    seen = get(auditor, "/registry/units/1").text
    log = seen.split('id="access-log"', 1)[1]
    assert "谁查阅过此单位" in log and "单位页面" in log and "clerk1" in log and "orghead1" in log
    assert "auditor1" not in log  # the log was read before the auditor's own read was recorded
    english = signed_in(app, "auditor1")
    english.get("/lang/en")
    assert "Who read this unit" in (text := get(english, "/registry/units/1").text) and "unit page" in text
    assert get(auditor, "/registry/units/999").status_code == 404
    assert get(signed_in(app, "inspector1"), "/registry/units/1").status_code == 403
    with ctx.unit_of_work() as uow:
        refused = [(e.actor_username, e.element_id) for e in audit.events_of(uow.session, "security")]
    assert ("inspector1", "unit.read") in refused


def test_auditors_page_through_the_registry_searches(app, monkeypatch):  # noqa: F811
    """The search page lists who searched newest first, a page at a time (its own `searches_page`)."""
    import api.web.registry

    monkeypatch.setattr(api.web.registry, "SEARCHES_PER_PAGE", 2)
    clerk, auditor = signed_in(app, "clerk1"), signed_in(app, "auditor1")
    for words in ("甲", "乙", "丙"):
        get(clerk, f"/registry?q={words}")

    def searched(page) -> list[str]:
        log = page.split('id="search-log"', 1)[1]
        return [w for w in ("甲", "乙", "丙") if f"<td>{w}</td>" in log]

    first = get(auditor, "/registry").text
    assert searched(first) == ["乙", "丙"] and "1–2 / 3" in first
    assert 'href="/registry?searches_page=2#search-log"' in first and 'rel="prev"' not in first
    second = get(auditor, "/registry?searches_page=2&q=王伟").text
    assert searched(second) == ["甲"] and "3–3 / 3" in second and "王伟" in second
    assert 'href="/registry?searches_page=1&amp;q=%E7%8E%8B%E4%BC%9F#search-log"' in second
    past = get(auditor, "/registry?searches_page=9").text  # past the end: not "nobody", the way back
    assert searched(past) == [] and "尚无人查询干部信息库" not in past
    assert '<a href="/registry?searches_page=2#search-log" rel="prev" aria-label="上一页">' in past
    assert "已超出末页" in past
    english = signed_in(app, "auditor1")
    english.get("/lang/en")
    assert "newest first; times are Beijing time" in get(english, "/registry").text
    assert "最近的在前" in first


def test_auditors_page_through_who_read_a_person_newest_first(app, monkeypatch):  # noqa: F811
    """The person page's access log shows the newest read first, a page at a time (`reads_page`,
    back to #access-log), with the pager of every list."""
    import api.web.registry

    monkeypatch.setattr(api.web.registry, "READS_PER_PAGE", 2)
    ctx = engine_context(app)
    for username, path in (("clerk1", "/registry/persons/1"), ("orghead1", "/registry/persons/1"),
                           ("clerk1", "/registry/persons/1/edit")):
        ctx.clock.advance(minutes=1)
        get(signed_in(app, username), path)
    auditor = signed_in(app, "auditor1")

    def reads(page: str) -> list[tuple[str, str]]:
        log = page.split('id="access-log"', 1)[1]
        return re.findall(r"<code>(\w+)</code></td>\s*<td>[^<]*</td><td>([^<]*)</td>", log)

    first = get(auditor, "/registry/persons/1").text
    assert reads(first) == [("clerk1", "干部档案修改页面"), ("orghead1", "干部档案页面")]
    assert "最近的在前" in first and "<span>1–2 / 3</span>" in first and 'rel="prev"' not in first
    assert '<a href="/registry/persons/1?reads_page=2#access-log" rel="next" aria-label="下一页">' in first
    ctx.clock.advance(minutes=1)
    second = get(auditor, "/registry/persons/1?reads_page=2").text  # the auditor's first read is the newest now
    assert reads(second) == [("orghead1", "干部档案页面"), ("clerk1", "干部档案页面")]
    assert "<span>3–4 / 4</span>" in second and 'href="/registry/persons/1?reads_page=1#access-log" rel="prev"' in second
    past = get(auditor, "/registry/persons/1?reads_page=9").text
    assert reads(past) == [] and "尚无人查阅此档案" not in past  # not "nobody": only the way back
    assert 'href="/registry/persons/1?reads_page=3#access-log" rel="prev"' in past


def test_an_admin_changes_a_units_quotas_on_its_page(app):  # noqa: F811
    ctx = engine_context(app)
    admin = signed_in(app, "admin1")
    assert admin.post("/registry/units", data={"name": "区教育局", "quotas.county_deputy": "3"}).status_code == 302
    assert "调整职数" in get(admin, "/registry/units").text
    page = get(admin, "/registry/units/1/quotas")
    assert page.status_code == 200 and 'value="3"' in page.text and "现有 1 名" in page.text

    wrong = admin.post("/registry/units/1/quotas", data={"quotas.county_deputy": "三", "quotas.county_chief": "-1"})
    assert wrong.status_code == 422
    assert "职数 · 县处级副职" in wrong.text and 'value="三"' in wrong.text  # what was typed stays
    below = admin.post("/registry/units/1/quotas", data={"quotas.county_deputy": "0"})
    assert below.status_code == 422 and "区教育局县处级副职现有 1 名，核定职数不能少于现有人数（填写为 0 名）" in below.text
    assert store.get_unit(ctx, 1)["quotas"] == {"county_deputy": 3}  # nothing changed

    saved = admin.post("/registry/units/1/quotas", data={"quotas.county_deputy": "1", "quotas.county_chief": "2"})
    assert saved.status_code == 302
    assert store.get_unit(ctx, 1)["quotas"] == {"county_deputy": 1, "county_chief": 2}
    with ctx.unit_of_work() as uow:
        [event] = [e for e in audit.events_of(uow.session, "registry") if e.action == "unit_changed"]
    assert (event.actor_username, event.data_in["changes"]["quotas"]) == (
        "admin1", {"before": {"county_deputy": 3}, "after": {"county_deputy": 1, "county_chief": 2}})

    english = signed_in(app, "admin1")
    english.get("/lang/en")
    refused = english.post("/registry/units/1/quotas", data={"quotas.county_deputy": "0"})
    assert refused.status_code == 422 and "Approved posts · county/division deputy" in refused.text
    assert "Posts filled at the level county/division deputy in 区教育局: 1; the approved number cannot be 0" in refused.text
    clerk = signed_in(app, "clerk1")
    assert clerk.get("/registry/units/1/quotas").status_code == 403
    assert "调整职数" not in get(clerk, "/registry/units").text
