"""The registry's services: persons and units read and written through the engine's keyed
reference records, each write one transaction with its audit events (records.py says how).

Every function takes the EngineContext; REST, the web pages, the CLI and the demo call these, so
validation, masking and auditing are the same at every door. Returned records are as shown
(identity-card number masked) unless a caller asks for the stored record (`stored_person`).
A door that shows records to a user reads through `read_person`, `find_persons`, `read_unit` and
`read_units`, which leave a read record on the engine's read trail (engine/readtrail.py, as a case
read does); the plain getters are for the domain's own checks, the CLI and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from engine import readtrail
from engine import reference_records as rr
from engine.actors import Actor
from engine.errors import NotFound

from ..forms.base import Errors, failure
from ..rules import BEIJING
from . import records, vocab
from .person import TITLE, PersonSchema, validate_person
from .records import PERSON, UNIT

if TYPE_CHECKING:
    from engine.context import EngineContext

IMPORT_CHUNK = 500  # persons written between two progress reports


def today(ctx: EngineContext) -> date:
    return ctx.clock.now().astimezone(BEIJING).date()


def _missing(what: str, key) -> NotFound:
    if what == "person":
        return NotFound(f"no person {key} in the registry", message_zh=f"干部信息库中没有编号为 {key} 的人员")
    return NotFound(f"no unit {key}", message_zh=f"没有编号为 {key} 的单位")


def _id_taken(session, record: dict, key: str | None, locale: str | None) -> None:
    """Refuse an identity-card number another person of the registry already has."""
    number = record.get("id_number")
    if not number:
        return
    holders = [k for k in rr.keys_with(session, "person", "id", [records.id_digest(number)]).get(
        records.id_digest(number), []) if k != key]
    if holders:
        errors = Errors()
        errors.add("id_number", "id_taken", id=holders[0])
        raise failure(TITLE, errors.items, locale, "person", PersonSchema())


# --- persons ------------------------------------------------------------------------------------


def create_person(ctx: EngineContext, data, actor: Actor, role: str, locale: str | None = "zh-CN") -> dict:
    record = validate_person(data, locale)
    with ctx.unit_of_work(write=True) as uow:
        _id_taken(uow.session, record, None, locale)
        [saved] = rr.save(uow.session, PERSON, [(None, record)], actor, role, ctx.clock.now())
        uow.commit()
    return records.shown(saved.key, record)


def stored_person(ctx: EngineContext, person_id: int) -> dict:
    """The record as stored (identity-card number in clear): for the domain's checks, never shown."""
    with ctx.unit_of_work() as uow:
        record = rr.get(uow.session, "person", str(person_id))
    if record is None:
        raise _missing("person", person_id)
    return record


def get_person(ctx: EngineContext, person_id: int) -> dict:
    return records.shown(str(person_id), stored_person(ctx, person_id))


def search_persons(ctx: EngineContext, q: str, *, limit: int = 50) -> list[dict]:
    """Persons whose name, unit or current post contains `q`, by name then id (several may match)."""
    with ctx.unit_of_work() as uow:
        if q.strip():
            keys = rr.search(uow.session, "person", records.SEARCHED, q, limit=limit)
        else:
            keys = rr.search(uow.session, "person", ("name",), "", limit=limit)
        found = rr.get_many(uow.session, "person", keys)
    listed = [records.summary(key, record) for key, record in found.items()]
    return sorted(listed, key=lambda p: (p["name"] or "", p["id"]))


def read_person(ctx: EngineContext, actor: Actor, role: str, person_id: int, door: str) -> dict:
    """One record as shown to `actor`, the read recorded (who, role, which person, where)."""
    shown = get_person(ctx, person_id)
    note_record_read(ctx, actor, role, PERSON.kind, person_id, door)
    return shown


def note_record_read(ctx: EngineContext, actor: Actor, role: str, kind: str, key: int, door: str) -> None:
    """Record that a door showed `actor` the record `key` of `kind` (PERSON.kind, UNIT.kind), e.g. a
    change's answer: the whole person, or a unit with the posts filled read from the persons' records."""
    readtrail.note_records(ctx, actor, role, kind, [str(key)], door)


