"""assistant.loading: one background load per version of a resource, shared by every thread that asks."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Hashable
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.loading import BackgroundLoad, LoadSlot, preload, take_preload


class Source:
    """A resource whose version the test changes; each load returns (the n-th load, the version it saw)."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.version = 1
        self.delay = delay
        self.fail = fail
        self.loads = 0
        self._lock = threading.Lock()

    def load(self) -> tuple[int, Hashable]:
        with self._lock:
            self.loads += 1
            n = self.loads
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the source is broken")
        return n, self.version

    def now(self) -> Hashable:
        return self.version


def test_a_load_runs_in_its_thread_and_is_waited_for() -> None:
    release = threading.Event()
    load = BackgroundLoad(lambda: (release.wait(10) and "value", 1), "test-load")
    assert not load.done and load.wait(0.05) is None  # still running: nothing, without blocking for long
    release.set()
    assert load.wait(10) == "value" and load.done and load.version == 1 and load.failed_at is None


def test_a_failed_load_is_logged_and_has_no_value(caplog: pytest.LogCaptureFixture) -> None:
    source = Source(fail=True)
    load = BackgroundLoad(source.load, "broken-load")
    assert load.wait(10) is None and load.done and load.failed_at is not None
    assert "the source is broken" in caplog.text and "broken-load" in caplog.text


def test_threads_asking_at_once_share_one_load() -> None:
    source = Source(delay=0.3)
    slot = LoadSlot(source.load, "shared", retry_after=60)
    found: list[BackgroundLoad[int]] = []
    threads = [threading.Thread(target=lambda: found.append(slot.current(source.now))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len({id(load) for load in found}) == 1 and found[0].wait(10) == 1
    assert slot.current(source.now) is found[0] and source.loads == 1


def test_a_new_version_is_loaded_once_and_a_running_load_is_never_replaced() -> None:
    source = Source(delay=0.2)
    slot = LoadSlot(source.load, "versions", retry_after=60)
    first = slot.current(source.now)
    source.version = 2  # changed while the first load runs: that load is kept until it ends
    assert slot.current(source.now) is first
    assert first.wait(10) == 1 and first.version == 2  # it saw version 2 when it loaded
    assert slot.current(source.now) is first
    source.version = 3
    second = slot.current(source.now)
    assert second is not first and second.wait(10) == 2
    assert slot.current(source.now) is second and source.loads == 2


def test_a_failed_load_is_retried_only_after_the_delay() -> None:
    source = Source(fail=True)
    slot = LoadSlot(source.load, "retry", retry_after=0.3)
    failed = slot.current(source.now)
    failed.wait(10)
    assert slot.current(source.now) is failed  # too soon: the failure stands
    time.sleep(0.35)
    source.fail = False
    retried = slot.current(source.now)
    assert retried is not failed and retried.wait(10) == 2


def test_a_negative_retry_delay_is_refused() -> None:
    with pytest.raises(ConfigError, match="-1"):
        LoadSlot(Source().load, "bad", retry_after=-1)


def test_a_preload_is_handed_over_once() -> None:
    source = Source(delay=0.1)
    started = preload("engine-key", source.load, "preload-test")
    assert take_preload("another-key") is None
    taken = take_preload("engine-key")
    assert taken is started and taken.wait(10) == 1
    assert take_preload("engine-key") is None and source.loads == 1


def test_the_chat_server_starts_the_engine_load_then_streamlit_run_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from streamlit.web import cli

    from assistant import chat_server
    from assistant.settings import resolve_settings

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    loaded: list[Path] = []
    monkeypatch.setattr(chat_server, "load_engine", lambda data_dir: (loaded.append(data_dir) or "engine", 1))
    served = threading.Event()  # the load waits for the server; cli.main, faked, says when it is "up"
    monkeypatch.setattr(chat_server, "wait_for_server", lambda: served.wait(10))
    argv: list[list[str]] = []
    monkeypatch.setattr(cli, "main", lambda prog_name: argv.append(list(sys.argv)) or served.set() or 0)
    monkeypatch.setattr(sys, "argv", ["chat_server"])
    assert chat_server.main(["--server.port", "9999"]) == 0
    assert argv == [["streamlit", "run", str(chat_server.APP), "--server.port", "9999"]]
    settings = resolve_settings()
    started = take_preload(chat_server.engine_key(settings))
    assert started is not None and started.wait(10) == "engine" and loaded == [settings.data_dir]


def test_without_a_server_the_wait_gives_up_after_its_timeout() -> None:
    from assistant import chat_server

    started = time.monotonic()
    assert chat_server.wait_for_server(timeout=0.2) is False  # no Streamlit runtime in this process
    assert 0.2 <= time.monotonic() - started < 5
