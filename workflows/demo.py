"""Demo data: drives the real procedures through the engine as the demo users would.

`Driver` moves one case step by step with typical data (the tests use it too); `seed_demo`
leaves a handful of cases stopped at different steps so a newcomer sees a living system.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from engine import cases, timers
from engine.actors import Actor
from engine.procedures import deploy_directory

if TYPE_CHECKING:
    from engine.context import EngineContext

BPMN = Path(__file__).resolve().parents[1] / "bpmn"


def user(name: str, *roles: str) -> Actor:
    from . import DEMO_USERS

    return Actor(name, DEMO_USERS.get(name, (name,))[0], frozenset(roles))


CLERK = user("clerk1", "clerk")
HEAD = user("orghead1", "org_head")
INSPECTOR = user("inspector1", "inspector")
INSPECTOR2 = user("inspector2", "inspector")
DISCIPLINE = user("discipline1", "discipline")
SECRETARY = user("secretary1", "committee_secretary")
EDITOR = user("editor1", "editor")

NOMINEES = ["张三", "李四", "王五"]


def deploy(ctx: EngineContext):
    return deploy_directory(ctx, BPMN, EDITOR)


def nominee(name: str) -> dict:
    return {"name": name, "gender": "男", "birth_date": "1980-05-01", "current_post": "副局长", "unit": "区发改委"}


class EngineBackend:
    """Drives cases by calling the engine's services directly."""

    def __init__(self, ctx: EngineContext):
        self.ctx = ctx

    def start(self, procedure: str, data: dict, actor: Actor) -> dict:
        return cases.start_case(self.ctx, procedure, data, actor)

    def complete(self, task_id: str, actor: Actor, data: dict, **kw) -> dict:
        return cases.complete_task(self.ctx, task_id, actor, data, **kw)

    def get(self, case_id: int) -> dict:
        return cases.get_case(self.ctx, case_id)

    def message(self, case_id: int, name: str, payload: dict, actor: Actor, role: str) -> dict:
        return cases.send_message(self.ctx, case_id, name, payload, actor, role)

    def now(self) -> datetime:
        return self.ctx.clock.now()

    def set_clock(self, moment: datetime) -> None:
        self.ctx.clock.set(moment)

    def fire_timers(self) -> list[int]:
        return timers.fire_due(self.ctx)


class Driver:
    """One case, moved step by step; each method completes the named task with typical data.

    `target` is an EngineContext (steps go through the engine's services) or any backend with
    the methods of EngineBackend (the REST tests drive the same steps over HTTP)."""

    def __init__(self, target, procedure="cadre_selection", post_count=1, **start):
        self.backend = target if hasattr(target, "complete") else EngineBackend(target)
        self.ctx = getattr(self.backend, "ctx", None)
        data = {"position": "区发改委主任", "unit": "区发改委", "post_count": post_count, "rank": "正科级",
                "reason": "原主任退休", **start}
        if procedure == "competitive_selection":
            data = {"position": "区发改委主任", "unit": "区发改委", "post_count": post_count,
                    "requirements": "大学本科以上学历", "deadline": "2026-03-20", **start}
        self.case = self.backend.start(procedure, data, CLERK)

    @property
    def id(self) -> int:
        return self.case["id"]

    def ready(self) -> list[str]:
        return sorted(t["element_id"] for t in self.case["tasks"])

    def tasks(self, element_id: str) -> list[dict]:
        found = [t for t in self.case["tasks"] if t["element_id"] == element_id]
        assert found, f"{element_id} is not ready; ready: {self.ready()} (status {self.case['status']})"
        return found

    def do(self, element_id: str, actor: Actor, data: dict, index: int = 0, **kw) -> dict:
        task = self.tasks(element_id)[index]
        self.case = self.backend.complete(task["id"], actor, data, **kw)
        return self.case

    def refresh(self) -> dict:
        self.case = self.backend.get(self.id)
        return self.case

    # --- the steps, with typical data -------------------------------------------------------------
    def approve(self, decision="approve"):
        return self.do("approve_motion", HEAD, {"decision": decision, "comment": "同意启动" if decision == "approve"
                                                else "暂不启动"})

    def nominate(self, names=NOMINEES, *, review: bool = True, nominees: list | None = None):
        """Nominate (by names typed as before the registry, or the given `nominees` items) and,
        with `review`, confirm the qualification review attesting every missing verdict."""
        self.do("nominate", CLERK, {"nominees": nominees if nominees is not None else [nominee(n) for n in names]})
        if review and "qualification_review" in self.ready():
            self.qualify()
        return self.case

    def qualify(self, attested: list | None = None, comment: str = ""):
        """Confirm the qualification review; by default attest every missing verdict from the file."""
        review = self.tasks("qualification_review")[0]["prefill"]["qualification"]
        if attested is None:
            attested = [{"person_id": n["person_id"] if n["person_id"] is not None else n["name"],
                         "rule": c["rule"], "note": "经查阅干部人事档案，符合要求"}
                        for n in review["nominees"] for c in n["checks"] if c["verdict"] == "missing"]
        return self.do("qualification_review", CLERK, {"attested": attested, "comment": comment})

    def meeting(self, votes: dict, expected=30, present=30, valid=None, **extra):
        valid = present if valid is None else valid
        data = {"meeting_date": "2026-03-10", "expected": expected, "present": present, "ballots_issued": present,
                "ballots_returned": present, "valid_ballots": valid, "votes": votes, **extra}
        return self.do("meeting_recommendation", CLERK, data)

    def talk(self):
        return self.do("talk_recommendation", CLERK, {"interviewed": 12, "mentions": {NOMINEES[0]: 8},
                                                      "summary": "普遍认可"})

    def confirm(self, candidates, overrides=(), **extra):
        return self.do("confirm_candidates", HEAD, {"candidates": list(candidates), "overrides": list(overrides),
                                                    "comment": "", **extra})

    def inspect(self, candidate, actor=INSPECTOR, team=("inspector1", "inspector2"), **changes):
        data = {"team": list(team), "leader": team[0], "archive_review": "pass", "personal_matters": "pass",
                "petition_check": "none",
                "evaluation": {"excellent": 20, "competent": 8, "basically_competent": 1, "incompetent": 1},
                "findings": "政治坚定，实绩突出", "conclusion": "recommend", **changes}
        index = next(i for i, t in enumerate(self.tasks("inspection")) if t["prefill"]["candidate"] == candidate)
        return self.do("inspection", actor, data, index)

    def opinion(self, candidate, opinion="clear"):
        index = next(i for i, t in enumerate(self.tasks("integrity_opinion")) if t["prefill"]["candidate"] == candidate)
        return self.do("integrity_opinion", DISCIPLINE, {"opinion": opinion,
                                                         "comment": "" if opinion == "clear" else "有待核实"}, index)

    def deliberate(self, proposed, justifications=None):
        return self.do("deliberation", HEAD, {"proposed": list(proposed), "consulted": ["区委书记", "区长"],
                                              "justifications": justifications or {}})

    def committee(self, results: dict, due=9, present=9, meeting_date="2026-03-30", **extra):
        data = {"meeting_date": meeting_date, "members_due": due, "members_present": present, "recused": [],
                "principal_spoke_last": True, "results": results, **extra}
        return self.do("committee_decision", SECRETARY, data)

    def report(self, named=True, specific=True, summary="反映其在原单位存在问题"):
        self.case = self.backend.message(self.id, "publicity_report",
                                         {"channel": "12380", "named": named, "specific": specific,
                                          "summary": summary}, DISCIPLINE, "discipline")
        return self.case

    def investigate(self, finding):
        return self.do("investigate_report", DISCIPLINE, {"finding": finding, "summary": "经调查核实"})

    def wait_for_timer(self) -> dict:
        """Move the clock just past the case's next timer and let the worker fire it."""
        due = datetime.fromisoformat(self.refresh()["next_due_at"].replace("Z", "+00:00"))
        self.backend.set_clock(max(due, self.backend.now()) + timedelta(minutes=1))
        assert self.id in self.backend.fire_timers()
        return self.refresh()

    def appoint(self, probation=False):
        return self.do("appoint", CLERK, {"notice_number": "区委〔2026〕12号", "effective_date": "2026-04-15",
                                          "talk_by": "orghead1", "probation": probation})

    def probation_review(self, result="competent"):
        return self.do("probation_review", HEAD, {"result": result, "comment": "" if result == "competent"
                                                  else "未能胜任"})

    # --- common paths -----------------------------------------------------------------------------
    def to_confirm(self, votes=None):
        self.approve()
        self.nominate()
        self.meeting(votes or {"张三": 25, "李四": 18, "王五": 10})
        self.talk()
        return self.case

    def to_deliberation(self, candidates=("张三", "李四")):
        self.to_confirm()
        self.confirm(candidates)
        for name in candidates:
            self.inspect(name)
            self.opinion(name)
        return self.case

    def to_publicity(self, appointee="张三"):
        self.to_deliberation()
        self.deliberate([appointee])
        return self.committee({appointee: {"agree": 8, "disagree": 1, "defer": 0}})


