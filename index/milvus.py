"""The whole index in Milvus (``index_backend = "milvus"``): servers hold no index files.

Set ``index_milvus_uri`` to a Milvus server (``http://milvus:19530``; ``milvus-lite server``
for development) and every ``newsqa serve``/``ask``/``ingest`` pointed at it shares one
archive: an ingest on any machine is answered from by all on their next question. Left
empty, the URI is a Milvus Lite file ``milvus.db`` in the index folder (one process at a
time). Names start with ``index_milvus_collection`` (default ``newsqa``)::

    newsqa_state                          "live": the live generation; "writer": the writer's lease
    newsqa_g000007_<id>_passages          per passage: vector id, doc id, the article's day, chunk
                                          (JSON), folded text, dense vector, sparse BM25 vector
    newsqa_g000007_<id>_records           the manifest, documents, copies and BM25 corpus statistics
                                          (JSON, cut into parts that fit a VARCHAR)

A save writes a complete new generation into new collections, flushes them, and only then
points ``live`` at them (one row upsert: atomic), so a reader never sees half a generation
and a writer that dies leaves only collections that nothing points at (dropped by the next
writer). The previous generation stays until the one after, for readers still loading it.
The BM25 sparse vectors hold each passage's row of the BM25 score matrix (the same folded
bigrams and Lucene formula as the FAISS backend's ``bm25s``); the statistics stored beside
them weigh a question's tokens, so scores equal the FAISS backend's.

One writer at a time: ``lock()`` takes the alias ``<prefix>_writer`` (creating an alias that
exists fails, so only one process gets it) and a lease row that the writer renews while it
works; a writer that died loses the lease when it runs out (``index_milvus_lease_seconds``),
and the publish checks that the lease is still its own.

Example::

    storage = MilvusStorage("http://127.0.0.1:19530", "newsqa")
    with storage.lock():
        ...   # NewsIndex.save() writes through storage.write()
    storage.read_manifest()["documents"]
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from newsqa.faults import crash_point
from newsqa.index.bm25 import BM25Stats, ChunkBM25
from newsqa.index.dense import DenseConfig, DenseIndex, DenseMeta, ivf_cells, ivf_nprobe
from newsqa.index.docstore import DocstoreContents
from newsqa.index.errors import IndexBusyError, IndexNotFoundError, NewsIndexError
from newsqa.index.milvus_parts import (
    DENSE_FIELD, SPARSE_FIELD, GuardedClient, MilvusDense, MilvusLexical, MilvusUnavailableError, day_number, loaded,
    milvus_failure,
)
from newsqa.index.vectors import ChunkVectors

logger = logging.getLogger(__name__)

__all__ = ["MilvusStorage", "MilvusUnavailableError"]

_PART_CHARS = 16_000  # 4 bytes a character at most: a part fits a VARCHAR(65535)
_INSERT_BATCH = 1000
_READ_BATCH = 16_384  # the most Milvus returns a call: fewer round trips, each a scan
_EMPTY_SPARSE = {0: 1e-30}  # Milvus refuses an empty sparse vector; BM25 always gives a token


_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def _connect(uri: str, token: str = "") -> Any:
    """One client per URI, credentials and process (its gRPC channel serves every thread)."""
    with _CLIENTS_LOCK:
        if (uri, token) not in _CLIENTS:
            _CLIENTS[uri, token] = _new_client(uri, token)
        return _CLIENTS[uri, token]


def _new_client(uri: str, token: str) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MilvusUnavailableError(
            "index_backend = milvus needs the optional packages: pip install -e '.[milvus]'"
        ) from exc
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # its RPC errors reach the user as ours
    try:
        return GuardedClient(MilvusClient(uri=uri, token=token), uri)
    except Exception as exc:  # noqa: BLE001 - pymilvus raises several kinds
        raise MilvusUnavailableError(milvus_failure(uri, exc)) from exc


def _datatypes():
    from pymilvus import DataType

    return DataType


class MilvusStorage:
    """An index's generations, its live pointer and its writer lease in Milvus."""

    def __init__(self, uri: str, prefix: str = "newsqa", *, lease_seconds: float = 60.0, token: str = ""):
        self.uri = uri
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        self.where = f"Milvus {uri} (collections {prefix}_*)"
        self.client = _connect(uri, token)
        self._state = f"{prefix}_state"
        self._state_exists = False
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @classmethod
    def for_settings(cls, index_path: Path, config: DenseConfig, lease_seconds: float,
                     token: str = "") -> "MilvusStorage":
        """The storage ``index_milvus_*`` settings name (an empty URI: a Lite file in ``index_path``)."""
        uri = config.milvus_uri
        if not uri:
            Path(index_path).mkdir(parents=True, exist_ok=True)
            uri = str(Path(index_path) / "milvus.db")
        return cls(uri, config.milvus_collection, lease_seconds=lease_seconds, token=token)

    # ------------------------------------------------------------------ the state rows
    def _create_keyed(self, name: str, *, with_kind: bool = False) -> None:
        """A collection of JSON text under a string key (the state rows; with ``with_kind``, the
        records of a generation)."""
        types = _datatypes()
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", types.VARCHAR, is_primary=True, max_length=64)
        if with_kind:
            schema.add_field("kind", types.VARCHAR, max_length=16)
        schema.add_field("value", types.VARCHAR, max_length=65535)
        schema.add_field("pad", types.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
        index = self.client.prepare_index_params()
        index.add_index("pad", index_type="FLAT", metric_type="L2")
        self.client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")

    def _has_state(self) -> bool:
        """Whether the state collection exists, asked of Milvus until it does (not on every question
        after that: ``_get_state`` notices one dropped from outside)."""
        if not self._state_exists:
            self._state_exists = self.client.has_collection(self._state)
        return self._state_exists

    def _ensure_state(self) -> None:
        if not self._has_state():
            self._create_keyed(self._state)
            self._state_exists = True

    def _get_state(self, key: str) -> dict | None:
        if not self._has_state():
            return None
        try:
            rows = loaded(self.client, self._state, lambda: self.client.get(self._state, ids=[key], output_fields=["value"]))
        except MilvusUnavailableError:
            if self.client.has_collection(self._state):
                raise
            self._state_exists = False  # dropped from outside: as if there had never been an index
            return None
        return json.loads(rows[0]["value"]) if rows else None

    def _put_state(self, key: str, value: dict) -> None:
        self._ensure_state()
        self.client.upsert(self._state, [{"key": key, "value": json.dumps(value, ensure_ascii=False), "pad": [0.0, 0.0]}])

    def live(self) -> dict | None:
        """The live pointer: generation, its name and collections, and the previous one's."""
        return self._get_state("live")

    # ------------------------------------------------------------------ reading
    def exists(self) -> bool:
        return self.live() is not None

    def stamp(self) -> str | None:
        """Changes with every published generation; None while Milvus holds no index."""
        live = self.live()
        return None if live is None else live["passages"]

    def read_manifest(self) -> dict:
        live = self.live()
        if live is None:
            raise IndexNotFoundError(
                f"no index in {self.where}; build one with `newsqa ingest --rebuild` "
                "(or `newsqa ingest PATH…` for your own articles)"
            )
        manifests = self._read_records(live["records"], "manifest")["manifest"]
        if not manifests:
            raise NewsIndexError(
                f"the index in {self.where} is damaged (generation {live['name']} has no manifest); "
                "rebuild it with `newsqa ingest --rebuild`"
            )
        return manifests[0]

    def read(self, manifest: dict, config: DenseConfig) -> tuple[DocstoreContents, ChunkVectors, MilvusLexical]:
        """The live generation for a reader: the docstore in memory, search in Milvus."""
        meta = DenseMeta.from_dict(manifest.get("dense"))
        passages = meta.collection
        contents = DocstoreContents()
        records = self._read_records(self._records_of(passages), "document", "copy", "bm25")
        for row in records["document"]:
            contents.add_document_row(*row)
        for row in records["copy"]:
            contents.add_copy_row(*row)
        rows = sorted(self._iterate(passages, ["vid", "chunk", "folded"]), key=lambda r: r["vid"])
        for row in rows:
            contents.add_chunk_row(int(row["vid"]), json.loads(row["chunk"]), row["folded"])
        stats = records["bm25"]
        dense = MilvusDense(self.client, passages, meta, dimension=manifest["dimension"], size=len(rows))
        lexical = MilvusLexical(self.client, passages, BM25Stats.from_dict(stats[0]) if stats else BM25Stats([], [], 0),
                                dense)
        return contents, ChunkVectors.holding(dense, manifest, config), lexical

    def writable(self, vectors: ChunkVectors, lexical: Any) -> tuple[ChunkVectors, ChunkBM25]:
        """The vectors pulled into an exact in-memory index and an empty BM25 (rebuilt at the
        save), so the generation can be changed; a reader's parts are returned unchanged."""
        if not isinstance(vectors.dense, MilvusDense):
            return vectors, lexical
        dense: MilvusDense = vectors.dense
        rows = list(self._iterate(dense.collection, ["vid", DENSE_FIELD]))
        ids = np.asarray([int(r["vid"]) for r in rows], dtype=np.int64)
        matrix = np.asarray([r[DENSE_FIELD] for r in rows], dtype=np.float32).reshape(len(rows), dense.dimension)
        in_memory = ChunkVectors(vectors.config)
        in_memory.dimension, in_memory.next_id = vectors.dimension, vectors.next_id
        in_memory.dense = DenseIndex.build(matrix, ids, "flat", "fp32", vectors.config)
        logger.info("pulled %d vectors from %s to write a new generation", len(ids), dense.collection)
        return in_memory, ChunkBM25()

    # ------------------------------------------------------------------ writing
    def latest_number(self) -> int:
        live = self.live()
        return 0 if live is None else int(live["generation"])

    def name_for(self, generation: int) -> str:
        return f"g{generation:06d}_{uuid.uuid4().hex[:12]}"

    def write(self, generation: int, name: str, vectors: ChunkVectors, contents: DocstoreContents,
              lexical: ChunkBM25, manifest: dict) -> dict:
        """Write generation ``name`` into new collections, flush them, then point ``live`` at them.
        Returns the manifest as written (its ``dense`` names the passages collection)."""
        passages, records = f"{self.prefix}_{name}_passages", f"{self.prefix}_{name}_records"
        meta = self._create_passages(passages, vectors.dimension, vectors.config, len(contents.chunks))
        self._insert_passages(passages, vectors, contents, lexical)
        crash_point("save:vectors-written")
        manifest = manifest | {"dense": meta.to_dict()}
        self._create_keyed(records, with_kind=True)
        self._write_records(records, "manifest", [manifest])
        self._write_records(records, "document", contents.document_rows())
        self._write_records(records, "copy", contents.copy_rows())
        self._write_records(records, "bm25", [lexical.bm25.statistics().to_dict()])
        self.client.flush(passages)
        self.client.flush(records)
        crash_point("save:generation-written")
        self._check_lease()
        live = self.live()
        previous = None if live is None else {k: live[k] for k in ("generation", "name", "passages", "records")}
        self._put_state("live", {"generation": generation, "name": name, "passages": passages,
                                 "records": records, "previous": previous})
        crash_point("save:pointer-swapped")
        return manifest

    def _create_passages(self, name: str, dimension: int, config: DenseConfig, n: int) -> DenseMeta:
        types = _datatypes()
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("vid", types.INT64, is_primary=True)
        schema.add_field("doc_id", types.VARCHAR, max_length=4096)
        schema.add_field("day", types.INT64)  # the article's date, 20230728 (0: undated): date ranges filter on it
        schema.add_field("chunk", types.VARCHAR, max_length=65535)
        schema.add_field("folded", types.VARCHAR, max_length=65535)
        schema.add_field(DENSE_FIELD, types.FLOAT_VECTOR, dim=dimension)
        schema.add_field(SPARSE_FIELD, types.SPARSE_FLOAT_VECTOR)
        index = self.client.prepare_index_params()
        kind = config.wanted(n)
        meta = DenseMeta(kind="milvus", storage="FLAT", uri=self.uri, collection=name)
        if kind == "hnsw":
            meta.storage, meta.ef_search = "HNSW", config.hnsw_ef_search
            index.add_index(DENSE_FIELD, index_type="HNSW", metric_type="IP",
                            params={"M": config.hnsw_m, "efConstruction": 200})
        elif kind == "ivf":
            nlist = ivf_cells(n)
            meta.storage, meta.nprobe = "IVF_FLAT", ivf_nprobe(nlist, config.ivf_nprobe)
            index.add_index(DENSE_FIELD, index_type="IVF_FLAT", metric_type="IP", params={"nlist": nlist})
        else:
            index.add_index(DENSE_FIELD, index_type="FLAT", metric_type="IP")
        index.add_index(SPARSE_FIELD, index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        self.client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")
        return meta

    def _insert_passages(self, name: str, vectors: ChunkVectors, contents: DocstoreContents,
                         lexical: ChunkBM25) -> None:
        bm25 = lexical.bm25
        sparse = dict(zip(lexical.ids.tolist(), bm25.text_weights()))
        ids = sorted(contents.chunks)
        for begin in range(0, len(ids), _INSERT_BATCH):
            part = ids[begin : begin + _INSERT_BATCH]
            dense = vectors.dense.reconstruct_many(np.asarray(part, dtype=np.int64))
            rows = []
            for vid, vector in zip(part, dense):
                chunk = contents.chunks[vid]
                cols, weights = sparse[vid]
                rows.append({
                    "vid": vid, "doc_id": chunk.doc_id, "day": day_number(contents.documents[chunk.doc_id].date),
                    "chunk": json.dumps(chunk.to_dict(), ensure_ascii=False),
                    "folded": contents.folded[vid], DENSE_FIELD: vector.tolist(),
                    SPARSE_FIELD: {int(c): float(w) for c, w in zip(cols, weights) if w > 0} or _EMPTY_SPARSE,
                })
            self.client.insert(name, rows)

    # ------------------------------------------------------------------ records: JSON in parts
    @staticmethod
    def _records_of(passages: str) -> str:
        return passages[: -len("_passages")] + "_records"

    def _write_records(self, name: str, kind: str, items: Iterable[Any]) -> None:
        rows: list[dict] = []
        for seq, item in enumerate(items):
            text = json.dumps(item, ensure_ascii=False)
            for part, begin in enumerate(range(0, max(len(text), 1), _PART_CHARS)):
                rows.append({"key": f"{kind}:{seq:09d}:{part:05d}", "kind": kind,
                             "value": text[begin : begin + _PART_CHARS], "pad": [0.0, 0.0]})
            if len(rows) >= _INSERT_BATCH:
                self.client.insert(name, rows)
                rows = []
        if rows:
            self.client.insert(name, rows)

    def _read_records(self, name: str, *kinds: str) -> dict[str, list[Any]]:
        """The items of each of ``kinds`` in the records collection ``name``, in one read."""
        wanted = ", ".join(f'"{kind}"' for kind in kinds)
        rows = sorted(self._iterate(name, ["key", "value"], f"kind in [{wanted}]"), key=lambda r: r["key"])
        parts: dict[str, list[str]] = {}  # "kind:seq" -> its parts, in order
        for row in rows:
            parts.setdefault(row["key"].rsplit(":", 1)[0], []).append(row["value"])
        items: dict[str, list[Any]] = {kind: [] for kind in kinds}
        for item, texts in parts.items():
            items[item.split(":", 1)[0]].append(json.loads("".join(texts)))
        return items

    def _iterate(self, name: str, fields: list[str], expr: str = "") -> Iterator[dict]:
        iterator = loaded(self.client, name, lambda: self.client.query_iterator(
            name, batch_size=_READ_BATCH, filter=expr, output_fields=fields))
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    # ------------------------------------------------------------------ clean-up
    def _generation_collections(self) -> list[str]:
        pattern = re.compile(rf"{re.escape(self.prefix)}_(g\d{{6}}_[0-9a-f]{{12}})_(passages|records)")
        return [c for c in self.client.list_collections() if pattern.fullmatch(c)]

    def prune(self, keep: set[str]) -> None:
        """Drop the collections of generations other than the live one and the one before it."""
        try:
            live = self.live() or {}
            names = {live.get("name"), (live.get("previous") or {}).get("name")} | set(keep)
            for collection in self._generation_collections():
                if collection[len(self.prefix) + 1 :].rsplit("_", 1)[0] not in names:
                    self.client.drop_collection(collection)
                    logger.info("dropped %s (an old or unfinished generation)", collection)
        except MilvusUnavailableError as exc:  # the generation is live; the next writer drops them
            logger.warning("could not drop old generations in %s: %s", self.where, exc)

    def remove_crash_leftovers(self) -> tuple[list[str], int]:
        """Drop what writers that died left (collections no pointer names). Only under the lock."""
        before = set(self._generation_collections())
        self.prune(set())
        gone = sorted(before - set(self._generation_collections()))
        if gone:
            logger.warning("removed what interrupted saves left in %s: %s", self.where, ", ".join(gone))
        return gone, 0

    # ------------------------------------------------------------------ the writer lease
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Be the one writer (see the module docstring), or fail at once saying who writes."""
        self._acquire()
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(stop,), name="milvus-lease", daemon=True)
        renewer.start()
        try:
            try:
                self.remove_crash_leftovers()
            except Exception as exc:  # noqa: BLE001 - clean-up is best effort
                logger.warning("could not remove what interrupted saves left in %s: %s", self.where, exc)
            yield
        finally:
            stop.set()
            renewer.join()
            self._release()

    def _lease(self) -> dict:
        return {"owner": self._owner, "expires": time.time() + self.lease_seconds}

    def _acquire(self) -> None:
        self._ensure_state()
        alias = f"{self.prefix}_writer"
        try:
            self.client.create_alias(self._state, alias)  # fails when it exists: only one gets it
        except Exception:  # noqa: BLE001 - "alias exists": someone holds, or held, the lease
            held = self._get_state("writer")
            if held is not None and held["expires"] > time.time():
                until = time.strftime("%H:%M:%S", time.localtime(held["expires"]))
                raise IndexBusyError(
                    f"another `newsqa ingest` ({held['owner']}) is writing {self.where}; wait for it to "
                    f"finish and run again (its lease runs to {until} unless it renews it)"
                ) from None
            logger.warning("taking over the writer lease of %s: its holder stopped renewing it",
                           held["owner"] if held else "a writer that died")
        self._put_state("writer", self._lease())
        time.sleep(0.2)  # a writer taking over a dead lease at the same moment: the last write wins
        self._check_lease()

    def _check_lease(self) -> None:
        held = self._get_state("writer")
        if held is None or held["owner"] != self._owner:
            raise IndexBusyError(
                f"this ingest lost the writer lease of {self.where} to "
                f"{held['owner'] if held else 'nobody'} (it paused longer than "
                f"{self.lease_seconds:.0f} s); nothing was published: run it again"
            )

    def _renew(self, stop: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):
            try:
                held = self._get_state("writer")
                if held is not None and held["owner"] == self._owner:
                    self._put_state("writer", self._lease())
            except Exception as exc:  # noqa: BLE001 - retried at the next tick; the publish checks
                logger.warning("could not renew the writer lease: %s", exc)

    def _release(self) -> None:
        try:
            held = self._get_state("writer")
            if held is not None and held["owner"] == self._owner:
                self.client.delete(self._state, ids=["writer"])
                self.client.drop_alias(f"{self.prefix}_writer")
        except Exception as exc:  # noqa: BLE001 - the lease runs out by itself
            logger.warning("could not release the writer lease (it runs out in %.0f s): %s", self.lease_seconds, exc)
