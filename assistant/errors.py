"""The exception hierarchy of FAQ Assistant.

Every error a person can meet derives from :class:`AssistantError`, so the CLI and
the app can turn it into a message and an exit code instead of a traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class for every error FAQ Assistant raises on purpose."""

    exit_code = 1


class KnowledgeBaseError(AssistantError):
    """The FAQ markdown (or a sidecar file in ``kb/``) is missing, unreadable or malformed.

    The message names the file and line, e.g. ``kb/faq.md:42: question has no answer``.
    """

    exit_code = 3

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class IndexStoreError(AssistantError):
    """The built index in ``data/`` is missing, corrupt or cannot be written."""

    exit_code = 4


class ModelUnavailable(AssistantError):
    """The configured embedding model cannot be loaded (package missing, no network...)."""

    exit_code = 5


class InvalidQuestion(AssistantError):
    """The question is empty, too long or otherwise unusable."""

    exit_code = 2


class ConfigError(AssistantError):
    """A setting (argument or ``ASSISTANT_*`` variable) has an invalid value."""

    exit_code = 2


class FeedbackStoreError(AssistantError):
    """The feedback database cannot be opened, read or written (locked too long, unwritable, corrupt)."""

    exit_code = 6
