"""Hybrid retrieval: dense (FAISS) plus lexical scores fused by one documented function.

The score of an entry for a question is

    score = w_dense_q · D(max cosine to the entry's question and alternates)
          + w_dense_a · D(max cosine to the entry's answer passages)
          + w_lex_q   · IDF coverage of the question's terms by the question/alternates
          + w_lex_a   · IDF coverage of the question's terms by the answer
          + w_fuzzy   · best rapidfuzz ratio to the question/alternates

where D(s) = clip((s - floor) / (1 - floor), 0, 1) rescales a cosine from the model's
"unrelated questions" level (measured at build time, see ``index._score_floor``), so
the same weights and threshold work for models with narrow or wide cosine ranges.
A long answer is embedded as several passages (``index.answer_passages``); the dense answer
term is the best of them, so it keeps the scale of a single passage's cosine.
All terms are in [0, 1] and the weights sum to 1, so the score is in [0, 1].
Without a model (degraded mode) the dense weights are moved onto the lexical terms.

Scale: up to ``SCORE_ALL_UP_TO`` entries every entry is scored. Above it, only candidates
are: the entries FAISS returned plus those sharing the most IDF mass of the question's
rarer terms (``LexicalIndex.candidates``); the others score 0 on every term, so the cost of
a query no longer grows with the KB (rapidfuzz over 100k entries alone took ~100 ms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .embedding import Encoder
from .index import FIELD_ANSWER, HNSW_EF_SEARCH, LoadedIndex
from .lexical import LexicalIndex
from .models import Entry

DENSE_CANDIDATES = 256  # units fetched from FAISS on large indexes before fusion
# Up to this many entries every entry is scored (exact fusion, ~1 ms of lexical work at 2,000);
# above it only candidates are: the dense hits plus the entries sharing the query's rarest terms.
SCORE_ALL_UP_TO = 2_000
LEXICAL_CANDIDATES = 256  # entries taken from the lexical postings on large KBs (see LexicalIndex.candidates)
SINGLE_THREAD_SEARCH_FROM = 4_096  # vectors; smaller searches never start OpenMP threads anyway


def _faiss() -> Any:
    import faiss  # already imported by the index loader; imported here lazily to keep it optional for tests

    return faiss


@dataclass(frozen=True)
class Weights:
    # Chosen by top-1 accuracy over the tuning and dev sets (benchmarks/experiments/rank_lab.py):
    # against 0.50/0.10/0.25/0.05/0.10 the character-level terms carry more, because customers'
    # typos, traditional characters and code-switching move the small encoder more than they move
    # characters; checked on a fresh validation set and on both transfer FAQs (RESULTS.md, round four).
    dense_q: float = 0.25
    dense_a: float = 0.15
    lex_q: float = 0.25
    lex_a: float = 0.10
    fuzzy: float = 0.25

    def lexical_only(self) -> Weights:
        lexical = self.lex_q + self.lex_a + self.fuzzy
        scale = 1.0 / lexical
        return Weights(0.0, 0.0, self.lex_q * scale, self.lex_a * scale, self.fuzzy * scale)


@dataclass(frozen=True)
class Scored:
    """One entry's fused score and the parts it came from (for explanations and calibration)."""

    entry: Entry
    score: float
    dense_q: float
    dense_a: float
    lex_q: float
    lex_a: float
    fuzzy: float


