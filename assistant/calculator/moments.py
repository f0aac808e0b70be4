"""When a question is about: the date and time it names (or "now"), in which zone, and whether that moment
falls in the GLM-5 peak window. Times without a zone are read in the FAQ's own zone (UTC+8, a fact).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, time, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from .dates import DatePreference, local_datetime, resolve_date
from .facts import Facts
from .outcomes import Msg, msg
from .query import Query
from .zones import Zone, fixed_zone, offset_label

log = logging.getLogger(__name__)


def home_zone(facts: Facts) -> tuple[tzinfo, str]:
    """The FAQ's own zone (UTC+8): times without a zone are read in it."""
    tz = fixed_zone(int(facts.number("peak_utc_offset")))
    return tz, offset_label(tz.utcoffset(None))


@dataclass(frozen=True)
class Moment:
    """The date and/or time a question is about, resolved to an aware datetime."""

    at: datetime
    zone: str  # label of the zone the user meant (or the assumed UTC+8)
    zone_assumed: bool
    date_given: bool
    time_given: bool
    from_clock: bool

    @property
    def zone_text(self) -> str:
        offset = offset_label(self.at.utcoffset())
        return self.zone if self.zone.startswith("UTC") else f"{self.zone} ({offset})"


def find_moment(
    q: Query, facts: Facts, now: datetime, *, use_clock: bool = True, prefer: DatePreference = "next"
) -> Moment | Msg | None:
    """The single moment the question names (a date, a time of day, both, or "now"), or an error message.

    ``prefer`` places a date written without a year: "next" (a billing date is ahead) or "nearest"
    (when a friend arrived or paid: usually a few days ago, sometimes just ahead).
    """
    for named in q.zones:
        if named.error:
            log.debug("refusing: %s %r", named.error, named.label)
            return msg("ask_zone", text=named.label.strip())
    for written_time in q.times:
        if written_time.error:
            log.debug("refusing: %s", written_time.error)
            return msg("bad_time", text=written_time.text.strip())
    for written_date in q.dates:
        if written_date.error:
            log.debug("refusing: %s", written_date.error)
            return msg("bad_date", text=written_date.text.strip())
    clock = q.times[0] if q.times else None
    day = q.dates[0] if q.dates else None
    home_tz, home_label = home_zone(facts)
    if clock is None and day is None:
        if not (use_clock and q.has("now")):
            return None
        zone = q.zones[0] if q.zones else None
        tz, label = (zone.tz, zone.label) if zone else (home_tz, home_label)
        return Moment(now.astimezone(tz), label, zone is None, True, True, True)
    span = clock if clock is not None else day
    if span is None:  # pragma: no cover - one of them is set
        return None
    zone = q.zone_near(span.start, span.end)
    tz, label = (zone.tz, zone.label) if zone else (home_tz, home_label)
    today = now.astimezone(tz).date()
    try:
        resolved = resolve_date(day, today, prefer=prefer) if day is not None else today
    except ValueError:
        return msg("bad_date", text=day.text.strip() if day is not None else "")
    at = local_datetime(resolved, clock.as_time() if clock else time(0), tz)
    return Moment(at, label, zone is None, day is not None, clock is not None, False)


@dataclass(frozen=True)
class PeakStatus:
    peak: bool
    basis: Msg


def peak_window_text(facts: Facts) -> str:
    start, end = facts.times("peak_window")
    return f"{start:%H:%M}–{end:%H:%M} ({home_zone(facts)[1]})"


def peak_status(q: Query, facts: Facts, now: datetime) -> PeakStatus | Msg | None:
    """Peak or off-peak: from a time of day if one is given, else from the words "高峰"/"off-peak", else the clock.

    A time whose zone could be several ("9am IST", "3pm, I'm in Europe") or whose offset depends on daylight
    saving and no date is given ("New York 1am") is read every way it can be: when every reading gives the
    same verdict that verdict is the answer (the basis says so); otherwise the zone or the date is asked for.
    """
    clock = q.times[0] if q.times else None
    if clock is not None and clock.twelve_hour:
        # "4点", "4:30": 04:00 or 16:00. Answered when both readings give one verdict ("9点": off-peak either
        # way), otherwise asked.
        morning = peak_status(replace(q, times=(replace(clock, twelve_hour=False), *q.times[1:])), facts, now)
        evening = replace(clock, hour=clock.hour + 12, twelve_hour=False)
        afternoon = peak_status(replace(q, times=(evening, *q.times[1:])), facts, now)
        if isinstance(morning, PeakStatus) and isinstance(afternoon, PeakStatus) and morning.peak != afternoon.peak:
            return msg("ask_meridiem", text=clock.text.strip(), window=peak_window_text(facts))
        return morning
    readings = _readings(q, facts, now)
    if readings is None:
        return _peak_status(q, facts, now)
    kind, label, variants = readings
    if kind == "one":
        return _peak_status(variants[0][0], facts, variants[0][1])
    seen: dict[tuple[str, bool], None] = {}
    verdicts: list[PeakStatus] = []
    for variant, at in variants:
        status = _peak_status(variant, facts, at)
        moment = find_moment(variant, facts, at, use_clock=False)
        if not isinstance(status, PeakStatus) or not isinstance(moment, Moment):
            return status if isinstance(status, Msg) else msg("ask_zone", text=label)
        verdicts.append(status)
        seen[(f"{moment.at.astimezone(home_zone(facts)[0]):%H:%M}", status.peak)] = None
    home = home_zone(facts)[1]
    times = tuple(sorted({t for t, _ in seen}))
    if len({v.peak for v in verdicts}) > 1:
        return msg(
            "ask_zone_readings" if kind == "zone" else "ask_dst_date",
            text=label,
            readings=tuple((t, p) for t, p in sorted(seen)),
            home=home,
        )
    peak = verdicts[0].peak
    return PeakStatus(
        peak,
        msg(
            "basis_readings", text=label, times=times, home=home, inside=peak, window=peak_window_text(facts), kind=kind
        ),
    )


