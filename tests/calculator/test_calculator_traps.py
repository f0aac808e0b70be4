"""Issue 10: never a confident wrong number. Every case of the issue is a regression test here.

A case either has one right value, or the only acceptable reply is a question back, a refusal or an FAQ
answer citing a condition (never a computed number). The strict parsers and the consumption invariant are
tested on their own below; benchmarks/data/calc_traps.jsonl holds the wider trap set for calc_guard.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from assistant.calculator import Calculator
from assistant.calculator.numbers import prepare, scan
from assistant.calculator.outcomes import Computed, NeedInput, Refusal, msg
from assistant.calculator.query import analyze
from assistant.calculator.rules import guard
from assistant.calculator.zones import find_zones
from assistant.models import Answer, Entry
from tests.conftest import ROOT

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday 10:00 UTC+8


def ask(calc: Calculator, question: str, language: str = "en") -> Answer | None:
    return calc.try_answer(question, language=language, now=NOW)


def computed(answer: Answer | None) -> bool:
    return answer is not None and answer.kind == "calculation" and answer.value is not None


# The confident wrong answers of the issue, with the right value.
RIGHT = [
    (
        "Plan list price 60 yuan, my friend got 50% off as a first-time buyer plus 10% off from my invite, and "
        "spent 2 yuan of his own bonus credit. What's my referral credit?",
        2.5,
    ),
    ("I placed my order on 2026-05-03. On what date does my weekly quota reset for the first time?", "2026-05-10"),
    ("For the same 15 GLM-5 prompts, how many more prompts of quota do they cost at peak time than off-peak?", 15),
    ("10 prompts with GLM-5 at peak and 5 off-peak, total cost?", 40),
    ("下午3点是非高峰期吗", False),
    ("Is 2026-07-01T07:00:00Z in the GLM-5 peak window?", True),
    ("Is 2026-07-01T15:00:00+02:00 peak time for GLM-5?", False),
    ("Is 5pm IST peak time for GLM-5?", False),
    ("I'm in Mumbai, is 5pm off-peak for GLM-5?", True),
    ("Is 10:30pm PDT on 2026-11-10 peak time for GLM-5?", True),  # November: Los Angeles is on UTC-8
    ("Is 10:30pm PST on 2026-07-15 peak time for GLM-5?", False),  # July: Los Angeles is on UTC-7
    ("Is 7am Europe/London on 2026-07-01 GLM-5 peak time?", True),
    ("My friend paid 1e3 yuan, what is my referral credit?", 100),
    ("好友实付 1.5e3 元，我的赠金多少", 150),
    ("friend paid 1_000 yuan, referral credit?", 100),
    ("好友实付10^3元，赠金多少", 100),
    ("好友实付壹仟贰佰元，赠金多少", 120),
    ("好友实付1.2万元，赠金多少", 1200),
    ("My friend paid one thousand two hundred yuan, how much referral credit do I get?", 120),
    ("一个好友付了100元，另一个好友付了50元，我一共能拿多少赠金", 15),
    ("15 GLM-5 prompts at 15:00 and 10 at 20:00 Beijing time, how much quota in total?", 65),
    ("My friend paid 100 yuan 2 days after clicking my invite link, what's my referral credit?", 10),
    ("我2026年3月1日下单，第一次周额度重置是哪天？", "2026-03-08"),
    # round three: payments of two friends added up; a plan's price beside the cash paid; the end of a range
    ("one friend paid 30 and another paid 70 via my link, total referral credit?", 10),
    ("my friend paid 150 yuan for the 300 yuan plan, what's my credit?", 15),
    ("月费 80 元，每月额度按 API 价最多值多少？", 2400),
    ("monthly fee 20 yuan, at least how much API value per month?", 300),
    # a second zone is the one the answer is wanted in; a region that has one zone is read as it
    ("quota used at 09:00 UTC, when does it come back in Beijing time?", "22:00"),
    ("I'm on the US east coast, 5pm on 2026-01-20, sent 4 GLM-5 prompts, how much quota?", 8),
    ("赠金比例是 10%，好友实付 200 元，我能拿多少赠金", 20),  # 比例 is a ratio, not a comparison
    ("比如好友实付 80 元，赠金是多少", 8),
    # a region of several zones where every zone gives one verdict: 2pm anywhere in Canada is off-peak in UTC+8
    ("I'm in Canada, 2pm, 6 GLM-5 prompts on Pro, how much quota?", 12),
    ("我在欧洲，当地时间下午三点用 GLM-5 发了 10 条，扣多少", 20),
    # a difference of two credits; a renewal beside the first order (only the first order earns credit)
    ("If he had paid 300 rather than 200, how much more credit would I get?", 10),
    ("好友首单实付 600，第二年续费又付了 600，我一共能拿多少赠金", 60),
    # round five: the rule backwards (the credit is given, the payment asked); negations of a refund in mixed
    # language; "each paid" over a list of payments, one per friend
    ("I want to earn 50 CNY of referral credit. How much must my friends pay in total?", 500),
    ("我想拿 30 元赠金，好友首单要实付多少", 300),
    ("好友首单实付 ¥250，新用户，没 refund，赠金多少？", 25),
    ("Two friends each paid their first order: 40 and 180 CNY. None were refunded. Total credit?", 22),
    # the multiplier asked with a plan named; an order placed on a date without a year is the last such date
    ("我在东京 JST UTC+9，晚上 19:30 用 GLM-5 on Max，倍率是多少", 2),
    ("Berlin, 29 Nov 2026 (CET, UTC+1), 08:00 local time, Pro plan with GLM-5. Which multiplier applies?", 3),
    ("我3月1日下的单，周额度第一次重置是哪天", "2026-03-08"),  # NOW is in November 2026
    ("11月20日下单的，周限额按7天一个周期，第二次周限额重置是12月几号？", "2026-12-04"),
    ("好友3月1日20:00点了我的邀请链接，最晚什么时候要付款", "2026-03-04T20:00"),
    ("好友12月1日点了链接，最晚什么时候付款", "2026-12-04"),  # a week ahead at most: loose tense, this year's
    ("9点用GLM-5跑了10次，扣多少额度", 20),  # 09:00 or 21:00: off-peak either way
    ("Lagos (UTC+1), 12 noon my time, 25 GLM-5 prompts on Pro, how much quota?", 50),  # "12 noon" is one time
    ("10:30 pm Pacific on 2026-11-20, 20 GLM-5 prompts on Pro, how much quota?", 60),  # PST: 14:30 in UTC+8
    # a day asked for is a date; "in time?" is a yes or no from today (NOW: 2026-11-27)
    ("I ordered on 2026-11-20 at 12:00, which day does my weekly quota reset?", "2026-11-27"),
    ("next billing date is 2026-12-05, can I still cancel in time today?", True),
    ("扣费日 2026-11-29 现在去取消 能避免这次续费吗", False),
    ("my friend paid on March 1, when should the referral credit arrive at the latest?", "2026-03-03"),
]

# The only acceptable reply is a question back, a refusal or the FAQ's condition: never a number.
ASKED = [
    "My friend paid 0x10 yuan, what's my referral credit?",
    "My friend paid 1.000,50 yuan, what's my referral credit?",
    "My friend paid 1e20 yuan, what's my referral credit?",
    "好友实际支付了1万亿元，赠金多少",
    "My friend paid 100 USD, what's my referral credit?",
    "My friend paid 50 EUR, how much referral credit do I get?",
    "好友支付了100美元，我的赠金是多少",
    "my friend paid 20 dollars... I mean 20 yuan, how much referal bonus",
    "好友的订单已经退款了，原来付了100元，我还能拿多少赠金？",
    "My friend isn't a new user, he paid 100 yuan. What's my referral credit?",
    "My friend paid 100 yuan but only 5 days after clicking my invite link. What's my referral credit?",
    "好友点了邀请链接后第4天才付款，付了100元，赠金多少",
    "On the Lite plan, how much quota do 10 GLM-5 prompts cost at peak?",
    "Lite套餐高峰期用GLM-5跑20次要扣多少额度",
    "Is 16:00 UTC+25 peak time for GLM-5?",
    "Is 15:00 XYZ time peak hours for GLM-5?",
    "Is 3pm CST peak time for GLM-5?",
    "Pro plan 5h quota: I used 100 prompts at 3pm and 50 at 8pm, how many are left?",
    "15 prompts and 10 prompts of GLM-5 at 3pm, how much quota?",
    "Pro 5h quota, used 100 prompts twice, how many left?",
    "好友实付 99.9 英镑，赠金多少",
    # round three: conditions of the FAQ, comparisons and totals never answered as one side
    "朋友以前买过套餐，这回用我的邀请码又付了 90 元，我能拿多少赠金",
    "my buddy signed up directly without my link and paid 200 yuan, how much credit for me?",
    # a time whose zone is a region or "my time" is asked about, never read as Beijing time
    "at 4pm my local time I sent 5 glm-5 prompts, quota?",
    # round five: any currency sign but ¥, currency names, and ISO codes beside an amount
    "Friend paid 1500 rubles for his first plan through my invite, credit for me?",
    "My guy paid ₦20,000 for Lite with my link, how much my bonus?",
    "好友实付 3000 韩币，赠金多少",
    "friend paid NGN 20000 via my link, referral credit?",
    "friend paid 100 usdt via my link, referral credit?",
    "I want 50 CNY of credit: two friends paid 100 and 200, how much more must they pay?",
    "three friends each paid 100 yuan, total credit?",
    # 1 March, said in November with no word that the order was placed: last March or next? Asked.
    "我3月1日下单，周额度第一次重置是哪天",
    "好友3月1日点链接，最晚什么时候付款",
    # an hour with no 上午/下午 that is peak one way and off-peak the other; a resubscriber is not a new user
    "北京时间4点用GLM-5跑了10次，Pro，扣多少额度？",
    "3点是高峰期吗",
    "at 4 o'clock I sent 10 GLM-5 prompts, how much quota?",
    "Ex-colleague had a Max plan last year, now resubscribed through my invite paying 400 CNY. My credit?",
    # round five, second set: more currencies, vague and odd numerals, another product, tax, an unnamed "here"
    "friend paid 30 bucks for his first plan through my link, what's my credit?",
    "my mate paid 20 quid via my invite, how much do I get?",
    "friend in Pune paid Rs 1200 for first order with my invite, credit?",
    "Colleague paid RM 45 for Lite with my referral code, credit?",
    "朋友首单付了一百多 赠金多少",
    "好友付了100多块，赠金多少",
    "好友实付2OO元 赠金多少",
    "my sister had an account before, she just paid 60 via my link, how much credit?",
    "my friend came back to the coding plan after a few months, used my link and paid 100, credit?",
    "it's 3pm here, 10 GLM-5 prompts, how much quota?",
]

# Numbers in a question that asks something else (where, can I): the FAQ answers it, not the calculator.
NOT_CALCULATED = [
    "好友实付 200 元，拿到的 20 元赠金可以提现吗",
    "my friend paid 50 yuan, where can I see the referral credit?",
    "好友付了 300 元，赠金在哪里看",
    # "which is charged first" names no amount to compute: 几十 is not 10
    "邀请好友拿了些赠金，账户里还有几十块余额，续费时先扣哪个",
    "I have some referral credit and a few hundred yuan of balance, which one pays the renewal?",
    # Lite has no GLM-5 in the plan: the FAQ's entry says so, no multiplier is computed
    "Lite plan, GLM-5 at 3pm, what multiplier?",
    "how much tax do I pay on 50 yuan of referral credit?",
    "friend paid 1.000 块 via my link, credit?",  # 1 or 1000: never computed
    "how many prompts per 5h does Claude Pro give? compare with your Pro",
    # the rules after a change the FAQ does not state
    "After the current GLM-5 promotion ends next month, what will the peak multiplier be?",
    "活动结束以后 GLM-5 高峰期是几倍",
]


@pytest.mark.parametrize(("question", "value"), RIGHT)
def test_issue_case_is_right(calc: Calculator, question: str, value: object) -> None:
    answer = ask(calc, question)
    assert computed(answer), answer
    assert answer is not None
    if isinstance(value, bool | str):
        assert answer.value == value
    else:
        assert isinstance(answer.value, int | float) and abs(answer.value - value) < 0.011  # type: ignore[operator]


@pytest.mark.parametrize("question", ASKED)
def test_issue_case_is_asked_never_computed(calc: Calculator, question: str) -> None:
    answer = ask(calc, question)
    assert answer is not None, "a calculator question must not fall through to retrieval silently"
    assert not computed(answer), (answer.value, answer.answer)


@pytest.mark.parametrize("question", NOT_CALCULATED)
def test_question_about_something_else_is_not_computed(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


def test_monthly_value_is_the_faq_range(calc: Calculator) -> None:
    answer = ask(calc, "If my monthly subscription is 50 yuan, roughly how much API value do I get per month?")
    assert answer is not None and answer.value == (750, 1500)


def test_condition_is_cited_instead_of_a_number(calc: Calculator) -> None:
    answer = ask(calc, "好友不是新用户，付了200元，赠金多少", "zh")
    assert answer is not None and answer.value is None
    assert "新用户" in answer.answer
    assert answer.matches[0].question == "如何判断我的邀请是否成功？好友需要完成哪些步骤？"


def test_value_headline_and_steps_come_from_one_result(calc: Calculator) -> None:
    answer = ask(calc, "下午3点是非高峰期吗", "zh")
    assert answer is not None and answer.value is False
    assert answer.answer.startswith("**否")  # not "是，属于高峰期" next to a value of false
    cost = ask(
        calc, "For the same 15 GLM-5 prompts, how many more prompts of quota do they cost at peak than off-peak?"
    )
    assert cost is not None and any("45 − 30 = 15" in step for step in cost.steps)


def test_no_impossible_subtraction_step(calc: Calculator) -> None:
    answer = ask(calc, "Lite plan, weekly quota, I used 500 prompts, how many are left?")
    assert answer is not None and answer.value is None and answer.kind == "faq"
    assert "500" in answer.answer and "400" in answer.answer and not answer.steps


def test_zone_without_name_is_beijing_and_says_so(calc: Calculator) -> None:
    answer = ask(calc, "Is 3pm peak time for GLM-5?")
    assert answer is not None and answer.value is True
    assert "Beijing time is assumed" in answer.answer


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e20 元", Decimal("1e20")),
        ("1万亿元", Decimal(10) ** 12),
        ("1.5e3元", Decimal(1500)),
        ("1_000 yuan", Decimal(1000)),
        ("10^20", Decimal(10) ** 20),
        ("one thousand million yuan", Decimal(10) ** 9),
        ("壹仟贰佰元", Decimal(1200)),
        ("1,000.5 元", Decimal("1000.5")),
    ],
)
def test_amount_is_read_whole(text: str, value: Decimal) -> None:
    (quantity,) = scan(prepare(text))
    assert quantity.value == value


@pytest.mark.parametrize("text", ["0x10 yuan", "1.000,50 yuan", "2^10", "10_00元", "3,5元", "1.2.3"])
def test_ambiguous_numeral_is_refused(text: str) -> None:
    assert [q.unit for q in scan(prepare(text))] == ["malformed"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2026-07-01t07:00:00z", "UTC"),
        ("09:00z", "UTC"),
        ("2026-07-01t15:00:00+02:00", "UTC+2"),
        ("5pm india time", "Asia/Kolkata"),
        ("i'm in mumbai", "Asia/Kolkata"),
        ("7am europe/london", "Europe/London"),
        ("3pm utc+5:30", "UTC+5:30"),
    ],
)
def test_zone_is_read_as_written(text: str, label: str) -> None:
    zones = find_zones(text)
    assert [z.label for z in zones] == [label] and zones[0].error is None


@pytest.mark.parametrize("text", ["16:00 utc+25", "utc+14:30", "15:00 xyz time", "3pm cst", "asia/atlantis"])
def test_unknown_zone_is_flagged(text: str) -> None:
    assert any(z.error for z in find_zones(text))


def test_time_range_is_not_an_offset() -> None:
    assert find_zones("14:00-18:00 是高峰期吗") == []


def _computed(used: frozenset[int]) -> Computed:
    entry = Entry(id="e", section="s", question="q", answer_md="a", answer_text="a", source="kb/x.md:1")
    return Computed("glm5_cost", 30, "prompts", msg("head_cost", cost=30, peak=True), (), (), (entry,), used)


def test_guard_asks_about_an_unconsumed_quantity() -> None:
    q = analyze("10 GLM-5 prompts at peak and 5 more, cost?")
    only_first = frozenset([q.quantities[0].start])
    outcome = guard(q, _computed(only_first))
    assert isinstance(outcome, NeedInput) and outcome.ask.key == "ask_unused"
    everything = frozenset(x.start for x in q.quantities)
    assert guard(q, _computed(everything)) == _computed(everything)


def test_guard_refuses_a_malformed_number_and_a_foreign_currency() -> None:
    bad = guard(analyze("friend paid 0x10 yuan"), _computed(frozenset()))
    assert isinstance(bad, Refusal) and bad.problem.key == "bad_number"
    q = analyze("friend paid 10 USD")
    usd = guard(q, _computed(frozenset(x.start for x in q.quantities)))
    assert isinstance(usd, NeedInput) and usd.ask.key == "ask_currency"


def test_calc_state_exposes_rule_slots_and_missing(calc: Calculator) -> None:
    state = calc.last_state_for("好友付了100元，赠金是多少？", now=NOW)
    assert state is not None and state.rule == "referral_credit" and state.kind == "computed"
    assert state.slots["cash_paid"] == "100" and state.missing is None
    asked = calc.last_state_for("How much quota do 20 GLM-5 prompts cost?", now=NOW)
    assert asked is not None and asked.kind == "asked" and asked.missing == "ask_time"
    assert calc.last_state_for("GLM-5 支持了吗", now=NOW) is None


def test_trap_set_is_well_formed() -> None:
    rows = [json.loads(line) for line in (ROOT / "benchmarks/data/calc_traps.jsonl").read_text("utf-8").splitlines()]
    assert all(isinstance(r["q"], str) and isinstance(r["accept"], list) for r in rows)
    assert len({r["q"] for r in rows}) == len(rows)


# --------------------------------------------------------------------------- round four: honest questions back

# (question, the key of the question back or explanation): the reading changes the number, so no number.
ASKED_WITH_REASON = [
    # IST is India, Israel or Ireland: 10am is off-peak in India but peak (16:00-17:00 UTC+8) in Israel
    ("At 10am IST I sent 4 GLM-5 prompts on Max, how much quota?", "ask_zone_readings"),
    ("IST 上午 9 点 Pro 用 GLM-5 发了 8 个 prompt，扣多少", "ask_zone_readings"),
    ("3pm CST, 5 GLM-5 prompts on Pro, quota?", "ask_zone_readings"),
    ("我在澳大利亚，下午两点 GLM-5 发了 6 条（Max），扣多少额度", "ask_zone_readings"),
    # New York 1am is 14:00 UTC+8 in winter (peak) and 13:00 in summer (off-peak): the date decides
    ("New York time 1:30am, 8 GLM-5 prompts on Pro, quota used?", "ask_dst_date"),
    ("纽约时间凌晨 1 点，Max 用 GLM-5 发了 10 个 prompt，扣多少？", "ask_dst_date"),
    # more used than the plan's quota: no "0 left"
    ("Max 本月网页读取用了 4500 次，还剩几次", "explain_over_quota"),
    ("On Lite I've used 150 web searches this month, how many left?", "explain_over_quota"),
    ("Pro plan, 5h window, used 450 prompts, how many left?", "explain_over_quota"),
    # hitting the 5-hour limit at a time gives no refresh time: the window is rolling
    ("I reached my 5-hour limit at 14:00 Beijing time, when will it reset?", "explain_rolling"),
    ("下午 4 点达到上限了，额度几点恢复？", "explain_rolling"),
    ("Ran out of quota at 9am UTC, when does it come back?", "explain_rolling"),
]


@pytest.mark.parametrize(("question", "key"), ASKED_WITH_REASON)
def test_reading_that_changes_the_number_is_asked(calc: Calculator, question: str, key: str) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert answer is not None and not computed(answer), answer
    state = calc.last_state_for(question, now=NOW)
    assert state is not None and (state.missing == key or (state.kind == "explained" and key.startswith("explain")))


# Zones that could be several, or undated times under daylight saving, where every reading gives one verdict.
SAME_VERDICT = [
    ("Is 6pm IST peak time for GLM-5?", False),  # 20:30 (India), 23:00-00:00 (Israel), 01:00-02:00 (Ireland)
    ("I'm in the US, 6am, 10 GLM-5 prompts on Pro, how much quota?", 20),  # 18:00 (New York, summer) to 00:00
    ("Los Angeles 11:30pm, 4 GLM-5 prompts on Max, quota used?", 12),  # 15:30 or 14:30 UTC+8: peak either way
    ("美国东部时间下午 5 点，Pro 用 GLM-5 发了 3 个 prompt，扣多少", 6),  # 06:00 / 05:00 UTC+8
]


@pytest.mark.parametrize(("question", "value"), SAME_VERDICT)
def test_every_reading_agrees_so_the_number_is_given(calc: Calculator, question: str, value: object) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert computed(answer), answer
    assert answer is not None and answer.value == value
    assert "UTC+8" in answer.answer  # the converted times are shown


def test_ambiguous_abbreviation_carries_its_candidates() -> None:
    (zone,) = find_zones("9am ist")
    assert zone.error and set(zone.candidates) == {"Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"}


# --------------------------------------------------------------------------- round four: referral classes

# (question, credit, a step that must show how it was computed)
REFERRAL_CLASSES = [
    # the difference of two payments' credits
    ("要是好友付的是 150 元而不是 100 元，我的赠金多多少？", 5, "15 − 10 = 5"),
    ("How much less credit do I get if my friend paid 60 instead of 90?", 3, "9 − 6 = 3"),
    # one friend per payment ("一个……一个……"), added up when a total is asked
    ("邀请了两个朋友，一个首单实付 70，一个实付 30，一共多少赠金", 10, "7 + 3 = 10"),
    # part of the payment was the friend's own credit or coupons: only the cash part counts
    ("好友首单一共付了 100 元，其中 40 元是用的赠金，剩下的用现金，我能拿多少？", 6, "100 − 40 = 60"),
    ("My friend paid 150 yuan, 50 of which was coupons, and the rest in cash. My credit?", 10, "150 − 50 = 100"),
    # people, identifiers, dates and plan lengths around one payment do not change it
    ("我邀请了 4 个朋友，其中只有 1 个付了 200 元，赠金多少", 20, "200 × 10% = 20"),
    ("Invited 3 friends; only one paid, 50 yuan for his first order. Referral credit?", 5, "50 × 10% = 5"),
    ("订单编号 88001234，好友首单实付 66 元，赠金多少", 6.6, "66 × 10% = 6.6"),
    ("2026 年 4 月 2 日好友通过我的链接首单实付 30 元，我的赠金？", 3, "30 × 10% = 3"),
    ("好友买了 3 个月的 Pro，首单实付 300 元，赠金多少", 30, "300 × 10% = 30"),
    # a renewal beside the first order: the first order only
    ("好友首单实付 500，后来续费又付了 500，我一共拿多少", 50, "500 × 10% = 50"),
]


@pytest.mark.parametrize(("question", "value", "step"), REFERRAL_CLASSES)
def test_referral_class_is_computed_step_by_step(calc: Calculator, question: str, value: float, step: str) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert computed(answer), answer
    assert answer is not None and abs(answer.value - value) < 0.011  # type: ignore[operator]
    assert any(step in s for s in answer.steps), answer.steps
    assert str(value).rstrip("0").rstrip(".") in answer.answer.split("\n")[0]  # the headline is the same number


# Still asked: several payments that may multiply, a part larger than the payment, two dates.
REFERRAL_STILL_ASKED = [
    "两个朋友都付了 100 元，赠金一共多少",
    "3 个朋友首单都实付 80 元，我能拿多少",
    "好友付了 50 元，其中 80 元是赠金，我拿多少",
    "好友首单实付 90，又付了 90，赠金多少",  # the second payment is not said to be a renewal
    # paid with credit or coupons, without saying whether all of it was: the cash part is unknown
    "My friend paid 80 yuan with his bonus credit. How much do I get?",
    "朋友用自己的积分抵扣了 45 元买的 Pro，我的赠金是多少",
    "she bought the plan for 99 using some coupons, what's my referral credit",
]


@pytest.mark.parametrize("question", REFERRAL_STILL_ASKED)
def test_referral_that_could_multiply_is_asked(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question, "zh"))


# --------------------------------------------------------------------------- round four: GLM-5 and other models

# (question, value, a step that must show how): only GLM-5 is multiplied; parts are costed one by one and
# added up; one count at two times gives both costs and the difference.
USAGE_CLASSES = [
    # another model counts once, at any time
    ("北京时间下午 4 点用 GLM-4.6 发了 9 个 prompt，扣多少额度", 9, "9 次 × 1（glm-4.6"),
    ("15 GLM-4.7 prompts at 3pm Beijing time, how much quota do they cost?", 15, "15 prompts × 1 (glm-4.7"),
    # several models, one time
    ("At 3pm Beijing I ran 20 prompts on glm-4.7 and 5 on glm-5, how much quota in total?", 35, "20 + 15 = 35"),
    # the same model at two times; 再 after the time
    ("北京时间上午 9 点 GLM-5 发了 4 个，下午 2 点再发 6 个，一共扣多少", 26, "8 + 18 = 26"),
    # one count at two times: the difference
    ("How much quota do I save by sending 20 GLM-5 prompts at 9pm instead of 4pm Beijing time?", 20, "60 − 40 = 20"),
    ("把 12 个 GLM-5 prompt 从北京时间下午 2 点改到上午 11 点，能省多少额度？", 12, "36 − 24 = 12"),
    # what is left after several models
    (
        "Max 5h window: used 100 GLM-4.7 prompts and 100 GLM-5 prompts at 3pm Beijing, how many prompts left?",
        1200,
        "1600 − (100 + 300) = 1200",
    ),
    # what is left, in GLM-5 prompts
    (
        "Max, at peak, I've used 400 prompts' worth of quota this 5h window. How many more GLM-5 prompts can I send?",
        400,
        "1200 ÷ 3 = 400",
    ),
    ("Pro 5h: used 100 prompts with GLM-4.7, how many GLM-5 prompts can I still send at peak?", 100, "300 ÷ 3 = 100"),
    # capacity with GLM-5 against another model
    ("Max off-peak, only GLM-5: how many fewer prompts per 5h than with GLM-4.7?", 800, "1600 − 800 = 800"),
]


@pytest.mark.parametrize(("question", "value", "step"), USAGE_CLASSES)
def test_usage_class_is_computed_step_by_step(calc: Calculator, question: str, value: float, step: str) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert computed(answer), answer
    assert answer is not None and answer.value == value
    assert any(step in s for s in answer.steps), answer.steps
    assert str(value) in answer.answer.split("\n")[0]  # the headline is the same number


USAGE_STILL_ASKED = [
    "10 GLM-5 and GLM-4.7 prompts at 3pm, how much quota?",  # which count is which model?
    "20 prompts on glm-4.7 and 5 on glm-5, how much quota?",  # no time for the GLM-5 part
    "北京时间上午 9 点和下午 3 点各发了 10 个 GLM-5，扣多少",  # 各: a multiplier no rule reads
    "30 prompts GLM-5 between 3pm and 5pm Beijing, how much more than off-peak?",  # a range, not a move
    # 3pm is when the GLM-4.7 prompts were sent: when would the GLM-5 ones be?
    "Pro 5h: used 100 prompts with GLM-4.7 at 3pm, how many GLM-5 prompts can I still send?",
    "Lite, off-peak, used 20 prompts' worth of quota in this 5h window, how many more GLM-5 prompts can I send?",
]


@pytest.mark.parametrize("question", USAGE_STILL_ASKED)
def test_usage_that_is_unclear_is_asked(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en"))


# --------------------------------------------------------------------------- round four: two plans' quotas

# (question, value, step): the FAQ's table, two rows side by side (a difference or a ratio), or one plan's
# weekly quota in 5-hour windows.
PLAN_COMPARISONS = [
    ("Pro 和 Max 每 5 小时额度差多少", 1200, "1600 − 400 = 1200"),
    ("Max vs Pro: how many more GLM-5 prompts per 5h at peak than Pro?", 400, "533 − 133 = 400"),
    ("Lite 比 Max 每周少多少次 prompt", 7600, "8000 − 400 = 7600"),
    ("How many fewer web search MCP calls per month does Lite get than Pro?", 900, "1000 − 100 = 900"),
    ("Max 的周额度是 Pro 的几倍？", 4, "8000 ÷ 2000 = 4"),
    ("How many times as many prompts per 5 hours does Pro get as Lite?", 5, "400 ÷ 80 = 5"),
    ("Max：每周额度够用几个完整的 5 小时额度？", 5, "8000 ÷ 1600 = 5"),
]


@pytest.mark.parametrize(("question", "value", "step"), PLAN_COMPARISONS)
def test_two_plans_are_compared_from_the_table(calc: Calculator, question: str, value: int, step: str) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert computed(answer), answer
    assert answer is not None and answer.value == value
    assert any(step in s for s in answer.steps), answer.steps
    assert str(value) in answer.answer.split("\n")[0]


PLAN_COMPARISONS_NOT_COMPUTED = [
    "Lite 和 Pro 高峰期每 5 小时 GLM-5 差多少",  # Lite has no GLM-5: explained
    "Pro 和 Max 哪个划算",  # not a number
    "Max vs Pro: how many more GLM-5 prompts per 5h?",  # peak or off-peak?
]


@pytest.mark.parametrize("question", PLAN_COMPARISONS_NOT_COMPUTED)
def test_plan_comparison_without_a_number_is_not_computed(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en"))


# --------------------------------------------------------------------------- round four: MCP calls left

MCP_CLASSES = [
    # counts written before the calls they count ("3,200 web searches"), added up over the shared pool
    (
        "On Pro I've made 400 web searches and 350 web-reader calls this month. How many left?",
        250,
        "1000 − (400 + 350)",
    ),
    ("Max: did 1,500 web searches and 1,000 web reads this month, how many left in total?", 1500, "= 1500"),
    # calls still wanted beyond what is left: how many short
    ("Pro 本月联网搜索用了 900 次，还想再用 150 次网页读取，还差几次？", 50, "150 − 100 = 50"),
    ("Lite: used 40 web searches this month and want to make 30 more web reads. How many short?", 0, "30 ≤ 60"),
]


@pytest.mark.parametrize(("question", "value", "step"), MCP_CLASSES)
def test_mcp_calls_left_are_computed(calc: Calculator, question: str, value: int, step: str) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert computed(answer), answer
    assert answer is not None and answer.value == value
    assert any(step in s for s in answer.steps), answer.steps


def test_mcp_shortfall_needs_the_plan(calc: Calculator) -> None:
    answer = ask(calc, "联网搜索用了 60 次，还想再用 50 次，还差几次", "zh")
    assert answer is not None and not computed(answer)


# --------------------------------------------------------------------------- round four: dates and zones

DATE_CLASSES = [
    # a time stated in one zone, asked in another (the date decides daylight saving)
    ("Stock is released at 10:00 Beijing time. What time is that in London on 2026-01-20?", "02:00"),
    ("北京时间下午 3 点是首尔时间几点？", "16:00"),
    ("2026-08-01 09:00 UTC 是北京时间几点？", "17:00"),
    # the first weekly reset counts 7 days from the order, whatever weekday is supposed
    (
        "The weekly limit resets each Sunday, doesn't it? I subscribed on Friday 2026-05-01. When is the first reset?",
        "2026-05-08",
    ),
    ("我 2026-04-01（周三）下单，第一次周额度重置是哪天？", "2026-04-08"),
    # 下一个 is "the next", not a count
    ("下一个续费日是 2026-05-20，最晚哪天取消？", "2026-05-17"),
]


@pytest.mark.parametrize(("question", "value"), DATE_CLASSES)
def test_date_class_is_computed(calc: Calculator, question: str, value: str) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert computed(answer), answer
    assert answer is not None and answer.value == value and answer.steps


DATES_ASKED = [
    "what time is it in London at 3pm Beijing time",  # London has daylight saving and no date is given
    "我 2026-04-01（周五）下单，第一次周额度重置是哪天？",  # 2026-04-01 is a Wednesday
    "10:00 CST 是北京时间几点？",  # China or US Central
]


@pytest.mark.parametrize("question", DATES_ASKED)
def test_date_that_does_not_add_up_is_asked(calc: Calculator, question: str) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert answer is not None and not computed(answer)


def test_supposed_weekday_is_corrected(calc: Calculator) -> None:
    answer = ask(calc, "Weekly quota resets every Tuesday, right? I ordered on 2026-06-03. First reset?")
    assert answer is not None and answer.value == "2026-06-10"
    assert "every 7 days from the time of the order" in answer.answer


# --------------------------------------------------------------------------- round four: one quota for all tools

SHARED_QUOTA = [
    ("Using Max on 2 laptops and 3 IDEs, how many prompts per week in total?", 8000),
    ("Lite 套餐我在 2 个设备上用，每 5 小时一共多少次额度？", 80),
]


@pytest.mark.parametrize(("question", "value"), SHARED_QUOTA)
def test_devices_and_tools_share_one_quota(calc: Calculator, question: str, value: int) -> None:
    answer = ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en")
    assert computed(answer), answer
    assert answer is not None and answer.value == value
    assert "套餐可用于哪些编码工具？" in [m.question for m in answer.matches]  # the FAQ rule is cited


SHARED_NOT_COMPUTED = [
    "我和同事两个人共用一个 Max，每人每 5 小时能用多少次？",  # sharing with people: not allowed, not a number
    "3 个账号各买了 Pro，每 5 小时一共多少次",  # accounts, not tools
    "How many devices can I use Pro on?",  # a how-to question
]


@pytest.mark.parametrize("question", SHARED_NOT_COMPUTED)
def test_people_and_accounts_are_not_tools(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question, "zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en"))


def test_every_week_in_total_is_not_a_monday() -> None:
    q = analyze("Max 每周一共能用多少次", ("lite", "pro", "max"))
    assert q.dates == () and q.windows == ("week",)


# --- calc-validation 2026-11-29: the confident wrong numbers, in other words -----------------------------

# (a) a friend who paid the whole order with his own credit, points or coupons paid no cash: the credit is 0.
ALL_NOT_CASH = [
    "My friend paid the whole 99 yuan order with his own bonus credit, what is my referral credit?",
    "好友首单 80 元全部用积分抵扣，我的赠金多少",
    "friend paid 120 yuan entirely with coupons, my credit?",
    "邀请的同学下单 66 元，全都是用他自己的赠金付的，我能拿多少赠金",
]


@pytest.mark.parametrize("question", ALL_NOT_CASH)
def test_order_paid_wholly_without_cash_earns_nothing(calc: Calculator, question: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation"
    assert answer.value == 0


def test_order_paid_in_cash_still_earns_its_share(calc: Calculator) -> None:
    answer = ask(calc, "好友首单 90 元，全部现金支付，我的赠金多少", "zh")
    assert answer is not None and answer.value == 9


# (b) a renewal is charged from the bonus credit first, then the cash balance, then the bound payment method.
RENEWAL_CHARGE = [
    ("续费 49 元，我账户里赠金 20 元，现金余额 100 元，会扣多少现金余额？", 29),
    ("My plan renews at 99 yuan. I have 40 bonus credit and 30 cash balance. How much will WeChat charge?", 29),
    ("renew 200, 赠金还有 250, cash balance 50, 现金会被扣多少", 0),
    ("自动续费 120 元，赠金余额 30，现金余额 50，支付宝还要付多少", 40),
    ("Renewal fee 60 yuan, bonus credit 100, cash balance 20: how much bonus credit gets used?", 60),
]


@pytest.mark.parametrize(("question", "value"), RENEWAL_CHARGE)
def test_renewal_is_charged_in_the_faq_order(calc: Calculator, question: str, value: float) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation", answer and answer.answer
    assert answer.value == value
    assert answer.matches[0].question == "订阅费用是如何扣除的？"


@pytest.mark.parametrize(
    "question",
    [
        "续费 99，赠金 20，微信扣多少",  # the cash balance is not given
        "续费 99 元，赠金 20 元，现金余额 30 元，会扣多少？",  # which part is not said
    ],
)
def test_renewal_charge_with_a_missing_input_is_asked(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question, "zh"))


# (c) BST is British Summer Time (UTC+1) or Bangladesh Standard Time (UTC+6): asked when the readings differ.
@pytest.mark.parametrize(
    "question",
    [
        "我在 BST 时区 今天本地 15:30 用 glm-5 跑了 6 次 扣多少",
        "10:00 BST, 10 GLM-5 prompts, how much quota?",
        "Is 14:00 BST peak time for GLM-5?",
    ],
)
def test_bst_is_ambiguous(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


def test_bst_readings_that_agree_give_the_number(calc: Calculator) -> None:
    answer = ask(calc, "02:00 BST 用 GLM-5 发了 10 次，扣多少", "zh")  # 09:00 or 08:00 UTC+8: both off-peak
    assert answer is not None and answer.value == 20


# (d) a date with no time of day does not say peak or off-peak: asked, never read as midnight.
@pytest.mark.parametrize(
    "question",
    [
        "I used GLM-5 for 30 prompts today, how much quota did that take?",
        "今天用 GLM-5 发了 10 次，扣多少",
        "On 2026-11-20 I sent 12 GLM-5 prompts. How much quota was that?",
        "昨天 glm-5 跑了 8 个 prompt 算多少额度",
    ],
)
def test_date_without_time_asks_when(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


def test_today_right_now_reads_the_clock(calc: Calculator) -> None:
    answer = ask(calc, "今天现在用 GLM-5 发 10 次扣多少", "zh")  # NOW is 10:00 UTC+8: off-peak
    assert answer is not None and answer.value == 20


# (e) a clock time asked ("几点", "what time") is "HH:MM"; a "when" keeps the date and time.
@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("我北京时间今天 13:20 发了一批请求把5小时额度用完了，这部分额度几点恢复？", "18:20"),
        ("2026-11-26 22:00 用掉的额度几点恢复", "03:00"),
        ("Today at 09:15 Beijing time I used some quota. At what time does it come back?", "14:15"),
        ("2026-11-26 22:00 用掉的额度什么时候恢复", "2026-11-27T03:00"),
    ],
)
def test_refresh_clock_time(calc: Calculator, question: str, value: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.value == value


# --- lookups of one stated fact, answered as a calculation citing the FAQ entry it comes from ----------------

PLAN_QUOTA = [
    ("How many prompts does Lite give per 5 hours?", 80, "套餐的用量额度大概有多少？"),
    ("max 套餐每周上限是多少次", 8000, "套餐的用量额度大概有多少？"),
    ("pro weekly cap?", 2000, "套餐的用量额度大概有多少？"),
    ("Lite 一周最多多少次 prompt", 400, "套餐的用量额度大概有多少？"),
    ("What's the 5h limit on the Max plan", 1600, "套餐的用量额度大概有多少？"),
]


@pytest.mark.parametrize(("question", "value", "source"), PLAN_QUOTA)
def test_plan_quota_lookup(calc: Calculator, question: str, value: int, source: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation", answer and answer.answer
    assert answer.value == value and answer.matches[0].question == source


@pytest.mark.parametrize(
    "question",
    [
        "我买了 Pro，想在自己网站的客服机器人里通过 API 调用，每周能用多少次？",  # a condition of the FAQ
        "Can my team share the Max plan's weekly quota?",
        "Pro 每周额度用完了怎么办",
        "套餐额度有多少",  # no plan: the FAQ's table
    ],
)
def test_quota_lookup_leaves_other_questions_alone(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("GLM-5 在北京时间晚上 8 点按几倍计算？", 2),
        ("What multiplier does GLM-5 use at 3pm Beijing time?", 3),
        ("高峰期 GLM-5 按多少倍扣额度", 3),
        ("off-peak GLM-5 multiplier?", 2),
    ],
)
def test_glm5_multiplier_at_a_stated_time(calc: Calculator, question: str, value: int) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation" and answer.value == value
    assert answer.matches[0].question == "为什么调用 GLM-5 时额度消耗更快？有没有节省额度的方式？"


def test_glm5_multiplier_without_a_time_is_the_faq(calc: Calculator) -> None:
    assert not computed(ask(calc, "GLM-5 按几倍扣额度？"))


# NOW is 2026-11-27: New York on UTC-5, Sydney on UTC+11, Berlin on UTC+1, Los Angeles on UTC-8.
EVENT_TIMES = [
    ("GLM-5 高峰期几点开始（北京时间）", "14:00"),
    ("When does GLM-5 peak end, Beijing time?", "18:00"),
    ("I'm in Tokyo, what time does the GLM-5 peak start for me?", "15:00"),
    ("UTC+2 的话 GLM-5 高峰几点结束", "12:00"),
    ("我在纽约，今天高峰期本地几点开始", "01:00"),
    ("I'm in Berlin. In July 2027 what local time does GLM-5 peak start?", "08:00"),
    ("新库存每天几点放出？我在悉尼，最近", "13:00"),
    ("I'm in Los Angeles, what time is the daily stock release today?", "18:00"),
    ("我在 UTC-3，高峰期几点开始", "03:00"),
]


@pytest.mark.parametrize(("question", "value"), EVENT_TIMES)
def test_local_time_of_a_daily_event(calc: Calculator, question: str, value: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation", answer and answer.answer
    assert answer.value == value


@pytest.mark.parametrize(
    "question",
    [
        "I'm in London, when does GLM-5 peak start?",  # daylight saving and no date
        "我在美国，高峰期几点开始",  # several zones
        "GLM-5 高峰期是几点到几点",  # the window itself: the FAQ's entry
        "I'm in IST, when does peak start?",
    ],
)
def test_event_time_asks_when_the_zone_or_date_decides(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


# --- what is left after a stated use, the quota restated as a bare number ------------------------------------

REMAINING = [
    ("Max 每周 8000，已经用了 5200，还剩多少？", 2800),
    ("Pro plan, 400 per 5 hours, I have used 150. How many left?", 250),
    ("Lite 每周 400 次 用了 120 还剩几次", 280),
    ("Pro 的联网搜索加网页读取每月 1000 次，用了 640，还剩多少", 360),
]


@pytest.mark.parametrize(("question", "value"), REMAINING)
def test_remaining_after_a_bare_use(calc: Calculator, question: str, value: int) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation", answer and answer.answer
    assert answer.value == value


def test_remaining_with_a_quota_the_faq_does_not_state_is_asked(calc: Calculator) -> None:
    assert not computed(ask(calc, "Max 每周 9000，已经用了 5200，还剩多少？"))


# --- referral: a refund said not to have happened, a list of payments, a condition of one friend only ---------

REFERRAL_CLASSES = [
    ("邀请的同事首单实付64块钱 新用户 没退款 我返多少赠金", 6.4),
    ("Friend paid 80 yuan for his first order, no refund, new user. My credit?", 8),
    ("两个朋友首单实付分别是 30、70 元，都没退款，一共多少赠金", 10),
    ("三个朋友：A 实付 60，B 实付 40 但他以前订过 Lite，C 实付 100，我一共拿多少赠金", 16),
    ("Two friends: one paid 99 but got a refund, the other paid 149. Total credit?", 14.9),
]


@pytest.mark.parametrize(("question", "value"), REFERRAL_CLASSES)
def test_referral_conditions_read_per_friend(calc: Calculator, question: str, value: float) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation", answer and answer.answer
    assert isinstance(answer.value, int | float) and abs(answer.value - value) < 0.011


@pytest.mark.parametrize(
    "question",
    [
        "好友实付 100 元后来退款了，赠金多少",
        "两个朋友，一个实付 50，一个实付 80，其中一个退款了，一共多少赠金",  # which one?
        "Friend paid 120 but he is not a new user, my credit?",
    ],
)
def test_referral_condition_not_tied_to_one_friend_rules_out(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


# --- a single number the FAQ states, asked in its own unit: the number, citing its entry ---------------------

FACT_LOOKUPS = [
    ("邀请的好友最晚要在几个小时内付款？", 72, "如何判断我的邀请是否成功？好友需要完成哪些步骤？"),
    ("How many hours does my friend have to pay after clicking the invite link?", 72, "如何判断我的邀请是否成功？"),
    ("赠金过了几个小时还没到就要找人工客服？", 72, "我邀请好友后，赠金什么时候会到账？"),
    ("After how many hours without the credit should I contact support?", 72, "我邀请好友后，赠金什么时候会到账？"),
    ("最少要在扣费日前几天取消自动续费？", 3, "如何取消订阅自动续费？"),
    ("At least how many days before renewal must I cancel?", 3, "如何取消订阅自动续费？"),
]


@pytest.mark.parametrize(("question", "value", "cited"), FACT_LOOKUPS)
def test_stated_number_is_answered_citing_its_entry(calc: Calculator, question: str, value: int, cited: str) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation" and answer.value == value, answer and answer.answer
    assert answer.matches[0].question.startswith(cited)


@pytest.mark.parametrize(
    "question",
    [
        "要提前几天取消",  # a how-to: the FAQ entry answers it
        "赠金多久到账",
        "赠金一般几个小时到账",  # a range (24–48 h): the entry quotes it
        "一次 prompt 调用多少次模型",
        "好友付了 100 元，他最晚几个小时内要付款？",  # a quantity besides: not a lookup
    ],
)
def test_lookup_leaves_how_to_and_ranges_to_the_faq(calc: Calculator, question: str) -> None:
    state = calc.last_state_for(question, now=NOW)
    assert state is None or state.rule != "fact_lookup"


# --- the rest of a payment in cash after a coupon, a discount or a part paid with credit ------------------------

REST_OF_PAYMENT = [
    ("套餐原价 200，用了 40 元代金券，剩下用微信付的，我的赠金多少", 16),
    ("The plan was 100 yuan, he used a 20-yuan voucher and paid the rest with Alipay. My referral credit?", 8),
    ("原价 80，新人 5 折，剩下支付宝付，赠金多少", 4),
    ("Friend's first order came to 50 yuan, 10 of it covered by his own credit, rest on card. My credit?", 4),
    ("朋友首单 120 元，其中 30 元用积分抵扣，剩余的用支付宝，我的赠金是多少", 9),
    ("Friend paid 60 yuan, 15 by his bonus credit. My credit?", 4.5),
]


@pytest.mark.parametrize(("question", "value"), REST_OF_PAYMENT)
def test_rest_paid_in_cash_is_not_a_remaining_quota(calc: Calculator, question: str, value: float) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation", answer and answer.answer
    assert isinstance(answer.value, int | float) and abs(answer.value - value) < 0.011


@pytest.mark.parametrize(
    "question",
    [
        "Friend's order was 60 yuan and 70 by bonus credit. My credit?",  # more credit than the order
        "好友首单 100 元，还剩多少赠金",  # asks what is left
    ],
)
def test_part_paid_with_credit_that_does_not_add_up_is_not_computed(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


# --- MCP calls left: "一次没用" is none, "这两个" names the two pools, a vision count is another pool ----------------

MCP_LEFT = [
    ("Max 套餐，本月网页读取用了 1500 次，联网搜索一次都没用，还剩多少次？", 2500),
    ("我是 Lite，这个月联网搜索用了 40 次，网页读取 30 次，视觉理解 20 次，搜索和读取还剩几次？", 30),
    ("Pro 套餐每月联网搜索 1000 次额度，我用了 300 次，网页读取 100 次，还剩多少？", 600),  # 1000 states the pool
    ("我 Max，联网搜索用了 1000 次，网页读取一次也没用，这两个加起来还剩多少？", 3000),
]


@pytest.mark.parametrize(("question", "value"), MCP_LEFT)
def test_mcp_calls_left_read_none_used_and_other_pools(calc: Calculator, question: str, value: int) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation" and answer.value == value, answer and answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "我是 Pro，联网搜索用了 300 次，这两个月网页读取 200 次，还剩多少？",  # 两个月 is a period
        "我是 Pro，视觉理解用了 300 次，还剩多少？",  # vision shares the prompt quota
    ],
)
def test_mcp_count_that_is_not_a_call_is_asked(calc: Calculator, question: str) -> None:
    assert not computed(ask(calc, question))


# --- "GLM-5." at the end of a sentence names GLM-5 (the full stop is not a version) --------------------------------


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("At 15:00 Beijing I sent 8 prompts with GLM-4.7 and 4 with GLM-5. Total quota used?", 20),
        ("At 9pm Beijing time I sent 10 prompts with GLM-5. How much quota?", 20),
    ],
)
def test_glm5_before_a_full_stop_is_glm5(calc: Calculator, question: str, value: int) -> None:
    answer = ask(calc, question)
    assert answer is not None and answer.kind == "calculation" and answer.value == value, answer and answer.answer
