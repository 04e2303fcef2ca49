"""Reads of the cadre registry are on the read trail, and a unit's quotas can be changed (SQLite and
PostgreSQL): per role of api/policy.py's table (walked, not copied) every registry door answers or
refuses, a refusal is on the security stream, an allowed read leaves its access record; auditors
list who read a person; a quota below the posts filled is refused with the figures in zh and en."""

from __future__ import annotations

import json

import pytest

from api import engine_context
from api.policy import RULES
from engine import audit, readtrail
from tests.api.http_backend import ApiError
from workflows import DEMO_USERS

V1 = "/api/v1"


def wang_wei(born: str, unit: str = "区教育局", level: str = "county_deputy") -> dict:
    return {"name": "王伟", "gender": "男", "birth_date": born,
            "posts": [{"unit": unit, "title": "副局长", "level": level, "start": "2020-03-01"}]}


def call(http, method, path, user, body=None):
    """A call whose response is closed at once (buffered), so its read record is written before the next."""
    return http.call(method, path, user, body, buffered=True)


def refused(http, method, path, user, body=None) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(http, method, path, user, body)
    return caught.value


def refusals(app) -> list[tuple[str, str]]:
    with engine_context(app).unit_of_work() as uow:
        return [(e.actor_username, e.element_id) for e in audit.events_of(uow.session, "security")
                if e.action == "access_refused"]


def may(username: str, action: str) -> bool:
    return bool(set(DEMO_USERS[username][1]) & RULES[action])


@pytest.fixture
def registry(http):
    unit = call(http, "POST", f"{V1}/units", "admin1", {"name": "区教育局", "quotas": {"county_deputy": 2}})
    person = call(http, "POST", f"{V1}/persons", "clerk1", wang_wei("1980-01-01"))
    return unit["id"], person["id"]


def test_every_registry_door_per_role_answers_or_refuses_and_is_recorded(app, http, registry):
    unit_id, person_id = registry
    doors = [("person.read", "GET", f"{V1}/persons?q=王伟"), ("person.read", "GET", f"{V1}/persons/{person_id}"),
             ("unit.read", "GET", f"{V1}/units"), ("unit.read", "GET", f"{V1}/units/{unit_id}"),
             ("person.access_log", "GET", f"{V1}/persons/{person_id}/access-log"),
             ("person.access_log", "GET", f"{V1}/persons/searches"),
             ("unit.access_log", "GET", f"{V1}/units/{unit_id}/access-log")]
    ctx = engine_context(app)
    for username in DEMO_USERS:
        for action, method, path in doors:
            before = len(refusals(app))
            if may(username, action):
                call(http, method, path, username)
                assert len(refusals(app)) == before, (username, path)
            else:
                assert refused(http, method, path, username).status == 403, (username, path)
                assert refusals(app)[before:] == [(username, action)]
    readers = sorted(u for u in DEMO_USERS if may(u, "person.read"))
    assert readers == ["auditor1", "clerk1", "orghead1"]
    reads = readtrail.record_access(ctx, "person", str(person_id))
    assert sorted({r["username"] for r in reads}) == readers
    assert all(r["door"] == "GET /api/v1/persons/{id}" and r["role"] != "-" for r in reads)
    searches = call(http, "GET", f"{V1}/persons/searches", "auditor1")
    assert sorted((s["username"], s["q"], s["hits"], s["door"]) for s in searches) == [
        (u, "王伟", 1, "GET /api/v1/persons?q=") for u in readers]
    unit_reads = [r for r in readtrail.record_access(ctx, "unit", str(unit_id)) if r["door"] == "GET /api/v1/units/{id}"]
    assert sorted(r["username"] for r in unit_reads) == sorted(u for u in DEMO_USERS if may(u, "unit.read"))


def test_auditors_list_who_read_a_person(http, registry):
    _unit_id, person_id = registry
    call(http, "GET", f"{V1}/persons/{person_id}", "orghead1")
    call(http, "PATCH", f"{V1}/persons/{person_id}", "admin1", {"ethnicity": "汉族"})  # the answer is the record
    log = call(http, "GET", f"{V1}/persons/{person_id}/access-log", "auditor1")
    assert [(r["username"], r["role"], r["door"]) for r in log] == [
        ("orghead1", "org_head", "GET /api/v1/persons/{id}"), ("admin1", "admin", "PATCH /api/v1/persons/{id}")]
    assert all(r["at"].endswith("Z") or "+" in r["at"] for r in log)
    assert refused(http, "GET", f"{V1}/persons/999/access-log", "auditor1").status == 404


