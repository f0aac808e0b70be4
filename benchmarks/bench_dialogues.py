"""Score the committed dialogues (benchmarks/data/dialogues.jsonl) through ``python -m assistant chat --json``,
and the single-question sets through ``chat --json`` beside ``ask --json --batch -`` (no regression).

Usage, from the project root (the scorers live in ../shared/eval or pass --eval DIR)::

    python benchmarks/bench_dialogues.py [--eval ../shared/eval]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAT = f"{sys.executable} -m assistant chat --json"
BATCH = f"{sys.executable} -m assistant ask --json --batch -"


def _last_line(cmd: list[str]) -> str:
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return lines[-2] + " | " + lines[-1] if len(lines) > 1 else (lines[-1] if lines else done.stderr[-300:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", default=str(ROOT.parent / "shared" / "eval"), help="folder of score.py")
    args = parser.parse_args()
    scorers = Path(args.eval)
    dialogues = ROOT / "benchmarks" / "data" / "dialogues.jsonl"
    print(
        "dialogues (chat --json):",
        _last_line([sys.executable, str(scorers / "dialogues.py"), str(dialogues), "--cmd", CHAT]),
    )
    for name in ("dev.jsonl", "dev2.jsonl"):
        path = scorers / name
        if not path.is_file():
            continue
        for label, cmd in (("chat --json", CHAT), ("ask --batch", BATCH)):
            score = _last_line([sys.executable, str(scorers / "score.py"), str(path), "--cmd", cmd])
            print(f"{name} ({label}): {score.split(' | ')[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
