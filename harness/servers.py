"""Servers for the app tests and the browser benchmarks: settings for a private data folder, a real chat
server on a free loopback port, a static HTTP server for the example page, and the in-page script that
times a reply from Enter.

Plain functions and context managers (no pytest here), shared by ``tests/`` and ``benchmarks/``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def app_environment(data_dir: Path, feedback_db: Path) -> dict[str, str]:
    """``ASSISTANT_*`` variables that keep an app run in its own data folder and feedback file."""
    return {
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_FEEDBACK_DB": str(feedback_db),
        "ASSISTANT_KB_DIR": str(ROOT / "kb"),
    }


def build_index(data_dir: Path) -> float:
    """Build the index into ``data_dir`` (like ``make index``); returns the seconds it took."""
    started = time.perf_counter()
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-m", "assistant", "build"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running ``streamlit run app.py``."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started_at: float  # time.perf_counter() just before the process was started
    healthy_at: float  # ... and when /_stcore/health first answered

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health within {timeout:.0f} s")


@contextlib.contextmanager
def streamlit_server(
    env: dict[str, str], log_path: Path, timeout: float = 60.0, script: str | None = None
) -> Iterator[Server]:
    """Start the chat as ``make run`` does (``python -m assistant.chat_server``), or ``streamlit run script``
    (run from the project folder: its settings and package), on a free loopback port; stop it (this
    process only) on exit."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    start = ["-m", "assistant.chat_server"] if script is None else ["-m", "streamlit", "run", script]
    command = [
        sys.executable,
        *start,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log_file:
        started_at = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            _wait_healthy(url, process, timeout)
            yield Server(url, process, log_path, started_at, time.perf_counter())
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Requests are not worth a line each in the test output."""


@contextlib.contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on a free loopback port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="static-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def reply_watcher(count: str, attributes: bool = False) -> str:
    """The script, for ``frame.evaluate(script, arg)``, that times the next reply inside the browser: it stamps
    ``window.__faqEnter`` at the next Enter, and ``window.__faqAnswered`` resolves with ``performance.now()``
    when ``count`` (a JavaScript function of ``arg`` returning how many replies are done) grows. DOM changes
    are watched, not polled; ``attributes`` also watches attribute changes."""
    watched = "subtree: true, childList: true, characterData: true" + (", attributes: true" if attributes else "")
    return f"""(arg) => {{
  const count = {count};
  const before = count();
  window.__faqEnter = null;
  document.addEventListener('keydown', e => {{
    if (e.key === 'Enter' && window.__faqEnter === null) {{ window.__faqEnter = performance.now(); }}
  }}, {{capture: true, once: true}});
  window.__faqAnswered = new Promise(resolve => {{
    const observer = new MutationObserver(() => {{
      if (count() > before) {{ observer.disconnect(); resolve(performance.now()); }}
    }});
    observer.observe(document.body, {{{watched}}});
  }});
}}"""
