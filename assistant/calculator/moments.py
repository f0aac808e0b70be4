"""When a question is about: the date and time it names (or "now"), in which zone, and whether that moment
falls in the GLM-5 peak window. Times without a zone are read in the FAQ's own zone (UTC+8, a fact).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from decimal import Decimal

from .dates import DatePreference, local_datetime, resolve_date
from .facts import Facts
from .outcomes import Msg, msg
from .query import Query
from .zones import fixed_zone, offset_label

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
    """Peak or off-peak: from a time of day if one is given, else from the words "高峰"/"off-peak", else the clock."""
    window = peak_window_text(facts)
    moment = find_moment(q, facts, now, use_clock=False)
    if isinstance(moment, Msg):
        return moment
    if moment is None or not moment.time_given:
        if q.has("offpeak"):
            return PeakStatus(False, msg("basis_said_offpeak", window=window))
        if q.has("peak"):
            return PeakStatus(True, msg("basis_said_peak", window=window))
        moment = find_moment(q, facts, now, use_clock=True)
        if not isinstance(moment, Moment):
            return moment
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
