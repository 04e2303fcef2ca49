"""Working days of mainland China: admin-entered dates, then ``chinesecalendar``, then weekdays.

``is_working_day`` answers ``(working, verified)``. An answer is *verified* when it comes from an
admin-entered date or from the ``chinesecalendar`` package; for a year the package does not cover
the answer falls back to Monday–Friday and is *unverified* (the case shows ``calendar_unverified``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import chinese_calendar


def covered_years() -> range:
    """The years the installed ``chinesecalendar`` knows (holidays and adjusted working days)."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return range(min(years), max(years) + 1)


def _as_date(value: Any, what: str = "day") -> date:
    if isinstance(value, datetime):
        raise TypeError(f"{what}: pass a calendar date (Beijing day), not a datetime: {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{what}: expected an ISO date such as 2027-01-01, got {value!r}") from None
    raise ValueError(f"{what}: expected an ISO date such as 2027-01-01, got {type(value).__name__} {value!r}")


class WorkingCalendar:
    """Admin overrides first, then the package, then Monday–Friday (unverified)."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            if not isinstance(working, bool):
                raise ValueError(f"override for {day}: working must be true or false, got {working!r}")
            self.overrides[_as_date(day)] = working

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> WorkingCalendar:
        """Build from admin rows such as ``{"day": "2027-01-01", "working": false}``.

        ``working`` must be a boolean (0/1 from a database is accepted). The same day entered twice
        with different answers is an error rather than a silent choice.
        """
        overrides: dict[date, bool] = {}
        for row in records:
            day = _as_date(row.get("day"))
            working = row.get("working")
            if isinstance(working, int) and not isinstance(working, bool) and working in (0, 1):
                working = bool(working)
            if not isinstance(working, bool):
                raise ValueError(f"calendar entry {day}: working must be true or false, got {working!r}")
            if overrides.get(day, working) != working:
                raise ValueError(f"calendar entry {day} is entered both as working and as a holiday")
            overrides[day] = working
        return cls(overrides)

    def is_working_day(self, d: date) -> tuple[bool, bool]:
        """``(working, verified)`` for the Beijing calendar day ``d``."""
        d = _as_date(d)
        if d in self.overrides:
            return self.overrides[d], True
        try:
            return bool(chinese_calendar.is_workday(d)), True
        except NotImplementedError:
            return d.weekday() < 5, False
