"""The cadre registry's pages for clerks: search, one page per person (the 干部任免审批表 with the
career as a timeline), add and edit a record, import a spreadsheet, units and their quotas (and
changing a unit's quotas).

Who may open what is `api/policy.py`'s table (person.read/write, unit.read/write), as for REST;
the services (workflows/registry/store.py) validate, write and audit. The identity-card number is
shown masked and never sent to the browser in clear: the edit form leaves it blank (a number typed
there replaces the recorded one). Every page that shows records reads them through the store's
recorded reads (`read_person`, `find_persons`, `read_unit`, `read_units`), so each is on the read
trail, and auditors see who read a person, or a unit, on its page.
"""

from __future__ import annotations

import io
import re
from functools import partial

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError, fields, validate

from engine.errors import Forbidden, ValidationFailed
from workflows.forms.base import Form
from workflows.forms.export import form_json_schema
from workflows.registry import importer, store, vocab
from workflows.registry.person import TITLE, PersonSchema
from workflows.registry.records import PERSON, UNIT, current_post, masked_errors

from ..policy import allowed, authorize, matched_role
from .formrender import read_form, widgets
from .helpers import current_engine, english, lang, newest_first_page
from .users import actor, requires

bp = Blueprint("registry_pages", __name__, url_prefix="/registry")
PERSON_FORM = Form("person", TITLE, PersonSchema)
SEARCH_LIMIT = 20  # a picker lists a few; a clerk narrows the words rather than scrolls
SEARCHES_PER_PAGE = 50  # searches of the registry per page of the auditors' list
READS_PER_PAGE = 50  # reads of a person or a unit per page of its access log
MAX_IMPORT_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VOCABULARIES = {"level": vocab.LEVELS, "kind": vocab.EDUCATION_KINDS + vocab.SANCTION_KINDS,
                "grade": vocab.APPRAISAL_GRADES, "relation": vocab.RELATIONS, "education": vocab.EDUCATION_LEVELS}


def register(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["may"] = lambda action: allowed(actor(), action)


def _check(action: str) -> str:
    """The role the user acts in, or 403 (the refusal recorded, as for every rule of the table)."""
    try:
        return authorize(actor(), action, label=f"web {request.path}")
    except Forbidden:
        abort(403)


def _schema() -> dict:
    return form_json_schema(PERSON_FORM, lang())


def term(vocabulary: str, key) -> str:
    """A vocabulary key (level, grade, relation, kind of education or sanction) as a clerk reads it."""
    return vocab.label(VOCABULARIES[vocabulary], key, lang()) if key else ""


def start_choices(schema: dict) -> tuple[dict, set[str]]:
    """The start form with the registry's units and the levels as lists to pick from, and the
    free-text `unit` and `rank` hidden (they are filled from the choice); without any unit in the
    registry, the free-text fields stay and the lists go."""
    props = schema.get("properties", {})
    if "unit_id" not in props:
        return schema, set()
    units = store.list_units(current_engine())
    if not units:
        return schema, {"unit_id", "level"}
    props = {**props, "unit_id": {**props["unit_id"], "type": "integer", "title": _("Unit"),
                                  "enum": [u["id"] for u in units], "x-enum-titles": [u["name"] for u in units]}}
    level = props["level"]
    props["level"] = {**level, "type": "string", "enum": [v for v in level["enum"] if v is not None],
                      "x-enum-titles": [t for t in level["x-enum-titles"] if t is not None]}
    return {**schema, "properties": props, "required": [*schema.get("required", []), "unit_id", "level"]}, \
        {"unit", "rank"}


# --- search and read ---------------------------------------------------------------------------


@bp.get("")
@login_required
def search():
    role = _check("person.read")
    q = request.args.get("q", "").strip()[:64]
    searched = bool(q or request.args.get("all"))
    found = store.find_persons(current_engine(), actor(), role, q, "web /registry") if searched else []
    # auditors: who searched, newest first, a page at a time (GET /api/v1/persons/searches pages them too)
    searches, log = None, None
    if allowed(actor(), "person.access_log"):
        searches, log = newest_first_page(partial(store.person_searches, current_engine()), "searches_page",
                                          SEARCHES_PER_PAGE)
    return render_template("registry_search.html", q=q, found=found, searched=searched, searches=searches, log=log,
                           all=request.args.get("all"))


class SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=64))


