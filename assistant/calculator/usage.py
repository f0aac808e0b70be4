"""What prompts cost in quota, count by count: GLM-5 prompts by the peak multiplier of their time, prompts of
another model (GLM-4.7, GLM-4.6...) one prompt each, since the FAQ multiplies GLM-5 only.

Shared by the cost rule (:func:`.glm5.glm5_cost`) and the rule for what is left (:func:`.quota.remaining`), so
that "10 GLM-4.7 prompts and 10 GLM-5 prompts at 4pm" costs the same whichever is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

from ..models import Entry
from .common import ask_time, moment_used
from .facts import Facts
from .lexicon import LEXICON
from .moments import multiplier, peak_status
from .numbers import Quantity
from .outcomes import Msg, NeedInput, Outcome, Refusal, msg
from .query import Query, clause_query

# A prompt is the unit of the plan's quota; only GLM-5 is multiplied ("调用 GLM-5 时用量将按照 “高峰期 3 倍，
# 非高峰期 2 倍” 进行计算抵扣", with GLM-4.7 recommended to save quota): any other model counts once.
ONE = Decimal(1)

Model = Literal["glm5", "other"]


@dataclass(frozen=True)
class Part:
    """One count of prompts and what it costs: ``peak`` is None for a model that is not multiplied."""

    prompts: Decimal
    factor: Decimal
    cost: Decimal
    peak: bool | None
    basis: Msg | None
    model: str  # as written ("glm-4.7"), or "glm-5"


@dataclass(frozen=True)
class Problem:
    """Why the parts cannot be costed: ``ask`` for a missing input, else an impossible one (refused)."""

    message: Msg
    ask: bool

    def outcome(self, rule: str, entry: Entry) -> Outcome:
        """The rule's reply: a question back for a missing input, else a refusal."""
        return NeedInput(rule, self.message, entry) if self.ask else Refusal(rule, self.message, entry)


def has_own_time(clause: Query) -> bool:
    """Whether a clause says when its prompts were sent (a time, or peak / off-peak)."""
    return bool(clause.times) or clause.has("peak", "offpeak")


def _models_in(text: str) -> list[tuple[Model, str]]:
    found: list[tuple[Model, str]] = [("glm5", m.group(0)) for m in LEXICON["glm5"].finditer(text)]
    found += [("other", m.group(0).strip()) for m in LEXICON["glm_other"].finditer(text)]
    return found


def model_of(q: Query, count: Quantity) -> tuple[Model, str] | None:
    """The model a count of prompts was sent with: the one named in its clause, or the question's only one."""
    start, end = q.clause(count.start)
    kinds = {kind: name for kind, name in _models_in(q.text[start:end])}
    if len(kinds) == 1:
        kind, name = next(iter(kinds.items()))
        return kind, name
    if kinds:
        return None  # "10 GLM-5 and GLM-4.7 prompts": which is which?
    everywhere = {kind: name for kind, name in _models_in(q.text)}
    if len(everywhere) == 1:
        kind, name = next(iter(everywhere.items()))
        return kind, name
    return None


def model_named(q: Query, count: Quantity) -> bool:
    """Whether the clause of ``count`` names a model."""
    start, end = q.clause(count.start)
    return bool(_models_in(q.text[start:end]))


def by_model(q: Query, counts: tuple[Quantity, ...]) -> bool:
    """Whether the counts are told apart by the model named in each one's clause (one each, all different)."""
    if len(counts) < 2:
        return False
    kinds = []
    for count in counts:
        start, end = q.clause(count.start)
        named = {kind for kind, _ in _models_in(q.text[start:end])}
        if len(named) != 1:
            return False
        kinds.append(next(iter(named)))
    return len(set(kinds)) == len(kinds)


def count_clause(q: Query, count: Quantity, counts: tuple[Quantity, ...]) -> Query:
    """The clause of ``count``, widened to the clause before it when only that one says when ("下午 3 点再发
    10 个": 再 starts a clause after the time) and holds no other count."""
    sub = clause_query(q, count.start)
    if has_own_time(sub):
        return sub
    start, _ = q.clause(count.start)
    if start == 0:
        return sub
    before_start, _ = q.clause(start - 1)
    if any(before_start <= c.start < start for c in counts):
        return sub
    before = clause_query(q, start - 1)
    if not has_own_time(before):
        return sub
    flags = frozenset(sub.flags | (before.flags & {"peak", "offpeak"}))
    return replace(sub, times=before.times + sub.times, flags=flags)


