"""Engines, schema upgrades and copying for the feedback store (SQLite or PostgreSQL).

One engine per URL per process, with a small connection pool (SQLite: WAL mode, ``BEGIN IMMEDIATE``
for writes; PostgreSQL: psycopg 3, pre-pinged connections). :func:`ensure_schema` brings a database
to :data:`~assistant.store.tables.HEAD_REVISION` with Alembic, under a lock so that processes
starting together migrate once; :func:`copy_store` moves every row of one store into another.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..errors import FeedbackStoreError
from . import tables

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
POOL_SIZE = 5
MAX_OVERFLOW = 5
PG_CONNECT_TIMEOUT_S = 3
_MIGRATION_LOCK_KEY = 14_0001  # pg_advisory_xact_lock key: one migrating process at a time
COPY_BATCH = 500

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def backend(url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return make_url(url).get_backend_name()


def redact(url: str) -> str:
    """``url`` with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other backends)."""
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        # The pool hands a connection to one thread at a time; sqlite3's own check would refuse that.
        connect_args={"check_same_thread": False, "isolation_level": None, "timeout": 1.0},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("feedback database %s is in %s mode, not WAL; readers may block writers", url, mode)
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses at most the last commit
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front (and waits for it) instead of failing when it
        # upgrades a read transaction; readers take none (WAL lets them read while one writes).
        immediate = conn.get_execution_options().get("immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def engine_for(url: str) -> Engine:
    """The process's engine for ``url`` (created on first use, then shared by every store on it)."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            if backend(url) == "sqlite":
                engine = _sqlite_engine(url)
            else:
                engine = create_engine(
                    url,
                    pool_size=POOL_SIZE,
                    max_overflow=MAX_OVERFLOW,
                    pool_pre_ping=True,  # a server restart costs a reconnect, not a failed write
                    connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S, "application_name": "faq-assistant"},
                )
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests; a process that drops its databases)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def transaction(engine: Engine, *, write: bool = False, timeout_s: float | None = None) -> Iterator[Connection]:
    """A connection in a transaction, committed when the block ends (rolled back on error).

    ``write`` on SQLite takes the write lock at BEGIN; ``timeout_s`` is how long SQLite waits for a
    locked database (PostgreSQL: how long a statement waits for a row lock)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            if timeout_s is not None:
                # On the driver's connection: through SQLAlchemy it would open a transaction first.
                raw: Any = conn.connection.driver_connection
                raw.execute(f"PRAGMA busy_timeout = {max(1, int(timeout_s * 1000))}")
            conn = conn.execution_options(immediate=write)
        with conn.begin():
            if engine.dialect.name == "postgresql" and timeout_s is not None:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(timeout_s * 1000))}")
            yield conn


# ---------------------------------------------------------------------------------------------- schema
def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None: never migrated, or empty)."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row else None


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    """The newest revision among the migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise FeedbackStoreError(f"no migration scripts in {MIGRATIONS_DIR}")
    return head


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` (adopting a pre-Alembic SQLite file: its tables stay,
    rows and all). Serialised across processes: SQLite's write lock, PostgreSQL's advisory lock."""
    from alembic import command
    from alembic.util import CommandError

    before = current_revision(engine)
    try:
        with transaction(engine, write=True, timeout_s=30.0) as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            command.upgrade(_alembic_config(conn), revision)
    except CommandError as exc:
        raise FeedbackStoreError(
            f"cannot migrate the feedback database {redact(str(engine.url))} (at revision {before}): {exc}. "
            "A revision this code does not know means the database was migrated by newer code; run that version."
        ) from exc
    after = current_revision(engine)
    if after != before:
        log.info("feedback database %s migrated: %s -> %s", redact(str(engine.url)), before, after)
    return after


def ensure_schema(engine: Engine) -> None:
    """Upgrade the database when it is behind this code (cheap when it is not: one query)."""
    if current_revision(engine) != tables.HEAD_REVISION:
        upgrade(engine)


# ---------------------------------------------------------------------------------------------- copy
@dataclass(frozen=True)
class CopyReport:
    """Rows per table: in the source, and newly added to the target by this copy."""

    source: dict[str, int]
    added: dict[str, int]


def _rows(engine: Engine, table: Table, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    with transaction(engine) as conn:
        query = select(*(table.c[name] for name in columns)).order_by(table.c.id)
        return [tuple(row) for row in conn.execute(query)]


def insert_ignoring_duplicates(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows whose ``turn_id`` is not in ``table`` yet; returns how many were added."""
    batch = list(rows)
    if not batch:
        return 0
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table).on_conflict_do_nothing(index_elements=["turn_id"])
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=["turn_id"])
    statement = statement.returning(table.c.id)  # counted by what comes back: psycopg's rowcount says -1
    added = 0
    for row in batch:
        added += len(conn.execute(statement, row).fetchall())
    return added


def copy_store(source_url: str, target_url: str) -> CopyReport:
    """Copy every question, vote, handoff and conversation turn from ``source_url`` into ``target_url``
    (migrated first).

    Idempotent: questions and votes are keyed by turn id; a handoff is added only as many times as
    the source holds it more often than the target. A second run adds nothing."""
    if source_url == target_url:
        raise FeedbackStoreError(f"db copy: source and target are the same database ({redact(source_url)})")
    source, target = engine_for(source_url), engine_for(target_url)
    try:
        ensure_schema(source)
        ensure_schema(target)
        source_counts: dict[str, int] = {}
        added: dict[str, int] = {}
        for table, columns in (
            (tables.questions, tables.QUESTION_COLUMNS),
            (tables.votes, tables.VOTE_COLUMNS),
            (tables.conversation_turns, tables.TURN_COLUMNS),
        ):
            rows = _rows(source, table, columns)
            source_counts[table.name] = len(rows)
            added[table.name] = 0
            for start in range(0, len(rows), COPY_BATCH):
                with transaction(target, write=True) as conn:
                    chunk = (dict(zip(columns, row, strict=True)) for row in rows[start : start + COPY_BATCH])
                    added[table.name] += insert_ignoring_duplicates(conn, table, chunk)
        rows = _rows(source, tables.handoffs, tables.HANDOFF_COLUMNS)
        source_counts["handoffs"] = len(rows)
        with transaction(target, write=True) as conn:
            present = Counter(_rows_in(conn, tables.handoffs, tables.HANDOFF_COLUMNS))
            missing: list[dict[str, Any]] = []
            for row in rows:
                if present[row] > 0:
                    present[row] -= 1
                else:
                    missing.append(dict(zip(tables.HANDOFF_COLUMNS, row, strict=True)))
            if missing:
                conn.execute(tables.handoffs.insert(), missing)
            added["handoffs"] = len(missing)
    except SQLAlchemyError as exc:
        raise FeedbackStoreError(f"db copy {redact(source_url)} -> {redact(target_url)} failed: {exc}") from exc
    return CopyReport(source_counts, added)


def _rows_in(conn: Connection, table: Table, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(select(*(table.c[name] for name in columns)))]
