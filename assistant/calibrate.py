"""Train the answer / refuse decision model (``python -m assistant calibrate``).

Training data, none of it from the shared dev sets or the frozen held-out sets:

* every alternate phrasing in the KB's sidecars, as an answerable question whose entry is known;
* every example of the out-of-scope topics (``kb/out_of_scope.toml``), as a question to refuse;
* ``--questions FILE`` rows (score.py format: ``faq`` or ``none``), e.g. a team's own labelled questions;
* each of the above again, wrapped the way customers write (greetings, context, thanks, no
  punctuation, a typo), so the model sees diluted questions, not only clean paraphrases.

Leave-fold-out: the phrasings are split into folds by a hash of their text; the questions of a fold
are ranked against an index built *without* that fold's alternates and topic examples, so a phrasing
never meets itself and its scores look like those of a new customer's question.

``--bare`` trains the model for KBs without alternates (stored as ``model_id + "+bare"``, see
:func:`assistant.decision.decision_key`): the same examples are ranked against an index of our entries
with *no* alternates (questions and answer passages only) and without out-of-scope topics, so
``scope_gap`` is NaN as on a KB without ``out_of_scope.toml``. No phrasing is in that index, so no
fold needs holding out; the cross-validation is the same. Its label is "the best entry is the right
one" rather than "in scope" (see :func:`labels`).

The logistic regression is fitted on all of it; its quality is reported from cross-validation
grouped by entry/topic (a whole entry's phrasings are held out together). The cut-offs are picked
on the cross-validated confidences: ``guess_at`` is the lowest that still refuses
``--refuse-rate`` of the out-of-scope questions; ``answer_at`` the lowest whose answered questions
are right at ``--answer-precision``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decision import DECISION_FILE, FEATURES, DecisionModel, Evidence, gather
from .embedding import Encoder
from .index import FIELD_ANSWER, EmbeddingCache, LoadedIndex, _make_faiss, search_units
from .models import Entry
from .normalize import detect_language, normalize
from .retrieval import Retriever
from .scope import Topic, load_topics, topic_entries, topic_index

log = logging.getLogger(__name__)

FOLDS = 5
L2 = 1.0
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Example:
    """One labelled training question."""

    text: str
    gold: frozenset[str]  # normalised gold questions; empty for out-of-scope
    group: str  # entry id or topic name: cross-validation holds a group out together
    style: str  # "alt", "topic", "file", each optionally "+wrapped"
    fold: int
    source: str = ""  # the alternate or topic example it came from (removed from its fold's index)


@dataclass(frozen=True)
class Row:
    """An example with its features and outcome."""

    example: Example
    features: tuple[float, ...]
    top1_right: bool  # the best entry is a gold one
    topic_won: bool

    @property
    def in_scope(self) -> bool:
        return bool(self.example.gold)


_WRAP_ZH = (
    "你好，{q}",
    "请问一下，{q}？谢谢",
    "我上个月刚买了套餐，{q}",
    "在吗 {q} 急",
    "客服你好 想咨询个问题 {q} 麻烦回复下",
    "{q}啊",
)
_WRAP_EN = (
    "hi, {q}? thanks",
    "Hello team, I bought the plan last week. {q}",
    "{q} pls help",
    "quick question: {q}",
    "hey there i have a question {q} thank you so much",
    "{q}??",
)


def _fold(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) % FOLDS


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 5 and w.isascii() and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def wrapped(text: str, rng: random.Random) -> str:
    """``text`` as a customer might send it: a greeting or context around it, maybe a typo, maybe no punctuation."""
    templates = _WRAP_EN if detect_language(text) == "en" else _WRAP_ZH
    out = rng.choice(templates).format(q=text.rstrip("?？"))
    if rng.random() < 0.3:
        out = _typo(out, rng)
    if rng.random() < 0.3:
        out = re.sub(r"[，,。.？?！!]", " ", out).lower()
    return " ".join(out.split())


def examples_from(
    entries: Sequence[Entry], topics: Sequence[Topic], files: Sequence[Path], augment: bool = True
) -> list[Example]:
    """All training examples: alternates, topic examples, labelled files, and their wrapped versions."""
    rng = random.Random(20261128)
    base: list[Example] = []
    for entry in entries:
        gold = frozenset({normalize(entry.question)})
        for alt in entry.alternates:
            base.append(Example(alt, gold, entry.id, "alt", _fold(alt), alt))
    for topic in topics:
        for ex in topic.examples[1:]:  # the first example names the topic and stays in every fold
            base.append(Example(ex, frozenset(), f"oos:{topic.name}", "topic", _fold(ex), ex))
    known = {normalize(e.text) for e in base}
    by_question = {normalize(e.question): e.id for e in entries}
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if any(k in row for k in ("value", "between", "pair")) or normalize(row["q"]) in known:
                continue
            gold = frozenset(normalize(q) for q in row.get("faq", ())) if not row.get("none") else frozenset()
            group = next((by_question[g] for g in gold if g in by_question), f"{path.name}:{n}")
            base.append(Example(row["q"], gold, group, "file", _fold(row["q"])))
    out = list(base)
    if augment:
        out += [dataclasses.replace(e, text=wrapped(e.text, rng), style=e.style + "+wrapped") for e in base]
    return out


def _memory_index(entries: tuple[Entry, ...], encoder: Encoder, data_dir: Path, like: LoadedIndex) -> LoadedIndex:
    """An in-memory index of ``entries`` on the built index's floors; vectors from the embedding cache."""
    texts, owners, fields = search_units(entries)
    cache = EmbeddingCache(data_dir, encoder.model_id)
    vectors = cache.embed(encoder, texts, [f != FIELD_ANSWER for f in fields], None)
    faiss_index, _ = _make_faiss(vectors)
    manifest = dataclasses.replace(like.manifest, entry_count=len(entries), vector_count=len(texts))
    return LoadedIndex(entries, np.asarray(owners, np.int32), tuple(fields), faiss_index, manifest, like.path)


