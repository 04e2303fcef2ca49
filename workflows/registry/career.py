"""What a person record says as of a date: rank, last promotion, probation, posts held."""

from __future__ import annotations

from datetime import date

from . import vocab
from .dates import as_date


def posts_by(person: dict, as_of: date) -> list[dict]:
    """The posts begun on or before `as_of`, in order of their start."""
    posts = [p for p in person.get("posts") or [] if as_date(p.get("start")) and as_date(p["start"]) <= as_of]
    return sorted(posts, key=lambda p: as_date(p["start"]))


def holds(post: dict, on: date) -> bool:
    end = as_date(post.get("end"))
    return as_date(post["start"]) <= on and (end is None or end > on)


def current_rank(person: dict, as_of: date) -> int:
    """The highest leadership level held by `as_of` (index into vocab.LEVELS); -1 for none."""
    return max((vocab.rank(vocab.LEVELS, p.get("level")) for p in posts_by(person, as_of)), default=-1)


def last_promotion(person: dict, as_of: date) -> dict | None:
    """The post of the last promotion by `as_of`: the latest post whose level is above every level
    held before it (the first leadership post counts)."""
    highest, found = -1, None
    for post in posts_by(person, as_of):
        level = vocab.rank(vocab.LEVELS, post.get("level"))
        if level > highest:
            highest, found = level, post
    return found


def on_probation(person: dict, as_of: date) -> dict | None:
    """A post whose probation runs on `as_of` (its last day included)."""
    for post in posts_by(person, as_of):
        until = as_date(post.get("probation_until"))
        if until is not None and until >= as_of:
            return post
    return None


def highest_education(person: dict) -> str | None:
    levels = [e.get("level") for e in person.get("education") or []]
    known = [level for level in levels if level in vocab.EDUCATION_LEVEL_KEYS]
    return max(known, key=lambda level: vocab.rank(vocab.EDUCATION_LEVELS, level), default=None)


def leadership_posts_in(person: dict, unit: str, on: date) -> list[dict]:
    """The leadership posts (with a level) `person` holds in `unit` on `on`."""
    return [p for p in person.get("posts") or []
            if p.get("level") and p.get("unit") == unit and as_date(p.get("start")) and holds(p, on)]
