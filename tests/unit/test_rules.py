import json
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import WorkingCalendar, covered_years
from workflows.rules import (
    assess_candidates,
    committee_decision,
    competition_ranks,
    composite_scores,
    decimal_str,
    investigation_result,
    probation_outcome,
    publicity_window,
    report_needs_investigation,
    tally_recommendation,
    turnout,
)

NOMINEES = ["张三", "李四", "王五", "赵六", "Alice", "Bob"]


def _meeting(votes, present=30, expected=32, valid_ballots=28):
    return {"expected": expected, "present": present, "ballots_issued": present, "ballots_returned": present,
            "valid_ballots": valid_ballots, "votes": votes}


def _row(result, name):
    return next(r for r in result["nominees"] if r["name"] == name)


def _json_roundtrip(result):
    assert json.loads(json.dumps(result)) == result
    return result


# ---------------------------------------------------------------- turnout

def test_turnout_exactly_two_thirds_is_valid():
    result = _json_roundtrip(turnout(30, 20, {}))
    assert result["valid"] is True
    assert result["required"] == "2/3"
    assert result["reason"] is None and result["reason_zh"] is None


def test_turnout_one_fewer_present_is_invalid_with_reason():
    result = turnout(30, 19, {})
    assert result["valid"] is False
    assert "2/3" in result["reason"] and "19" in result["reason"]
    assert "重新" in result["reason_zh"]


def test_turnout_rounds_against_the_meeting():
    # 2/3 of 31 is 20.67: 21 present is needed.
    assert turnout(31, 21, {})["valid"] is True
    assert turnout(31, 20, {})["valid"] is False


def test_turnout_parameter_override():
    params = {"recommendation_turnout": "3/4"}
    assert turnout(40, 30, params)["valid"] is True
    assert turnout(40, 29, params)["valid"] is False
    assert turnout(40, 29, params)["required"] == "3/4"


def test_turnout_refuses_nonsense_counts():
    with pytest.raises(ValueError):
        turnout(0, 0, {})
    with pytest.raises(ValueError):
        turnout(30, -1, {})


@given(expected=st.integers(1, 500), data=st.data())
def test_turnout_property(expected, data):
    present = data.draw(st.integers(0, expected))
    assert turnout(expected, present, {})["valid"] == (3 * present >= 2 * expected)


# ---------------------------------------------------------------- ranking

def test_competition_ranks_1224():
    assert competition_ranks({"a": 10, "b": 8, "c": 8, "d": 5}) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert competition_ranks({"张三": Fraction(1, 3), "李四": Fraction(2, 6)}) == {"张三": 1, "李四": 1}
    assert competition_ranks({}) == {}
    with pytest.raises(ValueError):
        competition_ranks({"a": 0.5})


# ---------------------------------------------------------------- tally

@pytest.mark.parametrize(
    ("basis", "half"),
    [("present", 15), ("valid_ballots", 14), ("expected", 16)],
)
def test_exactly_half_is_not_excluded_one_fewer_is(basis, half):
    params = {"exclusion_denominator": basis}
    votes = {"张三": half, "李四": half - 1, "王五": half + 1}
    result = _json_roundtrip(tally_recommendation(["张三", "李四", "王五"], _meeting(votes), 1, params))
    denominator = {"present": 30, "valid_ballots": 28, "expected": 32}[basis]
    assert result["denominator"] == {"basis": basis, "value": denominator}
    assert result["exclusion_share"] == "1/2"
    assert _row(result, "张三")["excluded"] is False
    assert _row(result, "张三")["share"] == f"{half}/{denominator}"
    assert _row(result, "李四")["excluded"] is True
    assert _row(result, "王五")["excluded"] is False
    assert result["remaining"] == 2


def test_odd_denominator_half():
    # present 31: 15.5 is half; 16 is not excluded, 15 is.
    result = tally_recommendation(["Alice", "Bob"], _meeting({"Alice": 16, "Bob": 15}, present=31), 1, {})
    assert _row(result, "Alice")["excluded"] is False
    assert _row(result, "Bob")["excluded"] is True
    assert _row(result, "Bob")["percent"] == "48.4"