@bp.get("/search.json")
@login_required
def search_json():
    """The nominate form's picker: persons whose name, unit or current post contains `q`, each with
    what tells two of one name apart (birth date, current post); never the identity-card number."""
    role = _check("person.read")
    try:
        q = SearchArgs().load(request.args.to_dict(flat=True), unknown="exclude")["q"].strip()
    except ValidationError:
        return jsonify({"errors": {"q": _("The search words: at most 64 characters.")}}), 422
    found = store.find_persons(current_engine(), actor(), role, q, "web /registry/search.json",
                               limit=SEARCH_LIMIT) if q else []
    return jsonify({"q": q, "persons": [{k: p.get(k) for k in ("id", "name", "gender", "birth_date", "current_post")}
                                        for p in found]})


@bp.get("/persons/<int:person_id>")
@login_required
def person(person_id: int):
    role = _check("person.read")
    record = store.read_person(current_engine(), actor(), role, person_id, "web person page")
    reads, log = _reads(PERSON.kind, person_id)
    labels = {name: prop.get("title", name) for name, prop in _schema()["properties"].items()}
    items = {name: {k: p.get("title", k) for k, p in prop["items"]["properties"].items()}
             for name, prop in _schema()["properties"].items() if prop.get("type") == "array"}
    career = sorted(record.get("posts") or [], key=lambda p: p.get("start") or "", reverse=True)
    return render_template("registry_person.html", p=record, labels=labels, items=items, career=career,
                           current=current_post(record), term=term, reads=reads, log=log)


def _reads(kind: str, key: int) -> tuple[list[dict] | None, dict | None]:
    """A page of who read the record `key` of `kind` (a person, a unit), newest first, for the auditors'
    section of its page (`reads_page`), and its pager's figures; (None, None) for a reader whom the rule
    `<kind>.access_log` does not let see it. A person read for years has thousands of reads."""
    if not allowed(actor(), f"{kind}.access_log"):
        return None, None
    return newest_first_page(partial(store.record_reads, current_engine(), kind, key), "reads_page", READS_PER_PAGE)


# --- add and edit ------------------------------------------------------------------------------


def _edit_page(values: dict, errors: dict, action: str, title: str, masked_id: str, status: int = 200):
    schema = _schema()
    return render_template("registry_edit.html", title=title, fields=widgets(schema, values, hidden={"id_number"},
                                                                             submitted=bool(errors)),
                           errors=errors, action=action, masked_id=masked_id,
                           id_value=request.form.get("id_number", "") if errors else ""), status


def _submitted() -> dict:
    values = read_form(_schema(), request.form)
    values.pop("id_number", None)
    typed = request.form.get("id_number", "").strip()
    return {**values, "id_number": typed} if typed else values


@bp.route("/persons/new", methods=["GET", "POST"])
@login_required
def new_person():
    role = _check("person.write")
    title, action = _("New person"), url_for("registry_pages.new_person")
    if request.method == "GET":
        return _edit_page({}, {}, action, title, "")
    values = _submitted()
    try:
        created = store.create_person(current_engine(), values, actor(), role, lang())
    except ValidationFailed as exc:
        flash(exc.localized(lang()), "error")
        return _edit_page(values, exc.fields, action, title, "", 422)
    flash(_("%(name)s added to the registry.", name=created["name"]), "ok")
    return redirect(url_for("registry_pages.person", person_id=created["id"]))


