"""The small vocabulary every narrator uses: one language chosen, labels, lists, shares, times."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from fractions import Fraction

from engine.records import plain_text

from ..forms.i18n import CHOICES, LABELS, is_english
from ..labels import OUTCOME_LABELS, pick
from ..rules import BEIJING, decimal_str


class Say:
    """`say(zh, en)` picks the reader's language; the methods spell the usual pieces in it."""

    def __init__(self, locale: str, names: Mapping[str, str] | None = None):
        self.english = is_english(locale)
        self.names = names or {}

    def __call__(self, zh: str, en: str) -> str:
        return en if self.english else zh

    # --- words -------------------------------------------------------------------------------------
    def label(self, key: str) -> str:
        return pick(LABELS.get(key), self.english, key)

    def choice(self, value) -> str:
        return pick(CHOICES.get(value), self.english, str(value)) if isinstance(value, str) else self.value(value)

    def outcome(self, code: str | None) -> str:
        return pick(OUTCOME_LABELS.get(code), self.english, code or "")

    def step(self, element_id: str | None) -> str:
        return self.names.get(element_id, element_id) if element_id else ""

    def yes(self, flag) -> str:
        return self(("是" if flag else "否"), ("yes" if flag else "no"))

    def value(self, item) -> str:
        return plain_text(item, english=self.english, label=self.label, choice=self.choice)

    # --- punctuation -------------------------------------------------------------------------------
    def join(self, items: Iterable) -> str:
        """A list of names: 张三、李四 / 张三, 李四; "none" when empty."""
        items = [str(i) for i in items if i not in (None, "")]
        return (", " if self.english else "、").join(items) if items else self("无", "none")

    def parts(self, *items: str) -> str:
        """Clauses of one sentence: 甲；乙 / A; B (empty ones left out)."""
        return ("; " if self.english else "；").join(i for i in items if i)

    def field(self, key: str, value) -> str:
        """`label：value` (empty when the value is)."""
        if value in (None, "", [], {}):
            return ""
        return f"{self.label(key)}{self.colon}{self.value(value)}"

    @property
    def colon(self) -> str:
        return ": " if self.english else "："

    def end(self, text: str) -> str:
        """A finished sentence (in English with a capital letter)."""
        if not text:
            return text
        if self.english:
            text = text[0].upper() + text[1:]
        return text if text[-1] in "。.！!？?" else text + self("。", ".")

    def sentences(self, *texts: str) -> str:
        """Finished sentences one after the other (empty ones left out)."""
        return (" " if self.english else "").join(self.end(t) for t in texts if t)

    # --- numbers and times -------------------------------------------------------------------------
    def share(self, fraction: str | None) -> str:
        """A threshold share: 1/2 is 半数 / one half, others as recorded (2/3)."""
        if fraction in ("1/2", "0.5"):
            return self("半数", "one half")
        return str(fraction)

    def decimal(self, fraction: str) -> str:
        """"2/5" -> "0.4" (weights are recorded as fractions)."""
        try:
            return decimal_str(Fraction(fraction))
        except (ValueError, ZeroDivisionError):
            return str(fraction)

    def when(self, moment: str | None) -> str:
        """A recorded UTC instant in Beijing time, `2026-10-01 00:30`."""
        if not moment:
            return ""
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return parsed.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
