"""FAQ Assistant: answers customers' questions from a FAQ knowledge base, cited.

``Assistant.load()`` then ``.ask(question) -> Answer``. Heavy modules (faiss, the
embedding model) are imported only when an assistant is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import AssistantError, IndexStoreError, InvalidQuestion, KnowledgeBaseError, ModelUnavailable
from .models import Answer, Entry, Match

if TYPE_CHECKING:
    from .engine import Assistant

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Entry",
    "IndexStoreError",
    "InvalidQuestion",
    "KnowledgeBaseError",
    "Match",
    "ModelUnavailable",
]


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from .engine import Assistant

        return Assistant
    raise AttributeError(name)
