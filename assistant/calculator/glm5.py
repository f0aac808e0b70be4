"""GLM-5 usage: what N prompts cost at peak and off-peak (glm5_cost), whether a time is in the peak
window (peak_check), and how many GLM-5 prompts or model calls a plan's quota window holds (capacity).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from ..models import Entry, Value
from .common import ask_time, first_problem, model_calls, moment_used, only_plan, plain_number, quota_window, restated
from .facts import Facts
from .moments import PeakStatus, find_moment, home_zone, iso, multiplier, peak_status, peak_window_text
from .numbers import Quantity
from .outcomes import Computed, Explained, Msg, NeedInput, Outcome, Refusal, msg
from .query import Query, clause_query


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
    """N GLM-5 prompts cost N × 3 prompts of quota at peak and N × 2 off-peak.

    Several counts, each with its own time or peak/off-peak word, are costed one by one and added up; one
    count asked at peak *and* off-peak ("how many more at peak") gives both costs and their difference.
    """
    if not q.has("glm5") or q.has("remaining", "asks_multiplier", "asks_money"):
        return None
    counts = q.counts()
    if not counts or not _cost_asked(q, counts):
        return None
    # "10 prompts at peak and 5 off-peak": a bare number with its own time or peak word is a count too.
    bare = [x for x in q.of_unit("none") if x not in counts and _has_own_time(clause_query(q, x.start))]
    counts = tuple(sorted([*counts, *bare], key=lambda x: x.start)) if len(counts) == 1 else counts
    entry = facts.entry("glm5_multipliers")
    problem = first_problem(counts, whole=True)
    if problem:
        return Refusal("glm5_cost", problem, entry)
    plan = only_plan(q)
    if plan is not None and not facts.has_glm5(plan):
        return Explained("glm5_cost", msg("no_glm5", plan=plan), facts.entry("glm5_excluded_plans"))
    used = frozenset(c.start for c in counts)
    if len(counts) == 1 and q.has("peak") and q.has("offpeak") and q.has("difference"):
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
    parts: list[tuple[Decimal, Decimal, Decimal, bool, Msg]] = []  # prompts, factor, cost, peak, basis
    for count in counts:
        sub = clause_query(q, count.start) if len(counts) > 1 else q
        if len(counts) > 1 and not _has_own_time(sub):
            return NeedInput("glm5_cost", msg("ask_prompt_count"), entry)
        status = peak_status(sub, facts, now)
        if isinstance(status, Msg):
            return Refusal("glm5_cost", status, entry)
        if status is None:
            return NeedInput("glm5_cost", ask_time(facts), entry)
        used |= moment_used(sub, facts)
        factor = multiplier(facts, status.peak)
        parts.append((count.value, factor, count.value * factor, status.peak, status.basis))
    steps_list = [msg("step_cost", prompts=n, factor=f, cost=c, peak=p) for n, f, c, p, _ in parts]
    total = sum((c for _, _, c, _, _ in parts), Decimal(0))
    if len(parts) > 1:
        steps_list.append(msg("step_parts", parts=tuple(c for _, _, c, _, _ in parts), total=total))
        headline = msg("head_cost_total", total=total)
    else:
        headline = msg("head_cost", cost=total, peak=parts[0][3])
    return Computed(
        "glm5_cost",
        plain_number(total),
        "prompts",
        headline,
        tuple(steps_list),
        tuple(dict.fromkeys(b for *_, b in parts)),
        (entry,),
        used,
        (("prompts", tuple(n for n, *_ in parts)), ("peak", tuple(p for *_, p, _ in parts)), ("cost", total)),
    )


def _has_own_time(clause: Query) -> bool:
    """Whether a clause says when its prompts were sent (a time, or peak / off-peak)."""
    return bool(clause.times) or clause.has("peak", "offpeak")


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
    quota = facts.quota(plan)[0 if window == "5h" else 1]
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
