"""What the FAQ does not cover: near-domain topics from ``kb/out_of_scope.toml``, matched like entries.

Each topic (other vendors' products, invoices, GLM model specs, chit-chat …) lists example
phrasings. The topics get an index of their own, scored by the same fusion as the FAQ entries,
so "which is closer: an entry, or a topic the FAQ does not answer?" is a fair comparison. The
decision model (:mod:`assistant.decision`) uses the gap between the two as one of its features,
and a topic that clearly wins turns the reply into ``no_answer`` with the topic's message.
"""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedding import Encoder
from .errors import KnowledgeBaseError
from .index import FIELD_ALTERNATE, FIELD_QUESTION, EmbeddingCache, LoadedIndex, Manifest
from .models import Entry
from .retrieval import Retriever

log = logging.getLogger(__name__)

SCOPE_FILE = "out_of_scope.toml"
SCOPE_SECTION = "out_of_scope"


@dataclass(frozen=True)
class Topic:
    """A near-domain topic the FAQ does not answer."""

    name: str
    examples: tuple[str, ...]
    message: str | None = None
    message_en: str | None = None

    def message_for(self, language: str) -> str | None:
        """The topic's own "not covered" line in the reply language, if it has one."""
        return self.message_en if language == "en" and self.message_en else self.message


def load_topics(kb_dir: Path) -> tuple[Topic, ...]:
    """The topics of ``kb_dir/out_of_scope.toml`` (none when the file is absent)."""
    path = kb_dir / SCOPE_FILE
    if not path.exists():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeBaseError(f"cannot read out-of-scope topics: {exc}", str(path)) from None
    topics: list[Topic] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("topic", []), start=1):
        name = raw.get("name") if isinstance(raw, dict) else None
        examples = raw.get("examples") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise KnowledgeBaseError(f"topic #{i} has no name", str(path))
        if name in seen:
            raise KnowledgeBaseError(f"topic {name!r} is listed twice", str(path))
        if (
            not isinstance(examples, list)
            or not examples
            or not all(isinstance(e, str) and e.strip() for e in examples)
        ):
            raise KnowledgeBaseError(f"topic {name!r} needs a non-empty list of example strings", str(path))
        seen.add(name)
        topics.append(
            Topic(name, tuple(e.strip() for e in examples), raw.get("message") or None, raw.get("message_en") or None)
        )
    return tuple(topics)


def topic_entries(topics: tuple[Topic, ...]) -> tuple[Entry, ...]:
    """Topics as entries (first example as the question, the rest as alternates) for the index."""
    return tuple(
        Entry(
            id=f"oos:{t.name}",
            section=SCOPE_SECTION,
            question=t.examples[0],
            answer_md="",
            answer_text="",
            source=f"kb/{SCOPE_FILE}",
            alternates=t.examples[1:],
        )
        for t in topics
    )


def topic_index(
    entries: tuple[Entry, ...], encoder: Encoder | None, data_dir: Path, like: Manifest, workers: int = 1
) -> LoadedIndex:
    """An in-memory index of the topic examples (no answer passages), on the FAQ index's score floors.

    Vectors come from a cache of their own (``data/scope/``), so starting costs no encoding once
    the topics have been embedded, and the FAQ index's cache is never pruned of its vectors.
    """
    import faiss

    texts = [t for e in entries for t in e.search_texts()]
    owners = np.asarray([i for i, e in enumerate(entries) for _ in e.search_texts()], np.int32)
    fields = tuple(FIELD_QUESTION if j == 0 else FIELD_ALTERNATE for e in entries for j in range(len(e.search_texts())))
    dim = encoder.dim if encoder is not None else 0
    faiss_index = faiss.IndexFlatIP(max(dim, 1))
    if encoder is not None and texts:
        cache = EmbeddingCache(data_dir / "scope", encoder.model_id)
        as_query = [True] * len(texts)
        vectors = cache.embed(encoder, texts, as_query, None, workers=workers)
        cache.save(texts, as_query)
        faiss_index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    manifest = dataclasses.replace(
        like, entry_count=len(entries), vector_count=len(texts), index_type="flat", files_sha256={}
    )
    return LoadedIndex(entries, owners, fields, faiss_index, manifest, data_dir / "scope")


def scope_retriever(
    kb_dir: Path, encoder: Encoder | None, data_dir: Path, like: Manifest, workers: int = 1
) -> tuple[Retriever | None, dict[str, Topic]]:
    """The retriever over the out-of-scope topics of ``kb_dir`` (``None`` without topics) and the topics by id
    (their examples embedded on ``workers`` threads when not cached yet)."""
    topics = load_topics(kb_dir)
    if not topics:
        return None, {}
    entries = topic_entries(topics)
    index = topic_index(entries, encoder, data_dir, like, workers)
    return Retriever(index, encoder), {e.id: t for e, t in zip(entries, topics)}
