"""Build, store and load the FAISS index of the knowledge base.

Layout of ``data/index/`` (written atomically: built in a temporary folder, then
``os.replace``):

* ``index.faiss``: one vector per search text (question, alternates, answer passages: a long
  answer is split into several, see :func:`answer_passages`);
* ``units.json``: row -> (entry index, field) of each vector;
* ``entries.json``: the parsed entries;
* ``manifest.json``: schema version, sha256 of every KB file and of the files above,
  model id, dimension, counts, faiss version and the score floor of the model.

A stale or damaged index (KB changed, other model, truncated or edited file, counts
that disagree) is detected on load; :func:`load_or_build` rebuilds it with a log line.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .embedding import Encoder
from .errors import IndexStoreError, KnowledgeBaseError
from .models import Entry
from .parsing import kb_files, load_kb

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are serialised within one process only
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 3: a long answer is embedded as several passages (answer_passages)
INDEX_DIRNAME = "index"
INDEX_FILES = ("index.faiss", "units.json", "entries.json")  # checksummed in the manifest
TMP_PREFIX = ".index-"  # a build writes here first; leftovers of a killed build are removed by the next
APPROXIMATE_FROM = 50_000  # vectors; above this an HNSW index replaces exact search (see benchmarks/RESULTS.md)
# HNSW search breadth: 128 gave recall@5 0.96 against exact search at 100k vectors, 512 gives 0.99 (~3 ms).
HNSW_EF_SEARCH = 512
# Entries up to which each answer passage is embedded too. A passage (~100 tokens) costs ~5x a
# question to embed; above this (a 2-core machine embeds ~10 passages/s) only questions and
# alternates are, and the answer is matched lexically (see benchmarks/RESULTS.md).
ANSWER_VECTORS_UP_TO = 2_000
CACHE_CHECKPOINT_S = 300.0  # a long first build writes the embedding cache this often, so it can resume
FIELD_QUESTION, FIELD_ALTERNATE, FIELD_ANSWER = "q", "alt", "ans"
# Characters of one answer passage, its question prefix included. An answer that fits is one passage
# (the question, a newline and the answer, as before passages); a longer one is split into several at
# line (paragraph, list item, table row), then sentence boundaries, each prefixed with the question.
PASSAGE_CHARS = 512
MAX_PASSAGES = 16  # per entry: an answer of ~8,000 characters; the rest is matched lexically only
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|(?<=[.:])\s+")
Progress = Callable[[int, int], None]
_build_lock = threading.Lock()


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    kb_sha256: dict[str, str]
    files_sha256: dict[str, str]
    model_id: str
    dim: int
    entry_count: int
    vector_count: int
    faiss_version: str
    index_type: str
    score_floor: float
    answer_floor: float
    built_at: str
    build_seconds: float


@dataclass(frozen=True)
class LoadedIndex:
    """A usable index: entries, their vectors in FAISS, and what each vector stands for."""

    entries: tuple[Entry, ...]
    unit_entry: np.ndarray  # int32, row -> entry index
    unit_field: tuple[str, ...]
    faiss_index: Any
    manifest: Manifest
    path: Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def kb_fingerprint(kb_dir: Path) -> dict[str, str]:
    """sha256 of every KB file, keyed by its path relative to ``kb_dir``."""
    try:
        return {str(p.relative_to(kb_dir)): _sha256(p) for p in kb_files(kb_dir)}
    except OSError as exc:
        raise KnowledgeBaseError(
            f"cannot read file: {exc.strerror or exc}", str(getattr(exc, "filename", kb_dir))
        ) from None


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
    entries) its answer passages (:func:`answer_passages`), every one mapped to its entry."""
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
        batch: int = 64,
    ) -> np.ndarray:
        """Vectors for ``texts``; questions are embedded as queries (question-to-question
        similarity is symmetric), answers as passages."""
        keys = [self.key(t, q) for t, q in zip(texts, as_query)]
        missing = sorted({k: i for i, k in enumerate(keys) if k not in self._vectors}.values())
        done = len(texts) - len(missing)
        checkpoint = time.monotonic() + CACHE_CHECKPOINT_S
        if progress:
            progress(done, len(texts))
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            for mode in (True, False):
                part = [i for i in chunk if as_query[i] == mode]
                if not part:
                    continue
                encode = encoder.encode_queries if mode else encoder.encode_passages
                for i, vector in zip(part, encode([texts[i] for i in part])):
                    self._vectors[keys[i]] = vector
            self._dirty = True
            done += len(chunk)
            if progress:
                progress(done, len(texts))
            if time.monotonic() > checkpoint:  # a killed 1-hour build then resumes from here
                self._write(list(self._vectors))
                checkpoint = time.monotonic() + CACHE_CHECKPOINT_S
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
) -> LoadedIndex:
    """Parse the KB, embed it and write ``data_dir/index`` atomically. The old index stays
    in place until the new one is complete; a broken KB raises before anything is written.

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
    vectors = cache.embed(encoder, texts, as_query, progress)
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
        files_sha256={},  # filled in by _write_index from the files it wrote
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
    target = data_dir / INDEX_DIRNAME
    try:
        manifest = _write_index(target, faiss_index, owners, fields, entries, manifest)
    except IndexStoreError as exc:
        if must_persist:
            raise
        log.error("%s; answering from the new index in memory (it is rebuilt at each start until it can be saved)", exc)
    else:
        cache.save(texts, as_query)
    log.info("built index: %d entries, %d vectors, %s, %.1fs", len(entries), len(texts), kind, manifest.build_seconds)
    return LoadedIndex(tuple(entries), np.asarray(owners, np.int32), tuple(fields), faiss_index, manifest, target)


@contextlib.contextmanager
def _interprocess_lock(data_dir: Path) -> Iterator[None]:
    """Exclusive lock on the ``data_dir`` folder itself (flock on its descriptor: no lock file
    to leave behind), so two processes (the app reloading and a ``build`` in a shell) never
    interleave their renames. The kernel drops it when a holder dies, even by SIGKILL."""
    if fcntl is None:
        yield
        return
    fd = os.open(data_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _remove_debris(data_dir: Path) -> None:
    """Delete temporary folders left by builds that were killed. Call with the build lock held:
    then no other build is writing one."""
    for leftover in data_dir.glob(TMP_PREFIX + "*"):
        if leftover.is_dir():
            log.info("removing %s, left by an interrupted build", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


def _write_index(
    target: Path,
    faiss_index: Any,
    owners: Sequence[int],
    fields: Sequence[str],
    entries: Sequence[Entry],
    manifest: Manifest,
) -> Manifest:
    """Write the index files into a temporary folder beside ``target``, fsync them and swap the
    folder in. Returns ``manifest`` with the checksums of the files written."""
    import faiss

    data_dir = target.parent
    with _build_lock:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            with _interprocess_lock(data_dir):
                _remove_debris(data_dir)
                tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=data_dir))
                try:
                    # mkdtemp makes the folder private; the app may run as another user than `build`.
                    os.chmod(tmp, 0o755)
                    faiss.write_index(faiss_index, str(tmp / "index.faiss"))
                    (tmp / "units.json").write_text(
                        json.dumps({"entry": list(owners), "field": list(fields)}), encoding="utf-8"
                    )
                    (tmp / "entries.json").write_text(
                        json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=1), encoding="utf-8"
                    )
                    manifest = replace(manifest, files_sha256={n: _sha256(tmp / n) for n in INDEX_FILES})
                    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
                    for name in os.listdir(tmp):
                        _fsync(tmp / name)
                    _swap_in(tmp, target)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
        except (OSError, RuntimeError) as exc:
            # faiss.write_index reports a full disk (ENOSPC) or an I/O error as RuntimeError, not OSError.
            raise IndexStoreError(f"cannot write the index to {target}: {_io_reason(exc)}") from None
    return manifest


def _io_reason(exc: BaseException) -> str:
    """One line for an I/O failure (faiss's RuntimeError carries a multi-line C++ trace)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    for known in ("No space left on device", "Disk quota exceeded", "Read-only file system", "Permission denied"):
        if known in text:
            return known
    return text.strip().splitlines()[-1][:200] if text.strip() else type(exc).__name__


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(tmp: Path, target: Path) -> None:
    """Replace ``target`` by ``tmp``. ``os.replace`` cannot replace a non-empty folder, so the
    old one is first renamed aside; a crash between the two renames leaves ``index.old``,
    which :func:`read_index` falls back to."""
    old = target.with_name(target.name + ".old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    # Without ``target``, ``old`` is the only complete index (an earlier build died between
    # the renames): it must survive until ``tmp`` is in place.
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class StaleIndex(Exception):
    """Internal: the stored index cannot be used as it is (the message says why)."""


def read_index(data_dir: Path, kb_dir: Path | None, model_id: str) -> LoadedIndex:
    """Load ``data_dir/index`` and check it against the KB and model; raises :class:`StaleIndex`."""
    target = data_dir / INDEX_DIRNAME
    if not target.exists() and (target.with_name(target.name + ".old")).exists():
        target = target.with_name(target.name + ".old")  # a build died between its two renames
    manifest_path = target / "manifest.json"
    if not manifest_path.exists():
        raise StaleIndex("no index built yet")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise StaleIndex(f"unreadable manifest: {exc}") from None
    problem = manifest_problem(manifest)
    if problem:
        raise StaleIndex(f"invalid manifest: {problem}")
    if manifest.schema_version != SCHEMA_VERSION:
        raise StaleIndex(f"schema version {manifest.schema_version} != {SCHEMA_VERSION}")
    if manifest.model_id != model_id:
        raise StaleIndex(f"built with model {manifest.model_id!r}, configured {model_id!r}")
    if kb_dir is not None:
        changed = _kb_changes(manifest.kb_sha256, kb_fingerprint(kb_dir))
        if changed:
            raise StaleIndex(f"the knowledge base changed since the index was built ({changed})")
    # Every file must be covered: a manifest without checksums must not skip the verification.
    if not isinstance(manifest.files_sha256, dict) or set(manifest.files_sha256) != set(INDEX_FILES):
        raise StaleIndex(
            f"manifest checksums cover {sorted(manifest.files_sha256 or ())}, expected {list(INDEX_FILES)}"
        )
    for name, digest in manifest.files_sha256.items():
        path = target / name
        if not path.exists() or _sha256(path) != digest:
            found = "edited or truncated" if path.exists() else "missing"
            raise StaleIndex(f"{name} is missing or does not match its checksum ({found})")
    import faiss

    try:
        faiss_index = faiss.read_index(str(target / "index.faiss"))
        units = json.loads((target / "units.json").read_text(encoding="utf-8"))
        entries = tuple(
            Entry(**{**e, "alternates": tuple(e["alternates"])})
            for e in json.loads((target / "entries.json").read_text(encoding="utf-8"))
        )
        owners = np.asarray(units["entry"], np.int32)
        fields = tuple(str(f) for f in units["field"])
    except Exception as exc:  # faiss raises RuntimeError, json ValueError, a bad shape KeyError/TypeError
        raise StaleIndex(f"cannot read index files: {exc}") from None
    if (
        faiss_index.ntotal != manifest.vector_count
        or len(owners) != manifest.vector_count
        or len(fields) != len(owners)
    ):
        raise StaleIndex(
            f"vector count disagrees: {faiss_index.ntotal} in index.faiss, {len(owners)} units, "
            f"{manifest.vector_count} in the manifest"
        )
    if len(entries) != manifest.entry_count or (len(owners) and not 0 <= owners.min() <= owners.max() < len(entries)):
        raise StaleIndex(f"entry count disagrees: {len(entries)} entries, {manifest.entry_count} in the manifest")
    if faiss_index.d != manifest.dim:
        raise StaleIndex(f"index dimension {faiss_index.d} != manifest {manifest.dim}")
    if not _sampled_vectors_finite(faiss_index):
        raise StaleIndex("index.faiss holds vectors with NaN or infinite values (built from a damaged cache?)")
    return LoadedIndex(entries, owners, fields, faiss_index, manifest, target)


MAX_SCORE_FLOOR = 0.95  # _score_floors clips to this: 1 - floor divides every dense score
_INDEX_TYPES = ("flat", "hnsw32")


def manifest_problem(manifest: Manifest) -> str:
    """What is wrong with the type or range of a manifest field ('' when every field is sound).

    The manifest is data from disk: a hand edit or a damaged write must not reach the scoring
    (a floor of "abc" raised on every question, NaN answered at score null, 1.0 divided by zero)."""

    def is_int(value: object, low: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= low

    def is_number(value: object, low: float, high: float) -> bool:
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        )

    def is_digests(value: object) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) and len(v) == 64 for k, v in value.items()
        )

    checks: list[tuple[str, bool]] = [
        ("schema_version", is_int(manifest.schema_version, 0)),
        ("kb_sha256", is_digests(manifest.kb_sha256)),
        ("files_sha256", is_digests(manifest.files_sha256)),
        ("model_id", isinstance(manifest.model_id, str) and bool(manifest.model_id)),
        ("dim", is_int(manifest.dim, 1)),
        ("entry_count", is_int(manifest.entry_count, 0)),
        ("vector_count", is_int(manifest.vector_count, 0)),
        ("faiss_version", isinstance(manifest.faiss_version, str)),
        ("index_type", manifest.index_type in _INDEX_TYPES),
        ("score_floor", is_number(manifest.score_floor, 0.0, MAX_SCORE_FLOOR)),
        ("answer_floor", is_number(manifest.answer_floor, 0.0, MAX_SCORE_FLOOR)),
        ("built_at", isinstance(manifest.built_at, str)),
        ("build_seconds", is_number(manifest.build_seconds, 0.0, float("inf"))),
    ]
    bad = [f"{name}={getattr(manifest, name)!r}" for name, ok in checks if not ok]
    return ", ".join(bad)


