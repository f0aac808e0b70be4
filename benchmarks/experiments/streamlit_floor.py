"""How long a Streamlit page takes to show its chat input in headless Chromium: a bare page (only
``st.chat_input``) against the project's app.py, each on its own server, three fresh browsers each.

    .venv/bin/python benchmarks/experiments/streamlit_floor.py

The bare page is the floor that no change to app.py can go under (Streamlit's own scripts load first).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from harness.servers import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402


async def time_page(script: str, cwd: Path, env: dict[str, str]) -> list[float]:
    from playwright.async_api import async_playwright

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health")
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(3)  # the app's engine load at start is done, as a visitor finds it
        seconds = []
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for _ in range(3):
                context = await browser.new_context(viewport={"width": 400, "height": 600})
                page = await context.new_page()
                started = time.perf_counter()
                await page.goto(f"http://127.0.0.1:{port}/?embed=true")
                await page.locator("textarea").wait_for(state="visible")
                seconds.append(round(time.perf_counter() - started, 2))
                await context.close()
            await browser.close()
        return seconds
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bare = Path(folder)
        (bare / "app.py").write_text('import streamlit as st\nst.chat_input("ask")\n', encoding="utf-8")
        env = {**os.environ, "ASSISTANT_FEEDBACK_DB": str(bare / "feedback.sqlite3")}
        print("bare st.chat_input page: input visible after", asyncio.run(time_page("app.py", bare, env)), "s")
        print("app.py:                  input visible after", asyncio.run(time_page("app.py", ROOT, env)), "s")


if __name__ == "__main__":
    main()
