"""The HTTP API: ``python -m assistant serve`` (FastAPI on uvicorn; ``pip install -e '.[api]'``).

One :class:`~assistant.engine.Assistant` per process, loaded in the background at start (``/healthz`` says
503 until it is ready) and shared by every request (it is thread-safe; handlers run on the thread pool).

- ``POST /v1/ask`` ``{"question": ..., "conversation": <state> | null}``: the object of ``ask --json``, plus
  ``"conversation"`` (the new state) when a state, possibly ``{}``, was sent;
- ``POST /v1/feedback`` ``{"question", "entry_id", "vote": "up" | "down", "reason"?, "turn_id"?}``: a thumbs vote
  stored in the feedback database as the web chat stores it;
- ``GET /healthz`` (200 when the index is loaded, 503 otherwise), ``GET /metrics`` (Prometheus text format),
  ``GET /openapi.json`` (committed as ``docs/openapi.json``).

Errors are ``{"error": message, "code": exit code}`` with the command line's messages and exit codes. Request
bodies are capped (``ASSISTANT_MAX_BODY_BYTES``), each client address is rate limited
(``ASSISTANT_RATE_LIMIT``), and browsers may call the API only from ``ASSISTANT_CORS_ORIGINS``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from .errors import AssistantError, FeedbackStoreError, InvalidQuestion
from .metrics import Metrics
from .models import Answer, Match, to_dict
from .normalize import detect_language
from .settings import Settings, resolve_settings

if TYPE_CHECKING:
    from .engine import Assistant
    from .feedback import FeedbackStore

log = logging.getLogger(__name__)

API_VERSION = "1.0.0"
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# HTTP status of each error class, by its exit code (see assistant/errors.py).
_STATUS_OF_EXIT = {2: 422, 3: 503, 4: 503, 5: 503, 6: 503}
# Paths that are never rate limited (probes and scrapers poll them).
_UNLIMITED = frozenset({"/healthz", "/metrics"})


# ---------------------------------------------------------------------------------------------- schema
class AskRequest(BaseModel):
    """A question, optionally inside a conversation."""

    question: str = Field(description="the customer's question (Chinese, English or mixed)")
    conversation: dict[str, Any] | None = Field(
        default=None,
        description="the state returned by the previous turn; {} starts a conversation; null asks alone",
    )


class MatchOut(BaseModel):
    id: str
    question: str
    section: str
    score: float
    source: str


class CitationOut(BaseModel):
    title: str = Field(description="the cited entry's question")
    source: str = Field(description="kb/<file>.md:<line>")
    section: str
    link: str | None = Field(description="the entry on the published FAQ (ASSISTANT_FAQ_URL), or null")


class PartsOut(BaseModel):
    """The answer as parts; ``answer`` is rendered from them (see README, "JSON output")."""

    form: Literal["entry", "message", "calculation", "not_covered"]
    language: str
    headline: str
    highlights: list[str]
    body_md: str | None
    steps: list[str]
    notes: list[str]
    citations: list[CitationOut]
    suggestions: list[str]
    related: list[str]
    handoff: bool


class AnswerOut(BaseModel):
    """The object of ``python -m assistant ask --json`` (see README, "JSON output")."""

    kind: Literal["faq", "calculation", "no_answer"]
    answer: str
    matches: list[MatchOut]
    value: float | bool | str | list[float] | None
    unit: str | None
    latency_ms: float
    language: str
    degraded: bool
    ambiguous: bool
    steps: list[str]
    error: str | None
    entry_md: str | None
    confidence: float | None
    best_guess: bool
    highlights: list[str]
    parts: PartsOut | None
    conversation: dict[str, Any] | None = Field(
        default=None, description="the conversation state after this turn (only when a state was sent)"
    )


class FeedbackRequest(BaseModel):
    """A thumbs vote on an answer."""

    question: str = Field(description="the question that was answered")
    entry_id: str | None = Field(default=None, description="the id of the entry the answer cited (null: no_answer)")
    vote: Literal["up", "down"]
    reason: str | None = Field(default=None, max_length=2000, description="why (logged, not stored)")
    turn_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="the X-Turn-Id header of the answer: a later vote on the same turn replaces this one",
    )


class FeedbackOut(BaseModel):
    stored: bool
    turn_id: str


class HealthOut(BaseModel):
    status: Literal["ready", "loading", "failed"]
    entries: int | None = None
    model: str | None = None
    degraded: bool | None = None
    error: str | None = None


class ErrorOut(BaseModel):
    """Every error: the command line's message and exit code."""

    error: str
    code: int


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    why = {
        400: "the body is not valid JSON",
        413: "the body or the question is too long",
        422: "a field is missing or unusable (empty question, bad conversation state, unknown entry)",
        429: "too many requests from this address (see the Retry-After header)",
        503: "the index is not loaded yet (or could not be), or the feedback database is unusable",
    }
    return {status: {"model": ErrorOut, "description": why[status]} for status in statuses}


