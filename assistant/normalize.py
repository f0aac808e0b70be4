"""Text normalisation and language detection shared by indexing and querying."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable

log = logging.getLogger(__name__)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# Everything that is neither a letter, a digit, CJK nor one of the few symbols that carry meaning.
_NOISE = re.compile(r"[^\w\u3400-\u9fff.:%+¥$/-]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_ZERO_WIDTH = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD])


@functools.lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    """Traditional -> simplified Chinese, if OpenCC is installed (it is cheap: 25 ms to load)."""
    try:
        import opencc

        return opencc.OpenCC("t2s").convert  # type: ignore[no-any-return]
    except Exception as exc:  # pragma: no cover - optional dependency
        log.info("traditional->simplified conversion off: %s", exc)
        return lambda text: text


def clean(text: str) -> str:
    """Make user text safe to process: drop NUL, control and zero-width characters, lone surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    text = text.translate(_ZERO_WIDTH)
    return "".join(ch if (ch.isprintable() or ch in " \t") else " " for ch in text)


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def normalize(text: str) -> str:
    """Canonical form for matching: NFKC (full-width -> half-width), lower case,
    simplified Chinese, punctuation turned to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", clean(text)).lower()
    if _CJK.search(text):
        text = _t2s()(text)
    text = _NOISE.sub(" ", text)
    # Sentence punctuation that survived (kept for times like 14:30 and numbers like 1.5) is noise at the ends.
    text = re.sub(r"(?<![\d])[.:/](?![\d])", " ", text)
    return _SPACES.sub(" ", text).strip()


def detect_language(text: str) -> str:
    """'zh' when the text has Chinese characters, 'en' when it is mostly Latin letters."""
    text = unicodedata.normalize("NFKC", text)  # full-width Latin letters count as Latin
    cjk = len(_CJK.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    if cjk == 0:
        return "en" if latin_words else "zh"
    # Mixed text: Chinese wins unless the Latin words clearly outnumber it (product names are Latin).
    return "en" if latin_words > 3 * cjk else "zh"


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def has_latin(text: str) -> bool:
    return _LATIN.search(text) is not None
