"""BPMN editors' pages: procedures and versions, the modeler, deploying, comparing versions.

Deploying always goes through `engine.procedures.deploy_files`, which validates and stores a new
immutable version; nothing here writes a version itself.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError, NotFound, ProcedureInvalid
from engine.procedures import bpmnxml, deploy_files, versions
from engine.procedures.diff import as_written, compare_versions
from engine.xmlsafe import BpmnXmlError, parse_xml
from workflows import ROLES, TASK_ROLES
from workflows.forms import FORM_NAMES

from ..timefmt import beijing
from .helpers import OUTCOMES, SUBJECTS, current_engine, english, label, lang
from .helpers import ROLES as ROLE_LABELS
from .users import actor, requires

bp = Blueprint("editor", __name__, url_prefix="/procedures")
MAX_BPMN_BYTES = 5_000_000  # as the REST API (api/rest/procedures.py)


def register(app) -> None:
    app.register_blueprint(bp)



def _version(key: str, number: int) -> dict:
    try:
        return versions.get_version(current_engine(), key, number)
    except NotFound:
        abort(404)


def localized(problem: dict) -> dict:
    text = problem.get("message") if english() else (problem.get("message_zh") or problem.get("message"))
    return {**problem, "text": text}


# --- pages -----------------------------------------------------------------------------------------

@bp.get("/")
@requires("procedure.edit")
def procedures():
    return _procedures_page()


def _procedures_page(problems: list | None = None, filename: str = "", status: int = 200):
    grouped: dict[str, list] = {}
    for version in versions.list_versions(current_engine()):
        grouped.setdefault(version["key"], []).append(version)
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
        results = deploy_files(current_engine(), {name: content}, actor(), "editor")
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
    known = versions.list_versions(current_engine(), process.get("id"))
    return known[0]["main_file"] if known else name


@bp.get("/<key>/<int:number>")
@requires("procedure.edit")
def view(key: str, number: int):
    found = _version(key, number)
    version = {**found, "files": sorted(found["files"]), "deployed_at": beijing(found["deployed_at"])}
    numbers = [v["version"] for v in versions.list_versions(current_engine(), key)]
    return render_template("editor_version.html", v=version, numbers=numbers, shown=as_written)


@bp.get("/<key>/<int:number>/edit")
@requires("procedure.edit")
def edit(key: str, number: int):
    version = _version(key, number)
    latest = versions.list_versions(current_engine(), key)[0]["version"]
    roles = [{"key": k, "label": label(ROLE_LABELS, k), "name": ROLE_LABELS[k][0]}  # name: a new lane's (Chinese) name
             for k in sorted(TASK_ROLES) + ["system"] + sorted(ROLES - TASK_ROLES)]
    registry = current_engine().registry
    subjects = [{"key": k, "label": label(SUBJECTS, k)} for k in sorted(registry.subject_sources)]
    return render_template("editor_modeler.html", v=version, latest=latest, roles=roles, forms=sorted(FORM_NAMES),
                           outcomes=sorted(OUTCOMES), subjects=subjects, subject_forms=registry.subject_forms)


@bp.get("/<key>/<int:number>/model.json")
@requires("procedure.edit")
def model(key: str, number: int):
    """The version's main file (what the modeler edits) and its parameters."""
    version = _version(key, number)
    return jsonify({"key": version["key"], "version": version["version"], "main_file": version["main_file"],
                    "xml": version["bpmn"], "parameters": version["parameters"]})


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
    main_file = _version(key, number)["main_file"]
    try:
        results = deploy_files(current_engine(), {main_file: xml}, actor(), "editor")
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
    found = compare_versions(current_engine(), key, a, b)
    return render_template("editor_diff.html", key=key, a=a, b=b, numbers=numbers, d=found, shown=as_written)


@bp.get("/<key>/diff.json")
@requires("procedure.edit")
def diff_json(key: str):
    """Which elements were added, removed or changed from version a to version b, both XML texts."""
    a, b, _numbers = _pair(key)
    found = compare_versions(current_engine(), key, a, b)
    found["xml_a"], found["xml_b"] = _version(key, a)["bpmn"], _version(key, b)["bpmn"]
    return jsonify(found)


def _pair(key: str) -> tuple[int, int, list[int]]:
    numbers = [v["version"] for v in versions.list_versions(current_engine(), key)]
    if not numbers:
        abort(404)
    b = request.args.get("b", type=int) or numbers[0]
    a = request.args.get("a", type=int) or next((n for n in numbers if n < b), b)
    if a not in numbers or b not in numbers:
        abort(404)
    return a, b, numbers
