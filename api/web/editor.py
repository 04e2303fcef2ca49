"""BPMN editors' pages: procedures and versions, the modeler, deploying, comparing versions.

Deploying always goes through `engine.procedures.deploy_files`, which validates and stores a new
immutable version; nothing here writes a version itself.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select

from engine.errors import EngineError, ProcedureInvalid
from engine.procedures import bpmnxml, deploy_files
from engine.storage.models import ProcedureVersion
from engine.xmlsafe import BpmnXmlError, parse_xml
from workflows import ROLES, TASK_ROLES
from workflows.forms import FORM_NAMES

from ..timefmt import beijing
from .helpers import OUTCOMES, SUBJECTS, ctx, english, label, lang
from .helpers import ROLES as ROLE_LABELS
from .users import actor, requires

bp = Blueprint("editor", __name__, url_prefix="/procedures")
MAX_BPMN_BYTES = 5_000_000  # as the REST API (api/rest/procedures.py)
MODEL = bpmnxml.NS["bpmn"]
# Elements whose children are compared one by one rather than as part of the parent.
CONTAINERS = {"definitions", "process", "subProcess", "adHocSubProcess", "transaction", "collaboration", "laneSet"}
OWN_CHILDREN = {"dataInputAssociation", "dataOutputAssociation"}
IGNORED = {"incoming", "outgoing"}  # repeat what the sequence flows say


def register(app) -> None:
    app.register_blueprint(bp)



def _version(session, key: str, number: int) -> ProcedureVersion:
    row = session.scalars(select(ProcedureVersion).where(ProcedureVersion.key == key,
                                                         ProcedureVersion.version == number)).first()
    if row is None:
        abort(404)
    return row


def _versions(session, key: str | None = None) -> list:
    query = select(ProcedureVersion.key, ProcedureVersion.version, ProcedureVersion.name, ProcedureVersion.sha256,
                   ProcedureVersion.main_file, ProcedureVersion.deployed_at, ProcedureVersion.deployed_by)
    if key is not None:
        query = query.where(ProcedureVersion.key == key)
    return session.execute(query.order_by(ProcedureVersion.key, ProcedureVersion.version.desc())).all()


def localized(problem: dict) -> dict:
    text = problem.get("message") if english() else (problem.get("message_zh") or problem.get("message"))
    return {**problem, "text": text}


# --- pages -----------------------------------------------------------------------------------------

@bp.get("/")
@requires("procedure.edit")
def procedures():
    return _procedures_page()


def _procedures_page(problems: list | None = None, filename: str = "", status: int = 200):
    with ctx().unit_of_work() as uow:
        rows = _versions(uow.session)
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(row)
    return render_template("procedures.html", grouped=grouped, problems=problems or [],
                           filename=filename), status


@bp.post("/upload")
@requires("procedure.deploy")
def upload():
    """Deploy a .bpmn file made in another modeler; on failure list the problems per element."""
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        flash(_("Choose a .bpmn file to upload."), "error")
        return _procedures_page(status=422)
    content = sent.read(MAX_BPMN_BYTES + 1)
    if len(content) > MAX_BPMN_BYTES:
        flash(_("The file is larger than 5 MB."), "error")
        return _procedures_page(filename=sent.filename, status=422)
    name = _file_name(sent.filename, content)
    try:
        results = deploy_files(ctx(), {name: content}, actor(), "editor")
    except ProcedureInvalid as exc:
        flash(_("The file was not deployed: %(count)s problem(s).", count=len(exc.problems)), "error")
        return _procedures_page([localized(p) for p in exc.problems], sent.filename, 422)
    except EngineError as exc:
        flash(exc.localized(lang()), "error")
        return _procedures_page(filename=sent.filename, status=409)
    for result in results:
        if result.created:
            flash(_("%(key)s deployed as version %(version)s.", key=result.key, version=result.version), "ok")
        else:
            flash(_("%(key)s: identical to version %(version)s; nothing deployed.", key=result.key,
                    version=result.version), "ok")
    return redirect(url_for("editor.procedures"))


def _file_name(uploaded: str, content: bytes) -> str:
    """The name the version stores its file under: the one the procedure's versions already use (a
    file exported from another modeler is often called diagram_1.bpmn), else the upload's own name."""
    name = PurePosixPath(uploaded.replace("\\", "/")).name or "upload.bpmn"
    name = name if name.endswith(".bpmn") else name + ".bpmn"
    try:
        process, _trouble = bpmnxml.main_process(parse_xml(content, name), PurePosixPath(name).stem)
    except BpmnXmlError:
        return name  # deploy_files reports the problem
    if process is None:
        return name
    with ctx().unit_of_work() as uow:
        known = _versions(uow.session, process.get("id"))
    return known[0].main_file if known else name


