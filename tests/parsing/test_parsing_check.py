"""``python -m assistant kb check``: per file convention, counts, warnings, exit codes, --json."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from tests.conftest import REAL_KB, ROOT

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kb_formats"


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["kb", "check", *args])
    return code, capsys.readouterr().out


def test_real_kb_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _check(capsys, str(REAL_KB))
    assert code == 0
    assert "kb/glm-coding-plan-faq.md: bold Q/A" in out and "28 entries, 6 sections" in out
    assert out.strip().endswith("1 files, 28 entries, 0 errors, 0 warnings: ok")


def test_fixture_folder_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURES, kb)
    code, out = _check(capsys, str(kb), "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    by_file = {f["file"]: (f["format"], f["entries"], f["sections"]) for f in data["files"]}
    assert by_file == {
        "kb/bold.md": ("bold", 6, 2),
        "kb/details.md": ("details", 3, 2),
        "kb/faq.csv": ("csv", 3, 3),
        "kb/faq.jsonl": ("jsonl", 3, 2),
        "kb/faq.tsv": ("tsv", 3, 2),
        "kb/heading.md": ("heading", 5, 3),
        "kb/lines.md": ("lines", 4, 0),
        "kb/list.md": ("list", 5, 2),
    }
    assert data["entries"] == 32 and data["errors"] == 0


def test_warnings_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    long_answer = "很长的回答。" * 200
    (kb / "faq.md").write_text(
        f"## 退款\n\n**Q：退款？**\n\n**A：** 可以。\n\n**Q：Pricing**\n\n**A：** {long_answer}\n\n"
        "**Q：空的？**\n\n**A：**\n",
        encoding="utf-8",
    )
    (kb / "more.csv").write_text("问题,答案,分类\n退 款?,不行,付款\n", encoding="utf-8")
    code, out = _check(capsys, str(kb), "--json")
    assert code == 3
    data = json.loads(out)
    problems = {f["file"]: [(p["level"], p["line"], p["message"]) for p in f["problems"]] for f in data["files"]}
    md = problems["kb/faq.md"]
    assert ("error", 11, "question '空的？' has an empty answer") in md
    assert ("warning", 7, "'Pricing' does not look like a question") in md
    assert any(level == "warning" and line == 7 and "1200 characters" in msg for level, line, msg in md)
    assert problems["kb/more.csv"] == [("error", 2, "question '退 款?' appears twice (first at kb/faq.md:3)")]
    assert data["ok"] is False and data["errors"] == 2 and data["warnings"] == 2


def test_zero_entries_names_conventions_and_first_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "notes.md").write_text("# Notes\n\nJust prose here.\nNo questions at all.\n", encoding="utf-8")
    code, out = _check(capsys, str(kb))
    assert code == 3
    assert "kb/notes.md: no entries (tried: bold Q/A" in out
    for name in (
        "plain Q: / A: lines",
        "<details><summary> blocks",
        "list of bold questions",
        "a heading per question",
    ):
        assert name in out
    assert "   3: Just prose here.\n" in out and "   4: No questions at all.\n" in out
    assert "BROKEN" in out


def test_missing_folder_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = _check(capsys, str(tmp_path / "nope"), "--json")
    assert code == 3
    assert "knowledge base folder not found" in json.loads(out)["fatal"]


def test_cli_subprocess_uses_assistant_kb_dir(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURES, kb)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "kb", "check"],
        cwd=ROOT,
        env={"ASSISTANT_KB_DIR": str(kb), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "kb/heading.md: a heading per question; 5 entries, 3 sections" in result.stdout
