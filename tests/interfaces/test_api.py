"""The HTTP API (assistant/api.py) against the real engine on the real KB, through FastAPI's TestClient,
a schemathesis run over its own schema, and one real ``python -m assistant serve`` subprocess."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from assistant.api import RateLimiter, create_app, openapi_json
from assistant.errors import ConfigError, InvalidQuestion, KnowledgeBaseError
from assistant.feedback import FeedbackStore
from assistant.models import to_dict
from assistant.settings import resolve_settings
from tests.conftest import ROOT

SCORER = Path("/work/shared/eval/score.py")
DEV_SET = Path("/work/shared/eval/dev.jsonl")


def _same_answer(got: dict[str, Any], expected: dict[str, Any]) -> None:
    """Equal as ``ask --json`` objects, latency aside."""
    got = {k: v for k, v in got.items() if k != "latency_ms"}
    expected = {k: v for k, v in expected.items() if k != "latency_ms"}
    assert got == expected


@pytest.fixture
def feedback_db(tmp_path: Path) -> Path:
    return tmp_path / "feedback.sqlite3"


@pytest.fixture
def client(assistant, feedback_db: Path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_app(assistant, feedback_db=feedback_db, rate_limit=0)
    with TestClient(app) as c:
        yield c


# ---------------------------------------------------------------------------------------------- asking
@pytest.mark.parametrize(
    ("question", "kind", "language"),
    [
        ("能退款吗", "faq", "zh"),
        ("How do I cancel my subscription?", "faq", "en"),
        ("好友首单支付了1000元，我能拿多少赠金", "calculation", "zh"),
        ("这个套餐可以用来炒股吗", None, "zh"),
    ],
)
def test_ask_returns_the_object_of_ask_json(client: TestClient, assistant, question: str, kind, language) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "conversation" not in body
    expected = to_dict(assistant.ask(question))
    _same_answer(body, expected)
    if kind is not None:
        assert body["kind"] == kind
    assert body["language"] == language
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-turn-id"])
    if body["kind"] == "calculation":
        assert body["value"] == 100 and body["unit"] == "CNY"


def test_conversation_round_trip(client: TestClient, assistant) -> None:  # type: ignore[no-untyped-def]
    first = client.post("/v1/ask", json={"question": "好友首单我能拿多少赠金", "conversation": {}})
    assert first.status_code == 200, first.text
    one = first.json()
    assert one["value"] is None  # the calculator asks for the amount paid
    state = one["conversation"]
    assert state["v"] == 1 and len(state["turns"]) == 1
    second = client.post("/v1/ask", json={"question": "1000元", "conversation": state})
    assert second.status_code == 200, second.text
    two = second.json()
    assert two["kind"] == "calculation" and two["value"] == 100 and two["unit"] == "CNY"
    assert len(two["conversation"]["turns"]) == 2
    # Alone, the same message is not a calculation: the state did the work.
    alone = client.post("/v1/ask", json={"question": "1000元"}).json()
    assert alone["value"] != 100
    # The state is the library's own: the same turns through Assistant.conversation give the same answer.
    direct = assistant.conversation(json.dumps(state)).ask("1000元")
    _same_answer({k: v for k, v in two.items() if k != "conversation"}, to_dict(direct))


def test_bad_conversation_state_is_422_with_the_library_message(client: TestClient) -> None:
    for state in ({"v": 99, "turns": []}, {"v": 1, "turns": "no"}, {"v": 1, "turns": [{"kind": "faq"}]}):
        response = client.post("/v1/ask", json={"question": "能退款吗", "conversation": state})
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["code"] == 2 and body["error"].startswith("conversation state")
    not_object = client.post("/v1/ask", json={"question": "能退款吗", "conversation": [1, 2]})
    assert not_object.status_code == 422 and not_object.json()["error"].startswith("conversation")


# ---------------------------------------------------------------------------------------------- feedback
def test_feedback_is_stored_with_the_feedback_store(client: TestClient, assistant, feedback_db: Path) -> None:  # type: ignore[no-untyped-def]
    asked = client.post("/v1/ask", json={"question": "能退款吗"})
    entry = asked.json()["matches"][0]
    turn = asked.headers["x-turn-id"]
    vote = {"question": "能退款吗", "entry_id": entry["id"], "vote": "down", "reason": "wrong", "turn_id": turn}
    response = client.post("/v1/feedback", json=vote)
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": True, "turn_id": turn}
    store = FeedbackStore(feedback_db)
    votes = store.votes()
    assert [(v.turn_id, v.entry_id, v.entry_question, v.score) for v in votes] == [
        (turn, entry["id"], entry["question"], 0)
    ]
    # A later vote on the same turn replaces it; the asked question was stored too (insights page).
    client.post("/v1/feedback", json={**vote, "vote": "up"})
    assert [v.score for v in store.votes()] == [1]
    summary = store.summary()
    assert (summary.questions, summary.votes_up, summary.votes_down) == (1, 1, 0)
    # A vote on a no_answer reply has no entry.
    other = client.post("/v1/feedback", json={"question": "可以开发票吗", "vote": "down"})
    assert other.status_code == 200
    assert [v.kind for v in store.votes()] == ["faq", "no_answer"]


def test_feedback_errors(client: TestClient) -> None:
    unknown = client.post("/v1/feedback", json={"question": "能退款吗", "entry_id": "nope", "vote": "up"})
    assert unknown.status_code == 422 and "nope" in unknown.json()["error"]
    bad_vote = client.post("/v1/feedback", json={"question": "能退款吗", "vote": "sideways"})
    assert bad_vote.status_code == 422 and bad_vote.json()["error"].startswith("vote:")
    empty = client.post("/v1/feedback", json={"question": "   ", "vote": "up"})
    assert empty.status_code == 422 and empty.json()["code"] == 2


# ---------------------------------------------------------------------------------------------- errors
def test_errors_carry_the_command_line_messages(client: TestClient, assistant) -> None:  # type: ignore[no-untyped-def]
    limit = assistant.settings.max_question_chars
    for question, status in (("", 422), ("  ？？ ", 422), ("问" * (limit + 1), 413)):
        with pytest.raises(InvalidQuestion) as cli_error:
            assistant.validate(question)
        response = client.post("/v1/ask", json={"question": question})
        assert response.status_code == status, response.text
        assert response.json() == {"error": str(cli_error.value), "code": 2}
    bad_json = client.post("/v1/ask", content=b'{"question": "x"', headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["error"].startswith("request body is not valid JSON")
    missing = client.post("/v1/ask", json={"q": "能退款吗"})
    assert missing.status_code == 422 and missing.json() == {"error": "question: Field required", "code": 2}
    not_text = client.post("/v1/ask", json={"question": 42})
    assert not_text.status_code == 422 and not_text.json()["error"].startswith("question:")
    nowhere = client.get("/v2/ask")
    assert nowhere.status_code == 404 and nowhere.json()["code"] == 2
    # A lone surrogate (valid JSON, not UTF-8) is replaced, not a crash.
    odd = client.post(
        "/v1/ask", content=b'{"question": "\\ud800 refund?"}', headers={"content-type": "application/json"}
    )
    assert odd.status_code == 200, odd.text


def test_body_is_capped(assistant, feedback_db: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(assistant, feedback_db=feedback_db, rate_limit=0, max_body_bytes=4096)
    with TestClient(app) as c:
        big = json.dumps({"question": "a" * 5000}).encode()
        announced = c.post("/v1/ask", content=big, headers={"content-type": "application/json"})
        assert announced.status_code == 413
        assert announced.json() == {"error": "request body is over 4096 bytes", "code": 2}

        def chunks() -> Iterator[bytes]:  # no Content-Length: streamed
            yield big[:3000]
            yield big[3000:]

        streamed = c.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        small = c.post(
            "/v1/ask",
            content=json.dumps({"question": "能退款吗"}).encode(),
            headers={"content-type": "application/json"},
        )
        assert small.status_code == 200


# ---------------------------------------------------------------------------------------------- health, metrics
def test_healthz_ready_loading_and_failed(assistant, feedback_db: Path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(assistant, feedback_db=feedback_db)) as c:
        ready = c.get("/healthz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ready" and ready.json()["entries"] == len(assistant.entries)

    release = threading.Event()

    def slow_load():  # type: ignore[no-untyped-def]
        release.wait(30)
        return assistant

    app = create_app(load=slow_load, feedback_db=feedback_db)
    with TestClient(app) as c:
        loading = c.get("/healthz")
        assert loading.status_code == 503 and loading.json()["status"] == "loading"
        early = c.post("/v1/ask", json={"question": "能退款吗"})
        assert early.status_code == 503 and early.headers["retry-after"] == "2"
        release.set()
        assert app.state.service.wait_ready(30)
        assert c.get("/healthz").status_code == 200
        assert c.post("/v1/ask", json={"question": "能退款吗"}).status_code == 200

    def broken_load():  # type: ignore[no-untyped-def]
        raise KnowledgeBaseError("question has no answer", "kb/faq.md", 7)

    app = create_app(load=broken_load, feedback_db=feedback_db)
    with TestClient(app) as c:
        app.state.service.wait_ready(10)
        failed = c.get("/healthz")
        assert failed.status_code == 503 and failed.json()["status"] == "failed"
        refused = c.post("/v1/ask", json={"question": "能退款吗"})
        assert refused.status_code == 503
        assert refused.json() == {"error": "kb/faq.md:7: question has no answer", "code": 3}


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{wanted}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_latency_and_kinds(client: TestClient) -> None:
    for question in ("能退款吗", "How do I cancel my subscription?", "好友首单支付了1000元，我能拿多少赠金"):
        assert client.post("/v1/ask", json={"question": question}).status_code == 200
    assert client.post("/v1/ask", json={"question": ""}).status_code == 422
    client.get("/nowhere")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert _metric(text, "assistant_http_requests_total", path="/v1/ask", method="POST", status="200") == 3
    assert _metric(text, "assistant_http_requests_total", path="/v1/ask", method="POST", status="422") == 1
    assert _metric(text, "assistant_http_requests_total", path="other", method="GET", status="404") == 1
    assert _metric(text, "assistant_answers_total", kind="faq") == 2
    assert _metric(text, "assistant_answers_total", kind="calculation") == 1
    assert _metric(text, "assistant_http_request_duration_seconds_count", path="/v1/ask") == 4
    assert _metric(text, "assistant_http_request_duration_seconds_bucket", path="/v1/ask", le="+Inf") == 4
    buckets = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('assistant_http_request_duration_seconds_bucket{path="/v1/ask"')
    ]
    assert buckets == sorted(buckets) and len(buckets) == 12  # cumulative
    assert "# TYPE assistant_http_request_duration_seconds histogram" in text


# ---------------------------------------------------------------------------------------------- CORS, rate limit
def test_cors_is_closed_by_default_and_opens_to_the_allowlist(assistant, feedback_db: Path) -> None:  # type: ignore[no-untyped-def]
    preflight = {"Origin": "https://help.example.com", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(assistant, feedback_db=feedback_db, cors_origins="")) as c:
        closed = c.post("/v1/ask", json={"question": "能退款吗"}, headers={"Origin": "https://help.example.com"})
        assert closed.status_code == 200 and "access-control-allow-origin" not in closed.headers
        assert "access-control-allow-origin" not in c.options("/v1/ask", headers=preflight).headers
    allowed = "https://help.example.com, https://docs.example.com"
    with TestClient(create_app(assistant, feedback_db=feedback_db, cors_origins=allowed)) as c:
        ok = c.post("/v1/ask", json={"question": "能退款吗"}, headers={"Origin": "https://docs.example.com"})
        assert ok.headers["access-control-allow-origin"] == "https://docs.example.com"
        assert "x-turn-id" in ok.headers["access-control-expose-headers"].lower()
        pre = c.options("/v1/ask", headers=preflight)
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "https://help.example.com"
        evil = c.post("/v1/ask", json={"question": "能退款吗"}, headers={"Origin": "https://evil.example.net"})
        assert "access-control-allow-origin" not in evil.headers
        bad_pre = c.options("/v1/ask", headers={**preflight, "Origin": "https://evil.example.net"})
        assert bad_pre.status_code == 400


def test_rate_limit_per_client(assistant, feedback_db: Path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(assistant, feedback_db=feedback_db, rate_limit=3)) as c:
        codes = [c.post("/v1/ask", json={"question": "能退款吗"}).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        limited = c.post("/v1/ask", json={"question": "能退款吗"})
        assert limited.status_code == 429
        assert limited.json()["code"] == 2 and limited.json()["error"].startswith("rate limit: over 3 requests")
        assert int(limited.headers["retry-after"]) >= 1
        assert c.get("/healthz").status_code == 200  # probes are not limited
        assert 'status="429"' in c.get("/metrics").text
    # Another address has its own bucket.
    with TestClient(create_app(assistant, feedback_db=feedback_db, rate_limit=3), client=("10.0.0.9", 5000)) as c:
        assert c.post("/v1/ask", json={"question": "能退款吗"}).status_code == 200


def test_rate_limiter_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second, bursts of 60
    assert all(limiter.check("a") is None for _ in range(60))
    wait = limiter.check("a")
    assert wait is not None and 0.9 < wait <= 1.0
    assert limiter.check("b") is None
    now[0] += 1.0
    assert limiter.check("a") is None and limiter.check("a") is not None
    assert RateLimiter(0).check("a") is None  # 0: no limit


def test_api_settings_are_range_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "-1")
    with pytest.raises(ConfigError, match="ASSISTANT_RATE_LIMIT"):
        resolve_settings()
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "ten")
    with pytest.raises(ConfigError, match="ASSISTANT_RATE_LIMIT"):
        resolve_settings()
    monkeypatch.delenv("ASSISTANT_RATE_LIMIT")
    monkeypatch.setenv("ASSISTANT_MAX_BODY_BYTES", "10")
    with pytest.raises(ConfigError, match="ASSISTANT_MAX_BODY_BYTES"):
        resolve_settings()
    monkeypatch.delenv("ASSISTANT_MAX_BODY_BYTES")
    monkeypatch.setenv("ASSISTANT_CORS_ORIGINS", " https://a.example , ,https://b.example")
    assert resolve_settings().cors_origin_list == ("https://a.example", "https://b.example")


# ---------------------------------------------------------------------------------------------- schema
def test_committed_openapi_schema_is_the_served_one(client: TestClient) -> None:
    served = client.get("/openapi.json")
    assert served.status_code == 200
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(committed) == served.json(), "regenerate: python -m assistant serve --openapi > docs/openapi.json"
    assert committed == openapi_json(client.app)  # type: ignore[arg-type]
    assert set(served.json()["paths"]) == {"/v1/ask", "/v1/feedback", "/healthz", "/metrics"}


schemathesis = pytest.importorskip("schemathesis")


@pytest.mark.slow
def test_schema_fuzz_no_server_errors(assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Requests generated from the API's own schema (schemathesis): never a 5xx, every status documented,
    every response body matching its schema. Bounded: 25 examples per operation."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    app = create_app(assistant, feedback_db=tmp_path / "fuzz.sqlite3", rate_limit=0)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "POST /v1/ask",
        "POST /v1/feedback",
        "GET /healthz",
        "GET /metrics",
    }
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(checks=checks)

        run()
    assert app.state.service.metrics.requests("/v1/ask") >= 10


# ---------------------------------------------------------------------------------------------- a real server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scorer() -> Any:
    if not SCORER.is_file() or not DEV_SET.is_file():
        pytest.skip(f"the dev-set scorer is not on this machine ({SCORER})")
    spec = importlib.util.spec_from_file_location("dev_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_real_server_answers_the_dev_set_over_http(data_copy: Path, tmp_path: Path) -> None:
    import httpx

    score = _scorer()
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    sample = rows[::6]  # ~10 rows across the groups (zh, en, calculations, no_answer)
    port = _free_port()
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_copy),
        "ASSISTANT_FEEDBACK_DB": str(tmp_path / "served.sqlite3"),
        "ASSISTANT_WATCH_KB": "0",
        "ASSISTANT_RATE_LIMIT": "1000",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        ready = False
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    ready = True
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert ready, f"server not ready (exit {server.poll()})"
        passed = []
        with httpx.Client(base_url=base, timeout=30) as http:
            for row in sample:
                reply = http.post("/v1/ask", json={"question": row["q"]})
                assert reply.status_code == 200, reply.text
                passed.append(score.judge(row, reply.json()))
            metrics = http.get("/metrics").text
        assert len(sample) >= 10 and all(passed), [r["q"] for r, ok in zip(sample, passed) if not ok]
        assert _metric(metrics, "assistant_http_requests_total", path="/v1/ask", method="POST", status="200") == len(
            sample
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise
        _, err = server.communicate()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it: the exit status says SIGTERM, not a crash.
    assert code in (0, -signal.SIGTERM), err.decode("utf-8", "replace")[-2000:]
    assert b"Traceback" not in err


def test_unusable_feedback_database_is_503_code_6_and_answers_go_on(assistant, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "not-a-file"
    folder.mkdir()
    with TestClient(create_app(assistant, feedback_db=folder, rate_limit=0)) as c:
        asked = c.post("/v1/ask", json={"question": "能退款吗"})
        assert asked.status_code == 200 and asked.json()["kind"] == "faq"  # the answer does not wait on the store
        vote = c.post("/v1/feedback", json={"question": "能退款吗", "vote": "up"})
        assert vote.status_code == 503 and vote.json()["code"] == 6
        assert str(folder) in vote.json()["error"]


def test_serve_command_line_errors() -> None:
    from assistant.cli import main

    assert main(["serve", "--port", "70000"]) == 2
    with pytest.raises(SystemExit):
        main(["serve", "--port", "eighty"])
