"""Decision-model experiments offline: features of labelled sets and of the calibration rows, cached,
then variants of the model (feature subsets, labels, cut-offs) scored on each set without re-running
the engine. Not shipped; the numbers it prints back the choices written in benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/experiments/decision_lab.py featurise SET... [--calibration FILE...]
    .venv/bin/python benchmarks/experiments/decision_lab.py compare SET...

The frozen ``*-2026-11-28*`` sets are refused.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CACHE = Path("/tmp/decision_lab")


def _frozen(path: Path) -> bool:
    return "2026-11-28." in path.name or path.name.startswith("heldout-2026") or "calc-heldout" in path.name


def featurise(sets: list[Path], calibration: list[Path]) -> None:
    from assistant.calibrate import train
    from assistant.engine import Assistant
    from assistant.normalize import normalize

    CACHE.mkdir(exist_ok=True)
    assistant = Assistant.load(calculator=False, watch_kb=False)
    for path in sets:
        if _frozen(path):
            raise SystemExit(f"refusing frozen set {path}")
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out = []
        for row in rows:
            if any(k in row for k in ("value", "between", "pair", "accept")):
                continue
            gold = set() if row.get("none") else {normalize(q) for q in row.get("faq", [])}
            evidence, decision = assistant.evidence(row["q"])
            top = evidence.ranked[0] if evidence.ranked else None
            right = bool(gold) and top is not None and normalize(top.entry.question) in gold
            won = evidence.topic is not None and top is not None and evidence.topic.score > top.score
            out.append(
                {
                    "q": row["q"],
                    "lang": row.get("lang", "?"),
                    "features": evidence.features,
                    "in_scope": bool(gold),
                    "right": right,
                    "won": won,
                    "verdict": decision.verdict,
                }
            )
        (CACHE / f"{path.stem}.pkl").write_bytes(pickle.dumps(out))
        print(f"{path.name}: {len(out)} rows")
    if calibration is not None:
        _, index, encoder = assistant.model_parts()
        settings = assistant.settings
        _, _, rows, _ = train(index, encoder, settings.kb_dir, settings.data_dir, calibration)
        data = [
            {
                "q": r.example.text,
                "style": r.example.style,
                "group": r.example.group,
                "features": r.features,
                "in_scope": r.in_scope,
                "right": r.top1_right,
                "won": r.topic_won,
            }
            for r in rows
        ]
        (CACHE / "calibration.pkl").write_bytes(pickle.dumps(data))
        print(f"calibration: {len(data)} rows")


def _xy(rows: list[dict], cols: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([[r["features"][c] for c in cols] for r in rows], float)
    return (
        x,
        np.array([r["in_scope"] for r in rows]),
        np.array([r["right"] for r in rows]),
        np.array([r["won"] for r in rows]),
        np.array([r.get("style", "") for r in rows]),
    )


def _fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0):
    from assistant.calibrate import fit_logistic

    x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    return fit_logistic(x, y.astype(float), l2)


def _predict(model, x: np.ndarray) -> np.ndarray:
    w, b, mean, scale = model
    x = np.where(np.isnan(x), mean, x)
    return 1.0 / (1.0 + np.exp(-np.clip(((x - mean) / scale) @ w + b, -60, 60)))


def _outcome(conf: np.ndarray, ins: np.ndarray, right: np.ndarray, won: np.ndarray, t: float) -> tuple[float, float]:
    answered = (conf >= t) & ~won
    in_right = float((answered & right)[ins].mean()) if ins.any() else float("nan")
    refused = float((~answered)[~ins].mean()) if (~ins).any() else float("nan")
    return in_right, refused


def compare(sets: list[str], variants: dict[str, list[int]], labels: str, thresholds: list[float]) -> None:
    from assistant.decision import FEATURES

    cal = pickle.loads((CACHE / "calibration.pkl").read_bytes())
    evals = {s: pickle.loads((CACHE / f"{Path(s).stem}.pkl").read_bytes()) for s in sets}
    for name, cols in variants.items():
        x, ins, right, won, _ = _xy(cal, cols)
        y = ins if labels == "in_scope" else right
        model = _fit(x, y)
        conf_cal = _predict(model, x)
        # cut-off that refuses 90% of the calibration out-of-scope rows (as calibrate does, but in-sample)
        ws = ", ".join(f"{FEATURES[c]}={w:+.2f}" for c, w in zip(cols, model[0]))
        print(f"\n== {name} ({labels}) weights: {ws}")
        for t in thresholds:
            parts = [f"t={t:.2f}"]
            ir, rf = _outcome(conf_cal, ins, right, won, t)
            parts.append(f"cal {ir:.3f}/{rf:.3f}")
            for s, rows in evals.items():
                ex, eins, eright, ewon, _ = _xy(rows, cols)
                conf = _predict(model, ex)
                ir, rf = _outcome(conf, eins, eright, ewon, t)
                n_in, n_out = int(eins.sum()), int((~eins).sum())
                parts.append(f"{Path(s).stem[:12]} {ir * n_in:.0f}/{n_in} {rf * n_out:.0f}/{n_out}")
            print("  ".join(parts))


def main() -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("featurise")
    f.add_argument("sets", nargs="*", type=Path)
    f.add_argument("--calibration", nargs="*", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("sets", nargs="+")
    c.add_argument("--labels", default="in_scope", choices=["in_scope", "right"])
    c.add_argument("--t", nargs="*", type=float, default=[0.5, 0.6, 0.7, 0.75, 0.8, 0.83, 0.86, 0.9])
    args = p.parse_args()
    if args.cmd == "featurise":
        featurise(args.sets, args.calibration)
    else:
        all8 = list(range(8))
        variants = {
            "all": all8,
            "no_length": [0, 1, 2, 3, 4, 5, 6],
            "core": [0, 1, 2, 3, 5],
            "score_margin_scope": [0, 1, 5],
        }
        compare(args.sets, variants, args.labels, args.t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
