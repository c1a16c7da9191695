"""Run an eval set through the pipeline and write a report.

``run_eval`` answers every question with ``NewsQA`` and scores it with
``newsqa.evals.metrics``. Without ``corpus`` it uses the current index
(``settings.index_path``); with ``corpus`` it builds a separate index of that folder
under ``var/eval-cache/<fingerprint>`` (keyed by the files' content and the settings
that shape the index) and reuses it while nothing changes. The user's index is never
touched.

``split`` ("tune" | "check" | "all", see ``newsqa.evals.splits``) keeps the questions
of one half; ``to_script`` ("hans" | "hant") converts every question to that script
before it is asked (the gold answers are compared script-folded anyway).

Outputs in ``out_dir``: ``report.json`` (the metrics at the top level — hit@1..hit@10,
MRR, answer containment, citations, abstention, length, latency — plus
``by_answer_type``, ``by_split``, a ``calibration`` summary, ``run`` and ``settings``),
``report.md`` (metrics table, hit@k table and chart, per-answer-type and per-split
breakdowns, the abstention calibration when the set has unanswerable questions,
settings, the 20 worst misses with what was retrieved), ``rows.jsonl`` (one record per
question, with its confidence, answer type and split), ``hit_at_k.png`` and, when there
is a calibration, ``calibration.json`` and ``calibration.png``.

Example::

    report = run_eval(Path("evals/seed_qa.jsonl"), Settings.load(), out_dir=Path("var/eval/seed"))
    print(format_table(report))
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from newsqa.config import Settings
from newsqa.question import QuestionError
from newsqa.types import Answer, Document

from . import calibrate as calibration
from .metrics import (
    HIT_KS,
    MRR_K,
    QuestionFileError,
    RowScore,
    aggregate,
    load_questions,
    score_row,
)
from .splits import SPLITS, filter_split

logger = logging.getLogger(__name__)

CACHE_DIR = "var/eval-cache"
# Settings that change what an index holds; a change of any gives a new cache entry.
INDEX_SETTINGS = ("embedding_model", "chunk_size", "chunk_overlap", "chunk_min_size")
_CACHE_FORMAT = "newsqa-eval-cache/1"

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
)


# --------------------------------------------------------------------------- corpus cache


def _corpus_files(corpus: Path) -> list[Path]:
    if corpus.is_file():
        return [corpus]
    files = []
    for path in sorted(corpus.rglob("*")):
        rel = path.relative_to(corpus)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            files.append(path)
    return files


def _index_format() -> str:
    """The on-disk index format this code writes (``newsqa.index.store.FORMAT_VERSION``)."""
    try:
        from newsqa.index.store import FORMAT_VERSION
    except Exception:  # pragma: no cover - the index package always imports in practice
        return "unknown"
    return str(FORMAT_VERSION)


def corpus_fingerprint(corpus: Path, settings: Settings) -> str:
    """A hash of the corpus files (relative path, size, content), the indexing settings and
    the index format version (an index of an older format gets a new entry; the old one is
    left alone)."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise FileNotFoundError(f"eval corpus {corpus} does not exist")
    root = corpus.parent if corpus.is_file() else corpus
    from newsqa.index.store import FORMAT_VERSION

    # The index format is part of the key: a cache written by an older newsqa is rebuilt, not refused.
    digest = hashlib.sha256(f"{_CACHE_FORMAT}/index-format-{FORMAT_VERSION}".encode())
    digest.update(f"\0index_format={_index_format()}".encode())
    for key in INDEX_SETTINGS:
        digest.update(f"\0{key}={getattr(settings, key)}".encode())
    for path in _corpus_files(corpus):
        file_hash = hashlib.sha256()
        size = 0
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                file_hash.update(block)
                size += len(block)
        rel = path.relative_to(root).as_posix()
        digest.update(f"\0{rel}\0{size}\0{file_hash.hexdigest()}".encode())
    return digest.hexdigest()[:20]


BuildFn = Callable[[list[Path], Settings], Any]