def featurise(
    examples: Sequence[Example],
    index: LoadedIndex,
    query_encoder: Encoder | None,
    topics: Sequence[Topic],
    data_dir: Path,
    progress: Progress | None = None,
    bare: bool = False,
) -> list[Row]:
    """Features of every example, each ranked against an index without its own fold's phrasings;
    ``bare``: against an index without any alternates and without topics (see the module docstring)."""
    rows: list[Row] = []
    done = 0
    for fold in range(FOLDS):
        held = {e.source for e in examples if e.fold == fold and e.source}
        entries = tuple(
            dataclasses.replace(e, alternates=() if bare else tuple(a for a in e.alternates if a not in held))
            for e in index.entries
        )
        kept_topics = (
            ()
            if bare
            else tuple(
                dataclasses.replace(t, examples=(t.examples[0], *(x for x in t.examples[1:] if x not in held)))
                for t in topics
            )
        )
        if query_encoder is not None:
            fold_index = _memory_index(entries, query_encoder, data_dir, index)
        else:
            fold_index = dataclasses.replace(index, entries=entries)
        retriever = Retriever(fold_index, query_encoder)
        scope = None
        if kept_topics:
            scope = Retriever(
                topic_index(topic_entries(kept_topics), query_encoder, data_dir, index.manifest), query_encoder
            )
        for ex in (e for e in examples if e.fold == fold):
            evidence: Evidence = gather(retriever, scope, ex.text)
            top = evidence.ranked[0] if evidence.ranked else None
            right = bool(ex.gold) and top is not None and normalize(top.entry.question) in ex.gold
            won = evidence.topic is not None and top is not None and evidence.topic.score > top.score
            rows.append(Row(ex, evidence.features, right, won))
            done += 1
            if progress:
                progress(done, len(examples))
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """L2-regularised logistic regression by Newton's method on standardised features.

    A missing value (NaN: ``scope_gap`` without topics) counts as the feature's mean, as
    :meth:`DecisionModel.confidence` does; a feature missing everywhere gets mean 0 and weight 0.
    Returns (weights, bias, mean, scale)."""
    x = _impute(x)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale
    a = np.hstack([z, np.ones((len(z), 1))])
    w = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[-1] = 0.0  # no penalty on the bias
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -60, 60)))
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1]), mean, scale


def _impute(x: np.ndarray) -> np.ndarray:
    """``x`` with each NaN replaced by its column's mean over the known values (0 if none is known)."""
    missing = np.isnan(x)
    if not missing.any():
        return x
    known = ~missing.all(axis=0)
    fill = np.zeros(x.shape[1])
    fill[known] = np.nanmean(x[:, known], axis=0)
    return np.where(missing, fill, x)


