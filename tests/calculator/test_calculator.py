"""The calculator end to end on the real FAQ: every rule in Chinese and English, missing inputs, bad values,
and the FAQ questions that must be left to retrieval.

The clock is fixed: NOW is 2026-11-27 10:00 in UTC+8 (off-peak), so dates and "现在" are deterministic.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from assistant.calculator import Calculator
from assistant.calculator import rules as rules_module
from assistant.models import Answer, Entry, to_json
from assistant.normalize import detect_language
from tests.conftest import ROOT

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 UTC+8
BEIJING = timezone(timedelta(hours=8))

Q_REFERRAL = "“好友实际支付金额”具体指的是什么？如果好友用了优惠券，赠金怎么算？"
Q_GLM5 = "为什么调用 GLM-5 时额度消耗更快？有没有节省额度的方式？"
Q_QUOTA = "套餐的用量额度大概有多少？"
Q_LITE = "我是 Lite 用户，如果我想体验并调用 GLM-5 该怎么做？"
Q_MCP = "视觉理解、联网搜索、网页读取 MCP 在套餐里的额度是怎样的？"
Q_CANCEL = "如何取消订阅自动续费？"
Q_INVITE = "如何判断我的邀请是否成功？好友需要完成哪些步骤？"
Q_ARRIVAL = "我邀请好友后，赠金什么时候会到账？"


def ask(calc: Calculator, question: str, now: datetime = NOW):
    return calc.try_answer(question, language=detect_language(question), now=now)


# --------------------------------------------------------------------------- calculations

# (question, value, unit, main cited FAQ question)
CALCULATIONS = [
    # the dev set's calculation rows
    ("套餐原价 100 元，好友首购 5 折，通过我的邀请立减 10%，又用了 5 元赠金，我能得多少赠金？", 4, "CNY", Q_REFERRAL),
    ("好友实际支付了 60 元，赠金多少", 6, "CNY", Q_REFERRAL),
    ("My friend paid 45 yuan. What's my referral credit?", 4.5, "CNY", Q_REFERRAL),
    ("高峰期用 GLM-5 发了 5 个 prompt，扣多少额度", 15, "prompts", Q_GLM5),
    ("晚上十点用 GLM-5 发 8 次，扣多少次", 16, "prompts", Q_GLM5),
    ("At 3pm Beijing time, 4 GLM-5 prompts cost how much quota?", 12, "prompts", Q_GLM5),
    ("Max 套餐高峰期 5 小时能用几次 GLM-5", 533, "prompts", Q_GLM5),
    ("How many model calls per 5 hours on Max?", (24000, 32000), "model_calls", Q_QUOTA),
    ("Lite 每月联网搜索和网页读取一共多少次", 100, "calls", Q_MCP),
    ("下个扣费日 2026-12-31，最晚哪天取消", "2026-12-28", None, Q_CANCEL),
    ("Is 14:30 Beijing time peak?", True, None, Q_GLM5),
    ("上午 11 点用掉的额度几点恢复", "16:00", None, Q_QUOTA),
    # referral credit: numerals, currencies, discounts, coupons
    ("我朋友首单实付 88 元，我能拿多少赠金？", 8.8, "CNY", Q_REFERRAL),
    ("我朋友付了 88 元赠金多少", 8.8, "CNY", Q_REFERRAL),
    ("好友付了八十八块，赠金多少", 8.8, "CNY", Q_REFERRAL),
    ("好友实际支付了一百二十元，我能得多少赠金", 12, "CNY", Q_REFERRAL),
    ("好友付了两千元，赠金多少", 200, "CNY", Q_REFERRAL),
    ("好友付了 1.5万 元，赠金多少", 1500, "CNY", Q_REFERRAL),
    ("好友首单付了 ¥199，返我多少赠金", 19.9, "CNY", Q_REFERRAL),
    ("朋友用我的邀请码买了Pro，实付 ￥１２０，赠金是多少", 12, "CNY", Q_REFERRAL),
    ("朋友买了 RMB 300 的套餐，我的奖励是多少", 30, "CNY", Q_REFERRAL),
    ("原价 200 元，好友打了八五折，我的赠金有多少", 17, "CNY", Q_REFERRAL),
    ("原价两千元，好友七五折购买，赠金多少", 150, "CNY", Q_REFERRAL),
    ("原价 200 元，五折，用了 10 元优惠券，赠金多少", 9, "CNY", Q_REFERRAL),
    ("原价 100，首单 5 折，邀请再减 10%，还用了 5 块赠金，我能返多少", 4, "CNY", Q_REFERRAL),
    ("套餐原价 100 元，好友半价购买，通过邀请立减，又用了 5 元赠金，我能得多少赠金？", 4, "CNY", Q_REFERRAL),
    ("好友用了 10 元优惠券，实际支付 90 元，赠金多少", 9, "CNY", Q_REFERRAL),
    ("原价 10 元，用了 20 元赠金，我能得多少赠金", 0, "CNY", Q_REFERRAL),
    (
        "The plan costs 100 yuan, my friend got 50% off and used a 5 yuan coupon. How much referral credit do I get?",
        4.5,
        "CNY",
        Q_REFERRAL,
    ),
    ("Friend's first order was 100 yuan at half price, what's my referral bonus?", 5, "CNY", Q_REFERRAL),
    ("My friend bought the 100 yuan plan with a 20% discount. What's my commission?", 8, "CNY", Q_REFERRAL),
    ("My friend paid 1,000 yuan, how much referral reward will I get?", 100, "CNY", Q_REFERRAL),
    ("If my friend pays 200 RMB, how much do I get?", 20, "CNY", Q_REFERRAL),
    # GLM-5 quota cost: times, zones, peak words, the clock
    ("下午4点调用 GLM-5 20 次会扣多少额度", 60, "prompts", Q_GLM5),
    ("晚上9点半用 GLM-5 发了 10 次，扣几次额度", 20, "prompts", Q_GLM5),
    ("凌晨两点用 GLM-5 发 3 个 prompt 扣几次", 6, "prompts", Q_GLM5),
    ("14:00 发 GLM-5 prompt 10 条，扣多少额度", 30, "prompts", Q_GLM5),
    ("下午3点用 GLM-5 发了 二十 个 prompt，消耗多少额度", 60, "prompts", Q_GLM5),
    ("用 GLM-5 高峰期发一个 prompt 扣多少", 3, "prompts", Q_GLM5),
    ("非高峰期用 GLM-5 发 7 个 prompt，算多少额度", 14, "prompts", Q_GLM5),
    ("现在用 GLM-5 发 10 个 prompt 扣多少", 20, "prompts", Q_GLM5),
    ("Off-peak, 7 GLM-5 prompts cost how much quota?", 14, "prompts", Q_GLM5),
    ("If I send 50 GLM-5 prompts at 16:00 Beijing time, how much quota is that?", 150, "prompts", Q_GLM5),
    ("If I send 50 GLM-5 prompts at 07:00 UTC, how much quota is that?", 150, "prompts", Q_GLM5),
    ("If I send 50 GLM-5 prompts at 3pm London time, how much quota is that?", 100, "prompts", Q_GLM5),
    ("If I send 10 GLM-5 prompts at 9am GMT+1, how much quota does it cost?", 30, "prompts", Q_GLM5),
    ("How much quota do 12 GLM-5 prompts use at 10am?", 24, "prompts", Q_GLM5),
    ("I sent 6 prompts with GLM-5 during peak hours. How many prompts of quota is that?", 18, "prompts", Q_GLM5),
    # peak or not
    ("Is 17:30 peak?", True, None, Q_GLM5),
    ("Is 18:00 peak?", False, None, Q_GLM5),
    ("Is 13:59 peak?", False, None, Q_GLM5),
    ("下午5点半是高峰期吗", True, None, Q_GLM5),
    ("北京时间下午 4 点算高峰期吗", True, None, Q_GLM5),
    ("晚上8点是高峰期吗", False, None, Q_GLM5),
    ("Is 2pm UTC peak?", False, None, Q_GLM5),
    ("Is 9pm off-peak?", True, None, Q_GLM5),
    ("Is 6:30am London time on Jul 1 2026 peak?", False, None, Q_GLM5),  # BST: 13:30 in UTC+8
    ("Is 6:30am London time on Dec 1 2026 peak?", True, None, Q_GLM5),  # GMT: 14:30 in UTC+8
    ("现在是高峰期吗", False, None, Q_GLM5),
    # capacity: GLM-5 prompts (rounded down) and model calls (a range)
    ("Pro 套餐高峰期 5 小时能用几次 GLM-5", 133, "prompts", Q_GLM5),
    ("Pro 套餐非高峰期每 5 小时能用多少次 GLM-5", 200, "prompts", Q_GLM5),
    ("Pro 高峰期一周能用多少次 GLM-5", 666, "prompts", Q_GLM5),
    ("Pro 每周能用多少次 GLM-5", (666, 1000), "prompts", Q_GLM5),
    ("Max plan, off-peak, how many GLM-5 prompts per week?", 4000, "prompts", Q_GLM5),
    ("How many GLM-5 prompts does the Max plan allow per 5 hours during peak?", 533, "prompts", Q_GLM5),
    ("Pro 下午3点 5小时内能用几次 GLM-5", 133, "prompts", Q_GLM5),
    ("Max 每 5 小时能调用多少次模型", (24000, 32000), "model_calls", Q_QUOTA),
    ("Pro 每周大概能调用模型多少次", (30000, 40000), "model_calls", Q_QUOTA),
    ("How many model calls per week on Pro?", (30000, 40000), "model_calls", Q_QUOTA),
    ("Lite 每 5 小时能调用多少次模型", (1200, 1600), "model_calls", Q_QUOTA),
    # MCP quotas and monthly value
    ("Max 套餐每月网页读取能用几次", 4000, "calls", Q_MCP),
    ("Pro plan web reader quota per month?", 1000, "calls", Q_MCP),
    ("What's the web search limit on Lite?", 100, "calls", Q_MCP),
    ("月费 100 元的套餐，每月额度相当于多少 API 价值", (1500, 3000), "CNY", Q_QUOTA),
    ("The plan costs 50 yuan a month; what is the monthly quota worth at API prices?", (750, 1500), "CNY", Q_QUOTA),
    # remaining
    ("Pro 套餐这 5 小时已经用了 150 次 prompt，还剩多少", 250, "prompts", Q_QUOTA),
    ("Max 套餐 5 小时内已用 1000 次，还剩几次", 600, "prompts", Q_QUOTA),
    ("Lite 这周用了 300 次，还剩多少次", 100, "prompts", Q_QUOTA),
    ("I'm on Pro and used 250 prompts in the last 5 hours. How many are left?", 150, "prompts", Q_QUOTA),
    ("Pro 高峰期用 GLM-5 发了 100 个 prompt，5 小时内还剩多少额度", 100, "prompts", Q_QUOTA),
    ("Max 本月联网搜索用了 1200 次，网页读取用了 800 次，还剩多少", 2000, "calls", Q_MCP),
    ("Lite 本月联网搜索用了 60 次，网页读取用了 30 次，还剩多少次", 10, "calls", Q_MCP),
    ("Pro 联网搜索用了 600 次，网页读取用了 400 次，还能用多少次", 0, "calls", Q_MCP),
    ("I've used 700 web searches this month on Pro, how many are left?", 300, "calls", Q_MCP),
    # dates and times
    ("下个扣费日 12月10日，最晚哪天取消", "2026-12-07", None, Q_CANCEL),
    ("下次扣费是 1月5日，最晚什么时候取消", "2027-01-02", None, Q_CANCEL),
    ("续费日是12月31号，我最晚哪天要关闭自动续费", "2026-12-28", None, Q_CANCEL),
    ("My next billing date is Dec 10 2026. When is the last day to cancel?", "2026-12-07", None, Q_CANCEL),
    ("If I'm billed on March 3, when must I cancel by?", "2027-02-28", None, Q_CANCEL),
    ("好友 2026-12-01 10:00 点了我的邀请链接，最晚什么时候要付款", "2026-12-04T10:00", None, Q_INVITE),
    ("好友 11 月 25 日晚上 8 点进入活动页，最晚什么时候付款还算邀请成功", "2026-11-28T20:00", None, Q_INVITE),
    ("好友今天下午3点通过我的链接注册，最晚几点前要付款", "2026-11-30T15:00", None, Q_INVITE),
    (
        "My friend clicked my invite link on Dec 1 2026 at 9am. What's the deadline to pay?",
        "2026-12-04T09:00",
        None,
        Q_INVITE,
    ),
    ("好友 12月1日 下午3点付款，赠金什么时候到账", "2026-12-03T15:00", None, Q_ARRIVAL),
    ("好友昨天下午 2 点付款的，赠金最晚什么时候到账", "2026-11-28T14:00", None, Q_ARRIVAL),
    ("好友 2026-12-01 15:00 付的款，赠金超过什么时候要联系客服", "2026-12-04T15:00", None, Q_ARRIVAL),
    ("My friend paid at 10:00 on Dec 1 2026. When will my credit arrive?", "2026-12-03T10:00", None, Q_ARRIVAL),
    ("晚上 10 点用掉的额度几点恢复", "03:00", None, Q_QUOTA),
    ("What time does quota used at 3pm come back?", "20:00", None, Q_QUOTA),
    ("If I used quota at 9:30am, when does it come back?", "14:30", None, Q_QUOTA),
    ("我 2026-11-20 下单的，周额度什么时候重置", "2026-12-04", None, Q_QUOTA),
]


@pytest.mark.parametrize(("question", "value", "unit", "cited"), CALCULATIONS)
def test_calculation(calc: Calculator, question: str, value: object, unit: str | None, cited: str) -> None:
    answer = ask(calc, question)
    assert answer is not None, "the calculator should answer this"
    assert (answer.kind, answer.error) == ("calculation", None), answer.answer
    if isinstance(value, bool):
        assert answer.value is value
    elif isinstance(value, int | float):
        assert isinstance(answer.value, int | float) and not isinstance(answer.value, bool)
        assert answer.value == pytest.approx(value, abs=0.005)
    else:
        assert answer.value == value
    assert answer.unit == unit
    assert answer.matches[0].question == cited
    assert answer.steps, "a calculation shows its formula"
    assert answer.language == detect_language(question)


def test_dev_rows_all_pass(calc: Calculator) -> None:
    """The calculation rows of the shared dev set, judged as ../shared/eval/score.py judges them."""
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if not dev.exists():
        pytest.skip("the shared dev set is not next to the repository")
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    calc_rows = [r for r in rows if any(k in r for k in ("value", "between", "pair"))]
    assert calc_rows
    for row in calc_rows:
        reply = json.loads(to_json(ask(calc, row["q"])))
        assert reply["kind"] == "calculation", row["q"]
        value = reply["value"]
        if "value" in row:
            assert value == row["value"] if not isinstance(row["value"], float) else abs(value - row["value"]) < 0.011
        elif "between" in row:
            assert row["between"][0] <= value <= row["between"][1], row["q"]
        else:
            assert value == row["pair"], row["q"]


# --------------------------------------------------------------------------- not for the calculator

NOT_CALCULATED = [
    # FAQ questions of the dev set
    "GLM-5 支持了吗",
    "How do I switch models to GLM-5?",
    "为什么 GLM-5 比 GLM-4.7 更费额度",
    "How can I save quota?",
    "套餐额度有多少",
    "Lite 用户怎么用 GLM-5",
    "Can Lite users call GLM-5?",
    "MCP 的额度是多少",
    "What are the MCP quotas?",
    "赠金什么时候到账",
    "优惠券会影响赠金吗",
    "邀请成功的条件是什么",
    "Why didn't I get my referral reward?",
    "报错1113余额不足",
    "Error 1113 balance insufficient",
    "怎么取消自动续费",
    "How do I cancel my subscription?",
    "会自动续费吗",
    "GLM-5 有多少参数",
    "What's the weather in Beijing?",
    # lookups that look numeric
    "高峰期是几点到几点",
    "14:00-18:00 是高峰期吗",
    "what are the peak hours",
    "Does GLM-5 cost more at peak?",
    "How much does GLM-5 cost?",
    "Pro 用户每天能用多少次",
    "每次 prompt 能调用几次模型",
    "每月可用额度相当于多少",
    "Pro 视觉理解 MCP 额度是多少",
    "Pro 套餐联网搜索额度用完了怎么办",
    "Lite 套餐有联网搜索吗",
    "How much is the Pro plan?",
    "Pro 套餐多少钱",
    "What's my referral credit?",
    "好友用了优惠券赠金怎么算",
    Q_REFERRAL,
    "好友最晚多久内要付款",
    "好友超过 72 小时付款还算吗",
    "赠金超过 72 小时没到账怎么办",
    "Can my friend pay after 3 days?",
    "额度什么时候恢复",
    "还剩多少额度",
    "How many days before billing do I need to cancel?",
    "If I cancel, can I keep using the plan until it expires?",
    "取消订阅后什么时候到期",
    "2 月 12 日之前订阅的用户额度会变吗",
    "帮我算一下 1+1",
    "__import__('os').system('echo pwned') 赠金多少",
    "",
    "   ",
]


@pytest.mark.parametrize("question", NOT_CALCULATED)
def test_left_to_retrieval(calc: Calculator, question: str) -> None:
    assert ask(calc, question) is None


# One fact of the FAQ asked alone: answered as a calculation whose first source is the entry the fact comes from,
# so the reply still cites the FAQ entry a retrieval would have given.
LOOKUPS = [
    ("How many prompts per 5 hours on Pro?", 400, "套餐的用量额度大概有多少？"),
    ("Max 套餐每周限额多少", 8000, "套餐的用量额度大概有多少？"),
    ("what's the weekly limit on the Max plan", 8000, "套餐的用量额度大概有多少？"),
    ("GLM-5 高峰期扣几倍", 3, "为什么调用 GLM-5 时额度消耗更快？有没有节省额度的方式？"),
    ("限售每天几点放库存", "10:00", "为什么限量购买？要限制到什么时候？"),
]


@pytest.mark.parametrize(("question", "value", "source"), LOOKUPS)
def test_lookup_is_a_calculation_citing_its_entry(calc: Calculator, question: str, value: object, source: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation"
    assert answer.value == value
    assert answer.matches[0].question == source


def test_no_dev_faq_row_is_taken(calc: Calculator) -> None:
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if not dev.exists():
        pytest.skip("the shared dev set is not next to the repository")
    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    taken = [
        r["q"]
        for r in rows
        if "faq" in r
        and not any(k in r for k in ("value", "between", "pair"))
        and _taken_elsewhere(ask(calc, r["q"]), r["faq"])
    ]
    assert taken == []


def _taken_elsewhere(answer: Answer | None, gold: list[str]) -> bool:
    """Whether the calculator answered a FAQ row with anything but a lookup citing the row's entry first."""
    return answer is not None and not (answer.kind == "calculation" and answer.matches[0].question in gold)


