"""Fusion-weight experiments offline: every entry's score components for each question and its
clauses, cached; then the fused ranking recomputed for a grid of weights and scored by top-1 accuracy
per labelled set. Not shipped; backs the weights in assistant/retrieval.py.

    .venv/bin/python benchmarks/experiments/rank_lab.py featurise SET...
    .venv/bin/python benchmarks/experiments/rank_lab.py grid SET...
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CACHE = Path("/tmp/decision_lab")
PARTS = ("dense_q", "dense_a", "lex_q", "lex_a", "fuzzy")


def featurise(sets: list[Path]) -> None:
    from assistant.decision import split_clauses
    from assistant.engine import Assistant
    from assistant.normalize import normalize, strip_opening

    assistant = Assistant.load(calculator=False, watch_kb=False)
    retriever = assistant._engine.retriever  # an experiment reaches inside
    ids = [e.id for e in assistant.entries]
    norm_q = [normalize(e.question) for e in assistant.entries]
    for path in sets:
        if "2026-11-28." in path.name or "heldout-2026" in path.name:
            raise SystemExit(f"refusing frozen set {path}")
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if any(k in row for k in ("value", "between", "pair", "accept")) or row.get("none") or not row.get("faq"):
                continue
            gold = {normalize(q) for q in row["faq"]}
            q = strip_opening(row["q"])
            texts = [q, *split_clauses(q)]
            vectors = retriever.encode(texts)
            comp = np.zeros((len(texts), len(ids), len(PARTS)), np.float32)
            for t, text in enumerate(texts):
                for s in retriever.rank(text, len(ids), None if vectors is None else vectors[t]):
                    comp[t, ids.index(s.entry.id)] = [getattr(s, p) for p in PARTS]
            out.append({"q": row["q"], "lang": row.get("lang", "?"), "comp": comp,
                        "gold": np.array([n in gold for n in norm_q])})
        (CACHE / f"rank-{path.stem}.pkl").write_bytes(pickle.dumps(out))
        print(f"{path.name}: {len(out)} rows")


def top1(rows: list[dict], w: np.ndarray, lift: float = 0.5) -> float:
    hits = 0
    for r in rows:
        fused = r["comp"] @ w  # texts x entries
        whole = fused[0]
        if len(fused) > 1:
            best = fused[1:].max(axis=0)
            merged = whole + lift * np.maximum(best - whole, 0)
        else:
            merged = whole
        hits += bool(r["gold"][int(merged.argmax())])
    return hits / len(rows)


def grid(sets: list[str]) -> None:
    data = {Path(s).stem: pickle.loads((CACHE / f"rank-{Path(s).stem}.pkl").read_bytes()) for s in sets}
    base = np.array([0.50, 0.10, 0.25, 0.05, 0.10])
    print("base", " ".join(f"{k[:10]}={top1(v, base):.3f}" for k, v in data.items()))
    results = []
    steps = np.arange(0, 0.75, 0.05)
    for dq, da, lq, la in itertools.product(steps, steps, steps, [0.0, 0.05, 0.1, 0.15, 0.2]):
        fz = 1 - dq - da - lq - la
        if fz < -1e-9 or fz > 0.3:
            continue
        w = np.array([dq, da, lq, la, fz])
        results.append((w, {k: top1(v, w) for k, v in data.items()}))
    keys = list(data)
    train_keys = [k for k in keys if "validation" not in k]
    results.sort(key=lambda r: -np.mean([r[1][k] for k in train_keys]))
    for w, res in results[:25]:
        print(np.round(w, 2), " ".join(f"{k[:10]}={res[k]:.3f}" for k in keys))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["featurise", "grid"])
    p.add_argument("sets", nargs="+")
    a = p.parse_args()
    if a.cmd == "featurise":
        featurise([Path(s) for s in a.sets])
    else:
        grid(a.sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
