"""The dense side of a ``NewsIndex``: the chunks' vectors under their vector ids.

Held in the backend ``DenseConfig`` names: a FAISS index of the configured kind and
storage (:mod:`newsqa.index.dense`), or a LangChain vector store (Milvus,
:mod:`newsqa.index.vectorstore`). Created on the first vectors (trained on them for an
approximate kind), converted to what the config wants for the current size by
``optimize`` before a save, and read back as it was built.

Example::

    vectors = ChunkVectors(DenseConfig(), index_path)
    ids = vectors.add(embedded)                     # new vector ids, in order
    hits = vectors.search(query_vector, 10, known=chunks)
"""

from __future__ import annotations

import logging
from collections.abc import Container
from pathlib import Path

import numpy as np

from newsqa.index.dense import DenseConfig, DenseIndex, DenseMeta

logger = logging.getLogger(__name__)


class ChunkVectors:
    """One index's dense vectors, the next free vector id and the vectors' dimension."""

    def __init__(self, config: DenseConfig, path: Path):
        self.config = config
        self.path = path  # the index folder (where a Milvus Lite file is kept)
        self.dense = None  # DenseIndex | VectorStoreDense, made on the first vectors
        self.dimension: int | None = None
        self.next_id = 0

    @classmethod
    def read(cls, gen_dir: Path, manifest: dict, config: DenseConfig, path: Path) -> "ChunkVectors":
        """The vectors of the generation in ``gen_dir``, as its manifest says they were built."""
        vectors = cls(config, path)
        vectors.dimension = manifest["dimension"]
        meta = DenseMeta.from_dict(manifest.get("dense"))
        if meta.kind == "milvus":
            from newsqa.index.vectorstore import VectorStoreDense

            vectors.dense = VectorStoreDense.read(gen_dir, vectors.dimension, meta)
        else:
            vectors.dense = DenseIndex.read(gen_dir, vectors.dimension, meta)
        vectors.next_id = manifest["next_vector_id"]
        return vectors

    def ensure(self, dimension: int, first: np.ndarray | None = None) -> None:
        """Create the dense index (of the configured kind, trained on ``first``) if there is none."""
        if self.dense is not None:
            return
        if self.config.backend == "milvus":
            from newsqa.index.vectorstore import VectorStoreDense

            self.dense = VectorStoreDense.for_config(dimension, self.config, self.path)
        else:
            n = 0 if first is None else len(first)
            self.dense = DenseIndex.empty(
                dimension,
                self.config.wanted(n) if first is not None else "flat",
                self.config.storage if first is not None else "fp32",
                self.config,
                training=first,
                expected_size=n,
            )
        self.dimension = dimension

    def add(self, vectors: np.ndarray) -> np.ndarray:
        """Store ``vectors`` (the dense index exists) under new vector ids; returns the ids."""
        ids = np.arange(self.next_id, self.next_id + len(vectors), dtype=np.int64)
        self.next_id += len(vectors)
        self.dense.add(vectors, ids)
        return ids

    def remove(self, ids: list[int]) -> None:
        if ids and self.dense is not None:
            self.dense.remove(ids)

    def search(self, query_vector: np.ndarray, k: int, *, known: Container[int]) -> list[tuple[int, float]]:
        """``(vector id, cosine)`` of the ``k`` nearest vectors whose ids are ``known``."""
        if self.dense is None or self.dense.ntotal == 0 or k <= 0:
            return []
        ids, scores = self.dense.search(query_vector, k)
        # Only ids the live docstore knows (a shared vector store may hold newer or older ones).
        return [(int(i), float(s)) for i, s in zip(ids.tolist(), scores.tolist()) if int(i) in known]

    def cosines(self, ids: list[int], query_vector: np.ndarray) -> list[float]:
        """The cosine of each stored vector in ``ids`` with ``query_vector``, in one batch."""
        vectors = self.dense.reconstruct_many(np.asarray(ids, dtype=np.int64))
        return (vectors @ query_vector).tolist()

    def optimize(self, live: np.ndarray) -> bool:
        """Convert to the kind/storage/backend the config wants for the ``live`` ids (sorted);
        no embedding. True if it rebuilt."""
        if self.dense is None:
            return False
        config = self.config
        if (config.backend == "milvus") != (self.dense.kind == "milvus"):  # move the vectors across
            vectors = self.dense.reconstruct_many(live)
            logger.info("moving %d vectors to the %s backend", len(live), config.backend)
            if config.backend == "milvus":
                from newsqa.index.vectorstore import VectorStoreDense

                adapted = VectorStoreDense.for_config(self.dense.dimension, config, self.path)
                adapted.add(vectors, live)
            else:
                adapted = DenseIndex.build(vectors, live, config.wanted(len(live)), config.storage, config)
        elif self.dense.kind == "milvus":
            adapted = self.dense
        else:
            adapted = self.dense.adapted(config, live)
        rebuilt = adapted is not self.dense
        self.dense = adapted
        return rebuilt
