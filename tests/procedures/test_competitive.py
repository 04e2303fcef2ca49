"""竞争上岗: registration to appointment, with the standard procedure's parts as called processes."""

from __future__ import annotations

from engine.replay import replay
from workflows.demo import CLERK, HEAD, Driver, nominee

APPLICANTS = ["赵一", "钱二", "孙三", "李四"]


def run_competitive_to_publicity(ctx) -> Driver:
    d = Driver(ctx, "competitive_selection")
    d.do("registration", CLERK, {"applicants": [nominee(n) for n in APPLICANTS]})
    d.do("eligibility_review", HEAD, {"eligible": APPLICANTS[:3], "rejected": [{"name": "李四", "reason": "任职年限不足"}]})
    d.qualify()
    d.do("exam_scores", CLERK, {"scores": {"赵一": "90", "钱二": "80", "孙三": "85.5"}})
    d.do("interview_scores", CLERK, {"scores": {"赵一": "80", "钱二": "95", "孙三": "70"}})
    counts = {"excellent": 20, "competent": 5, "basically_competent": 2, "incompetent": 1}
    d.do("competitive_evaluation", CLERK, {"evaluations": {n: counts for n in APPLICANTS[:3]}})
    ranking = d.case["data"]["ranking"]
    # 钱二: 0.4*80 + 0.6*95 = 89; 赵一: 0.4*90 + 0.6*80 = 84; 孙三: 0.4*85.5 + 0.6*70 = 76.2
    assert [(s["name"], s["composite"]) for s in ranking["scores"]] == [("钱二", "89"), ("赵一", "84"), ("孙三", "76.2")]
    assert ranking["shortlist"] == ["钱二", "赵一"]
    d.confirm(["钱二", "赵一"])
    for name in ("钱二", "赵一"):
        d.inspect(name)
        d.opinion(name)
    d.deliberate(["钱二"])
    d.committee({"钱二": {"agree": 7, "disagree": 2, "defer": 0}})
    return d


def test_competitive_selection_reaches_appointment_through_the_called_parts(ctx):
    d = run_competitive_to_publicity(ctx)
    assert d.ready() == [] and d.case["next_due_at"]
    d.wait_for_timer()
    d.appoint()
    assert (d.case["status"], d.case["outcome"]) == ("completed", "appointed")
    assert replay(ctx, d.id).ok


def competitive_to_inspection(ctx) -> Driver:
    d = Driver(ctx, "competitive_selection")
    d.do("registration", CLERK, {"applicants": [nominee(n) for n in APPLICANTS[:3]]})
    d.do("eligibility_review", HEAD, {"eligible": APPLICANTS[:3], "rejected": []})
    d.qualify()
    d.do("exam_scores", CLERK, {"scores": {"赵一": "90", "钱二": "80", "孙三": "85.5"}})
    d.do("interview_scores", CLERK, {"scores": {"赵一": "80", "钱二": "95", "孙三": "70"}})
    counts = {"excellent": 20, "competent": 5, "basically_competent": 2, "incompetent": 1}
    d.do("competitive_evaluation", CLERK, {"evaluations": {n: counts for n in APPLICANTS[:3]}})
    d.confirm(["钱二", "赵一"])
    return d


def test_competitive_no_qualified_candidate(ctx):
    d = competitive_to_inspection(ctx)
    for name in ("钱二", "赵一"):
        d.inspect(name, conclusion="not_recommend")
        d.opinion(name)
    assert (d.case["status"], d.case["outcome"]) == ("completed", "no_qualified_candidate")
    assert replay(ctx, d.id).ok


def test_competitive_not_approved_then_withdrawn_and_probation_failed(ctx):
    d = competitive_to_inspection(ctx)
    for name in ("钱二", "赵一"):
        d.inspect(name)
        d.opinion(name)
    d.deliberate(["钱二"])
    d.committee({"钱二": {"agree": 3, "disagree": 6, "defer": 0}})
    assert d.case["outcome"] == "not_approved"

    serious = run_competitive_to_publicity(ctx)
    serious.report()
    serious.investigate("serious")
    assert serious.case["outcome"] == "withdrawn_after_publicity"

    probation = run_competitive_to_publicity(ctx)
    probation.wait_for_timer()
    probation.appoint(probation=True)
    probation.wait_for_timer()
    probation.probation_review("not_competent")
    assert probation.case["outcome"] == "probation_failed"
    assert all(replay(ctx, x.id).ok for x in (d, serious, probation))


def test_scores_rank_but_the_org_head_decides(ctx):
    d = competitive_to_inspection(ctx)  # 孙三 ranks third, outside the 1:2 shortlist
    assert [e for e in d.case["data"]["ranking"]["ranking"]] == ["钱二", "赵一", "孙三"]
    assert d.ready() == ["inspection", "inspection", "integrity_opinion", "integrity_opinion"]
