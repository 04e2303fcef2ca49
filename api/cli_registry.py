"""`cadreflow registry import FILE` and `cadreflow registry template FILE`: the registry from a
spreadsheet (docs/registry-import.md), all rows or none, with a progress bar."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from engine.users import get_actor

from .policy import allowed


def _ctx():
    from . import engine_context

    return engine_context(current_app)


@click.group("registry")
def registry_group():
    """The cadre registry (干部信息库)."""


@registry_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", default="clerk1", show_default=True,
              help="the user importing (a clerk or admin; recorded on the registry's audit trail)")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True,
              help="language of the error messages")
@with_appcontext
def registry_import(path: Path, username: str, lang: str):
    """Import persons from an .xlsx or .csv file: every row, or nothing when any cell is wrong."""
    from workflows.registry import importer, store
    from workflows.registry.records import masked_errors

    ctx = _ctx()
    actor = get_actor(ctx, username, active_only=True)
    if actor is None or not allowed(actor, "person.write"):
        raise click.ClickException(f"{username} is no active clerk or admin: pass --as USERNAME")
    started = time.perf_counter()
    parsed = importer.parse(path.read_bytes(), path.name, lang)
    if parsed.errors:
        for error in masked_errors(parsed.errors):
            click.echo(error["message"], err=True)
        raise click.ClickException(f"{len(parsed.errors)} error(s): nothing was imported")
    click.echo(f"{len(parsed.persons)} persons read in {time.perf_counter() - started:.1f} s", err=True)
    role = "clerk" if actor.holds("clerk") else "admin"
    with tqdm(total=len(parsed.persons), desc="import", unit="person", file=sys.stderr, disable=None) as bar:
        counts = store.import_persons(ctx, parsed.persons, actor, role, progress=bar.update)
    click.echo(f"created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']} "
               f"in {time.perf_counter() - started:.1f} s")


@registry_group.command("template")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
def registry_template(path: Path, lang: str):
    """Write the import template (.xlsx) to PATH."""
    from workflows.registry import importer

    path.write_bytes(importer.build_template(lang))
    click.echo(f"wrote {path}")
