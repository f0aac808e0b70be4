"""The support chat: a Streamlit page that renders what :mod:`assistant` decides.

``make run`` starts it (``python -m assistant.chat_server``: the engine starts loading with the server);
``?embed=true`` embeds it in a support page (see examples/support-page.html), ``?lang=en`` opens it in
English. Each session keeps its own capped history; the engine and the feedback store are loaded once per
process and shared by every session (both are thread-safe). The engine loads in a background thread
(started with the server, or by the first page run under plain ``streamlit run app.py``): the page
(header, examples, input) is drawn without waiting, and a question asked before the engine is ready
waits for it under a "loading" status.
Each conversation has an unguessable id in the URL (``?c=<id>``, set with its first question): its turns
are kept in the feedback store, so a reload shows them again and follow-ups go on ("New conversation"
starts a new id).
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from assistant import Answer, InvalidQuestion, compose, ui_text
from assistant.chat_server import engine_key, index_version, load_engine
from assistant.errors import ConfigError
from assistant.loading import BackgroundLoad, LoadSlot, take_preload
from assistant.models import AnswerParts
from assistant.normalize import detect_language
from assistant.settings import Settings, resolve_settings
from assistant.ui_text import label

if TYPE_CHECKING:  # the engine, the index and the feedback store (SQLAlchemy) are imported where used
    from assistant import Assistant
    from assistant.feedback import FeedbackStore

log = logging.getLogger("assistant.app")
# The app is the process's entry point: give its warnings and errors a level and a time in the server log
# (a no-op when logging is already configured, as under pytest).
logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

MAX_TURNS = 30  # a session keeps its last 30 questions; older ones are dropped with their widgets
LOAD_RETRY_S = 10.0  # an engine that failed to load is tried again by a page run at least this much later
HTML_LANG = {"zh": "zh-CN", "en": "en"}
# Customers see a chat, not a Streamlit app: no menu, toolbar, "Running/Stop" status or deploy button;
# long question buttons wrap; wide tables and code scroll inside the reply, never the page.
CHROME_CSS = """<style>
[data-testid="stToolbar"], [data-testid="stMainMenu"], [data-testid="stStatusWidget"],
[data-testid="stAppDeployButton"], [data-testid="stDecoration"], header[data-testid="stHeader"] {
  display: none !important;
}
[data-testid="stButton"] button { height: auto; text-align: left; max-width: 100%; }
[data-testid="stButton"] button p { white-space: normal; overflow-wrap: anywhere; }
[data-testid="stMarkdownContainer"] table { display: block; max-width: 100%; overflow-x: auto; }
[data-testid="stMarkdownContainer"] pre, [data-testid="stCode"] { max-width: 100%; overflow-x: auto; }
[data-testid="stChatMessageContent"] { min-width: 0; }
button.faq-copy {
  background: transparent; color: inherit; border: 1px solid currentColor; border-radius: 0.5rem;
  padding: 0.15rem 0.6rem; font: inherit; font-size: 0.875rem; cursor: pointer;
}
button.faq-copy:focus-visible { outline: 2px solid #2563eb; outline-offset: 2px; }
</style>"""
# Fixed text, run once per page: a click on a copy button (data-faq-copy holds the answer's markdown)
# copies it; inside a frame without the clipboard permission, a hidden textarea and execCommand do.
COPY_SCRIPT = """if (!window.__faqCopy) {
  window.__faqCopy = true;
  document.addEventListener('click', async (event) => {
    const button = event.target.closest ? event.target.closest('button[data-faq-copy]') : null;
    if (!button) { return; }
    const text = button.getAttribute('data-faq-copy') || '';
    try {
      await navigator.clipboard.writeText(text);
    } catch (err) {
      const area = document.createElement('textarea');
      area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
      document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
    }
    button.textContent = button.getAttribute('data-done');
    setTimeout(() => { button.textContent = button.getAttribute('data-label'); }, 2000);
  });
}"""


@dataclass(frozen=True)
class Turn:
    """One question of the session and what was shown for it: an answer, or a notice when there is none."""

    id: str
    question: str
    answer: Answer | None = None
    notice: str | None = None


# ---------------------------------------------------------------------------------------------- shared resources
def _index_stamp(data_dir: Path) -> str:
    """The manifest's build time, model and KB hash, for the log line of a load."""
    from assistant.index import INDEX_DIRNAME

    try:
        data = json.loads((data_dir / INDEX_DIRNAME / "manifest.json").read_text(encoding="utf-8"))
        return json.dumps([data.get("built_at"), data.get("model_id"), data.get("kb_sha256")], sort_keys=True)
    except (OSError, ValueError):
        return "not built yet"  # Assistant.load builds it


def _load_engine(key: str, data_dir: Path) -> tuple[Assistant, Hashable]:
    """Runs in the load's thread: the engine and the index version it loaded (the one ``python -m
    assistant.chat_server`` started loading with the server, if any, else a load of its own); then the
    feedback store is opened too, so the first answer's writes do not pay for its imports and database."""
    started = take_preload(key)
    loaded = started.wait() if started is not None else None
    if started is not None and loaded is not None:
        log.info("using the assistant loaded at server start for %s", key)
        engine, version = loaded, started.version
    else:  # no server-start load (``streamlit run app.py``), or it failed (logged): load here
        log.info("loading the assistant for %s|%s", key, _index_stamp(data_dir))
        engine, version = load_engine(data_dir)
    try:
        _store()
    except Exception:  # the chat answers without a store; _store logs why when it is needed
        log.exception("the feedback store could not be opened ahead of the first answer")
    return engine, version


@st.cache_resource(show_spinner=False, max_entries=1)
def _engine_slot(key: str, data_dir: str) -> LoadSlot[Assistant]:
    """The process-wide engine slot for these settings (max_entries=1 frees the old one when they change)."""
    return LoadSlot(functools.partial(_load_engine, key, Path(data_dir)), "assistant-load", LOAD_RETRY_S)


def _engine_load(settings: Settings) -> BackgroundLoad[Assistant]:
    """The engine's load: started by the first run (in its own thread, never waited for here), started
    again when the index was rebuilt, or when a failed load is LOAD_RETRY_S old."""
    slot = _engine_slot(engine_key(settings), str(settings.data_dir))
    return slot.current(functools.partial(index_version, settings.data_dir))


@st.cache_resource(show_spinner=False)
def _load_store(path: str, retention_days: int | None) -> FeedbackStore:
    from assistant.feedback import FeedbackStore

    return FeedbackStore(Path(path), retention_days=retention_days)


def _store() -> FeedbackStore | None:
    from assistant.feedback import FeedbackStoreError

    try:
        settings = resolve_settings()
        return _load_store(str(settings.feedback_db), settings.retention_days)
    except FeedbackStoreError as exc:
        log.error("feedback store unavailable: %s", exc)
        return None


def _new_conversation_id() -> str:
    from assistant.feedback import new_conversation_id

    return new_conversation_id()


def _conversation_id() -> str:
    """This conversation's id, drawn with its first question (a page that is only looked at needs none)."""
    state = st.session_state
    if state.get("conversation_id") is None:
        state.conversation_id = _new_conversation_id()
    return str(state.conversation_id)


# ---------------------------------------------------------------------------------------------- session state
def _init_state() -> None:
    state = st.session_state
    if "history" not in state:
        state.history = []
        state.trimmed = False
        state.vote_status = {}
        state.ui_lang = ui_text.language_or_default(st.query_params.get("lang"))


def _restore(conversation_id: str | None) -> None:
    """Show the stored turns of ``?c=<id>`` again and continue its conversation state. An unknown,
    malformed or expired id (or a store that cannot be read) starts a fresh conversation."""
    state = st.session_state
    state.conversation_id = None  # drawn with the first question
    if not conversation_id:
        return
    from assistant.feedback import FeedbackStoreError  # SQLAlchemy: imported only when there is one to read

    store = _store()
    loaded = None
    if store is not None:
        try:
            loaded = store.load_conversation(conversation_id, limit=MAX_TURNS)
        except FeedbackStoreError as exc:
            log.error("conversation not restored: %s", exc)
    if loaded is None:
        del st.query_params["c"]  # a fresh conversation gets its own id with its first question
        return
    state.conversation_id = loaded.conversation_id
    state.history = [Turn(t.turn_id, t.question, t.answer, t.notice) for t in loaded.turns]
    if loaded.state is not None:
        state.conversation = loaded.state


def _new_conversation() -> None:
    """Callback of "New conversation": empty the chat and forget the follow-up state; a new id follows."""
    state = st.session_state
    state.history = []
    state.trimmed = False
    state.vote_status = {}
    state.pop("conversation", None)
    state.conversation_id = _new_conversation_id()
    if "c" in st.query_params:
        del st.query_params["c"]


def _remember(turn: Turn) -> bool:
    """Store ``turn`` under this conversation's id (already in the URL), so a reload restores it; False when
    it could not be stored."""
    from assistant.feedback import FeedbackStoreError

    store = _store()
    if store is None:
        return False
    conversation_id = _conversation_id()
    try:
        store.record_turn(
            conversation_id,
            turn.id,
            turn.question,
            turn.answer,
            turn.notice,
            st.session_state.get("conversation"),
        )
    except FeedbackStoreError as exc:  # the chat goes on; only a reload would lose this turn
        log.error("conversation turn not stored: %s", exc)
        return False
    return True


def _queue(question: str) -> None:
    """Callback: ask ``question`` on this run; the interface follows its language. Blank input does nothing."""
    if not question or not question.strip():
        return
    st.session_state.pending = question
    st.session_state.ui_lang = detect_language(question[:200])


def _on_submit() -> None:
    _queue(st.session_state.get("chat_question") or "")


def _switch_language() -> None:
    st.session_state.ui_lang = ui_text.other_language(st.session_state.ui_lang)


def _on_vote(turn_id: str) -> None:
    """Callback of a thumbs widget: store the vote (or its withdrawal) and remember how that went."""
    turn = next((t for t in st.session_state.history if t.id == turn_id), None)
    if turn is None or turn.answer is None:
        return
    from assistant.feedback import FeedbackStoreError

    score = st.session_state.get(f"vote-{turn_id}")
    store = _store()
    status = "feedback_failed"
    if store is not None:
        try:
            store.record_vote(turn.id, turn.question, turn.answer, score)
            status = "feedback_thanks" if score is not None else "feedback_withdrawn"
        except FeedbackStoreError as exc:
            log.error("vote not saved: %s", exc)
    st.session_state.vote_status[turn_id] = status


def _on_handoff(turn_id: str | None, place: str) -> None:
    """Callback of a "contact support" button (the browser opens the link itself): store the click."""
    from assistant.feedback import FeedbackStoreError

    turn = next((t for t in st.session_state.history if t.id == turn_id), None) if turn_id else None
    store = _store()
    if store is None:
        return
    try:
        if turn is None:
            store.record_handoff(place)
        else:
            store.record_handoff(place, turn.id, turn.question, turn.answer)
    except FeedbackStoreError as exc:
        log.error("support handoff not recorded: %s", exc)


def _support_button(lang: str, url: str | None, key: str, turn_id: str | None, place: str) -> None:
    """The "contact support" link to ``url`` (ASSISTANT_SUPPORT_URL); nothing when no address is configured."""
    if not url:
        return
    st.link_button(
        label(lang, "contact_support"),
        url,
        key=key,
        on_click=_on_handoff,
        args=(turn_id, place),
        icon=":material/support_agent:",
        type="primary" if place != "header" else "tertiary",
    )


def _keep_last(count: int) -> None:
    """Cap the history at ``count`` turns (the dropped turns' widgets go with them)."""
    history: list[Turn] = st.session_state.history
    if len(history) <= count:
        return
    st.session_state.history = history[-count:]
    st.session_state.trimmed = True
    kept = {t.id for t in st.session_state.history}
    st.session_state.vote_status = {k: v for k, v in st.session_state.vote_status.items() if k in kept}


# ---------------------------------------------------------------------------------------------- answering
def _shown(question: str, limit: int) -> str:
    """The question as the history keeps it: an over-long one is cut (the engine refuses it anyway)."""
    return question if len(question) <= limit else question[:limit] + "…"


def _ask(assistant: Assistant, question: str, lang: str) -> Turn:
    """Ask the engine, as the next turn of this session's conversation (its plain state is kept in the
    session as JSON), so that "1000元" after the calculator's question completes it. Whatever goes wrong
    becomes a notice and the session goes on."""
    shown = _shown(question, assistant.settings.max_question_chars)
    turn_id = uuid.uuid4().hex
    try:
        conversation = assistant.conversation(st.session_state.get("conversation"))
        answer = conversation.ask(question)
        st.session_state.conversation = conversation.to_json()
    except InvalidQuestion as exc:  # too long or empty after cleaning: the engine's message says what to do
        return Turn(turn_id, shown, notice=str(exc))
    except Exception:  # one failing answer must not end the chat; the log keeps the traceback
        log.exception("answering a question failed")
        return Turn(turn_id, shown, notice=label(lang, "engine_error"))
    return Turn(turn_id, shown, answer)


def _record(turn: Turn) -> None:
    """Store an answered question for the insights page (after its reply is drawn: off the answer's path)."""
    if turn.answer is None:
        return
    from assistant.feedback import FeedbackStoreError

    store = _store()
    if store is not None:
        try:
            store.record_question(turn.id, turn.question, turn.answer)
        except FeedbackStoreError as exc:  # logged loudly; the customer still gets the answer
            log.error("question not recorded: %s", exc)


# ---------------------------------------------------------------------------------------------- rendering
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>#|~])")


def _md_text(text: str) -> str:
    """``text`` as literal Markdown (a question with brackets or stars stays a link title)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _page_chrome(lang: str) -> None:
    """The page's CSS (a style-only block takes no space) and ``<html lang>`` for the UI language, so
    screen readers and the browser's translate offer read Chinese as Chinese. The script is fixed text
    around a code from HTML_LANG, never customer input."""
    st.html(CHROME_CSS)
    code = json.dumps(HTML_LANG.get(lang, "zh-CN"))
    with st.container(height=1, border=False, gap=None):
        st.html(
            f"<script>document.documentElement.lang = {code};\n{COPY_SCRIPT}</script>", unsafe_allow_javascript=True
        )


def _announce_conversation() -> None:
    """Tell an embedding page (``examples/widget.js``) the conversation's id, so that reloading the host
    page reopens this conversation: the chat's own ``?c=`` is lost when the host reloads the iframe.
    The id is checked against its format; the script is fixed text around it, never customer input."""
    conversation_id = st.query_params.get("c")
    if conversation_id:
        from assistant.feedback import is_conversation_id

        conversation_id = conversation_id if is_conversation_id(conversation_id) else None
    value = json.dumps(conversation_id or None)
    with st.container(height=1, border=False, gap=None):
        st.html(
            "<script>if (window.parent !== window) { window.parent.postMessage("
            f'{{type: "faq-assistant:conversation", id: {value}}}, "*"); }}</script>',
            unsafe_allow_javascript=True,
        )


def _copy_button(answer: Answer, lang: str) -> None:
    """A button that copies the answer's markdown (the page's script does the copying)."""
    text, copy, done = (html.escape(v, quote=True) for v in (answer.answer, label(lang, "copy"), label(lang, "copied")))
    st.html(
        f'<button type="button" class="faq-copy" data-faq-copy="{text}" data-label="{copy}" data-done="{done}">'
        f"{copy}</button>",
        width="content",
    )


def _question_buttons(questions: list[str] | tuple[str, ...], key: str) -> None:
    """Questions offered as buttons (examples, suggestions, related): clicking one asks it; long ones wrap."""
    with st.container(horizontal=True, gap="xsmall"):
        for i, question in enumerate(questions):
            st.button(question, key=f"{key}-{i}", on_click=_queue, args=(question,), wrap=True)


def _citation_line(parts: AnswerParts, lang: str) -> str:
    """The cited entries as titled links to the published FAQ (ASSISTANT_FAQ_URL; plain titles without it),
    each with its repo path for the support team; a retrieved entry's line starts with its section."""
    cited = []
    for cite in parts.citations:
        title = _md_text(cite.title)
        shown = f"[{title} ↗]({cite.link})" if cite.link else title
        cited.append(f"{shown} ({_md_text(cite.source)})")
    line = f"{label(lang, 'source')}: " + " · ".join(cited)
    if parts.form == "entry":
        line = f"{label(lang, 'section')}: {_md_text(parts.citations[0].section or '—')} · {line}"
    return line


