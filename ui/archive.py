"""The archive tab's machinery: storing uploaded articles, indexing them in the
background, listing and deleting documents. No Gradio here (``ui/archive_tab.py`` renders).

Uploads are stored with the index they are added to (``settings.uploads_path``,
``<index>/uploads``; indexed as ``uploads/<name>``) only, under a sanitised
name (:func:`sanitize_filename`: basename, safe characters, a supported suffix); a
different file already stored under that name is never overwritten (``name-2.txt``…),
the same bytes uploaded again reuse the stored file. :class:`IngestWorker` runs
``NewsQA.add_files([stored files], settings)`` in one background thread, so the chat keeps
answering; the ``NewsQA`` behind the chat switches to the new index generation by itself
(``refresh()`` on the next question).

Example::

    stored = store_upload(Path("/tmp/gradio/…/新聞.txt"), "新聞.txt", uploads_dir(settings),
                          max_bytes=settings.upload_max_bytes)
    worker = IngestWorker(settings)
    worker.submit([stored])
    worker.status().state   # "running", then "done"
"""

from __future__ import annotations

import datetime as dt
import filecmp
import logging
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsqa.progress import Step
from newsqa.progress import current as current_step
from newsqa.script import matches

logger = logging.getLogger(__name__)

#: What the archive tab accepts (the formats ``newsqa ingest`` reads).
UPLOAD_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
UPLOADS_FOLDER = "uploads"
MAX_STEM_CHARS = 80
MAX_SAME_NAME = 1000

# Letters (any script, CJK included), digits, and - _ . are kept; anything else is "_".
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_REPEATS = re.compile(r"([_.\-])\1+")


class UploadError(ValueError):
    """An uploaded file that is not stored; the message is for the user."""


def uploads_dir(settings: Any) -> Path:
    """Where uploaded articles are stored: with the index served (``<index>/uploads``)."""
    return Path(settings.uploads_path)


def upload_folders(settings: Any) -> list[Path]:
    """The folders uploads may be stored in: with the index, and ``<corpus>/uploads``, where
    an older newsqa stored them (still indexed from there as ``uploads/<name>``)."""
    return [uploads_dir(settings), Path(settings.corpus_path) / UPLOADS_FOLDER]


def sanitize_filename(name: str) -> str:
    """A safe file name for an uploaded ``name``: its basename (``/`` and ``\\`` both
    separate), NFKC-normalised, characters other than letters, digits, ``-``, ``_`` and
    ``.`` replaced by ``_``, no leading dot (hidden files are skipped by ingest) or dash,
    the stem cut to 80 characters, the suffix lower-cased. Raises :class:`UploadError`
    when the suffix is not one of :data:`UPLOAD_SUFFIXES`.

    >>> sanitize_filename("../../etc/passwd.txt")
    'passwd.txt'
    >>> sanitize_filename("C:\\\\Users\\\\me\\\\上海 自貿區<新聞>.TXT")
    '上海_自貿區_新聞.txt'
    """
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _REPEATS.sub(r"\1", _UNSAFE.sub("_", base.strip())).rstrip("._- ")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = "." + suffix.lower() if suffix else ""
    if suffix not in UPLOAD_SUFFIXES:
        shown = suffix or "(none)"
        raise UploadError(
            f"{name}: unsupported file type {shown}; upload {' '.join(UPLOAD_SUFFIXES)} files"
        )
    stem = stem.strip("._- ")[:MAX_STEM_CHARS].rstrip("._- ") or "article"
    return stem + suffix


def store_upload(source: Path, original_name: str, folder: Path, *, max_bytes: int) -> Path:
    """Copy an uploaded file into ``folder`` under its sanitised name; returns the stored path.

    Never overwrites: a different file with that name makes ``stem-2.ext`` (``-3``…);
    identical bytes already stored under one of those names are reused. Raises
    :class:`UploadError` for an unsupported type, an empty or too large file.
    """
    name = sanitize_filename(original_name)
    source = Path(source)
    size = source.stat().st_size
    if size == 0:
        raise UploadError(f"{original_name}: the file is empty")
    if size > max_bytes:
        raise UploadError(
            f"{original_name}: {size:,} bytes is more than the {max_bytes:,} bytes an upload may have"
        )
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    stem, suffix = name[: -len(Path(name).suffix)], Path(name).suffix
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=root)  # hidden: ingest skips it
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a stored article is an ordinary file
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while block := src.read(1 << 20):
                out.write(block)
        for i in range(1, MAX_SAME_NAME + 1):
            candidate = root / (name if i == 1 else f"{stem}-{i}{suffix}")
            if candidate.resolve().parent != root:  # belt and braces: never outside the folder
                raise UploadError(f"{original_name}: refused file name")
            try:
                os.link(tmp, candidate)  # atomic, and fails instead of overwriting
            except FileExistsError:
                if candidate.is_file() and filecmp.cmp(candidate, tmp, shallow=False):
                    return candidate
                continue
            return candidate
        raise UploadError(f"{original_name}: too many files named {name} already")
    finally:
        tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- ingest worker
