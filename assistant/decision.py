"""The answer / refuse decision: evidence from retrieval turned into a calibrated confidence.

One function gathers the evidence (:func:`gather`), one model turns it into a confidence in
[0, 1] (:class:`DecisionModel`), and two cut-offs turn that into a verdict:

* ``answer``: confidence ≥ ``answer_at`` - the entry is given as the answer;
* ``guess``: ``guess_at`` ≤ confidence < ``answer_at`` - the entry is given as a best guess,
  with the alternatives (still ``kind: "faq"``);
* ``refuse``: below ``guess_at``, or an out-of-scope topic wins - ``no_answer``.

Evidence. Customers write long, chatty questions ("你好，我上个月买了 Pro……想问下能退款吗"),
and greetings and context dilute every score of the whole text. So the question is split into
clauses, every clause (and each pair of neighbouring clauses) is ranked as well as the whole
question, and each entry keeps its best score over those texts. The same is done against the
out-of-scope topics (:mod:`assistant.scope`). The features are then:

========== ==============================================================================
score      fused score of the best entry (best over the question and its clauses)
margin     its lead over the runner-up entry
dense      the best entry's rescaled dense similarity: to its question/alternates or to its
           best answer passage, whichever is closer
lexical    the best entry's IDF coverage by its question/alternates
fuzzy      the best entry's rapidfuzz ratio
scope_gap  best out-of-scope topic score minus the best entry's score (NaN: the KB has no topics)
clause     how much the best clause beat the whole question (0 for one-clause questions)
length     the question's length, min(chars, 200) / 200
========== ==============================================================================

The model is a logistic regression over those features, trained by ``python -m assistant
calibrate`` (see :mod:`assistant.calibrate`) and stored per embedding model in
``decision.json`` beside this file.

Two models per embedding model. Our FAQ's entries carry ~33 alternate phrasings each and the KB has
out-of-scope topics; a team's own FAQ usually has neither, and there the same scores mean something
else (a question meets one phrasing per entry, not 33). So ``calibrate --bare`` trains a second model,
stored as ``f"{model_id}+bare"``, on our training questions ranked against our entries *without*
alternates and without topics. :func:`decision_key` picks it when the KB's entries carry fewer than
:data:`BARE_BELOW_ALTERNATES` alternates per entry on average.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from .models import Entry
from .normalize import CJK_SPAN, normalize, strip_opening
from .retrieval import Retriever, Scored

log = logging.getLogger(__name__)

DECISION_FILE = Path(__file__).with_name("decision.json")
FEATURES = ("score", "margin", "dense", "lexical", "fuzzy", "scope_gap", "clause", "length")
CLAUSE_CHAR_BUDGET = 256  # characters of clause texts encoded besides the question itself
MAX_CLAUSE_TEXTS = 6  # clauses and neighbour pairs ranked besides the whole question (bounds the encoder's work)
CLAUSE_LIFT = 0.3  # share of a clause's better score that an entry gains (see _merge)
MIN_CLAUSE_CHARS = 3  # normalised characters; "你好", "hi" alone are not worth a ranking
TOP_K = 5
BARE_SUFFIX = "+bare"  # decision.json key of the model for KBs without alternates: f"{model_id}+bare"
# A KB whose entries carry fewer alternates than this on average (the total over the entry count)
# gets the bare model. Ours carries ~33 each; a team FAQ that adds a few for its hardest entries is
# still essentially bare: its typical entry is matched by one question and its answer.
BARE_BELOW_ALTERNATES = 1.0
Verdict = Literal["answer", "guess", "refuse"]

# Sentence and clause boundaries; and a space between two Chinese characters, which customers
# type instead of punctuation ("能退款吗 才用了两天").
_CLAUSE_BREAK = re.compile(
    rf"[。！？!?；;，,、\n]+|(?<=[{CJK_SPAN}])\s+(?=[{CJK_SPAN}])|\s{{2,}}|(?<=[a-z0-9])\.\s+", re.I
)


@dataclass(frozen=True)
class Evidence:
    """What retrieval says about one question: merged ranking, best topic, and the features."""

    ranked: tuple[Scored, ...]  # entries, best first, each at its best score over the texts
    topic: Scored | None  # the closest out-of-scope topic, if the KB has topics
    features: tuple[float, ...]  # in the order of FEATURES

    def feature(self, name: str) -> float:
        return self.features[FEATURES.index(name)]


@dataclass(frozen=True)
class Decision:
    """The verdict on one question and the confidence it rests on."""

    verdict: Verdict
    confidence: float
    topic_id: str | None = None  # set when an out-of-scope topic caused the refusal


def split_clauses(text: str) -> list[str]:
    """Clauses of a question worth ranking on their own, plus each pair of neighbours (at most
    :data:`MAX_CLAUSE_TEXTS`); empty for a one-clause question."""
    pieces = [p.strip() for p in _CLAUSE_BREAK.split(text) if p.strip()]
    if len(pieces) < 2:
        return []
    # A clause too short to rank alone ("你好", "hi") is dropped; what is left still beats the whole.
    parts = [p for p in pieces if len(normalize(p).replace(" ", "")) >= MIN_CLAUSE_CHARS]
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(parts)]
    # Later clauses first: customers tend to put the actual question last, after the context.
    texts = list(dict.fromkeys(list(reversed(parts)) + list(reversed(pairs))))[:MAX_CLAUSE_TEXTS]
    # Bound the encoder's extra work per question (it serves everyone under one lock): clauses are
    # kept while their characters fit CLAUSE_CHAR_BUDGET; single clauses come first, so pairs are dropped first.
    kept: list[str] = []
    used = 0
    for t in texts:
        if used + len(t) > CLAUSE_CHAR_BUDGET:
            continue
        kept.append(t)
        used += len(t)
    return kept


def _merge(rankings: Sequence[Sequence[Scored]]) -> list[Scored]:
    """One ranking from the whole question's (first) and its clauses': an entry's score is its score
    for the whole question plus :data:`CLAUSE_LIFT` of what its best clause adds to it.

    The whole question keeps the last word on the ranking (it carries the context: "他也没退款" is
    a clause about refunds inside a question about missing referral credit), while an entry that
    one clause matches much better than the diluted whole rises."""
    whole = {s.entry.id: s for s in rankings[0]} if rankings else {}
    clause: dict[str, Scored] = {}
    for ranking in rankings[1:]:
        for s in ranking:
            if s.entry.id not in clause or s.score > clause[s.entry.id].score:
                clause[s.entry.id] = s
    merged: list[Scored] = []
    for entry_id in whole.keys() | clause.keys():
        base = whole.get(entry_id)
        best = clause.get(entry_id)
        if best is None or (base is not None and base.score >= best.score):
            merged.append(base)  # type: ignore[arg-type]
            continue
        start = base.score if base is not None else 0.0
        merged.append(dataclasses.replace(best, score=start + CLAUSE_LIFT * (best.score - start)))
    return sorted(merged, key=lambda s: -s.score)


def gather(retriever: Retriever, scope: Retriever | None, question: str) -> Evidence:
    """Rank the question and its clauses against the entries (and the out-of-scope topics) and
    compute the features. The only place features are computed: serving and training both use it."""
    question = strip_opening(question)
    texts = [question, *split_clauses(question)]
    vectors = retriever.encode(texts)

    def rank_all(r: Retriever) -> list[list[Scored]]:
        return [r.rank(t, TOP_K, None if vectors is None else vectors[i]) for i, t in enumerate(texts)]

    per_text = rank_all(retriever)
    ranked = _merge(per_text)
    topic = _merge(rank_all(scope))[0] if scope is not None and scope.index.entries else None
    if not ranked:
        return Evidence((), topic, tuple(0.0 for _ in FEATURES))
    best = ranked[0]
    whole = per_text[0][0].score if per_text[0] else 0.0
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    features = (
        best.score,
        best.score - runner_up,
        # The answer passages count too: a FAQ without alternates (the transfer FAQs) is matched by its
        # answer as often as by its one question (benchmarks/RESULTS.md, "Answer passages").
        max(best.dense_q, best.dense_a),
        best.lex_q,
        best.fuzzy,
        # NaN without topics: the model then treats it as average (a KB without out_of_scope.toml
        # must not look "far from every topic", which would push every question towards answering)
        (topic.score - best.score) if topic is not None else math.nan,
        best.score - whole,
        min(len(question), 200) / 200.0,
    )
    return Evidence(tuple(ranked), topic, tuple(float(f) for f in features))


@dataclass(frozen=True)
class DecisionModel:
    """Logistic regression over standardised :data:`FEATURES`, plus the two verdict cut-offs."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    answer_at: float
    guess_at: float

    def confidence(self, features: Sequence[float]) -> float:
        """Probability-like confidence in [0, 1] that the best entry is the right answer."""
        values = np.asarray(features, np.float64)
        values = np.where(np.isnan(values), np.asarray(self.mean), values)  # missing: average, no push either way
        x = (values - np.asarray(self.mean)) / np.asarray(self.scale)
        z = float(np.dot(x, self.weights) + self.bias)
        if not math.isfinite(z):
            return 0.0
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def decide(self, evidence: Evidence, floor: float | None = None) -> Decision:
        """The verdict for ``evidence``; ``floor`` (``ASSISTANT_THRESHOLD``) replaces ``guess_at``."""
        if not evidence.ranked:
            return Decision("refuse", 0.0)
        confidence = self.confidence(evidence.features)
        guess_at = self.guess_at if floor is None else floor
        answer_at = max(self.answer_at, guess_at)
        topic = evidence.topic
        if topic is not None and topic.score > evidence.ranked[0].score:
            return Decision("refuse", confidence, topic.entry.id)
        if confidence >= answer_at:
            return Decision("answer", confidence)
        if confidence >= guess_at:
            return Decision("guess", confidence)
        return Decision("refuse", confidence)

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(m, 6) for m in self.mean],
            "scale": [round(s, 6) for s in self.scale],
            "answer_at": round(self.answer_at, 4),
            "guess_at": round(self.guess_at, 4),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DecisionModel:
        if data.get("features") != list(FEATURES):
            raise ValueError(f"features {data.get('features')} are not {list(FEATURES)}")
        model = cls(
            tuple(float(w) for w in data["weights"]),  # type: ignore[attr-defined]
            float(data["bias"]),  # type: ignore[arg-type]
            tuple(float(m) for m in data["mean"]),  # type: ignore[attr-defined]
            tuple(float(s) for s in data["scale"]),  # type: ignore[attr-defined]
            float(data["answer_at"]),  # type: ignore[arg-type]
            float(data["guess_at"]),  # type: ignore[arg-type]
        )
        sizes = {len(model.weights), len(model.mean), len(model.scale)}
        values = (*model.weights, model.bias, *model.mean, *model.scale, model.answer_at, model.guess_at)
        if sizes != {len(FEATURES)} or not all(math.isfinite(v) for v in values) or min(model.scale) <= 0:
            raise ValueError("weights, mean and scale must be finite, one per feature, scales positive")
        if not 0.0 <= model.guess_at <= model.answer_at <= 1.0:
            raise ValueError(f"need 0 <= guess_at ({model.guess_at}) <= answer_at ({model.answer_at}) <= 1")
        return model


