"""Need-to-know (保密): which cases a user sees and which sections of them (architecture.md "Who may
see what"). One table of readers by role, one table of what belongs to which section; the engine
asks `Visibility` through `Registry.visibility` at every door (engine/reading.py), so no page, export
or API call can show more than this module allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.registry import CaseScope

from .policies import related

SUMMARY, PEOPLE, INSPECTION, INTEGRITY, DELIBERATION = "summary", "people", "inspection", "integrity", "deliberation"
SECTIONS = (SUMMARY, PEOPLE, INSPECTION, INTEGRITY, DELIBERATION)
ALL_SECTIONS = frozenset(SECTIONS)

# What belongs to which section: a case-data key, a step's form, a message, a service-task operation
# (the name an audit event carries), and a task's prefill key. A name missing here counts as
# restricted: only readers of every section see it (a new step is hidden until it is classified).
SECTION_OF: dict[str, str] = {
    # summary: the post, the motion to fill it, the procedure's parameters, the appointment
    "position": SUMMARY, "unit": SUMMARY, "post_count": SUMMARY, "rank": SUMMARY, "reason": SUMMARY,
    "requirements": SUMMARY, "deadline": SUMMARY, "parameters": SUMMARY, "case_start": SUMMARY,
    "announcement": SUMMARY, "approve_motion": SUMMARY, "appoint": SUMMARY, "probation_review": SUMMARY,
    "publicity": SUMMARY, "publicity_dates": SUMMARY, "started_at": SUMMARY, "level": SUMMARY,
    # people and votes: nominees, tallies, candidates, the committee's figures
    "nominate": PEOPLE, "meeting_recommendation": PEOPLE, "talk_recommendation": PEOPLE, "turnout": PEOPLE,
    "turnout_check": PEOPLE, "tally": PEOPLE, "recommendation_tally": PEOPLE, "confirm_candidates": PEOPLE,
    "candidates": PEOPLE, "candidate": PEOPLE, "committee_decision": PEOPLE, "decision": PEOPLE,
    "committee_tally": PEOPLE, "registration": PEOPLE, "eligibility_review": PEOPLE, "exam_scores": PEOPLE,
    "interview_scores": PEOPLE, "competitive_evaluation": PEOPLE, "ranking": PEOPLE, "applicant_ranking": PEOPLE,
    "withdraw": PEOPLE, "withdrawals": PEOPLE, "withdrawn": PEOPLE, "withdrawal_record": PEOPLE,
    # the qualification review (资格审查): the verdicts from the records, the clerk's attestations, the ballot
    "qualification": PEOPLE, "qualification_check": PEOPLE, "qualification_review": PEOPLE,
    "qualification_settle": PEOPLE, "qualified": PEOPLE, "ballot": PEOPLE, "exceptional_needed": PEOPLE,
    # inspection findings, per candidate
    "inspection": INSPECTION, "inspections": INSPECTION, "inspection_record": INSPECTION,
    # integrity: opinions, the assessment built on them, reports during publicity and their investigation
    "integrity_opinion": INTEGRITY, "integrity_opinions": INTEGRITY, "opinion_record": INTEGRITY,
    "assessment": INTEGRITY, "candidate_assessment": INTEGRITY, "publicity_report": INTEGRITY,
    "report": INTEGRITY, "reports": INTEGRITY, "report_registration": INTEGRITY, "publicity_check": INTEGRITY,
    "publicity_status": INTEGRITY, "investigate_report": INTEGRITY, "finding_record": INTEGRITY,
    "declaration": INTEGRITY, "relation_declared": INTEGRITY, "step_refused": INTEGRITY,
    # deliberation: whom the leaders consulted, justifications, overrides
    "deliberation": DELIBERATION, "override": DELIBERATION,
    # 破格 (its grounds and justification) and the higher department's consent to it
    "exceptional_promotion": DELIBERATION, "exceptional_records": DELIBERATION, "exceptional_record": DELIBERATION,
    "higher_consent": DELIBERATION,
}
PER_CANDIDATE = {"inspections"}  # lists of per-candidate records (`candidate`): an inspector sees their own


@dataclass(frozen=True)
class Reader:
    """What a role reads: which cases (`scope`) and which sections of them; `own_candidates`: of the
    inspection findings, only those of the candidates the user inspects (is on the team of)."""

    scope: CaseScope
    sections: frozenset[str]
    own_candidates: bool = False


EVERY_CASE = CaseScope(every=True)
NO_CASE = CaseScope()
READERS: dict[str, Reader] = {
    "auditor": Reader(EVERY_CASE, ALL_SECTIONS),
    "org_head": Reader(EVERY_CASE, ALL_SECTIONS),
    "clerk": Reader(EVERY_CASE, ALL_SECTIONS),
    # on an inspection team, or holding (a ready task of the role) or having held a task
    "inspector": Reader(CaseScope(task_roles=frozenset({"inspector"}), acted=True, named_in=("team",)),
                        frozenset({SUMMARY, PEOPLE, INSPECTION}), own_candidates=True),
    "discipline": Reader(CaseScope(task_roles=frozenset({"discipline"}), acted=True),
                         frozenset({SUMMARY, PEOPLE, INTEGRITY})),
    # cases that reached the committee: its task is or was waiting
    "committee_secretary": Reader(CaseScope(task_roles=frozenset({"committee_secretary"}),
                                            acted_roles=frozenset({"committee_secretary"})),
                                  frozenset({SUMMARY, PEOPLE, DELIBERATION})),
    "editor": Reader(NO_CASE, frozenset()),
    "admin": Reader(NO_CASE, frozenset()),
}


def section_of(name: str | None, forms: Mapping[str, str | None] | None = None) -> str | None:
    """The section of a case-data key or step name; a user task's element id by its form (a renamed
    element keeps its form). None: not classified (restricted)."""
    if name is None:
        return None
    found = SECTION_OF.get(name)
    if found is None and forms:
        found = SECTION_OF.get(forms.get(name) or "")
    return found


@dataclass
class CaseView:
    """What one user may see of one case: `sections` (in table order), `candidates` (None: all the
    inspection findings the sections allow; else only these candidates'), `restricted`: whether
    unclassified names show (only to readers of every section)."""

    sections: list[str]
    candidates: set[str] | None = None
    recused: bool = False
    forms: Mapping[str, str | None] = field(default_factory=dict)
    username: str = ""

    @property
    def restricted(self) -> bool:
        return set(self.sections) == ALL_SECTIONS

    def shows(self, name: str | None) -> bool:
        section = section_of(name, self.forms)
        return self.restricted if section is None else section in self.sections

    def data(self, case_data: Mapping) -> dict:
        out = {}
        for key, value in (case_data or {}).items():
            if not self.shows(key):
                continue
            if key in PER_CANDIDATE and self.candidates is not None and isinstance(value, list):
                value = [r for r in value if isinstance(r, Mapping) and r.get("candidate") in self.candidates]
            out[key] = value
        return out

    def prefill(self, prefill: Mapping) -> dict:
        return self.data(prefill)

    def event(self, entry: dict) -> dict | None:
        """An audit event / record entry (`action`, `element_id`, `entered`/`data_in`, `decided`/
        `data_out`): whole, with its data blanked when its step is not readable, or None when even that
        it happened would tell too much (a relation declared by someone else)."""
        name = _event_name(entry)
        if entry.get("action") == "relation_declared" and not self.shows(name):
            data = entry.get("entered", entry.get("data_in")) or {}
            return entry if data.get("username") == self.username else None
        if self.shows(name) and not self._other_candidate(entry, name):
            return entry
        blank = {**entry, "redacted": True}
        for key in ("entered", "decided", "data_in", "data_out"):
            if key in blank:
                blank[key] = {}
        for key in ("narrative", "comment"):
            if blank.get(key):
                blank[key] = ""
        return blank

    def _other_candidate(self, entry: dict, name: str | None) -> bool:
        if self.candidates is None or section_of(name, self.forms) != INSPECTION:
            return False
        data = entry.get("entered", entry.get("data_in")) or {}
        return data.get("candidate") not in self.candidates

    def records(self, declared: list[dict]) -> list[dict]:
        """The relations declared on the case (the guard records): all of them to integrity readers,
        else only the reader's own."""
        if self.shows("declaration"):
            return declared
        return [d for d in declared if d.get("username") == self.username]


def _event_name(entry: dict) -> str | None:
    """The name an event's section is found by: a service task's operation, else its element (a
    task's element id, a message's name); a note by its action."""
    action = entry.get("action")
    if action in ("case_started", "case_terminated", "timer_fired"):
        return "position"  # that a case started, ended or waited: the summary
    if action in ("relation_declared", "step_refused", "override"):
        return action
    data = entry.get("entered", entry.get("data_in")) or {}
    if action == "service_task" and isinstance(data, Mapping) and data.get("operation"):
        return data["operation"]
    return entry.get("element_id")


class Visibility:
    """The domain's answer to the engine's questions (engine/reading.py)."""

    readers = READERS
    sections = SECTIONS
    free_sections = frozenset({SUMMARY})  # reading only the summary leaves no access record

    def scope(self, roles) -> list[CaseScope]:
        return [READERS[r].scope for r in sorted(roles) if r in READERS]

    def view(self, actor, case: Mapping, *, in_scope: set[str], mine: list[dict],
             forms: Mapping[str, str | None]) -> CaseView:
        """`in_scope`: the actor's roles whose scope holds this case; `mine`: the actor's own events on
        it (element_id, form, data_in)."""
        readers = [READERS[r] for r in sorted(in_scope) if r in READERS]
        sections = set().union(*(r.sections for r in readers)) if readers else set()
        data = case.get("data") or {}
        recused = bool(related(case.get("declarations") or [], actor.username)) or found_related(data, actor.username)
        if recused:
            sections &= {SUMMARY}
        candidates = None
        if INSPECTION in sections and not any(INSPECTION in r.sections and not r.own_candidates for r in readers):
            candidates = inspected_by(actor.username, data, mine)
        return CaseView([s for s in SECTIONS if s in sections], candidates, recused, forms, actor.username)


def inspected_by(username: str, case_data: Mapping, mine: list[dict]) -> set[str]:
    """The candidates whose inspection team `username` is on, or whose inspection they recorded."""
    found = set()
    for record in case_data.get("inspections") or []:
        if isinstance(record, Mapping) and username in (record.get("team") or []) + [record.get("leader")]:
            found.add(record.get("candidate"))
    for event in mine() if callable(mine) else mine:
        data = event.get("data_in") or {}
        if section_of(event.get("form") or event.get("element_id")) == INSPECTION and data.get("candidate"):
            found.add(data["candidate"])
    return found


def found_related(case_data: Mapping, username: str) -> bool:
    """A relation the records show (a nominee's family entry naming the user), declared or not."""
    people = []
    for key, field_name in (("nominate", "nominees"), ("registration", "applicants")):
        step = case_data.get(key)
        if isinstance(step, Mapping):
            people += [p for p in step.get(field_name) or [] if isinstance(p, Mapping)]
    # the family as typed on the person, or in the record copied from the registry at nomination
    return any(isinstance(m, Mapping) and m.get("username") == username
               for person in people
               for m in [*(person.get("family") or []), *((person.get("record") or {}).get("family") or [])])
