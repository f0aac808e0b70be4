"""Lexical matching: IDF-weighted term coverage over Chinese character n-grams and
English words, with typo tolerance from rapidfuzz.

Coverage, not BM25, because it is bounded in [0, 1] and absolute: "how much of what
the customer typed does this entry contain", which is what the no-answer threshold needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from .normalize import normalize, tokenize

_MAX_CORRECTIONS = 4096
_FUZZY_MIN = 84  # rapidfuzz ratio to accept a typo as a known word


class LexicalIndex:
    """Postings over two fields: the question texts (question + alternates) and the answer.

    Postings are sorted ``int32`` arrays, not per-entry Python sets: at 100k entries sets of
    un-interned n-gram strings cost gigabytes, and scoring by postings makes a query cost
    O(candidates × terms · log df) instead of a Python loop over every entry.
    """

    def __init__(self, question_texts: Sequence[Sequence[str]], answer_texts: Sequence[str]) -> None:
        self.n = len(answer_texts)
        text_postings: dict[str, list[int]] = {}
        answer_postings: dict[str, list[int]] = {}
        entry_postings: dict[str, set[int]] = {}
        starts: list[int] = []
        self._normalized_questions: list[str] = []
        for i, (texts, answer) in enumerate(zip(question_texts, answer_texts)):
            starts.append(len(self._normalized_questions))
            for text in texts:
                normalized = normalize(text)
                row = len(self._normalized_questions)
                self._normalized_questions.append(normalized)
                for t in set(tokenize(normalized, normalized=True)):
                    text_postings.setdefault(t, []).append(row)
                    entry_postings.setdefault(t, set()).add(i)
            for t in set(tokenize(answer)):
                answer_postings.setdefault(t, []).append(i)
                entry_postings.setdefault(t, set()).add(i)
        # question text row -> entry, and each entry's first row (texts of an entry are contiguous)
        self._text_start = np.asarray(starts, np.int64)
        self._text_owner = np.repeat(
            np.arange(self.n, dtype=np.int64), np.diff(np.append(self._text_start, len(self._normalized_questions)))
        )
        self._text_postings = {t: np.asarray(v, np.int32) for t, v in text_postings.items()}
        self._answer_postings = {t: np.asarray(v, np.int32) for t, v in answer_postings.items()}
        self._postings = {t: np.fromiter(sorted(v), np.int32, len(v)) for t, v in entry_postings.items()}
        self._idf = {t: math.log(1 + (self.n + 1) / (len(v) + 0.5)) for t, v in self._postings.items()}
        self._default_idf = math.log(1 + (self.n + 1) / 0.5)
        self._vocabulary = [t for t in self._postings if t.isascii() and len(t) >= 4]
        # Per instance, so a replaced index (KB reload) is freed with its cache; bounded against garbage input.
        self._corrections: dict[str, str] = {}

    def _correct(self, term: str) -> str:
        """Map an unknown English word to the closest known one (typos: 'subscripton')."""
        if term in self._idf or not term.isascii() or len(term) < 4 or not term.isalpha():
            return term
        cached = self._corrections.get(term)
        if cached is not None:
            return cached
        best = process.extractOne(term, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_FUZZY_MIN)
        corrected = best[0] if best else term
        if len(self._corrections) >= _MAX_CORRECTIONS:
            self._corrections.clear()
        self._corrections[term] = corrected
        return corrected

    def query_terms(self, question: str) -> list[str]:
        return [self._correct(t) for t in dict.fromkeys(tokenize(question))]

    def candidates(self, question: str, limit: int) -> np.ndarray:
        """Up to ``limit`` entries sharing the most IDF mass of the question's *rarer* terms, sorted by index.

        Terms found in more than a tenth of the entries are skipped (unless nothing else matches):
        their postings are long and their IDF small, so they cost time without changing who the
        candidates are.
        """
        terms = [t for t in self.query_terms(question) if t in self._postings]
        if not terms:
            return np.zeros(0, np.int64)
        terms.sort(key=lambda t: len(self._postings[t]))
        common = max(limit, self.n // 10)
        rare = [t for t in terms if len(self._postings[t]) <= common] or terms[:1]
        rows = np.concatenate([self._postings[t] for t in rare])
        idf = np.repeat([self._idf[t] for t in rare], [len(self._postings[t]) for t in rare])
        mass = np.bincount(rows, weights=idf)
        hit = np.flatnonzero(mass)
        if len(hit) > limit:
            hit = hit[np.argpartition(-mass[hit], limit - 1)[:limit]]
        return np.sort(hit)

    def scores(
        self, question: str, candidates: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(question-field coverage, answer-field coverage, fuzzy string similarity), each in [0, 1].

        Coverage of a field = IDF mass of the query terms found there / IDF mass of all query terms;
        for the question field, the best of the entry's question texts. With ``candidates`` (sorted
        entry indices) the arrays are for those entries only, in that order; without, for all entries.
        """
        rows = np.arange(self.n, dtype=np.int64) if candidates is None else np.asarray(candidates, np.int64)
        terms = self.query_terms(question)
        q_cov = np.zeros(len(rows), np.float32)
        a_cov = np.zeros(len(rows), np.float32)
        weights = {t: self._idf.get(t, self._default_idf) for t in terms}
        total = sum(weights.values())
        texts, starts = self._texts_of(rows)
        if total > 0 and len(rows):
            # Summed term by term in the same order as a plain Python sum, so scores are bit-identical to it.
            q_mass = np.zeros(len(texts), np.float64)
            a_mass = np.zeros(len(rows), np.float64)
            for t, w in weights.items():
                if t in self._text_postings:
                    q_mass[_member(texts, self._text_postings[t])] += w
                if t in self._answer_postings:
                    a_mass[_member(rows, self._answer_postings[t])] += w
            q_cov[:] = np.maximum.reduceat(q_mass, starts) / total
            a_cov[:] = a_mass / total
        return q_cov, a_cov, self._fuzzy(question, texts, starts, len(rows))

    def _texts_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The question-text rows of the given entries (concatenated) and where each entry's run starts."""
        start = self._text_start[rows]
        count = np.diff(np.append(self._text_start, len(self._normalized_questions)))[rows]
        offsets = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64) if len(rows) else np.zeros(0, np.int64)
        texts = np.repeat(start - offsets, count) + np.arange(int(count.sum()), dtype=np.int64)
        return texts, offsets

    def fuzzy(self, question: str, candidates: np.ndarray | None = None) -> np.ndarray:
        """Best rapidfuzz ratio between the question and each (candidate) entry's question texts."""
        rows = np.arange(self.n, dtype=np.int64) if candidates is None else np.asarray(candidates, np.int64)
        texts, starts = self._texts_of(rows)
        return self._fuzzy(question, texts, starts, len(rows))

    def _fuzzy(self, question: str, texts: np.ndarray, starts: np.ndarray, count: int) -> np.ndarray:
        query = normalize(question)
        if not query or not count:
            return np.zeros(count, np.float32)
        ratios = np.fromiter(
            (fuzz.ratio(query, self._normalized_questions[t]) for t in texts.tolist()), np.float64, len(texts)
        )
        return (np.maximum.reduceat(ratios, starts) / 100.0).astype(np.float32)


def _member(values: np.ndarray, postings: np.ndarray) -> np.ndarray:
    """Boolean mask: which of ``values`` occur in the sorted array ``postings``."""
    at = np.searchsorted(postings, values)
    at[at == len(postings)] = 0
    return postings[at] == values