def find_persons(ctx: EngineContext, actor: Actor, role: str, q: str, door: str, *, limit: int = 50) -> list[dict]:
    """`search_persons` for `actor`, the search recorded (the words and how many matched)."""
    found = search_persons(ctx, q, limit=limit)
    readtrail.note_search(ctx, actor, role, PERSON.kind, q, len(found), door)
    return found


def record_reads(ctx: EngineContext, kind: str, key: int, *, page: int = 1, per_page: int = 50,
                 newest_first: bool = False) -> tuple[list[dict], int]:
    """A page of who read the record `key` of `kind` (PERSON.kind, UNIT.kind), oldest first unless
    `newest_first`, and how many reads there were (for auditors); 404 for no such record. Every door
    of a record's access log (a person's, a unit's) reads here."""
    with ctx.unit_of_work() as uow:
        if rr.get(uow.session, kind, str(key)) is None:
            raise _missing(kind, key)
    return readtrail.record_access_page(ctx, kind, str(key), page=page, per_page=per_page, newest_first=newest_first)


def person_searches(ctx: EngineContext, *, page: int = 1, per_page: int = 50,
                    newest_first: bool = False) -> tuple[list[dict], int]:
    """A page of who searched the registry's persons (the words, how many matched), oldest first
    unless `newest_first`, and how many searches there were (for auditors)."""
    return readtrail.record_access_page(ctx, PERSON.kind, page=page, per_page=per_page, newest_first=newest_first)


def patch_person(ctx: EngineContext, person_id: int, data, actor: Actor, role: str, locale: str | None = "zh-CN") -> dict:
    """Change the fields given (a list is replaced whole); one audited event naming what changed."""
    changes = validate_person(data, locale, partial=True)
    with ctx.unit_of_work(write=True) as uow:
        before = rr.get(uow.session, "person", str(person_id))
        if before is None:
            raise _missing("person", person_id)
        record = {**before, **changes}
        _id_taken(uow.session, record, str(person_id), locale)
        rr.save(uow.session, PERSON, [(str(person_id), record)], actor, role, ctx.clock.now())
        uow.commit()
    return records.shown(str(person_id), record)


def replace_person(ctx: EngineContext, person_id: int, data, actor: Actor, role: str, locale: str | None = "zh-CN") -> dict:
    """Replace the whole record (the web's edit form), keeping the recorded identity-card number
    when none is given: the form never holds it in clear."""
    if not isinstance(data, dict):
        return patch_person(ctx, person_id, data, actor, role, locale)
    if not data.get("id_number"):
        data = {**data, "id_number": stored_person(ctx, person_id).get("id_number")}
    record = validate_person(data, locale)
    return patch_person(ctx, person_id, record, actor, role, locale)


def _merged(before: dict, imported: dict) -> dict:
    """An imported row over the recorded person: its fields replace the record's, except a list
    the file left empty (a file without a sheet of posts does not erase the career)."""
    return {**before, **{k: v for k, v in imported.items() if not (isinstance(v, list) and not v and before.get(k))}}


def import_persons(ctx: EngineContext, persons: list[dict], actor: Actor, role: str,
                   progress: Callable[[int], None] | None = None) -> dict:
    """Write parsed persons (importer.parse's output) in one transaction: a row whose
    identity-card number is recorded updates that person, any other is created. `progress(n)` is
    called as rows are prepared and written. Returns {created, updated, unchanged}."""
    with ctx.unit_of_work(write=True) as uow:
        session = uow.session
        digests = [records.id_digest(p["id_number"]) for p in persons if p.get("id_number")]
        holders = rr.keys_with(session, "person", "id", digests)
        recorded = rr.get_many(session, "person", [keys[0] for keys in holders.values()])
        entries = []
        for person in persons:
            keys = holders.get(records.id_digest(person["id_number"])) if person.get("id_number") else None
            key = keys[0] if keys else None
            entries.append((key, _merged(recorded[key], person) if key else person))
        saved, now = [], ctx.clock.now()
        for start in range(0, len(entries), IMPORT_CHUNK):
            chunk = entries[start:start + IMPORT_CHUNK]
            saved += rr.save(session, PERSON, chunk, actor, role, now, reason="import")
            if progress:
                progress(len(chunk))
        uow.commit()
    return {"created": sum(s.created for s in saved), "updated": sum(s.changed and not s.created for s in saved),
            "unchanged": sum(not s.changed for s in saved)}


