"""Quotas and what they are worth: MCP calls per month (mcp_quota), the monthly fee's value at API
prices (monthly_value), and what is left of a quota after use (remaining).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from ..models import Entry, Value
from .common import (
    ask_time,
    first_problem,
    is_mcp,
    model_calls,
    moment_used,
    only_plan,
    peak_or_ask,
    plain_number,
    quota_window,
    restated,
)
from .facts import Facts
from .lexicon import LEXICON
from .moments import PeakStatus, multiplier, peak_status
from .numbers import Quantity
from .outcomes import Computed, Explained, Msg, NeedInput, Outcome, Refusal, msg
from .query import Query, clause_query
from .usage import Problem, cost_parts, cost_step, has_own_time, in_quota_units, model_named


def mcp_quota(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Web search + web reader MCP calls per month on a plan (one shared pool)."""
    if not is_mcp(q) or q.has("remaining", "used"):
        return None
    if q.has("howto") or not q.has("how_many", "quota_word", "window_month"):
        return None
    plan = only_plan(q)
    if plan is None:
        return None  # "MCP 的额度是多少": the FAQ entry lists every plan
    entry = facts.entry("mcp_quota_" + plan)
    quota = facts.mcp_quota(plan)
    return Computed(
        "mcp_quota",
        plain_number(quota),
        "calls",
        msg("head_mcp", plan=plan, n=quota),
        (msg("step_mcp", plan=plan, n=quota),),
        (msg("note_mcp_pool"),),
        (entry,),
        restated(q, [quota]),
        (("plan", plan), ("quota", quota)),
    )


_ASKS_MOST = re.compile(
    r"最多|最高|上限|\bat most\b|\bup to\b|\bmaximum\b|\bmax(?= (?:api|value|amount|worth))", re.ASCII
)
_ASKS_LEAST = re.compile(r"至少|最少|最低|\bat least\b|\bminimum\b|\bmin(?= (?:api|value|amount|worth))", re.ASCII)


