"""Find times of day, dates and time zones in a question (Chinese and English) and turn them into datetimes.

Like :mod:`.numbers`, the finders read :func:`.numbers.prepare`-d text and report character spans, so
that the caller can blank what it has read before looking for plain numbers. Finders never raise: a
time such as "25:00" or a date such as "2026-02-30" comes back with ``error`` set, for the rule to
refuse with a clear message instead of computing.
"""

from __future__ import annotations

import calendar
import re
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


@dataclass(frozen=True)
class DateMention:
    """A calendar date: 2026-12-10, 12月10日, Dec 10 2026, 明天. ``year`` is None when it was not written."""

    year: int | None
    month: int
    day: int
    start: int
    end: int
    text: str
    relative_days: int | None = None  # 今天 = 0, 明天 = 1...: resolved against the clock
    error: str | None = None


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
    "America/Los_Angeles": ("los angeles", "洛杉矶", "san francisco", "旧金山", "硅谷", "pacific time", "pst", "pdt"),
    "Asia/Tokyo": ("tokyo", "东京", "japan time", "日本时间", "jst"),
    "Asia/Seoul": ("seoul", "首尔", "korea time", "韩国时间", "kst"),
    "Asia/Singapore": ("singapore", "新加坡", "sgt"),
    "Asia/Hong_Kong": ("hong kong", "香港", "hkt"),
    "Asia/Kolkata": ("india time", "印度时间"),
    "Asia/Dubai": ("dubai", "迪拜"),
    "Australia/Sydney": ("sydney", "悉尼", "aest"),
}
_OFFSET = re.compile(r"\b(?:utc|gmt)\s*(?P<sign>[-+−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?(?!\d)")
_CN_OFFSET = re.compile(rf"(?P<dir>东|西)(?P<h>\d{{1,2}}|{_CN_NUM})区")


def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for name in sorted(names, key=len, reverse=True):
        escaped = re.escape(name)
        parts.append(rf"\b{escaped}\b" if name.isascii() else escaped)
    return re.compile("|".join(parts))


_BEIJING_RE = _name_pattern(_BEIJING)
_UTC_RE = _name_pattern(_UTC_NAMES)
_NAMED_RE = [(key, _name_pattern(names)) for key, names in _NAMED_ZONES.items()]


def find_zones(text: str) -> list[Zone]:
    """Every time zone named in ``text``, in reading order (overlaps resolved: "UTC+1" is one zone)."""
    found: list[Zone] = []

    def free(start: int, end: int) -> bool:
        return all(end <= z.start or start >= z.end for z in found)

    for match in _OFFSET.finditer(text):
        hours = int(match.group("h"))
        minutes = int(match.group("m") or 0)
        if hours > 14 or minutes >= 60:
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
    found.sort(key=lambda z: z.start)
    return found


# --------------------------------------------------------------------------- times of day

# A lone 早/晚 is a period only when it is not part of 最晚/最早/提早 ("最晚 3 点" means "by 3 at the latest").
_PERIODS = "凌晨|早上|早晨|清晨|上午|中午|午后|下午|傍晚|晚上|夜里|夜间|半夜|深夜|今晚|晚间|(?<![最提])早|(?<!最)晚"
_AFTERNOON = {"午后", "下午", "傍晚"}
_EVENING = {"晚上", "夜里", "夜间", "今晚", "晚间", "晚"}
_MIDNIGHT_ISH = {"凌晨", "半夜", "深夜"}
_CN_TIME = re.compile(
    rf"(?P<period>{_PERIODS})?\s*(?P<h>\d{{1,2}}|{_CN_NUM})\s*[点時时](?![候间段期])"
    rf"(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)|\s*(?P<m>\d{{1,2}}|{_CN_NUM})\s*(?P<fen>分钟?|分)?|\s*(?P<sharp>整|钟))?"
)
_NOT_A_TIME_AFTER = re.compile(r"\s*(?:折|倍|元|块|%|个|次)")
_HHMM = re.compile(
    r"(?<![\d.:])(?P<h>\d{1,2})\s*:\s*(?P<m>\d{2})(?::\d{2})?(?!\d)(?:\s*(?P<ampm>a\.?m\b\.?|p\.?m\b\.?))?"
)
_AMPM = re.compile(r"(?<![\d.:])(?P<h>\d{1,2})\s*(?P<ampm>a\.?m\b\.?|p\.?m\b\.?)")
_OCLOCK = re.compile(r"(?<![\d.:])(?P<h>\d{1,2})\s*o'?\s*clock\b")
_NAMED_TIMES = re.compile(r"\bnoon\b|\bmidday\b|\bmidnight\b|正午|午夜")
_PERIOD_BEFORE = re.compile(rf"(?P<period>{_PERIODS})\s*$")
_EN_PM_AFTER = re.compile(r"\s*(?:in the (?:afternoon|evening)|at night|tonight)\b")


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
        hour, minute = int(match.group("h")), int(match.group("m"))
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
        if not spoken or _NOT_A_TIME_AFTER.match(text, end):
            # "三点五折" is 3.5折 and "3点5" is ambiguous: only a clear minute makes this a time.
            if _NOT_A_TIME_AFTER.match(text, end):
                return None
            end = match.start("m")
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
_EN_DATE_MD = re.compile(rf"\b{_EN_MONTH}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<y>\d{{4}})\b)?")
_EN_DATE_DM = re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}\b\.?(?:,?\s*(?P<y>\d{{4}})\b)?")
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
    for match in _RELATIVE.finditer(text):
        if free(match.start(), match.end()):
            days = _RELATIVE_DAYS[match.group(0)]
            found.append(DateMention(None, 0, 0, match.start(), match.end(), match.group(0), relative_days=days))
    found.sort(key=lambda d: d.start)
    return found


DatePreference = Literal["next", "nearest"]


def resolve_date(mention: DateMention, today: date, prefer: DatePreference = "next") -> date:
    """The calendar date meant: a relative day from ``today``; a written year as is; without a year, the
    next such date on or after ``today`` (``prefer="next"``) or the one closest to ``today`` ("nearest").
    """
    if mention.error:
        raise ValueError(mention.error)
    if mention.relative_days is not None:
        return today + timedelta(days=mention.relative_days)
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


def local_datetime(day: date, clock: time, tz: tzinfo) -> datetime:
    """The aware datetime of ``clock`` on ``day`` in ``tz``."""
    return datetime.combine(day, clock, tzinfo=tz)


__all__ = [
    "ClockTime",
    "DateMention",
    "DatePreference",
    "Zone",
    "find_dates",
    "find_times",
    "find_zones",
    "fixed_zone",
    "local_datetime",
    "offset_label",
    "resolve_date",
]
