"""What a rule returns, before it is worded: a computed value, a request for a missing input, a refusal of
an impossible input, or an explanation that the FAQ rules the computation out.

Texts are not written here: a :class:`Msg` names a template of :mod:`.messages` and carries its arguments,
so that one outcome can be worded in Chinese or English.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Entry, Value


@dataclass(frozen=True)
class Msg:
    """A message to be worded by :mod:`.messages`: a template key and its arguments (numbers, text, Msgs)."""

    key: str
    args: tuple[tuple[str, Any], ...] = ()

    def arguments(self) -> dict[str, Any]:
        return dict(self.args)


def msg(key: str, **args: Any) -> Msg:
    return Msg(key, tuple(args.items()))


@dataclass(frozen=True)
class Computed:
    """A value with the formula steps (the user's numbers) and notes on the assumptions made.

    ``used`` lists where each quantity, time and date of the question that fed a slot starts (offsets into
    :attr:`.query.Query.text`): :func:`.rules.evaluate` refuses to answer when the question holds one that
    no slot consumed. ``slots`` are the inputs by name, as plain data (see :class:`CalcState`).
    """

    rule: str
    value: Value
    unit: str | None
    headline: Msg
    steps: tuple[Msg, ...]
    notes: tuple[Msg, ...]
    cites: tuple[Entry, ...]  # main entry first
    used: frozenset[int] = frozenset()
    slots: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class NeedInput:
    """The rule applies but an input is missing: ask for it (never guess) and show the FAQ entry."""

    rule: str
    ask: Msg
    cite: Entry


@dataclass(frozen=True)
class Refusal:
    """An input is impossible (negative, over 100%, 25:00, over 10^9): say so, and give no number."""

    rule: str
    problem: Msg
    cite: Entry


@dataclass(frozen=True)
class Explained:
    """The FAQ rules the computation out (Lite has no GLM-5): say so and cite the entry."""

    rule: str
    message: Msg
    cite: Entry


Outcome = Computed | NeedInput | Refusal | Explained


@dataclass(frozen=True)
class CalcState:
    """Plain data about the calculator's reply to one question, for a follow-up turn in a conversation.

    ``rule`` is the rule that took the question ("referral_credit", "glm5_cost"...); ``slots`` its inputs by
    name as plain JSON-ready values (numbers as strings of the exact Decimal); ``missing`` names what the reply
    asked for (None when a number was computed); ``kind`` is "computed", "asked", "refused" or "explained".
    """

    rule: str
    kind: str
    slots: dict[str, Any]
    missing: str | None = None


def state_of(outcome: Outcome) -> CalcState:
    """The :class:`CalcState` of an outcome."""
    if isinstance(outcome, Computed):
        return CalcState(outcome.rule, "computed", {k: _plain(v) for k, v in outcome.slots})
    if isinstance(outcome, NeedInput):
        return CalcState(outcome.rule, "asked", {}, outcome.ask.key)
    if isinstance(outcome, Refusal):
        return CalcState(outcome.rule, "refused", {}, outcome.problem.key)
    return CalcState(outcome.rule, "explained", {}, None)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


__all__ = ["CalcState", "Computed", "Explained", "Msg", "NeedInput", "Outcome", "Refusal", "msg", "state_of"]