def extra_counts(q: Query, counts: tuple[Quantity, ...]) -> tuple[Quantity, ...]:
    """Bare numbers that are counts too: "10 prompts at peak and 5 off-peak", "10 with glm-4.7 and 10 with glm-5"
    (a bare number with its own time, peak word or model in its clause, beside one counted number)."""
    if len(counts) != 1:
        return counts
    bare = []
    for x in q.of_unit("none"):
        if x in counts:
            continue
        start, end = q.clause(x.start)
        if has_own_time(clause_query(q, x.start)) or (_models_in(q.text[start:end]) and _distinct_models(q)):
            bare.append(x)
    return tuple(sorted([*counts, *bare], key=lambda x: x.start))


def _distinct_models(q: Query, asked: tuple[int, int] | None = None) -> bool:
    text = q.text if asked is None else q.text[: asked[0]] + " " * (asked[1] - asked[0]) + q.text[asked[1] :]
    return len({kind for kind, _ in _models_in(text)}) > 1


def _each_model_counted(q: Query, counts: tuple[Quantity, ...], asked: tuple[int, int] | None = None) -> bool:
    """Whether every clause that names a model (outside the ``asked`` span) holds one of the counts."""
    for match in [*LEXICON["glm5"].finditer(q.text), *LEXICON["glm_other"].finditer(q.text)]:
        if asked is not None and asked[0] <= match.start() < asked[1]:
            continue
        start, end = q.clause(match.start())
        if not any(start <= c.start < end for c in counts):
            return False
    return True


_WORTH = re.compile(r"\s*'?s?\s*(?:prompts?'?s?\s+)?(?:worth|of quota)|\s*次?(?:的)?额度", re.ASCII)


def in_quota_units(q: Query, count: Quantity) -> bool:
    """ "100 prompts' worth of quota", "用了 100 次额度": a count already in quota units, not GLM-5 prompts."""
    return _WORTH.match(q.text, count.end) is not None


def cost_parts(
    q: Query, facts: Facts, now: datetime, counts: tuple[Quantity, ...], *, asked: tuple[int, int] | None = None
) -> tuple[list[Part], frozenset[int]] | Problem:
    """The cost of each count (in reading order) and the times and dates read, or why it cannot be costed.

    ``asked`` is the span of the question's own words ("how many GLM-5 prompts can I still send"): a model named
    there is what the answer is counted in, not a use."""
    several = len(counts) > 1
    shared_time = by_model(q, counts) and len(q.times) <= 1
    if _distinct_models(q, asked) and not _each_model_counted(q, counts, asked):
        return Problem(msg("ask_model"), True)  # "10 GLM-5 and GLM-4.7 prompts": how many of each?
    parts: list[Part] = []
    used: frozenset[int] = frozenset()
    for count in counts:
        model = model_of(q, count)
        if model is None:
            return Problem(msg("ask_model"), True)
        kind, name = model
        sub = count_clause(q, count, counts) if several else q
        if kind == "other":
            parts.append(Part(count.value, ONE, count.value, None, msg("basis_not_glm5", model=name), name))
            used |= moment_used(sub)
            continue
        if several and not has_own_time(sub):
            if not shared_time:
                return Problem(msg("ask_prompt_count"), True)
            sub = q  # "at 4pm, 10 with GLM-4.7 and 10 with GLM-5": the one time is both counts' time
        status = peak_status(sub, facts, now)
        if isinstance(status, Msg):
            return Problem(status, False)
        if status is None:
            return Problem(ask_time(facts), True)
        used |= moment_used(sub, facts)
        factor = multiplier(facts, status.peak)
        parts.append(Part(count.value, factor, count.value * factor, status.peak, status.basis, "glm-5"))
    return parts, used


def cost_step(part: Part) -> Msg:
    """The formula step of one part."""
    if part.peak is None:
        return msg("step_cost_other", prompts=part.prompts, model=part.model, cost=part.cost)
    return msg("step_cost", prompts=part.prompts, factor=part.factor, cost=part.cost, peak=part.peak)


__all__ = [
    "ONE",
    "Part",
    "Problem",
    "by_model",
    "cost_parts",
    "cost_step",
    "count_clause",
    "extra_counts",
    "has_own_time",
    "in_quota_units",
    "model_named",
    "model_of",
]
