"""Fixtures shared by the reliability tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def kb_data(built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the module's ``built`` (kb folder, data folder with its index) to break or edit."""
    kb, data = tmp_path / "kb", tmp_path / "data"
    shutil.copytree(built[0], kb)
    shutil.copytree(built[1], data)
    return kb, data