def _default_build(paths: list[Path], settings: Settings) -> Any:
    from newsqa.ingest.pipeline import ingest_paths

    return ingest_paths(paths, settings, rebuild=True)


def _discard(cache_dir: Path) -> None:
    """Move a cache entry out of the way (atomically) and delete it."""
    trash = cache_dir.with_name(f".{cache_dir.name}.stale-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        cache_dir.rename(trash)
    except FileNotFoundError:  # another run discarded it first
        return
    shutil.rmtree(trash, ignore_errors=True)


def prepare_corpus_index(
    corpus: Path, settings: Settings, *, build: BuildFn | None = None, rebuild: bool = False
) -> Settings:
    """Settings whose ``index_dir`` is a cached index of ``corpus``, built if missing.

    The index is built into a temporary sibling folder and renamed into place only when
    the build succeeded, so an interrupted build is never reused. ``rebuild`` discards a
    cached entry first (``run_eval`` does so when the cached index was written by an
    older, incompatible index format).
    """
    corpus = Path(corpus).expanduser().resolve()
    fingerprint = corpus_fingerprint(corpus, settings)
    cache_root = settings.resolve(CACHE_DIR)
    cache_dir = cache_root / fingerprint
    eval_settings = settings.model_copy(update={"index_dir": cache_dir})
    if rebuild and cache_dir.is_dir():
        logger.warning("eval corpus %s: discarding the incompatible cached index %s", corpus, cache_dir)
        _discard(cache_dir)
    if cache_dir.is_dir():
        logger.info("eval corpus %s: reusing cached index %s", corpus, cache_dir)
        return eval_settings

    cache_root.mkdir(parents=True, exist_ok=True)
    tmp_dir = cache_root / f".{fingerprint}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    logger.info("eval corpus %s: building an index in %s", corpus, cache_dir)
    started = time.perf_counter()
    try:
        result = (build or _default_build)([corpus], settings.model_copy(update={"index_dir": tmp_dir}))
        if not tmp_dir.is_dir():
            raise RuntimeError(f"indexing {corpus} wrote nothing to {tmp_dir}")
        failed = getattr(result, "failed", None) or []
        if failed:
            logger.warning("eval corpus: %d file(s) could not be ingested, e.g. %s", len(failed), failed[0])
        if getattr(result, "documents_total", None) == 0:
            raise RuntimeError(f"no article in {corpus} could be ingested; nothing to evaluate against")
        try:
            tmp_dir.rename(cache_dir)
        except OSError:
            if not cache_dir.is_dir():  # not a concurrent build that finished first
                raise
            logger.info("another run cached %s first; using it", cache_dir)
    finally:
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir, ignore_errors=True)
    manifest = {
        "format": _CACHE_FORMAT,
        "fingerprint": fingerprint,
        "corpus": str(corpus),
        "files": len(_corpus_files(corpus)),
        "settings": {key: getattr(settings, key) for key in INDEX_SETTINGS},
        "index_format": _index_format(),
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 2),
        "ingest_report": _jsonable(result),
    }
    try:
        (cache_root / f"{fingerprint}.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
    except OSError as exc:  # informational only
        logger.warning("could not write %s: %s", cache_root / f"{fingerprint}.json", exc)
    return eval_settings


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    for attr in ("summary", "to_dict", "model_dump"):
        fn = getattr(value, attr, None)
        if callable(fn):
            try:
                return fn()
            except Exception:  # pragma: no cover - best effort
                break
    return str(value)


# --------------------------------------------------------------------------- answering


def evaluate(
    rows: Sequence[dict[str, Any]],
    ask: Callable[[str], Answer],
    lookup: Callable[[str], Document | None] | None,
    *,
    progress: bool = False,
) -> list[tuple[dict[str, Any], Answer, RowScore]]:
    """Answer and score every row; returns ``(row, answer, score)`` triples in order."""
    from newsqa.progress import Progress

    results = []
    with Progress(len(rows), "eval", "question", tty=None if progress else False) as bar:
        for row in rows:
            answer, status, error = _ask_row(row, ask)
            score = score_row(row, answer, lookup)
            score.status, score.error = status, error
            logger.debug(
                "%s gold_rank=%s contains=%s abstained=%s", row["id"], score.gold_rank,
                score.contains, score.abstained,
            )
            results.append((row, answer, score))
            bar.update(1)
    return results


def _ask_row(row: dict[str, Any], ask: Callable[[str], Answer]) -> tuple[Answer, str, str | None]:
    """(answer, status, error) for one row: a refused question or a failure becomes an empty,
    abstaining answer with the reason, so one bad row never stops the run."""
    try:
        return ask(row["question"]), "answered", None
    except QuestionError as exc:
        status, error = "refused", f"{exc.kind}: {exc}"
    except Exception as exc:  # noqa: BLE001 - recorded with the row and listed at the end
        logger.error("question %s failed: %s: %s", row.get("id"), type(exc).__name__, exc)
        logger.debug("traceback of question %s", row.get("id"), exc_info=True)
        status, error = "error", f"{type(exc).__name__}: {exc}"
    question = row.get("question")
    empty = Answer(question=question if isinstance(question, str) else "", answer="", abstained=True, citations=[])
    return empty, status, error


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


# --------------------------------------------------------------------------- reports


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
    settings = report.get("settings", {})
    out = ["# newsqa eval report", ""]
    if run:
        extras = []
        if run.get("split") and run["split"] != "all":
            extras.append(f"split **{str(run['split']).upper()}**")
        if run.get("to_script"):
            extras.append(f"questions converted to `{run['to_script']}`")
        out.append(
            f"{run.get('created', '')} · questions `{run.get('questions', '')}` · "
            f"index `{run.get('index_dir', '')}` · k = {run.get('k', '')}"
            + (" · " + " · ".join(extras) if extras else "")
        )
        out.append("")
    out += ["## Metrics", "", "| metric | value |", "| --- | ---: |"]
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
    by_type = report.get("by_answer_type") or {}
    if by_type:
        sources = report.get("answer_type_source") or {}
        how = ", ".join(f"{src}: {n}" for src, n in sources.items())
        out += ["", "## By answer type", "",
                "The answer type comes from the answerer (`Answer.answer_type`) when it sets one, "
                "else from the question by the rule in `newsqa.evals.answer_types`"
                + (f" ({how})." if how else "."), ""]
        out += _breakdown_table(by_type, "answer type")
    by_split = report.get("by_split") or {}
    if len(by_split) > 1:
        out += ["", "## By split", "", "TUNE/CHECK halves by article (`newsqa.evals.splits`).", ""]
        out += _breakdown_table({k.upper(): v for k, v in by_split.items()}, "split")
    out += [""]
    if calibration_result is not None:
        out += calibration.format_markdown(calibration_result, images.get("calibration"))
    else:
        out += ["## Abstention calibration", "",
                "n/a: this question set has no unanswerable questions (see "
                "`python -m newsqa.evals.build_unanswerable`)."]
    out += [
        "",
        "## Settings",
        "",
        "| setting | value |",
        "| --- | --- |",
    ]
    for key in sorted(settings):
        out.append(f"| {key} | {_md_cell(settings[key])} |")
    if run:
        for key in ("corpus", "index_dir", "questions", "split", "to_script", "k", "limit", "duration_s"):
            if run.get(key) is not None:
                out.append(f"| run.{key} | {_md_cell(run[key])} |")
    out += _failed_rows_markdown(scores)
    misses = worst_misses(scores)
    out += ["", f"## Worst misses ({len(misses)})", ""]
    if not misses:
        out.append("None: every question was answered with a gold answer and citation.")
    else:
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
    return "\n".join(out) + "\n"


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
    report["run"] = run
    report["settings"] = settings.model_dump(mode="json")
    cal = calibration_of(scores, report["settings"])
    report["calibration"] = None if cal is None else {
        key: cal[key] for key in ("fit_on", "max_false_abstain", "threshold", "current_threshold",
                                  "at_threshold", "at_current")
    }
    return report


# --------------------------------------------------------------------------- entry point


def _is_index_mismatch(exc: BaseException) -> bool:
    try:
        from newsqa.index.store import IndexMismatchError
    except Exception:  # pragma: no cover - the index package always imports in practice
        return False
    return isinstance(exc, IndexMismatchError)


def prepare_questions(
    questions: Path, *, split: str = "all", limit: int | None = None, to_script: str | None = None
) -> list[dict[str, Any]]:
    """The rows to ask: loaded, filtered to ``split``, cut to ``limit``, converted to ``to_script``."""
    if split == "all":
        rows = load_questions(questions, limit=limit)
    else:
        rows = filter_split(load_questions(questions), split)
        if limit is not None:
            rows = rows[:limit]
        if not rows:
            raise QuestionFileError(f"{questions}: no question in the {split.upper()} split")
    if to_script:
        from newsqa.script import to_script as convert

        rows = [dict(row, question=convert(row["question"], to_script), question_original=row["question"])
                for row in rows]
    return rows


def run_record(
    questions: Path,
    corpus: Path | None,
    eval_settings: Settings,
    *,
    split: str,
    to_script: str | None,
    k: int,
    limit: int | None,
    warmup: bool,
    started: float,
) -> dict[str, Any]:
    """The ``run`` section of a report: what was asked, over which index, and how long it took."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "questions": str(questions),
        "corpus": str(corpus) if corpus is not None else None,
        "index_dir": str(eval_settings.index_path),
        "split": split,
        "to_script": to_script,
        "k": k,
        "limit": limit,
        "hit_ks": list(HIT_KS),
        "mrr_k": MRR_K,
        "warmup": warmup,
        "duration_s": round(time.perf_counter() - started, 2),
    }


def run_eval(
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
    """Answer the questions in ``questions`` and write the report into ``out_dir``.

    ``k`` is how many passages the answerer sees (``qa.ask(question, top_k=k)``);
    ``split`` keeps the TUNE or CHECK half ("all": every question); ``limit`` then takes
    only the first questions; ``to_script`` ("hans"/"hant") converts the questions
    before they are asked. Returns the report dict (as in ``report.json``).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    questions = Path(questions)
    out_dir = Path(out_dir)
    rows = prepare_questions(questions, split=split, limit=limit, to_script=to_script)
    started = time.perf_counter()

    eval_settings = prepare_corpus_index(Path(corpus), settings) if corpus is not None else settings

    from newsqa.qa.pipeline import NewsQA

    logger.info("eval: %d questions, index %s, k=%d", len(rows), eval_settings.index_path, k)
    try:
        qa = NewsQA.from_settings(eval_settings)
    except Exception as exc:
        if corpus is None or not _is_index_mismatch(exc):
            raise
        # The cache key covers the corpus, the indexing settings and the index format, not
        # the rest of the code: an entry the current code cannot read is rebuilt once.
        logger.warning("cached eval index is incompatible (%s); rebuilding it", exc)
        eval_settings = prepare_corpus_index(Path(corpus), settings, rebuild=True)
        qa = NewsQA.from_settings(eval_settings)
    # One untimed question first, so model loading does not land in the latency figures.
    try:
        qa.ask(rows[0]["question"], top_k=k)
    except Exception:  # the scored loop reports failures with the question id
        logger.debug("warm-up question failed", exc_info=True)
    results = evaluate(
        rows,
        lambda question: qa.ask(question, top_k=k),
        qa.index.get_document,
        progress=progress,
    )
    run = run_record(questions, corpus, eval_settings, split=split, to_script=to_script, k=k, limit=limit,
                     warmup=True, started=started)
    report = build_report([score for _, _, score in results], eval_settings, k=k, run=run)
    write_outputs(out_dir, report, results)
    logger.info("eval report written to %s", out_dir)
    return report
