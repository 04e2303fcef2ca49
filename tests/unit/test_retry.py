"""engine.retry: a write tried again after a concurrent change, and a give-up that is said out loud."""

import logging

import pytest

from engine.errors import Conflict
from engine.retry import retry


def flaky(failures: int):
    calls = []

    def work():
        calls.append(1)
        if len(calls) <= failures:
            raise Conflict("the case changed meanwhile")
        return "written"

    return work, calls


def test_a_write_that_meets_conflicts_is_tried_again_until_it_lands(caplog):
    work, calls = flaky(2)
    assert retry(work, on=(Conflict,), attempts=3, what="recording a refusal") == "written"
    assert len(calls) == 3 and not caplog.records


def test_giving_up_is_logged_as_an_error_naming_what_was_lost(caplog):
    work, calls = flaky(3)
    with caplog.at_level(logging.ERROR, logger="engine.retry"):
        assert retry(work, on=(Conflict,), attempts=3, what="recording a refused step on case 7") is None
    assert len(calls) == 3
    [record] = caplog.records
    assert record.levelno == logging.ERROR and "recording a refused step on case 7" in record.getMessage()
    assert "3 attempts" in record.getMessage()


def test_giving_up_can_raise_the_last_error_and_other_errors_are_not_retried():
    work, calls = flaky(5)
    with pytest.raises(Conflict):
        retry(work, on=(Conflict,), attempts=2, what="a user change", raise_on_give_up=True)
    assert len(calls) == 2

    def broken():
        calls.append(1)
        raise ValueError("not a race")

    calls.clear()
    with pytest.raises(ValueError):
        retry(broken, on=(Conflict,), attempts=3, what="anything")
    assert len(calls) == 1
