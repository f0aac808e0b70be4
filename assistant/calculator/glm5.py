"""GLM-5 usage: what N prompts cost at peak and off-peak (glm5_cost), whether a time is in the peak
window (peak_check), and how many GLM-5 prompts or model calls a plan's quota window holds (capacity).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from ..models import Entry, Value
from .common import (
    ask_time,
    first_problem,
    model_calls,
    moment_used,
    only_plan,
    peak_or_ask,
    plain_number,
    quota_window,
    restated,
)
from .facts import Facts
from .moments import PeakStatus, find_moment, home_zone, iso, multiplier, peak_status, peak_window_text
from .numbers import Quantity
from .outcomes import Computed, Explained, Msg, NeedInput, Outcome, Refusal, msg
from .query import Query
from .usage import Problem, cost_parts, cost_step, extra_counts


def _cost_asked(q: Query, counts: tuple[Quantity, ...]) -> bool:
    """Whether a question with GLM-5 and a number of prompts asks what they cost.

    "扣多少 / cost / consume" always does. "How much is 30 prompts with GLM-5 at 9pm?" or "5 prompt, quota?"
    do when the number is a count of prompts, unless the question names a plan and a quota window: then
    the number restates the plan's quota and the question is how many GLM-5 prompts fit (capacity).
    """
    if q.has("cost_q"):
        return True
    if not q.has("how_many", "quota_word", "calc_word") or q.has("howto"):
        return False
    if q.plans and any(w in q.windows for w in ("5h", "week")):
        return False
    return any(c.unit == "count" for c in counts)


def glm5_cost(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """N GLM-5 prompts cost N × 3 prompts of quota at peak and N × 2 off-peak; another model's prompts (GLM-4.7)
    cost one each.

    Several counts, each with its own time, peak/off-peak word or model, are costed one by one and added up;
    one count asked at peak *and* off-peak ("how many more at peak"), or at two times ("how much do I save if I
    move them from 3pm to 8pm"), gives both costs and their difference.
    """
    if not q.has("glm5", "glm_other") or q.has("remaining", "asks_multiplier", "asks_money"):
        return None
    counts = q.counts()
    if not counts or not _cost_asked(q, counts):
        return None
    counts = extra_counts(q, counts)
    entry = facts.entry("glm5_multipliers")
    problem = first_problem(counts, whole=True)
    if problem:
        return Refusal("glm5_cost", problem, entry)
    plan = only_plan(q)
    if plan is not None and not facts.has_glm5(plan) and q.has("glm5"):
        return Explained("glm5_cost", msg("no_glm5", plan=plan), facts.entry("glm5_excluded_plans"))
    used = frozenset(c.start for c in counts)
    glm5_only = not q.has("glm_other")
    if len(counts) == 1 and glm5_only and q.has("peak") and q.has("offpeak") and q.has("difference"):
        prompts = counts[0].value
        high, low = prompts * multiplier(facts, True), prompts * multiplier(facts, False)
        steps = (
            msg("step_cost", prompts=prompts, factor=multiplier(facts, True), cost=high, peak=True),
            msg("step_cost", prompts=prompts, factor=multiplier(facts, False), cost=low, peak=False),
            msg("step_diff", peak=high, off=low, diff=high - low),
        )
        slots = (("prompts", prompts), ("peak_cost", high), ("offpeak_cost", low))
        return Computed(
            "glm5_cost",
            plain_number(high - low),
            "prompts",
            msg("head_cost_diff", diff=high - low),
            steps,
            (),
            (entry,),
            used,
            slots,
        )
    if len(counts) == 1 and glm5_only and len(q.times) == 2 and q.has("difference") and _MOVED.search(q.text):
        if q.has("peak", "offpeak"):
            return NeedInput("glm5_cost", msg("ask_unused", text=q.times[1].text.strip()), entry)
        return _cost_at_two_times(q, facts, now, counts[0], entry, used)
    costed = cost_parts(q, facts, now, counts)
    if isinstance(costed, Problem):
        return costed.outcome("glm5_cost", entry)
    parts, read = costed
    used |= read
    steps_list = [cost_step(part) for part in parts]
    total = sum((part.cost for part in parts), Decimal(0))
    if len(parts) > 1:
        steps_list.append(msg("step_parts", parts=tuple(part.cost for part in parts), total=total))
        headline = msg("head_cost_total", total=total)
    elif parts[0].peak is None:
        headline = msg("head_cost_total", total=total)
    else:
        headline = msg("head_cost", cost=total, peak=parts[0].peak)
    return Computed(
        "glm5_cost",
        plain_number(total),
        "prompts",
        headline,
        tuple(steps_list),
        tuple(dict.fromkeys(part.basis for part in parts if part.basis is not None)),
        (entry,),
        used,
        (
            ("prompts", tuple(part.prompts for part in parts)),
            ("peak", tuple(part.peak for part in parts)),
            ("cost", total),
        ),
    )


# The same prompts at another time ("move them from 3pm to 8pm", "at 9pm instead of 4pm"), not a range of times.
_MOVED = re.compile(
    r"\bmov(?:e|ed|ing)\b|\bshift\w*|\bdelay\w*|\bpostpon\w*|\breschedul\w*|\binstead\b|\brather than\b|"
    r"\bwait(?:ed|ing)? (?:until|till)\b|改到|改在|挪到|换到|推迟到|推到|放到|而不是|与其",
    re.ASCII,
)


def _cost_at_two_times(
    q: Query, facts: Facts, now: datetime, count: Quantity, entry: Entry, used: frozenset[int]
) -> Outcome:
    """One count of GLM-5 prompts at two times ("move 30 prompts from 3pm to 8pm"): each cost, and the difference."""
    costs: list[tuple[Decimal, bool, Msg]] = []
    for written in q.times:
        status = peak_or_ask(replace(q, times=(written,)), facts, now, "glm5_cost", entry)
        if not isinstance(status, PeakStatus):
            return status
        costs.append((count.value * multiplier(facts, status.peak), status.peak, status.basis))
    (first, first_peak, first_basis), (second, second_peak, second_basis) = costs
    diff = abs(first - second)
    steps = (
        msg("step_cost", prompts=count.value, factor=multiplier(facts, first_peak), cost=first, peak=first_peak),
        msg("step_cost", prompts=count.value, factor=multiplier(facts, second_peak), cost=second, peak=second_peak),
        msg("step_minus", high=max(first, second), low=min(first, second), diff=diff),
    )
    return Computed(
        "glm5_cost",
        plain_number(diff),
        "prompts",
        msg("head_cost_change", diff=diff),
        steps,
        tuple(dict.fromkeys((first_basis, second_basis))),
        (entry,),
        used | {t.start for t in q.times} | frozenset(d.start for d in q.dates[:1]),
        (("prompts", count.value), ("costs", (first, second)), ("difference", diff)),
    )


def peak_check(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Is a given time (or now) in the GLM-5 peak window 14:00–18:00 UTC+8?"""
    if not q.has("peak", "offpeak") or q.has("how_many", "cost_q", "which_time"):
        return None
    if q.counts() or len(q.times) > 1:
        return None  # "14:00-18:00 是高峰期吗" restates the FAQ; counts belong to other rules
    if not q.times and not q.has("now"):
        return None
    entry = facts.entry("peak_window")
    moment = find_moment(q, facts, now)
    if isinstance(moment, Msg):
        # "Is 5pm IST peak?": a zone that could be several is fine when every reading gives one verdict.
        status = peak_status(q, facts, now) if q.times else None
        if not isinstance(status, PeakStatus):
            return Refusal("peak_check", status if isinstance(status, Msg) else moment, entry)
        return _peak_answer(q, facts, status, q.times[0].text.strip(), entry)
    if moment is None or not moment.time_given:
        return None
    status = peak_status(q, facts, now) if not moment.from_clock else None
    if status is None:
        start, end = facts.times("peak_window")
        local = moment.at.astimezone(home_zone(facts)[0])
        inside = start <= local.time() < end
        status = PeakStatus(
            inside,
            msg(
                "basis_clock",
                time=f"{moment.at:%H:%M}",
                zone=moment.zone_text,
                converted="",
                window=peak_window_text(facts),
                inside=inside,
                assumed=moment.zone_assumed,
            ),
        )
    if isinstance(status, Msg):
        return Refusal("peak_check", status, entry)
    return _peak_answer(q, facts, status, iso(moment.at, True), entry)


def _peak_answer(q: Query, facts: Facts, status: PeakStatus, when: str, entry: Entry) -> Computed:
    """Yes or no to "is this peak?" (or "is this off-peak?"), from the peak status of the time asked about."""
    asks_offpeak = q.has("offpeak") and not q.has("peak")
    answer = (not status.peak) if asks_offpeak else status.peak
    return Computed(
        "peak_check",
        answer,
        None,
        msg("head_peak", peak=status.peak, answer=answer),
        (status.basis,),
        (msg("note_multipliers", peak=multiplier(facts, True), off=multiplier(facts, False)),),
        (entry,),
        moment_used(q),
        (("time", when), ("peak", status.peak)),
    )


def capacity(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """GLM-5 prompts per window on a plan (quota ÷ multiplier, rounded down) and model calls (quota × 15–20)."""
    if q.has("remaining", "cost_q", "asks_multiplier", "asks_money"):
        return None
    glm5, calls = q.has("glm5"), q.has("model_calls")
    if not (glm5 or calls) or q.has("mcp", "mcp_search", "mcp_reader", "vision"):
        return None
    if q.has("used") and q.counts():
        return None
    windows = [w for w in q.windows if w in ("5h", "week")]
    # "Pro plan: GLM-5 prompts per 5h at peak?" names everything the rule needs without "how many".
    terse = bool(q.plans) and bool(windows) and not q.counts() and not q.has("howto")
    if not (q.has("how_many") or terse):
        return None
    if not q.plans and not windows:
        return None  # "GLM-5 有多少参数", "每次 prompt 调用几次模型": questions for the FAQ
    if len(q.plans) > 1 or len(windows) > 1:
        return None  # comparisons read better as the FAQ's table
    rule = "model_calls" if calls else "glm5_capacity"
    quota_entry = facts.entry("plan_quota_" + q.plans[0]) if q.plans else facts.entry("model_calls_per_prompt")
    main = facts.entry("glm5_multipliers") if glm5 else quota_entry
    plan = only_plan(q)
    if plan is None:
        return NeedInput(rule, msg("ask_plan", plans=facts.plans), main)
    if glm5 and not facts.has_glm5(plan):
        lite_entry = facts.entry("glm5_excluded_plans")
        return Explained(rule, msg("no_glm5", plan=plan), lite_entry)
    window = quota_window(q)
    if window is None:
        return NeedInput(rule, msg("ask_window"), main)
    quota = facts.window_quota(plan, window)
    used = restated(q, [quota])
    steps: list[Msg] = []
    notes: list[Msg] = []
    cites = (main, quota_entry) if main is not quota_entry else (main,)
    slots: tuple[tuple[str, object], ...] = (("plan", plan), ("window", window), ("quota", quota))
    low: Decimal
    high: Decimal
    if glm5:
        status = peak_status(q, facts, now)
        if isinstance(status, Msg):
            return Refusal(rule, status, main)
        if status is None:
            low = (quota / multiplier(facts, True)).to_integral_value(ROUND_FLOOR)
            high = (quota / multiplier(facts, False)).to_integral_value(ROUND_FLOOR)
            steps.append(msg("step_capacity", quota=quota, factor=multiplier(facts, True), prompts=low, peak=True))
            steps.append(msg("step_capacity", quota=quota, factor=multiplier(facts, False), prompts=high, peak=False))
            notes.append(msg("note_both_windows", window=peak_window_text(facts)))
        else:
            factor = multiplier(facts, status.peak)
            low = high = (quota / factor).to_integral_value(ROUND_FLOOR)
            steps.append(msg("step_capacity", quota=quota, factor=factor, prompts=low, peak=status.peak))
            notes.append(status.basis)
            used |= moment_used(q)
        if any((quota / f) != (quota / f).to_integral_value() for f in facts.pair("glm5_multipliers")):
            notes.append(msg("note_rounded_down"))
    else:
        low = high = quota
    if glm5 and not calls and q.has("glm_other") and q.has("difference"):
        # "How many fewer prompts with GLM-5 at peak than with GLM-4.7?": another model's prompt counts once,
        # so the plan's quota is its capacity; the difference is the quota minus the GLM-5 capacity.
        if low != high:
            return NeedInput(rule, ask_time(facts), main)
        steps.append(msg("step_capacity_other", quota=quota, prompts=quota))
        steps.append(msg("step_minus", high=quota, low=low, diff=quota - low))
        notes.append(msg("note_not_multiplied"))
        return Computed(
            rule,
            plain_number(quota - low),
            "prompts",
            msg("head_capacity_diff", plan=plan, window=window, diff=quota - low),
            tuple(steps),
            tuple(notes),
            cites,
            used,
            (*slots, ("glm5_prompts", low), ("other_prompts", quota)),
        )
    if calls:
        calls_low, calls_high, step = model_calls(facts, low, high)
        steps.append(step)
        notes.append(msg("note_estimate"))
        value: Value = (plain_number(calls_low), plain_number(calls_high))
        unit = "model_calls"
        headline = msg("head_calls", plan=plan, window=window, low=calls_low, high=calls_high)
        if not glm5:
            cites = (quota_entry,)
    elif low == high:
        value, unit, headline = plain_number(low), "prompts", msg("head_capacity", plan=plan, window=window, n=low)
    else:
        value, unit = (plain_number(low), plain_number(high)), "prompts"
        headline = msg("head_capacity_range", plan=plan, window=window, low=low, high=high)
    return Computed(rule, value, unit, headline, tuple(steps), tuple(notes), cites, used, slots)


__all__ = ["capacity", "glm5_cost", "peak_check"]
