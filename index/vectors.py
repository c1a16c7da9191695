"""The dense side of a ``NewsIndex``: the chunks' vectors under their vector ids.

Held in a FAISS index of the configured kind and storage (:mod:`newsqa.index.dense`),
created on the first vectors (trained on them for an approximate kind), converted to what
the config wants for the current size by ``optimize`` before a save, and read back as it
was built. A reader of the Milvus backend holds a ``MilvusDense`` here instead (searched in
Milvus, :mod:`newsqa.index.milvus_parts`); its writer holds the vectors in an exact FAISS
index until the save hands them to Milvus, which builds its own search index.

Example::

    vectors = ChunkVectors(DenseConfig())
    ids = vectors.add(embedded)                     # new vector ids, in order
    hits = vectors.search(query_vector, 10, known=chunks)
"""

from __future__ import annotations

import logging
from collections.abc import Container
from pathlib import Path
from typing import Any

import numpy as np

from newsqa.index.dense import DenseConfig, DenseIndex, DenseMeta

logger = logging.getLogger(__name__)


class ChunkVectors:
    """One index's dense vectors, the next free vector id and the vectors' dimension."""

    def __init__(self, config: DenseConfig):
        self.config = config
        self.dense = None  # DenseIndex (or a Milvus reader's MilvusDense), made on the first vectors
        self.dimension: int | None = None
        self.next_id = 0

    @classmethod
    def read(cls, gen_dir: Path, manifest: dict, config: DenseConfig) -> "ChunkVectors":
        """The vectors of the generation in ``gen_dir``, as its manifest says they were built."""
        return cls.holding(DenseIndex.read(gen_dir, manifest["dimension"], DenseMeta.from_dict(manifest.get("dense"))),
                           manifest, config)

    @classmethod
    def holding(cls, dense, manifest: dict, config: DenseConfig) -> "ChunkVectors":
        """The vectors in ``dense`` (a ``DenseIndex`` or ``MilvusDense``) of the generation ``manifest`` describes."""
        vectors = cls(config)
        vectors.dimension = manifest["dimension"]
        vectors.dense = dense
        vectors.next_id = manifest["next_vector_id"]
        return vectors

    @property
    def remote(self) -> bool:
        """Whether a search goes over the network (a Milvus reader's vectors)."""
        return bool(getattr(self.dense, "remote", False))

    def ensure(self, dimension: int, first: np.ndarray | None = None) -> None:
        """Create the dense index (of the configured kind, trained on ``first``) if there is none."""
        if self.dense is not None:
            return
        exact = first is None or self.config.backend == "milvus"  # Milvus gets the exact vectors
        self.dense = DenseIndex.empty(
            dimension,
            "flat" if exact else self.config.wanted(len(first)),
            "fp32" if exact else self.config.storage,
            self.config,
            training=None if exact else first,
            expected_size=0 if exact else len(first),
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

    def search(self, query_vector: np.ndarray, k: int, *, known: Container[int],
               within: Any = None) -> list[tuple[int, float]]:
        """``(vector id, cosine)`` of the ``k`` nearest vectors whose ids are ``known`` (and, for a
        store that filters by date (``remote``), of passages dated in the ``DateRange`` ``within``)."""
        if self.dense is None or self.dense.ntotal == 0 or k <= 0:
            return []
        ids, scores = self.dense.search(query_vector, k, within=within) if within is not None else self.dense.search(query_vector, k)
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
        if self.config.backend == "milvus":
            return False  # the exact vectors go to Milvus as they are; Milvus builds its own index
        adapted = self.dense.adapted(self.config, live)
        rebuilt = adapted is not self.dense
        self.dense = adapted
        return rebuilt