def test_faq_questions_themselves_are_not_calculated(calc: Calculator, entries: list[Entry]) -> None:
    taken = [e.question for e in entries if ask(calc, e.question) is not None]
    assert taken == []


# --------------------------------------------------------------------------- missing inputs

# (question, cited FAQ question): the rule applies, an input is missing, so the calculator asks for it
NEED_INPUT = [
    ("我朋友付了钱赠金多少", Q_REFERRAL),
    ("邀请一个好友能得多少赠金", Q_REFERRAL),
    ("好友用了 5 元优惠券，赠金多少", Q_REFERRAL),
    ("用 GLM-5 发了 10 个 prompt，扣多少额度", Q_GLM5),
    ("5 小时能用几次 GLM-5", Q_GLM5),
    ("Max 能用几次 GLM-5", Q_GLM5),
    ("How many model calls per 5 hours?", Q_QUOTA),
    ("Pro 套餐每月价值多少", Q_QUOTA),
    ("用了 100 次，还剩多少", Q_QUOTA),
    ("Pro 用了 300 次 prompt，还剩多少", Q_QUOTA),
    ("最晚什么时候取消自动续费", Q_CANCEL),
]


@pytest.mark.parametrize(("question", "cited"), NEED_INPUT)
def test_missing_input_is_asked_for(calc: Calculator, question: str, cited: str) -> None:
    answer = ask(calc, question)
    assert answer is not None
    assert answer.kind == "faq"
    assert answer.value is None and answer.unit is None
    assert answer.matches[0].question == cited
    assert answer.entry_md, "the FAQ entry is shown with the question"
    assert "?" in answer.answer or "？" in answer.answer or "请" in answer.answer


