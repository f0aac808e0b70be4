"""Load ``kb/facts.toml``: every number the calculator's rules use, each citing the FAQ entry it comes from.

A fact is a TOML table::

    [referral_rate]
    kind = "percent"                      # number | percent | time_range | utc_offset | plans
    value = 0.10                          # a number, or a list for pairs and table rows
    snippet = "赠金将基于 40 元的 10% 计算"   # must appear in the cited entry and hold exactly ``value``
    cites = "“好友实际支付金额”具体指的是什么？如果好友用了优惠券，赠金怎么算？"

Loading checks each fact against the FAQ: the cited question must exist, the snippet must appear in
that entry (whitespace aside) and reading the snippet must give back the value. So when the FAQ
changes and a fact drifts, loading fails with ``KnowledgeBaseError`` naming ``facts.toml:line``.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, NoReturn, cast

from ..errors import KnowledgeBaseError
from ..models import Entry
from ..normalize import normalize
from .clock import find_times
from .numbers import prepare, scan
from .zones import find_zones

log = logging.getLogger(__name__)

FactKind = Literal["number", "percent", "time_range", "utc_offset", "plans", "condition"]
_KINDS: tuple[FactKind, ...] = ("number", "percent", "time_range", "utc_offset", "plans", "condition")

# The facts the rules read, with their kind and how many values each holds. Plans are discovered from
# the ``plan_quota_<plan>`` facts, so a new plan needs only new facts (and its MCP quota).
REQUIRED: Mapping[str, tuple[FactKind, int]] = {
    "referral_rate": ("percent", 1),
    "invite_discount": ("percent", 1),
    "glm5_multipliers": ("number", 2),  # peak, off-peak
    "peak_window": ("time_range", 2),
    "peak_utc_offset": ("utc_offset", 1),
    "glm5_excluded_plans": ("plans", -1),
    "model_calls_per_prompt": ("number", 2),
    "monthly_value_multiple": ("number", 2),
    "cancel_days_before": ("number", 1),
    "payment_window_hours": ("number", 1),
    "credit_arrival_hours": ("number", 2),
    "contact_support_after_hours": ("number", 1),
    "quota_refresh_hours": ("number", 1),
    "weekly_period_days": ("number", 1),
    # Conditions of the FAQ that rule a referral credit out: the reply cites them instead of a number.
    "condition_refund": ("condition", 1),
    "condition_new_user": ("condition", 1),
    "condition_late_payment": ("condition", 1),
}
QUOTA_PREFIX = "plan_quota_"  # value: [per 5 hours, per week]
MCP_PREFIX = "mcp_quota_"  # value: web search + web reader calls per month


@dataclass(frozen=True)
class Fact:
    """One cited number (or list of numbers) of the FAQ."""

    name: str
    kind: FactKind
    values: tuple[Any, ...]  # Decimal for numbers and percents (as shares), "HH:MM" strings, plan names
    snippet: str
    cites: str
    entry: Entry
    line: int


@dataclass(frozen=True)
class Facts:
    """All facts of one facts file, looked up by name."""

    path: str
    by_name: Mapping[str, Fact]

    def fact(self, name: str) -> Fact:
        if name not in self.by_name:
            raise KeyError(f"{self.path}: no fact named {name!r}")
        return self.by_name[name]

    def number(self, name: str) -> Decimal:
        value = self.fact(name).values[0]
        if not isinstance(value, Decimal):
            raise TypeError(f"fact {name!r} is not a number")
        return value

    def pair(self, name: str) -> tuple[Decimal, Decimal]:
        values = self.fact(name).values
        if len(values) != 2 or not all(isinstance(v, Decimal) for v in values):
            raise TypeError(f"fact {name!r} is not a pair of numbers")
        return values[0], values[1]

    def times(self, name: str) -> tuple[time, time]:
        values = self.fact(name).values
        start, end = (time.fromisoformat(v) for v in values)
        return start, end

    def entry(self, name: str) -> Entry:
        return self.fact(name).entry

    @property
    def plans(self) -> tuple[str, ...]:
        """Plan names in file order ("lite", "pro", "max")."""
        return tuple(name[len(QUOTA_PREFIX) :] for name in self.by_name if name.startswith(QUOTA_PREFIX))

    def quota(self, plan: str) -> tuple[Decimal, Decimal]:
        """Prompts per 5 hours and per week for ``plan``."""
        return self.pair(QUOTA_PREFIX + plan)

    def window_quota(self, plan: str, window: str) -> Decimal:
        """Prompts for ``plan`` per ``window``: "5h" (per 5 hours), anything else per week."""
        return self.quota(plan)[0 if window == "5h" else 1]

    def mcp_quota(self, plan: str) -> Decimal:
        """Web search + web reader MCP calls per month for ``plan`` (one shared pool)."""
        return self.number(MCP_PREFIX + plan)

    def has_glm5(self, plan: str) -> bool:
        return plan not in self.fact("glm5_excluded_plans").values


def squash(text: str) -> str:
    """Whitespace-insensitive form used to find a snippet in an entry (tables and line breaks differ)."""
    return re.sub(r"\s+", " ", text).strip()


def entry_texts(entry: Entry) -> tuple[str, ...]:
    return (entry.question, entry.answer_text, entry.answer_md)


def snippet_in_entry(snippet: str, entry: Entry) -> bool:
    """True when ``snippet`` appears in the entry's question, plain answer or markdown answer."""
    wanted = squash(snippet)
    return bool(wanted) and any(wanted in squash(text) for text in entry_texts(entry))


