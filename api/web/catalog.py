"""Compile the translation catalogs when they are missing or stale, so no build step is needed.

Each language folder may hold several .po files (one per part of the web app, e.g. messages.po,
auditor.po, editor.po); they are merged into the one messages.mo Flask-Babel reads.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalogs(root: str) -> None:
    for folder in Path(root, "translations").glob("*/LC_MESSAGES"):
        sources = sorted(folder.glob("*.po"))
        mo = folder / "messages.mo"
        if not sources or (mo.exists() and mo.stat().st_mtime >= max(p.stat().st_mtime for p in sources)):
            continue
        merged = Catalog(locale=folder.parent.name)
        for po in sources:
            with po.open("rb") as source:
                for message in read_po(source):
                    if message.id and message.string:
                        merged.add(message.id, message.string)
        with mo.open("wb") as target:
            write_mo(target, merged)
