"""Load test of the HTTP API through HAProxy (issue #14): ``deploy/launch.py`` with 1, then 2 API replicas
(PostgreSQL, no chat), then locust headless (``benchmarks/locust_api.py``) at 10, 50 and 100 users, each
run bounded in time (``--run-time``) and in requests (``--max-requests``), loopback only. Writes
``benchmarks/results/load_api.json`` and ``benchmarks/load.png``; prints a markdown table.

    .venv/bin/python benchmarks/bench_load.py                       # 1 and 2 replicas x 10, 50, 100 users, 30 s each
    .venv/bin/python benchmarks/bench_load.py --replicas 1 --users 50 --run-time 20
    .venv/bin/python benchmarks/bench_load.py --new-questions   # no two questions alike: the encoder's cost

The dev-set questions repeat (112, in turn), so after the first round the replicas' query-vector cache
serves them (``ASSISTANT_QUERY_CACHE``), as it would a support team's most asked questions;
``--new-questions`` measures new questions instead.

Users are closed-loop customers: ask, read the answer for 0.5-1.5 s (``--wait``), ask again. The rate
limit is off (every locust user is 127.0.0.1). Locust runs on the same machine as the servers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "load_api.json"
PLOT = ROOT / "benchmarks" / "load.png"
LOCUSTFILE = ROOT / "benchmarks" / "locust_api.py"
DEV_SETS = [Path("/work/shared/eval/dev.jsonl"), Path("/work/shared/eval/dev2.jsonl")]
GOALS = {"p50_ms": 50.0, "p99_ms": 250.0, "speedup": 1.6}


def start(replicas: int, run_dir: Path) -> subprocess.Popen[bytes]:
    """The launcher with ``replicas`` API replicas and no chat; returns once state.json says ready."""
    env = {**os.environ, "ASSISTANT_RATE_LIMIT": "0", "ASSISTANT_WATCH_KB": "0"}
    argv = [sys.executable, str(ROOT / "deploy" / "launch.py"), "--run-dir", str(run_dir), "--chat-replicas", "0"]
    argv += ["--api-replicas", str(replicas), "--api-port", "0", "--stats-port", "0"]
    log = (run_dir.parent / f"launch-{replicas}.out").open("wb")
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600
    while not (run_dir / "state.json").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the launcher did not come up; see {log.name}")
        time.sleep(0.5)
    time.sleep(0.3)
    return process


def warm_up(api: str, rounds: int = 20) -> None:
    """A few questions through the proxy so every replica has encoded something before the clock runs."""
    import httpx

    with httpx.Client(base_url=api, timeout=60) as client:
        for i in range(rounds):
            client.post("/v1/ask", json={"question": ["能退款吗", "How do I cancel?"][i % 2]}).raise_for_status()


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds each process has used so far (``/proc/<pid>/stat``)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for name, pid in pids.items():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[name] = (int(fields[11]) + int(fields[12])) / tick
    return used


def run_locust(api: str, users: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """One headless locust run; the aggregated row of its CSV statistics."""
    prefix = folder / f"u{users}"
    env = {
        **os.environ,
        "LOAD_WAIT_MIN": str(args.wait[0]),
        "LOAD_WAIT_MAX": str(args.wait[1]),
        "LOAD_MAX_REQUESTS": str(args.max_requests),
        "LOAD_QUESTIONS": os.pathsep.join(str(p) for p in DEV_SETS if p.exists()),
        "LOAD_NEW_QUESTIONS": "1" if args.new_questions else "0",
    }
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
    argv += ["-u", str(users), "-r", str(min(users, 50)), "--run-time", f"{args.run_time}s", "--stop-timeout", "10"]
    argv += ["--host", api, "--csv", str(prefix), "--loglevel", "WARNING"]
    subprocess.run(argv, cwd=ROOT, env=env, check=False, capture_output=True, timeout=args.run_time + 120)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        errors = {r["Error"][:200]: int(r["Occurrences"]) for r in csv.DictReader(handle)}
    return {
        "users": users,
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 2),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
        "p99_ms": float(row["99%"]),
        "max_ms": float(row["Max Response Time"]),
        "errors": errors,
    }


def plot(runs: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for replicas, marker in ((1, "o"), (2, "s")):
        mine = [r for r in runs if r["replicas"] == replicas]
        if not mine:
            continue
        users = [r["users"] for r in mine]
        left.plot(users, [r["rps"] for r in mine], marker=marker, label=f"{replicas} API replica(s)")
        for key, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
            right.plot(users, [r[key] for r in mine], style, marker=marker, label=f"{key[:3]}, {replicas} replica(s)")
    left.set(xlabel="locust users", ylabel="requests/s", title="Throughput through HAProxy")
    right.set(xlabel="locust users", ylabel="ms", yscale="log", title="Latency (POST /v1/ask)")
    right.axhline(GOALS["p50_ms"], color="grey", lw=0.5)
    right.axhline(GOALS["p99_ms"], color="grey", lw=0.5)
    left.legend()
    right.legend(fontsize=7)
    fig.suptitle("FAQ Assistant API under load: 2 shared cores, locust on the same machine", fontsize=10)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--run-time", type=int, default=30, help="seconds per locust run")
    parser.add_argument("--max-requests", type=int, default=20000, help="stop a run after this many requests")
    parser.add_argument("--wait", type=float, nargs=2, default=[0.5, 1.5], help="a user's pause between questions")
    parser.add_argument(
        "--new-questions",
        action="store_true",
        help="every question made unique (a random tag), so the query-vector cache serves only repeated clauses; "
        "results in results/load_api_new.json",
    )
    args = parser.parse_args()
    results = RESULTS.with_name("load_api_new.json") if args.new_questions else RESULTS
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for replicas in args.replicas:
            run_dir = Path(tmp) / f"run{replicas}"
            launcher = start(replicas, run_dir)
            try:
                state = json.loads((run_dir / "state.json").read_text())
                api = state["urls"]["api"].rstrip("/")
                pids = {name: proc["pid"] for name, proc in state["processes"].items()}
                warm_up(api)
                for users in args.users:
                    load = os.getloadavg()
                    before = cpu_seconds(pids)
                    measured = run_locust(api, users, args, Path(tmp))
                    after = cpu_seconds(pids)
                    # CPU each request cost the replicas (together) and HAProxy: what a free core would pay.
                    served = max(1, measured["requests"])
                    api_cpu = sum(after[n] - before[n] for n in pids if n.startswith("api"))
                    cpu = {
                        "api_replicas_cpu_ms_per_request": round(1000 * api_cpu / served, 1),
                        "haproxy_cpu_ms_per_request": round(1000 * (after["haproxy"] - before["haproxy"]) / served, 2),
                    }
                    result = {"replicas": replicas, **measured, **cpu, "loadavg": load}
                    runs.append(result)
                    print(json.dumps(result), flush=True)
            finally:
                launcher.send_signal(signal.SIGTERM)
                launcher.wait(60)
    speedup = {}
    for users in args.users:
        one = next((r for r in runs if r["replicas"] == 1 and r["users"] == users), None)
        two = next((r for r in runs if r["replicas"] == 2 and r["users"] == users), None)
        if one and two and one["rps"]:
            speedup[str(users)] = round(two["rps"] / one["rps"], 2)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg_end": os.getloadavg()},
        "settings": {
            "run_time_s": args.run_time,
            "wait_s": args.wait,
            "max_requests": args.max_requests,
            "new_questions": args.new_questions,
        },
        "goals": GOALS,
        "runs": runs,
        "speedup_2_over_1": speedup,
    }
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if not args.new_questions:
        plot(runs)
    print("| replicas | users | requests | failures | req/s | p50 ms | p95 ms | p99 ms | API CPU ms/req | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {r['replicas']} | {r['users']} | {r['requests']} | {r['failures']} | {r['rps']} | "
            f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | "
            f"{r['api_replicas_cpu_ms_per_request']} | {r['loadavg'][0]:.1f} |"
        )
    print(f"2 replicas over 1 (throughput): {speedup}; results in {results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
