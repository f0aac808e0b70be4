"""Parse FAQ markdown into :class:`Entry` objects by walking markdown-it-py's token stream.

The shape we read (the GLM Coding Plan FAQ, and any FAQ written the same way):

* ``## 一、套餐详情`` headings at the top level start a section;
* a paragraph that is a bold ``Q：…`` (full-width or ASCII colon) starts an entry;
* the paragraph after it starts with a bold ``A：`` and the answer runs until the
  next question, a ``***`` rule or a heading;
* MDX callouts (``<Tip>…</Tip>``, ``<Note>``…) become markdown quotes; any other raw
  HTML is dropped, never passed through.

Alternative phrasings live beside the markdown in ``*.alternates.toml`` sidecars.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .errors import KnowledgeBaseError
from .models import Entry
from .normalize import normalize

log = logging.getLogger(__name__)

_Q_LABEL = re.compile(r"^\s*Q\s*[:：]\s*")
_A_LABEL = re.compile(r"^\s*A\s*[:：]\s*$")
_CALLOUT_OPEN = re.compile(r"^\s*<(Tip|Note|Info|Warning|Check|Callout)\b[^>]*>", re.IGNORECASE)
_CALLOUT_CLOSE = re.compile(r"</(Tip|Note|Info|Warning|Check|Callout)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>\n]*>")
# markdown-it's line breaks. str.splitlines also splits at \f, \v, \x1c-\x1e, \x85, U+2028/2029,
# which would shift every answer after such a character off its token's line numbers.
_LINE_BREAK = re.compile(r"\r\n?|\n")
SIDECAR_SUFFIX = ".alternates.toml"
MAX_KB_FILE_BYTES = 20_000_000


@dataclass
class _RawEntry:
    section: str
    question: str
    q_line: int  # 0-based
    a_start: int  # 0-based line of the A paragraph
    a_end: int  # exclusive
    a_token_index: int
    end_token_index: int


def _parser(html: bool = True) -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": html}).enable("table")


def entry_id(question: str) -> str:
    """Stable id: a short hash of the normalised question (survives reordering and new entries)."""
    return "q" + hashlib.sha1(normalize(question).encode("utf-8")).hexdigest()[:8]


def _strong_label(inline: Token, label: re.Pattern[str]) -> tuple[bool, str]:
    """If ``inline`` starts with a bold label (``**Q：…**`` / ``**A：**``) return (True, text inside the bold)."""
    children = [c for c in (inline.children or []) if not (c.type == "text" and not c.content.strip())]
    if len(children) < 3 or children[0].type != "strong_open":
        return False, ""
    inner: list[str] = []
    for child in children[1:]:
        if child.type == "strong_close":
            break
        inner.append(child.content)
    text = "".join(inner)
    if label is _A_LABEL:
        return bool(_A_LABEL.match(text)), text
    return bool(_Q_LABEL.match(text)), text


def _inline_plain(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            parts.append(" " if child.content.lower().startswith("<br") else "")
    return "".join(parts)


def _question_text(inline: Token) -> str:
    """The question of a bold Q paragraph: everything after the ``Q：`` label."""
    return _Q_LABEL.sub("", _inline_plain(inline)).strip()


def _plain_text(tokens: Sequence[Token], skip_label: int | None) -> str:
    """Plain text of an answer's tokens (for lexical matching and embedding)."""
    lines: list[str] = []
    row: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type == "inline":
            text = _inline_plain(tok)
            if i == skip_label:
                text = re.sub(r"^\s*A\s*[:：]\s*", "", text)
            text = _CALLOUT_CLOSE.sub("", text).strip()
            if tok.level >= 3 and tokens[i - 1].type in ("th_open", "td_open"):
                row.append(text)
            elif text:
                lines.append(text)
        elif tok.type == "tr_close":
            lines.append(" | ".join(row))
            row = []
        elif tok.type in ("fence", "code_block"):
            lines.append(tok.content.strip())
        elif tok.type == "html_block":
            # A callout's body is markdown that CommonMark swallowed into the HTML block: parse it again.
            inner = _TAG.sub(" ", tok.content)
            # Without HTML: an unclosed "<!--" or "<div" survives the tag stripping and would
            # parse as the same HTML block again, recursing until RecursionError.
            text = _plain_text(_parser(html=False).parse(inner), skip_label=None) if inner.strip() else ""
            if text:
                lines.append(text)
    return "\n".join(line for line in lines if line.strip())


