from datetime import date, datetime

import chinese_calendar
import pytest

from workflows.calendar import WorkingCalendar, covered_years


def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def test_covered_years_agrees_with_probing_the_package():
    years = covered_years()
    assert 2026 in years
    for year in (years.start - 1, years.start, years.stop - 1, years.stop):
        assert _package_covers(year) == (year in years)


def test_package_day_is_verified():
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2026, 10, 1)) == (False, True)  # 国庆节
    assert cal.is_working_day(date(2026, 10, 10)) == (True, True)  # adjusted working Saturday (调休)
    assert cal.is_working_day(date(2026, 9, 28)) == (True, True)  # an ordinary Monday
    assert cal.is_working_day(date(2026, 9, 27)) == (False, True)  # an ordinary Sunday


def test_uncovered_year_falls_back_to_weekdays_unverified():
    year = covered_years().stop
    cal = WorkingCalendar()
    monday = next(date(year, 3, d) for d in range(1, 8) if date(year, 3, d).weekday() == 0)
    assert cal.is_working_day(monday) == (True, False)
    saturday = monday.replace(day=monday.day + 5)
    assert cal.is_working_day(saturday) == (False, False)


def test_override_wins_over_package_and_fallback():
    year = covered_years().stop
    cal = WorkingCalendar({date(2026, 10, 1): True, date(2026, 9, 28): False, date(year, 1, 1): False,
                           date(year, 1, 2): True})
    assert cal.is_working_day(date(2026, 10, 1)) == (True, True)
    assert cal.is_working_day(date(2026, 9, 28)) == (False, True)
    assert cal.is_working_day(date(year, 1, 1)) == (False, True)
    assert cal.is_working_day(date(year, 1, 2)) == (True, True)


def test_from_records():
    cal = WorkingCalendar.from_records([
        {"day": "2027-01-01", "working": False},
        {"day": date(2027, 2, 20), "working": True},
        {"day": "2027-02-11", "working": 0},  # a database 0/1
        {"day": "2027-01-01", "working": False},  # the same answer twice is harmless
    ])
    assert cal.overrides == {date(2027, 1, 1): False, date(2027, 2, 20): True, date(2027, 2, 11): False}
    assert cal.is_working_day(date(2027, 1, 1)) == (False, True)
    assert WorkingCalendar.from_records([]).overrides == {}


@pytest.mark.parametrize("rows", [
    [{"day": "2027-01-01", "working": "false"}],
    [{"day": "2027-01-01", "working": None}],
    [{"day": "2027-01-01", "working": 2}],
    [{"day": "01/01/2027", "working": False}],
    [{"working": False}],
    [{"day": "2027-01-01", "working": False}, {"day": "2027-01-01", "working": True}],
])
def test_from_records_refuses_bad_rows(rows):
    with pytest.raises(ValueError):
        WorkingCalendar.from_records(rows)


def test_overrides_must_be_booleans():
    with pytest.raises(ValueError):
        WorkingCalendar({date(2027, 1, 1): "no"})


def test_datetime_is_refused_a_date_string_accepted():
    cal = WorkingCalendar()
    with pytest.raises(TypeError):
        cal.is_working_day(datetime(2026, 10, 1, 12, 0))
    assert cal.is_working_day("2026-10-10") == (True, True)
