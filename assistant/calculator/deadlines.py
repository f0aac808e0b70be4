"""Dates and times: the last day to cancel auto-renewal (cancel_deadline), a referred friend's
72-hour payment deadline (payment_deadline), when a referral credit arrives (credit_arrival), and when used
quota comes back or the weekly quota renews (quota_refresh).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

from ..models import Entry
from .common import is_mcp, moment_used
from .facts import Facts
from .moments import Moment, find_moment, iso, show, zone_note
from .numbers import small_int
from .outcomes import Computed, Explained, Msg, NeedInput, Outcome, Refusal, msg
from .query import Query

# A date written without a year that lands over a week ahead could be last year's as well as next year's
# (said in November, "3月1日" is either): the last one for an event spoken of as done, else asked about.
_AHEAD_UNSURE = timedelta(days=7)


def _event_moment(q: Query, facts: Facts, now: datetime, rule: str, entry: Entry) -> Moment | Outcome | None:
    """When an event happened or will (an order, a click on the invite link, a payment): a date without a year
    is the nearest such date when that is past or at most a week ahead (customers' tenses are loose: "clicked
    on Dec 3", said on 27 November); further ahead, the last one when the event is spoken of as done ("下的单",
    "clicked"), else the date is asked about. A :class:`Refusal` for a bad moment."""
    moment = find_moment(q, facts, now, prefer="nearest")
    if isinstance(moment, Msg):
        return Refusal(rule, moment, entry)
    yearless = [d for d in q.dates if d.year is None and d.month and d.relative_days is None]
    if moment is None or not yearless or moment.at - now <= _AHEAD_UNSURE:
        return moment
    if not q.has("done"):
        return NeedInput(rule, msg("ask_unused", text=yearless[0].text.strip()), entry)
    past = find_moment(q, facts, now, prefer="past")
    return Refusal(rule, past, entry) if isinstance(past, Msg) else past

def cancel_deadline(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Latest day to cancel auto-renewal: the billing date minus 3 days."""
    if not q.has("cancel"):
        return None
    entry = facts.entry("cancel_days_before")
    if not q.dates:
        if q.has("latest") and not q.has("how_many"):
            return NeedInput("cancel_deadline", msg("ask_billing_date", days=facts.number("cancel_days_before")), entry)
        return None
    if not q.has("deadline", "billing", "latest"):
        return None  # "If I cancel on Dec 10, when does my plan end?": that date is not a billing date
    moment = find_moment(q, facts, now, use_clock=False)
    if isinstance(moment, Msg):
        return Refusal("cancel_deadline", moment, entry)
    if moment is None:  # pragma: no cover - a date is present
        return None
    days = facts.number("cancel_days_before")
    latest = moment.at - timedelta(days=int(days))
    notes = [msg("note_cancel", days=days)]
    if q.dates[0].year_assumed:
        notes.append(msg("note_year_assumed", date=f"{moment.at:%Y-%m-%d}"))
    today = now.astimezone(moment.at.tzinfo).date()
    if q.has("in_time"):  # "现在取消还来得及吗" / "too late to cancel?": a yes or no, from today
        in_time = today <= latest.date()
        return Computed(
            "cancel_deadline",
            in_time,
            None,
            msg("head_cancel_in_time" if in_time else "head_cancel_too_late", date=f"{latest:%Y-%m-%d}"),
            (msg("step_cancel", billing=f"{moment.at:%Y-%m-%d}", days=days, date=f"{latest:%Y-%m-%d}"),),
            (*notes, msg("note_today", date=f"{today:%Y-%m-%d}")),
            (entry,),
            moment_used(q) | {d.start for d in q.dates if d.relative_days == 0},  # "今天取消": the day it is asked
            (("billing_date", f"{moment.at:%Y-%m-%d}"),),
        )
    if latest.date() < today:
        notes.append(msg("note_cancel_passed"))
    return Computed(
        "cancel_deadline",
        f"{latest:%Y-%m-%d}",
        None,
        msg("head_cancel", date=f"{latest:%Y-%m-%d}"),
        (msg("step_cancel", billing=f"{moment.at:%Y-%m-%d}", days=days, date=f"{latest:%Y-%m-%d}"),),
        tuple(notes),
        (entry,),
        moment_used(q),
        (("billing_date", f"{moment.at:%Y-%m-%d}"),),
    )


