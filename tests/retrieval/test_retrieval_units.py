"""Unit tests of retrieval's logic: lexical scoring, the score fusion, and the large-KB paths
(candidates above ``SCORE_ALL_UP_TO``, HNSW above ``APPROXIMATE_FROM``), built with the fake
hashing encoder of conftest so they run in well under a second each. Ranking *quality* with the
real model is tested in test_engine.py / test_decision.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import retrieval
from assistant.index import HNSW_EF_SEARCH, LoadedIndex, build_index
from assistant.index import builder as index_module
from assistant.lexical import LexicalIndex
from assistant.normalize import tokenize
from assistant.retrieval import Retriever, Scored, Weights
from tests.conftest import HashingEncoder, write_kb

TOPICS = [
    ("How do I reset my password?", "Open account settings and choose reset password."),
    ("How do I cancel my subscription?", "Go to billing and press cancel subscription."),
    ("Which payment methods are supported?", "We accept credit cards, WeChat Pay and Alipay."),
    ("How do I download an invoice?", "Invoices are listed under billing history."),
    ("Can I change the email address of my account?", "Yes, in profile you can edit the email."),
    ("What is the refund policy?", "Refunds are possible within seven days of purchase."),
    ("How do I invite a teammate?", "Use the members page to send an invitation link."),
    ("Is there an API rate limit?", "Each key may send sixty requests per minute."),
    ("How do I delete my account?", "Contact support; deletion cannot be undone."),
    ("Which regions host the servers?", "Servers run in Singapore and Frankfurt."),
    ("How do I enable two factor authentication?", "Scan the QR code with an authenticator app."),
    ("What happens when my quota runs out?", "Requests are rejected until the quota resets."),
]


def _kb_text(topics: list[tuple[str, str]]) -> str:
    blocks = [f"**Q: {q}**\n\n**A:** {a}\n" for q, a in topics]
    return "# FAQ\n\n## Account\n\n" + "\n***\n\n".join(blocks)


def _build(tmp_path: Path, encoder: HashingEncoder, name: str = "data") -> LoadedIndex:
    kb = write_kb(tmp_path / "kb", _kb_text(TOPICS))
    return build_index(kb, tmp_path / name, encoder)


@pytest.fixture
def loaded(tmp_path: Path, fake_encoder: HashingEncoder) -> LoadedIndex:
    return _build(tmp_path, fake_encoder)


def _lexical() -> LexicalIndex:
    return LexicalIndex([(q,) for q, _ in TOPICS], [a for _, a in TOPICS])


def _row(question: str) -> int:
    return next(i for i, (q, _) in enumerate(TOPICS) if q == question)


# ---------------------------------------------------------------------------------------- fake encoder
def test_fake_encoder_is_deterministic_unit_length_and_similarity_aware(fake_encoder: HashingEncoder) -> None:
    texts = ["reset my password", "reset my password", "password reset please", "servers in Frankfurt"]
    vectors = fake_encoder.encode_queries(texts)
    assert vectors.shape == (4, fake_encoder.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[1])
    np.testing.assert_array_equal(fake_encoder.encode_passages(texts[:1])[0], vectors[0])
    assert vectors[0] @ vectors[2] > vectors[0] @ vectors[3]


# ---------------------------------------------------------------------------------------- lexical
def test_coverage_is_one_for_the_entry_holding_every_term_and_zero_for_unrelated_ones() -> None:
    lexical = _lexical()
    q_cov, a_cov, fuzzy = lexical.scores("reset password")
    target = _row("How do I reset my password?")
    assert q_cov[target] == pytest.approx(1.0)
    assert q_cov[_row("Which regions host the servers?")] == 0.0
    assert ((q_cov >= 0) & (q_cov <= 1)).all() and ((a_cov >= 0) & (a_cov <= 1)).all()
    assert ((fuzzy >= 0) & (fuzzy <= 1)).all()
    assert int(np.argmax(fuzzy)) == target


def test_partial_coverage_is_the_idf_share_of_the_terms_found() -> None:
    lexical = _lexical()
    # "password" is in one entry, "frankfurt" only in an answer: the question field covers a part only.
    q_cov, a_cov, _ = lexical.scores("password frankfurt")
    target = _row("How do I reset my password?")
    assert 0.0 < q_cov[target] < 1.0
    servers = _row("Which regions host the servers?")
    assert q_cov[servers] == 0.0 and 0.0 < a_cov[servers] < 1.0


def test_a_typo_is_corrected_to_the_known_word_and_scores_like_it() -> None:
    lexical = _lexical()
    assert "subscription" in lexical.query_terms("cancel subscripton")
    typo = lexical.scores("cancel subscripton")
    right = lexical.scores("cancel subscription")
    for a, b in zip(typo, right):
        np.testing.assert_allclose(a, b, atol=0.05)  # fuzzy differs by the one letter only
    np.testing.assert_array_equal(typo[0], right[0])


def test_filler_words_do_not_dilute_coverage() -> None:
    lexical = _lexical()
    plain = lexical.scores("reset password")
    wrapped = lexical.scores("Hi team, thanks! Could you please tell me how I reset my password?")
    assert lexical.query_terms("Hi team, thanks! Could you please tell me how I reset my password?") == [
        "reset",
        "password",
    ]
    np.testing.assert_array_equal(plain[0], wrapped[0])
    np.testing.assert_array_equal(plain[1], wrapped[1])
    assert not {"你好", "请问", "谢谢"} & set(tokenize("你好，请问密码怎么重置？谢谢"))


def test_candidates_are_the_entries_sharing_the_rare_terms_sorted() -> None:
    lexical = _lexical()
    found = lexical.candidates("quota authenticator", limit=5)
    assert list(found) == sorted(found)
    quota, two_factor = _row("What happens when my quota runs out?"), _row("How do I enable two factor authentication?")
    assert set(found) == {quota, two_factor}
    assert len(lexical.candidates("zzzz qqqq", limit=5)) == 0


# ---------------------------------------------------------------------------------------- fusion
def _fused(s: Scored, w: Weights) -> float:
    return w.dense_q * s.dense_q + w.dense_a * s.dense_a + w.lex_q * s.lex_q + w.lex_a * s.lex_a + w.fuzzy * s.fuzzy


def test_default_weights_sum_to_one_and_lexical_only_moves_the_dense_weight() -> None:
    w = Weights()
    assert w.dense_q + w.dense_a + w.lex_q + w.lex_a + w.fuzzy == pytest.approx(1.0)
    lex = w.lexical_only()
    assert lex.dense_q == lex.dense_a == 0.0
    assert lex.lex_q + lex.lex_a + lex.fuzzy == pytest.approx(1.0)
    assert lex.lex_q / lex.fuzzy == pytest.approx(w.lex_q / w.fuzzy)


def test_the_score_is_the_weighted_sum_of_its_parts(loaded: LoadedIndex, fake_encoder: HashingEncoder) -> None:
    retriever = Retriever(loaded, fake_encoder)
    ranked = retriever.rank("how can I reset my password", top_k=len(TOPICS))
    assert ranked[0].entry.question == "How do I reset my password?"
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    for s in ranked:
        assert s.score == pytest.approx(_fused(s, retriever.weights), abs=1e-6)
        assert 0.0 <= s.score <= 1.0
    assert ranked[0].dense_q > 0.0


def test_custom_weights_are_used(loaded: LoadedIndex, fake_encoder: HashingEncoder) -> None:
    only_dense = Weights(dense_q=1.0, dense_a=0.0, lex_q=0.0, lex_a=0.0, fuzzy=0.0)
    for s in Retriever(loaded, fake_encoder, only_dense).rank("reset password", top_k=3):
        assert s.score == pytest.approx(s.dense_q, abs=1e-6)


def test_without_an_encoder_only_lexical_terms_score(loaded: LoadedIndex) -> None:
    retriever = Retriever(loaded, None)
    assert retriever.degraded and retriever.encode(["x"]) is None
    ranked = retriever.rank("cancel my subscription", top_k=3)
    assert ranked[0].entry.question == "How do I cancel my subscription?"
    lexical_only = Weights().lexical_only()
    for s in ranked:
        assert s.dense_q == s.dense_a == 0.0
        assert s.score == pytest.approx(_fused(s, lexical_only), abs=1e-6)


def test_a_precomputed_vector_gives_the_same_ranking(loaded: LoadedIndex, fake_encoder: HashingEncoder) -> None:
    retriever = Retriever(loaded, fake_encoder)
    question = "refund within seven days?"
    vector = retriever.encode([question])
    assert vector is not None
    assert retriever.rank(question, vector=vector[0]) == retriever.rank(question)


# ---------------------------------------------------------------------------------------- large-KB paths
def test_above_score_all_up_to_only_candidates_are_scored(
    loaded: LoadedIndex, fake_encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "what happens when the quota runs out"
    exact = Retriever(loaded, fake_encoder).rank(question, top_k=len(TOPICS))
    assert len(exact) == len(TOPICS)
    monkeypatch.setattr(retrieval, "SCORE_ALL_UP_TO", 4)
    monkeypatch.setattr(retrieval, "DENSE_CANDIDATES", 1)  # FAISS returns one unit, not every vector
    monkeypatch.setattr(retrieval, "LEXICAL_CANDIDATES", 3)
    retriever = Retriever(loaded, fake_encoder)
    ranked = retriever.rank(question, top_k=len(TOPICS))
    assert 0 < len(ranked) < len(TOPICS)  # the others were never scored
    assert ranked[0].entry == exact[0].entry
    by_id = {s.entry.id: s for s in exact}
    for s in ranked:  # a candidate's lexical parts are those of exact scoring; dense ones only where FAISS hit
        full = by_id[s.entry.id]
        assert (s.lex_q, s.lex_a, s.fuzzy) == (full.lex_q, full.lex_a, full.fuzzy)
        assert s.dense_q <= full.dense_q and s.dense_a <= full.dense_a
        assert s.score == pytest.approx(_fused(s, retriever.weights), abs=1e-6)
    allowed = {loaded.entries[i].id for i in retriever.lexical.candidates(question, 3)}
    assert {s.entry.id for s in ranked[1:]} <= allowed | {ranked[0].entry.id}


def test_above_approximate_from_the_index_is_hnsw_and_ranks_like_exact_search(
    tmp_path: Path, fake_encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    flat = _build(tmp_path, fake_encoder, "flat")
    assert flat.manifest.index_type == "flat"
    monkeypatch.setattr(index_module, "APPROXIMATE_FROM", 10)
    hnsw = _build(tmp_path, fake_encoder, "hnsw")
    assert hnsw.manifest.index_type == "hnsw32"
    assert hnsw.faiss_index.ntotal == flat.faiss_index.ntotal >= 10
    hnsw.faiss_index.hnsw.efSearch = 16  # as an index built with a narrower setting would have
    retriever = Retriever(hnsw, fake_encoder)
    assert hnsw.faiss_index.hnsw.efSearch == HNSW_EF_SEARCH
    exact = Retriever(flat, fake_encoder)
    for question, _ in TOPICS:
        approx_top = retriever.rank(question, top_k=3)
        exact_top = exact.rank(question, top_k=3)
        assert approx_top[0].entry.question == question
        assert [s.entry.id for s in approx_top] == [s.entry.id for s in exact_top]


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("那自动续费怎么关掉", "自动续费怎么关掉"),
        ("那么，能退款吗", "能退款吗"),
        ("So how do I cancel?", "how do I cancel?"),
        ("and also, can I share it", "can I share it"),
        ("那个套餐多少钱", "那个套餐多少钱"),  # 那个 is "that one", not an opening word
        ("那么", "那么"),  # nothing would be left
        ("solo plan", "solo plan"),  # only whole words
    ],
)
def test_opening_words_carry_no_content(text: str, stripped: str) -> None:
    from assistant.normalize import strip_opening

    assert strip_opening(text) == stripped


LONG_ANSWER = (
    "订阅服务按月计费。到期前会自动续费，续费日期为每月的订阅日。"
    "如需取消自动续费，请在个人中心的订阅管理页面关闭自动续费开关，关闭后当前周期仍可使用。"
    "续费失败时系统会在三天内重试。套餐的额度在每个周期开始时重置。如有其他问题请联系客服。"
    "升级套餐时，新套餐立即生效，差价按剩余天数折算。降级会在下一个周期生效，当前周期不受影响。"
    "团队版需要单独购买，个人套餐不能多人共用，共享账号可能导致账号被限制使用。"
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("怎么关闭自动续费", ("如需取消自动续费，请在个人中心的订阅管理页面关闭自动续费开关，关闭后当前周期仍可使用。",)),  # noqa: E501
        ("续费失败会重试吗", ("续费失败时系统会在三天内重试。",)),
        ("how do I get an invoice", ()),  # no sentence holds the question's terms
    ],
)
def test_key_sentences_are_the_entrys_own_words_that_hold_the_question(
    question: str, expected: tuple[str, ...]
) -> None:
    from assistant.compose import key_sentences

    assert key_sentences(question, LONG_ANSWER) == expected


def test_a_short_answer_has_no_key_sentence() -> None:
    from assistant.compose import key_sentences

    assert key_sentences("怎么关闭自动续费", "在订阅管理页面关闭自动续费开关即可。") == ()
