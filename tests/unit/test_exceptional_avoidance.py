"""破格提拔 (Regs art. 9): each refusal on its own; 任职回避 flags from the records."""

from __future__ import annotations

from datetime import date

import pytest
from marshmallow import ValidationError

from workflows.forms.i18n import render
from workflows.registry.avoidance import avoidance_check, office_avoidance, unit_leaders
from workflows.registry.exceptional import ExceptionalPromotion, check_exceptional
from workflows.registry.qualification import review

START = "2026-03-01"
JUSTIFICATION = "在防汛抢险中表现突出，作出重大贡献，群众公认度高。"  # 24 characters


def nominee(**extra) -> dict:
    """A 乡科级正职 since 2019 with only 4 years of work (work_years fails, waivable) and one post of
    the tier below (posts_below is a warning)."""
    record = {"person_id": 1, "name": "王伟", "gender": "男", "birth_date": "1985-06-15",
              "work_start_date": "2021-09-01",
              "posts": [{"unit": "某镇", "title": "副镇长", "level": "township_deputy", "start": "2016-01-01",
                         "end": "2019-01-01", "grassroots": True},
                        {"unit": "某镇", "title": "镇长", "level": "township_chief", "start": "2019-01-01",
                         "grassroots": True}],
              "education": [{"kind": "full_time", "level": "college"}], "training": [{"name": "t", "end": "2025-01-01"}],
              "appraisals": [{"year": 2025, "grade": "excellent"}], "family": [{"relation": "spouse", "name": "李娜"}]}
    return {**record, **extra}


def refusals(record: dict, person: dict | None = None, level: str = "county_deputy") -> list[tuple[str, str]]:
    person = person or nominee()
    qualification = review([person], level, START, {})
    entry = {"person_id": 1, "ground": "critical_tasks", "justification": JUSTIFICATION, **record}
    return [(p.path, p.code) for p in check_exceptional(entry, qualification, person, level, START, {})]


def test_the_review_this_test_relies_on():
    checks = {c["rule"]: c["verdict"] for c in review([nominee()], "county_deputy", START, {})["nominees"][0]["checks"]}
    assert (checks["work_years"], checks["posts_below"], checks["education"]) == ("fail", "pass", "pass")


def test_accepted_for_a_waivable_failure():
    assert refusals({"rules": ["work_years"]}) == []


def test_refused_when_the_rule_is_not_waivable():
    person = nominee(education=[{"kind": "full_time", "level": "secondary"}])
    assert refusals({"rules": ["work_years", "education"]}, person) == [("rules.1", "exceptional_not_waivable")]


def test_refused_when_the_rule_did_not_fail():
    assert refusals({"rules": ["grassroots_years"]}) == [("rules.0", "exceptional_not_failed")]


def test_refused_on_probation_last_day_included():
    on = nominee(posts=[*nominee()["posts"][:1], {**nominee()["posts"][1], "probation_until": START}])
    off = nominee(posts=[*nominee()["posts"][:1], {**nominee()["posts"][1], "probation_until": "2026-02-28"}])
    assert refusals({"rules": ["work_years"]}, on) == [("person_id", "exceptional_on_probation")]
    assert refusals({"rules": ["work_years"]}, off) == []


def test_refused_when_promoted_less_than_a_year_before():
    def promoted(day):
        return nominee(posts=[{"unit": "某镇", "title": "副镇长", "level": "township_deputy", "start": "2016-01-01",
                               "end": "2022-03-01"},
                              {"unit": "某镇", "title": "镇长", "level": "township_chief", "start": day}])
    assert ("person_id", "exceptional_recent_promotion") in refusals({"rules": ["work_years"]}, promoted("2025-03-02"))
    assert ("person_id", "exceptional_recent_promotion") not in refusals({"rules": ["work_years"]},
                                                                          promoted("2025-03-01"))


def test_refused_when_the_same_rule_was_waived_at_the_last_promotion():
    posts = nominee()["posts"]
    again = nominee(posts=[posts[0], {**posts[1], "exceptional": ["work_years"]}])
    other = nominee(posts=[posts[0], {**posts[1], "exceptional": ["grassroots_years"]}])
    assert refusals({"rules": ["work_years"]}, again) == [("rules.0", "exceptional_consecutive")]
    assert refusals({"rules": ["work_years"]}, other) == []


def test_refused_when_the_post_skips_two_levels():
    assert refusals({"rules": ["work_years"]}, level="county_deputy") == []   # chief -> next deputy: normal
    # 乡科级正职 to 县处级正职 skips one level: allowed as 破格 (years_in_lower_post fails and is waived)
    assert refusals({"rules": ["work_years", "years_in_lower_post"]}, level="county_chief") == []
    deputy = nominee(posts=nominee()["posts"][:1])   # 乡科级副职 to 县处级正职 skips two
    assert ("person_id", "exceptional_skips_two_levels") in refusals({"rules": ["work_years"]}, deputy,
                                                                     level="county_chief")


def test_refused_for_a_short_justification_and_an_unknown_nominee():
    assert refusals({"rules": ["work_years"], "justification": "表现突出"}) == [
        ("justification", "justification_too_short")]
    assert refusals({"rules": ["work_years"], "person_id": 2}) == [("person_id", "not_reviewed")]


