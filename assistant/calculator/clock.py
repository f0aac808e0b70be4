"""Times of day in a question (下午3点, 晚上9点半, 3pm, 15:00, noon), as spans of :func:`.numbers.prepare`-d
text; an impossible one (25:00) comes back with ``error`` set, for the rule to refuse instead of computing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time

from .numbers import CN_SMALL, small_int


@dataclass(frozen=True)
class ClockTime:
    """A time of day: 下午3点, 晚上9点半, 3pm, 15:00. ``error`` is set when it cannot exist (25:00)."""

    hour: int
    minute: int
    start: int
    end: int
    text: str
    error: str | None = None
    # Written as an hour of 1–11 with no am/pm, period word (下午) or leading zero: "4点", "4 o'clock" could be
    # 04:00 or 16:00 ("4:30" is read as 24-hour).
    twelve_hour: bool = False

    def as_time(self) -> time:
        return time(self.hour, self.minute)


# A lone 早/晚 is a period only when it is not part of 最晚/最早/提早 ("最晚 3 点" means "by 3 at the latest").
_PERIODS = "凌晨|早上|早晨|清晨|上午|中午|午后|下午|傍晚|晚上|夜里|夜间|半夜|深夜|今晚|晚间|(?<![最提])早|(?<!最)晚"
_AFTERNOON = {"午后", "下午", "傍晚"}
_EVENING = {"晚上", "夜里", "夜间", "今晚", "晚间", "晚"}
_MIDNIGHT_ISH = {"凌晨", "半夜", "深夜"}
# At most one space between 点 and the minutes: a wider gap is a blanked model name or date ("4点 GLM-5 10 个").
_CN_TIME = re.compile(
    rf"(?P<period>{_PERIODS})?\s*(?P<h>\d{{1,2}}|{CN_SMALL})\s*[点時时](?![候间段期])"
    rf"(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)|(?P<gap> ?)(?P<m>\d{{1,2}}|{CN_SMALL})\s*(?P<fen>分钟?|分)?|"
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
# "12 noon" and "12 midnight" are one time: the 12 is not a count.
_NAMED_TIMES = re.compile(r"(?:(?<![\d.])12\s*)?(?:\bnoon\b|\bmidday\b|\bmidnight\b)|正午|午夜", re.ASCII)
_PERIOD_BEFORE = re.compile(rf"(?P<period>{_PERIODS})\s*$")
_EN_PM_AFTER = re.compile(r"\s*(?:in the (?:afternoon|evening)|at night|tonight)\b", re.ASCII)
# "at 3 in the afternoon", "at 9 in the morning": an hour made a time by the words after it.
_EN_HOUR_PERIOD = re.compile(
    r"(?<![\d.])(?<!\d:)(?P<h>\d{1,2})\s*(?P<part>in the (?:morning|afternoon|evening)|at night|tonight)\b", re.ASCII
)


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
        found.append(_checked(hour, minute, start, end, text[start:end]))  # "9:00" is read as 24-hour
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
                found.append(_checked(hour + 12, 0, match.start(), match.end(), match.group(0)))
            else:
                found.append(_bare(_checked(hour, 0, match.start(), match.end(), match.group(0)), match.group("h")))
    for match in _EN_HOUR_PERIOD.finditer(text):
        if free(match.start(), match.end()):
            hour = int(match.group("h"))
            if match.group("part") != "in the morning" and hour < 12:
                hour += 12
            found.append(_checked(hour, 0, match.start(), match.end(), match.group(0)))
    for match in _NAMED_TIMES.finditer(text):
        if free(match.start(), match.end()):
            hour = 0 if match.group(0).endswith(("midnight", "午夜")) else 12
            found.append(ClockTime(hour, 0, match.start(), match.end(), match.group(0)))
    found.sort(key=lambda t: t.start)
    return found


def _chinese_time(text: str, match: re.Match[str]) -> ClockTime | None:
    period = match.group("period")
    raw_hour = match.group("h")
    hour = small_int(raw_hour)
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
            value = small_int(raw_minute)
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
    checked = _checked(_apply_period(period, hour), minute, match.start(), end, raw)
    return checked if period else _bare(checked, raw_hour)


def _bare(clock: ClockTime, raw_hour: str) -> ClockTime:
    """``clock`` marked as a 12-hour reading when its hour, as written, could be morning or afternoon."""
    if clock.error or not 1 <= clock.hour <= 11 or raw_hour.startswith("0"):
        return clock
    return replace(clock, twelve_hour=True)


__all__ = ["ClockTime", "find_times"]
