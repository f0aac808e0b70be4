"""Read a FAQ knowledge base into :class:`Entry` objects, whatever convention it is written in.

Markdown files (``.md``) are read by the conventions of :mod:`.conventions`, detected per
file (``kb/kb.toml`` can fix the choice): a heading per question; bold ``**Q：…**`` /
``**A：**`` labels; plain ``Q:`` / ``A:`` lines; a list of bold questions; a definition list
(question, then ``: answer``); GitHub ``<details><summary>`` blocks. Front matter is
skipped. Tables (``.csv``, ``.tsv``, ``.jsonl``) are read by :mod:`.tables`. Answers go
through :mod:`.markup` (callouts and admonitions to quotes, raw HTML dropped, unsafe links
and images to text).

Alternative phrasings live beside the files in ``*.alternates.toml`` sidecars, or in a
table's ``alternates`` column.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import KnowledgeBaseError
from ..models import Entry
from ..normalize import normalize
from .config import SETTINGS_FILE, KbConfig, load_config
from .conventions import FORMAT_NAMES, FORMATS, Options, Problem, RawEntry, Reading, question_like, read_markdown
from .markup import render_answer, safe_url
from .tables import TABLE_SUFFIXES, read_table

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".alternates.toml"
MAX_KB_FILE_BYTES = 20_000_000
FAQ_SUFFIXES = (".md", *TABLE_SUFFIXES)
LONG_ANSWER_CHARS = 1000  # the embedding model reads ~512 tokens of an answer


def entry_id(question: str) -> str:
    """Stable id: a short hash of the normalised question (survives reordering and new entries)."""
    return "q" + hashlib.sha1(normalize(question).encode("utf-8")).hexdigest()[:8]


def duplicate_key(question: str) -> str:
    """What two questions must share to count as the same one: the normalised text without
    spaces or punctuation (so ``退款？`` and ``退 款?`` are one question)."""
    text = normalize(question)
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


@dataclass
class FileReport:
    """What reading one file gave: the convention, entries, problems, what was tried."""

    file: str
    format: str
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    unplaced: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, text)

    @property
    def sections(self) -> int:
        return len({e.section for e in self.entries if e.section})

    def raise_first_error(self) -> None:
        for problem in self.problems:
            if problem.level == "error":
                raise KnowledgeBaseError(problem.message, self.file, problem.line)


def _entry(raw: RawEntry, source: str, report: FileReport) -> Entry | None:
    markdown, plain = render_answer(list(raw.answer))
    if not plain.strip():
        report.problems.append(Problem("error", raw.line + 1, f"question {raw.question!r} has an empty answer"))
        return None
    return Entry(
        id=entry_id(raw.question),
        section=raw.section,
        question=raw.question,
        answer_md=markdown,
        answer_text=plain,
        source=f"{source}:{raw.line + 1}",
    )


def read_markdown_file(text: str, source: str, options: Options | None = None) -> FileReport:
    """Read one markdown file leniently: entries plus every problem found (nothing raised)."""
    reading, tried = read_markdown(text, options or Options())
    report = FileReport(source, reading.format, tried=[FORMAT_NAMES.get(r.format, r.format) for r in tried])
    if options is None or options.format == "auto":
        report.tried = [FORMAT_NAMES[f] for f in FORMATS]
    report.problems.extend(reading.problems)
    for raw in reading.entries:
        entry = _entry(raw, source, report)
        if entry is not None:
            report.entries.append(entry)
    if not reading.entries:
        report.unplaced = _unplaced(text, reading)
    return report


def _unplaced(text: str, reading: Reading, limit: int = 5) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines()):
        if line.strip() and number not in reading.placed:
            out.append((number + 1, line.strip()[:120]))
            if len(out) >= limit:
                break
    return out


def read_table_file(text: str, source: str, suffix: str) -> FileReport:
    """Read one table file leniently (entries and problems)."""
    rows, problems = read_table(text, suffix)
    report = FileReport(source, suffix[1:], problems=list(problems), tried=[suffix[1:]])
    for row in rows:
        answer = row.answer + (f"\n\n<{row.url}>" if row.url and safe_url(row.url) else "")
        raw = RawEntry(row.question, row.section, row.line - 1, tuple(answer.split("\n")))
        entry = _entry(raw, source, report)
        if entry is not None:
            report.entries.append(replace(entry, alternates=row.alternates))
    return report


def parse_markdown(text: str, source: str = "<string>", options: Options | None = None) -> list[Entry]:
    """Parse one FAQ markdown document into entries (without sidecar alternates).

    Raises :class:`KnowledgeBaseError` (``file:line``) for the first error of the convention read.
    """
    report = read_markdown_file(text, source, options)
    report.raise_first_error()
    return report.entries


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


def kb_files(kb_dir: Path) -> list[Path]:
    """Every file of the knowledge base that affects the index, in a stable order."""
    if not kb_dir.is_dir():
        raise KnowledgeBaseError("knowledge base folder not found (set ASSISTANT_KB_DIR)", str(kb_dir))
    return sorted(
        p
        for p in kb_dir.rglob("*")
        if p.is_file() and (p.suffix in FAQ_SUFFIXES or p.name.endswith(SIDECAR_SUFFIX) or p == kb_dir / SETTINGS_FILE)
    )


def read_file(path: Path, kb_dir: Path, config: KbConfig) -> FileReport:
    """Read one FAQ file of the KB leniently (unreadable files raise)."""
    display = _display(path, kb_dir)
    text = _read_text(path, display)
    if path.suffix in TABLE_SUFFIXES:
        return read_table_file(text, display, path.suffix)
    return read_markdown_file(text, display, config.for_file(path.relative_to(kb_dir).as_posix()))


def check_duplicates(reports: list[FileReport]) -> None:
    """Add an error for each question that repeats one before it (after normalisation)."""
    first: dict[str, Entry] = {}
    for report in reports:
        for entry in report.entries:
            key = duplicate_key(entry.question)
            line = int(entry.source.rpartition(":")[2])
            if key in first:
                report.problems.append(
                    Problem("error", line, f"question {entry.question!r} appears twice (first at {first[key].source})")
                )
            else:
                first[key] = entry


def check_quality(report: FileReport) -> None:
    """Warnings that do not stop a build: answers too long for the model, questions that aren't."""
    for entry in report.entries:
        line = int(entry.source.rpartition(":")[2])
        if len(entry.answer_text) > LONG_ANSWER_CHARS:
            report.problems.append(
                Problem(
                    "warning",
                    line,
                    f"answer of {entry.question!r} is {len(entry.answer_text)} characters; "
                    f"the model reads about the first {LONG_ANSWER_CHARS}",
                )
            )
        if not question_like(entry.question):
            report.problems.append(Problem("warning", line, f"{entry.question!r} does not look like a question"))


