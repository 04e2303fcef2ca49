"""Qualification review (资格审查): every rule of domain.md's table at its boundary."""

from __future__ import annotations

from datetime import date

import pytest

from workflows.params import table_param, validate_parameters
from workflows.registry import qualification as q
from workflows.registry.confirm import attest
from workflows.registry.dates import add_months, add_years, full_years, served_days, span

START = date(2026, 3, 1)


def person(**fields) -> dict:
    return {"person_id": 1, "name": "王伟", "gender": "男", "birth_date": "1985-06-15", **fields}


def post(level, start, end=None, *, unit="某镇", title=None, grassroots=False, **extra) -> dict:
    return {"unit": unit, "title": title or f"{level}-{start}", "level": level, "start": start, "end": end,
            "grassroots": grassroots, **extra}


def verdict(rule, record, level="county_deputy", as_of=START, params=None, **kwargs) -> str:
    return q.RULE_FUNCTIONS[rule](record, level, as_of, params or {}, **kwargs)["verdict"]


# --- calendar arithmetic -------------------------------------------------------------------------


def test_years_and_months_end_on_the_corresponding_day_or_the_month_end():
    assert add_years(date(2020, 2, 29), 5) == date(2025, 2, 28)
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
    assert full_years(date(2000, 2, 29), date(2025, 2, 27)) == 24
    assert full_years(date(2000, 2, 29), date(2025, 2, 28)) == 25
    assert span(date(2020, 1, 31), date(2020, 3, 1)) == (0, 1, 1)


def test_served_days_merge_overlaps_and_stop_at_the_start_date():
    posts = [{"start": "2020-01-01", "end": "2020-01-11"}, {"start": "2020-01-06", "end": "2020-01-21"},
             {"start": "2026-02-20", "end": None}, {"start": "2026-04-01", "end": None}]
    assert served_days(posts, START) == 20 + 9


# --- Regs art. 8 (1): work years -----------------------------------------------------------------


@pytest.mark.parametrize(("work_start", "expected"), [
    ("2021-03-01", "pass"),   # plus 5 years is the start date itself
    ("2021-03-02", "fail"),   # one day short
    ("2016-03-01", "pass"),
])
def test_work_years_boundary(work_start, expected):
    assert verdict("work_years", person(work_start_date=work_start)) == expected


def test_work_years_from_29_february():
    record = person(work_start_date="2020-02-29")   # plus 5 years: 2025-02-28 (no 29 Feb in 2025)
    assert verdict("work_years", record, as_of=date(2025, 2, 27)) == "fail"
    assert verdict("work_years", record, as_of=date(2025, 2, 28)) == "pass"
    check = q.work_years(record, "county_deputy", date(2025, 2, 28), {})
    assert check["figures"]["reached_on"] == "2025-02-28"
    assert "2025-02-28" in check["detail"]["zh"] and "5 years" in check["detail"]["en"]
    assert check["article"] == "Regs art. 8 (1)" and check["waivable"] is True


def test_work_years_missing_and_local_figure():
    assert verdict("work_years", person()) == "missing"
    assert verdict("work_years", person(work_start_date="2023-03-01"), params={"min_work_years": "county_deputy=3"}) \
        == "pass"


# --- grassroots years ------------------------------------------------------------------------------


def test_grassroots_years_boundary_one_stretch_and_counted_together():
    exact = person(posts=[post(None, "2024-03-01", grassroots=True)])
    short = person(posts=[post(None, "2024-03-02", grassroots=True)])
    assert verdict("grassroots_years", exact) == "pass"
    assert verdict("grassroots_years", short) == "fail"
    # two stretches of one year each (2021 and 2023 are not leap years): 730 days make 2 years up to START
    pieces = person(posts=[post(None, "2021-03-01", "2022-03-01", grassroots=True),
                           post(None, "2023-03-01", "2024-03-01", grassroots=False),
                           post(None, "2025-03-01", grassroots=True)])
    check = q.grassroots_years(pieces, "county_deputy", START, {})
    assert check["figures"]["served_days"] == 365 + 365 and check["verdict"] == "pass"
    assert verdict("grassroots_years", person()) == "missing"


# --- posts at the level below (a warning) --------------------------------------------------------------