def _predict(x: np.ndarray, w: np.ndarray, b: float, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    x = np.where(np.isnan(x), mean, x)
    return 1.0 / (1.0 + np.exp(-np.clip(((x - mean) / scale) @ w + b, -60, 60)))


def labels(rows: Sequence[Row], right: bool = False) -> np.ndarray:
    """What the model predicts: is the question one the FAQ answers? (Whether the best entry is the
    right one is left to the ranking and to the margin feature: with leave-fold-out alternates the
    ranking is harder than for real questions, and labelling by it taught the model that
    answerable-but-hard means "refuse".)

    ``right``: is the best entry the right one? The bare model's label: against entries without
    alternates, our alternates find their entry first only ~46% of the time, so "in scope" would
    mostly mean "answered wrongly"; labelled by "right", its cross-validated AUC (right vs out of
    scope) is 0.894 against 0.863 (README, "Answer or refuse")."""
    return np.array([r.top1_right if right else r.in_scope for r in rows], float)


def feature_matrix(rows: Sequence[Row], drop: Sequence[str] = ()) -> np.ndarray:
    """The rows' features as a matrix; a ``drop``ped feature is 0 everywhere, so its fitted weight is 0
    and the model ignores it."""
    unknown = set(drop) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown feature(s) to drop: {sorted(unknown)}; features are {list(FEATURES)}")
    x = np.array([r.features for r in rows], np.float64).reshape(len(rows), len(FEATURES))
    for name in drop:
        x[:, FEATURES.index(name)] = 0.0
    return x


def cross_validated(
    rows: Sequence[Row], folds: int = FOLDS, drop: Sequence[str] = (), label_right: bool = False
) -> np.ndarray:
    """Out-of-fold confidences, folds grouped by entry/topic (``label_right``: see :func:`labels`)."""
    x = feature_matrix(rows, drop)
    y = labels(rows, label_right)
    groups = sorted({r.example.group for r in rows})
    fold_of = {g: i % folds for i, g in enumerate(sorted(groups, key=lambda g: hashlib.sha1(g.encode()).hexdigest()))}
    which = np.array([fold_of[r.example.group] for r in rows])
    out = np.zeros(len(rows))
    for k in range(folds):
        test = which == k
        w, b, mean, scale = fit_logistic(x[~test], y[~test])
        out[test] = _predict(x[test], w, b, mean, scale)
    return out


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Area under the ROC curve: P(a positive scores above a negative)."""
    if not len(positive) or not len(negative):
        return float("nan")
    scores = np.concatenate([positive, negative])
    ranks = scores.argsort().argsort() + 1.0
    return float(
        (ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative))
    )


def pick_cutoffs(
    rows: Sequence[Row], confidence: np.ndarray, refuse_rate: float, answer_precision: float
) -> tuple[float, float]:
    """(guess_at, answer_at) from cross-validated confidences (see the module docstring)."""
    oos = np.array([not r.example.gold for r in rows])
    won = np.array([r.topic_won for r in rows])
    right = np.array([r.top1_right for r in rows])
    grid = np.linspace(0.01, 0.99, 99)
    guess_at = 0.99
    for t in grid:  # lowest cut-off that still refuses enough out-of-scope questions
        refused = (confidence[oos] < t) | won[oos]
        if refused.mean() >= refuse_rate:
            guess_at = float(t)
            break
    answer_at = guess_at
    for t in grid[grid >= guess_at]:
        answered = (confidence >= t) & ~won
        if answered.sum() and right[answered].mean() >= answer_precision:
            answer_at = float(t)
            break
    return guess_at, max(answer_at, guess_at)


def report(rows: Sequence[Row], confidence: np.ndarray, guess_at: float, answer_at: float) -> dict[str, object]:
    """Cross-validated outcomes per style, AUC, and the calibration table."""
    right = np.array([r.top1_right for r in rows])
    oos = np.array([not r.example.gold for r in rows])
    won = np.array([r.topic_won for r in rows])
    answered = (confidence >= guess_at) & ~won
    styles: dict[str, dict[str, float]] = {}
    for style in sorted({r.example.style for r in rows}):
        m = np.array([r.example.style == style for r in rows])
        ins, out = m & ~oos, m & oos
        styles[style] = {
            "in_scope": int(ins.sum()),
            "top1": round(float(right[ins].mean()), 4) if ins.any() else float("nan"),
            "answered_right": round(float((answered & right)[ins].mean()), 4) if ins.any() else float("nan"),
            "out_of_scope": int(out.sum()),
            "refused": round(float((~answered)[out].mean()), 4) if out.any() else float("nan"),
        }
    bins = np.linspace(0, 1, 11)
    table = []
    for lo, hi in itertools.pairwise(bins):
        m = (confidence >= lo) & (confidence < hi if hi < 1 else confidence <= hi)
        if m.any():
            table.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(m.sum()),
                    "mean_conf": round(float(confidence[m].mean()), 3),
                    "accuracy": round(float(right[m].mean()), 3),
                }
            )
    return {
        "auc_right_vs_out_of_scope": round(auc(confidence[right], confidence[oos]), 4),
        "auc_right_vs_rest": round(auc(confidence[right], confidence[~right]), 4),
        "guess_at": guess_at,
        "answer_at": answer_at,
        "by_style": styles,
        "reliability": table,
    }


def train(
    entries_index: LoadedIndex,
    query_encoder: Encoder | None,
    kb_dir: Path,
    data_dir: Path,
    files: Sequence[Path] = (),
    refuse_rate: float = 0.90,
    answer_precision: float = 0.97,
    progress: Progress | None = None,
    bare: bool = False,
    drop: Sequence[str] = (),
) -> tuple[DecisionModel, dict[str, object], list[Row], np.ndarray]:
    """Fit the decision model for the index's KB and encoder (``bare``: the model for KBs without
    alternates, see the module docstring); return it, its CV report, the rows and their
    cross-validated confidences. ``drop``: features the model ignores (weight 0)."""
    topics = load_topics(kb_dir)
    examples = examples_from(entries_index.entries, topics, files)
    rows = featurise(examples, entries_index, query_encoder, topics, data_dir, progress, bare=bare)
    model, summary, cv = fit(rows, refuse_rate, answer_precision, drop, label_right=bare)
    summary["bare"] = bare
    return model, summary, rows, cv


def fit(
    rows: Sequence[Row],
    refuse_rate: float = 0.90,
    answer_precision: float = 0.97,
    drop: Sequence[str] = (),
    label_right: bool = False,
) -> tuple[DecisionModel, dict[str, object], np.ndarray]:
    """The decision model fitted on featurised ``rows``, its CV report and the cross-validated
    confidences (``label_right``: see :func:`labels`)."""
    cv = cross_validated(rows, drop=drop, label_right=label_right)
    guess_at, answer_at = pick_cutoffs(rows, cv, refuse_rate, answer_precision)
    x = feature_matrix(rows, drop)
    w, b, mean, scale = fit_logistic(x, labels(rows, label_right))
    model = DecisionModel(
        tuple(float(v) for v in w),
        b,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        answer_at,
        guess_at,
    )
    summary = report(rows, cv, guess_at, answer_at)
    summary["examples"] = len(rows)
    summary["dropped"] = list(drop)
    summary["labels"] = "right" if label_right else "in_scope"
    summary["weights"] = dict(zip(FEATURES, (round(float(v), 3) for v in w)))
    return model, summary, cv


def write_model(model_id: str, model: DecisionModel, summary: dict[str, object], path: Path = DECISION_FILE) -> None:
    """Store ``model`` for ``model_id`` in ``decision.json``, keeping the other models' entries."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    models = data.setdefault("models", {})
    keys = ("auc_right_vs_out_of_scope", "examples", "dropped", "labels")
    models[model_id] = {**model.to_json(), "cv": {k: summary[k] for k in keys if k in summary}}
    data["about"] = "Answer/refuse decision models per embedding model; written by `python -m assistant calibrate`."
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def plot(rows: Sequence[Row], confidence: np.ndarray, out_dir: Path, title: str) -> list[Path]:
    """Reliability diagram and precision/recall curve of the refuse decision (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    right = np.array([r.top1_right for r in rows])
    oos = np.array([not r.example.gold for r in rows])
    out_dir.mkdir(parents=True, exist_ok=True)
    bins = np.linspace(0, 1, 11)
    centers, accuracy, counts = [], [], []
    for lo, hi in itertools.pairwise(bins):
        m = (confidence >= lo) & (confidence <= hi)
        if m.any():
            centers.append(float(confidence[m].mean()))
            accuracy.append(float(right[m].mean()))
            counts.append(int(m.sum()))
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    ax.plot(centers, accuracy, "o-", label="cross-validated")
    for c, a, n in zip(centers, accuracy, counts):
        ax.annotate(str(n), (c, a), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set(xlabel="predicted confidence", ylabel="observed accuracy (right entry)", title=f"Reliability: {title}")
    ax.legend(loc="upper left")
    reliability = out_dir / "decision_reliability.png"
    fig.tight_layout()
    fig.savefig(reliability, dpi=110)
    plt.close(fig)
    # Refuse decision as a detector of "should not answer" (out of scope or a wrong entry).
    should_refuse = oos | ~right
    precision, recall = [], []
    for t in np.linspace(0, 1, 101):
        refused = confidence < t
        if refused.any():
            precision.append(float(should_refuse[refused].mean()))
            recall.append(float(refused[should_refuse].mean()) if should_refuse.any() else 0.0)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(recall, precision, "-")
    ax.set(
        xlabel="recall (of questions that should be refused)",
        ylabel="precision of refusals",
        title=f"Refuse decision: {title}",
        xlim=(0, 1.02),
        ylim=(0, 1.02),
    )
    pr = out_dir / "decision_pr.png"
    fig.tight_layout()
    fig.savefig(pr, dpi=110)
    plt.close(fig)
    return [reliability, pr]
