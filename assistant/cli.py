"""Command line: ``python -m assistant ask|chat|build|doctor|kb check``.

Errors become one message on stderr and an exit code (see :mod:`assistant.errors`),
never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING

from .errors import AssistantError, InvalidQuestion
from .models import Answer, to_json

if TYPE_CHECKING:
    from .engine import Assistant

log = logging.getLogger(__name__)


class _ProgressBar:
    """A one-line progress bar on stderr (silent when stderr is not a terminal, except at the end)."""

    def __init__(self, label: str, stream: IO[str] | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self._last = -1.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        finished = done >= total
        if not finished and now - self._last < 0.2:
            return
        self._last = now
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        rate = done / max(now - self.started, 1e-9)
        line = f"\r{self.label} [{bar}] {done}/{total} ({rate:,.0f}/s)"
        if self.stream.isatty() or finished:
            self.stream.write(line + ("\n" if finished else ""))
            self.stream.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="FAQ Assistant")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question (or a batch of questions)")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--batch", metavar="FILE", help="one question per line ('-' for stdin); prints JSON lines")
    build = sub.add_parser("build", help="rebuild the index now, with progress")
    build.add_argument("--if-stale", action="store_true", help="only rebuild when the stored index is not current")
    chat = sub.add_parser("chat", help="a conversation: follow-up questions keep their context")
    chat.add_argument(
        "--json", action="store_true", help="read turns from stdin, one per line (empty line: new conversation)"
    )
    sub.add_parser("doctor", help="check the KB, index, model and data store; print fixes")
    calibrate = sub.add_parser("calibrate", help="train the answer/refuse decision model (see assistant/calibrate.py)")
    calibrate.add_argument("--kb", metavar="DIR", help="knowledge base folder (default: ASSISTANT_KB_DIR)")
    calibrate.add_argument(
        "--questions", metavar="FILE", action="append", default=[], help="labelled questions (score.py format)"
    )
    calibrate.add_argument("--refuse-rate", type=float, default=0.90, help="out-of-scope share to refuse")
    calibrate.add_argument("--answer-precision", type=float, default=0.97, help="precision of confident answers")
    calibrate.add_argument("--write", action="store_true", help="store the model in assistant/decision.json")
    calibrate.add_argument("--plots", metavar="DIR", help="write the reliability diagram and PR curve here")
    calibrate.add_argument(
        "--bare",
        action="store_true",
        help="train the model for KBs without alternates (stored as MODEL+bare): the same questions ranked "
        "against the entries without alternates and without out-of-scope topics",
    )
    calibrate.add_argument(
        "--drop", metavar="FEATURE", action="append", default=[], help="a feature the model ignores (weight 0)"
    )
    _add_kb_parser(sub)
    _add_serve_parser(sub)
    _add_db_parser(sub)
    return parser


def _add_db_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``db upgrade|current|copy --to URL``: the feedback store's schema and moving it between backends."""
    dbp = sub.add_parser("db", help="feedback store: migrate the schema, copy SQLite into PostgreSQL")
    dbp.add_argument("--url", help="the store (default: ASSISTANT_DATABASE_URL, else SQLite at ASSISTANT_FEEDBACK_DB)")
    db_sub = dbp.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="migrate the store to this code's schema (adopts pre-Alembic SQLite files)")
    db_sub.add_parser("current", help="print the store's schema revision and this code's")
    copy = db_sub.add_parser("copy", help="copy every row of the store into another (idempotent)")
    copy.add_argument("--to", required=True, metavar="URL", help="the target, e.g. postgresql+psycopg://u:p@host/db")


def _db(args: argparse.Namespace) -> int:
    """Run one ``db`` command; prints what it did (rows per table for ``copy``)."""
    from .settings import check_database_url, resolve_database_url
    from .store import db
    from .store.tables import HEAD_REVISION

    url = resolve_database_url(args.url)
    where = db.redact(url)
    if args.db_command == "current":
        print(f"{where}: revision {db.current_revision(db.engine_for(url))} (this code: {HEAD_REVISION})")
        return 0
    if args.db_command == "upgrade":
        path = db.sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        print(f"{where}: at revision {db.upgrade(db.engine_for(url))}")
        return 0
    target = check_database_url(args.to, "--to")
    report = db.copy_store(url, target)
    for table, total in report.source.items():
        print(f"{table}: {total} in {where}, {report.added[table]} added to {db.redact(target)}")
    return 0


