"""The test clock: frozen when set; with a file, shared by every process that reads the file."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from engine.clock import SettableClock

T = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a_set_clock_stays_put_and_advances_on_request():
    clock = SettableClock(T)
    assert clock.now() == T
    assert clock.advance(days=1) == datetime(2026, 3, 3, 1, 0, tzinfo=UTC) == clock.now()
    clock.set(None)
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5


def test_a_file_clock_is_the_same_time_in_another_process(tmp_path):
    path = tmp_path / "clock"
    SettableClock(path=str(path)).set(T)
    code = ("from engine.clock import SettableClock; import sys; "
            f"print(SettableClock(path={str(path)!r}).now().isoformat())")
    seen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert datetime.fromisoformat(seen) == T
    other = SettableClock(path=str(path))
    other.advance(hours=2)
    assert SettableClock(path=str(path)).now() == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
