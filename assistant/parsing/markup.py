"""Answer markdown: slice, sanitise and flatten to plain text.

Every convention ends here with the answer's source lines. They are parsed again with
markdown-it-py, then:

* MDX callouts (``<Tip>…</Tip>``, ``<Note>``…) become markdown quotes, and so do MkDocs
  admonitions (``!!! note "Title"``) and ``:::tip`` containers (Docusaurus, VuePress,
  VitePress); MkDocs tabs become a bold title over their body;
* any other raw HTML is dropped, never passed through: comments (closed or not) and
  ``<script>``/``<style>`` bodies go with their tags, other tags leave their text;
* links keep only ``http``, ``https``, ``mailto`` or scheme-less (relative) targets; others
  (``javascript:``, ``data:``…) become plain text; images become their alt text.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

CALLOUT_OPEN = re.compile(r"^\s*<(Tip|Note|Info|Warning|Check|Callout)\b[^>]*>", re.IGNORECASE)
CALLOUT_CLOSE = re.compile(r"</(Tip|Note|Info|Warning|Check|Callout)\s*>", re.IGNORECASE)
TAG = re.compile(r"<[^>\n]*>")
_HIDDEN = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_HIDDEN_OPEN = re.compile(r"^<(script|style)\b", re.IGNORECASE)
_HIDDEN_CLOSE = re.compile(r"^</(script|style)\s*>", re.IGNORECASE)
# markdown-it's line breaks. str.splitlines also splits at \f, \v, \x1c-\x1e, \x85, U+2028/2029,
# which would shift every answer after such a character off its token's line numbers.
LINE_BREAK = re.compile(r"\r\n?|\n")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_CODE_SPAN = re.compile(r"(`+).*?\1")
_IMAGE = re.compile(
    r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\](?:\((?:[^()\s]|\([^()]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)|\[[^\]]*\])"
)
_LINK = re.compile(
    r"(?<!!)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(<[^>]*>|(?:[^()\s]|\([^()]*\))*)(\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*)>")
_ANY_LINK = re.compile(r"\]\(|!\[|<[A-Za-z][A-Za-z0-9+.\-]{1,31}:|^ {0,3}\[[^\]]+\]:", re.MULTILINE)
_INLINE_MARKUP = re.compile(r"[*_`<>\[\]!&\\]|^\s*(?:#|>|[-+*]\s|\d+[.)]\s)|\s{2,}|\n")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(<[^>]*>|\S+).*$")
# Admonitions and containers of documentation generators: MkDocs "!!! note "Title"" (and
# collapsible "??? note") with an indented body, MkDocs tabs "=== "Tab"", and the
# ":::tip Title" / ":::tip[Title]" … ":::" fences of Docusaurus, VuePress and VitePress.
_MKDOCS_ADMONITION = re.compile(r'^(\s*)(?:!!!|\?\?\?\+?)\s*([\w-]+)(?:\s+"([^"]*)")?\s*$')
_MKDOCS_TAB = re.compile(r'^(\s*)===\+?\s+"([^"]*)"\s*$')
_FENCED_OPEN = re.compile(r"^\s*(:{3,})\s*([\w-]+)\s*(?:\[([^\]]*)\]|(.*?))\s*$")
_FENCED_CLOSE = re.compile(r"^\s*(:{3,})\s*$")
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_NOT_CALLOUTS = frozenset({"code-group", "demo", "raw", "v-pre", "center", "right", "left"})


@functools.lru_cache(maxsize=2)
def parser(html_on: bool = True) -> MarkdownIt:
    """The one markdown-it configuration of the project: CommonMark plus tables.

    One shared instance per flag: building it costs ~0.5 ms, and ``parse`` keeps its state
    per call, so sharing it between threads is safe.
    """
    return MarkdownIt("commonmark", {"html": html_on}).enable("table")


def drop_hidden(content: str) -> str:
    """Remove HTML comments and script/style bodies (closed or not), keeping the line count."""
    return _HIDDEN.sub(lambda m: "\n" * m.group(0).count("\n"), content)


def safe_url(url: str) -> bool:
    """A link target we pass on: http(s), mailto, or no scheme at all (a relative link)."""
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(url.strip("<> \t")))
    found = _SCHEME.match(cleaned)
    return found is None or found.group(1).lower() in SAFE_SCHEMES


# HTML elements whose tags inline_plain drops; a bare "<NAME>" or "<some-name>" that is none
# of them is a placeholder written as text ("does not work with <YOUR-PROJECT>?") and kept.
_HTML_ELEMENTS = frozenset(
    "a abbr b bdi bdo big br center cite code data del dfn div em font i img input ins kbd label "
    "mark p picture q rp rt ruby s samp small source span strike strong sub summary sup details "
    "time tt u var video audio wbr hr li ul ol table tr td th iframe button svg".split()
)
_PLACEHOLDER = re.compile(r"^<([A-Za-z][\w-]*)>$")


def inline_plain(token: Token) -> str:
    """The text of an inline token: text and code kept, ``<br>`` a space, other HTML dropped
    (a bare ``<name>`` that is no HTML element is kept as the placeholder it is)."""
    parts: list[str] = []
    hidden = False
    for child in token.children or []:
        if child.type == "html_inline":
            if _HIDDEN_OPEN.match(child.content):
                hidden = True
            elif _HIDDEN_CLOSE.match(child.content):
                hidden = False
            bare = _PLACEHOLDER.match(child.content)
            if (
                bare
                and re.search(r"[A-Z_-]", bare.group(1))
                and bare.group(1).lower() not in _HTML_ELEMENTS
                and not CALLOUT_OPEN.match(child.content)
                and not _HIDDEN_OPEN.match(child.content)
            ):
                parts.append(child.content)
            else:
                parts.append(" " if child.content.lower().startswith("<br") else "")
        elif hidden:
            continue
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def plain_text(tokens: Sequence[Token]) -> str:
    """Plain text of an answer's tokens (for lexical matching and embedding)."""
    lines: list[str] = []
    row: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type == "inline":
            text = CALLOUT_CLOSE.sub("", inline_plain(tok)).strip()
            if tok.level >= 3 and i > 0 and tokens[i - 1].type in ("th_open", "td_open"):
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
            inner = TAG.sub(" ", drop_hidden(tok.content))
            # Without HTML: an unclosed "<div" survives the tag stripping and would
            # parse as the same HTML block again, recursing until RecursionError.
            text = plain_text(parser(html_on=False).parse(inner)) if inner.strip() else ""
            if text:
                lines.append(text)
    return "\n".join(line for line in lines if line.strip())


