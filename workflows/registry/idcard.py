"""The resident identity-card number (GB 11643-1999): 6-digit area code, 8-digit birth date,
3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character (0-9 or X)."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"\d{17}[\dX]")


def check_character(first17: str) -> str:
    """The check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def problem(number: str) -> str | None:
    """None for a valid number (upper-case X), else the error code: `id_shape` (not 17 digits
    and a digit or X), `id_birth_date` (digits 7-14 are no date), `id_check_digit`."""
    if not _SHAPE.fullmatch(number):
        return "id_shape"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "id_birth_date"
    if born.year < 1900:
        return "id_birth_date"
    if check_character(number[:17]) != number[17]:
        return "id_check_digit"
    return None


def normalize(number: str) -> str:
    """Trimmed, spaces removed, a lower-case x made upper-case."""
    return re.sub(r"\s+", "", number).upper()


def mask(number: str | None) -> str:
    """Shown masked: the area code and the last four characters, e.g. 110105********1234."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
