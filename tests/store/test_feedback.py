"""The feedback store: votes and questions, insights queries, CSV, locking and spooling.

The store tests run on both backends (the ``store_url`` fixture: a SQLite file and a fresh
PostgreSQL database); the SQLite-only ones (WAL mode, file locks, damaged files) say so."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.feedback import (
    FeedbackStore,
    FeedbackStoreError,
    UnansweredGroup,
    csv_bytes,
    group_similar,
    mask_personal,
    rows_csv,
)
from assistant.models import Answer, Match
from assistant.store import tables
from tests.conftest import Clock

REFUND = Match("q-refund", "可以退款吗？", "三、管理订阅", 0.91, "kb/faq.md:181")
RENEW = Match("q-renew", "我的订阅会自动续费吗？", "三、管理订阅", 0.88, "kb/faq.md:159")


def faq(match: Match, language: str = "zh") -> Answer:
    return Answer(kind="faq", answer=f"**匹配的问题：** {match.question}", matches=(match,), language=language)


def no_answer(language: str = "zh") -> Answer:
    return Answer(kind="no_answer", answer="not covered", matches=(REFUND, RENEW), language=language)


@pytest.fixture
def store(store_url: str, tmp_path: Path, clock: Clock) -> FeedbackStore:
    return FeedbackStore(tmp_path / "fb" / "feedback.sqlite3", url=store_url, clock=clock)


def _column(store: FeedbackStore, sql: str) -> list[object]:
    """The first column of a raw query on the store's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(store.url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_creates_the_file_in_wal_mode(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb" / "feedback.sqlite3")
    assert store.path.exists() and store.backend == "sqlite"
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"questions", "votes"} <= tables


def test_reopening_keeps_the_data(store: FeedbackStore) -> None:
    store.record_question("t1", "可以退款吗", faq(REFUND))
    again = FeedbackStore(store.path, url=store.url)
    assert again.summary().questions == 1
    assert _column(store, "SELECT version_num FROM alembic_version") == [tables.HEAD_REVISION]


def test_path_comes_from_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere" / "votes.sqlite3"
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(target))
    assert FeedbackStore.from_settings().path == target
    assert target.exists()


def test_vote_is_stored_with_question_entry_kind_score_time_and_language(store: FeedbackStore) -> None:
    store.record_question("t1", "Can I get a refund?", faq(REFUND, "en"))
    store.record_vote("t1", "Can I get a refund?", faq(REFUND, "en"), 1)
    (vote,) = store.votes()
    assert (vote.turn_id, vote.question, vote.entry_id, vote.kind, vote.score, vote.language) == (
        "t1",
        "Can I get a refund?",
        "q-refund",
        "faq",
        1,
        "en",
    )
    assert vote.voted_at == "2026-03-10T12:00:00Z"
    assert vote.entry_question == REFUND.question


def test_a_changed_vote_replaces_the_first_and_none_withdraws_it(store: FeedbackStore) -> None:
    store.record_vote("t1", "可以退款吗", faq(REFUND), 1)
    store.record_vote("t1", "可以退款吗", faq(REFUND), 0)
    assert [v.score for v in store.votes()] == [0]
    store.record_vote("t1", "可以退款吗", faq(REFUND), None)
    assert store.votes() == []


def test_vote_must_be_thumbs(store: FeedbackStore) -> None:
    with pytest.raises(ValueError, match="1 \\(up\\) or 0 \\(down\\)"):
        store.record_vote("t1", "q", faq(REFUND), 4)


def test_no_answer_has_no_entry_even_with_suggestions(store: FeedbackStore) -> None:
    store.record_question("t1", "怎么开发票", no_answer())
    store.record_vote("t1", "怎么开发票", no_answer(), 0)
    assert store.votes()[0].entry_id is None
    assert store.top_entries() == []
    assert store.summary().unanswered == 1
    (group,) = store.unanswered_groups()  # the thumbs-down on a no_answer reply is not the question again
    assert (group.count, group.no_answer, group.thumbs_down) == (1, 1, 0)


