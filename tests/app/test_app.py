"""The chat page and the insights page, run by ``streamlit.testing.v1.AppTest`` against the real engine.

Every expectation comes from the real assistant asked the same question (a second instance on the
same index), so the tests check that the page shows what the engine decided, not fixed strings.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import ChatMessage

from assistant import Answer, InvalidQuestion, compose, ui_text
from assistant.engine import Assistant
from assistant.feedback import FeedbackStore
from assistant.index import INDEX_DIRNAME
from assistant.ui_text import label
from harness.servers import ROOT, app_environment

APP = str(ROOT / "app.py")
INSIGHTS = str(ROOT / "pages" / "insights.py")
MAX_TURNS = 30  # app.MAX_TURNS (app.py is a script, not importable)
INJECTIONS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "![tracker](http://127.0.0.1:9/x.png)",
    "**not bold** <b>not bold</b>",
)
# Questions whose entry is long enough to get key sentences (the dev set's; checked against the engine).
LONG_ENTRY_CANDIDATES = ("GLM-5 支持了吗", "How many prompts per 5 hours on Pro?", "What are the MCP quotas?")
# Candidates for a real calculator answer (kb/facts.toml: referral credit, GLM-5 multipliers, peak hours).
CALCULATION_CANDIDATES = (
    "好友实际支付 40 元，我能拿到多少赠金？",
    "If my friend pays 200 yuan, how much referral credit do I get?",
    "高峰期调用 GLM-5，用 100 次相当于消耗多少次额度？",
)


@dataclasses.dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def app_paths(tmp_path_factory: pytest.TempPathFactory, built_data: Path) -> AppPaths:
    """A private data folder with the index built (a copy of the session's), so these tests never race
    other runs on data/."""
    root = tmp_path_factory.mktemp("app")
    data = root / "data"
    shutil.copytree(built_data, data)
    return AppPaths(data, app_environment(data, root / "unused-feedback.sqlite3"))


@pytest.fixture(scope="session")
def engine(app_paths: AppPaths) -> Assistant:
    """The real assistant on the same index: it says what the page should show."""
    return Assistant.load(kb_dir=ROOT / "kb", data_dir=app_paths.data_dir, watch_kb=False, calculator=True)


@pytest.fixture
def feedback_db(tmp_path: Path) -> Path:
    return tmp_path / "feedback.sqlite3"


@pytest.fixture
def app(app_paths: AppPaths, feedback_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    for name, value in app_paths.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(feedback_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    yield at


# ---------------------------------------------------------------------------------------------- helpers
def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def messages(at: AppTest, role: str) -> list[ChatMessage]:
    return [m for m in at.chat_message if m.name == role]


def last_reply(at: AppTest) -> ChatMessage:
    return messages(at, "assistant")[-1]


def reply_markdown(message: ChatMessage) -> str:
    return "\n".join(m.value for m in message.markdown)


def user_texts(at: AppTest) -> list[str]:
    return [t.value for m in messages(at, "user") for t in m.text]


def assert_cites(message: ChatMessage, answer: Answer) -> None:
    """The reply shows the engine's answer: the FAQ text (in the full-entry expander), matched question,
    section and source."""
    assert answer.kind == "faq", answer
    best = answer.matches[0]
    body = reply_markdown(message)
    assert answer.entry_md and answer.entry_md in [m.value for e in message.expander for m in e.markdown]
    for part in (best.question, best.section, best.source):
        assert part in body, f"{part!r} missing from the reply:\n{body}"


def opening(answer: Answer) -> str:
    """What a reply opens with: its headline, or for a confident FAQ answer the matched question."""
    assert answer.parts is not None, answer
    return answer.parts.headline or compose.matched_line(answer.language, answer.matches[0].question)


def expanders(message: ChatMessage) -> dict[str, bool]:
    """The reply's expanders: label -> open at first."""
    return {e.label: e.proto.expanded for e in message.expander}


def buttons(message: ChatMessage) -> list[str]:
    return [b.label for b in message.button]


# ---------------------------------------------------------------------------------------------- the chat
def test_welcome_offers_example_questions_that_the_faq_answers(app: AppTest, engine: Assistant) -> None:
    welcome = last_reply(app)
    assert label("zh", "welcome") in reply_markdown(welcome)
    assert buttons(welcome) == list(ui_text.examples("zh"))
    assert 3 <= len(ui_text.examples("zh")) <= 4
    for language in ui_text.LANGUAGES:
        for question in ui_text.examples(language):
            assert engine.ask(question).kind == "faq", f"example {question!r} is not answered by the FAQ"


def test_clicking_an_example_asks_it(app: AppTest, engine: Assistant) -> None:
    example = ui_text.examples("zh")[1]
    app.button(key="example-zh-1").click().run()
    assert user_texts(app) == [example]
    assert_cites(last_reply(app), engine.ask(example))


def test_a_question_gets_a_cited_answer_with_related_questions(app: AppTest, engine: Assistant) -> None:
    question = "订阅以后能退钱吗"
    expected = engine.ask(question)
    reply = last_reply(ask(app, question))
    assert_cites(reply, expected)
    assert label("zh", "related") in [c.value for c in reply.caption]
    assert buttons(reply) == [m.question for m in expected.matches[1:]]
    assert len(reply.get("feedback")) == 1


def test_an_english_question_gets_english_framing_and_labels(app: AppTest, engine: Assistant) -> None:
    question = "How do I cancel auto-renewal?"
    expected = engine.ask(question)
    reply = last_reply(ask(app, question))
    assert_cites(reply, expected)
    assert compose.text("en", "matched") in reply_markdown(reply)
    assert label("en", "related") in [c.value for c in reply.caption]
    assert label("en", "welcome") in reply_markdown(messages(app, "assistant")[0])


def test_clicking_a_related_question_asks_it(app: AppTest, engine: Assistant) -> None:
    first = engine.ask("可以退款吗")
    reply = last_reply(ask(app, "可以退款吗"))
    related = first.matches[1].question
    reply.button[0].click().run()
    assert user_texts(app) == ["可以退款吗", related]
    assert_cites(last_reply(app), engine.ask(related))


def test_no_answer_says_so_points_to_support_and_offers_suggestions(app: AppTest, engine: Assistant) -> None:
    question = "怎么做红烧肉"
    expected = engine.ask(question)
    assert expected.kind == "no_answer"
    reply = last_reply(ask(app, question))
    body = reply_markdown(reply)
    assert compose.text("zh", "not_covered") in body
    assert compose.text("zh", "human") in body
    assert buttons(reply) == [m.question for m in expected.matches]
    assert len(reply.get("feedback")) == 1


def test_clicking_a_suggestion_asks_it(app: AppTest, engine: Assistant) -> None:
    expected = engine.ask("怎么做红烧肉")
    suggestion = expected.matches[0].question
    last_reply(ask(app, "怎么做红烧肉")).button[0].click().run()
    assert user_texts(app) == ["怎么做红烧肉", suggestion]
    assert_cites(last_reply(app), engine.ask(suggestion))


def test_the_reply_is_laid_out_from_the_parts_not_the_text(
    app: AppTest, engine: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page shows the answer's parts; the rendered text is only what the copy button copies."""
    real_ask = Assistant.ask

    def text_replaced(self: Assistant, question: str) -> Answer:
        return dataclasses.replace(real_ask(self, question), answer="RENDERED-TEXT-NOT-SHOWN")

    monkeypatch.setattr(Assistant, "ask", text_replaced)
    question = "可以退款吗"
    expected = real_ask(engine, question)
    reply = last_reply(ask(app, question))
    assert "RENDERED-TEXT-NOT-SHOWN" not in reply_markdown(reply)
    assert_cites(reply, expected)
    assert expected.parts is not None and not expected.parts.highlights
    assert expanders(reply) == {label("zh", "full_entry"): True}  # a short entry is shown open


def test_a_long_entry_shows_its_key_sentences_first_and_the_full_entry_folded(app: AppTest, engine: Assistant) -> None:
    found = [(q, a) for q in LONG_ENTRY_CANDIDATES if (a := engine.ask(q)).highlights]
    assert found, f"none of {LONG_ENTRY_CANDIDATES} gets key sentences; update the candidates"
    for question, expected in found[:2]:
        assert expected.parts is not None
        lang = expected.language
        reply = last_reply(ask(app, question))
        shown = [m.value for m in reply.markdown]
        first = [expected.parts.headline] if expected.parts.headline else []  # a best guess says so first
        assert shown[: len(first) + 2] == [
            *first,
            " ".join(expected.parts.highlights),  # the first line is the answer, in the FAQ's words
            compose.matched_line(lang, expected.matches[0].question),
        ]
        assert expanders(reply) == {label(lang, "full_entry"): False}
        assert_cites(reply, expected)


def test_a_real_calculation_shows_its_formula_and_sources(app: AppTest, engine: Assistant, feedback_db: Path) -> None:
    found = [(q, a) for q in CALCULATION_CANDIDATES if (a := engine.ask(q)).kind == "calculation"]
    assert found, f"none of {CALCULATION_CANDIDATES} is answered by the calculator; update the candidates"
    question, expected = found[0]
    assert expected.parts is not None and expected.parts.steps, "a calculation should come with its formula steps"
    reply = last_reply(ask(app, question))
    body = reply_markdown(reply)
    assert reply.markdown[0].value == expected.parts.headline
    assert [c.value for c in reply.code] == ["\n".join(expected.parts.steps)]  # always, from the parts
    assert label("zh", "steps") in [c.value for c in reply.caption]
    for note in expected.parts.notes:
        assert note in body
    for match in expected.matches:
        assert f"{match.question} ({match.source})" in body
    assert buttons(reply) == [] and expanders(reply) == {}  # cited rules, no related questions
    reply.get("feedback")[0].set_value(1).run()
    (vote,) = FeedbackStore(feedback_db).votes()
    assert (vote.kind, vote.entry_id) == ("calculation", expected.matches[0].id)


def test_a_question_back_from_the_calculator_offers_the_rules_entry_folded(app: AppTest, engine: Assistant) -> None:
    question = "好友首单我能拿多少赠金"
    expected = engine.ask(question)
    assert expected.parts is not None and expected.parts.form == "message", expected
    reply = last_reply(ask(app, question))
    assert reply.markdown[0].value == expected.parts.headline == expected.answer
    assert expanders(reply) == {label("zh", "rule_entry"): False}
    assert [m.value for e in reply.expander for m in e.markdown] == [expected.entry_md]
    assert expected.matches[0].source in reply_markdown(reply)


def test_the_source_links_to_the_published_faq_when_configured(
    app: AppTest, engine: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_FAQ_URL", "https://docs.example.com/coding-plan/faq")
    reply = last_reply(ask(app, "可以退款吗"))
    best = engine.ask("可以退款吗").matches[0]
    body = reply_markdown(reply)
    link = f"https://docs.example.com/coding-plan/faq#{ui_text.anchor(best.question)}"
    assert f"{label('zh', 'source')}: [{best.question} ↗]({link})" in body
    assert best.source in body  # the repo path is still in the answer for the support team


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("可以退款吗？", "可以退款吗"),
        ("Does the plan support GLM-5?", "does-the-plan-support-glm-5"),
        ("GLM Coding Plan 支持 GLM-5 吗？", "glm-coding-plan-支持-glm-5-吗"),
        ("套餐的用量额度有多少？（Lite / Pro）", "套餐的用量额度有多少lite--pro"),
        ("What's the API_KEY for Claude Code?", "whats-the-api_key-for-claude-code"),
    ],
)
def test_source_anchors_follow_the_markdown_heading_rule(question: str, fragment: str) -> None:
    assert urllib.parse.unquote(ui_text.anchor(question)) == fragment
    assert (
        ui_text.source_link("https://x.example/faq#old", question)
        == f"https://x.example/faq#{ui_text.anchor(question)}"
    )


# ---------------------------------------------------------------------------------------------- feedback
def test_thumbs_are_stored_in_sqlite(app: AppTest, engine: Assistant, feedback_db: Path) -> None:
    question = "我的订阅会自动续费吗？"
    expected = engine.ask(question)
    reply = last_reply(ask(app, question))
    reply.get("feedback")[0].set_value(1).run()
    assert label("zh", "feedback_thanks") in [c.value for c in last_reply(app).caption]
    store = FeedbackStore(feedback_db)
    (vote,) = store.votes()
    assert (vote.question, vote.entry_id, vote.kind, vote.score, vote.language) == (
        question,
        expected.matches[0].id,
        "faq",
        1,
        "zh",
    )
    assert [(h.entry_id, h.hits) for h in store.top_entries()] == [(expected.matches[0].id, 1)]

    last_reply(app).get("feedback")[0].set_value(0).run()  # changed to thumbs-down
    assert [v.score for v in store.votes()] == [0]
    (group,) = store.unanswered_groups()
    assert (group.question, group.thumbs_down) == (question, 1)


def test_no_answer_questions_are_stored(app: AppTest, feedback_db: Path) -> None:
    ask(app, "今天北京天气怎么样")
    ask(app, "北京今天的天气怎么样？")
    store = FeedbackStore(feedback_db)
    assert store.summary().unanswered == 2
    (group,) = store.unanswered_groups()
    assert (group.count, group.no_answer) == (2, 2)


def test_insights_page_shows_what_the_chat_stored(
    app: AppTest, feedback_db: Path, app_paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    ask(app, "今天北京天气怎么样")
    ask(app, "可以退款吗")
    last_reply(app).get("feedback")[0].set_value(1).run()
    monkeypatch.setenv("ASSISTANT_INSIGHTS_PASSWORD", "s3cret")
    page = AppTest.from_file(INSIGHTS, default_timeout=60).run()
    page.text_input[0].set_value("s3cret").run()
    assert not page.exception, page.exception
    summary = FeedbackStore(feedback_db).summary()
    assert [m.value for m in page.metric] == [str(summary.questions), "1", "1", "0", "0"]
    assert summary.questions == 2
    unanswered = page.dataframe[0].value
    assert list(unanswered[label("zh", "col_question")]) == ["今天北京天气怎么样"]
    assert len(page.get("vega_lite_chart")) == 2  # top entries, questions per day
    assert [b.label for b in page.get("download_button")] == [
        label("zh", "download_unanswered"),
        label("zh", "download_questions"),
    ]


def test_insights_page_asks_for_the_password_and_slows_down_wrong_guesses(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_INSIGHTS_PASSWORD", "s3cret")
    waits: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (waits.append(s), real_sleep(min(s, 0.01))))
    page = AppTest.from_file(INSIGHTS, default_timeout=60).run()
    assert page.metric.len == 0
    for guess in ("wrong", "guess2", "guess3"):
        page.text_input[0].set_value(guess).run()
        assert page.metric.len == 0
    assert label("zh", "insights_wrong_password") in [e.value for e in page.error]
    assert page.session_state["insights_failures"] == 3
    assert [w for w in waits if w >= 1.0] == [1.0, 2.0, 3.0]  # each failure waits longer
    page.text_input[0].set_value("s3cret").run()
    assert page.metric.len == 5


def test_insights_page_is_closed_without_a_password(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_INSIGHTS_PASSWORD", raising=False)
    page = AppTest.from_file(INSIGHTS, default_timeout=60).run()
    assert not page.exception, page.exception
    assert (page.metric.len, page.text_input.len, page.dataframe.len) == (0, 0, 0)
    assert [e.value for e in page.error] == [label("zh", "insights_closed")]
    monkeypatch.setenv("ASSISTANT_INSIGHTS_PASSWORD", "   ")  # blank: an error, never "open"
    page = AppTest.from_file(INSIGHTS, default_timeout=60).run()
    assert (page.metric.len, page.text_input.len) == (0, 0)
    assert [e.value for e in page.error] == [label("zh", "insights_closed")]


# ---------------------------------------------------------------------------------------------- handoff
SUPPORT = "mailto:support@example.com"


def support_links(message: ChatMessage | AppTest) -> list[tuple[str, str]]:
    return [(b.proto.label, b.proto.url) for b in message.get("link_button")]


def test_no_answer_replies_and_the_header_offer_contact_support(
    app: AppTest, engine: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_SUPPORT_URL", SUPPORT)
    question = "怎么做红烧肉"
    assert engine.ask(question).kind == "no_answer"
    ask(app, question)
    assert support_links(last_reply(app)) == [(label("zh", "contact_support"), SUPPORT)]
    assert (label("zh", "contact_support"), SUPPORT) in support_links(app)  # the header's button
    assert len(support_links(app)) == 2
    ask(app, "可以退款吗")  # a cited answer has no handoff until it gets a thumbs-down
    assert support_links(last_reply(app)) == []
    last_reply(app).get("feedback")[0].set_value(0).run()
    assert support_links(last_reply(app)) == [(label("zh", "contact_support"), SUPPORT)]
    assert label("zh", "support_after_down") in [c.value for c in last_reply(app).caption]


def test_without_a_support_url_there_is_no_handoff_button(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_SUPPORT_URL", raising=False)
    ask(app, "怎么做红烧肉")
    assert support_links(app) == []
    assert compose.text("zh", "human") in reply_markdown(last_reply(app))  # the text still points to people


def test_a_bad_support_url_stops_the_chat_with_a_message(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SUPPORT_URL", "javascript:alert(1)")
    app.run()
    assert [e.value for e in app.error] == [label("zh", "config_error")]
    assert app.chat_input.len == 0 and support_links(app) == []


def test_questions_are_stored_masked(app: AppTest, feedback_db: Path) -> None:
    ask(app, "我的手机 13812345678 收不到验证码，邮箱 a@example.com")
    store = FeedbackStore(feedback_db)
    (group,) = store.unanswered_groups()
    assert group.question == "我的手机 [phone] 收不到验证码，邮箱 [email]"
    assert user_texts(app) == ["我的手机 13812345678 收不到验证码，邮箱 a@example.com"]  # the customer sees theirs


# ---------------------------------------------------------------------------------------------- safety
def test_injection_strings_stay_text(app: AppTest) -> None:
    for text in INJECTIONS:
        ask(app, text)
    assert user_texts(app) == list(INJECTIONS)
    for element in app.markdown:
        assert not element.proto.allow_html, f"HTML allowed in {element.value!r}"
        for text in INJECTIONS:
            assert text not in element.value
    for element in app.caption:
        assert not element.proto.allow_html


def test_too_long_question_gets_the_engine_message_and_the_chat_goes_on(app: AppTest, engine: Assistant) -> None:
    limit = engine.settings.max_question_chars
    question = "退款" * limit  # twice the limit, as a client that ignores max_chars could send
    ask(app, question)
    # Streamlit cuts chat input to max_chars (limit + 1) on the server; the engine must refuse what arrives.
    with pytest.raises(InvalidQuestion) as refused:
        engine.ask(question[: limit + 1])
    assert [w.value for w in last_reply(app).warning] == [str(refused.value)]
    assert str(limit) in str(refused.value)
    assert user_texts(app) == [question[:limit] + "…"]
    assert len(last_reply(app).get("feedback")) == 0
    assert_cites(last_reply(ask(app, "可以退款吗")), engine.ask("可以退款吗"))


def test_an_empty_question_does_nothing(app: AppTest) -> None:
    ask(app, "   ")
    ask(app, "")
    assert messages(app, "user") == []
    assert len(messages(app, "assistant")) == 1  # the welcome
    assert app.warning.len == 0


def test_an_engine_error_is_friendly_and_the_session_goes_on(
    app: AppTest, engine: Assistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: Assistant, question: str) -> Answer:
        raise RuntimeError("index file vanished: /secret/path")

    with monkeypatch.context() as patch:
        patch.setattr(Assistant, "ask", broken)
        ask(app, "可以退款吗")
    warnings = [w.value for w in last_reply(app).warning]
    assert warnings == [label("zh", "engine_error")]
    assert "/secret/path" not in "\n".join(e.value for e in app.markdown)
    assert "index file vanished" in caplog.text  # the log keeps the cause for the operator
    assert_cites(last_reply(ask(app, "可以退款吗")), engine.ask("可以退款吗"))
    assert user_texts(app) == ["可以退款吗", "可以退款吗"]


def test_an_engine_that_cannot_load_shows_a_message(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_kb = tmp_path / "kb"
    empty_kb.mkdir()
    monkeypatch.setenv("ASSISTANT_KB_DIR", str(empty_kb))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    broken = AppTest.from_file(APP, default_timeout=60).run()
    assert not broken.exception
    assert len(broken.chat_input) == 1  # drawn at once; the load fails in its thread
    deadline = time.monotonic() + 60
    while not broken.error and time.monotonic() < deadline:  # the page's check: a run once the load ended
        time.sleep(0.2)
        broken.run()
    assert [e.value for e in broken.error] == [label("zh", "engine_unavailable")]
    assert broken.chat_input[0].proto.disabled


@pytest.fixture
def fresh_engine() -> Iterator[None]:
    """No engine loaded in this process yet (the page's engine is cached process-wide); none left after."""
    streamlit.cache_resource.clear()
    yield
    streamlit.cache_resource.clear()


def test_the_page_is_drawn_before_the_engine_is_ready_and_an_early_question_waits_for_it(
    app_paths: AppPaths, feedback_db: Path, engine: Assistant, monkeypatch: pytest.MonkeyPatch, fresh_engine: None
) -> None:
    for name, value in app_paths.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(feedback_db))
    release = threading.Event()
    loads: list[str] = []
    real_load = Assistant.load

    def slow_load(*args: object, **kwargs: object) -> Assistant:  # a load that ends when the test says so
        loads.append(threading.current_thread().name)
        if not release.wait(60):
            raise RuntimeError("the test never released the load")
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    spinners: list[tuple[str, bool]] = []  # (text, was the engine released when it was shown)
    real_spinner = streamlit.spinner

    def spinner(text: str = "", **kwargs: object) -> object:
        spinners.append((text, release.is_set()))
        return real_spinner(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Assistant, "load", slow_load)
    monkeypatch.setattr(streamlit, "spinner", spinner)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, at.exception
    deadline = time.monotonic() + 10  # the run does not wait for the load's thread to reach Assistant.load
    while not loads and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not release.is_set() and loads and loads[0].startswith("assistant-load")  # loading, in its thread
    assert buttons(messages(at, "assistant")[0]) == list(ui_text.examples("zh"))
    assert len(at.chat_input) == 1 and not at.chat_input[0].proto.disabled
    assert at.error.len == 0 and at.warning.len == 0

    threading.Timer(1.0, release.set).start()
    assert_cites(last_reply(ask(at, "可以退款吗")), engine.ask("可以退款吗"))
    assert (label("zh", "loading"), False) in spinners  # it waited, saying so, while the engine loaded
    assert user_texts(at) == ["可以退款吗"]

    other = AppTest.from_file(APP, default_timeout=120).run()  # another session of the process
    assert_cites(last_reply(ask(other, "Can I get a refund?")), engine.ask("Can I get a refund?"))
    assert len(loads) == 1  # one engine per process


def test_a_question_asked_while_the_engine_fails_to_load_gets_a_message(
    app_paths: AppPaths, feedback_db: Path, monkeypatch: pytest.MonkeyPatch, fresh_engine: None
) -> None:
    for name, value in app_paths.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(feedback_db))
    release = threading.Event()

    def failing_load(*args: object, **kwargs: object) -> Assistant:
        release.wait(60)
        raise RuntimeError("model file vanished: /secret/path")

    monkeypatch.setattr(Assistant, "load", failing_load)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.chat_input[0].proto.disabled and at.error.len == 0
    threading.Timer(0.5, release.set).start()
    ask(at, "可以退款吗")
    assert [w.value for w in last_reply(at).warning] == [label("zh", "engine_unavailable")]
    assert user_texts(at) == ["可以退款吗"] and at.chat_input[0].proto.disabled
    assert "/secret/path" not in "\n".join(e.value for e in at.markdown)


# ---------------------------------------------------------------------------------------------- session
def test_language_switch_changes_the_labels(app: AppTest) -> None:
    switch = app.button(key="lang_switch")
    assert switch.label == label("zh", "switch_language")
    assert app.chat_input[0].placeholder == label("zh", "input_placeholder")
    switch.click().run()
    assert label("en", "welcome") in reply_markdown(messages(app, "assistant")[0])
    assert buttons(messages(app, "assistant")[0]) == list(ui_text.examples("en"))
    assert app.chat_input[0].placeholder == label("en", "input_placeholder")
    assert app.button(key="lang_switch").label == label("en", "switch_language")
    app.button(key="lang_switch").click().run()
    assert label("zh", "welcome") in reply_markdown(messages(app, "assistant")[0])


def test_the_interface_follows_the_language_of_the_question(app: AppTest) -> None:
    ask(app, "Can I get a refund?")
    assert app.button(key="lang_switch").label == label("en", "switch_language")
    ask(app, "可以退款吗")
    assert app.button(key="lang_switch").label == label("zh", "switch_language")
    assert label("zh", "related") in [c.value for c in messages(app, "assistant")[1].caption]


def test_lang_query_parameter_opens_in_english(app_paths: AppPaths, feedback_db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name, value in app_paths.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(feedback_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert label("en", "welcome") in reply_markdown(messages(at, "assistant")[0])


def test_history_is_capped(app: AppTest) -> None:
    questions = [f"可以退款吗 {i}" for i in range(MAX_TURNS + 2)]
    for question in questions:
        ask(app, question)
    assert user_texts(app) == questions[-MAX_TURNS:]
    assert len(app.session_state["history"]) == MAX_TURNS
    assert label("zh", "history_trimmed") in [c.value for c in app.caption]


def test_a_rebuilt_index_is_picked_up(
    app: AppTest, app_paths: AppPaths, engine: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    from assistant.engine import build

    caplog.set_level(logging.INFO, logger="assistant.app")
    ask(app, "可以退款吗")
    old = (app_paths.data_dir / INDEX_DIRNAME / "manifest.json").read_text(encoding="utf-8")
    time.sleep(1.1)  # built_at has one-second resolution
    manifest = build(data_dir=app_paths.data_dir, kb_dir=ROOT / "kb")
    assert (app_paths.data_dir / INDEX_DIRNAME / "manifest.json").read_text(encoding="utf-8") != old
    caplog.clear()
    assert_cites(last_reply(ask(app, "我的订阅会自动续费吗")), engine.ask("我的订阅会自动续费吗"))
    loads = [r.getMessage() for r in caplog.records if r.getMessage().startswith("loading the assistant")]
    assert len(loads) == 1 and manifest.built_at in loads[0]


def test_config_keeps_protections_and_no_page_allows_html() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    for setting in (
        "headless = true",
        "enableCORS = true",
        "enableXsrfProtection = true",
        "gatherUsageStats = false",
        'showErrorDetails = "none"',
        'toolbarMode = "minimal"',
        "[theme.light]",
        "[theme.dark]",
    ):
        assert setting in config
    for page in (ROOT / "app.py", ROOT / "pages" / "insights.py"):
        assert "unsafe_allow_html" not in page.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------- conversations
def test_a_conversation_id_in_the_url_restores_the_turns_and_the_follow_up_state(
    app: AppTest, engine: Assistant, feedback_db: Path
) -> None:
    peak = "高峰期调用 GLM-5，用 100 次相当于消耗多少次额度？"
    ask(app, peak)
    value = app.query_params["c"]  # AppTest keeps each parameter as a list of its values
    cid = value[0] if isinstance(value, list) else value
    stored = FeedbackStore(feedback_db).load_conversation(cid)
    assert stored is not None and [t.question for t in stored.turns] == [peak]
    reloaded = AppTest.from_file(APP, default_timeout=120)  # a new session: what a reload is
    reloaded.query_params["c"] = cid
    reloaded.run()
    assert not reloaded.exception, reloaded.exception
    assert user_texts(reloaded) == [peak]
    conversation = engine.conversation()
    conversation.ask(peak)
    follow_up = conversation.ask("那非高峰呢")
    assert follow_up.answer != engine.ask("那非高峰呢").answer  # the follow-up needs the previous turn
    assert opening(follow_up) in reply_markdown(last_reply(ask(reloaded, "那非高峰呢")))


def test_new_conversation_clears_the_chat_and_the_state(app: AppTest, engine: Assistant) -> None:
    ask(app, "高峰期调用 GLM-5，用 100 次相当于消耗多少次额度？")
    app.button(key="new_conversation").click().run()
    assert messages(app, "user") == [] and len(messages(app, "assistant")) == 1
    assert "c" not in app.query_params
    alone = engine.ask("那非高峰呢")
    assert opening(alone) in reply_markdown(last_reply(ask(app, "那非高峰呢")))  # no previous turn to lean on


@pytest.mark.parametrize("bad", ["nope", "x" * 22, "' OR 1=1 --"])
def test_unknown_or_malformed_conversation_ids_start_fresh(
    app_paths: AppPaths, feedback_db: Path, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    for name, value in app_paths.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(feedback_db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["c"] = bad
    at.run()
    assert not at.exception, at.exception
    assert messages(at, "user") == [] and "c" not in at.query_params


def test_a_bad_setting_with_a_conversation_id_still_shows_the_message(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_SUPPORT_URL", "javascript:alert(1)")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["c"] = "A" * 22
    at.run()
    assert [e.value for e in at.error] == [label("zh", "config_error")]
