"""Repair how customers actually type before the question is read: traditional characters, Chinese
homophone slips and misspelt English keywords ("promts", "quata", "refferal", "freind").

The lexicon matches exact words, so one wrong letter would otherwise turn a calculation into a retrieval
miss. Repairs are conservative: only an English word of five letters or more that is not itself a known
word, and that is one edit (two for words of eight letters or more) away from one word of the calculator's
vocabulary with the same first letter (or from a word and its plural, which mean the same). Short words
are repaired only from an explicit list, because at four letters almost every edit makes another real
word ("said" is one edit from "paid").

Input is :func:`.numbers.prepare`-d text (NFKC, lower case); the output may differ in length, so repair
runs before anything records offsets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from rapidfuzz.distance import OSA

from ..normalize import has_cjk, to_simplified

# English words the lexicon listens for, in the forms customers write them.
VOCABULARY: frozenset[str] = frozenset(
    {
        "prompt",
        "prompts",
        "quota",
        "quotas",
        "referral",
        "referrals",
        "credit",
        "credits",
        "friend",
        "friends",
        "reward",
        "rewards",
        "commission",
        "rebate",
        "remaining",
        "remain",
        "remains",
        "cancel",
        "cancelled",
        "cancellation",
        "billing",
        "billed",
        "renewal",
        "renews",
        "discount",
        "coupon",
        "voucher",
        "original",
        "invite",
        "invited",
        "invitation",
        "deduct",
        "deducted",
        "consume",
        "consumed",
        "search",
        "searches",
        "reader",
        "monthly",
        "weekly",
        "hours",
        "model",
        "models",
        "calls",
        "price",
        "beijing",
        "london",
        "subscription",
        "payment",
        "deadline",
        "latest",
        "restore",
        "refresh",
        "allowance",
        "limit",
        "request",
        "requests",
    }
)

# Real words one or two edits away from a vocabulary word: never "repaired" into it. Inflections of a
# vocabulary word ("credited", "prompted", "searching") are recognised by :func:`_inflected` instead.
_KNOWN_WORDS: frozenset[str] = frozenset(
    {
        "cancer",
        "header",
        "leader",
        "modes",
        "modal",
        "cells",
        "prize",
        "pride",
        "house",
        "limbs",
        "credo",
        "remind",
        "reminding",
        "restart",
        "resource",
        "weekday",
        "latent",
        "lately",
        "debate",
        "counts",
        "friendly",
        "prime",
        "quote",
        "quotes",
        "quoted",
        "retain",
        "relate",
        "render",
    }
)
_SUFFIXES = ("s", "es", "d", "ed", "ing", "er", "ers", "ly")

# Misspellings too short for the edit-distance repair, and Chinese homophone slips (pinyin input).
_EXACT: Mapping[str, str] = {
    "peek": "peak",
    "peeks": "peak",
    "payed": "paid",
    "promt": "prompt",
    "qouta": "quota",
    "frend": "friend",
    "frnd": "friend",
    "增金": "赠金",
    "曾金": "赠金",
    "高风期": "高峰期",
    "高封期": "高峰期",
    "额渡": "额度",
    "扣废": "扣费",
    "甚么": "什么",
    "搜寻": "搜索",
}
_ASCII_WORD = re.compile(r"[a-z]+")
_CJK_SLIPS = re.compile("|".join(re.escape(k) for k in sorted(_EXACT, key=len, reverse=True) if not k.isascii()))
_VOCAB_BY_INITIAL: Mapping[str, tuple[str, ...]] = {
    initial: tuple(sorted(w for w in VOCABULARY if w[0] == initial)) for initial in {w[0] for w in VOCABULARY}
}


@functools.lru_cache(maxsize=4096)
def repair_word(word: str) -> str:
    """The vocabulary word that ``word`` is a misspelling of, or ``word`` itself."""
    if word in _EXACT:
        return _EXACT[word]
    if len(word) < 5 or word in VOCABULARY or word in _KNOWN_WORDS or _inflected(word):
        return word
    limit = 2 if len(word) >= 8 else 1
    best: list[tuple[int, str]] = []
    for candidate in _VOCAB_BY_INITIAL.get(word[0], ()):
        if abs(len(candidate) - len(word)) > limit or len(candidate) < 5:
            continue
        distance = OSA.distance(word, candidate, score_cutoff=limit)
        if distance <= limit:
            best.append((distance, candidate))
    if not best:
        return word
    best.sort()
    # Two equally close words ("credit" and "credits" are both one edit from "credis") agree on the
    # meaning when one is the other's plural; otherwise the repair is a guess, and none is made.
    closest = sorted((c for d, c in best if d == best[0][0]), key=len)
    if not all(c.startswith(closest[0]) for c in closest):
        return word
    return closest[0]


def _inflected(word: str) -> bool:
    """True when ``word`` is a vocabulary word with an English ending ("credited", "searching")."""
    for suffix in _SUFFIXES:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and (stem in VOCABULARY or stem + "e" in VOCABULARY or stem[:-1] in VOCABULARY):
            return True
    return False


def repair(text: str) -> str:
    """``text`` with traditional characters simplified and misspelt keywords repaired. Never raises."""
    if has_cjk(text):
        text = to_simplified()(text)
        text = _CJK_SLIPS.sub(lambda m: _EXACT[m.group(0)], text)
    return _ASCII_WORD.sub(lambda m: repair_word(m.group(0)), text)


__all__ = ["VOCABULARY", "repair", "repair_word"]
