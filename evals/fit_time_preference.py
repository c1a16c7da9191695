"""Choose how strongly retrieval prefers the period a question names, on TUNE halves only.

The retriever adds ``TIME_FUSED_WEIGHT × fit`` to a candidate's fused score and
``TIME_RERANK_WEIGHT × fit`` to its re-ranked one (``newsqa.qa.retriever``; the fit is
+1 / 0 / −1, ``newsqa.qa.periods``). This tries a grid of both on the TUNE half of each
question set given (ChronoQA dev: relative and explicit times; DRCD dev: Wikipedia
questions that name years, over undated articles) and prints hit@1 / hit@5 of the
questions that name a time, each row as of its ``question_date``. Only questions that
name a time are asked: the others are retrieved exactly as before whatever the weights.

    python -m newsqa.evals.fit_time_preference \\
        --set chrono=../shared/data/chronoqa_dev/qa.jsonl:var/eval-cache/<chrono index> \\
        --set drcd=../shared/data/drcd_dev/qa.jsonl:var/eval-cache/<drcd index>

An index is any ``newsqa`` index of the set's articles (``newsqa eval --corpus`` caches
one under ``var/eval-cache``). Nothing is written; pick the weights from the table.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from newsqa.config import Settings
from newsqa.evals.metrics import gold_of, load_questions, question_day
from newsqa.evals.splits import filter_split
from newsqa.timex import find_times

logger = logging.getLogger(__name__)

FUSED_GRID = (0.0, 0.5, 1.0)
RERANK_GRID = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0)


@dataclass(frozen=True, slots=True)
class SetScore:
    """hit@1 and hit@5 of one question set at one pair of weights."""

    name: str
    n: int
    hit1: float
    hit5: float


def _timed_rows(questions: Path, split: str) -> list[dict]:
    """The rows of ``split`` whose question names a time (as of its ``question_date``)."""
    rows = filter_split(load_questions(questions), split)
    return [r for r in rows if find_times(r["question"], question_day(r))]


def _load(index_dir: Path):
    from newsqa.qa.pipeline import NewsQA

    qa = NewsQA.from_settings(Settings.load(index_dir=index_dir))
    qa.index.embedder.embed_query = lru_cache(maxsize=None)(qa.index.embedder.embed_query)  # once per question
    return qa


def score_set(name: str, qa, rows: list[dict], fused: float, rerank: float) -> SetScore:
    """hit@1 / hit@5 of ``rows`` with the two weights set on the retriever module."""
    from newsqa.qa import retriever as module

    module.TIME_FUSED_WEIGHT, module.TIME_RERANK_WEIGHT = fused, rerank
    hits1 = hits5 = 0
    for row in rows:
        retrieved = qa.retriever.run(row["question"], 5, as_of=question_day(row))
        gold = gold_of(row)
        ranks = [i for i, r in enumerate(retrieved, 1) if gold.passage_is_gold(r.document, r.chunk.start, r.chunk.end)]
        hits1 += bool(ranks and ranks[0] == 1)
        hits5 += bool(ranks)
    n = len(rows)
    return SetScore(name, n, hits1 / n if n else 0.0, hits5 / n if n else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsqa.evals.fit_time_preference",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", required=True, metavar="NAME=QUESTIONS:INDEX",
                        help="a question file and an index of its articles (repeatable)")
    parser.add_argument("--split", default="tune", choices=("tune", "check", "all"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sets = []
    for spec in args.set:
        name, _, paths = spec.partition("=")
        questions, _, index = paths.partition(":")
        rows = _timed_rows(Path(questions), args.split)
        sets.append((name, _load(Path(index)), rows))
        print(f"{name}: {len(rows)} {args.split.upper()} questions name a time", flush=True)
    print("fused  rerank  " + "  ".join(f"{name} hit@1  hit@5" for name, _, _ in sets), flush=True)
    for fused, rerank in itertools.product(FUSED_GRID, RERANK_GRID):
        scores = [score_set(name, qa, rows, fused, rerank) for name, qa, rows in sets]
        cells = "  ".join(f"{' ' * len(s.name)} {s.hit1:.4f} {s.hit5:.4f}" for s in scores)
        print(f"{fused:5.2f}  {rerank:6.2f}  {cells}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