def test_insights_counts(store: FeedbackStore, clock: Clock) -> None:
    for i in range(3):
        store.record_question(f"r{i}", "可以退款吗", faq(REFUND))
    store.record_question("n1", "我的订阅会自动续费吗", faq(RENEW))
    store.record_question("x1", "怎么开发票", no_answer())
    store.record_vote("r0", "可以退款吗", faq(REFUND), 1)
    store.record_vote("r1", "可以退款吗", faq(REFUND), 1)
    store.record_vote("r2", "可以退款吗", faq(REFUND), 0)
    store.record_vote("x1", "怎么开发票", no_answer(), 0)

    assert [(h.entry_id, h.hits) for h in store.top_entries()] == [("q-refund", 3), ("q-renew", 1)]
    assert store.top_entries(limit=1)[0].entry_question == REFUND.question
    by_entry = {v.entry_id: v for v in store.entry_votes()}
    assert (by_entry["q-refund"].up, by_entry["q-refund"].down) == (2, 1)
    assert by_entry["q-refund"].ratio == pytest.approx(2 / 3)
    assert (by_entry[None].up, by_entry[None].down, by_entry[None].ratio) == (0, 1, 0.0)
    summary = store.summary()
    assert (summary.questions, summary.unanswered, summary.votes_up, summary.votes_down) == (5, 1, 2, 2)


def test_questions_per_day_fills_quiet_days_in_utc(store: FeedbackStore, clock: Clock) -> None:
    start = clock.now
    clock.now = start - timedelta(days=2)
    store.record_question("a", "可以退款吗", faq(REFUND))
    store.record_question("b", "怎么开发票", no_answer())
    # 23:30 in UTC+8 on the 10th is still the 10th in UTC: days are UTC days.
    clock.now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC) - timedelta(hours=8)
    store.record_question("c", "可以退款吗", faq(REFUND))
    clock.now = start - timedelta(days=40)  # outside the window
    store.record_question("d", "可以退款吗", faq(REFUND))
    clock.now = start
    days = store.questions_per_day(7)
    assert [d.day for d in days] == [f"2026-03-{n:02d}" for n in range(4, 11)]
    counts = {d.day: (d.questions, d.unanswered) for d in days}
    assert counts["2026-03-08"] == (2, 1)
    assert counts["2026-03-10"] == (1, 0)
    assert counts["2026-03-09"] == (0, 0)
    assert sum(d.questions for d in days) == 3


def test_unanswered_questions_are_grouped_by_similarity(store: FeedbackStore) -> None:
    store.record_question("a", "怎么开发票", no_answer())
    store.record_question("b", "能开发票吗？", no_answer())
    store.record_question("c", "可以开发票吗", no_answer())
    store.record_question("d", "How do I get an invoice?", no_answer("en"))
    store.record_question("e", "how can I get an invoice", no_answer("en"))
    store.record_question("f", "GLM-5 的上下文长度是多少", no_answer())
    store.record_question("g", "可以退款吗", faq(REFUND))  # answered: not in the list...
    store.record_vote("g", "可以退款吗", faq(REFUND), 0)  # ...until it gets a thumbs-down
    groups = store.unanswered_groups()
    as_sets = [set(g.variants) for g in groups]
    assert {"怎么开发票", "能开发票吗？", "可以开发票吗"} in as_sets
    assert {"How do I get an invoice?", "how can I get an invoice"} in as_sets
    assert {"GLM-5 的上下文长度是多少"} in as_sets
    refund = next(g for g in groups if g.question == "可以退款吗")
    assert (refund.count, refund.no_answer, refund.thumbs_down) == (1, 0, 1)
    assert groups[0].count == 3  # biggest group first
    assert sum(g.count for g in groups) == 7


def test_grouping_names_a_group_by_its_most_common_wording() -> None:
    rows = [
        ("红烧肉怎么做", "2026-01-02", "no_answer"),
        ("怎么做红烧肉", "2026-01-01", "no_answer"),
        ("怎么做红烧肉", "2026-01-03", "no_answer"),
        ("今天天气怎么样", "2026-01-01", "no_answer"),
    ]
    groups = group_similar(rows)
    assert groups[0] == UnansweredGroup("怎么做红烧肉", 3, 3, 0, "2026-01-03", ("怎么做红烧肉", "红烧肉怎么做"))
    assert [g.question for g in groups[1:]] == ["今天天气怎么样"]


def test_grouping_ignores_question_words_but_not_topics() -> None:
    rows = [
        ("可以退款吗", "2026-01-01", "no_answer"),
        ("可以开发票吗", "2026-01-01", "no_answer"),  # same question words, another topic
        ("你好", "2026-01-01", "no_answer"),  # one topic character: a subset of too much to group by
        ("GLM-5 和 GPT-5 哪个好", "2026-01-01", "no_answer"),
        ("退款怎么申请", "2026-01-01", "no_answer"),
    ]
    groups = {frozenset(g.variants) for g in group_similar(rows)}
    assert groups == {
        frozenset({"可以退款吗", "退款怎么申请"}),
        frozenset({"可以开发票吗"}),
        frozenset({"你好"}),
        frozenset({"GLM-5 和 GPT-5 哪个好"}),
    }


