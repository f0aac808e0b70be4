"""A resource loaded in a background thread, once per process, and reloaded when its source changes.

The chat page (``app.py``) uses it for the engine: the first page view starts the load and draws the page
without waiting; a question asked before the engine is ready waits for it. Pure standard library: the
loader function does the heavy imports, in its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from assistant.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundLoad(Generic[T]):
    """One call of ``load`` in a daemon thread, started at construction. ``load`` returns the resource and a
    version of its source as it was loaded (compared later to notice a change). An exception is logged with
    its traceback and makes the load *failed*: :attr:`value` stays None."""

    def __init__(self, load: Callable[[], tuple[T, Hashable]], name: str) -> None:
        self._done = threading.Event()
        self.value: T | None = None
        self.version: Hashable = None
        self.failed_at: float | None = None  # time.monotonic() of the failure
        self._thread = threading.Thread(target=self._run, args=(load,), name=name, daemon=True)
        self._thread.start()

    def _run(self, load: Callable[[], tuple[T, Hashable]]) -> None:
        try:
            self.value, self.version = load()
        except Exception:  # a failed load is reported where the resource is needed; the log keeps the cause
            log.exception("background load %s failed", self._thread.name)
            self.failed_at = time.monotonic()
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        """True once the load has finished, loaded or failed."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> T | None:
        """The resource once loaded (blocking up to ``timeout`` seconds, None = as long as it takes);
        None when the load failed or is still running after ``timeout``."""
        self._done.wait(timeout)
        return self.value


class LoadSlot(Generic[T]):
    """The process's current :class:`BackgroundLoad` of one resource; thread-safe (every session of the page
    asks it on every run). :meth:`current` starts a load when there is none, when the source's version now
    differs from the one the finished load saw (e.g. a rebuilt index), or when the last load failed at least
    ``retry_after`` seconds ago; so one resource is loaded at a time, never twice for the same version."""

    def __init__(self, load: Callable[[], tuple[T, Hashable]], name: str, retry_after: float) -> None:
        if retry_after < 0:
            raise ConfigError(f"retry_after must be >= 0, got {retry_after!r}")
        self._loader = load
        self._name = name
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._load: BackgroundLoad[T] | None = None
        self.loads_started = 0

    def current(self, version: Callable[[], Hashable]) -> BackgroundLoad[T]:
        """The load to use now. ``version`` (called only when a load has succeeded) says what the source is
        now: cheap, e.g. a file's stat."""
        with self._lock:
            load = self._load
            if load is None or self._stale(load, version):
                self.loads_started += 1
                load = self._load = BackgroundLoad(self._loader, f"{self._name}-{self.loads_started}")
            return load

    def _stale(self, load: BackgroundLoad[T], version: Callable[[], Hashable]) -> bool:
        if not load.done:
            return False
        if load.failed_at is not None:
            return time.monotonic() - load.failed_at >= self._retry_after
        return bool(version() != load.version)


_preloads: dict[str, BackgroundLoad[Any]] = {}
_preloads_lock = threading.Lock()


def preload(key: str, load: Callable[[], tuple[T, Hashable]], name: str) -> BackgroundLoad[T]:
    """Start loading a resource before anyone asks for it (e.g. when a server starts); :func:`take_preload`
    with the same ``key`` hands it over, once."""
    started = BackgroundLoad(load, name)
    with _preloads_lock:
        _preloads[key] = started
    return started


def take_preload(key: str) -> BackgroundLoad[Any] | None:
    """The load :func:`preload` started under ``key`` (None when there is none); only the first caller gets it."""
    with _preloads_lock:
        return _preloads.pop(key, None)
