"""The Milvus backend next to FAISS at one archive size (issue 17); one size per process.

Run by ``bench/run.py`` (section ``milvus``) in a subprocess, or by hand::

    python -m bench.milvus --size 100000 --pool var/bench/drcd-newsqa \
        --questions var/bench/questions.jsonl --out var/bench/milvus-100000.json

The archive is ``bench.scale``'s: the real passages of the ``--pool`` indexes (real vectors)
plus synthetic ones up to ``--size``. The same archive is published once into a FAISS index
folder and once into Milvus (a ``milvus-lite server`` this bench starts on a free port, its
data in a temporary folder), and each is then opened the way ``newsqa serve`` opens it. The
figures, per backend: the write rate (passages/s to publish the generation; embedding is
the same for both and left out), the seconds a server takes to open the archive and the memory
a fresh process holds for it (``VmRSS`` growth), ``NewsQA.ask`` p50/p95 over the questions (the
real model encodes each), the first stage alone (``search_candidates``), hit@5/MRR@10 of the
gold passages, and the bytes a passage takes on disk (the FAISS folder; Milvus's data folder),
which docs/scale-out.md sizes servers from.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import archive_arguments, archive_run, gold_rank, hit_mrr, load_jsonl, median, percentile
from bench.scale import _pool, synthetic_passages, synthetic_vectors

logger = logging.getLogger("bench.milvus")
BACKENDS = ("faiss", "milvus")


def _start_server(data: Path) -> tuple[subprocess.Popen, str]:
    """A ``milvus-lite server`` on a free 127.0.0.1 port; returns it and its URI once it answers."""
    from pymilvus import MilvusClient

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = shutil.which("milvus-lite", path=str(Path(sys.executable).parent)) or "milvus-lite"
    proc = subprocess.Popen([command, "server", "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    uri = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            MilvusClient(uri=uri, timeout=2).list_collections()
            return proc, uri
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("milvus-lite server did not start")


def _archive(size: int, pools: list[Path], settings) -> dict[str, Any]:
    documents, chunks, folded, pool_vectors = _pool(pools, settings)
    n_syn = max(0, size - len(chunks))
    syn_docs, syn_chunks, syn_folded, syn_keys = synthetic_passages(folded, n_syn, seed=size)
    return {"real": (documents, chunks, folded), "synthetic": (syn_docs, syn_chunks, syn_folded, syn_keys),
            "vectors": np.vstack([pool_vectors, synthetic_vectors(pool_vectors, n_syn, seed=size)])}


def _publish(settings, archive: dict[str, Any]) -> float:
    """Seconds to add the archive to an empty index and publish it (``save``)."""
    from newsqa.index.access import index_writer

    documents, chunks, folded = archive["real"]
    syn_docs, syn_chunks, syn_folded, syn_keys = archive["synthetic"]
    vectors = archive["vectors"]
    started = time.perf_counter()
    with index_writer(settings, rebuild=True) as index:
        index.add_prepared(documents, chunks, vectors[: len(chunks)], folded)
        index.add_prepared(syn_docs, syn_chunks, vectors[len(chunks) :], syn_folded, text_keys=syn_keys)
        index.save()
    return time.perf_counter() - started


def _serve_like(settings, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Open the archive as ``newsqa serve`` does and ask every question: timings and gold ranks."""
    from newsqa.qa.pipeline import NewsQA

    started = time.perf_counter()
    qa = NewsQA.from_settings(settings)
    open_s = time.perf_counter() - started
    for row in questions[:3]:
        qa.ask(row["question"])  # warm-up: the question encoder, Milvus's first searches
    asks, firsts, ranks = [], [], []
    for row in questions:
        answer = qa.ask(row["question"])
        asks.append(answer.latency_ms)
        ranks.append(gold_rank(row, [(rc.document, rc.chunk.start, rc.chunk.end) for rc in answer.retrieved]))
        vector = qa.index.embedder.embed_query(row["question"])
        t0 = time.perf_counter()
        qa.index.search_candidates(row["question"], query_vector=vector)
        firsts.append((time.perf_counter() - t0) * 1000)
    return {"open_s": open_s, "open_rss_bytes": _reader_rss(settings), "ask_ms_p50": percentile(asks, 50),
            "ask_ms_p95": percentile(asks, 95), "first_stage_ms_p50": median(firsts),
            "first_stage_ms_p95": percentile(firsts, 95), **hit_mrr(ranks)}


