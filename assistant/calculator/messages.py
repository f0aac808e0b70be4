"""Every sentence the calculator says, in Chinese and English, and how numbers are written in them.

Rules produce :class:`.rules.Msg` values (a key and arguments); :func:`render` words them in the reply's
language. Simple messages are a pair of format strings; those that depend on a flag or a list are small
functions. Arguments that are Decimals are written without exponent or trailing zeros, shares as percents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .outcomes import Msg

Language = str  # "zh" or "en"


def fmt_number(value: Any) -> str:
    """100 -> "100", Decimal("4.50") -> "4.5", Decimal("1E+3") -> "1000"."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, float):
        return fmt_number(Decimal(repr(value)))
    return str(value)


def fmt_percent(share: Decimal) -> str:
    """Decimal("0.1") -> "10%"."""
    return fmt_number(share * 100) + "%"


def _plan(name: str) -> str:
    return name[:1].upper() + name[1:]


def _window(window: str, lang: Language) -> str:
    names = {"5h": ("每 5 小时", "per 5 hours"), "week": ("每周", "per week"), "month": ("每月", "per month")}
    return _pick(lang, *names.get(window, (window, window)))


def _pick(lang: Language, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


# --- messages that need logic --------------------------------------------------------------------------


def _basis(a: Mapping[str, Any], lang: Language) -> str:
    inside = a["inside"]
    where = _pick(
        lang,
        "在高峰期内" if inside else "不在高峰期内（非高峰期）",
        "inside the peak window" if inside else "outside the peak window (off-peak)",
    )
    converted = f" = {a['converted']}" if a["converted"] else ""
    assumed = ""
    if a["assumed"]:
        assumed = _pick(lang, "（未注明时区，按北京时间理解）", " (no time zone given, so Beijing time is assumed)")
    if lang == "zh":
        lead = "现在是" if a.get("_clock") else ""
        return f"{lead}{a['time']}（{a['zone']}）{converted}{assumed}，{where}；高峰期为每日 {a['window']}。"
    lead = "It is now " if a.get("_clock") else ""
    return f"{lead}{a['time']} ({a['zone']}){converted}{assumed} is {where}; the peak window is {a['window']} daily."


def _basis_readings(a: Mapping[str, Any], lang: Language) -> str:
    """Every reading of an ambiguous zone (or of an undated time under daylight saving) gives one verdict."""
    sep = "、" if lang == "zh" else ", "
    times = sep.join(f"{t} {a['home']}" for t in a["times"])
    where = _pick(
        lang,
        "都在高峰期内" if a["inside"] else "都不在高峰期内（非高峰期）",
        "inside the peak window" if a["inside"] else "outside the peak window (off-peak)",
    )
    if a["kind"] == "zone":
        return _pick(
            lang,
            f"“{a['text']}”可能指多个时区；逐一换算为 {times}，{where}，结果相同；高峰期为每日 {a['window']}。",
            f"“{a['text']}” can mean several time zones; converted, that is {times}, {where} in every case, so "
            f"the result is the same. The peak window is {a['window']} daily.",
        )
    return _pick(
        lang,
        f"未写日期，{a['text']} 有夏令时：换算为 {times}（冬令时/夏令时），{where}；高峰期为每日 {a['window']}。",
        f"No date given and {a['text']} has daylight saving: that is {times} (winter/summer time), {where} "
        f"either way. The peak window is {a['window']} daily.",
    )


def _readings_list(a: Mapping[str, Any], lang: Language) -> str:
    parts = []
    for at, peak in a["readings"]:
        when = _pick(lang, "高峰期" if peak else "非高峰期", "peak" if peak else "off-peak")
        parts.append(f"{at}（{when}）" if lang == "zh" else f"{at} ({when})")
    return "、".join(parts) if lang == "zh" else ", ".join(parts)


def _ask_zone_readings(a: Mapping[str, Any], lang: Language) -> str:
    listed = _readings_list(a, lang)
    return _pick(
        lang,
        f"“{a['text']}”可能指多个时区，换算为 {a['home']} 分别是 {listed}，高峰期与非高峰期的倍率不同。"
        "为避免算错，请告诉我具体时区（城市名或 UTC±小时）。",
        f"“{a['text']}” can mean several time zones; in {a['home']} that is {listed}, and peak and off-peak count "
        "differently. Which zone do you mean (a city or UTC±hours)?",
    )


def _ask_dst_date(a: Mapping[str, Any], lang: Language) -> str:
    listed = _readings_list(a, lang)
    return _pick(
        lang,
        f"{a['text']} 有夏令时，未写日期时换算为 {a['home']} 可能是 {listed}，高峰期与非高峰期的倍率不同。"
        "请告诉我是哪一天（例如 2026-07-15）。",
        f"{a['text']} has daylight saving, so without a date that time is {listed} in {a['home']}, and peak and "
        "off-peak count differently. On which date was it (e.g. 2026-07-15)?",
    )


def _head_short_calls(a: Mapping[str, Any], lang: Language) -> str:
    if a["n"] > 0:
        return _pick(
            lang, f"**本月额度还差 {fmt_number(a['n'])} 次**", f"**{fmt_number(a['n'])} calls short this month**"
        )
    return _pick(
        lang,
        f"**本月额度够用，不差（还会剩 {fmt_number(a['spare'])} 次）**",
        f"**Not short: {fmt_number(a['spare'])} calls would still be left this month**",
    )


def _step_short(a: Mapping[str, Any], lang: Language) -> str:
    wanted, left, missing = fmt_number(a["wanted"]), fmt_number(a["left"]), fmt_number(a["missing"])
    if a["missing"] > 0:
        return _pick(lang, f"还差：{wanted} − {left} = {missing}", f"Short: {wanted} − {left} = {missing}")
    return _pick(lang, f"还想用 {wanted} 次 ≤ 剩余 {left} 次，不差", f"Wanted {wanted} ≤ {left} left: not short")


def _ask_convert_date(a: Mapping[str, Any], lang: Language) -> str:
    times = " / ".join(a["times"])
    return _pick(
        lang,
        f"{a['zone']} 有夏令时，未写日期时换算结果可能是 {times}。请告诉我是哪一天（例如 2026-07-01）。",
        f"{a['zone']} has daylight saving, so without a date that could be {times}. On which date (e.g. 2026-07-01)?",
    )


def _basis_clock(a: Mapping[str, Any], lang: Language) -> str:
    return _basis({**a, "_clock": True}, lang)


def _step_cash(a: Mapping[str, Any], lang: Language) -> str:
    parts = [fmt_number(a["base"])]
    for factor in a["factors"]:
        parts.append(render(factor, lang))
    for deduction in a["deductions"]:
        parts.append(f"− {fmt_number(deduction)}")
    expression = " ".join(parts)
    cash = fmt_number(a["cash"])
    return _pick(
        lang,
        f"好友实际支付的现金 = {expression} = {cash} 元",
        f"Cash your friend actually paid = {expression} = {cash} CNY",
    )


def _step_left(a: Mapping[str, Any], lang: Language) -> str:
    used = a["used"]
    shown = fmt_number(used[0]) if len(used) == 1 else "(" + " + ".join(fmt_number(u) for u in used) + ")"
    if sum(used) > a["quota"]:  # never "400 − 500 = 0": say that the result is clamped
        clamp = _pick(lang, "（用量已超过额度，按 0 计）", " (more than the quota was used, so 0 is left)")
        return f"{fmt_number(a['quota'])} − {shown} < 0 → 0{clamp}"
    return f"{fmt_number(a['quota'])} − {shown} = {fmt_number(a['left'])}"


def _step_calls(a: Mapping[str, Any], lang: Language) -> str:
    low_p, high_p = fmt_number(a["prompts_low"]), fmt_number(a["prompts_high"])
    per_low, per_high = fmt_number(a["per_low"]), fmt_number(a["per_high"])
    low, high = fmt_number(a["low"]), fmt_number(a["high"])
    expression = f"{low_p} × {per_low} = {low}，{high_p} × {per_high} = {high}"
    if lang != "zh":
        expression = expression.replace("，", "; ")
    return _pick(
        lang,
        f"模型调用次数：{expression}（每次 prompt 约调用模型 {per_low}–{per_high} 次）",
        f"Model calls: {expression} (each prompt makes about {per_low}–{per_high} model calls)",
    )


def _step_cost(a: Mapping[str, Any], lang: Language) -> str:
    when = _pick(lang, "高峰期" if a["peak"] else "非高峰期", "peak" if a["peak"] else "off-peak")
    return _pick(
        lang,
        f"{fmt_number(a['prompts'])} 次 × {fmt_number(a['factor'])} 倍（{when}）= {fmt_number(a['cost'])} 次",
        f"{fmt_number(a['prompts'])} prompts × {fmt_number(a['factor'])} ({when}) = {fmt_number(a['cost'])}",
    )


def _step_capacity(a: Mapping[str, Any], lang: Language) -> str:
    when = _pick(lang, "高峰期" if a["peak"] else "非高峰期", "peak" if a["peak"] else "off-peak")
    exact = a["quota"] / a["factor"]
    shown = fmt_number(exact.quantize(Decimal("0.01"))) if exact != exact.to_integral_value() else fmt_number(exact)
    approx = "≈" if exact != exact.to_integral_value() else "="
    return _pick(
        lang,
        f"{when}：{fmt_number(a['quota'])} ÷ {fmt_number(a['factor'])} {approx} {shown} → "
        f"{fmt_number(a['prompts'])} 次",
        f"{when}: {fmt_number(a['quota'])} ÷ {fmt_number(a['factor'])} {approx} {shown} → "
        f"{fmt_number(a['prompts'])} prompts",
    )


def _head_cost(a: Mapping[str, Any], lang: Language) -> str:
    when = _pick(lang, "高峰期" if a["peak"] else "非高峰期", "at peak" if a["peak"] else "off-peak")
    return _pick(
        lang,
        f"**{when}共消耗 {fmt_number(a['cost'])} 次 prompt 额度**",
        f"**{fmt_number(a['cost'])} prompts of quota ({when})**",
    )


def _head_peak(a: Mapping[str, Any], lang: Language) -> str:
    """Yes/no is the computed value itself (the answer to the question asked), the period says why."""
    yes = a.get("answer", a["peak"])
    zh = ("是" if yes else "否") + ("，属于高峰期" if a["peak"] else "，属于非高峰期")
    en = ("Yes" if yes else "No") + (", that is peak time" if a["peak"] else ", that is off-peak")
    return f"**{_pick(lang, zh, en)}**"


def _step_parts(a: Mapping[str, Any], lang: Language) -> str:
    parts = " + ".join(fmt_number(p) for p in a["parts"])
    return _pick(lang, f"合计：{parts} = {fmt_number(a['total'])}", f"Total: {parts} = {fmt_number(a['total'])}")


def _ask_plan(a: Mapping[str, Any], lang: Language) -> str:
    plans = " / ".join(_plan(p) for p in a["plans"])
    return _pick(
        lang,
        f"请告诉我你用的是哪个套餐（{plans}），我再帮你计算。",
        f"Which plan are you on ({plans})? Tell me and I will work it out.",
    )


def _note_zone(a: Mapping[str, Any], lang: Language) -> str:
    if a["clock"]:
        return _pick(lang, f"以当前时间计算（{a['zone']}）。", f"Based on the current time ({a['zone']}).")
    if a["assumed"]:
        return _pick(
            lang,
            f"未注明时区，按北京时间（{a['zone']}）计算。",
            f"No time zone given, so Beijing time ({a['zone']}) is assumed.",
        )
    return _pick(lang, f"时间按 {a['zone']} 计算。", f"Times are in {a['zone']}.")


def _head_value_bound(a: Mapping[str, Any], lang: Language) -> str:
    value = fmt_number(a["value"])
    if a["most"]:
        return _pick(
            lang, f"**每月额度按 API 价格最多约值 {value} 元**", f"**At most about {value} CNY a month at API prices**"
        )
    return _pick(
        lang, f"**每月额度按 API 价格至少约值 {value} 元**", f"**At least about {value} CNY a month at API prices**"
    )


def _f_keep(a: Mapping[str, Any], lang: Language) -> str:
    return f"× {fmt_percent(a['share'])}"


def _f_cut(a: Mapping[str, Any], lang: Language) -> str:
    return f"× (1 − {fmt_percent(a['share'])})"


_CHARGE_PARTS = {
    "fee": ("续费金额", "the renewal fee"),
    "credit": ("赠金余额", "the bonus-credit balance"),
    "cash": ("现金余额", "the cash balance"),
    "third": ("绑定的第三方支付方式（微信、支付宝）", "the bound payment method (WeChat, Alipay)"),
}


def _head_charge(a: Mapping[str, Any], lang: Language) -> str:
    zh, en = _CHARGE_PARTS[a["part"]]
    amount = fmt_number(a["amount"])
    return _pick(lang, f"**从{zh}扣除：{amount} 元**", f"**Taken from {en}: {amount} CNY**")


def _ask_charge_amounts(a: Mapping[str, Any], lang: Language) -> str:
    names = [_CHARGE_PARTS[p][0 if lang == "zh" else 1] for p in a["missing"]]
    if lang == "zh":
        return f"请告诉我{'、'.join(names)}各是多少（元）：续费时先扣赠金余额，再扣现金余额，最后从绑定的支付方式扣款。"
    return (
        f"How much is {', '.join(names)} (in CNY)? A renewal is taken from the bonus credit first, then the cash "
        "balance, then the bound payment method."
    )


_EVENTS = {
    "peak_start": ("GLM-5 高峰期开始", "GLM-5 peak starts"),
    "peak_end": ("GLM-5 高峰期结束", "GLM-5 peak ends"),
    "stock": ("每日新库存释放", "the daily new stock is released"),
}


def _head_event(a: Mapping[str, Any], lang: Language) -> str:
    zh, en = _EVENTS[a["event"]]
    return _pick(lang, f"**{zh}：{a['zone']} {a['time']}**", f"**In {a['zone']}, {en} at {a['time']}**")


def _note_event(a: Mapping[str, Any], lang: Language) -> str:
    if a["event"] == "stock":
        return _pick(
            lang,
            f"限售期间每日 {a['at']} 释放新库存。",
            f"During limited sales, new stock is released daily at {a['at']}.",
        )
    return _pick(lang, f"高峰期为每日 {a['window']}。", f"The peak window is {a['window']} daily.")


def _head_multiplier(a: Mapping[str, Any], lang: Language) -> str:
    factor = fmt_number(a["factor"])
    if lang == "zh":
        return f"**GLM-5 {'高峰期' if a['peak'] else '非高峰期'}按 {factor} 倍抵扣额度**"
    return f"**GLM-5 counts {factor}× {'at peak' if a['peak'] else 'off-peak'}**"


_SPECIAL: Mapping[str, Callable[[Mapping[str, Any], Language], str]] = {
    "basis_time": _basis,
    "basis_clock": _basis_clock,
    "basis_readings": _basis_readings,
    "head_short_calls": _head_short_calls,
    "ask_convert_date": _ask_convert_date,
    "step_short": _step_short,
    "ask_zone_readings": _ask_zone_readings,
    "ask_dst_date": _ask_dst_date,
    "step_cash": _step_cash,
    "step_left": _step_left,
    "step_calls": _step_calls,
    "step_cost": _step_cost,
    "step_capacity": _step_capacity,
    "head_cost": _head_cost,
    "head_peak": _head_peak,
    "step_parts": _step_parts,
    "ask_plan": _ask_plan,
    "note_zone": _note_zone,
    "f_keep": _f_keep,
    "head_value_bound": _head_value_bound,
    "f_cut": _f_cut,
    "head_charge": _head_charge,
    "head_event": _head_event,
    "note_event": _note_event,
    "head_multiplier": _head_multiplier,
    "ask_charge_amounts": _ask_charge_amounts,
}

# --- messages that are a pair of format strings -----------------------------------------------------------
# Arguments: Decimals are formatted by fmt_number; {rate}/{share} are shares shown as percents;
# {plan} is capitalised; {window} is worded per language.

TEMPLATES: Mapping[str, tuple[str, str]] = {
    # bad input
    "bad_negative": (
        "“{text}”是负数，无法计算。请提供一个不小于 0 的数。",
        "“{text}” is negative, so I can't compute with it. Please give a number of 0 or more.",
    ),
    "bad_too_large": (
        "“{text}”超出了合理范围（超过 10 亿），无法计算，请检查输入。",
        "“{text}” is far too large (over 10^9) to be real; please check the number.",
    ),
    "bad_not_whole": (
        "“{text}”不是整数，prompt 和调用次数只能是整数。",
        "“{text}” is not a whole number; prompts and calls are counted in whole numbers.",
    ),
    "ask_zone": (
        "我无法确定“{text}”是哪个时区（不存在或有多种含义），为避免算错不做换算。请用 UTC±小时、城市名或"
        "“北京时间”说明时区。",
        "I can't tell which time zone “{text}” is (it doesn't exist or could mean several), so I won't guess. "
        "Please give it as UTC±hours, a city, or Beijing time.",
    ),
    "bad_time": (
        "“{text}”不是有效的时间，无法计算。请给出 0:00–23:59 之间的时间。",
        "“{text}” is not a valid time of day, so I can't compute with it. Please give a time between 0:00 and 23:59.",
    ),
    "bad_date": (
        "“{text}”不是有效的日期，无法计算。请检查年月日。",
        "“{text}” is not a valid date, so I can't compute with it. Please check the date.",
    ),
    "bad_discount": (
        "折扣“{text}”不成立：折扣不能超过 100%（也不能高于原价），无法计算。",
        "The discount “{text}” is impossible: a discount cannot exceed 100% of the price.",
    ),
    # asking for a missing input
    "ask_paid": (
        "请告诉我好友首单最终实际支付了多少现金（元），赠金按这个金额的 {rate} 计算。",
        "How much cash did your friend actually pay for the first order (in CNY)? The credit is {rate} of that amount.",
    ),
    "ask_price": (
        "请告诉我套餐原价或好友最终实际支付的金额（元），我再按折扣和抵扣计算赠金。",
        "What was the original price, or the cash your friend finally paid (in CNY)? "
        "Then I can apply the discounts and deductions.",
    ),
    "bad_number": (
        "“{text}”这个数字有多种读法（或无法识别），为避免算错我不做计算。"
        "请用普通写法（例如 1000 或 1,000.50）重新告诉我。",
        "I can't read “{text}” as one unambiguous number, so I won't guess. Please write it plainly "
        "(for example 1000 or 1,000.50).",
    ),
    "ask_currency": (
        "FAQ 中的金额都以人民币（元）计，我不会换算其他货币。请告诉我以人民币计的金额。",
        "The FAQ's amounts are in CNY (yuan), and I don't convert other currencies. Please give the amount in CNY.",
    ),
    "ask_compare": (
        "这个问题是在比较两种情况，我只能分别计算每一种：请分开问（例如先问一种情况，再问另一种），我会给出各自的公式。",
        "This compares two cases, and I only compute one case at a time: please ask about each case separately and "
        "I'll show the formula for each.",
    ),
    "ask_unused": (
        "我不确定“{text}”在这个问题里指什么，为避免给出错误的数字，请说明它的含义（例如原价、实付、次数还是时间）。",
        "I'm not sure what “{text}” refers to here, and I won't guess. Please say what it is (a price, the cash "
        "paid, a number of prompts, a time...).",
    ),
    "cond_refund": (
        "订单发生退款时不发放赠金（成功邀请要求订单 1 天内无退款），所以这里没有可计算的赠金。",
        "No referral credit is given when the order is refunded (a successful invite needs no refund within "
        "1 day), so there is no credit to compute.",
    ),
    "cond_no_link": (
        "好友需要通过您的专属链接或邀请码注册，邀请才算成功；未通过专属链接/邀请码注册时不发放赠金。",
        "The invite only counts if your friend registered through your personal link or invite code; a friend "
        "who signed up without it earns no referral credit.",
    ),
    "cond_not_new": (
        "好友必须是套餐新用户（未订阅付费过）邀请才算成功；好友不是新用户时不发放赠金。",
        "The invite only counts if your friend is a new plan user (never subscribed before); for an existing "
        "user no referral credit is given.",
    ),
    "cond_late": (
        "好友需在 {hours} 小时内完成首单支付，超过 {hours} 小时支付不发放赠金，所以这里没有可计算的赠金。",
        "Your friend must pay the first order within {hours} hours; a later payment earns no referral credit, "
        "so there is no credit to compute.",
    ),
    "head_cost_diff": (
        "**高峰期比非高峰期多消耗 {diff} 次 prompt 额度**",
        "**{diff} more prompts of quota at peak than off-peak**",
    ),
    "step_diff": ("差额：{peak} − {off} = {diff}", "Difference: {peak} − {off} = {diff}"),
    "head_cost_total": ("**共消耗 {total} 次 prompt 额度**", "**{total} prompts of quota in total**"),
    "head_credit_diff": ("**赠金相差 {diff} 元**", "**{diff} CNY of referral credit difference**"),
    "step_minus": ("差额：{high} − {low} = {diff}", "Difference: {high} − {low} = {diff}"),
    "note_first_order_only": (
        "只有好友的首单计算赠金，续费不再产生赠金。",
        "Only the friend's first order earns referral credit; renewals do not.",
    ),
    "head_cost_change": ("**两种情况相差 {diff} 次 prompt 额度**", "**A difference of {diff} prompts of quota**"),
    "step_cost_other": (
        "{prompts} 次 × 1（{model}，不按倍数抵扣）= {cost} 次",
        "{prompts} prompts × 1 ({model}, not multiplied) = {cost}",
    ),
    "basis_not_glm5": (
        "倍数只适用于 GLM-5：{model} 的 1 次 prompt 按 1 次额度计算，与时段无关。",
        "Only GLM-5 is multiplied: a {model} prompt counts as one prompt of quota at any time.",
    ),
    "ask_model": (
        "请说明每部分 prompt 用的是哪个模型：只有 GLM-5 按倍数抵扣（高峰期 3 倍、非高峰期 2 倍）。",
        "Which model was each group of prompts sent with? Only GLM-5 is multiplied (3× at peak, 2× off-peak).",
    ),
    "step_capacity_other": (
        "其他模型（如 GLM-4.7）：{quota} ÷ 1 = {prompts} 次",
        "Another model (e.g. GLM-4.7): {quota} ÷ 1 = {prompts} prompts",
    ),
    "note_not_multiplied": (
        "倍数只适用于 GLM-5，GLM-4.7 等其他模型的 1 次 prompt 按 1 次额度计算。",
        "Only GLM-5 is multiplied; a prompt of another model such as GLM-4.7 counts once.",
    ),
    "head_capacity_diff": (
        "**{plan} 套餐{window}用 GLM-5 比用其他模型少约 {diff} 次 prompt**",
        "**About {diff} fewer prompts {window} on {plan} with GLM-5 than with another model**",
    ),
    "step_plan_quota": ("{plan} 套餐{window}约 {n} 次", "{plan}: about {n} {window}"),
    "step_ratio": ("{high} ÷ {low} = {ratio}", "{high} ÷ {low} = {ratio}"),
    "head_quota_diff": (
        "**{high} 套餐{window}比 {low} 套餐多约 {diff} 次**",
        "**{high} has about {diff} more {unit} {window} than {low}**",
    ),
    "head_quota_ratio": (
        "**{high} 套餐{window}的额度约是 {low} 套餐的 {ratio} 倍**",
        "**{high} has about {ratio} times as many {unit} {window} as {low}**",
    ),
    "head_windows_in_week": (
        "**{plan} 套餐的周额度约等于 {n} 个完整的 5 小时额度**",
        "**{plan}'s weekly quota holds about {n} full 5-hour windows**",
    ),
    "step_windows_in_week": ("{week} ÷ {per} = {n}", "{week} ÷ {per} = {n}"),
    "head_shared_quota": (
        "**一共约 {n} 次：{plan} 套餐{window}约 {n} 次，所有设备和工具共用**",
        "**About {n} in total: {plan} gives about {n} prompts {window}, shared by all devices and tools**",
    ),
    "step_shared_quota": (
        "{plan} 套餐{window}额度约 {n} 次，不随设备或工具数量增加 → {n}",
        "{plan}: about {n} prompts {window}, not multiplied by devices or tools → {n}",
    ),
    "note_shared_tools": (
        "FAQ：所有 Coding 工具共用您所订阅套餐的使用额度；套餐仅限订阅人本人使用，不能与他人共享。",
        "FAQ: all coding tools share the plan's quota; the plan is for the subscriber alone and cannot be shared.",
    ),
    "head_credit_total": ("**你一共可获得 {credit} 元赠金**", "**{credit} CNY of referral credit in total**"),
    "note_clamped": (
        "计算结果不能小于 0，已按 0 计。",
        "The result cannot be below 0, so it is shown as 0.",
    ),
    "step_no_credit": ("{cash} 元：{reason}赠金 0 元", "{cash} CNY: {reason} Credit 0 CNY"),
    "head_contact_support_after_hours": (
        "**赠金超过 {n} 小时仍未到账，请联系客服核查**",
        "**If the credit has not arrived after {n} hours, contact support**",
    ),
    "head_payment_window_hours": (
        "**好友需在 {n} 小时内完成首单支付，邀请才算成功**",
        "**Your friend must pay for the first order within {n} hours for the invite to count**",
    ),
    "head_cancel_days_before": (
        "**至少在下一个扣费日 {n} 天前取消**",
        "**Cancel at least {n} days before the next billing date**",
    ),
    "step_quote": ("FAQ 原文：“{text}”", "FAQ (in Chinese): “{text}”"),
    "head_plan_quota": ("**{plan} 套餐{window}约 {n} 次 prompt**", "**About {n} prompts {window} on {plan}**"),
    "note_quota_table": (
        "数字来自 FAQ 的套餐额度表（约数）。",
        "The number is from the FAQ's quota table (approximate).",
    ),
    "note_event_day": ("在 {zone} 这是前一天或后一天的当地时间。", "In {zone} that falls on another calendar day."),
    "ask_charge_part": (
        "请说明你想知道哪一部分：从赠金余额、现金余额还是绑定的支付方式（微信、支付宝）扣多少？",
        "Which part do you want: how much comes from the bonus credit, the cash balance or the bound payment method?",
    ),
    "step_charge_credit": (
        "先扣赠金余额：min({fee}, {credit}) = {part} 元",
        "Bonus credit first: min({fee}, {credit}) = {part} CNY",
    ),
    "step_charge_cash": (
        "再扣现金余额：min({fee} − {taken}, {cash}) = {part} 元",
        "Then the cash balance: min({fee} − {taken}, {cash}) = {part} CNY",
    ),
    "step_charge_third": (
        "其余从绑定的支付方式扣款：{fee} − {credit} − {cash} = {part} 元",
        "The rest from the bound payment method: {fee} − {credit} − {cash} = {part} CNY",
    ),
    "note_charge_order": (
        "扣费顺序：优先使用赠金余额；赠金不足时使用现金余额；以上余额不足时，再从绑定的第三方支付方式（如微信、支付宝）扣款。",
        "The order of charging: bonus credit first; if it is not enough, the cash balance; if both are not enough, "
        "the bound third-party payment method (e.g. WeChat, Alipay).",
    ),
    "ask_which_amount": (
        "你给出了多个金额，请说明哪一个是原价、哪一个是好友最终实际支付的金额。",
        "You gave several amounts: which one is the original price, and which is the cash your friend actually paid?",
    ),
    "ask_prompt_count": (
        "请告诉我一共发送了多少次 GLM-5 prompt（一个数字）。",
        "How many GLM-5 prompts in total? Please give one number.",
    ),
    "ask_time": (
        "请告诉我是在什么时间（或是否在高峰期）调用的：高峰期为每日 {window}，GLM-5 高峰期按 {peak} 倍、"
        "非高峰期按 {off} 倍抵扣额度。",
        "At what time (or at peak or off-peak) were they sent? The peak window is {window} daily; "
        "GLM-5 counts {peak}× at peak and {off}× off-peak.",
    ),
    "ask_window": (
        "请说明按哪个额度周期计算：每 5 小时，还是每周？",
        "Which quota window do you mean: per 5 hours or per week?",
    ),
    "ask_fee": (
        "请告诉我套餐的月订阅费用（元），每月额度价值按月费的 {low_x}–{high_x} 倍折算。",
        "What is the plan's monthly fee (in CNY)? The monthly quota is worth {low_x}–{high_x}× the fee at API prices.",
    ),
    "ask_billing_date": (
        "请告诉我下一个扣费日（例如 2026-12-31），最晚需在扣费日至少 {days} 天前取消。",
        "What is your next billing date (e.g. 2026-12-31)? You must cancel at least {days} days before it.",
    ),
    # explained, not computed
    "no_glm5": (
        "{plan} 套餐当前不包含 GLM-5 的额度，所以无法按套餐额度计算 GLM-5 的可用次数。"
        "如需体验 GLM-5，可通过通用 API 端点按 API 价格付费调用，详见下方 FAQ。",
        "The {plan} plan does not include GLM-5 quota at present, so there is no GLM-5 allowance to "
        "compute. To try GLM-5 you can call it through the general API endpoint at API prices; "
        "see the FAQ entry below.",
    ),
    # referral credit
    "head_payment_for_credit": (
        "**要获得 {credit} 元赠金，好友首单需实际支付 {cash} 元**",
        "**For {credit} CNY of referral credit, friends' first orders must total {cash} CNY in cash**",
    ),
    "step_payment_for_credit": (
        "好友实际支付 = {credit} ÷ {rate} = {cash} 元",
        "Cash your friends pay = {credit} ÷ {rate} = {cash} CNY",
    ),
    "head_credit": ("**你可获得的赠金：{credit} 元**", "**Your referral credit: {credit} CNY**"),
    "step_cash_given": ("好友实际支付的现金 = {cash} 元", "Cash your friend actually paid = {cash} CNY"),
    "step_credit": ("赠金 = {cash} × {rate} = {credit} 元", "Referral credit = {cash} × {rate} = {credit} CNY"),
    "note_referral_rule": (
        "赠金按好友首单最终实际支付的现金的 {rate} 计算，不包含任何优惠券、折扣、积分抵扣或退款部分。",
        "The credit is {rate} of the cash your friend finally paid for the first order; "
        "coupons, discounts, points and refunds do not count.",
    ),
    "note_invite_from_faq": ("邀请立减按 FAQ 中的 {share} 计算。", "The invite reduction is the FAQ's {share}."),
    "note_paid_wins": (
        "已按好友实际支付的 {cash} 元计算，折扣与抵扣不再重复扣减。",
        "Computed from the {cash} CNY actually paid; discounts and deductions are not applied again.",
    ),
    "note_nothing_paid": (
        "抵扣金额超过了折后价，好友实际支付的现金为 0，因此没有赠金。",
        "The deductions exceed the discounted price, so no cash was paid and there is no credit.",
    ),
    "note_assumed_paid": (
        "按好友实际支付现金 {cash} 元计算；如果这是原价且还有折扣或优惠券，请告诉我。",
        "Taken as the cash actually paid ({cash} CNY); if it is the list price and discounts "
        "or coupons applied, tell me.",
    ),
    # GLM-5 usage
    "basis_said_peak": (
        "按你所说的高峰期计算（高峰期为每日 {window}）。",
        "Counted at peak, as you said (the peak window is {window} daily).",
    ),
    "basis_said_offpeak": (
        "按你所说的非高峰期计算（高峰期为每日 {window}）。",
        "Counted off-peak, as you said (the peak window is {window} daily).",
    ),
    "note_multipliers": (
        "GLM-5 高峰期按 {peak} 倍、非高峰期按 {off} 倍抵扣额度。",
        "GLM-5 usage counts {peak}× at peak and {off}× off-peak.",
    ),
    "head_capacity": (
        "**{plan} 套餐{window}约可用 GLM-5 {n} 次 prompt**",
        "**About {n} GLM-5 prompts {window} on {plan}**",
    ),
    "head_capacity_range": (
        "**{plan} 套餐{window}约可用 GLM-5 {low}（高峰期）到 {high}（非高峰期）次 prompt**",
        "**About {low} (peak) to {high} (off-peak) GLM-5 prompts {window} on {plan}**",
    ),
    "note_both_windows": (
        "未说明时段，给出高峰期（{window}）与非高峰期两种结果。",
        "No time given, so both peak ({window}) and off-peak figures are shown.",
    ),
    "note_rounded_down": ("prompt 按整次计算，结果已向下取整。", "Prompts are whole, so the result is rounded down."),
    "head_calls": (
        "**{plan} 套餐{window}约可调用模型 {low}–{high} 次**",
        "**About {low}–{high} model calls {window} on {plan}**",
    ),
    "note_estimate": (
        "以上均为 FAQ 给出的预估值，实际可用量因项目复杂度等因素而不同。",
        "These are the FAQ's estimates; actual usage varies with project complexity and other factors.",
    ),
    # quotas
    "head_mcp": (
        "**{plan} 套餐联网搜索 + 网页读取 MCP 每月合计 {n} 次**",
        "**{plan}: {n} web search + web reader MCP calls per month in total**",
    ),
    "step_mcp": (
        "{plan} 套餐：联网搜索 MCP 与网页读取 MCP 共用每月 {n} 次额度",
        "{plan}: web search MCP and web reader MCP share {n} calls a month",
    ),
    "note_mcp_pool": (
        "联网搜索与网页读取共用一个月度额度，达到上限后当月无法调用；视觉理解 MCP 则共享套餐的 prompt 额度。",
        "Web search and web reader share one monthly pool; once it is used up they stop until next "
        "month. Vision MCP shares the plan's prompt pool instead.",
    ),
    "note_mcp_exhausted": ("本月额度已用完，当月无法再调用。", "This month's pool is used up until next month."),
    "head_value": (
        "**每月额度按 API 价格约值 {low}–{high} 元**",
        "**The monthly quota is worth about {low}–{high} CNY at API prices**",
    ),
    "step_value": (
        "{fee} × {low_x} = {low}，{fee} × {high_x} = {high}",
        "{fee} × {low_x} = {low}; {fee} × {high_x} = {high}",
    ),
    "note_value": (
        "FAQ：每月可用额度按 API 定价折算，相当于月订阅费用的 {low_x}–{high_x} 倍（已计入周限额影响）。",
        "FAQ: the monthly quota, priced at API rates, is {low_x}–{high_x}× the monthly fee (weekly limits included).",
    ),
    "head_left_prompts": ("**{window}额度还剩约 {n} 次 prompt**", "**About {n} prompts left {window}**"),
    "head_left_calls": (
        "**本月联网搜索 + 网页读取还剩 {n} 次**",
        "**{n} web search + web reader calls left this month**",
    ),
    "head_left_glm5": (
        "**{window}额度还能发约 {n} 次 GLM-5 prompt**",
        "**About {n} more GLM-5 prompts {window}**",
    ),
    "head_calls_left": ("**还可调用模型约 {low}–{high} 次**", "**About {low}–{high} model calls left**"),
    "note_prompts_exhausted": (
        "额度已用完；每 5 小时额度在请求消耗 {hours} 小时后恢复。",
        "The quota is used up; 5-hour quota comes back {hours} hours after it was used.",
    ),
    # dates and times
    "head_cancel": ("**最晚在 {date} 取消**", "**Cancel by {date} at the latest**"),
    "step_cancel": ("{billing} − {days} 天 = {date}", "{billing} − {days} days = {date}"),
    "note_cancel": (
        "FAQ：请务必在下一个扣费日至少 {days} 天前取消，以避免自动续费；取消后当前周期继续有效。",
        "FAQ: cancel at least {days} days before the next billing date to avoid renewal; "
        "the current period stays valid.",
    ),
    "note_cancel_passed": (
        "这个日期已经过去，本次扣费可能无法避免。",
        "That day has already passed, so this renewal may no longer be avoidable.",
    ),
    "note_year_assumed": ("未写年份，按下一个 {date} 计算。", "No year given, so the next one ({date}) is used."),
    "head_pay_by": ("**好友需在 {when} 前完成首单支付**", "**Your friend must pay for the first order by {when}**"),
    "step_plus_hours": ("{start} + {hours} 小时 = {end}", "{start} + {hours} h = {end}"),
    "step_convert": ("{start}（{source}）= {end}（{target}）", "{start} ({source}) = {end} ({target})"),
    "note_today_assumed": ("未写日期，按今天（{date}）计算。", "No date given, so today ({date}) is assumed."),
    "note_same_time": (
        "未写具体时间，截止时间为当天同一时刻。",
        "No time of day given: the deadline is at the same time of day.",
    ),
    "head_arrival": (
        "**赠金通常在 {early} 到 {late} 之间到账；若 {support} 后仍未到账，请联系客服**",
        "**The credit usually arrives between {early} and {late}; if it has not arrived by "
        "{support}, contact support**",
    ),
    "head_support": (
        "**若 {when} 后仍未到账，请联系客服核查**",
        "**If the credit has not arrived by {when}, contact support**",
    ),
    "head_refresh": ("**约在 {when} 恢复**", "**It comes back at about {when}**"),
    "note_next_day": ("恢复时间在次日。", "That is on the next day."),
    "note_rolling_window": (
        "每 5 小时额度为动态刷新：每次请求消耗的额度在 {hours} 小时后恢复。",
        "The 5-hour quota is rolling: each request's quota comes back {hours} hours after it was used.",
    ),
    "explain_rolling": (
        "每 5 小时额度是动态刷新的：每次请求消耗的额度在该请求 {hours} 小时后各自恢复，并不是在达到上限后统一重置，"
        "所以从达到上限的时间（{time}）推不出恢复时间。最早恢复的是这 {hours} 小时内最早那次请求的额度；"
        "若之后不再使用，额度最晚在最后一次请求 {hours} 小时后全部恢复。告诉我这些请求各是几点发的，我可以帮你算。",
        "The 5-hour quota is rolling: each request's quota comes back {hours} hours after that request, not all at "
        "once after the limit is hit, so the time you hit the limit ({time}) does not give a refresh time. The "
        "first quota back is that of the earliest request in the last {hours} hours; with no further use, all of it "
        "is back {hours} hours after your last request. Tell me when the requests were sent and I can work it out.",
    ),
    "explain_over_quota": (
        "你说已用 {used} 次，但 {plan} 套餐{window}额度只有约 {quota} 次，用量不会超过额度（达到上限后就无法再调用），"
        "所以算不出剩余次数。请在用量统计页面核对已用次数后再告诉我。",
        "You say {used} were used, but the {plan} plan's quota is about {quota} {window}, and usage cannot exceed it "
        "(calls stop at the limit), so there is no remaining number to compute. Please check the usage page and "
        "tell me the count again.",
    ),
    "note_not_weekday": (
        "周额度不是在固定的星期几重置，而是自下单时起每 {days} 天重置一次。",
        "The weekly quota does not reset on a fixed weekday: it resets every {days} days from the time of the order.",
    ),
    "head_convert": ("**{start}（{source}）= {end}（{target}）**", "**{start} ({source}) = {end} ({target})**"),
    "note_other_day": ("在 {zone} 这是 {date}。", "In {zone} that is on {date}."),
    "head_week_reset": ("**周额度下一次在 {when} 重置**", "**The weekly quota next resets on {when}**"),
    "head_week_reset_nth": ("**第 {n} 次周额度重置在 {when}**", "**Weekly reset number {n} is on {when}**"),
    "step_week_reset_nth": (
        "{start} + {n} × {days} 天 = {end}",
        "{start} + {n} × {days} days = {end}",
    ),
    "step_week_reset": (
        "{start} 起每 {days} 天重置一次，下一次为 {end}",
        "{start}, then every {days} days: next reset {end}",
    ),
    # framing
    "source": ("依据 FAQ：", "Source (FAQ):"),
    "notes": ("说明：", "Notes:"),
    "formula": ("计算：", "Calculation:"),
}


def _argument(name: str, value: Any, lang: Language) -> Any:
    if isinstance(value, Msg):
        return render(value, lang)
    if name in ("rate", "share") and isinstance(value, Decimal):
        return fmt_percent(value)
    if name == "plan" and isinstance(value, str):
        return _plan(value)
    if name == "window" and value in ("5h", "week", "month"):
        return _window(value, lang)
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return fmt_number(value)
    return value


def render(message: Msg, lang: Language) -> str:
    """The message in ``lang`` ("zh"; anything else is English)."""
    lang = "zh" if lang == "zh" else "en"
    special = _SPECIAL.get(message.key)
    if special is not None:
        return special(message.arguments(), lang)
    if message.key not in TEMPLATES:
        raise KeyError(f"no wording for calculator message {message.key!r}")
    zh, en = TEMPLATES[message.key]
    args = {name: _argument(name, value, lang) for name, value in message.args}
    return (zh if lang == "zh" else en).format(**args)


def known_keys() -> frozenset[str]:
    """Every message key that has wording (for tests)."""
    return frozenset(TEMPLATES) | frozenset(_SPECIAL)


__all__ = ["fmt_number", "fmt_percent", "known_keys", "render"]
