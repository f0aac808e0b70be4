"""The calculator's entry point: load the cited facts once, then answer numeric questions deterministically.

The engine calls :meth:`Calculator.outcome` before retrieval. It returns None unless a rule applies,
so FAQ lookups ("赠金什么时候到账") are left to retrieval; otherwise the unworded result (a value with its
formula and assumptions, a question back, a refusal, an explanation), citing the FAQ entries, which
:func:`assistant.compose.compose_calculation` words. :meth:`Calculator.try_answer` does both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..models import Answer, Entry
from .facts import Facts, load_facts
from .outcomes import CalcState, Outcome, state_of
from .query import analyze
from .rules import evaluate

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Calculator:
    """Deterministic answers to the FAQ's numeric questions (referral credit, GLM-5 quota, dates...)."""

    facts: Facts

    @classmethod
    def load(cls, facts_path: Path, entries: Sequence[Entry]) -> Calculator:
        """Load and check ``facts_path`` against the FAQ ``entries``.

        Raises :class:`~assistant.errors.KnowledgeBaseError` (file:line) when the facts file is unreadable
        or malformed, cites a question that is not among ``entries``, or disagrees with the FAQ text.
        """
        return cls(load_facts(Path(facts_path), entries))

    def try_answer(self, question: str, *, language: str, now: datetime | None = None) -> Answer | None:
        """A calculation for ``question``, a request for a missing input, or None when no rule applies.

        ``language`` ("zh" or "en") is the reply's language; ``now`` is the clock (timezone-aware),
        the current time when None.
        """
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
        from ..compose import compose_calculation  # composition sits above the calculator; imported late

        outcome = self.outcome(question, now)
        return None if outcome is None else compose_calculation(outcome, language)

    def last_state_for(self, question: str, *, now: datetime | None = None) -> CalcState | None:
        """The plain state behind the reply to ``question`` (rule, slots, what was asked for), or None when
        no rule applies. The calculator is deterministic and keeps no memory: this recomputes, with the same
        ``now`` as :meth:`try_answer`, so a conversation can ask "which rule, which inputs, what is missing"."""
        outcome = self.outcome(question, now)
        return None if outcome is None else state_of(outcome)

    def outcome(self, question: str, now: datetime | None = None) -> Outcome | None:
        """The computed result, question back or explanation for ``question`` (unworded), or None when no
        rule applies; :func:`assistant.compose.compose_calculation` words it as an answer."""
        if now is None:
            now = datetime.now(UTC)
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be a timezone-aware datetime")
        if not isinstance(question, str) or not question.strip():
            return None
        try:
            return evaluate(analyze(question, self.facts.plans), self.facts, now)
        except Exception:
            # The calculator is a layer in front of retrieval: a bug here must cost one calculation,
            # not the whole answer. Logged with its traceback so that it gets fixed.
            log.exception("calculator failed on %r; falling back to retrieval", question[:200])
            return None


__all__ = ["Calculator"]
