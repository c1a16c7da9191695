"""Run an eval set through the pipeline and write a report.

``run_eval`` answers every question with ``NewsQA`` and scores it with
``newsqa.evals.metrics``. Without ``corpus`` it uses the current index
(``settings.index_path``); with ``corpus`` it builds a separate index of that folder
under ``var/eval-cache/<fingerprint>`` (keyed by the files' content and the settings
that shape the index) and reuses it while nothing changes. The user's index is never
touched.

Outputs in ``out_dir``: ``report.json`` (the metrics at the top level, plus ``run``
and ``settings``), ``report.md`` (metrics table, settings, the worst misses) and
``rows.jsonl`` (one record per question).

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
from newsqa.types import Answer, Document

from .metrics import HIT_KS, MRR_K, RowScore, aggregate, load_questions, score_row

logger = logging.getLogger(__name__)

CACHE_DIR = "var/eval-cache"
# Settings that change what an index holds; a change of any gives a new cache entry.
INDEX_SETTINGS = ("embedding_model", "chunk_size", "chunk_overlap", "chunk_min_size")
_CACHE_FORMAT = "newsqa-eval-cache/1"

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


def corpus_fingerprint(corpus: Path, settings: Settings) -> str:
    """A hash of the corpus files (relative path, size, content) and the indexing settings."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise FileNotFoundError(f"eval corpus {corpus} does not exist")
    root = corpus.parent if corpus.is_file() else corpus
    from newsqa.index.store import FORMAT_VERSION

    # The index format is part of the key: a cache written by an older newsqa is rebuilt, not refused.
    digest = hashlib.sha256(f"{_CACHE_FORMAT}/index-format-{FORMAT_VERSION}".encode())
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


def prepare_corpus_index(corpus: Path, settings: Settings, *, build: BuildFn | None = None) -> Settings:
    """Settings whose ``index_dir`` is a cached index of ``corpus``, built if missing.

    The index is built into a temporary sibling folder and renamed into place only when
    the build succeeded, so an interrupted build is never reused.
    """
    corpus = Path(corpus).expanduser().resolve()
    fingerprint = corpus_fingerprint(corpus, settings)
    cache_root = settings.resolve(CACHE_DIR)
    cache_dir = cache_root / fingerprint
    eval_settings = settings.model_copy(update={"index_dir": cache_dir})
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
            try:
                answer = ask(row["question"])
            except Exception as exc:
                raise RuntimeError(f"question {row['id']} ({row['question']}) failed: {exc}") from exc
            score = score_row(row, answer, lookup)
            logger.debug(
                "%s gold_rank=%s contains=%s abstained=%s", row["id"], score.gold_rank,
                score.contains, score.abstained,
            )
            results.append((row, answer, score))
            bar.update(1)
    return results


def row_record(row: dict[str, Any], answer: Answer, score: RowScore) -> dict[str, Any]:
    """The ``rows.jsonl`` record of one question."""
    record = score.to_dict()
    record["citations"] = [c.to_dict() for c in answer.citations]
    record["retrieved"] = [
        {
            "rank": rank,
            "doc_id": rc.chunk.doc_id,
            "title": rc.document.title,
            "start": rc.chunk.start,
            "end": rc.chunk.end,
            "score": round(float(rc.score), 6),
        }
        for rank, rc in enumerate(answer.retrieved[:10], start=1)
    ]
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
    """(label, value) pairs; every ``hit@k`` in the report is listed, in order of k."""
    hits = sorted((key for key in report if key.startswith("hit@")), key=lambda key: int(key[4:]))
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


def worst_misses(scores: Sequence[RowScore], n: int = 10) -> list[RowScore]:
    misses = [s for s in scores if s.miss_severity > 0]
    misses.sort(key=lambda s: (-s.miss_severity, s.gold_rank is not None, s.gold_rank or 0, s.id))
    return misses[:n]


