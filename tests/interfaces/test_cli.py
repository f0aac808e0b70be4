"""The command line, end to end in subprocesses: human output, JSON contract, batch, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REAL_KB, ROOT, write_kb

JSON_FIELDS = {
    "confidence",
    "best_guess",
    "highlights",
    "kind",
    "answer",
    "matches",
    "value",
    "unit",
    "latency_ms",
    "language",
    "degraded",
    "ambiguous",
    "steps",
    "error",
    "entry_md",
    "parts",
}
MATCH_FIELDS = {"id", "question", "section", "score", "source"}
PARTS_FIELDS = {
    "form",
    "language",
    "headline",
    "highlights",
    "body_md",
    "steps",
    "notes",
    "citations",
    "suggestions",
    "related",
    "handoff",
}
CITATION_FIELDS = {"title", "source", "section", "link"}


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory, built_data: Path) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli-data")
    shutil.copytree(built_data / "cache", data / "cache")  # the build below re-embeds nothing
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data), "ASSISTANT_KB_DIR": str(REAL_KB), "PYTHONPATH": str(ROOT)}
    env.pop("ASSISTANT_EMBEDDING_MODEL", None)
    build = subprocess.run([sys.executable, "-m", "assistant", "build"], env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert "index built: 28 entries" in build.stdout
    assert "embedding [" in build.stderr  # the progress bar
    return env


def run(env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "assistant", *args], env=env, input=stdin, capture_output=True)


def test_human_output_shows_question_answer_and_source(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "ask", "能退款吗")
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "可以退款吗？" in out and "不支持退款" in out and "kb/glm-coding-plan-faq.md:" in out


def test_json_contract(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "ask", "--json", "How do I cancel my subscription?")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    reply = json.loads(lines[0])
    assert set(reply) == JSON_FIELDS
    assert reply["kind"] == "faq" and reply["value"] is None and reply["unit"] is None
    assert isinstance(reply["latency_ms"], (int, float)) and reply["latency_ms"] > 0
    assert reply["matches"] and all(set(m) == MATCH_FIELDS for m in reply["matches"])
    assert reply["matches"][0]["question"] == "如何取消订阅自动续费？"
    assert reply["matches"][0]["source"].startswith("kb/glm-coding-plan-faq.md:")
    parts = reply["parts"]
    assert set(parts) == PARTS_FIELDS and parts["form"] == "entry" and parts["language"] == "en"
    assert all(set(c) == CITATION_FIELDS for c in parts["citations"])
    (cited,) = parts["citations"]
    assert (cited["title"], cited["source"]) == (reply["matches"][0]["question"], reply["matches"][0]["source"])
    assert parts["body_md"] == reply["entry_md"] and parts["related"] == [m["question"] for m in reply["matches"][1:]]


def test_batch_from_stdin_keeps_order_and_goes_on_after_bad_lines(cli_env: dict[str, str]) -> None:
    lines = [
        "能退款吗".encode(),
        b"",
        b"   ",
        b"\xff\xfe " + "退款".encode() + b" \xc3",  # not UTF-8
        ("问" * 2001).encode(),
        b"Is there a refund policy?",
        "今天北京天气怎么样".encode(),
    ]
    result = run(cli_env, "ask", "--json", "--batch", "-", stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    replies = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(replies) == len(lines)
    assert all(set(r) == JSON_FIELDS for r in replies)
    assert replies[0]["kind"] == "faq" and replies[0]["matches"][0]["question"] == "可以退款吗？"
    for reply in replies[1:3]:
        assert reply["kind"] == "no_answer" and reply["error"] and reply["matches"] == []
    assert replies[3]["kind"] in ("faq", "no_answer") and replies[3]["error"] is None
    assert replies[4]["kind"] == "no_answer" and "2001" in replies[4]["error"]
    assert replies[4]["parts"]["headline"] == replies[4]["error"] == replies[4]["answer"]
    assert replies[5]["matches"][0]["question"] == "可以退款吗？"
    assert replies[6]["kind"] == "no_answer" and replies[6]["error"] is None


def test_batch_from_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("会自动续费吗\nCan I share my plan with a friend?\n", encoding="utf-8")
    result = run(cli_env, "ask", "--batch", str(questions))
    replies = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["matches"][0]["question"] for r in replies] == [
        "我的订阅会自动续费吗？",
        "我可以与他人共享一个订阅套餐吗？",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", ""), "empty question"),
        (("ask", "   "), "empty question"),
        (("ask",), "empty question"),
        (("ask", "x" * 2001), "too long"),
        (("ask", "--batch", "/nonexistent/q.txt"), "batch file not found"),
        (("ask", "q", "--batch", "-"), "not both"),
    ],
)
def test_bad_input_exits_2_with_a_message(cli_env: dict[str, str], args: tuple[str, ...], message: str) -> None:
    result = run(cli_env, *args)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err and result.stdout == b""


def test_non_utf8_argument_is_handled(cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"assistant", b"ask", b"\xff\xfe refund policy?"],
        env=cli_env,
        capture_output=True,
    )
    assert result.returncode == 0 and b"Traceback" not in result.stderr


def test_broken_kb_is_reported_with_file_and_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    kb = write_kb(tmp_path / "kb", "## S\n\n**Q：只有问题？**\n")
    env = {**cli_env, "ASSISTANT_KB_DIR": str(kb), "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    result = run(env, "ask", "hello")
    err = result.stderr.decode()
    assert result.returncode == 3
    assert "kb/faq.md:3: question '只有问题？' has no answer" in err and "Traceback" not in err


def test_bad_setting_is_reported(cli_env: dict[str, str]) -> None:
    result = run({**cli_env, "ASSISTANT_THRESHOLD": "high"}, "ask", "hello")
    assert result.returncode == 2
    assert "ASSISTANT_THRESHOLD='high' is not a valid float" in result.stderr.decode()
