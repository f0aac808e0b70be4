"""The HTTP API end to end: start ``python -m assistant serve``, score the dev sets over HTTP with the dev-set
scorer's ``judge``, measure latency (one client, then several at once) and the time to ready.

    .venv/bin/python benchmarks/bench_api.py [--sets ../shared/eval/dev.jsonl ...] [--clients 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
SCORER = Path("/work/shared/eval/score.py")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _judge() -> Any:
    spec = importlib.util.spec_from_file_location("dev_score", SCORER)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the scorer {SCORER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.judge


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sets", nargs="*", default=[str(SCORER.parent / "dev.jsonl"), str(SCORER.parent / "dev2.jsonl")]
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for the throughput run")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the questions in the throughput run")
    args = parser.parse_args()
    judge = _judge()
    port = _free_port()
    env = {**os.environ, "ASSISTANT_WATCH_KB": "0", "ASSISTANT_RATE_LIMIT": "0"}
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit(f"server exited with {server.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        print(f"ready after {time.perf_counter() - started:.2f} s")
        questions: list[str] = []
        with httpx.Client(base_url=base, timeout=60) as http:
            for path in args.sets:
                rows = [
                    json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()
                ]
                latencies, passed = [], 0
                for row in rows:
                    t0 = time.perf_counter()
                    reply = http.post("/v1/ask", json={"question": row["q"]})
                    latencies.append((time.perf_counter() - t0) * 1000)
                    passed += reply.status_code == 200 and judge(row, reply.json())
                    questions.append(row["q"])
                print(
                    f"{Path(path).name}: {passed}/{len(rows)} over HTTP; one client p50 {_pct(latencies, 0.5):.1f} ms, "
                    f"p99 {_pct(latencies, 0.99):.1f} ms"
                )

        def one(question: str) -> float:
            t0 = time.perf_counter()
            response = httpx.post(f"{base}/v1/ask", json={"question": question}, timeout=60)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text}")
            return (time.perf_counter() - t0) * 1000

        work = questions * args.rounds
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = list(pool.map(one, work))
        elapsed = time.perf_counter() - t0
        print(
            f"{args.clients} clients, {len(work)} requests: {len(work) / elapsed:.1f} req/s, "
            f"p50 {statistics.median(latencies):.1f} ms, p99 {_pct(latencies, 0.99):.1f} ms"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