def test_questions_csv_has_votes_and_defuses_formulas(store: FeedbackStore) -> None:
    store.record_question("a", '=HYPERLINK("http://x")', no_answer("en"))
    store.record_question("b", "可以退款吗", faq(REFUND))
    store.record_vote("b", "可以退款吗", faq(REFUND), 1)
    rows = list(csv.DictReader(io.StringIO(store.questions_csv())))
    assert [r["question"] for r in rows] == ['\'=HYPERLINK("http://x")', "可以退款吗"]
    assert rows[1]["entry_id"] == "q-refund"
    assert rows[1]["vote"] == "1"
    assert rows[0]["vote"] == ""


def test_rows_csv_and_bytes_for_spreadsheets(store: FeedbackStore) -> None:
    store.record_question("a", "怎么开发票", no_answer())
    data = csv_bytes(rows_csv(store.unanswered_groups()))
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM makes spreadsheets read UTF-8 (Chinese intact)
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        {
            "question": "怎么开发票",
            "count": "1",
            "no_answer": "1",
            "thumbs_down": "0",
            "last_asked": "2026-03-10T12:00:00Z",
            "variants": "怎么开发票",
        }
    ]
    assert rows_csv([]) == ""


def _hold_write_lock(path: Path, seconds: float, locked: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    locked.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_database_locked_too_long_spools_the_row_and_writes_it_later(tmp_path: Path) -> None:
    """Writes never wait long on the database: the row goes to the spool and arrives afterwards."""
    store = FeedbackStore(tmp_path / "f.sqlite3", retries=3, backoff_s=0.01, busy_timeout_s=0.05)
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 1.5, locked))
    holder.start()
    locked.wait(5)
    try:
        store.record_question("t1", "可以退款吗", faq(REFUND))
        assert holder.is_alive() and b"t1" in store.spool_path.read_bytes()
    finally:
        holder.join()
    assert store.summary().questions == 1


def test_a_short_lock_is_waited_out_by_the_retries(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3", retries=8, backoff_s=0.02, busy_timeout_s=0.02)
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 0.3, locked))
    holder.start()
    locked.wait(5)
    store.record_question("t1", "可以退款吗", faq(REFUND))
    holder.join()
    assert store.summary().questions == 1


