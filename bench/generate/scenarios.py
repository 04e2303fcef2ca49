"""The real cases of a generated database: the stages they stop at (weighted, so the ready tasks
spread over the roles and some cases have ended), run through the engine with workflows/demo.py's
Driver on a clock moved on by minutes to hours before each step; and the users who act in them."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tqdm import tqdm

from engine import cases
from engine.storage.models import User
from engine.users import create_user
from workflows import DEMO_USERS, TASK_ROLES
from workflows.demo import CLERK, HEAD, Driver, EngineBackend, nominee

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # the demo driver's dates are in March 2026
MULTI_USER = ("multi1", "多岗位经办人", sorted(TASK_ROLES))
POSITIONS = [("区发改委主任", "区发改委"), ("区财政局局长", "区财政局"), ("区教育局副局长", "区教育局"),
             ("区卫健委主任", "区卫健委"), ("区住建局局长", "区住建局"), ("区商务局局长", "区商务局"),
             ("区统计局局长", "区统计局"), ("区审计局局长", "区审计局"), ("区民政局副局长", "区民政局"),
             ("区司法局局长", "区司法局"), ("区水务局副局长", "区水务局"), ("区文旅局局长", "区文旅局")]
APPLICANTS = ["赵一", "钱二", "孙三"]
EVALUATION = {"excellent": 20, "competent": 5, "basically_competent": 2, "incompetent": 1}


# --- the stages real cases stop at ----------------------------------------------------------------
def _inspection(d: Driver):
    d.to_confirm()
    d.confirm(["张三", "李四"])


def _half_inspected(d: Driver):
    _inspection(d)
    d.inspect("张三")
    d.opinion("李四")


def _committee(d: Driver):
    d.to_deliberation()
    d.deliberate(["张三"])


def _appoint(d: Driver):
    d.to_publicity()
    d.wait_for_timer()


def _appointed(d: Driver, probation=False):
    _appoint(d)
    d.appoint(probation=probation)


def _probation_review(d: Driver):
    _appointed(d, probation=True)
    d.wait_for_timer()


def _not_approved(d: Driver):
    _committee(d)
    d.committee({"张三": {"agree": 3, "disagree": 6, "defer": 0}})


def _withdrawn(d: Driver):
    d.to_publicity()
    d.report()
    d.investigate("serious")


def _terminated(d: Driver):
    d.approve()
    d.nominate()
    d.case = cases.terminate_case(d.ctx, d.id, HEAD, "org_head", "机构改革，岗位撤销")


def _c_registered(d: Driver):
    d.do("registration", CLERK, {"applicants": [nominee(n) for n in APPLICANTS]})


def _c_eligible(d: Driver):
    _c_registered(d)
    d.do("eligibility_review", HEAD, {"eligible": APPLICANTS, "rejected": []})


def _c_inspection(d: Driver):
    _c_eligible(d)
    d.do("exam_scores", CLERK, {"scores": {"赵一": "90", "钱二": "80", "孙三": "85.5"}})
    d.do("interview_scores", CLERK, {"scores": {"赵一": "80", "钱二": "95", "孙三": "70"}})
    d.do("competitive_evaluation", CLERK, {"evaluations": {n: EVALUATION for n in APPLICANTS}})
    d.confirm(["钱二", "赵一"])


def _c_appointed(d: Driver):
    _c_inspection(d)
    for name in ("钱二", "赵一"):
        d.inspect(name)
        d.opinion(name)
    d.deliberate(["钱二"])
    d.committee({"钱二": {"agree": 7, "disagree": 2, "defer": 0}})
    d.wait_for_timer()
    d.appoint()


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: int
    run: object
    procedure: str = "cadre_selection"
    fires: int = 0  # 1: moves the clock to fire its own timer; 2: and leaves a later timer waiting


# ~60% of the cases running (at every step of both procedures), ~40% ended with the outcomes' mix
SCENARIOS = [
    Scenario("motion", 7, lambda d: None),                                           # org_head
    Scenario("nominate", 5, lambda d: d.approve()),                                  # clerk
    Scenario("meeting", 5, lambda d: (d.approve(), d.nominate())),                   # clerk
    Scenario("talk", 3, lambda d: (d.approve(), d.nominate(), d.meeting({"张三": 25, "李四": 18, "王五": 10}))),
    Scenario("confirm", 5, lambda d: d.to_confirm()),                                # org_head
    Scenario("inspection", 6, _inspection),                                          # inspector x2, discipline x2
    Scenario("half_inspected", 3, _half_inspected),                                  # inspector, discipline
    Scenario("deliberation", 4, lambda d: d.to_deliberation()),                      # org_head
    Scenario("committee", 3, _committee),                                            # committee_secretary
    Scenario("publicity", 3, lambda d: d.to_publicity()),                            # waits for its timer
    Scenario("publicity_report", 2, lambda d: (d.to_publicity(), d.report())),       # discipline
    Scenario("appoint", 3, _appoint, fires=1),                                       # clerk
    Scenario("probation", 2, lambda d: _appointed(d, probation=True), fires=2),      # waits for its timer
    Scenario("probation_review", 2, _probation_review, fires=1),                     # org_head
    Scenario("c_registration", 2, lambda d: None, "competitive_selection"),          # clerk
    Scenario("c_eligibility", 2, _c_registered, "competitive_selection"),            # org_head
    Scenario("c_exam", 1, _c_eligible, "competitive_selection"),                     # clerk
    Scenario("c_inspection", 2, _c_inspection, "competitive_selection"),             # inspector, discipline
    Scenario("appointed", 22, _appointed, fires=1),
    Scenario("motion_rejected", 5, lambda d: d.approve("reject")),
    Scenario("not_approved", 3, _not_approved),
    Scenario("withdrawn", 2, _withdrawn),
    Scenario("terminated", 3, _terminated),
    Scenario("c_appointed", 3, _c_appointed, "competitive_selection", fires=1),
]


def plan(count: int) -> list[Scenario]:
    """`count` scenarios in proportion to their weights (largest remainder), in the order they must run:
    those that fire their own timer first (each moves the clock past its publicity period, and the
    worker fires every due timer), then those that leave a timer waiting, then the rest."""
    total = sum(s.weight for s in SCENARIOS)
    quotas = [(count * s.weight / total, i) for i, s in enumerate(SCENARIOS)]
    counts = {i: int(q) for q, i in quotas}
    for _q, i in sorted(quotas, key=lambda qi: qi[0] - int(qi[0]), reverse=True)[:count - sum(counts.values())]:
        counts[i] += 1
    chosen = [SCENARIOS[i] for i in sorted(counts) for _ in range(counts[i])]
    return sorted(chosen, key=lambda s: {1: 0, 2: 1, 0: 2}[s.fires])


class PacedBackend(EngineBackend):
    """The engine's services, with the clock moved on by minutes to hours before each step."""

    def __init__(self, ctx, rng: random.Random):
        super().__init__(ctx)
        self.rng = rng

    def _pace(self):
        self.ctx.clock.advance(minutes=self.rng.randint(5, 180))

    def complete(self, task_id, actor, data, **kw):
        self._pace()
        return super().complete(task_id, actor, data, **kw)

    def message(self, case_id, name, payload, actor, role):
        self._pace()
        return super().message(case_id, name, payload, actor, role)


def run_real_cases(ctx, count: int, rng: random.Random) -> list[tuple[int, str]]:
    """The real cases, through the engine; returns (case id, scenario name)."""
    made = []
    for i, scenario in enumerate(tqdm(plan(count), desc="real cases (engine)", unit="case", file=sys.stderr)):
        ctx.clock.set(START + timedelta(minutes=37 * i))  # fresh start: no other case's timer is due
        position, unit = POSITIONS[i % len(POSITIONS)]
        start = {"position": position, "unit": unit}
        driver = Driver(PacedBackend(ctx, rng), scenario.procedure, **start)
        driver.ctx = ctx
        scenario.run(driver)
        made.append((driver.id, scenario.name))
    return made



def create_users(ctx) -> None:
    """The demo users and the one holding several roles; passwords are their names (demo accounts)."""
    with ctx.unit_of_work() as uow:
        existing = set(uow.session.scalars(select(User.username)))
    for username, (display, roles) in [*DEMO_USERS.items(), (MULTI_USER[0], MULTI_USER[1:])]:
        if username not in existing:
            create_user(ctx, username, list(roles), username, display, demo=True)