def test_exclusion_share_override():
    params = {"exclusion_share": "3/5"}
    result = tally_recommendation(["张三", "李四"], _meeting({"张三": 18, "李四": 17}), 1, params)
    assert result["exclusion_share"] == "3/5"
    assert _row(result, "张三")["excluded"] is False
    assert _row(result, "李四")["excluded"] is True


def test_tally_rows_in_rank_order_with_shares_and_percent():
    votes = {"张三": 20, "李四": 25, "王五": 15, "赵六": 10, "Alice": 15}
    result = tally_recommendation(NOMINEES, _meeting(votes), 1, {})
    assert [r["name"] for r in result["nominees"]] == ["李四", "张三", "王五", "Alice", "赵六", "Bob"]
    assert [r["rank"] for r in result["nominees"]] == [1, 2, 3, 3, 5, 6]
    assert _row(result, "李四")["share"] == "25/30"
    assert _row(result, "李四")["percent"] == "83.3"
    assert _row(result, "王五")["percent"] == "50.0"
    assert _row(result, "Bob") == {"name": "Bob", "votes": 0, "share": "0/30", "percent": "0.0",
                                   "excluded": True, "rank": 6, "within_ratio": False, "eligible": False,
                                   "withdrawn": False}
    assert result["cutoff"] == 3
    # 王五 and Alice tie at rank 3, the cutoff: both stay eligible.
    assert result["eligible"] == ["李四", "张三", "王五", "Alice"]
    assert result["ties_at_cutoff"] == ["王五", "Alice"]
    assert result["remaining"] == 4
    assert result["outcome"] is None


def test_ties_at_the_cutoff_all_stay_eligible():
    # Two posts -> cutoff 6; four nominees tied at rank 5 cross it.
    names = [f"候选人{i}" for i in range(1, 9)]
    votes = dict(zip(names, [30, 29, 28, 27, 20, 20, 20, 20], strict=True))
    result = tally_recommendation(names, _meeting(votes), 2, {})
    assert result["cutoff"] == 6
    assert result["ties_at_cutoff"] == names[4:]
    assert result["eligible"] == names
    assert all(r["within_ratio"] for r in result["nominees"])


def test_no_tie_reported_when_the_tie_ends_at_the_cutoff():
    votes = {"张三": 20, "李四": 18, "王五": 18, "赵六": 16}
    result = tally_recommendation(["张三", "李四", "王五", "赵六"], _meeting(votes), 1, {})
    assert result["ties_at_cutoff"] == []
    assert result["eligible"] == ["张三", "李四", "王五"]
    assert _row(result, "赵六")["within_ratio"] is False
    assert _row(result, "赵六")["excluded"] is False


def test_recommendation_ratio_override():
    votes = {"张三": 20, "李四": 18, "王五": 17}
    result = tally_recommendation(["张三", "李四", "王五"], _meeting(votes), 1, {"recommendation_ratio": 2})
    assert result["cutoff"] == 2
    assert result["eligible"] == ["张三", "李四"]


def test_withdrawn_nominee_leaves_the_ranking():
    votes = {"张三": 25, "李四": 20, "王五": 18, "赵六": 17}
    result = tally_recommendation(["张三", "李四", "王五", "赵六"], _meeting(votes), 1, {}, withdrawn=["张三"])
    assert _row(result, "张三")["withdrawn"] is True
    assert _row(result, "张三")["rank"] is None
    assert _row(result, "张三")["eligible"] is False
    assert result["nominees"][-1]["name"] == "张三"
    assert result["eligible"] == ["李四", "王五", "赵六"]
    assert result["remaining"] == 3


def test_nobody_left_is_recommendation_failed():
    result = tally_recommendation(["张三", "李四"], _meeting({"张三": 14, "李四": 3}), 1, {})
    assert result["remaining"] == 0
    assert result["eligible"] == []
    assert result["outcome"] == "recommendation_failed"


def test_only_remaining_nominee_withdraws_is_recommendation_failed():
    result = tally_recommendation(["张三", "李四"], _meeting({"张三": 20, "李四": 3}), 1, {}, withdrawn={"张三"})
    assert result["outcome"] == "recommendation_failed"


