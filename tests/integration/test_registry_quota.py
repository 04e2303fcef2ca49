"""Post quotas at the start of a case, on SQLite and PostgreSQL: a unit exactly full refuses the
motion with the figures, one vacancy accepts it (unit and rank filled from the registry, the
figures recorded), a free-text unit starts with the warning `quota_unchecked`, and a replay after
the unit's quota changed reproduces the recorded start."""

from __future__ import annotations

import pytest

from engine import cases
from engine.errors import ValidationFailed
from engine.replay import replay
from tests.conftest import make_ctx
from workflows import build_registry
from workflows.demo import CLERK, deploy, user
from workflows.registry import store

ADMIN = user("admin1", "admin")
START = {"position": "区教育局副局长", "reason": "原副局长调任", "unit_id": 1, "level": "county_deputy"}


def deputy(name: str, end: str | None = None) -> dict:
    return {"name": name, "gender": "女", "birth_date": "1978-04-01",
            "posts": [{"unit": "区教育局", "title": "副局长", "level": "county_deputy", "start": "2019-01-01",
                       "end": end}]}


@pytest.fixture
def ctx(db_url):
    ctx = make_ctx(db_url, build_registry())
    deploy(ctx)
    store.create_unit(ctx, {"name": "区教育局", "quotas": {"county_deputy": 2}}, ADMIN, "admin")
    store.create_person(ctx, deputy("赵敏"), CLERK, "clerk")
    store.create_person(ctx, deputy("钱丽"), CLERK, "clerk")
    store.create_person(ctx, deputy("孙芳", end="2025-12-31"), CLERK, "clerk")  # left: not counted
    return ctx


def test_a_full_unit_refuses_and_one_vacancy_accepts(ctx):
    with pytest.raises(ValidationFailed) as refused:
        cases.start_case(ctx, "cadre_selection", START, CLERK)
    assert refused.value.fields == {"level": "区教育局县处级副职核定职数 2 名，现有 2 名，已无空缺（本次拟任 1 名）"}
    with pytest.raises(ValidationFailed) as english:
        cases.start_case(ctx, "cadre_selection", START, CLERK, locale="en")
    assert "has 2 approved posts at the level county/division deputy and 2 are filled" in english.value.fields["level"]
    assert cases.list_cases(ctx)[1] == 0  # nothing was started

    store.update_unit(ctx, 1, {"name": "区教育局", "quotas": {"county_deputy": 3}}, ADMIN, "admin")
    case = cases.start_case(ctx, "cadre_selection", {**START, "unit": "随便写的", "rank": "正科级"}, CLERK)
    assert (case["data"]["unit"], case["data"]["rank"]) == ("区教育局", "县处级副职")
    assert case["data"]["quota"] == {"unit_id": 1, "level": "county_deputy", "approved": 3, "filled": 2}
    assert "quota_unchecked" not in case["warnings"]
    with pytest.raises(ValidationFailed):  # one vacancy, two posts to fill
        cases.start_case(ctx, "cadre_selection", {**START, "post_count": 2}, CLERK)

    # the unit's quota changes after the start: the recorded start still replays
    store.update_unit(ctx, 1, {"name": "区教育局", "quotas": {"county_deputy": 1}}, ADMIN, "admin")
    report = replay(ctx, case["id"])
    assert report.ok, report.mismatches


def test_unknown_unit_missing_level_and_a_free_text_unit(ctx):
    with pytest.raises(ValidationFailed) as refused:
        cases.start_case(ctx, "cadre_selection", {**START, "unit_id": 9}, CLERK)
    assert refused.value.fields == {"unit_id": "干部信息库中没有编号为 9 的单位"}
    with pytest.raises(ValidationFailed) as refused:
        cases.start_case(ctx, "cadre_selection", {**START, "level": None}, CLERK)
    assert set(refused.value.fields) == {"level"}
    free = {"position": "区发改委主任", "unit": "区发改委", "rank": "正科级", "reason": "原主任退休"}
    with pytest.raises(ValidationFailed) as refused:
        cases.start_case(ctx, "cadre_selection", {**free, "unit": ""}, CLERK)
    assert set(refused.value.fields) == {"unit"}
    case = cases.start_case(ctx, "cadre_selection", free, CLERK)
    assert case["warnings"] == ["quota_unchecked"] and "quota" not in case["data"]