# ---------------------------------------------------------------------------------------------- errors
class ApiError(Exception):
    """An error answered as ``{"error": message, "code": code}`` with HTTP ``status``."""

    def __init__(self, status: int, message: str, code: int = 2, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers


def _error_response(status: int, message: str, code: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=headers)


async def _raw_error(send: Send, status: int, message: str, code: int, headers: dict[str, str] | None = None) -> None:
    """An error response sent straight from an ASGI middleware."""
    body = json.dumps({"error": message, "code": code}, ensure_ascii=False).encode("utf-8")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _plain_text(text: str) -> str:
    """``text`` with lone surrogates (valid in JSON, not in UTF-8) replaced, so answers always encode."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


class _JSON(JSONResponse):
    """JSON with Chinese kept readable, as ``ask --json`` prints it."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------------------------- middleware
class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether announced (Content-Length) or streamed.

    Bodies are small, so an accepted one is read whole here and handed on as one message."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_big = f"request body is over {self.limit} bytes"
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _raw_error(send, 400, f"bad Content-Length header: {declared[:40]!r}", 2)
                return
            if int(declared) > self.limit:
                await _raw_error(send, 413, too_big, 2)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _raw_error(send, 413, too_big, 2)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RateLimiter:
    """A token bucket per client address: ``per_minute`` requests a minute, bursts up to ``per_minute``."""

    MAX_CLIENTS = 10_000  # above this, idle (full) buckets are forgotten

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def check(self, client: str) -> float | None:
        """None when ``client`` may go ahead (one token taken), else the seconds until it may retry."""
        if self.per_minute <= 0:
            return None
        rate = self.per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - then) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > self.MAX_CLIENTS:
                self._forget_idle(now, rate)
            return None

    def _forget_idle(self, now: float, rate: float) -> None:
        full = [c for c, (t, when) in self._buckets.items() if t + (now - when) * rate >= self.per_minute]
        for client in full:
            del self._buckets[client]


