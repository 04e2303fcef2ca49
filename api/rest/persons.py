"""The cadre registry's persons: add, search, read, change, import (clerk, admin; readers: org_head, auditor).

The identity-card number is masked in every response; the services (workflows/registry/store.py)
validate, write and audit (stream `registry`).
"""

from __future__ import annotations

import io
from functools import partial

from flask import request, send_file
from flask_smorest import Blueprint

from workflows.registry import importer, store
from workflows.registry.records import PERSON, masked_errors

from ..auth import current_actor
from ..i18n import locale, say
from ..policy import authorize
from ..registry_schemas import (
    FILE_BODY,
    PERSON_BODY,
    PERSON_PATCH,
    ImportOut,
    PersonOut,
    PersonQuery,
    PersonSummary,
    RecordReadOut,
)
from ..schemas import Error, Paging
from . import current_engine, json_body, paged

blp = Blueprint("persons", __name__, url_prefix="/api/v1/persons", description="The cadre registry: persons")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
ID = "<int(min=1,max=2147483647):person_id>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.post("")
@blp.doc(requestBody=PERSON_BODY)
@blp.response(201, PersonOut)
@blp.alt_response(422, schema=Error, description="the record is invalid: a message per field")
def create():
    """Add a person to the registry (clerk, admin); 201 with the record and its `id`."""
    actor = current_actor()
    role = authorize(actor, "person.write", label="POST /persons")
    return store.create_person(current_engine(), json_body(), actor, role, locale())


@blp.get("")
@blp.arguments(PersonQuery, location="query")
@blp.response(200, PersonSummary(many=True))
def search(query):
    """Search by name, unit or current post (`q`); several persons may match (same name): each
    with birth date and current post to tell them apart."""
    actor = current_actor()
    role = authorize(actor, "person.read", label="GET /persons")
    return store.find_persons(current_engine(), actor, role, query["q"], "GET /api/v1/persons?q=", limit=query["limit"])


@blp.get(f"/{ID}")
@blp.response(200, PersonOut)
@blp.alt_response(404, schema=Error, description="no such person")
def get(person_id: int):
    """One person's record, identity-card number masked; the read is on the person's access log."""
    actor = current_actor()
    role = authorize(actor, "person.read", label=f"GET /persons/{person_id}")
    return store.read_person(current_engine(), actor, role, person_id, "GET /api/v1/persons/{id}")


@blp.get("/searches")
@blp.arguments(Paging, location="query")
@blp.response(200, RecordReadOut(many=True), headers={"X-Pagination": "PAGINATION"})
def searches(paging):
    """Who searched the registry: when, in which role, the words (`q`), how many persons matched
    (`hits`), through which door (the read trail; auditor). Oldest first; `page` and `per_page`
    (X-Pagination header), as every list."""
    authorize(current_actor(), "person.access_log", label="GET /persons/searches")
    return paged(blp, paging, partial(store.person_searches, current_engine()))


@blp.get(f"/{ID}/access-log")
@blp.arguments(Paging, location="query")
@blp.response(200, RecordReadOut(many=True), headers={"X-Pagination": "PAGINATION"})
@blp.alt_response(404, schema=Error, description="no such person")
def access_log(paging, person_id: int):
    """Who read this person's record: when, in which role, through which door (the read trail;
    auditor). Oldest first; `page` and `per_page` (X-Pagination header), as every list."""
    authorize(current_actor(), "person.access_log", label=f"GET /persons/{person_id}/access-log")
    return paged(blp, paging, partial(store.record_reads, current_engine(), PERSON.kind, person_id))


@blp.patch(f"/{ID}")
@blp.doc(requestBody=PERSON_PATCH)
@blp.response(200, PersonOut)
@blp.alt_response(404, schema=Error, description="no such person")
@blp.alt_response(422, schema=Error, description="a field is invalid: a message per field; nothing changed")
def patch(person_id: int):
    """Change the fields given (a list replaces the recorded list); an audited event on `registry`."""
    actor = current_actor()
    role = authorize(actor, "person.write", label=f"PATCH /persons/{person_id}")
    changed = store.patch_person(current_engine(), person_id, json_body(), actor, role, locale())
    # the answer is the whole record: a read like any other (a writer may not otherwise read it)
    store.note_record_read(current_engine(), actor, role, PERSON.kind, person_id,
                           "PATCH /api/v1/persons/{id}")
    return changed


@blp.post("/import")
@blp.doc(requestBody=FILE_BODY)
@blp.response(200, ImportOut)
@blp.alt_response(422, schema=ImportOut, description="some cells are wrong: each named by sheet, row and field; "
                                                     "nothing was written")
def import_file():
    """Import persons from an .xlsx or .csv file (docs/registry-import.md): all rows or none.
    A row whose identity-card number is recorded updates that person."""
    actor = current_actor()
    role = authorize(actor, "person.write", label="POST /persons/import")
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    content = upload.read(MAX_IMPORT_BYTES + 1) if upload is not None else b""
    if upload is None:
        return _refused(say("Send the file in the multipart field 'file'.", "请在字段 file 中上传文件"))
    if len(content) > MAX_IMPORT_BYTES:
        return _refused(say("The file is larger than 5 MB.", "文件超过 5 MB"))
    parsed = importer.parse(content, (upload.filename or "").rsplit("/", 1)[-1], locale())
    if parsed.errors:
        return {"created": 0, "updated": 0, "unchanged": 0, "errors": masked_errors(parsed.errors)}, 422
    return {**store.import_persons(current_engine(), parsed.persons, actor, role), "errors": []}


def _refused(message: str):
    """A 422 in the import's own shape: one error about the file."""
    error = {"sheet": None, "row": None, "column": None, "field": "file", "message": message}
    return {"created": 0, "updated": 0, "unchanged": 0, "errors": [error]}, 422


@blp.get("/import/template")
@blp.response(200, description="the .xlsx template with its column layout",
              content_type=XLSX)
def template():
    """The import template (.xlsx): one sheet per kind of row, headers in the caller's language."""
    authorize(current_actor(), "person.read", label="GET /persons/import/template")
    data = importer.build_template(locale())
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=say("registry-import-template.xlsx", "干部信息导入模板.xlsx"))
