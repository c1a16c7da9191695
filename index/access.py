"""The one way to open the index the settings describe: for reading, or for writing under its lock.

An index is only usable with the embedder, chunker and dense config it was built for,
and all three come from the settings. Assembling them by hand at each call site let
one of them go missing (``newsqa docs`` opened indexes with the default
``DenseConfig``), so every caller comes here instead:

* :func:`open_index` — read the live generation (or start an empty index with ``create``);
* :func:`index_writer` — the same, while holding the index folder's ingest lock
  (``newsqa ingest``, ``newsqa docs delete``, the archive tab's upload and delete);
* :func:`delete_documents` — remove stories under that lock (``newsqa docs delete``, the
  archive tab).

It lives on the index floor with the chunker it builds (``newsqa.index.chunker``); the
index itself (``NewsIndex``) only knows the ``Chunker`` protocol of ``newsqa.types``, and
``ingest/`` calls these to write what it read. An index already open is reloaded with
``NewsIndex.reopen()``, which keeps its (warmed) embedder.

Example::

    index = open_index(settings)                     # IndexNotFoundError when none is built
    with index_writer(settings, create_missing=True) as index:
        index.upsert(documents)
        index.save()
    delete_documents(["old.txt"], settings)          # -> ["old.txt"]
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsqa.config import Settings
from newsqa.index.chunker import SentenceChunker
from newsqa.index.dense import DenseConfig
from newsqa.index.embedder import Embedder
from newsqa.index.store import NewsIndex, NewsIndexError

logger = logging.getLogger(__name__)

__all__ = ["IndexBusyError", "build_components", "delete_documents", "index_lock", "index_writer", "open_index"]


class IndexBusyError(NewsIndexError):
    """Another ingest holds the index folder's lock."""


def build_components(settings: Settings) -> tuple[Embedder, SentenceChunker]:
    """The embedder and chunker that ``settings`` describe (nothing is loaded yet).

    Example::

        embedder, chunker = build_components(settings)
    """
    embedder = Embedder.from_settings(settings)
    chunker = SentenceChunker(
        max_chars=settings.chunk_size, overlap=settings.chunk_overlap, min_chars=settings.chunk_min_size
    )
    return embedder, chunker


def _assemble(
    settings: Settings, components: tuple[Embedder, SentenceChunker], *, create: bool, path: Path | None = None
) -> NewsIndex:
    """A ``NewsIndex`` at ``path`` (default ``settings.index_path``) with ``components`` and the
    settings' ``DenseConfig``: a new empty one with ``create``, else the live generation loaded."""
    embedder, chunker = components
    folder = settings.index_path if path is None else Path(path)
    dense_config = DenseConfig.from_settings(settings)
    if create:
        return NewsIndex.create(folder, embedder, chunker, dense_config)
    return NewsIndex.load(folder, embedder, chunker, dense_config)


def open_index(settings: Settings, *, create: bool = False, path: Path | None = None) -> NewsIndex:
    """The index at ``settings.index_path`` (or ``path``) with the settings' embedder, chunker
    and dense config. No lock is taken: for reading, or for an index no one else writes.

    Without ``create`` it loads the live generation and raises ``IndexNotFoundError`` when
    there is none, ``IndexMismatchError`` when it was built with other settings; with
    ``create`` it returns a new, empty index (nothing is read or written until ``save()``).

    Example::

        index = open_index(settings)
        index.stats()["documents"]                     # passages are found by newsqa.qa.retriever
        fresh = open_index(settings, create=True)      # e.g. to check a manifest against
    """
    return _assemble(settings, build_components(settings), create=create, path=path)


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's ingest lock, or fail at once with a clear message.

    Once it holds the lock it removes what interrupted saves left there (temporary
    generation folders of dead writers, generations never made live), so consecutive
    crashes do not pile up full-size copies of the index.

    Example::

        with index_lock(settings.index_path):
            ...   # no other writer runs here
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir / "ingest.lock"
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(
                f"another `newsqa ingest` is writing {index_dir}; wait for it to finish and run again"
            ) from exc
        try:
            try:  # no other writer runs now: what crashed ones left can go
                NewsIndex.remove_crash_leftovers(index_dir)
            except OSError as exc:
                logger.warning("could not remove what interrupted saves left in %s: %s", index_dir, exc)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def index_writer(settings: Settings, *, rebuild: bool = False, create_missing: bool = False) -> Iterator[NewsIndex]:
    """The index at ``settings.index_path``, opened for writing while its ingest lock is held.

    A second writer is refused with ``IndexBusyError``. ``rebuild`` starts from an empty
    index; ``create_missing`` starts an empty one when the folder holds none yet (else
    that is ``IndexNotFoundError``, as for :func:`open_index`). Whether one exists is
    decided under the lock, so two first ingests cannot both start from empty. The caller
    saves what it changed; the lock is released on leaving the block.

    Example::

        with index_writer(settings) as index:
            index.delete(["old.txt"])
            index.save()
    """
    components = build_components(settings)  # a bad setting fails before the folder is touched
    with index_lock(settings.index_path):
        create = rebuild or (create_missing and not NewsIndex.exists(settings.index_path))
        yield _assemble(settings, components, create=create)


def delete_documents(doc_ids: list[str], settings: Settings) -> list[str]:
    """Remove stories (with their 相關焦點 items and copies) from the index; returns the ids removed.

    Raises ``NewsIndexError`` naming the ids that are not in the index (nothing is removed then).

    Example::

        delete_documents(["pudong.txt"], settings)   # -> ["pudong.txt"]
    """
    with index_writer(settings) as index:
        unknown = [d for d in doc_ids if index.resolve(d) is None]
        if unknown:
            raise NewsIndexError(
                f"not in the index: {', '.join(unknown)} (see `newsqa docs list` for the ids)"
            )
        removed = index.delete(doc_ids)
        index.save()  # the manifest's sources and corpus state go on (REMEMBERED_KEYS)
    logger.info("deleted %s", ", ".join(removed))
    return removed
