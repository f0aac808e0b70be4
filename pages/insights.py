"""Insights for the support team: what customers ask that the FAQ does not answer, and how answers are rated.

Reached at ``/insights`` (not listed in the chat's navigation). Reads the feedback store only.
"""

from __future__ import annotations

import hmac
import logging
import time

import pandas as pd
import streamlit as st

from assistant import ui_text
from assistant.errors import ConfigError
from assistant.feedback import FeedbackStore, FeedbackStoreError
from assistant.insights import csv_bytes, rows_csv
from assistant.settings import resolve_settings
from assistant.ui_text import label

log = logging.getLogger("assistant.insights")

DAYS = 30
SHORT = 40  # characters of an entry's question shown on a chart axis
FAIL_DELAY_S = 1.0  # a wrong password waits this long times the session's failures so far
MAX_FAIL_DELAY_S = 30.0


def _short(text: str | None, fallback: str) -> str:
    if not text:
        return fallback
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def _check_password(password: str) -> None:
    """Callback of the password box: unlock, or count the failure and wait longer after each one
    (a guess costs more each time; the wait happens before the page answers)."""
    typed = st.session_state.get("insights_typed") or ""
    if not typed:
        return
    if hmac.compare_digest(typed.encode(), password.encode()):
        st.session_state.insights_unlocked = True
        st.session_state.insights_failures = 0
    else:
        failures = int(st.session_state.get("insights_failures", 0)) + 1
        st.session_state.insights_failures = failures
        delay = min(FAIL_DELAY_S * failures, MAX_FAIL_DELAY_S)
        log.warning("wrong insights password (failure %d in this session); waiting %.0f s", failures, delay)
        time.sleep(delay)
    st.session_state.insights_typed = ""  # the next guess is a new entry, checked (and slowed) again


def _unlocked(lang: str) -> bool:
    """Ask for ASSISTANT_INSIGHTS_PASSWORD: the page shows customer questions, so with no password set
    it stays closed."""
    password = resolve_settings().insights_password
    if not password:
        st.error(label(lang, "insights_closed"))
        return False
    if st.session_state.get("insights_unlocked"):
        return True
    st.text_input(
        label(lang, "insights_password"),
        type="password",
        key="insights_typed",
        on_change=_check_password,
        args=(str(password),),
    )
    if st.session_state.get("insights_failures"):
        st.error(label(lang, "insights_wrong_password"))
    else:
        st.info(label(lang, "insights_locked"))
    return False


def _unanswered(store: FeedbackStore, lang: str) -> None:
    st.subheader(label(lang, "unanswered_title"))
    st.caption(label(lang, "unanswered_help"))
    groups = store.unanswered_groups()
    if not groups:
        st.info(label(lang, "unanswered_empty"))
        return
    frame = pd.DataFrame(
        {
            label(lang, "col_question"): [g.question for g in groups],
            label(lang, "col_count"): [g.count for g in groups],
            label(lang, "col_no_answer"): [g.no_answer for g in groups],
            label(lang, "col_thumbs_down"): [g.thumbs_down for g in groups],
            label(lang, "col_last_asked"): [g.last_asked for g in groups],
            label(lang, "col_variants"): [" | ".join(g.variants) for g in groups],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        label(lang, "download_unanswered"),
        data=csv_bytes(rows_csv(groups)),
        file_name="faq-unanswered.csv",
        mime="text/csv",
    )


def _top_entries(store: FeedbackStore, lang: str) -> None:
    st.subheader(label(lang, "top_entries_title"))
    hits = store.top_entries()
    if not hits:
        st.info(label(lang, "no_data"))
        return
    frame = pd.DataFrame(
        {
            label(lang, "col_entry"): [_short(h.entry_question, h.entry_id) for h in hits],
            label(lang, "col_hits"): [h.hits for h in hits],
        }
    )
    st.bar_chart(frame, x=label(lang, "col_entry"), y=label(lang, "col_hits"), horizontal=True, sort=False)


def _votes(store: FeedbackStore, lang: str) -> None:
    st.subheader(label(lang, "votes_title"))
    votes = store.entry_votes()
    if not votes:
        st.info(label(lang, "no_data"))
        return
    ratio = label(lang, "col_ratio")
    frame = pd.DataFrame(
        {
            label(lang, "col_entry"): [_short(v.entry_question, label(lang, "no_answer_entry")) for v in votes],
            label(lang, "col_up"): [v.up for v in votes],
            label(lang, "col_down"): [v.down for v in votes],
            ratio: [v.ratio for v in votes],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={ratio: st.column_config.ProgressColumn(ratio, min_value=0.0, max_value=1.0, format="percent")},
    )


def _per_day(store: FeedbackStore, lang: str) -> None:
    st.subheader(label(lang, "per_day_title"))
    days = store.questions_per_day(DAYS)
    if not any(d.questions for d in days):
        st.info(label(lang, "no_data"))
        return
    answered, unanswered = label(lang, "col_questions"), label(lang, "col_unanswered")
    frame = pd.DataFrame(
        {
            label(lang, "col_day"): [d.day for d in days],
            answered: [d.questions - d.unanswered for d in days],
            unanswered: [d.unanswered for d in days],
        }
    )
    st.bar_chart(frame, x=label(lang, "col_day"), y=[answered, unanswered], stack=True)


def main() -> None:
    st.set_page_config(page_title="FAQ insights", page_icon="📊", layout="wide")
    lang = ui_text.language_or_default(st.session_state.get("ui_lang") or st.query_params.get("lang"))
    st.title(label(lang, "insights_title"))
    st.caption(label(lang, "insights_intro"))
    try:
        settings = resolve_settings()
    except ConfigError as exc:  # e.g. a blank ASSISTANT_INSIGHTS_PASSWORD: closed, and the log says why
        log.error("insights closed: %s", exc)
        st.error(label(lang, "insights_closed"))
        return
    if not _unlocked(lang):
        return
    try:
        store = FeedbackStore(settings.feedback_db, retention_days=settings.retention_days)
        summary = store.summary()
        cols = st.columns(5)
        cols[0].metric(label(lang, "metric_questions"), summary.questions)
        cols[1].metric(label(lang, "metric_unanswered"), summary.unanswered)
        cols[2].metric(label(lang, "metric_up"), summary.votes_up)
        cols[3].metric(label(lang, "metric_down"), summary.votes_down)
        cols[4].metric(label(lang, "metric_handoffs"), summary.handoffs)
        _unanswered(store, lang)
        left, right = st.columns(2)
        with left:
            _top_entries(store, lang)
        with right:
            _votes(store, lang)
        _per_day(store, lang)
        st.download_button(
            label(lang, "download_questions"),
            data=csv_bytes(store.questions_csv()),
            file_name="faq-questions.csv",
            mime="text/csv",
        )
    except FeedbackStoreError as exc:
        log.error("insights unavailable: %s", exc)
        st.error(label(lang, "insights_unavailable", error=exc))


main()
