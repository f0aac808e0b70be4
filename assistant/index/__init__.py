"""Build, store and load the FAISS index of the knowledge base.

One job per module:

* :mod:`.builder`: the texts to embed, the FAISS index, :func:`build_index`, :func:`load_or_build`;
* :mod:`.embedding_cache`: the embedding cache and the batched, multi-threaded embedding;
* :mod:`.store`: the layout in ``data/`` (``index/``, ``index.old/``, ``.index-*``), the atomic
  write and swap, and :func:`read_index`;
* :mod:`.manifest`: ``manifest.json`` and its validation against the KB, model and files.

Layout of ``data/index/`` (written atomically: built in a temporary folder, then ``os.replace``):

* ``index.faiss``: one vector per search text (question, alternates, answer passages: a long
  answer is split into several, see :func:`answer_passages`);
* ``units.json``: row -> (entry index, field) of each vector;
* ``entries.json``: the parsed entries;
* ``manifest.json``: schema version, sha256 of every KB file and of the files above,
  model id, dimension, counts, faiss version and the score floor of the model.

A stale or damaged index (KB changed, other model, truncated or edited file, counts
that disagree) is detected on load; :func:`load_or_build` rebuilds it with a log line.
The names below are those callers imported from the former ``assistant/index.py``.
"""

from __future__ import annotations

from .builder import (
    ANSWER_VECTORS_UP_TO,
    APPROXIMATE_FROM,
    FIELD_ALTERNATE,
    FIELD_ANSWER,
    FIELD_QUESTION,
    HNSW_EF_SEARCH,
    MAX_PASSAGES,
    PASSAGE_CHARS,
    _make_faiss,
    _score_floors,
    answer_passages,
    build_index,
    load_or_build,
    search_units,
)
from .embedding_cache import (
    CACHE_CHECKPOINT_S,
    EMBED_BATCH,
    PASSAGE_BATCH,
    QUERY_BATCH,
    EmbeddingCache,
    Progress,
    plan_batches,
)
from .manifest import (
    INDEX_FILES,
    MAX_SCORE_FLOOR,
    SCHEMA_VERSION,
    Manifest,
    StaleIndex,
    check_manifest,
    kb_fingerprint,
    manifest_problem,
)
from .store import (
    INDEX_DIRNAME,
    OLD_SUFFIX,
    TMP_PREFIX,
    VECTOR_SAMPLE,
    IndexLayout,
    LoadedIndex,
    index_layout,
    read_index,
    write_index,
)

__all__ = [
    "ANSWER_VECTORS_UP_TO",
    "APPROXIMATE_FROM",
    "CACHE_CHECKPOINT_S",
    "EMBED_BATCH",
    "FIELD_ALTERNATE",
    "FIELD_ANSWER",
    "FIELD_QUESTION",
    "HNSW_EF_SEARCH",
    "INDEX_DIRNAME",
    "INDEX_FILES",
    "MAX_PASSAGES",
    "MAX_SCORE_FLOOR",
    "OLD_SUFFIX",
    "PASSAGE_BATCH",
    "PASSAGE_CHARS",
    "QUERY_BATCH",
    "SCHEMA_VERSION",
    "TMP_PREFIX",
    "VECTOR_SAMPLE",
    "EmbeddingCache",
    "IndexLayout",
    "LoadedIndex",
    "Manifest",
    "Progress",
    "StaleIndex",
    "_make_faiss",
    "_score_floors",
    "answer_passages",
    "build_index",
    "check_manifest",
    "index_layout",
    "kb_fingerprint",
    "load_or_build",
    "manifest_problem",
    "plan_batches",
    "read_index",
    "search_units",
    "write_index",
]