def test_zero_denominator_excludes_everyone():
    meeting = _meeting({}, valid_ballots=0)
    result = tally_recommendation(["张三"], meeting, 1, {"exclusion_denominator": "valid_ballots"})
    assert _row(result, "张三")["excluded"] is True
    assert _row(result, "张三")["percent"] is None
    assert result["outcome"] == "recommendation_failed"


def test_tally_refuses_votes_for_strangers_and_bad_basis():
    with pytest.raises(ValueError, match="not nominees"):
        tally_recommendation(["张三"], _meeting({"张三": 20, "路人": 3}), 1, {})
    with pytest.raises(ValueError, match="exclusion_denominator"):
        tally_recommendation(["张三"], _meeting({"张三": 20}), 1, {"exclusion_denominator": "ballots"})


@given(
    present=st.integers(1, 200),
    raw=st.lists(st.integers(0, 200), min_size=1, max_size=8),
    post_count=st.integers(1, 3),
)
def test_tally_properties(present, raw, post_count):
    names = [f"n{i}" for i in range(len(raw))]
    votes = {n: min(v, present) for n, v in zip(names, raw, strict=True)}
    result = tally_recommendation(names, _meeting(votes, present=present, expected=present), post_count, {})
    rows = {r["name"]: r for r in result["nominees"]}
    for a in names:
        assert rows[a]["excluded"] == (2 * votes[a] < present)
        assert rows[a]["rank"] == 1 + sum(1 for b in names if votes[b] > votes[a])
        assert rows[a]["eligible"] == (not rows[a]["excluded"] and rows[a]["rank"] <= 3 * post_count)
    assert result["remaining"] == sum(1 for a in names if 2 * votes[a] >= present)
    assert [r["rank"] for r in result["nominees"]] == sorted(r["rank"] for r in result["nominees"])
    assert (result["outcome"] == "recommendation_failed") == (result["remaining"] == 0)


# ---------------------------------------------------------------- assessment

def _inspection(name, **changes):
    record = {"candidate": name, "team": ["inspector1", "inspector2"], "leader": "inspector1",
              "archive_review": "pass", "personal_matters": "pass", "petition_check": "none",
              "evaluation": {"excellent": 15, "competent": 10, "basically_competent": 3, "incompetent": 2},
              "findings": "德能勤绩廉", "conclusion": "recommend"}
    record.update(changes)
    return record


def _opinion(name, opinion="clear"):
    return {"candidate": name, "opinion": opinion, "comment": ""}


def _assess(inspection, opinion="clear", params=None):
    name = inspection["candidate"]
    return assess_candidates([name], [inspection], [_opinion(name, opinion)], params or {})


def test_clean_candidate_qualifies():
    result = _json_roundtrip(_assess(_inspection("张三")))
    row = result["candidates"][0]
    assert row["qualified"] is True and row["disqualified"] is False
    assert row["reasons"] == []
    assert row["approval"] == "25/30" and row["incompetent"] == "2/30" and row["total"] == 30
    assert result["qualified"] == ["张三"]
    assert result["flagged"] == []
    assert result["outcome"] is None


@pytest.mark.parametrize(
    ("changes", "opinion", "reason"),
    [
        ({"archive_review": "fail"}, "clear", "archive_review_failed"),
        ({"personal_matters": "fail"}, "clear", "personal_matters_failed"),
        ({"petition_check": "substantiated"}, "clear", "petition_substantiated"),
        ({}, "disqualifying", "integrity_disqualifying"),
        ({"conclusion": "not_recommend"}, "clear", "not_recommended"),
        ({"evaluation": {"excellent": 10, "competent": 5, "basically_competent": 4, "incompetent": 11}},
         "clear", "incompetent_over_ceiling"),
    ],
)
def test_each_disqualification_reason(changes, opinion, reason):
    result = _assess(_inspection("李四", **changes), opinion)
    row = result["candidates"][0]
    assert row["disqualified"] is True
    assert row["reasons"] == [reason]
    assert result["qualified"] == []
    assert result["outcome"] == "no_qualified_candidate"


def test_unfounded_petition_and_concerns_do_not_disqualify():
    result = _assess(_inspection("王五", petition_check="unfounded"), "concerns")
    assert result["qualified"] == ["王五"]
    assert result["candidates"][0]["opinion"] == "concerns"


