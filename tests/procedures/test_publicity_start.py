"""Step 12: day 1 of the publicity is the later of the meeting date and the day the decision is
recorded (Beijing date), through the real BPMN on SQLite and PostgreSQL (issue 13, defect 1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.replay import replay
from workflows.demo import Driver

APPOINTEE = {"张三": {"agree": 8, "disagree": 1, "defer": 0}}


def decided(ctx, meeting_date: str, recorded_at: datetime) -> Driver:
    """A case whose committee met on `meeting_date` and whose decision was recorded at `recorded_at`."""
    ctx.clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    ctx.clock.set(recorded_at)
    d.committee(APPOINTEE, meeting_date=meeting_date)
    return d


@pytest.mark.parametrize(("meeting", "recorded_at", "days", "recorded_on"), [
    # recorded on the meeting day (late evening in Beijing, still the same day): the period is as it was
    ("2026-06-01", datetime(2026, 6, 1, 15, 59, tzinfo=UTC),
     ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05"], None),
    # recorded half an hour after midnight in Beijing: the next (working) day, though still 06-01 in UTC
    ("2026-06-01", datetime(2026, 6, 1, 16, 30, tzinfo=UTC),
     ["2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-08"], "2026-06-02"),
    # recorded one working day later
    ("2026-06-05", datetime(2026, 6, 8, 2, 0, tzinfo=UTC),
     ["2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12"], "2026-06-08"),
    # recorded on a Saturday: day 1 is the next working day
    ("2026-06-05", datetime(2026, 6, 6, 2, 0, tzinfo=UTC),
     ["2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12"], "2026-06-06"),
])
def test_day_one_is_the_later_of_the_meeting_and_the_recording(ctx, meeting, recorded_at, days, recorded_on):
    d = decided(ctx, meeting, recorded_at)
    publicity = d.case["data"]["publicity"]
    assert publicity["working_days"] == days and publicity["start"] == days[0]
    assert publicity["decision_date"] == meeting and publicity.get("recorded_on") == recorded_on
    assert d.case["next_due_at"] == f"{days[-1]}T16:00:00.000000Z"  # 00:00 Beijing after the last day
    assert d.ready() == []
    assert replay(ctx, d.id).ok


def test_a_decision_recorded_weeks_after_the_meeting_gets_a_full_period(ctx):
    """The example of the issue: met on 2026-09-30, recorded on 2026-11-02. The period used to be
    2026-09-30 → 2026-10-12, already over; `appoint` was offered at once and a report refused (409)."""
    d = decided(ctx, "2026-09-30", datetime(2026, 11, 2, 2, 0, tzinfo=UTC))  # 10:00 in Beijing
    publicity = d.case["data"]["publicity"]
    assert publicity["working_days"] == ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]
    assert publicity["recorded_on"] == "2026-11-02"
    assert d.ready() == [] and d.case["status"] == "running"
    d.report(summary="当天收到的实名举报")  # the same day: accepted, an investigation opens
    assert d.ready() == ["investigate_report"]
    d.investigate("unfounded")
    d.wait_for_timer()
    assert d.ready() == ["appoint"]
    assert ctx.clock.now() > datetime(2026, 11, 6, 16, 0, tzinfo=UTC)
    assert replay(ctx, d.id).ok
