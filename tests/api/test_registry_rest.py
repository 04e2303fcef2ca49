"""The cadre registry over REST on SQLite and PostgreSQL: persons (two 王伟), changes audited on the
`registry` stream with the identity-card number masked, permissions, import (all rows or none),
units with filled and vacant posts per level."""

from __future__ import annotations

import json

import pytest

from api import engine_context
from bench.import_parse import generate, to_csv
from engine import audit
from tests.api.http_backend import ApiError
from workflows.registry import idcard

IDS = [first17 + idcard.check_character(first17) for first17 in ("11010519800101123", "32010219850612456")]
MASKED = "110105********1238"


def wang_wei(id_number: str | None, born: str, unit: str, title: str, level: str = "county_deputy") -> dict:
    return {"name": "王伟", "gender": "男", "birth_date": born, "id_number": id_number,
            "posts": [{"unit": unit, "title": title, "level": level, "start": "2020-03-01"}]}


def call_error(http, method, path, user, body=None, **kw) -> ApiError:
    with pytest.raises(ApiError) as refused:
        http.call(method, path, user, body, **kw)
    return refused.value


def registry_events(app) -> list:
    with engine_context(app).unit_of_work() as uow:
        return audit.events_of(uow.session, "registry")


def test_persons_two_of_the_same_name_masked_and_audited(app, http):
    first = http.call("POST", "/api/v1/persons", "clerk1", wang_wei(IDS[0], "1980-01-01", "区教育局", "副局长"))
    second = http.call("POST", "/api/v1/persons", "admin1", wang_wei(None, "1985-06-12", "某镇", "镇长",
                                                                      "township_chief"))
    assert first["id_number"] == MASKED and first["id"] != second["id"]
    found = http.call("GET", "/api/v1/persons?q=王伟", "orghead1")
    assert [(p["id"], p["birth_date"], p["current_post"]) for p in found] == [
        (first["id"], "1980-01-01", "区教育局 · 副局长"), (second["id"], "1985-06-12", "某镇 · 镇长")]
    assert [p["id"] for p in http.call("GET", "/api/v1/persons?q=教育局", "auditor1")] == [first["id"]]
    assert http.call("GET", f"/api/v1/persons/{first['id']}", "auditor1")["id_number"] == MASKED

    # a bad date is refused, named in Chinese, and changes nothing
    refused = call_error(http, "PATCH", f"/api/v1/persons/{first['id']}", "clerk1",
                         {"birth_date": "1980-02-30", "ethnicity": "汉族"})
    assert refused.status == 422 and "birth_date" in refused.error["fields"]
    assert "出生日期" in refused.error["message"]
    assert http.call("GET", f"/api/v1/persons/{first['id']}", "clerk1")["ethnicity"] == ""
    changed = http.call("PATCH", f"/api/v1/persons/{first['id']}", "clerk1",
                        {"ethnicity": "回族", "id_number": IDS[1]})
    assert changed["ethnicity"] == "回族" and changed["id_number"] == idcard.mask(IDS[1])
    # another person's identity-card number is refused
    taken = call_error(http, "PATCH", f"/api/v1/persons/{second['id']}", "clerk1", {"id_number": IDS[1]})
    assert taken.status == 422 and str(first["id"]) in taken.error["fields"]["id_number"]

    events = registry_events(app)
    assert [(e.action, e.actor_username, e.data_in["key"]) for e in events] == [
        ("person_created", "clerk1", str(first["id"])), ("person_created", "admin1", str(second["id"])),
        ("person_changed", "clerk1", str(first["id"]))]
    assert events[2].data_in["changes"] == {"ethnicity": {"before": "", "after": "回族"},
                                            "id_number": {"before": MASKED, "after": idcard.mask(IDS[1])}}
    trail = json.dumps([[e.data_in, e.data_out] for e in events], ensure_ascii=False)
    assert IDS[0] not in trail and IDS[1] not in trail


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the rule table does not depend on the storage
def test_who_may_read_and_write_the_registry(app, http):
    person = http.call("POST", "/api/v1/persons", "clerk1", wang_wei(None, "1980-01-01", "区教育局", "副局长"))
    for user, method, path in (("inspector1", "GET", "/api/v1/persons?q=王"), ("auditor1", "POST", "/api/v1/persons"),
                               ("orghead1", "PATCH", f"/api/v1/persons/{person['id']}"),
                               ("clerk1", "POST", "/api/v1/units"), ("inspector1", "GET", "/api/v1/units")):
        refused = call_error(http, method, path, user, {"name": "x"})
        assert refused.status == 403, (user, method, path)
    with engine_context(app).unit_of_work() as uow:
        refusals = [e.element_id for e in audit.events_of(uow.session, "security") if e.action == "access_refused"]
    assert refusals == ["person.read", "person.write", "person.write", "unit.write", "unit.read"]
    assert call_error(http, "GET", "/api/v1/persons/999", "clerk1").status == 404
    invalid = call_error(http, "POST", "/api/v1/persons", "clerk1", {"name": "李四", "gender": "男"})
    assert invalid.status == 422 and set(invalid.error["fields"]) == {"birth_date"}


