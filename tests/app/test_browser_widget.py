"""The chat's conversation controls and accessibility in a real browser (headless Debian Chromium,
Playwright): "New conversation" empties the chat, each answer has a copy button that copies its
markdown, a reload with ``?c=<id>`` shows the turns again and follow-ups go on, unknown ids start
fresh, and axe-core finds no serious or critical violation on the chat and the insights page.

axe-core comes from the npm registry (``npm pack axe-core@AXE_VERSION``) the first time, and is kept
in data/ (ignored by git) for the next runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from assistant import Answer, compose
from assistant.engine import Assistant
from assistant.feedback import new_conversation_id
from assistant.ui_text import label
from harness.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    app_environment,
    build_index,
    streamlit_server,
)
from tests.app_fixtures import BROWSER_MARKS

pytestmark = BROWSER_MARKS

AXE_VERSION = "4.14.1"
AXE_FILE = ROOT / "data" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
PASSWORD = "insights-test-password"
ASSISTANT_MESSAGE = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'
USER_MESSAGE = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarUser"])'
COPY_BUTTON = "button.faq-copy"
TIMEOUT_MS = 30_000
PEAK_QUESTION = "高峰期调用 GLM-5，用 100 次相当于消耗多少次额度？"
OFF_PEAK_FOLLOW_UP = "那非高峰呢"
REFUND_QUESTION = "可以退款吗？"
SERIOUS = ("serious", "critical")
# Violations that come from Streamlit's own markup, which the app cannot change: (rule id, selector
# prefix, why). Each is excluded by exactly that rule and selector, nothing broader.
AXE_EXCEPTIONS: tuple[tuple[str, str, str], ...] = ()


@dataclass
class Chat:
    """The running chat server, a browser, and the engine that says what the page should show."""

    url: str
    browser: Any  # playwright Browser
    engine: Assistant
    feedback_db: Path


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe.min.js, fetched once from the npm registry with npm and kept in data/."""
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("ACCESSIBILITY TESTS DID NOT RUN: npm is missing (apt-get install -y npm) to fetch axe-core")
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run(
                [npm, "pack", "--silent", f"axe-core@{AXE_VERSION}", "--pack-destination", folder],
                check=True,
                capture_output=True,
                timeout=180,
            )
            with tarfile.open(Path(folder) / f"axe-core-{AXE_VERSION}.tgz") as archive:
                member = archive.extractfile("package/axe.min.js")
                if member is None:
                    pytest.fail(f"axe-core {AXE_VERSION} from npm has no package/axe.min.js")
                AXE_FILE.parent.mkdir(parents=True, exist_ok=True)
                partial = AXE_FILE.with_suffix(".part")
                partial.write_bytes(member.read())
                partial.replace(AXE_FILE)
    return AXE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory, built_data: Path) -> Iterator[Chat]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="BROWSER TESTS DID NOT RUN: playwright is not installed (pip install -e '.[dev]')"
    )
    root = tmp_path_factory.mktemp("browser-widget")
    data, feedback_db = root / "data", root / "feedback.sqlite3"
    shutil.copytree(built_data / "cache", data / "cache")  # the session's embeddings: the build takes seconds
    build_index(data)
    engine = Assistant.load(kb_dir=ROOT / "kb", data_dir=data, watch_kb=False, calculator=True)
    env = {**app_environment(data, feedback_db), "ASSISTANT_INSIGHTS_PASSWORD": PASSWORD}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            with streamlit_server(env, root / "streamlit.log") as server:
                yield Chat(server.url, browser, engine, feedback_db)
                log = server.log_text()
            assert "Traceback" not in log, f"the server logged an error:\n{log}"
        finally:
            browser.close()


@pytest.fixture
def page(chat: Chat) -> Iterator[Any]:
    """A fresh browser context (own session, clipboard allowed) on the chat."""
    context = chat.browser.new_context(
        viewport={"width": 1000, "height": 800}, permissions=["clipboard-read", "clipboard-write"]
    )
    try:
        page = context.new_page()
        page.goto(f"{chat.url}/")
        page.locator("textarea").wait_for(timeout=TIMEOUT_MS)
        yield page
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------- helpers
def _headline(answer: Answer) -> str:
    """The answer's first line as the page shows it (markdown bold removed): its headline, or for a confident
    FAQ answer the matched question's line."""
    if answer.parts is None:
        raise ValueError(f"an answer from the engine carries its parts: {answer!r}")
    first = answer.parts.headline or compose.matched_line(answer.language, answer.matches[0].question)
    return first.strip().splitlines()[0].replace("**", "").strip()


