"""The feedback store: every question asked in the chat, its thumbs votes, handoffs and conversation turns.

One store, two backends, picked by ``ASSISTANT_DATABASE_URL``: SQLite (``sqlite:///PATH``; without the
URL, the file ``ASSISTANT_FEEDBACK_DB``, default ``data/feedback.sqlite3``) in WAL mode, so the
insights page can read while chat sessions write; or PostgreSQL (``postgresql+psycopg://...``) for
several app processes or hosts. The tables are defined once (:mod:`assistant.store.tables`, SQLAlchemy
Core) and migrated with Alembic (:mod:`assistant.store.db`): automatically when a store opens on a
database that is behind, or with ``python -m assistant db upgrade``. Each operation checks a
connection out of a small per-process pool. A write that meets a locked (SQLite) or unreachable
(PostgreSQL) database goes to a spool file and is moved in later; reads retry a locked database with
backoff, then :class:`FeedbackStoreError` says so. Nothing is dropped silently.

Tables:

* ``questions``: one row per answered question (``turn_id`` is the chat turn), with the kind of
  answer, the cited entry and its retrieval score.
* ``votes``: the latest thumbs vote of a turn (``score`` 1 = up, 0 = down, as ``st.feedback`` gives
  it), with the question, entry id and kind copied so a vote stands on its own.
* ``handoffs``: each click on "contact support" (``place``: ``header``, ``no_answer`` or
  ``thumbs_down``), with the turn it was clicked on (none for the header button).
* ``conversation_turns``: the chat's turns per conversation id (the page's ``?c=<id>``, an
  unguessable :func:`new_conversation_id`): question, answer JSON or notice, and the conversation
  state after the turn, so a reload restores the chat and its follow-ups (:meth:`FeedbackStore.load_conversation`).

The insights drawn from them (grouping, CSV) are shaped in :mod:`assistant.insights`; the masking in
:mod:`assistant.privacy`. Questions are masked before they are stored (:func:`mask_personal`: e-mail addresses, phone
numbers, ID numbers, long digit runs), and with ``ASSISTANT_RETENTION_DAYS`` rows older than that
many days are deleted (conversation turns too) (:meth:`FeedbackStore.purge_expired`, run when the store opens and hourly
while questions are recorded).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, insert, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, SQLAlchemyError

from .errors import FeedbackStoreError
from .insights import (
    GROUP_SIMILARITY,
    MAX_GROUPED_ROWS,
    DayCount,
    EntryHits,
    EntryVotes,
    Summary,
    UnansweredGroup,
    Vote,
    _csv,
    csv_bytes,
    group_similar,
    rows_csv,
)
from .models import Answer, answer_from_dict, to_json
from .privacy import mask_personal
from .settings import resolve_database_url, resolve_settings
from .store import db, tables

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the spool is serialised within one process only
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

T = TypeVar("T")

SCHEMA_VERSION = 1  # PRAGMA user_version of SQLite files made before Alembic (adopted as revision 0001)
UP, DOWN = 1, 0

PURGE_EVERY = timedelta(hours=1)  # how often recording questions also deletes expired rows

# Longest a record_* call waits for a locked database before spooling the row (the answer waits on it).
QUICK_TIMEOUT_S = 0.05
# After the database server could not be reached, writes go straight to the spool for this long
# (instead of each waiting for a connect timeout) and the next write tries the server again.
UNREACHABLE_PAUSE_S = 5.0
SPOOL_SUFFIX = ".spool.jsonl"
_UNANSWERED = "CASE WHEN kind = 'no_answer' THEN 1 ELSE 0 END"  # SUM(kind = ...) is SQLite-only
SPOOL_OPS = ("question", "vote", "withdraw", "handoff", "turn")
HANDOFF_PLACES = ("header", "no_answer", "thumbs_down")

# Conversation ids (the chat page's ?c=): 16 random bytes, URL-safe base64 without padding (22 characters).
CONVERSATION_ID_BYTES = 16
_CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{22}")
MAX_RESTORED_TURNS = 30  # a restored conversation shows at most its last 30 turns (the chat's own cap)



def new_conversation_id() -> str:
    """A fresh, unguessable conversation id (``secrets.token_urlsafe``): whoever has it can read the chat."""
    return secrets.token_urlsafe(CONVERSATION_ID_BYTES)


def is_conversation_id(value: object) -> bool:
    """True when ``value`` has the shape of :func:`new_conversation_id`'s ids (anything else: start fresh)."""
    return isinstance(value, str) and _CONVERSATION_ID.fullmatch(value) is not None


