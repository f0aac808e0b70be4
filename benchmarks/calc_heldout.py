"""The frozen numeric held-out set through the CLI, judged like ../shared/eval/calc_guard.py, except that
a range answer ([low, high]) counts as right when it equals the row's "pair" (calc_guard only accepts a
single number inside "between", but the calculator answers a range question with the range).

    .venv/bin/python benchmarks/calc_heldout.py [SET] [--show]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent / "shared" / "eval"))
from score import value_ok  # noqa: E402


def verdict(row: dict, reply: dict) -> str:
    if reply.get("kind") != "calculation":
        return "asked"
    value = reply.get("value")
    accepted = [{"value": v} for v in row.get("accept", [])]
    if "between" in row:
        accepted.append({"between": row["between"]})
    if "pair" in row:
        accepted.append({"pair": row["pair"]})
    return "right" if any(value_ok(a, value) for a in accepted) else "wrong"


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else ROOT / "benchmarks" / "data" / "calc-heldout-2026-11-28.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    stdin = "".join(r["q"].replace("\n", " ") + "\n" for r in rows)
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "--batch", "-"],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    replies = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    counts = {"right": 0, "asked": 0, "wrong": 0}
    for row, reply in zip(rows, replies, strict=True):
        v = verdict(row, reply)
        counts[v] += 1
        if v == "wrong" and "--show" in sys.argv:
            print(f"WRONG {row['q']!r} -> {reply.get('value')!r} (accept {row.get('accept', row.get('between'))})")
    print(
        f"{path.name}: right {counts['right']}, asked/refused {counts['asked']}, wrong {counts['wrong']} of {len(rows)}"
    )
    return 1 if counts["wrong"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
