"""Build an eval set of near-misses: the story is in the archive, the asked fact is not.

The held-out set (``newsqa.evals.build_unanswerable``) removes whole articles, so its
unanswerable questions find no story about their subject; a reader's harder case is the
story that is there but lacks what is asked (another year's prize, the speed but not the
weight). This builder makes such questions from any QA set with evidence sentences,
without writing one by hand:

1. per TUNE/CHECK half (``newsqa.evals.splits``), articles in the order of
   ``sha1("newsqa-near-miss/1:" + article)`` until the half has ``n`` near-misses; in each
   chosen article the first question whose gold answers can be taken out is chosen: every
   sentence holding a gold answer is removed (at most ``MAX_REMOVED`` sentences, else the
   next question is tried), so no gold answer string is left in the article;
2. ``<out>/corpus/``: every article, the chosen ones without those sentences;
3. ``<out>/questions.jsonl``: the chosen questions as ``"answerable": false, "near_miss":
   true`` with their ``article``; the other questions of chosen articles stay only when a
   gold answer and their evidence sentence are still in the shortened text; all
   questions of the other articles unchanged;
4. ``<out>/manifest.json``: the rule, counts and the command to evaluate it.

Fitting the abstention model on this set beside the held-out one teaches it both kinds
(``newsqa.evals.fit_abstention --set``).

Command line (defaults: DRCD dev, 150 a half, ``var/eval-sets/drcd-near-miss``)::

    python -m newsqa.evals.build_near_miss [--questions F --articles DIR --n 150 --out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsqa.config import project_home
from newsqa.text import split_sentences

from .metrics import load_questions, normalize_answer
from .splits import split_of_key

logger = logging.getLogger(__name__)

SALT = "newsqa-near-miss/1:"
DEFAULT_N = 150
DEFAULT_SOURCE = "../shared/data/drcd_dev"
DEFAULT_OUT = "var/eval-sets/drcd-near-miss"
# A question whose answer is repeated in more sentences than this is not made a near-miss
# (removing that much would leave a different story).
MAX_REMOVED = 2


@dataclass(slots=True)
class NearMiss:
    """One chosen question and its article's text without the sentences that answered it."""

    article: str
    question_id: str
    text: str
    removed: int


def remove_answer(text: str, answers: Sequence[str], *, max_removed: int = MAX_REMOVED) -> tuple[str, int] | None:
    """``text`` without every sentence (as the chunker splits them) that holds one of
    ``answers`` (normalised), and how many were removed; ``None`` when none or more than
    ``max_removed`` do, or when a gold answer would still be in what is left (it spans a
    sentence break)."""
    golds = [g for g in (normalize_answer(a) for a in answers) if g]
    if not golds:
        return None
    holding = [
        span for span in split_sentences(text)
        if any(g in normalize_answer(text[span.start : span.end]) for g in golds)
    ]
    if not 0 < len(holding) <= max_removed:
        return None
    pieces, pos = [], 0
    for span in holding:
        pieces.append(text[pos : span.start])
        pos = span.end
    left = "".join(pieces) + text[pos:]
    if any(g in normalize_answer(left) for g in golds):
        return None
    return left, len(holding)


def choose(rows: Sequence[dict[str, Any]], articles: Path, n: int = DEFAULT_N) -> list[NearMiss]:
    """``n`` near-misses per half, one per article, in the salted article order."""
    by_article: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        article = row.get("article")
        if isinstance(article, str) and article.strip() and row.get("answerable", True) and row.get("answers"):
            by_article.setdefault(article, []).append(row)
    order = sorted(by_article, key=lambda a: hashlib.sha1((SALT + a).encode()).hexdigest())
    chosen: list[NearMiss] = []
    for half in ("tune", "check"):
        taken = 0
        for article in order:
            if taken >= n:
                break
            path = articles / article
            if split_of_key(article) != half or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for row in by_article[article]:
                result = remove_answer(text, row["answers"])
                if result is not None:
                    chosen.append(NearMiss(article, row["id"], result[0], result[1]))
                    taken += 1
                    break
        if taken < n:
            raise ValueError(f"the {half.upper()} half has only {taken} articles with a removable answer; asked for {n}")
    return chosen


