"""A Milvus reader's search parts: the dense and the BM25 side of a live generation, searched in
Milvus (``index_backend = "milvus"``, :mod:`newsqa.index.milvus`).

``NewsIndex`` asks its vectors and its BM25 the same questions whatever holds them:
``MilvusDense`` answers the ``DenseIndex`` reads (``search``, ``reconstruct_many``,
``ntotal``) from the passages collection's dense field, ``MilvusLexical`` the ``ChunkBM25``
reads (``search``, ``ready``) from its sparse field, with the corpus statistics the writer
stored beside them (``BM25Stats``), so a question's BM25 weights — and the scores — are
those of the FAISS backend. Neither can be written: a writer pulls the vectors into memory
first (``MilvusStorage.writable``).

Example::

    dense = MilvusDense(client, "newsqa_g000003_ab12cd34ef56_passages", meta, dimension=384, size=1200)
    ids, cosines = dense.search(query_vector, 10)
    lexical = MilvusLexical(client, dense.collection, stats)
    lexical.search(folded_texts, fold("自贸区哪一天挂牌"), 10)     # -> [(vector id, BM25 score)]
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from newsqa.index.bm25 import BM25Stats
from newsqa.index.dense import DenseMeta
from newsqa.index.errors import NewsIndexError
from newsqa.timex import DateRange, as_date

T = TypeVar("T")

__all__ = [
    "DENSE_FIELD", "SPARSE_FIELD", "GuardedClient", "MilvusDense", "MilvusLexical", "MilvusUnavailableError",
    "date_filter", "day_number", "loaded", "milvus_failure",
]

DENSE_FIELD = "dense"
SPARSE_FIELD = "sparse"
_GET_BATCH = 1000


def day_number(date: Any) -> int:
    """An article's date as the ``day`` field holds it (``20230728``); 0 for an undated one."""
    day = as_date(date)
    return 0 if day is None else day.year * 10000 + day.month * 100 + day.day


def date_filter(within: DateRange | None) -> str:
    """The Milvus filter expression of passages dated in ``within`` ("" for no range)."""
    if within is None or not within.bounded:
        return ""
    terms = ["day > 0"]  # an undated article is in no range
    if within.since is not None:
        terms.append(f"day >= {day_number(within.since)}")
    if within.until is not None:
        terms.append(f"day <= {day_number(within.until)}")
    return " and ".join(terms)


class MilvusUnavailableError(NewsIndexError):
    """Milvus cannot be reached or refused a call (or its optional packages are not installed)."""


def loaded(client: Any, collection: str, call: Callable[[], T]) -> T:
    """``call()`` on ``collection``, loading the collection first if Milvus has it released
    (a Milvus restarted, or a Lite file opened by a new process, holds its collections released)."""
    try:
        return call()
    except MilvusUnavailableError as exc:
        if "load()" not in str(exc) and "not loaded" not in str(exc):
            raise
    client.load_collection(collection)
    return call()


def milvus_failure(uri: str, exc: BaseException, call: str = "") -> str:
    """What to tell the user when Milvus at ``uri`` failed with ``exc`` (in ``call``)."""
    reason = str(getattr(exc, "message", "") or exc)
    if "connect" in reason.lower() or "unavailable" in reason.lower() or "deadline" in reason.lower():
        return (f"Milvus at {uri} is not reachable ({reason}); check that it runs and that "
                "index_milvus_uri names it")
    return f"Milvus at {uri} failed{f' ({call})' if call else ''}: {reason}"


class GuardedClient:
    """A ``MilvusClient`` whose failures are ``MilvusUnavailableError`` saying what to check
    (the CLI, the chat and the evals show a ``NewsIndexError``'s message, not a traceback).

    Example::

        client = GuardedClient(MilvusClient(uri=uri), uri)
        client.list_collections()
    """

    def __init__(self, client: Any, uri: str):
        self._client = client
        self._uri = uri

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - pymilvus and grpc raise several kinds
                if not type(exc).__module__.startswith(("pymilvus", "grpc")):
                    raise
                raise MilvusUnavailableError(milvus_failure(self._uri, exc, name)) from exc

        return call


