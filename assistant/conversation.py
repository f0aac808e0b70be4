"""Conversations: answer a message with the turns before it in mind.

:meth:`assistant.engine.Assistant.ask` answers one question alone; a :class:`Conversation` (from
``Assistant.conversation(state)``) answers a customer's follow-ups. Each message is first answered alone;
the context is used only where the message alone does not stand:

1. **sum** -- "那两次加起来呢", "add them up" after two computed values of one unit: their sum, with the step.
2. **reply** -- the calculator asked for a missing value ("请告诉我好友首单最终实际支付了多少现金") and the message
   is that value ("1000元", "下午3点", "2026-03-10", "He paid 250 yuan"): the earlier question with it appended.
3. **slot** -- after a calculation, a short elliptical message that changes one input ("那非高峰呢", "Max 呢",
   "如果是 500 元呢", "and at 9pm?", "每周呢"): the earlier question with that input replaced.
4. **context** -- a short follow-up with a pointing word ("到账以后在哪里看", "can I withdraw it?") that alone gets
   ``no_answer`` or a best guess: retried with the previous question prepended, kept only when the decision
   model then answers confidently.

Steps 2 and 3 are kept only when the calculator then computes a value and the message alone did not; a fresh,
complete question is answered as if alone. The state is small plain data (:class:`ConversationState`):
the last :data:`MAX_TURNS` turns' kinds, entry ids, calculator rule, slots and what was asked for, serialisable
to JSON so that a web session or an HTTP client can carry it, forgotten after :data:`MAX_AGE_S` of silence.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from . import compose
from .errors import InvalidQuestion
from .models import Answer, Value
from .normalize import CJK_SPAN, detect_language

if TYPE_CHECKING:
    from .engine import Assistant

log = logging.getLogger(__name__)

STATE_VERSION = 1
MAX_TURNS = 4  # turns remembered
MAX_AGE_S = 30 * 60  # a conversation silent this long starts over
MAX_STATE_CHARS = 16_000  # a state from a client longer than this is refused unread
MAX_TURN_CHARS = 300  # the remembered text of a turn is cut to this
# A follow-up longer than this is a question of its own, not an ellipsis.
SHORT_CHARS = 24
SHORT_WORDS = 10

# "加起来", "add them up": the follow-up asks for the sum of the last two computed values.
_SUM = re.compile(
    r"加起来|加在一起|一共|总共|合计|总计|\badd (?:them|those|these|both|it all|the two)(?: up)?\b|\bin total\b|"
    r"\baltogether\b|\bcombined\b|\bsum\b|\btotal\b",
    re.IGNORECASE,
)
# "两次", "both", "them": the two things a sum adds.
_BOTH = re.compile(r"两|二者|俩|\b(?:both|them|those|these|two)\b", re.IGNORECASE)
# A pointing follow-up this short overrides even a confident reading of itself alone: it is a fragment.
FRAGMENT_CHARS = 10
FRAGMENT_WORDS = 5
# Words that point back at the previous turn: a short message holding one leans on it.
_POINTER = re.compile(
    r"^(?:那|那么)|呢|它|这个|那个|这些|那些|以后|之后|然后|在哪|哪里|"
    r"\b(?:it|its|that|this|those|them|they|there|then|also|instead)\b|^\s*(?:and|so|what about|how about|what if)\b",
    re.IGNORECASE,
)
# Words an elliptical calculator follow-up is made of besides its new input.
_FILLER = re.compile(
    r"那么|那|呢|吗|吧|啊|呀|如果|要是|假如|换成|改成|改为|的话|是|的|再|又|另一个|另外|一个|个|位|次|元|块|钱|"
    r"他|她|付了|支付了|支付|付|了|朋友|好友|发|用|在|点|时候|期|时段|呢|[?？!！,，。.、~]|"
    r"\b(?:and|what|about|if|how|he|she|they|i|had|has|have|paid|pays|pay|was|were|is|are|instead|then|at|on|in|"
    r"for|the|a|an|with|yuan|rmb|cny|bucks|prompts?|plan|say|case|ok|okay|so|that|this|one|another|friend|my|"
    r"his|her|sent|send|of|it|to|be|would|s)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_CJK = re.compile(f"[{CJK_SPAN}]")
_WORD = re.compile(r"[A-Za-z]+")


# ---------------------------------------------------------------------------------------------- state
@dataclass(frozen=True)
class Turn:
    """What a conversation remembers of one turn (plain data only)."""

    question: str  # the text that was answered (the follow-up completed with its context)
    kind: str  # the answer's kind
    entries: tuple[str, ...] = ()  # ids of the cited / retrieved entries, best first
    rule: str | None = None  # the calculator rule that took it ("referral_credit", "glm5_cost"...)
    calc: str | None = None  # the calculator's reply: "computed", "asked", "refused" or "explained"
    slots: dict[str, Any] = field(default_factory=dict)  # the rule's inputs, JSON-ready
    missing: str | None = None  # what the calculator asked for (its message key)
    value: Value = None
    unit: str | None = None
    at: float = 0.0  # POSIX seconds of the answer

    @property
    def pending(self) -> bool:
        """True when the assistant asked for a value and waits for it."""
        return self.calc == "asked"


@dataclass(frozen=True)
class ConversationState:
    """The last turns of a conversation, oldest first. Serialise with :meth:`to_json`."""

    turns: tuple[Turn, ...] = ()

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def expired(self, now: float, max_age_s: float = MAX_AGE_S) -> bool:
        """True when the last turn is older than ``max_age_s`` seconds at POSIX time ``now``."""
        last = self.last
        return last is not None and now - last.at > max_age_s

    def push(self, turn: Turn, max_turns: int = MAX_TURNS) -> ConversationState:
        """This state with ``turn`` added, keeping the last ``max_turns``."""
        return ConversationState((*self.turns, turn)[-max_turns:])

    def to_json(self) -> str:
        """One line of JSON, the inverse of :meth:`from_json`."""
        turns = [
            {
                "q": t.question,
                "kind": t.kind,
                "entries": list(t.entries),
                "rule": t.rule,
                "calc": t.calc,
                "slots": t.slots,
                "missing": t.missing,
                "value": list(t.value) if isinstance(t.value, tuple) else t.value,
                "unit": t.unit,
                "at": t.at,
            }
            for t in self.turns
        ]
        return json.dumps({"v": STATE_VERSION, "turns": turns}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> ConversationState:
        """Read a state written by :meth:`to_json`. Raises :class:`InvalidQuestion` naming what is wrong
        (a client may send anything): too long, not JSON, unknown version, a field of the wrong type."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if not isinstance(text, str):
            raise InvalidQuestion(f"conversation state must be JSON text, got {type(text).__name__}")
        if len(text) > MAX_STATE_CHARS:
            raise InvalidQuestion(f"conversation state is {len(text)} characters, over {MAX_STATE_CHARS}")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidQuestion(f"conversation state is not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            raise InvalidQuestion(f"conversation state must be an object with v={STATE_VERSION}")
        raw_turns = data.get("turns")
        if not isinstance(raw_turns, list):
            raise InvalidQuestion("conversation state: 'turns' must be a list")
        turns = tuple(_turn_from(raw, i) for i, raw in enumerate(raw_turns[-MAX_TURNS:]))
        return cls(turns)


def _turn_from(raw: object, number: int) -> Turn:
    where = f"conversation state: turn {number}"
    if not isinstance(raw, dict):
        raise InvalidQuestion(f"{where} must be an object")

    def text(key: str, optional: bool = True) -> str | None:
        value = raw.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise InvalidQuestion(f"{where}: {key!r} must be text, got {type(value).__name__}")
        return value[:MAX_TURN_CHARS]

    entries = raw.get("entries", [])
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise InvalidQuestion(f"{where}: 'entries' must be a list of ids")
    slots = raw.get("slots", {})
    if not isinstance(slots, dict):
        raise InvalidQuestion(f"{where}: 'slots' must be an object")
    at = raw.get("at", 0.0)
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        raise InvalidQuestion(f"{where}: 'at' must be a number of seconds, got {at!r}")
    value = raw.get("value")
    if isinstance(value, list):
        if len(value) != 2 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            raise InvalidQuestion(f"{where}: 'value' as a list must be two numbers")
        value = (value[0], value[1])
    elif value is not None and not isinstance(value, int | float | str | bool):
        raise InvalidQuestion(f"{where}: 'value' has an unusable type {type(value).__name__}")
    kind = text("kind", optional=False)
    if kind not in ("faq", "calculation", "no_answer"):
        raise InvalidQuestion(f"{where}: 'kind' must be faq, calculation or no_answer, got {kind!r}")
    return Turn(
        question=text("q", optional=False) or "",
        kind=kind,
        entries=tuple(entries[:5]),
        rule=text("rule"),
        calc=text("calc"),
        slots=slots,
        missing=text("missing"),
        value=value,
        unit=text("unit"),
        at=float(at),
    )


# ---------------------------------------------------------------------------------------------- reading follow-ups
def is_short(text: str) -> bool:
    """A message short enough to be a follow-up rather than a question of its own."""
    return len(text) <= SHORT_CHARS or (len(_WORD.findall(text)) <= SHORT_WORDS and not _CJK.search(text))


def asks_sum(text: str) -> bool:
    """ "那两次加起来呢", "add them up": the sum of what came before (and no number of its own)."""
    return (
        is_short(text)
        and bool(_SUM.search(text))
        and bool(_BOTH.search(text) or _POINTER.search(text))
        and not re.search(r"\d", text)
    )


def points_back(text: str) -> bool:
    """A short message with a word pointing at the previous turn ("那…", "…呢", "it", "there")."""
    return is_short(text) and bool(_POINTER.search(text))


def residual(text: str, plans: tuple[str, ...]) -> str:
    """What is left of a message once its calculator inputs and filler words are removed (see :func:`elliptical`)."""
    from .calculator.lexicon import LEXICON
    from .calculator.numbers import blank
    from .calculator.query import analyze

    q = analyze(text, plans)
    rest = q.rest
    for quantity in q.quantities:
        rest = blank(rest, quantity.start, quantity.end)
    for plan in q.plans:
        rest = re.sub(rf"\b{re.escape(plan)}\b", " ", rest, flags=re.ASCII)
    for name in ("offpeak", "peak", "now"):
        rest = LEXICON[name].sub(" ", rest)
    rest = re.sub(r"套餐|每|\bper\b|\bevery\b|\beach\b", " ", rest)
    return " ".join(_FILLER.sub(" ", rest).split())


def elliptical(text: str, plans: tuple[str, ...]) -> bool:
    """A message that is only a new input, with filler: "Max 呢", "那非高峰呢", "and at 9pm?", "1000元"."""
    if not is_short(text):
        return False
    rest = residual(text, plans)
    return len(_CJK.findall(rest)) <= 2 and len(_WORD.findall(rest)) <= 1


def rewrite(previous: str, follow_up: str, plans: tuple[str, ...]) -> str | None:
    """``previous`` with the inputs that ``follow_up`` names put in place of its own, or None when the
    follow-up names none. An input with no counterpart in ``previous`` is appended.

    >>> rewrite("高峰期用 GLM-5 发了 100 个 prompt，扣多少额度", "那非高峰呢", ("lite", "pro", "max"))
    '非高峰期用 glm-5 发了 100 个 prompt,扣多少额度'
    """
    from .calculator.lexicon import LEXICON, WINDOWS
    from .calculator.query import analyze

    prev, fu = analyze(previous, plans), analyze(follow_up, plans)
    base = prev.text
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) on base
    extra: list[str] = []

    def place(spans: list[tuple[int, int]], replacement: str) -> None:
        spans = sorted(spans)
        if not spans:
            extra.append(replacement)
            return
        edits.append((spans[0][0], spans[0][1], replacement))
        edits.extend((s, e, "") for s, e in spans[1:])

    if fu.plans:
        spans = [m.span() for p in prev.plans for m in re.finditer(rf"\b{re.escape(p)}\b", base, re.ASCII)]
        place(spans, fu.plans[0])
    if fu.times or fu.has("peak", "offpeak"):
        # A new time replaces the old time (or, without one, the peak word); a peak word the old peak word.
        offpeak = [m.span() for m in LEXICON["offpeak"].finditer(base)]
        words = offpeak + [
            m.span() for m in LEXICON["peak"].finditer(base) if not any(s <= m.start() < e for s, e in offpeak)
        ]
        times = [(t.start, t.end) for t in prev.times]
        if fu.times:
            place(times or words, " ".join(t.text for t in fu.times))
        else:
            word = LEXICON["offpeak"].search(fu.text) or LEXICON["peak"].search(fu.text)
            place(words or times, word.group(0) if word else "")
    if fu.dates:
        place([(d.start, d.end) for d in prev.dates], fu.dates[0].text)
    for name in fu.windows:
        found = WINDOWS[name].search(fu.text)
        spans = [m.span() for w in prev.windows for m in WINDOWS[w].finditer(base)]
        place(spans, found.group(0) if found else name)
    for quantity in fu.quantities:
        same = [x for x in prev.quantities if x.unit == quantity.unit]
        loose = [x for x in prev.quantities if quantity.unit == "none" or x.unit == "none"]
        candidates = same or loose
        if not candidates:
            extra.append(quantity.text)
            continue
        target = candidates[-1]
        # Only the number is replaced, so that words blanked inside the old span ("4 GLM-5 prompts") stay.
        number = _NUMBER.search(base, target.start, target.end)
        if number is not None:
            edits.append((number.start(), number.end(), _number(quantity.value)))
        else:
            edits.append((target.start, target.end, quantity.text))
    if not edits and not extra:
        return None
    taken: list[tuple[int, int]] = []
    for start, end, new in sorted(edits, key=lambda e: -e[0]):
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        base = base[:start] + new + base[end:]
    return " ".join((base + (" " + " ".join(extra) if extra else "")).split())


