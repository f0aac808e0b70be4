"""Answers as parts (``AnswerParts``) and the one renderer (``compose.render``), in Chinese and English.

Logic tests on small hand-made entries, plus the calculator boundary (``compose.compose_calculation``, the
only place a calculator outcome is worded) checked over the benchmark's calculator questions.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant import compose, ui_text
from assistant.calculator import Calculator
from assistant.calculator.outcomes import Computed, Explained, NeedInput, Refusal
from assistant.models import Answer, AnswerParts, Citation, Entry, answer_from_dict, to_dict, to_json
from assistant.normalize import detect_language
from assistant.retrieval import Scored
from tests.conftest import ROOT

NOW = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)  # a Monday, 14:30 in Beijing (peak hours)
FAQ_URL = "https://docs.example.com/faq"
LONG_ANSWER = (  # over compose.KEY_SENTENCE_FROM characters: key sentences are pulled out of it
    "订阅服务按月计费。到期前会自动续费，续费日期为每月的订阅日。"
    "如需取消自动续费，请在个人中心的订阅管理页面关闭自动续费开关，关闭后当前周期仍可使用。"
    "续费失败时系统会在三天内重试。套餐的额度在每个周期开始时重置。如有其他问题请联系客服。"
    "升级套餐时，新套餐立即生效，差价按剩余天数折算。降级会在下一个周期生效，当前周期不受影响。"
    "团队版需要单独购买，个人套餐不能多人共用，共享账号可能导致账号被限制使用。"
)


def entry(question: str, answer: str, section: str = "一、订阅", line: int = 10) -> Entry:
    return Entry(
        id=f"id-{line}",
        section=section,
        question=question,
        answer_md=answer,
        answer_text=answer,
        source=f"kb/faq.md:{line}",
    )


def scored(item: Entry, score: float) -> Scored:
    return Scored(item, score, score, score, score, score, score)


RENEWAL = entry("续费失败会怎样？", LONG_ANSWER, line=10)
REFUND = entry("可以退款吗？", "**不支持退款。** 请在购买前确认套餐。", section="二、付款", line=20)
INVOICE = entry("如何开发票？", "在账单页面申请发票。", section="二、付款", line=30)


# ---------------------------------------------------------------------------------------------- the renderer
@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_long_entry_opens_with_its_key_sentences_then_the_entry_then_its_source(language: str) -> None:
    answer = compose.compose_faq(
        [scored(RENEWAL, 0.9), scored(REFUND, 0.4)], language, 0.05, False, question="续费失败会重试吗"
    )
    parts = answer.parts
    assert parts is not None and parts.form == "entry" and parts.language == language
    assert parts.highlights and all(h in LONG_ANSWER for h in parts.highlights)
    assert parts.body_md == RENEWAL.answer_md == answer.entry_md
    assert parts.headline == "" and parts.notes == ()  # confident and not ambiguous
    assert parts.citations == (Citation(RENEWAL.question, RENEWAL.source, RENEWAL.section, None),)
    assert parts.related == (REFUND.question,)
    assert answer.answer == compose.render(parts)
    text = answer.answer
    matched, key, body = (
        text.index(compose.text(language, "matched")),
        text.index(compose.text(language, "key")),
        text.index(LONG_ANSWER),
    )
    assert matched < key < body < text.index(RENEWAL.source)
    assert text.count(parts.highlights[0]) == 2  # once as the key sentence, once in the full entry
    assert (compose.text("en", "zh_note") in text) is (language == "en")
    assert compose.text(language, "section") in text and RENEWAL.section in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_guess_opens_with_its_notice_and_a_close_runner_up_is_noted(language: str) -> None:
    answer = compose.compose_faq(
        [scored(REFUND, 0.50), scored(INVOICE, 0.49)], language, 0.05, False, best_guess=True, question="退钱"
    )
    parts = answer.parts
    assert parts is not None and answer.best_guess and answer.ambiguous
    assert parts.headline == compose.text(language, "best_guess", question=REFUND.question)
    assert parts.notes == (compose.text(language, "ambiguous", question=INVOICE.question),)
    assert parts.highlights == ()  # a short entry is read whole
    blocks = answer.answer.split("\n\n")
    assert blocks[0] == parts.headline
    assert blocks.index(REFUND.answer_md) < blocks.index(parts.notes[0]) == len(blocks) - 2


def test_citations_link_to_the_published_faq_only_when_configured() -> None:
    linked = compose.compose_faq([scored(REFUND, 0.9)], "zh", 0.05, False, faq_url=FAQ_URL + "#top")
    plain = compose.compose_faq([scored(REFUND, 0.9)], "zh", 0.05, False)
    assert linked.parts is not None and plain.parts is not None
    (cite,) = linked.parts.citations
    assert cite.link is not None and cite.link.startswith(FAQ_URL + "#")
    assert urllib.parse.unquote(cite.link.split("#", 1)[1]) == "可以退款吗"
    assert plain.parts.citations[0].link is None
    assert linked.answer == plain.answer  # the link is for the chat and the JSON, not the text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_not_covered_says_so_hands_off_and_lists_the_closest_questions(language: str) -> None:
    answer = compose.compose_no_answer([scored(REFUND, 0.2), scored(INVOICE, 0.1)], language, False)
    parts = answer.parts
    assert parts is not None and parts.form == "not_covered" and parts.handoff
    assert parts.headline == compose.text(language, "not_covered")
    assert parts.notes == (compose.text(language, "human"),)
    assert parts.suggestions == (REFUND.question, INVOICE.question)
    assert answer.answer.split("\n\n") == [
        parts.headline,
        parts.notes[0],
        compose.text(language, "closest") + f"\n- {REFUND.question}\n- {INVOICE.question}",
    ]


def test_a_topic_line_replaces_the_generic_handoff_and_an_error_stands_alone() -> None:
    topic = compose.compose_no_answer([], "en", False, topic_message="Invoices: ask support.")
    refused = compose.compose_no_answer([], "en", False, error="That question is too long.")
    assert topic.parts is not None and refused.parts is not None
    assert topic.parts.notes == ("Invoices: ask support.",)
    assert topic.answer == compose.text("en", "not_covered") + "\n\nInvoices: ask support."
    assert refused.parts.headline == refused.error == refused.answer == "That question is too long."
    assert refused.parts.notes == () and refused.parts.suggestions == ()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_computed_value_renders_result_formula_notes_and_sources(language: str) -> None:
    answer = compose.compose_computed(
        headline="**4 元**",
        steps=("40 × 10% = 4",),
        notes=("按实付金额计算",),
        cites=(REFUND, INVOICE, REFUND),
        value=4,
        unit="CNY",
        language=language,
        faq_url=FAQ_URL,
    )
    parts = answer.parts
    assert parts is not None and parts.form == "calculation" and answer.kind == "calculation"
    assert answer.steps == parts.steps == ("40 × 10% = 4",)
    assert [c.title for c in parts.citations] == [REFUND.question, INVOICE.question]  # each entry once
    assert [m.id for m in answer.matches] == [REFUND.id, INVOICE.id]
    assert all(c.link and c.link.startswith(FAQ_URL) for c in parts.citations)
    assert answer.answer.split("\n\n") == [
        "**4 元**",
        compose.text(language, "calc_formula") + "\n- 40 × 10% = 4",
        compose.text(language, "calc_notes") + "\n- 按实付金额计算",
        compose.text(language, "calc_source") + f"\n- {REFUND.question}\n- {INVOICE.question}",
    ]


def test_parts_survive_the_json_round_trip() -> None:
    answers = [
        compose.compose_faq([scored(RENEWAL, 0.9), scored(REFUND, 0.5)], "en", 0.05, False, question="续费失败会重试"),
        compose.compose_no_answer([scored(INVOICE, 0.1)], "zh", False),
        compose.compose_computed(
            headline="x", steps=("a",), notes=(), cites=(REFUND,), value=(1.0, 2.0), unit=None, language="zh"
        ),
    ]
    for answer in answers:
        data = json.loads(to_json(answer))
        restored = answer_from_dict(data)
        assert restored == answer and isinstance(restored.parts, AnswerParts)
        assert data["answer"] == compose.render(restored.parts)
    old = {k: v for k, v in to_dict(answers[0]).items() if k != "parts"}  # stored before answers had parts
    assert answer_from_dict(old).parts is None and answer_from_dict(old).answer == answers[0].answer


# ---------------------------------------------------------------------------------------------- one string table
def test_one_string_table_with_one_fallback_rule() -> None:
    zh, en = ui_text.TEXT["zh"], ui_text.TEXT["en"]
    assert set(zh) == set(en)
    for key in ("matched", "not_covered", "human", "closest", "calc_formula", "full_entry"):
        assert compose.text("zh", key) == ui_text.label("zh", key) == zh[key]
        assert compose.text("en", key) == en[key] != zh[key]
        assert compose.text("fr", key) == ui_text.label("fr", key) == zh[key]  # unknown: the default, Chinese
    assert not hasattr(compose, "TEXT")


# ---------------------------------------------------------------------------------------------- the calculator
def _calculator_questions() -> list[str]:
    data = ROOT / "benchmarks" / "data"
    files = [data / "calc_traps.jsonl", data / "calc-tuning-2026-11-28b.jsonl"]
    return [json.loads(line)["q"] for path in files for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_every_calculator_outcome_is_worded_from_its_parts(calc: Calculator) -> None:
    """For every calculator question of the benchmarks, in both languages: the text is the parts rendered,
    a computed value keeps its value, steps and cited entries, and every other outcome is a cited message."""
    seen: set[type] = set()
    for question in _calculator_questions():
        outcome = calc.outcome(question, NOW)
        if outcome is None:
            continue
        seen.add(type(outcome))
        for language in ("zh", "en"):
            answer = compose.compose_calculation(outcome, language)
            assert answer.parts is not None and answer.answer == compose.render(answer.parts), question
            assert calc.try_answer(question, language=language, now=NOW) == answer, question
            if isinstance(outcome, Computed):
                assert answer.kind == "calculation" and answer.value == outcome.value, question
                assert answer.parts.form == "calculation" and answer.parts.steps == answer.steps, question
                assert all(step in answer.answer for step in answer.steps), question
                cited = list(dict.fromkeys(e.question for e in outcome.cites))
                assert [c.title for c in answer.parts.citations] == cited == [m.question for m in answer.matches]
            else:
                assert answer.kind == "faq" and answer.value is None, question
                assert answer.parts.form == "message" and answer.parts.headline == answer.answer, question
                assert answer.parts.body_md == answer.entry_md == outcome.cite.answer_md, question
                assert (answer.error is not None) == isinstance(outcome, Refusal), question
    assert seen == {Computed, NeedInput, Refusal, Explained}, f"the questions reach only {seen}"


def test_a_calculations_citations_are_its_rules_entries_linked(calc: Calculator, entries: list[Entry]) -> None:
    question = "好友实际支付 40 元，我能拿到多少赠金？"
    outcome = calc.outcome(question, NOW)
    assert isinstance(outcome, Computed)
    answer: Answer = compose.compose_calculation(outcome, detect_language(question), faq_url=FAQ_URL)
    assert answer.kind == "calculation" and answer.value == 4
    assert answer.parts is not None and answer.parts.headline and answer.parts.headline in answer.answer
    by_question = {e.question: e for e in entries}
    for cite in answer.parts.citations:
        assert by_question[cite.title].source == cite.source
        assert cite.link == ui_text.source_link(FAQ_URL, cite.title)
