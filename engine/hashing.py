"""Canonical JSON, event hashes and RFC 6962 Merkle roots: the arithmetic of the audit trail."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring

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


# --- the same hash, fast, for verifying many events ------------------------------------------------


def _json_default(obj):
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def _fast_canonical():
    """canonical_json with the encoder json.dumps would build on every call built once (and no
    circular check: what is read back from JSON columns cannot hold a cycle). Checked against
    canonical_json itself before use, else canonical_json."""
    try:
        encode = c_make_encoder(None, _json_default, encode_basestring, None, ":", ",", True, False, False)

        def fast(value) -> str:
            return "".join(encode(value, 0))

        sample = {"z": [1, 2.5, -0.0, 1e16, 10**30, None, True, False], "é": {"b": "引号\"\n\u2028", "a": {}}, "": []}
        if fast(sample) == canonical_json(sample):
            return fast
    except TypeError:  # no C accelerator, or another signature
        pass
    return canonical_json


_canonical = _fast_canonical()


def _iso_fast(dt: datetime) -> str:
    """iso(dt), without strftime."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    if dt.year < 1000:  # strftime does not pad %Y on every platform: keep iso's own spelling
        return iso(dt)
    return dt.isoformat(timespec="microseconds")[:26] + "Z"


def event_hash_of(stream, case_id, seq, at, actor_username, actor_display_name, actor_role, action, element_id,
                  task_id, data_in, data_out, comment, state_hash, prev_hash) -> str:
    """event_hash of an event given as its column values (in this order): the same text, the same hash."""
    return _event_digest(stream, case_id, seq, at, actor_username, actor_display_name, actor_role, action,
                         element_id, task_id, data_in, data_out, comment, state_hash, prev_hash, _canonical)


def event_hash_of_stored(stream, case_id, seq, at, actor_username, actor_display_name, actor_role, action,
                         element_id, task_id, data_in_stored, data_out_stored, comment, state_hash, prev_hash) -> str:
    """The same, with the JSON columns as stored used verbatim: their text, or its UTF-8 bytes (what
    verify reads, so the data is never decoded). Events are stored in canonical JSON (the engine's
    JSON serializer), so for an untouched row this is its hash without parsing the data; a row whose
    text is not canonical gives another hash, and the caller falls back to event_hash_of on the
    parsed values (so a reformatted but equal value still verifies). "" (not a hash) for a value
    of another type."""
    return _event_digest(stream, case_id, seq, at, actor_username, actor_display_name, actor_role, action,
                         element_id, task_id, data_in_stored, data_out_stored, comment, state_hash, prev_hash, _verbatim)


def _verbatim(stored) -> bytes | None:
    """Stored JSON as the UTF-8 bytes its hash covers; None for a value that is no stored JSON."""
    if stored.__class__ is bytes:
        return stored
    if stored is None:
        return b"null"
    if stored.__class__ is str:
        return stored.encode("utf-8")
    return None


def _event_digest(stream, case_id, seq, at, actor_username, actor_display_name, actor_role, action, element_id,
                  task_id, data_in, data_out, comment, state_hash, prev_hash, as_json) -> str:
    """The body's own fields are spelled here, in canonical_json's key order; the data is spelled by
    `as_json`. A value of any other type than its column's goes the general way."""
    if (stream.__class__ is str and seq.__class__ is int and (case_id is None or case_id.__class__ is int)
            and actor_username.__class__ is str and actor_display_name.__class__ is str
            and actor_role.__class__ is str and action.__class__ is str and prev_hash.__class__ is str
            and (element_id is None or element_id.__class__ is str) and (task_id is None or task_id.__class__ is str)
            and (comment is None or comment.__class__ is str) and (state_hash is None or state_hash.__class__ is str)):
        head = (f'{{"action":{_str(action)},"actor":{{"display_name":{_str(actor_display_name)},'
                f'"role":{_str(actor_role)},"username":{_str(actor_username)}}},"at":"{_iso_fast(at)}",'
                f'"case_id":{"null" if case_id is None else int.__repr__(case_id)},"comment":{_opt(comment)},'
                f'"data_in":')
        tail = (f',"element_id":{_opt(element_id)},"prev_hash":{_str(prev_hash)},"seq":{int.__repr__(seq)},'
                f'"state_hash":{_opt(state_hash)},"stream":{_str(stream)},"task_id":{_opt(task_id)}}}')
        if as_json is _verbatim:  # bytes throughout: the stored data is hashed as it came
            data_in, data_out = _verbatim(data_in), _verbatim(data_out)
            if data_in is None or data_out is None:
                return ""  # not a hash: the caller takes the general way
            body = b"".join((head.encode("utf-8"), data_in, b',"data_out":', data_out, tail.encode("utf-8")))
            return hashlib.sha256(body).hexdigest()
        text = f'{head}{as_json(data_in)},"data_out":{as_json(data_out)}{tail}'
    elif as_json is _verbatim:
        return ""  # not a hash: the caller takes the general way
    else:
        text = _canonical({
            "action": action,
            "actor": {"display_name": actor_display_name, "role": actor_role, "username": actor_username},
            "at": _iso_fast(at), "case_id": case_id, "comment": comment, "data_in": data_in, "data_out": data_out,
            "element_id": element_id, "prev_hash": prev_hash, "seq": seq, "state_hash": state_hash, "stream": stream,
            "task_id": task_id,
        })  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_str = encode_basestring  # a str as JSON (ensure_ascii=False), as the canonical encoder spells it


def _opt(value: str | None) -> str:
    return "null" if value is None else _str(value)


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
    return _canonical([stream, seq, head_hash]).encode("utf-8")