def _markdown(lines: list[str], tokens: Sequence[Token]) -> str:
    """Keep the answer's source lines (tables, lists, code and links verbatim), turn MDX
    callouts into quotes and drop raw HTML, both located by their tokens."""
    out = list(lines)
    quote_from: int | None = None
    quoted: list[tuple[int, int]] = []
    inline_html: dict[int, list[str]] = {}
    for tok in tokens:
        if tok.type == "html_block" and tok.map:
            first, last = tok.map
            if CALLOUT_OPEN.match(tok.content):
                quote_from = first
                out[first] = CALLOUT_OPEN.sub("", out[first])
            if CALLOUT_CLOSE.search(tok.content) and quote_from is not None:
                quoted.append((quote_from, last))
                quote_from = None
            last = min(last, len(out))
            cleaned = LINE_BREAK.split(drop_hidden("\n".join(out[first:last])))
            for k in range(first, last):
                out[k] = TAG.sub("", cleaned[k - first]) if k - first < len(cleaned) else ""
        elif tok.type == "inline" and tok.map:
            hidden = False
            for child in tok.children or []:
                if child.type == "html_inline":
                    inline_html.setdefault(tok.map[0], []).append(child.content)
                    hidden = bool(_HIDDEN_OPEN.match(child.content)) or (
                        hidden and not _HIDDEN_CLOSE.match(child.content)
                    )
                    if CALLOUT_CLOSE.match(child.content) and quote_from is not None:
                        quoted.append((quote_from, tok.map[1]))
                        quote_from = None
                elif hidden and child.content:
                    inline_html.setdefault(tok.map[0], []).append(child.content)
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


def _outside_code(line: str, fix: re.Pattern[str], repl: object) -> str:
    """Apply a substitution to the parts of a line that are not inline code spans."""
    pieces: list[str] = []
    pos = 0
    for span in _CODE_SPAN.finditer(line):
        pieces.append(fix.sub(repl, line[pos : span.start()]))  # type: ignore[call-overload]
        pieces.append(span.group(0))
        pos = span.end()
    pieces.append(fix.sub(repl, line[pos:]))  # type: ignore[call-overload]
    return "".join(pieces)


