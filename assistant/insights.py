"""Insights for the support team, drawn from the stored questions and votes: the records the insights
page shows, unanswered questions grouped by similarity (:func:`group_similar`) and CSV exports that a
spreadsheet opens safely (:func:`rows_csv`, :func:`csv_bytes`). The store (:mod:`assistant.feedback`)
reads the rows; this module shapes them."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from .normalize import CJK, normalize

# Grouping compares every unanswered question with every group so far; the newest rows are what
# the support team acts on, and the cap keeps the page fast however large the file grows.
MAX_GROUPED_ROWS = 2000
GROUP_SIMILARITY = 70.0  # rapidfuzz token_set_ratio 0..100; on our out-of-scope set 70 joins rephrasings, not topics
MAX_VARIANTS = 5

_CJK_CHAR = re.compile(f"([{CJK}])")
# Question words and particles say how something is asked, not what about: without dropping them,
# short questions like 可以退款吗 / 可以开发票吗 look alike. Longest first, so 为什么 goes before 什么.
_ZH_FILLER = re.compile(
    "|".join(
        sorted(
            "请问 为什么 怎么样 怎么 怎样 如何 什么 哪里 哪些 可不可以 可以 能不能 能否 是否 是不是 有没有 "
            "一下 我们 你们 我 你 吗 呢 吧 啊 呀 的 了 是 能 会 要 想".split(),
            key=len,
            reverse=True,
        )
    )
)
_EN_FILLER = frozenset(
    "a an the i me my we our you your it its is are was be do does did can could would should will how what "
    "when where why which who to of for in on at by with and or please there any some this that".split()
)
# Spreadsheets run a cell that starts with one of these as a formula; questions are customer text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Vote:
    """One stored thumbs vote."""

    turn_id: str
    voted_at: str
    question: str
    language: str
    kind: str
    entry_id: str | None
    entry_question: str | None
    score: int


@dataclass(frozen=True)
class UnansweredGroup:
    """Similar questions that the FAQ did not answer (no_answer) or answered badly (thumbs-down)."""

    question: str  # the most frequent wording
    count: int
    no_answer: int
    thumbs_down: int
    last_asked: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class EntryHits:
    """How often an FAQ entry answered (or was cited by a calculation)."""

    entry_id: str
    entry_question: str
    hits: int


@dataclass(frozen=True)
class EntryVotes:
    """Thumbs per cited entry; ``entry_id`` is None for votes on no_answer replies."""

    entry_id: str | None
    entry_question: str | None
    up: int
    down: int

    @property
    def ratio(self) -> float:
        """Share of thumbs-up among the votes (0..1)."""
        return self.up / (self.up + self.down) if self.up + self.down else 0.0


@dataclass(frozen=True)
class DayCount:
    """Questions asked on one UTC day, and how many of them the FAQ did not answer."""

    day: str
    questions: int
    unanswered: int


@dataclass(frozen=True)
class Summary:
    """Totals for the insights page header."""

    questions: int
    unanswered: int
    votes_up: int
    votes_down: int
    handoffs: int = 0


def _tokens(question: str) -> str:
    """The words that carry a question's topic, each Chinese character a token (word order matters little)."""
    text = normalize(question)
    tokens = _CJK_CHAR.sub(r" \1 ", _ZH_FILLER.sub(" ", text)).split()
    tokens = [t for t in tokens if t not in _EN_FILLER]
    return " ".join(tokens) or " ".join(_CJK_CHAR.sub(r" \1 ", text).split())


def group_similar(rows: Sequence[tuple[str, str, str]], similarity: float = GROUP_SIMILARITY) -> list[UnansweredGroup]:
    """Group ``(question, when, reason)`` rows whose normalised wordings are alike (rapidfuzz)."""
    wordings: dict[str, Counter[str]] = {}
    reasons: dict[str, Counter[str]] = {}
    last: dict[str, str] = {}
    for question, when, reason in rows:
        key = _tokens(question) or question
        wordings.setdefault(key, Counter())[question] += 1
        reasons.setdefault(key, Counter())[reason] += 1
        last[key] = max(last.get(key, ""), when)
    # Biggest wordings first, so each group is named by its most common phrasing.
    keys = sorted(wordings, key=lambda k: (-sum(wordings[k].values()), k))
    group_of: dict[str, str] = {}
    heads: list[str] = []
    for key in keys:
        if " " not in key:
            # One topic word (你好 -> 好) is a subset of many questions; it only groups with itself.
            group_of[key] = key
            continue
        found = process.extractOne(key, heads, scorer=fuzz.token_set_ratio, score_cutoff=similarity) if heads else None
        if found is None:
            heads.append(key)
            group_of[key] = key
        else:
            group_of[key] = found[0]
    members: dict[str, list[str]] = {}
    for key in keys:
        members.setdefault(group_of[key], []).append(key)
    groups = []
    for keys_in_group in members.values():
        variants: Counter[str] = Counter()
        why: Counter[str] = Counter()
        for key in keys_in_group:
            variants.update(wordings[key])
            why.update(reasons[key])
        ranked = [text for text, _ in variants.most_common()]
        groups.append(
            UnansweredGroup(
                question=ranked[0],
                count=sum(variants.values()),
                no_answer=why["no_answer"],
                thumbs_down=why["thumbs_down"],
                last_asked=max(last[key] for key in keys_in_group),
                variants=tuple(ranked[:MAX_VARIANTS]),
            )
        )
    groups.sort(key=lambda g: g.last_asked, reverse=True)
    groups.sort(key=lambda g: g.count, reverse=True)  # stable: equal counts stay newest first
    return groups


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(v) for v in row])
    return buffer.getvalue()


def rows_csv(rows: Sequence[Any]) -> str:
    """CSV of a list of the dataclasses above (header from the field names; tuples joined by ' | ')."""
    if not rows:
        return ""
    fields = [f.name for f in dataclasses.fields(rows[0])]
    plain = [
        [" | ".join(v) if isinstance(v, tuple) else v for v in (getattr(row, name) for name in fields)] for row in rows
    ]
    return _csv(fields, plain)


def csv_bytes(text: str) -> bytes:
    """CSV text as bytes a spreadsheet opens with Chinese intact (UTF-8 with a byte-order mark)."""
    return text.encode("utf-8-sig")


__all__ = [
    "GROUP_SIMILARITY",
    "MAX_GROUPED_ROWS",
    "DayCount",
    "EntryHits",
    "EntryVotes",
    "Summary",
    "UnansweredGroup",
    "Vote",
    "csv_bytes",
    "group_similar",
    "rows_csv",
]
