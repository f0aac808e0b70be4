"""Browser benchmark of the web chat: start-up to first answer, answer latency, and concurrent sessions.

    .venv/bin/python benchmarks/browser_latency.py [--startups 3] [--visits 5] [--click-after 1500] [--sessions 10]
        [--questions 5] [--baseline REF]

Runs the real ``streamlit run app.py`` on a free loopback port with the index already built (in a
temporary data folder, as ``make run`` would find it) and drives Debian's headless Chromium
(/usr/bin/chromium) through Playwright:

1. start-up: ``--startups`` times, start the server, open examples/support-page.html (the chat in its
   400 x 600 iframe), ask one question as soon as the input is there: seconds from server start to the
   cited answer (goal <= 5 s) and from the page's navigation start to it (goal <= 3 s; both clocks in the
   browser); then a few more questions: milliseconds from Enter to the rendered answer, measured in the
   page (goal <= 500 ms). With ``--baseline REF`` (e.g. ``main``) each start-up is done twice, first
   with ``streamlit run`` of ``app.py`` as it is at git REF (run from this folder: same package, settings
   and index), then as ``make run`` starts this one (``python -m assistant.chat_server``), so both are
   measured side by side under the same machine load.
2. visits: on one running chat (its engine loaded, as customers find it), ``--visits`` fresh browsers per
   ``data-preload`` value (``open``: the widget loads the chat on first open; ``idle``, the default: hidden,
   once the host page is idle) open the support page, click the bubble ``--click-after`` ms after the page
   has loaded (default 1500: a visitor finds the bubble first) and ask one question: seconds from the page's
   navigation start to the input and to the cited answer (goal <= 3 s).
3. concurrency: ``--sessions`` browser sessions at once, each asking ``--questions`` held-out paraphrases
   (benchmarks/data/heldout.jsonl) that the engine answers correctly on its own; every answer must cite
   the expected entry, and the server log must hold no error (goal: all answered, none logged).
   ``--sessions 0`` skips it.

Prints a summary and writes benchmarks/results/browser_latency.json. Exits 1 when a correctness goal fails
(timings are reported, not enforced: they depend on the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.engine import Assistant  # noqa: E402
from harness.servers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    app_environment,
    build_index,
    reply_watcher,
    static_server,
    streamlit_server,
)

OUT = ROOT / "benchmarks" / "results" / "browser_latency.json"
HELDOUT = ROOT / "benchmarks" / "data" / "heldout.jsonl"
TIMEOUT_MS = 60_000
SOURCE = re.compile(r"kb/[^\s`:]+\.md:\d+")  # a whole citation: kb/faq.md:12 must not match kb/faq.md:121
ERROR_LINE = re.compile(r"Traceback|\b(ERROR|CRITICAL)\b")
REPLY = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'
LATENCY_QUESTIONS = ("可以退款吗？", "How do I cancel auto-renewal?", "我的订阅会自动续费吗？", "Can I get a refund?")

# Installed before Enter: resolves with performance.now() once one more reply has rendered its text and its
# thumbs widget (the last element of a reply), so "answered" means fully rendered, measured in the browser.
_WATCH = reply_watcher(
    "() => [...document.querySelectorAll(arg)].filter(m => {"
    " const text = m.querySelector('[data-testid=\"stMarkdownContainer\"]');"
    " return m.getAttribute('data-stale') !== 'true' && text !== null && text.textContent.trim() !== ''"
    " && (m.querySelector('[data-testid=\"stFeedback\"]') || m.querySelector('[data-testid=\"stAlert\"]'));"
    " }).length",
    attributes=True,
)


async def _ask(frame: Any, question: str) -> tuple[float, str, float]:
    """Ask in ``frame`` (a Page or Frame); returns (ms from Enter to rendered reply, the reply's text, when it
    was rendered on the browser's wall clock: ms since the epoch, comparable across frames)."""
    box = frame.locator("textarea")
    await box.fill(question)
    await frame.evaluate(_WATCH, REPLY)
    await box.press("Enter")
    answered = await asyncio.wait_for(frame.evaluate("() => window.__faqAnswered"), TIMEOUT_MS / 1000)
    entered, origin = await frame.evaluate("() => [window.__faqEnter, performance.timeOrigin]")
    text = await frame.locator(REPLY).last.inner_text()
    return answered - entered, text, origin + answered


def _source_of(text: str, sources: dict[str, str]) -> str | None:
    """The entry id whose source (kb/file.md:LINE) the reply cites, if it cites exactly one."""
    cited = {sources[s] for s in SOURCE.findall(text) if s in sources}
    return cited.pop() if len(cited) == 1 else None


async def startup_run(
    browser: Any, env: dict[str, str], log: Path, engine: Assistant, script: str | None = None
) -> dict[str, Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 760})
    page = await context.new_page()
    try:
        with static_server(ROOT / "examples") as site, streamlit_server(env, log, script=script) as server:
            await page.goto(f"{site}/support-page.html?chat={server.url}/?embed=true")
            opened = await page.evaluate("() => performance.timeOrigin")  # the page's navigation start
            await page.locator("#faq-widget-launcher").click()  # examples/widget.js loads the chat on open
            handle = await page.locator("#faq-chat").element_handle()
            frame = await handle.content_frame()
            await frame.locator("textarea").wait_for(state="visible", timeout=TIMEOUT_MS)
            input_ready = time.perf_counter() - server.started_at
            input_after_open = await frame.evaluate("() => performance.timeOrigin + performance.now()") - opened
            latencies = []
            first_answer = first_after_open = 0.0
            for question in LATENCY_QUESTIONS:
                ms, text, answered_at = await _ask(frame, question)  # typed as soon as the input is there
                expected = engine.ask(question).matches[0].source
                if expected not in text:
                    raise RuntimeError(f"{question!r}: reply does not cite {expected}:\n{text}")
                first_answer = first_answer or time.perf_counter() - server.started_at
                first_after_open = first_after_open or (answered_at - opened) / 1000
                latencies.append(round(ms, 1))
            return {
                "server_healthy_s": round(server.healthy_at - server.started_at, 2),
                "input_ready_s": round(input_ready, 2),
                "first_answer_s": round(first_answer, 2),
                "input_ready_after_page_open_s": round(input_after_open / 1000, 2),
                "first_answer_after_page_open_s": round(first_after_open, 2),
                "answer_after_enter_ms": latencies,
            }
    finally:
        await context.close()


