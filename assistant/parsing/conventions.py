"""The markdown conventions an FAQ may be written in, each a reader over markdown-it tokens.

A reader returns :class:`Reading`: the raw entries it found (question, section path,
answer source lines) and the problems it met. :func:`read_markdown` runs every reader
(or the one the KB settings name) and keeps the reading with the most questions; ties go
to the first in :data:`FORMATS` order, so the choice is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .markup import LINE_BREAK, TAG, inline_plain, parser, render_inline

SECTION_SEPARATOR = " › "

# Bold labels: **Q：question**, **Q:** question, **Q**. question, **问：**… (and A/答 likewise).
_BOLD_Q = re.compile(r"^\s*(\*\*|__)\s*(?:Q|问)\s*(?:[:：．.]\s*\1|\1\s*[:：．.]|[:：．.])\s*")
# Plain labels may be numbered: "Q1: …" / "A1: …", and "Q12 …" (a number, no colon).
_PLAIN_Q = re.compile(r"^\s*(?:Q|问)\s*(?:\d+\s*[:：]|\d+\s+(?=\S)|[:：])\s*")
_BOLD_A = re.compile(r"(\*\*|__)\s*(?:A|答)\s*(?:[:：．.]\s*\1|\1\s*[:：．.]|[:：．.]\s*\1)\s*")
_BOLD_A_LINE = re.compile(r"^\s*" + _BOLD_A.pattern)
_PLAIN_A = re.compile(r"^\s*(?:A|答)\s*\d*\s*[:：]\s*")
_LIST_MARK = re.compile(r"^(\s*(?:[-*+]|\d{1,9}[.)])\s+)")
_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_QUESTION_END = re.compile(r"[?？]\s*$")
_FRONT_OPEN = re.compile(r"^(---|\+\+\+)\s*$")
_FRONT_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*[:=]")
_HTML_COMMENT_LINE = re.compile(r"^\s*<!--.*-->\s*$")
# A heading's trailing anchor ({#id}, VitePress/kramdown/Hugo) is no part of the question.
_HEADING_ANCHOR = re.compile(r"\s*\{#[^{}\s]*\}\s*$")
# A question label before a heading's question ("Q1: …", "Q1.1.1：…", "Q: …") and an answer
# label starting its answer ("A: …", "**A**：…", "A1: …").
_HEADING_Q_LABEL = re.compile(r"^(?:Q|问)\s*\d*(?:\.\d+)*\s*[:：．.、]\s*(?=\S)")
_LABEL_ONLY = re.compile(r"^(?:Q|问题?)\s*\d+(?:\.\d+)*\s*[:：.]?$", re.IGNORECASE)
_ANSWER_LABEL = re.compile(r"^\s*(?:(\*\*|__)\s*(?:A|答)\s*\d*\s*(?:[:：]\s*\1|\1\s*[:：])|(?:A|答)\s*\d*\s*[:：])\s*")
_ZH_QUESTION = re.compile(r"[吗么呢]\s*$|什么|怎|如何|为何|哪|是否|能否|可否|多少|几|谁|是不是|能不能|可不可以|有没有")


@dataclass(frozen=True)
class RawEntry:
    """An entry as found in the source, before its answer is rendered."""

    question: str
    section: str
    line: int  # 0-based line of the question
    answer: tuple[str, ...]  # the answer's source lines (label removed)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: ``error`` stops a build, ``warning`` does not."""

    level: str
    line: int | None  # 1-based
    message: str


