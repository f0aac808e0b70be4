"""FAQ tables: ``.csv``, ``.tsv`` and ``.jsonl`` files with question and answer columns.

Column names are matched case-insensitively, in English or Chinese (``question``/``问题``,
``answer``/``答案``, ``section``/``分类``, ``alternates``/``相似问题``, ``url``/``链接``).
Answers are markdown. Alternates are separated by ``|`` or ``；``. Errors name file and row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

from .conventions import Problem
from .markup import safe_url

COLUMNS: dict[str, tuple[str, ...]] = {
    "question": ("question", "questions", "q", "问题", "问", "提问", "标题", "title"),
    "answer": ("answer", "answers", "a", "答案", "答", "回答", "解答", "回复", "reply"),
    "section": ("section", "category", "topic", "group", "分类", "类别", "栏目", "分组", "章节", "主题"),
    "alternates": ("alternates", "alternatives", "aliases", "paraphrases", "相似问题", "同义问法", "其他问法", "别名"),
    "url": ("url", "link", "链接", "网址", "地址"),
}
_ALIAS = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_ALT_SPLIT = re.compile(r"[|｜；]")
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl")


@dataclass(frozen=True)
class Row:
    """One FAQ row: 1-based line, the fields found."""

    line: int
    question: str
    answer: str
    section: str
    alternates: tuple[str, ...]
    url: str


def _column(name: str) -> str | None:
    return _ALIAS.get(re.sub(r"[\s_\-]+", "", name.strip().lstrip("\ufeff").lower()))


def _split_alternates(value: object) -> tuple[str, ...]:
    parts = [str(v) for v in value] if isinstance(value, list) else _ALT_SPLIT.split(str(value or ""))
    return tuple(p.strip() for p in parts if p.strip())


def _row(line: int, fields: dict[str, object], problems: list[Problem]) -> Row | None:
    question = str(fields.get("question") or "").strip()
    answer = str(fields.get("answer") or "").strip()
    url = str(fields.get("url") or "").strip()
    if not question and not answer:
        return None
    if not question:
        problems.append(Problem("error", line, "row has an answer but no question"))
        return None
    if url and not (safe_url(url) and url.lower().startswith(("http://", "https://"))):
        problems.append(Problem("error", line, f"url {url!r} is not an http(s) address"))
        url = ""
    section = str(fields.get("section") or "").strip()
    return Row(line, question, answer, section, _split_alternates(fields.get("alternates")), url)


def read_table(text: str, suffix: str) -> tuple[list[Row], list[Problem]]:
    """Rows of a table file and the problems met (``error`` problems stop a build)."""
    problems: list[Problem] = []
    rows: list[Row] = []
    if suffix == ".jsonl":
        for number, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                problems.append(Problem("error", number, f"invalid JSON: {exc.msg}"))
                continue
            if not isinstance(obj, dict):
                problems.append(Problem("error", number, "expected a JSON object per line"))
                continue
            fields = {col: v for k, v in obj.items() if (col := _column(str(k)))}
            if "question" not in fields or "answer" not in fields:
                found = ", ".join(map(str, obj))
                problems.append(Problem("error", number, f"no question/answer keys (found: {found})"))
                continue
            row = _row(number, fields, problems)
            if row:
                rows.append(row)
        return rows, problems
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if suffix == ".tsv" else ",")
    try:
        header = next(reader, None)
        if header is None:
            return rows, problems
        names = [_column(h) for h in header]
        missing = [c for c in ("question", "answer") if c not in names]
        if missing:
            problems.append(
                Problem("error", 1, f"no {' or '.join(missing)} column in the header (found: {', '.join(header)})")
            )
            return rows, problems
        start = reader.line_num + 1
        for record in reader:
            fields = {n: v for n, v in zip(names, record, strict=False) if n}
            if len(record) > len(names) and any(v.strip() for v in record[len(names) :]):
                problems.append(Problem("error", start, f"{len(record)} fields, the header has {len(names)}"))
            row = _row(start, fields, problems)
            if row:
                rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem("error", reader.line_num, f"invalid {suffix[1:].upper()}: {exc}"))
    return rows, problems
