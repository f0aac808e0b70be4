"""Numbers the FAQ states outright, asked for one at a time: a plan's quota per window (plan_quota), the GLM-5
multiplier at a stated time (glm5_multiplier), the local time at which a daily event of the FAQ happens
(peak start or end, the daily stock release) in a named zone (event_time), and the other stated numbers (hours,
days, model calls, the fee multiple) asked for in their own unit (fact_lookup).

Each is answered as a calculation that cites the entry the fact comes from, so the reply is the number with
the FAQ's words as its source; a question with anything else in it (a count, a comparison, a how-to) is left to
the other rules or to retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from .common import moment_used, only_plan, plain_number, quota_window
from .dates import local_datetime, resolve_date
from .facts import Facts
from .lexicon import LEXICON
from .moments import home_zone, multiplier, peak_status, peak_window_text
from .outcomes import Computed, Msg, NeedInput, Outcome, Refusal, msg
from .query import Query
from .zones import offset_label

# "cap", "limit", "上限": the question names the quota without "how many" ("whats the weekly prompt cap on Max").
_QUOTA_NOUN = re.compile(
    r"上限|限额|额度|最多|\bcaps?\b|\blimits?\b|\bquota\b|\ballowance\b|\bmax(?:imum)?\b", re.ASCII
)


# Where or by whom the quota would be used ("在自己网站的客服机器人里通过 API 调用", "shared with my team"): the FAQ
# has conditions on that (coding tools only, no sharing), so the bare number would mislead.
_USE_CONTEXT = re.compile(
    r"\bapi\b|网站|机器人|客服|产品|应用|后台|商用|共享|共用|分享|合租|团队|公司|"
    r"\bapps?\b|\bbots?\b|\bwebsites?\b|\bproducts?\b|\bservices?\b|\bbackend\b|\bcommercial\w*|\bshar\w*|\bteam\b|"
    r"\bcompany\b|\bfamily\b|\bfriends?\b",
    re.ASCII,
)


def plan_quota(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A plan's prompts per 5 hours or per week, as the FAQ's table states them."""
    if q.quantities or q.times or q.dates or len(q.plans) != 1 or _USE_CONTEXT.search(q.text):
        return None
    if q.has(
        "glm5",
        "glm_other",
        "model_calls",
        "mcp",
        "mcp_search",
        "mcp_reader",
        "vision",
        "remaining",
        "used",
        "cost_q",
        "howto",
        "compare",
        "asks_money",
        "asks_multiplier",
        "which_time",
        "refresh",
        "total",
        "monthly_value",
        "referral",
    ):
        return None
    if LEXICON["difference"].search(q.text.replace("最多", "  ")):
        return None  # "比 Lite 多多少" compares; "最多多少次" only asks the maximum
    window = quota_window(q)
    if window is None or "month" in q.windows:
        return None
    plan = only_plan(q)
    if plan is None or not (q.has("how_many") or _QUOTA_NOUN.search(_without_plan_max(q.text, plan))):
        return None
    quota = facts.window_quota(plan, window)
    entry = facts.entry("plan_quota_" + plan)
    return Computed(
        "plan_quota",
        int(quota),
        "prompts",
        msg("head_plan_quota", plan=plan, window=window, n=quota),
        (msg("step_plan_quota", plan=plan, window=window, n=quota),),
        (msg("note_quota_table"),),
        (entry,),
        frozenset(),
        (("plan", plan), ("window", window), ("quota", quota)),
    )


def _without_plan_max(text: str, plan: str) -> str:
    """The text less the plan name Max, so that "Max" is not read as "maximum"."""
    return re.sub(r"\bmax\b", " ", text, flags=re.ASCII) if plan == "max" else text


