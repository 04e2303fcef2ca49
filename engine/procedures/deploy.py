"""Deploying BPMN files as new immutable procedure versions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..actors import Actor
from ..errors import Conflict, ProcedureInvalid
from ..hashing import canonical_json
from ..storage.models import ProcedureVersion
from ..xmlsafe import BpmnXmlError, parse_xml
from . import bpmnxml
from .specs import build_parser, specs_for
from .validation import check_file

if TYPE_CHECKING:
    from ..context import EngineContext

PROCEDURES_STREAM = "procedures"


@dataclass(frozen=True)
class DeployResult:
    key: str
    version: int
    sha256: str
    created: bool  # False: identical content was already deployed as this version


def latest_versions(session) -> list[ProcedureVersion]:
    newest = select(ProcedureVersion.key, func.max(ProcedureVersion.version).label("v")).group_by(
        ProcedureVersion.key
    ).subquery()
    return list(session.scalars(
        select(ProcedureVersion)
        .join(newest, (ProcedureVersion.key == newest.c.key) & (ProcedureVersion.version == newest.c.v))
        .order_by(ProcedureVersion.key)
    ))


def deploy_directory(ctx: EngineContext, directory: str | Path, actor: Actor, role: str | None = None) -> list[DeployResult]:
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(directory).glob("*.bpmn"))}
    return deploy_files(ctx, files, actor, role)


def deploy_files(ctx: EngineContext, files: dict[str, str | bytes], actor: Actor, role: str | None = None) -> list[DeployResult]:
    """Validate every file, then store each file's procedure as version N+1 (or reuse identical content).
    `role`: the role recorded for the deployment (default: the domain's, Registry.default_roles.deploy).

    All files deploy in one transaction: one invalid file deploys nothing. Call activities resolve
    against the other files given and the latest deployed versions of other procedures.
    """
    role = role or ctx.registry.default_roles.deploy or "-"
    files, problems = _texts(files)
    if problems:
        raise ProcedureInvalid(problems)
    roots = {}
    for name, content in files.items():
        try:
            roots[name] = parse_xml(content, name)
        except BpmnXmlError as exc:
            problems.append({"file": name, "element": None, "line": exc.line, "message": exc.message_en,
                             "message_zh": exc.message_zh})
    if problems:
        raise ProcedureInvalid(problems)
    for name, root in roots.items():
        problems += check_file(name, root, ctx.registry)
    mains = {}
    for name, root in roots.items():
        process, trouble = bpmnxml.main_process(root, Path(name).stem)
        if trouble:
            problems.append({"file": name, "element": None, "line": None, "message": trouble,
                             "message_zh": "无法确定哪个流程是本文件的主流程；请以文件名命名主流程"})
        else:
            mains[name] = process
    if problems:
        raise ProcedureInvalid(problems)

    with ctx.unit_of_work(write=True) as uow:
        library = _library(uow.session, files, roots)
        parser = build_parser({**library, **files})
        owners = _process_owners({**library, **files})
        results = []
        for name, process in mains.items():
            results.append(_store(uow.session, ctx, parser, owners, {**library, **files}, name, process, actor, role))
        try:
            uow.commit()
        except IntegrityError as exc:
            raise Conflict("another deployment of the same procedure happened at the same moment; try again",
                           message_zh="同一流程正被同时部署，请重试") from exc
    return results


def _texts(files: dict[str, str | bytes]) -> tuple[dict[str, str], list[dict]]:
    """The files as text; an upload that is not UTF-8 is a problem of that file, not a server error."""
    texts, problems = {}, []
    for name, content in files.items():
        try:
            texts[name] = content.decode("utf-8") if isinstance(content, bytes) else content
        except UnicodeDecodeError as exc:
            problems.append({"file": name, "element": None, "line": None,
                             "message": f"the file is not UTF-8 text (byte {exc.start})",
                             "message_zh": f"文件不是 UTF-8 编码的文本（第 {exc.start} 字节）"})
    return texts, problems


def _library(session, files: dict[str, str], roots: dict) -> dict[str, str]:
    """Files of the latest deployed versions, so a new file may call a process deployed earlier.

    A deployed file defining a process that the new files define is left out, whatever its name:
    the new file replaces it (a modeler saves under any name). Each procedure's own main file comes
    before the copies other versions carry of the files they call, as the newest definition.
    """
    defined = {p.get("id") for root in roots.values() for p in bpmnxml.processes(root)}
    rows = latest_versions(session)
    candidates = [(row.main_file, row.files[row.main_file]) for row in rows]
    candidates += [(name, content) for row in rows for name, content in row.files.items() if name != row.main_file]
    library: dict[str, str] = {}
    for name, content in candidates:
        if name in files or name in library:
            continue
        ids = {p.get("id") for p in bpmnxml.processes(parse_xml(content, name))}
        if not ids & defined:
            library[name] = content
            defined |= ids
    return library


def _fingerprint(files: dict[str, str]) -> list[str]:
    """What a version's files hold, without their names: the same content deployed under another
    file name is the same version."""
    return sorted(hashlib.sha256(content.encode()).hexdigest() for content in files.values())


def _process_owners(files: dict[str, str]) -> dict[str, str]:
    owners = {}
    for name, content in files.items():
        for process in bpmnxml.processes(parse_xml(content, name)):
            owners.setdefault(process.get("id"), name)
    return owners


def _store(session, ctx: EngineContext, parser, owners, all_files, filename, process, actor, role) -> DeployResult:
    key = process.get("id")
    _spec, subprocess_specs = specs_for(parser, key, filename)
    bundle_names = sorted({filename} | {owners[p] for p in subprocess_specs if p in owners})
    bundle = {name: all_files[name] for name in bundle_names}
    digest = hashlib.sha256(
        canonical_json({n: hashlib.sha256(c.encode()).hexdigest() for n, c in bundle.items()}).encode()
    ).hexdigest()
    latest = session.scalars(
        select(ProcedureVersion).where(ProcedureVersion.key == key).order_by(ProcedureVersion.version.desc()).limit(1)
    ).first()
    if latest is not None and (latest.sha256 == digest or _fingerprint(latest.files) == _fingerprint(bundle)):
        return DeployResult(key, latest.version, latest.sha256, created=False)

    tasks = {}
    for name in bundle_names:
        for proc in bpmnxml.processes(parse_xml(bundle[name], name)):
            if proc.get("id") == key or proc.get("id") in subprocess_specs:
                tasks.update(bpmnxml.task_catalogue(proc))
    row = ProcedureVersion(
        key=key,
        version=(latest.version + 1) if latest else 1,
        name=process.get("name") or key,
        sha256=digest,
        main_file=filename,
        files=bundle,
        parameters=bpmnxml.process_parameters(process),
        tasks=tasks,
        deployed_at=ctx.clock.now(),
        deployed_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.append(session, PROCEDURES_STREAM, [audit.NewEvent(
        "procedure_deployed", actor, role, element_id=key,
        data_in={"files": {n: hashlib.sha256(c.encode()).hexdigest() for n, c in bundle.items()}},
        data_out={"key": key, "version": row.version, "sha256": digest, "parameters": row.parameters},
    )], at=row.deployed_at)
    return DeployResult(key, row.version, digest, created=True)