async def visit_run(
    browser: Any, site: str, server: Any, engine: Assistant, preload: str, click_after_ms: int
) -> dict[str, Any]:
    """A customer's visit to a running chat: a fresh browser (empty cache) opens the support page, clicks the
    bubble ``click_after_ms`` after the page has loaded, and asks one question as soon as the input is there."""
    context = await browser.new_context(viewport={"width": 1280, "height": 760})
    page = await context.new_page()
    try:
        await page.goto(f"{site}/support-page.html?chat={server.url}/?embed=true&preload={preload}")
        opened = await page.evaluate("() => performance.timeOrigin")
        await page.wait_for_timeout(click_after_ms)
        await page.locator("#faq-widget-launcher").click()
        frame = await (await page.locator("#faq-chat").element_handle()).content_frame()
        await frame.locator("textarea").wait_for(state="visible", timeout=TIMEOUT_MS)
        ready = await frame.evaluate("() => performance.timeOrigin + performance.now()") - opened
        question = LATENCY_QUESTIONS[0]
        _, text, answered_at = await _ask(frame, question)
        expected = engine.ask(question).matches[0].source
        if expected not in text:
            raise RuntimeError(f"{question!r}: reply does not cite {expected}:\n{text}")
        return {
            "input_ready_after_page_open_s": round(ready / 1000, 2),
            "first_answer_after_page_open_s": round((answered_at - opened) / 1000, 2),
        }
    finally:
        await context.close()


async def visits(
    browser: Any, env: dict[str, str], log: Path, engine: Assistant, count: int, click_after_ms: int
) -> dict[str, Any]:
    """``count`` visits per ``data-preload`` value, alternating, on one running chat (loaded, as customers find it)."""
    runs: dict[str, list[dict[str, Any]]] = {"open": [], "idle": []}
    with static_server(ROOT / "examples") as site, streamlit_server(env, log) as server:
        await asyncio.sleep(5)  # the engine's load at server start is done before the first customer
        for n in range(count):
            for preload in runs:
                runs[preload].append(await visit_run(browser, site, server, engine, preload, click_after_ms))
                print(f"visit {n + 1}, data-preload={preload}: {runs[preload][-1]}", flush=True)
    return {
        "click_after_page_load_ms": click_after_ms,
        "by_preload": {
            preload: {
                "runs": r,
                "input_ready_after_page_open_s_median": statistics.median(
                    x["input_ready_after_page_open_s"] for x in r
                ),
                "first_answer_after_page_open_s_median": statistics.median(
                    x["first_answer_after_page_open_s"] for x in r
                ),
            }
            for preload, r in runs.items()
        },
    }


