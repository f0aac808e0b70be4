"""Score the calculator alone on the shared dev set, without retrieval or an index.

Calculation rows must come back as calculations with the right value (judged like ../shared/eval/score.py);
every other row must be left to retrieval (the calculator returns None). Also reports the questions of the
held-out set that the calculator takes, and the calculator's own latency.

    .venv/bin/python benchmarks/calculator_dev.py [../shared/eval/dev.jsonl] [--show]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.calculator import Calculator  # noqa: E402
from assistant.models import to_dict  # noqa: E402
from assistant.normalize import detect_language  # noqa: E402
from assistant.parsing import load_kb  # noqa: E402

log = logging.getLogger("calculator_dev")
CALC_KEYS = ("value", "between", "pair")


def value_ok(row: dict, value: object) -> bool:
    """The same judgement as ../shared/eval/score.py."""
    if "value" in row:
        want = row["value"]
        if isinstance(want, bool):
            return value is want
        if isinstance(want, int | float):
            return isinstance(value, int | float) and not isinstance(value, bool) and abs(value - want) <= 0.011
        return isinstance(value, str) and value.strip() == want
    if "between" in row:
        low, high = row["between"]
        return isinstance(value, int | float) and not isinstance(value, bool) and low - 1e-9 <= value <= high + 1e-9
    pair = row["pair"]
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) for v in value)
        and abs(value[0] - pair[0]) <= 0.011
        and abs(value[1] - pair[1]) <= 0.011
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev.jsonl"))
    parser.add_argument("--heldout", default=str(ROOT / "benchmarks" / "data" / "heldout.jsonl"))
    parser.add_argument("--show", action="store_true", help="print every calculation's answer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    calc = Calculator.load(ROOT / "kb" / "facts.toml", load_kb(ROOT / "kb"))
    now = datetime.now(UTC)
    rows = [json.loads(line) for line in Path(args.dev).read_text(encoding="utf-8").splitlines() if line.strip()]
    timings: list[float] = []
    calc_ok = calc_total = kept_ok = kept_total = 0
    for row in rows:
        started = time.perf_counter()
        answer = calc.try_answer(row["q"], language=detect_language(row["q"]), now=now)
        timings.append((time.perf_counter() - started) * 1000)
        reply = to_dict(answer) if answer is not None else None
        if any(key in row for key in CALC_KEYS):
            calc_total += 1
            ok = reply is not None and reply["kind"] == "calculation" and value_ok(row, reply["value"])
            calc_ok += ok
            log.info("%s calc  %s -> %s", "ok  " if ok else "MISS", row["q"], reply and reply["value"])
            if args.show and answer is not None:
                log.info("%s\n", answer.answer)
        else:
            kept_total += 1
            kept_ok += reply is None
            if reply is not None:
                log.info("MISS taken  %s -> %s %s", row["q"], reply["kind"], reply["value"])

    taken = []
    heldout = Path(args.heldout)
    if heldout.exists():
        for line in heldout.read_text(encoding="utf-8").splitlines():
            if line.strip():
                question = json.loads(line)["q"]
                if calc.try_answer(question, language=detect_language(question), now=now) is not None:
                    taken.append(question)
    log.info("")
    log.info("calculation rows      %d/%d", calc_ok, calc_total)
    log.info("left to retrieval     %d/%d", kept_ok, kept_total)
    log.info("held-out rows taken   %d %s", len(taken), taken)
    log.info("latency ms            p50 %.2f  p99 %.2f", statistics.median(timings), sorted(timings)[-2])
    return 0 if calc_ok == calc_total and kept_ok == kept_total else 1


if __name__ == "__main__":
    sys.exit(main())
