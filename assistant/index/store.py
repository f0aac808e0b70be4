"""Where an index lives in ``data/`` and how it is written and read back.

Layout of ``data_dir`` (see :func:`index_layout`, which ``doctor`` asks too):

* ``index/``: the current index (``index.faiss``, ``units.json``, ``entries.json``, ``manifest.json``);
* ``.index-*/``: a build writes here first; leftovers of a killed build are removed by the next;
* ``index.old/``: the previous index, renamed aside during the swap. It exists only if a build died
  between its two renames, and is then the last good index that :func:`read_index` falls back to.

Writes are atomic: files go to a temporary folder, are fsynced, and the folder is swapped in under
an in-process lock and an inter-process ``flock`` on ``data_dir``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexStoreError
from ..models import Entry
from .manifest import INDEX_FILES, MANIFEST_FILE, Manifest, StaleIndex, check_manifest, sha256_file

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are serialised within one process only
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

INDEX_DIRNAME = "index"
OLD_SUFFIX = ".old"  # index.old: the previous index while a swap is under way
TMP_PREFIX = ".index-"  # a build writes here first; leftovers of a killed build are removed by the next
VECTOR_SAMPLE = 256  # vectors of a stored index checked for NaN/inf at load (all of them in small indexes)
_build_lock = threading.Lock()


@dataclass(frozen=True)
class IndexLayout:
    """The index folders of one data folder."""

    data_dir: Path
    current: Path  # data/index
    old: Path  # data/index.old
    tmp_prefix: str  # data/.index-*

    def temporary(self) -> list[Path]:
        """Temporary folders of builds that are under way or were killed."""
        if not self.data_dir.is_dir():
            return []
        return sorted(p for p in self.data_dir.glob(self.tmp_prefix + "*") if p.is_dir())

    def debris(self) -> list[Path]:
        """What interrupted builds left behind: temporary folders and ``index.old``."""
        return self.temporary() + ([self.old] if self.old.exists() else [])

    def readable(self) -> Path:
        """The folder to read: ``index``, or ``index.old`` when a build died between its renames."""
        if not self.current.exists() and self.old.exists():
            return self.old
        return self.current


def index_layout(data_dir: Path) -> IndexLayout:
    """The layout of the index in ``data_dir``."""
    current = data_dir / INDEX_DIRNAME
    return IndexLayout(data_dir, current, current.with_name(current.name + OLD_SUFFIX), TMP_PREFIX)


@dataclass(frozen=True)
class LoadedIndex:
    """A usable index: entries, their vectors in FAISS, and what each vector stands for."""

    entries: tuple[Entry, ...]
    unit_entry: np.ndarray  # int32, row -> entry index
    unit_field: tuple[str, ...]
    faiss_index: Any
    manifest: Manifest
    path: Path


# -------------------------------------------------------------------------------------------- writing
@contextlib.contextmanager
def _interprocess_lock(data_dir: Path) -> Iterator[None]:
    """Exclusive lock on the ``data_dir`` folder itself (flock on its descriptor: no lock file
    to leave behind), so two processes (the app reloading and a ``build`` in a shell) never
    interleave their renames. The kernel drops it when a holder dies, even by SIGKILL."""
    if fcntl is None:
        yield
        return
    fd = os.open(data_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _remove_debris(layout: IndexLayout) -> None:
    """Delete temporary folders left by builds that were killed. Call with the build lock held:
    then no other build is writing one."""
    for leftover in layout.temporary():
        log.info("removing %s, left by an interrupted build", leftover)
        shutil.rmtree(leftover, ignore_errors=True)


def write_index(
    target: Path,
    faiss_index: Any,
    owners: Sequence[int],
    fields: Sequence[str],
    entries: Sequence[Entry],
    manifest: Manifest,
) -> Manifest:
    """Write the index files into a temporary folder beside ``target``, fsync them and swap the
    folder in. Returns ``manifest`` with the checksums of the files written; raises
    :class:`IndexStoreError` when they cannot be written."""
    import faiss

    data_dir = target.parent
    layout = index_layout(data_dir)
    with _build_lock:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            with _interprocess_lock(data_dir):
                _remove_debris(layout)
                tmp = Path(tempfile.mkdtemp(prefix=layout.tmp_prefix, dir=data_dir))
                try:
                    # mkdtemp makes the folder private; the app may run as another user than `build`.
                    os.chmod(tmp, 0o755)
                    faiss.write_index(faiss_index, str(tmp / "index.faiss"))
                    (tmp / "units.json").write_text(
                        json.dumps({"entry": list(owners), "field": list(fields)}), encoding="utf-8"
                    )
                    (tmp / "entries.json").write_text(
                        json.dumps([asdict(e) for e in entries], ensure_ascii=False, indent=1), encoding="utf-8"
                    )
                    manifest = replace(manifest, files_sha256={n: sha256_file(tmp / n) for n in INDEX_FILES})
                    (tmp / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=1), encoding="utf-8")
                    for name in os.listdir(tmp):
                        _fsync(tmp / name)
                    _swap_in(tmp, target)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
        except (OSError, RuntimeError) as exc:
            # faiss.write_index reports a full disk (ENOSPC) or an I/O error as RuntimeError, not OSError.
            raise IndexStoreError(f"cannot write the index to {target}: {_io_reason(exc)}") from None
    return manifest


def _io_reason(exc: BaseException) -> str:
    """One line for an I/O failure (faiss's RuntimeError carries a multi-line C++ trace)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    for known in ("No space left on device", "Disk quota exceeded", "Read-only file system", "Permission denied"):
        if known in text:
            return known
    return text.strip().splitlines()[-1][:200] if text.strip() else type(exc).__name__


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(tmp: Path, target: Path) -> None:
    """Replace ``target`` by ``tmp``. ``os.replace`` cannot replace a non-empty folder, so the
    old one is first renamed aside; a crash between the two renames leaves ``index.old``,
    which :func:`read_index` falls back to."""
    old = index_layout(target.parent).old
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    # Without ``target``, ``old`` is the only complete index (an earlier build died between
    # the renames): it must survive until ``tmp`` is in place.
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -------------------------------------------------------------------------------------------- reading
def read_index(data_dir: Path, kb_dir: Path | None, model_id: str) -> LoadedIndex:
    """Load ``data_dir/index`` and check it against the KB and model; raises :class:`StaleIndex`."""
    target = index_layout(data_dir).readable()
    manifest_path = target / MANIFEST_FILE
    if not manifest_path.exists():
        raise StaleIndex("no index built yet")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise StaleIndex(f"unreadable manifest: {exc}") from None
    check_manifest(manifest, target, kb_dir, model_id)
    import faiss

    try:
        faiss_index = faiss.read_index(str(target / "index.faiss"))
        units = json.loads((target / "units.json").read_text(encoding="utf-8"))
        entries = tuple(
            Entry(**{**e, "alternates": tuple(e["alternates"])})
            for e in json.loads((target / "entries.json").read_text(encoding="utf-8"))
        )
        owners = np.asarray(units["entry"], np.int32)
        fields = tuple(str(f) for f in units["field"])
    except Exception as exc:  # faiss raises RuntimeError, json ValueError, a bad shape KeyError/TypeError
        raise StaleIndex(f"cannot read index files: {exc}") from None
    if (
        faiss_index.ntotal != manifest.vector_count
        or len(owners) != manifest.vector_count
        or len(fields) != len(owners)
    ):
        raise StaleIndex(
            f"vector count disagrees: {faiss_index.ntotal} in index.faiss, {len(owners)} units, "
            f"{manifest.vector_count} in the manifest"
        )
    if len(entries) != manifest.entry_count or (len(owners) and not 0 <= owners.min() <= owners.max() < len(entries)):
        raise StaleIndex(f"entry count disagrees: {len(entries)} entries, {manifest.entry_count} in the manifest")
    if faiss_index.d != manifest.dim:
        raise StaleIndex(f"index dimension {faiss_index.d} != manifest {manifest.dim}")
    if not _sampled_vectors_finite(faiss_index):
        raise StaleIndex("index.faiss holds vectors with NaN or infinite values (built from a damaged cache?)")
    return LoadedIndex(entries, owners, fields, faiss_index, manifest, target)


def _sampled_vectors_finite(faiss_index: Any) -> bool:
    """Whether evenly spaced stored vectors are finite (a NaN vector makes every score NaN)."""
    total = int(faiss_index.ntotal)
    if total == 0:
        return True
    rows = np.unique(np.linspace(0, total - 1, min(total, VECTOR_SAMPLE)).astype(np.int64))
    try:
        sample = np.stack([faiss_index.reconstruct(int(r)) for r in rows])
    except RuntimeError:  # an index type that cannot give its vectors back: nothing to check
        return True
    return bool(np.isfinite(sample).all())
