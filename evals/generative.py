"""Eval of a generative answerer, side by side with the extractive answerer on the same questions.

``run_generative_eval`` is :func:`newsqa.evals.runner.run_eval` for ``answer_generator =
"openai" | "local"``: the same questions, index, metrics and outputs, plus a
``generation`` section in ``report.json`` / ``report.md``:

- how the answers came about: the model was called / not called (no evidence) /
  failed or was unverifiable (the extractive answer was given) / refused;
- time to the first token and total generation time (p50, p95, mean, max) of the model calls;
- what the citation check did: sentences dropped (by reason), citations re-pointed,
  out-of-range markers;
- the extractive answerer's metrics on the same questions (every generative answer
  carries the extractive answer it started from, so this costs nothing).

The generative answerer is slow on a CPU (~15 s per answer for a 1.5B model on 2
cores), so there is no untimed warm-up question: the model server is started before
the timed loop instead.

Example::

    settings = Settings.load(answer_generator="local", llm_threads=1)
    report = run_generative_eval(Path("evals/seed_qa.jsonl"), settings, corpus=Path("data/articles"),
                                 out_dir=Path("var/eval/seed-llm"))
    print(format_generation(report))
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsqa.config import Settings

from .metrics import aggregate, score_row
from .report import _fmt, build_report, write_outputs
from .runner import evaluate, prepare_corpus_index, prepare_questions, run_record

logger = logging.getLogger(__name__)

#: Metrics compared side by side (report key, label).
COMPARED: tuple[tuple[str, str], ...] = (
    ("answer_contains", "answer contains gold"),
    ("citation_accuracy", "citation accuracy"),
    ("abstain_recall", "abstain recall"),
    ("false_abstain_rate", "false abstain rate"),
    ("answer_chars_median", "answer chars (median)"),
    ("latency_ms_p50", "latency p50 (ms)"),
    ("latency_ms_p95", "latency p95 (ms)"),
)


def _pct(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timing(values: Sequence[float]) -> dict[str, float | None]:
    return {
        "n": len(values),
        "p50": _pct(values, 0.5),
        "p95": _pct(values, 0.95),
        "mean": statistics.fmean(values) if values else None,
        "max": max(values) if values else None,
    }


def generation_summary(answers: Sequence[Any], extractive_report: dict[str, Any] | None) -> dict[str, Any]:
    """The ``generation`` section of the report from the answers of a generative run."""
    called = [a for a in answers if getattr(a, "model_called", False)]
    fallbacks = Counter((a.fallback or "").split(":", 1)[0] for a in answers if getattr(a, "fallback", None))
    dropped: Counter[str] = Counter()
    repointed = out_of_range = refused = 0
    for a in answers:
        checked = getattr(a, "checked", None)
        if checked is None:
            continue
        dropped.update(d.reason for d in checked.dropped)
        repointed += checked.repointed
        out_of_range += checked.out_of_range
        refused += bool(checked.refused and checked.abstained)
    first = answers[0] if answers else None
    return {
        "generator": getattr(first, "generator", None),
        "model": getattr(first, "model", None),
        "questions": len(answers),
        "model_called": len(called),
        "no_evidence_no_call": sum(1 for a in answers if not getattr(a, "model_called", False)),
        "model_answer_shown": sum(1 for a in called if not a.fallback),
        "model_refused": refused,
        "fallbacks": dict(fallbacks),
        "ttft_ms": _timing([a.ttft_ms for a in called if a.ttft_ms is not None]),
        "generation_ms": _timing([a.generation_ms for a in called if a.generation_ms is not None]),
        "dropped": dict(dropped),
        "repointed": repointed,
        "out_of_range_markers": out_of_range,
        "extractive_same_questions": None if extractive_report is None else {
            key: extractive_report.get(key) for key, _ in COMPARED
        },
    }


def format_generation(report: dict[str, Any]) -> str:
    """The generation section as plain text: counts, timings and the side-by-side table."""
    gen = report.get("generation") or {}
    lines = [
        (
            f"generator {gen.get('generator')} ({gen.get('model')}): {gen.get('questions')} questions, "
            f"model called {gen.get('model_called')}, not called (no evidence) {gen.get('no_evidence_no_call')}, "
            f"model answer shown {gen.get('model_answer_shown')}, model refused {gen.get('model_refused')}, "
            f"extractive fallbacks {gen.get('fallbacks') or {}}"
        ),
    ]
    for key, label in (("ttft_ms", "time to first token"), ("generation_ms", "generation time")):
        t = gen.get(key) or {}
        if t.get("n"):
            lines.append(
                f"{label}: p50 {t['p50'] / 1000:.1f} s, p95 {t['p95'] / 1000:.1f} s, "
                f"mean {t['mean'] / 1000:.1f} s, max {t['max'] / 1000:.1f} s (n={t['n']})"
            )
    lines.append(
        f"citation check: dropped {gen.get('dropped') or {}}, re-pointed {gen.get('repointed')}, "
        f"out-of-range markers {gen.get('out_of_range_markers')}"
    )
    ext = gen.get("extractive_same_questions")
    if ext:
        width = max(len(label) for _, label in COMPARED)
        lines += ["", f"{'metric'.ljust(width)}  {'generative':>10}  {'extractive':>10}"]
        for key, label in COMPARED:
            kind = "ratio" if key in ("answer_contains", "citation_accuracy", "abstain_recall", "false_abstain_rate") else "num"
            lines.append(f"{label.ljust(width)}  {_fmt(report.get(key), kind):>10}  {_fmt(ext.get(key), kind):>10}")
    return "\n".join(lines)


def _markdown_section(report: dict[str, Any]) -> str:
    gen = report.get("generation") or {}
    out = ["", "## Generator", "", "```", format_generation(report), "```", ""]
    out.append(
        "The extractive column scores the extractive answerer's answer to the same questions "
        "(the evidence gate and fallback of the generative answerer). Times are per model call "
        "(time to first token includes the prompt; generation time is to the last token)."
    )
    if gen.get("fallbacks"):
        out.append("")
        out.append("Fallbacks (the extractive answer was shown): " + ", ".join(f"{k}: {v}" for k, v in gen["fallbacks"].items()))
    return "\n".join(out) + "\n"


def run_generative_eval(
    questions: Path,
    settings: Settings,
    *,
    corpus: Path | None = None,
    out_dir: Path,
    k: int = 5,
    limit: int | None = None,
    split: str = "all",
    to_script: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """``run_eval`` for a generative answerer, with the ``generation`` section (see the module docstring)."""
    if settings.answer_generator == "extractive":
        raise ValueError("run_generative_eval needs answer_generator = openai or local")
    from newsqa.qa.pipeline import NewsQA

    questions, out_dir = Path(questions), Path(out_dir)
    rows = prepare_questions(questions, split=split, limit=limit, to_script=to_script)
    started = time.perf_counter()
    eval_settings = prepare_corpus_index(Path(corpus), settings) if corpus is not None else settings
    logger.info("eval (%s generator): %d questions, index %s, k=%d", settings.answer_generator, len(rows),
                eval_settings.index_path, k)
    qa = NewsQA.from_settings(eval_settings)
    qa.warmup()  # the embedding model and, for "local", the model server: not in the timings
    results = evaluate(rows, lambda question, **when: qa.ask(question, top_k=k, **when), qa.index.get_document,
                       progress=progress)
    answers = [answer for _, answer, _ in results]
    lookup = qa.index.get_document
    extractive_scores = [
        score_row(row, answer.extractive, lookup) for row, answer, _ in results if getattr(answer, "extractive", None)
    ]
    extractive_report = aggregate(extractive_scores) if len(extractive_scores) == len(results) else None
    run = run_record(questions, corpus, eval_settings, split=split, to_script=to_script, k=k, limit=limit,
                     warmup=False, started=started)
    report = build_report([score for _, _, score in results], eval_settings, k=k, run=run)
    report["generation"] = generation_summary(answers, extractive_report)
    write_outputs(out_dir, report, results)
    with (out_dir / "report.md").open("a", encoding="utf-8") as fh:
        fh.write(_markdown_section(report))
    logger.info("eval report written to %s", out_dir)
    return report