@pytest.mark.parametrize(
    "question", ["Lite 套餐高峰期 5 小时能用几次 GLM-5", "How many GLM-5 prompts per week on Lite?"]
)
def test_lite_has_no_glm5(calc: Calculator, question: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "faq"
    assert answer.matches[0].question == Q_LITE
    assert answer.value is None
    assert "GLM-5" in answer.answer and "Lite" in answer.answer


# --------------------------------------------------------------------------- bad values

# (question, text the message must quote)
BAD_VALUES = [
    ("My friend paid -50 yuan, what's my referral credit?", "-50"),
    ("好友付了负 30 元，赠金多少", "30"),
    ("原价 100 元，打 120% 折扣，赠金多少", "120%"),
    ("The plan costs 100 yuan and my friend got 150% off. How much credit do I get?", "150%"),
    ("好友付了 100亿 元，赠金多少", "100亿"),
    ("My friend paid 5000000000 yuan, what's my referral credit?", "5000000000"),
    ("25:00 用 GLM-5 发 5 个 prompt 扣多少", "25:00"),
    ("Is 25:00 peak?", "25:00"),
    ("Is 13pm peak?", "13pm"),
    ("14:75 是高峰期吗", "14:75"),
    ("用 GLM-5 发了 -3 个 prompt，高峰期扣多少", "-3"),
    ("高峰期用 GLM-5 发了 2.5 个 prompt，扣多少额度", "2.5"),
    ("Peak time, 2000000000 GLM-5 prompts cost how much quota?", "2000000000"),
    ("扣费日是 2026-02-30，最晚哪天取消", "2026-02-30"),
    ("下个扣费日 13月1日，最晚哪天取消", "13月1日"),
    ("Pro 5 小时内已经用了 -20 次，还剩多少", "-20"),
    ("月费 -100 元的套餐，每月额度相当于多少 API 价值", "-100"),
]


@pytest.mark.parametrize(("question", "quoted"), BAD_VALUES)
def test_bad_values_get_a_message_not_a_number(calc: Calculator, question: str, quoted: str) -> None:
    answer = ask(calc, question)
    assert answer is not None
    assert answer.kind == "faq", "a refusal is not a calculation: that kind promises a value"
    assert answer.value is None and answer.unit is None
    assert answer.error and answer.answer == answer.error
    assert quoted in answer.error
    assert answer.matches, "the rule's FAQ entry is cited"


# --------------------------------------------------------------------------- what the answer says


def test_formula_shows_the_users_numbers(calc: Calculator) -> None:
    answer = ask(calc, CALCULATIONS[0][0])
    assert answer is not None
    assert "100 × 50% × (1 − 10%) − 5 = 40" in answer.answer
    assert "40 × 10% = 4" in answer.answer
    assert any("40 × 10% = 4" in step for step in answer.steps)


def test_rounding_is_stated(calc: Calculator) -> None:
    zh = ask(calc, "Max 套餐高峰期 5 小时能用几次 GLM-5")
    en = ask(calc, "How many GLM-5 prompts does the Max plan allow per 5 hours during peak?")
    assert zh is not None and en is not None
    assert "1600 ÷ 3" in zh.answer and "向下取整" in zh.answer
    assert "rounded down" in en.answer


def test_assumed_zone_is_stated(calc: Calculator) -> None:
    assumed = ask(calc, "晚上十点用 GLM-5 发 8 次，扣多少次")
    given = ask(calc, "If I send 50 GLM-5 prompts at 3pm London time, how much quota is that?")
    assert assumed is not None and given is not None
    assert "UTC+8" in assumed.answer and "未注明时区" in assumed.answer
    assert "Europe/London" in given.answer and "23:00 UTC+8" in given.answer


def test_capacity_cites_both_entries_main_first(calc: Calculator) -> None:
    answer = ask(calc, "Max 套餐高峰期 5 小时能用几次 GLM-5")
    assert answer is not None
    assert [m.question for m in answer.matches] == [Q_GLM5, Q_QUOTA]
    assert all(m.score == 1.0 for m in answer.matches)


@pytest.mark.parametrize(
    ("question", "language"),
    [("好友实际支付了 60 元，赠金多少", "zh"), ("My friend paid 45 yuan. What's my referral credit?", "en")],
)
def test_reply_language_follows_the_question(calc: Calculator, question: str, language: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.language == language
    headline = answer.answer.splitlines()[0]
    assert bool(re.search(r"[\u4e00-\u9fff]", headline)) is (language == "zh")


def test_same_question_other_language_is_worded_in_that_language(calc: Calculator) -> None:
    answer = calc.try_answer("好友实际支付了 60 元，赠金多少", language="en", now=NOW)
    assert answer is not None and answer.value == 6
    assert answer.answer.startswith("**Your referral credit: 6 CNY**")


def test_json_contract(calc: Calculator) -> None:
    data = json.loads(to_json(ask(calc, "How many model calls per 5 hours on Max?")))
    assert data["kind"] == "calculation"
    assert data["value"] == [24000, 32000] and data["unit"] == "model_calls"
    assert {"id", "question", "section", "score", "source"} <= set(data["matches"][0])


# --------------------------------------------------------------------------- the clock and the interface


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        (datetime(2026, 11, 27, 15, 0, tzinfo=BEIJING), True),
        (datetime(2026, 11, 27, 7, 59, tzinfo=UTC), True),  # 15:59 UTC+8
        (datetime(2026, 11, 27, 20, 0, tzinfo=BEIJING), False),
        (datetime(2026, 11, 27, 18, 0, tzinfo=BEIJING), False),
    ],
)
def test_now_uses_the_injected_clock(calc: Calculator, clock: datetime, expected: bool) -> None:
    for question in ("现在是高峰期吗", "Is it peak now?"):
        answer = ask(calc, question, now=clock)
        assert answer is not None and answer.value is expected


