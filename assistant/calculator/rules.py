"""The calculator's rules. Each rule reads a :class:`.query.Query`, decides whether it applies and, if its
inputs are there, computes from the facts; the words of the reply are chosen later by :mod:`.messages`.

A rule returns None when it does not apply (the question is left to FAQ retrieval), or one outcome:

* :class:`.outcomes.Computed`: a value, the formula steps with the user's numbers, notes on assumptions;
* :class:`.outcomes.NeedInput`: the rule applies but an input is missing: ask for it, never guess;
* :class:`.outcomes.Refusal`: an input is impossible (negative, over 100%, 25:00, over 10^9): say so, no number;
* :class:`.outcomes.Explained`: the FAQ rules the computation out (Lite has no GLM-5): say so and cite the entry.

Rules are tried in :data:`RULES` order; the first one that applies answers.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

from ..models import Entry, Value
from .common import (
    CENT,
    Rule,
    ask_time,
    first_problem,
    is_mcp,
    moment_used,
    only_plan,
    plain_number,
    quota_window,
    restated,
)
from .facts import Facts
from .lexicon import LEXICON
from .moments import (
    PeakStatus,
    find_moment,
    home_zone,
    iso,
    multiplier,
    peak_status,
    peak_window_text,
    show,
    zone_note,
)
from .numbers import Quantity, parse_chinese_numeral
from .outcomes import Computed, Explained, Msg, NeedInput, Outcome, Refusal, msg
from .query import Query, clause_query
from .timeparse import ClockTime, DateMention

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- referral credit

MoneyRole = Literal["paid", "original", "deduction"]
_DEDUCTION_AFTER = re.compile(
    r"\s*(?:的)?\s*(?:(?:worth\s+)?(?:of|in)\s+(?:(?:his|her|their|my|the|own|own's)\s+){0,2})?(?:优惠券|代金券|抵用券|券|抵扣|积分|余额|\bcoupons?\b|\bvouchers?\b|\bgift\b|\bpoints\b|\boff\b|"
    r"\bdiscount\b|(?P<credit>赠金|\bcredits?\b|\bbonus\b)(?!\s*(?:是|有|能|可以|会|该|应该|一共|总共)?\s*(?:多少|几|怎么|吗|呢|\?)))",
    re.ASCII,
)
_REDUCTION_AFTER = re.compile(
    r"\s*(?:\boff\b|\bdiscount\w*|\breduction\b|\b(?:invite|invitation|referral) (?:discount|reduction|cut)\b|"
    r"的?折扣|的?优惠|立减|减免)",
    re.ASCII,
)
_ROLE_WORDS: tuple[tuple[MoneyRole, re.Pattern[str]], ...] = (
    # Only words about handing over cash: "买了 100 元的套餐" / "bought the 100 yuan plan" names a price.
    (
        "paid",
        re.compile(
            r"实际支付|实际付|实付|最终支付|最后支付|付了|支付了|付款了|交了|花了|付|支付|充值|\bpaid\b|\bpays?\b|"
            r"\bpaying\b|\bpayments?\b|\bspent\b|\bspend\b",
            re.ASCII,
        ),
    ),
    (
        "original",
        re.compile(
            r"原价|标价|售价|定价|原本|价格|价钱|套餐价|\boriginal(?:ly)?\b|\blist price\b|"
            r"\bfull price\b|\bregular price\b|\bprice[ds]?\b|\bcosts?\b|\bpriced\b",
            re.ASCII,
        ),
    ),
    (
        "deduction",
        re.compile(
            # "my referral credit" / "我的赠金" name the credit asked for, not one that was spent.
            r"(?<!我的)赠金(?!\s*(?:是|有|能|会)?\s*(?:多少|几))|优惠券|代金券|抵用券|券|抵扣|积分|余额|立减|减免|减了|减|"
            r"\bcoupons?\b|\bvouchers?\b|\bgift\b|(?<!referral )(?<!invite )(?<!my )\b(?:credits?|bonus)\b|"
            r"\bpoints\b|\bdiscount\b",
            re.ASCII,
        ),
    ),
)
_REDUCTION_BEFORE = re.compile(
    r"立减|减免|减了|减|优惠|折扣|便宜|打折|\boff\b|\bdiscount\w*|\breduc\w*|\bless\b|\bcut\b", re.ASCII
)


# Words that spend a credit or coupon: "用了 5 元赠金" is a deduction, "原价 200 赠金" ends with the question.
_SPENT_BEFORE = re.compile(r"用|使用|抵|扣|\bused?\b|\bwith\b|\bapplied\b|\bredeem\w*", re.ASCII)


def _asked_credit(q: Query, amount: Quantity, after: re.Match[str]) -> bool:
    """True when the credit word after ``amount`` ends the question ("好友首单 5 折 原价 200 赠金"): it is
    the credit asked for, not a credit spent, unless a word such as 用了 or used says it was spent."""
    if not after.group("credit"):
        return False
    tail = q.text[amount.end + after.end() :]
    return not tail.strip(" ?？!！。.") and not _SPENT_BEFORE.search(q.before(amount))


def _money_role(q: Query, amount: Quantity) -> MoneyRole | None:
    """What an amount of money is, from the words around it: paid cash, the original price, or a deduction."""
    deduction = _DEDUCTION_AFTER.match(q.after(amount, 40))
    if deduction and not _asked_credit(q, amount, deduction):
        return "deduction"
    before = q.before(amount)
    role: MoneyRole | None = None
    last = -1
    for name, pattern in _ROLE_WORDS:
        for match in pattern.finditer(before):
            if match.end() > last:  # the keyword closest to the amount wins
                role, last = name, match.end()
    return role


def _is_reduction(q: Query, share: Quantity) -> bool:
    """A percentage next to 立减/off/discount is a price reduction; one next to 赠金/credit is the referral rate."""
    if _REDUCTION_AFTER.match(q.after(share, 24)) or _REDUCTION_BEFORE.search(q.before(share)):
        return True
    start, end = q.clause(share.start)
    return not LEXICON["referral"].search(q.text[start:end])


def _money(q: Query) -> list[Quantity]:
    """The amounts of money in the question: written with a currency, or bare after 原价/实付/paid."""
    money = list(q.of_unit("cny"))
    bare = q.of_unit("none")
    if not money and q.has("paid", "friend"):
        return list(bare)  # "好友付了 88，赠金多少": the currency is implied
    # "原价 100，……用了 5 块赠金": a bare number right after 原价/实付 is money too.
    return sorted([*money, *(x for x in bare if _money_role(q, x) in ("paid", "original"))], key=lambda x: x.start)


def _referral_asked(q: Query) -> bool:
    """Whether the question is about the referral credit.

    Either it asks for it ("赠金多少", "how much do I get" about a friend's payment), or it names an amount
    that a friend paid, which implies the only rule about a friend's money: "朋友付了 50 元",
    "friend paid 88 bucks, referral credit?". Timing, refresh and how-to questions are the FAQ's.
    """
    if q.has("which_time", "refresh", "remaining") or (q.has("howto") and not q.has("calc_word")):
        return False
    if q.has("monthly_value") and not q.has("friend", "referral"):
        return False  # "how much API value do I get for 50 yuan a month" is the monthly-value rule
    if q.has("referral") and q.has("how_many", "calc_word"):
        return True
    if q.has("i_get") and q.has("friend") and q.has("paid"):
        return True
    with_amount = bool(q.of_unit("cny")) or any(_money_role(q, x) in ("paid", "original") for x in q.of_unit("none"))
    return with_amount and (q.has("referral", "i_get") or (q.has("friend") and q.has("paid", "ordered")))


def referral_credit(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Referral credit = referral rate × the cash the friend actually paid (FAQ example: 100×0.5×0.9−5 = 40 → 4)."""
    if not _referral_asked(q):
        return None
    entry = facts.entry("referral_rate")
    rate = facts.number("referral_rate")
    ruled_out = _ruled_out(q, facts)
    if isinstance(ruled_out, Explained):
        return ruled_out
    money = _money(q)
    shares = list(q.of_unit("percent", "zhe"))
    problem = first_problem(money + shares)
    if problem:
        return Refusal("referral_credit", problem, entry)
    used = ruled_out | frozenset(x.start for x in money + shares) | _friend_counts(q, money)

    roles = [(amount, _money_role(q, amount)) for amount in money]
    paid = [amount for amount, role in roles if role == "paid"]
    deductions = [amount for amount, role in roles if role == "deduction"]
    bases = [amount for amount, role in roles if role in ("original", None)]

    factors: list[tuple[Decimal, Msg]] = []  # share of the price kept, and how to show it
    for share in sorted(shares, key=lambda s: s.start):
        if share.unit == "zhe":
            kept = share.fraction()
            if kept is None or kept > 1:
                return Refusal("referral_credit", msg("bad_discount", text=share.text), entry)
            factors.append((kept, msg("f_keep", share=kept, text=share.text)))
        elif _is_reduction(q, share):
            cut = share.value / 100
            if cut > 1:
                return Refusal("referral_credit", msg("bad_discount", text=share.text), entry)
            factors.append((1 - cut, msg("f_cut", share=cut)))
        elif share.value / 100 != rate:  # "返 20%": a rate the FAQ does not state is not silently replaced
            return NeedInput("referral_credit", msg("ask_unused", text=share.text), entry)
    if q.has("half_price") and not any(kept == Decimal("0.5") for kept, _ in factors):
        factors.append((Decimal("0.5"), msg("f_keep", share=Decimal("0.5"), text="½")))
    notes: list[Msg] = []
    if q.has("invite_reduction") and not _stated_invite_cut(q):
        cut = facts.number("invite_discount")
        factors.append((1 - cut, msg("f_cut", share=cut)))
        notes.append(msg("note_invite_from_faq", share=cut))

    if not paid and not bases:
        if not (money or shares or deductions) and not (q.has("how_many") and q.has("paid", "friend")):
            # "what's my referral credit?" or "用了优惠券赠金怎么算" with no amount: the FAQ answers it.
            return None
        ask = msg("ask_price") if (deductions or factors) else msg("ask_paid", rate=rate)
        return NeedInput("referral_credit", ask, entry)
    steps: list[Msg] = []
    if len(paid) > 1:
        return (
            _credit_total(q, paid, rate, entry, used)
            if not (bases or deductions or factors)
            else NeedInput("referral_credit", msg("ask_which_amount"), entry)
        )
    if paid:
        cash = paid[-1].value
        steps.append(msg("step_cash_given", cash=cash))
        if deductions or factors or bases:
            notes.append(msg("note_paid_wins", cash=cash))
    else:
        if len(bases) > 1:
            return NeedInput("referral_credit", msg("ask_which_amount"), entry)
        base = bases[0]
        cash = base.value
        for kept, _ in factors:
            cash *= kept
        cash -= sum((d.value for d in deductions), Decimal(0))
        cash = cash.quantize(CENT, rounding=ROUND_HALF_UP)
        if deductions and cash < 0:
            notes.append(msg("note_clamped"))
        steps.append(
            msg(
                "step_cash",
                base=base.value,
                factors=tuple(m for _, m in factors),
                deductions=tuple(d.value for d in deductions),
                cash=max(cash, Decimal(0)),
            )
        )
        if cash < 0:
            notes.append(msg("note_nothing_paid"))
            cash = Decimal(0)
        if not factors and not deductions and _money_role(q, base) is None:
            notes.append(msg("note_assumed_paid", cash=cash))
    credit = (cash * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    steps.append(msg("step_credit", cash=cash, rate=rate, credit=credit))
    notes.append(msg("note_referral_rule", rate=rate))
    return Computed(
        "referral_credit",
        plain_number(credit),
        "CNY",
        msg("head_credit", credit=credit),
        tuple(steps),
        tuple(notes),
        (entry,),
        used,
        (("cash_paid", cash), ("rate", rate), ("credit", credit)),
    )


def _credit_total(q: Query, paid: list[Quantity], rate: Decimal, entry: Entry, used: frozenset[int]) -> Outcome:
    """Several friends' payments: the credit of each, then the total, only when a total is asked for."""
    if not q.has("total"):
        return NeedInput("referral_credit", msg("ask_which_amount"), entry)
    credits = [(p.value * rate).quantize(CENT, rounding=ROUND_HALF_UP) for p in paid]
    steps = [msg("step_credit", cash=p.value, rate=rate, credit=c) for p, c in zip(paid, credits, strict=True)]
    total = sum(credits, Decimal(0))
    steps.append(msg("step_parts", parts=tuple(credits), total=total))
    return Computed(
        "referral_credit",
        plain_number(total),
        "CNY",
        msg("head_credit_total", credit=total),
        tuple(steps),
        (msg("note_referral_rule", rate=rate),),
        (entry,),
        used,
        (("cash_paid", tuple(p.value for p in paid)), ("rate", rate), ("credit", total)),
    )


_FRIEND_AFTER = re.compile(r"\s*(?:位|名)?\s*(?:好友|朋友|\bfriends?\b)", re.ASCII)


def _friend_counts(q: Query, money: list[Quantity]) -> frozenset[int]:
    """ "一个好友 / 另一个好友 / two friends": a count of friends that matches the payments is consumed."""
    return frozenset(
        c.start for c in q.of_unit("count", "none") if _FRIEND_AFTER.match(q.text, c.end) and c.value in (1, len(money))
    )


# "第 4 天才付款": on day N, i.e. up to N × 24 hours after arriving.
_DAY_ORDINAL = re.compile(r"第\s*$")


def _ruled_out(q: Query, facts: Facts) -> Explained | frozenset[int]:
    """A condition of the FAQ that rules the credit out (refund, not a new user, paid after 72 hours), cited;
    otherwise the waiting times the question states, consumed by the 72-hour condition they meet."""
    window = facts.number("payment_window_hours")
    for flag, fact, key in (
        ("refunded", "condition_refund", "cond_refund"),
        ("not_new_user", "condition_new_user", "cond_not_new"),
        ("late_payment", "condition_late_payment", "cond_late"),
    ):
        if q.has(flag):
            return Explained("referral_credit", msg(key, hours=window), facts.entry(fact))
    waits = q.of_unit("day", "hour")
    for wait in waits:
        hours = wait.value * 24 if wait.unit == "day" else wait.value
        if hours > window:
            return Explained("referral_credit", msg("cond_late", hours=window), facts.entry("condition_late_payment"))
    return frozenset(w.start for w in waits)


def _stated_invite_cut(q: Query) -> bool:
    """True when every 立减 / invite discount in the question comes with its own number."""
    for match in LEXICON["invite_reduction"].finditer(q.text):
        start, end = q.clause(match.start())
        if not any(start <= x.start < end and x.unit in ("percent", "cny", "none") for x in q.quantities):
            return False
    return True


# --------------------------------------------------------------------------- GLM-5 usage


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
        return Refusal("peak_check", moment, entry)
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
        (("time", iso(moment.at, True)), ("peak", status.peak)),
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
        per_low, per_high = facts.pair("model_calls_per_prompt")
        steps.append(
            msg(
                "step_calls",
                prompts_low=low,
                prompts_high=high,
                per_low=per_low,
                per_high=per_high,
                low=low * per_low,
                high=high * per_high,
            )
        )
        notes.append(msg("note_estimate"))
        value: Value = (plain_number(low * per_low), plain_number(high * per_high))
        if not glm5:
            cites = (quota_entry,)
        return Computed(
            rule,
            value,
            "model_calls",
            msg("head_calls", plan=plan, window=window, low=low * per_low, high=high * per_high),
            tuple(steps),
            tuple(notes),
            cites,
            used,
            slots,
        )
    if low == high:
        return Computed(
            rule,
            plain_number(low),
            "prompts",
            msg("head_capacity", plan=plan, window=window, n=low),
            tuple(steps),
            tuple(notes),
            cites,
            used,
            slots,
        )
    return Computed(
        rule,
        (plain_number(low), plain_number(high)),
        "prompts",
        msg("head_capacity_range", plan=plan, window=window, low=low, high=high),
        tuple(steps),
        tuple(notes),
        cites,
        used,
        slots,
    )


# --------------------------------------------------------------------------- quotas


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
    return Computed(
        "monthly_value",
        (plain_number(low), plain_number(high)),
        "CNY",
        msg("head_value", low=low, high=high),
        (msg("step_value", fee=fee, low_x=low_x, high_x=high_x, low=low, high=high),),
        (msg("note_value", low_x=low_x, high_x=high_x),),
        (entry,),
        frozenset([fees[0].start]),
        (("monthly_fee", fee),),
    )


# "500 prompts used": English may say "used" after the number. Chinese says it before (用了 500 次).
_USED_AFTER = re.compile(r"\s*(?:already\s+)?(?:used|consumed|sent|spent|gone)\b", re.ASCII)


def _used_counts(q: Query) -> tuple[Quantity, ...]:
    """The counts that were used: "每周 2000 次，已经用了 1500 次" restates the quota, then says what was used."""
    counts = q.counts()
    marked = tuple(c for c in counts if LEXICON["used"].search(q.before(c)) or _USED_AFTER.match(q.after(c)))
    return marked or counts


def remaining(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """What is left: quota minus what was used (prompts in a window, MCP calls this month)."""
    # "Lite 本月联网搜索 80 次 网页读取 15 次 还剩几次": with a plan named, the counts are what was used.
    if not q.has("remaining") or not (q.has("used") or q.plans):
        return None
    counts = _used_counts(q)
    if not counts:
        return None
    mcp = is_mcp(q)
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
        consumed |= restated(q, [quota])
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
    quota = facts.quota(plan)[0 if window == "5h" else 1]
    consumed |= restated(q, [quota])
    slots = (*slots, ("window", window), ("quota", quota))
    cites: tuple[Entry, ...] = (entry,)
    if q.has("glm5"):
        glm_entry = facts.entry("glm5_multipliers")
        cites = (entry, glm_entry)
        if not facts.has_glm5(plan):
            return Explained("remaining", msg("no_glm5", plan=plan), facts.entry("glm5_excluded_plans"))
        status = peak_status(q, facts, now)
        if isinstance(status, Msg):
            return Refusal("remaining", status, glm_entry)
        if status is None:
            return NeedInput("remaining", ask_time(facts), glm_entry)
        factor = multiplier(facts, status.peak)
        steps.append(msg("step_cost", prompts=used, factor=factor, cost=used * factor, peak=status.peak))
        notes.append(status.basis)
        consumed |= moment_used(q)
        used = used * factor
        shown_used: tuple[Decimal, ...] = (used,)
    else:
        shown_used = tuple(c.value for c in counts)
    left = max(quota - used, Decimal(0))
    steps.append(msg("step_left", quota=quota, used=shown_used, left=left))
    if left == 0:
        notes.append(msg("note_prompts_exhausted", hours=facts.number("quota_refresh_hours")))
    notes.append(msg("note_estimate"))
    if q.has("model_calls"):
        per_low, per_high = facts.pair("model_calls_per_prompt")
        steps.append(
            msg(
                "step_calls",
                prompts_low=left,
                prompts_high=left,
                per_low=per_low,
                per_high=per_high,
                low=left * per_low,
                high=left * per_high,
            )
        )
        return Computed(
            "remaining",
            (plain_number(left * per_low), plain_number(left * per_high)),
            "model_calls",
            msg("head_calls_left", low=left * per_low, high=left * per_high),
            tuple(steps),
            tuple(notes),
            cites,
            consumed,
            slots,
        )
    return Computed(
        "remaining",
        plain_number(left),
        "prompts",
        msg("head_left_prompts", n=left, window=window),
        tuple(steps),
        tuple(notes),
        cites,
        consumed,
        slots,
    )


# --------------------------------------------------------------------------- dates and times


def cancel_deadline(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Latest day to cancel auto-renewal: the billing date minus 3 days."""
    if not q.has("cancel"):
        return None
    entry = facts.entry("cancel_days_before")
    if not q.dates:
        if q.has("latest") and not q.has("how_many"):
            return NeedInput("cancel_deadline", msg("ask_billing_date", days=facts.number("cancel_days_before")), entry)
        return None
    if not q.has("deadline", "billing", "latest"):
        return None  # "If I cancel on Dec 10, when does my plan end?": that date is not a billing date
    moment = find_moment(q, facts, now, use_clock=False)
    if isinstance(moment, Msg):
        return Refusal("cancel_deadline", moment, entry)
    if moment is None:  # pragma: no cover - a date is present
        return None
    days = facts.number("cancel_days_before")
    latest = moment.at - timedelta(days=int(days))
    notes = [msg("note_cancel", days=days)]
    if q.dates[0].year_assumed:
        notes.append(msg("note_year_assumed", date=f"{moment.at:%Y-%m-%d}"))
    if latest.date() < now.astimezone(moment.at.tzinfo).date():
        notes.append(msg("note_cancel_passed"))
    return Computed(
        "cancel_deadline",
        f"{latest:%Y-%m-%d}",
        None,
        msg("head_cancel", date=f"{latest:%Y-%m-%d}"),
        (msg("step_cancel", billing=f"{moment.at:%Y-%m-%d}", days=days, date=f"{latest:%Y-%m-%d}"),),
        tuple(notes),
        (entry,),
        moment_used(q),
        (("billing_date", f"{moment.at:%Y-%m-%d}"),),
    )


def payment_deadline(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A referred friend must pay within 72 hours of arriving through the invite link."""
    if not q.has("friend", "invite") or not q.has("pay_deadline"):
        return None
    if q.has("referral") and q.has("credit_arrival"):
        return None
    entry = facts.entry("payment_window_hours")
    moment = find_moment(q, facts, now, prefer="nearest")
    if isinstance(moment, Msg):
        return Refusal("payment_deadline", moment, entry)
    if moment is None:
        return None
    hours = facts.number("payment_window_hours")
    deadline = moment.at + timedelta(hours=int(hours))
    with_time = moment.time_given
    value = iso(deadline, with_time)
    notes = [zone_note(moment)]
    if moment.time_given and not moment.date_given and not moment.from_clock:
        notes.append(msg("note_today_assumed", date=f"{moment.at:%Y-%m-%d}"))
    if not with_time:
        notes.append(msg("note_same_time"))
    return Computed(
        "payment_deadline",
        value,
        None,
        msg("head_pay_by", when=show(deadline, with_time)),
        (msg("step_plus_hours", start=show(moment.at, with_time), hours=hours, end=show(deadline, with_time)),),
        tuple(notes),
        (entry,),
        moment_used(q),
        (("start", iso(moment.at, with_time)),),
    )


def credit_arrival(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A referral credit arrives 24–48 hours after the friend pays; after 72 hours, contact support."""
    if not q.has("referral"):
        return None
    asks_support = q.has("support")
    if not asks_support and not (q.has("credit_arrival") and q.has("which_time")):
        return None
    entry = facts.entry("credit_arrival_hours")
    moment = find_moment(q, facts, now, prefer="nearest")
    if isinstance(moment, Msg):
        return Refusal("credit_arrival", moment, entry)
    if moment is None:
        return None  # "赠金什么时候到账": the FAQ answers it
    early_h, late_h = facts.pair("credit_arrival_hours")
    support_h = facts.number("contact_support_after_hours")
    with_time = moment.time_given
    early = moment.at + timedelta(hours=int(early_h))
    late = moment.at + timedelta(hours=int(late_h))
    support = moment.at + timedelta(hours=int(support_h))
    steps = (
        msg("step_plus_hours", start=show(moment.at, with_time), hours=early_h, end=show(early, with_time)),
        msg("step_plus_hours", start=show(moment.at, with_time), hours=late_h, end=show(late, with_time)),
        msg("step_plus_hours", start=show(moment.at, with_time), hours=support_h, end=show(support, with_time)),
    )
    notes = [zone_note(moment)]
    if moment.time_given and not moment.date_given and not moment.from_clock:
        notes.append(msg("note_today_assumed", date=f"{moment.at:%Y-%m-%d}"))
    if asks_support:
        headline = msg("head_support", when=show(support, with_time))
        value = iso(support, with_time)
    else:
        headline = msg(
            "head_arrival",
            early=show(early, with_time),
            late=show(late, with_time),
            support=show(support, with_time),
        )
        value = iso(late, with_time)
    slots = (("paid_at", iso(moment.at, with_time)),)
    return Computed("credit_arrival", value, None, headline, steps, tuple(notes), (entry,), moment_used(q), slots)


def quota_refresh(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Used quota comes back 5 hours after use; the weekly quota renews every 7 days from the order."""
    comes_back = q.has("refresh") or (q.has("returns") and q.has("quota_word"))
    if not comes_back or q.has("referral") or is_mcp(q) or "month" in q.windows:
        return None
    weekly = "week" in q.windows
    entry = facts.entry("weekly_period_days" if weekly else "quota_refresh_hours")
    moment = find_moment(q, facts, now, prefer="nearest")
    if isinstance(moment, Msg):
        return Refusal("quota_refresh", moment, entry)
    if moment is None:
        return None
    if weekly:
        if not q.has("ordered"):
            return None
        period = timedelta(days=int(facts.number("weekly_period_days")))
        with_time = moment.time_given
        nth = _ordinal(q)
        if nth is not None:
            number, spot = nth
            reset = moment.at + number * period
            return Computed(
                "quota_refresh",
                iso(reset, with_time),
                None,
                msg("head_week_reset_nth", n=number, when=show(reset, with_time)),
                (
                    msg(
                        "step_week_reset_nth",
                        start=show(moment.at, with_time),
                        n=number,
                        days=facts.number("weekly_period_days"),
                        end=show(reset, with_time),
                    ),
                ),
                (zone_note(moment),),
                (entry,),
                moment_used(q) | spot,
                (("ordered_at", iso(moment.at, with_time)), ("nth", number)),
            )
        reset = moment.at + period
        while reset <= now:
            reset += period
        return Computed(
            "quota_refresh",
            iso(reset, with_time),
            None,
            msg("head_week_reset", when=show(reset, with_time)),
            (
                msg(
                    "step_week_reset",
                    start=show(moment.at, with_time),
                    days=facts.number("weekly_period_days"),
                    end=show(reset, with_time),
                ),
            ),
            (zone_note(moment),),
            (entry,),
            moment_used(q),
            (("ordered_at", iso(moment.at, with_time)),),
        )
    if not moment.time_given:
        return None
    hours = facts.number("quota_refresh_hours")
    back = moment.at + timedelta(hours=int(hours))
    notes = [zone_note(moment), msg("note_rolling_window", hours=hours)]
    if moment.date_given:
        value = iso(back, True)
        when = show(back, True)
    else:
        value = f"{back:%H:%M}"
        when = value
        if back.date() != moment.at.date():
            notes.insert(0, msg("note_next_day"))
    return Computed(
        "quota_refresh",
        value,
        None,
        msg("head_refresh", when=when),
        (
            msg(
                "step_plus_hours",
                start=show(moment.at, True) if moment.date_given else f"{moment.at:%H:%M}",
                hours=hours,
                end=when,
            ),
        ),
        tuple(notes),
        (entry,),
        moment_used(q),
        (("used_at", value),),
    )


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "首": 1}
_ORDINAL = re.compile(
    r"(?:第\s*(?P<n>\d+|[一二两三四五六七八九十]+)\s*次|(?P<cn>首)次|\b(?P<en>first|second|third|fourth|fifth)\b)",
    re.ASCII,
)


def _ordinal(q: Query) -> tuple[int, frozenset[int]] | None:
    """ "第一次 / 首次 / the first / the second" reset, and where its numeral starts (a consumed quantity)."""
    match = _ORDINAL.search(q.text)
    if match is None:
        return None
    raw = match.group("n")
    if raw is None:
        return _ORDINALS[match.group("cn") or match.group("en")], frozenset()
    spot = frozenset(x.start for x in q.quantities if match.start() <= x.start < match.end())
    value = Decimal(raw) if raw.isdigit() else parse_chinese_numeral(raw)
    if value is None or not 1 <= value <= 520:
        return None
    return int(value), spot


# Order matters: the more specific rule first (a "还剩" question with GLM-5 prompts is about what is left,
# not about what they cost).
RULES: tuple[Rule, ...] = (
    referral_credit,
    remaining,
    glm5_cost,
    capacity,
    mcp_quota,
    monthly_value,
    peak_check,
    cancel_deadline,
    payment_deadline,
    credit_arrival,
    quota_refresh,
)


def evaluate(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """The outcome of the first rule that applies (checked by :func:`guard`), or None when none does."""
    for rule in RULES:
        outcome = rule(q, facts, now)
        if outcome is not None:
            log.debug("rule %s -> %s", rule.__name__, type(outcome).__name__)
            return guard(q, outcome)
    return None


def guard(q: Query, outcome: Outcome) -> Outcome:
    """The invariant behind every number: no number unless each quantity, time and date of the question was
    read whole and consumed by a slot of the rule, and any money is in CNY. Otherwise ask about it."""
    if not isinstance(outcome, Computed):
        return outcome
    cite = outcome.cites[0]
    unreadable = next((x for x in q.quantities if x.unit == "malformed"), None)
    if unreadable is not None:
        return Refusal(outcome.rule, msg("bad_number", text=unreadable.text), cite)
    if q.has("foreign_currency"):
        return NeedInput(outcome.rule, msg("ask_currency"), cite)
    if q.has("multiplies"):
        word = LEXICON["multiplies"].search(q.text)
        return NeedInput(outcome.rule, msg("ask_unused", text=word.group(0) if word else ""), cite)
    tokens: list[Quantity | ClockTime | DateMention] = [*q.quantities, *q.times, *q.dates]
    for token in sorted(tokens, key=lambda t: t.start):
        if token.start not in outcome.used:
            log.debug("rule %s left %r unconsumed", outcome.rule, token.text)
            return NeedInput(outcome.rule, msg("ask_unused", text=token.text.strip()), cite)
    return outcome


__all__ = ["RULES", "Rule", "evaluate", "plain_number"]
