"""Evaluation of the question-answering pipeline: a seed question set, metrics, a runner.

- ``seed_qa.jsonl`` — the project's own questions about the bundled article
  (``data/articles/000_8cf7c1ad8f2038b8.txt``), in Traditional and Simplified script,
  with gold answers, the evidence sentence and unanswerable questions.
- ``newsqa.evals.metrics`` — pure scoring functions: ``load_questions``, ``score_row``,
  ``aggregate`` (retrieval hit@k / MRR, answer containment, citation accuracy, abstention,
  answer length, latency). No model is needed.
- ``newsqa.evals.runner`` — ``run_eval`` answers every question with ``NewsQA`` (over the
  current index, or over a separate cached index of another corpus) and writes
  ``report.json``, ``report.md``, ``rows.jsonl`` and PNG charts; ``format_table`` renders
  the metrics.
- ``newsqa.evals.splits`` — the TUNE/CHECK split by article (sha1 parity).
- ``newsqa.evals.build_unanswerable`` — holds articles out of a QA set to make
  unanswerable questions (``python -m newsqa.evals.build_unanswerable``).
- ``newsqa.evals.calibrate`` — the abstention curve and threshold from ``rows.jsonl``
  (``python -m newsqa.evals.calibrate RUN``).
- ``newsqa.evals.compare`` — two settings files on the same questions
  (``newsqa eval --compare A.toml B.toml``).
- ``newsqa.evals.charts`` — the matplotlib charts.

Example::

    from newsqa.evals import SEED_QA
    from newsqa.evals.runner import run_eval
    report = run_eval(SEED_QA, Settings.load(), out_dir=Path("var/eval/seed"))
    report["hit@5"], report["answer_contains"]
"""

from __future__ import annotations

from pathlib import Path

SEED_QA = Path(__file__).with_name("seed_qa.jsonl")
"""The bundled eval set (questions about the bundled seed article)."""

__all__ = ["SEED_QA"]