class Retriever:
    """Ranks the entries of a :class:`LoadedIndex` for a question."""

    def __init__(self, index: LoadedIndex, encoder: Encoder | None, weights: Weights | None = None) -> None:
        self.index = index
        self.encoder = encoder
        self.weights = weights or Weights()
        entries = index.entries
        self.lexical = LexicalIndex([e.search_texts() for e in entries], [e.answer_text for e in entries])
        # row -> is an answer passage; a lookup table, not np.isin over all answer rows per query
        self._is_answer = np.array([f == FIELD_ANSWER for f in index.unit_field], bool)
        hnsw = getattr(index.faiss_index, "hnsw", None)
        if hnsw is not None and hnsw.efSearch < HNSW_EF_SEARCH:
            hnsw.efSearch = HNSW_EF_SEARCH  # a search-time setting: indexes built with a narrower one get it too
        if len(self._is_answer) and not self._is_answer.any():
            # A large KB indexed without answer vectors (index.ANSWER_VECTORS_UP_TO): the answer's dense
            # weight moves to the question's, so scores keep their scale and the threshold its meaning.
            w = self.weights
            self.weights = replace(w, dense_q=w.dense_q + w.dense_a, dense_a=0.0)

    @property
    def degraded(self) -> bool:
        return self.encoder is None

    def encode(self, texts: Sequence[str]) -> np.ndarray | None:
        """Query vectors for ``texts`` in one encoder call (``None`` without a model)."""
        if self.encoder is None or not texts:
            return None
        return self.encoder.encode_queries(list(texts))

    def _dense(self, question: str, vector: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rescaled dense scores of every entry (0 where FAISS did not return it) and the entries it returned."""
        n = len(self.index.entries)
        floor = np.float32(self.index.manifest.score_floor)
        answer_floor = np.float32(self.index.manifest.answer_floor)
        dense_q = np.zeros(n, np.float32)
        dense_a = np.zeros(n, np.float32)
        if self.encoder is None or n == 0:
            return dense_q, dense_a, np.zeros(0, np.int64)
        query = self.encoder.encode_queries([question]) if vector is None else vector.reshape(1, -1)
        total = self.index.faiss_index.ntotal
        k = total if total <= 4 * DENSE_CANDIDATES else DENSE_CANDIDATES
        if total > SINGLE_THREAD_SEARCH_FROM:
            # One query gains nothing from OpenMP threads, and on a busy 2-core box their barriers cost
            # 10x: exact search of 100k vectors took 160 ms with 2 threads, 24 ms with 1 (RESULTS.md).
            # The setting is per calling thread (OpenMP ICV), so each serving thread sets its own.
            _faiss().omp_set_num_threads(1)
        sims, rows = self.index.faiss_index.search(query, k)
        sims, rows = sims[0], rows[0]
        keep = rows >= 0
        sims, rows = sims[keep], rows[keep]
        owners = self.index.unit_entry[rows]
        is_answer = self._is_answer[rows]
        floors = np.where(is_answer, answer_floor, floor)
        scaled = np.clip((sims - floors) / (1.0 - floors), 0.0, 1.0).astype(np.float32)
        np.maximum.at(dense_q, owners[~is_answer], scaled[~is_answer])
        np.maximum.at(dense_a, owners[is_answer], scaled[is_answer])
        return dense_q, dense_a, owners.astype(np.int64)

    def rank(self, question: str, top_k: int = 5, vector: np.ndarray | None = None) -> list[Scored]:
        """The ``top_k`` best entries, best first. ``vector``: the question's query vector, if already encoded."""
        weights = self.weights if self.encoder is not None else self.weights.lexical_only()
        dense_q, dense_a, hits = self._dense(question, vector)
        rows: np.ndarray | None = None
        if len(self.index.entries) > SCORE_ALL_UP_TO:
            # Large KB: lexical scoring (and rapidfuzz above all) only for candidates, not a loop over all.
            rows = np.union1d(hits, self.lexical.candidates(question, LEXICAL_CANDIDATES))
            dense_q, dense_a = dense_q[rows], dense_a[rows]
        lex_q, lex_a, fuzzy = self.lexical.scores(question, rows)
        fused = (
            weights.dense_q * dense_q
            + weights.dense_a * dense_a
            + weights.lex_q * lex_q
            + weights.lex_a * lex_a
            + weights.fuzzy * fuzzy
        )
        order = np.argsort(-fused, kind="stable")[:top_k]  # ties: the earlier entry first, as rows are sorted
        entries = self.index.entries
        picked = order if rows is None else rows[order]
        return [
            Scored(
                entries[j],
                float(fused[i]),
                float(dense_q[i]),
                float(dense_a[i]),
                float(lex_q[i]),
                float(lex_a[i]),
                float(fuzzy[i]),
            )
            for i, j in zip(order, picked)
        ]
