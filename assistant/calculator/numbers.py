"""Find the numbers in a question and read them: Arabic, full-width, Chinese and English numerals,
percentages, 折 discounts and amounts of money.

The scanner works on text that :func:`prepare` produced (NFKC, lower case) and in which the caller
has already blanked out what is not a quantity (model names such as GLM-5, dates, times, time zones),
so that "GLM-5" never reads as -5 and "14:30" never reads as two numbers. Blanking replaces characters
with spaces, which keeps every offset valid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

Unit = Literal["cny", "percent", "zhe", "count", "hour", "day", "times", "none", "malformed"]

# Anything above this is treated as a typo or an attack, never computed (issue 3: "absurd sizes").
MAX_MAGNITUDE = Decimal(10) ** 9

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_SMALL = "[零〇一二两三四五六七八九十]{1,3}"  # a small Chinese numeral: an hour, a day, a month
_CN_CLASS = "零〇一二两三四五六七八九十百千万亿"

_EN_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_EN_WORD = "|".join(sorted([*_EN_UNITS, *_EN_TENS, *_EN_SCALES], key=len, reverse=True))

# Words that contain numeral characters without meaning a number ("一共" = in total, "千万" = by all means).
_NOT_NUMBERS = re.compile(
    # ...unless they continue a numeral: 一万一千 = 11000 contains 万一, 一千万 = 10^7 contains 千万.
    r"(?<![零〇一二两三四五六七八九十百千万亿\d])(?:"
    r"一共|一起|一下|一些|一样|一直|一定|一般|一旦|一切|一致|一边|一向|一律|一次性|统一|唯一|之一|万一|千万|十分|"
    r"百分百|双十一|五一|一会|一点点|一口气|第一)"
)

_ARABIC = re.compile(
    r"(?:(?<![a-z0-9.])|(?<=rmb)|(?<=cny))"  # "v2" is not a number, "rmb100" is
    r"(?P<sign>[-−]\s*)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:_\d{3})+(?:\.\d+)?|"
    r"(?:\d+(?:\.\d+)?|\.\d+)e[+-]?\d{1,3}(?![\d.])|10\s*\^\s*\d{1,3}(?![\d.])|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?P<mult>万亿|[万千百亿]|k(?![a-z])|w(?![a-z])))?"
)
# Numerals that could be read two ways or not at all: hexadecimal, European separators (1.000,50), several
# dots or commas out of the thousands pattern, a power of something other than ten. Refused, never guessed.
_MALFORMED = re.compile(
    r"(?<![a-z0-9.,])(?:0x[0-9a-f]+|\d+(?:\.\d{3})+,\d+|\d+(?:\.\d+){2,}|\d+(?:,\d+)*,\d{1,2}(?!\d)(?=\s*(?:元|块|"
    r"yuan|rmb|cny))|(?!10\s*\^)\d+\s*\^\s*\d+|"
    r"(?!\d{1,3}(?:_\d{3})+(?![\d_]))\d+(?:_\d+)+|"
    # a letter O among digits ("2OO 元"), and three decimals on money ("1.000 块": 1 or 1000?)
    r"\d+o+\d*(?![a-z])|\d{1,3}\.\d{3}(?=\s*(?:元|块|yuan|rmb|cny)))(?![\d])",
    re.ASCII,
)
# Round figures that name no number ("几十块", "十几次", "二十来个", "上百", "a few hundred"): read as
# unreadable, so a rule asks for the amount instead of taking 十 for 10.
_VAGUE = re.compile(
    r"(?:好几|[几数])[十百千万]+[几来多]?|[一二两三四五六七八九]?[十百千万]+[几来](?![点])|上[百千万]|"
    # "一百多", "100多块": more than a hundred, by how much is not said ("多少" asks, it is not vague)
    r"[一二两三四五六七八九]?[十百千万]+多(?!少)|(?<![\d.])\d+\s*多(?![少])(?=\s*(?:元|块|个|次|条|人|$|[，,。.!！?？\s]))|"
    r"\b(?:a few|several|a couple(?: of)?|some) (?:dozen|hundred|thousand)\b|\b(?:dozens|hundreds|thousands) of\b"
)
# 大写数字 (on receipts and contracts) read as the ordinary numerals, character for character.
_FINANCIAL = str.maketrans("壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億圆圓", "一二二三三四五六六七八九十百千万亿元元")
_CHINESE = re.compile(rf"(?P<sign>负\s*)?(?P<num>[{_CN_CLASS}]+(?:点[零〇一二三四五六七八九]+)?)")
_PERCENT_CN = re.compile(
    rf"(?P<sign>负\s*)?百分之\s*(?P<num>\d+(?:\.\d+)?|[{_CN_CLASS}]+(?:点[零〇一二三四五六七八九]+)?)"
)
_ENGLISH = re.compile(rf"\b(?P<num>(?:{_EN_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_EN_WORD}))*)\b", re.ASCII)
_CURRENCY_BEFORE = re.compile(r"(?:¥|￥|rmb|cny|yuan|人民币)\s*$")
# re.ASCII: "prompts扣多少" and "5h内" are written without a space, and \b must still end the English word.
_UNIT_AFTER = re.compile(
    r"\s*(?:-\s*(?=yuan\b|rmb\b|cny\b))?(?:"  # "a 50-yuan coupon": the hyphen joins the amount to its currency
    r"(?P<cny>元|块钱|块|rmb\b|cny\b|yuan\b|人民币|bucks?\b|kuai\b)"
    r"|(?P<percent>%|percent\b|per\s?cent\b)"
    r"|(?P<zhe>折(?![扣合算]))"  # "100 折扣" is a discount of 100, "折合" means "equivalent to"
    r"|(?P<hour>个?小时|个?钟头|hours?\b|hrs?\b|h\b)"
    r"|(?P<day>天|days?\b)"
    r"|(?P<times>倍|x\b|×)"
    r"|(?P<count>次|个|条|回|下|轮|prompts?\b|requests?\b|questions?\b|messages?\b|calls?\b|times\b|searches\b|"
    r"reads?\b|queries\b|turns?\b|提问|问题|请求|调用)"
    r")",
    re.ASCII,
)
_WEAK_CHINESE = {"一", "两", "二"}
# "三十块五" / "30元5角" = 30.5: a single digit right after 块 or 元 counts tenths of a yuan (角, colloquially 毛).
_JIAO = re.compile(r"(?P<d>[一二两三四五六七八九]|[1-9])(?:毛|角)?(?![\d.%零〇一二两三四五六七八九十百千万亿折个次倍])")


@dataclass(frozen=True)
class Quantity:
    """A number found in the text, with the unit written next to it.

    ``value`` is the number as written, already signed and scaled by 万/千/k: ``10`` for "10%",
    ``5`` for "5折", ``85`` for "八五折", ``15000`` for "1.5万". :meth:`fraction` reads percentages
    and 折 as a share of the price.
    """

    value: Decimal
    unit: Unit
    start: int
    end: int
    text: str

    @property
    def negative(self) -> bool:
        return self.value < 0

    @property
    def too_large(self) -> bool:
        return abs(self.value) > MAX_MAGNITUDE

    @property
    def is_whole(self) -> bool:
        return self.value == self.value.to_integral_value()

    def fraction(self) -> Decimal | None:
        """Percent -> share (10% -> 0.10); 折 -> share of the price paid (5折 -> 0.5, 八五折 -> 0.85).

        Returns None for a 折 that cannot exist (over 10折, i.e. paying more than the price).
        """
        if self.unit == "percent":
            return self.value / 100
        if self.unit == "zhe":
            if self.value < 0:
                return self.value / 10
            if self.value <= 10:
                return self.value / 10
            if self.value < 100 and self.is_whole:  # "85折" is the two-digit way of writing 8.5折
                return self.value / 100
            return None
        return None


def prepare(text: str) -> str:
    """The form every scanner reads: NFKC (full-width digits and punctuation become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower().translate(_FINANCIAL)


def blank(text: str, start: int, end: int) -> str:
    """Replace ``text[start:end]`` by spaces, keeping all offsets."""
    return text[:start] + " " * (end - start) + text[end:]


def parse_chinese_numeral(raw: str) -> Decimal | None:
    """Read a Chinese numeral: 八十八, 一百二十, 一百零五, 两千, 三千五 (=3500), 十五, 二零二六, 三点五.

    Returns None when ``raw`` holds no digit at all (a lone 百 or 万 is not a number).
    """
    if not raw or any(
        ch not in CN_DIGITS and ch not in CN_SMALL_UNITS and ch not in CN_BIG_UNITS and ch != "点" for ch in raw
    ):
        return None
    integer, _, decimals = raw.partition("点")
    if decimals and any(ch not in CN_DIGITS for ch in decimals):
        return None
    if not integer:
        return None
    whole = _chinese_integer(integer)
    if whole is None:
        return None
    if decimals:
        return Decimal(f"{whole}." + "".join(str(CN_DIGITS[ch]) for ch in decimals))
    return Decimal(whole)


def small_int(raw: str) -> int | None:
    """An hour, day, month or ordinal in digits or Chinese numerals ("12", "十二"), or None."""
    if raw.isdigit():
        return int(raw)
    value = parse_chinese_numeral(raw)
    return None if value is None else int(value)


def _chinese_integer(raw: str) -> int | None:
    if all(ch in CN_DIGITS for ch in raw):
        # No unit characters: read digit by digit (二零二六 = 2026, 八五 = 85 as in 八五折).
        return int("".join(str(CN_DIGITS[ch]) for ch in raw))
    if raw[0] in CN_BIG_UNITS or (raw[0] in CN_SMALL_UNITS and raw[0] != "十"):
        return None  # "百" or "万" on their own are words, not numbers
    total = 0
    section = 0
    digit: int | None = None
    last_unit = 1
    zero_seen = False
    for ch in raw:
        if ch in CN_DIGITS:
            value = CN_DIGITS[ch]
            if value == 0:
                zero_seen = True
            digit = value
        elif ch in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[ch]
            section += (1 if digit is None and unit == 10 else (digit or 0)) * unit
            digit, last_unit, zero_seen = None, unit, False
        else:
            unit = CN_BIG_UNITS[ch]
            section += digit or 0
            total = (total + section) * unit if unit > 10_000 else total + section * unit
            section, digit, last_unit, zero_seen = 0, None, unit, False
    if digit:
        # Colloquial shortening: 三千五 = 3500 and 两万五 = 25000, but 一百零五 = 105 (the 零 keeps the digit a unit).
        section += digit * (last_unit // 10 if last_unit > 10 and not zero_seen else 1)
    return total + section


def parse_english_numeral(raw: str) -> Decimal | None:
    """Read English number words: "four", "twenty-five", "two hundred and fifty", "one thousand million" (10^9)."""
    words = [w for w in re.split(r"[\s-]+", raw.lower()) if w and w != "and"]
    if not words:
        return None
    total = 0
    current = 0
    for word in words:
        if word in _EN_UNITS:
            current += _EN_UNITS[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word in _EN_SCALES:
            scale = _EN_SCALES[word]
            if scale == 100:
                current = (current or 1) * 100
            elif current == 0 and 0 < total < scale:
                total *= scale  # "one thousand million": the scale multiplies what came before
            else:
                total += (current or 1) * scale
                current = 0
        else:
            return None
    return Decimal(total + current)


def _decimal(raw: str) -> Decimal | None:
    """Read an Arabic numeral whole: 1,000.5, 1_000, 1.5e3, 10^20."""
    compact = re.sub(r"[,_\s]", "", raw)
    try:
        if "^" in compact:
            base, _, power = compact.partition("^")
            return Decimal(base) ** int(power)
        return Decimal(compact)
    except (InvalidOperation, ValueError):
        return None


def _unit_after(text: str, end: int) -> tuple[Unit, int]:
    match = _UNIT_AFTER.match(text, end)
    if match is None or match.lastgroup is None:
        return "none", end
    return match.lastgroup, match.end()  # type: ignore[return-value]


def _with_jiao(text: str, value: Decimal, unit: Unit, end: int) -> tuple[Decimal, int]:
    """``value`` plus the tenths written after 块/元 ("三十块五" = 30.5), and where the amount ends."""
    if unit != "cny" or text[end - 1 : end] not in ("块", "元"):
        return value, end
    match = _JIAO.match(text, end)
    if match is None:
        return value, end
    raw = match.group("d")
    tenths = Decimal(int(raw) if raw.isdigit() else CN_DIGITS[raw]) / 10
    return (value - tenths if value < 0 else value + tenths), match.end()


def _multiplier(mark: str | None) -> int:
    if not mark:
        return 1
    return {"万": 10_000, "w": 10_000, "千": 1000, "k": 1000, "百": 100, "亿": 100_000_000, "万亿": 10**12}[mark]


def scan(text: str) -> list[Quantity]:
    """Every quantity in ``text`` (already :func:`prepare`-d and blanked), in reading order.

    Never raises: text that is not a number is simply skipped.
    """
    taken: list[tuple[int, int]] = []
    found: list[Quantity] = []
    work = text

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(value: Decimal, unit: Unit, start: int, end: int) -> None:
        taken.append((start, end))
        found.append(Quantity(value, unit, start, end, text[start:end].strip()))

    def read(
        pattern: re.Pattern[str], number: Callable[[str], Decimal | None]
    ) -> Iterator[tuple[re.Match[str], Decimal]]:
        """The matches of ``pattern`` on text no quantity has taken yet, with the number each one reads."""
        for match in pattern.finditer(work):
            value = number(match.group("num")) if free(match.start(), match.end()) else None
            if value is not None:
                yield match, value

    for match in _NOT_NUMBERS.finditer(work):
        work = blank(work, match.start(), match.end())
    for pattern in (_MALFORMED, _VAGUE):
        for match in pattern.finditer(work):
            add(Decimal(0), "malformed", match.start(), match.end())
            work = blank(work, match.start(), match.end())

    for match in _PERCENT_CN.finditer(work):
        raw = match.group("num")
        value = _decimal(raw) if raw[0].isdigit() else parse_chinese_numeral(raw)
        if value is not None:
            add(-value if match.group("sign") else value, "percent", match.start(), match.end())

    for match, value in read(_ARABIC, _decimal):
        value *= _multiplier(match.group("mult"))
        start = match.start()
        sign = match.group("sign")
        if sign is None and start > 0 and work[:start].rstrip().endswith("负"):
            sign, start = "负", work[:start].rstrip().rindex("负")
        if sign:
            value = -value
        unit, end = _unit_after(work, match.end())
        value, end = _with_jiao(work, value, unit, end)
        if unit == "none" and _CURRENCY_BEFORE.search(work[:start]):
            unit = "cny"
            start = _CURRENCY_BEFORE.search(work[:start]).start()  # type: ignore[union-attr]
        add(value, unit, start, end)

    for match, value in read(_CHINESE, parse_chinese_numeral):
        unit, end = _unit_after(work, match.end())
        if match.group("num") in _WEAK_CHINESE and unit == "none":
            continue  # a lone 一/两 is almost always a word ("一下", "两者"), not a quantity
        if unit == "none" and _CURRENCY_BEFORE.search(work[: match.start()]):
            unit = "cny"
        value, end = _with_jiao(work, -value if match.group("sign") else value, unit, end)
        add(value, unit, match.start(), end)

    for match, value in read(_ENGLISH, parse_english_numeral):
        unit, end = _unit_after(work, match.end())
        if unit == "none":
            continue  # "one" or "ten" alone is too often not a quantity ("which one", "no one")
        add(value, unit, match.start(), end)

    found.sort(key=lambda q: q.start)
    return _share_range_units(text, found)


_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|~|至|到|to)\s*")


def _share_range_units(text: str, found: list[Quantity]) -> list[Quantity]:
    """In a range such as "15-20 次" or "24 to 48 hours" the unit is written once, after the second number."""
    result = list(found)
    for i in range(len(result) - 2, -1, -1):
        first, second = result[i], result[i + 1]
        joined = _RANGE_JOIN.fullmatch(text, first.end, second.start)
        if first.unit == "none" and second.unit != "none" and joined and first.value >= 0 and second.value >= 0:
            result[i] = Quantity(first.value, second.unit, first.start, first.end, first.text)
    return result


__all__ = [
    "CN_SMALL",
    "MAX_MAGNITUDE",
    "Quantity",
    "Unit",
    "blank",
    "parse_chinese_numeral",
    "parse_english_numeral",
    "prepare",
    "scan",
    "small_int",
]
