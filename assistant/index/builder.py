"""Build an index from the KB: the texts to embed, their vectors, the FAISS index and the manifest.

The vectors come from :class:`~.embedding_cache.EmbeddingCache` (batched, on ``workers`` threads);
the files are written atomically by :func:`~.store.write_index`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..embedding import Encoder
from ..errors import IndexStoreError
from ..models import Entry
from ..parsing import load_kb
from .embedding_cache import EmbeddingCache, Progress
from .manifest import MAX_SCORE_FLOOR, SCHEMA_VERSION, Manifest, StaleIndex, kb_fingerprint
from .store import LoadedIndex, index_layout, read_index, write_index

log = logging.getLogger(__name__)

APPROXIMATE_FROM = 50_000  # vectors; above this an HNSW index replaces exact search (see benchmarks/RESULTS.md)
# HNSW search breadth: 128 gave recall@5 0.96 against exact search at 100k vectors, 512 gives 0.99 (~3 ms).
HNSW_EF_SEARCH = 512
# Entries up to which each answer passage is embedded too. A passage (~100 tokens) costs ~5x a
# question to embed; above this (a 2-core machine embeds ~10 passages/s) only questions and
# alternates are, and the answer is matched lexically (see benchmarks/RESULTS.md).
ANSWER_VECTORS_UP_TO = 2_000
FIELD_QUESTION, FIELD_ALTERNATE, FIELD_ANSWER = "q", "alt", "ans"
# Characters of one answer passage, its question prefix included. An answer that fits is one passage
# (the question, a newline and the answer, as before passages); a longer one is split into several at
# line (paragraph, list item, table row), then sentence boundaries, each prefixed with the question.
PASSAGE_CHARS = 512
MAX_PASSAGES = 16  # per entry: an answer of ~8,000 characters; the rest is matched lexically only
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=[.:])\s+")


def _pieces(text: str, budget: int) -> Iterator[str]:
    """``text`` cut into pieces of at most ``budget`` characters: at its lines, a longer line at its
    sentence ends, a longer sentence hard at ``budget``."""
    for line in text.split("\n"):
        line = line.strip()
        if len(line) <= budget:
            if line:
                yield line
            continue
        for sentence in _SENTENCE_END.split(line):
            sentence = sentence.strip()
            for start in range(0, len(sentence), budget):
                yield sentence[start : start + budget]


def answer_passages(entry: Entry, size: int = PASSAGE_CHARS, limit: int = MAX_PASSAGES) -> list[str]:
    """The passages embedded for an entry's answer, each ``question\\nchunk`` of at most ``size``
    characters.

    An answer that fits gives one passage, the same text as before passages existed. A longer one
    is packed greedily from its pieces (lines, then sentences, see :func:`_pieces`) into chunks,
    each prefixed with the question so it keeps its context, at most ``limit`` of them.
    """
    whole = f"{entry.question}\n{entry.answer_text}"
    if len(whole) <= size:
        return [whole]
    prefix = entry.question[: size // 2]  # a question longer than half a passage is cut, not the answer
    budget = size - len(prefix) - 1
    chunks: list[str] = []
    current = ""
    for piece in _pieces(entry.answer_text, budget):
        if current and len(current) + 1 + len(piece) > budget:
            chunks.append(current)
            current = piece
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        chunks.append(current)
    if len(chunks) > limit:
        log.debug("answer of %r: %d passages, embedding the first %d", entry.question, len(chunks), limit)
    return [f"{prefix}\n{chunk}" for chunk in chunks[:limit]] or [prefix]


def search_units(entries: Sequence[Entry]) -> tuple[list[str], list[int], list[str]]:
    """The texts to embed: each entry's question, its alternates and (up to ``ANSWER_VECTORS_UP_TO``
    entries) its answer passage."""
    with_answers = len(entries) <= ANSWER_VECTORS_UP_TO
    texts: list[str] = []
    owners: list[int] = []
    fields: list[str] = []
    for i, entry in enumerate(entries):
        texts.append(entry.question)
        owners.append(i)
        fields.append(FIELD_QUESTION)
        for alternate in entry.alternates:
            texts.append(alternate)
            owners.append(i)
            fields.append(FIELD_ALTERNATE)
        if with_answers:
            for passage in answer_passages(entry):
                texts.append(passage)
                owners.append(i)
                fields.append(FIELD_ANSWER)
    return texts, owners, fields


def _make_faiss(vectors: np.ndarray) -> tuple[Any, str]:
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) >= APPROXIMATE_FROM:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = HNSW_EF_SEARCH
        kind = "hnsw32"
    else:
        index = faiss.IndexFlatIP(dim)
        kind = "flat"
    if len(vectors):
        index.add(vectors)
    return index, kind


def _score_floors(vectors: np.ndarray, owners: Sequence[int], fields: Sequence[str]) -> tuple[float, float]:
    """Typical similarity of a question to an unrelated question, and to an unrelated answer,
    for this model (means over pairs from different entries).

    Dense scores are rescaled from these floors, so models with narrow cosine ranges
    (E5: 0.7-0.9) and wide ones (USE: 0.1-0.9) land on a comparable scale.
    """
    questions = [i for i, f in enumerate(fields) if f == FIELD_QUESTION][:2000]
    answers = [i for i, f in enumerate(fields) if f == FIELD_ANSWER][:2000]
    if len(questions) < 2:
        return 0.0, 0.0
    if not answers:  # a large KB without answer vectors (ANSWER_VECTORS_UP_TO): no answer floor to measure
        answers = questions
    q_owner = np.array([owners[i] for i in questions])
    a_owner = np.array([owners[i] for i in answers])
    qq = vectors[questions] @ vectors[questions].T
    qa = vectors[questions] @ vectors[answers].T
    floor_q = qq[q_owner[:, None] != q_owner[None, :]].mean()
    floor_a = qa[q_owner[:, None] != a_owner[None, :]].mean()
    return float(np.clip(floor_q, 0.0, MAX_SCORE_FLOOR)), float(np.clip(floor_a, 0.0, MAX_SCORE_FLOOR))


def build_index(
    kb_dir: Path,
    data_dir: Path,
    encoder: Encoder,
    progress: Progress | None = None,
    *,
    must_persist: bool = True,
    workers: int = 1,
) -> LoadedIndex:
    """Parse the KB, embed it on ``workers`` threads and write ``data_dir/index`` atomically. The
    old index stays in place until the new one is complete; a broken KB raises before anything is
    written. The vectors do not depend on ``workers`` (``ASSISTANT_BUILD_WORKERS``).

    When the index cannot be written (read-only or full ``data/``) this raises
    :class:`IndexStoreError`, unless ``must_persist`` is false: then the new index is
    returned from memory with an error logged, so a running assistant keeps answering.
    """
    started = time.perf_counter()
    fingerprint = kb_fingerprint(kb_dir)
    entries = load_kb(kb_dir)
    texts, owners, fields = search_units(entries)
    cache = EmbeddingCache(data_dir, encoder.model_id, encoder.dim)
    as_query = [f != FIELD_ANSWER for f in fields]
    vectors = cache.embed(encoder, texts, as_query, progress, workers=workers)
    if vectors.shape != (len(texts), encoder.dim):
        raise IndexStoreError(
            f"encoder returned vectors of shape {vectors.shape}, expected ({len(texts)}, {encoder.dim})"
        )
    if not np.isfinite(vectors).all():
        raise IndexStoreError(f"the model {encoder.model_id} returned vectors with NaN or infinite values")
    faiss_index, kind = _make_faiss(vectors)
    floor_q, floor_a = _score_floors(vectors, owners, fields)
    import faiss

    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        kb_sha256=fingerprint,
        files_sha256={},  # filled in by write_index from the files it wrote
        model_id=encoder.model_id,
        dim=encoder.dim,
        entry_count=len(entries),
        vector_count=len(texts),
        faiss_version=faiss.__version__,
        index_type=kind,
        score_floor=floor_q,
        answer_floor=floor_a,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        build_seconds=round(time.perf_counter() - started, 3),
    )
    target = index_layout(data_dir).current
    try:
        manifest = write_index(target, faiss_index, owners, fields, entries, manifest)
    except IndexStoreError as exc:
        if must_persist:
            raise
        log.error("%s; answering from the new index in memory (it is rebuilt at each start until it can be saved)", exc)
    else:
        cache.save(texts, as_query)
    log.info("built index: %d entries, %d vectors, %s, %.1fs", len(entries), len(texts), kind, manifest.build_seconds)
    return LoadedIndex(tuple(entries), np.asarray(owners, np.int32), tuple(fields), faiss_index, manifest, target)


def load_or_build(
    kb_dir: Path,
    data_dir: Path,
    encoder_factory: Callable[[], Encoder],
    model_id: str,
    progress: Progress | None = None,
    *,
    must_persist: bool = False,
    workers: int = 1,
) -> LoadedIndex:
    """Use the stored index when it is current; otherwise rebuild it on ``workers`` threads (and log why).

    A KB that cannot be parsed raises :class:`KnowledgeBaseError` (file:line) and leaves the
    stored index as it was. If ``data/`` cannot be written the rebuilt index is served from
    memory, unless ``must_persist`` (``python -m assistant build``).
    """
    try:
        return read_index(data_dir, kb_dir, model_id)
    except StaleIndex as why:
        log.warning("rebuilding the index: %s", why)
    return build_index(kb_dir, data_dir, encoder_factory(), progress, must_persist=must_persist, workers=workers)
