"""Answer composition: every kind of :class:`Answer` is built here, as parts, and rendered once.

``compose_faq`` (a retrieved entry), ``compose_no_answer``, ``compose_calculation`` (the calculator's outcome,
at the engine's boundary) and ``compose_computed`` (any computed value, the conversation's sums included)
build an :class:`AnswerParts`; :func:`render` is the one renderer that turns parts into the markdown of
``Answer.answer``. The FAQ text stays as written (Chinese); the framing around it (headings, "source",
"did you mean", "not covered") follows the language of the question, from :mod:`assistant.ui_text`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .models import Answer, AnswerParts, Citation, Entry, Match, Value
from .normalize import tokenize
from .ui_text import label, source_link

if TYPE_CHECKING:
    from .calculator.outcomes import Outcome
    from .retrieval import Scored

MAX_SUGGESTIONS = 3
MAX_RELATED = 3
# A long entry opens with the sentence(s) of its own answer that hold most of the question's terms,
# so the customer reads what answers them first and the full entry after.
KEY_SENTENCE_FROM = 160  # an answer shorter than this (characters, ~4 Chinese sentences) is read whole
KEY_SENTENCE_MIN = 0.34  # share of the question's terms a sentence must hold to be pulled out
MAX_KEY_SENTENCES = 2
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")

def text(language: str, key: str, **values: object) -> str:
    """A framing string in the reply language, from the one string table (:func:`assistant.ui_text.label`:
    Chinese when the language is unknown)."""
    return label(language, key, **values)


def key_sentences(question: str, answer_text: str) -> tuple[str, ...]:
    """The sentence(s) of a long answer that hold most of the question's terms (Chinese bigrams and
    words), in the answer's order; empty for a short answer or when no sentence holds enough of them."""
    if len(answer_text) < KEY_SENTENCE_FROM:
        return ()
    terms = {t for t in tokenize(question) if len(t) >= 2}
    sentences = list(dict.fromkeys(m.strip() for m in _SENTENCE.findall(answer_text) if len(m.strip()) >= 8))
    if not terms or len(sentences) < 3:
        return ()
    cover = [len(terms & set(tokenize(sentence))) / len(terms) for sentence in sentences]
    best = max(cover)
    if best < KEY_SENTENCE_MIN:
        return ()
    order = sorted(range(len(sentences)), key=lambda i: (-cover[i], i))[:MAX_KEY_SENTENCES]
    return tuple(sentences[i] for i in sorted(order) if cover[i] >= 0.8 * best)


def citation(entry: Entry | Match, faq_url: str | None = None) -> Citation:
    """The citation of an entry (or a match of one): its question, source, section and published link."""
    link = source_link(faq_url, entry.question) if faq_url else None
    return Citation(title=entry.question, source=entry.source, section=entry.section, link=link)


def _sep(language: str) -> str:
    return "：" if language == "zh" else ": "


def matched_line(language: str, question: str) -> str:
    """"Matched question: …" in ``language``, as the text and the chat both show it."""
    colon = "：" if language == "zh" else ":"
    return f"**{text(language, 'matched')}{colon}** {question}"


def labelled_list(language: str, key: str, lines: Any) -> str:
    """A framing label (``key``) over a bulleted list of ``lines``: the formula, the notes, the sources."""
    return text(language, key) + "\n" + _bullets(lines)


def render(parts: AnswerParts) -> str:
    """The one renderer: the markdown of ``Answer.answer`` from an answer's parts (blocks joined by a blank
    line, empty ones left out). ``related`` questions and the ``message`` form's cited entry are not part
    of the text (the chat offers them with widgets; ``matches`` and ``entry_md`` carry them in the JSON)."""
    lang = parts.language
    sep = _sep(lang)
    blocks: list[str] = [parts.headline]
    if parts.form == "entry":
        best = parts.citations[0] if parts.citations else None
        if best is not None:
            blocks.append(matched_line(lang, best.title))
        if lang != "zh":
            blocks.append(text(lang, "zh_note"))
        if parts.highlights:
            blocks.append(f"> **{text(lang, 'key')}{sep}**" + " ".join(parts.highlights))
        blocks.append(parts.body_md or "")
        blocks.extend(parts.notes)
        if best is not None:
            blocks.append(
                f"*{text(lang, 'section')}{sep}{best.section or '—'} · {text(lang, 'source')}{sep}`{best.source}`*"
            )
    elif parts.form == "calculation":
        if parts.steps:
            blocks.append(labelled_list(lang, "calc_formula", parts.steps))
        if parts.notes:
            blocks.append(labelled_list(lang, "calc_notes", parts.notes))
        if parts.citations:
            blocks.append(labelled_list(lang, "calc_source", (c.title for c in parts.citations)))
    elif parts.form == "not_covered":
        blocks.extend(parts.notes)
        if parts.suggestions:
            blocks.append(labelled_list(lang, "closest", parts.suggestions))
    return "\n\n".join(b for b in blocks if b)


def _bullets(lines: Any) -> str:
    return "\n".join(f"- {line}" for line in lines)


def answer_of(parts: AnswerParts, **fields: Any) -> Answer:
    """The :class:`Answer` carrying ``parts``, its ``answer`` rendered from them by :func:`render`."""
    return Answer(answer=render(parts), language=parts.language, parts=parts, **fields)


