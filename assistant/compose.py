"""Answer composition: turn ranked entries into a cited :class:`Answer`.

The FAQ text stays as written (Chinese); the framing around it (headings, "source",
"did you mean", "not covered") follows the language of the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Answer, Match
from .normalize import tokenize
from .retrieval import Scored

MAX_SUGGESTIONS = 3
MAX_RELATED = 3
# A long entry opens with the sentence(s) of its own answer that hold most of the question's terms,
# so the customer reads what answers them first and the full entry after.
KEY_SENTENCE_FROM = 160  # an answer shorter than this (characters, ~4 Chinese sentences) is read whole
KEY_SENTENCE_MIN = 0.34  # share of the question's terms a sentence must hold to be pulled out
MAX_KEY_SENTENCES = 2
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "matched": "匹配的问题",
        "source": "来源",
        "section": "分类",
        "ambiguous": "这个问题也可能是指：**{question}**（见下方相关问题）。",
        "not_covered": "抱歉，FAQ 中没有找到能回答这个问题的内容。",
        "human": "如需进一步帮助，请联系人工客服。",
        "suggestions": "你可能想问：",
        "best_guess": "不太确定你问的是不是这个，最接近的问题是：**{question}**。"
        "如果不是，请看下方的其他问题，或换个说法再问。",
        "zh_note": "",
        "key": "要点",
        "empty": "请输入一个问题。Please type a question.",
        "too_long": "问题太长了（{length} 个字符，上限 {limit}）。请缩短后再问。",
    },
    "en": {
        "matched": "Matched FAQ question",
        "source": "Source",
        "section": "Section",
        "ambiguous": "Your question may also mean: **{question}** (see the related questions below).",
        "not_covered": "Sorry, the FAQ does not cover this question.",
        "human": "Please contact human support for further help.",
        "suggestions": "Closest questions in the FAQ:",
        "best_guess": "I'm not sure this is what you mean; the closest FAQ question is **{question}**. If not, see the "
        "other questions below or rephrase.",
        "zh_note": "_The FAQ is written in Chinese; its answer is quoted as written._",
        "key": "In short (the FAQ's words)",
        "empty": "Please type a question. 请输入一个问题。",
        "too_long": "That question is too long ({length} characters, the limit is {limit}). Please shorten it.",
    },
}


def text(language: str, key: str, **values: object) -> str:
    """A framing string in the reply language (Chinese when unknown)."""
    table = TEXT.get(language, TEXT["zh"])
    return table[key].format(**values) if values else table[key]


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


def compose_faq(
    ranked: Sequence[Scored],
    language: str,
    ambiguity_margin: float,
    degraded: bool,
    confidence: float | None = None,
    best_guess: bool = False,
    question: str | None = None,
) -> Answer:
    """A cited FAQ answer from the best entry; the runner-ups become related questions.

    ``best_guess``: the decision was not confident, so the reply says it is a guess up front.
    ``question``: when given, a long entry opens with its :func:`key_sentences` for it."""
    best = ranked[0]
    entry = best.entry
    runner_up = ranked[1] if len(ranked) > 1 else None
    ambiguous = runner_up is not None and best.score - runner_up.score < ambiguity_margin
    parts = [text(language, "best_guess", question=entry.question)] if best_guess else []
    parts.append(
        f"**{text(language, 'matched')}：** {entry.question}"
        if language == "zh"
        else f"**{text(language, 'matched')}:** {entry.question}"
    )
    if language != "zh":
        parts.append(text(language, "zh_note"))
    highlights = key_sentences(question, entry.answer_text) if question else ()
    if highlights:
        sep = "：" if language == "zh" else ": "
        parts.append(f"> **{text(language, 'key')}{sep}**" + " ".join(highlights))
    parts.append(entry.answer_md)
    if ambiguous and runner_up is not None:
        parts.append(text(language, "ambiguous", question=runner_up.entry.question))
    sep = "：" if language == "zh" else ": "
    parts.append(
        f"*{text(language, 'section')}{sep}{entry.section or '—'} · {text(language, 'source')}{sep}`{entry.source}`*"
    )
    matches = tuple(Match.of(s.entry, s.score) for s in ranked[: 1 + MAX_RELATED])
    return Answer(
        kind="faq",
        answer="\n\n".join(p for p in parts if p),
        matches=matches,
        language=language,
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

    ``topic_message``: the matched out-of-scope topic's own line (e.g. "invoices: contact support")."""
    suggestions = tuple(Match.of(s.entry, s.score) for s in ranked[:MAX_SUGGESTIONS])
    if error:
        parts = [error]
    elif topic_message:  # the generic line stays first: every no_answer says plainly it is not covered
        parts = [text(language, "not_covered"), topic_message]
    else:
        parts = [text(language, "not_covered"), text(language, "human")]
    if suggestions:
        parts.append(text(language, "suggestions") + "\n" + "\n".join(f"- {m.question}" for m in suggestions))
    return Answer(
        kind="no_answer",
        answer="\n\n".join(parts),
        matches=suggestions,
        language=language,
        degraded=degraded,
        error=error,
        confidence=None if confidence is None else round(confidence, 4),
    )
