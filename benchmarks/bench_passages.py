"""Answer passages (a long answer embedded as several chunks) against a baseline commit, side by side.

    .venv/bin/python benchmarks/bench_passages.py [--baseline COMMIT] [--keep-replies DIR]

Every labelled set goes through ``python -m assistant ask --json --batch -`` of the baseline tree
(checked out in a temporary git worktree) and of this tree, each with its own data folder (seeded
with this tree's embedding cache, so only new texts are embedded), and is judged by the shared
scorer's ``judge``. Sets: the shared dev sets, ``benchmarks/data/heldout.jsonl`` and the two
transfer FAQs of ``benchmarks/data/faqs/`` (their own KBs). The frozen ``*-2026-11-28*`` sets are
not run. Result: ``benchmarks/results/passages.json`` and one line per set and tree.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import score_labelled

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
DATA = ROOT / "benchmarks" / "data"
OUT = ROOT / "benchmarks" / "results" / "passages.json"
PYTHON = sys.executable
BASELINE = "2d35455"  # main before answer passages


def _sets() -> list[tuple[str, Path, Path | None]]:
    """(name, questions, KB folder or None for the tree's own kb/)."""
    sets: list[tuple[str, Path, Path | None]] = [
        ("dev", EVAL / "dev.jsonl", None),
        ("dev2", EVAL / "dev2.jsonl", None),
        ("heldout", DATA / "heldout.jsonl", None),
    ]
    for faq in sorted((DATA / "faqs").glob("*/questions.jsonl")):
        sets.append((f"faq:{faq.parent.name}", faq, faq.parent / "kb"))
    return [s for s in sets if s[1].exists() and "2026-11-28" not in s[1].name]


def _data_dir(tmp: Path, label: str, kb: Path | None) -> Path:
    """The data folder of one tree and KB, seeded with the caches (embeddings, scope topics) of the
    other tree's folder for that KB if there is one, else of this tree's ``data/``."""
    name = "kb" if kb is None else kb.parent.name
    target = tmp / f"data-{label}" / name
    if not target.exists():
        target.mkdir(parents=True)
        seeds = [tmp / f"data-{other}" / name for other in ("baseline", "current") if other != label] + [ROOT / "data"]
        seed = next(s for s in seeds if s.exists())
        for sub in ("cache", "scope"):
            if (seed / sub).exists():
                shutil.copytree(seed / sub, target / sub)
    return target


def run(tree: Path, path: Path, kb: Path | None, data_dir: Path) -> tuple[dict[str, dict[str, float]], list[dict]]:
    """Group -> right/total/rate for one labelled set through ``tree``'s CLI, and the replies."""
    env = {"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_KB_DIR": str(kb if kb is not None else tree / "kb")}
    return score_labelled(path, env, tree, PYTHON)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"commit to compare with (default: {BASELINE})")
    parser.add_argument("--keep-replies", type=Path, help="write each set's replies here (for miss analysis)")
    args = parser.parse_args(argv)
    result: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = Path(tmp) / "tree-baseline"
        add = ["git", "worktree", "add", "-q", "--detach", str(base_tree), args.baseline]
        subprocess.run(add, cwd=ROOT, check=True)
        try:
            for name, path, kb in _sets():
                for label, tree in (("baseline", base_tree), ("current", ROOT)):
                    scores, replies = run(tree, path, kb, _data_dir(Path(tmp), label, kb))
                    result.setdefault(name, {})[label] = scores
                    print(name, label, json.dumps(scores), flush=True)
                    if args.keep_replies:
                        args.keep_replies.mkdir(parents=True, exist_ok=True)
                        out = args.keep_replies / f"{name.replace(':', '-')}.{label}.jsonl"
                        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in replies), "utf-8")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT, check=False)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {"baseline": args.baseline, "sets": result}
    OUT.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