def test_auditors_list_who_read_a_unit(http, registry):
    """GET /units/{id}/access-log answers as GET /persons/{id}/access-log does: the unit's reads
    (not the listings of every unit), oldest first; 404 for no such unit."""
    unit_id, _person_id = registry
    call(http, "GET", f"{V1}/units/{unit_id}", "orghead1")
    call(http, "GET", f"{V1}/units", "clerk1")  # a listing: on the trail as such, not as a read of this unit
    call(http, "GET", f"{V1}/units/{unit_id}", "auditor1")
    call(http, "PATCH", f"{V1}/units/{unit_id}", "admin1", {"quotas": {"county_deputy": 3}})  # the answer shows it
    log = call(http, "GET", f"{V1}/units/{unit_id}/access-log", "auditor1")
    assert [(r["username"], r["role"], r["kind"], r["key"], r["door"]) for r in log] == [
        ("admin1", "admin", "unit", str(unit_id), "POST /api/v1/units"),  # the fixture's: the answer shows it
        ("orghead1", "org_head", "unit", str(unit_id), "GET /api/v1/units/{id}"),
        ("auditor1", "auditor", "unit", str(unit_id), "GET /api/v1/units/{id}"),
        ("admin1", "admin", "unit", str(unit_id), "PATCH /api/v1/units/{id}")]
    assert refused(http, "GET", f"{V1}/units/999/access-log", "auditor1").status == 404
    assert refused(http, "GET", f"{V1}/units/{unit_id}/access-log", "admin1").status == 403


def test_auditors_page_through_the_registry_searches(http, registry):
    """GET /persons/searches is paged as every list (`page`, `per_page`, X-Pagination), oldest first."""
    for words in ("王", "王伟", "教育局"):
        call(http, "GET", f"{V1}/persons?q={words}", "clerk1")
    auditor = {"Authorization": f"Bearer {http.token('auditor1')}"}
    pages = [http.client.get(f"{V1}/persons/searches?per_page=2&page={n}", headers=auditor) for n in (1, 2, 3)]
    assert [[s["q"] for s in page.json] for page in pages] == [["王", "王伟"], ["教育局"], []]
    paging = [json.loads(page.headers["X-Pagination"]) for page in pages]
    assert [(p["total"], p["total_pages"], p.get("page")) for p in paging] == [(3, 2, 1), (3, 2, 2), (3, 2, None)]
    assert len(call(http, "GET", f"{V1}/persons/searches", "auditor1")) == 3  # 10 a page unless asked
    assert refused(http, "GET", f"{V1}/persons/searches?per_page=101", "auditor1").status == 422


def test_auditors_page_through_who_read_a_person_and_a_unit(http, registry):
    """GET /persons/{id}/access-log and GET /units/{id}/access-log are paged as every list (`page`,
    `per_page`, X-Pagination), oldest first; a wrong `per_page` is a 422 naming it; 404 stays 404."""
    unit_id, person_id = registry
    for username in ("clerk1", "orghead1", "clerk1"):
        call(http, "GET", f"{V1}/persons/{person_id}", username)
    auditor = {"Authorization": f"Bearer {http.token('auditor1')}"}
    path = f"{V1}/persons/{person_id}/access-log"
    pages = [http.client.get(f"{path}?per_page=2&page={n}", headers=auditor) for n in (1, 2, 3)]
    assert [[r["username"] for r in page.json] for page in pages] == [["clerk1", "orghead1"], ["clerk1"], []]
    paging = [json.loads(page.headers["X-Pagination"]) for page in pages]
    assert [(p["total"], p["total_pages"], p.get("page")) for p in paging] == [(3, 2, 1), (3, 2, 2), (3, 2, None)]
    assert len(call(http, "GET", path, "auditor1")) == 3  # 10 a page unless asked
    for wrong in ("per_page=0", "per_page=101", "page=0"):
        error = refused(http, "GET", f"{path}?{wrong}", "auditor1")
        assert error.status == 422 and list(error.error["fields"]) == [wrong.split("=")[0]], wrong
    assert refused(http, "GET", f"{V1}/persons/999/access-log?per_page=2", "auditor1").status == 404
    assert refused(http, "GET", f"{path}?per_page=2", "clerk1").status == 403

    unit_log = http.client.get(f"{V1}/units/{unit_id}/access-log?per_page=1&page=2", headers=auditor)
    assert json.loads(unit_log.headers["X-Pagination"])["total"] == 1 and unit_log.json == []  # the fixture's POST
    assert refused(http, "GET", f"{V1}/units/{unit_id}/access-log?per_page=101", "auditor1").status == 422


def test_the_read_trail_of_the_registry_refuses_changes(app, http, registry):
    _unit_id, person_id = registry
    call(http, "GET", f"{V1}/persons/{person_id}", "clerk1")
    from sqlalchemy import text

    ctx = engine_context(app)
    for statement in ("UPDATE access_records SET username = 'nobody'", "DELETE FROM access_records"):
        with pytest.raises(Exception), ctx.unit_of_work(write=True) as uow:  # noqa: B017 (either driver's error)
            uow.session.execute(text(statement))
            uow.commit()
    assert [r["username"] for r in readtrail.record_access(ctx, "person", str(person_id))] == ["clerk1"]


