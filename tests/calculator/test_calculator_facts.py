"""kb/facts.toml: every number the calculator uses agrees with the FAQ entry it cites.

If the FAQ changes and a fact drifts, these tests fail (and the calculator refuses to load).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.calculator import Calculator
from assistant.calculator.facts import REQUIRED, Fact, Facts, check_fact, load_facts, read_snippet, snippet_in_entry
from assistant.errors import KnowledgeBaseError
from assistant.models import Entry
from assistant.parsing import load_kb
from tests.conftest import ROOT

FACTS_FILE = ROOT / "kb" / "facts.toml"
RAW = tomllib.loads(FACTS_FILE.read_text(encoding="utf-8"))
FACT_NAMES = sorted(name for name, table in RAW.items() if isinstance(table, dict))


# The values the rules rely on, written out once more: editing a fact (and its snippet) shows up here too.
PINNED = {
    "referral_rate": ("0.1",),
    "invite_discount": ("0.1",),
    "glm5_multipliers": ("3", "2"),
    "peak_window": ("14:00", "18:00"),
    "peak_utc_offset": ("8",),
    "glm5_excluded_plans": ("lite",),
    "plan_quota_lite": ("80", "400"),
    "plan_quota_pro": ("400", "2000"),
    "plan_quota_max": ("1600", "8000"),
    "model_calls_per_prompt": ("15", "20"),
    "monthly_value_multiple": ("15", "30"),
    "mcp_quota_lite": ("100",),
    "mcp_quota_pro": ("1000",),
    "mcp_quota_max": ("4000",),
    "cancel_days_before": ("3",),
    "condition_refund": ("refunded",),
    "condition_new_user": ("not_new_user",),
    "condition_no_link": ("no_link",),
    "condition_late_payment": ("late_payment",),
    "condition_shared_tools": ("shared_tools",),
    "charge_order": ("bonus_credit", "cash_balance", "third_party"),
    "stock_release_time": ("10:00",),
    "payment_window_hours": ("72",),
    "credit_arrival_hours": ("24", "48"),
    "contact_support_after_hours": ("72",),
    "quota_refresh_hours": ("5",),
    "weekly_period_days": ("7",),
}

# How the FAQ writes a number, when not in digits.
_SPELLED = {100: ["1 百"], 1000: ["1 千"], 4000: ["4 千"]}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_fact_is_pinned() -> None:
    assert set(FACT_NAMES) == set(PINNED)


@pytest.mark.parametrize("name", FACT_NAMES)
def test_fact_snippet_is_in_the_cited_entry(entries: list[Entry], name: str) -> None:
    table = RAW[name]
    (entry,) = [e for e in entries if e.question == table["cites"]]  # cited by the exact question text
    texts = [_squash(t) for t in (entry.question, entry.answer_text, entry.answer_md)]
    assert any(_squash(table["snippet"]) in text for text in texts), f"{name}: snippet not in {entry.source}"


@pytest.mark.parametrize("name", FACT_NAMES)
def test_fact_value_is_what_the_snippet_says(facts: Facts, name: str) -> None:
    fact = facts.fact(name)
    assert tuple(str(v) for v in fact.values) == PINNED[name]
    assert check_fact(fact) is None
    snippet = fact.snippet
    if fact.kind == "number":
        assert read_snippet("number", snippet) == fact.values
        for value in fact.values:
            spellings = [str(int(value)), *_SPELLED.get(int(value), [])]
            assert any(s in snippet for s in spellings), f"{name}: {value} is not written in {snippet!r}"
    elif fact.kind == "percent":
        for value in fact.values:
            assert f"{int(value * 100)}%" in snippet
    elif fact.kind == "time_range" and len(fact.values) == 1:
        assert fact.values[0] in snippet  # one time of day ("每日10:00")
    elif fact.kind == "time_range":
        assert re.search(rf"{fact.values[0]}\s*[～~–-]\s*{fact.values[1]}", snippet)
    elif fact.kind == "utc_offset":
        assert f"UTC+{int(fact.values[0])}" in snippet
    elif fact.kind == "condition":
        assert read_snippet("condition", snippet) == ()  # a condition is cited, not read as a number
    else:
        assert all(plan in snippet.lower() for plan in fact.values)


def test_required_facts_and_plans(facts: Facts) -> None:
    assert set(REQUIRED) <= set(facts.by_name)
    assert facts.plans == ("lite", "pro", "max")
    assert facts.quota("max") == (Decimal(1600), Decimal(8000))
    assert facts.mcp_quota("pro") == Decimal(1000)
    assert not facts.has_glm5("lite") and facts.has_glm5("pro") and facts.has_glm5("max")


# --------------------------------------------------------------------------- drift and broken files


def _edited(entries: list[Entry], question: str, old: str, new: str) -> list[Entry]:
    out = []
    for entry in entries:
        if entry.question == question:
            assert old in entry.answer_text
            entry = dataclasses.replace(
                entry, answer_text=entry.answer_text.replace(old, new), answer_md=entry.answer_md.replace(old, new)
            )
        out.append(entry)
    return out


@pytest.mark.parametrize(
    ("question", "old", "new", "fact"),
    [
        ("视觉理解、联网搜索、网页读取 MCP 在套餐里的额度是怎样的？", "4 千次", "5 千次", "mcp_quota_max"),
        ("为什么调用 GLM-5 时额度消耗更快？有没有节省额度的方式？", "高峰期 3 倍", "高峰期 4 倍", "glm5_multipliers"),
        ("为什么调用 GLM-5 时额度消耗更快？有没有节省额度的方式？", "14:00～18:00", "15:00～19:00", "peak_window"),
        ("套餐的用量额度大概有多少？", "最多约 1600 次", "最多约 1800 次", "plan_quota_max"),
        ("如何取消订阅自动续费？", "至少 3天前", "至少 5天前", "cancel_days_before"),
    ],
)
def test_a_drifted_fact_stops_the_calculator_from_loading(
    entries: list[Entry], question: str, old: str, new: str, fact: str
) -> None:
    with pytest.raises(KnowledgeBaseError) as info:
        Calculator.load(FACTS_FILE, _edited(entries, question, old, new))
    assert fact in str(info.value)
    assert info.value.path == str(FACTS_FILE) and info.value.line is not None
    lines = FACTS_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[info.value.line - 1].startswith("snippet")


def test_check_fact_reports_a_value_that_disagrees_with_its_snippet(facts: Facts) -> None:
    fact = facts.fact("plan_quota_pro")
    wrong = Fact(fact.name, fact.kind, (Decimal(500), Decimal(2000)), fact.snippet, fact.cites, fact.entry, fact.line)
    problem = check_fact(wrong)
    assert problem is not None and "500" in problem
    assert snippet_in_entry(fact.snippet, fact.entry)


@pytest.mark.parametrize(
    ("edit", "message", "bad_line"),
    [
        (lambda t: t.replace("[cancel_days_before]", "[cancel_days_before"), "invalid TOML", None),
        (lambda t: t.replace('cites = "如何取消订阅自动续费？"', 'cites = "怎么退订？"'), "not in the FAQ", "cites"),
        (lambda t: t.replace("value = 3\n", "value = 4\n"), "cancel_days_before", "snippet"),
        (lambda t: t.replace('value = 0.10\nsnippet = "通过', 'value = 10\nsnippet = "通过'), "share", "value"),
        (lambda t: t.replace('kind = "time_range"', 'kind = "clock"'), "kind must be", "kind"),
        (lambda t: t.replace('value = ["14:00", "18:00"]', 'value = ["14:00", "6pm"]'), "HH:MM", "value"),
        (lambda t: t.split("[cancel_days_before]")[0], "missing fact 'cancel_days_before'", None),
        (lambda t: t.replace("[mcp_quota_max]", "[mcp_quota_maxi]"), "mcp_quota_max", None),
    ],
)
def test_broken_facts_files_name_file_and_line(
    tmp_path: Path, entries: list[Entry], edit, message: str, bad_line: str | None
) -> None:
    text = FACTS_FILE.read_text(encoding="utf-8")
    edited = edit(text)
    assert edited != text
    path = tmp_path / "facts.toml"
    path.write_text(edited, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=re.escape(message)) as info:
        load_facts(path, entries)
    assert str(path) in str(info.value)
    if bad_line is not None:
        assert info.value.line is not None
        assert path.read_text(encoding="utf-8").splitlines()[info.value.line - 1].startswith(bad_line)


def test_unreadable_facts_file(tmp_path: Path, entries: list[Entry]) -> None:
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        load_facts(tmp_path / "missing.toml", entries)
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(KnowledgeBaseError, match="cannot read"):
        load_facts(tmp_path / "bad.toml", entries)


def test_a_fact_file_for_another_faq_fails_to_load(tmp_path: Path) -> None:
    other = tmp_path / "kb"
    other.mkdir()
    (other / "faq.md").write_text(
        "# FAQ\n\n## 一、账户\n\n**Q：如何修改密码？**\n\n**A：** 在设置中修改。\n", encoding="utf-8"
    )
    with pytest.raises(KnowledgeBaseError, match="not in the FAQ"):
        Calculator.load(FACTS_FILE, load_kb(other))
