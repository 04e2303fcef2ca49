from datetime import UTC, datetime

from api.timefmt import beijing


def test_an_evening_in_utc_is_the_next_morning_in_beijing():
    assert beijing("2026-09-30T16:30:00Z") == "2026-10-01 00:30"
    assert beijing(datetime(2026, 9, 30, 16, 30, tzinfo=UTC), seconds=True) == "2026-10-01 00:30:00"


def test_naive_is_utc_and_none_is_empty():
    assert beijing(datetime(2026, 9, 30, 15, 59)) == "2026-09-30 23:59"
    assert beijing(None) == ""
