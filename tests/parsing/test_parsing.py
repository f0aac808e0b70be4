"""The markdown-it parser: tiny fixtures for each rule, plus all 28 real entries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.errors import KnowledgeBaseError
from assistant.parsing import entry_id, load_kb, parse_markdown
from tests.conftest import REAL_KB, TINY_FAQ, write_kb


def test_tiny_faq_entries_sections_and_sources() -> None:
    entries = parse_markdown(TINY_FAQ, "kb/faq.md")
    assert [e.question for e in entries] == ["如何修改密码？", "How do I delete my account?", "支持哪些付款方式？"]
    assert [e.section for e in entries] == ["一、账户", "一、账户", "二、付款"]
    assert [e.source for e in entries] == ["kb/faq.md:9", "kb/faq.md:15", "kb/faq.md:27"]
    assert len({e.id for e in entries}) == 3


def test_answer_markdown_keeps_structure_and_drops_html() -> None:
    first, second, third = parse_markdown(TINY_FAQ, "faq.md")
    assert first.answer_md == "在**账户设置**中点击“修改密码”。"
    assert first.answer_text == "在账户设置中点击“修改密码”。"
    # link kept, Tip turned into a quote, no raw tag left
    assert "[settings](https://example.com/settings)" in second.answer_md
    assert "> Deleted accounts cannot be restored." in second.answer_md
    assert "<Tip>" not in second.answer_md and "</Tip>" not in second.answer_md
    # table and code block kept, <br /> and the raw <div> never passed through
    assert "| 微信 | 0 |" in third.answer_md
    assert "```\npay --method wechat\n```" in third.answer_md
    assert "<" not in third.answer_md.replace("<https", "")
    assert "raw html" in third.answer_text  # its text survives as plain text
    assert "微信 | 0" in third.answer_text


def test_header_blockquote_and_separators_are_not_entries() -> None:
    entries = parse_markdown(TINY_FAQ, "faq.md")
    assert all("Documentation" not in e.question and "***" not in e.answer_md for e in entries)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("## S\n\n**Q：没有答案？**\n\n***\n", "has no answer", 3),
        ("## S\n\n**Q：没有答案？**\n\n**Q：第二个？**\n\n**A：** 有。\n", "has no answer", 3),
        ("## S\n\n**Q：问题？**\n\n普通段落\n", "must be followed by a bold 'A：'", 5),
        ("## S\n\n**A：** 孤立的答案\n", "without a question", 3),
        ("**Q：结尾的问题？**\n", "has no answer", 1),
        ("**Q：**\n\n**A：** x\n", "empty question", 1),
    ],
)
def test_broken_markdown_names_file_and_line(text: str, message: str, line: int) -> None:
    with pytest.raises(KnowledgeBaseError) as info:
        parse_markdown(text, "kb/bad.md")
    assert message in str(info.value)
    assert str(info.value).startswith(f"kb/bad.md:{line}: ")
    assert (info.value.path, info.value.line) == ("kb/bad.md", line)


def test_ascii_and_fullwidth_colons(tmp_path: Path) -> None:
    entries = parse_markdown("**Q: A?**\n\n**A:** x\n\n**Q：B？**\n\n**A：** y\n", "f.md")
    assert [(e.question, e.answer_text) for e in entries] == [("A?", "x"), ("B？", "y")]


def test_duplicate_question_across_files(tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "kb", "**Q：重复？**\n\n**A：** 1\n", "a.md")
    write_kb(kb, "# t\n\n**Q：重复？**\n\n**A：** 2\n", "b.md")
    with pytest.raises(
        KnowledgeBaseError, match=r"kb/b\.md:3: question '重复？' appears twice \(first at kb/a\.md:1\)"
    ):
        load_kb(kb)


def test_empty_and_missing_kb(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(KnowledgeBaseError, match=r"no FAQ files \(\.md, \.csv, \.tsv, \.jsonl\)"):
        load_kb(tmp_path / "empty")
    with pytest.raises(KnowledgeBaseError, match="not found"):
        load_kb(tmp_path / "missing")
    write_kb(tmp_path / "noentries", "# just a title\n\nsome text\n")
    with pytest.raises(KnowledgeBaseError, match="no Q/A entries"):
        load_kb(tmp_path / "noentries")


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "faq.md").write_bytes("**Q：好？**\n\n**A：** 是\n".encode() + b"\xff\xfe bad\n")
    with pytest.raises(KnowledgeBaseError, match=r"kb/faq\.md:4: not valid UTF-8"):
        load_kb(kb)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = write_kb(tmp_path / "kb")
    if os.geteuid() != 0:
        (kb / "faq.md").chmod(0)
    else:  # root reads anything: make the read fail the way a permission error does
        real_read = Path.read_bytes

        def denied(self: Path) -> bytes:
            if self.name == "faq.md":
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(KnowledgeBaseError, match=r"kb/faq\.md: cannot read file: Permission denied"):
        load_kb(kb)


def test_markdown_in_subfolders_is_loaded(tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "kb")
    (kb / "more").mkdir()
    (kb / "more" / "inner.md").write_text("**Q：里面？**\n\n**A：** 是\n", encoding="utf-8")
    entries = load_kb(kb)
    assert {e.question for e in entries} == {
        "里面？",
        "如何修改密码？",
        "How do I delete my account?",
        "支持哪些付款方式？",
    }
    assert any(e.source == "kb/more/inner.md:1" for e in entries)


def test_alternates_sidecar(tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "kb")
    (kb / "faq.alternates.toml").write_text(
        '[[entry]]\nquestion = "如何修改密码？"\nalternates = ["忘记密码怎么办", "change my password"]\n',
        encoding="utf-8",
    )
    entries = {e.question: e for e in load_kb(kb)}
    assert entries["如何修改密码？"].alternates == ("忘记密码怎么办", "change my password")
    assert entries["支持哪些付款方式？"].alternates == ()


@pytest.mark.parametrize(
    ("sidecar", "message", "line"),
    [
        ('[[entry]]\nquestion = "不存在的问题"\nalternates = ["x"]\n', "no FAQ entry has the question", 2),
        ('[[entry]]\nquestion = "如何修改密码？"\nalternates = [""]\n', "must be a list of non-empty strings", 2),
        ("[[entry]]\nquestion = \n", "invalid TOML", 2),
        ('[[entry]]\nalternates = ["x"]\n', "without a 'question'", None),
    ],
)
def test_broken_sidecar(tmp_path: Path, sidecar: str, message: str, line: int | None) -> None:
    kb = write_kb(tmp_path / "kb")
    (kb / "faq.alternates.toml").write_text(sidecar, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=message) as info:
        load_kb(kb)
    assert info.value.path == "kb/faq.alternates.toml"
    assert info.value.line == line


def test_real_kb_has_28_entries_with_sources_and_alternates() -> None:
    entries = load_kb(REAL_KB)
    assert len(entries) == 28
    assert len({e.id for e in entries}) == 28
    assert entries[0].question == "GLM Coding Plan 是否已支持 GLM-5 ？如何切换使用的模型？"
    assert entries[-1].question == "编码套餐过期后，可以使用资源包吗？"
    sections = list(dict.fromkeys(e.section for e in entries))
    assert sections == [
        "一、套餐详情",
        "二、调用 MCP",
        "三、管理订阅",
        "四、套餐升级",
        "五、「拼好模」活动",
        "六、使用问题",
    ]
    lines = (REAL_KB / "glm-coding-plan-faq.md").read_text(encoding="utf-8").splitlines()
    for entry in entries:
        file, _, line = entry.source.rpartition(":")
        assert file == "kb/glm-coding-plan-faq.md"
        assert entry.question in lines[int(line) - 1]
        assert entry.answer_md and entry.answer_text
        assert "<Tip>" not in entry.answer_md and "<br" not in entry.answer_md
        assert len(entry.alternates) >= 10, entry.question
        assert entry.id == entry_id(entry.question)


def test_real_kb_keeps_tables_code_and_links() -> None:
    by_q = {e.question: e for e in load_kb(REAL_KB)}
    quota = by_q["套餐的用量额度大概有多少？"]
    assert "|  Max 套餐 |" in quota.answer_md and "[用量统计](https://www.bigmodel.cn/usercenter/glm-coding/usage)" in (
        quota.answer_md
    )
    assert "> * 上述次数为预估值" in quota.answer_md
    assert "**" not in quota.answer_text
    glm5 = by_q["为什么调用 GLM-5 时额度消耗更快？有没有节省额度的方式？"]
    assert '"ANTHROPIC_DEFAULT_OPUS_MODEL": "glm-5"' in glm5.answer_md and "```" in glm5.answer_md


def test_chinese_round_trip_through_json() -> None:
    from assistant.models import Entry, to_dict

    entry = load_kb(REAL_KB)[0]
    assert Entry(**{**to_dict(entry), "alternates": tuple(entry.alternates)}) == entry
