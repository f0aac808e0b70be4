"""Dates in a question (2026-12-10, 12月10日, Dec 10, 明天, 下周一, next Friday, 5号) and the calendar date
each one means. Like :mod:`.clock`, finders report spans and set ``error`` on an impossible date (2月30日).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from .lexicon import name_pattern
from .numbers import CN_SMALL, small_int

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


_MONTHS = {name: number for number, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_EN_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ISO_DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*(?:[-/.]|年)\s*(?P<mo>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?:\s*[日号])?(?!\d)"
)
_CN_DATE = re.compile(
    rf"(?<![\d年])(?P<mo>\d{{1,2}}|{CN_SMALL})\s*月\s*(?P<d>\d{{1,2}}|[零〇一二三四五六七八九十]{{1,3}})\s*[日号]"
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
    # "每周一共" is 每周 + 一共 (in total), "一周一起" 一起: 一 starting a word is not Monday.
    r"(?P<rel>下下个?|下个?|这个?|本|上个?)?\s*(?:周|星期|礼拜)(?P<d>[一二三四五六日天1-7])(?![次回遍个])"
    r"(?<!一(?=[共起般样直定些切致同]))"
)
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EN_WEEKDAY = re.compile(rf"\b(?:(?P<rel>next|this|coming|last|on)\s+)?(?P<d>{'|'.join(_EN_WEEKDAYS)})\b", re.ASCII)
_CN_WEEK_RULES: dict[str, WeekRule] = {"下": "next_week", "这": "this_week", "本": "this_week", "上": "last_week"}
_EN_WEEK_RULES: dict[str, WeekRule] = {"next": "after_today", "this": "coming", "coming": "coming", "last": "last"}
# "5号", "下个月 5 号", "本月15日": a day of the month. A bare "5日" is not read ("5日内" means "within 5 days").
_CN_MONTH_DAY = re.compile(
    rf"(?:(?P<mrel>下个?月|本月|这个?月|每个?月)\s*(?P<d1>\d{{1,2}}|{CN_SMALL})\s*[号日]|"
    rf"(?<![\d月年.])(?P<d2>\d{{1,2}}|{CN_SMALL})\s*号)(?![码线])"
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
_RELATIVE = name_pattern(tuple(_RELATIVE_DAYS))


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
        add(None, small_int(match.group("mo")), small_int(match.group("d")), match)
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
            day = small_int(raw)
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


DatePreference = Literal["next", "nearest", "past"]


def resolve_date(mention: DateMention, today: date, prefer: DatePreference = "next") -> date:
    """The calendar date meant: a relative day from ``today``; a written year as is; without a year, the
    next such date on or after ``today`` (``prefer="next"``), the one closest to ``today`` ("nearest"), or
    the last one on or before ``today`` ("past": an order said to be placed). Days named relative to today
    read "past" as "nearest".
    """
    if mention.error:
        raise ValueError(mention.error)
    if mention.relative_days is not None:
        return today + timedelta(days=mention.relative_days)
    relative: DatePreference = "nearest" if prefer == "past" else prefer
    if mention.weekday is not None:
        return _resolve_weekday(mention.weekday, mention.week_rule, today, relative)
    if mention.month_day is not None:
        return _resolve_month_day(mention.month_day, mention.month_offset, today, relative)
    if mention.year is not None:
        return date(mention.year, mention.month, mention.day)
    candidates = [
        date(year, mention.month, mention.day)
        for year in range(today.year - 8, today.year + 9)  # 9 years always contain a 29 February
        if mention.day <= calendar.monthrange(year, mention.month)[1]
    ]
    if prefer == "nearest":
        return min(candidates, key=lambda d: (abs((d - today).days), d < today))
    if prefer == "past":
        return max(d for d in candidates if d <= today)
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


__all__ = ["DateMention", "DatePreference", "WeekRule", "find_dates", "local_datetime", "resolve_date"]