@dataclass(slots=True)
class IngestStatus:
    """A snapshot of the background indexing."""

    state: str = "idle"  # idle | running | done | failed
    files: list[str] = field(default_factory=list)  # of the running (or last) batch
    queued: int = 0  # files waiting for the next batch
    started: float | None = None
    finished: float | None = None
    summary: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""
    batches: int = 0  # batches finished so far (done or failed)
    step: Step | None = None  # while running: the step under way (reading files, embedding passages)
    reindex: bool = False  # the batch re-reads the index's own sources (「重新索引」)
    removed: int = 0  # articles a re-index removed (their files are gone)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def elapsed(self, now: float | None = None) -> float:
        if self.started is None:
            return 0.0
        end = self.finished if self.finished is not None else (now or time.monotonic())
        return max(0.0, end - self.started)


def _core() -> Any:
    """``NewsQA``, imported when a batch first needs it (tests pass their own callables)."""
    from newsqa.qa.pipeline import NewsQA

    return NewsQA


class IngestWorker:
    """Indexes submitted files in one background thread, batch after batch.

    ``ingest`` is ``NewsQA.add_files`` (``newsqa ingest PATH…``; replaceable in tests);
    ``reindex`` is ``NewsQA.reindex`` (「重新索引」: the index's own folders and uploads read
    again, changed files re-embedded, gone ones removed); ``on_done`` runs after each batch
    (the UI refreshes its pipeline there).
    """

    def __init__(
        self,
        settings: Any,
        *,
        ingest: Callable[..., Any] | None = None,
        reindex: Callable[..., Any] | None = None,
        on_done: Callable[[], None] | None = None,
    ):
        self.settings = settings
        self._ingest = ingest
        self._reindex = reindex
        self._on_done = on_done
        self._lock = threading.Lock()
        self._pending: list[Path] = []
        self._reindex_pending = False
        self._thread: threading.Thread | None = None
        self._status = IngestStatus()

    def submit(self, paths: Iterable[Path]) -> IngestStatus:
        """Queue ``paths`` for indexing (started at once when idle); returns the status."""
        paths = [Path(p) for p in paths]
        with self._lock:
            for path in paths:
                if path not in self._pending and not (self._status.running and str(path) in self._status.files):
                    self._pending.append(path)
            self._status.queued = len(self._pending)
            if self._pending and (self._thread is None or not self._thread.is_alive()):
                self._start_batch()
            return self.status_locked()

    def submit_reindex(self) -> IngestStatus:
        """Queue a re-index of the index's own sources (started at once when idle). Files
        uploaded meanwhile are part of it (they are stored in the uploads folder it reads)."""
        with self._lock:
            self._reindex_pending = True
            if self._thread is None or not self._thread.is_alive():
                self._start_batch()
            return self.status_locked()

    def status(self) -> IngestStatus:
        with self._lock:
            return self.status_locked()

    def status_locked(self) -> IngestStatus:
        s = self._status
        return IngestStatus(
            state=s.state, files=list(s.files), queued=len(self._pending), started=s.started,
            finished=s.finished, summary=s.summary, added=s.added, updated=s.updated,
            unchanged=s.unchanged, failed=list(s.failed), error=s.error, batches=s.batches,
            step=current_step() if s.state == "running" else None, reindex=s.reindex, removed=s.removed,
        )

    def wait(self, timeout: float | None = None) -> IngestStatus:
        """Block until the worker is idle (tests, scripts); returns the last status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
            if thread is None or not thread.is_alive():
                return self.status()
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return self.status()
            thread.join(timeout=0.1 if remaining is None else min(remaining, 0.1))

    def _take_batch(self) -> tuple[list[Path], bool]:  # with self._lock held
        """The next batch: (files, whether it is a re-index), and a running status for it."""
        batch, self._pending = self._pending, []
        reindex, self._reindex_pending = self._reindex_pending, False
        self._status = IngestStatus(
            state="running", files=[] if reindex else [str(p) for p in batch], started=time.monotonic(),
            batches=self._status.batches, reindex=reindex,
        )
        return batch, reindex

    def _start_batch(self) -> None:  # with self._lock held
        batch, reindex = self._take_batch()
        self._thread = threading.Thread(
            target=self._run, args=(batch, reindex), name="newsqa-upload-ingest", daemon=True
        )
        self._thread.start()

    def _index(self, batch: list[Path], reindex: bool) -> dict[str, Any]:
        """Run one batch; its outcome as fields of the status."""
        try:
            if reindex:
                report = (self._reindex or _core().reindex)(self.settings)
            else:
                report = (self._ingest or _core().add_files)(batch, self.settings)
        except Exception as exc:  # noqa: BLE001 - reported to the page, the server goes on
            logger.exception("indexing %s failed", "the archive's sources" if reindex else "uploaded articles")
            return {"state": "failed", "error": str(exc) or type(exc).__name__}
        logger.info("%s: %s", "re-indexed" if reindex else "uploaded articles indexed", report.summary())
        return {
            "state": "done",
            "summary": report.summary(),
            "added": len(report.added),
            "updated": len(report.updated),
            "unchanged": len(report.unchanged) + len(report.duplicates),
            "removed": len(getattr(report, "removed", None) or []),
            "failed": list(report.failed),
        }

    def _run(self, batch: list[Path], reindex: bool) -> None:
        while True:
            result = self._index(batch, reindex)
            if self._on_done is not None:
                try:
                    self._on_done()
                except Exception:  # noqa: BLE001
                    logger.exception("after-ingest refresh failed")
            with self._lock:
                for key, value in result.items():
                    setattr(self._status, key, value)
                self._status.finished = time.monotonic()
                self._status.batches += 1
                if not (self._pending or self._reindex_pending):
                    self._thread = None
                    return
                batch, reindex = self._take_batch()


# --------------------------------------------------------------------------- documents
@dataclass(slots=True)
class DocumentRow:
    doc_id: str
    title: str
    date: str
    source: str
    chunks: int
    source_file: str


#: Searches that list the articles whose file left something out (as ``newsqa docs list --missing``).
MISSING_SEARCHES: dict[str, str] = {
    "沒有日期": "date", "没有日期": "date", "沒有標題": "title", "没有标题": "title",
    "沒有來源": "source", "没有来源": "source",
}


def missing_counts(index: Any) -> dict[str, int]:
    """How many articles (not 相關焦點 items) lack a date, a title, an outlet."""
    counts = {"date": 0, "title": 0, "source": 0}
    for doc in (index.documents.values() if index is not None else ()):
        for what in doc.missing_metadata():
            counts[what] += 1
    return counts


@dataclass(frozen=True)
class ArchiveQuery:
    """What the archive table lists: ``search`` (title, text, outlet, id or date, either
    script; or a :data:`MISSING_SEARCHES` word), one ``outlet`` ("" for all), and the
    articles dated ``since``…``until`` (both included; an undated article is left out
    while either is set)."""

    search: str = ""
    outlet: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def of(cls, query: ArchiveQuery | str | None) -> ArchiveQuery:
        """``query`` itself, or a plain search for a string."""
        return query if isinstance(query, ArchiveQuery) else cls(search=query or "")

    @property
    def narrows(self) -> bool:
        """Whether any filter is set (else every document is listed)."""
        return bool(self.search.strip() or self.outlet or self.since or self.until)

    def admits(self, doc: Any) -> bool:
        """Whether the document ``doc`` is listed."""
        if self.outlet and (doc.source or "") != self.outlet:
            return False
        if self.since or self.until:
            day = (doc.date or "")[:10]
            if len(day) < 10:
                return False
            if (self.since and day < self.since.isoformat()) or (self.until and day > self.until.isoformat()):
                return False
        lacking = MISSING_SEARCHES.get((self.search or "").strip())
        if lacking is not None:
            return lacking in doc.missing_metadata()
        return matches(self.search, doc.title, doc.source, doc.doc_id, doc.text, doc.date)


def outlet_counts(index: Any) -> list[tuple[str, int]]:
    """The outlets of the index's articles with how many each, most first (then by name)."""
    counts = Counter(doc.source for doc in (index.documents.values() if index is not None else ()) if doc.source)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def document_rows(index: Any, query: ArchiveQuery | str = "") -> list[DocumentRow]:
    """The index's documents that ``query`` admits (a string: a plain search), newest first:
    「2023-08」 lists that month's; 「沒有日期」 the articles whose file left the date out."""
    if index is None:
        return []
    query = ArchiveQuery.of(query)
    docs = sorted(sorted(index.documents.values(), key=lambda d: d.doc_id), key=lambda d: d.date or "", reverse=True)
    rows = []
    for doc in docs:
        if not query.admits(doc):
            continue
        rows.append(
            DocumentRow(
                doc_id=doc.doc_id, title=doc.title or "", date=doc.date or "", source=doc.source or "",
                chunks=len(index.chunks_of(doc.doc_id)), source_file=doc.source_file or "",
            )
        )
    return rows


def uploaded_files_to_remove(index: Any, removed: Sequence[str], folders: Sequence[Path]) -> list[Path]:
    """Stored uploads (in one of ``folders``, named ``uploads/<name>`` in the index) that no
    document or copy of ``index`` uses once ``removed`` are gone (so a deleted upload does not
    come back when the index is rebuilt or ``serve`` next re-reads the corpus folder)."""
    if index is None:
        return []
    removed_set = set(removed)
    gone_files: set[str] = set()
    in_use: set[str] = set()
    for doc in index.documents.values():
        target = gone_files if doc.doc_id in removed_set else in_use
        if doc.source_file:
            target.add(doc.source_file)
        for copy in index.copies_of(doc.doc_id):
            if copy.get("source_file"):
                (gone_files if doc.doc_id in removed_set or copy.get("doc_id") in removed_set else in_use).add(
                    copy["source_file"]
                )
    paths = []
    for name in sorted(gone_files - in_use):
        for folder in (f.resolve() for f in folders):
            path = (folder.parent / name).resolve()
            if path.parent == folder and path.is_file():
                paths.append(path)
                break
    return paths
