"""Streamlit chat for FAQ Assistant (minimal; it renders what ``assistant`` decides)."""

from __future__ import annotations

import streamlit as st

from assistant import Assistant, AssistantError

st.set_page_config(page_title="FAQ Assistant", page_icon="💬")


@st.cache_resource(show_spinner="Loading the FAQ…")
def _assistant() -> Assistant:
    return Assistant.load()


st.title("GLM Coding Plan FAQ")
if "history" not in st.session_state:
    st.session_state.history = []
for role, text in st.session_state.history:
    with st.chat_message(role):
        st.markdown(text) if role == "assistant" else st.text(text)
question = st.chat_input("问一个问题 / Ask a question", max_chars=2000)
if question:
    st.session_state.history.append(("user", question))
    with st.chat_message("user"):
        st.text(question)
    try:
        reply = _assistant().ask(question).answer
    except AssistantError as exc:
        reply = str(exc)
    st.session_state.history.append(("assistant", reply))
    with st.chat_message("assistant"):
        st.markdown(reply)