class RateLimit:
    """429 with ``Retry-After`` when a client address goes over its rate (not for /healthz and /metrics)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _UNLIMITED or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.limiter.check(client)
        if wait is not None:
            seconds = max(1, round(wait + 0.5))
            message = (
                f"rate limit: over {self.limiter.per_minute} requests a minute from {client}; retry in {seconds} s"
            )
            await _raw_error(send, 429, message, 2, {"Retry-After": str(seconds)})
            return
        await self.app(scope, receive, send)


class Measure:
    """Count every response by route and status, with its latency (the outermost layer)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, paths: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        path = scope.get("path", "")
        label = path if path in self.paths else "other"

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self.metrics.observe_request(label, scope.get("method", ""), status, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------- the service
class Service:
    """The Assistant of this process (loaded once), the feedback store and the metrics."""

    def __init__(self, settings: Settings, assistant: Assistant | None, load: Callable[[], Assistant] | None) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self._assistant = assistant
        self._load = load
        self._error: AssistantError | None = None
        self._loader: threading.Thread | None = None
        self._store: FeedbackStore | None = None
        self._store_lock = threading.Lock()

    def start_loading(self) -> None:
        """Load the Assistant in a background thread (once); ``/healthz`` is 503 until it is ready."""
        if self._assistant is not None or self._load is None or self._loader is not None:
            return
        self._loader = threading.Thread(target=self._run_load, name="assistant-load", daemon=True)
        self._loader.start()

    def _run_load(self) -> None:
        if self._load is None:
            return
        started = time.perf_counter()
        try:
            self._assistant = self._load()
        except AssistantError as exc:
            self._error = exc
            log.error("the assistant could not be loaded; the API answers 503: %s", exc)
            return
        except Exception as exc:  # logged with its traceback; the API answers 503 instead of dying
            self._error = AssistantError(f"unexpected error while loading: {exc}")
            log.exception("the assistant could not be loaded")
            return
        log.info("assistant ready in %.1f s", time.perf_counter() - started)

    def wait_ready(self, timeout: float) -> bool:
        """True once loaded (for tests and the command line)."""
        if self._loader is not None:
            self._loader.join(timeout)
        return self._assistant is not None

    def health(self) -> tuple[int, dict[str, Any]]:
        assistant = self._assistant
        if assistant is not None:
            return 200, {
                "status": "ready",
                "entries": len(assistant.entries),
                "model": assistant.manifest.model_id,
                "degraded": assistant.degraded,
                "error": assistant.last_reload_error,
            }
        if self._error is not None:
            return 503, {"status": "failed", "error": str(self._error)}
        return 503, {"status": "loading"}

    def assistant(self) -> Assistant:
        """The loaded Assistant, or an :class:`ApiError` 503 (still loading, or failed with its exit code)."""
        if self._assistant is not None:
            return self._assistant
        if self._error is not None:
            raise ApiError(503, str(self._error), self._error.exit_code)
        raise ApiError(503, "the assistant is still loading its index; retry in a few seconds", 1, {"Retry-After": "2"})

    def store(self) -> FeedbackStore:
        """The feedback store, opened on first use (:class:`FeedbackStoreError` when unusable)."""
        with self._store_lock:
            if self._store is None:
                from .feedback import FeedbackStore

                self._store = FeedbackStore(self.settings.feedback_db)
            return self._store

    def record_question(self, turn_id: str, question: str, answer: Answer) -> None:
        """Store the answered question for the insights page; a failure is logged, the answer still goes out."""
        try:
            self.store().record_question(turn_id, question, answer)
        except FeedbackStoreError as exc:
            log.error("could not store the question for the insights page: %s", exc)


def _state_text(state: dict[str, Any]) -> str | None:
    """The JSON text of a conversation state sent by a client; ``{}`` is a new conversation."""
    return json.dumps(state, ensure_ascii=False) if state else None


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx") or {}
        detail = ctx.get("error", first.get("msg", ""))
        return 400, f"request body is not valid JSON: {detail}"
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    where = ".".join(loc) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return 422, f"{where}: {first.get('msg', 'invalid')}{more}"


def create_app(
    assistant: Assistant | None = None, *, load: Callable[[], Assistant] | None = None, **settings: Any
) -> FastAPI:
    """The API app, serving ``assistant`` (or the one ``load`` returns, loaded in the background at start).

    ``settings`` override the API's ``ASSISTANT_*`` settings (rate limit, CORS origins, body cap, feedback
    database) as for :func:`assistant.settings.resolve_settings`."""
    if assistant is None and load is None:
        raise ValueError("create_app needs an assistant or a load function")
    resolved = resolve_settings(**settings)
    service = Service(resolved, assistant, load)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.start_loading()
        yield

    app = FastAPI(
        title="FAQ Assistant",
        version=API_VERSION,
        description="Answers customers' questions from the FAQ, cited; see README.md, 'HTTP API'.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error_response(exc.status, exc.message, exc.code, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = _validation_message(exc)
        return _error_response(status, message, 2)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error_response(exc.status_code, str(exc.detail), 2, getattr(exc, "headers", None))

    @app.exception_handler(AssistantError)
    async def _assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        return _error_response(_STATUS_OF_EXIT.get(exc.exit_code, 500), str(exc), exc.exit_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error answering a request")
        return _error_response(500, f"internal error: {type(exc).__name__}", 1)

    @app.post(
        "/v1/ask",
        response_model=None,
        responses={200: {"model": AnswerOut, "description": "the answer"}, **_errors(400, 413, 422, 429, 503)},
        summary="Answer a question (alone, or as the next turn of a conversation)",
    )
    def ask(body: AskRequest) -> _JSON:
        current = service.assistant()
        question = _plain_text(body.question)
        try:
            if body.conversation is None:
                answer = current.ask(question)
                payload = to_dict(answer)
            else:
                conversation = current.conversation(_state_text(body.conversation))
                answer = conversation.ask(question)
                payload = to_dict(answer)
                payload["conversation"] = json.loads(conversation.to_json())
        except InvalidQuestion as exc:
            too_long = len(question) > current.settings.max_question_chars
            raise ApiError(413 if too_long else 422, str(exc), exc.exit_code) from None
        service.metrics.observe_answer(answer.kind)
        turn_id = uuid.uuid4().hex
        service.record_question(turn_id, question, answer)
        return _JSON(payload, headers={"X-Turn-Id": turn_id})

    @app.post(
        "/v1/feedback",
        response_model=None,
        responses={
            200: {"model": FeedbackOut, "description": "the vote is stored"},
            **_errors(400, 413, 422, 429, 503),
        },
        summary="Store a thumbs up or down on an answer",
    )
    def feedback(body: FeedbackRequest) -> _JSON:
        current = service.assistant()
        try:
            question = current.validate(_plain_text(body.question))
        except InvalidQuestion as exc:
            too_long = len(body.question) > current.settings.max_question_chars
            raise ApiError(413 if too_long else 422, str(exc), exc.exit_code) from None
        matches: tuple[Match, ...] = ()
        if body.entry_id is not None:
            entry = next((e for e in current.entries if e.id == body.entry_id), None)
            if entry is None:
                raise ApiError(422, f"entry_id: no FAQ entry has the id {body.entry_id!r}", 2)
            matches = (Match.of(entry, 1.0),)
        answer = Answer(
            kind="faq" if matches else "no_answer", answer="", matches=matches, language=detect_language(question)
        )
        turn_id = body.turn_id or uuid.uuid4().hex
        score = 1 if body.vote == "up" else 0
        service.store().record_vote(turn_id, question, answer, score)
        if body.reason:
            log.info("feedback %s on %s (turn %s): %s", body.vote, body.entry_id, turn_id, _plain_text(body.reason))
        return _JSON({"stored": True, "turn_id": turn_id})

    @app.get(
        "/healthz",
        response_model=None,
        responses={
            200: {"model": HealthOut, "description": "ready"},
            503: {"model": HealthOut, "description": "not ready"},
        },
        summary="Ready (200) once the index is loaded; 503 while loading or when loading failed",
    )
    def healthz() -> _JSON:
        status, body = service.health()
        return _JSON(body, status_code=status)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text"}},
        summary="Prometheus metrics: requests by path and status, latency histogram, answers by kind",
    )
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(service.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    paths = frozenset(getattr(route, "path", "") for route in app.routes)
    # Added innermost first: Measure(CORS(RateLimit(BodyLimit(app)))).
    app.add_middleware(BodyLimit, limit=resolved.max_body_bytes)
    app.add_middleware(RateLimit, limiter=RateLimiter(resolved.rate_limit))
    origins = resolved.cors_origin_list
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            expose_headers=["X-Turn-Id", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(Measure, metrics=service.metrics, paths=paths)
    return app


def openapi_json(app: FastAPI) -> str:
    """The app's OpenAPI schema as committed in ``docs/openapi.json`` (sorted keys, 2-space indent)."""
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def serve(host: str, port: int, *, verbose: bool = False) -> int:
    """Serve the API until SIGINT/SIGTERM (uvicorn); the Assistant loads in the background."""
    import uvicorn

    from .engine import Assistant

    app = create_app(load=Assistant.load)
    log.warning("serving the FAQ Assistant API on http://%s:%d (ready when /healthz says 200)", host, port)
    uvicorn.run(app, host=host, port=port, log_level="info" if verbose else "warning", proxy_headers=True)
    return 0


__all__ = ["API_VERSION", "ApiError", "RateLimiter", "Service", "create_app", "openapi_json", "serve"]
