"""The one text pipeline shared by indexing, querying and the calculator.

It owns: cleaning and normalisation (``clean``, ``normalize``), traditional -> simplified
Chinese (``to_simplified``, OpenCC loaded once), language detection (``detect_language``,
``has_cjk``, ``has_latin``), the Chinese-character classes (``CJK``, ``CJK_SPAN``), and the
lexical tokeniser with its stopwords (``tokenize``). Other modules import from here rather
than keep their own copies.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable

log = logging.getLogger(__name__)

# Chinese characters as a regex class body: CJK unified ideographs, extension A, compatibility ideographs.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The contiguous span U+3400..U+9FFF used by the token and clause patterns (ideographs, extension A
# and the hexagram symbols between them); kept apart from CJK so that no pattern changes its matches.
CJK_SPAN = "\u3400-\u9fff"
_CJK = re.compile(f"[{CJK}]")
_LATIN = re.compile(r"[A-Za-z]")
# Everything that is neither a letter, a digit, CJK nor one of the few symbols that carry meaning.
_NOISE = re.compile(rf"[^\w{CJK_SPAN}.:%+¥$/-]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_ZERO_WIDTH = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD])


@functools.lru_cache(maxsize=1)
def to_simplified() -> Callable[[str], str]:
    """Traditional -> simplified Chinese with OpenCC (loaded once, 25 ms); identity if it cannot load."""
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
        text = to_simplified()(text)
    text = _NOISE.sub(" ", text)
    # Sentence punctuation that survived (kept for times like 14:30 and numbers like 1.5) is noise at the ends.
    text = re.sub(r"(?<![\d])[.:/](?![\d])", " ", text)
    return _SPACES.sub(" ", text).strip()


# Words a follow-up opens with that carry no content ("那自动续费怎么关掉", "so how do i cancel"): left in,
# they pull the embedding toward whatever the previous question was about.
_OPENING = re.compile(
    r"^\s*(?:(?:那么|那(?![个些里边样])|所以|还有|另外|然后|对了|请问|好的|好吧|嗯)[\s,，、:：]*"
    r"|(?:and|so|also|then|ok|okay|btw|well|hmm|um)\b[\s,:]*)+",
    re.IGNORECASE,
)


def strip_opening(text: str) -> str:
    """``text`` without its content-free opening words, or unchanged when nothing would be left."""
    rest = _OPENING.sub("", text, count=1)
    return rest if len(rest.strip()) >= 2 else text


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
    """True when ``text`` holds at least one Chinese character."""
    return _CJK.search(text) is not None


def has_latin(text: str) -> bool:
    """True when ``text`` holds at least one ASCII letter."""
    return _LATIN.search(text) is not None


# ---------------------------------------------------------------------------------------------- tokens
_TOKEN = re.compile(rf"[a-z][a-z0-9_.+-]*[a-z0-9]|[a-z]|\d+(?:[.:]\d+)?|[{CJK_SPAN}]+")
_CJK_RUN = re.compile(f"[{CJK_SPAN}]+")
# Words that say nothing about which entry is meant.
_STOP_EN = frozenset(
    (
        "a an the is are am was were be been do does did i me my we our you your it its of to in on at for with "
        "and or if can could would should will shall how what when where which who why there this that these those "
        "please any some get got have has had not no yes so as by from about don doesn didn t s m ll ve re d "
        # chat filler: greetings, thanks, politeness; customers wrap their question in them
        "hi hello hey thanks thank thx pls plz guys team question wondering wonder just really actually ok okay "
        "sorry know want wanna need tell im u ur anyone someone kindly dear sir madam"
    ).split()
)
# Chinese filler bigrams (greetings, thanks, "I'd like to ask"): they dilute coverage without naming a topic.
_FILLER_ZH = frozenset(
    "你好 您好 谢谢 多谢 感谢 请问 麻烦 一下 想问 问下 问一 客服 在吗 是这 这样 样的 大家 哈哈".split()
)
_STOP_ZH = frozenset("的了吗呢吧啊我你您是在有和与就都也还么什怎请问一个下这那能会可以要")


def _stem(word: str) -> str:
    """``word`` without a plain English ending (-ing, -ed, -es, -s) when enough is left."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokenize(text: str, normalized: bool = False) -> list[str]:
    """Terms of a text: English words (stemmed), numbers, Chinese unigrams and bigrams."""
    text = text if normalized else normalize(text)
    terms: list[str] = []
    for tok in _TOKEN.findall(text):
        if _CJK_RUN.fullmatch(tok):
            chars = [c for c in tok]
            terms.extend(c for c in chars if c not in _STOP_ZH)
            terms.extend(b for b in (tok[i : i + 2] for i in range(len(tok) - 1)) if b not in _FILLER_ZH)
        elif tok not in _STOP_EN:
            terms.append(_stem(tok))
    return terms