def concurrency_questions(engine: Assistant, count: int) -> list[tuple[str, str]]:
    """Held-out paraphrases the engine answers with the expected entry on its own: (question, entry id)."""
    by_question = {entry.question: entry.id for entry in engine.entries}
    chosen = []
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        expected = {by_question[q] for q in row["faq"] if q in by_question}
        answer = engine.ask(row["q"])
        if answer.kind == "faq" and answer.matches[0].id in expected:
            chosen.append((row["q"], answer.matches[0].id))
    if not chosen:
        raise RuntimeError(f"no question of {HELDOUT} is answered correctly by the engine")
    return [chosen[i % len(chosen)] for i in range(count)]


async def session(browser: Any, url: str, questions: list[tuple[str, str]], sources: dict[str, str]) -> list[dict]:
    context = await browser.new_context(viewport={"width": 400, "height": 600})
    page = await context.new_page()
    results = []
    try:
        await page.goto(f"{url}/?embed=true")
        await page.locator("textarea").wait_for(timeout=TIMEOUT_MS)
        for question, expected in questions:
            ms, text, _ = await _ask(page, question)
            cited = _source_of(text, sources)
            result = {"q": question, "expected": expected, "cited": cited, "ms": round(ms, 1)}
            if cited != expected:
                result["reply"] = text[:500]
            results.append(result)
    finally:
        await context.close()
    return results


