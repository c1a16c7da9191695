"""The dense (vector) part of a ``NewsIndex``: exact or approximate FAISS search by chunk id.

Three kinds, chosen by ``index_dense_kind``:

* ``flat`` — exact inner-product search over every vector (``IndexFlatIP``). The cost
  grows linearly with the archive: fine up to ~100k chunks on a laptop core.
* ``ivf`` — an inverted file (``IndexIVF*``): k-means cells over the vectors, a
  question scans only the ``nprobe`` nearest cells. Cheap to build (seconds at 1M
  chunks on 2 cores), supports adding and removing by id, and is the kind ``auto``
  picks from ``index_approx_min_chunks`` chunks on.
* ``hnsw`` — a navigable small-world graph (``IndexHNSW*``): the fastest and most
  accurate search, but slow to build (about 1 ms a vector on 2 cores) and FAISS
  cannot remove from it, so removed ids are kept as *tombstones*, filtered out of
  every search and dropped when the graph is rebuilt (when they pass 20 %).
* ``auto`` — ``flat`` below ``index_approx_min_chunks`` chunks, ``ivf`` from there on.

and three storages (``index_storage``): ``fp32`` (exact vectors, 1,536 bytes a chunk
for multilingual-e5-small), ``fp16`` (half: 768 bytes, a cosine error of ~1e-3) and
``pq`` (product quantisation, ``pq_bytes`` a chunk — 48 by default — at a recall cost
reported by ``make bench``).

The structure is rebuilt from the stored vectors (``DenseIndex.rebuilt``) when the
wanted kind or storage differs from what is on disk — e.g. when the archive grows past
``index_approx_min_chunks`` — without embedding anything again (``pq`` vectors are
approximate, so converting *from* pq keeps their error).

Example::

    config = DenseConfig(kind="auto")
    dense = DenseIndex.empty(384, config.wanted(0))
    dense.add(vectors, ids)                       # float32, L2-normalised; int64 ids
    dense = dense.adapted(config, ids)            # ivf once large enough
    ids, scores = dense.search(query_vector, k=10)
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

DENSE_KINDS = ("auto", "flat", "ivf", "hnsw")
STORAGES = ("fp32", "fp16", "pq")
TOMBSTONES_FILE = "dense_tombstones.npy"
_TOMBSTONE_REBUILD_FRACTION = 0.2
_IVF_RETRAIN_GROWTH = 4  # retrain the cells when the archive has grown 4x since training


def _faiss():
    import faiss

    return faiss


@dataclass(frozen=True, slots=True)
class DenseConfig:
    """What the settings ask of the dense index (``index_*`` settings)."""

    kind: str = "auto"
    storage: str = "fp32"
    approx_min_chunks: int = 100_000
    ivf_nprobe: int = 0  # 0: chosen from the number of cells (nlist / 16, at least 16)
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    pq_bytes: int = 48
    backend: str = "faiss"  # or "milvus" (newsqa.index.vectorstore)
    milvus_uri: str = ""  # "": a Milvus Lite file milvus.db in the index folder
    milvus_collection: str = "newsqa"

    def __post_init__(self) -> None:
        if self.kind not in DENSE_KINDS:
            raise ValueError(f"unknown dense index kind {self.kind!r}; choose one of {', '.join(DENSE_KINDS)}")
        if self.storage not in STORAGES:
            raise ValueError(f"unknown index storage {self.storage!r}; choose one of {', '.join(STORAGES)}")

    @classmethod
    def from_settings(cls, settings: Any) -> "DenseConfig":
        return cls(
            kind=settings.index_dense_kind,
            storage=settings.index_storage,
            approx_min_chunks=settings.index_approx_min_chunks,
            ivf_nprobe=settings.index_ivf_nprobe,
            hnsw_m=settings.index_hnsw_m,
            hnsw_ef_search=settings.index_hnsw_ef_search,
            pq_bytes=settings.index_pq_bytes,
            backend=settings.index_backend,
            milvus_uri=settings.index_milvus_uri,
            milvus_collection=settings.index_milvus_collection,
        )

    def wanted(self, n: int) -> str:
        """The concrete kind (flat, ivf or hnsw) for an archive of ``n`` chunks."""
        if self.kind != "auto":
            return self.kind
        return "ivf" if n >= self.approx_min_chunks else "flat"


def ivf_cells(n: int) -> int:
    """Number of IVF cells for ``n`` vectors: about sqrt(n), a power of two, 16…65536."""
    return int(min(65536, max(16, 2 ** round(math.log2(max(1.0, math.sqrt(max(n, 1))))))))


def ivf_nprobe(nlist: int, configured: int = 0) -> int:
    """Cells scanned per question: ``configured`` if set, else nlist/16 (at least 16)."""
    return min(nlist, configured if configured > 0 else max(16, nlist // 16))


def _pq_subquantizers(dimension: int, pq_bytes: int) -> int:
    """The largest divisor of ``dimension`` that is at most ``pq_bytes`` (one byte per sub-vector)."""
    for m in range(min(pq_bytes, dimension), 0, -1):
        if dimension % m == 0:
            return m
    return 1


@dataclass(slots=True)
class DenseMeta:
    """What the manifest records about the dense index (``manifest["dense"]``)."""

    kind: str = "flat"
    storage: str = "fp32"
    trained_size: int = 0
    nprobe: int = 0
    ef_search: int = 0
    uri: str = ""  # kind "milvus": the store and collection holding the vectors
    collection: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "DenseMeta":
        """Older manifests have no ``dense`` entry: they hold an exact fp32 ``IndexFlatIP``."""
        if not data:
            return cls()
        return cls(**{k: v for k, v in data.items() if k in cls.__slots__})


class DenseIndex:
    """A FAISS index searched and edited by chunk (vector) id."""

    def __init__(self, index: Any, dimension: int, meta: DenseMeta, tombstones: set[int] | None = None):
        self.index = index
        self.dimension = dimension
        self.meta = meta
        self.tombstones: set[int] = tombstones or set()
        self._selector: Any = None  # kept alive while FAISS uses it

    # ------------------------------------------------------------------ construction
    @classmethod
    def empty(cls, dimension: int, kind: str = "flat", storage: str = "fp32", config: DenseConfig | None = None,
              training: np.ndarray | None = None, expected_size: int | None = None) -> "DenseIndex":
        """A new index; ``ivf`` and the ``fp16``/``pq`` storages need ``training`` vectors.

        ``expected_size`` (default: the number of training vectors) sizes the IVF cells.
        """
        faiss = _faiss()
        config = config or DenseConfig()
        ip = faiss.METRIC_INNER_PRODUCT
        meta = DenseMeta(kind=kind, storage=storage)
        n_train = 0 if training is None else len(training)
        if storage == "pq" and n_train < 256:
            logger.warning("pq storage needs at least 256 vectors to train; using fp16 for now")
            storage = meta.storage = "fp16"
        if kind == "ivf" and n_train < 16 * 39:  # FAISS wants ~39 training points per cell
            logger.info("too few vectors (%d) for an IVF index: using flat", n_train)
            kind = meta.kind = "flat"
        if kind == "flat":
            if storage == "fp32":
                base = faiss.IndexFlatIP(dimension)
            elif storage == "fp16":
                base = faiss.IndexScalarQuantizer(dimension, faiss.ScalarQuantizer.QT_fp16, ip)
            else:
                base = faiss.IndexPQ(dimension, _pq_subquantizers(dimension, config.pq_bytes), 8, ip)
            index = faiss.IndexIDMap2(base)
        elif kind == "ivf":
            nlist = min(ivf_cells(expected_size or n_train), max(16, n_train // 39))
            quantizer = faiss.IndexFlatIP(dimension)
            if storage == "fp32":
                index = faiss.IndexIVFFlat(quantizer, dimension, nlist, ip)
            elif storage == "fp16":
                index = faiss.IndexIVFScalarQuantizer(quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_fp16, ip)
            else:
                index = faiss.IndexIVFPQ(quantizer, dimension, nlist, _pq_subquantizers(dimension, config.pq_bytes), 8, ip)
            index.own_fields = True
            quantizer.this.disown()
            index.set_direct_map_type(faiss.DirectMap.Hashtable)  # remove and reconstruct by id
            meta.nprobe = ivf_nprobe(nlist, config.ivf_nprobe)
        elif kind == "hnsw":
            if storage == "fp32":
                base = faiss.IndexHNSWFlat(dimension, config.hnsw_m, ip)
            elif storage == "fp16":
                base = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_fp16, config.hnsw_m, ip)
            else:
                base = faiss.IndexHNSWPQ(dimension, _pq_subquantizers(dimension, config.pq_bytes), config.hnsw_m, 8, ip)
            meta.ef_search = config.hnsw_ef_search
            index = faiss.IndexIDMap2(base)
        else:
            raise ValueError(f"unknown dense index kind {kind!r}")
        if not index.is_trained:
            if training is None:
                raise ValueError(f"a {kind}/{storage} index needs training vectors")
            index.train(np.ascontiguousarray(training, dtype=np.float32))
            meta.trained_size = max(n_train, expected_size or 0)
        return cls(index, dimension, meta)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, kind: str, storage: str,
              config: DenseConfig | None = None) -> "DenseIndex":
        """An index of ``kind``/``storage`` holding ``vectors`` under ``ids`` (trained on them)."""
        config = config or DenseConfig()
        dimension = vectors.shape[1]
        training = _training_sample(vectors, kind, storage)
        dense = cls.empty(dimension, kind, storage, config, training=training, expected_size=len(ids))
        dense.add(vectors, ids)
        return dense

    # ------------------------------------------------------------------ properties
    @property
    def kind(self) -> str:
        return self.meta.kind

    @property
    def storage(self) -> str:
        return self.meta.storage

    @property
    def ntotal(self) -> int:
        """Live vectors (tombstoned ones excluded)."""
        return int(self.index.ntotal) - len(self.tombstones)

    def memory_bytes(self) -> int:
        """Bytes the index takes in memory (measured by serialising it)."""
        return int(_faiss().serialize_index(self.index).nbytes)

    # ------------------------------------------------------------------ edits
    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        if len(ids) == 0:
            return
        if vectors.shape[1] != self.dimension:
            raise ValueError(f"vectors of dimension {vectors.shape[1]}, index of {self.dimension}")
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int] | np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        if self.kind == "hnsw":  # FAISS cannot remove from a graph: filter until the next rebuild
            self.tombstones.update(int(i) for i in ids)
            self._selector = None
        else:
            self.index.remove_ids(ids)

    def reconstruct(self, vid: int) -> np.ndarray:
        """The stored vector of ``vid`` (approximate for fp16/pq storage)."""
        return self.index.reconstruct(int(vid))

    def reconstruct_many(self, ids: np.ndarray) -> np.ndarray:
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        for row, vid in enumerate(np.asarray(ids, dtype=np.int64).tolist()):
            out[row] = self.index.reconstruct(vid)
        return out

    # ------------------------------------------------------------------ search
    def search(self, query: np.ndarray, k: int, *, nprobe: int | None = None, ef_search: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, scores)`` of the best ``k`` live vectors for one query (inner product)."""
        if self.ntotal <= 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        faiss = _faiss()
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        k = min(k, self.ntotal)
        params = None
        if self.kind == "ivf":
            params = faiss.SearchParametersIVF()
            params.nprobe = nprobe or self.meta.nprobe or ivf_nprobe(self.index.nlist)
        elif self.kind == "hnsw":
            params = faiss.SearchParametersHNSW()
            params.efSearch = max(ef_search or self.meta.ef_search or 64, k)
            if self.tombstones:
                if self._selector is None:
                    batch = faiss.IDSelectorBatch(np.fromiter(self.tombstones, dtype=np.int64))
                    self._selector = (batch, faiss.IDSelectorNot(batch))
                params.sel = self._selector[1]
        # One question: FAISS's OpenMP threads only wait for each other (27 ms instead of <1 ms
        # for 10k exact vectors on 2 busy cores), so search on the calling thread alone.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(query, k, params=params) if params is not None else self.index.search(query, k)
        finally:
            faiss.omp_set_num_threads(threads)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    # ------------------------------------------------------------------ conversion
    def needs_rebuild(self, config: DenseConfig, n: int) -> str | None:
        """Why the index should be rebuilt for ``config`` at ``n`` live chunks (None: it need not)."""
        wanted = config.wanted(n)
        if wanted != self.kind and not (wanted == "ivf" and n < 16 * 39):
            return f"kind {self.kind} -> {wanted}"
        if config.storage != self.storage and not (config.storage == "pq" and n < 256):
            return f"storage {self.storage} -> {config.storage}"
        if self.kind == "ivf" and n > _IVF_RETRAIN_GROWTH * max(self.meta.trained_size, 1):
            return f"the archive grew from {self.meta.trained_size} to {n} vectors since the cells were trained"
        if self.tombstones and len(self.tombstones) > _TOMBSTONE_REBUILD_FRACTION * max(self.index.ntotal, 1):
            return f"{len(self.tombstones)} removed vectors still in the graph"
        return None

    def adapted(self, config: DenseConfig, live_ids: np.ndarray) -> "DenseIndex":
        """``self``, or a rebuilt index of the kind and storage ``config`` wants for this size."""
        reason = self.needs_rebuild(config, len(live_ids))
        if reason is None:
            if self.kind == "ivf" and config.ivf_nprobe:
                self.meta.nprobe = ivf_nprobe(self.index.nlist, config.ivf_nprobe)
            if self.kind == "hnsw":
                self.meta.ef_search = config.hnsw_ef_search
            return self
        kind, storage = config.wanted(len(live_ids)), config.storage
        logger.info("rebuilding the dense index (%s): %d vectors, %s/%s", reason, len(live_ids), kind, storage)
        if self.storage == "pq" and storage != "pq":
            logger.warning("converting from pq storage keeps the quantisation error; re-index to get exact vectors")
        ids = np.asarray(live_ids, dtype=np.int64)
        return DenseIndex.build(self.reconstruct_many(ids), ids, kind, storage, config)

    def after_save(self, previous: DenseMeta | None) -> None:
        """Called once the generation holding this index is live (FAISS: nothing to do)."""

    # ------------------------------------------------------------------ persistence
    def write(self, folder: Path) -> None:
        """Write ``vectors.faiss`` (and the tombstones, if any) into ``folder``."""
        _faiss().write_index(self.index, str(folder / "vectors.faiss"))
        if self.tombstones:
            np.save(folder / TOMBSTONES_FILE, np.fromiter(sorted(self.tombstones), dtype=np.int64))

    @classmethod
    def read(cls, folder: Path, dimension: int, meta: DenseMeta) -> "DenseIndex":
        index = _faiss().read_index(str(folder / "vectors.faiss"))
        tombstones: set[int] = set()
        if (folder / TOMBSTONES_FILE).exists():
            tombstones = set(np.load(folder / TOMBSTONES_FILE).tolist())
        return cls(index, dimension, meta, tombstones)


def _training_sample(vectors: np.ndarray, kind: str, storage: str, limit: int = 100_000) -> np.ndarray | None:
    """The vectors to train IVF cells / PQ codebooks on: all of them, or an even sample of ``limit``."""
    if kind != "ivf" and storage == "fp32":
        return None
    if len(vectors) <= limit:
        return vectors
    rows = np.random.default_rng(0).choice(len(vectors), size=limit, replace=False)
    rows.sort()
    return vectors[rows]