def test_each_refusal_has_its_own_message_in_both_languages():
    posts = nominee()["posts"]
    person = nominee(education=[{"kind": "full_time", "level": "secondary"}],
                     posts=[posts[0], {**posts[1], "start": "2025-06-01", "probation_until": "2026-05-31",
                                       "exceptional": ["work_years"]}])
    qualification = review([person], "county_chief", START, {})
    record = {"person_id": "王伟", "ground": "team_structure", "justification": "短",
              "rules": ["work_years", "education", "grassroots_years"]}
    problems = check_exceptional(record, qualification, person, "county_chief", START, {})
    codes = [p.code for p in problems]
    assert codes == ["justification_too_short", "exceptional_consecutive", "exceptional_not_waivable",
                     "exceptional_not_failed", "exceptional_on_probation", "exceptional_recent_promotion"]
    texts = {p.code: (render(p.code, p.params, "zh"), render(p.code, p.params, "en")) for p in problems}
    assert "不得连续破格" in texts["exceptional_consecutive"][0] and "2025-06-01" in texts["exceptional_consecutive"][0]
    assert "文化程度" in texts["exceptional_not_waivable"][0]
    assert "2026-05-31" in texts["exceptional_on_probation"][0] and "probation" in texts["exceptional_on_probation"][1]
    assert "不满一年" in texts["exceptional_recent_promotion"][0]
    skip = check_exceptional({**record, "justification": JUSTIFICATION, "rules": ["work_years"]},
                             review([nominee(posts=posts[:1])], "county_chief", START, {}),
                             nominee(posts=posts[:1]), "county_chief", START, {})
    assert render(skip[-1].code, skip[-1].params, "zh") == "由乡科级副职提任县处级正职属越两级提拔，不得破格（《条例》第九条）"


def test_the_record_schema():
    cleaned = ExceptionalPromotion().load({"person_id": 3, "ground": "remote_area", "justification": JUSTIFICATION,
                                           "rules": ["work_years"]})
    assert cleaned["person_id"] == 3
    with pytest.raises(ValidationError) as info:
        ExceptionalPromotion().load({"person_id": True, "ground": "luck", "justification": "", "rules": []})
    assert set(info.value.messages) == {"person_id", "ground", "justification", "rules"}
    with pytest.raises(ValidationError) as info:
        ExceptionalPromotion().load({"person_id": 3, "ground": "remote_area", "justification": "x",
                                     "rules": ["education", "luck"]})
    assert info.value.messages == {"rules": {1: ["not_a_rule|name=luck"]}}


# --- 任职回避 -------------------------------------------------------------------------------------------


def leader(person_id, name, *, family=(), unit="区发改局", level="county_chief", end=None):
    return {"person_id": person_id, "name": name, "family": list(family),
            "posts": [{"unit": unit, "title": "局长", "level": level, "start": "2020-01-01", "end": end}]}


def test_unit_leaders_are_those_holding_a_leadership_post_there_on_the_day():
    people = [leader(10, "赵局长"), leader(11, "钱前局长", end="2025-01-01"), leader(12, "孙镇长", unit="某镇"),
              {**leader(13, "李科员"), "posts": [{"unit": "区发改局", "title": "科员", "level": None,
                                                "start": "2020-01-01"}]}]
    found = unit_leaders(people, "区发改局", date(2026, 3, 1))
    assert [p["person_id"] for p in found] == [10] and found[0]["leader_titles"] == ["局长"]


def test_relatives_in_the_leadership_from_either_record():
    nominee_record = nominee(family=[{"relation": "sibling", "name": "赵局长", "person_id": 10},
                                     {"relation": "other", "name": "钱处长", "person_id": 11},
                                     {"relation": "cousin", "name": "孙局长"}])
    leaders = unit_leaders([leader(10, "赵局长"), leader(11, "钱处长"), leader(12, "孙局长"),
                            leader(13, "周局长", family=[{"relation": "child_in_law", "name": "王伟", "person_id": 1}]),
                            leader(14, "吴局长", family=[{"relation": "spouse", "name": "王伟", "person_id": 99}])],
                           "区发改局", date(2026, 3, 1))
    flags = office_avoidance(nominee_record, leaders)
    assert [(f["person_id"], f["relation_class"], f["side"], f["match"]) for f in flags] == [
        (10, "collateral", "nominee", "person_id"), (12, "collateral", "nominee", "name"),
        (13, "in_law", "leader", "person_id")]
    check = avoidance_check(nominee_record, leaders)
    assert check["verdict"] == "warning" and "赵局长（局长，兄弟姐妹）" in check["detail"]["zh"]
    assert "按姓名匹配" in check["detail"]["zh"] and check["article"] == "Civil Servants Law art. 74"
    assert "周局长（局长，其登记被提名人为子女的配偶）" in check["detail"]["zh"]
    assert avoidance_check(nominee(person_id=2), leaders)["verdict"] == "pass"
    assert office_avoidance(nominee(person_id=10, family=nominee_record["family"]), leaders[:1]) == []  # self


def test_review_adds_the_avoidance_check_when_leaders_are_given():
    result = review([nominee(family=[{"relation": "spouse", "name": "赵局长", "person_id": 10}])], "county_deputy",
                    START, {}, leaders=[leader(10, "赵局长")])
    check = result["nominees"][0]["checks"][-1]
    assert (check["rule"], check["verdict"]) == ("office_avoidance", "warning")
    assert result["nominees"][0]["eligible"]   # a flag to act on, not a failure