@bp.get("/<key>/<int:number>")
@requires("procedure.edit")
def view(key: str, number: int):
    with ctx().unit_of_work() as uow:
        row = _version(uow.session, key, number)
        version = {"key": row.key, "version": row.version, "name": row.name, "sha256": row.sha256,
                   "main_file": row.main_file, "files": sorted(row.files), "parameters": row.parameters,
                   "tasks": row.tasks, "deployed_at": beijing(row.deployed_at), "deployed_by": row.deployed_by}
        numbers = [r.version for r in _versions(uow.session, key)]
    return render_template("editor_version.html", v=version, numbers=numbers, shown=_shown)


@bp.get("/<key>/<int:number>/edit")
@requires("procedure.edit")
def edit(key: str, number: int):
    with ctx().unit_of_work() as uow:
        row = _version(uow.session, key, number)
        version = {"key": row.key, "version": row.version, "name": row.name, "main_file": row.main_file}
        latest = _versions(uow.session, key)[0].version
    roles = [{"key": k, "label": label(ROLE_LABELS, k), "name": ROLE_LABELS[k][0]}  # name: a new lane's (Chinese) name
             for k in sorted(TASK_ROLES) + ["system"] + sorted(ROLES - TASK_ROLES)]
    registry = ctx().registry
    subjects = [{"key": k, "label": label(SUBJECTS, k)} for k in sorted(registry.subject_sources)]
    return render_template("editor_modeler.html", v=version, latest=latest, roles=roles, forms=sorted(FORM_NAMES),
                           outcomes=sorted(OUTCOMES), subjects=subjects, subject_forms=registry.subject_forms)


@bp.get("/<key>/<int:number>/model.json")
@requires("procedure.edit")
def model(key: str, number: int):
    """The version's main file (what the modeler edits) and its parameters."""
    with ctx().unit_of_work() as uow:
        row = _version(uow.session, key, number)
        return jsonify({"key": row.key, "version": row.version, "main_file": row.main_file,
                        "xml": row.files[row.main_file], "parameters": row.parameters})


@bp.post("/<key>/<int:number>/deploy")
@requires("procedure.deploy")
def deploy(key: str, number: int):
    """Deploy the modeler's XML as the next version, under the file name of the version it was edited from.

    201 {key, version, created, url} (200 when identical to the latest version); 422 {problems}."""
    body = request.get_json(silent=True) or {}
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        return jsonify({"message": _("The request carries no BPMN XML."), "problems": []}), 400
    if len(xml.encode()) > MAX_BPMN_BYTES:
        return jsonify({"message": _("The file is larger than 5 MB."), "problems": []}), 422
    with ctx().unit_of_work() as uow:
        main_file = _version(uow.session, key, number).main_file
    try:
        results = deploy_files(ctx(), {main_file: xml}, actor(), "editor")
    except ProcedureInvalid as exc:
        return jsonify({"message": _("Not deployed: %(count)s problem(s).", count=len(exc.problems)),
                        "problems": [localized(p) for p in exc.problems]}), 422
    except EngineError as exc:
        return jsonify({"message": exc.localized(lang()), "problems": []}), 409
    result = results[0]
    message = (_("Deployed as version %(version)s.", version=result.version) if result.created
               else _("Identical to version %(version)s; nothing deployed.", version=result.version))
    return jsonify({"key": result.key, "version": result.version, "sha256": result.sha256, "created": result.created,
                    "message": message, "url": url_for("editor.view", key=result.key, number=result.version),
                    "edit_url": url_for("editor.edit", key=result.key, number=result.version)}), \
        201 if result.created else 200


@bp.get("/<key>/diff")
@requires("procedure.edit")
def diff_page(key: str):
    a, b, numbers = _pair(key)
    found = compare(key, a, b)
    return render_template("editor_diff.html", key=key, a=a, b=b, numbers=numbers, d=found, shown=_shown)