def test_units_count_filled_and_vacant_posts(http):
    unit = http.call("POST", "/api/v1/units", "admin1", {"name": "区教育局", "quotas": {"county_deputy": 2,
                                                                                       "county_chief": 1}})
    assert unit["vacant"] == {"county_deputy": 2, "county_chief": 1}
    http.call("POST", "/api/v1/persons", "clerk1", wang_wei(None, "1980-01-01", "区教育局", "副局长"))
    left = wang_wei(None, "1975-01-01", "区教育局", "副局长")
    left["posts"][0]["end"] = "2024-01-01"  # left the post: not counted
    http.call("POST", "/api/v1/persons", "clerk1", left)
    read = http.call("GET", f"/api/v1/units/{unit['id']}", "orghead1")
    assert (read["filled"], read["vacant"]) == ({"county_deputy": 1, "county_chief": 0},
                                                {"county_deputy": 1, "county_chief": 1})
    assert [u["name"] for u in http.call("GET", "/api/v1/units", "clerk1")] == ["区教育局"]
    start = {"procedure": "cadre_selection", "data": {"position": "副局长", "reason": "调任", "unit_id": unit["id"],
                                                       "level": "bureau_deputy"}}
    full = call_error(http, "POST", "/api/v1/cases", "clerk1", start)  # no approved post at that level
    assert full.status == 422 and full.error["fields"]["level"].startswith("区教育局厅局级副职核定职数 0 名，现有 0 名")
    start["data"]["level"] = "county_deputy"
    case = http.call("POST", "/api/v1/cases", "clerk1", start)
    assert (case["data"]["unit"], case["data"]["rank"], case["warnings"]) == ("区教育局", "县处级副职", [])
    bad = call_error(http, "POST", "/api/v1/units", "admin1", {"name": "", "quotas": {"general": -1}})
    assert bad.status == 422 and {"name", "quotas.general.key", "quotas.general.value"} == set(bad.error["fields"])


def upload(http, user: str, content: bytes, name: str = "registry.csv"):
    import io

    return http.client.post("/api/v1/persons/import", data={"file": (io.BytesIO(content), name)},
                            headers={"Authorization": f"Bearer {http.token(user)}", "Accept-Language": "zh-CN"},
                            content_type="multipart/form-data")


def test_import_writes_all_rows_or_none(app, http):
    rows = generate(3, seed=7)
    good = to_csv(rows)
    rows["appraisals"][4][2] = "很好"  # one bad cell
    response = upload(http, "clerk1", to_csv(rows))
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert (error["sheet"], error["row"], error["field"]) == ("年度考核", 37, "考核等次")  # the line of the .csv file
    assert error["message"].startswith("「年度考核」第 37 行「考核等次」")
    assert http.call("GET", "/api/v1/persons", "clerk1") == [] and registry_events(app) == []

    rows = generate(3, seed=7)
    rows["persons"].append(list(rows["persons"][0]))  # the same person twice: the message quotes the number
    twice = upload(http, "clerk1", to_csv(rows)).json["errors"]
    number = rows["persons"][0][0]
    assert [e["row"] for e in twice] == [6] and idcard.mask(number) in twice[0]["message"]
    assert number not in json.dumps(twice)

    assert upload(http, "inspector1", good).status_code == 403
    first = upload(http, "clerk1", good)
    assert first.status_code == 200 and first.json == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    again = upload(http, "clerk1", good)
    assert again.json == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    rows = generate(3, seed=7)
    rows["persons"][0][1] = "改名"
    assert upload(http, "admin1", to_csv(rows)).json["updated"] == 1
    assert len(http.call("GET", "/api/v1/persons", "clerk1")) == 3
    assert len(registry_events(app)) == 4
    template = http.client.get("/api/v1/persons/import/template", headers={
        "Authorization": f"Bearer {http.token('clerk1')}"})
    assert template.status_code == 200 and template.data[:2] == b"PK"
