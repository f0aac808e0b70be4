"""Every FAQ convention and table format, from fixtures in tests/fixtures/kb_formats/.

For each fixture: the convention detected, the exact entries (question, section, line) and
the exact boundaries of each answer (its first and last markdown line), so an answer that
swallows the next question or loses its nested list, table or code block fails here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.errors import KnowledgeBaseError
from assistant.parsing import load_kb, parse_markdown
from assistant.parsing.conventions import Options

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kb_formats"

# file -> (format, sections, [(question, section, line, first answer line, last answer line)])
EXPECTED: dict[str, tuple[str, int, list[tuple[str, str, int, str, str]]]] = {
    "heading.md": (
        "heading",
        3,
        [
            ("How do I download an invoice?", "Billing › Invoices", 9,
             "Open **Billing › Invoices** and pick a month.", "- CSV export"),
            ("Can I change the billing_email field?", "Billing › Invoices", 18, "Yes, with the CLI:", "```"),
            ("Which cards do you accept?", "Billing", 27, "| card | fee |", "| Amex | 1%  |"),
            ("How do I delete my account?", "Account", 36, "Go to *Settings → Danger zone*.", "2. Click **Delete**."),
            ("Why was I logged out?", "Account", 43, "Sessions end after 30 days.", "Sessions end after 30 days."),
        ],
    ),
    "bold.md": (
        "bold",
        2,
        [
            ("如何修改密码？", "账户", 5, "在**账户设置**中点击“修改密码”。", "在**账户设置**中点击“修改密码”。"),
            ("How do I enable 2FA?", "账户", 11, "Open *Security* and scan the code:", "```"),
            ("Can I have two accounts?", "账户", 19, "Yes, with different emails.", "- work"),
            ("支持哪些付款方式？", "付款", 29, "支持以下方式：", "| 微信 | 0 |"),
            ("Is VAT included?", "付款", 37, "Prices exclude VAT.", "Prices exclude VAT."),
            ("Do you send receipts?", "付款", 39, "Yes, by email.", "Yes, by email."),
        ],
    ),
    "lines.md": (
        "lines",
        0,
        [
            ("What is a widget?", "", 3, "A small gadget.", "A small gadget."),
            ("How much does it cost?", "", 5, "It costs $5.", "- 100 widgets: $400"),
            ("How do I install it?", "", 14, "Run the installer:", "    widget install --global"),
            ("可以退货吗？", "", 20, "30 天内可以退货。", "30 天内可以退货。"),
        ],
    ),
    "list.md": (
        "list",
        2,
        [
            ("How do I track my order?", "Orders", 5,
             "Use the link in your confirmation email.", "  - except weekends"),
            ("Can I cancel an order?", "Orders", 10, "Yes, before it ships.", "Yes, before it ships."),
            ("Where is my invoice?", "Orders", 11, "```", "```"),
            ("What is the return window?", "Returns", 18, "30 days.", "| gadget | 30 days |"),
            ("Who pays return shipping?", "Returns", 24, "We do.", "We do."),
        ],
    ),
    "details.md": (
        "details",
        2,
        [
            ("How do I connect my calendar?", "Setup", 5, "Open **Settings → Calendars**.", "- Outlook"),
            ("Which ports must be open?", "Setup", 17, "| port | use |", "raw html is dropped"),
            ("Sync is stuck, what now?", "Troubleshooting", 29, "```", "```"),
        ],
    ),
    "faq.csv": (
        "csv",
        3,
        [
            ("How do I reset my password?", "Account", 2, "Click **Forgot password**.", "<https://example.com/reset>"),
            ("Do you have an API?", "Developers", 6, "Yes: `GET /v1/items`.", "Yes: `GET /v1/items`."),
            ("Is there a free plan?", "Billing", 7, "Yes.", "Yes."),
        ],
    ),
    "faq.tsv": (
        "tsv",
        2,
        [
            ("如何退款？", "付款", 2, "在订单页点击**退款**。", "在订单页点击**退款**。"),
            ("发票怎么开？", "付款", 3, "在**发票**页申请。", "在**发票**页申请。"),
            ("会员有效期多久？", "会员", 4, "一年。", "一年。"),
        ],
    ),
    "faq.jsonl": (
        "jsonl",
        2,
        [
            ("How fast is shipping?", "Shipping", 1, "2–3 days.", "| EU | 2 |"),
            ("支持货到付款吗？", "付款", 3, "不支持。", "不支持。"),
            ("Do you ship abroad?", "Shipping", 4, "Yes, to 40 countries.", "<https://example.com/shipping>"),
        ],
    ),
}  # fmt: skip


def _read(name: str):  # type: ignore[no-untyped-def]
    from assistant.parsing import read_markdown_file, read_table_file

    path = FIXTURES / name
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return read_markdown_file(text, f"kb/{name}")
    return read_table_file(text, f"kb/{name}", path.suffix)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_entries_sections_and_answer_boundaries(name: str) -> None:
    fmt, sections, rows = EXPECTED[name]
    report = _read(name)
    assert report.problems == []
    assert report.format == fmt
    assert len(report.entries) == len(rows)
    assert report.sections == sections
    got = [
        (
            e.question,
            e.section,
            int(e.source.rpartition(":")[2]),
            e.answer_md.split("\n")[0],
            e.answer_md.split("\n")[-1],
        )
        for e in report.entries
    ]
    assert got == rows
    for entry in report.entries:
        assert entry.source.startswith(f"kb/{name}:")
        assert entry.answer_text.strip()
        assert "<" not in entry.answer_md.replace("<https://example.com/", "")


@pytest.mark.parametrize(
    ("name", "question", "kept"),
    [
        ("heading.md", "How do I download an invoice?", "- PDF invoices\n  - one per month\n  - signed\n- CSV export"),
        ("heading.md", "Can I change the billing_email field?", "```bash\nacme config set billing_email="),
        ("heading.md", "Which cards do you accept?", "| card | fee |\n|------|-----|"),
        ("bold.md", "Can I have two accounts?", "- personal\n  - free\n- work"),
        ("bold.md", "支持哪些付款方式？", "| 方式 | 手续费 |\n| :--: | :--: |\n| 微信 | 0 |"),
        ("lines.md", "How much does it cost?", "- 10 widgets: $45\n  - shipping included\n- 100 widgets: $400"),
        ("list.md", "How do I track my order?", "- tracking updates hourly\n  - except weekends"),
        ("list.md", "What is the return window?", "| item | window |\n|------|--------|"),
        ("details.md", "How do I connect my calendar?", "- Google\n  - personal\n  - workspace\n- Outlook"),
        ("faq.csv", "How do I reset my password?", "- check spam\n  - and promotions"),
    ],
)
def test_nested_lists_tables_and_code_survive(name: str, question: str, kept: str) -> None:
    entry = next(e for e in _read(name).entries if e.question == question)
    assert kept in entry.answer_md


def test_code_inside_an_answer_is_not_a_question() -> None:
    questions = [e.question for e in _read("heading.md").entries]
    assert not any("heading-like" in q for q in questions)
    code = next(e for e in _read("heading.md").entries if "billing_email" in e.question)
    assert "# a heading-like line inside code: not a question" in code.answer_text


@pytest.mark.parametrize(
    ("name", "question", "alternates"),
    [
        ("faq.csv", "How do I reset my password?", ("forgot password", "lost my password", "reset pw")),
        ("faq.tsv", "如何退款？", ("怎么退钱", "退款流程", "能退吗")),
        ("faq.jsonl", "How fast is shipping?", ("delivery time", "when will it arrive")),
        ("faq.jsonl", "支持货到付款吗？", ()),
    ],
)
def test_table_alternates_column(name: str, question: str, alternates: tuple[str, ...]) -> None:
    entry = next(e for e in _read(name).entries if e.question == question)
    assert entry.alternates == alternates


def test_whole_fixture_folder_loads_with_sidecar(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURES, kb)
    (kb / "faq.alternates.toml").write_text(
        '[[entry]]\nquestion = "Is there a free plan?"\nalternates = ["free tier"]\n'
        '[[entry]]\nquestion = "如何退款？"\nalternates = ["退货退款"]\n',
        encoding="utf-8",
    )
    entries = {e.question: e for e in load_kb(kb)}
    assert len(entries) == sum(len(rows) for _, _, rows in EXPECTED.values())
    assert entries["Is there a free plan?"].alternates == ("free tier",)
    assert entries["如何退款？"].alternates == ("怎么退钱", "退款流程", "能退吗", "退货退款")


AMBIGUOUS = """# Store FAQ

