"""``python -m assistant kb check [DIR]``: what each FAQ file was read as, and what is wrong with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from ..errors import KnowledgeBaseError
from . import FileReport, check_quality, read_kb
from .conventions import FORMAT_NAMES


def check_kb(kb_dir: Path) -> tuple[list[FileReport], str | None]:
    """Every file's report, plus the error that stops reading the KB as a whole (if any)."""
    try:
        reports = read_kb(kb_dir)
    except KnowledgeBaseError as exc:
        return [], str(exc)
    for report in reports:
        check_quality(report)
        report.problems.sort(key=lambda p: (p.line or 0, p.level))
    if not reports:
        return [], f"{kb_dir}: no FAQ files (.md, .csv, .tsv, .jsonl)"
    return reports, None


def summary(reports: list[FileReport], fatal: str | None) -> dict[str, Any]:
    """The check as plain data (the ``--json`` output)."""
    errors = fatal is not None
    files: list[dict[str, Any]] = []
    for r in reports:
        errors = errors or any(p.level == "error" for p in r.problems)
        files.append(
            {
                "file": r.file,
                "format": r.format,
                "entries": len(r.entries),
                "sections": r.sections,
                "problems": [{"level": p.level, "line": p.line, "message": p.message} for p in r.problems],
                "tried": r.tried if not r.entries else [],
                "unplaced": [{"line": n, "text": t} for n, t in r.unplaced] if not r.entries else [],
            }
        )
    total = sum(len(r.entries) for r in reports)
    return {
        "ok": not errors and total > 0,
        "entries": total,
        "files": files,
        "errors": sum(p["level"] == "error" for f in files for p in f["problems"]) + (1 if fatal else 0),
        "warnings": sum(p["level"] == "warning" for f in files for p in f["problems"]),
        "fatal": fatal,
    }


def print_check(data: dict[str, Any], out: IO[str]) -> None:
    """The check for a person: one block per file."""
    if data["fatal"]:
        out.write(f"error: {data['fatal']}\n")
    for f in data["files"]:
        name = FORMAT_NAMES.get(f["format"], f["format"])
        if f["entries"]:
            out.write(f"{f['file']}: {name}; {f['entries']} entries, {f['sections']} sections\n")
        else:
            out.write(f"{f['file']}: no entries (tried: {'; '.join(f['tried'])})\n")
            if f["unplaced"]:
                out.write("  first lines it could not place:\n")
                for item in f["unplaced"]:
                    out.write(f"    {item['line']:>4}: {item['text']}\n")
        for p in f["problems"]:
            where = f"{f['file']}:{p['line']}" if p["line"] else f["file"]
            out.write(f"  {p['level']}: {where}: {p['message']}\n")
    verdict = "ok" if data["ok"] else "BROKEN (a build would stop)"
    out.write(
        f"{len(data['files'])} files, {data['entries']} entries, "
        f"{data['errors']} errors, {data['warnings']} warnings: {verdict}\n"
    )


def run_check(kb_dir: Path, as_json: bool, out: IO[str]) -> int:
    """Print the check; exit code 0 when a build would succeed, 3 (broken KB) otherwise."""
    reports, fatal = check_kb(kb_dir)
    data = summary(reports, fatal)
    if as_json:
        out.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        print_check(data, out)
    return 0 if data["ok"] else KnowledgeBaseError.exit_code