def read_snippet(kind: FactKind, snippet: str) -> tuple[Any, ...]:
    """The values that a snippet states, read with the calculator's own parsers.

    ``number``: every quantity ("1 百次" -> 100, "15-20" -> 15, 20); ``percent``: the percentages as
    shares; ``time_range``: the times as "HH:MM"; ``utc_offset``: the zone's offset in hours;
    ``plans``: nothing to read (the plan names are checked by :func:`check_fact`).
    """
    text = prepare(snippet)
    if kind == "number":
        return tuple(q.value for q in scan(text))
    if kind == "percent":
        return tuple(q.value / 100 for q in scan(text) if q.unit == "percent")
    if kind == "time_range":
        return tuple(f"{t.hour:02d}:{t.minute:02d}" for t in find_times(text) if t.error is None)
    if kind == "utc_offset":
        offsets = []
        for zone in find_zones(text):
            offset = zone.tz.utcoffset(None)
            if offset is not None:
                offsets.append(Decimal(int(offset.total_seconds())) / 3600)
        return tuple(offsets)
    return ()


def check_fact(fact: Fact) -> str | None:
    """Why ``fact`` disagrees with the FAQ entry it cites, or None when it agrees."""
    if not snippet_in_entry(fact.snippet, fact.entry):
        return f"snippet {fact.snippet!r} of fact {fact.name!r} no longer appears in the FAQ entry {fact.cites!r}"
    if fact.kind == "condition":
        return None  # nothing to read back: the snippet stating the condition is in the entry
    if fact.kind == "plans":
        lowered = fact.snippet.lower()
        missing = [plan for plan in fact.values if plan.lower() not in lowered]
        if missing:
            return f"fact {fact.name!r}: snippet {fact.snippet!r} does not name {', '.join(missing)}"
        return None
    stated = read_snippet(fact.kind, fact.snippet)
    if tuple(stated) != tuple(fact.values):
        shown = ", ".join(str(v) for v in stated) or "nothing"
        return f"fact {fact.name!r} has value {_show(fact.values)} but its snippet {fact.snippet!r} says {shown}"
    return None


def _show(values: tuple[Any, ...]) -> str:
    return ", ".join(str(v) for v in values)


def _line_of_table(text: str, name: str) -> int | None:
    match = re.search(rf"^[ \t]*\[\s*{re.escape(name)}\s*\]", text, re.MULTILINE)
    return None if match is None else text.count("\n", 0, match.start()) + 1


def _line_of_key(text: str, table_line: int | None, key: str) -> int | None:
    if table_line is None:
        return None
    lines = text.splitlines()
    for number in range(table_line, len(lines)):
        stripped = lines[number].strip()
        if stripped.startswith("["):
            break
        if re.match(rf"{key}\s*=", stripped):
            return number + 1
    return table_line