# Used when decision.json has no model for the embedding model in use: a plain threshold on the
# fused score (weights on "score" only), equivalent to the first round's single threshold.
def _score_only(threshold: float) -> DecisionModel:
    weights = tuple(40.0 if f == "score" else 0.0 for f in FEATURES)
    mean = tuple(threshold if f == "score" else 0.0 for f in FEATURES)
    return DecisionModel(weights, 0.0, mean, tuple(1.0 for _ in FEATURES), 0.5, 0.5)


FALLBACK_THRESHOLD = 0.40


@lru_cache(maxsize=8)
def _table(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        models = data.get("models", {})
        return {str(k): v for k, v in models.items() if isinstance(v, dict)}
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("no decision model (%s); using a plain score threshold of %.2f", exc, FALLBACK_THRESHOLD)
        return {}


def is_bare(entries: Sequence[Entry]) -> bool:
    """True when ``entries`` carry fewer than :data:`BARE_BELOW_ALTERNATES` alternates per entry on
    average (an empty KB counts as bare)."""
    if not entries:
        return True
    return sum(len(e.alternates) for e in entries) / len(entries) < BARE_BELOW_ALTERNATES


def decision_key(model_id: str, entries: Sequence[Entry], path: Path = DECISION_FILE) -> str:
    """The ``decision.json`` key of the decision model for a KB of ``entries`` and ``model_id``: the
    bare model (``model_id + BARE_SUFFIX``) when :func:`is_bare` and it is trained, else ``model_id``."""
    if is_bare(entries):
        bare = model_id + BARE_SUFFIX
        if bare in _table(path):
            return bare
        log.warning("the KB has (almost) no alternates but %s has no %s model; using %s's", path.name, bare, model_id)
    return model_id


def decision_model_for(model_id: str, path: Path = DECISION_FILE) -> DecisionModel:
    """The trained decision model for ``model_id`` (or ``"lexical"``), else a plain threshold."""
    raw = _table(path).get(model_id)
    if raw is None:
        log.warning("no decision model for %s in %s; using a plain score threshold", model_id, path.name)
        return _score_only(FALLBACK_THRESHOLD)
    try:
        return DecisionModel.from_json(raw)
    except (ValueError, KeyError, TypeError) as exc:
        log.error("decision model for %s in %s is invalid (%s); using a plain score threshold", model_id, path, exc)
        return _score_only(FALLBACK_THRESHOLD)