def safe_links(markdown: str) -> str:
    """Images become their alt text; links with a scheme other than http(s)/mailto become their text."""
    if not _ANY_LINK.search(markdown):
        return markdown
    lines = LINE_BREAK.split(markdown)
    code: set[int] = set()
    for tok in parser().parse(markdown):
        if tok.type in ("fence", "code_block") and tok.map:
            code.update(range(tok.map[0], tok.map[1]))
    bad_refs: set[str] = set()
    for k, line in enumerate(lines):
        ref = _REF_DEF.match(line)
        if k not in code and ref and not safe_url(ref.group(2)):
            bad_refs.add(ref.group(1).strip().lower())
            lines[k] = ""

    def link(m: re.Match[str]) -> str:
        return m.group(0) if safe_url(m.group(2)) else m.group(1)

    def autolink(m: re.Match[str]) -> str:
        return m.group(0) if safe_url(m.group(1)) else m.group(1)

    def ref_link(m: re.Match[str]) -> str:
        label = (m.group(2) or m.group(1)).strip().lower()
        return m.group(1) if label in bad_refs else m.group(0)

    ref_use = re.compile(r"\[([^\[\]]+)\]\[([^\[\]]*)\]")
    for k, line in enumerate(lines):
        if k in code:
            continue
        line = _outside_code(line, _IMAGE, lambda m: m.group(1))
        line = _outside_code(line, _LINK, link)
        line = _outside_code(line, _AUTOLINK, autolink)
        if bad_refs:
            line = _outside_code(line, ref_use, ref_link)
        lines[k] = line
    return "\n".join(lines)


def _quote(title: str, body: list[str]) -> list[str]:
    while body and not body[-1].strip():
        body = body[:-1]
    while body and not body[0].strip():
        body = body[1:]
    head = [f"> **{title}**"] if title else []
    if head and body:
        head.append(">")
    return [*head, *("> " + line if line.strip() else ">" for line in body), ""]


def expand_containers(lines: list[str]) -> list[str]:
    """MkDocs admonitions and tabs, and ``:::`` containers, as plain markdown: a callout becomes
    a quote headed by its title (or kind), a tab its bold title over its body, and container
    markers of no meaning to a reader (``::: code-group``) are dropped. Code blocks are left alone."""
    out: list[str] = []
    k, fence = 0, ""
    while k < len(lines):
        line = lines[k]
        code = _CODE_FENCE.match(line)
        if fence:
            out.append(line)
            if code and code.group(1)[0] == fence[0] and len(code.group(1)) >= len(fence):
                fence = ""
            k += 1
            continue
        if code:
            fence = code.group(1)
            out.append(line)
            k += 1
            continue
        mkdocs = _MKDOCS_ADMONITION.match(line) or _MKDOCS_TAB.match(line)
        if mkdocs:
            indent = len(mkdocs.group(1)) + 4
            end = k + 1
            while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) >= indent):
                end += 1
            body = expand_containers([ln[indent:] for ln in lines[k + 1 : end]])
            if mkdocs.re is _MKDOCS_TAB:
                out.extend([f"**{mkdocs.group(2)}**", "", *body])
            else:
                title = mkdocs.group(3) if mkdocs.group(3) is not None else mkdocs.group(2).capitalize()
                out.extend(_quote(title, body))
            k = end
            continue
        opened = _FENCED_OPEN.match(line)
        if opened:
            colons, kind = opened.group(1), opened.group(2)
            depth, end, inner_fence = 0, k + 1, ""
            while end < len(lines):
                inner_code = _CODE_FENCE.match(lines[end])
                if inner_code and (not inner_fence or inner_code.group(1)[0] == inner_fence[0]):
                    inner_fence = "" if inner_fence else inner_code.group(1)
                elif not inner_fence:
                    closed = _FENCED_CLOSE.match(lines[end])
                    if closed and len(closed.group(1)) == len(colons):
                        if depth == 0:
                            break
                        depth -= 1
                    else:
                        nested = _FENCED_OPEN.match(lines[end])
                        if nested and len(nested.group(1)) == len(colons):
                            depth += 1
                end += 1
            body = expand_containers(list(lines[k + 1 : end]))
            if kind.lower() in _NOT_CALLOUTS:
                out.extend(body)
            else:
                title = (opened.group(3) or opened.group(4) or "").strip() or kind.capitalize()
                out.extend(_quote(title, body))
            k = end + 1
            continue
        if _FENCED_CLOSE.match(line):  # a stray closing marker
            k += 1
            continue
        out.append(line)
        k += 1
    return out


def render_answer(lines: list[str]) -> tuple[str, str]:
    """An answer's source lines -> (sanitised markdown, plain text)."""
    source = safe_links("\n".join(expand_containers(list(lines))))  # keeps the line count, so token maps stay valid
    tokens = parser().parse(source)
    markdown = re.sub(r"\n{3,}", "\n\n", _markdown(LINE_BREAK.split(source), tokens))
    return markdown, plain_text(tokens)


def render_inline(markdown: str) -> str:
    """Plain text of a one-line markdown fragment (a question)."""
    if not _INLINE_MARKUP.search(markdown):
        return markdown.strip()
    tokens = parser().parse(markdown)
    return " ".join(inline_plain(t) for t in tokens if t.type == "inline").strip()
