"""The dense index in a server-based vector store, through LangChain's ``VectorStore`` interface.

When an archive outgrows one machine's FAISS index, set ``index_backend = "milvus"``:
``NewsIndex`` then keeps its vectors in a Milvus collection (``index_milvus_uri``: a
Milvus server such as ``http://milvus:19530``, or — the default — a Milvus Lite file
``milvus.db`` in the index folder) while BM25 and the docstore stay in the index
generations. Everything above ``NewsIndex`` (retriever, reranker, answerer, UI) is
unchanged. Install the optional packages with ``pip install -e '.[milvus]'``.

The store is driven through the generic ``VectorStore`` methods — ``add_texts``
(vectors handed to the store through a pass-through ``Embeddings``, since newsqa embeds
with its own prompts and batching), ``delete`` and
``similarity_search_with_score_by_vector`` — so another LangChain store with those
methods can be wired the same way; only ``reconstruct`` (a stored vector, used for the
cosine of passages only BM25 found) uses the Milvus client directly.

Crash safety: a store lives outside the atomic generations, so newsqa never reuses a
vector id, searches only ids the live docstore knows (vectors added by an ingest that
crashed before its generation went live are invisible), and removes replaced vectors
only *after* the new generation is live (``after_save``), so the previous generation
stays complete until then. ``ingest --rebuild`` writes a new collection and drops the
old one after the swap. Milvus Lite serves one process at a time: stop ``newsqa serve``
while ``newsqa ingest`` writes a Lite file (a Milvus server has no such limit).

Example::

    dense = VectorStoreDense.create(384, uri="/tmp/idx/milvus.db", collection="newsqa")
    dense.add(vectors, ids)
    ids, scores = dense.search(query_vector, k=10)
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from newsqa.index.dense import DenseConfig, DenseMeta

logger = logging.getLogger(__name__)

BACKENDS = ("faiss", "milvus")


class MilvusUnavailableError(RuntimeError):
    """The optional Milvus packages are not installed."""


def _milvus_class():
    try:
        from langchain_milvus import Milvus
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MilvusUnavailableError(
            "index_backend = milvus needs the optional packages: pip install -e '.[milvus]' "
            "(pymilvus, milvus-lite, langchain-milvus)"
        ) from exc
    return Milvus


def _passthrough_embeddings():
    from langchain_core.embeddings import Embeddings

    class PassThrough(Embeddings):
        """Returns the vectors queued in ``pending`` (keyed by the "text", a vector id)."""

        def __init__(self) -> None:
            self.pending: dict[str, list[float]] = {}

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [self.pending.pop(t) for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return self.pending.pop(text)

    return PassThrough()


class VectorStoreDense:
    """Same interface as ``DenseIndex`` (add, remove, search, reconstruct, write/read), in a VectorStore."""

    def __init__(self, dimension: int, meta: DenseMeta, index_path: Path | None = None):
        self.dimension = dimension
        self.meta = meta
        self.tombstones: set[int] = set()  # removed here, deleted from the store after the save
        self._deleted_collections: list[str] = []
        self._embeddings = _passthrough_embeddings()
        milvus = _milvus_class()
        self.store = milvus(
            embedding_function=self._embeddings,
            collection_name=meta.collection,
            connection_args={"uri": meta.uri},
            index_params={"metric_type": "IP", "index_type": "FLAT", "params": {}},
            search_params={"metric_type": "IP", "params": {}},
            auto_id=False,
            consistency_level="Strong",
        )

    # ------------------------------------------------------------------ construction
    @classmethod
    def create(cls, dimension: int, *, uri: str, collection: str) -> "VectorStoreDense":
        """A new, empty collection ``<collection>_<random>`` (the live one is never touched)."""
        name = f"{collection}_{uuid.uuid4().hex[:12]}"
        return cls(dimension, DenseMeta(kind="milvus", storage="server", uri=uri, collection=name))

    @classmethod
    def for_config(cls, dimension: int, config: DenseConfig, index_path: Path) -> "VectorStoreDense":
        uri = config.milvus_uri or str(Path(index_path) / "milvus.db")
        Path(index_path).mkdir(parents=True, exist_ok=True)
        return cls.create(dimension, uri=uri, collection=config.milvus_collection)

    @property
    def kind(self) -> str:
        return "milvus"

    @property
    def storage(self) -> str:
        return "server"

    @property
    def ntotal(self) -> int:
        """Vectors in the collection, less those removed since the last save."""
        client = self.store.client
        if not client.has_collection(self.meta.collection):
            return 0
        rows = int(client.get_collection_stats(self.meta.collection).get("row_count", 0))
        return rows - len(self.tombstones)

    def memory_bytes(self) -> int:
        return 0  # held by the store's server, not by this process

    # ------------------------------------------------------------------ edits
    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        keys = [str(int(i)) for i in ids]
        for key, vector in zip(keys, np.asarray(vectors, dtype=np.float32)):
            self._embeddings.pending[key] = vector.tolist()
        self.store.add_texts(keys, metadatas=None, ids=keys)

    def remove(self, ids: list[int] | np.ndarray) -> None:
        self.tombstones.update(int(i) for i in ids)

    def reconstruct(self, vid: int) -> np.ndarray:
        rows = self.store.client.get(collection_name=self.meta.collection, ids=[str(int(vid))],
                                     output_fields=[self.store._vector_field])
        if not rows:
            raise KeyError(vid)
        return np.asarray(rows[0][self.store._vector_field], dtype=np.float32)

    def reconstruct_many(self, ids: np.ndarray) -> np.ndarray:
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        keys = [str(int(i)) for i in ids]
        for begin in range(0, len(keys), 1000):
            rows = self.store.client.get(collection_name=self.meta.collection, ids=keys[begin : begin + 1000],
                                         output_fields=[self.store._vector_field])
            by_key = {str(r[self.store._primary_field]): r[self.store._vector_field] for r in rows}
            for j, key in enumerate(keys[begin : begin + 1000]):
                out[begin + j] = by_key[key]
        return out

    # ------------------------------------------------------------------ search
    def search(self, query: np.ndarray, k: int, **_: Any) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0 or not self.store.client.has_collection(self.meta.collection):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        hits = self.store.similarity_search_with_score_by_vector(
            np.asarray(query, dtype=np.float32).tolist(), k=k + len(self.tombstones)
        )
        pairs = [(int(doc.metadata[self.store._primary_field]), float(score)) for doc, score in hits]
        pairs = [(i, s) for i, s in pairs if i not in self.tombstones][:k]
        return np.asarray([i for i, _ in pairs], dtype=np.int64), np.asarray([s for _, s in pairs], dtype=np.float32)

    # ------------------------------------------------------------------ lifecycle
    def needs_rebuild(self, config: DenseConfig, n: int) -> str | None:
        return None if config.backend == "milvus" else "backend milvus -> faiss"

    def write(self, folder: Path) -> None:
        """Nothing to write into the generation: the manifest names the collection."""

    def after_save(self, previous: DenseMeta | None) -> None:
        """The new generation is live: delete removed vectors and a replaced collection."""
        if self.tombstones:
            self.store.delete(ids=[str(i) for i in sorted(self.tombstones)])
            self.tombstones.clear()
        if previous is not None and previous.kind == "milvus" and previous.collection != self.meta.collection:
            client = self.store.client
            if previous.uri == self.meta.uri and client.has_collection(previous.collection):
                client.drop_collection(previous.collection)
                logger.info("dropped the replaced Milvus collection %s", previous.collection)

    @classmethod
    def read(cls, folder: Path, dimension: int, meta: DenseMeta) -> "VectorStoreDense":
        return cls(dimension, meta)
