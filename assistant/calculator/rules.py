"""The calculator's rules, in order, and the guard every number passes. Each rule reads a
:class:`.query.Query`, decides whether it applies and, if its inputs are there, computes from the facts;
the words of the reply are chosen later by :mod:`.messages`.

A rule returns None when it does not apply (the question is left to FAQ retrieval), or one outcome:

* :class:`.outcomes.Computed`: a value, the formula steps with the user's numbers, notes on assumptions;
* :class:`.outcomes.NeedInput`: the rule applies but an input is missing: ask for it, never guess;
* :class:`.outcomes.Refusal`: an input is impossible (negative, over 100%, 25:00, over 10^9): say so, no number;
* :class:`.outcomes.Explained`: the FAQ rules the computation out (Lite has no GLM-5): say so and cite the entry.

Rules are tried in :data:`RULES` order; the first one that applies answers. The rules live by family in
:mod:`.referral`, :mod:`.billing`, :mod:`.glm5`, :mod:`.quota` and :mod:`.deadlines`; their shared helpers in
:mod:`.common`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime

from .billing import renewal_charge
from .clock import ClockTime
from .common import Rule
from .dates import DateMention
from .deadlines import cancel_deadline, credit_arrival, payment_deadline, quota_refresh, zone_convert
from .facts import Facts
from .glm5 import capacity, glm5_cost, peak_check
from .lexicon import LEXICON
from .lookups import event_time, fact_lookup, glm5_multiplier, plan_quota
from .numbers import Quantity
from .outcomes import Computed, NeedInput, Outcome, Refusal, msg
from .query import Query
from .quota import mcp_quota, monthly_value, quota_compare, remaining, shared_quota
from .referral import referral_credit

log = logging.getLogger(__name__)

# Headlines of outcomes that are themselves a comparison (peak minus off-peak cost, two plans, two payments).
_DIFFERENCES = frozenset(
    {
        "head_cost_diff",
        "head_cost_change",
        "head_credit_diff",
        "head_capacity_diff",
        "head_quota_diff",
        "head_quota_ratio",
    }
)

# Order matters: the more specific rule first (a "还剩" question with GLM-5 prompts is about what is left,
# not about what they cost).
RULES: tuple[Rule, ...] = (
    fact_lookup,  # a stated number asked in its own unit, with no quantity: before the rules that would ask for one
    renewal_charge,
    referral_credit,
    remaining,
    glm5_cost,
    capacity,
    quota_compare,
    shared_quota,
    mcp_quota,
    monthly_value,
    peak_check,
    cancel_deadline,
    payment_deadline,
    credit_arrival,
    quota_refresh,
    zone_convert,
    plan_quota,
    glm5_multiplier,
    event_time,
)


def evaluate(q: Query, facts: Facts, now: datetime) -> Outcome | None:
    """The outcome of the first rule that applies (checked by :func:`guard`), or None when none does."""
    if q.has("not_computed"):
        return None  # tax, another product's plan: the FAQ (or a refusal) answers, never a number of ours
    for rule in RULES:
        outcome = rule(q, facts, now)
        if outcome is not None:
            log.debug("rule %s -> %s", rule.__name__, type(outcome).__name__)
            return _as_asked(q, guard(q, outcome))
    return None


_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}")


def _as_asked(q: Query, outcome: Outcome) -> Outcome:
    """The value in the form asked: "哪天" / "which day" asks for a date, so a date-time value is its date (the
    headline and steps still show the time)."""
    if isinstance(outcome, Computed) and isinstance(outcome.value, str) and q.has("asks_day"):
        found = _DATE_TIME.fullmatch(outcome.value)
        if found:
            return replace(outcome, value=found.group(1))
    return outcome


def guard(q: Query, outcome: Outcome) -> Outcome:
    """The invariant behind every number: no number unless each quantity, time and date of the question was
    read whole and consumed by a slot of the rule, and any money is in CNY. Otherwise ask about it."""
    if not isinstance(outcome, Computed):
        return outcome
    cite = outcome.cites[0]
    unreadable = next((x for x in q.quantities if x.unit == "malformed"), None)
    if unreadable is not None:
        return Refusal(outcome.rule, msg("bad_number", text=unreadable.text), cite)
    if q.has("foreign_currency"):
        return NeedInput(outcome.rule, msg("ask_currency"), cite)
    # "each paid" over a list of payments, one per friend, added up: nothing left to multiply.
    if q.has("multiplies") and outcome.headline.key != "head_credit_total":
        word = LEXICON["multiplies"].search(q.text)
        return NeedInput(outcome.rule, msg("ask_unused", text=word.group(0) if word else ""), cite)
    if q.has("compare") and outcome.headline.key not in _DIFFERENCES:
        return NeedInput(outcome.rule, msg("ask_compare"), cite)  # never answer one side of a comparison
    tokens: list[Quantity | ClockTime | DateMention] = [*q.quantities, *q.times, *q.dates]
    for token in sorted(tokens, key=lambda t: t.start):
        if token.start not in outcome.used:
            log.debug("rule %s left %r unconsumed", outcome.rule, token.text)
            return NeedInput(outcome.rule, msg("ask_unused", text=token.text.strip()), cite)
    return outcome


__all__ = ["RULES", "Rule", "evaluate", "guard"]