async def main_async(args: argparse.Namespace) -> int:

    if not CHROMIUM.exists():
        print(f"cannot run: {CHROMIUM} is missing (apt-get install -y chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="faq-browser-bench-") as folder:
        return await run(args, Path(folder))


def _p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


def startup_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    firsts = [r["first_answer_s"] for r in runs]
    after_open = [r["first_answer_after_page_open_s"] for r in runs]
    latencies = [ms for r in runs for ms in r["answer_after_enter_ms"][1:]]  # the first answer is cold
    return {
        "runs": runs,
        "input_ready_s_median": statistics.median(r["input_ready_s"] for r in runs),
        "first_answer_s_median": statistics.median(firsts),
        "first_answer_s_max": max(firsts),
        "first_answer_after_page_open_s_median": statistics.median(after_open),
        "first_answer_after_page_open_s_max": max(after_open),
        "answer_after_enter_ms_median": round(statistics.median(latencies), 1),
        "answer_after_enter_ms_p90": _p90(latencies),
        "answer_after_enter_ms_max": max(latencies),
    }


def concurrency_summary(args: argparse.Namespace, outcomes: list[Any], wall: float, log_text: str) -> dict[str, Any]:
    answers = [r for o in outcomes if isinstance(o, list) for r in o]
    wrong = [r for r in answers if r["cited"] != r["expected"]]
    ms = [r["ms"] for r in answers]
    return {
        "sessions": args.sessions,
        "questions_per_session": args.questions,
        "asked": args.sessions * args.questions,
        "answered": len(answers),
        "right_entry": len(answers) - len(wrong),
        "wrong": wrong,
        "crashed_sessions": [repr(o) for o in outcomes if isinstance(o, BaseException)],
        "error_log_lines": [line for line in log_text.splitlines() if ERROR_LINE.search(line)],
        "wall_s": round(wall, 2),
        "answer_ms_median": round(statistics.median(ms), 1) if ms else None,
        "answer_ms_p90": _p90(ms) if ms else None,
        "answer_ms_max": max(ms) if ms else None,
    }


def baseline_script(ref: str, work: Path) -> str:
    """``app.py`` as it is at git ``ref``, written into ``work`` (run from this folder all the same)."""
    source = subprocess.run(
        ["git", "show", f"{ref}:app.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    path = work / "app_baseline.py"
    path.write_text(source, encoding="utf-8")
    return str(path)


async def run(args: argparse.Namespace, work: Path) -> int:
    from playwright.async_api import async_playwright

    data = work / "data"
    index_s = build_index(data)
    engine = Assistant.load(kb_dir=ROOT / "kb", data_dir=data, watch_kb=False, calculator=True)
    sources = {entry.source: entry.id for entry in engine.entries}
    variants: dict[str, str | None] = {"current": None}  # None: as make run starts it
    if args.baseline:
        variants = {f"baseline ({args.baseline})": baseline_script(args.baseline, work), **variants}
    report: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} python {platform.python_version()}",
        "command": "benchmarks/browser_latency.py " + " ".join(sys.argv[1:]),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "load_average_before": list(os.getloadavg()),
        "index_build_s": round(index_s, 2),
        "goals": {
            "first_answer_s": 5.0,
            "first_answer_after_page_open_s": 3.0,
            "answer_after_enter_ms": 500,
            "concurrent_all_correct": True,
        },
    }
    c: dict[str, Any] | None = None
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
            for n in range(args.startups):
                for i, (name, script) in enumerate(variants.items()):  # side by side: same load for both
                    env = app_environment(data, work / f"feedback-startup-{n}-{i}.sqlite3")
                    log = work / f"streamlit-startup-{n}-{i}.log"
                    runs[name].append(await startup_run(browser, env, log, engine, script))
                    print(f"start-up run {n + 1}, {name}: {runs[name][-1]}", flush=True)
            if args.startups:
                summaries = {name: startup_summary(r) for name, r in runs.items()}
                report["startup"] = summaries["current"]
                if args.baseline:
                    report["startup_by_variant"] = summaries

            if args.visits:
                env = app_environment(data, work / "feedback-visits.sqlite3")
                report["visits"] = await visits(
                    browser, env, work / "streamlit-visits.log", engine, args.visits, args.click_after
                )

            if args.sessions:
                plan = concurrency_questions(engine, args.sessions * args.questions)
                per_session = [plan[i * args.questions : (i + 1) * args.questions] for i in range(args.sessions)]
                env = app_environment(data, work / "feedback-concurrency.sqlite3")
                with streamlit_server(env, work / "streamlit-concurrency.log") as server:
                    started = time.perf_counter()
                    outcomes = await asyncio.gather(
                        *(session(browser, server.url, qs, sources) for qs in per_session), return_exceptions=True
                    )
                    wall = time.perf_counter() - started
                    log_text = server.log_text()
                c = concurrency_summary(args, list(outcomes), wall, log_text)
        finally:
            await browser.close()
    if c is not None:
        report["concurrency"] = c
    report["load_average_after"] = list(os.getloadavg())

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, s in report.get("startup_by_variant", {"current": report.get("startup")}).items():
        if s is None:
            continue
        print(
            f"\n{name}, start-up ({args.startups} runs): input ready median {s['input_ready_s_median']} s; "
            f"first answer median {s['first_answer_s_median']} s, max {s['first_answer_s_max']} s after server "
            f"start (goal <= 5 s); median {s['first_answer_after_page_open_s_median']} s, max "
            f"{s['first_answer_after_page_open_s_max']} s after page open (goal <= 3 s)"
        )
        print(
            f"answer after Enter: median {s['answer_after_enter_ms_median']} ms, "
            f"p90 {s['answer_after_enter_ms_p90']} ms, max {s['answer_after_enter_ms_max']} ms (goal <= 500 ms)"
        )
    if "visits" in report:
        v = report["visits"]
        for preload, r in v["by_preload"].items():
            print(
                f"visits to a running chat, bubble clicked {v['click_after_page_load_ms']} ms after page load, "
                f"data-preload={preload}: input ready median {r['input_ready_after_page_open_s_median']} s, first "
                f"answer median {r['first_answer_after_page_open_s_median']} s after page open (goal <= 3 s)"
            )
    if c is not None:
        print(
            f"{c['sessions']} concurrent sessions x {c['questions_per_session']} questions: "
            f"{c['right_entry']}/{c['asked']} answered with the right entry, {len(c['error_log_lines'])} error "
            f"lines logged, {len(c['crashed_sessions'])} sessions crashed; answer median {c['answer_ms_median']} "
            f"ms, p90 {c['answer_ms_p90']} ms, wall {c['wall_s']} s"
        )
    print(f"load average before/after: {report['load_average_before']} / {report['load_average_after']}")
    print(f"written to {OUT.relative_to(ROOT)}")
    ok = c is None or (c["right_entry"] == c["asked"] and not c["crashed_sessions"] and not c["error_log_lines"])
    if not ok:
        print("FAILED: not every concurrent question was answered with the right entry without errors", file=sys.stderr)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--startups", type=int, default=3, help="server start-ups to time (default 3)")
    parser.add_argument("--sessions", type=int, default=10, help="concurrent browser sessions (default 10; 0: none)")
    parser.add_argument("--questions", type=int, default=5, help="questions per session (default 5)")
    parser.add_argument(
        "--visits", type=int, default=5, help="customer visits to a running chat per data-preload value (default 5)"
    )
    parser.add_argument(
        "--click-after", type=int, default=1500, help="ms from page load to the bubble click in a visit (default 1500)"
    )
    parser.add_argument("--baseline", help="also time app.py as it is at this git ref, side by side (e.g. main)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