def _values(name: str, kind: FactKind, raw: Any, fail: Callable[[str], NoReturn]) -> tuple[Any, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        fail(f"fact {name!r} has an empty value")
    if kind in ("number", "percent", "utc_offset"):
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in items):
            fail(f"fact {name!r}: value must be a number or a list of numbers")
        numbers = tuple(Decimal(str(v)) for v in items)
        if kind == "percent" and not all(0 <= v <= 1 for v in numbers):
            fail(f"fact {name!r}: a percent is written as a share between 0 and 1 (10% = 0.10)")
        if kind == "utc_offset" and not all(-14 <= v <= 14 for v in numbers):
            fail(f"fact {name!r}: a UTC offset is between -14 and 14 hours")
        if kind == "number" and any(v < 0 for v in numbers):
            fail(f"fact {name!r}: values must not be negative")
        return numbers
    if not all(isinstance(v, str) and v.strip() for v in items):
        fail(f"fact {name!r}: value must be a list of strings")
    if kind == "time_range":
        for item in items:
            try:
                time.fromisoformat(item)
            except ValueError:
                fail(f"fact {name!r}: {item!r} is not a time written HH:MM")
        return tuple(items)
    return tuple(v.strip().lower() for v in items)


def load_facts(path: Path, entries: Sequence[Entry]) -> Facts:
    """Read and check the facts file against the FAQ ``entries``.

    Raises :class:`KnowledgeBaseError` (file:line) when the file is unreadable or not TOML, a fact is
    malformed or missing, cites a question that no entry has, or no longer agrees with its entry.
    """
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeBaseError(f"cannot read the facts file: {exc}", display) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"invalid TOML: {exc}", display, getattr(exc, "lineno", None)) from None

    by_question = {entry.question.strip(): entry for entry in entries}
    by_normalized = {normalize(entry.question): entry for entry in entries}
    facts: dict[str, Fact] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            continue  # top-level keys such as ``version`` are metadata
        line = _line_of_table(text, name)

        def fail(message: str, key: str | None = None, _line: int | None = line) -> NoReturn:
            raise KnowledgeBaseError(message, display, _line_of_key(text, _line, key) if key else _line)

        raw_kind = table.get("kind")
        if raw_kind not in _KINDS:
            fail(f"fact {name!r}: kind must be one of {', '.join(_KINDS)}", "kind")
        kind = cast(FactKind, raw_kind)
        for key in ("snippet", "cites"):
            if not isinstance(table.get(key), str) or not table[key].strip():
                fail(f"fact {name!r} needs a non-empty {key!r} string", key)
        if "value" not in table:
            fail(f"fact {name!r} has no 'value'")
        cites = table["cites"].strip()
        entry = by_question.get(cites) or by_normalized.get(normalize(cites))
        if entry is None:
            fail(f"fact {name!r} cites a question that is not in the FAQ: {cites!r}", "cites")
        values = _values(name, kind, table["value"], lambda message: fail(message, "value"))
        fact = Fact(name, kind, values, table["snippet"], cites, entry, line or 0)
        problem = check_fact(fact)
        if problem:
            fail(problem, "snippet")
        facts[name] = fact

    for name, (kind, count) in REQUIRED.items():
        if name not in facts:
            raise KnowledgeBaseError(f"missing fact {name!r} (kind {kind})", display)
        fact = facts[name]
        if fact.kind != kind or (count > 0 and len(fact.values) != count):
            raise KnowledgeBaseError(f"fact {name!r} must be a {kind} with {count} value(s)", display, fact.line)
    plans = [name[len(QUOTA_PREFIX) :] for name in facts if name.startswith(QUOTA_PREFIX)]
    if not plans:
        raise KnowledgeBaseError(f"no plan quotas: add facts named {QUOTA_PREFIX}<plan>", display)
    for plan in plans:
        quota = facts[QUOTA_PREFIX + plan]
        if quota.kind != "number" or len(quota.values) != 2:
            raise KnowledgeBaseError(f"fact {quota.name!r} must be [per 5 hours, per week]", display, quota.line)
        mcp = facts.get(MCP_PREFIX + plan)
        if mcp is None or mcp.kind != "number" or len(mcp.values) != 1:
            raise KnowledgeBaseError(f"plan {plan!r} needs a fact {MCP_PREFIX}{plan} with one number", display)
    log.debug("loaded %d facts from %s", len(facts), display)
    return Facts(display, facts)


__all__ = ["REQUIRED", "Fact", "FactKind", "Facts", "check_fact", "load_facts", "read_snippet", "snippet_in_entry"]
