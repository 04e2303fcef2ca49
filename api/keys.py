"""The key that signs session cookies: never in the code.

Taken from `CADREFLOW_SECRET_KEY`, else from the file `secret_key` in the instance folder.
`cadreflow run` creates that file (random, mode 0600) on its first start; a production server
(`api.wsgi`) refuses to start without one of the two.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

KEY_FILE = "secret_key"
MIN_LENGTH = 32  # characters: a key of 32 random hex digits is 128 bits


class KeyProblem(Exception):
    """No usable key: the message says how to set one."""


def how_to_set(instance_path: str) -> str:
    return (f"set CADREFLOW_SECRET_KEY (at least {MIN_LENGTH} random characters, e.g. "
            "export CADREFLOW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')) "
            f"or put one in {Path(instance_path) / KEY_FILE} (mode 0600); `cadreflow run` creates that file "
            "on its first start")


def configured_key(instance_path: str) -> str | None:
    """The key from the environment or the instance folder's file; None when neither is there."""
    key = os.environ.get("CADREFLOW_SECRET_KEY", "").strip()
    if not key:
        key = _read(Path(instance_path) / KEY_FILE) or ""
    if key and len(key) < MIN_LENGTH:
        raise KeyProblem(f"the session key is shorter than {MIN_LENGTH} characters: {how_to_set(instance_path)}")
    return key or None


def instance_key(instance_path: str) -> str:
    """The configured key, or a new random one written to the instance folder (mode 0600)."""
    key = configured_key(instance_path)
    if key:
        return key
    path = Path(instance_path) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: two processes starting at once do not overwrite each other's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return configured_key(instance_path) or _empty(path)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    return configured_key(instance_path) or _empty(path)


def _read(path: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyProblem(f"{path} may be read by other users (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}")
    return path.read_text().strip()


def _empty(path: Path) -> str:
    raise KeyProblem(f"{path} is empty; delete it and start `cadreflow run` again, or write a key into it")