def _render_parts(turn: Turn, parts: AnswerParts, lang: str, support_url: str | None) -> None:
    """An answer laid out from its parts: its own first line, then per form the key sentences and the full
    entry (folded away when the key sentences already answer), the formula, the notes, the suggestions; then
    the citations and the related questions. Framing follows the answer's language, labels the interface's."""
    framing = parts.language
    if parts.headline:
        st.markdown(parts.headline)
    if parts.form == "entry":
        if parts.highlights:
            st.markdown(" ".join(parts.highlights))  # the answer first, in the FAQ's own words
        if parts.citations:
            st.markdown(compose.matched_line(framing, parts.citations[0].title))
        if framing != "zh":
            st.caption(compose.text(framing, "zh_note"))
        with st.expander(label(lang, "full_entry"), expanded=not parts.highlights):
            st.markdown(parts.body_md or "")  # KB markdown: tables and code render, raw HTML does not
        for note in parts.notes:
            st.markdown(note)
    elif parts.form == "message" and parts.body_md:
        with st.expander(label(lang, "rule_entry"), expanded=False):  # the rule's entry, on demand
            st.markdown(parts.body_md)
    elif parts.form == "calculation":
        if parts.steps:
            st.caption(label(lang, "steps"))
            st.code("\n".join(parts.steps), language=None)
        if parts.notes:
            st.markdown(compose.labelled_list(framing, "calc_notes", parts.notes))
    elif parts.form == "not_covered":
        for note in parts.notes:
            st.markdown(note)
    if parts.handoff:
        _support_button(lang, support_url, f"handoff-{turn.id}", turn.id, "no_answer")
    if parts.suggestions:
        st.caption(label(lang, "suggestions"))
        _question_buttons(parts.suggestions, f"sug-{turn.id}")
    if parts.citations:
        st.markdown(_citation_line(parts, lang))
    if parts.related:
        st.caption(label(lang, "related"))
        _question_buttons(parts.related, f"rel-{turn.id}")


