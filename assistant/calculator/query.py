"""Read a customer question once into a :class:`Query`: its keywords, plans, quota windows, time zones,
dates, times of day and quantities, each with its place in the text.

Reading order matters and is fixed here: spelling is repaired first (traditional characters, misspelt
keywords); then model names, time zones, dates, times and windows are found and blanked, so that the
numbers left over are real quantities ("GLM-5" is not -5, "14:30" is not two numbers, "5 小时" is not a
count of prompts).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from ..normalize import clean
from .clock import ClockTime, find_times
from .dates import DateMention, find_dates
from .lexicon import CLAUSE_BREAK, LEXICON, MASKED_BEFORE, MODEL_NAMES, WINDOWS
from .numbers import Quantity, blank, prepare, scan
from .spelling import repair
from .zones import Zone, find_zones

# The engine refuses longer questions; this bound only keeps the regexes' work small on any input.
MAX_CHARS = 4000

# "the max number of prompts" uses max as an adjective, not as the plan's name.
_NOT_A_PLAN = re.compile(
    r"\b(?:the|a|at|your|my)\s+max\s+(?:number|amount|limit|usage|quota|of|prompts?|calls?|allowance)\b|"
    r"\bmax(?:imum)?\s+(?:number|amount)\b",
    re.ASCII,
)


# Numbers that name something rather than count it: an order number, an invoice or user ID. Blanked with the
# label, so that "订单号 20260115001" is never an amount.
_IDENTIFIER = re.compile(
    r"(?:订单号|订单编号|单号|流水号|交易号|发票号|编号|用户\s*id|手机号|\b(?:order|invoice|transaction|user|account)"
    r"\s*(?:number|no\.?|id|#)|\buid\b)\s*[:：#]?\s*(?:是|为|\bis\b)?\s*[a-z]{0,4}[-_]?\d[\da-z_-]{3,}",
    re.ASCII,
)


# "下一个扣费日", "上一次": 一 here means "the next / the previous one", not a count of one. "一次没用" / "一次都没用"
# means none was used; "这两个合计" names the two things just mentioned ("these two"), it counts nothing.
_ORDINAL_ONE = re.compile(
    r"(?<=[下上])一(?=\s*(?:个|次|期|周|天|月|年|笔|单|轮|回))|一\s*次(?=\s*(?:都|也)?\s*(?:没|未))|"
    r"(?<=[这那])\s*[两二三]\s*(?:个|项|种|样)(?!\s*(?:月|小时|钟头|星期|礼拜|周|天|人|朋友|好友|订单|prompt))"
)


# "12月几号" asks for a day and names its month: the month is the question's, not a quantity.
_ASKED_DAY = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?:份)?\s*(?:几|哪)\s*(?:号|日|天)")


@dataclass(frozen=True)
class Query:
    """One question, read. Offsets index ``text``."""

    text: str  # prepared: NFKC, lower case
    rest: str  # ``text`` with model names, zones, dates, times and windows blanked
    flags: frozenset[str]
    plans: tuple[str, ...]
    windows: tuple[str, ...]  # "5h", "week", "month", in order of appearance
    zones: tuple[Zone, ...]
    dates: tuple[DateMention, ...]
    times: tuple[ClockTime, ...]
    quantities: tuple[Quantity, ...]
    breaks: tuple[int, ...]  # sorted offsets where clauses end

    def has(self, *names: str) -> bool:
        """True when any of the named lexicon entries (or windows) occurs in the question."""
        return any(name in self.flags for name in names)

    def counts(self) -> tuple[Quantity, ...]:
        """Counted things (prompts, times, calls); a lone unit-less number counts when nothing else does."""
        counted = tuple(q for q in self.quantities if q.unit == "count")
        if counted:
            return counted
        plain = tuple(q for q in self.quantities if q.unit == "none")
        return plain if len(plain) == 1 else ()

    def of_unit(self, *units: str) -> tuple[Quantity, ...]:
        return tuple(q for q in self.quantities if q.unit in units)

    def clause(self, position: int) -> tuple[int, int]:
        """Start and end of the clause holding ``position``."""
        index = bisect.bisect_right(self.breaks, position)
        start = self.breaks[index - 1] if index > 0 else 0
        end = self.breaks[index] if index < len(self.breaks) else len(self.text)
        return start, end

    def before(self, quantity: Quantity) -> str:
        """The words between the previous quantity (or the clause start) and ``quantity``."""
        start, _ = self.clause(quantity.start)
        for other in self.quantities:
            if start <= other.end <= quantity.start and other is not quantity:
                start = other.end
        return self.text[start : quantity.start]

    def after(self, quantity: Quantity, width: int = 12) -> str:
        """Up to ``width`` characters after ``quantity``, stopping at the end of its clause."""
        _, end = self.clause(quantity.start)
        return self.text[quantity.end : min(end, quantity.end + width)]

    def zone_near(self, start: int, end: int) -> Zone | None:
        """The time zone written closest to the span (a question rarely names two)."""
        if not self.zones:
            return None
        return min(self.zones, key=lambda z: min(abs(z.start - end), abs(start - z.end)))


def _find_plans(text: str, plans: Sequence[str]) -> list[tuple[int, str]]:
    """The plans named in ``text`` with where each is first named, in reading order.

    ``re.ASCII`` makes ``\\b`` end "max" before a Chinese character ("max套餐"), as customers write it.
    "The max number of prompts on Pro" names Pro only; alone, "my max quota" still names Max.
    """

    def search(haystack: str) -> list[tuple[int, str]]:
        found = []
        for plan in plans:
            match = re.search(rf"\b{re.escape(plan.lower())}\b", haystack, re.ASCII)
            if match:
                found.append((match.start(), plan))
        return sorted(found)

    return search(_NOT_A_PLAN.sub(lambda m: " " * len(m.group(0)), text)) or search(text)


_BETWEEN_DAY_AND_WEEKDAY = re.compile(r"[\s,，(（)）]*(?:on\s+|是)?")


def _without_restated_weekdays(text: str, dates: list[DateMention]) -> list[DateMention]:
    """Dates less the weekdays written right next to a full date that falls on that weekday ("Wednesday
    2026-04-01", "2026-04-01（周三）"): they restate the date. A weekday that does not match stays (asked about)."""
    full = [d for d in dates if d.year is not None and d.month and d.day]
    kept = []
    for mention in dates:
        restates = False
        if mention.weekday is not None and mention.week_rule == "coming":
            for day in full:
                gap = text[mention.end : day.start] if mention.end <= day.start else text[day.end : mention.start]
                try:
                    same = date(day.year or 0, day.month, day.day).weekday() == mention.weekday
                except ValueError:
                    same = False
                if same and _BETWEEN_DAY_AND_WEEKDAY.fullmatch(gap):
                    restates = True
        if not restates:
            kept.append(mention)
    return kept


def analyze(question: str, plans: Sequence[str] = ()) -> Query:
    """Read ``question``. ``plans`` are the plan names the facts know ("lite", "pro", "max").

    Never raises on any text.
    """
    text = repair(prepare(clean(question))[:MAX_CHARS])[:MAX_CHARS]
    flags: set[str] = set()
    for name, pattern in LEXICON.items():
        if name == "peak":
            continue
        mask = MASKED_BEFORE.get(name)
        if pattern.search(mask.sub(" ", text) if mask else text):
            flags.add(name)
    without_offpeak = LEXICON["offpeak"].sub(" ", text)
    if LEXICON["peak"].search(without_offpeak):
        flags.add("peak")

    found_plans = _find_plans(text, plans)

    rest = text
    zones = find_zones(rest)  # before model names: "gmt-5" is a zone, not a product
    for zone in zones:
        rest = blank(rest, zone.start, zone.end)
    for match in MODEL_NAMES.finditer(rest):
        rest = blank(rest, match.start(), match.end())
    written = find_dates(rest)
    for day in written:
        rest = blank(rest, day.start, day.end)
    dates = _without_restated_weekdays(text, written)
    times = find_times(rest)
    for clock in times:
        rest = blank(rest, clock.start, clock.end)
    windows: list[tuple[int, str]] = []
    for name, pattern in WINDOWS.items():
        for match in pattern.finditer(rest):
            windows.append((match.start(), name))
            rest = blank(rest, match.start(), match.end())
    for pattern in (_IDENTIFIER, _ORDINAL_ONE, _ASKED_DAY):
        for match in pattern.finditer(rest):
            rest = blank(rest, match.start(), match.end())
    windows.sort()
    ordered_windows = tuple(dict.fromkeys(name for _, name in windows))
    flags.update(f"window_{name}" for name in ordered_windows)

    breaks = tuple(sorted({m.start() for m in CLAUSE_BREAK.finditer(text)}))
    return Query(
        text=text,
        rest=rest,
        flags=frozenset(flags),
        plans=tuple(dict.fromkeys(plan for _, plan in found_plans)),
        windows=ordered_windows,
        zones=tuple(zones),
        dates=tuple(dates),
        times=tuple(times),
        quantities=tuple(scan(rest)),
        breaks=breaks,
    )


def clause_query(q: Query, position: int) -> Query:
    """``q`` narrowed to the clause holding ``position``: only its times, its peak or off-peak words, and its
    dates (or the question's, when the clause names none). Zones stay: one is usually written once."""
    start, end = q.clause(position)
    part = q.text[start:end]
    flags = set(q.flags) - {"peak", "offpeak"}
    if LEXICON["offpeak"].search(part):
        flags.add("offpeak")
    if LEXICON["peak"].search(LEXICON["offpeak"].sub(" ", part)):
        flags.add("peak")
    dates = tuple(d for d in q.dates if start <= d.start < end) or q.dates
    return replace(q, flags=frozenset(flags), times=tuple(t for t in q.times if start <= t.start < end), dates=dates)


__all__ = ["MAX_CHARS", "Query", "analyze", "clause_query"]