@bp.get("/<key>/diff.json")
@requires("procedure.edit")
def diff_json(key: str):
    """Which elements were added, removed or changed from version a to version b, both XML texts."""
    a, b, _numbers = _pair(key)
    found = compare(key, a, b)
    with ctx().unit_of_work() as uow:
        found["xml_a"] = _main_xml(_version(uow.session, key, a))
        found["xml_b"] = _main_xml(_version(uow.session, key, b))
    return jsonify(found)


def _main_xml(row) -> str:
    return row.files[row.main_file]


def _pair(key: str) -> tuple[int, int, list[int]]:
    with ctx().unit_of_work() as uow:
        numbers = [r.version for r in _versions(uow.session, key)]
    if not numbers:
        abort(404)
    b = request.args.get("b", type=int) or numbers[0]
    a = request.args.get("a", type=int) or next((n for n in numbers if n < b), b)
    if a not in numbers or b not in numbers:
        abort(404)
    return a, b, numbers


def _shown(value) -> str:
    """A parameter's value as the diagram writes it (parameters are stored parsed: 5, null, "2/3")."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# --- comparing two versions ------------------------------------------------------------------------

def compare(key: str, a: int, b: int) -> dict:
    """Elements (by id) added, removed or changed between two versions' main files, ignoring the
    diagram layout (BPMNDI), whitespace and attribute order; and the parameters that changed."""
    with ctx().unit_of_work() as uow:
        old, new = _version(uow.session, key, a), _version(uow.session, key, b)
        before, after = signatures(_main_xml(old), old.main_file), signatures(_main_xml(new), new.main_file)
        params_a, params_b = dict(old.parameters), dict(new.parameters)

    def entry(kind, element_id, info):
        return {"id": element_id, "kind": kind, "type": info["type"], "name": info["name"],
                "participant": info.get("participant")}

    elements = ([entry("added", i, after[i]) for i in after if i not in before]
                + [entry("removed", i, before[i]) for i in before if i not in after]
                + [entry("changed", i, after[i]) for i in after if i in before and after[i]["sig"] != before[i]["sig"]])
    parameters = [{"name": name, "a": _shown(params_a[name]) if name in params_a else None,
                   "b": _shown(params_b[name]) if name in params_b else None}
                  for name in sorted(set(params_a) | set(params_b)) if params_a.get(name, ...) != params_b.get(name, ...)]
    by_kind = {kind: sorted(e["id"] for e in elements if e["kind"] == kind) for kind in ("added", "removed", "changed")}
    return {"key": key, "a": a, "b": b, **by_kind, "elements": elements, "parameters": parameters}


def signatures(xml: str, filename: str) -> dict[str, dict]:
    """element id -> {type, name, sig} for every BPMN model element compared on its own."""
    root = parse_xml(xml, filename)
    lane_of, participant_of = {}, {}
    for process in bpmnxml.processes(root):
        lane_of.update(bpmnxml.lanes(process))
    for participant in root.xpath(".//bpmn:participant", namespaces=bpmnxml.NS):
        participant_of[participant.get("processRef")] = participant.get("id")
    found = {}
    for el in root.iter(f"{{{MODEL}}}*"):
        element_id = el.get("id")
        parent = el.getparent()
        if element_id is None or parent is None or not _own(el):
            continue
        sig = _canon(el)
        if element_id in lane_of:  # moving a task to another lane changes who does it
            sig = [sig, lane_of[element_id]]
        found[element_id] = {"type": bpmnxml.local(el), "name": el.get("name") or "",
                             "sig": json.dumps(sig, ensure_ascii=False),
                             "participant": participant_of.get(element_id)}
    return found


def _own(el) -> bool:
    parent = el.getparent()
    return isinstance(parent.tag, str) and parent.tag.startswith(f"{{{MODEL}}}") and (
        bpmnxml.local(parent) in CONTAINERS or bpmnxml.local(el) in OWN_CHILDREN)


def _canon(el) -> list:
    children = []
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = etree.QName(child)
        if name.namespace == MODEL and (name.localname in IGNORED or (child.get("id") and _own(child))):
            continue
        children.append(_canon(child))
    if bpmnxml.local(el) == "lane":  # the order of a lane's members means nothing
        children.sort(key=lambda c: json.dumps(c, ensure_ascii=False))
    return [el.tag, sorted(el.attrib.items()), (el.text or "").strip(), children]