def test_incompetent_exactly_one_third_is_not_disqualified_just_above_is():
    exact = {"excellent": 15, "competent": 5, "basically_competent": 0, "incompetent": 10}
    above = {"excellent": 15, "competent": 5, "basically_competent": 0, "incompetent": 11}
    assert _assess(_inspection("张三", evaluation=exact))["qualified"] == ["张三"]
    row = _assess(_inspection("张三", evaluation=above))["candidates"][0]
    assert row["reasons"] == ["incompetent_over_ceiling"]
    assert row["incompetent"] == "11/31"


def test_approval_exactly_two_thirds_is_not_flagged_just_below_is():
    exact = {"excellent": 12, "competent": 8, "basically_competent": 10, "incompetent": 0}
    below = {"excellent": 12, "competent": 7, "basically_competent": 11, "incompetent": 0}
    result = _assess(_inspection("Alice", evaluation=exact))
    assert result["candidates"][0]["low_approval"] is False
    assert result["flagged"] == []
    result = _assess(_inspection("Alice", evaluation=below))
    assert result["candidates"][0]["low_approval"] is True
    # flagged, but still qualified: it may be proposed with a justification
    assert result["qualified"] == ["Alice"]
    assert result["flagged"] == ["Alice"]
    assert result["outcome"] is None


def test_threshold_overrides_for_assessment():
    evaluation = {"excellent": 15, "competent": 5, "basically_competent": 2, "incompetent": 8}  # total 30
    params = {"incompetent_ceiling": "1/4", "approval_floor": "3/4"}
    row = _assess(_inspection("Bob", evaluation=evaluation), params=params)["candidates"][0]
    assert row["reasons"] == ["incompetent_over_ceiling"]
    assert row["low_approval"] is True
    ok = {"excellent": 15, "competent": 5, "basically_competent": 0, "incompetent": 0}  # 20/20
    assert _assess(_inspection("Bob", evaluation=ok), params=params)["qualified"] == ["Bob"]


def test_empty_evaluation_triggers_neither_rule():
    empty = {"excellent": 0, "competent": 0, "basically_competent": 0, "incompetent": 0}
    row = _assess(_inspection("赵六", evaluation=empty))["candidates"][0]
    assert row["qualified"] is True and row["low_approval"] is False
    assert row["total"] == 0 and row["approval"] == "0/0"


def test_several_reasons_and_missing_records():
    result = assess_candidates(
        ["张三", "李四", "王五"],
        [_inspection("张三", archive_review="fail", conclusion="not_recommend"), _inspection("王五")],
        [_opinion("张三", "disqualifying"), _opinion("李四")],
        {},
    )
    rows = {r["name"]: r for r in result["candidates"]}
    assert rows["张三"]["reasons"] == ["archive_review_failed", "integrity_disqualifying", "not_recommended"]
    assert rows["李四"]["reasons"] == ["missing_inspection"]
    assert rows["王五"]["reasons"] == ["missing_opinion"]
    assert result["outcome"] == "no_qualified_candidate"


def test_withdrawn_candidate_is_left_out():
    result = assess_candidates(["张三", "李四"], [_inspection("张三"), _inspection("李四")],
                               [_opinion("张三"), _opinion("李四")], {}, withdrawn=["张三"])
    rows = {r["name"]: r for r in result["candidates"]}
    assert rows["张三"]["withdrawn"] is True and rows["张三"]["reasons"] == ["withdrawn"]
    assert rows["张三"]["qualified"] is False
    assert result["qualified"] == ["李四"]
    only = assess_candidates(["张三"], [_inspection("张三")], [_opinion("张三")], {}, withdrawn=["张三"])
    assert only["outcome"] == "no_qualified_candidate"


def test_assessment_refuses_unknown_values():
    with pytest.raises(ValueError, match="archive_review"):
        _assess(_inspection("张三", archive_review="Fail"))
    with pytest.raises(ValueError, match="opinion"):
        _assess(_inspection("张三"), opinion="fine")


# ---------------------------------------------------------------- committee decision

def _committee(results, due=10, present=8):
    return {"meeting_date": "2026-09-28", "members_due": due, "members_present": present, "recused": [],
            "principal_spoke_last": True, "results": results}