def test_many_threads_write_without_losing_a_row(store_url: str, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3", url=store_url)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                store.record_question(f"{n}-{i}", f"问题 {n} {i}", faq(REFUND))
                store.record_vote(f"{n}-{i}", f"问题 {n} {i}", faq(REFUND), i % 2)
        except BaseException as exc:  # collected and asserted below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    summary = store.summary()
    assert summary.questions == 200
    assert (summary.votes_up, summary.votes_down) == (96, 104)


def test_an_unusable_path_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(FeedbackStoreError, match="ASSISTANT_FEEDBACK_DB"):
        FeedbackStore(blocker / "feedback.sqlite3")


def test_a_damaged_file_is_reported_with_what_to_do(tmp_path: Path) -> None:
    damaged = tmp_path / "feedback.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    with pytest.raises(FeedbackStoreError, match="move it away"):
        FeedbackStore(damaged)


# ---------------------------------------------------------------------------------------------- privacy
@pytest.mark.parametrize(
    ("question", "stored"),
    [
        ("我的手机 13812345678 收不到验证码", "我的手机 [phone] 收不到验证码"),
        ("手机号+86 138-1234-5678", "手机号[phone]"),
        ("call me at +1 415-555-0123 please", "call me at [phone] please"),
        ("客服电话 010-12345678 打不通", "客服电话 [phone] 打不通"),
        ("tel (021) 6123 4567", "tel [phone]"),
        ("邮箱 zhang.san+plan@example.com.cn 没收到发票", "邮箱 [email] 没收到发票"),
        ("身份证 11010519491231002X 实名认证失败", "身份证 [id] 实名认证失败"),
        ("身份证号110105194912310021", "身份证号[id]"),
        ("订单号 2024010112345678 没到账", "订单号 [number] 没到账"),
        # Amounts, dates, versions and model names are what the FAQ is about: they stay.
        ("好友支付 2000 元能拿多少赠金", "好友支付 2000 元能拿多少赠金"),
        ("GLM-4.5 和 GLM-5 有什么区别", "GLM-4.5 和 GLM-5 有什么区别"),
        ("2026-03-01 的账单", "2026-03-01 的账单"),
        ("高峰期用 100 次相当于多少额度", "高峰期用 100 次相当于多少额度"),
        ("价格 49.9 元/月，1000000 tokens", "价格 49.9 元/月，1000000 tokens"),
    ],
)
def test_personal_data_is_masked_before_it_is_stored(store: FeedbackStore, question: str, stored: str) -> None:
    assert mask_personal(question) == stored
    store.record_question("t1", question, no_answer())
    store.record_vote("t1", question, no_answer(), 0)
    store.record_handoff("no_answer", "t1", question, no_answer())
    kept = [_column(store, f"SELECT question FROM {table}")[0] for table in ("questions", "votes", "handoffs")]
    assert kept == [stored, stored, stored]


def test_handoffs_are_stored_with_their_turn(store: FeedbackStore) -> None:
    store.record_question("t1", "可以退款吗", faq(REFUND))
    store.record_handoff("thumbs_down", "t1", "可以退款吗", faq(REFUND))
    store.record_handoff("header")
    assert store.handoffs() == [
        ("t1", "2026-03-10T12:00:00Z", "thumbs_down", "可以退款吗", "faq"),
        (None, "2026-03-10T12:00:00Z", "header", None, None),
    ]
    assert store.summary().handoffs == 2
    with pytest.raises(ValueError, match="handoff place"):
        store.record_handoff("footer")


def test_retention_deletes_rows_older_than_the_setting(store_url: str, tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path, url=store_url, clock=clock, retention_days=30)
    store.record_question("old", "可以退款吗", faq(REFUND))
    store.record_vote("old", "可以退款吗", faq(REFUND), 0)
    store.record_handoff("thumbs_down", "old", "可以退款吗", faq(REFUND))
    clock.now += timedelta(days=20)
    store.record_question("new", "怎么开发票", no_answer())
    assert store.summary().questions == 2  # nothing is 30 days old yet
    clock.now += timedelta(days=11)  # "old" is 31 days old, "new" 11
    assert store.purge_expired() == 3
    summary = store.summary()
    assert (summary.questions, summary.votes_down, summary.handoffs) == (1, 0, 0)
    assert [g.question for g in store.unanswered_groups()] == ["怎么开发票"]
    # Recording runs the purge by itself (at most hourly) and a reopened store purges on opening.
    clock.now += timedelta(days=40)
    store.record_question("newest", "可以退款吗", faq(REFUND))
    assert store.summary().questions == 1
    clock.now += timedelta(days=31)
    assert FeedbackStore(path, url=store_url, clock=clock, retention_days=30).summary().questions == 0


def test_without_retention_everything_is_kept(store_url: str, tmp_path: Path, clock: Clock) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3", url=store_url, clock=clock)
    store.record_question("old", "可以退款吗", faq(REFUND))
    clock.now += timedelta(days=3650)
    assert store.purge_expired() == 0
    assert store.summary().questions == 1
    with pytest.raises(ValueError, match="retention_days"):
        FeedbackStore(tmp_path / "other.sqlite3", retention_days=0)


# ---------------------------------------------------------------------------------------------- backends
def test_an_unreachable_server_spools_the_row_and_writes_it_when_back(
    store: FeedbackStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL down: the write is spooled at once (no error for the chat); back up, the row arrives."""
    if store.backend != "postgresql":
        pytest.skip("a server that cannot be reached is PostgreSQL's case (SQLite's locked file is tested above)")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from assistant.store import db

    up = store._engine
    down = create_engine(make_url(store.url).set(port=1), connect_args={"connect_timeout": 1})
    monkeypatch.setattr(store, "_engine", down)
    store.record_question("t1", "可以退款吗", faq(REFUND))
    store.record_vote("t1", "可以退款吗", faq(REFUND), 1)  # inside the pause: straight to the spool
    assert store.spool_path.read_bytes().count(b"\n") == 2
    monkeypatch.setattr(store, "_engine", up)
    monkeypatch.setattr(store, "_down_until", 0.0)
    summary = store.summary()
    assert (summary.questions, summary.votes_up) == (1, 1)
    assert store.spool_path.read_bytes() == b""
    down.dispose()
    assert db.backend(store.url) == "postgresql"


def test_the_url_setting_wins_over_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = tmp_path / "chosen.sqlite3"
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "ignored.sqlite3"))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{chosen}")
    store = FeedbackStore.from_settings()
    assert store.path == chosen and chosen.exists()
    assert not (tmp_path / "ignored.sqlite3").exists()
    assert FeedbackStore(tmp_path / "ignored.sqlite3").path == chosen  # as app.py opens it


def test_a_url_of_another_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.errors import ConfigError
    from assistant.settings import resolve_settings

    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "mysql://u@host/db")
    with pytest.raises(ConfigError, match="ASSISTANT_DATABASE_URL"):
        resolve_settings()