## Orders

- **Can I cancel?** Yes.
- **Can I edit?** No.

## Shipping

Two to three days.
"""


def test_ambiguous_file_choice_is_deterministic_and_kb_toml_overrides(tmp_path: Path) -> None:
    # Read two ways: 2 list entries vs 2 heading entries ("Orders", "Shipping"): the tie goes to the list.
    assert [e.question for e in parse_markdown(AMBIGUOUS, "f.md")] == ["Can I cancel?", "Can I edit?"]
    as_headings = parse_markdown(AMBIGUOUS, "f.md", Options(format="heading"))
    assert [e.question for e in as_headings] == ["Orders", "Shipping"]
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "store.md").write_text(AMBIGUOUS, encoding="utf-8")
    (kb / "other.md").write_text(AMBIGUOUS.replace("Can I", "May I"), encoding="utf-8")
    (kb / "kb.toml").write_text('format = "auto"\n\n[files."store.md"]\nformat = "heading"\n', encoding="utf-8")
    by_file: dict[str, list[str]] = {}
    for e in load_kb(kb):
        by_file.setdefault(e.source.split(":")[0], []).append(e.question)
    assert by_file == {"kb/other.md": ["May I cancel?", "May I edit?"], "kb/store.md": ["Orders", "Shipping"]}


def test_section_depth_and_question_level(tmp_path: Path) -> None:
    text = (FIXTURES / "heading.md").read_text(encoding="utf-8")
    shallow = parse_markdown(text, "f.md", Options(section_depth=1))
    assert [e.section for e in shallow][:2] == ["Billing", "Billing"]
    level3 = parse_markdown(text, "f.md", Options(format="heading", question_level=3))
    assert [e.question for e in level3] == [
        "Invoices",
        "Which cards do you accept?",
        "How do I delete my account?",
        "Why was I logged out?",
    ]
    assert "#### How do I download an invoice?" in level3[0].answer_md


@pytest.mark.parametrize(
    ("toml", "message", "line"),
    [
        ('format = "yaml"\n', "format 'yaml' is not one of", 1),
        ("section_depth = -1\n", "section_depth must be a whole number", 1),
        ('formatt = "heading"\n', "unknown setting 'formatt'", 1),
        ('[files."missing.md"]\nformat = "bold"\n', "not a file of the KB", 2),
    ],
)
def test_broken_kb_toml_names_file_and_line(tmp_path: Path, toml: str, message: str, line: int) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "faq.md").write_text("**Q：好？**\n\n**A：** 是\n", encoding="utf-8")
    (kb / "kb.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=message) as info:
        load_kb(kb)
    assert (info.value.path, info.value.line) == ("kb/kb.toml", line)


@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("faq.csv", "question,answer\nQ1?,A1\n,orphan answer\n", "row has an answer but no question", 3),
        ("faq.csv", "question,answer\nQ1?,\n", "has an empty answer", 2),
        ("faq.csv", "heading,body\nQ1?,A1\n", "no question or answer column in the header", 1),
        ("faq.csv", 'question,answer\nQ1?,"A1\nstill A1"\nQ2?,A2,extra\n', "3 fields, the header has 2", 4),
        ("faq.tsv", "问题\t答案\t链接\n好吗？\t好\tjavascript:alert(1)\n", r"is not an http\(s\) address", 2),
        ("faq.jsonl", '{"question": "Q1?", "answer": "A1"}\n{"question": "Q2?", \n', "invalid JSON", 2),
        ("faq.jsonl", '["Q1?", "A1"]\n', "expected a JSON object", 1),
        ("faq.jsonl", '{"q": "Q1?", "text": "A1"}\n', "no question/answer keys", 1),
    ],
)
def test_table_errors_name_file_and_row(tmp_path: Path, name: str, content: str, message: str, line: int) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / name).write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=message) as info:
        load_kb(kb)
    assert (info.value.path, info.value.line) == (f"kb/{name}", line)


def test_near_duplicate_questions_are_flagged(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "a.md").write_text("**Q：退款？**\n\n**A：** 可以\n", encoding="utf-8")
    (kb / "b.csv").write_text("问题,答案\n退 款?,不行\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"question '退 款\?' appears twice \(first at kb/a\.md:1\)") as info:
        load_kb(kb)
    assert (info.value.path, info.value.line) == ("kb/b.csv", 2)


def test_list_of_bold_questions_without_question_marks() -> None:
    text = (
        "# 常见问题\n\n1. **怎么退款**\n   在订单页。\n2. **发票怎么开**\n   在发票页。\n"
        "3. **Pricing**\n   not a question.\n"
    )
    entries = parse_markdown(text, "f.md")
    assert [(e.question, e.answer_md) for e in entries] == [("怎么退款", "在订单页。"), ("发票怎么开", "在发票页。")]


def test_text_under_a_section_heading_is_a_warning_not_an_entry() -> None:
    from assistant.parsing import read_markdown_file

    report = read_markdown_file("# FAQ\n\nintro\n\n## Account\n\nAbout accounts.\n\n### How?\n\nLike so.\n", "kb/f.md")
    assert [(e.question, e.section, e.answer_md) for e in report.entries] == [("How?", "Account", "Like so.")]
    assert [(p.level, p.line, p.message) for p in report.problems] == [
        ("warning", 6, "text under section heading 'Account' belongs to no entry")
    ]


def test_kb_files_include_tables_and_kb_toml_so_edits_rebuild_the_index(tmp_path: Path) -> None:
    from assistant.parsing import kb_files

    kb = tmp_path / "kb"
    shutil.copytree(FIXTURES, kb)
    (kb / "kb.toml").write_text('format = "auto"\n', encoding="utf-8")
    (kb / "notes.txt").write_text("not part of the KB\n", encoding="utf-8")
    (kb / "sub").mkdir()
    (kb / "sub" / "kb.toml").write_text("not the settings file\n", encoding="utf-8")
    names = [p.relative_to(kb).as_posix() for p in kb_files(kb)]
    assert names == sorted(
        ["bold.md", "details.md", "faq.csv", "faq.jsonl", "faq.tsv", "heading.md", "kb.toml", "lines.md", "list.md"]
    )


def test_plain_labels_inside_a_bold_faq_are_answer_text() -> None:
    text = (
        "**Q：客服怎么回复？**\n\n**A：** 例如：\n\nQ: 能退款吗\nA: 可以\n\n问：发票呢\n\n"
        "**Q：第二个？**\n\n**A：** 二\n"
    )
    entries = parse_markdown(text, "f.md")
    assert [e.question for e in entries] == ["客服怎么回复？", "第二个？"]
    assert entries[0].answer_md == "例如：\n\nQ: 能退款吗\nA: 可以\n\n问：发票呢"
