"""Find times of day, dates and time zones in a question (Chinese and English) and turn them into datetimes.

Like :mod:`.numbers`, the finders read :func:`.numbers.prepare`-d text and report character spans, so
that the caller can blank what it has read before looking for plain numbers. English patterns are compiled
with ``re.ASCII`` so that "3pm北京时间" or "monday扣费" still end at a word boundary. Finders never raise: a
time such as "25:00" or a date such as "2026-02-30" comes back with ``error`` set, for the rule to
refuse with a clear message instead of computing.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .numbers import parse_chinese_numeral

_CN_NUM = "[零〇一二两三四五六七八九十]{1,3}"


@dataclass(frozen=True)
class Zone:
    """A time zone named in the question ("UTC", "北京时间", "GMT+1", "London time")."""

    tz: tzinfo
    label: str  # what the answer calls it: "UTC+8", "UTC", "UTC+1", "Europe/London"
    start: int
    end: int
    error: str | None = None  # set for a zone that does not exist or cannot be told apart (UTC+25, CST)


@dataclass(frozen=True)
class ClockTime:
    """A time of day: 下午3点, 晚上9点半, 3pm, 15:00. ``error`` is set when it cannot exist (25:00)."""

    hour: int
    minute: int
    start: int
    end: int
    text: str
    error: str | None = None

    def as_time(self) -> time:
        return time(self.hour, self.minute)


# How a weekday is counted from today. Chinese counts calendar weeks (下周一 is Monday of next week);
# English "next Friday" is the first Friday after today; a bare weekday is the coming one (today included).
WeekRule = Literal["coming", "after_today", "this_week", "next_week", "week_after_next", "last_week", "last"]


@dataclass(frozen=True)
class DateMention:
    """A calendar date: 2026-12-10, 12月10日, Dec 10 2026, 明天, 下周一, next Friday, 5号, the 15th.

    ``year`` is None when it was not written. Dates named relative to today (明天, 下周一, 5号) keep
    ``month`` and ``day`` at 0 and say how to count from the clock: ``relative_days``, ``weekday`` with
    ``week_rule``, or ``month_day`` with ``month_offset``.
    """

    year: int | None
    month: int
    day: int
    start: int
    end: int
    text: str
    relative_days: int | None = None  # 今天 = 0, 明天 = 1...: resolved against the clock
    error: str | None = None
    weekday: int | None = None  # Monday = 0
    week_rule: WeekRule = "coming"
    month_day: int | None = None  # "5号" / "the 5th": a day of a month that is not written
    month_offset: int | None = None  # 本月 = 0, 下个月 = 1; None: the next (or nearest) such day

    @property
    def relative(self) -> bool:
        """True when the date is counted from today rather than written out."""
        return self.relative_days is not None or self.weekday is not None or self.month_day is not None

    @property
    def year_assumed(self) -> bool:
        """True for a written month and day without a year (12月10日): the rule picks the year."""
        return self.year is None and not self.relative


def fixed_zone(hours: int, minutes: int = 0) -> timezone:
    """A fixed UTC offset such as UTC+8."""
    sign = -1 if hours < 0 else 1
    return timezone(sign * timedelta(hours=abs(hours), minutes=minutes))


def offset_label(offset: timedelta | None) -> str:
    """ "UTC+8", "UTC-5", "UTC+5:30", "UTC" for an offset."""
    if offset is None or offset == timedelta(0):
        return "UTC"
    total = int(offset.total_seconds() // 60)
    sign = "+" if total > 0 else "-"
    hours, minutes = divmod(abs(total), 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


# --------------------------------------------------------------------------- zones

_BEIJING = (
    "北京时间",
    "北京",
    "beijing time",
    "beijing",
    "china time",
    "china standard time",
    "中国时间",
    "东八区",
    "上海",
    "shanghai",
)
_UTC_NAMES = ("utc", "gmt", "协调世界时", "世界标准时间", "格林尼治时间", "格林威治时间", "zulu")
_NAMED_ZONES = {
    "Europe/London": ("london", "伦敦", "uk time", "英国时间", "bst"),
    "Europe/Paris": ("paris", "巴黎", "cet", "cest", "central european"),
    "Europe/Berlin": ("berlin", "柏林", "germany time", "德国时间"),
    "Europe/Moscow": ("moscow", "莫斯科"),
    "America/New_York": ("new york", "纽约", "eastern time", "est", "edt"),
    "America/Los_Angeles": (
        "los angeles",
        "洛杉矶",
        "san francisco",
        "旧金山",
        "硅谷",
        "pacific time",
        "pst",
        "pdt",
        "seattle",
        "西雅图",
    ),
    "Asia/Tokyo": ("tokyo", "东京", "japan time", "日本时间", "jst"),
    "Asia/Seoul": ("seoul", "首尔", "korea time", "韩国时间", "kst"),
    "Asia/Singapore": ("singapore", "新加坡", "sgt"),
    "Asia/Hong_Kong": ("hong kong", "香港", "hkt"),
    "Asia/Kolkata": (
        "india time",
        "印度时间",
        "ist",
        "india standard time",
        "mumbai",
        "孟买",
        "delhi",
        "new delhi",
        "新德里",
        "bangalore",
        "bengaluru",
        "班加罗尔",
        "kolkata",
        "加尔各答",
        "chennai",
        "hyderabad",
    ),
    "America/Chicago": ("chicago", "芝加哥", "central time", "cdt"),
    "America/Denver": ("denver", "丹佛", "mountain time", "mst", "mdt"),
    "America/Toronto": ("toronto", "多伦多"),
    "America/Vancouver": ("vancouver", "温哥华"),
    "America/Sao_Paulo": ("sao paulo", "são paulo", "圣保罗"),
    "Europe/Madrid": ("madrid", "马德里"),
    "Europe/Rome": ("rome", "罗马"),
    "Europe/Amsterdam": ("amsterdam", "阿姆斯特丹"),
    "Asia/Bangkok": ("bangkok", "曼谷"),
    "Asia/Jakarta": ("jakarta", "雅加达"),
    "Asia/Manila": ("manila", "马尼拉"),
    "Asia/Taipei": ("taipei", "台北"),
    "Asia/Kuala_Lumpur": ("kuala lumpur", "吉隆坡"),
    "Pacific/Auckland": ("auckland", "奥克兰", "nzst", "nzdt"),
    "Pacific/Honolulu": ("honolulu", "hawaii", "夏威夷", "hst"),
    "Australia/Melbourne": ("melbourne", "墨尔本"),
    "Asia/Dubai": ("dubai", "迪拜"),
    "Australia/Sydney": ("sydney", "悉尼", "aest"),
}
_OFFSET = re.compile(r"\b(?:utc|gmt)\s*(?P<sign>[-+−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?(?!\d)", re.ASCII)
_CN_OFFSET = re.compile(rf"(?P<dir>东|西)(?P<h>\d{{1,2}}|{_CN_NUM})区")
# ISO 8601: "07:00Z", "2026-07-01T15:00:00+02:00" (the zone is what follows the time).
_ISO_Z = re.compile(r"(?<=\d)z\b", re.ASCII)
# A minus is an offset only in a full timestamp ("t15:00-05:00", "15:00:00-05:00"): "14:00-18:00" is a range.
_ISO_OFFSET = re.compile(
    r"(?:(?:(?<=t\d\d:\d\d)(?::\d\d(?:\.\d+)?)?|(?<=\d\d:\d\d):\d\d(?:\.\d+)?)(?P<sign>[-+])|(?<=\d\d:\d\d)(?P<plus>\+))"
    r"(?P<h>\d{2}):?(?P<m>\d{2})(?!\d)",
    re.ASCII,
)
_IANA = re.compile(
    r"\b(?:africa|america|antarctica|asia|atlantic|australia|europe|indian|pacific)/[a-z_]+(?:/[a-z_]+)?\b"
)
# "XYZ time" or an abbreviation that names two zones (CST: China or US Central): asked about, never assumed.
_AMBIGUOUS = re.compile(r"\b(?:cst|ast|amt|gst|sst)\b", re.ASCII)
_WORD_TIME = re.compile(r"\b(?P<w>[a-z]{2,4})\s+time\b", re.ASCII)
_NOT_ZONES = frozenset(
    "peak same what any free my this that next one real the some long work rush busy each last due its your our his "
    "her at on in by for of off a an per full part run bed tea play down up high low new old much more less no it is "
    "was all both half good best nice lock wall down over from to of".split()
)
_VALID_MINUTES = (0, 30, 45)


def _iana(name: str) -> str | None:
    """The IANA key spelt as zoneinfo knows it, for a lower-cased name ("asia/kolkata" -> "Asia/Kolkata")."""
    from zoneinfo import available_timezones

    return {key.lower(): key for key in available_timezones()}.get(name)


def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name)
        parts.append(rf"\b{escaped}\b" if name.isascii() else escaped)
    return re.compile("|".join(parts), re.ASCII)


_BEIJING_RE = _name_pattern(_BEIJING)
_UTC_RE = _name_pattern(_UTC_NAMES)
_NAMED_RE = [(key, _name_pattern(names)) for key, names in _NAMED_ZONES.items()]


def find_zones(text: str) -> list[Zone]:
    """Every time zone named in ``text``, in reading order (overlaps resolved: "UTC+1" is one zone)."""
    found: list[Zone] = []

    def free(start: int, end: int) -> bool:
        return all(end <= z.start or start >= z.end for z in found)

    def bad(match: re.Match[str], why: str) -> None:
        found.append(Zone(UTC, match.group(0), match.start(), match.end(), error=why))

    for match in _ISO_OFFSET.finditer(text):
        hours, minutes = int(match.group("h")), int(match.group("m"))
        if hours * 60 + minutes > 14 * 60 or minutes not in _VALID_MINUTES:
            bad(match, "no such UTC offset")
            continue
        sign = -1 if (match.group("sign") or match.group("plus")) == "-" else 1
        tz = fixed_zone(sign * hours, minutes) if hours or minutes else UTC
        found.append(Zone(tz, offset_label(tz.utcoffset(None)), match.start(), match.end()))
    for match in _ISO_Z.finditer(text):
        found.append(Zone(UTC, "UTC", match.start(), match.end()))
    for match in _IANA.finditer(text):
        key = _iana(match.group(0))
        if key is None:
            bad(match, "unknown time zone name")
        else:
            found.append(Zone(ZoneInfo(key), key, match.start(), match.end()))
    for match in _OFFSET.finditer(text):
        if not free(match.start(), match.end()):
            continue
        hours = int(match.group("h"))
        minutes = int(match.group("m") or 0)
        if hours * 60 + minutes > 14 * 60 or minutes not in _VALID_MINUTES:
            bad(match, "no such UTC offset")
            continue
        sign = -1 if match.group("sign") in "-−" else 1
        tz = fixed_zone(sign * hours, minutes) if hours or minutes else UTC
        found.append(Zone(tz, offset_label(tz.utcoffset(None)), match.start(), match.end()))
    for match in _CN_OFFSET.finditer(text):
        value = int(match.group("h")) if match.group("h").isdigit() else parse_chinese_numeral(match.group("h"))
        if value is None or int(value) > 12 or not free(match.start(), match.end()):
            continue
        hours = int(value) * (1 if match.group("dir") == "东" else -1)
        tz = fixed_zone(hours)
        found.append(Zone(tz, offset_label(tz.utcoffset(None)), match.start(), match.end()))
    for match in _BEIJING_RE.finditer(text):
        if free(match.start(), match.end()):
            found.append(Zone(fixed_zone(8), "UTC+8", match.start(), match.end()))
    for match in _UTC_RE.finditer(text):
        if free(match.start(), match.end()):
            found.append(Zone(UTC, "UTC", match.start(), match.end()))
    for key, pattern in _NAMED_RE:
        for match in pattern.finditer(text):
            if not free(match.start(), match.end()):
                continue
            try:
                zone: tzinfo = ZoneInfo(key)
            except ZoneInfoNotFoundError:  # pragma: no cover - tzdata is a dependency
                continue
            end = match.end()
            suffix = re.match(r"\s*(?:time|时间)", text[end:])
            found.append(Zone(zone, key, match.start(), end + (suffix.end() if suffix else 0)))
    for match in _AMBIGUOUS.finditer(text):
        if free(match.start(), match.end()):
            bad(match, "ambiguous time zone abbreviation")
    for match in _WORD_TIME.finditer(text):
        if free(match.start(), match.end()) and match.group("w") not in _NOT_ZONES:
            bad(match, "unknown time zone")
    found.sort(key=lambda z: z.start)
    return found


# --------------------------------------------------------------------------- times of day

# A lone 早/晚 is a period only when it is not part of 最晚/最早/提早 ("最晚 3 点" means "by 3 at the latest").
_PERIODS = "凌晨|早上|早晨|清晨|上午|中午|午后|下午|傍晚|晚上|夜里|夜间|半夜|深夜|今晚|晚间|(?<![最提])早|(?<!最)晚"
_AFTERNOON = {"午后", "下午", "傍晚"}
_EVENING = {"晚上", "夜里", "夜间", "今晚", "晚间", "晚"}
_MIDNIGHT_ISH = {"凌晨", "半夜", "深夜"}
# At most one space between 点 and the minutes: a wider gap is a blanked model name or date ("4点 GLM-5 10 个").
_CN_TIME = re.compile(
    rf"(?P<period>{_PERIODS})?\s*(?P<h>\d{{1,2}}|{_CN_NUM})\s*[点時时](?![候间段期])"
    rf"(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)|(?P<gap> ?)(?P<m>\d{{1,2}}|{_CN_NUM})\s*(?P<fen>分钟?|分)?|"
    rf"\s*(?P<sharp>整|钟))?"
)
_NOT_A_TIME_AFTER = re.compile(r"\s*(?:折|倍|元|块|%|个|次)")
# "9.30pm" (British) uses a dot: accepted only before am/pm, where it cannot be a decimal number.
_HHMM = re.compile(
    r"(?<![\d.])(?<!\d:)(?P<h>\d{1,2})\s*(?::\s*(?P<m>\d{2})(?::\d{2})?|\.(?P<dm>\d{2})(?=\s*[ap]\.?m\b))(?!\d)"
    r"(?:\s*(?P<ampm>a\.?m\b\.?|p\.?m\b\.?))?",
    re.ASCII,
)
_AMPM = re.compile(r"(?<![\d.])(?<!\d:)(?P<h>\d{1,2})\s*(?P<ampm>a\.?m\b\.?|p\.?m\b\.?)", re.ASCII)
_OCLOCK = re.compile(r"(?<![\d.])(?<!\d:)(?P<h>\d{1,2})\s*o'?\s*clock\b", re.ASCII)
_NAMED_TIMES = re.compile(r"\bnoon\b|\bmidday\b|\bmidnight\b|正午|午夜", re.ASCII)
_PERIOD_BEFORE = re.compile(rf"(?P<period>{_PERIODS})\s*$")
_EN_PM_AFTER = re.compile(r"\s*(?:in the (?:afternoon|evening)|at night|tonight)\b", re.ASCII)
# "at 3 in the afternoon", "at 9 in the morning": an hour made a time by the words after it.
_EN_HOUR_PERIOD = re.compile(
    r"(?<![\d.])(?<!\d:)(?P<h>\d{1,2})\s*(?P<part>in the (?:morning|afternoon|evening)|at night|tonight)\b", re.ASCII
)


def _cn_value(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    value = parse_chinese_numeral(raw)
    return None if value is None else int(value)


def _apply_period(period: str | None, hour: int) -> int:
    """下午3点 = 15:00, 晚上9点 = 21:00, 晚上12点 = 00:00, 中午1点 = 13:00; 24-hour input is kept."""
    if period is None or hour > 12:
        return hour
    if period in _AFTERNOON:
        return hour + 12 if hour < 12 else 12
    if period in _EVENING:
        if hour == 12:
            return 0
        return hour + 12 if hour >= 5 else hour  # 晚上3点 is the small hours, not 15:00
    if period == "中午":
        return hour + 12 if 1 <= hour <= 5 else hour
    if period in _MIDNIGHT_ISH:
        return 0 if hour == 12 else hour
    return 0 if hour == 12 and period in {"凌晨"} else hour


def _checked(hour: int, minute: int, start: int, end: int, text: str) -> ClockTime:
    if hour == 24 and minute == 0:
        hour = 0  # 24:00 is midnight
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        return ClockTime(0, 0, start, end, text, error=f"“{text.strip()}” is not a valid time of day")
    return ClockTime(hour, minute, start, end, text)


def _ampm(hour: int, marker: str) -> int | None:
    if not 1 <= hour <= 12:
        return None
    is_pm = marker.startswith("p")
    return (hour % 12) + (12 if is_pm else 0)


def find_times(text: str) -> list[ClockTime]:
    """Every time of day in ``text`` (invalid ones included, with ``error`` set), in reading order."""
    found: list[ClockTime] = []

    def free(start: int, end: int) -> bool:
        return all(end <= t.start or start >= t.end for t in found)

    for match in _HHMM.finditer(text):
        hour, minute = int(match.group("h")), int(match.group("m") or match.group("dm"))
        start, end = match.start(), match.end()
        raw = text[start:end]
        marker = match.group("ampm")
        if marker:
            converted = _ampm(hour, marker)
            if converted is None:
                found.append(ClockTime(0, 0, start, end, raw, error=f"“{raw.strip()}” is not a valid time of day"))
                continue
            hour = converted
        else:
            period = _PERIOD_BEFORE.search(text[:start])
            if period:
                hour = _apply_period(period.group("period"), hour)
                start = period.start()
            elif _EN_PM_AFTER.match(text, end) and hour < 12:
                hour += 12
        found.append(_checked(hour, minute, start, end, text[start:end]))
    for match in _AMPM.finditer(text):
        if not free(match.start(), match.end()):
            continue
        raw = match.group(0)
        converted = _ampm(int(match.group("h")), match.group("ampm"))
        if converted is None:
            found.append(ClockTime(0, 0, match.start(), match.end(), raw, error=f"“{raw.strip()}” is not a valid time"))
            continue
        found.append(ClockTime(converted, 0, match.start(), match.end(), raw))
    for match in _CN_TIME.finditer(text):
        if not free(match.start(), match.end()):
            continue
        found_time = _chinese_time(text, match)
        if found_time is not None:
            found.append(found_time)
    for match in _OCLOCK.finditer(text):
        if free(match.start(), match.end()):
            hour = int(match.group("h"))
            if _EN_PM_AFTER.match(text, match.end()) and hour < 12:
                hour += 12
            found.append(_checked(hour, 0, match.start(), match.end(), match.group(0)))
    for match in _EN_HOUR_PERIOD.finditer(text):
        if free(match.start(), match.end()):
            hour = int(match.group("h"))
            if match.group("part") != "in the morning" and hour < 12:
                hour += 12
            found.append(_checked(hour, 0, match.start(), match.end(), match.group(0)))
    for match in _NAMED_TIMES.finditer(text):
        if free(match.start(), match.end()):
            hour = 0 if match.group(0) in ("midnight", "午夜") else 12
            found.append(ClockTime(hour, 0, match.start(), match.end(), match.group(0)))
    found.sort(key=lambda t: t.start)
    return found


def _chinese_time(text: str, match: re.Match[str]) -> ClockTime | None:
    period = match.group("period")
    raw_hour = match.group("h")
    hour = _cn_value(raw_hour)
    if hour is None:
        return None
    end = match.end()
    minute = 0
    raw_minute = match.group("m")
    if raw_minute is not None:
        spoken = match.group("fen") is not None or (raw_minute.isdigit() and len(raw_minute) == 2) or "十" in raw_minute
        unit_follows = _NOT_A_TIME_AFTER.match(text, end) is not None
        if not spoken or unit_follows:
            # "三点五折" is 3.5折 and "3点5" is ambiguous: only a clear minute makes this a time. But in
            # "下午两点5个prompt" or "3点 10 次" the number after 点 is a count, and 点 ends a time.
            if unit_follows and not period and not match.group("gap"):
                return None
            end = match.start("m") - len(match.group("gap"))
        else:
            value = _cn_value(raw_minute)
            if value is None:
                return None
            minute = value
    elif match.group("half"):
        minute = 30
    elif match.group("quarter"):
        minute = 15 if match.group("quarter") == "一刻" else 45
    elif _NOT_A_TIME_AFTER.match(text, end):
        return None
    has_suffix = any(match.group(g) for g in ("half", "quarter", "sharp", "fen")) or minute
    if raw_hour in ("一", "两", "二") and not period and not has_suffix:
        return None  # "一点" is usually "a little", "两点" often "two points"
    raw = text[match.start() : end]
    if hour > 24:
        return ClockTime(0, 0, match.start(), end, raw, error=f"“{raw.strip()}” is not a valid time of day")
    return _checked(_apply_period(period, hour), minute, match.start(), end, raw)


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_EN_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ISO_DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<mo>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?:\s*[日号])?(?!\d)"
)
_CN_DATE = re.compile(
    rf"(?<![\d年])(?P<mo>\d{{1,2}}|{_CN_NUM})\s*月\s*(?P<d>\d{{1,2}}|[零〇一二三四五六七八九十]{{1,3}})\s*[日号]"
)
_EN_DATE_MD = re.compile(rf"\b{_EN_MONTH}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<y>\d{{4}})\b)?", re.ASCII)
_EN_DATE_DM = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}\b\.?(?:,?\s*(?P<y>\d{{4}})\b)?", re.ASCII
)
# 12/31/2026 (month first, as in the US) unless the first number cannot be a month (31/12/2026).
_SLASH_DATE = re.compile(r"(?<![\d/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?![\d/])")
# "扣费日 12.10": a month and day joined by a dot, read only right after a word that announces a date,
# because elsewhere "12.10" is an amount.
_DOT_DATE = re.compile(
    r"(?:扣费日|续费日|账单日|日期|扣费|续费|到期|计费日|\bbilling date\b|\bdate\b|\brenews?\b|\bon\b)\s*"
    r"(?:是|为|在|:)?\s*(?P<date>(?P<mo>\d{1,2})\.(?P<d>\d{1,2}))(?![\d.]|\s*(?:元|块|rmb|cny|yuan|%))",
    re.ASCII,
)
_CN_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_CN_WEEKDAY = re.compile(
    r"(?P<rel>下下个?|下个?|这个?|本|上个?)?\s*(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7])(?![次回遍个])"
)
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_WEEKDAY = re.compile(rf"\b(?:(?P<rel>next|this|coming|last|on)\s+)?(?P<d>{'|'.join(_EN_WEEKDAYS)})\b", re.ASCII)
_CN_WEEK_RULES: dict[str, WeekRule] = {"下": "next_week", "这": "this_week", "本": "this_week", "上": "last_week"}
_EN_WEEK_RULES: dict[str, WeekRule] = {"next": "after_today", "this": "coming", "coming": "coming", "last": "last"}
# "5号", "下个月 5 号", "本月15日": a day of the month. A bare "5日" is not read ("5日内" means "within 5 days").
_CN_MONTH_DAY = re.compile(
    rf"(?:(?P<mrel>下个?月|本月|这个?月|每个?月)\s*(?P<d1>\d{{1,2}}|{_CN_NUM})\s*[号日]|"
    rf"(?<![\d月年.])(?P<d2>\d{{1,2}}|{_CN_NUM})\s*号)(?![码线])"
)
_EN_MONTH_DAY = re.compile(
    r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?:\s+of\s+(?:every|each|the|this)\s+month\b)?(?!\s+of\b)", re.ASCII
)
_RELATIVE_DAYS = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
    "昨天": -1,
    "昨日": -1,
    "yesterday": -1,
    "前天": -2,
    "大后天": 3,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    "tmr": 1,
    "tmrw": 1,
}
_RELATIVE = _name_pattern(tuple(_RELATIVE_DAYS))


def _date_error(year: int | None, month: int, day: int) -> str | None:
    if not 1 <= month <= 12:
        return f"month {month} does not exist"
    # Without a year, 2月29日 is still a real date (in a leap year).
    last = calendar.monthrange(year if year is not None else 2024, month)[1]
    if not 1 <= day <= last:
        return f"day {day} does not exist in month {month}"
    if year is not None and not 1970 <= year <= 2200:
        return f"year {year} is out of range"
    return None


def find_dates(text: str) -> list[DateMention]:
    """Every date in ``text`` (invalid ones included, with ``error`` set), in reading order."""
    found: list[DateMention] = []

    def free(start: int, end: int) -> bool:
        return all(end <= d.start or start >= d.end for d in found)

    def add(year: int | None, month: int | None, day: int | None, match: re.Match[str]) -> None:
        if month is None or day is None or not free(match.start(), match.end()):
            return
        raw = match.group(0)
        error = _date_error(year, month, day)
        if error:
            error = f"“{raw.strip()}”: {error}"
        found.append(DateMention(year, month, day, match.start(), match.end(), raw, error=error))

    for match in _ISO_DATE.finditer(text):
        add(int(match.group("y")), int(match.group("mo")), int(match.group("d")), match)
    for match in _CN_DATE.finditer(text):
        add(None, _cn_value(match.group("mo")), _cn_value(match.group("d")), match)
    for pattern in (_EN_DATE_MD, _EN_DATE_DM):
        for match in pattern.finditer(text):
            year = int(match.group("y")) if match.group("y") else None
            add(year, _MONTHS[match.group("mon")[:3]], int(match.group("d")), match)
    for match in _DOT_DATE.finditer(text):
        start, end = match.span("date")
        month, day = int(match.group("mo")), int(match.group("d"))
        if free(start, end) and _date_error(None, month, day) is None:
            found.append(DateMention(None, month, day, start, end, match.group("date")))
    for match in _SLASH_DATE.finditer(text):
        first, second = int(match.group("a")), int(match.group("b"))
        month, day = (second, first) if first > 12 else (first, second)
        add(int(match.group("y")), month, day, match)
    for match in _RELATIVE.finditer(text):
        if free(match.start(), match.end()):
            days = _RELATIVE_DAYS[match.group(0)]
            found.append(DateMention(None, 0, 0, match.start(), match.end(), match.group(0), relative_days=days))
    _find_relative_dates(text, found, free)
    found.sort(key=lambda d: d.start)
    return found


def _find_relative_dates(text: str, found: list[DateMention], free: Callable[[int, int], bool]) -> None:
    """Weekdays (下周一, next Friday) and days of an unwritten month (5号, the 15th), appended to ``found``."""
    for match in _CN_WEEKDAY.finditer(text):
        if not free(match.start(), match.end()):
            continue
        raw_day = match.group("d")
        weekday = int(raw_day) - 1 if raw_day.isdigit() else _CN_WEEKDAYS[raw_day]
        rel = match.group("rel") or ""
        rule: WeekRule = "week_after_next" if rel.startswith("下下") else _CN_WEEK_RULES.get(rel[:1], "coming")
        found.append(
            DateMention(None, 0, 0, match.start(), match.end(), match.group(0), weekday=weekday, week_rule=rule)
        )
    for match in _EN_WEEKDAY.finditer(text):
        if not free(match.start(), match.end()):
            continue
        rule = _EN_WEEK_RULES.get(match.group("rel") or "", "coming")
        weekday = _EN_WEEKDAYS.index(match.group("d"))
        found.append(
            DateMention(None, 0, 0, match.start(), match.end(), match.group(0), weekday=weekday, week_rule=rule)
        )
    for pattern in (_CN_MONTH_DAY, _EN_MONTH_DAY):
        for match in pattern.finditer(text):
            if not free(match.start(), match.end()):
                continue
            groups = match.groupdict()
            raw = groups.get("d") or groups.get("d1") or groups.get("d2") or ""
            day = _cn_value(raw)
            if day is None:
                continue
            mrel = groups.get("mrel") or ""
            offset = 1 if mrel.startswith("下") else 0 if mrel[:1] in ("本", "这") else None
            error = None if 1 <= day <= 31 else f"“{match.group(0).strip()}”: day {day} does not exist"
            found.append(
                DateMention(
                    None,
                    0,
                    0,
                    match.start(),
                    match.end(),
                    match.group(0),
                    error=error,
                    month_day=day,
                    month_offset=offset,
                )
            )


DatePreference = Literal["next", "nearest"]


def resolve_date(mention: DateMention, today: date, prefer: DatePreference = "next") -> date:
    """The calendar date meant: a relative day from ``today``; a written year as is; without a year, the
    next such date on or after ``today`` (``prefer="next"``) or the one closest to ``today`` ("nearest").
    """
    if mention.error:
        raise ValueError(mention.error)
    if mention.relative_days is not None:
        return today + timedelta(days=mention.relative_days)
    if mention.weekday is not None:
        return _resolve_weekday(mention.weekday, mention.week_rule, today, prefer)
    if mention.month_day is not None:
        return _resolve_month_day(mention.month_day, mention.month_offset, today, prefer)
    if mention.year is not None:
        return date(mention.year, mention.month, mention.day)
    candidates = [
        date(year, mention.month, mention.day)
        for year in range(today.year - 8, today.year + 9)  # 9 years always contain a 29 February
        if mention.day <= calendar.monthrange(year, mention.month)[1]
    ]
    if prefer == "nearest":
        return min(candidates, key=lambda d: (abs((d - today).days), d < today))
    ahead = [d for d in candidates if d >= today]
    if not ahead:  # pragma: no cover - the range always holds a later date
        raise ValueError(f"no date {mention.month}/{mention.day} after {today}")
    return ahead[0]


def _resolve_weekday(weekday: int, rule: WeekRule, today: date, prefer: DatePreference) -> date:
    ahead = (weekday - today.weekday()) % 7  # 0..6 days to the coming one, today included
    monday = today - timedelta(days=today.weekday())
    if rule == "after_today":
        return today + timedelta(days=ahead or 7)
    if rule == "last":
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    weeks = {"this_week": 0, "next_week": 1, "week_after_next": 2, "last_week": -1}.get(rule)
    if weeks is not None:
        return monday + timedelta(days=7 * weeks + weekday)
    if prefer == "nearest" and ahead > 3:
        return today + timedelta(days=ahead - 7)  # "好友周三点的链接", said on a Friday: two days ago
    return today + timedelta(days=ahead)


def _month_date(year: int, month: int, day: int) -> date | None:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, day) if day <= calendar.monthrange(year, month)[1] else None


def _resolve_month_day(day: int, offset: int | None, today: date, prefer: DatePreference) -> date:
    if offset is not None:
        found = _month_date(today.year, today.month + offset, day)
        if found is None:
            raise ValueError(f"day {day} does not exist in that month")
        return found
    candidates = [d for k in range(-12, 13) if (d := _month_date(today.year, today.month + k, day)) is not None]
    if prefer == "nearest":
        return min(candidates, key=lambda d: (abs((d - today).days), d < today))
    return min(d for d in candidates if d >= today)


def local_datetime(day: date, clock: time, tz: tzinfo) -> datetime:
    """The aware datetime of ``clock`` on ``day`` in ``tz``."""
    return datetime.combine(day, clock, tzinfo=tz)


__all__ = [
    "ClockTime",
    "DateMention",
    "DatePreference",
    "WeekRule",
    "Zone",
    "find_dates",
    "find_times",
    "find_zones",
    "fixed_zone",
    "local_datetime",
    "offset_label",
    "resolve_date",
]