def _still_answerable(row: dict[str, Any], text: str) -> bool:
    norm = normalize_answer(text)
    evidence = normalize_answer(row.get("evidence") or "")
    return any((g := normalize_answer(a)) and g in norm for a in row.get("answers", [])) and (
        not evidence or evidence in norm
    )


def build(questions: Path, articles: Path, out: Path, *, n: int = DEFAULT_N) -> dict[str, Any]:
    """Write ``out/corpus``, ``out/questions.jsonl`` and ``out/manifest.json``; returns the manifest."""
    questions, articles, out = Path(questions), Path(articles), Path(out)
    if not articles.is_dir():
        raise FileNotFoundError(f"articles folder {articles} does not exist")
    rows = load_questions(questions)
    chosen = choose(rows, articles, n)
    shortened = {c.article: c for c in chosen}
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    written = 0
    for path in sorted(articles.rglob("*")):
        rel = path.relative_to(articles).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in Path(rel).parts):
            continue
        target = corpus / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = shortened[rel].text.encode("utf-8") if rel in shortened else path.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
            written += 1
    chosen_ids = {c.question_id for c in chosen}
    mixed: list[dict[str, Any]] = []
    dropped = 0
    for row in rows:
        article = row.get("article")
        if row.get("id") in chosen_ids:
            mixed.append({"id": row["id"], "question": row["question"], "answers": [], "answerable": False,
                          "article": article, "near_miss": True})
        elif isinstance(article, str) and article in shortened and not _still_answerable(row, shortened[article].text):
            dropped += 1
        else:
            mixed.append({k: v for k, v in row.items() if not (k == "answer_match" and v == "any")})
    (out / "questions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in mixed),
                                         encoding="utf-8")
    n_near = len(chosen)
    manifest = {
        "format": "newsqa-near-miss/1",
        "source_questions": str(questions),
        "source_articles": str(articles),
        "n_per_half": n,
        "rule": f"per TUNE/CHECK half, articles in sha1('{SALT}' + article) order; in each, the first question "
                f"whose gold answers stand in 1..{MAX_REMOVED} sentences, which are removed",
        "questions": {"total": len(mixed), "near_miss": n_near, "answerable": len(mixed) - n_near,
                      "dropped_from_shortened_articles": dropped},
        "sentences_removed": sum(c.removed for c in chosen),
        "corpus": {"files_written_this_time": written, "shortened": len(shortened)},
        "eval_command": f"newsqa eval --corpus {corpus} --questions {out / 'questions.jsonl'} --out var/eval/{out.name}",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    home = project_home()
    parser = argparse.ArgumentParser(
        prog="python -m newsqa.evals.build_near_miss",
        description="Near-miss questions: remove the sentences that answer a question from its article, "
        "n per TUNE/CHECK half, and write the shortened corpus with the mixed question file.",
    )
    parser.add_argument("--questions", default=str(home / DEFAULT_SOURCE / "qa.jsonl"), metavar="FILE.jsonl",
                        help="source questions with answers and evidence (default: DRCD dev)")
    parser.add_argument("--articles", default=str(home / DEFAULT_SOURCE / "articles"), metavar="DIR",
                        help="source articles (default: DRCD dev)")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"near-misses per half (default {DEFAULT_N})")
    parser.add_argument("--out", default=str(home / DEFAULT_OUT), metavar="DIR",
                        help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        manifest = build(Path(args.questions), Path(args.articles), Path(args.out), n=args.n)
    except (FileNotFoundError, ValueError) as exc:
        logger.error("build_near_miss: %s", exc)
        return 2
    q = manifest["questions"]
    logger.info("questions: %d (%d answerable, %d near-misses; %d dropped from shortened articles)",
                q["total"], q["answerable"], q["near_miss"], q["dropped_from_shortened_articles"])
    logger.info("run: %s", manifest["eval_command"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