def glm5_multiplier(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """The GLM-5 multiplier at a stated time (or at peak / off-peak): 3 at peak, 2 off-peak."""
    # A plan named beside the question ("on Max") does not change the multiplier; Lite, which has no GLM-5
    # in the plan, is left to the rules that say so.
    if not (q.has("glm5") and q.has("asks_multiplier")) or q.quantities or "lite" in q.plans:
        return None
    if q.has("compare", "difference", "glm_other", "howto", "remaining"):
        return None
    if not (q.times or q.has("now", "peak", "offpeak")) or (q.has("peak") and q.has("offpeak")):
        return None  # "GLM-5 按几倍扣": the FAQ's entry gives both
    entry = facts.entry("glm5_multipliers")
    status = peak_status(q, facts, now)
    if isinstance(status, Msg):
        return Refusal("glm5_multiplier", status, entry)
    if status is None:
        return None
    factor = multiplier(facts, status.peak)
    return Computed(
        "glm5_multiplier",
        int(factor),
        None,
        msg("head_multiplier", factor=factor, peak=status.peak),
        (status.basis,),
        (msg("note_multipliers", peak=multiplier(facts, True), off=multiplier(facts, False)),),
        (entry,),
        moment_used(q, facts) if q.times else frozenset(),
        (("peak", status.peak), ("multiplier", factor)),
    )


Event = Literal["peak_start", "peak_end", "stock"]

_ASKS_TIME = re.compile(
    r"几点|什么时间|什么时候|几时|\bwhat(?:'s| is| are)? (?:\w+ ){0,3}time\b|\bwhen\b|\bat what hour\b|\bwhich hour\b",
    re.ASCII,
)
_START = re.compile(
    r"开始|开启|起始|\bstarts?\b|\bstarting\b|\bbegins?\b|\bbeginning\b|\bkick in\b|\bopens?\b", re.ASCII
)
_END = re.compile(r"结束|截止|\bends?\b|\bending\b|\bfinish\w*|\bstops?\b|\bover\b|\bclose[sd]?\b", re.ASCII)
_STOCK = re.compile(
    r"库存|放货|补货|放出|开售|限售|限量|\bstock\b|\brestock\w*|\bsales? (?:open|start|release)\w*|\brelease\w*",
    re.ASCII,
)
# The present ("today", "these days", "now"): the date of the clock when the zone has daylight saving.
_PRESENT = re.compile(
    r"今天|今日|现在|目前|最近|这几天|这段时间|\btoday\b|\bthese days\b|\bnowadays\b|\bcurrently\b|\bright now\b|"
    r"\bat the moment\b|\bnow\b",
    re.ASCII,
)
_MONTHS = "january february march april may june july august september october november december".split()
_MONTH_YEAR = re.compile(
    r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)|"
    r"\b(?P<name>" + "|".join(_MONTHS) + r")\b\s*[(（,]?\s*(?P<y2>\d{4})\s*[)）]?",
    re.ASCII,
)


def _event(q: Query) -> Event | None:
    starts, ends = bool(_START.search(q.text)), bool(_END.search(q.text))
    if _STOCK.search(q.text) and not q.has("peak", "offpeak", "glm5"):
        return "stock" if not ends else None
    if not q.has("peak") or q.has("offpeak") or starts == ends:
        return None  # "高峰期是几点到几点" asks the window itself: the FAQ's entry states it
    return "peak_start" if starts else "peak_end"


