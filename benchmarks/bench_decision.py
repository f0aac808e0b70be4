"""The answer / refuse decision, measured: question sets through the CLI, and warm latency side by side.

    .venv/bin/python benchmarks/bench_decision.py [--baseline COMMIT] [--skip-latency]

Quality: each labelled set goes through ``python -m assistant ask --json --batch -`` and the shared
scorer's ``judge``; the result per group (faq_zh, faq_en, no_answer, calculation) is written to
``benchmarks/results/decision.json``. Sets: the shared dev sets, the frozen held-out set
(``benchmarks/data/heldout-2026-11-28.jsonl``, written before the decision work by someone who
never saw the alternates) and the two transfer FAQs of ``benchmarks/data/faqs/`` (their own KBs,
no alternates, no out-of-scope topics, decision not retrained).

Latency: ``bench_latency.py`` is run for this tree and for ``--baseline`` (checked out in a
temporary git worktree, default: the commit before the decision model) alternately, three times
each, and the ratio of the medians of their warm ``ask`` p50/p99 is reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import score_labelled

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
DATA = ROOT / "benchmarks" / "data"
OUT = ROOT / "benchmarks" / "results" / "decision.json"
BASELINE = "4419276"  # main before this round's decision work
PYTHON = sys.executable


def _sets() -> list[tuple[str, Path, dict[str, str]]]:
    sets = [
        ("dev", EVAL / "dev.jsonl", {}),
        ("dev2", EVAL / "dev2.jsonl", {}),
        ("heldout-2026-11-28", DATA / "heldout-2026-11-28.jsonl", {}),
    ]
    for faq in sorted((DATA / "faqs").glob("*/questions.jsonl")):
        kb = faq.parent / "kb"
        env = {
            "ASSISTANT_KB_DIR": str(kb),
            "ASSISTANT_DATA_DIR": str(Path(tempfile.gettempdir()) / f"bench-{kb.parent.name}"),
        }
        sets.append((f"faq:{faq.parent.name}", faq, env))
    return [s for s in sets if s[1].exists()]


def score(path: Path, env: dict[str, str]) -> dict[str, object]:
    """Group -> [right, total] for one labelled set, through the CLI."""
    return dict(score_labelled(path, env, ROOT, PYTHON)[0])


def latency(tree: Path, data_dir: Path) -> dict[str, float]:
    out = subprocess.run(
        [PYTHON, "benchmarks/bench_latency.py", "--data", str(data_dir), "--rounds", "3"],
        capture_output=True,
        text=True,
        cwd=tree,
        check=True,
    ).stdout
    result = eval(out.strip().splitlines()[-1])  # bench_latency prints a Python dict
    return {"p50": result["ask_ms"]["p50"], "p99": result["ask_ms"]["p99"]}


def side_by_side(baseline: str, runs: int = 3) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(base_tree), baseline], cwd=ROOT, check=True)
        try:
            samples: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
            for _ in range(runs):  # alternate, so drift on a shared machine hits both alike
                samples["baseline"].append(latency(base_tree, Path(tmp) / "data-base"))
                samples["current"].append(latency(ROOT, Path(tmp) / "data-current"))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)
    med = {k: {m: statistics.median(s[m] for s in v) for m in ("p50", "p99")} for k, v in samples.items()}
    return {
        "baseline": baseline,
        "median_of_runs_ms": med,
        "ratio_p50": round(med["current"]["p50"] / med["baseline"]["p50"], 3),
        "ratio_p99": round(med["current"]["p99"] / med["baseline"]["p99"], 3),
        "runs": samples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args(argv)
    result: dict[str, object] = {"sets": {}}
    for name, path, env in _sets():
        result["sets"][name] = score(path, env)  # type: ignore[index]
        print(name, json.dumps(result["sets"][name]), flush=True)  # type: ignore[index]
    if not args.skip_latency:
        result["latency"] = side_by_side(args.baseline)
        print("latency", json.dumps(result["latency"]), flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