def _answer_markdown(lines: list[str], start: int, end: int, tokens: Sequence[Token]) -> str:
    """Slice the answer's source lines (keeping tables, lists, code and links verbatim),
    turn MDX callouts into quotes and drop raw HTML, both located by their tokens."""
    out = list(lines[start:end])
    quote_from: int | None = None
    quoted: list[tuple[int, int]] = []
    inline_html: dict[int, list[str]] = {}
    for tok in tokens:
        if tok.type == "html_block" and tok.map:
            first, last = tok.map[0] - start, tok.map[1] - start
            if _CALLOUT_OPEN.match(tok.content):
                quote_from = first
                out[first] = _CALLOUT_OPEN.sub("", out[first])
            if _CALLOUT_CLOSE.search(tok.content) and quote_from is not None:
                quoted.append((quote_from, last))
                quote_from = None
            for k in range(first, min(last, len(out))):
                out[k] = _TAG.sub("", out[k])
        elif tok.type == "inline" and tok.map:
            for child in tok.children or []:
                if child.type == "html_inline":
                    inline_html.setdefault(tok.map[0] - start, []).append(child.content)
                    if _CALLOUT_CLOSE.match(child.content) and quote_from is not None:
                        quoted.append((quote_from, tok.map[1] - start))
                        quote_from = None
    for first_line, tags in inline_html.items():
        # An inline tag may sit on any line of a multi-line paragraph; search forward from its start.
        for tag in tags:
            for k in range(first_line, len(out)):
                if tag in out[k]:
                    out[k] = out[k].replace(tag, " " if tag.lower().startswith("<br") else "", 1)
                    break
    if quote_from is not None:  # callout never closed: quote to the end of the answer
        quoted.append((quote_from, len(out)))
    for first, last in quoted:
        body = [out[k][2:] if out[k].startswith("  ") else out[k] for k in range(first, min(last, len(out)))]
        block = ["> " + line if line.strip() else ">" for line in body]
        while block and block[0] == ">":
            block.pop(0)
        while block and block[-1] == ">":
            block.pop()
        out[first:last] = ["> **💡**", *block] if block else []
        # Positions after this block moved; later blocks are processed on the edited list.
        shift = (len(block) + 1 if block else 0) - (last - first)
        quoted = [(f + shift, la + shift) if f >= last else (f, la) for f, la in quoted]
    text = "\n".join(out).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _strip_answer_label(markdown: str) -> str:
    return re.sub(r"^\s*\*\*\s*A\s*[:：]\s*\*\*\s*", "", markdown, count=1)


def parse_markdown(text: str, source: str = "<string>") -> list[Entry]:
    """Parse one FAQ markdown document into entries (without alternates)."""
    tokens = _parser().parse(text)
    lines = _LINE_BREAK.split(text)  # token maps count lines as markdown-it does, not as str.splitlines
    section = ""
    raw: list[_RawEntry] = []
    pending_q: tuple[str, int, int] | None = None  # question, line, token index
    current: _RawEntry | None = None

    def close(at_line: int, at_token: int) -> None:
        nonlocal current
        if current is not None:
            current.a_end, current.end_token_index = at_line, at_token
            raw.append(current)
            current = None

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        line = tok.map[0] if tok.map else None
        if tok.level == 0 and tok.type == "heading_open" and line is not None:
            if pending_q:
                raise KnowledgeBaseError(f"question {pending_q[0]!r} has no answer", source, pending_q[1] + 1)
            close(line, i)
            if tok.tag == "h2":
                section = _inline_plain(tokens[i + 1]).strip()
            i += 3
            continue
        if tok.level == 0 and tok.type == "hr" and line is not None:
            if pending_q:
                raise KnowledgeBaseError(f"question {pending_q[0]!r} has no answer", source, pending_q[1] + 1)
            close(line, i)
        elif tok.level == 0 and tok.type == "paragraph_open" and line is not None:
            inline = tokens[i + 1]
            is_q, _ = _strong_label(inline, _Q_LABEL)
            is_a, _ = _strong_label(inline, _A_LABEL)
            if is_q:
                if pending_q:
                    raise KnowledgeBaseError(f"question {pending_q[0]!r} has no answer", source, pending_q[1] + 1)
                close(line, i)
                question = _question_text(inline)
                if not question:
                    raise KnowledgeBaseError("empty question after 'Q：'", source, line + 1)
                pending_q = (question, line, i)
            elif pending_q is not None:
                if not is_a:
                    raise KnowledgeBaseError(
                        f"question {pending_q[0]!r} must be followed by a bold 'A：' paragraph", source, line + 1
                    )
                current = _RawEntry(section, pending_q[0], pending_q[1], line, len(lines), i + 1, len(tokens))
                pending_q = None
            elif is_a:
                raise KnowledgeBaseError("answer 'A：' without a question before it", source, line + 1)
        elif pending_q is not None and tok.level == 0 and tok.type.endswith("_open") and line is not None:
            raise KnowledgeBaseError(f"question {pending_q[0]!r} has no answer", source, pending_q[1] + 1)
        i += 1
    if pending_q:
        raise KnowledgeBaseError(f"question {pending_q[0]!r} has no answer", source, pending_q[1] + 1)
    close(len(lines), len(tokens))

    entries: list[Entry] = []
    for item in raw:
        body = tokens[item.a_token_index - 1 : item.end_token_index]
        markdown = _strip_answer_label(_answer_markdown(lines, item.a_start, item.a_end, body))
        plain = _plain_text(body, skip_label=1)
        if not plain.strip():
            raise KnowledgeBaseError(f"question {item.question!r} has an empty answer", source, item.q_line + 1)
        entries.append(
            Entry(
                id=entry_id(item.question),
                section=item.section,
                question=item.question,
                answer_md=markdown,
                answer_text=plain,
                source=f"{source}:{item.q_line + 1}",
            )
        )
    return entries


