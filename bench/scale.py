"""Query latency, recall and memory at a given archive size (one size per process).

Run by ``bench/run.py`` in a subprocess, so peak memory is this size's alone::

    python -m bench.scale --size 1000000 --pool var/bench/drcd-newsqa --pool var/bench/crud \
        --questions var/bench/questions.jsonl --out var/bench/scale-1000000.json

The archive is the real passages of the ``--pool`` indexes (with their real vectors)
plus synthetic ones up to ``--size``: each synthetic vector is a random mix of two
real passage vectors plus noise (so it has the anisotropy of real e5 vectors), each
synthetic text a run of real sentences (so BM25 sees real bigram statistics), five
passages to an article. The real model encodes every question. Latency is
``NewsQA.ask`` (dense + BM25 retrieval, fusion, rerank, extractive answer); recall@10
compares the approximate dense top 10 with exact search over the same vectors.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import archive_arguments, gold_rank, hit_mrr, load_jsonl, median, peak_rss_bytes, percentile, rss_bytes

logger = logging.getLogger("bench.scale")


def _pool(paths: list[Path], settings) -> tuple[list, list, list, np.ndarray]:
    from newsqa.index.access import open_index

    documents, chunks, folded, vectors = [], [], [], []
    for path in paths:
        index = open_index(settings, path=path)
        documents.extend(index.documents.values())
        ids = sorted(index.chunks)
        chunks.extend(index.chunks[i] for i in ids)
        folded.extend(index._folded[i] for i in ids)
        vectors.append(index._dense.reconstruct_many(np.asarray(ids, dtype=np.int64)))
    return documents, chunks, folded, np.vstack(vectors).astype(np.float32)


def synthetic_vectors(pool: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, pool.shape[1]), dtype=np.float32)
    step = 50_000
    for begin in range(0, n, step):
        m = min(step, n - begin)
        a, b = rng.integers(len(pool), size=(2, m))
        w = rng.uniform(0.2, 0.8, size=(m, 1)).astype(np.float32)
        v = w * pool[a] + (1 - w) * pool[b] + rng.normal(0, 0.02, size=(m, pool.shape[1])).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[begin : begin + m] = v
    return out


def synthetic_passages(folded_pool: list[str], n: int, seed: int, per_doc: int = 5):
    """Documents, chunks, folded texts and text keys of ``n`` synthetic passages."""
    from newsqa.types import Chunk, Document

    rng = np.random.default_rng(seed)
    sentences = [s + "。" for text in folded_pool for s in text.split("。") if len(s) >= 8]
    picks = rng.integers(len(sentences), size=n * 6)
    lengths = rng.integers(3, 7, size=n)
    documents, chunks, folded, keys = [], [], [], []
    pos = 0
    for d in range(0, n, per_doc):
        doc_id = f"synthetic/{d // per_doc:07d}.txt"
        title = sentences[int(picks[pos])][:20]
        texts = []
        for i in range(d, min(n, d + per_doc)):
            texts.append("".join(sentences[int(j)] for j in picks[pos : pos + int(lengths[i])]))
            pos += int(lengths[i])
        body = "\n".join(texts)
        documents.append(Document(doc_id=doc_id, title=title, text=body, source_file=doc_id))
        keys.append(f"synthetic-{d}")
        start = 0
        for o, text in enumerate(texts):
            chunks.append(Chunk(f"{doc_id}#{o}", doc_id, o, text, start, start + len(text), f"{title}\n{text}"))
            folded.append(f"{title}\n{text}")
            start += len(text) + 1
    return documents, chunks, folded, keys


def run(size: int, pools: list[Path], questions: list[dict[str, Any]], kind: str, storages: list[str]) -> dict[str, Any]:
    from newsqa.config import Settings
    from newsqa.index.access import open_index

    import faiss

    out: dict[str, Any] = {"size": size}
    tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-scale-"))
    settings = Settings.load(index_dir=str(tmp), index_dense_kind=kind)
    index = open_index(settings, create=True)  # empty, in the tmp folder
    index.embedder.warmup()  # the question encoder (ONNX, else torch's model) first: what serve holds
    vectors = _build_archive(index, size, pools, settings, out)

    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _ask_questions(index, settings, exact, questions, out)
    out["storages"] = _other_storages(index, vectors, exact, questions, storages, settings, size)
    out["peak_rss_bytes"] = peak_rss_bytes()
    return out


def _build_archive(index, size: int, pools: list[Path], settings, out: dict[str, Any]) -> np.ndarray:
    """Fill the empty ``index`` with ``size`` passages (the pools' real ones, then synthetic
    ones); timings and memory go into ``out``. Returns their vectors (vector ids are
    0..size-1 in insertion order)."""
    rss0 = rss_bytes()
    documents, chunks, folded, pool_vectors = _pool(pools, settings)
    n_real = len(chunks)
    n_syn = max(0, size - n_real)
    started = time.perf_counter()
    vectors = np.vstack([pool_vectors, synthetic_vectors(pool_vectors, n_syn, seed=size)])
    rss_vectors = rss_bytes()
    syn_docs, syn_chunks, syn_folded, syn_keys = synthetic_passages(folded, n_syn, seed=size)
    out["synthesis_s"] = time.perf_counter() - started
    rss_texts = rss_bytes()

    started = time.perf_counter()
    index.add_prepared(documents, chunks, vectors[:n_real], folded)
    index.add_prepared(syn_docs, syn_chunks, vectors[n_real:], syn_folded, text_keys=syn_keys)
    del syn_docs, syn_chunks, syn_folded, syn_keys, documents, chunks, folded
    out["add_s"] = time.perf_counter() - started
    started = time.perf_counter()
    index.optimize_dense()
    out["ann_build_s"] = time.perf_counter() - started
    out["dense_kind"], out["dense_storage"] = index._dense.kind, index._dense.storage
    out["ivf_nprobe"] = index._dense.meta.nprobe
    started = time.perf_counter()
    bm25 = index._bm25_ready()
    out["bm25_build_s"] = time.perf_counter() - started
    rss_built = rss_bytes()

    bm25_bytes = bm25.memory_bytes() + sum(len(t) * 2 + 100 for t in bm25._bm25.vocab_dict)  # + vocab (approx.)
    dense_bytes = index._dense.memory_bytes()
    out["memory"] = {
        "dense_bytes_per_chunk": dense_bytes / size,
        "bm25_bytes_per_chunk": bm25_bytes / size,
        "synthetic_texts_bytes_per_chunk": (rss_texts - rss_vectors) / max(n_syn, 1),
        "rss_after_build_bytes": rss_built,
        # The process as `serve` would hold it: less the bench's own copy of the vectors.
        "serve_rss_bytes": rss_built - vectors.nbytes,
        "rss_bytes_per_chunk": (rss_built - rss0 - vectors.nbytes) / size,
    }
    return vectors


def _ask_questions(index, settings, exact, questions: list[dict[str, Any]], out: dict[str, Any]) -> None:
    """``NewsQA.ask`` latency and gold ranks, and the dense top 10's recall against ``exact``."""
    from newsqa.qa.pipeline import NewsQA

    embedder = index.embedder
    qa = NewsQA(settings, index)
    qa.index.embedder.warmup()  # load before timing
    for row in questions[:3]:
        qa.ask(row["question"])  # warm-up
    latencies, embed_ms, dense_ms, exact_ms, recalls, ranks = [], [], [], [], [], []
    for row in questions:
        answer = qa.ask(row["question"])
        latencies.append(answer.latency_ms)
        ranks.append(gold_rank(row, [(rc.document, rc.chunk.start, rc.chunk.end) for rc in answer.retrieved]))
        t0 = time.perf_counter()
        qv = embedder.embed_query(row["question"])
        embed_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        approx_ids, _ = index._dense.search(qv, 10)
        t1 = time.perf_counter()
        _, exact_ids = exact.search(qv.reshape(1, -1), 10)
        t2 = time.perf_counter()
        dense_ms.append((t1 - t0) * 1000)
        exact_ms.append((t2 - t1) * 1000)
        recalls.append(len(set(approx_ids.tolist()) & set(exact_ids[0].tolist())) / 10)
    out["ask_ms_p50"], out["ask_ms_p95"] = percentile(latencies, 50), percentile(latencies, 95)
    out["dense_ms_p50"], out["exact_dense_ms_p50"] = median(dense_ms), median(exact_ms)
    out["embed_query_ms_p50"] = median(embed_ms)  # the same model call, same process: a load gauge
    out["recall@10"] = float(np.mean(recalls))
    out["questions"] = len(questions)
    out.update({f"real_{k}": v for k, v in hit_mrr(ranks).items()})


