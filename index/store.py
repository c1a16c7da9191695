"""``NewsIndex``: the one facade over FAISS vectors, BM25 and the docstore.

Callers never touch FAISS or BM25 directly: they ``upsert`` documents, ``delete``
them, ask for a question's first-stage ``search_candidates`` and ``save``/``load`` the
whole thing. Fusing and re-ranking the candidates is the served retriever's work
(``newsqa.qa.retriever.HybridRetriever``), the one way passages are found.

An index is kept as numbered *generations* in a storage (``newsqa.index.storage``):
a folder on this machine (``CURRENT`` names the live ``gen-NNNNNN``), or Milvus
(``newsqa.index.milvus``, ``index_backend = "milvus"``). ``save()`` writes a complete new
generation beside the old one and makes it live atomically, so a crash mid-save leaves
the previous generation loadable and a reader never sees a half-written index. The
facade works the same over both; ``newsqa.index.access`` picks the storage.

The manifest records the model, its dimension, the chunking settings and a corpus
fingerprint; loading an index built with other settings is refused with a message
that says to re-index.

Example::

    index = NewsIndex.create(path, embedder, chunker)
    index.upsert(documents)
    index.save()
    candidates = NewsIndex.load(path, embedder, chunker).search_candidates("上海自貿區是哪一天掛牌的？")
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newsqa.index.bm25 import BM25Index, ChunkBM25
from newsqa.index.catalog import DocumentCatalog, document_reference, text_key
from newsqa.index.dense import DenseConfig
from newsqa.index.embedder import Embedder
from newsqa.index.errors import IndexMismatchError, IndexNotFoundError, NewsIndexError
from newsqa.index.fusion import Candidate, rank_among
from newsqa.index.generations import CURRENT_FILE, MANIFEST_FILE
from newsqa.index.storage import FolderStorage, IndexStorage
from newsqa.index.vectors import ChunkVectors
from newsqa.script import fold, in_script, written_script
from newsqa.timex import DateRange
from newsqa.types import Chunk, Chunker, Document

logger = logging.getLogger(__name__)

__all__ = [
    "CURRENT_FILE", "FORMAT_VERSION", "MANIFEST_FILE", "IndexMismatchError", "IndexNotFoundError",
    "NewsIndex", "NewsIndexError", "UpsertResult", "document_reference", "text_key",
]

FORMAT_VERSION = 2
#: Manifest keys the writers of ``newsqa.ingest`` set that every later generation keeps.
REMEMBERED_KEYS = ("corpus_stat", "only_corpus", "sources")
#: Fingerprint keys written only when not at their default (see ``settings_fingerprint``).
OPTIONAL_FINGERPRINT = ("embedding_dtype", "embedding_passage_backend")
SCRIPT_SAMPLE = 1000  # passages read to tell which script the archive is written in
FILTER_DEEPEN = 8  # a date range searches this many times deeper until it finds enough passages
#: BM25 searches sent to a server while the question is embedded (``search_candidates``).
_REMOTE_SEARCHES = ThreadPoolExecutor(max_workers=8, thread_name_prefix="newsqa-search")


@dataclass(slots=True)
class UpsertResult:
    """What an upsert changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0