def _add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``serve [--host H] [--port P] [--openapi]``: the HTTP API (assistant/api.py)."""
    serve = sub.add_parser("serve", help="serve the HTTP API (FastAPI on uvicorn; needs the 'api' extra)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--openapi", action="store_true", help="print the OpenAPI schema and exit (docs/openapi.json)")


def _serve(args: argparse.Namespace) -> int:
    """Serve the HTTP API until interrupted; a missing FastAPI/uvicorn is a setup error (exit 2)."""
    from .errors import ConfigError

    try:
        from . import api
    except ImportError as exc:
        raise ConfigError(f"the HTTP API needs FastAPI and uvicorn: pip install -e '.[api]' ({exc})") from None
    if args.openapi:
        from .engine import Assistant

        sys.stdout.write(api.openapi_json(api.create_app(load=Assistant.load)))
        return 0
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port {args.port} is not a TCP port (1-65535)")
    return api.serve(args.host, args.port, verbose=args.verbose)


def _add_kb_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``kb check [DIR] [--json]``: how each FAQ file is read, entries, sections, warnings."""
    kb = sub.add_parser("kb", help="knowledge base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    check = kb_sub.add_parser("check", help="per file: convention detected, entries, sections, warnings")
    check.add_argument("dir", nargs="?", help="the KB folder (default: ASSISTANT_KB_DIR or kb/)")
    check.add_argument("--json", action="store_true", help="print one JSON object")


def _kb(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .parsing.check import run_check
    from .settings import resolve_settings

    kb_dir = Path(args.dir) if args.dir else resolve_settings().kb_dir
    return run_check(kb_dir, args.json, sys.stdout)


def _human(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.kind == "faq" and len(answer.matches) > 1:
        related = "相关问题" if answer.language == "zh" else "Related questions"
        lines.append(f"\n{related}:\n" + "\n".join(f"  - {m.question}" for m in answer.matches[1:]))
    if answer.degraded:
        lines.append("\n(degraded mode: the embedding model is unavailable; lexical matching only)")
    return "\n".join(lines)


# Bytes of a batch line read at most (per character of ASSISTANT_MAX_QUESTION_CHARS: UTF-8 takes up to 4).
_BYTES_PER_CHAR = 4
_SKIP_CHUNK = 1 << 16
# A "line" this long without a line break is not a question file (``/dev/zero``, a binary): stop.
MAX_SKIPPED_BYTES = 64 << 20


def _lines(handle: IO[bytes], max_chars: int) -> Iterator[tuple[str, str | None]]:
    """Questions of a batch, as ``(text, error)``, decoded line by line so one bad byte sequence spoils
    one line only. A line longer than ``max_chars`` characters is never held whole in memory: it is
    refused at once (an error line), the rest of it skipped in fixed-size chunks; a stream without
    line breaks (``/dev/zero``) stops the batch after :data:`MAX_SKIPPED_BYTES` with an error."""
    limit = max_chars * _BYTES_PER_CHAR + 2  # room for "\r\n"
    number = 0
    while True:
        raw = handle.readline(limit)
        if not raw:
            return
        number += 1
        if len(raw) == limit and not raw.endswith(b"\n"):
            log.warning("batch line %d is over %d bytes; refused without reading it whole", number, limit)
            yield "", f"line {number} is too long (over {max_chars} characters); refused"
            skipped = len(raw)
            while True:
                rest = handle.readline(_SKIP_CHUNK)
                skipped += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
                if skipped > MAX_SKIPPED_BYTES:
                    raise InvalidQuestion(
                        f"batch line {number} has no line break in its first {MAX_SKIPPED_BYTES >> 20} MiB: "
                        "not a file of questions (one per line)"
                    )
            continue
        try:
            yield raw.decode("utf-8").rstrip("\r\n"), None
        except UnicodeDecodeError:
            log.warning("batch line %d is not valid UTF-8; undecodable bytes replaced", number)
            yield raw.decode("utf-8", "replace").rstrip("\r\n"), None


def _open_batch(source: str) -> IO[bytes]:
    """The batch input: ``-`` is stdin; any readable non-folder path works (``/dev/stdin``, ``<(...)``)."""
    if source == "-":
        return sys.stdin.buffer
    import errno
    import os

    if os.path.isdir(source):
        raise InvalidQuestion(f"batch file is a directory, not a file of questions: {source}")
    try:
        return open(source, "rb")  # closed by _batch
    except FileNotFoundError:
        raise InvalidQuestion(f"batch file not found: {source}") from None
    except OSError as exc:
        why = "permission denied" if exc.errno == errno.EACCES else (exc.strerror or str(exc))
        raise InvalidQuestion(f"cannot read batch file {source}: {why}") from None


def _refused(assistant: Assistant, line: str, error: str) -> Answer:
    """The JSON line of a batch line that cannot be asked: ``no_answer`` with its ``error``."""
    from . import compose

    language = "en" if line.isascii() else "zh"
    return compose.compose_no_answer([], language, assistant.degraded, error=error)


def _answer_lines(
    assistant: Assistant,
    handle: IO[bytes],
    out: IO[str],
    ask: Callable[[str], Answer],
    on_blank: Callable[[], None] | None = None,
) -> int:
    """One JSON answer per line of ``handle`` (bad lines get a refusal line and the run goes on);
    with ``on_blank``, a blank line calls it and prints nothing."""
    for line, error in _lines(handle, assistant.settings.max_question_chars):
        if on_blank is not None and error is None and not line.strip():
            on_blank()
            continue
        if error is not None:
            answer = _refused(assistant, "", error)
        else:
            try:
                answer = ask(line)
            except InvalidQuestion as exc:
                answer = _refused(assistant, line, str(exc))
        out.write(to_json(answer) + "\n")
        out.flush()
    return 0


def _batch(assistant: Assistant, handle: IO[bytes], out: IO[str]) -> int:
    try:
        return _answer_lines(assistant, handle, out, assistant.ask)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _load() -> Assistant:
    from .engine import Assistant

    return Assistant.load(progress=_ProgressBar("building index"))


def _ask(args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.question is not None:
            raise InvalidQuestion("give either a question or --batch FILE, not both")
        handle = _open_batch(args.batch)
        try:
            assistant = _load()
        except BaseException:
            if handle is not sys.stdin.buffer:
                handle.close()
            raise
        return _batch(assistant, handle, sys.stdout)
    if args.question is None or not args.question.strip():
        raise InvalidQuestion('empty question: python -m assistant ask "your question"')
    answer = _load().ask(args.question)
    print(to_json(answer) if args.json else _human(answer))
    return 0


def _chat_json(assistant: Assistant, handle: IO[bytes], out: IO[str]) -> int:
    """``chat --json``: one turn per line of ``handle``, one JSON answer per turn; an empty line (or one of
    blanks) starts a new conversation and prints nothing. Bad lines are read as ``ask --batch`` reads them."""
    conversation = assistant.conversation()
    return _answer_lines(assistant, handle, out, conversation.ask, conversation.reset)


def _chat_loop(assistant: Assistant, read: Callable[[str], str], out: IO[str]) -> int:
    """The interactive chat: a prompt, answers as ``ask`` prints them, ``/new`` starts over, Ctrl-D leaves."""
    conversation = assistant.conversation()
    out.write("Ask a question (/new starts over, Ctrl-D leaves).\n")
    while True:
        try:
            line = read("> ")
        except EOFError:
            out.write("\n")
            return 0
        if not line.strip():
            continue
        if line.strip() == "/new":
            conversation.reset()
            out.write("(new conversation)\n")
            continue
        try:
            answer = conversation.ask(line)
        except InvalidQuestion as exc:
            out.write(f"{exc}\n")
            continue
        out.write(_human(answer) + "\n\n")
        out.flush()


def _chat(args: argparse.Namespace) -> int:
    assistant = _load()
    if args.json:
        return _chat_json(assistant, sys.stdin.buffer, sys.stdout)
    return _chat_loop(assistant, input, sys.stdout)


def _build(args: argparse.Namespace) -> int:
    from .engine import build

    manifest = build(progress=_ProgressBar("embedding"), only_if_stale=args.if_stale)
    if manifest.model_id == "lexical":
        print(
            f"nothing to build: ASSISTANT_EMBEDDING_MODEL=none answers by lexical matching only, with no index; "
            f"the knowledge base parses ({manifest.entry_count} entries)"
        )
        return 0
    print(
        f"index built: {manifest.entry_count} entries, {manifest.vector_count} vectors, "
        f"model {manifest.model_id}, {manifest.index_type}, {manifest.build_seconds:.1f}s"
    )
    return 0


def _doctor(_: argparse.Namespace) -> int:
    from .doctor import run_doctor

    return run_doctor(sys.stdout)


def _calibrate(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from .calibrate import plot, train, write_model
    from .decision import BARE_SUFFIX, FEATURES
    from .engine import Assistant
    from .errors import ConfigError

    unknown = sorted(set(args.drop) - set(FEATURES))
    if unknown:
        raise ConfigError(f"--drop {', '.join(unknown)}: not a feature; features are {', '.join(FEATURES)}")
    files = [Path(f) for f in args.questions]
    for f in files:
        if not f.is_file():
            raise ConfigError(f"--questions file not found: {f}")
    kb = {"kb_dir": Path(args.kb)} if args.kb else {}
    assistant = Assistant.load(calculator=False, watch_kb=False, progress=_ProgressBar("embedding"), **kb)  # type: ignore[arg-type]
    model_id, index, encoder = assistant.model_parts()
    model, summary, rows, cv = train(
        index,
        encoder,
        assistant.settings.kb_dir,
        assistant.settings.data_dir,
        files,
        refuse_rate=args.refuse_rate,
        answer_precision=args.answer_precision,
        progress=_ProgressBar("featurising"),
        bare=args.bare,
        drop=args.drop,
    )
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    if args.bare:
        model_id += BARE_SUFFIX
    if args.write:
        write_model(model_id, model, summary)
        print(f"wrote the decision model for {model_id} to assistant/decision.json", file=sys.stderr)
    if args.plots:
        for path in plot(rows, cv, Path(args.plots), model_id):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: unencodable characters become JSON ``\\uXXXX`` escapes (surrogate pairs
    beyond the BMP), so ``--json`` output stays valid JSON on an ASCII-only stream."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


def _tolerant_streams() -> None:
    """Never die on a terminal or pipe that cannot show Chinese (``PYTHONIOENCODING=ascii``, LANG=C):
    unencodable characters are written as ``\\uXXXX`` escapes, which are still valid inside JSON strings."""
    import codecs

    codecs.register_error("assistant-json-escape", _json_escape)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a detached or closed stream: nothing to do
                reconfigure(errors="assistant-json-escape")


def _configure_logging(verbose: bool) -> None:
    """Logging is configured here, at the entry point: ``-v`` shows INFO, else ``ASSISTANT_LOG_LEVEL``.

    A bad setting is reported by the command itself (exit 2, or by ``doctor``), not here."""
    from .errors import ConfigError
    from .settings import log_level_number, resolve_settings

    try:
        level = log_level_number(resolve_settings().log_level)
    except ConfigError:
        level = logging.WARNING
    if verbose:
        level = min(level, logging.INFO)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("assistant").setLevel(level)


def main(argv: list[str] | None = None) -> int:
    _tolerant_streams()
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose)
    handlers = {"ask": _ask, "chat": _chat, "build": _build, "doctor": _doctor, "kb": _kb, "calibrate": _calibrate}
    handlers["serve"] = _serve
    handlers["db"] = _db
    try:
        return handlers[args.command](args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
