"""Conversations: the state's logic (serialisation, caps, expiry, bad input), the follow-up readers
(table-driven), and dialogues through the real engine and the ``chat`` command."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistant.conversation import (
    MAX_AGE_S,
    MAX_TURNS,
    Conversation,
    ConversationState,
    Turn,
    asks_sum,
    elliptical,
    points_back,
    rewrite,
)
from assistant.errors import InvalidQuestion
from assistant.models import to_dict
from tests.conftest import ROOT

PLANS = ("lite", "pro", "max")
DIALOGUES = ROOT / "benchmarks" / "data" / "dialogues.jsonl"


# ---------------------------------------------------------------------------------------------- state
def _turn(q: str = "好友首单我能拿多少赠金", at: float = 1000.0, **kw: Any) -> Turn:
    return Turn(question=q, kind=kw.pop("kind", "faq"), at=at, **kw)


@pytest.mark.parametrize(
    "state",
    [
        ConversationState(),
        ConversationState((_turn(rule="referral_credit", calc="asked", missing="ask_paid", entries=("q1",)),)),
        ConversationState(
            (
                _turn(
                    "Max 5小时能用多少次 GLM-5",
                    kind="calculation",
                    rule="glm5_capacity",
                    calc="computed",
                    slots={"plan": "max", "quota": ["1600", "8000"]},
                    value=(533, 800),
                    unit="prompts",
                ),
                _turn("Is 14:30 Beijing time peak?", at=1001.5, kind="calculation", value=True, calc="computed"),
                _turn("下个扣费日 2026-12-31，最晚哪天取消", kind="calculation", value="2026-12-28"),
            )
        ),
    ],
)
def test_state_round_trips_through_json(state: ConversationState) -> None:
    text = state.to_json()
    assert "\n" not in text
    assert ConversationState.from_json(text) == state
    assert ConversationState.from_json(text.encode()) == state


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ("[]", "v=1"),
        ('{"v": 2, "turns": []}', "v=1"),
        ('{"v": 1, "turns": {}}', "'turns' must be a list"),
        ('{"v": 1, "turns": [3]}', "turn 0 must be an object"),
        ('{"v": 1, "turns": [{"q": "x", "kind": "weird"}]}', "'kind'"),
        ('{"v": 1, "turns": [{"kind": "faq"}]}', "'q' must be text"),
        ('{"v": 1, "turns": [{"q": "x", "kind": "faq", "at": NaN}]}', "'at'"),
        ('{"v": 1, "turns": [{"q": "x", "kind": "faq", "at": true}]}', "'at'"),
        ('{"v": 1, "turns": [{"q": "x", "kind": "faq", "value": [1, 2, 3]}]}', "two numbers"),
        ('{"v": 1, "turns": [{"q": "x", "kind": "faq", "value": {"a": 1}}]}', "unusable type"),
        ('{"v": 1, "turns": [{"q": "x", "kind": "faq", "entries": [1]}]}', "'entries'"),
        ('{"v": 1, "turns": [{"q": "x", "kind": "faq", "slots": []}]}', "'slots'"),
        ('{"v": 1, "turns": [], "pad": "' + "x" * 20_000 + '"}', "over 16000"),
    ],
)
def test_bad_state_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidQuestion, match=message):
        ConversationState.from_json(text)


def test_state_keeps_the_last_turns_only() -> None:
    state = ConversationState()
    for i in range(MAX_TURNS + 3):
        state = state.push(_turn(f"q{i}", at=float(i)))
    assert [t.question for t in state.turns] == [f"q{i}" for i in range(3, MAX_TURNS + 3)]
    many = {"v": 1, "turns": [{"q": f"q{i}", "kind": "faq"} for i in range(10)]}
    assert [t.question for t in ConversationState.from_json(json.dumps(many)).turns] == ["q6", "q7", "q8", "q9"]


def test_long_turn_text_is_cut() -> None:
    state = ConversationState.from_json(json.dumps({"v": 1, "turns": [{"q": "问" * 1000, "kind": "faq"}]}))
    assert len(state.turns[0].question) == 300


@pytest.mark.parametrize(
    ("age", "expired"), [(0, False), (MAX_AGE_S - 1, False), (MAX_AGE_S + 1, True), (10 * MAX_AGE_S, True)]
)
def test_state_expires_after_thirty_minutes(age: float, expired: bool) -> None:
    state = ConversationState((_turn(at=5000.0),))
    assert state.expired(5000.0 + age) is expired
    assert ConversationState().expired(1e12) is False


# ---------------------------------------------------------------------------------------------- readers
@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        ("高峰期用 GLM-5 发了 100 个 prompt，扣多少额度", "那非高峰呢", "非高峰期用 glm-5 发了 100 个 prompt"),
        ("Pro 套餐高峰期 5 小时能用几次 GLM-5", "Max 呢", "max 套餐高峰期 5 小时"),
        ("my friend paid 100 yuan, how much referral credit do I get", "what if he had paid 120?", "paid 120 yuan"),
        ("好友实际支付了 60 元，赠金多少", "如果是 500 元呢", "支付了 500 元"),
        (
            "At 3pm Beijing time, 4 GLM-5 prompts cost how much quota?",
            "and 10 prompts at 9pm?",
            "at 9pm beijing time, 10 glm-5 prompts",
        ),
        ("Is 14:30 Beijing time peak?", "and 19:00?", "is 19:00 beijing time peak?"),
        ("Max 5小时能用多少次 GLM-5", "每周呢", "max 每周能用多少次"),
        ("下个扣费日 2026-12-31，最晚哪天取消", "如果是 2026-03-10 呢", "扣费日 2026-03-10"),
        ("How many model calls per 5 hours on Max?", "and on Pro?", "on pro?"),
        ("高峰期用 GLM-5 发了 100 个 prompt，扣多少额度", "那自动续费怎么关掉", None),
        ("好友实际支付了 60 元，赠金多少", "赠金什么时候到账", None),
    ],
)
def test_rewrite_puts_the_new_input_in_place(previous: str, follow_up: str, expected: str | None) -> None:
    result = rewrite(previous, follow_up, PLANS)
    if expected is None:
        assert result is None
    else:
        assert result is not None and expected in result, result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000元", True),
        ("He paid 250 yuan", True),
        ("下午3点", True),
        ("2026-03-10", True),
        ("那非高峰呢", True),
        ("Max 呢", True),
        ("and at 9pm?", True),
        ("每周呢", True),
        ("如果是 500 元呢", True),
        ("Max 套餐包含视觉理解吗", False),
        ("What does error code 1302 mean?", False),
        ("how to upgrade from pro to max", False),
        ("Lite 每月联网搜索和网页读取一共多少次", False),
        ("套餐原价 100 元，好友首购 5 折，通过我的邀请立减 10%，又用了 5 元赠金，我能得多少赠金？", False),
    ],
)
def test_elliptical(text: str, expected: bool) -> None:
    assert elliptical(text, PLANS) is expected


@pytest.mark.parametrize(
    ("text", "is_sum", "points"),
    [
        ("那两次加起来呢", True, True),
        ("两次一共多少", True, False),
        ("add them up", True, True),
        ("Lite 每月联网搜索和网页读取一共多少次", False, False),
        ("一共 3 次加起来", False, False),
        ("到账以后在哪里看", False, True),
        ("can I withdraw it?", False, True),
        ("What's the weather in Beijing?", False, False),
        ("帮我翻译这段话", False, False),
    ],
)
def test_sum_and_pointer_words(text: str, is_sum: bool, points: bool) -> None:
    assert asks_sum(text) is is_sum
    assert points_back(text) is points


# ---------------------------------------------------------------------------------------------- the real engine
def _judge(turn: dict[str, Any], reply: dict[str, Any]) -> bool:
    """The rules of /work/shared/eval/dialogues.py (score.py's judge), restated for the test."""
    if turn.get("no_value"):
        return reply["value"] is None
    if turn.get("none"):
        return reply["kind"] == "no_answer"
    value = reply["value"]
    if "value" in turn:
        want = turn["value"]
        if isinstance(want, bool | str):
            return reply["kind"] == "calculation" and value == want
        return reply["kind"] == "calculation" and isinstance(value, int | float) and abs(value - want) <= 0.011
    if "pair" in turn:
        return (
            reply["kind"] == "calculation"
            and isinstance(value, list)
            and all(abs(a - b) <= 0.011 for a, b in zip(value, turn["pair"], strict=True))
        )
    top = (reply["matches"] or [{}])[0].get("question", "")
    return reply["kind"] != "no_answer" and top.replace(" ", "") in {q.replace(" ", "") for q in turn["faq"]}


def _dialogues() -> list[list[dict[str, Any]]]:
    return [json.loads(line)["turns"] for line in DIALOGUES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_dialogue_set_is_big_enough_and_varied() -> None:
    dialogues = _dialogues()
    assert len(dialogues) >= 40
    assert all(2 <= len(d) <= 4 for d in dialogues)
    turns = [t for d in dialogues for t in d]
    assert any(t["q"].isascii() for t in turns) and any(not t["q"].isascii() for t in turns)
    assert sum(1 for t in turns if t.get("none")) >= 3 and sum(1 for t in turns if t.get("no_value")) >= 8


@pytest.mark.parametrize(
    ("first", "follow_up", "expected"),
    [
        # a fragment pointing back asks something new about the topic: not the previous entry again
        ("赠金什么时候到账", "到账以后在哪里看", "所获赠金奖励在哪里查看？"),
        # a whole question with a pointing word stands alone, whatever came before
        ("赠金什么时候到账", "where's the button to upgrade my plan, i cant find it", "如何升级我的套餐？"),
        # the same topic asked again in other words keeps its entry
        ("How do I upgrade my plan?", "升级套餐在哪", "如何升级我的套餐？"),
    ],
)
def test_pointing_follow_ups_read_with_the_thread_only_when_they_are_fragments(
    assistant: Any, first: str, follow_up: str, expected: str
) -> None:
    conversation = assistant.conversation()
    conversation.ask(first)
    reply = conversation.ask(follow_up)
    assert reply.kind == "faq" and reply.matches[0].question == expected, reply.matches[:2]


# Turns of the dialogue set that the engine gets wrong even when asked alone, at most: those are answer
# quality (the decision or the ranking, benchmarked on their own), not the conversation's doing.
MAX_MISSES_ALONE = 2


def test_dialogues_through_the_real_engine(assistant: Any) -> None:
    """Every turn of the dialogue set is right in its thread, unless it is equally wrong asked alone (and
    those stay few): the thread never costs a turn its answer."""
    thread_misses, alone_misses = [], []
    for dialogue in _dialogues():
        conversation = assistant.conversation()
        for turn in dialogue:
            reply = to_dict(conversation.ask(turn["q"]))
            if _judge(turn, reply):
                continue
            alone = to_dict(assistant.ask(turn["q"]))
            wrong_alone = not _judge(turn, alone) and (alone["kind"], alone["value"]) == (reply["kind"], reply["value"])
            (alone_misses if wrong_alone else thread_misses).append((turn["q"], reply["kind"], reply["value"]))
    assert thread_misses == []
    assert len(alone_misses) <= MAX_MISSES_ALONE, alone_misses


@pytest.mark.parametrize(
    "before",
    [
        ["好友首单我能拿多少赠金"],  # the calculator waits for an amount
        ["高峰期用 GLM-5 发了 100 个 prompt，扣多少额度"],  # a computed cost
        ["我的订阅会自动续费吗"],  # an FAQ answer
        ["What's the weather in Beijing?"],  # no answer
    ],
)
@pytest.mark.parametrize(
    "fresh",
    [
        "可以退款吗",
        "How do I upgrade my plan?",
        "Max 套餐高峰期 5 小时能用几次 GLM-5",
        "好友实际支付了 60 元，赠金多少",
        "What does error code 1302 mean?",
        "Lite 每月联网搜索和网页读取一共多少次",
        "GLM-5 有多少参数",
        "今天天气怎么样",
    ],
)
def test_fresh_question_is_answered_as_if_alone(assistant: Any, before: list[str], fresh: str) -> None:
    conversation = assistant.conversation()
    for question in before:
        conversation.ask(question)
    alone, followed = assistant.ask(fresh), conversation.ask(fresh)
    assert (followed.kind, followed.value, [m.id for m in followed.matches[:1]]) == (
        alone.kind,
        alone.value,
        [m.id for m in alone.matches[:1]],
    )


def test_state_carried_as_json_continues_the_conversation(assistant: Any) -> None:
    first = assistant.conversation()
    asked = first.ask("好友首单我能拿多少赠金")
    assert asked.value is None and first.state.last is not None and first.state.last.pending
    carried = assistant.conversation(first.to_json())
    answer = carried.ask("1000元")
    assert (answer.kind, answer.value, answer.unit) == ("calculation", 100, "CNY")
    assert carried.state.last is not None and carried.state.last.rule == "referral_credit"
    assert carried.state.last.calc == "computed" and carried.state.last.slots["cash_paid"] == "1000.00"
    with pytest.raises(InvalidQuestion):
        assistant.conversation("{not json")


@pytest.mark.parametrize(("minutes", "value"), [(29, 100), (31, None)])
def test_expired_conversation_starts_over(assistant: Any, minutes: int, value: int | None) -> None:
    now = [datetime(2026, 3, 1, 12, 0, tzinfo=UTC)]
    calculator = assistant._engine.calculator
    conversation = Conversation(assistant, None, calculator=lambda: calculator, clock=lambda: now[0])
    conversation.ask("好友首单我能拿多少赠金")
    now[0] += timedelta(minutes=minutes)
    assert conversation.ask("1000元").value == value
    assert len(conversation.state.turns) == (2 if value is not None else 1)


def test_sum_of_two_costs_shows_its_step(assistant: Any) -> None:
    conversation = assistant.conversation()
    conversation.ask("高峰期用 GLM-5 发了 5 个 prompt 扣多少额度")
    conversation.ask("非高峰发 10 个呢")
    total = conversation.ask("那两次加起来呢")
    assert (total.kind, total.value, total.unit, total.steps) == ("calculation", 35, "prompts", ("15 + 20 = 35",))
    assert total.matches and "15 + 20 = 35" in total.answer
    fresh = assistant.conversation()
    fresh.ask("可以退款吗")
    nothing = fresh.ask("那两次加起来呢")
    assert nothing.kind != "calculation"  # nothing to add up
    assert nothing == _without_latency(assistant.ask("那两次加起来呢"), nothing)  # not pulled toward refunds


def _without_latency(answer: Any, like: Any) -> Any:
    import dataclasses

    return dataclasses.replace(answer, latency_ms=like.latency_ms)


# ---------------------------------------------------------------------------------------------- the chat command
def test_chat_json_resets_on_empty_lines_and_refuses_bad_lines(assistant: Any) -> None:
    from assistant.cli import _chat_json

    lines = [
        "好友首单我能拿多少赠金".encode(),
        "1000元".encode(),
        b"",
        "1000元".encode(),
        ("问" * 2001).encode(),
        b"\xff\xfe He paid 250 yuan",
    ]
    out = io.StringIO()
    assert _chat_json(assistant, io.BytesIO(b"\n".join(lines) + b"\n"), out) == 0
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(replies) == 5  # the empty line prints nothing
    assert set(replies[0]) == set(to_dict(assistant.ask("可以退款吗")))
    assert replies[0]["value"] is None and replies[1]["value"] == 100
    assert replies[2]["kind"] == "no_answer" and replies[2]["error"] is None  # a new conversation: no context
    assert replies[3]["kind"] == "no_answer" and "2001" in replies[3]["error"]
    assert replies[4]["error"] is None  # undecodable bytes replaced, the line still answered


def test_chat_loop_prints_answers_and_starts_over(assistant: Any) -> None:
    from assistant.cli import _chat_loop, _human

    typed = iter(["好友首单我能拿多少赠金", "/new", "1000元", "好友首单我能拿多少赠金", "1000元", "   "])

    def read(prompt: str) -> str:
        assert prompt == "> "
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    assert _chat_loop(assistant, read, out) == 0
    text = out.getvalue()
    assert text.startswith("Ask a question") and text.count("(new conversation)") == 1
    after_new = text.split("(new conversation)")[1]
    alone = _human(assistant.ask("1000元"))
    again = assistant.conversation()
    again.ask("好友首单我能拿多少赠金")
    completed = _human(again.ask("1000元"))
    assert after_new.startswith("\n" + alone)  # "/new" forgot the question: "1000元" alone
    assert after_new.rstrip().endswith(completed.rstrip())  # asked again, "1000元" completes it