def payment_deadline(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A referred friend must pay within 72 hours of arriving through the invite link."""
    if not q.has("friend", "invite") or not q.has("pay_deadline"):
        return None
    if q.has("referral") and q.has("credit_arrival"):
        return None
    entry = facts.entry("payment_window_hours")
    moment = _event_moment(q, facts, now, "payment_deadline", entry)
    if not isinstance(moment, Moment):
        return moment
    hours = facts.number("payment_window_hours")
    deadline = moment.at + timedelta(hours=int(hours))
    with_time = moment.time_given
    value = iso(deadline, with_time)
    notes = [zone_note(moment)]
    if moment.time_given and not moment.date_given and not moment.from_clock:
        notes.append(msg("note_today_assumed", date=f"{moment.at:%Y-%m-%d}"))
    if not with_time:
        notes.append(msg("note_same_time"))
    return Computed(
        "payment_deadline",
        value,
        None,
        msg("head_pay_by", when=show(deadline, with_time)),
        (msg("step_plus_hours", start=show(moment.at, with_time), hours=hours, end=show(deadline, with_time)),),
        tuple(notes),
        (entry,),
        moment_used(q),
        (("start", iso(moment.at, with_time)),),
    )


def credit_arrival(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A referral credit arrives 24–48 hours after the friend pays; after 72 hours, contact support."""
    if not q.has("referral"):
        return None
    asks_support = q.has("support")
    if not asks_support and not (q.has("credit_arrival") and q.has("which_time")):
        return None
    entry = facts.entry("credit_arrival_hours")
    moment = _event_moment(q, facts, now, "credit_arrival", entry)
    if not isinstance(moment, Moment):
        return moment  # None: "赠金什么时候到账", the FAQ answers it
    early_h, late_h = facts.pair("credit_arrival_hours")
    support_h = facts.number("contact_support_after_hours")
    with_time = moment.time_given
    early = moment.at + timedelta(hours=int(early_h))
    late = moment.at + timedelta(hours=int(late_h))
    support = moment.at + timedelta(hours=int(support_h))
    steps = (
        msg("step_plus_hours", start=show(moment.at, with_time), hours=early_h, end=show(early, with_time)),
        msg("step_plus_hours", start=show(moment.at, with_time), hours=late_h, end=show(late, with_time)),
        msg("step_plus_hours", start=show(moment.at, with_time), hours=support_h, end=show(support, with_time)),
    )
    notes = [zone_note(moment)]
    if moment.time_given and not moment.date_given and not moment.from_clock:
        notes.append(msg("note_today_assumed", date=f"{moment.at:%Y-%m-%d}"))
    if asks_support:
        headline = msg("head_support", when=show(support, with_time))
        value = iso(support, with_time)
    else:
        headline = msg(
            "head_arrival",
            early=show(early, with_time),
            late=show(late, with_time),
            support=show(support, with_time),
        )
        value = iso(late, with_time)
    slots = (("paid_at", iso(moment.at, with_time)),)
    return Computed("credit_arrival", value, None, headline, steps, tuple(notes), (entry,), moment_used(q), slots)


def quota_refresh(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """Used quota comes back 5 hours after use; the weekly quota renews every 7 days from the order."""
    comes_back = q.has("refresh") or (q.has("returns") and q.has("quota_word"))
    if not comes_back or q.has("referral") or is_mcp(q) or "month" in q.windows:
        return None
    weekly = "week" in q.windows
    entry = facts.entry("weekly_period_days" if weekly else "quota_refresh_hours")
    premise: list[int] = []
    if weekly:
        # "resets every Monday, right?": a weekday the customer supposes; the reset counts from the order instead.
        spans = [m.span() for m in _EVERY_WEEKDAY.finditer(q.text)]
        premise = [d.start for d in q.dates if any(a <= d.start and d.end <= b for a, b in spans)]
        q = replace(q, dates=tuple(d for d in q.dates if d.start not in premise))
    if weekly:
        # "我3月1日下的单", said in November: the order was placed last March, not next March.
        moment = _event_moment(q, facts, now, "quota_refresh", entry)
    else:
        found = find_moment(q, facts, now, prefer="nearest")
        moment = Refusal("quota_refresh", found, entry) if isinstance(found, Msg) else found
    if not isinstance(moment, Moment):
        return moment
    if weekly:
        if not q.has("ordered"):
            return None
        days = facts.number("weekly_period_days")
        period = timedelta(days=int(days))
        with_time = moment.time_given
        start = show(moment.at, with_time)
        used = moment_used(q)
        slots: tuple[tuple[str, object], ...] = (("ordered_at", iso(moment.at, with_time)),)
        nth = _ordinal(q)
        if nth is not None:
            number, spot = nth
            reset = moment.at + number * period
            head = msg("head_week_reset_nth", n=number, when=show(reset, with_time))
            step = msg("step_week_reset_nth", start=start, n=number, days=days, end=show(reset, with_time))
            used, slots = used | spot, (*slots, ("nth", number))
        else:
            reset = moment.at + period
            while reset <= now:
                reset += period
            head = msg("head_week_reset", when=show(reset, with_time))
            step = msg("step_week_reset", start=start, days=days, end=show(reset, with_time))
        value = iso(reset, with_time)
        supposed = (msg("note_not_weekday", days=days),) if premise else ()
        used |= frozenset(premise)
        return Computed(
            "quota_refresh", value, None, head, (step,), (zone_note(moment), *supposed), (entry,), used, slots
        )
    if not moment.time_given:
        return None
    hours = facts.number("quota_refresh_hours")
    if q.has("hit_limit"):
        # The 5-hour quota is rolling: each request's quota comes back 5 hours after that request, so the time
        # the limit was reached gives no refresh time. Say so, and ask when the requests were sent.
        return Explained("quota_refresh", msg("explain_rolling", hours=hours, time=q.times[0].text.strip()), entry)
    back = moment.at + timedelta(hours=int(hours))
    notes = [zone_note(moment), msg("note_rolling_window", hours=hours)]
    # "used at 10:00 UTC, when is it back in Beijing time?": a second zone is the one the answer is wanted in.
    target = next((z for z in q.zones if z.error is None and z.label != moment.zone), None)
    converted = back.astimezone(target.tz) if target is not None and not moment.zone_assumed else None
    final = converted if converted is not None else back
    if moment.date_given and q.has("asks_clock"):
        # "今天 13:20 用完，几点恢复" asks a clock time: the value is "HH:MM", the headline keeps the date.
        value, when, computed = f"{final:%H:%M}", show(final, True), show(back, True)
    elif moment.date_given:
        value, when, computed = iso(final, True), show(final, True), show(back, True)
    else:
        value, when, computed = f"{final:%H:%M}", f"{final:%H:%M}", f"{back:%H:%M}"
        if final.date() != moment.at.date():
            notes.insert(0, msg("note_next_day"))
    steps = [
        msg(
            "step_plus_hours",
            start=show(moment.at, True) if moment.date_given else f"{moment.at:%H:%M}",
            hours=hours,
            end=computed,
        )
    ]
    if converted is not None and target is not None:
        steps.append(msg("step_convert", start=computed, source=moment.zone_text, end=when, target=target.label))
    return Computed(
        "quota_refresh",
        value,
        None,
        msg("head_refresh", when=when),
        tuple(steps),
        tuple(notes),
        (entry,),
        moment_used(q),
        (("used_at", value),),
    )


_EVERY_WEEKDAY = re.compile(
    r"\b(?:every|each|on) (?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|"
    r"每(?:个)?(?:周|星期|礼拜)\s*[一二三四五六日天1-7]",
    re.ASCII,
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "首": 1}
_ORDINAL = re.compile(
    r"(?:第\s*(?P<n>\d+|[一二两三四五六七八九十]+)\s*次|(?P<cn>首)次|\b(?P<en>first|second|third|fourth|fifth)\b)",
    re.ASCII,
)


def _ordinal(q: Query) -> tuple[int, frozenset[int]] | None:
    """ "第一次 / 首次 / the first / the second" reset, and where its numeral starts (a consumed quantity)."""
    match = _ORDINAL.search(q.text)
    if match is None:
        return None
    raw = match.group("n")
    if raw is None:
        return _ORDINALS[match.group("cn") or match.group("en")], frozenset()
    spot = frozenset(x.start for x in q.quantities if match.start() <= x.start < match.end())
    value = small_int(raw)
    if value is None or not 1 <= value <= 520:
        return None
    return value, spot


def zone_convert(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """A time of day stated in one zone, asked in another ("10:00 Beijing time: what time is that in New York?").

    The value is the time of day asked for ("22:00"); the date it falls on in the other zone is in the headline.
    Without a date, a zone that changes with daylight saving makes two answers possible: the date is asked for.
    """
    if not q.has("which_time") or len(q.times) != 1 or q.counts() or len(q.dates) > 1:
        return None
    if q.has("glm5", "referral", "refresh", "cancel", "pay_deadline", "peak", "offpeak"):
        return None
    clock = q.times[0]
    if clock.error or len(q.zones) != 2:
        return None
    entry = facts.entry("peak_utc_offset")
    source = q.zone_near(clock.start, clock.end)
    target = next((z for z in q.zones if z is not source), None)
    if source is None or target is None or source.label == target.label:
        return None
    if source.error or target.error:
        bad = source if source.error else target
        return Refusal("zone_convert", msg("ask_zone", text=bad.label.strip()), entry)
    results = {}
    clocks = [now] if q.dates else [now, now.replace(month=1, day=15), now.replace(month=7, day=15)]
    for at in clocks:
        moment = find_moment(replace(q, zones=(source,)), facts, at)
        if isinstance(moment, Msg):
            return Refusal("zone_convert", moment, entry)
        if moment is None:  # pragma: no cover - a time is written
            return None
        converted = moment.at.astimezone(target.tz)
        results[f"{converted:%H:%M}"] = (moment, converted)
    if len(results) > 1:
        times = tuple(sorted(results))
        return NeedInput("zone_convert", msg("ask_convert_date", zone=target.label, times=times), entry)
    moment, converted = next(iter(results.values()))
    start = show(moment.at, True) if moment.date_given else f"{moment.at:%H:%M}"
    end = show(converted, True) if moment.date_given else f"{converted:%H:%M}"
    notes = [zone_note(moment)]
    if moment.date_given and converted.date() != moment.at.date():
        notes.append(msg("note_other_day", date=f"{converted:%Y-%m-%d}", zone=target.label))
    return Computed(
        "zone_convert",
        f"{converted:%H:%M}",
        None,
        msg("head_convert", start=start, source=moment.zone_text, end=end, target=target.label),
        (msg("step_convert", start=start, source=moment.zone_text, end=end, target=target.label),),
        tuple(notes),
        (entry,),
        moment_used(q),
        (("time", iso(moment.at, True)), ("converted", iso(converted, True))),
    )


__all__ = ["cancel_deadline", "credit_arrival", "payment_deadline", "quota_refresh", "zone_convert"]