def event_time(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """The local time of a daily event of the FAQ (peak start or end, stock release) in the zone the question
    names; Beijing time when it names none or Beijing. A zone with daylight saving needs a date: the one written,
    a month and year ("2027年8月", "July 2027"), or today for a question about the present."""
    if not _ASKS_TIME.search(q.text) or q.times or q.plans:
        return None
    if q.has("remaining", "used", "cost_q", "howto", "compare", "referral", "refresh", "cancel", "asks_multiplier"):
        return None
    event = _event(q)
    if event is None:
        return None
    month_year = [m for m in _MONTH_YEAR.finditer(q.text)]
    in_month = {x.start for m in month_year for x in q.quantities if m.start() <= x.start < m.end()}
    if len(month_year) > 1 or any(x.start not in in_month for x in q.quantities) or len(q.dates) > 1:
        return None
    if event == "stock":
        entry = facts.entry("stock_release_time")
        at_home = time.fromisoformat(facts.fact("stock_release_time").values[0])
    else:
        entry = facts.entry("peak_window")
        start, end = facts.times("peak_window")
        at_home = start if event == "peak_start" else end
    named = [z for z in q.zones if not (z.error and not z.candidates and len(q.zones) > 1)]
    if len(named) > 1 or any(z.error for z in named):
        bad = next((z for z in named if z.error), named[-1] if named else None)
        return Refusal("event_time", msg("ask_zone", text=bad.label.strip() if bad else ""), entry)
    zone = named[0] if named else None
    home_tz, home_label = home_zone(facts)
    days = _days(q, month_year, now)
    if isinstance(days, Msg):
        return Refusal("event_time", days, entry)
    results: dict[str, datetime] = {}
    for day in days:
        at = local_datetime(day, at_home, home_tz)
        local = at.astimezone(zone.tz) if zone is not None else at
        results.setdefault(f"{local:%H:%M}", local)
    target = zone.label if zone is not None else home_label
    if len(results) > 1:
        return NeedInput("event_time", msg("ask_convert_date", zone=target, times=tuple(sorted(results))), entry)
    value, local = next(iter(results.items()))
    start_text = f"{at_home:%H:%M}"
    end_text = f"{local:%H:%M}"
    if not target.startswith("UTC"):
        target = f"{target} ({offset_label(local.utcoffset())})"
    steps = (msg("step_convert", start=start_text, source=home_label, end=end_text, target=target),)
    notes = [msg("note_event", event=event, window=peak_window_text(facts), at=f"{at_home:%H:%M} ({home_label})")]
    if zone is not None and local.date() != local_datetime(days[0], at_home, home_tz).date():
        notes.append(msg("note_event_day", zone=target))
    used = frozenset(in_month) | moment_used(q)
    return Computed(
        "event_time",
        value,
        None,
        msg("head_event", event=event, time=value, zone=target),
        steps,
        tuple(notes),
        (entry,),
        used,
        (("event", event), ("zone", target), ("time", value)),
    )


def _days(q: Query, month_year: list[re.Match[str]], now: datetime) -> list[date] | Msg:
    """The days whose offset decides the answer: the written date, the first and last day of a written month, today
    for a question about the present, or a winter and a summer day when nothing says when (asked if they differ)."""
    today = now.date()
    if q.dates:
        day = q.dates[0]
        if day.error:
            return msg("bad_date", text=day.text.strip())
        try:
            return [resolve_date(day, today, prefer="next")]
        except ValueError:
            return msg("bad_date", text=day.text.strip())
    if month_year:
        match = month_year[0]
        year = int(match.group("y") or match.group("y2"))
        month = int(match.group("m")) if match.group("m") else _MONTHS.index(match.group("name")) + 1
        if not 1 <= month <= 12 or not 1900 <= year <= 2200:
            return msg("bad_date", text=match.group(0).strip())
        first = date(year, month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return [first, last]
    if _PRESENT.search(q.text):
        return [today]
    return [today, today.replace(month=1, day=15), today.replace(month=7, day=15)]


# The unit a lookup asks for: "多少小时", "how many days". "多久 / how long / 什么时候" is left to the FAQ entry,
# which says more than the number (when the credit counts, where to see it).
_HOURS = re.compile(r"(?:多少|几)\s*个?\s*(?:小时|钟头)|\bhow many (?:\w+ )?hours?\b", re.ASCII)
_DAYS = re.compile(r"(?:多少|几)\s*个?\s*(?:天|日)(?!期)|\bhow many (?:\w+ )?days?\b", re.ASCII)
# The FAQ's cancel rule is a minimum ("至少 3天前"): a question for that minimum asks for the number; "要提前几天
# 取消" alone is a how-to, answered by the FAQ entry.
_AT_LEAST = re.compile(r"至少|最少|最起码|起码|\bat (?:the )?(?:least|minimum)\b|\bminimum\b", re.ASCII)


@dataclass(frozen=True)
class _Lookup:
    """A single number the FAQ states, with what a question about it names (``about``) and its unit's words."""

    fact: str
    about: Callable[[Query], bool]
    asks: re.Pattern[str]
    unit: str
    headline: Msg  # its key words the number (the argument n is added)


_LOOKUPS: tuple[_Lookup, ...] = (
    # after how many hours without the credit to contact support (before the arrival: both name 到账)
    _Lookup(
        "contact_support_after_hours",
        lambda q: q.has("support") and q.has("referral", "credit_arrival"),
        _HOURS,
        "hours",
        msg("head_contact_support_after_hours"),
    ),
    _Lookup(
        "payment_window_hours",
        lambda q: q.has("friend", "invite") and q.has("paid", "ordered") and not q.has("referral"),
        _HOURS,
        "hours",
        msg("head_payment_window_hours"),
    ),
    _Lookup(
        "cancel_days_before",
        lambda q: q.has("cancel") and bool(_AT_LEAST.search(q.text)),
        _DAYS,
        "days",
        msg("head_cancel_days_before"),
    ),
)


def fact_lookup(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A single number the FAQ states, asked for in its unit with nothing to compute it from ("好友必须在多少小时内
    完成首单支付", "at least how many days before the charge date must I cancel"): the number, citing the entry it
    comes from. Ranges (24–48 hours, 15–20 model calls) are left to the FAQ entry, which quotes them."""
    if q.quantities or q.times or q.dates or q.has("compare", "difference", "glm5", "remaining", "total"):
        return None
    lookup = next((x for x in _LOOKUPS if x.about(q) and x.asks.search(q.text)), None)
    if lookup is None:
        return None
    n = facts.number(lookup.fact)
    return Computed(
        "fact_lookup",
        plain_number(n),
        lookup.unit,
        msg(lookup.headline.key, n=n),
        (msg("step_quote", text=facts.fact(lookup.fact).snippet),),
        (),
        (facts.entry(lookup.fact),),
        frozenset(),
        (("fact", lookup.fact), ("value", plain_number(n))),
    )


__all__ = ["event_time", "fact_lookup", "glm5_multiplier", "plan_quota"]
