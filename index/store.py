"""``NewsIndex``: the one facade over FAISS vectors, BM25 and the docstore.

Callers never touch FAISS or BM25 directly: they ``upsert`` documents, ``delete``
them, ``search`` with a question and ``save``/``load`` the whole thing.

On disk an index folder holds numbered *generations*; ``CURRENT`` names the live
one. ``save()`` writes a complete new generation beside the old one and swaps
``CURRENT`` with an atomic rename, so a crash mid-save leaves the previous
generation loadable and a reader never sees a half-written index::

    var/index/
      CURRENT                 -> "gen-000002"
      gen-000002/manifest.json, vectors.faiss, docstore.sqlite, bm25/
      gen-000001/…            (previous generation, kept for readers mid-load)

The manifest records the model, its dimension, the chunking settings and a corpus
fingerprint; loading an index built with other settings is refused with a message
that says to re-index.

Example::

    index = NewsIndex.create(path, embedder, chunker)
    index.upsert(documents)
    index.save()
    hits = NewsIndex.load(path, embedder, chunker).search("上海自貿區是哪一天掛牌的？", k=5)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newsqa.faults import crash_point
from newsqa.index.bm25 import BM25Index
from newsqa.index.dense import DenseConfig, DenseIndex, DenseMeta
from newsqa.index.docstore import DocstoreContents, read_docstore, write_docstore
from newsqa.index.embedder import Embedder
from newsqa.index.fusion import Candidate, fuse_candidates, to_retrieved
from newsqa.ingest.chunker import SentenceChunker
from newsqa.script import fold, in_script, written_script
from newsqa.types import Chunk, Document, RetrievedChunk

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
SCRIPT_SAMPLE = 1000  # passages read to tell which script the archive is written in


class NewsIndexError(RuntimeError):
    """Base class of index problems; messages are meant for the user."""


class IndexNotFoundError(NewsIndexError):
    pass


class IndexMismatchError(NewsIndexError):
    """The index on disk was built with settings that differ from the current ones."""


@dataclass(slots=True)
class UpsertResult:
    """What an upsert changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0


def text_key(text: str) -> str:
    """Hash of the normalised text (folded, no whitespace or punctuation): equal for wire copies."""
    folded = fold(text)
    return hashlib.sha256("".join(ch for ch in folded if ch.isalnum()).encode("utf-8")).hexdigest()[:24]


def document_reference(doc: Document) -> dict:
    """What identifies a document to a user: id, title, date, source, URL, file (kept for copies)."""
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "date": doc.date,
        "source": doc.source,
        "url": doc.url,
        "source_file": doc.source_file,
    }


