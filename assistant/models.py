"""Plain frozen dataclasses that flow through the engine, and their one JSON form."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

AnswerKind = Literal["faq", "calculation", "no_answer"]
Value = float | int | bool | str | tuple[float, float] | None


@dataclass(frozen=True)
class Entry:
    """One question/answer pair of the knowledge base."""

    id: str
    section: str
    question: str
    answer_md: str
    answer_text: str
    source: str  # "kb/file.md:LINE" of the question
    alternates: tuple[str, ...] = ()

    def search_texts(self) -> tuple[str, ...]:
        """The question followed by its alternative phrasings."""
        return (self.question, *self.alternates)


@dataclass(frozen=True)
class Match:
    """An entry retrieved (or cited) for a question, with its score in [0, 1]."""

    id: str
    question: str
    section: str
    score: float
    source: str

    @classmethod
    def of(cls, entry: Entry, score: float) -> Match:
        return cls(entry.id, entry.question, entry.section, round(float(score), 4), entry.source)


@dataclass(frozen=True)
class Answer:
    """What the assistant replies to one question.

    ``kind`` is ``faq`` (an FAQ entry answers it), ``calculation`` (the calculator
    computed ``value`` from the FAQ's rules) or ``no_answer``.  ``matches`` lists
    the retrieved entries, the cited rule entries, or the suggestions, best first.
    """

    kind: AnswerKind
    answer: str
    matches: tuple[Match, ...] = ()
    value: Value = None
    unit: str | None = None
    latency_ms: float = 0.0
    language: str = "zh"
    degraded: bool = False
    ambiguous: bool = False
    steps: tuple[str, ...] = ()
    error: str | None = None
    entry_md: str | None = None  # the cited FAQ answer as markdown (faq answers only)
    confidence: float | None = None  # the decision model's confidence that the entry answers it (faq / no_answer)
    best_guess: bool = False  # a faq answer given as "I think you mean", below the confident band
    highlights: tuple[str, ...] = ()  # the sentence(s) of a long entry that answer the question, shown first

    def with_latency(self, latency_ms: float) -> Answer:
        return dataclasses.replace(self, latency_ms=round(latency_ms, 2))


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def to_dict(obj: Any) -> Any:
    """Turn a dataclass tree (Answer, Match, Entry) into JSON-ready plain data."""
    return _plain(obj)


def to_json(obj: Any) -> str:
    """The single place where answers become JSON: one line, UTF-8 text kept readable."""
    return json.dumps(to_dict(obj), ensure_ascii=False, separators=(",", ":"))


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """Inverse of :func:`to_dict` for an Answer (used by tests and the app's history)."""
    matches = tuple(Match(**m) for m in data.get("matches", ()))
    value = data.get("value")
    if isinstance(value, list):
        value = (value[0], value[1])
    fields = {f.name for f in dataclasses.fields(Answer)}
    rest = {k: v for k, v in data.items() if k in fields and k not in ("matches", "value", "steps", "highlights")}
    return Answer(
        matches=matches,
        value=value,
        steps=tuple(data.get("steps", ())),
        highlights=tuple(data.get("highlights", ())),
        **rest,
    )


__all__ = ["Answer", "AnswerKind", "Entry", "Match", "Value", "answer_from_dict", "to_dict", "to_json"]
