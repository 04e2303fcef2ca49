"""Service-task handlers: what the diagrams' service tasks call, by operation name.

Each handler is `handler(params, service)`: `params` are the task's evaluated parameters, `service` an
engine ServiceContext (`data`: the task's data and the data objects it can see; `now`: the step's
recorded instant; `reference(kind)`: reference data such as the admin calendar, recorded with the
call). Handlers only translate between the case data and `rules.py`; every decision is there.
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import UTC, datetime

from . import rules
from .calendar import WorkingCalendar
from .forms.casedata import up_for_decision
from .params import int_param

HANDLERS: dict = {}


def handler(name: str):
    def register(fn):
        HANDLERS[name] = fn
        return fn

    return register


def withdrawn(data: dict) -> list[str]:
    return [w["name"] for w in data.get("withdrawals") or []]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, month_calendar.monthrange(year, month)[1]))


# --- recommendation --------------------------------------------------------------------------------


@handler("turnout_check")
def turnout_check(params, service):
    meeting = params["meeting"]
    return rules.turnout(meeting["expected"], meeting["present"], params["parameters"])


@handler("recommendation_tally")
def recommendation_tally(params, service):
    names = [n["name"] for n in params["nominees"]]
    return rules.tally_recommendation(names, params["meeting"], params["post_count"], params["parameters"],
                                      withdrawn=withdrawn(service.data))


# --- inspection and decision -------------------------------------------------------------------------


@handler("candidate_assessment")
def candidate_assessment(params, service):
    return rules.assess_candidates(params["candidates"], params["inspections"], params["opinions"],
                                   params["parameters"], withdrawn=withdrawn(service.data))


@handler("committee_tally")
def committee_tally(params, service):
    """One committee round. A repeated round votes on the deferred names (or, after a meeting without
    quorum, on the same names again); appointees accumulate over the rounds."""
    previous = service.data.get("decision") or {}
    gone = set(withdrawn(service.data))
    proposed = [name for name in up_for_decision(service.data) if name not in gone]
    result = rules.committee_decision(params["meeting"], proposed, params["parameters"])
    appointees = list(previous.get("appointees", [])) + result["approved"]
    result.update(proposed=proposed, appointees=appointees, round=previous.get("round", 0) + 1)
    if not result["repeat"]:
        result["outcome"] = None if appointees else "not_approved"
    return result


# --- publicity ----------------------------------------------------------------------------------------


@handler("publicity_dates")
def publicity_dates(params, service):
    """The period runs from the meeting date, or from the day the decision is recorded if later: this
    step runs when it is recorded, so its recorded instant (`service.now`, replayed as recorded) is that day."""
    rows = [{"day": day, **entry} for day, entry in service.reference("calendar").items()]
    recorded_on = service.now.astimezone(rules.BEIJING).date()
    window = rules.publicity_window(params["decision_date"], params["parameters"], WorkingCalendar.from_records(rows),
                                    recorded_on)
    window["appointees"] = (service.data.get("decision") or {}).get("appointees", [])
    return window


@handler("publicity_status")
def publicity_status(params, service):
    """Where the publicity stands now: the next report to investigate, when to wake up, and whether
    the period is over with every report resolved (closed) or a serious finding stopped it."""
    publicity, reports, now = params["publicity"], service.data.get("reports") or [], service.now
    period_over = now >= _parse(publicity["fires_at"])
    due = [r for r in reports if r["status"] == "open"
           or (r["status"] == "deferred" and _parse(r["reopen_at"]) <= now)]
    waiting = [r for r in reports if r["status"] == "deferred" and _parse(r["reopen_at"]) > now]
    serious = [r["no"] for r in reports if r["status"] == "serious"]
    if serious:
        status = "withdrawn"
    elif period_over and not due and not waiting:
        status = "closed"
    else:
        status = "open"
    wake = [_parse(r["reopen_at"]) for r in waiting] + ([] if period_over else [_parse(publicity["fires_at"])])
    return {
        "status": status,
        "period_over": period_over,
        "start": publicity["start"],
        "end": publicity["end"],
        "serious_reports": serious,
        "open_reports": len(due) + len(waiting),
        "next_report": due[0]["no"] if due and status == "open" else None,
        "report": due[0] if due and status == "open" else None,
        "next_wake": _iso(min(wake)) if wake else publicity["fires_at"],
        "outcome": "withdrawn_after_publicity" if serious else None,
    }


@handler("report_registration")
def report_registration(params, service):
    reports = list(service.data.get("reports") or [])
    report = dict(params["report"])
    needs = rules.report_needs_investigation(report)
    reports.append({**report, "no": len(reports) + 1, "received_at": _iso(service.now),
                    "needs_investigation": needs, "status": "open" if needs else "recorded", "findings": []})
    return reports


@handler("finding_record")
def finding_record(params, service):
    reports = [dict(r) for r in service.data.get("reports") or []]
    report = reports[params["report_no"] - 1]
    finding = params["finding"]
    result = rules.investigation_result(finding["finding"])
    report["findings"] = [*report.get("findings", []), {**finding, "at": _iso(service.now), **result}]
    report["reminder"] = report.get("reminder", False) or result["reminder"]
    if result["outcome"]:
        report["status"] = "serious"
    elif result["deferred"]:
        months = int_param(service.data.get("parameters") or {}, "deferral_months")
        report["status"], report["reopen_at"] = "deferred", _iso(add_months(service.now, months))
    else:
        report["status"] = "resolved"
    return reports


@handler("withdrawal_record")
def withdrawal_record(params, service):
    request = params["withdraw"]
    return [*(service.data.get("withdrawals") or []), {"name": request["name"], "reason": request.get("reason", ""),
                                                     "at": _iso(service.now)}]


# --- competitive selection ------------------------------------------------------------------------------


@handler("applicant_ranking")
def applicant_ranking(params, service):
    gone = set(withdrawn(service.data))
    eligible = [n for n in service.data["eligibility_review"]["eligible"] if n not in gone]
    if isinstance(service.data.get("ballot"), list):  # after the qualification review: who passed it
        passed = {p["name"] for p in service.data["ballot"]}
        eligible = [n for n in eligible if n in passed]
    return rules.composite_scores(eligible, service.data["exam_scores"]["scores"], service.data["interview_scores"]["scores"],
                                  params["parameters"], post_count=params["post_count"])


from . import qualifying  # noqa: E402,F401 - registers the qualification review's handlers