class NewsIndex:
    """Documents, their chunks, a FAISS inner-product index and a BM25 index.

    ``dense_config`` (``index_*`` settings) says which FAISS index to keep: exact
    (``flat``) or approximate (``ivf``/``hnsw``) and how vectors are stored; the index
    is converted to it when saved (see ``newsqa.index.dense``). Default: ``auto``/fp32.

    A facade over four parts, each in its own module: the documents and chunks
    (:class:`~newsqa.index.catalog.DocumentCatalog`), their vectors
    (:class:`~newsqa.index.vectors.ChunkVectors`), BM25 over them
    (:class:`~newsqa.index.bm25.ChunkBM25`) and the folder of generations
    (:class:`~newsqa.index.generations.GenerationFolder`).
    """

    def __init__(self, path: Path, embedder: Embedder, chunker: Chunker,
                 dense_config: DenseConfig | None = None, storage: IndexStorage | None = None):
        self.path = Path(path)  # the index folder (with the Milvus backend: uploads only)
        self.embedder = embedder
        self.chunker = chunker
        self._catalog = DocumentCatalog()
        self._vectors = ChunkVectors(dense_config or DenseConfig())
        self._lexical = ChunkBM25()  # or a Milvus reader's MilvusLexical
        self._storage: IndexStorage = storage if storage is not None else FolderStorage(self.path)
        self._passage_script: str | None = None  # what most passages are written in (lazy)
        self.generation = 0
        self.manifest: dict = {}

    # ------------------------------------------------------------------ the parts' state
    @property
    def dense_config(self) -> DenseConfig:
        """Which dense index to keep (applies from the next ``save()`` on)."""
        return self._vectors.config

    @dense_config.setter
    def dense_config(self, config: DenseConfig) -> None:
        self._vectors.config = config

    @property
    def documents(self) -> dict[str, Document]:
        """Stored documents by id (copies are not among them: see ``copies_of``)."""
        return self._catalog.documents

    @property
    def chunks(self) -> dict[int, Chunk]:
        """Every chunk by vector id."""
        return self._catalog.chunks

    @property
    def aliases(self) -> dict[str, str]:
        """Copy id -> the stored document's id."""
        return self._catalog.aliases

    @property
    def _dense(self):
        """The dense index itself (``DenseIndex`` or ``VectorStoreDense``), for tests and ``make bench``."""
        return self._vectors.dense

    @property
    def _folded(self) -> dict[int, str]:
        """Folded chunk texts by vector id, for ``make bench``."""
        return self._catalog.folded

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: Path, embedder: Embedder, chunker: Chunker,
               dense_config: DenseConfig | None = None, storage: IndexStorage | None = None) -> "NewsIndex":
        """A new, empty index that will be saved at ``path`` (or into ``storage``)."""
        return cls(path, embedder, chunker, dense_config, storage)

    @staticmethod
    def exists(path: Path) -> bool:
        """Whether the index folder ``path`` holds an index (any storage: ``newsqa.index.access.index_exists``)."""
        return FolderStorage(path).exists()

    @staticmethod
    def read_manifest(path: Path) -> dict:
        """The manifest of the live generation in the folder ``path`` (no model, no vectors loaded)."""
        return FolderStorage(path).read_manifest()

    def stamp(self) -> object | None:
        """Changes whenever a writer makes a new generation live (None while there is none)."""
        return self._storage.stamp()

    @classmethod
    def load(cls, path: Path, embedder: Embedder, chunker: Chunker,
             dense_config: DenseConfig | None = None, storage: IndexStorage | None = None) -> "NewsIndex":
        """Load the live generation, refusing one built with other model/chunking settings.

        The dense index is used as built (its kind and storage are in the manifest);
        ``dense_config`` applies from the next ``save()`` on.
        """
        index = cls(path, embedder, chunker, dense_config, storage)
        manifest = index._storage.read_manifest()
        adopt = getattr(embedder, "adopt_passage_backend", None)
        if adopt is not None:  # `auto` keeps the index's own passage encoder (absent: torch)
            adopt(manifest.get("settings", {}).get("embedding_passage_backend", "torch"))
        index.check_compatible(manifest)
        contents, index._vectors, index._lexical = index._storage.read(manifest, index.dense_config)
        index._catalog = DocumentCatalog(contents)
        index.generation = manifest["generation"]
        index.manifest = manifest
        if index._dense.ntotal != len(index.chunks):
            raise NewsIndexError(
                f"the index in {index._storage.where} is inconsistent ({index._dense.ntotal} vectors for "
                f"{len(index.chunks)} chunks); rebuild it with `newsqa ingest --rebuild`"
            )
        logger.info(
            "loaded index %s (%s): %d documents, %d chunks",
            index._storage.where, manifest["generation_dir"], len(index.documents), len(index.chunks),
        )
        return index

    def reopen(self) -> "NewsIndex":
        """The live generation of this index's folder, loaded with this index's embedder,
        chunker and dense config (a newer one a writer swapped in; ``self`` is not changed).

        Example::

            index = index.reopen()   # after `newsqa ingest` saved a new generation
        """
        return type(self).load(self.path, self.embedder, self.chunker, self.dense_config, self._storage)

    def settings_fingerprint(self) -> dict:
        fingerprint = {
            "model": self.embedder.name,
            "chunk_size": self.chunker.max_chars,
            "chunk_overlap": self.chunker.overlap,
            "chunk_min_size": self.chunker.min_chars,
            "bm25_tokens": "t2s-char-bigram-v1",
        }
        dtype = getattr(self.embedder, "dtype", "float32")
        if dtype != "float32":  # absent for float32, so indexes built before the setting stay valid
            fingerprint["embedding_dtype"] = dtype
        passages = getattr(self.embedder, "active_passage_backend", "torch")
        if passages != "torch":  # likewise absent for torch: one index, one passage encoder
            fingerprint["embedding_passage_backend"] = passages
        return fingerprint

    def check_compatible(self, manifest: dict) -> None:
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"the index in {self._storage.where} has format {manifest.get('format')}, this newsqa "
                f"reads format {FORMAT_VERSION}; re-index with `newsqa ingest --rebuild`"
            )
        built = manifest.get("settings", {})
        wanted = self.settings_fingerprint()
        # The optional keys are absent at their defaults: an index that has one is refused by
        # settings that lack it (a bfloat16 or int8 index opened with torch float32 settings).
        keys = [*wanted, *(k for k in OPTIONAL_FINGERPRINT if k in built and k not in wanted)]
        diffs = [f"{k}: index {built.get(k)!r}, settings {wanted.get(k)!r}" for k in keys if built.get(k) != wanted.get(k)]
        if diffs:
            raise IndexMismatchError(
                f"the index in {self._storage.where} was built with other settings ({'; '.join(diffs)}); "
                "re-index with `newsqa ingest --rebuild`, or point --index at another folder"
            )

    # ------------------------------------------------------------------ writes
    def _ensure_dense(self, dimension: int, first: np.ndarray | None = None) -> None:
        """Create the dense index (of the configured kind, trained on ``first``) if there is none."""
        if self._vectors.dense is not None and dimension != self._vectors.dimension:
            raise IndexMismatchError(
                f"embedding dimension {dimension} differs from the index's {self._vectors.dimension}; "
                "re-index with `newsqa ingest --rebuild`"
            )
        self._vectors.ensure(dimension, first)

    def upsert(self, documents: Iterable[Document], *, show_progress: bool | None = None) -> UpsertResult:
        """Add new documents, replace changed ones (same id, other content), skip unchanged ones.

        A document whose normalised text is already stored under another id (a wire copy)
        is not stored again: it is recorded as a copy of the stored one (``copies_of``).
        Only the chunks of new or changed documents are embedded, in one length-sorted batch.
        """
        result = UpsertResult()
        catalog = self._catalog
        pending: list[tuple[Chunk, str]] = []
        for doc in documents:
            old = catalog.documents.get(doc.doc_id)
            if old is not None and old == doc:  # the common re-index case: no folding, no hashing
                result.unchanged.append(doc.doc_id)
                continue
            key = text_key(doc.text)
            canonical_id = catalog.aliases.get(doc.doc_id)
            if canonical_id is not None:  # a known copy: unchanged, or now a story of its own
                if catalog.text_keys.get(canonical_id) == key:
                    catalog.record_copy(canonical_id, doc)
                    result.unchanged.append(doc.doc_id)
                    continue
                catalog.drop_alias(doc.doc_id)
            same_text = catalog.by_text_key.get(key)
            if same_text is not None and same_text != doc.doc_id:
                if old is not None:  # edited into a copy of another story
                    self._remove_document(doc.doc_id)
                    result.updated.append(doc.doc_id)
                catalog.record_copy(same_text, doc)
                result.duplicates.append(doc.doc_id)
                logger.info("%s has the same text as %s: recorded as a copy", doc.doc_id, same_text)
                continue
            if old is not None:
                result.chunks_removed += self._remove_chunks(doc.doc_id)
                catalog.forget_text(doc.doc_id)
                result.updated.append(doc.doc_id)
            else:
                result.added.append(doc.doc_id)
            catalog.add_document(doc, key)
            for chunk in self.chunker.run(doc):
                pending.append((chunk, fold(chunk.embed_text)))
        if pending:
            vectors = self.embedder.embed_passages([c.embed_text for c, _ in pending], show_progress=show_progress)
            self._add_vectors([c for c, _ in pending], [f for _, f in pending], vectors)
            result.chunks_added = len(pending)
        if result.added or result.updated or result.chunks_removed:
            self._invalidate_lexical()
        return result

    def _add_vectors(self, chunks: list[Chunk], folded: list[str], vectors: np.ndarray) -> np.ndarray:
        """Store chunks with their folded texts and vectors under new vector ids (returned)."""
        self._make_writable()
        self._ensure_dense(vectors.shape[1], vectors)
        ids = self._vectors.add(vectors)
        self._passage_script = None
        self._catalog.add_chunks(ids.tolist(), chunks, folded)
        return ids

    def add_prepared(
        self,
        documents: list[Document],
        chunks: list[Chunk],
        vectors: np.ndarray,
        folded: list[str],
        *,
        text_keys: list[str] | None = None,
    ) -> int:
        """Bulk-add documents whose chunks are already cut, folded and embedded (no copy detection).

        For importing pre-embedded archives and for ``make bench``'s synthetic ones; ``upsert``
        is the normal way in. Documents must be new. Returns the number of chunks added.
        """
        keys = text_keys or [text_key(d.text) for d in documents]
        for doc, key in zip(documents, keys):
            if doc.doc_id in self.documents:
                raise ValueError(f"{doc.doc_id} is already in the index; use upsert to replace it")
            self._catalog.add_document(doc, key, owns_text=False)
        if chunks:
            self._add_vectors(chunks, folded, vectors)
        self._invalidate_lexical()
        return len(chunks)

    def _invalidate_lexical(self) -> None:
        """The chunks changed: BM25 is rebuilt before its next use."""
        self._make_writable()
        self._lexical.invalidate()

    def _remove_chunks(self, doc_id: str) -> int:
        self._make_writable()
        ids = self._catalog.remove_chunks(doc_id)
        self._passage_script = None
        self._vectors.remove(ids)
        return len(ids)

    def _remove_document(self, doc_id: str) -> None:
        self._make_writable()
        self._passage_script = None
        self._vectors.remove(self._catalog.remove_document(doc_id))
        self._lexical.invalidate()

    def copies_of(self, doc_id: str) -> list[dict]:
        """The other names (ids, sources, files) under which the same story arrived."""
        return self._catalog.copies_of(doc_id)

    def resolve(self, doc_id: str) -> str | None:
        """The stored document id for ``doc_id`` (itself, or the story it is a copy of)."""
        return self._catalog.resolve(doc_id)

    def delete(self, doc_ids: Iterable[str]) -> list[str]:
        """Remove documents with their 相關焦點 children and their copies; returns every id removed.

        An id that names a copy removes only that copy.
        """
        wanted = set(doc_ids)
        wanted |= {d.doc_id for d in self.documents.values() if d.parent_id in wanted}
        removed: list[str] = []
        for doc_id in sorted(wanted):
            if doc_id in self.aliases:
                self._catalog.drop_alias(doc_id)
                removed.append(doc_id)
            elif doc_id in self.documents:
                removed += self._catalog.drop_copies(doc_id)
                self._remove_document(doc_id)
                removed.append(doc_id)
        return removed

    # ------------------------------------------------------------------ persistence
    def corpus_fingerprint(self) -> str:
        return self._catalog.corpus_fingerprint()

    def _bm25_ready(self) -> BM25Index:
        return self._lexical.ready(self._catalog.folded)

    def save(self, extra_manifest: dict | None = None) -> str:
        """Write a new generation and make it live atomically; returns where it went."""
        self._make_writable()
        if self._vectors.dense is None:
            self._ensure_dense(self.embedder.dimension)
        self.optimize_dense()
        self._bm25_ready()
        generation = max(self.generation, self._storage.latest_number()) + 1
        name = self._storage.name_for(generation)
        # What an index remembers of where it came from (its folders, whether it is the corpus
        # folder's only) goes on into every generation unless the writer says otherwise: a
        # delete must not make the next rebuild forget the user's folders.
        remembered = {k: self.manifest[k] for k in REMEMBERED_KEYS if k in (self.manifest or {})}
        manifest = self._new_manifest(generation, name) | remembered | (extra_manifest or {})
        previous = self.manifest.get("generation_dir")
        manifest = self._storage.write(generation, name, self._vectors, self._catalog.contents(), self._lexical, manifest)
        self.generation = generation
        self.manifest = manifest
        self._storage.prune(keep={name, previous})
        logger.info("saved index generation %s: %d documents, %d chunks", name, len(self.documents), len(self.chunks))
        return f"{self._storage.where} ({name})"

    def copy_to(self, storage: IndexStorage) -> str:
        """Publish this index, as it is, as a new generation in ``storage`` (e.g. a FAISS folder's
        archive into Milvus): nothing is embedded again. Hold ``storage``'s lock. Returns where it went.

        Example::

            with target.lock():
                NewsIndex.load(folder, embedder, chunker).copy_to(target)
        """
        self._make_writable()
        self._storage = storage
        return self.save()

    def _make_writable(self) -> None:
        """Before a change: a Milvus reader's parts become in-memory ones (a no-op on a folder)."""
        self._vectors, self._lexical = self._storage.writable(self._vectors, self._lexical)

    def _new_manifest(self, generation: int, name: str) -> dict:
        """What ``manifest.json`` of generation ``name`` says (a save adds its extras)."""
        return {
            "format": FORMAT_VERSION,
            "generation": generation,
            "generation_dir": name,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "model_ref": self.embedder.model_ref,
            "dimension": self._vectors.dimension,
            "dense": self._vectors.dense.meta.to_dict(),
            "settings": self.settings_fingerprint(),
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "next_vector_id": self._vectors.next_id,
            "corpus_fingerprint": self.corpus_fingerprint(),
        }

    def optimize_dense(self) -> bool:
        """Convert the dense index to the kind/storage ``dense_config`` wants for the current size
        (e.g. exact -> IVF past ``index_approx_min_chunks``); no embedding. True if it rebuilt."""
        if self._vectors.dense is None:
            return False
        live = np.fromiter(self.chunks, dtype=np.int64, count=len(self.chunks))
        live.sort()
        return self._vectors.optimize(live)

    @staticmethod
    def remove_crash_leftovers(path: Path) -> tuple[list[str], int]:
        """Remove what interrupted saves left in the index folder ``path``: (names removed, bytes
        freed). Only while holding the ingest lock (``FolderStorage.remove_crash_leftovers``)."""
        return FolderStorage(path).remove_crash_leftovers()

    # ------------------------------------------------------------------ reads
    def get_document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return self._catalog.chunks_of(doc_id)

    def stats(self) -> dict:
        dense = self._vectors.dense
        return {
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "model": self.embedder.name,
            "dimension": self._vectors.dimension,
            "dense_kind": dense.kind if dense is not None else None,
            "dense_storage": dense.storage if dense is not None else None,
            "generation": self.generation,
            "built_at": self.manifest.get("built_at"),
            "path": str(self.path),
            "storage": self._storage.where,
        }

    def chunk_frequency(self, token: str) -> int:
        """How many passages hold the BM25 token ``token`` (a folded latin word, number or bigram)."""
        return self._bm25_ready().document_frequency(token)

    def term_weights(self, tokens: list[str]) -> dict[str, float]:
        """Corpus IDF of BM25 tokens (see ``newsqa.index.bm25``): how informative each one is."""
        return self._bm25_ready().idf(tokens)

    def search_dense(self, query_vector: np.ndarray, k: int, within: DateRange | None = None) -> list[tuple[int, float]]:
        """``(vector id, cosine)`` of the ``k`` nearest passages (dated in ``within``: only where
        the storage filters by date, see ``search_candidates``)."""
        return self._vectors.search(query_vector, k, known=self.chunks, within=within)

    def search_bm25(self, query: str, k: int, within: DateRange | None = None) -> list[tuple[int, float]]:
        if within is not None:  # only a Milvus reader filters by date in the search
            return self._lexical.search(self._catalog.folded, fold(query), k, within=within)
        return self._lexical.search(self._catalog.folded, fold(query), k)

    @property
    def passage_script(self) -> str:
        """The script most passages are written in (``written_script`` over about
        ``SCRIPT_SAMPLE`` of them, once per change): questions are embedded in it."""
        if self._passage_script is None:
            folded = self._catalog.folded
            vids = list(folded)[:: max(1, len(folded) // SCRIPT_SAMPLE)]
            self._passage_script = written_script((self.chunks[v].embed_text, folded[v]) for v in vids)
        return self._passage_script

    def search_candidates(
        self,
        query: str,
        *,
        dense_depth: int = 50,
        bm25_depth: int = 50,
        query_vector: np.ndarray | None = None,
        within: DateRange | None = None,
        enough: int = 1,
    ) -> list[Candidate]:
        """First stage: the union of the dense top ``dense_depth`` and the BM25 top ``bm25_depth``.

        Every candidate carries both retrievers' view of it: its rank in each list (or
        ``None``), its BM25 score when BM25 ranked it, and its cosine with the question
        (also for passages only BM25 found). A depth of 0 turns a retriever off (with
        dense off the question is not embedded and cosines are ``None``). Dense
        candidates come first, in rank order, then BM25-only ones.

        With ``within``, only passages of articles dated in it, ranked among themselves: a
        storage that filters by date as it searches (Milvus) is asked for them; otherwise
        both lists are searched ``FILTER_DEEPEN`` times deeper at each try until at least
        ``enough`` are found or the whole index was searched.
        """
        if not self.chunks:
            return []
        if within is None or not within.bounded:
            return self._first_stage(query, dense_depth, bm25_depth, query_vector, None)
        if self._vectors.remote:
            return self._first_stage(query, dense_depth, bm25_depth, query_vector, within)
        if dense_depth > 0 and query_vector is None:
            query_vector = self.embedder.embed_query(in_script(query, self.passage_script))
        factor = 1
        while True:
            found = self._first_stage(query, dense_depth * factor, bm25_depth * factor, query_vector, None)
            kept = [c for c in found if within.contains(c.document.date)]
            if len(kept) >= enough or max(dense_depth, bm25_depth) * factor >= len(self.chunks):
                return rank_among(kept, dense_depth, bm25_depth)
            factor *= FILTER_DEEPEN

    def _first_stage(self, query: str, dense_depth: int, bm25_depth: int, query_vector: np.ndarray | None,
                     within: DateRange | None) -> list[Candidate]:
        """``search_candidates`` without the date loop (``within``: the storage filters as it searches)."""
        # A search in a server (Milvus) waits on the network: BM25 runs there while the question
        # is embedded and searched densely here.
        sparse_later = (_REMOTE_SEARCHES.submit(self.search_bm25, query, bm25_depth, within)
                        if bm25_depth > 0 and dense_depth > 0 and self._vectors.remote else None)
        dense: list[tuple[int, float]] = []
        if dense_depth > 0:
            if query_vector is None:
                query_vector = self.embedder.embed_query(in_script(query, self.passage_script))
            dense = self.search_dense(query_vector, dense_depth, within)
        if sparse_later is not None:
            sparse = sparse_later.result()
        else:
            sparse = self.search_bm25(query, bm25_depth, within) if bm25_depth > 0 else []

        def candidate(vid: int) -> Candidate:
            chunk = self.chunks[vid]
            return Candidate(vid, chunk, self.documents[chunk.doc_id], self._catalog.folded[vid])

        candidates: dict[int, Candidate] = {}
        for rank, (vid, score) in enumerate(dense, 1):
            cand = candidates[vid] = candidate(vid)
            cand.dense_score, cand.dense_rank = score, rank
        sparse_only: list[int] = []
        for rank, (vid, score) in enumerate(sparse, 1):
            cand = candidates.get(vid)
            if cand is None:
                cand = candidates[vid] = candidate(vid)
                sparse_only.append(vid)
            cand.bm25_score, cand.bm25_rank = score, rank
        if sparse_only and query_vector is not None:  # their cosine too, in one batch
            for vid, cosine in zip(sparse_only, self._vectors.cosines(sparse_only, query_vector)):
                candidates[vid].dense_score = float(cosine)
        return list(candidates.values())
