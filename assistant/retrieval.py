"""Hybrid retrieval: dense (FAISS) plus lexical scores fused by one documented function.

The score of an entry for a question is

    score = w_dense_q · D(max cosine to the entry's question and alternates)
          + w_dense_a · D(cosine to the entry's answer passage)
          + w_lex_q   · IDF coverage of the question's terms by the question/alternates
          + w_lex_a   · IDF coverage of the question's terms by the answer
          + w_fuzzy   · best rapidfuzz ratio to the question/alternates

where D(s) = clip((s - floor) / (1 - floor), 0, 1) rescales a cosine from the model's
"unrelated questions" level (measured at build time, see ``index._score_floor``), so
the same weights and threshold work for models with narrow or wide cosine ranges.
All terms are in [0, 1] and the weights sum to 1, so the score is in [0, 1].
Without a model (degraded mode) the dense weights are moved onto the lexical terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import Encoder
from .index import FIELD_ANSWER, LoadedIndex
from .lexical import LexicalIndex
from .models import Entry

DENSE_CANDIDATES = 256  # units fetched from FAISS on large indexes before fusion


@dataclass(frozen=True)
class Weights:
    dense_q: float = 0.50
    dense_a: float = 0.10
    lex_q: float = 0.25
    lex_a: float = 0.05
    fuzzy: float = 0.10

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
        self._answer_rows = np.array([i for i, f in enumerate(index.unit_field) if f == FIELD_ANSWER], np.int64)

    @property
    def degraded(self) -> bool:
        return self.encoder is None

    def _dense(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.index.entries)
        floor = np.float32(self.index.manifest.score_floor)
        answer_floor = np.float32(self.index.manifest.answer_floor)
        dense_q = np.zeros(n, np.float32)
        dense_a = np.zeros(n, np.float32)
        if self.encoder is None or n == 0:
            return dense_q, dense_a
        query = self.encoder.encode_queries([question])
        total = self.index.faiss_index.ntotal
        k = total if total <= 4 * DENSE_CANDIDATES else DENSE_CANDIDATES
        sims, rows = self.index.faiss_index.search(query, k)
        sims, rows = sims[0], rows[0]
        keep = rows >= 0
        sims, rows = sims[keep], rows[keep]
        owners = self.index.unit_entry[rows]
        is_answer = np.isin(rows, self._answer_rows)
        floors = np.where(is_answer, answer_floor, floor)
        scaled = np.clip((sims - floors) / (1.0 - floors), 0.0, 1.0).astype(np.float32)
        np.maximum.at(dense_q, owners[~is_answer], scaled[~is_answer])
        np.maximum.at(dense_a, owners[is_answer], scaled[is_answer])
        return dense_q, dense_a

    def rank(self, question: str, top_k: int = 5) -> list[Scored]:
        """The ``top_k`` best entries, best first."""
        weights = self.weights if self.encoder is not None else self.weights.lexical_only()
        dense_q, dense_a = self._dense(question)
        lex_q, lex_a, fuzzy = self.lexical.scores(question)
        fused = (
            weights.dense_q * dense_q
            + weights.dense_a * dense_a
            + weights.lex_q * lex_q
            + weights.lex_a * lex_a
            + weights.fuzzy * fuzzy
        )
        order = np.argsort(-fused, kind="stable")[:top_k]
        entries = self.index.entries
        return [
            Scored(
                entries[i],
                float(fused[i]),
                float(dense_q[i]),
                float(dense_a[i]),
                float(lex_q[i]),
                float(lex_a[i]),
                float(fuzzy[i]),
            )
            for i in order
        ]