def _render_answer(turn: Turn, answer: Answer, lang: str, support_url: str | None) -> None:
    if answer.parts is None:  # a turn stored before answers carried their parts: its text as it was
        st.markdown(answer.answer)
    else:
        _render_parts(turn, answer.parts, lang, support_url)
    if answer.degraded:
        st.caption(label(lang, "degraded"))
    _copy_button(answer, lang)
    st.feedback("thumbs", key=f"vote-{turn.id}", on_change=_on_vote, args=(turn.id,))
    status = st.session_state.vote_status.get(turn.id)
    if status:
        st.caption(label(lang, status))
    if answer.kind != "no_answer" and st.session_state.get(f"vote-{turn.id}") == 0 and support_url:
        st.caption(label(lang, "support_after_down"))
        _support_button(lang, support_url, f"handoff-down-{turn.id}", turn.id, "thumbs_down")


def _render_question(question: str) -> None:
    with st.chat_message("user"):
        st.text(question)  # customer text is shown as text: no markdown, no HTML


def _render_reply(turn: Turn, lang: str, support_url: str | None) -> None:
    """What was shown for ``turn``; the page's settings are read once per run and passed down."""
    if turn.answer is None:
        st.warning(turn.notice or label(lang, "engine_error"))
    else:
        _render_answer(turn, turn.answer, lang, support_url)


