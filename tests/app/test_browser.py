"""End to end in a real browser: ``streamlit run app.py`` embedded in examples/support-page.html
through the one-tag widget (examples/widget.js), driven by headless Chromium (Debian's
/usr/bin/chromium, never a downloaded one) through Playwright.

Measures, prints and writes to data/browser_timings.json: the time from server start to the first
answer in the browser, and the answer latency after Enter (goals: 5 s and 500 ms; reported, not asserted).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant import Answer, compose
from assistant.engine import Assistant
from assistant.ui_text import label
from harness.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Server,
    app_environment,
    build_index,
    reply_watcher,
    static_server,
    streamlit_server,
)
from tests.app_fixtures import BROWSER_MARKS

pytestmark = BROWSER_MARKS

TIMINGS = ROOT / "data" / "browser_timings.json"
SCREENSHOT = ROOT / "data" / "browser-embedded-chat.png"
WELCOME_SCREENSHOT = ROOT / "data" / "browser-embedded-welcome.png"
VIEWPORT = {"width": 1000, "height": 700}
WIDGET_WIDTH = 400  # the chat panel's width in examples/widget.js on screens 480 px and wider
# The README's screenshots are refreshed only on request (UPDATE_SCREENSHOTS=1), so a test run never
# dirties the tracked docs/; otherwise they go to data/ (ignored) for a look.
DOCS = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else ROOT / "data" / "screenshots"
SUPPORT_PATH = "/contact-support.html"  # ASSISTANT_SUPPORT_URL points here, on the static server
ASSISTANT_MESSAGE = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'
USER_MESSAGE = '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarUser"])'
TIMEOUT_MS = 30_000
INJECTIONS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "[click me](javascript:alert(3))",
)

# Installed in the chat frame before Enter: resolves with performance.now() when the number of assistant
# messages containing `marker` grows, so the latency is measured inside the browser, not by polling.
_WATCH = reply_watcher(
    "() => [...document.querySelectorAll(arg[1])]"
    ".filter(m => m.getAttribute('data-stale') !== 'true' && m.textContent.includes(arg[0])).length"
)


@dataclass
class Live:
    """The running chat, the support page around it, and what the tests measured."""

    server: Server
    page: Any  # playwright Page
    frame: Any  # playwright Frame of the chat
    feedback_db: Path
    engine: Assistant
    site: str = ""
    dialogs: list[str] = field(default_factory=list)
    timings: dict[str, Any] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    def assistant_count(self) -> int:
        return int(self.frame.locator(ASSISTANT_MESSAGE).count())

    def ask(self, question: str, marker: str) -> Any:
        """Type ``question``, press Enter, wait until a reply containing ``marker`` appears; returns it."""
        box = self.frame.locator("textarea")
        box.fill(question)
        self.frame.evaluate(_WATCH, [marker, ASSISTANT_MESSAGE])
        started = time.perf_counter()
        box.press("Enter")
        answered_at = self.frame.evaluate("() => window.__faqAnswered")
        enter_at = self.frame.evaluate("() => window.__faqEnter")
        wall_ms = (time.perf_counter() - started) * 1000
        self.latencies_ms.append(round(answered_at - enter_at, 1))
        self.timings.setdefault("latency_wall_ms", []).append(round(wall_ms, 1))
        if "first_answer_s" not in self.timings:
            self.timings["first_answer_s"] = round(time.perf_counter() - self.server.started_at, 2)
        reply = self.frame.locator(ASSISTANT_MESSAGE).filter(has_text=marker).last
        reply.wait_for(timeout=TIMEOUT_MS)
        return reply


def _report(config: pytest.Config, timings: dict[str, Any]) -> None:
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps(timings, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    lines = [
        f"browser timings (written to {TIMINGS.relative_to(ROOT)}):",
        f"  server start -> healthy      {timings.get('server_healthy_s')} s",
        f"  server start -> chat input   {timings.get('input_ready_s')} s",
        f"  server start -> first answer {timings.get('first_answer_s')} s   (goal <= 5 s)",
        f"  answer after Enter (in page) {timings.get('answer_after_enter_ms')} ms; "
        f"median {timings.get('answer_after_enter_median_ms')} ms   (goal <= 500 ms)",
    ]
    # Shown even when pytest captures output: these figures are the point of the run.
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        for line in lines:
            if reporter is not None:
                reporter.write_line(line)
            else:
                print(line)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, built_data: Path) -> Iterator[Live]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="BROWSER TESTS DID NOT RUN: playwright is not installed (pip install -e '.[dev]')"
    )
    root = tmp_path_factory.mktemp("browser")
    WELCOME_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    data, feedback_db = root / "data", root / "feedback.sqlite3"
    shutil.copytree(built_data / "cache", data / "cache")  # the session's embeddings: the build takes seconds
    index_s = build_index(data)  # "index already built", as the goal says
    engine = Assistant.load(kb_dir=ROOT / "kb", data_dir=data, watch_kb=False, calculator=True)
    env = app_environment(data, feedback_db)
    with sync_api.sync_playwright() as playwright:
        # The browser is up before the server starts: the goal times the chat, not launching Chromium.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            with (
                static_server(ROOT / "examples") as site,
                streamlit_server(
                    {**env, "ASSISTANT_SUPPORT_URL": f"{site}{SUPPORT_PATH}"}, root / "streamlit.log"
                ) as server,
            ):
                live = Live(server, page, None, feedback_db, engine, site)
                page.on("dialog", lambda dialog: (live.dialogs.append(dialog.message), dialog.dismiss()))
                page.goto(f"{site}/support-page.html?chat={server.url}/")
                page.locator("#faq-widget-launcher").click()  # the widget opens closed
                chat = page.frame_locator("#faq-chat")
                chat.locator("textarea").wait_for(timeout=TIMEOUT_MS)
                live.frame = page.locator("#faq-chat").element_handle().content_frame()
                page.screenshot(path=str(WELCOME_SCREENSHOT))  # the widget as a customer first sees it
                live.timings.update(
                    {
                        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "machine": f"{platform.machine()} {platform.python_version()}",
                        "index_build_s": round(index_s, 2),
                        "server_healthy_s": round(server.healthy_at - server.started_at, 2),
                        "input_ready_s": round(time.perf_counter() - server.started_at, 2),
                    }
                )
                yield live
                log = server.log_text()
            live.timings["answer_after_enter_ms"] = live.latencies_ms
            if live.latencies_ms:
                live.timings["answer_after_enter_median_ms"] = round(statistics.median(live.latencies_ms), 1)
            live.timings["goals"] = {"first_answer_s": 5.0, "answer_after_enter_ms": 500}
            _report(request.config, live.timings)
            assert "Traceback" not in log, f"the server logged an error:\n{log}"
        finally:
            browser.close()


def _marker(answer: Answer) -> str:
    """Text that identifies the reply to ``answer`` in the page: its source, or the no-answer sentence."""
    if answer.kind == "no_answer":
        return compose.text(answer.language, "not_covered")
    return answer.matches[0].source


def _cited(reply: Any) -> list[str]:
    """Every whole citation (kb/file.md:LINE) in a reply: kb/faq.md:12 is not kb/faq.md:121."""
    return re.findall(r"kb/[^\s`:]+\.md:\d+", reply.inner_text())


def _expander_details(reply: Any) -> Any:
    """The ``<details>`` of the reply's expanders (the full FAQ entry, the calculator's rule entry)."""
    return reply.locator('[data-testid="stExpander"] details')


def _open_full_entry(reply: Any) -> None:
    """Unfold the reply's expanders that are closed (a long entry's full text is folded below its key sentences)."""
    details = _expander_details(reply)
    for i in range(details.count()):
        if details.nth(i).get_attribute("open") is None:
            details.nth(i).locator("summary").click()


def _expect_faq(engine: Assistant, question: str) -> Answer:
    answer = engine.ask(question)
    assert answer.kind == "faq", f"{question!r} should be answered by the FAQ, got {answer.kind}"
    return answer


def test_a_chinese_question_gets_a_cited_answer_in_the_embedded_chat(live: Live) -> None:
    question = "可以退款吗？"
    expected = _expect_faq(live.engine, question)
    best = expected.matches[0]
    reply = live.ask(question, best.source)
    text = reply.inner_text()
    assert _cited(reply) == [best.source]
    assert best.question in text and best.section in text
    reply.locator('[data-testid="stFeedback"]').wait_for(timeout=TIMEOUT_MS)  # rendered just after the text


def test_an_english_question_gets_a_cited_answer(live: Live) -> None:
    question = "How do I cancel auto-renewal?"
    expected = _expect_faq(live.engine, question)
    best = expected.matches[0]
    reply = live.ask(question, best.source)
    text = reply.inner_text()
    assert _cited(reply) == [best.source]
    assert compose.text("en", "matched") in text and best.question in text
    for related in expected.matches[1:]:
        reply.get_by_role("button", name=related.question).wait_for(timeout=TIMEOUT_MS)


def test_answers_render_markdown_tables_and_code_blocks(live: Live) -> None:
    with_table = next(e for e in live.engine.entries if re.search(r"^\|\s*:?-", e.answer_md, re.M))
    with_code = next(e for e in live.engine.entries if "```" in e.answer_md)
    assert _expect_faq(live.engine, with_table.question).matches[0].id == with_table.id
    reply = live.ask(with_table.question, with_table.source)
    _open_full_entry(reply)
    reply.locator("table").first.wait_for(timeout=TIMEOUT_MS)
    assert reply.locator("table tr").count() >= 2
    assert _expect_faq(live.engine, with_code.question).matches[0].id == with_code.id
    reply = live.ask(with_code.question, with_code.source)
    _open_full_entry(reply)
    code = reply.locator("pre code").first
    code.wait_for(timeout=TIMEOUT_MS)
    first_line = code.inner_text().strip().splitlines()[0].strip()
    assert first_line and first_line in with_code.answer_md


def test_a_long_entry_shows_its_key_sentences_and_folds_the_full_entry(live: Live) -> None:
    question = "GLM-5 支持了吗"
    expected = _expect_faq(live.engine, question)
    assert expected.parts is not None and expected.highlights, "the entry should be long enough for key sentences"
    reply = live.ask(question, expected.matches[0].source)
    shown = reply.inner_text()
    assert shown.index(expected.highlights[0]) < shown.index(expected.matches[0].question)  # the answer first
    details = _expander_details(reply)
    assert details.count() == 1 and details.first.get_attribute("open") is None
    full = details.first.locator('[data-testid="stExpanderDetails"] [data-testid="stMarkdownContainer"]').first
    assert not full.is_visible()
    details.first.locator("summary").click()
    full.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert expected.highlights[-1][:15] in full.inner_text()  # the key sentence, in its place in the entry


def test_injection_strings_are_shown_literally_and_never_run(live: Live) -> None:
    for text in INJECTIONS:
        live.ask(text, _marker(live.engine.ask(text)))
    time.sleep(0.5)  # a broken image's onerror fires asynchronously: give it the chance to
    assert live.dialogs == []
    frame = live.frame
    shown = [t.inner_text() for t in frame.locator(f'{USER_MESSAGE} [data-testid="stText"]').all()]
    for text in INJECTIONS:
        assert text in shown, f"{text!r} not shown literally; user messages: {shown}"
    assert frame.locator('img[src="x"]').count() == 0
    assert frame.locator('a[href^="javascript:"]').count() == 0
    assert frame.locator(f"{USER_MESSAGE} script").count() == 0


def test_thumbs_up_is_stored_in_sqlite(live: Live) -> None:
    question = "我的订阅会自动续费吗？"
    expected = _expect_faq(live.engine, question)
    reply = live.ask(question, expected.matches[0].source)
    reply.get_by_role("radio", name="Thumbs up").click()
    deadline = time.monotonic() + 15
    rows: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline and not rows:
        with sqlite3.connect(live.feedback_db) as conn:
            rows = conn.execute(
                "SELECT question, entry_id, kind, score, language FROM votes WHERE question = ?", (question,)
            ).fetchall()
        time.sleep(0.1)
    assert rows == [(question, expected.matches[0].id, "faq", 1, "zh")]


def _page_overflow(target: Any) -> int:
    """How far ``target`` (a page or frame) scrolls sideways, in CSS pixels (0: it fits)."""
    return int(target.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_layout_fits_the_widget_panel_and_a_screenshot_is_saved(live: Live) -> None:
    frame_box = live.page.locator("#faq-chat").bounding_box()
    assert frame_box["width"] == WIDGET_WIDTH
    assert frame_box["height"] >= 480 and frame_box["y"] + frame_box["height"] <= VIEWPORT["height"]
    overflow = _page_overflow(live.frame)
    assert overflow <= 0, f"the chat scrolls sideways by {overflow}px in a {WIDGET_WIDTH}px panel"
    box = live.frame.locator("textarea").bounding_box()  # page coordinates, like frame_box
    assert box is not None and box["width"] >= 250
    assert frame_box["x"] <= box["x"] and box["x"] + box["width"] <= frame_box["x"] + frame_box["width"]
    assert frame_box["y"] <= box["y"] and box["y"] + box["height"] <= frame_box["y"] + frame_box["height"]
    for chrome in ("stToolbar", "stMainMenu", "stStatusWidget", "stHeader"):  # no Streamlit chrome for customers
        assert live.frame.locator(f'[data-testid="{chrome}"]:visible').count() == 0, chrome
    assert live.frame.evaluate("() => document.documentElement.lang") == "zh-CN"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    live.page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def _handoffs(db: Path, question: str) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + 15
    rows: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline and not rows:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT place, question, kind FROM handoffs WHERE question = ?", (question,)).fetchall()
        time.sleep(0.1)
    return rows


def test_a_no_answer_reply_hands_off_to_support_and_the_click_is_stored(live: Live) -> None:
    question = "怎么做红烧肉"
    expected = live.engine.ask(question)
    assert expected.kind == "no_answer"
    reply = live.ask(question, _marker(expected))
    link = reply.get_by_role("link", name=label("zh", "contact_support"))
    link.wait_for(timeout=TIMEOUT_MS)
    assert link.get_attribute("href") == f"{live.site}{SUPPORT_PATH}"
    header = live.frame.get_by_role("link", name=label("zh", "contact_support")).first
    assert header.get_attribute("href") == f"{live.site}{SUPPORT_PATH}"  # the header's button comes first
    with live.page.context.expect_page() as opened:
        link.click()
    opened.value.close()
    assert _handoffs(live.feedback_db, question) == [("no_answer", question, "no_answer")]
    DOCS.mkdir(parents=True, exist_ok=True)
    live.page.screenshot(path=str(DOCS / "widget-desktop-handoff.png"))


@pytest.mark.parametrize(
    ("width", "height", "scheme"), [(375, 700, "dark"), (1280, 800, "light")], ids=["phone", "desktop"]
)
def test_the_bubble_opens_and_closes_the_chat_and_remembers_it(
    live: Live, width: int, height: int, scheme: str
) -> None:
    context = live.page.context.browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    try:
        page = context.new_page()
        url = f"{live.site}/support-page.html?chat={live.server.url}/"
        page.goto(url)
        launcher, panel = page.locator("#faq-widget-launcher"), page.locator("#faq-widget-panel")
        launcher.wait_for()
        # data-preload="idle" (the default): the chat loads, hidden, once the page is idle; opening shows it ready
        page.frame_locator("#faq-chat").locator("textarea").wait_for(state="attached", timeout=TIMEOUT_MS)
        assert not panel.is_visible() and launcher.get_attribute("aria-expanded") == "false"
        launcher.click()
        page.frame_locator("#faq-chat").locator("textarea").wait_for(timeout=TIMEOUT_MS)
        src = page.locator("#faq-chat").get_attribute("src") or ""
        assert f"theme={scheme}" in src and f"embed_options={scheme}_theme" in src and "lang=zh" in src
        box = panel.bounding_box()
        if width < 480:  # full screen on a phone; the bubble hides under it, the bar's x closes it
            assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, width, height)
            assert not launcher.is_visible()
        else:
            assert box["width"] == WIDGET_WIDTH and box["x"] + box["width"] <= width - 16
            assert launcher.get_attribute("aria-expanded") == "true"
        frame = page.locator("#faq-chat").element_handle().content_frame()
        assert _page_overflow(page) <= 0 and _page_overflow(frame) <= 0
        if width < 480:
            DOCS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(DOCS / "widget-phone-dark.png"))
        page.reload()  # remembered: still open
        page.frame_locator("#faq-chat").locator("textarea").wait_for(timeout=TIMEOUT_MS)
        assert panel.is_visible()
        page.locator("#faq-widget-close").click()
        assert not panel.is_visible() and launcher.is_visible()
        page.reload()  # remembered: still closed
        launcher.wait_for()
        assert not panel.is_visible()
        if width >= 480:
            launcher.click()
            assert panel.is_visible()
            launcher.click()  # the bubble toggles it closed again
            assert not panel.is_visible()
            DOCS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(DOCS / "widget-desktop-closed.png"))
    finally:
        context.close()


@pytest.mark.parametrize(("preload", "hover_loads"), [("open", False), ("intent", True)])
def test_data_preload_open_or_intent_loads_the_chat_no_sooner(live: Live, preload: str, hover_loads: bool) -> None:
    context = live.page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{live.site}/support-page.html?chat={live.server.url}/&preload={preload}")
        launcher, chat = page.locator("#faq-widget-launcher"), page.locator("#faq-chat")
        launcher.wait_for()
        page.wait_for_timeout(1500)  # well past the page's load and idle time: no load yet
        assert chat.get_attribute("src") is None
        launcher.hover()
        page.wait_for_timeout(300)
        assert (chat.get_attribute("src") is not None) is hover_loads
        assert not page.locator("#faq-widget-panel").is_visible()
        launcher.click()
        page.frame_locator("#faq-chat").locator("textarea").wait_for(timeout=TIMEOUT_MS)
    finally:
        context.close()


def test_reloading_the_host_page_reopens_the_same_conversation_in_the_widget(live: Live) -> None:
    """The chat's ``?c=`` lives in the iframe; widget.js keeps the id it is told (postMessage), per tab."""
    question = "可以退款吗"
    expected = _expect_faq(live.engine, question)
    context = live.page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{live.site}/support-page.html?chat={live.server.url}/")
        page.locator("#faq-widget-launcher").click()
        chat = page.frame_locator("#faq-chat")
        chat.locator("textarea").fill(question)
        chat.locator("textarea").press("Enter")
        chat.locator('[data-testid="stChatMessage"]').filter(has_text=_marker(expected)).wait_for(timeout=TIMEOUT_MS)
        deadline = time.monotonic() + 15
        kept = None
        while time.monotonic() < deadline and not kept:
            kept = page.evaluate("() => window.sessionStorage.getItem('faq-widget-conversation')")
            time.sleep(0.1)
        assert kept and len(kept) >= 16, kept
        page.reload()  # the panel was open, so it opens again, now on the kept conversation
        page.frame_locator("#faq-chat").locator("textarea").wait_for(timeout=TIMEOUT_MS)
        assert f"c={kept}" in (page.locator("#faq-chat").get_attribute("src") or "")
        restored = page.frame_locator("#faq-chat").locator('[data-testid="stChatMessage"]')
        restored.filter(has_text=question).first.wait_for(timeout=TIMEOUT_MS)
        restored.filter(has_text=_marker(expected)).wait_for(timeout=TIMEOUT_MS)
    finally:
        context.close()
