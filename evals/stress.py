"""A stress question set: every real question at hand plus mutations of them, for
``newsqa eval`` to prove that no question, however odd, crashes a row.

The real questions are the bundled seed set and, when ``../shared/data`` is there, DRCD,
CMRC 2018 and ChronoQA dev (11,417 in all); each gets ``--mutations`` mutated copies
(control characters, lone surrogates, brackets and question words inserted, cuts,
repeats, script swaps), drawn with a fixed seed. Every row is marked unanswerable: asked
of the bundled archive, whose one article is about the Shanghai free-trade zone, almost
none of them has an answer there, so abstain recall is a side figure; what counts is
``errors 0`` in the table.

    python -m newsqa.evals.stress              # writes var/eval-sets/stress/questions.jsonl
    newsqa eval --questions var/eval-sets/stress/questions.jsonl --corpus data/articles --out var/eval/stress

(``make eval-stress`` runs both.)
"""

from __future__ import annotations

import argparse
import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path

from newsqa.config import project_home
from newsqa.script import to_script

logger = logging.getLogger(__name__)

SETS = ("drcd_dev", "cmrc2018_dev", "chronoqa_dev")
# Pieces that once broke, or could break, something that reads a question.
SPECIAL = (
    "\x00", "\x1b[31m", "\r\n", "\t", "\u200b", "\ufeff", "\u202e", "\ud800", "\udcff", "\udc80\udc81",
    "？", "?", "的", "哪", "谁", "幾", "多少", "包括哪", "哪一位", "为什么", "是不是", "吗", "呢",
    "[1]", "[", "]", "(", "（", "）", "《", "》", "“", "”", "「", "」", "…", "——",
    "2023年", "8月", "3日", "1.5%", "-5度", "一", "〇", "Ⅻ", "①", "😀", "𠀀", "\u3000", " ", "",
)
MUTATIONS = ("insert", "delete", "truncate", "repeat", "script")


def mutate(text: str, rng: random.Random, steps: int | None = None) -> str:
    """``text`` after ``steps`` (default 1-4) random edits from ``MUTATIONS``."""
    for _ in range(rng.randint(1, 4) if steps is None else steps):
        op = rng.choice(MUTATIONS)
        at = rng.randint(0, len(text))
        if op == "insert":
            text = text[:at] + rng.choice(SPECIAL) + text[at:]
        elif op == "delete":
            text = text[:at] + text[rng.randint(at, len(text)):]
        elif op == "truncate":
            text = text[:at]
        elif op == "repeat":
            text = text[:at] * rng.randint(2, 30) + text[at:]
        else:
            text = to_script(text, rng.choice(("hans", "hant")))
    return text


def real_questions(data_dir: Path) -> Iterator[tuple[str, str]]:
    """(id, question) of the seed set and of every shared set that is present."""
    files = [("seed", project_home() / "evals" / "seed_qa.jsonl")]
    files += [(name, data_dir / name / "qa.jsonl") for name in SETS]
    for name, path in files:
        if not path.is_file():
            logger.warning("%s is not there; its questions are left out", path)
            continue
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    yield f"{name}-{n}", json.loads(line)["question"]


def build(data_dir: Path, out: Path, *, mutations: int = 1, seed: int = 12) -> int:
    """Write the stress set to ``out``; returns the number of rows."""
    rng = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    # Lone surrogates are written as JSON escapes (ensure_ascii), which read back as themselves.
    with out.open("w", encoding="utf-8") as fh:
        for qid, question in real_questions(data_dir):
            variants = [(qid, question)] + [(f"{qid}-m{i}", mutate(question, rng)) for i in range(1, mutations + 1)]
            for row_id, text in variants:
                fh.write(json.dumps({"id": row_id, "question": text, "answers": [], "answerable": False}) + "\n")
                rows += 1
    logger.info("wrote %d questions to %s", rows, out)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsqa.evals.stress", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=project_home().parent / "shared" / "data",
                        help="the shared data folder (default ../shared/data)")
    parser.add_argument("--out", type=Path, default=project_home() / "var" / "eval-sets" / "stress" / "questions.jsonl")
    parser.add_argument("--mutations", type=int, default=1, help="mutated copies of each real question (default 1)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    build(args.data, args.out, mutations=args.mutations, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