def _masked_state(state: str) -> str:
    """A conversation state's JSON with each remembered question masked (:func:`mask_personal`)."""
    from .conversation import ConversationState

    parsed = ConversationState.from_json(state)
    turns = tuple(dataclasses.replace(t, question=mask_personal(t.question)) for t in parsed.turns)
    return ConversationState(turns).to_json()


# ---------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class StoredTurn:
    """One restored chat turn: the (masked) question and the answer, or the notice shown instead."""

    turn_id: str
    question: str
    answer: Answer | None
    notice: str | None


@dataclass(frozen=True)
class StoredConversation:
    """A conversation read back from the store: its turns, oldest first, and the state after the last."""

    conversation_id: str
    turns: tuple[StoredTurn, ...]
    state: str | None


# ---------------------------------------------------------------------------------------------- store
def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


# PostgreSQL: lock not available (lock_timeout), serialization failure, deadlock: worth a retry.
_PG_BUSY_STATES = ("55P03", "40001", "40P01")


def _is_busy(exc: BaseException) -> bool:
    """A locked database (SQLite's "database is locked", PostgreSQL's lock timeout): wait it out, or spool."""
    if not isinstance(exc, OperationalError):
        return False
    message = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in message or "database is busy" in message or _sqlstate(exc) in _PG_BUSY_STATES


def _is_unreachable(exc: BaseException, backend_name: str) -> bool:
    """A database server that cannot be reached (down, restarting, network): the row is spooled."""
    if backend_name == "sqlite":
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    state = _sqlstate(exc)
    # No SQLSTATE: the connection itself failed; class 08 connection exceptions; 57P0x server shutting down.
    return isinstance(exc, OperationalError | InterfaceError) and (
        state is None or state.startswith("08") or state.startswith("57P")
    )