def monthly_value(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Monthly quota value in API prices: 15–30 × the monthly fee."""
    if not q.has("monthly_value") or q.has("referral"):
        return None
    if not (q.has("window_month") or q.has("fee")):
        return None
    entry = facts.entry("monthly_value_multiple")
    fees = list(q.of_unit("cny"))
    if not fees and q.has("fee"):
        fees = list(q.of_unit("none"))
    problem = first_problem(fees)
    if problem:
        return Refusal("monthly_value", problem, entry)
    if len(fees) != 1:
        if fees or q.plans:
            low_x, high_x = facts.pair("monthly_value_multiple")
            return NeedInput("monthly_value", msg("ask_fee", low_x=low_x, high_x=high_x), entry)
        return None
    fee = fees[0].value
    low_x, high_x = facts.pair("monthly_value_multiple")
    low, high = fee * low_x, fee * high_x
    # "至少值多少" / "what's the max value": the one end of the range that was asked for.
    bound = "high" if _ASKS_MOST.search(q.text) else "low" if _ASKS_LEAST.search(q.text) else None
    value: Value = (plain_number(low), plain_number(high))
    if bound is not None:
        value = plain_number(high if bound == "high" else low)
    return Computed(
        "monthly_value",
        value,
        "CNY",
        msg("head_value", low=low, high=high)
        if bound is None
        else msg("head_value_bound", value=value, most=bound == "high"),
        (msg("step_value", fee=fee, low_x=low_x, high_x=high_x, low=low, high=high),),
        (msg("note_value", low_x=low_x, high_x=high_x),),
        (entry,),
        frozenset([fees[0].start]),
        (("monthly_fee", fee),),
    )


# "500 prompts used": English may say "used" after the number. Chinese says it before (用了 500 次).
_USED_AFTER = re.compile(r"\s*(?:already\s+)?(?:used|consumed|sent|spent|gone)\b", re.ASCII)


# "3,200 web searches and 500 web-reader calls": a number followed by what was called counts those calls.
_MCP_AFTER = re.compile(
    r"\s*(?:次)?\s*(?:的)?\s*(?:more\s+)?(?:联网搜索|网络搜索|网页搜索|网页读取|网页阅读|搜索|读取|"
    r"\bweb[\s-]?(?:search|read)\w*|\bsearch(?:es)?\b|\breads?\b|\breader\b|\bmcp\b)",
    re.ASCII,
)


# "网页读取 200 次" after "联网搜索用了 300 次": a count right after the MCP it counts is a use of it, unless it
# states a quota ("每月联网搜索 1000 次额度"). "视觉理解 150 次" counts vision calls, which are not in the search +
# reader pool.
_QUOTA_BEFORE = re.compile(
    r"每月|每个月|一个月|共|合计|总|额度|上限|\bper month\b|\bmonthly\b|\bquota\b|\blimit\b", re.ASCII
)
_QUOTA_AFTER = re.compile(r"\s*(?:次)?\s*(?:的)?\s*(?:额度|上限|限额|\bquota\b|\blimit\b|\ballowance\b)", re.ASCII)


def _named_calls(q: Query, counts: tuple[Quantity, ...]) -> tuple[Quantity, ...]:
    """Counts written right after a web search or web reader word ("网页读取 200 次"), that do not state a quota."""
    named = []
    for count in counts:
        before = q.before(count)
        if not (LEXICON["mcp_search"].search(before) or LEXICON["mcp_reader"].search(before)):
            continue
        if LEXICON["vision"].search(before) or _QUOTA_BEFORE.search(before) or _QUOTA_AFTER.match(q.text, count.end):
            continue
        named.append(count)
    return tuple(named)


def vision_counts(q: Query) -> tuple[Quantity, ...]:
    """Counts of vision MCP calls ("视觉理解 150 次"), beside web search and reader counts: not in their pool."""
    return tuple(x for x in q.of_unit("count", "none") if LEXICON["vision"].search(q.before(x)))


def _used_counts(q: Query) -> tuple[Quantity, ...]:
    """The counts that were used: "每周 2000 次，已经用了 1500 次" restates the quota, then says what was used."""
    counts = q.counts()
    if is_mcp(q):
        vision = set(vision_counts(q))
        counts = tuple(c for c in counts if c not in vision)
    # "每周 8000，已经用了 5200" / "2000 a week, I've used 1340": a bare number said to be used is a count too.
    bare_used = tuple(
        x
        for x in q.of_unit("none")
        if x not in counts and (LEXICON["used"].search(q.before(x)) or _USED_AFTER.match(q.after(x)))
    )
    counts = tuple(sorted([*counts, *bare_used], key=lambda c: c.start))
    calls: tuple[Quantity, ...] = ()
    if is_mcp(q):
        calls = tuple(x for x in q.of_unit("none") if x not in counts and _MCP_AFTER.match(q.text, x.end))
        counts = tuple(sorted([*counts, *calls], key=lambda c: c.start))
    marked = tuple(c for c in counts if LEXICON["used"].search(q.before(c)) or _USED_AFTER.match(q.after(c)))
    if marked and is_mcp(q):
        calls = (*calls, *_named_calls(q, counts))
    if marked and calls:
        # "used 3,200 web searches and 500 web-reader calls": each count of named calls is a use.
        marked = tuple(sorted({*marked, *calls}, key=lambda c: c.start))
    if marked and q.has("glm_other"):
        # "used 150 GLM-4.7 prompts, then 50 GLM-5 prompts": a count that names its model is a use too.
        named = tuple(c for c in counts if c not in marked and model_named(q, c))
        marked = tuple(sorted([*marked, *named], key=lambda c: c.start))
    return marked or counts


_GLM5_PROMPTS_ASKED = re.compile(
    r"\bhow many (?:more )?glm[\s_-]*5\b|"
    r"(?:还能|还可以)(?:再)?(?:发|用|跑|问)?\s*(?:多少|几)\s*(?:个|次|条)?\s*glm[\s_-]*5|"
    r"glm[\s_-]*5[^,.;?，。；？]{0,16}(?:还能|还可以)(?:再)?(?:发|用|跑|问)",
    re.ASCII,
)


def _asks_glm5_prompts(q: Query) -> bool:
    """Whether what is left is asked in GLM-5 prompts ("how many more GLM-5 prompts can I send")."""
    return _GLM5_PROMPTS_ASKED.search(q.text) is not None


# "还差几次" / "how many short": the calls still wanted beyond what is left this month.
_SHORT = re.compile(r"还差|差几|差多少|不够|缺多少|缺几|\bshort\b|\bshortfall\b", re.ASCII)
_PLANNED = re.compile(
    r"还想|想再|打算|准备|计划|还要|还需要|再用|\bwant(?:s)? to\b|\bplan(?:s)? to\b|\bgoing to\b|"
    r"\bneed(?:s)? (?:to|another)\b|\bstill need\b",
    re.ASCII,
)


def _shortfall(q: Query, facts: Facts, counts: tuple[Quantity, ...]) -> Outcome | None:
    """MCP calls used plus calls still wanted, against the month's shared pool: how many are missing."""
    plan = only_plan(q)
    entry = facts.entry("mcp_quota_" + (plan or facts.plans[0]))
    wanted = tuple(c for c in counts if _PLANNED.search(q.before(c)))
    spent = tuple(c for c in counts if c not in wanted)
    if not wanted or not spent:
        return None
    problem = first_problem(counts, whole=True)
    if problem:
        return Refusal("remaining", problem, entry)
    if plan is None:
        return NeedInput("remaining", msg("ask_plan", plans=facts.plans), entry)
    quota = facts.mcp_quota(plan)
    used = sum((c.value for c in spent), Decimal(0))
    more = sum((c.value for c in wanted), Decimal(0))
    if used > quota:
        return Explained(
            "remaining", msg("explain_over_quota", used=used, plan=plan, quota=quota, window="month"), entry
        )
    missing = max(used + more - quota, Decimal(0))
    steps = (
        msg("step_left", quota=quota, used=tuple(c.value for c in spent), left=quota - used),
        msg("step_short", wanted=more, left=quota - used, missing=missing),
    )
    return Computed(
        "remaining",
        plain_number(missing),
        "calls",
        msg("head_short_calls", n=missing, spare=quota - used - more),
        steps,
        (msg("note_mcp_pool"),),
        (entry,),
        frozenset(c.start for c in counts) | restated(q, [quota]),
        (("plan", plan), ("used", used), ("wanted", more), ("missing", missing)),
    )


def remaining(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """What is left: quota minus what was used (prompts in a window, MCP calls this month)."""
    # "Lite 本月联网搜索 80 次 网页读取 15 次 还剩几次": with a plan named, the counts are what was used.
    mcp = is_mcp(q)
    short = mcp and not q.has("remaining") and _SHORT.search(q.text) is not None
    if not (q.has("remaining") or short) or not (q.has("used") or q.plans):
        return None
    counts = _used_counts(q)
    if not counts:
        return None
    if short:
        return _shortfall(q, facts, tuple(sorted({*q.counts(), *counts}, key=lambda c: c.start)))
    plan = only_plan(q)
    cite_name = (
        ("mcp_quota_" + plan if plan else "mcp_quota_" + facts.plans[0])
        if mcp
        else ("plan_quota_" + plan if plan else "plan_quota_" + facts.plans[0])
    )
    entry = facts.entry(cite_name)
    problem = first_problem(counts, whole=True)
    if problem:
        return Refusal("remaining", problem, entry)
    if plan is None:
        return NeedInput("remaining", msg("ask_plan", plans=facts.plans), entry)
    used = sum((c.value for c in counts), Decimal(0))
    consumed = frozenset(c.start for c in counts)
    slots: tuple[tuple[str, object], ...] = (("plan", plan), ("used", used))
    steps: list[Msg] = []
    notes: list[Msg] = []
    if mcp:
        quota = facts.mcp_quota(plan)
        consumed |= restated(q, [quota]) | {x.start for x in vision_counts(q)}
        if used > quota:
            return Explained(
                "remaining", msg("explain_over_quota", used=used, plan=plan, quota=quota, window="month"), entry
            )
        left = max(quota - used, Decimal(0))
        steps.append(msg("step_left", quota=quota, used=tuple(c.value for c in counts), left=left))
        notes.append(msg("note_mcp_pool"))
        if left == 0:
            notes.append(msg("note_mcp_exhausted"))
        return Computed(
            "remaining",
            plain_number(left),
            "calls",
            msg("head_left_calls", n=left),
            tuple(steps),
            tuple(notes),
            (entry,),
            consumed,
            slots,
        )
    window = quota_window(q)
    if window is None:
        return NeedInput("remaining", msg("ask_window"), entry)
    quota = facts.window_quota(plan, window)
    consumed |= restated(q, [quota])
    slots = (*slots, ("window", window), ("quota", quota))
    cites: tuple[Entry, ...] = (entry,)
    units = tuple(c for c in counts if in_quota_units(q, c))
    if q.has("glm_other") or (units and q.has("glm5")):
        # Prompts of several models ("150 GLM-4.7 prompts, then 50 GLM-5 at 3pm"), or quota already counted
        # ("100 prompts' worth of quota"): each count costed on its own, then added up.
        glm_entry = facts.entry("glm5_multipliers")
        cites = (entry, glm_entry)
        prompts = tuple(c for c in counts if c not in units)
        costs: list[Decimal] = [c.value for c in units]
        if prompts:
            if q.has("glm5") and not facts.has_glm5(plan):
                return Explained("remaining", msg("no_glm5", plan=plan), facts.entry("glm5_excluded_plans"))
            wording = _GLM5_PROMPTS_ASKED.search(q.text)
            costed = cost_parts(q, facts, now, prompts, asked=wording.span() if wording else None)
            if isinstance(costed, Problem):
                return costed.outcome("remaining", glm_entry)
            parts, read = costed
            consumed |= read
            steps.extend(cost_step(part) for part in parts)
            notes.extend(dict.fromkeys(part.basis for part in parts if part.basis is not None))
            costs += [part.cost for part in parts]
        used = sum(costs, Decimal(0))
        shown_used: tuple[Decimal, ...] = tuple(costs)
    elif q.has("glm5"):
        glm_entry = facts.entry("glm5_multipliers")
        cites = (entry, glm_entry)
        if not facts.has_glm5(plan):
            return Explained("remaining", msg("no_glm5", plan=plan), facts.entry("glm5_excluded_plans"))
        period = peak_or_ask(q, facts, now, "remaining", glm_entry)
        if not isinstance(period, PeakStatus):
            return period
        factor = multiplier(facts, period.peak)
        steps.append(msg("step_cost", prompts=used, factor=factor, cost=used * factor, peak=period.peak))
        notes.append(period.basis)
        consumed |= moment_used(q)
        used = used * factor
        shown_used = (used,)
    else:
        shown_used = tuple(c.value for c in counts)
    if used > quota:
        return Explained(
            "remaining", msg("explain_over_quota", used=used, plan=plan, quota=quota, window=window), entry
        )
    left = quota - used
    steps.append(msg("step_left", quota=quota, used=shown_used, left=left))
    if left == 0:
        notes.append(msg("note_prompts_exhausted", hours=facts.number("quota_refresh_hours")))
    notes.append(msg("note_estimate"))
    value: Value = plain_number(left)
    unit, headline = "prompts", msg("head_left_prompts", n=left, window=window)
    if _asks_glm5_prompts(q):
        # "How many more GLM-5 prompts can I send?": what is left, divided by the multiplier, rounded down. When
        # they would be sent is said in the asking clause, or once for the whole question by a peak word; a time
        # written elsewhere is when the earlier prompts were sent.
        wording = _GLM5_PROMPTS_ASKED.search(q.text)
        asking = clause_query(q, wording.start()) if wording else q
        if has_own_time(asking):
            status = peak_status(asking, facts, now)
        else:
            status = peak_status(q, facts, now) if not q.times else None
        glm_entry = facts.entry("glm5_multipliers")
        if isinstance(status, Msg):
            return Refusal("remaining", status, glm_entry)
        if status is None:
            return NeedInput("remaining", ask_time(facts), glm_entry)
        if not facts.has_glm5(plan):
            return Explained("remaining", msg("no_glm5", plan=plan), facts.entry("glm5_excluded_plans"))
        factor = multiplier(facts, status.peak)
        more = (left / factor).to_integral_value(ROUND_FLOOR)
        steps.append(msg("step_capacity", quota=left, factor=factor, prompts=more, peak=status.peak))
        notes.insert(0, status.basis)
        if more * factor != left:
            notes.append(msg("note_rounded_down"))
        consumed |= moment_used(asking if has_own_time(asking) else q)
        cites = (entry, glm_entry)
        return Computed(
            "remaining",
            plain_number(more),
            "prompts",
            msg("head_left_glm5", n=more, window=window),
            tuple(steps),
            tuple(dict.fromkeys(notes)),
            cites,
            consumed,
            (*slots, ("left", left), ("glm5_prompts", more)),
        )
    if q.has("model_calls"):
        calls_low, calls_high, step = model_calls(facts, left, left)
        steps.append(step)
        value = (plain_number(calls_low), plain_number(calls_high))
        unit, headline = "model_calls", msg("head_calls_left", low=calls_low, high=calls_high)
    return Computed("remaining", value, unit, headline, tuple(steps), tuple(notes), cites, consumed, slots)


_RATIO = re.compile(
    r"几倍|多少倍|\bhow many times\b|\btimes (?:bigger|larger|more|as (?:much|many|big|large))\b", re.ASCII
)
_WINDOWS_IN_WEEK = re.compile(
    r"\bhow many (?:full |complete |whole )?(?:5|five)[\s-]?(?:hour|h)\b(?: \w+)? (?:windows?|periods?|cycles?)|"
    r"(?:几个|多少个)\s*(?:完整的?)?\s*(?:5|五)\s*(?:个)?\s*小时(?:的)?(?:周期|窗口|额度)",
    re.ASCII,
)


def quota_compare(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Two plans' quotas side by side, as the FAQ's table gives them: how many more (or fewer) prompts per 5 hours
    or per week, MCP calls per month, or GLM-5 prompts per window, or how many times as many; and, for one plan,
    how many 5-hour windows its weekly quota holds."""
    if q.counts() or q.has("remaining", "used", "cost_q", "howto", "asks_money"):
        return None
    if len(q.plans) == 1 and _WINDOWS_IN_WEEK.search(q.text) and set(q.windows) >= {"5h", "week"}:
        return _windows_in_week(q, facts)
    if len(q.plans) != 2 or not (q.has("how_many") or _RATIO.search(q.text)):
        return None
    ratio = _RATIO.search(q.text) is not None
    if not ratio and not q.has("difference", "compare"):
        return None
    first, second = q.plans
    mcp = is_mcp(q)
    window = "month" if mcp else quota_window(q)
    if window is None or q.has("vision", "model_calls") or (mcp and q.has("glm5")):
        return None
    entry = facts.entry(("mcp_quota_" if mcp else "plan_quota_") + first)
    steps: list[Msg] = []
    notes: list[Msg] = []
    cites: tuple[Entry, ...] = (entry,)
    used: frozenset[int] = frozenset()
    sizes: dict[str, Decimal] = {}
    for plan in (first, second):
        quota = facts.mcp_quota(plan) if mcp else facts.window_quota(plan, window)
        sizes[plan] = quota
        steps.append(msg("step_plan_quota", plan=plan, window=window, n=quota))
    unit = "calls" if mcp else "prompts"
    if q.has("glm5"):
        if not all(facts.has_glm5(plan) for plan in sizes):
            lite = next(plan for plan in sizes if not facts.has_glm5(plan))
            return Explained("quota_compare", msg("no_glm5", plan=lite), facts.entry("glm5_excluded_plans"))
        glm_entry = facts.entry("glm5_multipliers")
        cites = (glm_entry, entry)
        status = peak_or_ask(q, facts, now, "quota_compare", glm_entry)
        if not isinstance(status, PeakStatus):
            return status
        factor = multiplier(facts, status.peak)
        for plan, quota in list(sizes.items()):
            sizes[plan] = (quota / factor).to_integral_value(ROUND_FLOOR)
            steps.append(msg("step_capacity", quota=quota, factor=factor, prompts=sizes[plan], peak=status.peak))
        notes.append(status.basis)
        used |= moment_used(q)
    high_plan, low_plan = sorted(sizes, key=lambda p: sizes[p], reverse=True)
    high, low = sizes[high_plan], sizes[low_plan]
    if ratio:
        if low == 0:  # pragma: no cover - the FAQ's quotas are positive
            return None
        times = high / low
        value = plain_number(times.quantize(Decimal("0.01")) if times != times.to_integral_value() else times)
        steps.append(msg("step_ratio", high=high, low=low, ratio=value))
        headline = msg(
            "head_quota_ratio", high=high_plan.title(), low=low_plan.title(), ratio=value, window=window, unit=unit
        )
    else:
        value = plain_number(high - low)
        steps.append(msg("step_minus", high=high, low=low, diff=high - low))
        headline = msg(
            "head_quota_diff", high=high_plan.title(), low=low_plan.title(), diff=high - low, window=window, unit=unit
        )
    notes.append(msg("note_estimate"))
    return Computed(
        "quota_compare",
        value,
        unit if not ratio else None,
        headline,
        tuple(steps),
        tuple(notes),
        cites,
        used,
        (("plans", (first, second)), ("window", window), ("sizes", (sizes[first], sizes[second]))),
    )


def _windows_in_week(q: Query, facts: Facts) -> Outcome:
    """How many full 5-hour windows of a plan's quota its weekly quota holds (weekly ÷ 5-hour, rounded down)."""
    plan = q.plans[0]
    per_5h, per_week = facts.quota(plan)
    windows = (per_week / per_5h).to_integral_value(ROUND_FLOOR)
    return Computed(
        "quota_compare",
        plain_number(windows),
        None,
        msg("head_windows_in_week", plan=plan, n=windows),
        (msg("step_windows_in_week", week=per_week, per=per_5h, n=windows),),
        (msg("note_estimate"),),
        (facts.entry("plan_quota_" + plan),),
        frozenset(),
        (("plan", plan), ("per_5h", per_5h), ("per_week", per_week)),
    )


# "3 devices and 2 IDEs", "两台电脑", "several tools": what draws on the plan, never a multiplier of its quota.
_TOOLS_AFTER = re.compile(
    r"\s*(?:个|台|部|套)?\s*(?:设备|电脑|终端|编辑器|工具|ide|\bdevices?\b|\bcomputers?\b|\bmachines?\b|\blaptops?\b|"
    r"\bides?\b|\btools?\b|\beditors?\b|\bterminals?\b|\bclients?\b)",
    re.ASCII,
)


def shared_quota(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A plan used from several devices, IDEs or tools: they all share the plan's one quota per window."""
    counts = q.quantities
    if not counts or not all(c.unit in ("count", "none") and _TOOLS_AFTER.match(q.text, c.end) for c in counts):
        return None
    if not (q.has("how_many") or q.has("quota_word")) or q.has("remaining", "used", "glm5", "howto"):
        return None
    plan, window = only_plan(q), quota_window(q)
    if plan is None or window is None:
        return None
    tools = facts.entry("condition_shared_tools")
    entry = facts.entry("plan_quota_" + plan)
    problem = first_problem(list(counts), whole=True)
    if problem:
        return Refusal("shared_quota", problem, entry)
    quota = facts.window_quota(plan, window)
    return Computed(
        "shared_quota",
        plain_number(quota),
        "prompts",
        msg("head_shared_quota", plan=plan, window=window, n=quota),
        (msg("step_shared_quota", plan=plan, window=window, n=quota),),
        (msg("note_shared_tools"), msg("note_estimate")),
        (entry, tools),
        frozenset(c.start for c in counts),
        (("plan", plan), ("window", window), ("quota", quota)),
    )


__all__ = ["mcp_quota", "monthly_value", "quota_compare", "remaining", "shared_quota"]
