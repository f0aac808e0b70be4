"""The index manifest and its validation: what an index was built from, and whether it still fits.

``manifest.json`` records the schema version, the sha256 of every KB file and of the index files,
the model id, dimension, counts, faiss version and the score floors of the model. It is data from
disk: :func:`manifest_problem` checks each field's type and range, :func:`check_manifest` checks it
against the KB, the model and the files beside it, and raises :class:`StaleIndex` saying why not.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import KnowledgeBaseError
from ..parsing import kb_files

SCHEMA_VERSION = 3  # 3: a long answer is embedded as several passages (answer_passages)
INDEX_FILES = ("index.faiss", "units.json", "entries.json")  # checksummed in the manifest
MANIFEST_FILE = "manifest.json"
MAX_SCORE_FLOOR = 0.95  # the build clips score floors to this: 1 - floor divides every dense score
INDEX_TYPES = ("flat", "hnsw32")


class StaleIndex(Exception):
    """The stored index cannot be used as it is (the message says why)."""


@dataclass(frozen=True)
class Manifest:
    """What an index was built from (``manifest.json``)."""

    schema_version: int
    kb_sha256: dict[str, str]
    files_sha256: dict[str, str]
    model_id: str
    dim: int
    entry_count: int
    vector_count: int
    faiss_version: str
    index_type: str
    score_floor: float
    answer_floor: float
    built_at: str
    build_seconds: float


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def kb_fingerprint(kb_dir: Path) -> dict[str, str]:
    """sha256 of every KB file, keyed by its path relative to ``kb_dir``."""
    try:
        return {str(p.relative_to(kb_dir)): sha256_file(p) for p in kb_files(kb_dir)}
    except OSError as exc:
        raise KnowledgeBaseError(
            f"cannot read file: {exc.strerror or exc}", str(getattr(exc, "filename", kb_dir))
        ) from None


def manifest_problem(manifest: Manifest) -> str:
    """What is wrong with the type or range of a manifest field ('' when every field is sound).

    The manifest is data from disk: a hand edit or a damaged write must not reach the scoring
    (a floor of "abc" raised on every question, NaN answered at score null, 1.0 divided by zero)."""

    def is_int(value: object, low: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= low

    def is_number(value: object, low: float, high: float) -> bool:
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and low <= value <= high
        )

    def is_digests(value: object) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) and len(v) == 64 for k, v in value.items()
        )

    checks: list[tuple[str, bool]] = [
        ("schema_version", is_int(manifest.schema_version, 0)),
        ("kb_sha256", is_digests(manifest.kb_sha256)),
        ("files_sha256", is_digests(manifest.files_sha256)),
        ("model_id", isinstance(manifest.model_id, str) and bool(manifest.model_id)),
        ("dim", is_int(manifest.dim, 1)),
        ("entry_count", is_int(manifest.entry_count, 0)),
        ("vector_count", is_int(manifest.vector_count, 0)),
        ("faiss_version", isinstance(manifest.faiss_version, str)),
        ("index_type", manifest.index_type in INDEX_TYPES),
        ("score_floor", is_number(manifest.score_floor, 0.0, MAX_SCORE_FLOOR)),
        ("answer_floor", is_number(manifest.answer_floor, 0.0, MAX_SCORE_FLOOR)),
        ("built_at", isinstance(manifest.built_at, str)),
        ("build_seconds", is_number(manifest.build_seconds, 0.0, float("inf"))),
    ]
    bad = [f"{name}={getattr(manifest, name)!r}" for name, ok in checks if not ok]
    return ", ".join(bad)


def kb_changes(built: object, current: dict[str, str]) -> str:
    """What differs between the KB an index was built from and the KB now ('' when nothing)."""
    if not isinstance(built, dict):
        return "no KB checksums in the manifest"
    if built == current:
        return ""
    parts = [
        f"{verb}: {', '.join(sorted(names))}"
        for verb, names in (
            ("added", current.keys() - built.keys()),
            ("removed", built.keys() - current.keys()),
            ("edited", {n for n in current.keys() & built.keys() if current[n] != built[n]}),
        )
        if names
    ]
    return "; ".join(parts)


def check_manifest(manifest: Manifest, folder: Path, kb_dir: Path | None, model_id: str) -> None:
    """Raise :class:`StaleIndex` unless ``manifest`` is sound, of this schema and model, built from
    the KB in ``kb_dir`` (not compared when None) and matching the checksums of the files in ``folder``."""
    problem = manifest_problem(manifest)
    if problem:
        raise StaleIndex(f"invalid manifest: {problem}")
    if manifest.schema_version != SCHEMA_VERSION:
        raise StaleIndex(f"schema version {manifest.schema_version} != {SCHEMA_VERSION}")
    if manifest.model_id != model_id:
        raise StaleIndex(f"built with model {manifest.model_id!r}, configured {model_id!r}")
    if kb_dir is not None:
        changed = kb_changes(manifest.kb_sha256, kb_fingerprint(kb_dir))
        if changed:
            raise StaleIndex(f"the knowledge base changed since the index was built ({changed})")
    # Every file must be covered: a manifest without checksums must not skip the verification.
    if not isinstance(manifest.files_sha256, dict) or set(manifest.files_sha256) != set(INDEX_FILES):
        raise StaleIndex(
            f"manifest checksums cover {sorted(manifest.files_sha256 or ())}, expected {list(INDEX_FILES)}"
        )
    for name, digest in manifest.files_sha256.items():
        path = folder / name
        if not path.exists() or sha256_file(path) != digest:
            found = "edited or truncated" if path.exists() else "missing"
            raise StaleIndex(f"{name} is missing or does not match its checksum ({found})")
