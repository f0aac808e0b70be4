"""Pins the 28 entries of our FAQ as parsed on main before the multi-convention parser.

Computed on main (commit 4419276) before the parser changed: id, section, question line and a
hash of the answer (markdown and plain text). Any change to how ``kb/glm-coding-plan-faq.md`` is
read shows up here.
"""

from __future__ import annotations

import hashlib

from assistant.parsing import load_kb
from tests.conftest import REAL_KB

PINNED = [
    ("qe350df7a", "一、套餐详情", 12, "1b4616d743ffb950"),
    ("q0d466fc2", "一、套餐详情", 28, "07bd61c349af6bb6"),
    ("q99b94b15", "一、套餐详情", 63, "d91aab3fe53e98e2"),
    ("qc799f001", "一、套餐详情", 75, "6facbbeaadb6955d"),
    ("q327fbea5", "一、套餐详情", 95, "506dcecf939a83d1"),
    ("q32ec1efd", "一、套餐详情", 103, "0a409acdb296b958"),
    ("q30577193", "一、套餐详情", 109, "4e2e88324aaca42a"),
    ("q28c47130", "一、套餐详情", 115, "89232dac4e9de0f6"),
    ("qbd51f36f", "一、套餐详情", 121, "cff5160c0d9c9f4b"),
    ("q4d4219b5", "一、套餐详情", 127, "d9341757da3c520c"),
    ("q6505fd04", "二、调用 MCP", 135, "8d76c161be18f7a6"),
    ("q9bbf4661", "二、调用 MCP", 141, "5f97e888215c81ea"),
    ("q4f99bc64", "二、调用 MCP", 151, "4b2ae801ce6006eb"),
    ("qe8a8de97", "三、管理订阅", 159, "88f65948ba196677"),
    ("q43b05456", "三、管理订阅", 165, "245c4021b73145b8"),
    ("qc86652fe", "三、管理订阅", 175, "94f12c324857a6c9"),
    ("q632e91d3", "三、管理订阅", 181, "5863ece2f20a0db5"),
    ("qc0af0bae", "四、套餐升级", 189, "572ad92398a75e6b"),
    ("q384da402", "五、「拼好模」活动", 202, "3ee99f95070a736d"),
    ("qa5da25f8", "五、「拼好模」活动", 208, "40276f557e4990d1"),
    ("q7abb09d6", "五、「拼好模」活动", 218, "2117d34e97fe456b"),
    ("qfa52ce92", "五、「拼好模」活动", 229, "6f5bb142771d7466"),
    ("q095b49d9", "五、「拼好模」活动", 235, "54f5abcb7fd0afec"),
    ("q008176e2", "五、「拼好模」活动", 243, "260823adef76df68"),
    ("q93a80376", "六、使用问题", 259, "385d0e2c3aed0935"),
    ("qba1fe25e", "六、使用问题", 274, "2a37f5b24e5be141"),
    ("qbdfd75dc", "六、使用问题", 280, "921698f7e6f6dd91"),
    ("q0c50bc73", "六、使用问题", 286, "fc1c86a2d493066e"),
]


def test_glm_faq_parses_to_the_same_28_entries() -> None:
    entries = load_kb(REAL_KB)
    got = [
        (
            e.id,
            e.section,
            int(e.source.rpartition(":")[2]),
            hashlib.sha256((e.answer_md + "\x00" + e.answer_text).encode()).hexdigest()[:16],
        )
        for e in entries
    ]
    assert len(got) == 28
    assert got == PINNED
    assert all(e.source.startswith("kb/glm-coding-plan-faq.md:") for e in entries)