VECTOR_SAMPLE = 256  # vectors of a stored index checked for NaN/inf at load (all of them in small indexes)


def _sampled_vectors_finite(faiss_index: Any) -> bool:
    """Whether evenly spaced stored vectors are finite (a NaN vector makes every score NaN)."""
    total = int(faiss_index.ntotal)
    if total == 0:
        return True
    rows = np.unique(np.linspace(0, total - 1, min(total, VECTOR_SAMPLE)).astype(np.int64))
    try:
        sample = np.stack([faiss_index.reconstruct(int(r)) for r in rows])
    except RuntimeError:  # an index type that cannot give its vectors back: nothing to check
        return True
    return bool(np.isfinite(sample).all())


def _kb_changes(built: object, current: dict[str, str]) -> str:
    """What differs between the KB an index was built from and the KB now ('' when nothing)."""
    if not isinstance(built, dict):
        return "no KB checksums in the manifest"
    if built == current:
        return ""
    parts = [
        f"{verb}: {', '.join(sorted(names))}"
        for verb, names in (
            ("added", current.keys() - built.keys()),
            ("removed", built.keys() - current.keys()),
            ("edited", {n for n in current.keys() & built.keys() if current[n] != built[n]}),
        )
        if names
    ]
    return "; ".join(parts)


def load_or_build(
    kb_dir: Path,
    data_dir: Path,
    encoder_factory: Callable[[], Encoder],
    model_id: str,
    progress: Progress | None = None,
    *,
    must_persist: bool = False,
) -> LoadedIndex:
    """Use the stored index when it is current; otherwise rebuild it (and log why).

    A KB that cannot be parsed raises :class:`KnowledgeBaseError` (file:line) and leaves the
    stored index as it was. If ``data/`` cannot be written the rebuilt index is served from
    memory, unless ``must_persist`` (``python -m assistant build``).
    """
    try:
        return read_index(data_dir, kb_dir, model_id)
    except StaleIndex as why:
        log.warning("rebuilding the index: %s", why)
    return build_index(kb_dir, data_dir, encoder_factory(), progress, must_persist=must_persist)
