"""marshmallow schemas of the REST API: they validate requests and describe responses (OpenAPI)."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, fields, validate


class Strict(Schema):
    class Meta:
        ordered = True


class Loose(Schema):
    """A response object: the listed fields are documented; more may be present."""

    class Meta:
        unknown = "include"


# --- requests ---------------------------------------------------------------------------------------
class TokenRequest(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class StartCase(Strict):
    procedure = fields.String(required=True, validate=validate.Length(min=1, max=128))
    data = fields.Dict(required=True)
    parameters = fields.Dict(load_default=dict)


class Paging(Strict):
    """`page` and `per_page` of a list; the totals are in the X-Pagination header."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=2**31 - 1))
    per_page = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


class CaseFilter(Paging):
    status = fields.String(validate=validate.OneOf(["running", "completed", "terminated"]))
    procedure = fields.String(validate=validate.Length(max=128))
    outcome = fields.String(validate=validate.Length(max=64))


class TaskFilter(Paging):
    case = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class CompleteTask(Strict):
    data = fields.Dict(required=True)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class Message(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    data = fields.Dict(load_default=dict)


class Terminate(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class Declaration(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    nominee = fields.String(required=True, validate=validate.Length(min=1, max=200))
    relation = fields.String(required=True, validate=validate.Length(min=1, max=64))


class CalendarDay(Strict):
    day = fields.Date(required=True)
    working = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=200))


class CalendarEntries(Strict):
    days = fields.List(fields.Nested(CalendarDay), required=True, validate=validate.Length(min=1, max=400))


class ClockSet(Strict):
    # bounded, so the engine's arithmetic on the time (token expiry, timers, UTC conversion) cannot overflow
    now = fields.AwareDateTime(required=True, default_timezone=None, validate=validate.Range(
        min=datetime(1970, 1, 1, tzinfo=UTC), max=datetime(2999, 12, 31, tzinfo=UTC)))


# --- responses --------------------------------------------------------------------------------------
class Token(Loose):
    token = fields.String(required=True)
    expires_at = fields.String()
    username = fields.String()
    roles = fields.List(fields.String())


class ProcedureSummary(Loose):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String()
    sha256 = fields.String()
    deployed_at = fields.String()
    deployed_by = fields.String()


class ProcedureVersion(ProcedureSummary):
    bpmn = fields.String()
    parameters = fields.Dict()
    files = fields.Dict()
    tasks = fields.Dict()


class DeployedOne(Loose):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    sha256 = fields.String()
    created = fields.Boolean()


class Deployed(DeployedOne):
    procedures = fields.List(fields.Nested(DeployedOne))


class TaskOut(Loose):
    id = fields.String(required=True)
    case_id = fields.Integer(required=True)
    element_id = fields.String(required=True)
    title = fields.String()
    role = fields.String(allow_none=True)
    form_name = fields.String(allow_none=True)
    form = fields.Dict(allow_none=True, metadata={"description": "JSON Schema of the task's form"})
    values = fields.Dict(metadata={"description": "pre-filled values (e.g. the candidate of a per-candidate task)"})
    prefill = fields.Dict()


class CaseSummary(Loose):
    id = fields.Integer(required=True)
    procedure = fields.String()
    version = fields.Integer()
    status = fields.String()
    outcome = fields.String(allow_none=True)
    warnings = fields.List(fields.String())
    started_by = fields.String()
    started_at = fields.String()
    updated_at = fields.String()
    headline = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                           metadata={"description": "what names the case in lists, e.g. {unit, position}"})


class CaseOut(CaseSummary):
    version_id = fields.Integer()
    data = fields.Dict()
    tasks = fields.List(fields.Nested(TaskOut))
    parameters = fields.Dict()
    declarations = fields.List(fields.Dict())
    last_seq = fields.Integer()
    next_due_at = fields.String(allow_none=True)
    sections = fields.List(fields.String(), metadata={
        "description": "the sections of the case the caller was shown (need-to-know): summary, people, "
                       "inspection, integrity, deliberation; data of the others is left out"})


class Event(Loose):
    stream = fields.String()
    task_id = fields.String(allow_none=True)
    seq = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True)
    at = fields.String()
    actor = fields.Dict()
    action = fields.String()
    element_id = fields.String(allow_none=True)
    data_in = fields.Dict()
    data_out = fields.Dict()
    comment = fields.String(allow_none=True)
    state_hash = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()
    redacted = fields.Boolean(metadata={"description": "true: the caller may not read this step's data, "
                                                       "so data_in and data_out are left empty"})


class AccessRecordOut(Loose):
    at = fields.String(required=True, metadata={"description": "UTC, ISO 8601"})
    username = fields.String(required=True)
    role = fields.String(metadata={"description": "the role(s) whose rule opened the case"})
    case_id = fields.Integer()
    sections = fields.List(fields.String(), metadata={"description": "the sections read beyond the summary"})
    door = fields.String(metadata={"description": "where it was read, e.g. GET /api/v1/cases/{id} or the case page"})


class Replay(Loose):
    case_id = fields.Integer()
    ok = fields.Boolean(required=True)
    steps = fields.List(fields.Dict())
    mismatches = fields.List(fields.Dict())


class Verify(Loose):
    streams_checked = fields.Integer()
    ok = fields.Boolean(required=True)
    events_checked = fields.Integer()
    problems = fields.List(fields.Dict())


class AccountabilityEntry(Loose):
    seq = fields.Integer(required=True)
    at = fields.String(metadata={"description": "UTC, ISO 8601"})
    user = fields.String()
    display_name = fields.String(allow_none=True)
    role = fields.String()
    action = fields.String()
    action_label = fields.String()
    element_id = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    entered = fields.Dict(metadata={"description": "the event's data_in as recorded"})
    decided = fields.Dict(metadata={"description": "the event's data_out as recorded"})
    comment = fields.String(allow_none=True)
    hash = fields.String()
    narrative = fields.String(metadata={"description": "the event in words, in the caller's language"})
    redacted = fields.Boolean(metadata={"description": "true: the caller may not read this step's data, so "
                                                       "entered, decided, the words and the comment are left out"})


class Parameter(Loose):
    name = fields.String()
    label = fields.String()
    value = fields.String()


class Accountability(Loose):
    case_id = fields.Integer()
    procedure = fields.String()
    procedure_name = fields.String()
    version = fields.Integer()
    procedure_sha256 = fields.String()
    status = fields.String()
    outcome = fields.String(allow_none=True)
    parameters = fields.Dict()
    parameter_list = fields.List(fields.Nested(Parameter), metadata={"description": "the parameters, labelled"})
    sections = fields.List(fields.String(), metadata={"description": "the sections of the case the caller may read"})
    started_by = fields.String()
    started_at = fields.String()
    head_hash = fields.String()
    entries = fields.List(fields.Nested(AccountabilityEntry))


class Fired(Loose):
    fired = fields.List(fields.Integer())


class ClockOut(Loose):
    now = fields.String()


class CalendarOut(Loose):
    days = fields.Integer()


class ErrorDetail(Strict):
    code = fields.String(required=True, metadata={"description": "stable machine-readable name, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "in the caller's language (Accept-Language)"})
    field_messages = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields",
                                 metadata={"description": "a message per field path, e.g. votes.张三"})
    errors = fields.List(fields.Dict(), metadata={"description": "an invalid BPMN file: each problem's file, "
                                                                 "element, line, message and message_zh"})


class Error(Strict):
    """Every error response: {"error": {"code", "message", "fields"?}}."""

    error = fields.Nested(ErrorDetail, required=True)
