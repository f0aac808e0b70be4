"""Start the chat page with its engine already loading: ``python -m assistant.chat_server [options]``.

The options are ``streamlit run``'s (``--server.port 8501`` ...); the page is the project's ``app.py``.
Before Streamlit's server starts, the engine begins loading in a background thread of the same process
(:func:`assistant.loading.preload`), so the first visitor's question does not wait for it: the page's
first run takes that load instead of starting its own. Plain ``streamlit run app.py`` works too; the
engine then starts loading with the first page run.
"""

from __future__ import annotations

import logging
import sys
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


def main(argv: Sequence[str] | None = None) -> int:
    """Start the engine's load, then ``streamlit run app.py`` with ``argv`` in this process."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = resolve_settings()
    except ConfigError as exc:  # the page says so to its visitors; nothing to load
        log.error("the engine is not loaded ahead: %s", exc)
    else:
        preload(engine_key(settings), lambda: load_engine(settings.data_dir), "assistant-preload")
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *args]
    return int(cli.main(prog_name="streamlit") or 0)


if __name__ == "__main__":
    sys.exit(main())
