"""Bad input, fuzzed with hypothesis (a fixed, derandomised profile keeps CI runs reproducible).

* ``Assistant.ask`` with arbitrary Unicode returns a valid :class:`Answer` or raises
  :class:`InvalidQuestion`, nothing else;
* the KB parser, fed mutated markdown, returns entries or raises :class:`KnowledgeBaseError`
  with a file:line location, nothing else;
* the CLI, fed invalid UTF-8 on stdin in batch mode, answers every line, in order.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.errors import InvalidQuestion, KnowledgeBaseError
from assistant.models import Answer, Entry, to_json
from assistant.parsing import load_kb, parse_markdown
from tests.conftest import REAL_KB, ROOT, TINY_FAQ

REAL_FAQ = (REAL_KB / "glm-coding-plan-faq.md").read_text(encoding="utf-8")

FUZZ = settings(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    database=None,
)

# Characters that have broken text handling somewhere: NUL and controls, zero-width and BOM,
# bidi controls and RTL scripts, lone surrogates, combining marks, emoji (with ZWJ and skin
# tones), full-width forms, CJK, line and paragraph separators.
NASTY = [
    "\x00", "\x01", "\x07", "\x1b", "\x7f", "\t", "\n", "\r", "\x0b", "\x0c", "\x85",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "مرحبا", "שלום",
    "\ud800", "\udfff", "\udc80",
    "\u0301", "e\u0301", "\u0e49",
    "😀", "👨‍👩‍👧", "👍🏽", "🇨🇳",
    "ＧＬＭ", "？", "：", "，",
    "套餐", "退款", "額度", "续费",
    "\u2028", "\u2029", "\U0010ffff", "\ufffd",
]  # fmt: skip

any_char = st.characters(codec=None, exclude_categories=())  # every code point, surrogates included
fragments = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=any_char, max_size=30),
    st.sampled_from(["How do I get a refund?", "GLM-5 支持了吗", "取消订阅", "   ", "<script>alert(1)</script>"]),
)
questions = st.one_of(
    st.text(alphabet=any_char, max_size=200),
    st.lists(fragments, max_size=12).map("".join),
    st.builds(lambda s, n: s * n, st.sampled_from([*NASTY, "a", "退"]), st.integers(1, 2100)),
)


def _check_answer(answer: Any, entry_ids: set[str]) -> None:
    """Everything the JSON contract promises, and that it can be written out as UTF-8."""
    assert isinstance(answer, Answer)
    assert answer.kind in ("faq", "calculation", "no_answer")
    assert isinstance(answer.answer, str) and answer.answer.strip()
    assert answer.language in ("zh", "en")
    assert isinstance(answer.degraded, bool) and isinstance(answer.ambiguous, bool)
    assert math.isfinite(answer.latency_ms) and answer.latency_ms >= 0
    for match in answer.matches:
        assert match.id in entry_ids
        assert math.isfinite(match.score) and 0.0 <= match.score <= 1.0
    if answer.kind == "faq":
        assert answer.matches and answer.entry_md
    line = to_json(answer)
    line.encode("utf-8")  # no lone surrogate may reach the output
    assert "\n" not in line
    assert json.loads(line)["kind"] == answer.kind


@pytest.fixture(scope="module")
def entry_ids(assistant: Any) -> set[str]:
    return {e.id for e in assistant.entries}


@settings(FUZZ, max_examples=150)
@given(question=questions)
@example(question="")
@example(question=" \t\u3000\u200b\n")
@example(question="\x00")
@example(question="\x00" * 50 + "退款")
@example(question="\ud800")
@example(question="退款\udfff吗")
@example(question="‮Is there a refund?‭")
@example(question="😀" * 500)
@example(question="x" * 10_000)
@example(question="退" * 2000)
@example(question="退" * 2001)
@example(question="？？？！！！")
def test_ask_returns_an_answer_or_raises_invalid_question(assistant: Any, entry_ids: set[str], question: str) -> None:
    try:
        answer = assistant.ask(question)
    except InvalidQuestion as exc:
        assert str(exc).strip()
        str(exc).encode("utf-8")
        return
    _check_answer(answer, entry_ids)
    assert len(question) <= assistant.settings.max_question_chars  # longer ones must be refused
    assert "".join(question.split()).strip("\u200b\u200c\u200d\u2060\ufeff")  # blank ones too


@pytest.mark.parametrize(
    "question",
    ["", " ", "\t\n", "\u3000\u3000", "\u200b\u200d\ufeff", "\x00\x00", "x" * 10_000, "退" * 2001],
)
def test_blank_and_oversized_questions_raise_the_documented_error(assistant: Any, question: str) -> None:
    with pytest.raises(InvalidQuestion):
        assistant.ask(question)


@pytest.mark.parametrize("question", [b"\xff\xfe\xfd", 42, None, ["退款"]])
def test_non_text_questions_raise_the_documented_error_or_answer(
    assistant: Any, entry_ids: set[str], question: Any
) -> None:
    try:
        answer = assistant.ask(question)
    except InvalidQuestion:
        return
    _check_answer(answer, entry_ids)


# ------------------------------------------------------------------------------------ KB parser
# TINY_FAQ (tests/conftest.py): every construct the parser meets, in a few lines.

# Lines a KB author (or a bad merge) could put anywhere.
MARKDOWN_BITS = [
    "**Q：新问题？**", "**Q:**", "**Q：**", "**A：**", "**A:** answer", "**A：** 回答", "Q：不加粗？", "**Q：未闭合",
    "***", "---", "## 新分类", "# 标题", "### 小节", "<Tip>", "</Tip>", "<Note>note", "<div>", "</div>", "<br />",
    "```", "```python", "    indented code", "| a | b |", "| --- | --- |", "- item", "1. item", "> quote", "",
    "[link](http://x)", "![img](x.png)", "<!-- comment", "-->", "\t", "\x00", "\r", "\x0c", "\u2028", "\u2029",
    "\ufeff", "\x85", "\ud800", "😀", "**", "__", "`", "\\", "&amp;", "&#0;", "<", ">", "|",
]  # fmt: skip


ODD_BREAKS = ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@st.composite
def mutated_markdown(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from([TINY_FAQ, REAL_FAQ[:6000], REAL_FAQ]))
    lines = base.split("\n")
    for _ in range(draw(st.integers(1, 8))):
        op = draw(
            st.sampled_from(["insert", "delete", "duplicate", "swap", "replace_char", "truncate", "join", "odd_break"])
        )
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "insert":
            bit = draw(st.one_of(st.sampled_from(MARKDOWN_BITS), st.text(alphabet=any_char, max_size=20)))
            lines.insert(at, bit)
        elif op == "delete" and lines:
            del lines[at]
        elif op == "duplicate" and lines:
            lines.insert(at, lines[at])
        elif op == "swap" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "replace_char" and lines and lines[at]:
            pos = draw(st.integers(0, len(lines[at]) - 1))
            char = draw(st.one_of(st.sampled_from(MARKDOWN_BITS), any_char))
            lines[at] = lines[at][:pos] + char + lines[at][pos + 1 :]
        elif op == "truncate":
            lines = lines[: at + 1]
        elif op == "odd_break" and lines:  # a character str.splitlines breaks at, markdown does not
            pos = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:pos] + draw(st.sampled_from(ODD_BREAKS)) + lines[at][pos:]
        elif op == "join" and at + 1 < len(lines):
            lines[at : at + 2] = [lines[at] + lines[at + 1]]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines)


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _check_parse(text: str, source: str) -> list[Entry]:
    try:
        entries = parse_markdown(text, source)
    except KnowledgeBaseError as exc:
        assert exc.path == source, str(exc)
        assert isinstance(exc.line, int) and exc.line >= 1, str(exc)
        assert str(exc).startswith(f"{source}:{exc.line}: ")
        return []
    for entry in entries:
        assert isinstance(entry, Entry)
        assert entry.id and entry.question.strip() and entry.answer_text.strip()
        file, _, line = entry.source.rpartition(":")
        assert file == source and int(line) >= 1
        # The markdown is sliced from the source lines, the plain text taken from the tokens: if the
        # two disagree on where lines are, the markdown shows another part of the file.
        missing = set(_CJK.findall(entry.answer_text)) - set(entry.answer_md)
        assert not missing, (entry, missing)
    return entries


@settings(FUZZ, max_examples=250)
@given(text=mutated_markdown())
def test_parser_on_mutated_markdown_returns_entries_or_a_located_error(text: str) -> None:
    _check_parse(text, "kb/faq.md")


@pytest.mark.parametrize("html", ["<!-- never closed", "<div", "<?php", "<![CDATA[", "<!DOCTYPE", "<Tip"])
def test_unclosed_html_in_an_answer_is_text_not_a_crash(html: str) -> None:
    """Found by the fuzzer: the callout re-parse met the same unclosed HTML block again, forever."""
    entries = _check_parse(f"**Q：一？**\n\n**A：** 甲\n\n{html}\n乙\n", "kb/f.md")
    # An unclosed comment hides the rest of the file (a hidden draft must not leak into an answer).
    hidden = html.startswith("<!--")
    assert len(entries) == 1 and ("乙" in entries[0].answer_text) is not hidden


@settings(FUZZ, max_examples=150)
@given(
    text=st.text(alphabet=any_char, max_size=400) | st.lists(st.sampled_from(MARKDOWN_BITS), max_size=30).map("\n".join)
)
def test_parser_on_arbitrary_text_returns_entries_or_a_located_error(text: str) -> None:
    _check_parse(text, "kb/x.md")


def test_entry_lines_point_at_their_questions_whatever_the_line_breaks() -> None:
    """Form feeds, U+2028 and CR line ends must not shift the file:line of later entries."""
    text = "**Q：一？**\n\n**A：** 甲\x0c乙\u2028丙\n\n***\n\n**Q：二？**\n\n**A：** 丁\n"
    for newline in ("\n", "\r\n", "\r"):
        entries = parse_markdown(text.replace("\n", newline), "kb/f.md")
        assert [e.source for e in entries] == ["kb/f.md:1", "kb/f.md:7"]
        assert entries[0].answer_md == "甲\x0c乙\u2028丙" and entries[1].answer_md == "丁"


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_kb_loader_with_a_mutated_sidecar_returns_entries_or_a_located_error(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    kb = tmp_path_factory.mktemp("kb")
    (kb / "faq.md").write_text(TINY_FAQ, encoding="utf-8")
    sidecar = '[[entry]]\nquestion = "如何修改密码？"\nalternates = ["忘记密码怎么办", "改密码"]\n'
    chars = list(sidecar)
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(chars) - 1))
        chars[at] = data.draw(st.sampled_from(['"', "[", "]", "=", "\n", "x", "", "\x00", "'", "1", "\\"]))
    (kb / "faq.alternates.toml").write_text("".join(chars), encoding="utf-8", errors="surrogatepass")
    try:
        entries = load_kb(kb)
    except KnowledgeBaseError as exc:
        assert exc.path is not None and exc.path.endswith(("faq.alternates.toml", "faq.md")), str(exc)
        return
    assert len(entries) == 3


# ------------------------------------------------------------------------------------ CLI batch
@pytest.mark.slow
def test_cli_batch_with_invalid_utf8_answers_every_line_in_order(assistant: Any) -> None:
    rng = random.Random(5)
    good = ["能退款吗", "How do I cancel my subscription?", "会自动续费吗"]
    lines: list[bytes] = []
    for i in range(120):
        kind = i % 6
        if kind == 0:
            lines.append(good[(i // 6) % 3].encode())
        elif kind == 1:  # random bytes (newlines excluded: they would start another line)
            lines.append(bytes(rng.choice([b for b in range(256) if b != 0x0A]) for _ in range(rng.randint(0, 40))))
        elif kind == 2:  # valid text with a broken sequence inside
            lines.append(
                "退款".encode() + rng.choice([b"\xff", b"\xc3", b"\xe4\xb8", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"])
            )
        elif kind == 3:  # encoded lone surrogate, overlong encodings, NUL
            lines.append(rng.choice([b"\xed\xb2\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\x00\x00", b"\xef\xbb\xbf"]))
        elif kind == 4:
            lines.append(rng.choice([b"", b"   ", b"\r", b"\t\x0b\x0c"]))
        else:
            lines.append(("问" * rng.choice([5, 2001])).encode("utf-8"))
    stdin = b"\n".join(lines)  # the last line has no newline: it still counts
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_KB_DIR=str(assistant.settings.kb_dir),
        ASSISTANT_DATA_DIR=str(assistant.settings.data_dir),  # already built by the shared fixture
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--batch", "-"],
        input=stdin,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    out = result.stdout.decode("utf-8")  # the output itself is valid UTF-8
    replies = [json.loads(line) for line in out.splitlines()]
    assert len(replies) == len(lines)
    for i, reply in enumerate(replies):
        assert reply["kind"] in ("faq", "calculation", "no_answer")
        if i % 6 == 0:
            assert reply["kind"] == "faq", (i, reply)  # the good questions between the bad ones are answered
    assert [r["matches"][0]["question"] for r in replies[0:18:6]] == [
        "可以退款吗？",
        "如何取消订阅自动续费？",
        "我的订阅会自动续费吗？",
    ]
