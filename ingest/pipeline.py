"""Ingest: files and folders → documents → the index, incrementally.

Only new or changed documents are embedded (a document's id is its path relative
to the folder it was ingested from; its content hash decides "changed"). A bad file
is reported with the reason and the rest of the batch goes on. One ingest at a time
per index folder (a lock file); the index is written as a new generation and swapped
in atomically, so a crash leaves the previous one usable.

Example::

    report = ingest_paths([Path("data/articles")], Settings.load())
    print(report.summary())   # "21 new, 0 changed, 0 unchanged, 0 removed, 0 failed; 31 chunks embedded …;
                              #  1 article read: 0 without a date, 0 without a title, 0 without an outlet"
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.config import Settings
from newsqa.faults import crash_point
from newsqa.index.access import index_writer, live_manifest, open_index, storage_for
from newsqa.index.store import IndexMismatchError, IndexNotFoundError, NewsIndex, NewsIndexError
from newsqa.ingest.loaders import failure_reason, load_file
from newsqa.ingest.parsers import DateDefaults
from newsqa.ingest.readers import iter_article_files
from newsqa.progress import Progress
from newsqa.types import Document

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0
    documents_total: int = 0
    chunks_total: int = 0
    # Of the articles read in this run (相關焦點 items aside): ids of those whose file gave no
    # date, no title (a title derived from the lead counts as none) or no outlet.
    articles_read: int = 0
    no_date: list[str] = field(default_factory=list)
    no_title: list[str] = field(default_factory=list)
    no_source: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def count_missing(self, documents: list[Document]) -> None:
        """Count the articles among ``documents`` without a date, a title or an outlet."""
        lists = {"date": self.no_date, "title": self.no_title, "source": self.no_source}
        for doc in documents:
            if doc.parent_id is not None:
                continue
            self.articles_read += 1
            for what in doc.missing_metadata():
                lists[what].append(doc.doc_id)

    def summary(self) -> str:
        line = (
            f"{len(self.added)} new, {len(self.updated)} changed, {len(self.unchanged)} unchanged, "
            f"{len(self.duplicates)} duplicates, {len(self.removed)} removed, {len(self.failed)} failed; "
            f"{self.chunks_embedded} chunks embedded "
            f"in {self.seconds:.1f} s; index: {self.documents_total} documents, {self.chunks_total} chunks"
        )
        if self.articles_read:
            line += (
                f"; {self.articles_read} article{'s' * (self.articles_read != 1)} read: "
                f"{len(self.no_date)} without a date, {len(self.no_title)} without a title, "
                f"{len(self.no_source)} without an outlet"
            )
            if self.no_date or self.no_title or self.no_source:
                line += " (newsqa docs list --missing date|title|source)"
        return line


def _document_name(file: Path, root: Path, corpus: Path, uploads: Path | None = None) -> str:
    """The stable name of a file: an upload stored with the index as ``uploads/<name>``
    (however it was given: the file, or the folder on a rebuild); else relative to the corpus
    folder when inside it, else to ``root``."""
    resolved = file.resolve()
    bases = [corpus.resolve(), root.resolve()]
    if uploads is not None and resolved.is_relative_to(uploads.resolve()):
        bases.insert(0, uploads.resolve().parent)
    for base in bases:
        try:
            return resolved.relative_to(base).as_posix()
        except ValueError:
            continue
    return file.name


def load_documents(
    paths: list[Path],
    settings: Settings,
    report: IngestReport,
    show_progress: bool | None = None,
    dates: DateDefaults | None = None,
) -> list[Document]:
    """Load every article file under ``paths`` (see ``ingest.loaders``); failures go to ``report.failed``.

    ``dates`` (``newsqa ingest --default-year``/``--date``) dates what the files leave open.
    The articles without a date, title or outlet are counted in ``report``.

    One entry (and one error line) per problem: a missing path, a symlink loop, an
    unreadable or undecodable file, a bad JSON line, an article without text, an id
    that another file already gave, or any unexpected error while reading one file
    (named with its type; the traceback is logged at DEBUG). Only ``MemoryError`` stops it.
    """
    def fail(where: str, reason: str) -> None:
        report.failed.append((where, reason))
        logger.error("skipped %s: %s", where, reason)

    problems: list[tuple[str, str]] = []
    files = list(iter_article_files(paths, failures=problems))
    for where, reason in problems:
        fail(where, reason)
    documents: list[Document] = []
    owner: dict[str, str] = {}
    with Progress(len(files), "reading", "file", tty=show_progress) as progress:
        for file, root in files:
            progress.update(1)
            try:
                name = _document_name(file, root, settings.corpus_path, settings.uploads_path)
                result = load_file(file, name, max_bytes=settings.ingest_max_file_bytes, dates=dates)
            except MemoryError:
                raise
            except Exception as exc:  # one bad file is one failed line; the batch goes on
                logger.debug("%s: %s while loading it", file, type(exc).__name__, exc_info=True)
                fail(str(file), failure_reason(exc))
                continue
            for where, reason in result.failures:
                fail(where, reason)
            for document in result.documents:
                if document.doc_id in owner:
                    first = owner[document.doc_id]
                    fail(name, f"duplicate document id {document.doc_id!r} (already given by {first}); skipped")
                    continue
                owner[document.doc_id] = name
                documents.append(document)
    report.count_missing(documents)
    return documents


def corpus_stat_fingerprint(corpus: Path) -> str:
    """A cheap fingerprint (names, sizes, mtimes) of a corpus folder, for staleness checks."""
    digest = hashlib.sha256()
    if corpus.is_dir():
        for file, _root in iter_article_files([corpus]):
            stat = file.stat()
            digest.update(f"{file.relative_to(corpus).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _sync(index: NewsIndex, documents: list[Document], report: IngestReport) -> None:
    """Remove indexed stories (and copies) whose files were not seen in this run."""
    if report.failed:
        logger.warning("--sync removed nothing because some files failed; fix them and run again")
        return
    seen = {d.doc_id for d in documents}
    gone = [doc_id for doc_id in [*index.documents, *index.aliases] if doc_id not in seen]
    removed = index.delete(gone)
    report.removed = sorted(set(removed) & set(gone))
    # A copy still on disk whose story was removed with the gone file comes back as a story of its own.
    revived = [d for d in documents if d.doc_id in set(removed) - set(gone)]
    if revived:
        again = index.upsert(revived)
        report.chunks_embedded += again.chunks_added


_DATE_METADATA = ("date_from", "year_from", "month_day")


def _keep_dates_given_by_option(index: NewsIndex, documents: list[Document], report: IngestReport) -> None:
    """A file dated by ``--default-year``/``--date`` when it was ingested keeps that date when
    it is read again without the option (``serve`` refreshing the corpus, a plain re-ingest),
    as long as its text is unchanged: a date the user gave is not lost by a refresh."""
    for doc in documents:
        old = index.documents.get(doc.doc_id)
        if doc.date or old is None or not old.date or old.text != doc.text:
            continue
        if "option" not in (old.metadata.get("date_from"), old.metadata.get("year_from")):
            continue
        doc.date = old.date
        if doc.doc_id in report.no_date:
            report.no_date.remove(doc.doc_id)
        for key in _DATE_METADATA:
            if key in old.metadata:
                doc.metadata[key] = old.metadata[key]
            else:
                doc.metadata.pop(key, None)


def ingest_paths(
    paths: list[Path],
    settings: Settings,
    *,
    rebuild: bool = False,
    sync: bool = False,
    show_progress: bool | None = None,
    dates: DateDefaults | None = None,
) -> IngestReport:
    """Add or update the articles under ``paths`` in the index at ``settings.index_path``.

    ``rebuild`` starts from an empty index; ``sync`` also removes documents whose files
    are no longer under ``paths``; ``dates`` gives the year of dates written without one
    and the date of articles that state none (``newsqa ingest --default-year``/``--date``).
    """
    started = time.perf_counter()
    report = IngestReport()
    with index_writer(settings, rebuild=rebuild, create_missing=True) as index:
        documents = load_documents(paths, settings, report, show_progress, dates)
        if not rebuild:
            _keep_dates_given_by_option(index, documents, report)
        result = index.upsert(documents, show_progress=show_progress)
        report.added, report.updated, report.unchanged = result.added, result.updated, result.unchanged
        report.duplicates = result.duplicates
        report.chunks_embedded = result.chunks_added
        if sync:
            _sync(index, documents, report)
        crash_point("ingest:before-save")
        changed = report.added or report.updated or report.removed or rebuild or index.stamp() is None
        # A new dense kind/storage in the settings is applied by rebuilding the vector index only.
        changed = changed or index.optimize_dense()
        # Remember what the corpus folder looked like, so `ensure_index` can tell staleness cheaply.
        corpus = settings.corpus_path
        corpus_stat = index.manifest.get("corpus_stat")
        if any(Path(p).resolve() == corpus.resolve() for p in paths):
            corpus_stat = corpus_stat_fingerprint(corpus)
        # An index holding only the corpus folder (and the uploads stored with it) may be
        # rebuilt from them without losing anything.
        ours = (corpus.resolve(), settings.uploads_path.resolve())
        only_corpus = all(any(Path(p).resolve().is_relative_to(base) for base in ours) for p in paths) and (
            rebuild or index.manifest.get("only_corpus", True)
        )
        # Remember what the index was built from, so a rebuild without paths rebuilds it from that.
        sources = _sources(paths, settings, [] if rebuild else index.manifest.get("sources", []))
        extra = {"corpus_stat": corpus_stat, "only_corpus": only_corpus, "sources": sources}
        if changed or any(extra[key] != index.manifest.get(key) for key in extra):
            index.save(extra_manifest=extra)
        report.documents_total = len(index.documents)
        report.chunks_total = len(index.chunks)
    report.seconds = time.perf_counter() - started
    logger.debug("ingest: %s", report.summary())  # the caller shows it once (the CLI prints it, serve logs it)
    return report


def _sources(paths: list[Path], settings: Settings, before: list[str]) -> list[str]:
    """The folders and files an index was built from (resolved, sorted): ``before`` and
    ``paths``, less the uploads stored with it (a rebuild takes that folder anyway)."""
    uploads = settings.uploads_path.resolve()
    given = {str(Path(p).resolve()) for p in paths if not Path(p).resolve().is_relative_to(uploads)}
    return sorted(set(before) | given)


def rebuild_sources(settings: Settings) -> list[Path]:
    """What ``newsqa ingest --rebuild`` without paths rebuilds the index from: the folders and
    files it was built from (its manifest remembers them) and the uploads stored with it; for
    an index of the bundled corpus folder only (or none yet), that folder. Raises
    ``NewsIndexError`` (saying what to do) when a source is gone or none is known: a rebuild
    must not replace your articles with the sample."""
    index_dir, uploads = settings.index_path, settings.uploads_path
    try:
        manifest = live_manifest(settings)
    except IndexNotFoundError:
        manifest = {}
    stored = [uploads] if uploads.is_dir() else []
    if not manifest or manifest.get("only_corpus", True):
        return [settings.corpus_path, *stored]
    sources = [Path(p) for p in manifest.get("sources", [])]
    missing = [p for p in sources if not p.exists()]
    if not sources or missing:
        gone = f" ({', '.join(map(str, missing))} no longer exist)" if missing else ""
        raise NewsIndexError(
            f"the index at {index_dir} holds your own articles{gone}: name the files or folders to rebuild it "
            f"from: newsqa ingest --rebuild --index {index_dir} FOLDER…"
        )
    return [*sources, *stored]


def ensure_index(settings: Settings) -> IngestReport | None:
    """Build or refresh the index from the corpus folder when it is missing or stale.

    Stale means the corpus folder's files changed since the index last saw it; only
    changed documents are re-embedded. An index built from other files only (``newsqa
    ingest --index DIR your/folder``) is left as it is: the corpus folder is not added to it;
    nor is the bundled sample to an index other than the default one that does not exist
    yet (``serve --index DIR`` starts it empty; a corpus folder you set is built into it).
    Returns None when nothing had to be done.
    """
    index_dir, corpus = settings.index_path, settings.corpus_path
    if not corpus.is_dir():
        raise NewsIndexError(f"the corpus folder {corpus} does not exist; set NEWSQA_CORPUS_DIR")
    rebuild = False
    try:
        manifest = live_manifest(settings)
    except IndexNotFoundError:
        manifest = None
    if manifest is not None:
        if manifest.get("corpus_stat") is None and manifest.get("only_corpus") is False:
            # Built with `newsqa ingest` from the user's own files: the bundled corpus is not theirs to add.
            logger.info("the index at %s holds your own articles, not %s: serving it as it is", index_dir, corpus)
            return None
        try:
            open_index(settings, create=True).check_compatible(manifest)
        except IndexMismatchError:
            if not manifest.get("only_corpus"):
                raise  # it holds articles from elsewhere: the user decides (the message says how)
            logger.warning("the index was built with other settings or an older newsqa: rebuilding it from %s", corpus)
            rebuild = True
        if not rebuild and manifest.get("corpus_stat") == corpus_stat_fingerprint(corpus):
            return None
        if not rebuild:
            logger.info("corpus %s changed since the index was built: updating", corpus)
    elif settings.is_bundled_corpus and not settings.is_default_index:
        # The bundled sample goes only into the default index: another one is the user's to fill.
        logger.info("no index in %s: not adding the bundled sample to it", storage_for(settings).where)
        return None
    else:
        logger.info("no index in %s: building it from %s", storage_for(settings).where, corpus)
    return ingest_paths([corpus], settings, rebuild=rebuild)
