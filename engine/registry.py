"""What a domain package plugs into the engine: service handlers, forms, expression functions, guards.

The engine calls these by the names a diagram uses; it never imports the domain itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FormContext:
    """What a form validator may look at besides the submitted data."""

    case_id: int | None
    element_id: str
    case_data: dict
    prefill: dict
    parameters: dict
    actor: Any
    role: str
    locale: str = "zh-CN"
    # keyed reference records the validator may read: the start form's engine.reference_records.Reader,
    # a task form's engine.reference.StepReference (`entry(kind, key)`; `add(spec, value)` stages a
    # new record written with the step). What a form reads that matters must go into its cleaned
    # data: a replay re-runs no form. `now`: the step's instant (start form).
    reference: Any = None
    now: Any = None


# validate(data, context) -> cleaned data; raises engine.errors.ValidationFailed with per-field messages
FormValidator = Callable[[dict, FormContext], dict]
# guard(case_data=..., task=..., actor=..., role=..., data=..., records=[...]) raises
# engine.errors.Forbidden to refuse a step; `records`: the case's guard records (GuardRecord)
Guard = Callable[..., None]
# annotate(form, element_id, data) -> [(action, data_out)]: extra audit events a completed task
# implies, e.g. an "override" event for each exception a form allowed (keyed by the task's form,
# which deployment checks, never by its element id, which a diagram may rename)
Annotator = Callable[[str | None, str, dict], list[tuple[str, dict]]]
# narrate(entry, locale, step_names) -> text: one audit event in people's words. `entry` is one entry of
# engine.records.responsibility_record (action, element_id, step, entered, decided, comment); it must
# depend on that event alone, so a reader's record can leave events out before they are told.
Narrator = Callable[[dict, str, Mapping[str, str]], str]
# describe_parameters(parameters, locale) -> [{"name", "label", "value"}]: a case's parameters, readable
ParameterDescriber = Callable[[dict, str], list[dict]]


@dataclass(frozen=True)
class StepEffect:
    """A completed task, for an effect: what it recorded (`data`, cleaned), the case data after it,
    who did it, and the step's session (write to it: the step and the effect commit together)."""

    session: Any
    case_id: int
    form: str | None
    element_id: str
    data: dict
    case_data: dict
    actor: Any
    role: str
    now: Any


# effect(step) -> [(action, data_out)]: what a completed task changes outside its case (e.g. the
# registry career an appointment fills), written in the step's transaction; each pair becomes a
# note on the case's stream (Registry.effect_actions names them: a replay passes over them)
Effect = Callable[[StepEffect], list[tuple[str, dict]]]


@dataclass(frozen=True)
class SubjectSource:
    """Where the people a task is about come from (engine/subjects.py). `resolve(task, case_data)`
    returns their keys, or None when it cannot tell; `item`: the name a multi-instance task's input
    data item must have to use this source (checked on deploy)."""

    resolve: Callable[[dict, dict], set[str] | None]
    item: str | None = None


@dataclass(frozen=True)
class GuardRecord:
    """A statement a user records on a case for the domain's guards to read (e.g. a relation to a
    person the case is about, which keeps them out of steps about that person). It is an audit event
    of its own `action` on the case's stream, validated by the form `form`; it changes no workflow
    state (a replay passes over it), and each later step's guards get the case's records. The record
    names the user it is about in its `username` field: any participant may record one about
    themself, a holder of one of `roles` about anyone."""

    action: str  # the audit action
    form: str  # the form that validates it
    listed_as: str  # the key of the case's records in a case read by get_case
    label: tuple[str, str]  # (zh, en): the action in the responsibility record
    refusal: tuple[str, str]  # (en, zh): why someone else may not record it
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DefaultRoles:
    """The role a service acts in when its caller names none, in the domain's words ("" = none:
    the caller must name one)."""

    start: str = ""  # starts a case
    deploy: str = ""  # deploys procedures
    manage_users: str = ""  # changes a user's roles or activity


@dataclass(frozen=True)
class CaseScope:
    """Which cases a role opens: every case; or those with a ready task of `task_roles` (its holders
    now), an event by the user (tasks they held), an event in `acted_roles` (the case reached that
    role), or a step input whose list field in `named_in` names the user (e.g. an inspection team)."""

    every: bool = False
    task_roles: frozenset[str] = frozenset()
    acted: bool = False
    acted_roles: frozenset[str] = frozenset()
    named_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleConflict:
    """Roles nobody may hold together (e.g. who administers the system does not audit it)."""

    roles: frozenset[str]
    message: str
    message_zh: str


@dataclass
class Registry:
    services: dict[str, Callable] = field(default_factory=dict)
    forms: dict[str, FormValidator] = field(default_factory=dict)
    functions: dict[str, Callable] = field(default_factory=dict)
    guards: list[Guard] = field(default_factory=list)
    annotators: list[Annotator] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    effect_actions: dict[str, tuple[str, str]] = field(default_factory=dict)  # action -> (zh, en) label
    guard_record: GuardRecord | None = None  # None: nothing is recorded for guards
    default_roles: DefaultRoles = field(default_factory=DefaultRoles)
    # summarize(case_data) -> [warning codes] shown on the case (e.g. "calendar_unverified")
    warnings: list[Callable[[dict], list[str]]] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)  # empty: any lane name is accepted as a role
    account_roles: set[str] = field(default_factory=set)  # roles a user may hold; empty: any
    role_conflicts: list[RoleConflict] = field(default_factory=list)  # checked by engine/accounts.py
    # Tasks about particular people: a task's `subject` property names one of `subject_sources`; a
    # task whose form is a key of `subject_forms` must name that source, else deployment refuses it.
    subject_sources: dict[str, SubjectSource] = field(default_factory=dict)
    subject_forms: dict[str, str] = field(default_factory=dict)
    # check_parameters(overrides) -> {name: message}: a procedure parameter's values the domain refuses
    check_parameters: Callable[[dict], dict[str, str]] | None = None
    # derived_records(case_data) -> [guard records]: records the domain finds in the case's own data
    # (e.g. in records copied into it), listed with the recorded ones and given to the guards like
    # them, without anyone recording them
    derived_records: Callable[[dict], list[dict]] | None = None
    narrate: Narrator | None = None
    describe_parameters: ParameterDescriber | None = None
    # case data keys that name a case in lists and headings (e.g. the unit and the post), in order
    headline: tuple[str, ...] = ()
    # need-to-know (engine/reading.py): `scope(roles) -> [CaseScope]`, the cases each role opens;
    # `view(actor, case, in_scope=, mine=, forms=)` -> what of one case the actor sees (`sections`,
    # `data()`, `prefill()`, `event()`, `declarations()`); `free_sections`: reads left off the trail.
    # None: every reader sees everything.
    visibility: Any = None

    def service(self, name: str):
        """Decorator: `@registry.service("tally_recommendation")`."""

        def register(fn):
            self.services[name] = fn
            return fn

        return register

    def note_actions(self) -> tuple[str, ...]:
        """Audit actions recorded on a case's stream that change no state: a replay passes over them."""
        return ("step_refused", *((self.guard_record.action,) if self.guard_record else ()), *self.effect_actions)

    def form(self, name: str, validator: FormValidator) -> None:
        self.forms[name] = validator
