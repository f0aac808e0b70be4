"""Regression tests for the HTML faults of the reliability issue: hidden text must stay hidden,
and answers must not carry links or images that run code or load remote content."""

from __future__ import annotations

import pytest

from assistant.parsing import parse_markdown


def _only(text: str):  # type: ignore[no-untyped-def]
    entries = parse_markdown(text, "kb/faq.md")
    assert len(entries) == 1
    return entries[0]


def test_unclosed_comment_does_not_leak_a_draft_entry() -> None:
    text = "**Q：公开？**\n\n**A：** 公开答案。\n\n<!--\n**Q：草稿？**\n\n**A：** 内部草稿答案。\n"
    entry = _only(text)
    assert entry.question == "公开？"
    assert entry.answer_md == "公开答案。"
    assert "草稿" not in entry.answer_md + entry.answer_text


@pytest.mark.parametrize(
    "fmt",
    [
        "### Public?\n\nYes.\n\n<!-- TODO\n### Draft?\n\nsecret\n",
        "<details><summary>Public?</summary>\n\nYes.\n\n</details>\n\n<!--\n<details><summary>Draft?</summary>\nsecret\n",
        "Q: Public?\nA: Yes.\n\n<!--\nQ: Draft?\nA: secret\n",
    ],
)
def test_unclosed_comment_in_every_convention(fmt: str) -> None:
    entry = _only(fmt)
    assert entry.question == "Public?"
    assert "secret" not in entry.answer_md + entry.answer_text and "Draft" not in entry.answer_md


def test_closed_comments_block_and_inline_are_dropped() -> None:
    entry = _only("**Q：x？**\n\n**A：** 可见 <!-- hidden note --> 文本。\n\n<!-- block\nhidden too\n-->\n\n尾巴\n")
    assert "hidden" not in entry.answer_md + entry.answer_text
    assert entry.answer_md == "可见  文本。\n\n尾巴"


def test_script_and_style_bodies_are_not_visible() -> None:
    text = (
        "**Q：x？**\n\n**A：** 可见。\n\n<script>\nalert('secret')\n</script>\n\n"
        "<style>\n.x { color: red }\n</style>\n\n后文 <script>inline()</script> 结束\n\n<script>\nunclosed()\n"
    )
    entry = _only(text)
    for hidden in ("alert", "color", "inline()", "unclosed", "script", "style"):
        assert hidden not in entry.answer_md and hidden not in entry.answer_text, hidden
    assert entry.answer_md == "可见。\n\n后文  结束"


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("[bad](javascript:alert(1))", "bad"),
        ("[bad](JaVaScRiPt:alert(1))", "bad"),
        ("[bad]( javascript:alert(1) )", "bad"),
        ("[ent](javascript&#58;alert(3))", "ent"),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data"),
        ("[vb](vbscript:msgbox)", "vb"),
        ("<javascript:alert(2)>", "javascript:alert(2)"),
        ("![logo](https://evil.example/t.png)", "logo"),
        ("![pix](data:image/png;base64,AAA)", "pix"),
        ("![ref image][img]", "ref image"),
        ("[![badge](https://evil.example/b.svg)](https://ok.example)", "[badge](https://ok.example)"),
        ("[ok](https://x.com)", "[ok](https://x.com)"),
        ('[ok](http://x.com "title")', '[ok](http://x.com "title")'),
        ("[mail](mailto:a@b.c)", "[mail](mailto:a@b.c)"),
        ("[relative](/docs/setup)", "[relative](/docs/setup)"),
        ("<https://x.com>", "<https://x.com>"),
        ("`[code](javascript:x)`", "`[code](javascript:x)`"),
    ],
)
def test_answer_links_and_images(link: str, shown: str) -> None:
    entry = _only(f"**Q: links?**\n\n**A:** see {link} here\n")
    assert entry.answer_md == f"see {shown} here"


def test_reference_definitions_with_bad_targets_are_dropped() -> None:
    entry = _only(
        "**Q: ref?**\n\n**A:** see [r][bad] and [g][good]\n\n[bad]: javascript:alert(4)\n[good]: https://x.com\n"
    )
    assert entry.answer_md == "see r and [g][good]\n\n[good]: https://x.com"
    assert "javascript" not in entry.answer_text


def test_links_in_code_blocks_are_left_alone() -> None:
    entry = _only("**Q: code?**\n\n**A:** example:\n\n```\n[fenced](javascript:y)\n![img](https://x/y.png)\n```\n")
    assert "[fenced](javascript:y)\n![img](https://x/y.png)" in entry.answer_md


def test_other_html_is_still_dropped_and_details_only_for_the_details_convention() -> None:
    entry = _only('### Why?\n\n<div onclick="x()">text <b>kept</b></div>\n\n<iframe src="https://evil"></iframe>\n')
    assert entry.answer_md == "text kept"
