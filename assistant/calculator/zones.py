"""Time zones named in a question ("UTC+1", "北京时间", "London time", "Asia/Tokyo", "东八区"). A zone that
does not exist (UTC+25) or names two zones (CST) comes back with ``error`` set: asked about, never assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .lexicon import name_pattern
from .numbers import CN_SMALL, small_int


@dataclass(frozen=True)
class Zone:
    """A time zone named in the question ("UTC", "北京时间", "GMT+1", "London time")."""

    tz: tzinfo
    label: str  # what the answer calls it: "UTC+8", "UTC", "UTC+1", "Europe/London"
    start: int
    end: int
    error: str | None = None  # set for a zone that does not exist or cannot be told apart (UTC+25, CST)
    # For a name that could mean several zones (IST, CST, "Europe", "澳洲"): the zones it may mean, as IANA
    # keys. ``error`` stays set: a rule whose answer does not depend on which one is meant may try them all.
    candidates: tuple[str, ...] = ()


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
    "Europe/London": ("london", "伦敦", "uk time", "英国时间"),
    "Europe/Paris": ("paris", "巴黎", "cet", "cest", "central european"),
    "Europe/Berlin": ("berlin", "柏林", "germany time", "德国时间"),
    "Europe/Moscow": ("moscow", "莫斯科"),
    "America/New_York": (
        "new york",
        "纽约",
        "eastern time",
        "est",
        "edt",
        "美国东部",
        "美东",
        "美国东岸",
        "us east",
        "east coast",
        "us eastern",
        "boston",
        "波士顿",
    ),
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
        "美国西部",
        "美西",
        "美国西岸",
        "us west",
        "west coast",
        "us pacific",
        "pacific",  # "10:30 pm Pacific": the ocean is never a clock in these questions
    ),
    "Asia/Tokyo": ("tokyo", "东京", "japan time", "日本时间", "jst"),
    "Asia/Seoul": ("seoul", "首尔", "korea time", "韩国时间", "kst"),
    "Asia/Singapore": ("singapore", "新加坡", "sgt"),
    "Asia/Hong_Kong": ("hong kong", "香港", "hkt"),
    "Asia/Kolkata": (
        "india time",
        "印度时间",
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
    "America/Chicago": ("chicago", "芝加哥", "central time", "cdt", "美国中部", "美中"),
    "Australia/Perth": ("perth", "珀斯"),
    "Australia/Brisbane": ("brisbane", "布里斯班"),
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
_CN_OFFSET = re.compile(rf"(?P<dir>东|西)(?P<h>\d{{1,2}}|{CN_SMALL})区")
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
_AMBIGUOUS = re.compile(r"\b(?:ist|cst|bst|ast|amt|gst|sst)\b", re.ASCII)
_WORD_TIME = re.compile(r"\b(?P<w>[a-z]{2,4})\s+time\b", re.ASCII)
_NOT_ZONES = frozenset(
    "peak same what any free my this that next one real the some long work rush busy each last due its your our his "
    "her at on in by for of off a an per full part run bed tea play down up high low new old much more less no it is "
    "was all both half good best nice lock wall down over from to of".split()
)
_VALID_MINUTES = (0, 30, 45)
# Places that span several time zones ("我在美国", "I'm in Europe", "澳洲") and words for a local time that
# is not named ("my time", "当地时间"): a time written with them is asked about, never read as Beijing time.
_EUROPE = (
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Europe/Samara",
)
_US = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
_AUSTRALIA = ("Australia/Perth", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney")
_CANADA = (
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/Winnipeg",
    "America/Edmonton",
    "America/Vancouver",
)
_RUSSIA = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
)
_BRAZIL = ("America/Noronha", "America/Sao_Paulo", "America/Manaus", "America/Rio_Branco")
_MEXICO = ("America/Cancun", "America/Mexico_City", "America/Mazatlan", "America/Tijuana")
_INDONESIA = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
_SEVERAL_ZONES: dict[str, tuple[str, ...]] = {
    "美国": _US,
    "欧洲": _EUROPE,
    "澳洲": _AUSTRALIA,
    "澳大利亚": _AUSTRALIA,
    "加拿大": _CANADA,
    "俄罗斯": _RUSSIA,
    "巴西": _BRAZIL,
    "墨西哥": _MEXICO,
    "印尼": _INDONESIA,
    "印度尼西亚": _INDONESIA,
    "europe": _EUROPE,
    "america": _US,
    "the us": _US,
    "the usa": _US,
    "the states": _US,
    "australia": _AUSTRALIA,
    "canada": _CANADA,
    "russia": _RUSSIA,
    "brazil": _BRAZIL,
    "mexico": _MEXICO,
    "indonesia": _INDONESIA,
}
# Abbreviations that name several zones: IST is India, Israel or Irish Standard Time; CST is China or US Central
# (or Cuba); BST is British Summer Time or Bangladesh Standard Time. The others are asked about without trying
# their readings.
_AMBIGUOUS_CANDIDATES: dict[str, tuple[str, ...]] = {
    "ist": ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"),
    "cst": ("Asia/Shanghai", "America/Chicago", "America/Havana"),
    # British Summer Time is UTC+1 (a fixed offset, so Etc/GMT-1), Bangladesh Standard Time UTC+6.
    "bst": ("Etc/GMT-1", "Asia/Dhaka"),
}
_UNNAMED_LOCAL = re.compile(
    r"\b(?:my|our|local|his|her|their|the local)\s+(?:local\s+)?(?:time|timezone|time zone|clock)\b|\blocal\b|"
    r"\bwhere i (?:live|am)\b|\bserver (?:logs?|time)\b|(?<=[ap]m )here\b|\bover here\b|"
    r"\bhere (?:it's|it is)\b|当地时间|本地时间|当地|我这边(?:的)?时间|"
    r"我这里(?:的)?时间|我们这边|我的时间|我这边|服务器时间|服务器日志",
    re.ASCII,
)


def _iana(name: str) -> str | None:
    """The IANA key spelt as zoneinfo knows it, for a lower-cased name ("asia/kolkata" -> "Asia/Kolkata")."""
    from zoneinfo import available_timezones

    return {key.lower(): key for key in available_timezones()}.get(name)


_BEIJING_RE = name_pattern(_BEIJING)
_UTC_RE = name_pattern(_UTC_NAMES)
_NAMED_RE = [(key, name_pattern(names)) for key, names in _NAMED_ZONES.items()]
_SEVERAL_RE = name_pattern(tuple(_SEVERAL_ZONES))


def find_zones(text: str) -> list[Zone]:
    """Every time zone named in ``text``, in reading order (overlaps resolved: "UTC+1" is one zone)."""
    found: list[Zone] = []

    def free(start: int, end: int) -> bool:
        return all(end <= z.start or start >= z.end for z in found)

    def bad(match: re.Match[str], why: str, candidates: tuple[str, ...] = ()) -> None:
        found.append(Zone(UTC, match.group(0), match.start(), match.end(), error=why, candidates=candidates))

    def offset(match: re.Match[str], negative: bool) -> None:
        hours, minutes = int(match.group("h")), int(match.group("m") or 0)
        if hours * 60 + minutes > 14 * 60 or minutes not in _VALID_MINUTES:
            bad(match, "no such UTC offset")
            return
        tz = fixed_zone(-hours if negative else hours, minutes) if hours or minutes else UTC
        found.append(Zone(tz, offset_label(tz.utcoffset(None)), match.start(), match.end()))

    for match in _ISO_OFFSET.finditer(text):
        offset(match, (match.group("sign") or match.group("plus")) == "-")
    for match in _ISO_Z.finditer(text):
        found.append(Zone(UTC, "UTC", match.start(), match.end()))
    for match in _IANA.finditer(text):
        key = _iana(match.group(0))
        if key is None:
            bad(match, "unknown time zone name")
        else:
            found.append(Zone(ZoneInfo(key), key, match.start(), match.end()))
    for match in _OFFSET.finditer(text):
        if free(match.start(), match.end()):
            offset(match, match.group("sign") in "-−")
    for match in _CN_OFFSET.finditer(text):
        value = small_int(match.group("h"))
        if value is None or value > 12 or not free(match.start(), match.end()):
            continue
        hours = value * (1 if match.group("dir") == "东" else -1)
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
    for match in _SEVERAL_RE.finditer(text):
        if free(match.start(), match.end()):
            bad(match, "a place with several time zones", _SEVERAL_ZONES[match.group(0)])
    for match in _UNNAMED_LOCAL.finditer(text):
        if free(match.start(), match.end()):
            bad(match, "a local time whose zone is not named")
    for match in _AMBIGUOUS.finditer(text):
        if free(match.start(), match.end()):
            bad(match, "ambiguous time zone abbreviation", _AMBIGUOUS_CANDIDATES.get(match.group(0), ()))
    for match in _WORD_TIME.finditer(text):
        if free(match.start(), match.end()) and match.group("w") not in _NOT_ZONES:
            bad(match, "unknown time zone")
    found.sort(key=lambda z: z.start)
    return found


__all__ = ["Zone", "find_zones", "fixed_zone", "offset_label"]