# --- units --------------------------------------------------------------------------------------


def _with_figures(session, key: str, unit: dict, on: date) -> dict:
    seats = [records.seat(unit["name"], level) for level in vocab.LEVEL_KEYS]
    holders = {k for keys in rr.keys_with(session, "person", "seat", seats).values() for k in keys}
    figures = records.quota_figures(unit, rr.get_many(session, "person", holders), on)
    return {"id": int(key), **unit, "levels": figures,
            "filled": {level: f["filled"] for level, f in figures.items()},
            "vacant": {level: f["vacant"] for level, f in figures.items()}}


def create_unit(ctx: EngineContext, data, actor: Actor, role: str, locale: str | None = "zh-CN") -> dict:
    unit = records.validate_unit(data, locale)
    with ctx.unit_of_work(write=True) as uow:
        [saved] = rr.save(uow.session, UNIT, [(None, unit)], actor, role, ctx.clock.now())
        result = _with_figures(uow.session, saved.key, unit, today(ctx))
        uow.commit()
    return result


def update_unit(ctx: EngineContext, unit_id: int, data, actor: Actor, role: str, locale: str | None = "zh-CN") -> dict:
    unit = records.validate_unit(data, locale)
    with ctx.unit_of_work(write=True) as uow:
        if rr.get(uow.session, "unit", str(unit_id)) is None:
            raise _missing("unit", unit_id)
        rr.save(uow.session, UNIT, [(str(unit_id), unit)], actor, role, ctx.clock.now())
        result = _with_figures(uow.session, str(unit_id), unit, today(ctx))
        uow.commit()
    return result


def set_quotas(ctx: EngineContext, unit_id: int, data, actor: Actor, role: str, locale: str | None = "zh-CN") -> dict:
    """Replace a unit's approved posts per level (`{quotas: {level: n}}`; a level left out has none);
    refused, naming the level and the figures, below the posts filled today. One audited event
    `unit_changed` on the registry stream says who changed the quotas from what to what."""
    quotas = records.validate_quotas(data, locale)
    with ctx.unit_of_work(write=True) as uow:
        before = rr.get(uow.session, "unit", str(unit_id))
        if before is None:
            raise _missing("unit", unit_id)
        unit = {**before, "quotas": quotas}
        # saved first: the write takes the registry's lock row, so no appointment fills a post
        # between the count below and the commit; a refusal rolls the change back
        rr.save(uow.session, UNIT, [(str(unit_id), unit)], actor, role, ctx.clock.now(), reason="quotas")
        result = _with_figures(uow.session, str(unit_id), unit, today(ctx))
        records.quotas_below_filled(unit, quotas, result["filled"], locale)
        uow.commit()
    return result


def get_unit(ctx: EngineContext, unit_id: int) -> dict:
    with ctx.unit_of_work() as uow:
        unit = rr.get(uow.session, "unit", str(unit_id))
        if unit is None:
            raise _missing("unit", unit_id)
        return _with_figures(uow.session, str(unit_id), unit, today(ctx))


def read_unit(ctx: EngineContext, actor: Actor, role: str, unit_id: int, door: str) -> dict:
    """One unit with its figures, the read recorded."""
    unit = get_unit(ctx, unit_id)
    note_record_read(ctx, actor, role, UNIT.kind, unit_id, door)
    return unit


def read_units(ctx: EngineContext, actor: Actor, role: str, door: str) -> list[dict]:
    """Every unit with its figures, the read recorded as a listing (how many units it showed)."""
    units = list_units(ctx)
    readtrail.note_search(ctx, actor, role, UNIT.kind, "", len(units), door)
    return units


def list_units(ctx: EngineContext) -> list[dict]:
    with ctx.unit_of_work() as uow:
        units = rr.get_many(uow.session, "unit", rr.search(uow.session, "unit", ("name",), "", limit=1000))
        on = today(ctx)
        listed = [_with_figures(uow.session, key, unit, on) for key, unit in units.items()]
    return sorted(listed, key=lambda u: u["id"])