def test_quorum_exactly_two_thirds():
    result = _json_roundtrip(committee_decision(_committee({"张三": {"agree": 5, "disagree": 1, "defer": 0}},
                                                           due=9, present=6), ["张三"], {}))
    assert result["quorum"] is True
    assert result["quorum_required"] == "2/3"
    assert result["approved"] == ["张三"]
    assert result["repeat"] is False and result["outcome"] is None


def test_quorum_one_fewer_decides_nothing():
    result = committee_decision(_committee({"张三": {"agree": 5, "disagree": 0, "defer": 0}}, due=9, present=5),
                                ["张三"], {})
    assert result["quorum"] is False
    assert result["results"] == [] and result["approved"] == [] and result["rejected"] == []
    assert result["repeat"] is True
    assert result["reason_code"] == "no_quorum"
    assert "2/3" in result["reason"] and "不得作出决定" in result["reason_zh"]
    assert result["outcome"] is None


def test_approval_counts_members_due_not_present():
    # 8 of 10 present: 5 agree is a majority of those present but exactly half of those due.
    half = committee_decision(_committee({"张三": {"agree": 5, "disagree": 3, "defer": 0}}), ["张三"], {})
    assert half["results"][0]["approved"] is False
    assert half["rejected"] == ["张三"]
    assert half["outcome"] == "not_approved"
    plus_one = committee_decision(_committee({"张三": {"agree": 6, "disagree": 2, "defer": 0}}), ["张三"], {})
    assert plus_one["approved"] == ["张三"]
    assert plus_one["outcome"] is None


def test_defer_strictly_largest_postpones():
    meeting = _committee({
        "张三": {"agree": 2, "disagree": 1, "defer": 5},  # defer largest -> deferred
        "李四": {"agree": 1, "disagree": 3, "defer": 3},  # defer ties disagree -> rejected
        "王五": {"agree": 3, "disagree": 0, "defer": 3},  # defer ties agree -> rejected
    })
    result = committee_decision(meeting, ["张三", "李四", "王五"], {})
    assert result["deferred"] == ["张三"]
    assert result["rejected"] == ["李四", "王五"]
    assert result["repeat"] is True
    assert result["reason_code"] == "deferred"
    assert result["outcome"] is None  # a deferral is not a final "not approved"


def test_approved_and_deferred_together():
    meeting = _committee({"张三": {"agree": 6, "disagree": 0, "defer": 2},
                          "李四": {"agree": 1, "disagree": 1, "defer": 6}}, present=8)
    result = committee_decision(meeting, ["张三", "李四"], {})
    assert result["approved"] == ["张三"] and result["deferred"] == ["李四"]
    assert result["repeat"] is True


def test_committee_threshold_overrides():
    params = {"decision_quorum": "3/4", "approval_majority": "2/3"}
    result = committee_decision(_committee({"张三": {"agree": 7, "disagree": 0, "defer": 0}}, due=12, present=9),
                                ["张三"], params)
    assert result["quorum"] is True
    assert result["approved"] == []  # 7/12 is not above 2/3
    result = committee_decision(_committee({"张三": {"agree": 9, "disagree": 0, "defer": 0}}, due=12, present=9),
                                ["张三"], params)
    assert result["approved"] == ["张三"]
    assert committee_decision(_committee({}, due=12, present=8), [], params)["quorum"] is False


def test_committee_requires_results_for_exactly_the_proposed():
    with pytest.raises(ValueError, match="missing"):
        committee_decision(_committee({}), ["张三"], {})
    with pytest.raises(ValueError, match="not proposed"):
        committee_decision(_committee({"李四": {"agree": 8, "disagree": 0, "defer": 0}}), [], {})


@given(due=st.integers(1, 30), data=st.data())
def test_committee_properties(due, data):
    present = data.draw(st.integers(0, due))
    agree = data.draw(st.integers(0, present))
    disagree = data.draw(st.integers(0, present - agree))
    defer = data.draw(st.integers(0, present - agree - disagree))
    meeting = _committee({"Alice": {"agree": agree, "disagree": disagree, "defer": defer}}, due, present)
    result = committee_decision(meeting, ["Alice"], {})
    assert result["quorum"] == (3 * present >= 2 * due)
    if not result["quorum"]:
        assert result["repeat"] and result["approved"] == []
        return
    row = result["results"][0]
    assert row["approved"] == (2 * agree > due)
    assert row["deferred"] == (2 * agree <= due and defer > agree and defer > disagree)
    assert len(result["approved"]) + len(result["deferred"]) + len(result["rejected"]) == 1
    assert (result["outcome"] == "not_approved") == (result["rejected"] == ["Alice"])


