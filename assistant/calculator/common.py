"""Helpers every rule family shares: the rule signature, JSON numbers, impossible inputs, and which
quantities, times and dates a rule has read (consumed) so that :func:`.rules.guard` lets its number through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from ..models import Entry
from .facts import Facts
from .moments import PeakStatus, multiplier, peak_status, peak_window_text
from .numbers import Quantity
from .outcomes import Msg, NeedInput, Outcome, Refusal, msg
from .query import Query

CENT = Decimal("0.01")

Rule = Callable[[Query, Facts, datetime], Outcome | None]


def cents(value: Decimal) -> Decimal:
    """``value`` rounded to the cent, halves up: 2.345 -> 2.35."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain_number(value: Decimal) -> int | float:
    """A JSON-friendly number: an int when whole, else a float rounded to cents."""
    return int(value) if value == value.to_integral_value() else float(cents(value))


def first_problem(quantities: tuple[Quantity, ...] | list[Quantity], *, whole: bool = False) -> Msg | None:
    """The first impossible input among ``quantities``, as a message."""
    for quantity in quantities:
        if quantity.negative:
            return msg("bad_negative", text=quantity.text)
        if quantity.too_large:
            return msg("bad_too_large", text=quantity.text)
        if whole and not quantity.is_whole:
            return msg("bad_not_whole", text=quantity.text)
    return None


def ask_time(facts: Facts) -> Msg:
    """Ask when: at peak and off-peak a GLM-5 prompt costs different amounts."""
    return msg("ask_time", window=peak_window_text(facts), peak=multiplier(facts, True), off=multiplier(facts, False))


def peak_or_ask(q: Query, facts: Facts, now: datetime, rule: str, entry: Entry) -> PeakStatus | Outcome:
    """Peak or off-peak for ``q``, else the outcome that stops the rule: a refusal for a time that cannot be
    read (an unknown zone), a question back when no time is given (the GLM-5 cost depends on it)."""
    status = peak_status(q, facts, now)
    if isinstance(status, Msg):
        return Refusal(rule, status, entry)
    if status is None:
        return NeedInput(rule, ask_time(facts), entry)
    return status


def only_plan(q: Query) -> str | None:
    """The plan the question names, when it names exactly one."""
    return q.plans[0] if len(q.plans) == 1 else None


def quota_window(q: Query) -> str | None:
    """The quota window the question names ("5h" or "week"), when it names exactly one."""
    windows = [w for w in q.windows if w in ("5h", "week")]
    return windows[0] if len(windows) == 1 else None


def is_mcp(q: Query) -> bool:
    """Whether the question is about the web search / web reader MCP calls (not the vision MCP)."""
    return q.has("mcp_search", "mcp_reader") or (q.has("mcp") and not q.has("vision"))


def model_calls(facts: Facts, low: Decimal, high: Decimal) -> tuple[Decimal, Decimal, Msg]:
    """The model calls that ``low``–``high`` prompts make (each prompt makes several), and the step showing it."""
    per_low, per_high = facts.pair("model_calls_per_prompt")
    calls_low, calls_high = low * per_low, high * per_high
    args = {"prompts_low": low, "prompts_high": high, "per_low": per_low, "per_high": per_high}
    return calls_low, calls_high, msg("step_calls", **args, low=calls_low, high=calls_high)


# Words that join two times into a range: "14点到18点", "2pm to 6pm".
_RANGE = re.compile(r"\s*(?:-|–|—|~|～|至|到|\bto\b|\buntil\b|\btill\b|\band\b)\s*", re.ASCII)


def moment_used(q: Query, facts: Facts | None = None) -> frozenset[int]:
    """The time and date a rule reads through :func:`.moments.find_moment` (the first of each).

    With ``facts``, a range of two times ("14点到18点") is consumed whole when it lies on one side of the
    peak window, since it then has one peak status; a range across the boundary stays unconsumed (asked).
    """
    used = frozenset([q.times[0].start] if q.times else []) | frozenset([q.dates[0].start] if q.dates else [])
    if facts is not None and len(q.times) == 2 and _RANGE.fullmatch(q.text, q.times[0].end, q.times[1].start):
        start, end = facts.times("peak_window")
        first, last = q.times[0].as_time(), q.times[1].as_time()
        if last < first and last.hour < 12 <= first.hour:  # "下午 3 点到 4 点": the period is written once
            last = last.replace(hour=last.hour + 12)
        inside = start <= first < end and start < last <= end
        outside = first < last and (last <= start or first >= end)
        if (inside or outside) and not q.zones:
            used |= {q.times[1].start}
    return used


def restated(q: Query, values: tuple[Decimal, ...] | list[Decimal]) -> frozenset[int]:
    """Counts that restate a quota of the FAQ ("Pro 每 5 小时 400 次"): consumed, they change nothing."""
    return frozenset(c.start for c in (*q.counts(), *q.of_unit("none")) if c.value in values)