class NewsIndex:
    """Documents, their chunks, a FAISS inner-product index and a BM25 index.

    ``dense_config`` (``index_*`` settings) says which FAISS index to keep: exact
    (``flat``) or approximate (``ivf``/``hnsw``) and how vectors are stored; the index
    is converted to it when saved (see ``newsqa.index.dense``). Default: ``auto``/fp32.
    """

    def __init__(self, path: Path, embedder: Embedder, chunker: SentenceChunker,
                 dense_config: DenseConfig | None = None):
        self.path = Path(path)
        self.embedder = embedder
        self.chunker = chunker
        self.dense_config = dense_config or DenseConfig()
        self.documents: dict[str, Document] = {}
        self.chunks: dict[int, Chunk] = {}
        self._folded: dict[int, str] = {}
        self._passage_script: str | None = None  # what most passages are written in (lazy)
        self._doc_chunks: dict[str, list[int]] = {}
        self._text_keys: dict[str, str] = {}  # doc id -> normalised-text hash
        self._by_text_key: dict[str, str] = {}  # normalised-text hash -> doc id
        self._copies: dict[str, dict[str, dict]] = {}  # doc id -> {copy id: copy record}
        self.aliases: dict[str, str] = {}  # copy id -> doc id
        self._dense: DenseIndex | None = None
        self._dimension: int | None = None
        self._next_id = 0
        self._bm25: BM25Index | None = None
        self._bm25_ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self.generation = 0
        self.manifest: dict = {}

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: Path, embedder: Embedder, chunker: SentenceChunker,
               dense_config: DenseConfig | None = None) -> "NewsIndex":
        """A new, empty index that will be saved at ``path``."""
        return cls(path, embedder, chunker, dense_config)

    @staticmethod
    def exists(path: Path) -> bool:
        return (Path(path) / CURRENT_FILE).is_file()

    @staticmethod
    def read_manifest(path: Path) -> dict:
        """The manifest of the live generation at ``path`` (no model, no vectors loaded)."""
        path = Path(path)
        current = path / CURRENT_FILE
        if not current.is_file():
            raise IndexNotFoundError(
                f"no index at {path}; build one with `newsqa ingest --rebuild` "
                "(or `newsqa ingest PATH…` for your own articles)"
            )
        generation = current.read_text().strip()
        manifest_path = path / generation / MANIFEST_FILE
        try:
            return json.loads(manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise NewsIndexError(
                f"the index at {path} is damaged ({manifest_path}: {exc}); rebuild it with "
                "`newsqa ingest --rebuild`"
            ) from exc

    @classmethod
    def load(cls, path: Path, embedder: Embedder, chunker: SentenceChunker,
             dense_config: DenseConfig | None = None) -> "NewsIndex":
        """Load the live generation, refusing one built with other model/chunking settings.

        The dense index is used as built (its kind and storage are in the manifest);
        ``dense_config`` applies from the next ``save()`` on.
        """
        index = cls(path, embedder, chunker, dense_config)
        manifest = cls.read_manifest(path)
        index.check_compatible(manifest)
        gen_dir = index.path / manifest["generation_dir"]
        contents = read_docstore(gen_dir / "docstore.sqlite")
        index.documents, index.chunks, index._folded = contents.documents, contents.chunks, contents.folded
        index._text_keys, index._copies = contents.text_keys, contents.copies
        index._by_text_key = {key: doc_id for doc_id, key in contents.text_keys.items()}
        index.aliases = {copy: doc_id for doc_id, copies in contents.copies.items() for copy in copies}
        for vid, chunk in index.chunks.items():
            index._doc_chunks.setdefault(chunk.doc_id, []).append(vid)
        index._dimension = manifest["dimension"]
        index._dense = _read_dense(gen_dir, index._dimension, DenseMeta.from_dict(manifest.get("dense")))
        index._next_id = manifest["next_vector_id"]
        index._bm25 = BM25Index.load(gen_dir / "bm25")
        index._bm25_ids = np.load(gen_dir / "bm25_ids.npy")
        index.generation = manifest["generation"]
        index.manifest = manifest
        if index._dense.kind != "milvus" and index._dense.ntotal != len(index.chunks):
            raise NewsIndexError(
                f"the index at {path} is inconsistent ({index._dense.ntotal} vectors for "
                f"{len(index.chunks)} chunks); rebuild it with `newsqa ingest --rebuild`"
            )
        logger.info(
            "loaded index %s (%s): %d documents, %d chunks",
            path, manifest["generation_dir"], len(index.documents), len(index.chunks),
        )
        return index

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
        return fingerprint

    def check_compatible(self, manifest: dict) -> None:
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexMismatchError(
                f"the index at {self.path} has format {manifest.get('format')}, this newsqa "
                f"reads format {FORMAT_VERSION}; re-index with `newsqa ingest --rebuild`"
            )
        built = manifest.get("settings", {})
        wanted = self.settings_fingerprint()
        diffs = [f"{k}: index {built.get(k)!r}, settings {v!r}" for k, v in wanted.items() if built.get(k) != v]
        if diffs:
            raise IndexMismatchError(
                f"the index at {self.path} was built with other settings ({'; '.join(diffs)}); "
                "re-index with `newsqa ingest --rebuild`, or point --index at another folder"
            )

    # ------------------------------------------------------------------ writes
    def _ensure_dense(self, dimension: int, first: np.ndarray | None = None) -> None:
        """Create the dense index (of the configured kind, trained on ``first``) if there is none."""
        if self._dense is None and self.dense_config.backend == "milvus":
            from newsqa.index.vectorstore import VectorStoreDense

            self._dense = VectorStoreDense.for_config(dimension, self.dense_config, self.path)
            self._dimension = dimension
        elif self._dense is None:
            n = 0 if first is None else len(first)
            self._dense = DenseIndex.empty(
                dimension,
                self.dense_config.wanted(n) if first is not None else "flat",
                self.dense_config.storage if first is not None else "fp32",
                self.dense_config,
                training=first,
                expected_size=n,
            )
            self._dimension = dimension
        elif dimension != self._dimension:
            raise IndexMismatchError(
                f"embedding dimension {dimension} differs from the index's {self._dimension}; "
                "re-index with `newsqa ingest --rebuild`"
            )

    def upsert(self, documents: Iterable[Document], *, show_progress: bool | None = None) -> UpsertResult:
        """Add new documents, replace changed ones (same id, other content), skip unchanged ones.

        A document whose normalised text is already stored under another id (a wire copy)
        is not stored again: it is recorded as a copy of the stored one (``copies_of``).
        Only the chunks of new or changed documents are embedded, in one length-sorted batch.
        """
        result = UpsertResult()
        pending: list[tuple[Chunk, str]] = []
        for doc in documents:
            old = self.documents.get(doc.doc_id)
            if old is not None and old == doc:  # the common re-index case: no folding, no hashing
                result.unchanged.append(doc.doc_id)
                continue
            key = text_key(doc.text)
            canonical_id = self.aliases.get(doc.doc_id)
            if canonical_id is not None:  # a known copy: unchanged, or now a story of its own
                if self._text_keys.get(canonical_id) == key:
                    self._copies[canonical_id][doc.doc_id] = document_reference(doc)
                    result.unchanged.append(doc.doc_id)
                    continue
                self._drop_alias(doc.doc_id)
            same_text = self._by_text_key.get(key)
            if same_text is not None and same_text != doc.doc_id:
                if old is not None:  # edited into a copy of another story
                    self._remove_document(doc.doc_id)
                    result.updated.append(doc.doc_id)
                self._copies.setdefault(same_text, {})[doc.doc_id] = document_reference(doc)
                self.aliases[doc.doc_id] = same_text
                result.duplicates.append(doc.doc_id)
                logger.info("%s has the same text as %s: recorded as a copy", doc.doc_id, same_text)
                continue
            if old is not None:
                result.chunks_removed += self._remove_chunks(doc.doc_id)
                self._by_text_key.pop(self._text_keys.pop(doc.doc_id, None), None)
                result.updated.append(doc.doc_id)
            else:
                result.added.append(doc.doc_id)
            self.documents[doc.doc_id] = doc
            self._text_keys[doc.doc_id] = key
            self._by_text_key[key] = doc.doc_id
            self._doc_chunks[doc.doc_id] = []
            for chunk in self.chunker.run(doc):
                pending.append((chunk, fold(chunk.embed_text)))
        if pending:
            vectors = self.embedder.embed_passages([c.embed_text for c, _ in pending], show_progress=show_progress)
            self._add_vectors([c for c, _ in pending], [f for _, f in pending], vectors)
            result.chunks_added = len(pending)
        if result.added or result.updated or result.chunks_removed:
            self._bm25 = None  # rebuilt lazily
        return result

    def _add_vectors(self, chunks: list[Chunk], folded: list[str], vectors: np.ndarray) -> np.ndarray:
        """Store chunks with their folded texts and vectors under new vector ids (returned)."""
        self._ensure_dense(vectors.shape[1], vectors)
        ids = np.arange(self._next_id, self._next_id + len(chunks), dtype=np.int64)
        self._next_id += len(chunks)
        self._dense.add(vectors, ids)
        self._passage_script = None
        for vid, chunk, text in zip(ids.tolist(), chunks, folded):
            self.chunks[vid] = chunk
            self._folded[vid] = text
            self._doc_chunks.setdefault(chunk.doc_id, []).append(vid)
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
            self.documents[doc.doc_id] = doc
            self._text_keys[doc.doc_id] = key
            self._by_text_key.setdefault(key, doc.doc_id)
            self._doc_chunks.setdefault(doc.doc_id, [])
        if chunks:
            self._add_vectors(chunks, folded, vectors)
        self._bm25 = None
        return len(chunks)

    def _remove_chunks(self, doc_id: str) -> int:
        ids = self._doc_chunks.pop(doc_id, [])
        self._passage_script = None
        if ids and self._dense is not None:
            self._dense.remove(ids)
        for vid in ids:
            self.chunks.pop(vid, None)
            self._folded.pop(vid, None)
        return len(ids)

    def _remove_document(self, doc_id: str) -> None:
        self._remove_chunks(doc_id)
        self.documents.pop(doc_id, None)
        key = self._text_keys.pop(doc_id, None)
        if self._by_text_key.get(key) == doc_id:
            del self._by_text_key[key]
        self._bm25 = None

    def _drop_alias(self, alias_id: str) -> None:
        canonical_id = self.aliases.pop(alias_id)
        copies = self._copies.get(canonical_id, {})
        copies.pop(alias_id, None)
        if not copies:
            self._copies.pop(canonical_id, None)

    def copies_of(self, doc_id: str) -> list[dict]:
        """The other names (ids, sources, files) under which the same story arrived."""
        return list(self._copies.get(doc_id, {}).values())

    def resolve(self, doc_id: str) -> str | None:
        """The stored document id for ``doc_id`` (itself, or the story it is a copy of)."""
        if doc_id in self.documents:
            return doc_id
        return self.aliases.get(doc_id)

    def delete(self, doc_ids: Iterable[str]) -> list[str]:
        """Remove documents with their 相關焦點 children and their copies; returns every id removed.

        An id that names a copy removes only that copy.
        """
        wanted = set(doc_ids)
        wanted |= {d.doc_id for d in self.documents.values() if d.parent_id in wanted}
        removed: list[str] = []
        for doc_id in sorted(wanted):
            if doc_id in self.aliases:
                self._drop_alias(doc_id)
                removed.append(doc_id)
            elif doc_id in self.documents:
                for copy_id in self._copies.pop(doc_id, {}):
                    self.aliases.pop(copy_id, None)
                    removed.append(copy_id)
                self._remove_document(doc_id)
                removed.append(doc_id)
        return removed

    # ------------------------------------------------------------------ persistence
    def corpus_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for doc_id in sorted(self.documents):
            digest.update(f"{doc_id}\0{self.documents[doc_id].content_hash}\n".encode())
        return digest.hexdigest()[:16]

    def _bm25_ready(self) -> BM25Index:
        if self._bm25 is None:
            ids = np.fromiter(sorted(self.chunks), dtype=np.int64, count=len(self.chunks))
            bm25 = BM25Index()
            bm25.build([self._folded[int(i)] for i in ids])
            self._bm25, self._bm25_ids = bm25, ids
        return self._bm25

    def save(self, extra_manifest: dict | None = None) -> Path:
        """Write a new generation and make it live atomically; returns its folder."""
        self.path.mkdir(parents=True, exist_ok=True)
        if self._dense is None:
            self._ensure_dense(self.embedder.dimension)
        self.optimize_dense()
        bm25 = self._bm25_ready()
        generation = max(self.generation, self._latest_generation_number()) + 1
        name = f"gen-{generation:06d}"
        final_dir = self.path / name
        tmp_dir = self.path / f".{name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp_dir, ignore_errors=True)
        tmp_dir.mkdir()
        self._dense.write(tmp_dir)
        crash_point("save:vectors-written")
        write_docstore(
            tmp_dir / "docstore.sqlite",
            DocstoreContents(self.documents, self._text_keys, self._copies, self.chunks, self._folded),
        )
        bm25.save(tmp_dir / "bm25")
        np.save(tmp_dir / "bm25_ids.npy", self._bm25_ids)
        manifest = {
            "format": FORMAT_VERSION,
            "generation": generation,
            "generation_dir": name,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "model_ref": self.embedder.model_ref,
            "dimension": self._dimension,
            "dense": self._dense.meta.to_dict(),
            "settings": self.settings_fingerprint(),
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "next_vector_id": self._next_id,
            "corpus_fingerprint": self.corpus_fingerprint(),
            **(extra_manifest or {}),
        }
        (tmp_dir / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        live_manifest = self.manifest or (self.read_manifest(self.path) if self.exists(self.path) else {})
        previous_dense = DenseMeta.from_dict(live_manifest.get("dense")) if live_manifest else None
        _fsync_tree(tmp_dir)
        crash_point("save:generation-written")
        os.replace(tmp_dir, final_dir)
        crash_point("save:generation-renamed")
        pointer_tmp = self.path / f".{CURRENT_FILE}.tmp-{os.getpid()}"
        pointer_tmp.write_text(name + "\n")
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, self.path / CURRENT_FILE)
        crash_point("save:pointer-swapped")
        _fsync_dir(self.path)
        previous = self.manifest.get("generation_dir")
        self._dense.after_save(previous_dense)
        self.generation = generation
        self.manifest = manifest
        self._prune(keep={name, previous})
        logger.info("saved index generation %s: %d documents, %d chunks", name, len(self.documents), len(self.chunks))
        return final_dir

    def optimize_dense(self) -> bool:
        """Convert the dense index to the kind/storage ``dense_config`` wants for the current size
        (e.g. exact -> IVF past ``index_approx_min_chunks``); no embedding. True if it rebuilt."""
        if self._dense is None:
            return False
        live = np.fromiter(self.chunks, dtype=np.int64, count=len(self.chunks))
        live.sort()
        config = self.dense_config
        if (config.backend == "milvus") != (self._dense.kind == "milvus"):  # move the vectors across
            vectors = self._dense.reconstruct_many(live)
            logger.info("moving %d vectors to the %s backend", len(live), config.backend)
            if config.backend == "milvus":
                from newsqa.index.vectorstore import VectorStoreDense

                adapted = VectorStoreDense.for_config(self._dense.dimension, config, self.path)
                adapted.add(vectors, live)
            else:
                adapted = DenseIndex.build(vectors, live, config.wanted(len(live)), config.storage, config)
        elif self._dense.kind == "milvus":
            adapted = self._dense
        else:
            adapted = self._dense.adapted(config, live)
        rebuilt = adapted is not self._dense
        self._dense = adapted
        return rebuilt

    def _latest_generation_number(self) -> int:
        numbers = [n for p in self.path.glob("gen-*") if (n := _generation_number(p.name)) is not None]
        return max(numbers, default=0)

    def _prune(self, keep: set[str]) -> None:
        """Remove generations other than ``keep`` (the live one and the one live before it,
        which a reader may still be loading) and leftovers of interrupted saves."""
        old = [p for p in self.path.glob("gen-*") if p.is_dir() and p.name not in keep]
        _remove_paths([*old, *_temporary_leftovers(self.path)])

    @staticmethod
    def remove_crash_leftovers(path: Path) -> tuple[list[str], int]:
        """Remove what interrupted saves left in the index folder ``path``: (names removed, bytes freed).

        Call it only while holding the ingest lock, when no other writer runs. It removes the
        temporary generation folders and pointer files (``.gen-NNNNNN.tmp-PID``,
        ``.CURRENT.tmp-PID``) of writers that are no longer running (never this process's
        own), and generation folders newer than the one ``CURRENT`` names (renamed into place
        by a save that died before the pointer swap, so never live). The live generation and
        older ones (a reader may still be loading the previous one) are left to ``save()``.
        """
        path = Path(path)
        if not path.is_dir():
            return [], 0
        doomed = [p for p in _temporary_leftovers(path) if not _writer_alive(p.name)]
        current_file = path / CURRENT_FILE
        try:
            current = _generation_number(current_file.read_text().strip()) if current_file.is_file() else 0
        except OSError:
            current = None
        if current is not None:  # a CURRENT that names no generation: none is called unused
            doomed += [
                p for p in path.glob("gen-*")
                if p.is_dir() and (n := _generation_number(p.name)) is not None and n > current
            ]
        doomed.sort()
        freed = _remove_paths(doomed)
        if doomed:
            logger.warning(
                "removed what interrupted saves left in %s: %s (%s freed)",
                path, ", ".join(p.name for p in doomed), f"{freed / 1e6:.1f} MB",
            )
        return [p.name for p in doomed], freed

    # ------------------------------------------------------------------ reads
    def get_document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [self.chunks[v] for v in self._doc_chunks.get(doc_id, [])]

    def stats(self) -> dict:
        return {
            "documents": len(self.documents),
            "chunks": len(self.chunks),
            "model": self.embedder.name,
            "dimension": self._dimension,
            "dense_kind": self._dense.kind if self._dense is not None else None,
            "dense_storage": self._dense.storage if self._dense is not None else None,
            "generation": self.generation,
            "built_at": self.manifest.get("built_at"),
            "path": str(self.path),
        }

    def chunk_frequency(self, token: str) -> int:
        """How many passages hold the BM25 token ``token`` (a folded latin word, number or bigram)."""
        return self._bm25_ready().document_frequency(token)

    def term_weights(self, tokens: list[str]) -> dict[str, float]:
        """Corpus IDF of BM25 tokens (see ``newsqa.index.bm25``): how informative each one is."""
        return self._bm25_ready().idf(tokens)

    def search_dense(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self._dense is None or self._dense.ntotal == 0 or k <= 0:
            return []
        ids, scores = self._dense.search(query_vector, k)
        # Only ids the live docstore knows (a shared vector store may hold newer or older ones).
        return [(int(i), float(s)) for i, s in zip(ids.tolist(), scores.tolist()) if int(i) in self.chunks]

    def search_bm25(self, query: str, k: int) -> list[tuple[int, float]]:
        bm25 = self._bm25_ready()
        return [(int(self._bm25_ids[pos]), score) for pos, score in bm25.search(fold(query), k)]

    @property
    def passage_script(self) -> str:
        """The script most passages are written in (``written_script`` over about
        ``SCRIPT_SAMPLE`` of them, once per change): questions are embedded in it."""
        if self._passage_script is None:
            vids = list(self._folded)[:: max(1, len(self._folded) // SCRIPT_SAMPLE)]
            self._passage_script = written_script((self.chunks[v].embed_text, self._folded[v]) for v in vids)
        return self._passage_script

    def search_candidates(
        self,
        query: str,
        *,
        dense_depth: int = 50,
        bm25_depth: int = 50,
        query_vector: np.ndarray | None = None,
    ) -> list[Candidate]:
        """First stage: the union of the dense top ``dense_depth`` and the BM25 top ``bm25_depth``.

        Every candidate carries both retrievers' view of it: its rank in each list (or
        ``None``), its BM25 score when BM25 ranked it, and its cosine with the question
        (also for passages only BM25 found). A depth of 0 turns a retriever off (with
        dense off the question is not embedded and cosines are ``None``). Dense
        candidates come first, in rank order, then BM25-only ones.
        """
        if not self.chunks:
            return []
        dense: list[tuple[int, float]] = []
        if dense_depth > 0:
            if query_vector is None:
                query_vector = self.embedder.embed_query(in_script(query, self.passage_script))
            dense = self.search_dense(query_vector, dense_depth)
        sparse = self.search_bm25(query, bm25_depth) if bm25_depth > 0 else []

        def candidate(vid: int) -> Candidate:
            chunk = self.chunks[vid]
            return Candidate(vid, chunk, self.documents[chunk.doc_id], self._folded[vid])

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
            vectors = self._dense.reconstruct_many(np.asarray(sparse_only, dtype=np.int64))
            for vid, cosine in zip(sparse_only, (vectors @ query_vector).tolist()):
                candidates[vid].dense_score = float(cosine)
        return list(candidates.values())

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        depth: int = 50,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        bm25_weight: float = 1.0,
        fusion: str = "rrf",
        bm25_depth: int | None = None,
    ) -> list[RetrievedChunk]:
        """Hybrid search without a second stage: dense (``depth``) and BM25 (``bm25_depth``,
        default ``depth``) candidates fused by ``fusion`` (``"rrf"``: weighted reciprocal
        rank fusion; ``"score"``: weighted sum of min-max normalised scores). A weight of 0
        turns a retriever off."""
        candidates = self.search_candidates(
            query,
            dense_depth=depth if dense_weight > 0 else 0,
            bm25_depth=(depth if bm25_depth is None else bm25_depth) if bm25_weight > 0 else 0,
        )
        fused = fuse_candidates(candidates, fusion, dense_weight=dense_weight, bm25_weight=bm25_weight, rrf_k=rrf_k)
        return [to_retrieved(c, c.fused) for c in fused[:k]]


def _read_dense(gen_dir: Path, dimension: int, meta: DenseMeta):
    """The generation's dense index: a FAISS file, or the vector store its manifest names."""
    if meta.kind == "milvus":
        from newsqa.index.vectorstore import VectorStoreDense

        return VectorStoreDense.read(gen_dir, dimension, meta)
    return DenseIndex.read(gen_dir, dimension, meta)


def _generation_number(name: str) -> int | None:
    """6 for ``gen-000006``; None for any other name."""
    digits = name[4:]
    return int(digits) if name.startswith("gen-") and digits.isdigit() else None


def _temporary_leftovers(path: Path) -> list[Path]:
    """Temporary generation folders and pointer files of saves (``.gen-*.tmp-PID``, ``.CURRENT.tmp-PID``)."""
    return [*path.glob(".gen-*.tmp-*"), *path.glob(f".{CURRENT_FILE}.tmp-*")]


def _writer_alive(name: str) -> bool:
    """Whether the process whose id ends a temporary name (``….tmp-PID``) is this one or still runs."""
    pid = name.rpartition(".tmp-")[2]
    if not pid.isdigit() or int(pid) <= 0:
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    except OSError:
        return False
    return True


def _remove_paths(paths: Iterable[Path]) -> int:
    """Remove folders and files; returns the bytes freed."""
    freed = 0
    for path in paths:
        size = _size_on_disk(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        if not os.path.lexists(path):
            freed += size
    return freed


def _size_on_disk(path: Path) -> int:
    try:
        files = [path] if path.is_symlink() or not path.is_dir() else [path, *path.rglob("*")]
        return sum(f.lstat().st_size for f in files if not f.is_dir() or f.is_symlink())
    except OSError:
        return 0


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync_file(path)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass


def _fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            _fsync_file(file)
    _fsync_dir(folder)
