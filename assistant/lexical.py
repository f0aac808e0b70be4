"""Lexical matching: IDF-weighted term coverage over Chinese character n-grams and
English words, with typo tolerance from rapidfuzz.

Coverage, not BM25, because it is bounded in [0, 1] and absolute: "how much of what
the customer typed does this entry contain", which is what the no-answer threshold needs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from .normalize import normalize

_TOKEN = re.compile(r"[a-z][a-z0-9_.+-]*[a-z0-9]|[a-z]|\d+(?:[.:]\d+)?|[\u3400-\u9fff]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# Words that say nothing about which entry is meant.
_STOP_EN = frozenset(
    (
        "a an the is are am was were be been do does did i me my we our you your it its of to in on at for with "
        "and or if can could would should will shall how what when where which who why there this that these those "
        "please any some get got have has had not no yes so as by from about don doesn didn t s m ll ve re d"
    ).split()
)
_STOP_ZH = frozenset("的了吗呢吧啊我你您是在有和与就都也还么什怎请问一个下这那能会可以要")
_FUZZY_MIN = 84  # rapidfuzz ratio to accept a typo as a known word


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokenize(text: str, normalized: bool = False) -> list[str]:
    """Terms of a text: English words (stemmed), numbers, Chinese unigrams and bigrams."""
    text = text if normalized else normalize(text)
    terms: list[str] = []
    for tok in _TOKEN.findall(text):
        if _CJK_RUN.fullmatch(tok):
            chars = [c for c in tok]
            terms.extend(c for c in chars if c not in _STOP_ZH)
            terms.extend(tok[i : i + 2] for i in range(len(tok) - 1))
        elif tok not in _STOP_EN:
            terms.append(_stem(tok))
    return terms


class LexicalIndex:
    """Per-entry term sets over two fields: the questions (question + alternates) and the answer."""

    def __init__(self, question_texts: Sequence[Sequence[str]], answer_texts: Sequence[str]) -> None:
        self.n = len(answer_texts)
        self._questions = [[set(tokenize(t)) for t in texts] for texts in question_texts]
        self._answers = [set(tokenize(t)) for t in answer_texts]
        self._normalized_questions = [[normalize(t) for t in texts] for texts in question_texts]
        df: Counter[str] = Counter()
        for qs, ans in zip(self._questions, self._answers):
            df.update(set().union(*qs, ans))
        self._idf = {t: math.log(1 + (self.n + 1) / (c + 0.5)) for t, c in df.items()}
        self._default_idf = math.log(1 + (self.n + 1) / 0.5)
        self._vocabulary = [t for t in df if t.isascii() and len(t) >= 4]
        self._postings: dict[str, list[int]] = {}
        for i, (qs, ans) in enumerate(zip(self._questions, self._answers)):
            for t in set().union(*qs, ans):
                self._postings.setdefault(t, []).append(i)

    @lru_cache(maxsize=4096)  # noqa: B019 - the index lives as long as the process
    def _correct(self, term: str) -> str:
        """Map an unknown English word to the closest known one (typos: 'subscripton')."""
        if term in self._idf or not term.isascii() or len(term) < 4 or not term.isalpha():
            return term
        best = process.extractOne(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_FUZZY_MIN)
        return best[0] if best else term

    def query_terms(self, question: str) -> list[str]:
        return [self._correct(t) for t in dict.fromkeys(tokenize(question))]

    def scores(self, question: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(question-field coverage, answer-field coverage, fuzzy string similarity), each in [0, 1].

        Coverage of a field = IDF mass of the query terms found there / IDF mass of all query terms.
        """
        terms = self.query_terms(question)
        q_cov = np.zeros(self.n, np.float32)
        a_cov = np.zeros(self.n, np.float32)
        weights = {t: self._idf.get(t, self._default_idf) for t in terms}
        total = sum(weights.values())
        if total > 0:
            candidates = {i for t in terms for i in self._postings.get(t, ())}
            for i in candidates:
                best = 0.0
                for text_terms in self._questions[i]:
                    best = max(best, sum(w for t, w in weights.items() if t in text_terms))
                q_cov[i] = best / total
                a_cov[i] = sum(w for t, w in weights.items() if t in self._answers[i]) / total
        return q_cov, a_cov, self.fuzzy(question)

    def fuzzy(self, question: str) -> np.ndarray:
        """Best rapidfuzz ratio between the question and each entry's question texts."""
        query = normalize(question)
        out = np.zeros(self.n, np.float32)
        if not query:
            return out
        for i, texts in enumerate(self._normalized_questions):
            out[i] = max(fuzz.ratio(query, t) for t in texts) / 100.0
        return out