def test_a_failing_record_write_does_not_fail_the_registry_read(http, registry, monkeypatch, caplog):
    _unit_id, person_id = registry

    def broken(ctx, rows):
        raise RuntimeError("the access table is gone")

    monkeypatch.setattr(readtrail, "write", broken)
    assert call(http, "GET", f"{V1}/persons/{person_id}", "clerk1")["name"] == "王伟"
    assert "could not record a read of person" in caplog.text


def test_quotas_change_audited_and_refused_below_the_posts_filled(app, http, registry):
    unit_id, _person_id = registry
    call(http, "POST", f"{V1}/persons", "clerk1", wang_wei("1975-05-05"))  # two county deputies now
    changed = call(http, "PATCH", f"{V1}/units/{unit_id}", "admin1", {"quotas": {"county_deputy": 3,
                                                                                 "county_chief": 1}})
    assert (changed["quotas"], changed["filled"], changed["vacant"]) == (
        {"county_deputy": 3, "county_chief": 1}, {"county_deputy": 2, "county_chief": 0},
        {"county_deputy": 1, "county_chief": 1})

    below = refused(http, "PATCH", f"{V1}/units/{unit_id}", "admin1", {"quotas": {"county_deputy": 1}})
    assert below.status == 422 and list(below.error["fields"]) == ["quotas.county_deputy"]
    assert below.error["fields"]["quotas.county_deputy"] == "区教育局县处级副职现有 2 名，核定职数不能少于现有人数（填写为 1 名）"
    assert "职数 · 县处级副职" in below.error["message"]
    # a level left out has no approved post: refused as well while it is filled
    assert "quotas.county_deputy" in refused(http, "PATCH", f"{V1}/units/{unit_id}", "admin1",
                                             {"quotas": {"county_chief": 1}}).error["fields"]
    english = http.client.patch(f"{V1}/units/{unit_id}", json={"quotas": {"county_deputy": -1, "general": 1}},
                                headers={"Authorization": f"Bearer {http.token('admin1')}", "Accept-Language": "en"})
    assert english.status_code == 422
    assert set(english.json["error"]["fields"]) == {"quotas.county_deputy", "quotas.general"}
    assert "Approved posts · county/division deputy" in english.json["error"]["message"]
    wrong_type = refused(http, "PATCH", f"{V1}/units/{unit_id}", "admin1", {"quotas": {"county_deputy": "3"}})
    assert wrong_type.status == 422 and "quotas.county_deputy" in wrong_type.error["fields"]
    assert refused(http, "PATCH", f"{V1}/units/{unit_id}", "admin1", {"name": "改名", "quotas": {}}).error[
        "fields"] == {"name": "未知字段"}
    assert refused(http, "PATCH", f"{V1}/units/999", "admin1", {"quotas": {}}).status == 404
    for user in ("clerk1", "orghead1", "auditor1"):
        assert refused(http, "PATCH", f"{V1}/units/{unit_id}", user, {"quotas": {"county_deputy": 9}}).status == 403
    assert refusals(app)[-3:] == [(u, "unit.write") for u in ("clerk1", "orghead1", "auditor1")]

    assert call(http, "GET", f"{V1}/units/{unit_id}", "clerk1")["quotas"] == {"county_deputy": 3, "county_chief": 1}
    with engine_context(app).unit_of_work() as uow:
        events = [e for e in audit.events_of(uow.session, "registry") if e.action == "unit_changed"]
    assert [(e.actor_username, e.actor_role, e.comment, e.data_in["changes"]) for e in events] == [
        ("admin1", "admin", "quotas", {"quotas": {"before": {"county_deputy": 2},
                                                  "after": {"county_deputy": 3, "county_chief": 1}}})]
    # exactly the posts filled is accepted
    assert call(http, "PATCH", f"{V1}/units/{unit_id}", "admin1", {"quotas": {"county_deputy": 2}})["vacant"] == {
        "county_deputy": 0}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # reads the source, not the storage
def test_no_door_reads_the_registry_around_the_recorded_reads(db_url):
    """The doors (api/) show records only through the store's recorded reads; the unrecorded getters
    are the domain's, the CLI's and the tests'. The start form's list of unit names is the one exception."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "api"
    found = {(path.name, line.strip()) for path in root.rglob("*.py") for line in path.read_text().splitlines()
             if any(f"store.{name}(" in line for name in ("get_person", "search_persons", "get_unit", "list_units"))}
    assert found == {("registry.py", "units = store.list_units(current_engine())")}