def read_kb(kb_dir: Path) -> list[FileReport]:
    """Read every FAQ file of ``kb_dir`` leniently, with duplicate and quality checks."""
    config = load_config(kb_dir)
    reports = [read_file(p, kb_dir, config) for p in kb_files(kb_dir) if p.suffix in FAQ_SUFFIXES]
    check_duplicates(reports)
    for report in reports:
        report.problems.sort(key=lambda p: (p.line or 0, p.level))
    return reports


def load_kb(kb_dir: Path) -> list[Entry]:
    """Load every FAQ file of ``kb_dir`` (markdown and tables) and its alternates sidecars.

    Raises :class:`KnowledgeBaseError` naming file:line for an empty KB, an unreadable
    file, a question without an answer or the same question twice.
    """
    files = kb_files(kb_dir)
    if not any(p.suffix in FAQ_SUFFIXES for p in files):
        raise KnowledgeBaseError("no FAQ files (.md, .csv, .tsv, .jsonl) in the knowledge base folder", str(kb_dir))
    reports = read_kb(kb_dir)
    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    for report in reports:
        report.raise_first_error()
        if not report.entries:
            log.warning("%s: no Q/A entries found", report.file)
        for entry in report.entries:
            if entry.id in seen:
                # 32-bit ids collide around 100k entries: lengthen only the later one, the rest stay stable
                key = normalize(entry.question)
                entry = replace(entry, id="q" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16])
            seen[entry.id] = entry
            entries.append(entry)
    if not entries:
        raise KnowledgeBaseError("no Q/A entries found in any FAQ file", str(kb_dir))
    for path in files:
        if path.name.endswith(SIDECAR_SUFFIX):
            for eid, alternates in load_alternates(path, _display(path, kb_dir), entries).items():
                entry = seen[eid]
                seen[eid] = replace(entry, alternates=entry.alternates + alternates)
    return [seen[e.id] for e in entries]


__all__ = [
    "FAQ_SUFFIXES",
    "MAX_KB_FILE_BYTES",
    "SIDECAR_SUFFIX",
    "FileReport",
    "Options",
    "duplicate_key",
    "entry_id",
    "kb_files",
    "load_alternates",
    "load_kb",
    "parse_markdown",
    "read_kb",
]
