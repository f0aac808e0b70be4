"""``python -m assistant doctor`` on the feedback store: backend, masked URL, connection, Alembic head.

Both backends: SQLite files and the throwaway PostgreSQL of ``tests/conftest.py`` (``store_url``)."""

from __future__ import annotations

import io
import socket
import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from assistant.doctor import Check, _check_store, _Report, run_doctor
from assistant.settings import resolve_settings
from assistant.store import db


def _store_checks(tmp_path: Path, **settings: object) -> list[Check]:
    report = _Report()
    resolved = resolve_settings(data_dir=tmp_path / "data", feedback_db=tmp_path / "feedback.sqlite3", **settings)
    _check_store(report, resolved)
    return [c for c in report.checks if c.area == "store"]


def test_a_store_at_the_alembic_head_is_ok_on_each_backend(store_url: str, tmp_path: Path) -> None:
    db.upgrade(db.engine_for(store_url))
    [check] = _store_checks(tmp_path, database_url=store_url)
    assert check.status == "ok", check
    assert check.message.startswith(f"{db.backend(store_url)} at {db.redact(store_url)}: connected")
    assert f"schema at the Alembic head ({db.head_revision()})" in check.message


def test_a_store_not_migrated_yet_is_a_warning_with_the_command(store_url: str, tmp_path: Path) -> None:
    if db.backend(store_url) == "sqlite":  # an existing file without alembic_version (a pre-Alembic store)
        conn = sqlite3.connect(db.sqlite_path(store_url))  # type: ignore[arg-type]
        conn.execute("CREATE TABLE questions (id INTEGER PRIMARY KEY)")
        conn.commit()
        conn.close()
    [check] = _store_checks(tmp_path, database_url=store_url)
    assert check.status == "warn", check
    assert "not migrated yet" in check.message and "python -m assistant db upgrade" in check.fix


def test_a_revision_from_newer_code_fails(store_url: str, tmp_path: Path) -> None:
    engine = db.engine_for(store_url)
    db.upgrade(engine)
    with db.transaction(engine, write=True) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    [check] = _store_checks(tmp_path, database_url=store_url)
    assert check.status == "FAIL", check
    assert "revision 9999" in check.message and "does not know" in check.message


def test_the_doctor_only_reads_a_sqlite_store(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    [check] = _store_checks(tmp_path)  # no URL: SQLite at ASSISTANT_FEEDBACK_DB
    assert check.status == "ok" and "not created yet" in check.message
    assert check.message.startswith(f"sqlite at sqlite:///{path}")
    assert not path.exists()  # the doctor created nothing


def test_the_password_is_masked_when_postgresql_connects(postgres_url: str, tmp_path: Path) -> None:
    # The throwaway server trusts local connections, so any password gets in.
    url = make_url(postgres_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    db.upgrade(db.engine_for(url))
    [check] = _store_checks(tmp_path, database_url=url)
    assert check.status == "ok", check
    assert "s3cret-pw" not in check.message and ":***@" in check.message


def test_an_unreachable_postgresql_fails_without_showing_its_password(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+psycopg://faq:s3cret-pw@127.0.0.1:{port}/faq"
    [check] = _store_checks(tmp_path, database_url=url)
    assert check.status == "FAIL", check
    assert "cannot connect" in check.message and f"127.0.0.1:{port}" in check.message
    assert "s3cret-pw" not in check.message + check.fix and ":***@" in check.message
    assert "ASSISTANT_DATABASE_URL" in check.fix


def test_the_doctor_report_has_a_store_line(tmp_path: Path, store_url: str) -> None:
    db.upgrade(db.engine_for(store_url))
    out = io.StringIO()
    run_doctor(
        out,
        kb_dir=tmp_path / "kb",
        data_dir=tmp_path / "data",
        embedding_model="none",
        database_url=store_url,
        feedback_db=tmp_path / "feedback.sqlite3",
    )
    lines = [line for line in out.getvalue().splitlines() if " store " in line]
    assert len(lines) == 1 and lines[0].strip().startswith("[ok  ] store") and "Alembic head" in lines[0]