def test_posts_below_counts_positions_of_the_tier_below():
    two = person(posts=[post("township_deputy", "2010-01-01", "2015-01-01", title="副镇长"),
                        post("township_chief", "2015-01-01", title="镇长")])
    one = person(posts=[post("township_deputy", "2010-01-01", "2015-01-01", title="副镇长"),
                        post("township_deputy", "2015-01-01", title="副镇长")])   # the same position twice
    assert verdict("posts_below", two) == "pass"
    assert verdict("posts_below", one) == "warning"
    assert verdict("posts_below", two, level="bureau_deputy") == "warning"   # needs 县处级 positions
    assert q.RULES["posts_below"][2] is True


# --- years in the lower post -----------------------------------------------------------------------------


def test_deputy_to_chief_needs_two_years_as_deputy():
    exact = person(posts=[post("county_deputy", "2024-03-01")])
    short = person(posts=[post("county_deputy", "2024-03-02")])
    assert verdict("years_in_lower_post", exact, level="county_chief") == "pass"
    assert verdict("years_in_lower_post", short, level="county_chief") == "fail"


def test_lower_chief_to_next_deputy_needs_three_years_as_that_chief():
    exact = person(posts=[post("township_deputy", "2015-01-01", "2023-03-01"), post("township_chief", "2023-03-01")])
    short = person(posts=[post("township_deputy", "2015-01-01", "2023-03-02"), post("township_chief", "2023-03-02")])
    assert verdict("years_in_lower_post", exact) == "pass"
    assert verdict("years_in_lower_post", short) == "fail"
    # skipping a level (越级): no time at the level just below
    skipping = person(posts=[post("township_deputy", "2010-01-01")])
    assert verdict("years_in_lower_post", skipping) == "fail"
    # already at the level: not a promotion
    same = person(posts=[post("county_deputy", "2025-01-01")])
    assert q.years_in_lower_post(same, "county_deputy", START, {})["figures"]["current_level"] == "county_deputy"
    assert verdict("years_in_lower_post", same) == "pass"


# --- education (not waivable) ---------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "education", "expected"), [
    ("county_deputy", "college", "pass"),
    ("county_deputy", "secondary", "fail"),
    ("county_chief", "bachelor", "pass"),
    ("bureau_deputy", "college", "fail"),
    ("bureau_deputy", "bachelor", "pass"),
    ("bureau_chief", "doctor", "pass"),
])
def test_education_at_county_and_bureau_level(level, education, expected):
    record = person(education=[{"kind": "in_service", "level": "secondary"}, {"kind": "full_time", "level": education}])
    assert verdict("education", record, level=level) == expected


def test_education_missing_and_not_waivable():
    assert verdict("education", person()) == "missing"
    check = q.education(person(education=[{"kind": "full_time", "level": "secondary"}]), "county_deputy", START, {})
    assert (check["waivable"], check["article"]) == (False, "Regs art. 8 (4)")
    assert "大专" in check["detail"]["zh"]


# --- training (a warning) ---------------------------------------------------------------------------------


def test_training_within_five_years_else_a_warning():
    def trained(end):
        return person(training=[{"name": "中青班", "end": end}])
    assert verdict("training", trained("2021-03-01")) == "pass"    # exactly 5 years before
    assert verdict("training", trained("2021-02-28")) == "warning"
    assert verdict("training", trained("2026-03-02")) == "warning"  # not completed by the start date
    assert verdict("training", person()) == "warning"


# --- township: the Regulations give no figures --------------------------------------------------------------


def test_township_posts_have_no_figures_by_default():
    record = person(posts=[post(None, "2025-01-01")])   # no work-start date, no education: still nothing missing
    for rule in ("work_years", "grassroots_years", "posts_below", "years_in_lower_post", "education", "training"):
        check = q.RULE_FUNCTIONS[rule](record, "township_deputy", START, {})
        assert check["verdict"] == "pass" and check["figures"]["required"] is None, rule
        assert "未设定" in check["detail"]["zh"]


def test_township_figures_set_by_a_local_procedure():
    params = {"min_work_years": "township_deputy=3", "min_years_in_lower_post": "township_deputy=3",
              "min_education": "township_chief=bachelor"}
    record = person(work_start_date="2024-01-01", posts=[post(None, "2024-01-01", title="科员")],
                    education=[{"kind": "full_time", "level": "college"}])
    assert verdict("work_years", record, "township_deputy", params=params) == "fail"
    assert verdict("years_in_lower_post", record, "township_deputy", params=params) == "fail"  # 2 years as 科员
    assert verdict("years_in_lower_post", person(posts=[post(None, "2023-03-01")]), "township_deputy",
                   params=params) == "pass"
    assert verdict("education", record, "township_chief", params=params) == "fail"
    assert verdict("education", record, "township_deputy", params=params) == "pass"


