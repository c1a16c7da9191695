"""The eval report: the metrics table, ``report.md``, ``report.json`` and ``rows.jsonl``.

``build_report`` turns scored rows into the report dict (metrics, breakdowns by answer type
and split, the abstention calibration, the run and the settings); ``write_outputs`` writes
it with the charts; ``format_table`` is the plain-text table ``newsqa eval`` prints.
``newsqa.evals.runner`` answers the questions; this module only formats what it measured.

Example::

    report = build_report(scores, settings, k=5, run=run)
    print(format_table(report))
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from newsqa.config import Settings
from newsqa.types import Answer

from . import calibrate as calibration
from .metrics import HIT_KS, RowScore, aggregate

logger = logging.getLogger(__name__)

REPORT_KS: tuple[int, ...] = tuple(range(1, 11))  # report.json keeps hit@1..hit@10
N_WORST = 20
# Metrics of the per-answer-type / per-split breakdowns.
BREAKDOWN_KEYS: tuple[str, ...] = (
    "n", "n_answerable", "n_unanswerable", "hit@1", "hit@5", "mrr@10", "answer_contains",
    "citation_accuracy", "abstain_recall", "false_abstain_rate",
)

# Metrics in the order tables show them: (report key, label, kind).
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("n", "questions", "int"),
    ("n_answerable", "answerable", "int"),
    ("n_unanswerable", "unanswerable", "int"),
    ("hit@1", "hit@1", "ratio"),
    ("hit@3", "hit@3", "ratio"),
    ("hit@5", "hit@5", "ratio"),
    ("hit@10", "hit@10", "ratio"),
    ("mrr@10", "MRR@10", "ratio"),
    ("answer_contains", "answer contains gold", "ratio"),
    ("citation_accuracy", "citation accuracy", "ratio"),
    ("abstain_recall", "abstain recall", "ratio"),
    ("false_abstain_rate", "false abstain rate", "ratio"),
    ("answer_chars_median", "answer chars (median)", "num"),
    ("latency_ms_p50", "latency p50 (ms)", "num"),
    ("latency_ms_p95", "latency p95 (ms)", "num"),
    ("n_refused", "refused by the question gate", "int"),
    ("n_errors", "errors", "int"),
    ("n_answers_cut", "answers cut inside a word or bracket", "int"),
)


def row_record(row: dict[str, Any], answer: Answer, score: RowScore) -> dict[str, Any]:
    """The ``rows.jsonl`` record of one question."""
    record = score.to_dict()
    if row.get("question_original") is not None:
        record["question_original"] = row["question_original"]
    record["citations"] = [c.to_dict() for c in answer.citations]
    record["retrieved"] = []
    for rank, rc in enumerate(answer.retrieved[:10], start=1):
        item = {
            "rank": rank,
            "doc_id": rc.chunk.doc_id,
            "title": rc.document.title,
            "source_file": rc.document.source_file,
            "start": rc.chunk.start,
            "end": rc.chunk.end,
            "score": round(float(rc.score), 6),
        }
        if rank <= 3:
            item["snippet"] = " ".join(rc.chunk.text.split())[:120]
        record["retrieved"].append(item)
    return record


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "ratio":
        return f"{value:.3f}"
    if kind == "num":
        return f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
    return str(value)


def _table_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs; ``hit@k`` for k in 1, 3, 5, 10 and the run's k, in order of k
    (the report may hold more; the hit@k table of report.md lists them all)."""
    shown = set(HIT_KS) | {(report.get("run") or {}).get("k")}
    hits = sorted((key for key in report if key.startswith("hit@") and int(key[4:]) in shown),
                  key=lambda key: int(key[4:]))
    rows: list[tuple[str, str]] = []
    for key, label, kind in _TABLE:
        if key == "hit@1":
            rows += [(h, _fmt(report[h], "ratio")) for h in hits]
        if key.startswith("hit@") or key not in report:
            continue
        rows.append((label, _fmt(report[key], kind)))
    return rows


def format_table(report: dict[str, Any]) -> str:
    """The metrics as an aligned plain-text table (``n/a`` where a metric does not apply)."""
    rows = _table_rows(report)
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {value.rjust(8)}" for label, value in rows]
    run = report.get("run") or {}
    if run.get("questions"):
        lines.append(f"{'questions file'.ljust(width)}  {run['questions']}")
    if run.get("k"):
        lines.append(f"{'passages seen (k)'.ljust(width)}  {run['k']}")
    return "\n".join(lines)


