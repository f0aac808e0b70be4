"""The load-balanced deployment end to end (``deploy/launch.py``): PostgreSQL, 2 API replicas and 2 chat
replicas behind HAProxy on loopback. Questions spread over both API replicas, votes land in PostgreSQL
exactly once, every replica picks up a KB edit, a chat session stays on its replica, and killing an API
replica (kill -9) in the middle of a stream of requests loses no vote.

Needs ``haproxy`` (``apt-get install -y haproxy``; ``.ci/run`` installs it) and PostgreSQL's ``initdb``.
The tests share one deployment, started once for the module; the failover test kills a replica, so it
runs last.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.servers import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import PG_BIN, REAL_KB, ROOT

LAUNCHER = ROOT / "deploy" / "launch.py"
HAPROXY = shutil.which("haproxy")

if HAPROXY is None and os.geteuid() != 0:
    pytest.skip(
        "DEPLOYMENT TESTS DID NOT RUN: haproxy is not installed and this is not root "
        "(apt-get install -y haproxy, as .ci/run does)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.slow

NEW_QUESTION = "Can I pay for the plan with seashells?"
NEW_ANSWER = "Seashell payments are accepted on Tuesdays only, at the harbour office."
NEW_ENTRY = f"\n\n***\n\n**Q: {NEW_QUESTION}**\n\n**A:** {NEW_ANSWER}\n"


@dataclass(frozen=True)
class Deployment:
    """The running deployment as ``<run>/state.json`` describes it."""

    state: dict[str, Any]
    process: subprocess.Popen[bytes]
    kb_dir: Path
    run_dir: Path

    @property
    def api(self) -> str:
        return str(self.state["urls"]["api"]).rstrip("/")

    @property
    def chat(self) -> str:
        return str(self.state["urls"]["chat"]).rstrip("/")

    def replica(self, name: str) -> dict[str, Any]:
        return dict(self.state["processes"][name])

    def pg_dsn(self) -> str:
        return str(self.state["database_url"]).replace("postgresql+psycopg://", "postgresql://", 1)

    def stats(self) -> dict[tuple[str, str], dict[str, str]]:
        """HAProxy's statistics (the status page's CSV), by (proxy, server)."""
        import httpx

        text = httpx.get(f"{self.state['urls']['stats']};csv", timeout=10).text.lstrip("# ")
        return {(row["pxname"], row["svname"]): row for row in csv.DictReader(io.StringIO(text))}

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted((self.run_dir / "logs").glob("*.log"))
        )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """``deploy/launch.py`` with 2 chat and 2 API replicas on a copy of the KB; stopped (SIGTERM) after."""
    if HAPROXY is None:
        pytest.fail("haproxy is not installed: apt-get install -y haproxy (.ci/run installs it)")
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"DEPLOYMENT TESTS DID NOT RUN: no {PG_BIN}/initdb for the launcher's PostgreSQL")
    base = tmp_path_factory.mktemp("deploy")
    kb_dir, data_dir, run_dir = base / "kb", base / "data", base / "run"
    shutil.copytree(REAL_KB, kb_dir)
    data_dir.mkdir()
    # The embedding cache (when this checkout has one) makes the launcher's build a matter of seconds.
    if (ROOT / "data" / "cache").is_dir():
        shutil.copytree(ROOT / "data" / "cache", data_dir / "cache")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_KB_DIR=str(kb_dir),
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_RATE_LIMIT="0",  # every test request comes from 127.0.0.1
    )
    argv = [sys.executable, str(LAUNCHER), "--run-dir", str(run_dir)]
    argv += ["--chat-port", "0", "--api-port", "0", "--stats-port", "0"]
    out = (base / "launch.out").open("wb")
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    state_file = run_dir / "state.json"
    deadline = time.monotonic() + 600
    while not state_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the launcher did not come up:\n{(base / 'launch.out').read_text(errors='replace')}")
        time.sleep(0.5)
    time.sleep(0.2)  # written in one call; let it land
    found = Deployment(json.loads(state_file.read_text()), process, kb_dir, run_dir)
    try:
        yield found
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        out.close()
        pids = [found.state["postgres_pid"], *(p["pid"] for p in found.state["processes"].values())]
        alive = [pid for pid in pids if _alive(pid)]
        assert process.returncode == 0, (base / "launch.out").read_text(errors="replace")
        assert not alive, f"still running after the launcher stopped: {alive}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of a process that is gone is not running.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


def _asks_by_replica(url: str) -> int:
    """``/v1/ask`` requests a replica answered (its own /metrics)."""
    import httpx

    total = 0
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("assistant_http_requests_total{") and 'path="/v1/ask"' in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def _ask_and_vote(client: Any, question: str, vote: str = "up") -> tuple[str, str, str]:
    """Ask through the proxy and vote on the answer; returns (turn id, who answered, who stored the vote)."""
    reply = client.post("/v1/ask", json={"question": question})
    reply.raise_for_status()
    turn = reply.headers["x-turn-id"]
    entry = reply.json()["matches"][0]["id"] if reply.json()["kind"] == "faq" else None
    stored = client.post("/v1/feedback", json={"question": question, "entry_id": entry, "vote": vote, "turn_id": turn})
    stored.raise_for_status()
    if stored.json() != {"stored": True, "turn_id": turn}:
        raise AssertionError(f"unexpected feedback reply {stored.json()}")
    return turn, reply.headers["x-served-by"], stored.headers["x-served-by"]


def _votes(deployment: Deployment, turns: list[str]) -> Counter[str]:
    """How many rows ``votes`` holds for each of ``turns``."""
    import psycopg

    with psycopg.connect(deployment.pg_dsn()) as conn:
        rows = conn.execute("SELECT turn_id FROM votes WHERE turn_id = ANY(%s)", (turns,)).fetchall()
    return Counter(row[0] for row in rows)


# ---------------------------------------------------------------------------------------------- the API
def test_questions_spread_over_both_api_replicas(deployment: Deployment) -> None:
    import httpx

    replicas = {name: f"http://127.0.0.1:{deployment.replica(name)['port']}" for name in ("api1", "api2")}
    before = {name: _asks_by_replica(url) for name, url in replicas.items()}
    with httpx.Client(base_url=deployment.api, timeout=60) as client:
        served = Counter(
            client.post("/v1/ask", json={"question": q}).headers["x-served-by"]
            for q in ["能退款吗", "How do I cancel?", "GLM-5 支持了吗", "会自动续费吗"] * 5
        )
    after = {name: _asks_by_replica(url) for name, url in replicas.items()}
    counted = {name: after[name] - before[name] for name in replicas}
    assert set(served) == {"api1", "api2"}, served
    assert min(served.values()) >= 8, f"round-robin should share 20 questions about evenly: {served}"
    # Each replica's own /metrics agrees with the proxy's header: every question was answered once.
    assert counted == dict(served), (counted, served)


def test_votes_land_in_postgresql_exactly_once(deployment: Deployment) -> None:
    import httpx

    questions = ["能退款吗", "How do I cancel?", "会自动续费吗", "Can I share my plan?"] * 6
    with httpx.Client(base_url=deployment.api, timeout=60) as client:
        results = []
        for i, q in enumerate(questions):
            if i % 5 == 0:  # an odd request now and then: otherwise round-robin sends every vote to one replica
                client.get("/healthz")
            results.append(_ask_and_vote(client, q, "up" if i % 3 else "down"))
    turns = [turn for turn, _, _ in results]
    assert len(set(turns)) == len(turns)
    assert {stored_by for _, _, stored_by in results} == {"api1", "api2"}, "votes should reach both replicas"
    counts = _votes(deployment, turns)
    assert counts == Counter(turns), f"missing or doubled votes: {set(turns) ^ set(counts)}"

    import psycopg

    with psycopg.connect(deployment.pg_dsn()) as conn:
        asked = conn.execute("SELECT count(*) FROM questions WHERE turn_id = ANY(%s)", (turns,)).fetchone()
        scores: dict[str, int] = dict(
            conn.execute("SELECT turn_id, score FROM votes WHERE turn_id = ANY(%s)", (turns,)).fetchall()
        )
    assert asked is not None and asked[0] == len(turns), "each asked question is stored once too"
    assert scores == {turn: 1 if i % 3 else 0 for i, turn in enumerate(turns)}


def test_every_api_replica_picks_up_a_kb_edit(deployment: Deployment) -> None:
    """Each process watches the KB itself (engine.py: checked every 2 s on a question, rebuilt in the
    background, swapped atomically); both replicas answer the new entry through the proxy."""
    import httpx

    with httpx.Client(base_url=deployment.api, timeout=60) as client:
        before = client.post("/v1/ask", json={"question": NEW_QUESTION}).json()
        assert not (before["kind"] == "faq" and before["matches"][0]["question"] == NEW_QUESTION)
        faq = deployment.kb_dir / "glm-coding-plan-faq.md"
        faq.write_text(faq.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        seen: set[str] = set()
        deadline = time.monotonic() + 240
        while seen != {"api1", "api2"} and time.monotonic() < deadline:
            reply = client.post("/v1/ask", json={"question": NEW_QUESTION})
            body = reply.json()
            if body["kind"] == "faq" and body["matches"][0]["question"] == NEW_QUESTION:
                assert NEW_ANSWER in body["answer"]
                seen.add(reply.headers["x-served-by"])
            time.sleep(0.5)
    assert seen == {"api1", "api2"}, f"only {seen} noticed the KB edit\n{deployment.logs()}"


# ---------------------------------------------------------------------------------------------- the chat
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"BROWSER TEST DID NOT RUN: {CHROMIUM} is missing")
def test_a_chat_session_stays_on_its_replica_and_gets_an_answer(deployment: Deployment) -> None:
    import httpx
    from playwright.sync_api import sync_playwright

    question = "能退款吗"
    expected = httpx.post(f"{deployment.api}/v1/ask", json={"question": question}, timeout=60).json()
    marker = expected["matches"][0]["source"]
    before = deployment.stats()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            served_by = []
            page.on("response", lambda r: served_by.append(r.headers.get("x-served-by")))
            page.goto(deployment.chat + "/", wait_until="domcontentloaded")
            box = page.locator("textarea")
            box.wait_for(timeout=120_000)
            box.fill(question)
            box.press("Enter")
            reply = page.locator('[data-testid="stChatMessage"]').filter(has_text=marker).last
            reply.wait_for(timeout=120_000)
            cookies = {c["name"]: c["value"] for c in context.cookies()}
        finally:
            browser.close()
    after = deployment.stats()
    mine = cookies.get("SRV")
    assert mine in {"chat1", "chat2"}, f"no SRV affinity cookie: {cookies}"
    other = "chat2" if mine == "chat1" else "chat1"
    assert set(filter(None, served_by)) == {mine}, f"responses came from {Counter(served_by)}"

    def sessions(name: str) -> int:
        return int(after[("chat_replicas", name)]["stot"]) - int(before[("chat_replicas", name)]["stot"])

    # The page, its scripts and the websocket all went to one replica; the other one saw nothing.
    assert sessions(mine) >= 2 and sessions(other) == 0, {"mine": sessions(mine), "other": sessions(other)}


# ---------------------------------------------------------------------------------------------- failover
def test_killing_an_api_replica_loses_no_request_and_no_vote(deployment: Deployment) -> None:
    """kill -9 api1 while four clients ask and vote: HAProxy retries on the other replica and its health
    check takes api1 out; after a few seconds nothing fails, and every acknowledged vote is stored once."""
    import httpx

    victim = deployment.replica("api1")["pid"]
    questions = ["能退款吗", "How do I cancel?", "会自动续费吗", "Can I share my plan?", "GLM-5 支持了吗"]
    stop = threading.Event()
    killed_at: list[float] = []
    lock = threading.Lock()
    outcomes: list[tuple[float, str, str | None]] = []  # (started, error or "", acknowledged turn)

    def client_loop(worker: int) -> None:
        with httpx.Client(base_url=deployment.api, timeout=30) as client:
            i = 0
            while not stop.is_set():
                started = time.monotonic()
                try:
                    turn, _, _ = _ask_and_vote(client, questions[(worker + i) % len(questions)])
                    outcome: tuple[float, str, str | None] = (started, "", turn)
                except Exception as exc:
                    outcome = (started, f"{type(exc).__name__}: {exc}", None)
                with lock:
                    outcomes.append(outcome)
                i += 1

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(client_loop, w) for w in range(4)]
        time.sleep(4)
        os.kill(victim, signal.SIGKILL)
        killed_at.append(time.monotonic())
        time.sleep(14)
        stop.set()
        for future in futures:
            future.result()
    kill = killed_at[0]
    late = [o for o in outcomes if o[0] > kill + 3]
    failed = [o for o in outcomes if o[1]]
    acknowledged = [o[2] for o in outcomes if o[2] is not None]
    print(
        f"failover: {len(outcomes)} ask+vote pairs, {len(failed)} failed "
        f"({sum(o[0] < kill for o in failed)} before the kill), {len(late)} started 3 s after it"
    )
    assert len(late) >= 8, f"too few requests after the kill to judge: {len(late)}"
    assert not [o for o in late if o[1]], f"requests failed after the kill: {[o[1] for o in late if o[1]][:5]}"
    proxy_log = [
        line for line in (deployment.run_dir / "logs" / "haproxy.log").read_text().splitlines() if " 200 " not in line
    ]
    assert not failed, f"{len(failed)} failed around the kill: {failed[:4]}, kill at {kill}; proxy log:\n" + "\n".join(
        proxy_log[-30:]
    )
    assert _votes(deployment, acknowledged) == Counter(acknowledged), "an acknowledged vote is missing or doubled"
    status = deployment.stats()
    assert status[("api_replicas", "api1")]["status"].startswith("DOWN"), status[("api_replicas", "api1")]
    assert status[("api_replicas", "api2")]["status"] == "UP"
    # The survivor answers alone now.
    with httpx.Client(base_url=deployment.api, timeout=30) as client:
        assert {client.post("/v1/ask", json={"question": q}).headers["x-served-by"] for q in questions} == {"api2"}
