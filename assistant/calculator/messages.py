"""Every sentence the calculator says, in Chinese and English, and how numbers are written in them.

Rules produce :class:`.rules.Msg` values (a key and arguments); :func:`render` words them in the reply's
language. Simple messages are a pair of format strings, kept as data in ``assistant/wording/calculator.toml``;
those that depend on a flag or a list are small functions. Arguments that are Decimals are written without
exponent or trailing zeros, shares as percents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..wording import catalog
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


def _period(peak: bool, lang: Language, en_peak: str = "peak") -> str:
    """The name of the period a time falls in: 高峰期 / 非高峰期, "peak" (or ``en_peak``) / "off-peak"."""
    return _pick(lang, "高峰期" if peak else "非高峰期", en_peak if peak else "off-peak")


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
        when = _period(peak, lang)
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
    when = _period(a["peak"], lang)
    return _pick(
        lang,
        f"{fmt_number(a['prompts'])} 次 × {fmt_number(a['factor'])} 倍（{when}）= {fmt_number(a['cost'])} 次",
        f"{fmt_number(a['prompts'])} prompts × {fmt_number(a['factor'])} ({when}) = {fmt_number(a['cost'])}",
    )


def _step_capacity(a: Mapping[str, Any], lang: Language) -> str:
    when = _period(a["peak"], lang)
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
    when = _period(a["peak"], lang, "at peak")
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
    factor, when = fmt_number(a["factor"]), _period(a["peak"], lang, "at peak")
    return _pick(lang, f"**GLM-5 {when}按 {factor} 倍抵扣额度**", f"**GLM-5 counts {factor}× {when}**")


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
# Their wording is data: assistant/wording/calculator.toml, one [key] table with zh and en side by side.
# Arguments: Decimals are formatted by fmt_number; {rate}/{share} are shares shown as percents;
# {plan} is capitalised; {window} is worded per language.

TEMPLATES: Mapping[str, tuple[str, str]] = catalog("calculator")


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
