"""The `cadreflow` command line (also `flask --app api ...`)."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from tqdm import tqdm

from engine import timers, trail
from engine.accounts import PASSWORD_POLICY
from engine.actors import Actor
from engine.errors import EngineError, ValidationFailed
from engine.migrations import upgrade
from engine.procedures import deploy_directory
from engine.replay import replay
from engine.users import create_user


def _ctx():
    from . import engine_context

    return engine_context(current_app)


def _url() -> str:
    return str(_ctx().db_engine.url.render_as_string(hide_password=False))


@click.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade():
    """Apply the migrations."""
    kind = _ctx().registry.guard_record
    upgrade(_url(), guard_action=kind.action if kind else None)
    click.echo("database schema is up to date")


@click.command("deploy")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--as", "username", default="system", help="who deploys (recorded in the audit trail)")
@with_appcontext
def deploy(path: Path, username: str):
    """Deploy every .bpmn file in PATH (a folder or one file) as new procedure versions."""
    from engine.procedures import deploy_files

    actor = Actor(username, username, frozenset({"editor"}))
    try:
        if path.is_dir():
            results = deploy_directory(_ctx(), path, actor)
        else:
            results = deploy_files(_ctx(), {path.name: path.read_text(encoding="utf-8")}, actor)
    except EngineError as exc:
        for problem in getattr(exc, "problems", []):
            where = ":".join(str(x) for x in (problem.get("file"), problem.get("line")) if x)
            click.echo(f"{where} [{problem.get('element') or '-'}] {problem['message']}", err=True)
        raise click.ClickException(exc.message) from exc
    if not results:
        click.echo(f"no .bpmn files in {path}")
    for r in results:
        click.echo(f"{r.key}: version {r.version} {'deployed' if r.created else 'unchanged'} ({r.sha256[:12]})")


@click.group("users")
def users_group():
    """Users and roles."""


@users_group.command("create", help="Create a user holding ROLE (repeat --role for several). The password: "
                     f"{PASSWORD_POLICY[0]}. Nobody may hold admin together with auditor.")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name", default=None)
@with_appcontext
def users_create(name, roles, password, display_name):
    try:
        create_user(_ctx(), name, list(roles), password, display_name)
    except ValidationFailed as exc:
        for field, message in exc.fields.items():
            click.echo(f"{field}: {message}", err=True)
        raise click.ClickException(exc.message) from exc
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {name} ({', '.join(roles)})")


@click.command("demo")
@with_appcontext
def demo():
    """Demo users (password = username) and, in a database without cases, cases at various steps."""
    from engine.errors import NotFound
    from workflows import DEMO_USERS
    from workflows.demo import demo_users, seed_demo

    for username in demo_users(_ctx()):
        click.echo(f"created demo user {username} ({', '.join(DEMO_USERS[username][1])})")
    try:
        made = seed_demo(_ctx())
    except NotFound as exc:
        raise click.ClickException(f"{exc.message}: run `cadreflow deploy bpmn/` first") from exc
    if made:
        click.echo(f"created demo cases {', '.join(map(str, made))}")
    from workflows.registry.demo import seed_registry

    units, people = seed_registry(_ctx())
    if units:
        click.echo(f"created the demo registry: {people} persons in {units} units")


@click.command("worker")
@click.option("--interval", default=3.0, help="seconds between passes")
@with_appcontext
def worker(interval: float):
    """Fire due timers (and take audit checkpoints) until interrupted; several may run."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    timers.run_worker(_ctx(), interval=interval)


@click.command("run")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--interval", default=3.0, help="seconds between timer passes")
@click.option("--threads", default=4, help="threads serving requests")
@with_appcontext
def run(host: str, port: int, interval: float, threads: int):
    """Serve the application with the timer worker in the same process (embedded mode).

    waitress is a production WSGI server that serves from threads of one process, so the timer
    worker is simply one more thread beside it (README: "Why waitress")."""
    from waitress import serve

    from .keys import KeyProblem, instance_key

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    if not app.secret_key:  # first start: a random key in the instance folder, kept for the next ones
        try:
            app.secret_key = instance_key(app.instance_path)
        except KeyProblem as exc:
            raise click.ClickException(str(exc)) from exc
    stop = threading.Event()
    thread = threading.Thread(target=timers.run_worker, args=(_ctx(),), kwargs={"interval": interval, "stop": stop},
                              daemon=True, name="timer-worker")
    thread.start()
    try:
        serve(app, host=host, port=port, threads=threads)
    finally:
        stop.set()


@click.group("calendar")
def calendar_group():
    """Working-day calendar entries that the calendar package lacks or that override it."""


@calendar_group.command("set")
@click.argument("days", nargs=-1, required=True)
@click.option("--holiday/--working", "holiday", required=True, help="the days are holidays or working days")
@click.option("--note", default="")
@click.option("--as", "username", default="admin1")
@with_appcontext
def calendar_set(days, holiday: bool, note: str, username: str):
    """Mark DAYS (YYYY-MM-DD ...) as holidays or (adjusted) working days."""
    from datetime import date

    from engine.reference import put_entries

    try:
        entries = {date.fromisoformat(d).isoformat(): {"working": not holiday, "note": note} for d in days}
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="DAYS") from exc
    put_entries(_ctx(), "calendar", entries, Actor(username, username, frozenset({"admin"})), "admin")
    click.echo(f"{len(entries)} day(s) set as {'holidays' if holiday else 'working days'}")