# A place or a local time: "I'm in Europe, 3pm local" names the place once and its local time once.
_UNNAMED = "a local time whose zone is not named"


def _readings(q: Query, facts: Facts, now: datetime) -> tuple[str, str, list[tuple[Query, datetime]]] | None:
    """The ways to read the time of ``q``, each a variant of the question with one concrete zone and the clock
    that places an undated time: ("zone", label, variants) for a zone name that could be several, ("dst", label,
    variants) for a zone whose offset changes with daylight saving when no date is given, ("one", "", [variant])
    when there is one reading, or None when the question's zones cannot be read (asked about as they are)."""
    named = [z for z in q.zones if not (z.error == _UNNAMED and len(q.zones) > 1)]
    several = [z for z in named if z.candidates]
    if any(z.error and not z.candidates for z in named) or len(several) > 1:
        return None
    variants = [replace(q, zones=tuple(named))]
    if several:
        zone = several[0]
        variants = [
            replace(q, zones=tuple(Zone(ZoneInfo(key), key, zone.start, zone.end) if z is zone else z for z in named))
            for key in zone.candidates
        ]
    first = find_moment(variants[0], facts, now, use_clock=False)
    if not isinstance(first, Moment) or not first.time_given:
        return "one", "", [(variants[0], now)]  # no time written: the zone does not matter
    clocks = [now, now.replace(month=1, day=15), now.replace(month=7, day=15)]
    out = [(variant, clock) for variant in variants for clock in (clocks if not first.date_given else clocks[:1])]
    offsets = {_offset(v, facts, c) for v, c in out}
    if several:
        return "zone", _shown(several[0].label.strip()), out
    if len(offsets) > 1:
        return "dst", first.zone, out
    return "one", "", [(variants[0], now)]


def _shown(label: str) -> str:
    """A zone name as customers write it: "IST", "Europe", "澳洲" (the text is read lower-cased)."""
    if not label.isascii():
        return label
    return label.upper() if len(label) <= 4 else label.title()


def _offset(q: Query, facts: Facts, now: datetime) -> object:
    moment = find_moment(q, facts, now, use_clock=False)
    return moment.at.utcoffset() if isinstance(moment, Moment) else None


def _peak_status(q: Query, facts: Facts, now: datetime) -> PeakStatus | Msg | None:
    """:func:`peak_status` for a question with one reading of its time."""
    window = peak_window_text(facts)
    moment = find_moment(q, facts, now, use_clock=False)
    if isinstance(moment, Msg):
        return moment
    if moment is None or not moment.time_given:
        if q.has("offpeak"):
            return PeakStatus(False, msg("basis_said_offpeak", window=window))
        if q.has("peak"):
            return PeakStatus(True, msg("basis_said_peak", window=window))
        # A date alone ("today", "11月29日") does not say whether the prompts were sent at peak: only "now" or a
        # time of day does. The date is dropped so that "today, right now" reads the clock.
        moment = find_moment(replace(q, dates=()) if q.has("now") else q, facts, now, use_clock=True)
        if not isinstance(moment, Moment):
            return moment
        if not moment.time_given:
            return None
    start, end = facts.times("peak_window")
    home_tz, home_label = home_zone(facts)
    local = moment.at.astimezone(home_tz)
    # The FAQ's "14:00～18:00" is read as [14:00, 18:00): at 18:00 sharp the peak is over.
    inside = start <= local.time() < end
    converted = "" if moment.zone == home_label else f"{local:%H:%M} {home_label}"
    key = "basis_clock" if moment.from_clock else "basis_time"
    basis = msg(
        key,
        time=f"{moment.at:%H:%M}",
        zone=moment.zone_text,
        converted=converted,
        window=window,
        inside=inside,
        assumed=moment.zone_assumed,
    )
    return PeakStatus(inside, basis)


def multiplier(facts: Facts, peak: bool) -> Decimal:
    at_peak, off_peak = facts.pair("glm5_multipliers")
    return at_peak if peak else off_peak


def iso(moment_at: datetime, with_time: bool) -> str:
    return f"{moment_at:%Y-%m-%dT%H:%M}" if with_time else f"{moment_at:%Y-%m-%d}"


def show(at: datetime, with_time: bool) -> str:
    if with_time:
        return f"{at:%Y-%m-%d %H:%M}"
    return f"{at:%Y-%m-%d}"


def zone_note(moment: Moment) -> Msg:
    return msg("note_zone", zone=moment.zone_text, assumed=moment.zone_assumed, clock=moment.from_clock)


__all__ = [
    "Moment",
    "PeakStatus",
    "find_moment",
    "home_zone",
    "iso",
    "multiplier",
    "peak_status",
    "peak_window_text",
    "show",
    "zone_note",
]