def _md_cell(text: Any, limit: int = 120) -> str:
    text = " ".join(str(text if text is not None else "").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|") or " "


def worst_misses(scores: Sequence[RowScore], n: int = N_WORST) -> list[RowScore]:
    misses = [s for s in scores if s.miss_severity > 0]
    misses.sort(key=lambda s: (-s.miss_severity, s.gold_rank is not None, s.gold_rank or 0, s.id))
    return misses[:n]


def failed_rows(scores: Sequence[RowScore]) -> list[RowScore]:
    """Rows that were refused by the question gate or raised, errors first."""
    return sorted((s for s in scores if s.status != "answered"), key=lambda s: s.status != "error")


def _failed_rows_markdown(scores: Sequence[RowScore], limit: int = 50) -> list[str]:
    failed = failed_rows(scores)
    if not failed:
        return []
    out = ["", f"## Refused and failed questions ({len(failed)})", "",
           "Counted as abstentions (a miss on answerable rows); errors make `newsqa eval` exit 1.", "",
           "| id | status | question | reason |", "| --- | --- | --- | --- |"]
    out += [f"| {_md_cell(s.id)} | {s.status} | {_md_cell(s.question, 60)} | {_md_cell(s.error)} |"
            for s in failed[:limit]]
    if len(failed) > limit:
        out.append(f"| … | | {len(failed) - limit} more in rows.jsonl | |")
    return out


def _breakdown_table(groups: dict[str, dict[str, Any]], label: str) -> list[str]:
    cols = [("n", "n", "int"), ("hit@1", "hit@1", "ratio"), ("hit@5", "hit@5", "ratio"),
            ("mrr@10", "MRR@10", "ratio"), ("answer_contains", "answer contains", "ratio"),
            ("citation_accuracy", "citation acc.", "ratio"), ("false_abstain_rate", "false abstain", "ratio"),
            ("abstain_recall", "abstain recall", "ratio")]
    out = [f"| {label} | " + " | ".join(c[1] for c in cols) + " |",
           "| --- | " + " | ".join("---:" for _ in cols) + " |"]
    for name, rep in groups.items():
        out.append(f"| {_md_cell(name)} | " + " | ".join(_fmt(rep.get(key), kind) for key, _, kind in cols) + " |")
    return out


def _retrieved_cell(s: RowScore) -> str:
    items = []
    for i, title in enumerate(s.retrieved_titles[:3]):
        snippet = s.retrieved_snippets[i] if i < len(s.retrieved_snippets) else ""
        text = _md_cell(f"{title} — {snippet}" if snippet else title, 90)
        items.append(f"{i + 1}. {text}")
    return "<br>".join(items) or " "


def _breakdown_sections(report: dict[str, Any]) -> list[str]:
    """The report.md sections that break the figures down: by answer type, by the set's
    question kind and time expression (when its rows carry them), by TUNE/CHECK split."""
    out: list[str] = []
    by_type = report.get("by_answer_type") or {}
    if by_type:
        sources = report.get("answer_type_source") or {}
        how = ", ".join(f"{src}: {n}" for src, n in sources.items())
        out += ["", "## By answer type", "",
                "The answer type comes from the answerer (`Answer.answer_type`) when it sets one, "
                "else from the question by the answerer's classifier (`newsqa.answer_types`)"
                + (f" ({how})." if how else "."), ""]
        out += _breakdown_table(by_type, "answer type")
    for key, heading, note, label in (
        ("by_question_kind", "By question kind", "The set's own label of each question (ChronoQA's "
         "`temporal_type`: absolute, aggregate = comparisons and judgements, relative; the news set's `kind`).",
         "kind"),
        ("by_time_expression", "By time expression", "How the question writes its time (ChronoQA's "
         "`temporal_expression_type`).", "time"),
    ):
        if report.get(key):
            out += ["", f"## {heading}", "", note, ""]
            out += _breakdown_table(report[key], label)
    by_split = report.get("by_split") or {}
    if len(by_split) > 1:
        out += ["", "## By split", "", "TUNE/CHECK halves by article (`newsqa.evals.splits`).", ""]
        out += _breakdown_table({k.upper(): v for k, v in by_split.items()}, "split")
    return out


def format_markdown(
    report: dict[str, Any],
    scores: Sequence[RowScore],
    *,
    images: dict[str, str] | None = None,
    calibration_result: dict[str, Any] | None = None,
) -> str:
    """report.md; ``images`` maps "hit_at_k"/"calibration" to PNG file names next to it."""
    images = images or {}
    run = report.get("run", {})
    out = ["# newsqa eval report", ""]
    out += _run_line_markdown(run)
    out += _metrics_markdown(report, images)
    out += _breakdown_sections(report)
    out += [""]
    if calibration_result is not None:
        out += calibration.format_markdown(calibration_result, images.get("calibration"))
    else:
        out += ["## Abstention calibration", "",
                "n/a: this question set has no unanswerable questions (see "
                "`python -m newsqa.evals.build_unanswerable`)."]
    out += _settings_markdown(report.get("settings", {}), run)
    out += _failed_rows_markdown(scores)
    out += _worst_misses_markdown(worst_misses(scores))
    return "\n".join(out) + "\n"


def _run_line_markdown(run: dict[str, Any]) -> list[str]:
    """When, on which questions and index, with which k, split and script (none without a run)."""
    if not run:
        return []
    extras = []
    if run.get("split") and run["split"] != "all":
        extras.append(f"split **{str(run['split']).upper()}**")
    if run.get("to_script"):
        extras.append(f"questions converted to `{run['to_script']}`")
    return [
        f"{run.get('created', '')} · questions `{run.get('questions', '')}` · "
        f"index `{run.get('index_dir', '')}` · k = {run.get('k', '')}"
        + (" · " + " · ".join(extras) if extras else ""),
        "",
    ]


def _metrics_markdown(report: dict[str, Any], images: dict[str, str]) -> list[str]:
    """The metrics table, then hit@k for each reported k (with its chart when there is one)."""
    out = ["## Metrics", "", "| metric | value |", "| --- | ---: |"]
    out += [f"| {label} | {value} |" for label, value in _table_rows(report)]
    out += [
        "",
        "Ratios are shares in [0, 1]; n/a means no question the metric applies to. hit@k and "
        "MRR count a passage as gold when it comes from the gold article and covers at least "
        "half of the evidence sentence.",
    ]
    hits = [(k, report.get(f"hit@{k}")) for k in REPORT_KS if f"hit@{k}" in report]
    if hits:
        out += ["", "## hit@k", "", "| k | " + " | ".join(str(k) for k, _ in hits) + " |",
                "| --- | " + " | ".join("---:" for _ in hits) + " |",
                "| hit@k | " + " | ".join(_fmt(v, "ratio") for _, v in hits) + " |"]
        if images.get("hit_at_k"):
            out += ["", f"![hit@k for k = 1..10]({images['hit_at_k']})"]
    return out


def _settings_markdown(settings: dict[str, Any], run: dict[str, Any]) -> list[str]:
    """Every setting, then the run's own parameters."""
    out = ["", "## Settings", "", "| setting | value |", "| --- | --- |"]
    for key in sorted(settings):
        out.append(f"| {key} | {_md_cell(settings[key])} |")
    if run:
        for key in ("corpus", "index_dir", "questions", "split", "to_script", "k", "limit", "duration_s"):
            if run.get(key) is not None:
                out.append(f"| run.{key} | {_md_cell(run[key])} |")
    return out


def _worst_misses_markdown(misses: Sequence[RowScore]) -> list[str]:
    out = ["", f"## Worst misses ({len(misses)})", ""]
    if not misses:
        out.append("None: every question was answered with a gold answer and citation.")
        return out
    out += [
        "Worst first: an answered unanswerable question, then wrong answers whose gold passage "
        "was not retrieved, wrong answers, false abstentions, wrong citations.",
        "",
        "| id | question | gold | answer | conf. | gold rank | top 3 retrieved |",
        "| --- | --- | --- | --- | ---: | ---: | --- |",
    ]
    for s in misses:
        gold = " / ".join(s.answers) if s.answerable else "(unanswerable)"
        given = "(abstained) " + s.answer if s.abstained else s.answer
        conf = "—" if s.confidence is None else f"{s.confidence:.2f}"
        out.append(
            f"| {_md_cell(s.id)} | {_md_cell(s.question)} | {_md_cell(gold)} | "
            f"{_md_cell(given)} | {conf} | {s.gold_rank if s.gold_rank is not None else '—'} | "
            f"{_retrieved_cell(s)} |"
        )
    return out


def _calibration_rows(scores: Sequence[RowScore]) -> list[dict[str, Any]]:
    return [{"answerable": s.answerable, "confidence": s.confidence, "split": s.split} for s in scores]


def calibration_of(scores: Sequence[RowScore], settings: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The abstention calibration of a run, or ``None`` when it has no unanswerable or no
    answerable questions with a confidence."""
    rows = _calibration_rows(scores)
    with_conf = [r for r in rows if r["confidence"] is not None]
    if not any(r["answerable"] for r in with_conf) or all(r["answerable"] for r in with_conf):
        return None
    current = (settings or {}).get("answer_min_confidence")
    return calibration.calibrate(with_conf, current=current)


def write_outputs(
    out_dir: Path,
    report: dict[str, Any],
    results: Sequence[tuple[dict[str, Any], Answer, RowScore]],
) -> None:
    from .charts import hit_at_k_chart

    out_dir.mkdir(parents=True, exist_ok=True)
    scores = [score for _, _, score in results]
    images: dict[str, str] = {}
    try:
        if hit_at_k_chart({"hit@k": report}, out_dir / "hit_at_k.png"):
            images["hit_at_k"] = "hit_at_k.png"
    except Exception:  # a chart must never cost the run's results
        logger.warning("could not draw hit_at_k.png", exc_info=True)
    cal = calibration_of(scores, report.get("settings"))
    if cal is not None:
        (out_dir / "calibration.json").write_text(
            json.dumps(cal, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        try:
            if calibration.write_chart(cal, out_dir / "calibration.png"):
                images["calibration"] = "calibration.png"
        except Exception:
            logger.warning("could not draw calibration.png", exc_info=True)
    # A question may hold lone surrogates (a JSON "\\ud800"); they are written as that escape.
    (out_dir / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8",
        errors="backslashreplace",
    )
    (out_dir / "report.md").write_text(
        format_markdown(report, scores, images=images, calibration_result=cal), encoding="utf-8",
        errors="backslashreplace",
    )
    with (out_dir / "rows.jsonl").open("w", encoding="utf-8", errors="backslashreplace") as fh:
        for row, answer, score in results:
            fh.write(json.dumps(row_record(row, answer, score), ensure_ascii=False, default=str) + "\n")


def _breakdown(scores: Sequence[RowScore], key: Callable[[RowScore], str | None]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[RowScore]] = {}
    for s in scores:
        groups.setdefault(key(s) or "unknown", []).append(s)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out = {}
    for name, group in ordered:
        rep = aggregate(group)
        out[name] = {k: rep.get(k) for k in BREAKDOWN_KEYS}
    return out


def build_report(
    scores: Sequence[RowScore], settings: Settings, *, k: int, run: dict[str, Any]
) -> dict[str, Any]:
    report = aggregate(scores, ks=sorted(set(HIT_KS) | set(REPORT_KS) | {k}))
    report["by_answer_type"] = _breakdown(scores, lambda s: s.answer_type)
    sources: dict[str, int] = {}
    for s in scores:
        if s.answer_type_source:
            sources[s.answer_type_source] = sources.get(s.answer_type_source, 0) + 1
    report["answer_type_source"] = sources
    report["by_split"] = _breakdown(scores, lambda s: s.split)
    if any(s.question_kind for s in scores):
        report["by_question_kind"] = _breakdown(scores, lambda s: s.question_kind)
    if any(s.time_expression for s in scores):
        report["by_time_expression"] = _breakdown(scores, lambda s: s.time_expression)
    report["run"] = run
    report["settings"] = settings.model_dump(mode="json")
    cal = calibration_of(scores, report["settings"])
    report["calibration"] = None if cal is None else {
        key: cal[key] for key in ("fit_on", "max_false_abstain", "threshold", "current_threshold",
                                  "at_threshold", "at_current")
    }
    return report
