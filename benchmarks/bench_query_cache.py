"""What the query-vector cache saves: the dev sets' questions asked twice through one warm engine.

    .venv/bin/python benchmarks/bench_query_cache.py

The first pass encodes every question (and its clauses) with the model; the second finds their vectors
in the cache (``ASSISTANT_QUERY_CACHE``), as a repeated customer question would. Prints the median and
p99 milliseconds per question of each pass, and their ratio, measured side by side in one process.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.engine import Assistant  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def main() -> int:
    questions = [
        json.loads(line)["q"]
        for name in ("dev.jsonl", "dev2.jsonl")
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assistant = Assistant.load(watch_kb=False)
    assistant.ask("warm up the model and the calculator")
    passes: list[list[float]] = []
    for _ in range(2):
        times = []
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            times.append((time.perf_counter() - started) * 1000)
        passes.append(times)
    for name, times in zip(("first pass (encoded)", "second pass (cached)"), passes):
        p99 = statistics.quantiles(times, n=100)[98]
        print(f"{name:22s} median {statistics.median(times):6.1f} ms   p99 {p99:6.1f} ms   ({len(times)} questions)")
    print(f"median ratio first/second: {statistics.median(passes[0]) / statistics.median(passes[1]):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