@click.group("audit")
def audit_group():
    """Verify, checkpoint, replay and export the audit trail."""


@audit_group.command("verify")
@click.option("--checkpoint", "checkpoint_files", multiple=True, type=click.Path(exists=True),
              help="an exported checkpoint to check against as well (repeatable)")
@with_appcontext
def audit_verify(checkpoint_files):
    """Recompute every hash chain; exit 1 on any break."""
    ctx = _ctx()
    exported = [json.loads(Path(f).read_text()) for f in checkpoint_files]
    with tqdm(total=trail.event_count(ctx), unit="event", file=sys.stderr, disable=None) as bar:
        report = trail.verify_all(ctx, checkpoints=exported, progress=bar.update)
    for p in report.problems:
        click.echo(f"TAMPERED {p['stream']} seq {p['seq']}: {p['problem']}")
    click.echo(f"{report.events_checked} events in {report.streams_checked} streams checked: "
               + ("OK" if report.ok else f"{len(report.problems)} problem(s)"))
    sys.exit(0 if report.ok else 1)


@audit_group.command("checkpoint")
@click.option("--export", "export_path", type=click.Path(dir_okay=False), help="also write it to this file")
@with_appcontext
def audit_checkpoint(export_path):
    """Record a Merkle root over every stream head (keep exported copies elsewhere)."""
    data = trail.checkpoint(_ctx())
    if export_path:
        Path(export_path).write_text(json.dumps(data, ensure_ascii=False, indent=1))
    click.echo(f"checkpoint {data['id']}: root {data['root']} over {data['stream_count']} streams")


@audit_group.command("replay")
@click.argument("case_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="replay every case (with --since: those started since DATE)")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="with --all: cases started on or after DATE "
              "(YYYY-MM-DD, Beijing time)")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="with --all: worker processes (default: CPUs)")
@with_appcontext
def audit_replay(case_id: int | None, every: bool, since, jobs: int | None):
    """Re-run a case (or --all cases) from its events; exit 1 if any step differs."""
    if every == (case_id is not None):
        raise click.UsageError("give either CASE_ID or --all / 请给出案件编号或 --all")
    if every:
        _replay_all(since, jobs or os.cpu_count() or 1)
    report = replay(_ctx(), case_id)
    for step in report.steps:
        click.echo(f"{step['seq']:>4} {step['action']:<18} {step['element_id'] or '':<28} {'ok' if step['ok'] else 'DIFFERS'}")
    for m in report.mismatches:
        click.echo(f"MISMATCH seq {m['seq']}: {m['problem']}")
    sys.exit(0 if report.ok else 1)


def _replay_all(since, jobs: int):
    from engine.replay_all import case_ids, replay_all

    from .timefmt import BEIJING

    ctx = _ctx()
    ids = case_ids(ctx, since.replace(tzinfo=BEIJING) if since else None)
    with tqdm(total=len(ids), unit="case", file=sys.stderr, disable=None) as bar:
        report = replay_all(ctx, ids=ids, jobs=jobs, progress=bar.update)
    for failure in report.failures:
        for problem in failure.problems:
            click.echo(f"DIFFERS case {failure.case_id} (first at seq {failure.first_seq}): {problem}")
    click.echo(f"{len(report.outcomes)} cases, {report.events} events replayed: "
               + ("OK" if report.ok else f"{len(report.failures)} case(s) differ"))
    sys.exit(0 if report.ok else 1)


@audit_group.command("export")
@click.argument("case_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "pdf"]), default="json")
@click.option("--lang", default="zh-CN", help="zh-CN or en, for the labels")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write to this file (default: standard output)")
@with_appcontext
def audit_export(case_id: int, fmt: str, lang: str, output: str | None):
    """Write a case's responsibility record (every step: who, role, when, entered, decided, in words)."""
    from engine.records import responsibility_record

    from .web.csvexport import record_csv
    from .web.pdf import record_pdf

    try:
        record = responsibility_record(_ctx(), case_id, lang)
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    if fmt == "pdf":
        body = record_pdf(record, lang)
    else:
        text = json.dumps(record, ensure_ascii=False, indent=1) if fmt == "json" else record_csv(record, lang)
        body = text.encode("utf-8")
    if output:
        Path(output).write_bytes(body)
    else:
        sys.stdout.buffer.write(body) if hasattr(sys.stdout, "buffer") else click.echo(body.decode("latin-1"), nl=False)


COMMANDS = [db_group, deploy, users_group, demo, worker, run, calendar_group, audit_group]


def register(app: Flask) -> None:
    from .cli_registry import registry_group

    for command in [*COMMANDS, registry_group]:
        app.cli.add_command(command)


def main() -> None:
    from . import create_app

    cli = FlaskGroup(create_app=create_app, add_default_commands=False, add_version_option=False,
                     help="cadreflow: the BPMN case engine for cadre selection")
    cli.main(prog_name="cadreflow")
