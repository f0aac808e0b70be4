"""The calculator's entry point: load the cited facts once, then answer numeric questions deterministically.

The engine calls :meth:`Calculator.try_answer` before retrieval. It returns None unless a rule applies,
so FAQ lookups ("赠金什么时候到账") are left to retrieval; otherwise an :class:`~assistant.models.Answer`
that shows the result, the formula with the user's numbers and the assumptions, citing the FAQ entries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..models import Answer, Entry, Match
from .facts import Facts, load_facts
from .messages import render
from .outcomes import CalcState, Computed, Explained, NeedInput, Outcome, Refusal, msg, state_of
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
        outcome = self._outcome(question, now)
        return None if outcome is None else to_answer(outcome, language)

    def last_state_for(self, question: str, *, now: datetime | None = None) -> CalcState | None:
        """The plain state behind the reply to ``question`` (rule, slots, what was asked for), or None when
        no rule applies. The calculator is deterministic and keeps no memory: this recomputes, with the same
        ``now`` as :meth:`try_answer`, so a conversation can ask "which rule, which inputs, what is missing"."""
        outcome = self._outcome(question, now)
        return None if outcome is None else state_of(outcome)

    def _outcome(self, question: str, now: datetime | None) -> Outcome | None:
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


def _matches(entries: Sequence[Entry]) -> tuple[Match, ...]:
    unique = {entry.id: entry for entry in entries}
    return tuple(Match.of(entry, 1.0) for entry in unique.values())


def to_answer(outcome: Outcome, language: str) -> Answer:
    """Word an outcome in ``language`` as the engine's :class:`Answer`."""
    if isinstance(outcome, Computed):
        steps = tuple(render(step, language) for step in outcome.steps)
        notes = [render(note, language) for note in outcome.notes]
        sources = "\n".join(f"- {entry.question}" for entry in dict.fromkeys(outcome.cites))
        parts = [
            render(outcome.headline, language),
            render_label("formula", language) + "\n" + "\n".join(f"- {step}" for step in steps),
        ]
        if notes:
            parts.append(render_label("notes", language) + "\n" + "\n".join(f"- {note}" for note in notes))
        parts.append(render_label("source", language) + "\n" + sources)
        return Answer(
            kind="calculation",
            answer="\n\n".join(parts),
            matches=_matches(outcome.cites),
            value=outcome.value,
            unit=outcome.unit,
            steps=steps,
            language=language,
        )
    if isinstance(outcome, Refusal):
        # Not a "calculation": that kind promises a computed value. A calculation the FAQ's rules
        # cannot do (a bad value, an unknown time zone, another currency) explains why, cites the
        # rule's entry and carries the reason in ``error``, like a question back.
        text = render(outcome.problem, language)
        return Answer(
            kind="faq",
            answer=text,
            matches=_matches((outcome.cite,)),
            entry_md=outcome.cite.answer_md,
            error=text,
            language=language,
        )
    message = outcome.ask if isinstance(outcome, NeedInput) else outcome.message
    if not isinstance(outcome, NeedInput | Explained):  # pragma: no cover - exhaustive
        raise TypeError(f"unknown outcome {outcome!r}")
    return Answer(
        kind="faq",
        answer=render(message, language),
        matches=_matches((outcome.cite,)),
        entry_md=outcome.cite.answer_md,
        language=language,
    )


def render_label(key: str, language: str) -> str:
    return render(msg(key), language)


__all__ = ["Calculator", "to_answer"]
