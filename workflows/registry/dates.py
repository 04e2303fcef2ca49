"""Calendar arithmetic of the qualification rules: whole years and months, never floats.

A period of N years or months ends on the corresponding day of the target month, or on that
month's last day when it has no such day (Civil Code art. 202): 2020-02-29 plus 5 years is
2025-02-28, 2026-08-31 plus 6 months is 2027-02-28.

Time in posts is counted in days over half-open intervals [start, end): a post's `end` is the day
the person left it (usually the start of the next post), so consecutive posts neither overlap nor
leave a gap. Served time that is not one continuous stretch is compared as if it were: N years
are served when ``add_years(as_of - served_days, N) <= as_of``, which for one stretch up to the
start date is exactly ``add_years(start, N) <= as_of``.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any


def as_date(value: Any) -> date | None:
    """An ISO date string or a date; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def add_months(day: date, months: int) -> date:
    """`day` plus `months`, clamped to the month's last day (Civil Code art. 202)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def full_years(born: date, on: date) -> int:
    """Completed years from `born` to `on` (an age): the anniversary counts on its day."""
    years = on.year - born.year
    return years if add_years(born, years) <= on else years - 1


def span(start: date, end: date) -> tuple[int, int, int]:
    """(years, months, days) from `start` to `end` (end >= start), for display."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    days = (end - add_months(start, months)).days
    return months // 12, months % 12, days


def merged(intervals: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Half-open intervals merged where they overlap or touch; empty ones dropped."""
    out: list[tuple[date, date]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def served_days(posts: Iterable[dict], as_of: date) -> int:
    """Days spent in `posts` before `as_of` (an open post runs up to `as_of`), overlaps once."""
    intervals = []
    for post in posts:
        start, end = as_date(post.get("start")), as_date(post.get("end"))
        if start is None:
            continue
        end = as_of if end is None or end > as_of else end
        intervals.append((start, end))
    return sum((end - start).days for start, end in merged(intervals))


def years_reached(days: int, years: int, as_of: date) -> tuple[bool, date]:
    """Whether `days` of service before `as_of` make `years` years, and the day they were (or
    will be, at the same pace) reached."""
    virtual_start = as_of - timedelta(days=days)
    reached = add_years(virtual_start, years)
    return reached <= as_of, reached