# ---------------------------------------------------------------- publicity

def test_publicity_spanning_national_day_2026():
    result = _json_roundtrip(publicity_window(date(2026, 9, 28), {}, WorkingCalendar()))
    assert result["working_days"] == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09"]
    assert result["start"] == "2026-09-28"
    assert result["end"] == "2026-10-09"
    assert result["fires_at"] == "2026-10-09T16:00:00Z"  # 2026-10-10 00:00 Beijing
    assert result["calendar_unverified"] is False


def test_publicity_counts_the_adjusted_working_saturday():
    result = publicity_window(date(2026, 9, 29), {}, WorkingCalendar())
    assert result["working_days"] == ["2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
    assert result["end"] == "2026-10-10"  # a Saturday, 调休 working day
    assert result["fires_at"] == "2026-10-10T16:00:00Z"


def test_publicity_decided_on_a_holiday_starts_on_the_next_working_day():
    result = publicity_window(date(2026, 10, 1), {}, WorkingCalendar())
    assert result["start"] == "2026-10-08"
    assert result["working_days"] == ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13"]
    assert result["fires_at"] == "2026-10-13T16:00:00Z"
    sunday = publicity_window("2026-03-01", {}, WorkingCalendar())
    assert sunday["start"] == "2026-03-02" and sunday["end"] == "2026-03-06"


@pytest.mark.parametrize(("recorded_on", "start", "end"), [
    (None, "2026-09-30", "2026-10-12"),                  # no recording date given: the meeting date
    (date(2026, 9, 28), "2026-09-30", "2026-10-12"),     # recorded before the meeting date: the meeting
    (date(2026, 9, 30), "2026-09-30", "2026-10-12"),     # recorded on the meeting day
    (date(2026, 10, 8), "2026-10-08", "2026-10-13"),     # the first working day after National Day
    ("2026-11-02", "2026-11-02", "2026-11-06"),          # weeks later (the example of issue 13)
    (date(2026, 10, 3), "2026-10-08", "2026-10-13"),     # recorded on a holiday: the next working day
])
def test_publicity_day_one_is_the_later_of_meeting_and_recording(recorded_on, start, end):
    result = publicity_window(date(2026, 9, 30), {}, WorkingCalendar(), recorded_on)
    assert (result["start"], result["end"], len(result["working_days"])) == (start, end, 5)
    assert result["decision_date"] == "2026-09-30"
    later = recorded_on is not None and date.fromisoformat(str(recorded_on)) > date(2026, 9, 30)
    # the recording day is stated only where it moved the period, so older results keep their shape
    assert result.get("recorded_on") == (str(recorded_on) if later else None)


def test_publicity_recorded_on_must_be_a_date():
    with pytest.raises(ValueError, match="recorded_on"):
        publicity_window(date(2026, 9, 30), {}, WorkingCalendar(), "next week")


def test_publicity_length_override():
    result = publicity_window(date(2026, 3, 2), {"publicity_working_days": 7}, WorkingCalendar())
    assert result["end"] == "2026-03-10"
    assert len(result["working_days"]) == 7


def test_publicity_admin_override_in_a_covered_year():
    cal = WorkingCalendar({date(2026, 3, 4): False})
    result = publicity_window(date(2026, 3, 2), {}, cal)
    assert result["working_days"] == ["2026-03-02", "2026-03-03", "2026-03-05", "2026-03-06", "2026-03-09"]
    assert result["calendar_unverified"] is False


@pytest.mark.skipif(2027 in covered_years(), reason="the installed chinesecalendar now covers 2027")
def test_publicity_into_an_uncovered_year_warns_and_counts_weekdays():
    result = publicity_window(date(2026, 12, 28), {}, WorkingCalendar())
    # 2027-01-01 (New Year's Day, a Friday) counts as a plain weekday: the package has no 2027 data.
    assert result["working_days"] == ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01"]
    assert result["calendar_unverified"] is True
    assert result["unverified_days"] == ["2027-01-01"]
    assert result["fires_at"] == "2027-01-01T16:00:00Z"


@pytest.mark.skipif(2027 in covered_years(), reason="the installed chinesecalendar now covers 2027")
def test_publicity_admin_holiday_in_an_uncovered_year_is_honoured():
    cal = WorkingCalendar.from_records([{"day": "2027-01-01", "working": False}])
    result = publicity_window(date(2026, 12, 28), {}, cal)
    assert result["working_days"] == ["2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-04"]
    assert result["end"] == "2027-01-04"
    assert result["fires_at"] == "2027-01-04T16:00:00Z"
    assert result["calendar_unverified"] is True  # the weekend and 01-04 still come from the fallback


def test_publicity_in_the_first_uncovered_year_whatever_it_is():
    year = covered_years().stop
    start = date(year, 3, 1)
    result = publicity_window(start, {}, WorkingCalendar())
    expected, day = [], start
    while len(expected) < 5:
        if day.weekday() < 5:
            expected.append(day.isoformat())
        day += timedelta(days=1)
    assert result["working_days"] == expected
    assert result["calendar_unverified"] is True


def test_publicity_refuses_a_calendar_without_working_days():
    cal = WorkingCalendar({date(2026, 3, 2) + timedelta(days=i): False for i in range(500)})
    with pytest.raises(ValueError, match="no 5 working days"):
        publicity_window(date(2026, 3, 2), {}, cal)


@settings(max_examples=50)
@given(start=st.dates(date(2024, 1, 1), date(2027, 12, 31)), length=st.integers(1, 10))
def test_publicity_properties(start, length):
    cal = WorkingCalendar()
    result = publicity_window(start, {"publicity_working_days": length}, cal)
    days = [date.fromisoformat(d) for d in result["working_days"]]
    assert len(days) == length
    assert days[0] >= start
    day = start
    while day <= days[-1]:  # every working day from the start is counted, no other day is
        assert cal.is_working_day(day)[0] == (day in days)
        day += timedelta(days=1)
    assert result["fires_at"] == f"{days[-1].isoformat()}T16:00:00Z"


# ---------------------------------------------------------------- reports, investigation, probation

@pytest.mark.parametrize(
    ("named", "specific", "investigate"),
    [(False, False, False), (True, False, True), (False, True, True), (True, True, True)],
)
def test_report_needs_investigation(named, specific, investigate):
    report = {"channel": "信函", "named": named, "specific": specific, "summary": "反映问题"}
    assert report_needs_investigation(report) is investigate


def test_report_with_missing_flags_is_investigated():
    assert report_needs_investigation({"channel": "电话", "summary": "?"}) is True


def test_investigation_results():
    assert investigation_result("unfounded") == {"finding": "unfounded", "proceed": True, "reminder": False,
                                                 "deferred": False, "outcome": None}
    assert investigation_result("minor")["reminder"] is True
    assert investigation_result("minor")["proceed"] is True
    serious = investigation_result("serious")
    assert serious["proceed"] is False and serious["outcome"] == "withdrawn_after_publicity"
    unverifiable = investigation_result("unverifiable")
    assert unverifiable["proceed"] is False and unverifiable["deferred"] is True
    assert unverifiable["outcome"] is None
    with pytest.raises(ValueError):
        investigation_result("dunno")


def test_probation_outcome():
    assert probation_outcome("competent") == "appointed"
    assert probation_outcome("not_competent") == "probation_failed"
    with pytest.raises(ValueError):
        probation_outcome("ok")


# ---------------------------------------------------------------- competitive selection

def test_composite_scores_exact_fractions():
    result = _json_roundtrip(composite_scores(
        ["张三", "李四", "王五"],
        {"张三": 85, "李四": "87.5", "王五": 80.25},
        {"张三": 87, "李四": 81.5, "王五": "85"},
        {},
    ))
    rows = {r["name"]: r for r in result["scores"]}
    assert rows["张三"]["composite"] == "86.2" and rows["张三"]["composite_fraction"] == "431/5"
    assert rows["李四"]["composite"] == "83.9" and rows["李四"]["composite_fraction"] == "839/10"
    assert rows["王五"]["composite"] == "83.1"
    assert rows["李四"]["exam"] == "87.5" and rows["王五"]["exam"] == "80.25"
    assert result["ranking"] == ["张三", "李四", "王五"]
    assert result["shortlist"] == ["张三", "李四"]


def test_composite_no_float_drift_and_ties():
    # 0.4*60 + 0.6*66 = 63.6 = 0.4*66 + 0.6*62 exactly; in floats the two differ.
    assert 0.4 * 60 + 0.6 * 66 != 0.4 * 66 + 0.6 * 62
    exam, interview = {"Alice": 60, "Bob": 66, "Carol": 70}, {"Alice": 66, "Bob": "62", "Carol": 50}
    result = composite_scores(["Carol", "Alice", "Bob"], exam, interview, {}, post_count=1)
    rows = {r["name"]: r for r in result["scores"]}
    assert rows["Alice"]["composite"] == rows["Bob"]["composite"] == "63.6"
    assert rows["Alice"]["composite_fraction"] == "318/5"
    assert rows["Alice"]["rank"] == rows["Bob"]["rank"] == 1
    assert rows["Carol"]["rank"] == 3  # 58
    assert result["ranking"] == ["Alice", "Bob", "Carol"]
    assert result["shortlist"] == ["Alice", "Bob"]
    # inspection_ratio 1: one post, but the tie keeps both on the shortlist
    tied = composite_scores(["Carol", "Alice", "Bob"], exam, interview, {"inspection_ratio": 1})
    assert tied["cutoff"] == 1
    assert tied["shortlist"] == ["Alice", "Bob"]
    assert tied["ties_at_cutoff"] == ["Alice", "Bob"]


def test_composite_weight_override_post_count_and_fractional_ratio():
    result = composite_scores(["a", "b", "c", "d", "e"], {"a": 90, "b": 70, "c": 60, "d": 50, "e": 30},
                              {"a": 60, "b": 70, "c": 90, "d": 100, "e": 30},
                              {"exam_weight": "1/3", "interview_weight": "2/3", "inspection_ratio": "3/2"},
                              post_count=2)
    assert result["exam_weight"] == "1/3"
    assert [r["name"] for r in result["scores"]] == ["d", "c", "a", "b", "e"]
    assert [r["composite_fraction"] for r in result["scores"]] == ["250/3", "80", "70", "70", "30"]
    assert [r["rank"] for r in result["scores"]] == [1, 2, 3, 3, 5]
    assert result["scores"][0]["composite"] == "83.3333"  # display; the fraction is the exact value
    assert result["cutoff"] == 3
    assert result["shortlist"] == ["d", "c", "a", "b"]
    assert result["ties_at_cutoff"] == ["a", "b"]


def test_composite_refuses_missing_and_bad_scores():
    with pytest.raises(ValueError, match="no interview score"):
        composite_scores(["张三"], {"张三": 80}, {}, {})
    with pytest.raises(ValueError, match="exam score"):
        composite_scores(["张三"], {"张三": "eighty"}, {"张三": 80}, {})


def test_decimal_str():
    assert decimal_str(Fraction(863, 10)) == "86.3"
    assert decimal_str(Fraction(84)) == "84"
    assert decimal_str(Fraction(2, 3)) == "0.6667"
    assert decimal_str(Fraction(-1, 8)) == "-0.125"


@given(st.decimals(0, 100, places=2), st.decimals(0, 100, places=2))
def test_composite_property(exam, interview):
    result = composite_scores(["x"], {"x": str(exam)}, {"x": str(interview)}, {})
    expected = Fraction(2, 5) * Fraction(exam) + Fraction(3, 5) * Fraction(interview)
    assert Fraction(result["scores"][0]["composite_fraction"]) == expected
    assert Fraction(result["scores"][0]["composite"]) == expected  # weights of tenths: always exact


def test_committee_refuses_more_votes_than_members_present():
    with pytest.raises(ValueError, match="more than the 8 members present"):
        committee_decision(_committee({"张三": {"agree": 6, "disagree": 2, "defer": 1}}), ["张三"], {})


def test_tally_needs_a_post():
    with pytest.raises(ValueError, match="post_count"):
        tally_recommendation(["张三"], _meeting({"张三": 20}), 0, {})