def test_now_defaults_to_the_real_clock(calc: Calculator) -> None:
    answer = calc.try_answer("Is it peak now?", language="en")
    assert answer is not None and isinstance(answer.value, bool)


def test_interface_rejects_bad_arguments(calc: Calculator) -> None:
    with pytest.raises(ValueError, match="language"):
        calc.try_answer("Is 14:30 peak?", language="fr", now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        calc.try_answer("Is 14:30 peak?", language="en", now=datetime(2026, 1, 1, 12, 0))


def test_a_bug_in_a_rule_falls_back_to_retrieval(
    calc: Calculator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("assistant.calculator.calculator.evaluate", broken)
    assert ask(calc, "好友实际支付了 60 元，赠金多少") is None
    assert "calculator failed" in caplog.text


def test_every_message_key_has_wording() -> None:
    """Every Msg key that the rules can produce is worded in both languages."""
    from assistant.calculator.messages import known_keys

    package = Path(rules_module.__file__).parent
    source = "\n".join(path.read_text(encoding="utf-8") for path in package.glob("*.py"))
    used = set(re.findall(r'msg\(\s*"([a-z_0-9]+)"', source)) | set(re.findall(r'key = "([a-z_0-9]+)"', source))
    assert used and used <= known_keys()


def test_answers_are_deterministic(calc: Calculator) -> None:
    first = [ask(calc, q) for q, *_ in CALCULATIONS[:20]]
    second = [ask(calc, q) for q, *_ in CALCULATIONS[:20]]
    assert first == second