# --- Regs art. 24 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("grade", "expected"), [("excellent", "pass"), ("competent", "pass"),
                                                 ("basically_competent", "fail"), ("incompetent", "fail")])
def test_previous_years_appraisal(grade, expected):
    record = person(appraisals=[{"year": 2025, "grade": grade}, {"year": 2024, "grade": "incompetent"}])
    assert verdict("appraisal", record) == expected   # 2024 is not the previous year of a 2026 start


def test_appraisal_missing_and_over_three_years():
    assert verdict("appraisal", person(appraisals=[{"year": 2024, "grade": "excellent"}])) == "missing"
    record = person(appraisals=[{"year": 2025, "grade": "excellent"}, {"year": 2024, "grade": "basically_competent"},
                                {"year": 2023, "grade": "competent"}])
    assert verdict("appraisal", record, params={"appraisal_years": 3}) == "fail"
    check = q.appraisal(record, "county_deputy", START, {})
    assert check["figures"] == {"years": [2025], "grades": {"2025": "excellent"}} and check["waivable"] is False


@pytest.mark.parametrize(("kind", "months"), [("admonishment", 6), ("party_warning", 12),
                                              ("party_serious_warning", 18), ("party_post_removal", 24),
                                              ("gov_warning", 6), ("gov_demerit", 12), ("gov_major_demerit", 18),
                                              ("gov_demotion", 24), ("gov_dismissal", 24)])
def test_sanction_effect_period_last_day_inside_next_day_out(kind, months):
    decided = date(2024, 8, 31)
    last_day = add_months(decided, months)
    record = person(sanctions=[{"kind": kind, "decided_on": decided.isoformat()}])
    assert verdict("sanction_period", record, as_of=last_day) == "fail"
    assert verdict("sanction_period", record, as_of=date.fromordinal(last_day.toordinal() + 1)) == "pass"
    assert q.sanction_period(record, "county_deputy", last_day, {})["figures"]["periods"][0]["until"] \
        == last_day.isoformat()


def test_sanction_effect_period_figures_and_detail():
    record = person(sanctions=[{"kind": "party_warning", "decided_on": "2025-03-01"}])
    check = q.sanction_period(record, "county_deputy", START, {})
    assert check["verdict"] == "fail" and "2026-03-01" in check["detail"]["zh"] and "党内警告" in check["detail"]["zh"]
    assert verdict("sanction_period", record, params={"sanction_effect_months": "party_warning=11"}) == "pass"
    assert verdict("sanction_period", person()) == "pass"


@pytest.mark.parametrize(("family", "expected"), [
    ([{"relation": "spouse", "abroad": True}, {"relation": "son", "abroad": False}], "fail"),
    ([{"relation": "spouse", "abroad": False}, {"relation": "son", "abroad": True}], "pass"),
    ([{"relation": "son", "abroad": True}, {"relation": "daughter", "abroad": True}], "fail"),
    ([{"relation": "son", "abroad": True}, {"relation": "daughter", "abroad": False}], "pass"),
    ([{"relation": "father", "abroad": True}], "pass"),     # no spouse, no child
    ([], "missing"),
])
def test_family_abroad(family, expected):
    record = person(family=[{"name": "x", **m} for m in family])
    assert verdict("family_abroad", record) == expected
    assert verdict("family_abroad", record, special_post=True) == "pass"


def test_age_none_by_default_and_a_local_maximum():
    record = person(birth_date="1981-03-01")   # 45 on the start date
    assert verdict("age", record) == "pass"
    assert verdict("age", record, params={"max_age": "county_deputy=45"}) == "pass"
    assert verdict("age", record, params={"max_age": "county_deputy=44"}) == "fail"
    assert verdict("age", person(birth_date="1981-03-02"), params={"max_age": "county_deputy=44"}) == "pass"


# --- the review ----------------------------------------------------------------------------------------------


def good(person_id=1, name="王伟", **extra) -> dict:
    """A record that passes every rule for a 县处级副职 post on START."""
    fields = {"work_start_date": "2010-07-01",
              "posts": [post("township_deputy", "2012-01-01", "2016-01-01", grassroots=True, title="副镇长"),
                        post("township_chief", "2016-01-01", grassroots=True, title="镇长")],
              "education": [{"kind": "full_time", "level": "bachelor"}], "training": [{"name": "t", "end": "2024-06-30"}],
              "appraisals": [{"year": 2025, "grade": "excellent"}], "family": [{"relation": "spouse", "name": "李娜"}]}
    return person(person_id=person_id, name=name, **{**fields, **extra})