def _read_text(path: Path, display: str) -> str:
    try:
        if path.stat().st_size > MAX_KB_FILE_BYTES:
            raise KnowledgeBaseError(f"file is larger than {MAX_KB_FILE_BYTES} bytes", display)
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise KnowledgeBaseError(f"not valid UTF-8 (byte {exc.start})", display, line) from None
    except OSError as exc:
        raise KnowledgeBaseError(f"cannot read file: {exc.strerror or exc}", display) from None


def kb_files(kb_dir: Path) -> list[Path]:
    """Every file of the knowledge base that affects the index, in a stable order."""
    if not kb_dir.is_dir():
        raise KnowledgeBaseError("knowledge base folder not found (set ASSISTANT_KB_DIR)", str(kb_dir))
    files = sorted(
        p for p in kb_dir.rglob("*") if p.is_file() and (p.suffix == ".md" or p.name.endswith(SIDECAR_SUFFIX))
    )
    return files


def _display(path: Path, kb_dir: Path) -> str:
    try:
        return str(Path(kb_dir.name) / path.relative_to(kb_dir))
    except ValueError:
        return str(path)


def load_alternates(path: Path, display: str, entries: Iterable[Entry]) -> dict[str, tuple[str, ...]]:
    """Read a sidecar of alternative phrasings: ``[[entry]] question = "…" alternates = […]``.

    Returns entry id -> alternates. Unknown questions are errors, so a renamed FAQ
    question cannot silently lose its phrasings.
    """
    text = _read_text(path, display)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the message carries it.
        found = re.search(r"line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise KnowledgeBaseError(f"invalid TOML: {exc}", display, line) from None
    by_question = {normalize(e.question): e for e in entries}
    result: dict[str, tuple[str, ...]] = {}
    items = data.get("entry", [])
    if not isinstance(items, list):
        raise KnowledgeBaseError("expected [[entry]] tables", display)
    for item in items:
        question = item.get("question") if isinstance(item, dict) else None
        line = _line_of(text, question) if isinstance(question, str) else None
        if not isinstance(question, str) or not question.strip():
            raise KnowledgeBaseError("[[entry]] without a 'question' string", display, line)
        alternates = item.get("alternates", [])
        if not isinstance(alternates, list) or not all(isinstance(a, str) and a.strip() for a in alternates):
            raise KnowledgeBaseError(f"'alternates' of {question!r} must be a list of non-empty strings", display, line)
        entry = by_question.get(normalize(question))
        if entry is None:
            raise KnowledgeBaseError(f"no FAQ entry has the question {question!r}", display, line)
        result[entry.id] = result.get(entry.id, ()) + tuple(a.strip() for a in alternates)
    return result


def _line_of(text: str, needle: str) -> int | None:
    pos = text.find(needle)
    return None if pos < 0 else text.count("\n", 0, pos) + 1


def load_kb(kb_dir: Path) -> list[Entry]:
    """Load every ``.md`` file of ``kb_dir`` and its alternates sidecars.

    Raises :class:`KnowledgeBaseError` naming file:line for an empty KB, an unreadable
    file, a question without an answer or the same question twice.
    """
    files = kb_files(kb_dir)
    markdown_files = [p for p in files if p.suffix == ".md"]
    if not markdown_files:
        raise KnowledgeBaseError("no .md files in the knowledge base folder", str(kb_dir))
    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    by_question: dict[str, Entry] = {}
    for path in markdown_files:
        display = _display(path, kb_dir)
        parsed = parse_markdown(_read_text(path, display), display)
        if not parsed:
            log.warning("%s: no Q/A entries found", display)
        for entry in parsed:
            key = normalize(entry.question)
            if key in by_question:
                first = by_question[key].source
                file, _, line = entry.source.rpartition(":")
                raise KnowledgeBaseError(
                    f"question {entry.question!r} appears twice (first at {first})", file, int(line)
                )
            if entry.id in seen:
                # 32-bit ids collide around 100k entries: lengthen only the later one, the rest stay stable
                entry = replace(entry, id="q" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16])
            by_question[key] = entry
            seen[entry.id] = entry
            entries.append(entry)
    if not entries:
        raise KnowledgeBaseError("no Q/A entries found in any .md file", str(kb_dir))
    for path in files:
        if path.name.endswith(SIDECAR_SUFFIX):
            for eid, alternates in load_alternates(path, _display(path, kb_dir), entries).items():
                entry = seen[eid]
                seen[eid] = replace(entry, alternates=entry.alternates + alternates)
    return [seen[e.id] for e in entries]