@dataclass
class Reading:
    """What one convention made of one file."""

    format: str
    entries: list[RawEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    placed: set[int] = field(default_factory=set)  # 0-based lines that belong to an entry or a heading

    @property
    def score(self) -> int:
        return len(self.entries) + sum(p.level == "error" for p in self.problems)

    def error(self, message: str, line: int) -> None:
        self.problems.append(Problem("error", line + 1, message))


@dataclass(frozen=True)
class Options:
    """How to read a markdown file (from ``kb/kb.toml``)."""

    format: str = "auto"
    section_depth: int = 0  # 0: the whole heading path
    question_level: int = 0  # heading convention: 0 = leaf headings are questions


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    line: int
    end: int


class _Doc:
    """The parsed file: source lines, tokens, level-0 headings and the section path at each line."""

    def __init__(self, text: str, options: Options) -> None:
        self.lines = LINE_BREAK.split(text)
        self.tokens = parser().parse(text)
        self.options = options
        self.headings = [
            _Heading(
                int(tok.tag[1]),
                _HEADING_ANCHOR.sub("", inline_plain(self.tokens[i + 1]).strip()),
                tok.map[0],
                tok.map[1],
            )
            for i, tok in enumerate(self.tokens)
            if tok.type == "heading_open" and tok.level == 0 and tok.map
        ]
        h1 = {h.text for h in self.headings if h.level == 1}
        # One distinct h1 (however often repeated) above deeper headings is the document's title.
        # So is a lone h1 on the first line of a file that is not a heading-per-question FAQ.
        first_line = next((k for k, line in enumerate(self.lines) if line.strip()), -1)
        lone_title = options.format not in ("auto", "heading") or any(h.level > 1 for h in self.headings)
        starts = bool(self.headings) and self.headings[0].level == 1 and self.headings[0].line == first_line
        self.title_level = 1 if len(h1) == 1 and (lone_title or starts) else 0

    def path(self, stack: list[_Heading]) -> str:
        names = [h.text for h in stack if h.level > self.title_level and h.text]
        if self.options.section_depth:
            names = names[: self.options.section_depth]
        return SECTION_SEPARATOR.join(names)

    def sections(self) -> Callable[[int], str]:
        """line -> section path of the headings above it (for conventions whose questions are not headings)."""
        marks: list[tuple[int, str]] = []
        stack: list[_Heading] = []
        for h in self.headings:
            while stack and stack[-1].level >= h.level:
                stack.pop()
            stack.append(h)
            marks.append((h.line, self.path(stack)))

        def at(line: int) -> str:
            current = ""
            for start, name in marks:
                if start > line:
                    break
                current = name
            return current

        return at


def blank_front_matter(text: str) -> str:
    """Blank a YAML (``---``) or TOML (``+++``) front matter block at the start of the file
    (after blank lines and one-line HTML comments), keeping the line count."""
    lines = LINE_BREAK.split(text)
    start = 0
    while start < len(lines) and (not lines[start].strip() or _HTML_COMMENT_LINE.match(lines[start])):
        start += 1
    if start >= len(lines) or not _FRONT_OPEN.match(lines[start]):
        return text
    fence = lines[start].strip()
    closers = {fence, "..."} if fence == "---" else {fence}
    end = next((k for k in range(start + 1, min(len(lines), start + 200)) if lines[k].strip() in closers), -1)
    body = [line for line in lines[start + 1 : end] if line.strip()]
    if end < 0 or not body or not _FRONT_KEY.match(body[0]) or _PLAIN_Q.match(body[0]):
        return text  # "---", "Q: …", "---" is a rule around a question, not front matter
    for k in range(start, end + 1):
        lines[k] = ""
    return "\n".join(lines)


def _trim(lines: Sequence[str]) -> tuple[str, ...]:
    out = list(lines)
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return tuple(out)


def read_labelled(doc: _Doc, want: str) -> Reading:
    """``want="bold"``: ``**Q：…**`` questions and ``**A：**`` answers; ``want="lines"``: plain
    ``Q:`` / ``A:`` lines. The answer label sits in the question's paragraph or starts the next."""
    reading = Reading(want)
    section_at = doc.sections()
    lines = doc.lines
    boundaries: dict[int, str] = {}  # line -> "break" (heading, rule) or "block" (other block)
    para_lines: dict[int, int] = {}  # line -> first line of its level-0 paragraph
    for tok in doc.tokens:
        if tok.level != 0 or not tok.map:
            continue
        if tok.type in ("heading_open", "hr"):
            boundaries[tok.map[0]] = "break"
        elif tok.type == "paragraph_open":
            for k in range(tok.map[0], tok.map[1]):
                para_lines[k] = tok.map[0]
        elif tok.type.endswith("_open") or tok.type in ("fence", "code_block", "html_block"):
            boundaries.setdefault(tok.map[0], "block")
    bold_ok, plain_ok = want == "bold", want == "lines"
    pending: tuple[list[str], int, int] | None = None  # question parts, line, paragraph
    current: tuple[str, int, list[str]] | None = None  # question, line, answer lines (head first)
    answer_start = 0

    def q_label(line: str) -> re.Match[str] | None:
        found = _BOLD_Q.match(line) if bold_ok else None
        if found is None and plain_ok:
            found = _PLAIN_Q.match(line)
        return found

    def a_label(line: str, anywhere: bool) -> re.Match[str] | None:
        """The answer label: bold (anywhere in a question's line, or starting a line), or a plain
        ``A:`` starting a line (also accepted after a bold question)."""
        found = (_BOLD_A.search(line) if anywhere else _BOLD_A_LINE.match(line)) if bold_ok else None
        if found is None and (plain_ok or (pending is not None and not anywhere)):
            found = _PLAIN_A.match(line)
        return found

    def close(at: int) -> None:
        nonlocal current
        if current is not None:
            question, qline, head = current
            reading.entries.append(
                RawEntry(question, section_at(qline), qline, _trim([*head, *lines[answer_start:at]]))
            )
            reading.placed.update(range(qline, at))
            current = None

    def question_text(parts: list[str]) -> str:
        return render_inline(" ".join(p.strip() for p in parts if p.strip()))

    def start_answer(k: int, head: str) -> None:
        nonlocal pending, current, answer_start
        if pending is None:
            return
        question = question_text(pending[0])
        if not question:
            reading.error("empty question after 'Q：'", pending[1])
        else:
            current = (question, pending[1], [head])
        answer_start = k + 1
        pending = None

    for k in range(len(lines)):
        kind = boundaries.get(k)
        if kind == "block" and k not in para_lines and pending is not None and plain_ok:
            start_answer(k - 1, "")  # "Q: …" then a list or code block: the answer, unlabelled
            continue
        if kind is not None and k not in para_lines:
            if pending is not None:
                reading.error(f"question {question_text(pending[0])!r} has no answer", pending[1])
                pending = None
            if kind == "break":
                close(k)
            continue
        if k not in para_lines:
            continue
        line = lines[k]
        label = q_label(line)
        if label is not None:
            if pending is not None:
                reading.error(f"question {question_text(pending[0])!r} has no answer", pending[1])
            close(k)
            rest = line[label.end() :]
            # "**Q：question**" opens the bold the question closes; "**Q:** question" does not.
            opened_bold = label.re is _BOLD_Q and label.group(0).count(label.group(1)) == 1
            pending = ([], k, para_lines[k])
            answer = a_label(rest, anywhere=True)
            question_part = rest[: answer.start()] if answer else rest
            pending[0].append((label.group(1) if opened_bold else "") + question_part)
            if answer is not None:
                start_answer(k, rest[answer.end() :])
            continue
        answer = a_label(line, anywhere=False)
        if pending is not None:
            if answer is not None:
                start_answer(k, line[answer.end() :])
            elif para_lines[k] == pending[2]:
                inline = a_label(line, anywhere=True)
                if inline is not None and bold_ok:
                    pending[0].append(line[: inline.start()])
                    start_answer(k, line[inline.end() :])
                else:
                    pending[0].append(line)
            elif plain_ok:
                start_answer(k, line)  # "Q: …" then a paragraph without "A:": the answer, unlabelled
            else:
                reading.error(f"question {question_text(pending[0])!r} must be followed by a bold 'A：' paragraph", k)
                pending = None
        elif answer is not None and para_lines[k] == k and answer.re is _BOLD_A_LINE:
            reading.error("answer 'A：' without a question before it", k)
    if pending is not None:
        reading.error(f"question {question_text(pending[0])!r} has no answer", pending[1])
    close(len(lines))
    return reading


def _heading_question(text: str) -> str:
    """A question heading's text without a ``Q1:`` style label."""
    return _HEADING_Q_LABEL.sub("", text, count=1)


def _heading_kinds(doc: _Doc) -> list[str]:
    """Each level-0 heading as ``"question"``, ``"section"`` (holds questions, or is an intro or
    outro beside them), ``"both"`` (a section whose own text answers it) or ``"answer"`` (a
    sub-heading inside a question's answer).

    A leaf heading is a question. So is a heading whose sub-headings hold no question when it
    reads as one itself ("Why is my game slow?" over "Benchmarks"), or when it sits at the level
    most questions are at ("Service Mode won't install" over "Windows" / "macOS"). A leaf that
    does not read as a question, sits above the level most questions are at, and comes before
    the first or after the last of them ("Foreword", "More resources") is a section.
    """
    hs = doc.headings
    n = len(hs)
    ends = [next((k for k in range(i + 1, n) if hs[k].level <= h.level), n) for i, h in enumerate(hs)]
    qlike = [question_like(_heading_question(h.text)) for h in hs]
    kinds = ["section"] * n
    # The level most questions are at: the one with most question-like headings, then most leaves.
    levels = {h.level for h in hs if h.level > doc.title_level}
    level_q = max(
        levels,
        key=lambda lv: (
            sum(qlike[k] for k in range(n) if hs[k].level == lv),
            sum(ends[k] == k + 1 for k in range(n) if hs[k].level == lv),
            lv,
        ),
        default=0,
    )
    at_level = [hs[i].line for i in range(n) if ends[i] == i + 1 and hs[i].level == level_q]
    i = 0
    while i < n:
        h = hs[i]
        if h.level <= doc.title_level:
            i += 1
            continue
        if ends[i] == i + 1:
            outside = bool(at_level) and not at_level[0] <= h.line <= at_level[-1]
            if qlike[i] or h.level >= level_q or not outside:
                kinds[i] = "question"
            i += 1
            continue
        inner = range(i + 1, ends[i])
        if not any(qlike[k] for k in inner) and (qlike[i] or h.level >= level_q):
            kinds[i] = "question"
            for k in inner:
                kinds[k] = "answer"
            i = ends[i]
            continue
        i += 1
    # A section with text of its own, at a level where leaf questions stand beside it, is also a
    # question whose answer is that text ("# TUN mode breaks hotspot sharing" with steps, then
    # sub-questions). Not the first heading: text under it is an introduction.
    for i in range(1, n):
        if kinds[i] != "section" or hs[i].level <= doc.title_level or ends[i] == i + 1:
            continue
        own = any(line.strip() for line in doc.lines[hs[i].end : hs[i + 1].line])
        beside = any(kinds[k] == "question" and ends[k] == k + 1 and hs[k].level == hs[i].level for k in range(n))
        if own and beside:
            kinds[i] = "both"
    return kinds


def read_headings(doc: _Doc) -> Reading:
    """A heading per question; headings holding only deeper headings are sections."""
    reading = Reading("heading")
    hs = doc.headings
    level_q = doc.options.question_level
    breaks = sorted(t.map[0] for t in doc.tokens if t.type == "hr" and t.level == 0 and t.map)
    kinds = _heading_kinds(doc) if not level_q else []
    stack: list[_Heading] = []
    for i, h in enumerate(hs):
        if level_q:
            if h.level > level_q:
                continue  # part of an answer
            is_question = h.level == level_q
            end_heading = next((g for g in hs[i + 1 :] if g.level <= level_q), None)
        else:
            if kinds[i] == "answer":
                continue
            is_question = kinds[i] in ("question", "both")
            end_heading = next((g for g in hs[i + 1 :] if g.level <= h.level), None) if is_question else None
            if kinds[i] == "both":
                end_heading = hs[i + 1]
        while stack and stack[-1].level >= h.level:
            stack.pop()
        section = doc.path(stack)
        if kinds and kinds[i] == "both":
            stack.append(h)
        if not is_question:
            stack.append(h)
            reading.placed.update(range(h.line, h.end))
            nxt = hs[i + 1] if i + 1 < len(hs) else None
            body_end = nxt.line if nxt else len(doc.lines)
            if h.level > doc.title_level and any(line.strip() for line in doc.lines[h.end : body_end]):
                reading.problems.append(
                    Problem("warning", h.end + 1, f"text under section heading {h.text!r} belongs to no entry")
                )
            continue
        end = end_heading.line if end_heading else len(doc.lines)
        end = min([b for b in breaks if h.end <= b < end] or [end])
        question, body = _heading_question(h.text), list(doc.lines[h.end : end])
        first = next((k for k, line in enumerate(body) if line.strip()), None)
        if first is not None and _LABEL_ONLY.match(question):
            bold = re.match(r"^\s*(\*\*|__)(.+)\1\s*$", body[first])
            if bold:  # "## Q1" over a bold question paragraph
                question, body = render_inline(body[first].strip()), body[first + 1 :]
                first = next((k for k, line in enumerate(body) if line.strip()), None)
        if first is not None:
            body[first] = _ANSWER_LABEL.sub("", body[first], count=1)
        reading.placed.update(range(h.line, end))
        if not question:
            reading.error("empty question heading", h.line)
            continue
        if first is None or not "".join(body).strip():
            # A heading with nothing under it is a placeholder, not a broken entry.
            reading.problems.append(Problem("warning", h.line + 1, f"heading {question!r} has no answer; skipped"))
            continue
        reading.entries.append(RawEntry(question, section, h.line, _trim(body)))
    return reading


def read_list(doc: _Doc) -> Reading:
    """A numbered or bulleted list of bold questions, each item's rest being its answer.

    In a numbered list a bold first line ending in a hard line break is a question even when it
    does not read as one ("1. **Inference speed**  " then the answer below). An item that is
    only a question, alone in its list ("1. How do I cancel?"), takes the blocks after it, up to
    the next such item, heading or rule, as its answer.
    """
    reading = Reading("list")
    section_at = doc.sections()
    toks = doc.tokens
    bare: list[tuple[str, int, int]] = []  # question-only items: question, first line, line after
    for i, tok in enumerate(toks):
        if tok.type != "list_item_open" or tok.level != 1 or not tok.map:
            continue
        if i + 2 >= len(toks) or toks[i + 1].type != "paragraph_open" or toks[i + 2].type != "inline":
            continue
        start, end = tok.map
        alone = (
            toks[i - 1].type.endswith("_list_open")
            and i + 5 < len(toks)
            and toks[i + 3].type == "paragraph_close"
            and toks[i + 4].type == "list_item_close"
            and toks[i + 5].type.endswith("_list_close")
        )
        children = [c for c in toks[i + 2].children or [] if not (c.type == "text" and not c.content.strip())]
        if alone and not any(c.type == "softbreak" for c in children):
            text = _PLAIN_Q.sub("", inline_plain(toks[i + 2])).strip()
            if question_like(text):
                bare.append((text, start, end))
                continue
        if not children or children[0].type != "strong_open":
            continue
        inner: list[str] = []
        for child in children[1:]:
            if child.type == "strong_close":
                break
            inner.append(child.content if child.type in ("text", "code_inline") else "")
        question = _PLAIN_Q.sub("", "".join(inner)).strip()
        first = doc.lines[start]
        mark = _LIST_MARK.match(first)
        indent = len(mark.group(1)) if mark else 0
        bold = re.match(r"\s*(\*\*|__).*?\1", first[indent:])
        head = re.sub(r"^\s*[:：]?\s*", "", first[indent + bold.end() :]) if bold else ""
        body = [ln[indent:] if ln[:indent].strip() == "" else ln.lstrip() for ln in doc.lines[start + 1 : end]]
        # "1. **Title**" ending in a hard line break, the answer below it: a title set apart as a
        # question even when it does not read as one.
        titled = bool(mark and mark.group(1).strip()[0].isdigit()) and any(c.type == "hardbreak" for c in children)
        if not question_like(question) and not (titled and not head.strip() and any(b.strip() for b in body)):
            continue
        reading.entries.append(RawEntry(question, section_at(start), start, _trim([head, *body])))
        reading.placed.update(range(start, end))
    stops = sorted(
        {t.map[0] for t in toks if t.level == 0 and t.map and t.type in ("heading_open", "hr")}
        | {line for _, line, _ in bare}
    )
    for question, start, end in bare:
        stop = next((k for k in stops if k >= end), len(doc.lines))
        answer = _trim(doc.lines[end:stop])
        if answer:
            reading.entries.append(RawEntry(question, section_at(start), start, answer))
            reading.placed.update(range(start, stop))
    reading.entries.sort(key=lambda e: e.line)
    return reading


def read_details(doc: _Doc) -> Reading:
    """GitHub-style ``<details><summary>Question</summary> answer </details>`` blocks."""
    reading = Reading("details")
    section_at = doc.sections()
    lines = doc.lines
    starts = sorted(
        t.map[0]
        for t in doc.tokens
        if t.type == "html_block" and t.level == 0 and t.map and _DETAILS_OPEN.match(t.content.lstrip())
    )
    done_until = -1
    for start in starts:
        if start < done_until:
            continue
        text = "\n".join(lines[start:])
        summary = _SUMMARY.search(text)
        if summary is None:
            reading.error("<details> without a <summary>", start)
            continue
        depth, pos, close_pos = 1, summary.end(), -1
        for tag in re.finditer(r"<(/?)details\b[^>]*>", text[summary.end() :], re.IGNORECASE):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                close_pos = summary.end() + tag.start()
                break
        if close_pos < 0:
            reading.error("<details> is never closed", start)
            close_pos = len(text)
        body = text[pos:close_pos]
        end_line = start + text.count("\n", 0, close_pos) + 1
        question = render_inline(TAG.sub("", summary.group(1)).strip())
        if not question:
            reading.error("empty <summary>", start)
        else:
            reading.entries.append(RawEntry(question, section_at(start), start, _trim(LINE_BREAK.split(body))))
        reading.placed.update(range(start, end_line))
        done_until = end_line
    return reading


_DEFINITION = re.compile(r"^:[ \t]+")


def read_definitions(doc: _Doc) -> Reading:
    """A definition list (PHP Markdown Extra, Python-Markdown, Pandoc): a one-line question,
    then its answer in paragraphs starting with ``: ``. The answer runs to the next question,
    heading or rule; blocks between its ``: `` paragraphs (code, lists) belong to it."""
    reading = Reading("definitions")
    section_at = doc.sections()
    lines = doc.lines
    blocks = [t for t in doc.tokens if t.level == 0 and t.map and (t.type.endswith("_open") or t.nesting == 0)]
    terms: list[tuple[int, int]] = []  # (question line, first answer line)
    for b, tok in enumerate(blocks):
        if tok.type != "paragraph_open" or tok.map is None:
            continue
        first, last = tok.map
        if last - first >= 2 and _DEFINITION.match(lines[first + 1]) and not _DEFINITION.match(lines[first]):
            terms.append((first, first + 1))
        elif last - first == 1 and not _DEFINITION.match(lines[first]) and b + 1 < len(blocks):
            after = blocks[b + 1]
            if after.type == "paragraph_open" and after.map and _DEFINITION.match(lines[after.map[0]]):
                terms.append((first, after.map[0]))
    stops = sorted({t.map[0] for t in blocks if t.type in ("heading_open", "hr") and t.map} | {q for q, _ in terms})
    for qline, start in terms:
        end = next((k for k in stops if k > qline), len(lines))
        question = render_inline(lines[qline].strip())
        answer = [_DEFINITION.sub("", line) for line in lines[start:end]]
        reading.placed.update(range(qline, end))
        if question:
            reading.entries.append(RawEntry(question, section_at(qline), qline, _trim(answer)))
    return reading


FORMATS = ("bold", "lines", "details", "list", "definitions", "heading")
FORMAT_NAMES = {
    "bold": "bold Q/A (**Q：…** / **A：**)",
    "lines": "plain Q: / A: lines",
    "details": "<details><summary> blocks",
    "list": "list of bold questions",
    "definitions": "definition list (question, then ': answer')",
    "heading": "a heading per question",
    "csv": "CSV table",
    "tsv": "TSV table",
    "jsonl": "JSON lines table",
    "none": "none",
}


def _asked(reading: Reading) -> int:
    return sum(question_like(e.question) for e in reading.entries)


def read_markdown(text: str, options: Options) -> tuple[Reading, list[Reading]]:
    """Read a markdown file with the configured convention, or every one (``auto``): the
    chosen reading and all readings tried."""
    doc = _Doc(blank_front_matter(text), options)
    readers: dict[str, Callable[[], Reading]] = {
        "bold": lambda: read_labelled(doc, "bold"),
        "lines": lambda: read_labelled(doc, "lines"),
        "details": lambda: read_details(doc),
        "list": lambda: read_list(doc),
        "definitions": lambda: read_definitions(doc),
        "heading": lambda: read_headings(doc),
    }
    names = FORMATS if options.format == "auto" else (options.format,)
    tried = [readers[name]() for name in names]
    best = tried[0]
    for reading in tried[1:]:
        # Errors count (a broken file in one convention still reads as that convention), but
        # between equal scores the reading with more entries that read as questions wins.
        if (reading.score, _asked(reading)) > (best.score, _asked(best)):
            best = reading
    if best.score == 0 and options.format == "auto":
        best = Reading("none")
    return best, tried


def question_like(question: str) -> bool:
    """Does it read like a question (question mark or question word)?"""
    q = question.strip()
    if _QUESTION_END.search(q):
        return True
    if _ZH_QUESTION.search(q):
        return True
    first = q.split(" ", 1)[0].lower()
    return first in {
        "how", "what", "why", "when", "where", "who", "which", "can", "do", "does", "did", "is",
        "are", "will", "should", "could", "would", "may", "i", "my", "am", "was", "were", "has", "have",
    }  # fmt: skip


__all__ = [
    "FORMATS",
    "FORMAT_NAMES",
    "SECTION_SEPARATOR",
    "Options",
    "Problem",
    "RawEntry",
    "Reading",
    "question_like",
    "read_markdown",
]
