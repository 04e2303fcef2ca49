"""Canonical JSON, event hashes and RFC 6962 Merkle roots: the arithmetic of the audit trail."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from .clock import utc

GENESIS = "0" * 64


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def iso(dt: datetime) -> str:
    """One fixed spelling of an instant, so the same event always hashes the same on every database."""
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_body(event) -> dict:
    """Everything an event's hash covers (all its columns but `id` and `hash`)."""
    return {
        "stream": event.stream,
        "case_id": event.case_id,
        "seq": event.seq,
        "at": iso(event.at),
        "actor": {
            "username": event.actor_username,
            "display_name": event.actor_display_name,
            "role": event.actor_role,
        },
        "action": event.action,
        "element_id": event.element_id,
        "task_id": event.task_id,
        "data_in": event.data_in,
        "data_out": event.data_out,
        "comment": event.comment,
        "state_hash": event.state_hash,
        "prev_hash": event.prev_hash,
    }


def event_hash(event) -> str:
    return sha256_text(canonical_json(event_body(event)))


def merkle_root(leaves: list[bytes]) -> str:
    """RFC 6962 Merkle tree hash: leaf = H(0x00 || d), node = H(0x01 || left || right)."""

    def mth(items: list[bytes]) -> bytes:
        if not items:
            return hashlib.sha256(b"").digest()
        if len(items) == 1:
            return hashlib.sha256(b"\x00" + items[0]).digest()
        k = 1
        while k * 2 < len(items):
            k *= 2
        return hashlib.sha256(b"\x01" + mth(items[:k]) + mth(items[k:])).digest()

    return mth(leaves).hex()


def head_leaf(stream: str, seq: int, head_hash: str) -> bytes:
    return canonical_json([stream, seq, head_hash]).encode("utf-8")