def demo_users(ctx: EngineContext, names=None) -> list[str]:
    """The demo users of DEMO_USERS (or those of `names`) that do not exist yet; password = user
    name, the one exception to the password policy, recorded as such. Returns the names created."""
    from engine.users import create_user, get_actor

    from . import DEMO_USERS

    made = []
    for username in names or DEMO_USERS:
        display, roles = DEMO_USERS[username]
        if get_actor(ctx, username) is None:
            create_user(ctx, username, roles, username, display, demo=True)
            made.append(username)
    return made


def seed_demo(ctx: EngineContext) -> list[int]:
    """Cases at different steps (only into a database without cases). Returns their ids."""
    from zoneinfo import ZoneInfo

    if cases.list_cases(ctx, per_page=1)[1]:
        return []
    today = ctx.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    made = []

    def case(**start) -> Driver:
        driver = Driver(ctx, **start)
        made.append(driver.id)
        return driver

    case(unit="区财政局", position="局长")                                     # 研究动议 (org_head)
    d = case(unit="区教育局", position="副局长")
    d.approve()
    d.nominate()                                                       # 会议推荐 (clerk)
    case(unit="区卫健委", position="主任").to_confirm()                          # 确定考察对象 (org_head), 王五 excluded
    d = case(unit="区住建局", position="局长")
    d.to_confirm()
    d.confirm(["张三", "李四"])
    d.inspect("张三")                                                  # 考察 李四 and 廉政意见 open
    d = case(unit="区商务局", position="局长")
    d.to_deliberation()
    d.deliberate(["张三"])                                             # 讨论决定 (committee_secretary)
    d = case(unit="区发改委", position="主任")
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}}, meeting_date=today)
    d.report(summary="反映其在原单位分管工程时存在违规问题")                 # 任前公示, a report under investigation
    case(unit="区统计局", position="局长").approve("reject")                     # ended: motion_rejected
    competitive = Driver(ctx, "competitive_selection", unit="区政务服务中心", position="副主任")
    made.append(competitive.id)
    competitive.do("registration", CLERK, {"applicants": [nominee(n) for n in ("赵一", "钱二", "孙三")]})
    competitive.do("eligibility_review", HEAD, {"eligible": ["赵一", "钱二", "孙三"], "rejected": []})
    competitive.qualify()                                                        # 笔试成绩
    return made