def _ask(page: Any, question: str, marker: str) -> Any:
    """Type ``question``, press Enter and wait for the reply holding ``marker`` to finish rendering."""
    before = page.locator(ASSISTANT_MESSAGE).count()
    box = page.locator("textarea")
    box.fill(question)
    box.press("Enter")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while page.locator(ASSISTANT_MESSAGE).count() <= before and time.monotonic() < deadline:
        time.sleep(0.05)
    reply = page.locator(ASSISTANT_MESSAGE).filter(has_text=marker).last
    reply.wait_for(timeout=TIMEOUT_MS)
    reply.locator('[data-testid="stFeedback"]').wait_for(timeout=TIMEOUT_MS)  # rendered last
    return reply


def _conversation_id(page: Any) -> str | None:
    values = parse_qs(urlparse(page.url).query).get("c")
    return values[0] if values else None


def _wait_for_url_id(page: Any) -> str:
    deadline = time.monotonic() + 10
    while _conversation_id(page) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    cid = _conversation_id(page)
    assert cid is not None, f"no ?c= in {page.url}"
    return cid


def _user_texts(page: Any) -> list[str]:
    return [t.inner_text() for t in page.locator(f'{USER_MESSAGE} [data-testid="stText"]').all()]


def _run_axe(page: Any, axe: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations in ``page``, minus the documented exceptions, once the
    run has finished (Streamlit fades the previous run's elements until then)."""
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    page.add_script_tag(content=axe)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in SERIOUS:
            continue
        nodes = [
            n
            for n in violation["nodes"]
            if not any(
                violation["id"] == rule and " ".join(map(str, n["target"])).startswith(prefix)
                for rule, prefix, _why in AXE_EXCEPTIONS
            )
        ]
        if nodes:
            found.append(
                {
                    "id": violation["id"],
                    "impact": violation["impact"],
                    "help": violation["help"],
                    "nodes": [(n["target"], n["html"][:160], n["failureSummary"]) for n in nodes[:5]],
                }
            )
    return found


# ---------------------------------------------------------------------------------------------- tests
def test_new_conversation_empties_the_chat(chat: Chat, page: Any) -> None:
    answer = chat.engine.ask(REFUND_QUESTION)
    _ask(page, REFUND_QUESTION, answer.matches[0].source)
    first_id = _wait_for_url_id(page)
    assert _user_texts(page) == [REFUND_QUESTION]
    page.get_by_role("button", name=label("zh", "new_conversation")).click()
    deadline = time.monotonic() + 15
    while page.locator(USER_MESSAGE).count() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert page.locator(USER_MESSAGE).count() == 0
    assert page.locator(ASSISTANT_MESSAGE).count() == 1  # the welcome message only
    assert _conversation_id(page) is None  # the next question starts a new id
    # The follow-up state went too: "那非高峰呢" now stands alone, as a first question would.
    alone = chat.engine.ask(OFF_PEAK_FOLLOW_UP)
    _ask(page, OFF_PEAK_FOLLOW_UP, _headline(alone))
    assert _wait_for_url_id(page) != first_id


def test_each_answer_has_a_copy_button_that_copies_its_markdown(chat: Chat, page: Any) -> None:
    first = chat.engine.ask(REFUND_QUESTION)
    second = chat.engine.ask("How do I cancel auto-renewal?")
    _ask(page, REFUND_QUESTION, first.matches[0].source)
    reply = _ask(page, "How do I cancel auto-renewal?", second.matches[0].source)
    assert page.locator(COPY_BUTTON).count() == 2  # one per answer; the welcome has none
    button = reply.locator(COPY_BUTTON)
    assert button.inner_text() == label("en", "copy")  # the interface followed the English question
    button.click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == second.answer
    assert "**" in copied  # markdown, not the rendered text
    assert button.inner_text() == label("en", "copied")


def test_a_reload_keeps_the_conversation_and_its_follow_ups(chat: Chat, page: Any) -> None:
    conversation = chat.engine.conversation()
    peak = conversation.ask(PEAK_QUESTION)
    off_peak = conversation.ask(OFF_PEAK_FOLLOW_UP)
    alone = chat.engine.ask(OFF_PEAK_FOLLOW_UP)
    assert peak.kind == off_peak.kind == "calculation", (peak, off_peak)
    assert _headline(alone) != _headline(off_peak)  # without the previous turn the follow-up means something else
    _ask(page, PEAK_QUESTION, _headline(peak))
    cid = _wait_for_url_id(page)
    page.reload()
    page.locator("textarea").wait_for(timeout=TIMEOUT_MS)
    page.locator(ASSISTANT_MESSAGE).filter(has_text=_headline(peak)).wait_for(timeout=TIMEOUT_MS)
    assert _user_texts(page) == [PEAK_QUESTION]
    assert page.locator(COPY_BUTTON).count() == 1
    reply = _ask(page, OFF_PEAK_FOLLOW_UP, _headline(off_peak))
    assert _headline(off_peak) in reply.inner_text()
    assert _user_texts(page) == [PEAK_QUESTION, OFF_PEAK_FOLLOW_UP]
    assert _conversation_id(page) == cid
    # A second browser with the same link sees the same conversation (the id is the key, not the session).
    other = chat.browser.new_context()
    try:
        second = other.new_page()
        second.goto(f"{chat.url}/?c={cid}")
        second.locator(ASSISTANT_MESSAGE).filter(has_text=_headline(off_peak)).wait_for(timeout=TIMEOUT_MS)
        assert _user_texts(second) == [PEAK_QUESTION, OFF_PEAK_FOLLOW_UP]
    finally:
        other.close()


@pytest.mark.parametrize("bad", ["not-an-id", "x" * 300, "%27%20OR%201%3D1", "fresh"], ids=lambda v: v[:12])
def test_unknown_or_malformed_ids_start_fresh(chat: Chat, bad: str) -> None:
    context = chat.browser.new_context()
    try:
        page = context.new_page()
        cid = new_conversation_id() if bad == "fresh" else bad  # well formed, never stored
        page.goto(f"{chat.url}/?c={cid}")
        page.locator("textarea").wait_for(timeout=TIMEOUT_MS)
        page.get_by_role("button", name=label("zh", "new_conversation")).wait_for(timeout=TIMEOUT_MS)
        assert page.locator(USER_MESSAGE).count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        deadline = time.monotonic() + 10
        while _conversation_id(page) is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _conversation_id(page) is None  # the client's id is dropped, never adopted
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_chat_has_no_serious_accessibility_violations(chat: Chat, axe_script: str, scheme: str) -> None:
    """With an answer (related questions, caption, copy button, thumbs) and a calculation in the page."""
    context = chat.browser.new_context(viewport={"width": 1000, "height": 800}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{chat.url}/")
        page.locator("textarea").wait_for(timeout=TIMEOUT_MS)
        answer = chat.engine.ask(REFUND_QUESTION)
        _ask(page, REFUND_QUESTION, answer.matches[0].source)
        _ask(page, PEAK_QUESTION, _headline(chat.engine.ask(PEAK_QUESTION)))
        violations = _run_axe(page, axe_script)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_insights_page_has_no_serious_accessibility_violations(chat: Chat, axe_script: str, scheme: str) -> None:
    context = chat.browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{chat.url}/insights")
        box = page.get_by_label(label("zh", "insights_password"))
        box.fill(PASSWORD)
        box.press("Enter")
        page.get_by_text(label("zh", "metric_questions")).wait_for(timeout=TIMEOUT_MS)
        box.wait_for(state="detached", timeout=TIMEOUT_MS)  # the locked page's box is gone, not just faded
        page.wait_for_timeout(1500)  # charts render after the metrics
        violations = _run_axe(page, axe_script)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    finally:
        context.close()


def test_axe_finds_a_planted_violation(chat: Chat, page: Any, axe_script: str) -> None:
    """The check itself can fail: an image without alt text in the page is reported."""
    page.evaluate("() => { const i = document.createElement('img'); i.src = 'data:,'; document.body.appendChild(i); }")
    ids = [v["id"] for v in _run_axe(page, axe_script)]
    assert "image-alt" in ids


def test_the_chat_page_declares_its_language(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
    assert re.fullmatch(r"\S.*", page.title() or "") is not None  # axe's document-title, checked by hand too
