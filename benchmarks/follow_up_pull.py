"""Does a conversation pull fresh questions toward the previous topic? Every labelled in-scope question
that "points back" (short, with 那/呢/it/there…) is asked alone and then as the second turn after each of
six unrelated first turns; counts how often the second-turn answer differs from the answer alone, and
whether for the worse or the better (right entry on top, not refused).

    .venv/bin/python benchmarks/follow_up_pull.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = [
    ROOT / "benchmarks" / "data" / "tuning-2026-11-28b.jsonl",
    ROOT / "benchmarks" / "data" / "heldout.jsonl",
    ROOT.parent / "shared" / "eval" / "dev2.jsonl",
]
FIRST_TURNS = [
    "赠金什么时候到账",
    "可以退款吗",
    "How do I upgrade my plan?",
    "GLM-5 支持了吗",
    "套餐可以共享吗",
    "MCP 额度是多少",
]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.conversation import points_back
    from assistant.engine import Assistant
    from assistant.models import Answer
    from assistant.normalize import normalize

    assistant = Assistant.load()
    rows = [
        json.loads(line) for path in SETS if path.exists() for line in path.read_text(encoding="utf-8").splitlines()
    ]
    rows = [r for r in rows if r.get("faq") and points_back(r["q"])]

    def right(answer: Answer, gold: set[str]) -> bool:
        return answer.kind != "no_answer" and bool(answer.matches) and normalize(answer.matches[0].question) in gold

    changed = worse = better = 0
    for row in rows:
        gold = {normalize(q) for q in row["faq"]}
        alone = right(assistant.ask(row["q"]), gold)
        for first in FIRST_TURNS:
            conversation = assistant.conversation()
            conversation.ask(first)
            after = right(conversation.ask(row["q"]), gold)
            if after != alone:
                changed += 1
                worse += alone and not after
                better += after and not alone
                print(f"{'WORSE' if alone else 'BETTER'}: {first!r} -> {row['q']!r}")
    print(
        f"{len(rows)} pointing questions x {len(FIRST_TURNS)} first turns: "
        f"changed {changed}, worse {worse}, better {better}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
