"""Start the chat page with its engine already loading: ``python -m assistant.chat_server [options]``.

The options are ``streamlit run``'s (``--server.port 8501`` ...); the page is the project's ``app.py``.
A background thread of the same process (:func:`assistant.loading.preload`) loads the engine as soon as
Streamlit's server is up (not before: on two cores the load would slow the server's own start), while
the first visitor's browser is still loading the page; the page's first run takes that load instead of
starting its own, so an early question hardly waits. Plain ``streamlit run app.py`` works too; the
engine then starts loading with the first page run.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import ConfigError
from assistant.loading import preload
from assistant.settings import Settings, resolve_settings

if TYPE_CHECKING:
    from assistant import Assistant

log = logging.getLogger(__name__)
APP = Path(__file__).resolve().parent.parent / "app.py"
SERVER_WAIT_S = 30.0  # the engine's load waits at most this long for the server to be up


def engine_key(settings: Settings) -> str:
    """What an engine answers with: its folders and the published FAQ its citations link to."""
    return f"{settings.kb_dir}|{settings.data_dir}|{settings.faq_url}"


def index_version(data_dir: Path) -> Hashable:
    """What the index is now, cheaply (one stat): a rebuild swaps in a new manifest file. None: not built."""
    from assistant.index import INDEX_DIRNAME  # imported by the engine's load before a page run asks this

    try:
        stat = (data_dir / INDEX_DIRNAME / "manifest.json").stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def load_engine(data_dir: Path) -> tuple[Assistant, Hashable]:
    """The engine (``Assistant.load()``, settings from the environment) and the index version it loaded."""
    from assistant import Assistant

    engine = Assistant.load()
    return engine, index_version(data_dir)


def wait_for_server(timeout: float = SERVER_WAIT_S) -> bool:
    """Block until Streamlit's runtime in this process has started (True), or ``timeout`` seconds (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Never imported here (the server imports it); it may be half imported yet, without Runtime.
        runtime = getattr(sys.modules.get("streamlit.runtime.runtime"), "Runtime", None)
        if runtime is not None and runtime.exists() and runtime.instance().state.value != "INITIAL":
            return True
        time.sleep(0.02)
    return False


def _load_once_served(data_dir: Path) -> tuple[Assistant, Hashable]:
    if not wait_for_server():
        log.warning("the chat server took over %.0f s to start; loading the engine anyway", SERVER_WAIT_S)
    return load_engine(data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the engine's load, then ``streamlit run app.py`` with ``argv`` in this process."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = resolve_settings()
    except ConfigError as exc:  # the page says so to its visitors; nothing to load
        log.error("the engine is not loaded ahead: %s", exc)
    else:
        preload(engine_key(settings), lambda: _load_once_served(settings.data_dir), "assistant-preload")
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *args]
    return int(cli.main(prog_name="streamlit") or 0)


if __name__ == "__main__":
    sys.exit(main())
