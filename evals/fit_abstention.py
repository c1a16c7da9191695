"""Fit the abstention model (``newsqa.qa.abstain``) and its threshold on held-out questions.

Needs a question set with unanswerable rows over a corpus that lacks their articles:
``make eval-unanswerable`` builds one (``var/eval-sets/drcd-unanswerable``). For every
unanswerable question and a deterministic share of the answerable ones (``--answerable-every
N``: those whose SHA-1 of the id is divisible by N) it retrieves and runs the extractive
answerer's sentence scoring, exactly as ``newsqa ask`` does, and records the abstention
features. Then it

1. fits the logistic weights on the TUNE rows (``newsqa.evals.splits``),
2. picks the threshold with the highest abstain recall whose false-abstain rate on TUNE
   is at most ``--max-false-abstain`` (default 3 %, see ``FIT_MAX_FALSE_ABSTAIN``; the
   calibration rule of ``newsqa.evals.calibrate``),
3. reports both on the CHECK rows, and writes the weights with those figures to
   ``--out`` (default: the shipped ``qa/abstain_weights.json``) and the feature rows
   to ``--features`` (JSONL) for inspection.

Re-fit after changing the retriever, the re-ranker weights or the answerer's features,
then set ``answer_min_confidence`` (``newsqa/config.py``) to the printed threshold.

Command line::

    python -m newsqa.evals.fit_abstention [--set var/eval-sets/drcd-unanswerable] [--answerable-every 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsqa.config import Settings, project_home
from newsqa.progress import Progress
from newsqa.qa.abstain import FEATURES, WEIGHTS_FILE, AbstentionModel, fit_logistic

from .calibrate import DEFAULT_MAX_FALSE_ABSTAIN, calibrate
from .metrics import load_questions
from .runner import prepare_corpus_index
from .splits import split_of

logger = logging.getLogger(__name__)

DEFAULT_SET = "var/eval-sets/drcd-unanswerable"
# DRCD questions were written by people reading the paragraph: they echo it more than
# users' questions do, so the threshold keeps false abstentions at 3 % there (not the 5 %
# the targets allow) to leave room for paraphrase (the seed set's paraphrased questions
# sit just above it).
FIT_MAX_FALSE_ABSTAIN = 0.03


def sample(rows: Sequence[dict[str, Any]], answerable_every: int) -> list[dict[str, Any]]:
    """Every unanswerable row and the answerable rows whose id hashes to 0 modulo ``answerable_every``."""

    def keep(row: dict[str, Any]) -> bool:
        if not row.get("answerable", True):
            return True
        digest = int(hashlib.sha1(str(row.get("id", row["question"])).encode()).hexdigest(), 16)
        return digest % answerable_every == 0

    return [row for row in rows if keep(row)]


def feature_rows(rows: Sequence[dict[str, Any]], settings: Settings, *, k: int = 5, progress: bool = True) -> list[dict[str, Any]]:
    """One record per question: id, split, answerable and the abstention features."""
    from newsqa.answer_types import detect_answer_type
    from newsqa.qa.pipeline import EVAL_DEPTH, NewsQA

    qa = NewsQA.from_settings(settings)
    model = qa.answerer.abstention or AbstentionModel.load()
    out = []
    with Progress(len(rows), "abstention features", "question", tty=None if progress else False) as bar:
        for row in rows:
            question = row["question"]
            retrieved = qa.retriever.run(question, max(k, EVAL_DEPTH))[:k]
            sentences = sorted(
                qa.answerer.sentences(detect_answer_type(question), retrieved, qa.index.term_weights),
                key=lambda s: -s.score,
            )
            features = model.features(sentences, retrieved)
            out.append({
                "id": row.get("id"),
                "split": split_of(row),
                "answerable": bool(row.get("answerable", True)),
                "has_sentences": bool(sentences),
                **features,
            })
            bar.update(1)
    return out


def _rows_for_calibration(records: Sequence[dict[str, Any]], model: AbstentionModel) -> list[dict[str, Any]]:
    return [
        {
            "answerable": r["answerable"],
            "split": r["split"],
            "confidence": model.probability(r) if r["has_sentences"] else 0.0,
        }
        for r in records
    ]


def fit(records: Sequence[dict[str, Any]], *, max_false_abstain: float = DEFAULT_MAX_FALSE_ABSTAIN,
        l2: float = 1e-3) -> tuple[AbstentionModel, dict[str, Any]]:
    """Fit on the TUNE records; returns the model and the calibration (threshold, TUNE and CHECK figures)."""
    tune = [r for r in records if r["split"] == "tune" and r["has_sentences"]]
    if not any(r["answerable"] for r in tune) or all(r["answerable"] for r in tune):
        raise ValueError("the TUNE rows need both answerable and unanswerable questions")
    weights, bias = fit_logistic([[r[f] for f in FEATURES] for r in tune], [r["answerable"] for r in tune], l2=l2)
    model = AbstentionModel(dict(zip(FEATURES, weights)), bias)
    calibration = calibrate(_rows_for_calibration(records, model), max_false_abstain=max_false_abstain)
    return model, calibration


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsqa.evals.fit_abstention",
        description="Fit the abstention model on a set with held-out (unanswerable) questions.",
    )
    parser.add_argument("--set", type=Path, default=Path(DEFAULT_SET),
                        help="folder with questions.jsonl and corpus/ (make eval-unanswerable builds it)")
    parser.add_argument("--answerable-every", type=int, default=3, metavar="N",
                        help="use every N-th answerable question (by id hash) besides all unanswerable ones")
    parser.add_argument("--max-false-abstain", type=float, default=FIT_MAX_FALSE_ABSTAIN,
                        help=f"the threshold's bound on false abstentions on TUNE (default {FIT_MAX_FALSE_ABSTAIN})")
    parser.add_argument("--k", type=int, default=5, help="passages the answerer sees")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="weights JSON to write")
    parser.add_argument("--features", type=Path, default=None, help="also write the feature rows (JSONL)")
    parser.add_argument("--from-features", type=Path, default=None,
                        help="fit from a feature JSONL written earlier instead of running the questions")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    set_dir = args.set if args.set.is_absolute() else project_home() / args.set
    if args.from_features:
        records = [json.loads(line) for line in args.from_features.read_text(encoding="utf-8").splitlines() if line]
    else:
        questions = set_dir / "questions.jsonl"
        corpus = set_dir / "corpus"
        if not questions.is_file() or not corpus.is_dir():
            parser.error(f"{set_dir} has no questions.jsonl and corpus/: run `make eval-unanswerable` first")
        rows = sample(load_questions(questions), args.answerable_every)
        settings = prepare_corpus_index(corpus, Settings.load())
        records = feature_rows(rows, settings, k=args.k)
        if args.features:
            args.features.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    model, calibration = fit(records, max_false_abstain=args.max_false_abstain)
    threshold = calibration["threshold"]
    payload = {
        "about": "newsqa.qa.abstain.AbstentionModel: P(answerable) = sigmoid(sum(weights[f] * feature f) + bias). "
                 f"Fitted by newsqa.evals.fit_abstention on the TUNE half of {args.set} "
                 f"(all unanswerable questions and 1 in {args.answerable_every} answerable ones).",
        "fitted": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "features": list(FEATURES),
        "weights": {f: round(model.weights[f], 6) for f in FEATURES},
        "bias": round(model.bias, 6),
        "threshold": threshold,
        "figures": {
            "rows": {"tune": sum(r["split"] == "tune" for r in records), "check": sum(r["split"] == "check" for r in records)},
            "max_false_abstain": args.max_false_abstain,
            "fit_on": calibration.get("fit_on"),
            "at_threshold": calibration.get("at_threshold"),
        },
    }
    args.out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s", args.out)
    at = calibration.get("at_threshold") or {}
    print(f"threshold {threshold:.2f}: " + json.dumps(at, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
