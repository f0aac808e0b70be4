"""The calculator's readers: numerals, percentages, 折, money, times, dates and time zones.

Table-driven cases pin exact values; hypothesis shows that the readers never raise on arbitrary text and
read back every number and time they are given, in every supported spelling.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.calculator.clock import find_times
from assistant.calculator.dates import find_dates, resolve_date
from assistant.calculator.facts import Facts
from assistant.calculator.numbers import parse_chinese_numeral, parse_english_numeral, prepare, scan
from assistant.calculator.query import analyze
from assistant.calculator.rules import evaluate
from assistant.calculator.spelling import repair, repair_word
from assistant.calculator.zones import find_zones

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- numbers

CHINESE_NUMERALS = [
    ("八十八", 88),
    ("一百二十", 120),
    ("一百二", 120),
    ("一百零五", 105),
    ("两千", 2000),
    ("三千五", 3500),
    ("两万五", 25000),
    ("十五", 15),
    ("十", 10),
    ("二十万", 200000),
    ("一万零五百", 10500),
    ("一亿", 100_000_000),
    ("二零二六", 2026),
    ("八五", 85),
    ("三点五", Decimal("3.5")),
    ("百", None),
    ("万", None),
    ("点五", None),
]


@pytest.mark.parametrize(("raw", "value"), CHINESE_NUMERALS)
def test_chinese_numerals(raw: str, value: int | Decimal | None) -> None:
    assert parse_chinese_numeral(raw) == (None if value is None else Decimal(value))


@pytest.mark.parametrize(
    ("raw", "value"),
    [("four", 4), ("twenty-five", 25), ("two hundred and fifty", 250), ("three thousand", 3000), ("lots", None)],
)
def test_english_numerals(raw: str, value: int | None) -> None:
    assert parse_english_numeral(raw) == (None if value is None else Decimal(value))


# (text, [(value, unit), ...]) after prepare(); model names, dates and times are blanked by the query reader.
SCANS = [
    ("好友付了 88 元", [(88, "cny")]),
    ("好友付了八十八块", [(88, "cny")]),
    ("实付 ￥１２０", [(120, "cny")]),
    ("RMB 300 的套餐", [(300, "cny")]),
    ("rmb100", [(100, "cny")]),
    ("1,000 yuan", [(1000, "cny")]),
    ("45 CNY", [(45, "cny")]),
    ("1.5万元", [(15000, "cny")]),
    ("两千次", [(2000, "count")]),
    ("1 百次", [(100, "count")]),
    ("4 千次", [(4000, "count")]),
    ("2k prompts", [(2000, "count")]),
    ("four prompts", [(4, "count")]),
    ("5 折", [(5, "zhe")]),
    ("八五折", [(85, "zhe")]),
    ("立减 10%", [(10, "percent")]),
    ("立减 10％", [(10, "percent")]),
    ("百分之十五", [(15, "percent")]),
    ("20 percent off", [(20, "percent")]),
    ("15-20 次", [(15, "count"), (20, "count")]),
    ("15–30 倍", [(15, "times"), (30, "times")]),
    ("24-48 小时", [(24, "hour"), (48, "hour")]),
    ("-5 元", [(-5, "cny")]),
    ("负5元", [(-5, "cny")]),
    ("原价100，5折", [(100, "none"), (5, "zhe")]),
    ("一共多少次", []),
    ("一下子十分便宜", []),
    ("which one is better", []),
    ("充过几十块现金", [(0, "malformed")]),
    ("用了十几次", [(0, "malformed")]),
    ("二十来个 prompt", [(0, "malformed")]),
    ("上百次", [(0, "malformed")]),
    ("a few hundred yuan", [(0, "malformed")]),
    ("好几千", [(0, "malformed")]),
    ("十块", [(10, "cny")]),
    ("三十五次", [(35, "count")]),
]


@pytest.mark.parametrize(("text", "expected"), SCANS)
def test_scan(text: str, expected: list[tuple[int, str]]) -> None:
    assert [(q.value, q.unit) for q in scan(prepare(text))] == [(Decimal(v), u) for v, u in expected]


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("5折", "0.5"),
        ("五折", "0.5"),
        ("八五折", "0.85"),
        ("7.5折", "0.75"),
        ("95折", "0.95"),
        ("10%", "0.1"),
        ("120折", None),
    ],
)
def test_fraction_of_the_price(text: str, share: str | None) -> None:
    (quantity,) = scan(prepare(text))
    assert quantity.fraction() == (None if share is None else Decimal(share))


def test_model_names_are_not_numbers() -> None:
    q = analyze("GLM-5 和 GLM-4.7、glm-4.5-air 对比 gpt-4", ("lite", "pro", "max"))
    assert q.quantities == ()
    assert q.has("glm5")


# --------------------------------------------------------------------------- times, dates, zones

TIMES = [
    ("下午3点", (15, 0)),
    ("晚上9点半", (21, 30)),
    ("晚上十点", (22, 0)),
    ("上午 11 点", (11, 0)),
    ("凌晨两点", (2, 0)),
    ("中午1点", (13, 0)),
    ("晚上12点", (0, 0)),
    ("14点30分", (14, 30)),
    ("下午3点一刻", (15, 15)),
    ("下午3:30", (15, 30)),
    ("3pm", (15, 0)),
    ("11 a.m.", (11, 0)),
    ("12am", (0, 0)),
    ("12pm", (12, 0)),
    ("15:00", (15, 0)),
    ("07:00 UTC", (7, 0)),
    ("３：４５", (3, 45)),
    ("3 o'clock in the afternoon", (15, 0)),
    ("noon", (12, 0)),
    ("24:00", (0, 0)),
]


@pytest.mark.parametrize(("text", "expected"), TIMES)
def test_times(text: str, expected: tuple[int, int]) -> None:
    (found,) = find_times(prepare(text))
    assert found.error is None
    assert (found.hour, found.minute) == expected


@pytest.mark.parametrize("text", ["25:00", "14:75", "13pm", "0pm", "26点"])
def test_impossible_times_are_flagged(text: str) -> None:
    (found,) = find_times(prepare(text))
    assert found.error is not None


@pytest.mark.parametrize("text", ["一点", "便宜一点", "三点五折", "5 小时", "时候", "北京时间"])
def test_not_times(text: str) -> None:
    assert find_times(prepare(text)) == []


# A number after 点 that carries a unit is a count, not minutes, once a period word or a space says so.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("下午两点5个prompt", (14, 0)),
        ("下午4点 10 次", (16, 0)),
        ("下午4点       10 ", (16, 0)),  # a blanked model name between the hour and a count
        ("9.30pm", (21, 30)),
        ("3 in the afternoon", (15, 0)),
        ("9 in the morning", (9, 0)),
        ("高峰:15:10", (15, 10)),
        ("3pm北京时间", (15, 0)),
    ],
)
def test_times_next_to_other_things(text: str, expected: tuple[int, int]) -> None:
    (found,) = find_times(prepare(text))
    assert (found.hour, found.minute) == expected


DATES = [
    ("2026-12-10", (2026, 12, 10)),
    ("2026/12/10", (2026, 12, 10)),
    ("2026年12月10日", (2026, 12, 10)),
    ("12月10日", (None, 12, 10)),
    ("12 月 10 号", (None, 12, 10)),
    ("十二月三十一号", (None, 12, 31)),
    ("Dec 10 2026", (2026, 12, 10)),
    ("December 31st, 2026", (2026, 12, 31)),
    ("10 Dec", (None, 12, 10)),
    ("3rd of March", (None, 3, 3)),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_dates(text: str, expected: tuple[int | None, int, int]) -> None:
    (found,) = find_dates(prepare(text))
    assert found.error is None
    assert (found.year, found.month, found.day) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12/31/2026", (2026, 12, 31)), ("31/12/2026", (2026, 12, 31)), ("扣费日 12.10", (None, 12, 10))],
)
def test_numeric_dates(text: str, expected: tuple[int | None, int, int]) -> None:
    (found,) = find_dates(prepare(text))
    assert (found.year, found.month, found.day) == expected


@pytest.mark.parametrize("text", ["好友付了 12.10 元", "1/3", "5日内"])
def test_not_dates(text: str) -> None:
    assert find_dates(prepare(text)) == []


@pytest.mark.parametrize("text", ["2026-02-30", "13月1日", "2026-13-01", "Feb 30 2026"])
def test_impossible_dates_are_flagged(text: str) -> None:
    (found,) = find_dates(prepare(text))
    assert found.error is not None


@pytest.mark.parametrize(
    ("text", "prefer", "expected"),
    [
        ("12月10日", "next", date(2026, 12, 10)),
        ("1月5日", "next", date(2027, 1, 5)),
        ("11月27日", "next", date(2026, 11, 27)),
        ("11月25日", "next", date(2027, 11, 25)),
        ("11月25日", "nearest", date(2026, 11, 25)),
        ("12月1日", "nearest", date(2026, 12, 1)),
        ("2月29日", "next", date(2028, 2, 29)),
        ("明天", "next", date(2026, 11, 28)),
        ("yesterday", "next", date(2026, 11, 26)),
        ("大后天", "next", date(2026, 11, 30)),
        # 2026-11-27 is a Friday: Chinese counts calendar weeks, English "next" the first one after today
        ("下周一", "next", date(2026, 11, 30)),
        ("下周五", "next", date(2026, 12, 4)),
        ("下下周一", "next", date(2026, 12, 7)),
        ("这周三", "next", date(2026, 11, 25)),
        ("上周五", "next", date(2026, 11, 20)),
        ("周五", "next", date(2026, 11, 27)),
        ("星期天", "next", date(2026, 11, 29)),
        ("周三", "nearest", date(2026, 11, 25)),
        ("next Monday", "next", date(2026, 11, 30)),
        ("next Friday", "next", date(2026, 12, 4)),
        ("this Sunday", "next", date(2026, 11, 29)),
        ("last Friday", "next", date(2026, 11, 20)),
        # a day of the month whose month is not written
        ("5号", "next", date(2026, 12, 5)),
        ("27号", "next", date(2026, 11, 27)),
        ("25号", "nearest", date(2026, 11, 25)),
        ("下个月3号", "next", date(2026, 12, 3)),
        ("本月30日", "next", date(2026, 11, 30)),
        ("the 15th", "next", date(2026, 12, 15)),
        ("the 5th of every month", "next", date(2026, 12, 5)),
    ],
)
def test_resolve_date(text: str, prefer: str, expected: date) -> None:
    (found,) = find_dates(prepare(text))
    assert resolve_date(found, date(2026, 11, 27), prefer=prefer) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("07:00 UTC", "UTC"),
        ("GMT+1", "UTC+1"),
        ("UTC-5", "UTC-5"),
        ("utc+05:30", "UTC+5:30"),
        ("北京时间", "UTC+8"),
        ("Beijing time", "UTC+8"),
        ("东九区", "UTC+9"),
        ("London time", "Europe/London"),
        ("伦敦时间", "Europe/London"),
        ("New York time", "America/New_York"),
        ("PST", "America/Los_Angeles"),
    ],
)
def test_zones(text: str, label: str) -> None:
    (zone,) = find_zones(prepare(text))
    assert zone.label == label


# --------------------------------------------------------------------------- spelling


@pytest.mark.parametrize(
    ("word", "repaired"),
    [
        ("freind", "friend"),
        ("frend", "friend"),
        ("refferal", "referral"),
        ("referal", "referral"),
        ("quata", "quota"),
        ("qouta", "quota"),
        ("promts", "prompts"),
        ("promt", "prompt"),
        ("remainig", "remaining"),
        ("cancle", "cancel"),
        ("comission", "commission"),
        ("peek", "peak"),
        ("payed", "paid"),
        # real words stay: inflections of vocabulary words, known near-misses, short words
        ("credited", "credited"),
        ("searching", "searching"),
        ("prompted", "prompted"),
        ("header", "header"),
        ("said", "said"),
        ("plain", "plain"),
    ],
)
def test_repair_word(word: str, repaired: str) -> None:
    assert repair_word(word) == repaired


def test_repair_simplifies_traditional_chinese_and_homophones() -> None:
    assert repair("高峰期用 glm-5 發了 5 個 promts，扣多少額度") == "高峰期用 glm-5 发了 5 个 prompts，扣多少额度"
    assert repair("好友付了 60 元，增金多少") == "好友付了 60 元，赠金多少"


@pytest.mark.parametrize(
    ("question", "plans"),
    [
        ("max套餐高峰期每5小时", ("max",)),
        ("lite套餐联网搜索", ("lite",)),
        ("pro用户", ("pro",)),
        ("the max number of prompts on pro", ("pro",)),
        ("my max quota per week", ("max",)),
        ("how many prompts", ()),
    ],
)
def test_plans_are_found_next_to_chinese(question: str, plans: tuple[str, ...]) -> None:
    assert analyze(question, ("lite", "pro", "max")).plans == plans


# --------------------------------------------------------------------------- properties

_QUESTION_CHARS = list(
    "0123456789０１２３４５一二三四五六七八九十百千万亿两零点半折%％元块¥:：-−—.,，。?？年月日号 "
    "下午上晚凌晨pmautcgmt+GLM5高峰非期赠金原价实付了用还剩次个小时每周月litepromax提示扣多少几"
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=200), st.text(alphabet=st.sampled_from(_QUESTION_CHARS), max_size=80)))
def test_readers_and_rules_never_raise(facts: Facts, text: str) -> None:
    prepared = prepare(text)
    scan(prepared)
    find_times(prepared)
    find_dates(prepared)
    find_zones(prepared)
    evaluate(analyze(text, facts.plans), facts, NOW)  # no safety net here: the rules themselves must not raise


_DIGITS = "零一二三四五六七八九"


def _four(number: int) -> str:
    out: list[str] = []
    zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit_value % 10
        if digit == 0:
            zero = zero or bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[digit] + unit)
    return "".join(out)


def to_chinese(number: int) -> str:
    """Write a number below 10^9 in standard Chinese numerals (an independent writer for the round trip)."""
    if number == 0:
        return "零"
    parts: list[str] = []
    gap = False
    for value, unit in ((number // 10**8, "亿"), (number // 10**4 % 10**4, "万"), (number % 10**4, "")):
        if value == 0:
            gap = gap or bool(parts)
            continue
        if parts and (gap or value < 1000):
            parts.append("零")
        parts.append(_four(value) + unit)
        gap = False
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


_FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(["arabic", "grouped", "full", "chinese", "yen"]))
def test_numbers_round_trip(number: int, spelling: str) -> None:
    written = {
        "arabic": f"{number} 元",
        "grouped": f"{number:,} yuan",
        "full": f"{number}元".translate(_FULL_WIDTH),
        "chinese": to_chinese(number) + "元",
        "yen": f"¥{number}",
    }[spelling]
    (quantity,) = scan(prepare(f"好友付了{written}，赠金多少"))
    assert (quantity.value, quantity.unit) == (Decimal(number), "cny")


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_decimals_round_trip(number: Decimal) -> None:
    (quantity,) = scan(prepare(f"实付 {number} 元"))
    assert quantity.value == number


@given(st.integers(min_value=0, max_value=100), st.sampled_from(["%", "％", " percent"]))
def test_percentages_round_trip(number: int, sign: str) -> None:
    (quantity,) = scan(prepare(f"立减 {number}{sign}"))
    assert (quantity.value, quantity.unit) == (Decimal(number), "percent")


@given(
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
    st.sampled_from(["24h", "ampm", "chinese", "chinese_period"]),
)
def test_times_round_trip(hour: int, minute: int, spelling: str) -> None:
    twelve = hour % 12 or 12
    period = "下午" if 12 <= hour < 18 else "晚上" if hour >= 18 else "上午" if hour >= 6 else "凌晨"
    written = {
        "24h": f"{hour:02d}:{minute:02d}",
        "ampm": f"{twelve}:{minute:02d}{'pm' if hour >= 12 else 'am'}",
        "chinese": f"{hour}点{minute}分",
        "chinese_period": f"{period}{twelve if hour not in (0, 12) else hour}点{minute}分",
    }[spelling]
    (found,) = find_times(prepare(f"用 GLM-5 的时间是 {written}，"))
    assert found.error is None
    assert (found.hour, found.minute) == (hour, minute)
