"""The one way to open the index the settings describe: for reading, or for writing under its lock.

An index is only usable with the embedder, chunker and dense config it was built for,
and all three come from the settings. Assembling them by hand at each call site let
one of them go missing (``newsqa docs`` opened indexes with the default
``DenseConfig``), so every caller comes here instead:

* :func:`open_index` — read the live generation (or start an empty index with ``create``);
* :func:`index_writer` — the same, while holding the index's writer lock
  (``newsqa ingest``, ``newsqa docs delete``, the archive tab's upload and delete);
* :func:`delete_documents` — remove stories under that lock (``newsqa docs delete``, the
  archive tab);
* :func:`index_exists`, :func:`live_manifest`, :func:`index_stamp` — whether there is an
  index, what its manifest says, and whether a writer made a new generation live.

Which storage holds the index — the folder ``index_dir`` or Milvus
(``index_backend = "milvus"``) — is decided here, in :func:`storage_for`, and nowhere else.

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

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsqa.config import Settings
from newsqa.index.chunker import SentenceChunker
from newsqa.index.dense import DenseConfig
from newsqa.index.embedder import Embedder
from newsqa.index.errors import IndexBusyError, NewsIndexError
from newsqa.index.storage import FolderStorage, IndexStorage
from newsqa.index.store import NewsIndex

logger = logging.getLogger(__name__)

__all__ = [
    "IndexBusyError", "build_components", "copy_index", "delete_documents", "index_exists", "index_lock", "index_stamp",
    "index_writer", "live_manifest", "open_index", "storage_for",
]


def storage_for(settings: Settings, path: Path | None = None) -> IndexStorage:
    """Where the settings keep the index: the folder ``settings.index_path`` (or ``path``), or
    Milvus (``index_backend = "milvus"``: ``index_milvus_uri``, collections ``index_milvus_collection_*``).
    The one place the backend is chosen.

    Example::

        storage_for(settings).exists()
    """
    folder = settings.index_path if path is None else Path(path)
    if settings.index_backend == "milvus":
        from newsqa.index.milvus import MilvusStorage  # the optional packages load only when asked for

        token = settings.index_milvus_token.get_secret_value() if settings.index_milvus_token else ""
        return MilvusStorage.for_settings(folder, DenseConfig.from_settings(settings),
                                          settings.index_milvus_lease_seconds, token=token)
    return FolderStorage(folder)


def index_exists(settings: Settings) -> bool:
    """Whether the settings' index has a live generation (without loading it)."""
    return storage_for(settings).exists()


def live_manifest(settings: Settings) -> dict:
    """The live generation's manifest (``IndexNotFoundError`` when there is none); nothing else is read."""
    return storage_for(settings).read_manifest()


def index_stamp(settings: Settings) -> object | None:
    """A value that changes whenever a writer makes a new generation live; None while there is none.

    Example::

        stamp = index_stamp(settings)
        ...
        if index_stamp(settings) != stamp:
            index = index.reopen()
    """
    return storage_for(settings).stamp()


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
    settings: Settings, components: tuple[Embedder, SentenceChunker], *, create: bool,
    path: Path | None = None, storage: IndexStorage | None = None,
) -> NewsIndex:
    """A ``NewsIndex`` at ``path`` (default ``settings.index_path``) with ``components``, the
    settings' ``DenseConfig`` and storage: a new empty one with ``create``, else the live generation."""
    embedder, chunker = components
    folder = settings.index_path if path is None else Path(path)
    dense_config = DenseConfig.from_settings(settings)
    storage = storage if storage is not None else storage_for(settings, folder)
    if create:
        return NewsIndex.create(folder, embedder, chunker, dense_config, storage)
    return NewsIndex.load(folder, embedder, chunker, dense_config, storage)


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
    """Hold the index folder's ingest lock, or fail at once with ``IndexBusyError`` (see
    ``FolderStorage.lock``: what crashed saves left is removed once it is held).

    Example::

        with index_lock(settings.index_path):
            ...   # no other writer runs here
    """
    with FolderStorage(index_dir).lock():
        yield


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
    storage = storage_for(settings)
    with storage.lock():
        create = rebuild or (create_missing and not storage.exists())
        yield _assemble(settings, components, create=create, storage=storage)


def copy_index(source: Path, settings: Settings, *, replace: bool = False) -> NewsIndex:
    """Copy the index folder ``source`` into the index ``settings`` describe (e.g. an archive
    built with the FAISS backend into Milvus), under its writer lock; nothing is embedded again.
    The source must have been built with the settings' model and chunking (else
    ``IndexMismatchError``); a target that already holds an archive is replaced only with
    ``replace`` (else ``NewsIndexError``: nothing is lost by a mistyped command). Returns the
    index as published.

    Example::

        copy_index(Path("var/index"), milvus_settings)   # then serve from Milvus
    """
    components = build_components(settings)
    index = _assemble(settings, components, create=False, path=source, storage=FolderStorage(source))
    target = storage_for(settings)
    with target.lock():
        if target.exists() and not replace:
            held = target.read_manifest().get("documents", "some")
            raise NewsIndexError(
                f"{target.where} already holds an archive ({held} articles); copying {source} would "
                "replace it: add --rebuild to replace it, or set another index_milvus_collection / --index"
            )
        where = index.copy_to(target)
    logger.info("copied %s (%d documents, %d passages) to %s", source, len(index.documents), len(index.chunks), where)
    return index


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
