"""The one string table of the interface, in Chinese and English: the framing of answers (matched question,
"source", "not covered"..., used by :mod:`assistant.compose`), the labels of the web chat and of the insights
page, read from the catalog ``assistant/wording/ui.toml`` (:mod:`assistant.wording`). One fallback rule: an
unknown language reads the default (Chinese, the FAQ's language). The interface follows the language of the
last question and can be switched.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final
from urllib.parse import quote

from .wording import catalog

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"

# Examples must be questions the FAQ answers (tests/app/test_app.py checks each one against the engine).
EXAMPLES: Final[dict[str, tuple[str, ...]]] = {
    "zh": (
        "GLM Coding Plan 支持 GLM-5 吗？",
        "套餐的用量额度有多少？",
        "如何取消自动续费？",
        "邀请好友的赠金什么时候到账？",
    ),
    "en": (
        "Does the plan support GLM-5?",
        "How much usage does each plan include?",
        "How do I cancel auto-renewal?",
        "Can I get a refund?",
    ),
}

# The labels themselves are data: assistant/wording/ui.toml, one [key] table with zh and en side by side.
_WORDING = catalog("ui")
TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {key: wording.zh for key, wording in _WORDING.items()},
    "en": {key: wording.en for key, wording in _WORDING.items()},
}


def language_or_default(language: object) -> str:
    """``language`` if the interface has it, else the default (Chinese, the FAQ's language)."""
    return language if isinstance(language, str) and language in LANGUAGES else DEFAULT_LANGUAGE


def label(language: str, key: str, **values: object) -> str:
    """The interface label ``key`` in ``language`` (Chinese when the language is unknown)."""
    table = TEXT[language_or_default(language)]
    return table[key].format(**values) if values else table[key]


def examples(language: str) -> tuple[str, ...]:
    """The example questions offered in the welcome message."""
    return EXAMPLES[language_or_default(language)]


_NOT_IN_ANCHOR = re.compile(r"[^\w\- ]")


def anchor(question: str) -> str:
    """The fragment of an FAQ entry on the published page (ASSISTANT_FAQ_URL): the GitHub/markdown heading
    rule applied to the entry's question: NFKC, lower case, punctuation dropped (letters, digits, CJK,
    ``-`` and ``_`` kept), each space a ``-``; percent-encoded for the URL."""
    text = unicodedata.normalize("NFKC", question).strip().lower()
    slug = _NOT_IN_ANCHOR.sub("", text).replace(" ", "-")
    return quote(slug, safe="-_")


def source_link(faq_url: str, question: str) -> str:
    """The published page's address of the entry whose question is ``question``."""
    return f"{faq_url.split('#', 1)[0]}#{anchor(question)}"


def other_language(language: str) -> str:
    """The language the switch button changes to."""
    return "en" if language_or_default(language) == "zh" else "zh"


__all__ = [
    "DEFAULT_LANGUAGE",
    "EXAMPLES",
    "LANGUAGES",
    "TEXT",
    "anchor",
    "examples",
    "label",
    "language_or_default",
    "other_language",
    "source_link",
]