class FeedbackStore:
    """Questions, votes and handoffs in SQLite or PostgreSQL (``ASSISTANT_DATABASE_URL``).

    Thread-safe: every operation checks a connection out of the process's pool for its own
    transaction. A row the database cannot take at once (locked, unreachable) goes to a spool file
    beside :attr:`path` and is moved in by a later write or read: nothing is dropped silently.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        url: str | None = None,
        retries: int = 6,
        backoff_s: float = 0.05,
        busy_timeout_s: float = 1.0,
        clock: Callable[[], datetime] | None = None,
        quick_timeout_s: float = QUICK_TIMEOUT_S,
        retention_days: int | None = None,
    ) -> None:
        """Open (creating or migrating if needed) the store.

        Where: ``url``, else ``path`` when it is a URL string, else ``ASSISTANT_DATABASE_URL``, else
        SQLite at ``path`` (default ``ASSISTANT_FEEDBACK_DB``). With a server URL, ``path`` (or
        ``ASSISTANT_FEEDBACK_DB``) only places the spool file.
        Reads wait for a locked database ``busy_timeout_s``, then retry ``retries`` times with doubling
        sleeps from ``backoff_s``. Writes (``record_*``) wait ``quick_timeout_s`` at most: a row the
        database cannot take at once goes to the spool (:attr:`spool_path`) and is moved in later
        (:meth:`flush_spool`). ``retention_days``: rows older than that are deleted (None keeps everything).
        """
        if retries < 1:
            raise ValueError(f"retries must be at least 1, got {retries}")
        if retention_days is not None and retention_days <= 0:
            raise ValueError(f"retention_days must be positive or None, got {retention_days}")
        if isinstance(path, str) and "://" in path:
            url, path = url or path, None
        local = Path(path) if path is not None else None
        self.url = resolve_database_url(url, local)
        self.backend = db.backend(self.url)
        self.path = db.sqlite_path(self.url) or local or resolve_settings().feedback_db
        self._retention_days = retention_days
        self._purged_at: datetime | None = None
        self._retries = retries
        self._backoff_s = backoff_s
        self._busy_timeout_s = busy_timeout_s
        self._clock = clock or (lambda: datetime.now(UTC))
        self._quick_timeout_s = min(quick_timeout_s, busy_timeout_s)
        self._spool_lock = threading.Lock()
        self._down_until = 0.0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FeedbackStoreError(
                f"cannot create the folder for the feedback {'database' if self.backend == 'sqlite' else 'spool'} "
                f"{self.path}: {exc}. Set ASSISTANT_FEEDBACK_DB to a writable path."
            ) from exc
        self._engine = db.engine_for(self.url)
        self._run("open the feedback database", lambda: db.ensure_schema(self._engine))
        self._purge_if_due()

    @classmethod
    def from_settings(cls, **settings: Any) -> FeedbackStore:
        """The store at ``resolve_settings(**settings).store_url``, keeping its ``retention_days``."""
        resolved = resolve_settings(**settings)
        return cls(resolved.feedback_db, url=resolved.store_url, retention_days=resolved.retention_days)

    @property
    def where(self) -> str:
        """The database, for messages (a server URL without its password)."""
        return str(self.path) if self.backend == "sqlite" else db.redact(self.url)

    # -------------------------------------------------------------------------------- retention
    def purge_expired(self) -> int:
        """Delete questions, votes and handoffs older than the retention period; returns how many rows
        went (0 when everything is kept)."""
        if self._retention_days is None:
            return 0
        now = self._clock()
        cutoff = _iso(now - timedelta(days=self._retention_days))
        self.flush_spool()  # spooled rows are dated: old ones go with the rest

        def purge() -> int:
            with db.transaction(self._engine, write=True, timeout_s=self._busy_timeout_s) as conn:
                removed = conn.execute(delete(tables.questions).where(tables.questions.c.asked_at < cutoff)).rowcount
                removed += conn.execute(delete(tables.votes).where(tables.votes.c.voted_at < cutoff)).rowcount
                removed += conn.execute(delete(tables.handoffs).where(tables.handoffs.c.clicked_at < cutoff)).rowcount
                turns = tables.conversation_turns
                removed += conn.execute(delete(turns).where(turns.c.asked_at < cutoff)).rowcount
            return int(removed)

        removed = self._run("delete expired questions", purge)
        self._purged_at = now
        if removed:
            log.info("feedback retention (%d days): %d old row(s) deleted", self._retention_days, removed)
        return removed

    def _purge_if_due(self) -> None:
        if self._retention_days is None:
            return
        if self._purged_at is not None and self._clock() - self._purged_at < PURGE_EVERY:
            return
        try:
            self.purge_expired()
        except FeedbackStoreError as exc:  # retention is retried at the next chance; recording goes on
            log.error("expired feedback rows not deleted yet: %s", exc)

    # -------------------------------------------------------------------------------- plumbing
    def _run(self, what: str, operation: Callable[[], T]) -> T:
        """Run ``operation``, retrying while SQLite says the database is locked."""
        delay = self._backoff_s
        for attempt in range(1, self._retries + 1):
            try:
                return operation()
            except SQLAlchemyError as exc:
                if _is_unreachable(exc, self.backend):
                    raise FeedbackStoreError(
                        f"could not {what} in {self.where}: the database server cannot be reached "
                        f"({exc.__cause__ or exc}). "
                        "Check ASSISTANT_DATABASE_URL and that the server is up."
                    ) from exc
                if not _is_busy(exc):
                    hint = (
                        "If the file is damaged, move it away; a new one is created on the next start."
                        if self.backend == "sqlite"
                        else "Check the database and run `python -m assistant db upgrade`."
                    )
                    raise FeedbackStoreError(f"could not {what} in {self.where}: {exc}. {hint}") from exc
                if attempt == self._retries:
                    raise FeedbackStoreError(
                        f"could not {what} in {self.where}: the database stayed locked through {attempt} attempts. "
                        "Another process holds a long write transaction on it; close it and try again."
                    ) from exc
                log.warning("feedback database locked (%s), retry %d in %.2f s", what, attempt, delay)
                time.sleep(delay)
                delay *= 2
        raise FeedbackStoreError(f"could not {what} in {self.where}")  # unreachable: the loop returns or raises

    def _apply(self, conn: Connection, op: str, row: Sequence[Any]) -> None:
        """Write one spool-shaped row (``op`` one of :data:`SPOOL_OPS`); replaying it is harmless
        except for a handoff, which has no key of its own."""
        if op == "question":
            values = dict(zip(tables.QUESTION_COLUMNS, row, strict=True))
            db.insert_ignoring_duplicates(conn, tables.questions, [values])
        elif op == "vote":
            values = dict(zip(tables.VOTE_COLUMNS, row, strict=True))
            dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            statement = dialect_insert(tables.votes).values(values)
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["turn_id"],
                    set_={"voted_at": statement.excluded.voted_at, "score": statement.excluded.score},
                )
            )
        elif op == "withdraw":
            (turn_id,) = row
            conn.execute(delete(tables.votes).where(tables.votes.c.turn_id == turn_id))
        elif op == "handoff":
            conn.execute(insert(tables.handoffs).values(dict(zip(tables.HANDOFF_COLUMNS, row, strict=True))))
        elif op == "turn":
            values = dict(zip(tables.TURN_COLUMNS, row, strict=True))
            db.insert_ignoring_duplicates(conn, tables.conversation_turns, [values])
        else:
            raise KeyError(op)

    # -------------------------------------------------------------------------------- spool
    @property
    def spool_path(self) -> Path:
        """Rows that could not be written at once wait here (JSON lines), beside the database file
        (with a server, beside ``ASSISTANT_FEEDBACK_DB``: each host keeps its own)."""
        return self.path.with_name(self.path.name + SPOOL_SUFFIX)

    @contextmanager
    def _spool_locked(self) -> Iterator[Any]:
        """The spool file, opened for append and read, under an exclusive lock (threads and processes)."""
        with self._spool_lock:
            handle = self.spool_path.open("a+b")
            try:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                yield handle
            finally:
                handle.close()  # releases the flock

    def _spool(self, op: str, row: Sequence[Any]) -> None:
        """Append one row to the spool (a single write of one line, fsynced)."""
        line = (json.dumps({"op": op, "row": list(row)}, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            with self._spool_locked() as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise FeedbackStoreError(f"could not write the feedback spool {self.spool_path}: {exc}") from exc

    def flush_spool(self) -> int:
        """Move spooled rows into the database when it is free; returns how many moved (0 when it is
        still locked or unreachable: they stay spooled). Replaying is idempotent (turn ids are unique)."""
        try:
            if not self.spool_path.exists() or self.spool_path.stat().st_size == 0:
                return 0
        except OSError:
            return 0
        if time.monotonic() < self._down_until:
            return 0
        with self._spool_locked() as handle:
            handle.seek(0)
            lines = handle.read().splitlines()
            if not lines:
                return 0
            moved = 0
            try:
                with db.transaction(self._engine, write=True, timeout_s=self._quick_timeout_s) as conn:
                    for number, line in enumerate(lines, 1):
                        try:
                            record = json.loads(line)
                            op, row = record["op"], record["row"]
                            with conn.begin_nested():  # one bad line is skipped, not the whole spool
                                self._apply(conn, op, row)
                            moved += 1
                        except (ValueError, KeyError, TypeError, IntegrityError) as exc:
                            log.error("feedback spool %s line %d unusable: %s", self.spool_path, number, exc)
            except SQLAlchemyError as exc:
                if _is_unreachable(exc, self.backend):
                    self._down_until = time.monotonic() + UNREACHABLE_PAUSE_S
                log.info("feedback spool not flushed yet (%s); %d row(s) wait in %s", exc, len(lines), self.spool_path)
                return 0
            handle.truncate(0)
            handle.flush()
            os.fsync(handle.fileno())
        log.info("feedback spool flushed: %d row(s) moved into %s", moved, self.where)
        return moved

    def _record(self, what: str, op: str, row: Sequence[Any]) -> None:
        """Write one row now if the database takes it within a moment; otherwise spool it. Never blocks
        an answer for long; never drops a row (a row that cannot even be spooled raises)."""
        if time.monotonic() < self._down_until:
            self._spool(op, row)
            log.warning("feedback database unreachable (%s); row spooled to %s", what, self.spool_path)
            return
        try:
            with db.transaction(self._engine, write=True, timeout_s=self._quick_timeout_s) as conn:
                self._apply(conn, op, row)
        except SQLAlchemyError as exc:
            self._spool(op, row)
            if _is_busy(exc) or _is_unreachable(exc, self.backend):
                if _is_unreachable(exc, self.backend):
                    self._down_until = time.monotonic() + UNREACHABLE_PAUSE_S
                log.warning(
                    "feedback database %s (%s); row spooled to %s (will retry when the database is free)",
                    "locked" if _is_busy(exc) else "unreachable",
                    what,
                    self.spool_path,
                )
                return
            raise FeedbackStoreError(
                f"could not {what} in {self.where}: {exc}; the row is kept in {self.spool_path} and written "
                "once the database works again"
            ) from exc
        self.flush_spool()

    # -------------------------------------------------------------------------------- writing
    def record_question(self, turn_id: str, question: str, answer: Answer) -> None:
        """Store one answered question (every kind, so hits and unanswered questions can be counted)."""
        self._purge_if_due()
        best = answer.matches[0] if answer.matches and answer.kind != "no_answer" else None
        row = (*self._turn_row(turn_id, question, answer), best.score if best else None)
        self._record("record the question", "question", row)

    def record_vote(self, turn_id: str, question: str, answer: Answer, score: int | None) -> None:
        """Store the thumbs vote of a turn (1 up, 0 down); a later vote replaces it, None withdraws it."""
        if score is None:
            self._record("withdraw the vote", "withdraw", (turn_id,))
            return
        if score not in (UP, DOWN):
            raise ValueError(f"a thumbs vote is 1 (up) or 0 (down), got {score!r}")
        self._record("record the vote", "vote", (*self._turn_row(turn_id, question, answer), score))

    def _turn_row(self, turn_id: str, question: str, answer: Answer) -> tuple[object, ...]:
        """The columns every stored turn starts with: id, time, masked question, language, kind, cited entry."""
        best = answer.matches[0] if answer.matches and answer.kind != "no_answer" else None
        return (
            turn_id,
            _iso(self._clock()),
            mask_personal(question),
            answer.language,
            answer.kind,
            best.id if best else None,
            best.question if best else None,
        )

    def record_handoff(
        self, place: str, turn_id: str | None = None, question: str | None = None, answer: Answer | None = None
    ) -> None:
        """Store a click on "contact support": where (``HANDOFF_PLACES``) and, unless it was the header
        button, the turn it was clicked on (question masked, kind and cited entry)."""
        if place not in HANDOFF_PLACES:
            raise ValueError(f"a handoff place is one of {HANDOFF_PLACES}, got {place!r}")
        best = answer.matches[0] if answer is not None and answer.matches and answer.kind != "no_answer" else None
        row = (
            turn_id,
            _iso(self._clock()),
            place,
            mask_personal(question) if question is not None else None,
            answer.language if answer is not None else None,
            answer.kind if answer is not None else None,
            best.id if best else None,
        )
        self._record("record the support handoff", "handoff", row)

    def record_turn(
        self,
        conversation_id: str,
        turn_id: str,
        question: str,
        answer: Answer | None = None,
        notice: str | None = None,
        state: str | None = None,
    ) -> None:
        """Store one chat turn of conversation ``conversation_id`` (see :func:`new_conversation_id`):
        the question and the remembered questions of ``state`` (the conversation's JSON after the turn)
        are masked like every stored question; ``answer`` is kept as JSON to be shown again."""
        if not is_conversation_id(conversation_id):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        self._purge_if_due()
        row = (
            conversation_id,
            turn_id,
            _iso(self._clock()),
            mask_personal(question),
            to_json(answer) if answer is not None else None,
            notice,
            _masked_state(state) if state is not None else None,
        )
        self._record("record the conversation turn", "turn", row)

    def load_conversation(self, conversation_id: object, limit: int = MAX_RESTORED_TURNS) -> StoredConversation | None:
        """The stored turns of ``conversation_id`` (its last ``limit``, oldest first) and its latest state;
        None for a malformed or unknown id, or one whose turns are past the retention period."""
        if not is_conversation_id(conversation_id):
            return None
        params: dict[str, Any] = {"cid": conversation_id, "limit": limit, "cutoff": ""}
        if self._retention_days is not None:
            params["cutoff"] = _iso(self._clock() - timedelta(days=self._retention_days))
        rows = self._query(
            "read the conversation",
            "SELECT turn_id, question, answer, notice, state FROM conversation_turns "
            "WHERE conversation_id = :cid AND asked_at >= :cutoff ORDER BY id DESC LIMIT :limit",
            params,
        )
        if not rows:
            return None
        turns = []
        state = None
        for turn_id, question, answer_json, notice, turn_state in reversed(rows):
            answer = None
            if answer_json is not None:
                try:
                    answer = answer_from_dict(json.loads(answer_json))
                except (ValueError, TypeError, KeyError) as exc:  # an unreadable row is shown as a notice
                    log.error("stored answer of turn %s unreadable: %s", turn_id, exc)
            turns.append(StoredTurn(turn_id, question, answer, notice))
            state = turn_state if turn_state is not None else state
        return StoredConversation(str(conversation_id), tuple(turns), state)

    def handoffs(self) -> list[tuple[str | None, str, str, str | None, str | None]]:
        """Every stored handoff as ``(turn_id, clicked_at, place, question, kind)``, oldest first."""
        rows = self._query(
            "read the handoffs",
            "SELECT turn_id, clicked_at, place, question, kind FROM handoffs ORDER BY clicked_at, id",
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # -------------------------------------------------------------------------------- reading
    def _query(self, what: str, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        self.flush_spool()  # best effort: spooled rows count as soon as the database is free

        def read() -> list[tuple[Any, ...]]:
            with db.transaction(self._engine, timeout_s=self._busy_timeout_s) as conn:
                return [tuple(row) for row in conn.execute(text(sql), params or {})]

        return self._run(what, read)

    def votes(self) -> list[Vote]:
        """Every stored vote, oldest first."""
        rows = self._query(
            "read the votes",
            "SELECT turn_id, voted_at, question, language, kind, entry_id, entry_question, score FROM votes "
            "ORDER BY voted_at, id",
        )
        return [Vote(*row) for row in rows]

    def summary(self) -> Summary:
        """Totals: questions, unanswered questions, thumbs up and down."""
        questions, unanswered = self._query(
            "count the questions",
            f"SELECT COUNT(*), COALESCE(SUM({_UNANSWERED}), 0) FROM questions",
        )[0]
        up, down = self._query(
            "count the votes", "SELECT COALESCE(SUM(score), 0), COALESCE(SUM(1 - score), 0) FROM votes"
        )[0]
        (handoffs,) = self._query("count the handoffs", "SELECT COUNT(*) FROM handoffs")[0]
        return Summary(questions, unanswered, up, down, handoffs)

    def unanswered_groups(
        self, limit: int = MAX_GROUPED_ROWS, similarity: float = GROUP_SIMILARITY
    ) -> list[UnansweredGroup]:
        """The newest no_answer and thumbs-down questions, similar ones grouped, biggest group first."""
        rows = self._query(
            "read the unanswered questions",
            # A thumbs-down on a no_answer reply is the same question again: it is listed once.
            "SELECT question, asked_at, 'no_answer' FROM questions WHERE kind = 'no_answer' "
            "UNION ALL SELECT question, voted_at, 'thumbs_down' FROM votes WHERE score = 0 AND kind != 'no_answer' "
            "ORDER BY 2 DESC LIMIT :limit",
            {"limit": limit},
        )
        return group_similar(rows, similarity)

    def top_entries(self, limit: int = 10) -> list[EntryHits]:
        """The entries that answered most often (calculations count for the entry they cite first)."""
        rows = self._query(
            "count the hits per entry",
            "SELECT entry_id, MAX(entry_question), COUNT(*) AS hits FROM questions "
            "WHERE entry_id IS NOT NULL GROUP BY entry_id ORDER BY hits DESC, entry_id LIMIT :limit",
            {"limit": limit},
        )
        return [EntryHits(*row) for row in rows]

    def entry_votes(self) -> list[EntryVotes]:
        """Thumbs up and down per cited entry, most votes first."""
        rows = self._query(
            "count the votes per entry",
            "SELECT entry_id, MAX(entry_question), SUM(score), SUM(1 - score) FROM votes "
            "GROUP BY entry_id ORDER BY COUNT(*) DESC, CASE WHEN entry_id IS NULL THEN 0 ELSE 1 END, entry_id",
        )
        return [EntryVotes(*row) for row in rows]

    def questions_per_day(self, days: int = 30) -> list[DayCount]:
        """Questions per UTC day over the last ``days`` days (days without questions included, as 0)."""
        today = self._clock().astimezone(UTC).date()
        first = today - timedelta(days=days - 1)
        rows = self._query(
            "count the questions per day",
            f"SELECT substr(asked_at, 1, 10) AS day, COUNT(*), SUM({_UNANSWERED}) FROM questions "
            "WHERE asked_at >= :first GROUP BY substr(asked_at, 1, 10) ORDER BY day",
            {"first": first.isoformat()},
        )
        counted = {day: (n, unanswered) for day, n, unanswered in rows}
        result = []
        for offset in range(days):
            day = (first + timedelta(days=offset)).isoformat()
            n, unanswered = counted.get(day, (0, 0))
            result.append(DayCount(day, n, unanswered))
        return result

    def questions_csv(self) -> str:
        """Every stored question with its vote (if any), as CSV for a spreadsheet."""
        header = (
            "asked_at",
            "question",
            "language",
            "kind",
            "entry_id",
            "entry_question",
            "match_score",
            "vote",
        )
        rows = self._query(
            "export the questions",
            "SELECT q.asked_at, q.question, q.language, q.kind, q.entry_id, q.entry_question, q.match_score, "
            "v.score FROM questions q LEFT JOIN votes v ON v.turn_id = q.turn_id ORDER BY q.asked_at, q.id",
        )
        return _csv(header, rows)


__all__ = [
    "DayCount",
    "EntryHits",
    "EntryVotes",
    "FeedbackStore",
    "FeedbackStoreError",
    "StoredConversation",
    "StoredTurn",
    "Summary",
    "UnansweredGroup",
    "Vote",
    "csv_bytes",
    "group_similar",
    "is_conversation_id",
    "mask_personal",
    "new_conversation_id",
    "rows_csv",
]
