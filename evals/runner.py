"""Run an eval set through the pipeline and write a report.

``run_eval`` answers every question with ``NewsQA`` and scores it with
``newsqa.evals.metrics``. Without ``corpus`` it uses the current index
(``settings.index_path``); with ``corpus`` it builds a separate index of that folder
under ``var/eval-cache/<fingerprint>`` (keyed by the files' content and the settings
that shape the index) and reuses it while nothing changes. The user's index is never
touched.

A row's ``question_date`` (``YYYY-MM-DD``, as ChronoQA rows have it) is the day the
question was asked: it is passed as ``as_of`` (「去年」「上周」 are read against it); a row
without one is asked as of today.

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
    print(format_table(report))   # from newsqa.evals.report
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
from newsqa.index.access import index_exists
from newsqa.question import QuestionError
from newsqa.types import Answer, Document

from .metrics import HIT_KS, MRR_K, QuestionFileError, RowScore, load_questions, question_day, score_row
from .report import build_report, write_outputs
from .splits import SPLITS, filter_split

logger = logging.getLogger(__name__)

CACHE_DIR = "var/eval-cache"
# Settings that change what an index holds; a change of any gives a new cache entry.
INDEX_SETTINGS = ("embedding_model", "chunk_size", "chunk_overlap", "chunk_min_size")
# Where the index is kept: in the key only when not at the default, so folder caches keep their keys.
STORAGE_SETTINGS = ("index_backend", "index_milvus_uri")
_CACHE_FORMAT = "newsqa-eval-cache/1"

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


def _reader_files() -> list[Path]:
    """The code that turns files into documents and passages: ``ingest/``, the chunker and
    the index opener that builds it from the settings (``index/chunker.py``,
    ``index/access.py``), the date module and the sentence splitter of ``newsqa.text``.

    Example::

        [p.name for p in _reader_files()][-4:]   # ['chunker.py', 'access.py', 'dates.py', 'text.py']
    """
    import newsqa.dates
    import newsqa.index.access
    import newsqa.index.chunker
    import newsqa.ingest
    import newsqa.text

    return sorted(Path(newsqa.ingest.__file__).parent.glob("*.py")) + [
        Path(module.__file__)
        for module in (newsqa.index.chunker, newsqa.index.access, newsqa.dates, newsqa.text)
    ]


def _reader_version() -> str:
    """A hash of :func:`_reader_files`: a change to how articles are read or cut gives the
    eval index a new entry instead of reusing one built by the old reader."""
    digest = hashlib.sha256()
    for path in _reader_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def corpus_fingerprint(corpus: Path, settings: Settings) -> str:
    """A hash of the corpus files (relative path, size, content), the indexing settings,
    the index format version and the reading code (an index of an older format or reader
    gets a new entry; the old one is left alone)."""
    corpus = Path(corpus)
    if not corpus.exists():
        raise FileNotFoundError(f"eval corpus {corpus} does not exist")
    root = corpus.parent if corpus.is_file() else corpus
    from newsqa.index.store import FORMAT_VERSION

    # The index format is part of the key: a cache written by an older newsqa is rebuilt, not refused.
    digest = hashlib.sha256(f"{_CACHE_FORMAT}/index-format-{FORMAT_VERSION}".encode())
    digest.update(f"\0index_format={_index_format()}\0reader={_reader_version()}".encode())
    for key in INDEX_SETTINGS:
        digest.update(f"\0{key}={getattr(settings, key)}".encode())
    for key in STORAGE_SETTINGS:
        if getattr(settings, key) != type(settings).model_fields[key].default:
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
    # Each cached corpus is an archive of its own, also where the index lives outside its folder (Milvus).
    archive = {"index_milvus_collection": f"eval_{fingerprint}"}
    eval_settings = settings.model_copy(update={"index_dir": cache_dir, **archive})
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
        build_settings = settings.model_copy(update={"index_dir": tmp_dir, **archive})
        result = (build or _default_build)([corpus], build_settings)
        if not (tmp_dir.is_dir() or index_exists(build_settings)):
            raise RuntimeError(f"indexing {corpus} wrote nothing to {tmp_dir}")
        tmp_dir.mkdir(exist_ok=True)  # the cache entry, also for an index kept elsewhere (Milvus)
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
    ask: Callable[..., Answer],
    lookup: Callable[[str], Document | None] | None,
    *,
    progress: bool = False,
) -> list[tuple[dict[str, Any], Answer, RowScore]]:
    """Answer and score every row; returns ``(row, answer, score)`` triples in order.

    ``ask(question)`` answers a row, ``ask(question, as_of=date)`` one with a ``question_date``."""
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


def _ask_row(row: dict[str, Any], ask: Callable[..., Answer]) -> tuple[Answer, str, str | None]:
    """(answer, status, error) for one row: a refused question or a failure becomes an empty,
    abstaining answer with the reason, so one bad row never stops the run."""
    try:
        as_of = question_day(row)  # checked when the file was loaded
        if as_of is not None:
            return ask(row["question"], as_of=as_of), "answered", None
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
        lambda question, **when: qa.ask(question, top_k=k, **when),
        qa.index.get_document,
        progress=progress,
    )
    run = run_record(questions, corpus, eval_settings, split=split, to_script=to_script, k=k, limit=limit,
                     warmup=True, started=started)
    report = build_report([score for _, _, score in results], eval_settings, k=k, run=run)
    write_outputs(out_dir, report, results)
    logger.info("eval report written to %s", out_dir)
    return report