class MilvusDense:
    """The passages' dense vectors in one Milvus collection, read-only (a reader's ``DenseIndex``).

    Vectors that came back with a BM25 search (``remember``) are kept for a while, so the
    cosine of a passage only BM25 found needs no second trip to Milvus.
    """

    remote = True
    RECENT = 4096  # vectors kept from BM25 searches (about 6 MB)

    def __init__(self, client: Any, collection: str, meta: DenseMeta, *, dimension: int, size: int):
        self.client = client
        self.collection = collection
        self.meta = meta
        self.dimension = dimension
        self._size = size
        self._recent: OrderedDict[int, list[float]] = OrderedDict()
        self._recent_lock = threading.Lock()

    def remember(self, rows: dict[int, list[float]]) -> None:
        """Keep these passages' vectors (sent along with search hits) for ``reconstruct_many``."""
        with self._recent_lock:
            self._recent.update(rows)
            while len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)

    @property
    def kind(self) -> str:
        return "milvus"

    @property
    def storage(self) -> str:
        return self.meta.storage

    @property
    def ntotal(self) -> int:
        return self._size

    def memory_bytes(self) -> int:
        return 0  # held by the Milvus server, not by this process

    def _search_params(self) -> dict:
        params: dict[str, Any] = {}
        if self.meta.ef_search:
            params["ef"] = self.meta.ef_search
        if self.meta.nprobe:
            params["nprobe"] = self.meta.nprobe
        return {"metric_type": "IP", "params": params}

    def search(self, query: np.ndarray, k: int, *, within: DateRange | None = None, **_: Any
               ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest passages' vector ids and cosines (inner products of unit vectors),
        of articles dated in ``within`` when it is given (Milvus filters as it searches)."""
        if k <= 0 or self._size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = self._search_params()
        if "ef" in params["params"]:
            params["params"]["ef"] = max(params["params"]["ef"], k)
        vector = np.asarray(query, dtype=np.float32).tolist()
        hits = loaded(self.client, self.collection, lambda: self.client.search(
            self.collection, data=[vector], anns_field=DENSE_FIELD, limit=k, search_params=params, output_fields=[],
            filter=date_filter(within),
        ))[0]
        ids = np.asarray([int(hit["vid"]) for hit in hits], dtype=np.int64)
        return ids, np.asarray([float(hit["distance"]) for hit in hits], dtype=np.float32)

    def reconstruct_many(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids``, in that order (``KeyError`` for an id not stored)."""
        keys = [int(i) for i in ids]
        with self._recent_lock:
            by_id = {key: self._recent[key] for key in keys if key in self._recent}
        missing = [key for key in keys if key not in by_id]
        for begin in range(0, len(missing), _GET_BATCH):
            part = missing[begin : begin + _GET_BATCH]
            rows = loaded(self.client, self.collection,
                          lambda: self.client.get(self.collection, ids=part, output_fields=[DENSE_FIELD]))
            by_id.update((int(row["vid"]), row[DENSE_FIELD]) for row in rows)
        out = np.empty((len(keys), self.dimension), dtype=np.float32)
        for j, key in enumerate(keys):
            if key not in by_id:
                raise KeyError(key)
            out[j] = by_id[key]
        return out

    def reconstruct(self, vid: int) -> np.ndarray:
        return self.reconstruct_many(np.asarray([vid]))[0]


class MilvusLexical:
    """BM25 over the passages' sparse vectors in Milvus, weighed with the stored corpus statistics."""

    def __init__(self, client: Any, collection: str, stats: BM25Stats, dense: MilvusDense | None = None):
        self.client = client
        self.collection = collection
        self.stats = stats
        self.dense = dense  # handed the vectors of the passages found, for their cosines

    def ready(self, folded: dict[int, str] | None = None) -> BM25Stats:
        """The corpus statistics (document frequencies and IDF, as ``BM25Index`` gives them)."""
        return self.stats

    def search(self, folded: dict[int, str], folded_query: str, k: int,
               within: DateRange | None = None) -> list[tuple[int, float]]:
        """``(vector id, BM25 score)`` of the best ``k`` passages with a positive score (of
        articles dated in ``within`` when it is given)."""
        weights = self.stats.query_weights(folded_query)
        if not weights or k <= 0:
            return []
        fields = [DENSE_FIELD] if self.dense is not None else []
        hits = loaded(self.client, self.collection, lambda: self.client.search(
            self.collection, data=[weights], anns_field=SPARSE_FIELD, limit=k,
            search_params={"metric_type": "IP", "params": {}}, output_fields=fields, filter=date_filter(within),
        ))[0]
        hits = [hit for hit in hits if hit["distance"] > 0]
        if self.dense is not None:
            self.dense.remember({int(hit["vid"]): hit["entity"][DENSE_FIELD] for hit in hits})
        return [(int(hit["vid"]), float(hit["distance"])) for hit in hits]