@bp.route("/persons/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit_person(person_id: int):
    role = _check("person.write")
    # the form shows the whole record: a read, recorded in the role the user edits in
    shown = store.read_person(current_engine(), actor(), role, person_id, "web person edit page")
    title = _("Edit %(name)s", name=shown["name"])
    action = url_for("registry_pages.edit_person", person_id=person_id)
    if request.method == "GET":
        return _edit_page({k: v for k, v in shown.items() if k not in ("id", "id_number")}, {}, action, title,
                          shown.get("id_number") or "")
    values = _submitted()
    try:
        store.replace_person(current_engine(), person_id, values, actor(), role, lang())
    except ValidationFailed as exc:
        flash(exc.localized(lang()), "error")
        return _edit_page(values, exc.fields, action, title, shown.get("id_number") or "", 422)
    flash(_("The record of %(name)s was saved.", name=values.get("name") or shown["name"]), "ok")
    return redirect(url_for("registry_pages.person", person_id=person_id))


# --- import ------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page():
    role = _check("person.write")
    errors, counts, status = [], None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        content = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
        if not upload or not upload.filename:
            errors = [{"message": _("Choose a file to import.")}]
        elif len(content) > MAX_IMPORT_BYTES:
            errors = [{"message": _("The file is larger than 5 MB.")}]
        else:
            parsed = importer.parse(content, upload.filename.rsplit("/", 1)[-1], lang())
            errors = masked_errors(parsed.errors)
            if not errors:
                counts = store.import_persons(current_engine(), parsed.persons, actor(), role)
        if errors:
            flash(_("Nothing was imported: correct the cells listed below and import the file again."), "error")
            status = 422
    return render_template("registry_import.html", errors=errors, counts=counts), status


@bp.get("/import/template.xlsx")
@login_required
def template():
    _check("person.read")
    name = "registry-import-template.xlsx" if english() else "干部信息导入模板.xlsx"
    return send_file(io.BytesIO(importer.build_template(lang())), mimetype=XLSX, as_attachment=True,
                     download_name=name)


# --- units -------------------------------------------------------------------------------------


@bp.route("/units", methods=["GET", "POST"])
@login_required
def units():
    reader = _check("unit.read")
    errors, form, status = {}, {}, 200
    if request.method == "POST":
        role = _check("unit.write")
        form = {"name": request.form.get("name", "").strip(),
                "quotas": {level: request.form.get(f"quotas.{level}", "").strip() for level in vocab.LEVEL_KEYS}}
        try:
            store.create_unit(current_engine(), {"name": form["name"], "quotas": _typed_quotas(request.form)},
                              actor(), role, lang())
        except ValidationFailed as exc:
            flash(exc.localized(lang()), "error")
            errors, status = exc.fields, 422
        else:
            flash(_("Unit %(name)s added.", name=form["name"]), "ok")
            return redirect(url_for("registry_pages.units"))
    listed = store.read_units(current_engine(), actor(), reader, "web /registry/units")
    return render_template("registry_units.html", units=listed, levels=vocab.LEVEL_KEYS,
                           term=term, errors=errors, form=form), status


@bp.get("/units/<int:unit_id>")
@login_required
def unit(unit_id: int):
    """One unit with its approved, filled and vacant posts per level; auditors see who read it."""
    role = _check("unit.read")
    shown = store.read_unit(current_engine(), actor(), role, unit_id, "web unit page")
    reads, log = _reads(UNIT.kind, unit_id)
    return render_template("registry_unit.html", unit=shown, term=term, reads=reads, log=log)


def _typed_quotas(form) -> dict:
    """The quota fields as typed: digits as numbers, anything else as typed (the schema refuses it
    naming the level), an empty field left out (no approved post at that level)."""
    typed = {level: form.get(f"quotas.{level}", "").strip() for level in vocab.LEVEL_KEYS}
    return {level: int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else text for level, text in typed.items() if text}


@bp.route("/units/<int:unit_id>/quotas", methods=["GET", "POST"])
@requires("unit.write")
def unit_quotas(unit_id: int):
    """Change a unit's approved posts per level (职数); below the posts filled is refused with the figures."""
    role = matched_role(actor(), "unit.write")
    unit = store.read_unit(current_engine(), actor(), role, unit_id, "web unit quotas page")
    errors, typed, status = {}, dict(unit.get("quotas") or {}), 200
    if request.method == "POST":
        typed = _typed_quotas(request.form)
        try:
            store.set_quotas(current_engine(), unit_id, {"quotas": typed}, actor(), role, lang())
        except ValidationFailed as exc:
            flash(exc.localized(lang()), "error")
            errors, status = exc.fields, 422
        else:
            flash(_("The approved posts of %(name)s were saved.", name=unit["name"]), "ok")
            return redirect(url_for("registry_pages.units"))
    return render_template("registry_unit_quotas.html", unit=unit, typed=typed, levels=vocab.LEVEL_KEYS,
                           term=term, errors=errors), status
