"""The support widget's settings: the handoff address, the insights password and retention."""

from __future__ import annotations

import pytest

from assistant.errors import ConfigError
from assistant.settings import resolve_settings


@pytest.mark.parametrize(
    "url",
    ["https://help.example.com/contact", "http://127.0.0.1:9000/ticket?x=1", "mailto:support@example.com"],
)
def test_support_url_accepts_web_and_mail_addresses(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ASSISTANT_SUPPORT_URL", f"  {url} ")
    assert resolve_settings().support_url == url


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,hi", "ftp://example.com", "help.example.com", "mailto:", "https://"],
)
def test_support_url_refuses_anything_else_naming_the_variable(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ASSISTANT_SUPPORT_URL", url)
    with pytest.raises(ConfigError, match="ASSISTANT_SUPPORT_URL"):
        resolve_settings()


def test_support_url_and_retention_default_to_none(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ("ASSISTANT_SUPPORT_URL", "ASSISTANT_RETENTION_DAYS", "ASSISTANT_INSIGHTS_PASSWORD"):
        monkeypatch.delenv(env, raising=False)
    settings = resolve_settings()
    assert (settings.support_url, settings.retention_days, settings.insights_password) == (None, None, None)


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_a_blank_insights_password_is_an_error_not_an_open_page(monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    monkeypatch.setenv("ASSISTANT_INSIGHTS_PASSWORD", blank)
    with pytest.raises(ConfigError, match="ASSISTANT_INSIGHTS_PASSWORD is blank"):
        resolve_settings()


@pytest.mark.parametrize(("value", "message"), [("0", "positive"), ("-3", "positive"), ("week", "not a valid int")])
def test_retention_days_must_be_a_positive_count(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", value)
    with pytest.raises(ConfigError, match=f"ASSISTANT_RETENTION_DAYS.*{message}"):
        resolve_settings()
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "90")
    assert resolve_settings().retention_days == 90
