"""Chat conversations in the feedback store (both backends): turns saved under an unguessable id come
back in order with their answers and the latest conversation state; unknown, malformed or expired
ids give nothing; personal data is masked; retention deletes old turns; `db copy` carries them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from assistant.conversation import ConversationState, Turn
from assistant.feedback import FeedbackStore, is_conversation_id, new_conversation_id
from assistant.models import Answer, Match
from assistant.store import db
from tests.conftest import Clock

PEAK = Match("q-glm5", "GLM-5 的调用如何计费？", "二、用量", 0.9, "kb/faq.md:88")


def _store(url: str, tmp_path: Path, clock: Clock, retention_days: int | None = None) -> FeedbackStore:
    return FeedbackStore(tmp_path / "spool.sqlite3", url=url, clock=clock, retention_days=retention_days)


def _state(*questions: str) -> str:
    turns = tuple(
        Turn(question=q, kind="calculation", rule="glm5_cost", slots={"n": i}) for i, q in enumerate(questions)
    )
    return ConversationState(turns).to_json()


def _calc(text: str) -> Answer:
    return Answer(kind="calculation", answer=text, matches=(PEAK,), value=(3.0, 6.0), steps=("1 × 3 = 3",))


def test_ids_are_random_and_well_formed() -> None:
    ids = {new_conversation_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(is_conversation_id(i) and len(i) == 22 for i in ids)
    for bad in ("", "abc", "x" * 23, "../../etc/passwd", "a b" * 8, None, 12, "é" * 22):
        assert not is_conversation_id(bad), bad


def test_turns_come_back_in_order_with_answers_and_the_last_state(store_url: str, tmp_path: Path, clock: Clock) -> None:
    store = _store(store_url, tmp_path, clock)
    cid, other = new_conversation_id(), new_conversation_id()
    first = _calc("**3 次**：高峰期 GLM-5 每次消耗 3 倍")
    store.record_turn(cid, "t1", "高峰期调用 GLM-5 一次消耗几次？", first, state=_state("高峰期调用 GLM-5"))
    store.record_turn(cid, "t2", "x" * 5, notice="问题太长", state=None)
    store.record_turn(other, "o1", "别的对话", _calc("别的"), state=_state("别的对话"))
    clock.now += timedelta(minutes=1)
    store.record_turn(cid, "t3", "那非高峰呢", _calc("非高峰 2 次"), state=_state("高峰期调用 GLM-5", "非高峰"))

    loaded = _store(store_url, tmp_path, clock).load_conversation(cid)
    assert loaded is not None and loaded.conversation_id == cid
    assert [t.turn_id for t in loaded.turns] == ["t1", "t2", "t3"]
    assert loaded.turns[0].answer == first  # the whole answer, matches and value included
    assert loaded.turns[1].answer is None and loaded.turns[1].notice == "问题太长"
    assert loaded.state is not None
    assert [t.question for t in ConversationState.from_json(loaded.state).turns] == ["高峰期调用 GLM-5", "非高峰"]
    assert [t.turn_id for t in store.load_conversation(other).turns] == ["o1"]  # type: ignore[union-attr]
    assert len(store.load_conversation(cid, limit=2).turns) == 2  # type: ignore[union-attr]


def test_unknown_and_malformed_ids_give_nothing(store_url: str, tmp_path: Path, clock: Clock) -> None:
    store = _store(store_url, tmp_path, clock)
    store.record_turn(new_conversation_id(), "t1", "问题", _calc("答"), state=_state("问题"))
    for bad in (new_conversation_id(), "", "' OR 1=1 --", "%00", None, ["x"], "A" * 500):
        assert store.load_conversation(bad) is None
    with pytest.raises(ValueError, match="not a conversation id"):
        store.record_turn("chosen-by-client", "t9", "q")


def test_questions_and_state_are_masked(store_url: str, tmp_path: Path, clock: Clock) -> None:
    store = _store(store_url, tmp_path, clock)
    cid = new_conversation_id()
    question = "我的手机 13812345678 邮箱 a.b@example.com 能退款吗"
    store.record_turn(cid, "t1", question, _calc("答"), state=_state(question))
    loaded = store.load_conversation(cid)
    assert loaded is not None and loaded.state is not None
    assert loaded.turns[0].question == "我的手机 [phone] 邮箱 [email] 能退款吗"
    assert "13812345678" not in loaded.state and "example.com" not in loaded.state
    assert json.loads(loaded.state)["turns"][0]["slots"] == {"n": 0}  # the rest of the state is intact


def test_retention_hides_and_deletes_old_turns(store_url: str, tmp_path: Path, clock: Clock) -> None:
    store = _store(store_url, tmp_path, clock, retention_days=7)
    old, recent = new_conversation_id(), new_conversation_id()
    store.record_turn(old, "t-old", "旧问题", _calc("旧"), state=_state("旧问题"))
    clock.now += timedelta(days=6)
    store.record_turn(recent, "t-new", "新问题", _calc("新"), state=_state("新问题"))
    clock.now += timedelta(days=2)  # the old turn is 8 days old now, the recent one 2
    assert store.load_conversation(old) is None  # past retention: not shown even before the purge runs
    assert store.purge_expired() == 1
    assert store.load_conversation(recent) is not None
    assert _store(store_url, tmp_path, clock).load_conversation(old) is None  # and deleted, not just hidden


def test_db_copy_carries_conversation_turns(tmp_path: Path, postgres_url: str, clock: Clock) -> None:
    source = _store(f"sqlite:///{tmp_path / 'source.sqlite3'}", tmp_path / "s", clock)
    cid = new_conversation_id()
    source.record_turn(cid, "t1", "问题一", _calc("答一"), state=_state("问题一"))
    source.record_turn(cid, "t2", "问题二", _calc("答二"), state=_state("问题一", "问题二"))
    report = db.copy_store(source.url, postgres_url)
    assert (report.source["conversation_turns"], report.added["conversation_turns"]) == (2, 2)
    assert db.copy_store(source.url, postgres_url).added["conversation_turns"] == 0
    target = _store(postgres_url, tmp_path / "t", clock)
    assert target.load_conversation(cid) == source.load_conversation(cid)
