"""The locust user of ``benchmarks/bench_load.py``: a customer who asks the API a question, reads the answer
(``LOAD_WAIT_MIN``..``LOAD_WAIT_MAX`` seconds) and asks the next one. Questions: the dev sets when they are
there (``LOAD_QUESTIONS``, one JSON object with a ``q`` per line), otherwise a built-in mix of Chinese, English,
mixed, calculator and out-of-scope questions. ``LOAD_MAX_REQUESTS`` stops the run after that many requests.
``LOAD_NEW_QUESTIONS=1`` ends every question with a random tag, so no two are the same: the replicas' query-vector
cache cannot serve the whole question (only clauses it has seen), as with new customers' questions.

    locust -f benchmarks/locust_api.py --headless -u 50 -r 50 --run-time 30s --host http://127.0.0.1:8000
"""

from __future__ import annotations

import itertools
import json
import os
import random
import string
from pathlib import Path

from locust import FastHttpUser, between, events, task

FALLBACK = [
    "能退款吗",
    "How do I cancel my subscription?",
    "GLM-5 支持了吗",
    "会自动续费吗",
    "Can I share my plan with a colleague?",
    "好友首单付了1000元我能拿多少赠金",
    "coding plan 可以开发票吗",
    "what is the weather in Beijing",
    "Lite 套餐每5小时多少次 prompts",
    "套餐到期后还能用吗",
]


def _questions() -> list[str]:
    found: list[str] = []
    for path in filter(None, os.environ.get("LOAD_QUESTIONS", "").split(os.pathsep)):
        if Path(path).is_file():
            lines = Path(path).read_text(encoding="utf-8").splitlines()
            found += [json.loads(line)["q"] for line in lines if line.strip()]
    return found or FALLBACK


QUESTIONS = itertools.cycle(_questions())
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "0"))
NEW_QUESTIONS = os.environ.get("LOAD_NEW_QUESTIONS") == "1"


def _next_question() -> str:
    question = next(QUESTIONS)
    if NEW_QUESTIONS:  # letters only: a number could send the question to the calculator
        question += " " + "".join(random.choices(string.ascii_lowercase, k=8))
    return question

_sent = 0


@events.request.add_listener
def _count(**_: object) -> None:
    """Stop the whole run once ``LOAD_MAX_REQUESTS`` requests are done (a bound besides --run-time)."""
    global _sent
    _sent += 1
    if MAX_REQUESTS and _sent >= MAX_REQUESTS:
        runner = getattr(_environment, "runner", None)
        if runner is not None:
            runner.quit()


_environment: object | None = None


@events.init.add_listener
def _init(environment: object, **_: object) -> None:
    global _environment
    _environment = environment


class Customer(FastHttpUser):
    """Asks one question after another, with a pause to read each answer."""

    wait_time = between(float(os.environ.get("LOAD_WAIT_MIN", "0.5")), float(os.environ.get("LOAD_WAIT_MAX", "1.5")))

    @task
    def ask(self) -> None:
        with self.client.post("/v1/ask", json={"question": _next_question()}, catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"{reply.status_code}: {(reply.text or '')[:200]}")
            elif "kind" not in (reply.json() or {}):
                reply.failure("no kind in the reply")