def main() -> None:
    # A Material icon, not the 💬 emoji: Streamlit checks an emoji against its catalog, a 0.3 s import that
    # the first page run would wait for.
    st.set_page_config(page_title="GLM Coding Plan FAQ", page_icon=":material/chat:", layout="centered")
    _init_state()
    lang: str = st.session_state.ui_lang
    try:
        settings = resolve_settings()
    except ConfigError as exc:  # e.g. a bad ASSISTANT_SUPPORT_URL: the log says which, the customer is told little
        log.error("the chat cannot start: %s", exc)
        st.error(label(lang, "config_error"))
        st.stop()
    engine_load = _engine_load(settings)  # the first run starts it in its own thread; nothing waits for it here
    if "conversation_id" not in st.session_state:  # once per session, after the settings are known good
        _restore(st.query_params.get("c"))
    _page_chrome(lang)

    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"**{label(lang, 'title')}**", width="stretch")
        with st.container(horizontal=True, width="content", gap="small"):  # on a phone both wrap as one row
            _support_button(lang, settings.support_url, "handoff-header", None, "header")
            st.button(
                label(lang, "new_conversation"),
                key="new_conversation",
                on_click=_new_conversation,
                icon=":material/add_comment:",
                type="tertiary",
            )
            st.button(label(lang, "switch_language"), key="lang_switch", on_click=_switch_language, type="tertiary")

    with st.chat_message("assistant"):
        st.markdown(label(lang, "welcome"))
        _question_buttons(ui_text.examples(lang), f"example-{lang}")
    pending = st.session_state.pop("pending", None)
    if pending:
        _keep_last(MAX_TURNS - 1)  # before rendering, so the page never shows more than MAX_TURNS
    if st.session_state.trimmed:
        st.caption(label(lang, "history_trimmed"))
    for turn in st.session_state.history:
        _render_question(turn.question)
        with st.chat_message("assistant"):
            _render_reply(turn, lang, settings.support_url)

    if pending:
        # Rendered in the same places (and with the same widget keys) as the history renders it next run.
        _render_question(_shown(pending, settings.max_question_chars))
        with st.chat_message("assistant"):
            if not engine_load.done:  # asked before the engine is ready: it waits, saying so
                with st.spinner(label(lang, "loading")):
                    engine_load.wait()
            assistant = engine_load.value
            if assistant is None:
                turn = Turn(
                    uuid.uuid4().hex,
                    _shown(pending, settings.max_question_chars),
                    notice=label(lang, "engine_unavailable"),
                )
            else:
                with st.spinner(label(lang, "thinking")):
                    turn = _ask(assistant, pending, lang)
            st.session_state.history = [*st.session_state.history, turn]
            if assistant is not None:  # the id in the URL as the reply shows; the turn is stored just after
                st.query_params["c"] = _conversation_id()
            try:
                _render_reply(turn, lang, settings.support_url)
            finally:  # stored once the reply is drawn (the customer does not wait), even if a rerun cut it short
                if assistant is not None:
                    _record(turn)
                    stored = _remember(turn)
        if assistant is not None and not stored:  # a reload could not restore it: no id in the URL
            del st.query_params["c"]
    # A load that failed shows on the page's next run (a question asked meanwhile gets the same message).
    failed = engine_load.done and engine_load.value is None
    if failed and not pending:
        st.error(label(lang, "engine_unavailable"))

    _announce_conversation()

    # One over the engine's limit: Streamlit cuts longer input to max_chars on the server, and a cut
    # question must reach the engine over the limit, to be refused with its message, never answered.
    # The same before and after the engine is ready, so the input (and what is typed in it) stays.
    st.chat_input(
        label(lang, "input_placeholder"),
        key="chat_question",
        max_chars=settings.max_question_chars + 1,
        on_submit=_on_submit,
        disabled=failed,
    )


main()
