"""Where an index's generations live: a folder on this machine (``FolderStorage``), or Milvus
(``newsqa.index.milvus.MilvusStorage``, ``index_backend = "milvus"``).

``NewsIndex`` holds its documents, chunks, vectors and BM25 in memory while it writes; a
storage persists a complete generation of them, makes it live atomically, reads the live
one back and keeps one writer at a time. Both storages offer the same calls, so the facade
(and everything above ``index/``) never knows which one runs; ``newsqa.index.access`` picks
it from the settings.

On disk (``FolderStorage``)::

    var/index/
      CURRENT                 -> "gen-000002"
      ingest.lock             (the writer lock, flock)
      gen-000002/manifest.json, vectors.faiss, docstore.sqlite, bm25/, bm25_ids.npy
      gen-000001/…            (previous generation, kept for readers mid-load)

Example::

    storage = FolderStorage(Path("var/index"))
    with storage.lock():
        manifest = storage.write(3, storage.name_for(3), vectors, contents, lexical, manifest)
    storage.read_manifest()["generation"]       # -> 3
"""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from newsqa.faults import crash_point
from newsqa.index.bm25 import ChunkBM25
from newsqa.index.dense import DenseConfig
from newsqa.index.docstore import DocstoreContents, read_docstore, write_docstore
from newsqa.index.errors import IndexBusyError, IndexNotFoundError, NewsIndexError
from newsqa.index.generations import CURRENT_FILE, MANIFEST_FILE, GenerationFolder
from newsqa.index.vectors import ChunkVectors

logger = logging.getLogger(__name__)

__all__ = ["FolderStorage", "IndexStorage"]


class IndexStorage(Protocol):
    """What ``NewsIndex`` asks of the place its generations live."""

    where: str  # for messages: a folder, or a Milvus URI and collection prefix

    def exists(self) -> bool: ...
    def read_manifest(self) -> dict: ...
    def stamp(self) -> object | None: ...
    def read(self, manifest: dict, config: DenseConfig) -> tuple[DocstoreContents, ChunkVectors, Any]: ...
    def writable(self, vectors: ChunkVectors, lexical: Any) -> tuple[ChunkVectors, Any]: ...
    def latest_number(self) -> int: ...
    def name_for(self, generation: int) -> str: ...
    def write(self, generation: int, name: str, vectors: ChunkVectors, contents: DocstoreContents,
              lexical: ChunkBM25, manifest: dict) -> dict: ...
    def prune(self, keep: set[str]) -> None: ...
    def lock(self) -> Any: ...
    def remove_crash_leftovers(self) -> tuple[list[str], int]: ...


class FolderStorage:
    """Generations in an index folder on this machine (see the module docstring)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.where = str(self.path)
        self._folder = GenerationFolder(self.path)

    def exists(self) -> bool:
        return (self.path / CURRENT_FILE).is_file()

    def read_manifest(self) -> dict:
        """The live generation's manifest (no model, no vectors loaded)."""
        current = self.path / CURRENT_FILE
        if not current.is_file():
            raise IndexNotFoundError(
                f"no index at {self.path}; build one with `newsqa ingest --rebuild` "
                "(or `newsqa ingest PATH…` for your own articles)"
            )
        manifest_path = self.path / current.read_text().strip() / MANIFEST_FILE
        try:
            return json.loads(manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise NewsIndexError(
                f"the index at {self.path} is damaged ({manifest_path}: {exc}); rebuild it with "
                "`newsqa ingest --rebuild`"
            ) from exc

    def stamp(self) -> int | None:
        """When the folder last switched generations (ns); None while it holds no index."""
        try:
            return (self.path / CURRENT_FILE).stat().st_mtime_ns
        except OSError:
            return None

    def read(self, manifest: dict, config: DenseConfig) -> tuple[DocstoreContents, ChunkVectors, ChunkBM25]:
        """The live generation's docstore, vectors and BM25, all in memory."""
        gen_dir = self.path / manifest["generation_dir"]
        if (manifest.get("dense") or {}).get("kind") == "milvus":
            raise NewsIndexError(
                f"the index at {self.path} keeps its vectors in a Milvus collection, which this "
                "newsqa no longer reads that way; re-index with `newsqa ingest --rebuild` (add "
                "index_backend = \"milvus\" to keep the whole index in Milvus)"
            )
        contents = read_docstore(gen_dir / "docstore.sqlite")
        return contents, ChunkVectors.read(gen_dir, manifest, config), ChunkBM25.load(gen_dir)

    def writable(self, vectors: ChunkVectors, lexical: ChunkBM25) -> tuple[ChunkVectors, ChunkBM25]:
        return vectors, lexical  # already in memory

    def latest_number(self) -> int:
        return self._folder.latest_number()

    def name_for(self, generation: int) -> str:
        return self._folder.name_for(generation)

    def write(self, generation: int, name: str, vectors: ChunkVectors, contents: DocstoreContents,
              lexical: ChunkBM25, manifest: dict) -> dict:
        """Write generation ``name`` into a temporary folder, then publish it (``CURRENT`` swaps
        atomically). Returns the manifest as written."""
        self.path.mkdir(parents=True, exist_ok=True)
        tmp_dir = self._folder.begin(name)
        vectors.dense.write(tmp_dir)
        crash_point("save:vectors-written")
        write_docstore(tmp_dir / "docstore.sqlite", contents)
        lexical.save(tmp_dir)
        (tmp_dir / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        self._folder.publish(tmp_dir, name)
        return manifest

    def prune(self, keep: set[str]) -> None:
        self._folder.prune(keep)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's ingest lock (``ingest.lock``, flock), or fail at once with a clear message.

        Once it holds the lock it removes what interrupted saves left there (temporary
        generation folders of dead writers, generations never made live), so consecutive
        crashes do not pile up full-size copies of the index.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / "ingest.lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexBusyError(
                    f"another `newsqa ingest` is writing {self.path}; wait for it to finish and run again"
                ) from exc
            try:
                try:  # no other writer runs now: what crashed ones left can go
                    self.remove_crash_leftovers()
                except OSError as exc:
                    logger.warning("could not remove what interrupted saves left in %s: %s", self.path, exc)
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def remove_crash_leftovers(self) -> tuple[list[str], int]:
        """Remove what interrupted saves left: (names removed, bytes freed). Only under the lock;
        see ``GenerationFolder.remove_crash_leftovers`` for what goes."""
        doomed, freed = self._folder.remove_crash_leftovers()
        if doomed:
            logger.warning(
                "removed what interrupted saves left in %s: %s (%s freed)",
                self.path, ", ".join(p.name for p in doomed), f"{freed / 1e6:.1f} MB",
            )
        return [p.name for p in doomed], freed
