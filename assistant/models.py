"""Plain frozen dataclasses that flow through the engine, and their one JSON form."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

AnswerKind = Literal["faq", "calculation", "no_answer"]
# How the parts of an answer are laid out: a retrieved FAQ entry, a calculator's message (a question back,
# a refusal, an explanation), a computed value with its formula, or "the FAQ does not cover this".
PartsForm = Literal["entry", "message", "calculation", "not_covered"]
PARTS_FORMS: tuple[PartsForm, ...] = ("entry", "message", "calculation", "not_covered")
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
class Citation:
    """An FAQ entry an answer comes from: its question as the title, ``kb/file.md:LINE``, its section, and
    its address on the published FAQ (``ASSISTANT_FAQ_URL`` + the entry's anchor) when one is configured."""

    title: str
    source: str
    section: str = ""
    link: str | None = None


@dataclass(frozen=True)
class AnswerParts:
    """An answer as parts, before any rendering: :func:`assistant.compose.render` turns them into the markdown
    of :attr:`Answer.answer`, and the web chat lays the same parts out with its own widgets.

    Every text is ready to show in ``language`` (framing) or as the FAQ wrote it (entries, questions).
    ``headline`` is the reply's own opening line: the computed result, the calculator's message, the
    not-covered sentence (or why the question was refused), or the best-guess notice; it is empty for a
    confident FAQ answer, whose entry is the answer (its ``highlights`` first when it is long).
    """

    form: PartsForm
    language: str = "zh"
    headline: str = ""
    highlights: tuple[str, ...] = ()  # the sentence(s) of a long entry that best match the question
    body_md: str | None = None  # the FAQ entry as written ("entry"; the cited rule's entry for "message")
    steps: tuple[str, ...] = ()  # the calculator's formula, one step a line
    notes: tuple[str, ...] = ()  # assumptions (calculation), "may also mean" (entry), where to turn (not_covered)
    citations: tuple[Citation, ...] = ()  # the entries the answer comes from, main one first
    suggestions: tuple[str, ...] = ()  # closest FAQ questions when not covered (listed in the text)
    related: tuple[str, ...] = ()  # runner-up questions of an FAQ answer (offered, not in the text)
    handoff: bool = False  # the reply sends the customer to human support


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
    parts: AnswerParts | None = None  # what ``answer`` is rendered from (None: an answer stored before parts)

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


def parts_from_dict(data: dict[str, Any]) -> AnswerParts:
    """Inverse of :func:`to_dict` for :class:`AnswerParts` (lists become tuples, citations dataclasses)."""
    fields = {f.name for f in dataclasses.fields(AnswerParts)}
    plain = {k: v for k, v in data.items() if k in fields}
    for name in ("highlights", "steps", "notes", "suggestions", "related"):
        plain[name] = tuple(plain.get(name, ()))
    plain["citations"] = tuple(Citation(**c) for c in plain.get("citations", ()))
    return AnswerParts(**plain)


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """Inverse of :func:`to_dict` for an Answer (used by tests and the app's history)."""
    matches = tuple(Match(**m) for m in data.get("matches", ()))
    value = data.get("value")
    if isinstance(value, list):
        value = (value[0], value[1])
    fields = {f.name for f in dataclasses.fields(Answer)}
    special = ("matches", "value", "steps", "highlights", "parts")
    rest = {k: v for k, v in data.items() if k in fields and k not in special}
    parts = data.get("parts")
    return Answer(
        matches=matches,
        value=value,
        steps=tuple(data.get("steps", ())),
        highlights=tuple(data.get("highlights", ())),
        parts=parts_from_dict(parts) if isinstance(parts, dict) else None,
        **rest,
    )


__all__ = [
    "PARTS_FORMS",
    "Answer",
    "AnswerKind",
    "AnswerParts",
    "Citation",
    "Entry",
    "Match",
    "PartsForm",
    "Value",
    "answer_from_dict",
    "parts_from_dict",
    "to_dict",
    "to_json",
]
