"""What the steps after nomination read of a case: its start date, its post's level, a nominee's record.

Shared by the forms (workflows/forms/) and the service tasks (workflows/qualifying.py); imports
neither, so both can use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from .registry import vocab
from .rules import BEIJING

# ranks typed on the start form before levels were chosen from a list (职级 of domain.md)
RANK_LEVELS = {
    "副科级": "township_deputy", "正科级": "township_chief", "副处级": "county_deputy", "正处级": "county_chief",
    "副县级": "county_deputy", "正县级": "county_chief", "副厅级": "bureau_deputy", "正厅级": "bureau_chief",
    "副局级": "bureau_deputy", "正局级": "bureau_chief",
}


def start_day(case_data: dict) -> date:
    """The case's start date in Beijing (the engine records `started_at`); today for an old case."""
    started = (case_data or {}).get("started_at")
    moment = datetime.fromisoformat(started.replace("Z", "+00:00")) if isinstance(started, str) else datetime.now(UTC)
    return moment.astimezone(BEIJING).date()


def case_level(data: dict) -> str | None:
    """The level of the case's post: `level` (chosen on the start form), else read from `rank`."""
    level = data.get("level")
    if level in vocab.LEVEL_KEYS:
        return level
    rank = str(data.get("rank") or "").strip()
    return RANK_LEVELS.get(rank) or (vocab.from_label(vocab.LEVELS, rank) if rank else None)


def record_of(nominee: dict) -> dict:
    """The record a rule reads: the snapshot taken at nomination (a nominee typed before the
    registry has only the fields of the form) with the nominee's id and name."""
    record = dict(nominee.get("record") or {k: v for k, v in nominee.items() if k in ("gender", "birth_date")})
    return {**record, "person_id": nominee.get("person_id"), "name": nominee.get("name")}


def nominee_key(nominee: dict):
    """How the case tells a nominee apart: the person id, else (a nominee typed before the registry) the name."""
    return nominee.get("person_id") if nominee.get("person_id") is not None else nominee.get("name")
