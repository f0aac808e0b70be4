"""The feedback store across backends and processes: rows from many processes land exactly once,
``db copy`` moves a SQLite store into PostgreSQL without losing or doubling a row, ``db upgrade``
adopts a SQLite file made before Alembic with its rows, and the migrations match the tables."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.feedback import FeedbackStore
from assistant.models import Answer, Match
from assistant.store import db, tables

REFUND = Match("q-refund", "可以退款吗？", "三、管理订阅", 0.91, "kb/faq.md:181")
PROCESSES, ROWS_EACH = 4, 30


def _faq() -> Answer:
    return Answer(kind="faq", answer="…", matches=(REFUND,), language="zh")


def _writer(url: str, spool_base: str, n: int) -> None:
    """One process: its own store (own pool) writing questions, votes and handoffs."""
    store = FeedbackStore(Path(spool_base), url=url)
    for i in range(ROWS_EACH):
        turn = f"p{n}-{i}"
        store.record_question(turn, f"问题 {n} {i} 电话 13812345678", _faq())
        store.record_vote(turn, "q", _faq(), i % 2)
        store.record_handoff("thumbs_down", turn, "q", _faq())


def test_rows_from_many_processes_land_exactly_once(store_url: str, tmp_path: Path) -> None:
    spool_base = tmp_path / "spool-base.sqlite3"
    FeedbackStore(spool_base, url=store_url)  # migrated once before the writers start
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(store_url, str(spool_base), n)) for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    store = FeedbackStore(spool_base, url=store_url)
    total = PROCESSES * ROWS_EACH
    summary = store.summary()
    assert (summary.questions, summary.votes_up + summary.votes_down, summary.handoffs) == (total, total, total)
    assert summary.votes_up == PROCESSES * (ROWS_EACH // 2)
    turns = [row[0] for row in store.handoffs()]
    assert len(set(turns)) == total  # no handoff twice, none lost
    assert "13812345678" not in store.questions_csv()


def _fill(store: FeedbackStore) -> None:
    for i in range(40):
        store.record_question(f"t{i}", f"问题 {i}", _faq())
        if i % 3 == 0:
            store.record_vote(f"t{i}", f"问题 {i}", _faq(), i % 2)
    store.record_handoff("header")
    store.record_handoff("header")  # the same click twice: both must arrive, once each
    store.record_handoff("thumbs_down", "t3", "问题 3", _faq())


def test_db_copy_moves_sqlite_into_postgresql_once(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = FeedbackStore(tmp_path / "feedback.sqlite3")
    _fill(source)
    assert main(["db", "--url", source.url, "copy", "--to", postgres_url]) == 0
    first = capsys.readouterr().out
    assert "questions: 40 in" in first and "40 added" in first
    target = FeedbackStore(tmp_path / "spool.sqlite3", url=postgres_url)
    assert target.summary() == source.summary()
    assert target.votes() == source.votes()
    assert target.handoffs() == source.handoffs()
    assert target.questions_csv() == source.questions_csv()
    # Idempotent: a second run adds nothing; a row recorded since is the only one added.
    source.record_question("late", "后来的问题", _faq())
    assert main(["db", "--url", source.url, "copy", "--to", postgres_url]) == 0
    second = capsys.readouterr().out
    assert "questions: 41 in" in second and ", 1 added" in second
    # Nothing new among votes, handoffs and conversation turns.
    assert "votes: 14 in" in second and "handoffs: 3 in" in second and second.count(" 0 added") == 3
    assert target.summary() == source.summary()


def _old_sqlite_file(path: Path) -> None:
    """A store as the pre-Alembic code left it: tables from its script, user_version 1, rows."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        PRAGMA journal_mode=WAL;
        CREATE TABLE questions (id INTEGER PRIMARY KEY, turn_id TEXT NOT NULL UNIQUE, asked_at TEXT NOT NULL,
            question TEXT NOT NULL, language TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('faq', 'calculation', 'no_answer')),
            entry_id TEXT, entry_question TEXT, match_score REAL);
        CREATE INDEX questions_asked_at ON questions (asked_at);
        CREATE TABLE votes (id INTEGER PRIMARY KEY, turn_id TEXT NOT NULL UNIQUE, voted_at TEXT NOT NULL,
            question TEXT NOT NULL, language TEXT NOT NULL, kind TEXT NOT NULL, entry_id TEXT,
            entry_question TEXT, score INTEGER NOT NULL CHECK (score IN (0, 1)));
        CREATE TABLE handoffs (id INTEGER PRIMARY KEY, turn_id TEXT, clicked_at TEXT NOT NULL, place TEXT NOT NULL,
            question TEXT, language TEXT, kind TEXT, entry_id TEXT);
        PRAGMA user_version=1;
        INSERT INTO questions VALUES (1, 'a', '2026-03-01T10:00:00Z', '可以退款吗', 'zh', 'faq', 'q-refund', 'x', 0.9);
        INSERT INTO questions VALUES (2, 'b', '2026-03-02T10:00:00Z', '怎么开发票', 'zh', 'no_answer',
            NULL, NULL, NULL);
        INSERT INTO votes VALUES (1, 'b', '2026-03-02T10:01:00Z', '怎么开发票', 'zh', 'no_answer', NULL, NULL, 0);
        INSERT INTO handoffs VALUES (1, 'b', '2026-03-02T10:02:00Z', 'no_answer', '怎么开发票', 'zh',
            'no_answer', NULL);
        """
    )
    conn.commit()
    conn.close()


def test_db_upgrade_adopts_an_old_sqlite_file_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _old_sqlite_file(path)
    url = f"sqlite:///{path}"
    assert db.current_revision(db.engine_for(url)) is None
    assert main(["db", "--url", url, "upgrade"]) == 0
    assert db.current_revision(db.engine_for(url)) == tables.HEAD_REVISION
    store = FeedbackStore(path)
    summary = store.summary()
    assert (summary.questions, summary.unanswered, summary.votes_down, summary.handoffs) == (2, 1, 1, 1)
    store.record_question("c", "新问题", _faq())  # and it still takes rows
    assert store.summary().questions == 3


def test_opening_an_old_sqlite_file_migrates_it_by_itself(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _old_sqlite_file(path)
    store = FeedbackStore(path)
    assert db.current_revision(db.engine_for(store.url)) == tables.HEAD_REVISION
    assert [v.turn_id for v in store.votes()] == ["b"]


def test_the_migrations_end_at_the_tables_revision() -> None:
    assert db.head_revision() == tables.HEAD_REVISION


def test_the_migrated_schema_matches_the_table_definitions(store_url: str) -> None:
    from sqlalchemy import inspect

    engine = db.engine_for(store_url)
    db.upgrade(engine)
    inspector = inspect(engine)
    for table in tables.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes, table.name
