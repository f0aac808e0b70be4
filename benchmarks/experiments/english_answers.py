"""Experiment (round three, not shipped): do English translations of every answer, embedded as extra
answer passages, help English questions against the Chinese FAQ? The translations
(``answers_en.toml``) were written by a helper from the FAQ alone. The index is built in its own data
folder with the passages added; the decision model is left as shipped.

    .venv/bin/python benchmarks/experiments/english_answers.py benchmarks/data/tuning-2026-11-28b.jsonl
    .venv/bin/python benchmarks/experiments/english_answers.py benchmarks/data/tuning-2026-11-28b.jsonl --without

Prints in-scope answered right / wrong / refused and out-of-scope answered / refused, per language.
Seen on 2026-11-28: with the decision before its retraining, in scope right 170 with vs 169 without,
out of scope refused 61 vs 63; with the shipped (retrained) decision, 168 vs 166 and 69 vs 71 (of 185
and 75). Two more right answers for two more wrongly answered out-of-scope questions: not kept.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    labelled, without = Path(argv[0]), "--without" in argv
    os.environ["ASSISTANT_DATA_DIR"] = tempfile.mkdtemp(prefix="english-answers-")
    sys.path.insert(0, str(ROOT))
    from assistant.index import builder
    from assistant.normalize import normalize

    if not without:
        table = {e["question"]: e for e in tomllib.loads((HERE / "answers_en.toml").read_text("utf-8"))["entry"]}
        plain = builder.search_units

        def with_english(entries):  # type: ignore[no-untyped-def]
            texts, owners, fields = plain(entries)
            for i, entry in enumerate(entries):
                english = table.get(entry.question)
                if english:
                    texts.append(f"{english['question_en']}\n{english['answer_en']}"[: builder.PASSAGE_CHARS])
                    owners.append(i)
                    fields.append(builder.FIELD_ANSWER)
            return texts, owners, fields

        builder.search_units = with_english
    from assistant.engine import Assistant

    assistant = Assistant.load()
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for line in labelled.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold = {normalize(q) for q in row.get("faq") or []}
        answer = assistant.ask(row["q"])
        answered = answer.kind != "no_answer"
        top = normalize(answer.matches[0].question) if answer.matches else None
        if gold:
            cat = ("in_right" if top in gold else "in_wrong") if answered else "in_refused"
        else:
            cat = "oos_answered" if answered else "oos_refused"
        counts[(row.get("lang", "?"), cat)] += 1
        counts[("all", cat)] += 1
    for (lang, cat), n in sorted(counts.items()):
        print(f"{lang:4} {cat:14} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
