"""Hypothesis settings and strategies shared by the hostile-input tests.

`SETTINGS` keeps every property reproducible in CI (derandomized, no example database) and
bounded in time (a fixed number of examples, no per-example deadline on a shared 2-CPU runner).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(SETTINGS, max_examples=25)

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")

# Integers as a hostile client sends them: small, negative, at machine-word edges, huge.
EDGE_INTS = st.sampled_from([0, 1, -1, 2, 2**31 - 1, 2**31, -(2**31), 2**63 - 1, 2**63, -(2**63), 10**100, -(10**100)])
ANY_INT = st.one_of(st.integers(-5, 50), st.integers(), EDGE_INTS)

# Names: Chinese, Latin, odd but JSON-safe (no lone surrogates: JSON text is UTF-8).
NAME = st.one_of(st.sampled_from(["张三", "李四", "王五", "赵六", "Alice", "Bob", "欧阳修远"]),
                 st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12))


def shares(max_denominator: int = 60, minimum: Fraction = Fraction(0), maximum: Fraction = Fraction(1)):
    """Exact shares p/q within [minimum, maximum], written as a process parameter writes them ("2/3")."""

    def within(q: int):
        low, high = math.ceil(minimum * q), math.floor(maximum * q)
        return st.integers(low, high).map(lambda p: f"{p}/{q}")

    return st.integers(1, max_denominator).flatmap(within)


# JSON-like garbage: what any client can put in a request body, plus what Python's json module
# accepts beyond RFC 8259 (NaN, Infinity) and integers past every machine word.
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), ANY_INT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30),
    st.sampled_from(["", " ", "\u3000", "null", "true", "0", "-1", "1e999", "NaN", "2026-02-30", "9999-12-31",
                     "张三", "男", "male", "approve", "\x00", "a\x00b", "<script>", "长" * 201, "1" * 400]),
)
JSON_LIKE = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.one_of(NAME, st.sampled_from(["", " ", "_schema", "a.b", "0"])),
                                            inner, max_size=5)),
    max_leaves=20,
)