def test_review_shape_and_eligibility():
    nominees = [good(), good(2, education=[{"kind": "full_time", "level": "secondary"}]),
                good(3, work_start_date="2022-01-01"), good(4, appraisals=[])]
    result = q.review(nominees, "county_deputy", "2026-03-01", {})
    assert (result["level"], result["as_of"]) == ("county_deputy", "2026-03-01")
    rows = {n["person_id"]: n for n in result["nominees"]}
    assert [c["rule"] for c in rows[1]["checks"]] == list(q.RULES)
    assert all(c["verdict"] == "pass" for c in rows[1]["checks"]) and rows[1]["eligible"]
    assert not rows[2]["eligible"]                                       # education is not waivable
    assert rows[3]["eligible"] and rows[3]["needs_exceptional"] == ["work_years"]
    assert rows[4]["eligible"] and rows[4]["missing"] == ["appraisal"]  # pending the clerk's attestation
    for check in rows[1]["checks"]:
        assert set(check) >= {"rule", "article", "verdict", "detail", "waivable"}
        assert check["detail"]["zh"] and check["detail"]["en"]
    with pytest.raises(ValueError):
        q.review(nominees, "正科级", "2026-03-01", {})


def test_attestation_of_missing_verdicts():
    result = q.review([good(4, appraisals=[]), good(5, name="李四", family=[])], "county_deputy", "2026-03-01", {})
    confirmed, problems = attest(result, [{"person_id": 4, "rule": "appraisal", "note": "档案载 2025 年度称职"}], "clerk1")
    assert problems == []
    rows = {n["person_id"]: n for n in confirmed["nominees"]}
    check = next(c for c in rows[4]["checks"] if c["rule"] == "appraisal")
    assert check["attestation"] == {"note": "档案载 2025 年度称职", "by": "clerk1"} and rows[4]["eligible"]
    # left unattested: counts as failed, and family_abroad is not waivable
    assert not rows[5]["eligible"] and rows[5]["missing"] == ["family_abroad"]
    # by name where it names one nominee; refusals for the rest
    _, problems = attest(result, [{"person_id": "李四", "rule": "family_abroad", "note": "无配偶子女"},
                                  {"person_id": "李四", "rule": "family_abroad", "note": "again"},
                                  {"person_id": 4, "rule": "education", "note": "x"},
                                  {"person_id": 9, "rule": "appraisal", "note": "x"}], "clerk1")
    assert [(p.path, p.code) for p in problems] == [("attested.1.rule", "attested_twice"),
                                                    ("attested.2.rule", "not_missing"),
                                                    ("attested.3.person_id", "not_reviewed")]


def test_two_nominees_of_the_same_name_are_told_apart_by_id_only():
    result = q.review([good(1, appraisals=[]), good(2, appraisals=[])], "county_deputy", "2026-03-01", {})
    _, problems = attest(result, [{"person_id": "王伟", "rule": "appraisal", "note": "x"}], "clerk1")
    assert [(p.path, p.code) for p in problems] == [("attested.0.person_id", "not_reviewed")]
    confirmed, problems = attest(result, [{"person_id": 2, "rule": "appraisal", "note": "x"}], "clerk1")
    assert problems == [] and [n["eligible"] for n in confirmed["nominees"]] == [False, True]


# --- the parameters ---------------------------------------------------------------------------------------------


def test_tables_are_parameters_checked_like_the_others():
    assert table_param({}, "min_education")["bureau_chief"] == "bachelor"
    assert "township_deputy" not in table_param({}, "min_work_years")
    merged = table_param({"min_work_years": "township_chief=3，county_deputy="}, "min_work_years")
    assert merged["township_chief"] == 3 and merged["county_deputy"] is None and merged["bureau_chief"] == 5
    assert table_param({"min_work_years": {"county_chief": 6}}, "min_work_years")["county_chief"] == 6  # JSON object
    assert validate_parameters({"max_age": "county_deputy=45; bureau_deputy=50"}) == {}
    errors = validate_parameters({"min_work_years": "county=5", "min_education": "county_deputy=phd",
                                  "max_age": "county_deputy=x", "sanction_effect_months": "party_warning=12,oops",
                                  "min_posts_below": "county_deputy=-1", "appraisal_years": 0})
    assert set(errors) == {"min_work_years", "min_education", "max_age", "sanction_effect_months",
                           "min_posts_below", "appraisal_years"}
    assert "county" in errors["min_work_years"] and "phd" in errors["min_education"]