def format_markdown(report: dict[str, Any], scores: Sequence[RowScore]) -> str:
    run = report.get("run", {})
    settings = report.get("settings", {})
    out = ["# newsqa eval report", ""]
    if run:
        out.append(
            f"{run.get('created', '')} · questions `{run.get('questions', '')}` · "
            f"index `{run.get('index_dir', '')}` · k = {run.get('k', '')}"
        )
        out.append("")
    out += ["## Metrics", "", "| metric | value |", "| --- | ---: |"]
    out += [f"| {label} | {value} |" for label, value in _table_rows(report)]
    out += [
        "",
        "Ratios are shares in [0, 1]; n/a means no question the metric applies to. hit@k and "
        "MRR count a passage as gold when it comes from the gold article and covers at least "
        "half of the evidence sentence.",
        "",
        "## Settings",
        "",
        "| setting | value |",
        "| --- | --- |",
    ]
    for key in sorted(settings):
        out.append(f"| {key} | {_md_cell(settings[key])} |")
    if run:
        for key in ("corpus", "index_dir", "questions", "k", "limit", "duration_s"):
            if run.get(key) is not None:
                out.append(f"| run.{key} | {_md_cell(run[key])} |")
    misses = worst_misses(scores)
    out += ["", f"## Worst misses ({len(misses)})", ""]
    if not misses:
        out.append("None: every question was answered with a gold answer and citation.")
    else:
        out += [
            "| id | question | gold | answer | gold rank | top retrieved |",
            "| --- | --- | --- | --- | ---: | --- |",
        ]
        for s in misses:
            gold = " / ".join(s.answers) if s.answerable else "(unanswerable)"
            given = "(abstained) " + s.answer if s.abstained else s.answer
            out.append(
                f"| {_md_cell(s.id)} | {_md_cell(s.question)} | {_md_cell(gold)} | "
                f"{_md_cell(given)} | {s.gold_rank if s.gold_rank is not None else '—'} | "
                f"{_md_cell('; '.join(s.retrieved_titles[:3]))} |"
            )
    return "\n".join(out) + "\n"


def write_outputs(
    out_dir: Path,
    report: dict[str, Any],
    results: Sequence[tuple[dict[str, Any], Answer, RowScore]],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    (out_dir / "report.md").write_text(
        format_markdown(report, [score for _, _, score in results]), encoding="utf-8"
    )
    with (out_dir / "rows.jsonl").open("w", encoding="utf-8") as fh:
        for row, answer, score in results:
            fh.write(json.dumps(row_record(row, answer, score), ensure_ascii=False, default=str) + "\n")


def build_report(
    scores: Sequence[RowScore], settings: Settings, *, k: int, run: dict[str, Any]
) -> dict[str, Any]:
    report = aggregate(scores, ks=sorted(set(HIT_KS) | {k}))
    report["run"] = run
    report["settings"] = settings.model_dump(mode="json")
    return report


# --------------------------------------------------------------------------- entry point


def run_eval(
    questions: Path,
    settings: Settings,
    *,
    corpus: Path | None = None,
    out_dir: Path,
    k: int = 5,
    limit: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Answer the questions in ``questions`` and write the report into ``out_dir``.

    ``k`` is how many passages the answerer sees (``qa.ask(question, top_k=k)``);
    ``limit`` takes only the first questions. Returns the report dict (as in
    ``report.json``).
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    questions = Path(questions)
    out_dir = Path(out_dir)
    rows = load_questions(questions, limit=limit)
    started = time.perf_counter()

    eval_settings = prepare_corpus_index(Path(corpus), settings) if corpus is not None else settings

    from newsqa.qa.pipeline import NewsQA

    logger.info("eval: %d questions, index %s, k=%d", len(rows), eval_settings.index_path, k)
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
    run = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "questions": str(questions),
        "corpus": str(corpus) if corpus is not None else None,
        "index_dir": str(eval_settings.index_path),
        "k": k,
        "limit": limit,
        "hit_ks": list(HIT_KS),
        "mrr_k": MRR_K,
        "warmup": True,
        "duration_s": round(time.perf_counter() - started, 2),
    }
    report = build_report([score for _, _, score in results], eval_settings, k=k, run=run)
    write_outputs(out_dir, report, results)
    logger.info("eval report written to %s", out_dir)
    return report
