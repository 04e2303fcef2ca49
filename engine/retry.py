"""Doing a small write again when a concurrent one got in the way, and saying so when giving up.

Used where a write races another for the same row or audit seq (a refusal note on a case whose
version moved, an event on a shared stream). Giving up is logged as an error: what it was meant to
record (a refusal, say) is then missing, and the README promises it is not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def retry(work: Callable[[], T], *, on: tuple[type[BaseException], ...], attempts: int, what: str,
          raise_on_give_up: bool = False) -> T | None:
    """`work()`, run again after one of `on`, `attempts` times in all. When the last attempt fails
    too: log an error naming `what`, then raise that last error (`raise_on_give_up`) or return None."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except on as exc:
            if attempt < attempts:
                continue
            log.error("gave up %s after %d attempts, each met a concurrent change: %s", what, attempts, exc)
            if raise_on_give_up:
                raise
    return None
