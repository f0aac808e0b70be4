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
    """A value with the formula steps (the user's numbers) and notes on the assumptions made."""

    rule: str
    value: Value
    unit: str | None
    headline: Msg
    steps: tuple[Msg, ...]
    notes: tuple[Msg, ...]
    cites: tuple[Entry, ...]  # main entry first


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


__all__ = ["Computed", "Explained", "Msg", "NeedInput", "Outcome", "Refusal", "msg"]