_READER_RSS = (
    "import sys\n"
    "from newsqa.config import Settings\n"
    "from newsqa.index.access import open_index\n"
    "def rss():\n"
    "    return int([l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1]) * 1024\n"
    "settings = Settings.load(**dict(arg.split('=', 1) for arg in sys.argv[1:]))\n"
    "open_index(settings, create=True)  # the libraries, before the archive\n"
    "before = rss()\n"
    "index = open_index(settings)\n"
    "print(rss() - before)\n"
)


def _reader_rss(settings) -> int:
    """Bytes a fresh process holds for an opened archive (its ``VmRSS`` growth on ``open_index``:
    the catalog; the model is not loaded), as a server would hold it."""
    fields = ("index_dir", "index_backend", "index_milvus_uri", "index_milvus_collection")
    done = subprocess.run([sys.executable, "-c", _READER_RSS, *(f"{f}={getattr(settings, f)}" for f in fields)],
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"reader RSS measurement failed: {done.stderr[-500:]}")
    return int(done.stdout.strip().splitlines()[-1])


def _folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(size: int, pools: list[Path], questions: list[dict[str, Any]]) -> dict[str, Any]:
    from newsqa.config import Settings

    tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-milvus-"))
    server, uri = _start_server(tmp / "milvus-data")
    try:
        settings = {
            "faiss": Settings.load(index_dir=str(tmp / "faiss")),
            "milvus": Settings.load(index_dir=str(tmp / "milvus-work"), index_backend="milvus",
                                    index_milvus_uri=uri, index_milvus_collection="bench"),
        }
        archive = _archive(size, pools, settings["faiss"])
        out: dict[str, Any] = {"size": size, "questions": len(questions),
                               "dense_kind": settings["faiss"].index_dense_kind if settings["faiss"].index_dense_kind != "auto"
                               else ("ivf" if size >= settings["faiss"].index_approx_min_chunks else "flat")}
        for backend in BACKENDS:
            write_s = _publish(settings[backend], archive)
            out[backend] = {"write_s": write_s, "write_passages_per_s": size / write_s,
                            **_serve_like(settings[backend], questions)}
            logger.info("%s at %d: %s", backend, size, out[backend])
        out["faiss"]["disk_bytes_per_passage"] = _folder_bytes(tmp / "faiss") / size
        out["milvus"]["disk_bytes_per_passage"] = _folder_bytes(tmp / "milvus-data") / size
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def section_milvus(sizes: list[int], limit: int) -> dict[str, Any]:
    """``run`` for each size in a subprocess of its own (``bench/run.py``'s section ``milvus``)."""
    return {str(size): archive_run("bench.milvus", size, limit) for size in sizes}


def milvus_rows(results: dict[str, Any], row) -> list[dict[str, Any]]:
    """The table's rows for section ``milvus`` (``row`` is ``bench.run._row``)."""
    rows = []
    for size, m in (results.get("milvus") or {}).items():
        label = f"7 Milvus vs FAISS {int(size) // 1000}k"
        if "error" in m:
            rows.append(row(label, "error", "; ".join(m["error"])))
            continue
        f, v = m["faiss"], m["milvus"]
        rows.append(row(label, "ask p50 / p95 ms (first stage p50)",
                        f"{v['ask_ms_p50']:.0f} / {v['ask_ms_p95']:.0f} ({v['first_stage_ms_p50']:.1f})",
                        f"FAISS {f['ask_ms_p50']:.0f} / {f['ask_ms_p95']:.0f} ({f['first_stage_ms_p50']:.1f})"))
        rows.append(row("", "publish passages/s; server opens in s; its RSS bytes/passage",
                        f"{v['write_passages_per_s']:.0f}; {v['open_s']:.1f}; {v['open_rss_bytes'] / int(size):.0f}",
                        f"FAISS {f['write_passages_per_s']:.0f}; {f['open_s']:.1f}; {f['open_rss_bytes'] / int(size):.0f}"))
        exact = m.get("dense_kind", "flat") == "flat"  # approximate indexes (IVF) differ between the two
        rows.append(row("", f"hit@5 / MRR@10 ({m.get('dense_kind', 'flat')}); disk bytes/passage",
                        f"{v['hit@5']:.3f} / {v['mrr@10']:.3f}; {v['disk_bytes_per_passage']:.0f}",
                        f"FAISS {f['hit@5']:.3f} / {f['mrr@10']:.3f}; {f['disk_bytes_per_passage']:.0f}",
                        "within 0.005" if exact else "",
                        abs(v["hit@5"] - f["hit@5"]) <= 0.005 and abs(v["mrr@10"] - f["mrr@10"]) <= 0.005 if exact else None))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = archive_arguments(__doc__.splitlines()[0], limit=100).parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logger.setLevel(logging.INFO)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = run(args.size, args.pool, load_jsonl(args.questions)[: args.limit])
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