def _other_storages(index, vectors: np.ndarray, exact, questions: list[dict[str, Any]], storages: list[str],
                    settings, size: int) -> dict[str, Any]:
    """Other storages over the same vectors: bytes per chunk and recall cost."""
    from newsqa.index.dense import DenseIndex

    ids_all = np.arange(size, dtype=np.int64)  # vector ids are 0..size-1 in insertion order
    variants = {}
    qvs = np.vstack([index.embedder.embed_query(r["question"]) for r in questions])
    _, exact_top = exact.search(qvs, 10)
    for storage in storages:
        kind_v = index._dense.kind
        started = time.perf_counter()
        dense = DenseIndex.build(vectors, ids_all, kind_v, storage, index.dense_config)
        build_s = time.perf_counter() - started
        rec, ms = [], []
        for q, top in zip(qvs, exact_top):
            t0 = time.perf_counter()
            got, _ = dense.search(q, 10)
            ms.append((time.perf_counter() - t0) * 1000)
            rec.append(len(set(got.tolist()) & set(top.tolist())) / 10)
        variants[f"{kind_v}/{storage}"] = {
            "bytes_per_chunk": dense.memory_bytes() / size,
            "recall@10": float(np.mean(rec)),
            "dense_ms_p50": median(ms),
            "build_s": build_s,
        }
        del dense
    return variants


def main(argv: list[str] | None = None) -> int:
    parser = archive_arguments(__doc__.splitlines()[0], limit=200)
    parser.add_argument("--kind", default="auto")
    parser.add_argument("--storages", default="fp16,pq", help="other storages to measure recall/bytes for ('' for none)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    questions = load_jsonl(args.questions)[: args.limit]
    result = run(args.size, args.pool, questions, args.kind, [s for s in args.storages.split(",") if s])
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