def compose_faq(
    ranked: Sequence[Scored],
    language: str,
    ambiguity_margin: float,
    degraded: bool,
    confidence: float | None = None,
    best_guess: bool = False,
    question: str | None = None,
    faq_url: str | None = None,
) -> Answer:
    """A cited FAQ answer from the best entry; the runner-ups become related questions.

    ``best_guess``: the decision was not confident, so the reply says it is a guess up front.
    ``question``: when given, a long entry opens with its :func:`key_sentences` for it.
    ``faq_url``: the published FAQ (``ASSISTANT_FAQ_URL``), for the citations' links."""
    best = ranked[0]
    entry = best.entry
    runner_up = ranked[1] if len(ranked) > 1 else None
    ambiguous = runner_up is not None and best.score - runner_up.score < ambiguity_margin
    highlights = key_sentences(question, entry.answer_text) if question else ()
    related = ranked[1 : 1 + MAX_RELATED]
    parts = AnswerParts(
        form="entry",
        language=language,
        headline=text(language, "best_guess", question=entry.question) if best_guess else "",
        highlights=highlights,
        body_md=entry.answer_md,
        notes=(text(language, "ambiguous", question=runner_up.entry.question),)
        if ambiguous and runner_up is not None
        else (),
        citations=(citation(entry, faq_url),),
        related=tuple(s.entry.question for s in related),
    )
    return answer_of(
        parts,
        kind="faq",
        matches=tuple(Match.of(s.entry, s.score) for s in ranked[: 1 + MAX_RELATED]),
        degraded=degraded,
        ambiguous=ambiguous,
        entry_md=entry.answer_md,
        confidence=None if confidence is None else round(confidence, 4),
        best_guess=best_guess,
        highlights=highlights,
    )


def compose_no_answer(
    ranked: Sequence[Scored],
    language: str,
    degraded: bool,
    error: str | None = None,
    confidence: float | None = None,
    topic_message: str | None = None,
) -> Answer:
    """Say plainly that the FAQ does not cover it, point to human support, list the closest questions.

    ``topic_message``: the matched out-of-scope topic's own line (e.g. "invoices: contact support").
    ``error``: why the question was refused (empty, too long): said instead of "not covered"."""
    suggestions = tuple(Match.of(s.entry, s.score) for s in ranked[:MAX_SUGGESTIONS])
    notes: tuple[str, ...] = ()
    if error:
        headline = error
    else:  # the generic line stays first: every no_answer says plainly it is not covered
        headline, notes = text(language, "not_covered"), (topic_message or text(language, "human"),)
    parts = AnswerParts(
        form="not_covered",
        language=language,
        headline=headline,
        notes=notes,
        suggestions=tuple(m.question for m in suggestions),
        handoff=True,
    )
    return answer_of(
        parts,
        kind="no_answer",
        matches=suggestions,
        degraded=degraded,
        error=error,
        confidence=None if confidence is None else round(confidence, 4),
    )


def _cited(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """``entries`` without repeats (by id), first occurrence kept: the main entry stays first."""
    return tuple({entry.id: entry for entry in entries}.values())


def compose_computed(
    *,
    headline: str,
    steps: Sequence[str],
    notes: Sequence[str],
    cites: Sequence[Entry],
    value: Value,
    unit: str | None,
    language: str,
    faq_url: str | None = None,
) -> Answer:
    """A ``calculation`` answer: the result line, the formula step by step, the notes, the cited rules."""
    entries = _cited(cites)
    parts = AnswerParts(
        form="calculation",
        language=language,
        headline=headline,
        steps=tuple(steps),
        notes=tuple(notes),
        citations=tuple(citation(entry, faq_url) for entry in entries),
    )
    return answer_of(
        parts,
        kind="calculation",
        matches=tuple(Match.of(entry, 1.0) for entry in entries),
        value=value,
        unit=unit,
        steps=tuple(steps),
    )


def compose_calculation(outcome: Outcome, language: str, faq_url: str | None = None) -> Answer:
    """The answer to a calculator outcome, built from its fields (the engine's boundary with the calculator).

    A computed value is a ``calculation``. A question back (a missing input), a refusal (an impossible
    input: its reason is also the ``error``) or an explanation (the FAQ rules it out) is a ``faq`` answer
    whose headline is the calculator's message, citing the rule's entry (``body_md``, shown on demand)."""
    from .calculator.messages import render as word
    from .calculator.outcomes import Computed, Explained, NeedInput, Refusal

    if isinstance(outcome, Computed):
        return compose_computed(
            headline=word(outcome.headline, language),
            steps=[word(step, language) for step in outcome.steps],
            notes=[word(note, language) for note in outcome.notes],
            cites=outcome.cites,
            value=outcome.value,
            unit=outcome.unit,
            language=language,
            faq_url=faq_url,
        )
    if isinstance(outcome, Refusal):
        message = outcome.problem
    elif isinstance(outcome, NeedInput):
        message = outcome.ask
    elif isinstance(outcome, Explained):
        message = outcome.message
    else:  # pragma: no cover - exhaustive
        raise TypeError(f"unknown calculator outcome {outcome!r}")
    said = word(message, language)
    cite = outcome.cite
    parts = AnswerParts(
        form="message", language=language, headline=said, body_md=cite.answer_md, citations=(citation(cite, faq_url),)
    )
    return answer_of(
        parts,
        kind="faq",
        matches=(Match.of(cite, 1.0),),
        entry_md=cite.answer_md,
        error=said if isinstance(outcome, Refusal) else None,
    )
