"""Procedures: list, read a version, deploy a BPMN file (editors)."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from engine.errors import ValidationFailed
from engine.hashing import iso
from engine.procedures import deploy_files, versions

from ..auth import current_actor
from ..i18n import say
from ..policy import authorize
from ..schemas import Deployed, Error, ProcedureSummary, ProcedureVersion
from . import current_engine

blp = Blueprint("procedures", __name__, url_prefix="/api/v1/procedures", description="BPMN procedures and versions")
MAX_BPMN_BYTES = 5_000_000


def summary(version: dict) -> dict:
    return {"key": version["key"], "version": version["version"], "name": version["name"],
            "sha256": version["sha256"], "deployed_at": iso(version["deployed_at"]), "deployed_by": version["deployed_by"]}


@blp.get("")
@blp.response(200, ProcedureSummary(many=True))
def list_procedures():
    """The latest version of each procedure."""
    authorize(current_actor(), "procedure.read")
    return [summary(version) for version in versions.latest(current_engine())]


@blp.get("/<string:key>/versions/<int(min=1,max=2147483647):number>")
@blp.response(200, ProcedureVersion)
@blp.alt_response(404, schema=Error, description="no such procedure version")
def get_version(key: str, number: int):
    """One version: its BPMN text, parameters, files and task catalogue."""
    authorize(current_actor(), "procedure.read")
    version = versions.get_version(current_engine(), key, number)
    return {**summary(version), **{k: version[k] for k in ("bpmn", "parameters", "files", "tasks")}}


@blp.post("")
@blp.response(201, Deployed)
@blp.alt_response(422, schema=Error, description="the file is invalid: `fields` and `errors` name each element and problem")
@blp.doc(requestBody={"required": True, "content": {
    "application/xml": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                 "format": "binary"}}}}}})
def deploy():
    """Deploy a BPMN file as the next version (201); identical content returns the existing version (200)."""
    actor = current_actor()
    authorize(actor, "procedure.deploy", label="POST /procedures")
    name, content = _uploaded_file()
    results = deploy_files(current_engine(), {name: content}, actor, "editor")
    if not results:
        raise ValidationFailed("the file defines no procedure", message_zh="文件中没有可执行流程",
                               fields={"file": say("no executable process", "文件中没有可执行流程")})
    first = results[0]
    body = {"key": first.key, "version": first.version, "sha256": first.sha256, "created": first.created,
            "procedures": [r.__dict__ for r in results]}
    return body, 201 if first.created else 200


def _uploaded_file() -> tuple[str, bytes]:
    # Reading the body raises 413 beyond MAX_CONTENT_LENGTH (the request limit); a file that fits the
    # request but not the BPMN limit is a 422 naming the file.
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed("send the BPMN file in the field 'file'",
                                   fields={"file": say("missing", "缺少文件")}, message_zh="请在字段 file 中上传 BPMN 文件")
        name = (upload.filename or "upload.bpmn").rsplit("/", 1)[-1]
        content = upload.read(MAX_BPMN_BYTES + 1)
    elif request.mimetype in ("application/xml", "text/xml", "application/bpmn+xml"):
        name = request.args.get("filename", "upload.bpmn").rsplit("/", 1)[-1]
        content = request.get_data()
    else:
        raise ValidationFailed("send application/xml or multipart/form-data with a 'file'",
                               fields={"file": say("unsupported content type", "不支持的内容类型")},
                               message_zh="请以 application/xml 或 multipart/form-data（字段 file）上传")
    if len(content) > MAX_BPMN_BYTES:
        raise ValidationFailed("the file is larger than 5 MB", fields={"file": say("larger than 5 MB", "文件超过 5 MB")},
                               message_zh="文件超过 5 MB")
    return (name if name.endswith(".bpmn") else name + ".bpmn"), content