def _number(value: Decimal) -> str:
    try:
        return format(value.normalize(), "f")
    except (InvalidOperation, ValueError):
        return str(value)


# ---------------------------------------------------------------------------------------------- the conversation
class Conversation:
    """A conversation with the assistant. Not thread-safe: one per chat session.

    ``ask(question)`` answers with the turns before it in mind; :attr:`state` is the plain state after
    the last turn (carry it with :meth:`to_json` and ``Assistant.conversation(state_json)``).
    """

    def __init__(
        self,
        assistant: Assistant,
        state: ConversationState | str | None,
        *,
        calculator: Callable[[], Any],
        clock: Callable[[], datetime],
    ) -> None:
        self.assistant = assistant
        self.state = ConversationState.from_json(state) if isinstance(state, str) else (state or ConversationState())
        self._calculator = calculator
        self._clock = clock

    def to_json(self) -> str:
        return self.state.to_json()

    def reset(self) -> None:
        """Start over: the next message is answered as the first."""
        self.state = ConversationState()

    def ask(self, question: str) -> Answer:
        """Answer ``question`` as the next turn. Raises only :class:`InvalidQuestion` (state unchanged)."""
        text = self.assistant.validate(question)
        now = self._clock()
        if self.state.expired(now.timestamp()):
            log.info("conversation silent for over %d s: starting over", MAX_AGE_S)
            self.state = ConversationState()
        answer, effective, how = self._answer(text)
        if how != "alone":
            log.info("follow-up answered by %s: %r -> %r", how, text[:80], effective[:120])
        self.state = self.state.push(self._turn(effective, answer, how, now))
        return answer

    # ------------------------------------------------------------------ deciding
    def _answer(self, text: str) -> tuple[Answer, str, str]:
        """(answer, the text answered, how: "alone", "sum", "reply", "slot" or "context")."""
        last = self.state.last
        alone = self.assistant.ask(text)
        if last is None or _computed(alone):
            return alone, text, "alone"
        if asks_sum(text):
            total = self._sum()
            # Nothing to add up: answered alone, never pulled toward the previous (FAQ) topic.
            return (total, text, "sum") if total is not None else (alone, text, "alone")
        calculator = self._calculator()
        plans: tuple[str, ...] = tuple(calculator.facts.plans) if calculator is not None else ()
        if last.rule is not None and calculator is not None:
            follow = elliptical(text, plans)
            if last.pending and follow:
                combined = f"{last.question}，{text}"
                answer = self.assistant.ask(combined)
                if _computed(answer):
                    return answer, combined, "reply"
            if last.calc == "computed" and follow:
                rewritten = rewrite(last.question, text, plans)
                if rewritten is not None:
                    answer = self.assistant.ask(rewritten)
                    if _computed(answer):
                        return answer, rewritten, "slot"
        if points_back(text) and alone.error is None:
            combined = f"{last.question} {text}"
            in_context = self._in_context(alone, text, combined, last)
            if in_context is not None:
                return in_context, combined, "context"
        return alone, text, "alone"

    def _in_context(self, alone: Answer, text: str, combined: str, last: Turn) -> Answer | None:
        """The answer to a pointing follow-up read with the previous question, or None to answer it alone.

        A follow-up that points back asks something *new* about the previous topic, so the entry the
        previous turn answered is passed over ("赠金什么时候到账" → "到账以后在哪里看" wants where to see
        the credit, not when it arrives again). The context reading is kept when the message alone was
        refused or a guess, or when its confident answer is none of the context reading's candidates
        (then it matched words of the fragment, not the thread); otherwise the message alone stands.
        """
        answered = _confident(alone)
        before = set(last.entries[:1]) if last.kind == "faq" else set()
        if answered and (not _fragment(text) or (alone.matches and alone.matches[0].id in before)):
            return None  # a whole question, or the same entry asked again in other words: it stands alone
        context = self.assistant.ask(combined)
        if not _confident(context):
            return None
        others = [m for m in context.matches if m.id not in before]
        if not others:
            return None
        if answered and alone.matches and alone.matches[0].id in {m.id for m in others}:
            return None  # the message alone agrees with the thread: keep its own reading
        pick = others[0]
        if pick.id == context.matches[0].id:
            return context
        chosen = self.assistant.ask(pick.question)  # the runner-up, answered in its own words
        return chosen if _confident(chosen) and chosen.matches and chosen.matches[0].id == pick.id else None

    def _sum(self) -> Answer | None:
        """The sum of the last two computed numbers of one unit, with the step; None when there are not two."""
        numbers = [t for t in self.state.turns if t.calc == "computed" and _is_number(t.value)]
        if len(numbers) < 2 or numbers[-1].unit != numbers[-2].unit:
            return None
        a, b = numbers[-2], numbers[-1]
        if not (isinstance(a.value, int | float) and isinstance(b.value, int | float)):
            return None
        total = _tidy(Decimal(str(a.value)) + Decimal(str(b.value)))
        language = detect_language(a.question + b.question) if a.question else "zh"
        unit = _UNIT_WORDS.get(b.unit or "", {}).get(language, b.unit or "")
        step = f"{_tidy(Decimal(str(a.value)))} + {_tidy(Decimal(str(b.value)))} = {total}"
        head = f"**两次合计 {total} {unit}**" if language == "zh" else f"**Both together: {total} {unit}**"
        by_id = {e.id: e for e in self.assistant.entries}
        ids = dict.fromkeys((*a.entries, *b.entries))
        value: int | float = int(total) if total == total.to_integral_value() else float(total)
        return compose.compose_computed(
            headline=head,
            steps=(step,),
            notes=(),
            cites=[by_id[i] for i in ids if i in by_id],
            value=value,
            unit=b.unit,
            language=language,
            faq_url=self.assistant.settings.faq_url,
        )

    # ------------------------------------------------------------------ remembering
    def _turn(self, effective: str, answer: Answer, how: str, now: datetime) -> Turn:
        entries = tuple(m.id for m in answer.matches[:3])
        rule = calc = missing = None
        slots: dict[str, Any] = {}
        calculator = self._calculator()
        if how == "sum":
            rule, calc = "sum", "computed"
        elif calculator is not None and answer.confidence is None and answer.kind != "no_answer":
            state = calculator.last_state_for(effective, now=now)
            if state is not None:
                rule, calc, slots, missing = state.rule, state.kind, dict(state.slots), state.missing
        value = answer.value if answer.kind == "calculation" and answer.error is None else None
        return Turn(
            question=effective[:MAX_TURN_CHARS],
            kind=answer.kind,
            entries=entries,
            rule=rule,
            calc=calc,
            slots=slots,
            missing=missing,
            value=value,
            unit=answer.unit,
            at=now.timestamp(),
        )


_UNIT_WORDS = {
    "prompts": {"zh": "次 prompt 额度", "en": "prompts of quota"},
    "CNY": {"zh": "元", "en": "CNY"},
    "model_calls": {"zh": "次模型调用", "en": "model calls"},
    "calls": {"zh": "次", "en": "calls"},
}


def _fragment(text: str) -> bool:
    """A message too short to be a question of its own ("到账以后在哪里看", "and where is it?")."""
    if _CJK.search(text):
        return len(_CJK.findall(text)) <= FRAGMENT_CHARS
    return len(_WORD.findall(text)) <= FRAGMENT_WORDS


def _confident(answer: Answer) -> bool:
    """An FAQ answer the decision model stands behind (not refused, not a best guess)."""
    return answer.kind == "faq" and answer.error is None and not answer.best_guess and answer.confidence is not None


def _computed(answer: Answer) -> bool:
    return answer.kind == "calculation" and answer.value is not None and answer.error is None


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _tidy(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


__all__ = [
    "MAX_AGE_S",
    "MAX_TURNS",
    "Conversation",
    "ConversationState",
    "Turn",
    "asks_sum",
    "elliptical",
    "points_back",
    "rewrite",
]
