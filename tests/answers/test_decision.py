"""The answer / refuse decision: clause splitting, merging, the model's verdicts, training, topics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from assistant.calibrate import auc, feature_matrix, fit_logistic, pick_cutoffs, wrapped
from assistant.decision import (
    BARE_SUFFIX,
    CLAUSE_CHAR_BUDGET,
    CLAUSE_LIFT,
    FEATURES,
    DecisionModel,
    Evidence,
    _merge,
    decision_key,
    decision_model_for,
    is_bare,
    split_clauses,
)
from assistant.errors import KnowledgeBaseError
from assistant.models import Entry
from assistant.retrieval import Scored
from assistant.scope import load_topics, topic_entries
from tests.conftest import ROOT


def _entry(n: int) -> Entry:
    return Entry(f"e{n}", "s", f"question {n}?", "a", "a", f"kb/f.md:{n}")


def _scored(n: int, score: float) -> Scored:
    return Scored(_entry(n), score, score, 0.0, score, 0.0, score)


def _model(answer_at: float = 0.8, guess_at: float = 0.5) -> DecisionModel:
    """Confidence = sigmoid(10 * (score - 0.5)): easy to reason about in tests."""
    weights = tuple(10.0 if f == "score" else 0.0 for f in FEATURES)
    mean = tuple(0.5 if f == "score" else 0.0 for f in FEATURES)
    return DecisionModel(weights, 0.0, mean, tuple(1.0 for _ in FEATURES), answer_at, guess_at)


def _evidence(score: float, topic: float | None = None) -> Evidence:
    features = tuple(score if f == "score" else 0.0 for f in FEATURES)
    return Evidence((_scored(1, score), _scored(2, score / 2)), None if topic is None else _scored(99, topic), features)


@pytest.mark.parametrize(
    ("question", "clauses"),
    [
        ("能退款吗", []),
        ("How do I cancel?", []),
        ("能退款吗 才用了两天", ["才用了两天", "能退款吗", "能退款吗 才用了两天"]),
        ("你好，请问怎么取消自动续费", ["请问怎么取消自动续费"]),  # "你好" alone is too short to rank
        (
            "hi there. I bought pro last week, can i get a refund?",
            [
                "can i get a refund",
                "I bought pro last week",
                "hi there",
                "I bought pro last week can i get a refund",  # neighbour pairs too, later ones first
                "hi there I bought pro last week",
            ],
        ),
    ],
)
def test_split_clauses(question: str, clauses: list[str]) -> None:
    assert split_clauses(question) == clauses


def test_split_clauses_is_bounded() -> None:
    long_question = "，".join(f"第{i}个问题是什么" for i in range(40))
    clauses = split_clauses(long_question)
    assert 0 < len(clauses) <= 6
    assert sum(map(len, clauses)) <= CLAUSE_CHAR_BUDGET
    assert split_clauses("，".join(["很长的一句话" * 50] * 3)) == []  # no clause fits the budget


def test_merge_keeps_the_whole_question_in_charge_and_lifts_clause_matches() -> None:
    whole = [_scored(1, 0.40), _scored(2, 0.30)]
    clause = [_scored(2, 0.70), _scored(3, 0.50)]
    merged = {s.entry.id: s.score for s in _merge([whole, clause])}
    assert merged["e1"] == pytest.approx(0.40)  # no clause beats the whole question for e1
    assert merged["e2"] == pytest.approx(0.30 + CLAUSE_LIFT * 0.40)
    assert merged["e3"] == pytest.approx(CLAUSE_LIFT * 0.50)  # only a clause found it
    assert _merge([whole, clause])[0].entry.id == "e2"


@pytest.mark.parametrize(
    ("score", "topic", "verdict"),
    [
        (0.9, None, "answer"),
        (0.6, None, "guess"),
        (0.2, None, "refuse"),
        (0.9, 0.95, "refuse"),  # an out-of-scope topic closer than the best entry
        (0.9, 0.50, "answer"),
    ],
)
def test_decide_verdicts(score: float, topic: float | None, verdict: str) -> None:
    decision = _model().decide(_evidence(score, topic))
    assert decision.verdict == verdict
    assert 0.0 <= decision.confidence <= 1.0
    assert (decision.topic_id == "e99") == (topic is not None and topic > score)


def test_threshold_setting_replaces_the_guess_cutoff() -> None:
    evidence = _evidence(0.6)
    assert _model().decide(evidence).verdict == "guess"
    assert _model().decide(evidence, floor=0.9).verdict == "refuse"
    assert _model().decide(evidence, floor=0.1).verdict == "guess"


def test_confidence_rises_with_score_and_is_finite() -> None:
    model = _model()
    values = [model.confidence(_evidence(s).features) for s in (0.1, 0.4, 0.6, 0.9)]
    assert values == sorted(values) and all(0 < v < 1 for v in values)
    # A feature the KB cannot provide (no out-of-scope topics: scope_gap is NaN) counts as average.
    assert model.confidence([math.nan] * len(FEATURES)) == pytest.approx(model.confidence(model.mean))


@pytest.mark.parametrize(
    "change",
    [
        {"features": ["score"]},
        {"weights": [math.nan] * len(FEATURES)},
        {"scale": [0.0] * len(FEATURES)},
        {"guess_at": 0.9, "answer_at": 0.5},
        {"answer_at": 1.5},
    ],
)
def test_invalid_stored_models_are_rejected(change: dict[str, object]) -> None:
    data = {**_model().to_json(), **change}
    with pytest.raises(ValueError):
        DecisionModel.from_json(data)


def test_stored_model_round_trips_and_a_missing_one_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "decision.json"
    path.write_text(json.dumps({"models": {"m": _model().to_json()}}), encoding="utf-8")
    assert decision_model_for("m", path) == DecisionModel.from_json(_model().to_json())
    fallback = decision_model_for("other", path)
    assert fallback.decide(_evidence(0.9)).verdict == "answer"
    assert fallback.decide(_evidence(0.1)).verdict == "refuse"


def _with_alternates(n: int, count: int) -> Entry:
    return Entry(f"e{n}", "s", f"question {n}?", "a", "a", f"kb/f.md:{n}", tuple(f"alt {n}.{i}" for i in range(count)))


def test_a_kb_without_alternates_gets_the_bare_model_and_ours_the_normal_one(tmp_path: Path) -> None:
    path = tmp_path / "decision.json"
    bare_model = _model(0.9, 0.6)
    path.write_text(
        json.dumps({"models": {"m": _model().to_json(), "m" + BARE_SUFFIX: bare_model.to_json()}}), encoding="utf-8"
    )
    team = [_entry(n) for n in range(10)]  # no alternates at all
    few = [_with_alternates(n, 3 if n < 3 else 0) for n in range(10)]  # 0.9 per entry: still bare
    ours = [_with_alternates(n, 33) for n in range(10)]  # like our FAQ
    one_each = [_with_alternates(n, 1) for n in range(10)]  # exactly 1 per entry: not bare
    assert is_bare(team) and is_bare(few) and is_bare([])
    assert not is_bare(ours) and not is_bare(one_each)
    assert decision_key("m", team, path) == "m+bare"
    assert decision_key("m", few, path) == "m+bare"
    assert decision_key("m", ours, path) == "m"
    assert decision_key("m", one_each, path) == "m"
    assert decision_model_for(decision_key("m", team, path), path) == DecisionModel.from_json(bare_model.to_json())
    # no bare model trained for this embedding model: the normal one, not the plain threshold
    assert decision_key("other", team, path) == "other"


def test_the_shipped_file_has_a_bare_model_for_the_default_encoder() -> None:
    data = json.loads((ROOT / "assistant" / "decision.json").read_text(encoding="utf-8"))["models"]
    bare = [k for k in data if k.endswith(BARE_SUFFIX)]
    assert bare, "decision.json holds no bare model (python -m assistant calibrate --bare --write)"
    for key in bare:
        assert key.removesuffix(BARE_SUFFIX) in data  # a bare model beside its normal one
        assert data[key]["weights"][FEATURES.index("scope_gap")] == 0.0  # trained without topics


def test_missing_and_dropped_features_get_no_weight() -> None:
    from assistant.calibrate import Example, Row

    rng = np.random.default_rng(1)
    rows = []
    for i in range(200):
        gold = i % 2 == 0
        ex = Example("q", frozenset({"x"}) if gold else frozenset(), f"g{i}", "alt", 0)
        f = [float(rng.normal(1.0 if gold else 0.0, 0.5)) for _ in FEATURES]
        f[FEATURES.index("scope_gap")] = math.nan  # a KB without topics
        rows.append(Row(ex, tuple(f), gold, False))
    x = feature_matrix(rows, drop=("length",))
    assert (x[:, FEATURES.index("length")] == 0).all()
    w, _, mean, _ = fit_logistic(x, np.array([r.in_scope for r in rows], float))
    assert np.isfinite(w).all() and np.isfinite(mean).all()
    assert w[FEATURES.index("scope_gap")] == 0.0 and w[FEATURES.index("length")] == 0.0
    assert w[FEATURES.index("score")] > 0.1  # the informative features still count
    with pytest.raises(ValueError, match="unknown"):
        feature_matrix(rows, drop=("lenght",))


def test_the_bare_model_is_labelled_by_the_right_entry_not_by_scope() -> None:
    from assistant.calibrate import Example, Row, labels

    answerable = Example("q", frozenset({"x"}), "g", "alt", 0)
    refuse = Example("r", frozenset(), "oos:t", "topic", 0)
    rows = [Row(answerable, (0.0,) * len(FEATURES), True, False), Row(answerable, (0.0,) * len(FEATURES), False, False)]
    rows.append(Row(refuse, (0.0,) * len(FEATURES), False, False))
    assert labels(rows).tolist() == [1.0, 1.0, 0.0]
    assert labels(rows, right=True).tolist() == [1.0, 0.0, 0.0]  # answerable but the wrong entry first


def test_the_shipped_model_file_is_valid() -> None:
    data = json.loads((ROOT / "assistant" / "decision.json").read_text(encoding="utf-8"))
    assert data["models"], "decision.json holds no model"
    for raw in data["models"].values():
        DecisionModel.from_json(raw)


def test_logistic_regression_separates_separable_data() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (200, 2)), rng.normal(3, 1, (200, 2))])
    y = np.r_[np.zeros(200), np.ones(200)]
    w, b, mean, scale = fit_logistic(x, y)
    p = 1 / (1 + np.exp(-(((x - mean) / scale) @ w + b)))
    assert ((p > 0.5) == (y == 1)).mean() > 0.95
    assert auc(p[y == 1], p[y == 0]) > 0.97
    assert auc(np.array([0.9]), np.array([0.1])) == 1.0 and auc(np.array([0.1]), np.array([0.9])) == 0.0


def test_cutoffs_refuse_the_requested_share_of_out_of_scope() -> None:
    from assistant.calibrate import Example, Row

    def row(gold: bool, right: bool) -> Row:
        ex = Example("q", frozenset({"x"}) if gold else frozenset(), "g", "alt", 0)
        return Row(ex, tuple(0.0 for _ in FEATURES), right, False)

    rows = [row(True, True)] * 50 + [row(False, False)] * 50
    confidence = np.r_[np.linspace(0.5, 1.0, 50), np.linspace(0.0, 0.6, 50)]
    guess_at, answer_at = pick_cutoffs(rows, confidence, refuse_rate=0.9, answer_precision=0.97)
    assert (confidence[50:] < guess_at).mean() >= 0.9
    assert guess_at <= answer_at


@pytest.mark.parametrize("text", ["能退款吗", "How do I cancel my plan?"])
def test_wrapped_keeps_the_question_and_adds_chat(text: str) -> None:
    import random

    out = wrapped(text, random.Random(3))
    assert len(out) > len(text) - 2
    core = text.rstrip("?？").lower().split()[-1]
    assert core[:3] in out.lower()


def test_topics_load_and_become_entries(tmp_path: Path) -> None:
    (tmp_path / "out_of_scope.toml").write_text(
        '[[topic]]\nname = "invoice"\nmessage = "发票请联系客服"\nexamples = ["怎么开发票", "need an invoice"]\n',
        encoding="utf-8",
    )
    topics = load_topics(tmp_path)
    assert [t.name for t in topics] == ["invoice"]
    assert topics[0].message_for("en") == "发票请联系客服"  # no English message: the Chinese one
    (entry,) = topic_entries(topics)
    assert entry.id == "oos:invoice" and entry.question == "怎么开发票" and entry.alternates == ("need an invoice",)
    assert load_topics(tmp_path / "missing") == ()


@pytest.mark.parametrize(
    "body",
    [
        '[[topic]]\nexamples = ["x"]\n',
        '[[topic]]\nname = "a"\nexamples = []\n',
        '[[topic]]\nname = "a"\nexamples = ["x"]\n[[topic]]\nname = "a"\nexamples = ["y"]\n',
        "[[topic]\n",
    ],
)
def test_broken_topic_files_name_the_file(tmp_path: Path, body: str) -> None:
    (tmp_path / "out_of_scope.toml").write_text(body, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"out_of_scope\.toml"):
        load_topics(tmp_path)


# ----------------------------------------------------------------- the real model, the real KB
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("你好，我上周刚买了 pro，用了两天觉得不太适合，想问下能退款吗？谢谢", "可以退款吗？"),
        (
            "hi team, quick question - if i turn off auto renew, how do i do that exactly? thanks",
            "如何取消订阅自动续费？",
        ),
    ],
)
def test_chatty_answerable_questions_are_answered(assistant, question: str, expected: str) -> None:
    answer = assistant.ask(question)
    assert answer.kind == "faq", answer.answer
    assert answer.matches[0].question == expected
    assert answer.confidence is not None and 0.0 <= answer.confidence <= 1.0


def test_an_out_of_scope_topic_gives_its_own_message(assistant) -> None:
    answer = assistant.ask("订阅费能开增值税专票吗 公司报销用")
    assert answer.kind == "no_answer"
    assert "发票" in answer.answer and answer.matches  # the topic's message, and still suggestions


def test_doctor_names_the_decision_model_in_use() -> None:
    from types import SimpleNamespace

    from assistant.doctor import _check_decision, _Report

    data = json.loads((ROOT / "assistant" / "decision.json").read_text(encoding="utf-8"))["models"]
    model_id = next(k.removesuffix(BARE_SUFFIX) for k in data if k.endswith(BARE_SUFFIX))
    encoder = SimpleNamespace(model_id=model_id)
    report = _Report()
    _check_decision(report, [_entry(n) for n in range(4)], encoder)
    _check_decision(report, [_with_alternates(n, 33) for n in range(4)], encoder)
    bare, normal = report.checks
    assert bare.area == "decision" and f"{model_id}{BARE_SUFFIX} (0.0 alternates per entry" in bare.message
    assert bare.message.count("fewer than 1,") == 1
    assert f"model {model_id} (33.0 alternates per entry: at least 1," in normal.message
